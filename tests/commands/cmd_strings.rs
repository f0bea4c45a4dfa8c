//! Every string command against a real server (Valkey-only ones against Valkey 9.1), with the
//! replies that are easy to get wrong: missing keys, SET's options, GETRANGE past the end,
//! SETRANGE padding, MSETNX refusing, LCS IDX; and the same calls over RESP3.

#![allow(clippy::needless_borrows_for_generic_args)]

use crate::util::{client, now_secs, same_over_resp2_and_resp3};
use strictredis_test_kit as common;

use common::RedisServer;
use strictredis::commands::strings::{
    Exists, Expiry, GetExExpiry, LcsIdx, LcsMatch, MsetexOptions, SetOptions,
};
use strictredis::StrictRedis;

#[test]
fn get_set_and_missing_keys() {
    let server = RedisServer::start();
    let r = client(&server);

    let missing: Option<String> = r.get("nope").unwrap();
    assert_eq!(missing, None);
    let missing: Option<Vec<u8>> = r.get("nope").unwrap();
    assert_eq!(missing, None);

    r.set("k", "v").unwrap();
    let v: String = r.get("k").unwrap();
    assert_eq!(v, "v");
    let vals: Vec<Option<String>> = r.mget(&["k", "nope"]).unwrap();
    assert_eq!(vals, vec![Some("v".to_string()), None]);

    assert!(r.setnx("fresh", "1").unwrap());
    assert!(!r.setnx("fresh", "2").unwrap());
    assert_eq!(server.raw_cmd(&["GET", "fresh"]), "1");

    r.setex("ex", 100, "x").unwrap();
    let ttl: i64 = server.raw_cmd(&["TTL", "ex"]).parse().unwrap();
    assert!((1..=100).contains(&ttl), "ttl {ttl}");
    r.psetex("pex", 100_000, "y").unwrap();
    let pttl: i64 = server.raw_cmd(&["PTTL", "pex"]).parse().unwrap();
    assert!((1..=100_000).contains(&pttl), "pttl {pttl}");

    let old: Option<String> = r.getset("k", "v2").unwrap();
    assert_eq!(old.as_deref(), Some("v"));
    let old: Option<String> = r.getset("new-by-getset", "a").unwrap();
    assert_eq!(old, None);

    let gone: Option<String> = r.getdel("k").unwrap();
    assert_eq!(gone.as_deref(), Some("v2"));
    assert_eq!(server.raw_cmd(&["EXISTS", "k"]), "0");
    let gone: Option<String> = r.getdel("k").unwrap();
    assert_eq!(gone, None);
}

#[test]
fn counters() {
    let server = RedisServer::start();
    let r = client(&server);
    assert_eq!(r.incr("n").unwrap(), 1);
    assert_eq!(r.incrby("n", 9).unwrap(), 10);
    assert_eq!(r.decr("n").unwrap(), 9);
    assert_eq!(r.decrby("n", 20).unwrap(), -11);
    assert_eq!(r.decr("fresh-counter").unwrap(), -1);
    assert_eq!(r.incrbyfloat("f", 1.5).unwrap(), 1.5);
    assert_eq!(r.incrbyfloat("f", -0.25).unwrap(), 1.25);
}

#[test]
fn ranges_append_strlen() {
    let server = RedisServer::start();
    let r = client(&server);
    r.set("s", "Hello World").unwrap();

    let part: String = r.getrange("s", 0, 4).unwrap();
    assert_eq!(part, "Hello");
    let tail: String = r.getrange("s", -5, -1).unwrap();
    assert_eq!(tail, "World");
    let past: String = r.getrange("s", 100, 200).unwrap();
    assert_eq!(past, "", "GETRANGE past the end is an empty string");
    let on_missing: String = r.getrange("missing", 0, 10).unwrap();
    assert_eq!(on_missing, "");
    let old_name: String = r.substr("s", 6, 100).unwrap();
    assert_eq!(old_name, "World");

    assert_eq!(r.setrange("s", 6, "Redis").unwrap(), 11);
    assert_eq!(server.raw_cmd(&["GET", "s"]), "Hello Redis");
    assert_eq!(r.setrange("padded", 3, "ab").unwrap(), 5);
    let padded: Vec<u8> = r.get("padded").unwrap();
    assert_eq!(padded, b"\0\0\0ab", "SETRANGE zero-pads a missing key");

    assert_eq!(r.append("s", "!").unwrap(), 12);
    assert_eq!(r.append("appended", "abc").unwrap(), 3);
    assert_eq!(r.strlen("s").unwrap(), 12);
    assert_eq!(r.strlen("missing").unwrap(), 0);
}

