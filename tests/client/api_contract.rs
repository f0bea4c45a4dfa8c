//! API.md's "Pipelines and transactions" and "Pub/Sub, scripts, scans, locks" sections,
//! written exactly as the contract writes them, run against a real server.

#![allow(clippy::needless_borrows_for_generic_args)]

use strictredis_test_kit as common;

use std::time::Duration;

use common::RedisServer;
use strictredis::{Error, MessageKind, StrictRedis};

#[test]
fn pipelines_and_transactions_as_written() -> Result<(), Error> {
    let server = RedisServer::start();
    let r = StrictRedis::from_url(&server.url())?;

    let mut p = r.pipeline(); // MULTI/EXEC wrapped, as redis-py's default
    p.set("a", "1").incr("a").get("a"); // queued: each returns &mut Pipeline
    let (_, n, v): ((), i64, String) = p.execute()?; // execute<T: FromValue>(&mut self)
    assert_eq!((n, v.as_str()), (2, "2"));

    let mut p = r.pipeline_without_transaction();
    p.set("b", "x").get("b");
    let (_, b): ((), String) = p.execute()?;
    assert_eq!(b, "x");

    // WATCH then queue: EXEC fails with Error::TransactionAborted if a watched key changed
    let mut p = r.pipeline();
    p.watch(&["a"])?; // sends WATCH now, on the connection p holds
    p.set("a", "3");
    let _: Vec<()> = p.execute()?;
    assert_eq!(r.get::<String>("a")?, "3");

    let mut p = r.pipeline();
    p.watch(&["a"])?;
    p.set("a", "4");
    server.raw_cmd(&["SET", "a", "changed-elsewhere"]);
    let e = p.execute::<Vec<()>>().unwrap_err();
    assert!(matches!(e, Error::TransactionAborted), "{e:?}");
    assert_eq!(r.get::<String>("a")?, "changed-elsewhere");

    let new: i64 = r.transaction(&["balance"], |conn, pipe| {
        let cur: Option<i64> = conn.get("balance")?;
        let next = cur.unwrap_or(0) + 1;
        pipe.set("balance", next);
        Ok(next)
    })?;
    assert_eq!(new, 1);
    assert_eq!(r.get::<i64>("balance")?, 1);
    Ok(())
}

#[test]
fn pubsub_scripts_scans_locks_as_written() -> Result<(), Error> {
    let server = RedisServer::start();
    let r = StrictRedis::from_url(&server.url())?;

    let mut ps = r.pubsub(); // owns one connection while subscribed
    ps.subscribe(&["news"])?;
    ps.psubscribe(&["news.*"])?;
    let mut seen = Vec::new();
    while seen.len() < 2 {
        let m: Option<strictredis::Message> = ps.get_message(Duration::from_millis(500))?;
        let m = m.expect("the subscribe confirmations arrive");
        seen.push(m.kind());
    }
    assert_eq!(seen, vec![MessageKind::Subscribe, MessageKind::PSubscribe]);
    assert_eq!(r.publish("news.today", "hello")?, 1);
    let m = ps.get_message(Duration::from_secs(5))?.expect("a message");
    assert_eq!(m.kind(), MessageKind::PMessage);
    assert_eq!(m.channel(), b"news.today");
    assert_eq!(m.pattern(), Some(&b"news.*"[..]));
    assert_eq!(m.payload(), b"hello");
    assert!(ps.get_message(Duration::from_millis(100))?.is_none());

    r.set("k", "script-value")?;
    let script = r.register_script("return redis.call('GET', KEYS[1])");
    let v: Option<String> = script.key("k").invoke(&r)?; // EVALSHA, falls back to SCRIPT LOAD
    assert_eq!(v.as_deref(), Some("script-value"));

    for i in 0..20 {
        r.set(format!("user:{i}"), i)?;
    }
    let mut n = 0;
    for key in r.scan_iter::<String>(Some("user:*"), None) {
        let key = key?;
        assert!(key.starts_with("user:"));
        n += 1;
    }
    assert_eq!(n, 20);

    let lock = r.lock("resource", Duration::from_secs(10)); // random token, SET NX PX
    let got: bool = lock.acquire(false)?; // &self; false: try once
    assert!(got);
    let other = r.lock("resource", Duration::from_secs(10));
    assert!(!other.acquire(false)?);
    lock.release()?; // &self; Err when the lock is no longer ours
    assert!(lock.release().is_err());
    Ok(())
}
