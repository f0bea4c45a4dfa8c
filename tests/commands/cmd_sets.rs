//! The set commands, each against a real server.

#![allow(clippy::needless_borrows_for_generic_args)]

use crate::util::{client, resp3, scan_to_end};
use strictredis_test_kit as common;

use std::collections::{BTreeSet, HashSet};

use common::RedisServer;
use strictredis::commands::sets::SScanOptions;
use strictredis::Error;

fn set_of(items: &[&str]) -> BTreeSet<String> {
    items.iter().map(|s| s.to_string()).collect()
}

#[test]
fn members_and_membership() {
    let server = RedisServer::start();
    let r = client(&server);

    assert_eq!(r.sadd("s", &["a", "b", "c"]).unwrap(), 3);
    assert_eq!(r.sadd("s", &["c", "d"]).unwrap(), 1, "c was there");
    assert_eq!(r.sadd("s", "e").unwrap(), 1);
    assert_eq!(r.scard("s").unwrap(), 5);
    assert_eq!(r.scard("missing").unwrap(), 0);

    assert!(r.sismember("s", "a").unwrap());
    assert!(!r.sismember("s", "zz").unwrap());
    assert!(!r.sismember("missing", "a").unwrap());
    assert_eq!(
        r.smismember("s", &["a", "zz", "e"]).unwrap(),
        [true, false, true]
    );
    assert_eq!(r.smismember("missing", &["a"]).unwrap(), [false]);

    let all: BTreeSet<String> = r.smembers("s").unwrap();
    assert_eq!(all, set_of(&["a", "b", "c", "d", "e"]));

    assert_eq!(r.srem("s", &["a", "zz"]).unwrap(), 1);
    assert!(r.smove("s", "t", "b").unwrap());
    assert!(!r.smove("s", "t", "b").unwrap(), "b is no longer in s");
    assert!(!r.smove("missing", "t", "b").unwrap());
    let t: BTreeSet<String> = r.smembers("t").unwrap();
    assert_eq!(t, set_of(&["b"]));

    // Integers are members too, and come back as numbers.
    r.sadd("nums", &[3i64, -1, 7]).unwrap();
    let nums: BTreeSet<i64> = r.smembers("nums").unwrap();
    assert_eq!(nums, BTreeSet::from([-1, 3, 7]));

    server.raw_cmd(&["SET", "str", "x"]);
    match r.sadd("str", "a") {
        Err(Error::Server(e)) => assert_eq!(e.kind(), "WRONGTYPE"),
        other => panic!("expected WRONGTYPE, got {other:?}"),
    }
}

#[test]
fn set_algebra() {
    let server = RedisServer::start();
    let r = client(&server);
    r.sadd("s1", &["a", "b", "c", "d"]).unwrap();
    r.sadd("s2", &["c", "d", "e"]).unwrap();
    r.sadd("s3", &["d", "f"]).unwrap();

    let diff: BTreeSet<String> = r.sdiff(&["s1", "s2"]).unwrap();
    assert_eq!(diff, set_of(&["a", "b"]));
    let inter: BTreeSet<String> = r.sinter(&["s1", "s2", "s3"]).unwrap();
    assert_eq!(inter, set_of(&["d"]));
    let union: BTreeSet<String> = r.sunion(&["s2", "s3"]).unwrap();
    assert_eq!(union, set_of(&["c", "d", "e", "f"]));
    let with_missing: BTreeSet<String> = r.sinter(&["s1", "missing"]).unwrap();
    assert!(with_missing.is_empty());

    assert_eq!(r.sdiffstore("d", &["s1", "s2", "s3"]).unwrap(), 2);
    assert_eq!(r.sinterstore("i", &["s1", "s2"]).unwrap(), 2);
    assert_eq!(r.sunionstore("u", &["s1", "s2", "s3"]).unwrap(), 6);
    let stored: BTreeSet<String> = r.smembers("d").unwrap();
    assert_eq!(stored, set_of(&["a", "b"]));
    assert_eq!(r.scard("i").unwrap(), 2);
    assert_eq!(r.scard("u").unwrap(), 6);

    assert_eq!(r.sintercard(&["s1", "s2"], None).unwrap(), 2);
    assert_eq!(r.sintercard(&["s1", "s2"], Some(1)).unwrap(), 1);
    assert_eq!(
        r.sintercard(&["s1", "s2"], Some(0)).unwrap(),
        2,
        "0: no limit"
    );
    assert_eq!(r.sintercard("s1", None).unwrap(), 4);
}

