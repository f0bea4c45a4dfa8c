//! What redis-py and redis-rs users expect (issue 12, points 1, 2, 4, 7, 8, 9, 17), against
//! real servers: empty lists answered locally (in a transaction too), an empty EXEC after
//! WATCH reporting the abort, scan iterators going past an item that does not convert,
//! immediate mode, `multi`/`discard`/`ignore` on a pipeline, `transaction` without keys and
//! `transaction_exec`, and conversion errors that name the command and the type.

#![allow(clippy::needless_borrows_for_generic_args)]

use strictredis_test_kit as common;

use crate::util::client;
use common::RedisServer;
use strictredis::commands::scripting::NO_KEYS;
use strictredis::{Error, StrictRedis, Value};

const NONE: &[&str] = &[];

fn empty_lists_on(r: &StrictRedis, server: &RedisServer) {
    r.set("a", "1").unwrap();
    assert_eq!(r.mget::<String>(NONE).unwrap(), Vec::<String>::new());
    assert_eq!(r.delete(NONE).unwrap(), 0);
    assert_eq!(r.exists(NONE).unwrap(), 0);
    assert_eq!(r.unlink(NONE).unwrap(), 0);
    assert_eq!(r.touch(NONE).unwrap(), 0);
    assert_eq!(r.sadd("s", NONE).unwrap(), 0);
    assert_eq!(r.srem("s", NONE).unwrap(), 0);
    assert_eq!(r.hdel("h", NONE).unwrap(), 0);
    assert_eq!(r.zrem("z", NONE).unwrap(), 0);
    assert_eq!(r.zadd("z", &[] as &[(&str, f64)]).unwrap(), 0);
    assert!(r.hmget::<String>("h", NONE).unwrap().is_empty());
    assert!(r.smismember("s", NONE).unwrap().is_empty());
    assert!(r.zmscore("z", NONE).unwrap().is_empty());
    r.mset(&[] as &[(&str, &str)]).unwrap();
    // Pushing nothing: the list's length as it is (LLEN), no error.
    r.rpush("l", &["x", "y"]).unwrap();
    assert_eq!(r.rpush("l", NONE).unwrap(), 2);
    assert_eq!(r.lpush("nolist", NONE).unwrap(), 0);
    for c in [
        "mget", "del", "exists", "sadd", "hmget", "mset", "lpush", "zadd",
    ] {
        assert_eq!(server.command_calls(c), 0, "{c} was sent");
    }
    assert_eq!(server.command_calls("llen"), 2);
    assert_eq!(server.command_stat("rpush", "failed_calls"), 0);
    assert_eq!(r.exists(&["s", "h", "z", "nolist"]).unwrap(), 0);
}

#[test]
fn empty_lists_need_no_round_trip_on_both_servers() {
    let redis = RedisServer::start();
    empty_lists_on(&client(&redis), &redis);
    let valkey = RedisServer::start_valkey(&[]);
    empty_lists_on(&client(&valkey), &valkey);
}

#[test]
fn empty_lists_in_a_transaction_do_not_abort_it() {
    let server = RedisServer::start();
    let r = client(&server);
    let mut p = r.pipeline();
    p.set("k", "v")
        .mget(NONE)
        .delete(NONE)
        .incr("n")
        .sadd("s", NONE)
        .get("k");
    let (ok, none, zero, n, added, v): ((), Vec<String>, u64, i64, u64, String) =
        p.execute().unwrap();
    assert_eq!(
        (ok, none.len(), zero, n, added, v.as_str()),
        ((), 0, 0, 1, 0, "v")
    );
    // Only local replies, no WATCH: no I/O at all.
    let mut p = r.pipeline_without_transaction();
    p.mget(NONE).exists(NONE);
    let (a, b): (Vec<String>, u64) = p.execute().unwrap();
    assert_eq!((a.len(), b), (0, 0));
    assert_eq!(server.command_calls("exec"), 1);
    // The index of a failing command counts the local ones.
    let mut p = r.pipeline_without_transaction();
    p.delete(NONE).set("str", "x").incr("str");
    match p.execute::<Value>() {
        Err(Error::Pipeline { index, .. }) => assert_eq!(index, 2),
        other => panic!("{other:?}"),
    }
}

#[test]
fn an_empty_execute_after_watch_reports_the_abort() {
    let server = RedisServer::start();
    let r = client(&server);
    let mut p = r.pipeline();
    p.watch(&["w"]).unwrap();
    r.set("w", "changed").unwrap();
    assert!(matches!(
        p.execute::<Value>(),
        Err(Error::TransactionAborted)
    ));
    // Unchanged: an empty EXEC that commits nothing.
    let mut p = r.pipeline();
    p.watch(&["w"]).unwrap();
    assert_eq!(p.execute::<Vec<Value>>().unwrap(), Vec::<Value>::new());
    // Also with only local replies queued.
    let mut p = r.pipeline();
    p.watch(&["w"]).unwrap();
    p.delete(NONE);
    r.set("w", "again").unwrap();
    assert!(matches!(
        p.execute::<Value>(),
        Err(Error::TransactionAborted)
    ));
}