#[test]
fn set_with_conditions_get_and_expiry() {
    let server = RedisServer::start();
    let r = client(&server);

    // NX / XX without GET: whether it was set.
    let set: bool = r.set_with("k", "1", SetOptions::new().nx()).unwrap();
    assert!(set);
    let set: bool = r.set_with("k", "2", SetOptions::new().nx()).unwrap();
    assert!(!set, "NX on an existing key does not set");
    assert_eq!(server.raw_cmd(&["GET", "k"]), "1");
    let set: bool = r.set_with("missing", "x", SetOptions::new().xx()).unwrap();
    assert!(!set, "XX on a missing key does not set");
    assert_eq!(server.raw_cmd(&["EXISTS", "missing"]), "0");
    let set: bool = r
        .set_with(
            "k",
            "3",
            SetOptions {
                condition: Some(Exists::Xx),
                ..SetOptions::default()
            },
        )
        .unwrap();
    assert!(set);
    assert_eq!(server.raw_cmd(&["GET", "k"]), "3");

    // GET: the previous value.
    let old: Option<String> = r.set_with("k", "4", SetOptions::new().get()).unwrap();
    assert_eq!(old.as_deref(), Some("3"));
    let old: Option<String> = r.set_with("new", "a", SetOptions::new().get()).unwrap();
    assert_eq!(old, None);
    assert_eq!(server.raw_cmd(&["GET", "new"]), "a");
    // NX together with GET (7.0.0+): the old value, and nothing set.
    let old: Option<String> = r.set_with("k", "5", SetOptions::new().nx().get()).unwrap();
    assert_eq!(old.as_deref(), Some("4"));
    assert_eq!(server.raw_cmd(&["GET", "k"]), "4");

    // Expiries.
    r.set_with::<()>("ex", "v", SetOptions::new().ex(100))
        .unwrap();
    let ttl: i64 = server.raw_cmd(&["TTL", "ex"]).parse().unwrap();
    assert!((1..=100).contains(&ttl), "EX: ttl {ttl}");
    r.set_with::<()>("px", "v", SetOptions::new().px(100_000))
        .unwrap();
    let pttl: i64 = server.raw_cmd(&["PTTL", "px"]).parse().unwrap();
    assert!((1..=100_000).contains(&pttl), "PX: pttl {pttl}");
    let at = now_secs() + 1000;
    r.set_with::<()>(
        "exat",
        "v",
        SetOptions {
            expiry: Some(Expiry::ExAt(at)),
            ..SetOptions::default()
        },
    )
    .unwrap();
    assert_eq!(server.raw_cmd(&["EXPIRETIME", "exat"]), at.to_string());
    r.set_with::<()>("pxat", "v", SetOptions::new().pxat(at * 1000 + 123))
        .unwrap();
    assert_eq!(
        server.raw_cmd(&["PEXPIRETIME", "pxat"]),
        (at * 1000 + 123).to_string()
    );
    r.set_with::<()>("exat", "w", SetOptions::new().keep_ttl())
        .unwrap();
    assert_eq!(server.raw_cmd(&["EXPIRETIME", "exat"]), at.to_string());
    assert_eq!(server.raw_cmd(&["GET", "exat"]), "w");
    r.set_with::<()>("exat", "z", SetOptions::new()).unwrap();
    assert_eq!(server.raw_cmd(&["TTL", "exat"]), "-1", "plain SET drops it");

    // A bad combination is the server's error, not a panic.
    let err = r
        .set_with::<()>("k", "v", SetOptions::new().ex(10).keep_ttl())
        .unwrap_err();
    assert!(err.is_server(), "{err}");
}

