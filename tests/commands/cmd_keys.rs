//! Every generic (keyspace) command against a real server (WAITAOF against Valkey 9.1): TTL's
//! -2/-1, TYPE of a missing key, EXPIRE on a missing key, the expiry conditions, OBJECT, SCAN,
//! SORT, DUMP/RESTORE, MIGRATE (whose credentials never show); and the same calls over RESP3.

#![allow(clippy::needless_borrows_for_generic_args)]

use crate::util::{client, now_secs, same_over_resp2_and_resp3, scan_to_end};
use strictredis_test_kit as common;

use std::collections::BTreeSet;
use std::time::Duration;

use common::{RawReply, RedisServer};
use strictredis::commands::keys::{
    ExpireCondition, MigrateAuth, MigrateOptions, RestoreOptions, ScanOptions, SortOptions,
    SortOrder,
};
use strictredis::StrictRedis;

#[test]
fn delete_unlink_exists_touch_type() {
    let server = RedisServer::start();
    let r = client(&server);
    r.mset(&[("a", "1"), ("b", "2"), ("c", "3")]).unwrap();
    assert_eq!(r.exists(&["a", "b", "a", "nope"]).unwrap(), 3);
    assert_eq!(r.touch(&["a", "nope"]).unwrap(), 1);
    assert_eq!(r.delete(&["a", "nope"]).unwrap(), 1);
    assert_eq!(r.unlink(&["b", "c", "nope"]).unwrap(), 2);
    assert_eq!(server.raw_cmd(&["DBSIZE"]), "0");

    server.raw_cmd(&["SET", "s", "v"]);
    server.raw_cmd(&["RPUSH", "l", "v"]);
    server.raw_cmd(&["SADD", "set", "v"]);
    server.raw_cmd(&["ZADD", "z", "1", "v"]);
    server.raw_cmd(&["HSET", "h", "f", "v"]);
    server.raw_cmd(&["XADD", "x", "*", "f", "v"]);
    let types: Vec<String> = ["s", "l", "set", "z", "h", "x", "missing"]
        .iter()
        .map(|k| r.type_(k).unwrap())
        .collect();
    assert_eq!(
        types,
        ["string", "list", "set", "zset", "hash", "stream", "none"]
    );
}

#[test]
fn expiry_family() {
    let server = RedisServer::start();
    let r = client(&server);

    assert!(!r.expire("missing", 10).unwrap(), "EXPIRE on a missing key");
    assert!(!r.pexpire("missing", 10).unwrap());
    assert_eq!(r.ttl("missing").unwrap(), -2);
    assert_eq!(r.pttl("missing").unwrap(), -2);
    assert_eq!(r.expiretime("missing").unwrap(), -2);
    assert_eq!(r.pexpiretime("missing").unwrap(), -2);

    r.set("k", "v").unwrap();
    assert_eq!(r.ttl("k").unwrap(), -1);
    assert_eq!(r.pttl("k").unwrap(), -1);
    assert_eq!(r.expiretime("k").unwrap(), -1);
    assert!(!r.persist("k").unwrap(), "nothing to persist");

    assert!(r.expire("k", 100).unwrap());
    assert!((1..=100).contains(&r.ttl("k").unwrap()));
    assert!(r.pexpire("k", 200_000).unwrap());
    assert!((100_001..=200_000).contains(&r.pttl("k").unwrap()));

    let at = now_secs() + 1000;
    assert!(r.expireat("k", at).unwrap());
    assert_eq!(r.expiretime("k").unwrap(), at as i64);
    assert!(r.pexpireat("k", at * 1000 + 7).unwrap());
    assert_eq!(r.pexpiretime("k").unwrap(), (at * 1000 + 7) as i64);
    assert!(!r.expireat("missing", at).unwrap());
    assert!(!r.pexpireat("missing", at * 1000).unwrap());

    assert!(r.persist("k").unwrap());
    assert_eq!(r.ttl("k").unwrap(), -1);

    // A time in the past deletes the key.
    assert!(r.expireat("k", 1).unwrap());
    assert_eq!(r.type_("k").unwrap(), "none");
}

