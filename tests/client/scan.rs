//! Scan iterators against a real server: SCAN (with MATCH, COUNT, TYPE), HSCAN, SSCAN and
//! ZSCAN followed to cursor 0, lazily, one pool checkout per page.

// API.md writes multi-key arguments as `&[..]`; the tests use exactly that form.
#![allow(clippy::needless_borrows_for_generic_args)]

use strictredis_test_kit as common;

use std::collections::{HashMap, HashSet};

use common::RedisServer;
use strictredis::{Error, ScanOptions, StrictRedis};

/// 2,000 `user:N` keys and 2,000 `other:N` keys.
fn fill(r: &StrictRedis) {
    let mut p = r.pipeline_without_transaction();
    for i in 0..2000 {
        p.set(format!("user:{i}"), i).set(format!("other:{i}"), i);
    }
    let _: Vec<()> = p.execute().unwrap();
}

#[test]
fn scan_iter_yields_each_of_2000_matching_keys_among_4000_exactly_once() {
    let server = RedisServer::start();
    let r = StrictRedis::from_url(&server.url()).unwrap();
    fill(&r);

    for count in [None, Some(1000)] {
        let before = server.command_calls("scan");
        let keys: Vec<String> = r
            .scan_iter::<String>(Some("user:*"), count)
            .collect::<Result<_, _>>()
            .unwrap();
        assert_eq!(keys.len(), 2000, "count {count:?}");
        let unique: HashSet<&String> = keys.iter().collect();
        assert_eq!(unique.len(), 2000, "no key twice (count {count:?})");
        let expected: HashSet<String> = (0..2000).map(|i| format!("user:{i}")).collect();
        assert_eq!(unique, expected.iter().collect());
        let pages = server.command_calls("scan") - before;
        assert!(pages > 1, "the cursor was followed over {pages} pages");
    }
    // Every page was one checkout of the one pooled connection.
    assert_eq!((r.pool().size(), r.pool().free_size()), (1, 1));

    let all: usize = r.scan_iter::<Vec<u8>>(None, Some(500)).count();
    assert_eq!(all, 4000);
}

#[test]
fn scan_iter_is_lazy() {
    let server = RedisServer::start();
    let r = StrictRedis::from_url(&server.url()).unwrap();
    fill(&r);
    let mut it = r.scan_iter::<String>(None, Some(100));
    assert_eq!(
        server.command_calls("scan"),
        0,
        "nothing sent before the first next()"
    );
    let first: Vec<String> = it.by_ref().take(5).map(Result::unwrap).collect();
    assert_eq!(first.len(), 5);
    assert_eq!(
        server.command_calls("scan"),
        1,
        "one page was enough for five keys"
    );
    assert!(!it.is_finished());
    let rest = it.by_ref().count();
    assert_eq!(rest + 5, 4000);
    assert!(it.is_finished());
    assert!(it.next().is_none());
}

#[test]
fn scan_iter_with_type_and_an_empty_keyspace() {
    let server = RedisServer::start();
    let r = StrictRedis::from_url(&server.url()).unwrap();
    assert_eq!(r.scan_iter::<String>(None, None).count(), 0);

    for i in 0..50 {
        r.hset(format!("h:{i}"), "f", "v").unwrap();
        r.set(format!("s:{i}"), "v").unwrap();
        r.sadd(format!("set:{i}"), "m").unwrap();
    }
    let hashes: HashSet<String> = r
        .scan_iter_with(ScanOptions {
            type_: Some("hash".into()),
            ..Default::default()
        })
        .collect::<Result<_, _>>()
        .unwrap();
    assert_eq!(hashes.len(), 50);
    assert!(hashes.iter().all(|k| k.starts_with("h:")));

    let sets: Vec<String> = r
        .scan_iter_with(ScanOptions {
            pattern: Some("set:1*".into()),
            count: Some(7),
            type_: Some("set".into()),
        })
        .collect::<Result<_, _>>()
        .unwrap();
    let mut sets = sets;
    sets.sort();
    let mut want: Vec<String> = (0..50)
        .map(|i| format!("set:{i}"))
        .filter(|k| k.starts_with("set:1"))
        .collect();
    want.sort();
    assert_eq!(sets, want);
}