#[test]
fn getex() {
    let server = RedisServer::start();
    let r = client(&server);
    let missing: Option<String> = r.getex("missing", Some(GetExExpiry::Ex(10))).unwrap();
    assert_eq!(missing, None);

    r.set("k", "v").unwrap();
    let v: Option<String> = r.getex("k", None).unwrap();
    assert_eq!(v.as_deref(), Some("v"));
    assert_eq!(server.raw_cmd(&["TTL", "k"]), "-1");
    let _: String = r.getex("k", Some(GetExExpiry::Ex(100))).unwrap();
    let ttl: i64 = server.raw_cmd(&["TTL", "k"]).parse().unwrap();
    assert!((1..=100).contains(&ttl));
    let _: String = r.getex("k", Some(GetExExpiry::Px(200_000))).unwrap();
    let pttl: i64 = server.raw_cmd(&["PTTL", "k"]).parse().unwrap();
    assert!(pttl > 100_000);
    let at = now_secs() + 500;
    let _: String = r.getex("k", Some(GetExExpiry::ExAt(at))).unwrap();
    assert_eq!(server.raw_cmd(&["EXPIRETIME", "k"]), at.to_string());
    let _: String = r.getex("k", Some(GetExExpiry::PxAt(at * 1000))).unwrap();
    assert_eq!(
        server.raw_cmd(&["PEXPIRETIME", "k"]),
        (at * 1000).to_string()
    );
    let _: String = r.getex("k", Some(GetExExpiry::Persist)).unwrap();
    assert_eq!(server.raw_cmd(&["TTL", "k"]), "-1");
}

#[test]
fn mset_and_msetnx() {
    let server = RedisServer::start();
    let r = client(&server);
    r.mset(&[("a", "1"), ("b", "2")]).unwrap();
    let vals: Vec<String> = r.mget(&["a", "b"]).unwrap();
    assert_eq!(vals, ["1", "2"]);
    let mut map = std::collections::BTreeMap::new();
    map.insert("c", 3i64);
    r.mset(&map).unwrap();
    assert_eq!(server.raw_cmd(&["GET", "c"]), "3");

    assert!(r.msetnx(&[("x", "1"), ("y", "2")]).unwrap());
    let refused = r.msetnx(&[("z", "new"), ("a", "changed")]).unwrap();
    assert!(!refused, "MSETNX with an existing key sets nothing");
    assert_eq!(server.raw_cmd(&["EXISTS", "z"]), "0");
    assert_eq!(server.raw_cmd(&["GET", "a"]), "1");
}

#[test]
fn lcs_string_len_and_idx() {
    let server = RedisServer::start();
    let r = client(&server);
    r.mset(&[("key1", "ohmytext"), ("key2", "mynewtext")])
        .unwrap();
    let s: String = r.lcs("key1", "key2").unwrap();
    assert_eq!(s, "mytext");
    assert_eq!(r.lcs_len("key1", "key2").unwrap(), 6);

    let idx = r.lcs_idx("key1", "key2", None, false).unwrap();
    assert_eq!(
        idx,
        LcsIdx {
            matches: vec![
                LcsMatch {
                    key1: (4, 7),
                    key2: (5, 8),
                    len: None
                },
                LcsMatch {
                    key1: (2, 3),
                    key2: (0, 1),
                    len: None
                },
            ],
            len: 6,
        }
    );
    let idx = r.lcs_idx("key1", "key2", Some(4), true).unwrap();
    assert_eq!(
        idx,
        LcsIdx {
            matches: vec![LcsMatch {
                key1: (4, 7),
                key2: (5, 8),
                len: Some(4)
            }],
            len: 6,
        }
    );
    let none = r.lcs_idx("key1", "missing", None, true).unwrap();
    assert_eq!(none, LcsIdx::default());
}