#[test]
fn expiry_conditions() {
    let server = RedisServer::start();
    let r = client(&server);
    r.set("k", "v").unwrap();

    assert!(!r.expire_with("k", 100, ExpireCondition::Xx).unwrap());
    assert_eq!(r.ttl("k").unwrap(), -1, "XX: the key had no expiry");
    assert!(r.expire_with("k", 100, ExpireCondition::Nx).unwrap());
    assert!(!r.expire_with("k", 500, ExpireCondition::Nx).unwrap());
    assert!(r.ttl("k").unwrap() <= 100);
    assert!(!r.expire_with("k", 50, ExpireCondition::Gt).unwrap());
    assert!(r.expire_with("k", 500, ExpireCondition::Gt).unwrap());
    assert!(r.ttl("k").unwrap() > 100);
    assert!(!r.expire_with("k", 1000, ExpireCondition::Lt).unwrap());
    assert!(r.expire_with("k", 200, ExpireCondition::Lt).unwrap());
    assert!(r.ttl("k").unwrap() <= 200);

    assert!(r.pexpire_with("k", 300_000, ExpireCondition::Gt).unwrap());
    assert!(r.pttl("k").unwrap() > 200_000);
    let at = now_secs() + 5000;
    assert!(r.expireat_with("k", at, ExpireCondition::Xx).unwrap());
    assert_eq!(r.expiretime("k").unwrap(), at as i64);
    assert!(!r
        .pexpireat_with("k", at * 1000 + 1000, ExpireCondition::Lt)
        .unwrap());
    assert!(r
        .pexpireat_with("k", at * 1000 - 1000, ExpireCondition::Lt)
        .unwrap());
    assert_eq!(r.pexpiretime("k").unwrap(), (at * 1000 - 1000) as i64);
}

#[test]
fn copy_rename_move() {
    let server = RedisServer::start();
    let r = client(&server);
    r.set("a", "1").unwrap();
    r.set("b", "2").unwrap();

    assert!(!r.copy("a", "b", None, false).unwrap(), "b exists");
    assert!(r.copy("a", "b", None, true).unwrap());
    assert_eq!(server.raw_cmd(&["GET", "b"]), "1");
    assert!(r.copy("a", "c", None, false).unwrap());
    assert!(!r.copy("missing", "d", None, false).unwrap());
    assert!(r.copy("a", "in-db-2", Some(2), false).unwrap());
    let in_db2: Option<String> = client_db(&server, 2).get("in-db-2").unwrap();
    assert_eq!(in_db2.as_deref(), Some("1"));

    r.rename("c", "c2").unwrap();
    assert_eq!(server.raw_cmd(&["GET", "c2"]), "1");
    let err = r.rename("missing", "x").unwrap_err();
    assert_eq!(err.server_error().unwrap().kind(), "ERR");
    assert!(!r.renamenx("c2", "a").unwrap(), "a exists");
    assert!(r.renamenx("c2", "c3").unwrap());
    assert_eq!(server.raw_cmd(&["EXISTS", "c2", "c3"]), "1");

    assert!(r.move_("c3", 1).unwrap());
    assert!(!r.move_("c3", 1).unwrap(), "gone from db 0");
    let moved: Option<String> = client_db(&server, 1).get("c3").unwrap();
    assert_eq!(moved.as_deref(), Some("1"));
    r.set("a-in-1", "x").unwrap();
    client_db(&server, 1).set("a-in-1", "y").unwrap();
    assert!(!r.move_("a-in-1", 1).unwrap(), "exists in db 1");
}

fn client_db(server: &RedisServer, db: u32) -> StrictRedis {
    StrictRedis::from_url(&server.url_db(db)).unwrap()
}

