//! The hash commands, each against a real server: Redis for the classic ones, Valkey 9.1 for
//! the per-field expiry commands (HEXPIRE, HSETEX, HGETEX, HGETDEL, ...).

#![allow(clippy::needless_borrows_for_generic_args)]

use crate::util::{client, resp3, scan_to_end};
use strictredis_test_kit as common;

use std::collections::{BTreeMap, HashMap, HashSet};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use common::{wait_until, RedisServer};
use strictredis::commands::hashes::{
    HExpireCondition, HGetExExpiry, HScanOptions, HSetExExpiry, HSetExOptions,
};
use strictredis::Error;

fn unix_now() -> Duration {
    SystemTime::now().duration_since(UNIX_EPOCH).unwrap()
}

#[test]
fn set_get_delete_and_count_fields() {
    let server = RedisServer::start();
    let r = client(&server);

    assert_eq!(r.hset("h", "a", "1").unwrap(), 1);
    assert_eq!(
        r.hset("h", "a", "2").unwrap(),
        0,
        "an existing field is not new"
    );
    assert_eq!(
        r.hset_multiple("h", &[("b", "x"), ("c", "yy"), ("a", "3")])
            .unwrap(),
        2
    );
    let v: Option<String> = r.hget("h", "a").unwrap();
    assert_eq!(v.as_deref(), Some("3"));
    let missing: Option<String> = r.hget("h", "nope").unwrap();
    assert_eq!(missing, None);

    assert!(r.hexists("h", "b").unwrap());
    assert!(!r.hexists("h", "nope").unwrap());
    assert!(!r.hexists("no-such-hash", "b").unwrap());

    assert_eq!(r.hlen("h").unwrap(), 3);
    assert_eq!(r.hlen("no-such-hash").unwrap(), 0);
    assert_eq!(r.hstrlen("h", "c").unwrap(), 2);
    assert_eq!(r.hstrlen("h", "nope").unwrap(), 0);

    let mut keys: Vec<String> = r.hkeys("h").unwrap();
    keys.sort();
    assert_eq!(keys, ["a", "b", "c"]);
    let vals: HashSet<String> = r.hvals("h").unwrap();
    assert_eq!(vals, HashSet::from(["3".into(), "x".into(), "yy".into()]));
    let got: Vec<Option<String>> = r.hmget("h", &["c", "nope", "a"]).unwrap();
    assert_eq!(got, [Some("yy".into()), None, Some("3".into())]);
    let all: BTreeMap<String, String> = r.hgetall("h").unwrap();
    assert_eq!(
        all,
        BTreeMap::from([
            ("a".into(), "3".into()),
            ("b".into(), "x".into()),
            ("c".into(), "yy".into())
        ])
    );
    let none: HashMap<String, String> = r.hgetall("no-such-hash").unwrap();
    assert!(none.is_empty());

    assert_eq!(r.hdel("h", &["a", "b", "nope"]).unwrap(), 2);
    assert_eq!(r.hdel("h", "c").unwrap(), 1);
    assert_eq!(
        server.raw_cmd(&["EXISTS", "h"]),
        "0",
        "the empty hash is gone"
    );

    r.hmset("m", &[("f1", "v1"), ("f2", "v2")]).unwrap();
    assert_eq!(server.raw_cmd(&["HGET", "m", "f2"]), "v2");
    let mut map = HashMap::new();
    map.insert("f3", 3i64);
    r.hmset("m", &map).unwrap();
    assert_eq!(server.raw_cmd(&["HGET", "m", "f3"]), "3");

    assert!(r.hsetnx("m", "new", "1").unwrap());
    assert!(!r.hsetnx("m", "new", "2").unwrap(), "the field exists");
    assert_eq!(server.raw_cmd(&["HGET", "m", "new"]), "1");

    // Binary fields and values round-trip.
    let field: &[u8] = b"\x00\xff";
    r.hset("bin", field, vec![1u8, 2, 0]).unwrap();
    let back: Vec<u8> = r.hget("bin", field).unwrap();
    assert_eq!(back, [1, 2, 0]);
}