#[test]
fn valkey_only_string_commands() {
    let server = RedisServer::start_valkey(&[]);
    let r = client(&server);

    r.set("k", "v").unwrap();
    assert!(!r.delifeq("k", "other").unwrap());
    assert_eq!(server.raw_cmd(&["EXISTS", "k"]), "1");
    assert!(r.delifeq("k", "v").unwrap());
    assert_eq!(server.raw_cmd(&["EXISTS", "k"]), "0");
    assert!(!r.delifeq("k", "v").unwrap());

    let opts = MsetexOptions {
        expiry: Some(Expiry::Ex(100)),
        ..MsetexOptions::default()
    };
    assert!(r.msetex(&[("a", "1"), ("b", "2")], opts).unwrap());
    let ttl: i64 = server.raw_cmd(&["TTL", "b"]).parse().unwrap();
    assert!((1..=100).contains(&ttl));
    let nx = MsetexOptions {
        condition: Some(Exists::Nx),
        ..MsetexOptions::default()
    };
    assert!(!r.msetex(&[("a", "x"), ("c", "3")], nx).unwrap());
    assert_eq!(server.raw_cmd(&["EXISTS", "c"]), "0");
    let xx_keep = MsetexOptions {
        condition: Some(Exists::Xx),
        keep_ttl: true,
        ..MsetexOptions::default()
    };
    assert!(r.msetex(&[("a", "y"), ("b", "z")], xx_keep).unwrap());
    assert_eq!(server.raw_cmd(&["GET", "a"]), "y");
    let ttl: i64 = server.raw_cmd(&["TTL", "a"]).parse().unwrap();
    assert!((1..=100).contains(&ttl), "KEEPTTL kept {ttl}");

    r.set("cas", "old").unwrap();
    let set: bool = r
        .set_if_eq("cas", "new", "wrong", SetOptions::new())
        .unwrap();
    assert!(!set);
    let set: bool = r.set_if_eq("cas", "new", "old", SetOptions::new()).unwrap();
    assert!(set);
    let prev: Option<String> = r
        .set_if_eq("cas", "newer", "new", SetOptions::new().get())
        .unwrap();
    assert_eq!(prev.as_deref(), Some("new"));
    assert_eq!(server.raw_cmd(&["GET", "cas"]), "newer");
}

/// The replies of a handful of string commands, as Rust values.
#[derive(Debug, PartialEq)]
struct Replies {
    missing: Option<String>,
    set_get: Option<String>,
    nx: bool,
    getrange_past: String,
    counter: i64,
    float: f64,
    msetnx: bool,
    mget: Vec<Option<String>>,
    lcs: LcsIdx,
}

fn run_handful(r: &StrictRedis) -> Replies {
    r.set("k", "v").unwrap();
    r.mset(&[("key1", "ohmytext"), ("key2", "mynewtext")])
        .unwrap();
    Replies {
        missing: r.get("nope").unwrap(),
        set_get: r.set_with("k", "w", SetOptions::new().get()).unwrap(),
        nx: r.set_with("k", "x", SetOptions::new().nx()).unwrap(),
        getrange_past: r.getrange("k", 10, 20).unwrap(),
        counter: r.incrby("n", 7).unwrap(),
        float: r.incrbyfloat("f", 2.5).unwrap(),
        msetnx: r.msetnx(&[("k", "1"), ("other", "2")]).unwrap(),
        mget: r.mget(&["k", "nope"]).unwrap(),
        lcs: r.lcs_idx("key1", "key2", None, true).unwrap(),
    }
}

#[test]
fn resp2_and_resp3_give_the_same_types() {
    let a = same_over_resp2_and_resp3(run_handful);
    assert_eq!(a.set_get.as_deref(), Some("v"));
    assert_eq!(a.lcs.len, 6);
}

#[test]
fn connection_and_pipeline_forms() {
    let server = RedisServer::start();
    let r = client(&server);
    let mut conn = r.get_connection().unwrap();
    assert!(conn
        .set_with::<bool>("c", "1", SetOptions::new().nx())
        .unwrap());
    assert_eq!(conn.strlen("c").unwrap(), 1);
    drop(conn);

    let mut p = r.pipeline();
    p.set_with("p", "1", SetOptions::new().nx())
        .getrange("p", 0, -1)
        .lcs_len("p", "c")
        .msetnx(&[("p", "2")]);
    let (set, range, len, msetnx): (bool, String, u64, bool) = p.execute().unwrap();
    assert!(set);
    assert_eq!(range, "1");
    assert_eq!(len, 1);
    assert!(!msetnx);
}