#[test]
fn dump_and_restore() {
    let server = RedisServer::start_with(&["--maxmemory-policy", "allkeys-lfu"]);
    let r = client(&server);
    assert_eq!(r.dump("missing").unwrap(), None);
    r.set("k", "value").unwrap();
    let blob = r.dump("k").unwrap().expect("a dump");

    r.restore("k2", 0, &blob, RestoreOptions::default())
        .unwrap();
    assert_eq!(server.raw_cmd(&["GET", "k2"]), "value");
    assert_eq!(r.ttl("k2").unwrap(), -1);
    let err = r
        .restore("k2", 0, &blob, RestoreOptions::default())
        .unwrap_err();
    assert_eq!(err.server_error().unwrap().kind(), "BUSYKEY");
    let replace = RestoreOptions {
        replace: true,
        ..RestoreOptions::default()
    };
    r.restore("k2", 100_000, &blob, replace).unwrap();
    assert!((1..=100_000).contains(&r.pttl("k2").unwrap()));

    let at_ms = (now_secs() + 1000) * 1000;
    let abs = RestoreOptions {
        replace: true,
        absttl: true,
        ..RestoreOptions::default()
    };
    r.restore("k3", at_ms, &blob, abs).unwrap();
    assert_eq!(r.pexpiretime("k3").unwrap(), at_ms as i64);

    let freq = RestoreOptions {
        freq: Some(100),
        ..RestoreOptions::default()
    };
    r.restore("k4", 0, &blob, freq).unwrap();
    // The LFU counter decays by one per minute boundary crossed: allow a few.
    let f = r.object_freq("k4").unwrap().unwrap();
    assert!((95..=100).contains(&f), "freq {f}");

    // IDLETIME needs an LRU policy.
    server.raw_cmd(&["CONFIG", "SET", "maxmemory-policy", "allkeys-lru"]);
    let idle = RestoreOptions {
        idletime: Some(1000),
        ..RestoreOptions::default()
    };
    r.restore("k5", 0, &blob, idle).unwrap();
    let idle = r.object_idletime("k5").unwrap().unwrap();
    assert!((1000..1100).contains(&idle), "idletime {idle}");
}

#[test]
fn keys_and_randomkey() {
    let server = RedisServer::start();
    let r = client(&server);
    let none: Option<String> = r.randomkey().unwrap();
    assert_eq!(none, None, "empty database");
    let none: Vec<String> = r.keys("*").unwrap();
    assert!(none.is_empty());

    r.mset(&[("user:1", "a"), ("user:2", "b"), ("other", "c")])
        .unwrap();
    let mut users: Vec<String> = r.keys("user:*").unwrap();
    users.sort();
    assert_eq!(users, ["user:1", "user:2"]);
    let some: Option<String> = r.randomkey().unwrap();
    assert!(["user:1", "user:2", "other"].contains(&some.unwrap().as_str()));
}

/// Runs SCAN to the end, checking that every call's cursor is a plain number.
fn scan_all(r: &StrictRedis, options: ScanOptions) -> BTreeSet<String> {
    let mut calls = 0;
    scan_to_end(|cursor| {
        calls += 1;
        assert!(calls < 10_000, "SCAN does not end");
        r.scan::<String>(cursor, options.clone()).unwrap()
    })
    .0
}

#[test]
fn scan() {
    let server = RedisServer::start();
    let r = client(&server);
    let mut expected = BTreeSet::new();
    for i in 0..40 {
        let k = format!("user:{i}");
        r.set(&k, i).unwrap();
        expected.insert(k);
    }
    r.set("other", "x").unwrap();
    server.raw_cmd(&["HSET", "h", "f", "v"]);

    let users = scan_all(&r, ScanOptions::new().pattern("user:*").count(5));
    assert_eq!(users, expected);
    let all = scan_all(&r, ScanOptions::new());
    assert_eq!(all.len(), 42);
    let hashes = scan_all(&r, ScanOptions::new().type_("hash"));
    assert_eq!(hashes, BTreeSet::from(["h".to_string()]));
    let none = scan_all(&r, ScanOptions::new().pattern("nothing*"));
    assert!(none.is_empty());

    // One step: the cursor and a batch, as typed values.
    let (cursor, batch): (u64, Vec<Vec<u8>>) = r.scan(0, ScanOptions::new().count(10)).unwrap();
    assert!(!batch.is_empty());
    let _ = cursor;
}