#[test]
fn increments() {
    let server = RedisServer::start();
    let r = client(&server);

    assert_eq!(r.hincrby("h", "n", 5).unwrap(), 5);
    assert_eq!(r.hincrby("h", "n", -8).unwrap(), -3);
    assert_eq!(r.hincrbyfloat("h", "f", 1.5).unwrap(), 1.5);
    assert_eq!(r.hincrbyfloat("h", "f", -0.25).unwrap(), 1.25);
    assert_eq!(server.raw_cmd(&["HGET", "h", "n"]), "-3");

    r.hset("h", "text", "abc").unwrap();
    match r.hincrby("h", "text", 1) {
        Err(Error::Server(e)) => assert_eq!(e.kind(), "ERR"),
        other => panic!("expected a server error, got {other:?}"),
    }
    server.raw_cmd(&["RPUSH", "list", "x"]);
    match r.hget::<Option<String>>("list", "f") {
        Err(Error::Server(e)) => assert_eq!(e.kind(), "WRONGTYPE"),
        other => panic!("expected WRONGTYPE, got {other:?}"),
    }
    // The connection is still in sync after the errors.
    assert_eq!(r.hincrby("h", "n", 3).unwrap(), 0);
}

#[test]
fn random_fields() {
    let server = RedisServer::start();
    for r in [client(&server), resp3(&server)] {
        r.delete("h").unwrap();
        let none: Option<String> = r.hrandfield("h").unwrap();
        assert_eq!(none, None);
        let empty: Vec<String> = r.hrandfield_count("h", 3).unwrap();
        assert!(empty.is_empty());

        r.hset_multiple("h", &[("a", "1"), ("b", "2"), ("c", "3")])
            .unwrap();
        let one: Option<String> = r.hrandfield("h").unwrap();
        assert!(matches!(one.as_deref(), Some("a" | "b" | "c")));

        let two: HashSet<String> = r.hrandfield_count("h", 2).unwrap();
        assert_eq!(two.len(), 2, "a positive count gives distinct fields");
        let all: HashSet<String> = r.hrandfield_count("h", 10).unwrap();
        assert_eq!(all.len(), 3);
        let repeated: Vec<String> = r.hrandfield_count("h", -7).unwrap();
        assert_eq!(repeated.len(), 7, "a negative count gives exactly -count");

        let pairs: Vec<(String, i64)> = r.hrandfield_withvalues("h", 3).unwrap();
        let as_map: HashMap<String, i64> = pairs.into_iter().collect();
        assert_eq!(
            as_map,
            HashMap::from([("a".into(), 1), ("b".into(), 2), ("c".into(), 3)])
        );
    }
}

#[test]
fn scan_every_field() {
    let server = RedisServer::start();
    let r = client(&server);
    let pairs: Vec<(String, String)> = (0..1000)
        .map(|i| (format!("f{i}"), format!("v{i}")))
        .collect();
    r.hset_multiple("big", &pairs).unwrap();

    for r in [client(&server), resp3(&server)] {
        let (seen, calls): (HashMap<String, String>, _) = scan_to_end(|cursor| {
            r.hscan::<HashMap<String, String>>("big", cursor, HScanOptions::default().count(50))
                .unwrap()
        });
        assert!(
            calls > 1,
            "a 1000-field hash (not a listpack) takes several calls"
        );
        assert_eq!(seen.len(), 1000);
        assert_eq!(seen["f299"], "v299");

        let (matched, _): (HashSet<String>, _) = scan_to_end(|cursor| {
            let (next, batch) = r
                .hscan::<Vec<(String, String)>>(
                    "big",
                    cursor,
                    HScanOptions::default().pattern("f1?"),
                )
                .unwrap();
            (next, batch.into_iter().map(|(f, _)| f))
        });
        assert_eq!(matched.len(), 10, "f10..f19");

        let (next, empty): (u64, Vec<(String, String)>) =
            r.hscan("missing", 0, HScanOptions::default()).unwrap();
        assert_eq!((next, empty.len()), (0, 0));
    }
}

#[test]
fn resp2_and_resp3_give_the_same_types() {
    let server = RedisServer::start();
    let (r2, r3) = (client(&server), resp3(&server));
    r2.hset_multiple("h", &[("a", "1"), ("b", "2.5")]).unwrap();

    let m2: HashMap<String, f64> = r2.hgetall("h").unwrap();
    let m3: HashMap<String, f64> = r3.hgetall("h").unwrap();
    assert_eq!(m2, m3);
    assert_eq!(m3["b"], 2.5);
    let p2: Vec<(String, String)> = r2.hgetall("h").unwrap();
    let mut p3: Vec<(String, String)> = r3.hgetall("h").unwrap();
    p3.sort();
    assert_eq!(p3, [("a".into(), "1".into()), ("b".into(), "2.5".into())]);
    assert_eq!(p2.len(), 2);

    assert_eq!(
        r2.hincrbyfloat("h", "b", 0.1).unwrap(),
        r3.hincrbyfloat("h", "b", 0.0).unwrap()
    );
    assert!(r3.hexists("h", "a").unwrap());
    assert!(!r3.hexists("h", "zz").unwrap());
}

