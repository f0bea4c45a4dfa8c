//! What a pipeline refuses before anything is sent (issue 11.7, 11.8): an empty command
//! (`cmd("")`, which went out as `*0\r\n`, which Redis ignores: the caller hung, or in a
//! pipeline read the next command's reply as its own), and raw MULTI / EXEC / DISCARD /
//! WATCH / UNWATCH / RESET queued in a pipeline or a `transaction()` closure's pipe (which
//! shifted the replies or hid applied writes). Each test fails on v0.1.0.

use std::time::{Duration, Instant};

use strictredis::{cmd, Cmd, Error, StrictRedis, Value};
use strictredis_test_kit::RedisServer;

/// A client whose read timeout turns v0.1.0's hang into a failure.
fn client(server: &RedisServer) -> StrictRedis {
    StrictRedis::builder()
        .url(&server.url())
        .unwrap()
        .read_timeout(Some(Duration::from_secs(2)))
        .build()
        .unwrap()
}

fn is_config<T: std::fmt::Debug>(r: Result<T, Error>) -> String {
    match r {
        Err(Error::Config(m)) => m,
        other => panic!("expected Error::Config, got {other:?}"),
    }
}

/// Calls of the commands a test queued, so that "nothing was sent" can be checked.
fn calls(server: &RedisServer) -> u64 {
    [
        "get", "set", "incr", "multi", "exec", "discard", "watch", "unwatch", "reset",
    ]
    .iter()
    .map(|c| server.command_calls(c))
    .sum()
}

#[test]
fn an_empty_command_is_a_config_error_at_once() {
    let server = RedisServer::start();
    let r = client(&server);
    for empty in [cmd(""), cmd("   "), Cmd::default()] {
        let t = Instant::now();
        is_config(r.execute_command::<Value>(empty.clone()));
        assert!(t.elapsed() < Duration::from_secs(1));
        let mut conn = r.get_connection().unwrap();
        is_config(conn.execute_command::<Value>(empty.clone()));
        // The connection is still in step.
        assert_eq!(conn.execute_command::<String>(cmd("PING")).unwrap(), "PONG");
        drop(conn);

        let before = calls(&server);
        let mut p = r.pipeline_without_transaction();
        p.set("a", "1").queue(empty.clone()).get("a");
        let m = is_config(p.execute::<Value>());
        assert!(m.contains("#1"), "{m}");
        assert!(p.is_empty());
        let mut t = r.pipeline();
        t.set("a", "1").queue(empty);
        is_config(t.execute::<Value>());
        assert_eq!(calls(&server), before, "something was sent");
    }
    assert_eq!(r.get::<Option<String>>("a").unwrap(), None);
}

#[test]
fn raw_multi_in_a_pipeline_is_refused_before_anything_is_sent() {
    let server = RedisServer::start();
    let r = client(&server);
    r.set("a", "A").unwrap();
    r.set("b", "B").unwrap();
    let before = calls(&server);
    let mut p = r.pipeline_without_transaction();
    p.queue(cmd("MULTI")).get("a").get("b");
    let m = is_config(p.execute::<Vec<Value>>());
    assert!(m.contains("MULTI"), "{m}");
    let mut p = r.pipeline();
    p.queue(cmd("MULTI")).get("a").get("b");
    is_config(p.execute_raw());
    assert_eq!(calls(&server), before, "something was sent");
    // The pipeline works again afterwards.
    p.get("a").get("b");
    let v: (String, String) = p.execute().unwrap();
    assert_eq!(v, ("A".into(), "B".into()));
}

#[test]
fn exec_queued_in_the_middle_is_refused_and_nothing_runs() {
    let server = RedisServer::start();
    let r = client(&server);
    for transaction in [true, false] {
        let before = calls(&server);
        let mut p = if transaction {
            r.pipeline()
        } else {
            r.pipeline_without_transaction()
        };
        p.incr("x").queue(cmd("EXEC")).incr("y");
        is_config(p.execute::<Value>());
        assert_eq!(calls(&server), before, "something was sent");
    }
    for raw in [
        cmd("DISCARD"),
        cmd("WATCH").key("x"),
        cmd("UNWATCH"),
        cmd("RESET"),
        cmd("exec"),
        cmd("").arg("MULTI"),
    ] {
        let mut p = r.pipeline();
        p.incr("x").queue(raw);
        is_config(p.execute::<Value>());
    }
    let mut p = r.pipeline();
    p.incr("x").reset();
    is_config(p.execute::<Value>());
    assert_eq!(r.get::<Option<i64>>("x").unwrap(), None);
    assert_eq!(r.get::<Option<i64>>("y").unwrap(), None);
}

#[test]
fn raw_transaction_commands_in_a_transaction_closure_are_refused() {
    let server = RedisServer::start();
    let r = client(&server);
    for raw in [
        cmd("EXEC"),
        cmd("MULTI"),
        cmd("DISCARD"),
        cmd("WATCH").key("k"),
    ] {
        let e = r.transaction(["k"], |_, pipe| {
            pipe.incr("k").queue(raw.clone()).incr("k");
            Ok(())
        });
        is_config(e);
    }
    assert_eq!(r.get::<Option<i64>>("k").unwrap(), None);
    // WATCH through the API still works, and so does the closure.
    let mut p = r.pipeline();
    p.watch(["k"]).unwrap();
    p.incr("k");
    let (n,): (i64,) = p.execute().unwrap();
    assert_eq!(n, 1);
    let n: i64 = r
        .transaction(["k"], |conn, pipe| {
            let v: i64 = conn.get::<Option<i64>>("k")?.unwrap_or(0);
            pipe.set("k", v + 1);
            Ok(v + 1)
        })
        .unwrap();
    assert_eq!(n, 2);
}