#[test]
fn sort_and_sort_ro() {
    let server = RedisServer::start();
    let r = client(&server);
    server.raw_cmd(&["RPUSH", "ids", "3", "1", "2"]);
    let asc: Vec<i64> = r.sort("ids", SortOptions::new()).unwrap();
    assert_eq!(asc, [1, 2, 3]);
    let desc: Vec<i64> = r.sort("ids", SortOptions::new().desc()).unwrap();
    assert_eq!(desc, [3, 2, 1]);
    let explicit_asc = SortOptions {
        order: Some(SortOrder::Asc),
        limit: Some((1, 5)),
        ..SortOptions::default()
    };
    let page: Vec<i64> = r.sort("ids", explicit_asc).unwrap();
    assert_eq!(page, [2, 3]);

    server.raw_cmd(&["RPUSH", "names", "bob", "ada", "cy"]);
    let alpha: Vec<String> = r.sort("names", SortOptions::new().alpha()).unwrap();
    assert_eq!(alpha, ["ada", "bob", "cy"]);
    let err = r.sort::<String>("names", SortOptions::new()).unwrap_err();
    assert!(err.is_server(), "not numbers: {err}");

    r.mset(&[
        ("weight_1", "30"),
        ("weight_2", "10"),
        ("weight_3", "20"),
        ("name_1", "one"),
        ("name_3", "three"),
    ])
    .unwrap();
    let by: Vec<Option<String>> = r
        .sort(
            "ids",
            SortOptions::new().by("weight_*").get("#").get("name_*"),
        )
        .unwrap();
    assert_eq!(
        by,
        [
            Some("2".to_string()),
            None,
            Some("3".to_string()),
            Some("three".to_string()),
            Some("1".to_string()),
            Some("one".to_string())
        ]
    );

    assert_eq!(
        r.sort_store("ids", "sorted", SortOptions::new().desc())
            .unwrap(),
        3
    );
    assert_eq!(
        server.raw_reply(&["LRANGE", "sorted", "0", "-1"]),
        RawReply::Array(Some(vec![
            RawReply::Bulk(Some(b"3".to_vec())),
            RawReply::Bulk(Some(b"2".to_vec())),
            RawReply::Bulk(Some(b"1".to_vec())),
        ]))
    );

    let ro: Vec<String> = r
        .sort_ro("names", SortOptions::new().alpha().desc().limit(0, 2))
        .unwrap();
    assert_eq!(ro, ["cy", "bob"]);
}

#[test]
fn object_subcommands() {
    let server = RedisServer::start();
    let r = client(&server);
    r.set("int", 123).unwrap();
    r.set("short", "hello").unwrap();
    r.set("long", "x".repeat(100)).unwrap();
    server.raw_cmd(&["HSET", "hash", "f", "v"]);
    server.raw_cmd(&["SADD", "ints", "1", "2"]);
    assert_eq!(r.object_encoding("int").unwrap().as_deref(), Some("int"));
    assert_eq!(
        r.object_encoding("short").unwrap().as_deref(),
        Some("embstr")
    );
    assert_eq!(r.object_encoding("long").unwrap().as_deref(), Some("raw"));
    assert_eq!(
        r.object_encoding("hash").unwrap().as_deref(),
        Some("listpack")
    );
    assert_eq!(
        r.object_encoding("ints").unwrap().as_deref(),
        Some("intset")
    );
    assert_eq!(r.object_encoding("missing").unwrap(), None);

    assert!(r.object_refcount("long").unwrap().unwrap() >= 1);
    assert_eq!(r.object_refcount("missing").unwrap(), None);
    assert!(r.object_idletime("long").unwrap().unwrap() < 1000);
    assert_eq!(r.object_idletime("missing").unwrap(), None);
    // Without an LFU policy the server refuses OBJECT FREQ.
    let err = r.object_freq("long").unwrap_err();
    assert!(err.is_server(), "{err}");
    let help = r.object_help().unwrap();
    assert!(help.iter().any(|l| l.contains("ENCODING")), "{help:?}");

    let lfu = RedisServer::start_with(&["--maxmemory-policy", "allkeys-lfu"]);
    let r = client(&lfu);
    r.set("k", "v").unwrap();
    assert!(r.object_freq("k").unwrap().is_some());
    assert_eq!(r.object_freq("missing").unwrap(), None);
}