#[test]
fn pipeline_and_connection_methods() {
    let server = RedisServer::start();
    let r = client(&server);
    let mut p = r.pipeline();
    p.hset_multiple("h", &[("a", "1")])
        .hincrby("h", "a", 2)
        .hexists("h", "a")
        .hget("h", "a");
    let (added, n, there, v): (u64, i64, bool, String) = p.execute().unwrap();
    assert_eq!((added, n, there, v.as_str()), (1, 3, true, "3"));

    let mut conn = r.pool().get().unwrap();
    assert_eq!(conn.hlen("h").unwrap(), 1);
    assert!(conn.hsetnx("h", "b", "x").unwrap());
}

// ---- Valkey 9.1: per-field expiry ----------------------------------------------------------

#[test]
fn valkey_hsetex_and_hgetex() {
    let server = RedisServer::start_valkey(&[]);
    let r = client(&server);

    assert!(r
        .hsetex("h", &[("a", "1"), ("b", "2")], HSetExOptions::default())
        .unwrap());
    assert_eq!(r.httl("h", &["a", "b", "zz"]).unwrap(), [-1, -1, -2]);

    // FNX: refused when a field exists.
    let fnx = HSetExOptions::default().fnx().expiry(HSetExExpiry::Ex(100));
    assert!(!r.hsetex("h", &[("a", "9"), ("c", "3")], fnx).unwrap());
    assert_eq!(server.raw_cmd(&["HGET", "h", "a"]), "1");
    assert!(r.hsetex("h", &[("c", "3")], fnx).unwrap());
    let ttl = r.httl("h", &["c"]).unwrap();
    assert!(ttl[0] > 0 && ttl[0] <= 100, "{ttl:?}");

    // FXX with KEEPTTL keeps c's expiry; PX sets one in milliseconds.
    let keep = HSetExOptions::default().fxx().expiry(HSetExExpiry::KeepTtl);
    assert!(r.hsetex("h", &[("c", "33")], keep).unwrap());
    assert!(r.httl("h", &["c"]).unwrap()[0] > 0);
    let px = HSetExOptions::default().expiry(HSetExExpiry::Px(200_000));
    assert!(r.hsetex("h", &[("b", "22")], px).unwrap());
    let pttl = r.hpttl("h", &["b"]).unwrap()[0];
    assert!(pttl > 100_000 && pttl <= 200_000, "{pttl}");

    // NX / XX on the key.
    assert!(!r
        .hsetex("h", &[("d", "4")], HSetExOptions::default().nx())
        .unwrap());
    assert!(!r
        .hsetex("other", &[("d", "4")], HSetExOptions::default().xx())
        .unwrap());
    assert!(r
        .hsetex("other", &[("d", "4")], HSetExOptions::default().nx())
        .unwrap());

    // EXAT / PXAT: absolute times.
    let at = unix_now().as_secs() + 1000;
    let exat = HSetExOptions::default().expiry(HSetExExpiry::ExAt(at));
    assert!(r.hsetex("h", &[("e", "5")], exat).unwrap());
    assert_eq!(r.hexpiretime("h", &["e"]).unwrap(), [at as i64]);
    let at_ms = unix_now().as_millis() as u64 + 1_000_000;
    let pxat = HSetExOptions::default().expiry(HSetExExpiry::PxAt(at_ms));
    assert!(r.hsetex("h", &[("f", "6")], pxat).unwrap());
    assert_eq!(r.hpexpiretime("h", &["f"]).unwrap(), [at_ms as i64]);

    // HGETEX: read and change the expiry.
    let got: Vec<Option<String>> = r
        .hgetex("h", &["a", "zz"], Some(HGetExExpiry::Ex(50)))
        .unwrap();
    assert_eq!(got, [Some("1".into()), None]);
    let ttl = r.httl("h", &["a"]).unwrap()[0];
    assert!(ttl > 0 && ttl <= 50, "{ttl}");
    let got: Vec<String> = r.hgetex("h", &["a"], Some(HGetExExpiry::Persist)).unwrap();
    assert_eq!(got, ["1"]);
    assert_eq!(r.httl("h", &["a"]).unwrap(), [-1]);
    let _: Vec<String> = r
        .hgetex("h", &["a"], Some(HGetExExpiry::Px(90_000)))
        .unwrap();
    assert!(r.hpttl("h", &["a"]).unwrap()[0] > 0);
    let at = unix_now().as_secs() + 500;
    let _: Vec<String> = r.hgetex("h", &["a"], Some(HGetExExpiry::ExAt(at))).unwrap();
    assert_eq!(r.hexpiretime("h", &["a"]).unwrap(), [at as i64]);
    let at_ms = unix_now().as_millis() as u64 + 500_000;
    let _: Vec<String> = r
        .hgetex("h", &["a"], Some(HGetExExpiry::PxAt(at_ms)))
        .unwrap();
    assert_eq!(r.hpexpiretime("h", &["a"]).unwrap(), [at_ms as i64]);
    let plain: Vec<Option<String>> = r.hgetex("h", &["b"], None).unwrap();
    assert_eq!(plain, [Some("22".into())]);
    let missing: Vec<Option<String>> = r.hgetex("nokey", &["a"], None).unwrap();
    assert_eq!(missing, [None]);
}