#[test]
fn random_members() {
    let server = RedisServer::start();
    for r in [client(&server), resp3(&server)] {
        r.delete(&["s", "missing"]).unwrap();
        r.sadd("s", &["a", "b", "c", "d"]).unwrap();
        let any = set_of(&["a", "b", "c", "d"]);

        let one: Option<String> = r.srandmember("s").unwrap();
        assert!(any.contains(one.as_deref().unwrap()));
        let two: HashSet<String> = r.srandmember_count("s", 2).unwrap();
        assert_eq!(two.len(), 2);
        let many: Vec<String> = r.srandmember_count("s", -9).unwrap();
        assert_eq!(many.len(), 9, "negative: exactly -count, repeats allowed");
        assert_eq!(r.scard("s").unwrap(), 4, "SRANDMEMBER leaves them in place");

        let popped: Option<String> = r.spop("s").unwrap();
        let popped = popped.unwrap();
        assert!(any.contains(&popped));
        assert!(!r.sismember("s", &popped).unwrap());
        let rest: BTreeSet<String> = r.spop_count("s", 10).unwrap();
        assert_eq!(rest.len(), 3);
        assert!(!rest.contains(&popped));
        assert_eq!(server.raw_cmd(&["EXISTS", "s"]), "0");

        let none: Option<String> = r.spop("missing").unwrap();
        assert_eq!(none, None);
        let none: Option<String> = r.srandmember("missing").unwrap();
        assert_eq!(none, None);
        let empty: Vec<String> = r.spop_count("missing", 2).unwrap();
        assert!(empty.is_empty());
        let empty: Vec<String> = r.srandmember_count("missing", 2).unwrap();
        assert!(empty.is_empty());
    }
}

#[test]
fn scan_every_member() {
    let server = RedisServer::start();
    let members: Vec<String> = (0..1000).map(|i| format!("m{i}")).collect();
    client(&server).sadd("big", &members).unwrap();

    for r in [client(&server), resp3(&server)] {
        let (seen, calls): (HashSet<String>, _) = scan_to_end(|cursor| {
            r.sscan::<Vec<String>>("big", cursor, SScanOptions::default().count(100))
                .unwrap()
        });
        assert!(calls > 1);
        assert_eq!(seen.len(), 1000);

        let (matched, _): (HashSet<String>, _) = scan_to_end(|cursor| {
            let opts = SScanOptions::default().pattern("m99?").count(500);
            r.sscan::<HashSet<String>>("big", cursor, opts).unwrap()
        });
        assert_eq!(matched.len(), 10, "m990..m999");
    }
}

#[test]
fn resp2_and_resp3_give_the_same_types() {
    let server = RedisServer::start();
    let (r2, r3) = (client(&server), resp3(&server));
    r2.sadd("s", &["x", "y"]).unwrap();
    // RESP3 sends SMEMBERS as a set type, RESP2 as an array.
    let s2: HashSet<String> = r2.smembers("s").unwrap();
    let s3: HashSet<String> = r3.smembers("s").unwrap();
    assert_eq!(s2, s3);
    let mut v3: Vec<String> = r3.smembers("s").unwrap();
    v3.sort();
    assert_eq!(v3, ["x", "y"]);
    assert_eq!(
        r2.smismember("s", &["x", "q"]).unwrap(),
        r3.smismember("s", &["x", "q"]).unwrap()
    );
    assert!(r3.sismember("s", "y").unwrap());
    assert!(!r3.sismember("s", "q").unwrap());
    assert!(r3.smove("s", "t", "y").unwrap());
}

#[test]
fn pipeline_queues_set_commands() {
    let server = RedisServer::start();
    let r = client(&server);
    let mut p = r.pipeline();
    p.sadd("s", &["a", "b"])
        .sismember("s", "a")
        .smismember("s", &["b", "c"])
        .scard("s");
    let (added, is, are, n): (u64, bool, Vec<bool>, u64) = p.execute().unwrap();
    assert_eq!((added, is, are, n), (2, true, vec![true, false], 2));
}