#[test]
fn migrate_one_and_many_keys() {
    let source = RedisServer::start();
    let target = RedisServer::start();
    let r = client(&source);
    r.mset(&[("a", "1"), ("b", "2"), ("c", "3")]).unwrap();

    let port = target.port();
    let done = r
        .migrate("127.0.0.1", port, "a", 0, 5000, MigrateOptions::default())
        .unwrap();
    assert_eq!(done, "OK");
    assert_eq!(target.raw_cmd(&["GET", "a"]), "1");
    assert_eq!(source.raw_cmd(&["EXISTS", "a"]), "0");

    let copy = MigrateOptions {
        copy: true,
        ..MigrateOptions::default()
    };
    let done = r
        .migrate("127.0.0.1", port, &["b", "c"], 3, 5000, copy)
        .unwrap();
    assert_eq!(done, "OK");
    assert_eq!(
        source.raw_cmd(&["EXISTS", "b", "c"]),
        "2",
        "COPY keeps them"
    );
    assert_eq!(
        target.raw_cmds(&[&["SELECT", "3"], &["MGET", "b", "c"]])[1].to_string(),
        "2\n3"
    );

    let err = r
        .migrate(
            "127.0.0.1",
            port,
            &["b"],
            3,
            5000,
            MigrateOptions::default(),
        )
        .unwrap_err();
    // "ERR Target instance replied with error: BUSYKEY ..."
    assert!(
        err.server_error().unwrap().text().contains("BUSYKEY"),
        "{err}"
    );
    let replace = MigrateOptions {
        replace: true,
        ..MigrateOptions::default()
    };
    assert_eq!(
        r.migrate("127.0.0.1", port, &["b"], 3, 5000, replace)
            .unwrap(),
        "OK"
    );
    assert_eq!(
        r.migrate(
            "127.0.0.1",
            port,
            "missing",
            0,
            5000,
            MigrateOptions::default()
        )
        .unwrap(),
        "NOKEY"
    );
}

#[test]
fn migrate_credentials_are_used_and_never_shown() {
    const SECRET: &str = "migrate-canary-s3cret";
    let source = RedisServer::start();
    let target = RedisServer::start_with(&["--requirepass", SECRET]);
    target.raw_cmd(&[
        "ACL",
        "SETUSER",
        "mover",
        "on",
        ">mover-canary-pw",
        "~*",
        "+@all",
    ]);
    let r = client(&source);
    r.mset(&[("a", "1"), ("b", "2")]).unwrap();
    let port = target.port();

    let wrong = MigrateOptions {
        auth: Some(MigrateAuth::Password("not-it".into())),
        ..MigrateOptions::default()
    };
    let err = r
        .migrate("127.0.0.1", port, "a", 0, 5000, wrong)
        .unwrap_err();
    assert!(err.is_server());

    let auth = MigrateOptions {
        auth: Some(MigrateAuth::Password(SECRET.into())),
        ..MigrateOptions::default()
    };
    assert!(!format!("{auth:?}").contains(SECRET), "{auth:?}");
    assert_eq!(
        r.migrate("127.0.0.1", port, "a", 0, 5000, auth).unwrap(),
        "OK"
    );
    assert_eq!(target.raw_cmd(&["GET", "a"]), "1");

    let auth2 = MigrateOptions {
        auth: Some(MigrateAuth::UserPassword {
            username: "mover".into(),
            password: "mover-canary-pw".into(),
        }),
        ..MigrateOptions::default()
    };
    let shown = format!("{auth2:?}");
    assert!(
        !shown.contains("mover-canary-pw") && shown.contains("mover"),
        "{shown}"
    );
    assert_eq!(
        r.migrate("127.0.0.1", port, &["b"], 0, 5000, auth2)
            .unwrap(),
        "OK"
    );
    assert_eq!(target.raw_cmd(&["GET", "b"]), "2");

    // The command itself shows only its name.
    let c = strictredis::cmd("MIGRATE").arg("AUTH").arg(SECRET);
    assert!(!format!("{c:?}").contains(SECRET));
}