#[test]
fn valkey_hexpire_family() {
    let server = RedisServer::start_valkey(&[]);
    let r = client(&server);
    r.hset_multiple("h", &[("a", "1"), ("b", "2"), ("c", "3")])
        .unwrap();

    assert_eq!(r.hexpire("h", 100, &["a", "zz"], None).unwrap(), [1, -2]);
    assert_eq!(
        r.hexpire("h", 200, &["a", "b"], Some(HExpireCondition::Nx))
            .unwrap(),
        [0, 1],
        "NX: a already has an expiry"
    );
    assert_eq!(
        r.hexpire("h", 50, &["a"], Some(HExpireCondition::Gt))
            .unwrap(),
        [0],
        "GT: 50 s is not later"
    );
    assert_eq!(
        r.hexpire("h", 50, &["a"], Some(HExpireCondition::Lt))
            .unwrap(),
        [1]
    );
    assert_eq!(
        r.hexpire("h", 50, &["c"], Some(HExpireCondition::Xx))
            .unwrap(),
        [0],
        "XX: c has no expiry"
    );
    let ttl = r.httl("h", &["a", "b", "c"]).unwrap();
    assert!(ttl[0] > 0 && ttl[0] <= 50, "{ttl:?}");
    assert!(ttl[1] > 50 && ttl[1] <= 200, "{ttl:?}");
    assert_eq!(ttl[2], -1);

    assert_eq!(r.hpexpire("h", 300_000, &["c"], None).unwrap(), [1]);
    let pttl = r.hpttl("h", &["c"]).unwrap()[0];
    assert!(pttl > 200_000 && pttl <= 300_000, "{pttl}");

    let at = unix_now().as_secs() + 3600;
    assert_eq!(r.hexpireat("h", at, &["a"], None).unwrap(), [1]);
    assert_eq!(r.hexpiretime("h", &["a", "zz"]).unwrap(), [at as i64, -2]);
    let at_ms = unix_now().as_millis() as u64 + 7_200_000;
    assert_eq!(
        r.hpexpireat("h", at_ms, &["b"], Some(HExpireCondition::Gt))
            .unwrap(),
        [1]
    );
    assert_eq!(r.hpexpiretime("h", &["b"]).unwrap(), [at_ms as i64]);

    assert_eq!(r.hpersist("h", &["a", "zz"]).unwrap(), [1, -2]);
    assert_eq!(r.hpersist("h", &["a"]).unwrap(), [-1], "no expiry left");
    assert_eq!(r.httl("nokey", &["a"]).unwrap(), [-2]);

    // A time in the past deletes the field at once (code 2).
    assert_eq!(r.hexpireat("h", 1, &["a"], None).unwrap(), [2]);
    assert!(!r.hexists("h", "a").unwrap());

    // A short expiry: the field goes by itself.
    assert_eq!(r.hpexpire("h", 50, &["c"], None).unwrap(), [1]);
    assert!(wait_until(Duration::from_secs(10), || !r
        .hexists("h", "c")
        .unwrap()));
    assert!(r.hexists("h", "b").unwrap());
}

#[test]
fn valkey_hgetdel_and_novalues() {
    let server = RedisServer::start_valkey(&[]);
    for r in [client(&server), resp3(&server)] {
        r.hset_multiple("h", &[("a", "1"), ("b", "2")]).unwrap();
        let got: Vec<Option<String>> = r.hgetdel("h", &["a", "zz"]).unwrap();
        assert_eq!(got, [Some("1".into()), None]);
        assert!(!r.hexists("h", "a").unwrap());

        let (cursor, names): (u64, Vec<String>) =
            r.hscan("h", 0, HScanOptions::default().novalues()).unwrap();
        assert_eq!((cursor, names), (0, vec!["b".to_string()]));

        let got: Vec<Option<String>> = r.hgetdel("h", &["b"]).unwrap();
        assert_eq!(got, [Some("2".into())]);
        assert_eq!(server.raw_cmd(&["EXISTS", "h"]), "0");
    }
}