#[test]
fn hscan_iter_yields_field_value_pairs() {
    let server = RedisServer::start();
    let r = StrictRedis::from_url(&server.url()).unwrap();
    // Large enough to be a real hash table (several pages), not a listpack.
    let mut p = r.pipeline_without_transaction();
    for i in 0..1000 {
        p.hset("big", format!("f{i}"), i);
    }
    let _: Vec<u64> = p.execute().unwrap();
    let before = server.command_calls("hscan");
    let pairs: Vec<(String, i64)> = r
        .hscan_iter::<String, i64>("big", None, None)
        .collect::<Result<_, _>>()
        .unwrap();
    assert!(server.command_calls("hscan") - before > 1, "several pages");
    assert_eq!(pairs.len(), 1000);
    let map: HashMap<String, i64> = pairs.into_iter().collect();
    let all: HashMap<String, i64> = r.hgetall("big").unwrap();
    assert_eq!(map, all);

    let matching: Vec<(String, String)> = r
        .hscan_iter("big", Some("f99*"), Some(100))
        .collect::<Result<_, _>>()
        .unwrap();
    let mut fields: Vec<String> = matching.into_iter().map(|(f, _)| f).collect();
    fields.sort();
    assert_eq!(
        fields,
        ["f99", "f990", "f991", "f992", "f993", "f994", "f995", "f996", "f997", "f998", "f999"]
    );
}

#[test]
fn sscan_iter_yields_members() {
    let server = RedisServer::start();
    let r = StrictRedis::from_url(&server.url()).unwrap();
    let members: Vec<String> = (0..1000).map(|i| format!("m{i}")).collect();
    r.sadd("s", &members).unwrap();
    let got: HashSet<String> = r
        .sscan_iter("s", None, Some(50))
        .collect::<Result<_, _>>()
        .unwrap();
    assert_eq!(got, members.into_iter().collect());
    let none: Vec<String> = r
        .sscan_iter("s", Some("nothing*"), None)
        .collect::<Result<_, _>>()
        .unwrap();
    assert!(none.is_empty());
    assert_eq!(r.sscan_iter::<String>("missing", None, None).count(), 0);
}

fn zscan(resp3: bool) {
    let server = RedisServer::start();
    let url = if resp3 {
        format!("{}?protocol=3", server.url())
    } else {
        server.url()
    };
    let r = StrictRedis::from_url(&url).unwrap();
    let pairs: Vec<(String, f64)> = (0..500)
        .map(|i| (format!("m{i}"), i as f64 / 4.0))
        .collect();
    r.zadd("z", &pairs).unwrap();
    let mut got: Vec<(String, f64)> = r
        .zscan_iter::<String>("z", None, Some(100))
        .collect::<Result<_, _>>()
        .unwrap();
    got.sort_by(|a, b| a.1.total_cmp(&b.1));
    assert_eq!(got, pairs);
    // A small sorted set (one listpack page) too.
    r.zadd("small", &[("a", -1.5), ("b", f64::INFINITY)])
        .unwrap();
    let mut small: Vec<(String, f64)> = r
        .zscan_iter("small", None, None)
        .collect::<Result<_, _>>()
        .unwrap();
    small.sort_by(|a, b| a.1.total_cmp(&b.1));
    assert_eq!(
        small,
        vec![("a".to_string(), -1.5), ("b".to_string(), f64::INFINITY)]
    );
}

#[test]
fn zscan_iter_yields_member_score_pairs_resp2() {
    zscan(false);
}

#[test]
fn zscan_iter_yields_member_score_pairs_resp3() {
    zscan(true);
}

#[test]
fn a_failing_page_is_one_error_then_the_end() {
    let server = RedisServer::start();
    let r = StrictRedis::from_url(&server.url()).unwrap();
    r.set("string", "v").unwrap();
    let mut it = r.hscan_iter::<String, String>("string", None, None);
    let err = it.next().unwrap().unwrap_err();
    assert_eq!(err.server_error().unwrap().kind(), "WRONGTYPE");
    assert!(it.next().is_none());

    // A reply that does not convert is a type error (a non-numeric hash value as i64).
    r.hset("h", "f", "text").unwrap();
    let results: Vec<_> = r.hscan_iter::<String, i64>("h", None, None).collect();
    assert_eq!(results.len(), 1);
    assert!(matches!(results[0], Err(Error::Type(_))), "{results:?}");
}

#[test]
fn binary_keys() {
    let server = RedisServer::start();
    let r = StrictRedis::from_url(&server.url()).unwrap();
    let key: &[u8] = b"bin:\x00\xff";
    r.set(key, "v").unwrap();
    let keys: Vec<Vec<u8>> = r
        .scan_iter(Some("bin:*"), None)
        .collect::<Result<_, _>>()
        .unwrap();
    assert_eq!(keys, vec![key.to_vec()]);
}