/// A client whose read timeout (50 ms) is shorter than the WAIT timeouts below.
fn with_50ms_read_timeout(server: &RedisServer) -> StrictRedis {
    StrictRedis::builder()
        .host("127.0.0.1")
        .port(server.port())
        .read_timeout(Some(Duration::from_millis(50)))
        .build()
        .unwrap()
}

#[test]
fn wait_blocks_past_the_read_timeout() {
    let server = RedisServer::start();
    let r = with_50ms_read_timeout(&server);
    r.set("k", "v").unwrap();
    assert_eq!(r.wait(0, 0).unwrap(), 0, "no replica needed");
    // No replica will ever acknowledge: WAIT answers 0 after its own timeout, which is longer
    // than the client's read timeout.
    assert_eq!(r.wait(1, 400).unwrap(), 0);
}

#[test]
fn waitaof_on_valkey() {
    let server = RedisServer::start_valkey(&[]);
    let r = with_50ms_read_timeout(&server);
    r.set("k", "v").unwrap();
    assert_eq!(r.waitaof(0, 0, 0).unwrap(), (0, 0));
    assert_eq!(r.waitaof(0, 1, 400).unwrap(), (0, 0));
    let err = r.waitaof(1, 0, 100).unwrap_err();
    assert!(err.is_server(), "appendonly is off: {err}");
}

/// A handful of generic commands' replies, as Rust values.
#[derive(Debug, PartialEq)]
struct Replies {
    ttl_missing: i64,
    ttl_none: i64,
    expire_missing: bool,
    type_missing: String,
    encoding: Option<String>,
    renamenx: bool,
    scan: (u64, Vec<String>),
    sorted: Vec<Option<String>>,
    dump_missing: Option<Vec<u8>>,
}

fn run_handful(r: &StrictRedis) -> Replies {
    r.set("k", "v").unwrap();
    r.set("taken", "v").unwrap();
    r.execute_command::<()>(strictredis::cmd("RPUSH").arg("l").arg("2").arg("1"))
        .unwrap();
    Replies {
        ttl_missing: r.ttl("missing").unwrap(),
        ttl_none: r.ttl("k").unwrap(),
        expire_missing: r.expire("missing", 10).unwrap(),
        type_missing: r.type_("missing").unwrap(),
        encoding: r.object_encoding("k").unwrap(),
        renamenx: r.renamenx("k", "taken").unwrap(),
        scan: r
            .scan(0, ScanOptions::new().pattern("k*").count(1000))
            .unwrap(),
        sorted: r.sort("l", SortOptions::new()).unwrap(),
        dump_missing: r.dump("missing").unwrap(),
    }
}

#[test]
fn resp2_and_resp3_give_the_same_types() {
    let a = same_over_resp2_and_resp3(run_handful);
    assert_eq!((a.ttl_missing, a.ttl_none), (-2, -1));
    assert_eq!(a.type_missing, "none");
    assert_eq!(a.scan, (0, vec!["k".to_string()]));
}