#[test]
fn scan_iterators_go_past_an_item_that_does_not_convert() {
    let server = RedisServer::start();
    let r = client(&server);
    let mut p = r.pipeline_without_transaction();
    for i in 0..300 {
        p.set(format!("k{i}"), i);
    }
    p.set(b"bad\xff".as_slice(), 1);
    p.hset("h", b"f\xff".as_slice(), 1).hset("h", "ok", 2);
    p.sadd("s", &[b"m\xff".as_slice(), b"m1"]);
    p.zadd("z", &[(b"z\xff".as_slice(), 1.0), (b"z1".as_slice(), 2.0)]);
    let _: Value = p.execute().unwrap();

    let (mut ok, mut bad) = (0, 0);
    for k in r.scan_iter::<String>(None, Some(10)) {
        match k {
            Ok(_) => ok += 1,
            Err(Error::Type(m)) => {
                assert!(m.contains("UTF-8"), "{m}");
                bad += 1
            }
            Err(e) => panic!("{e}"),
        }
    }
    // Keys "h", "s", "z" too.
    assert_eq!((ok, bad), (303, 1));
    let h: Vec<_> = r.hscan_iter::<String, i64>("h", None, None).collect();
    assert_eq!(h.len(), 2);
    assert!(h.iter().any(|x| matches!(x, Ok((f, 2)) if f == "ok")));
    assert!(h.iter().any(|x| matches!(x, Err(Error::Type(_)))));
    let s: Vec<_> = r.sscan_iter::<String>("s", None, None).collect();
    assert_eq!(s.iter().filter(|x| x.is_err()).count(), 1);
    assert_eq!(s.len(), 2);
    let z: Vec<_> = r.zscan_iter::<String>("z", None, None).collect();
    assert_eq!(z.len(), 2);
    assert!(z
        .iter()
        .any(|x| matches!(x, Ok((m, s)) if m == "z1" && *s == 2.0)));
}

#[test]
fn immediate_mode_multi_and_discard() {
    let server = RedisServer::start();
    let r = client(&server);
    r.set("balance", 10).unwrap();
    let mut p = r.pipeline_without_transaction();
    p.watch(&["balance"]).unwrap();
    // Answered at once, on the watched connection.
    let cur: i64 = p.immediate().unwrap().get("balance").unwrap();
    assert_eq!(cur, 10);
    p.multi().unwrap().set("balance", cur + 1).get("balance");
    assert!(p.is_transaction());
    assert!(matches!(p.multi(), Err(Error::Config(_))), "nested multi");
    assert!(matches!(p.immediate(), Err(Error::Config(_))));
    let ((), v): ((), i64) = p.execute().unwrap();
    assert_eq!(v, 11);
    assert_eq!(server.command_calls("multi"), 1);
    // multi() after queueing is refused; the pipeline is back to no transaction.
    assert!(!p.is_transaction());
    p.get("balance");
    assert!(matches!(p.multi(), Err(Error::Config(_))));
    // discard() drops what was queued and keeps the WATCH.
    p.discard();
    assert!(p.is_empty());
    let mut p = r.pipeline();
    p.watch(&["balance"]).unwrap();
    p.multi().unwrap().incr("balance");
    p.discard();
    r.set("balance", 0).unwrap();
    p.multi().unwrap().incr("balance");
    assert!(matches!(
        p.execute::<Value>(),
        Err(Error::TransactionAborted)
    ));
}

#[test]
fn ignore_leaves_replies_out() {
    let server = RedisServer::start();
    let r = client(&server);
    let mut p = r.pipeline();
    p.set("a", "1")
        .ignore()
        .incr("a")
        .ignore()
        .ignore()
        .get("a");
    let (v,): (String,) = p.execute().unwrap();
    assert_eq!(v, "2");
    let mut p = r.pipeline_without_transaction();
    p.incr("a").get("a").ignore();
    assert_eq!(p.execute_raw().unwrap(), vec![Value::Int(3)]);
    // An ignored command's error is still reported.
    let mut p = r.pipeline_without_transaction();
    p.set("x", "y").incr("x").ignore();
    assert!(matches!(
        p.execute::<Value>(),
        Err(Error::Pipeline { index: 1, .. })
    ));
}

#[test]
fn transaction_without_keys_and_transaction_exec() {
    let server = RedisServer::start();
    let r = client(&server);
    let n: i64 = r
        .transaction(NO_KEYS, |_conn, pipe| {
            pipe.incr("c");
            Ok(5)
        })
        .unwrap();
    assert_eq!(n, 5);
    assert_eq!(server.command_calls("watch"), 0);
    let (c, (), got): (i64, (), String) = r
        .transaction_exec(&["c"], |conn, pipe| {
            let cur: i64 = conn.get("c")?;
            pipe.incr("c").set("seen", cur).get("seen");
            Ok(())
        })
        .unwrap();
    assert_eq!((c, got.as_str()), (2, "1"));
    assert_eq!(server.command_calls("watch"), 1);
}

#[test]
fn conversion_errors_name_the_command_and_the_type() {
    let server = RedisServer::start();
    let r = client(&server);
    r.rpush("l", &["a"]).unwrap();
    let e = r.lrange::<Vec<i64>>("l", 0, -1).unwrap_err().to_string();
    assert!(e.contains("lrange: "), "{e}");
    assert!(e.contains("(asked for Vec<i64>)"), "{e}");
    let e = r
        .execute_command::<String>(strictredis::cmd("LRANGE").arg("l").arg(0).arg(-1))
        .unwrap_err()
        .to_string();
    assert!(
        e.contains("cannot convert an array reply into String"),
        "{e}"
    );
}
