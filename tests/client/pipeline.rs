//! Pipelines and transactions against a real server: one write, replies in order, typed
//! results, errors reported per command, WATCH, and the retrying `transaction()`.

// API.md writes multi-key arguments as `&[..]`; the tests use exactly that form.
#![allow(clippy::needless_borrows_for_generic_args)]

use crate::util::{client, one_connection};
use strictredis_test_kit as common;

use std::sync::atomic::{AtomicUsize, Ordering};
use std::thread;
use std::time::Duration;

use common::RedisServer;
use strictredis::{cmd, Error, Pipeline, StrictRedis, Value};

/// The index, command name and cause of an `Error::Pipeline`; panics on any other error.
fn pipeline_error(err: &Error) -> (usize, &str, &Error) {
    match err {
        Error::Pipeline {
            index,
            command,
            source,
            ..
        } => (*index, command, source),
        other => panic!("expected Error::Pipeline, got {other:?}"),
    }
}

/// Runs SET `first` 1, INCR `bad` (which must fail), SET `last` 2 on `p`; returns its error.
fn incr_fails_in_between(mut p: Pipeline, first: &str, bad: &str, last: &str) -> Error {
    p.set(first, "1").incr(bad).set(last, "2");
    p.execute::<Vec<Value>>().unwrap_err()
}

/// Queues SET `key` `value` on `p`, executes it, and checks that it committed.
fn commit_set(r: &StrictRedis, mut p: Pipeline, key: &str, value: &str) {
    p.set(key, value);
    let _: Vec<()> = p.execute().unwrap();
    let got: String = r.get(key).unwrap();
    assert_eq!(got, value);
}

/// Queues INCR `key`, a CLIENT KILL of every normal connection (this one included), and
/// INCR `key` again: the server answers the kill, then closes the connection, so the
/// second INCR never runs.
fn incr_kill_incr(p: &mut Pipeline, key: &str) {
    let kill = cmd("CLIENT KILL")
        .arg("TYPE")
        .arg("normal")
        .arg("SKIPME")
        .arg("no");
    p.incr(key).queue(kill).incr(key);
}

/// SET `key` to `value` in a transaction pipeline of its own.
fn pipelined_set(r: &StrictRedis, key: &str, value: &str) {
    let mut p = r.pipeline();
    p.set(key, value);
    let _: Vec<()> = p.execute().unwrap();
}

#[test]
fn a_transaction_pipeline_is_wrapped_in_multi_exec_and_typed_as_a_tuple() {
    let server = RedisServer::start();
    let r = client(&server);
    let mut p = r.pipeline();
    assert!(p.is_transaction());
    p.set("a", "1").incr("a").get("a");
    assert_eq!(p.len(), 3);
    let (_, n, v): ((), i64, String) = p.execute().unwrap();
    assert_eq!((n, v.as_str()), (2, "2"));
    assert!(p.is_empty(), "execute empties the pipeline");
    assert_eq!(server.command_calls("multi"), 1);
    assert_eq!(server.command_calls("exec"), 1);
    assert_eq!(r.pool().size(), 1, "one connection for the whole pipeline");
}

#[test]
fn a_plain_pipeline_sends_no_multi_and_types_as_a_vec() {
    let server = RedisServer::start();
    let r = client(&server);
    let mut p = r.pipeline_without_transaction();
    assert!(!p.is_transaction());
    p.rpush("l", &["a", "b"]).rpush("l", "c").incr("n");
    let v: Vec<i64> = p.execute().unwrap();
    assert_eq!(v, vec![2, 3, 1]);
    assert_eq!(server.command_calls("multi"), 0);
    assert_eq!(server.command_calls("exec"), 0);
}

#[test]
fn ten_thousand_commands_in_one_pipeline_on_one_connection() {
    let server = RedisServer::start();
    let r = client(&server);

    let mut p = r.pipeline_without_transaction();
    for i in 0..10_000u64 {
        p.rpush("big", i);
    }
    let lens: Vec<u64> = p.execute().unwrap();
    assert_eq!(lens.len(), 10_000);
    assert!(lens.iter().enumerate().all(|(i, &n)| n == i as u64 + 1));

    let mut t = r.pipeline();
    for _ in 0..10_000 {
        t.incr("counter");
    }
    let counts: Vec<i64> = t.execute().unwrap();
    assert_eq!(counts.last(), Some(&10_000));
    assert_eq!(
        r.pool().size(),
        1,
        "both pipelines used the one pooled connection"
    );
    assert_eq!(r.pool().free_size(), 1, "and it went back clean");
    assert_eq!(server.command_calls("rpush"), 10_000);
}

#[test]
fn an_error_in_a_plain_pipeline_does_not_stop_the_others() {
    let server = RedisServer::start();
    let r = client(&server);
    r.rpush("list", "x").unwrap();

    let err = incr_fails_in_between(r.pipeline_without_transaction(), "before", "list", "after");
    let (index, command, source) = pipeline_error(&err);
    assert_eq!((index, command), (1, "INCR"));
    assert_eq!(source.server_error().unwrap().kind(), "WRONGTYPE");
    assert!(err.to_string().contains("#1 (INCR)"), "{err}");
    let after: Option<String> = r.get("after").unwrap();
    assert_eq!(after.as_deref(), Some("2"), "commands after the error ran");

    // execute_raw: every reply, the error in place.
    let mut p = r.pipeline_without_transaction();
    p.incr("n").incr("list").incr("n");
    let raw = p.execute_raw().unwrap();
    assert_eq!(raw.len(), 3);
    assert_eq!(raw[0], Value::Int(1));
    assert!(matches!(&raw[1], Value::Error(e) if e.kind() == "WRONGTYPE"));
    assert_eq!(raw[2], Value::Int(2));
    // The connection stayed in sync.
    assert_eq!(r.ping().unwrap(), "PONG");
    assert_eq!(r.pool().size(), 1);
}

/// A plain pipeline executed into `()` keeps no reply (only the first error): it reports
/// what one executed into `Vec<Value>` reports, and runs the same commands.
#[test]
fn a_plain_pipeline_into_unit_reports_the_first_error_as_a_vec_would() {
    let server = RedisServer::start();
    let r = client(&server);
    r.rpush("list", "x").unwrap();

    let mut p = r.pipeline_without_transaction();
    p.set("before", "1")
        .incr("list")
        .incr("list")
        .set("after", "2");
    let err = p.execute::<()>().unwrap_err();
    let (index, command, source) = pipeline_error(&err);
    assert_eq!((index, command), (1, "INCR"), "the first of the two errors");
    assert_eq!(source.server_error().unwrap().kind(), "WRONGTYPE");
    assert!(err.to_string().contains("#1 (INCR)"), "{err}");
    assert!(p.is_empty());
    let (before, after): (Option<String>, Option<String>) =
        (r.get("before").unwrap(), r.get("after").unwrap());
    assert_eq!(
        (before.as_deref(), after.as_deref()),
        (Some("1"), Some("2"))
    );

    // Without an error: every command ran, on one connection that stayed in sync.
    let mut p = r.pipeline_without_transaction();
    for i in 0..2_000 {
        p.rpush("n", i);
    }
    let () = p.execute().unwrap();
    assert_eq!(r.llen("n").unwrap(), 2_000);
    assert_eq!(r.ping().unwrap(), "PONG");
    assert_eq!(r.pool().size(), 1);

    // A connection lost part way is an I/O error that says how many replies had arrived,
    // and the connection is not pooled.
    let mut p = r.pipeline_without_transaction();
    incr_kill_incr(&mut p, "k");
    let err = p.execute::<()>().unwrap_err();
    assert!(err.is_io(), "{err:?}");
    assert!(err.to_string().contains("after 2 of 3"), "{err}");
    assert_eq!(r.pool().size(), 0, "the broken connection was closed");
    let k: i64 = r.get("k").unwrap();
    assert_eq!(k, 1, "the command after the kill never ran");

    // Commands answered without the server (an empty DEL) take the path that keeps the
    // replies, and still convert into `()`.
    let mut p = r.pipeline_without_transaction();
    p.delete(&[] as &[&str]).incr("k");
    let () = p.execute().unwrap();
    assert_eq!(r.get::<i64>("k").unwrap(), 2);
}

#[test]
fn execabort_is_reported_for_the_refused_command_and_nothing_runs() {
    let server = RedisServer::start();
    let r = client(&server);
    let mut p = r.pipeline();
    p.set("k", "v")
        .queue(cmd("NOSUCHCOMMAND").arg("x"))
        .incr("n");
    let err = p.execute::<Vec<Value>>().unwrap_err();
    let (index, command, source) = pipeline_error(&err);
    assert_eq!((index, command), (1, "NOSUCHCOMMAND"));
    assert!(source.is_server());
    let k: Option<String> = r.get("k").unwrap();
    assert_eq!(k, None, "EXECABORT: no queued command ran");
    assert_eq!(server.command_calls("set"), 0);

    // Also through execute_raw: the whole transaction failed, so it is an error too.
    let mut p = r.pipeline();
    p.incr("n").queue(cmd("SET").arg("only-a-key"));
    let err = p.execute_raw().unwrap_err();
    assert!(matches!(err, Error::Pipeline { index: 1, .. }), "{err:?}");
    // The connection is usable and out of MULTI.
    assert_eq!(r.ping().unwrap(), "PONG");
}

#[test]
fn errors_inside_exec_are_reported_per_command_and_the_rest_commits() {
    let server = RedisServer::start();
    let r = client(&server);
    r.set("s", "not a number").unwrap();
    let err = incr_fails_in_between(r.pipeline(), "a", "s", "b");
    assert!(
        matches!(&err, Error::Pipeline { index: 1, command, .. } if command == "INCR"),
        "{err:?}"
    );
    let (a, b): (Option<String>, Option<String>) = (r.get("a").unwrap(), r.get("b").unwrap());
    assert_eq!((a.as_deref(), b.as_deref()), (Some("1"), Some("2")));

    let mut p = r.pipeline();
    p.incr("n").incr("s").incr("n");
    let raw = p.execute_raw().unwrap();
    assert_eq!(raw[0], Value::Int(1));
    assert!(matches!(&raw[1], Value::Error(e) if e.kind() == "ERR"));
    assert_eq!(raw[2], Value::Int(2));
}

#[test]
fn an_empty_pipeline_does_no_io() {
    let server = RedisServer::start();
    let r = client(&server);
    let mut p = r.pipeline();
    let v: Vec<Value> = p.execute().unwrap();
    assert!(v.is_empty());
    let raw = r.pipeline_without_transaction().execute_raw().unwrap();
    assert!(raw.is_empty());
    assert_eq!(r.pool().size(), 0, "no connection was even opened");
    assert_eq!(server.command_calls("multi"), 0);
}

#[test]
fn resp3_pipelines_and_transactions() {
    let server = RedisServer::start();
    let r = StrictRedis::from_url(&format!("{}?protocol=3", server.url())).unwrap();
    let mut p = r.pipeline();
    p.hset("h", "f", "v").hgetall("h").incr("n");
    let (added, all, n): (u64, std::collections::HashMap<String, String>, i64) =
        p.execute().unwrap();
    assert_eq!((added, n), (1, 1));
    assert_eq!(all["f"], "v");
    let mut p = r.pipeline_without_transaction();
    p.zadd("z", &[("a", 1.5)]).zscore("z", "a");
    let (_, s): (u64, Option<f64>) = p.execute().unwrap();
    assert_eq!(s, Some(1.5));
}

#[test]
fn watch_sends_at_once_and_a_changed_key_aborts() {
    let server = RedisServer::start();
    let r = client(&server);
    r.set("a", "1").unwrap();

    let mut p = r.pipeline();
    p.watch(&["a"]).unwrap();
    assert_eq!(server.command_calls("watch"), 1, "WATCH went out at once");
    // Another client changes the watched key.
    server.raw_cmd(&["SET", "a", "other"]);
    p.set("a", "3");
    let err = p.execute::<Vec<()>>().unwrap_err();
    assert!(matches!(err, Error::TransactionAborted), "{err:?}");
    let a: String = r.get("a").unwrap();
    assert_eq!(a, "other");
    // The connection went back clean: out of MULTI and no longer watching.
    assert_eq!(r.pool().free_size(), 1);
    let mut conn = r.get_connection().unwrap();
    assert!(!conn.is_watching() && !conn.in_multi());
    let () = conn.set("a", "4").unwrap();

    // An unchanged watched key commits.
    drop(conn);
    let mut p = r.pipeline();
    p.watch(&["a"]).unwrap();
    commit_set(&r, p, "a", "5");
}

#[test]
fn a_dropped_watching_pipeline_does_not_leave_a_watching_connection_in_the_pool() {
    let server = RedisServer::start();
    let r = one_connection(&server);
    {
        let mut p = r.pipeline();
        p.watch(&["w"]).unwrap();
        // dropped without execute
    }
    assert_eq!(r.pool().size(), 0, "closed, not pooled");
    // Had the watching connection been reused, this change would abort the next EXEC.
    server.raw_cmd(&["SET", "w", "changed"]);
    pipelined_set(&r, "x", "1");

    // A pipeline clear gives the connection up the same way.
    let mut p = r.pipeline();
    p.watch(&["w"]).unwrap();
    p.clear();
    server.raw_cmd(&["SET", "w", "again"]);
    pipelined_set(&r, "x", "2");

    // unwatch keeps the connection, and EXEC then commits whatever changed.
    let mut p = r.pipeline();
    p.watch(&["w"]).unwrap();
    p.unwatch().unwrap();
    server.raw_cmd(&["SET", "w", "third"]);
    commit_set(&r, p, "x", "3");
}

#[test]
fn a_connection_left_inside_multi_is_not_pooled() {
    let server = RedisServer::start();
    let r = one_connection(&server);
    {
        let mut conn = r.get_connection().unwrap();
        let () = conn.execute_command(cmd("MULTI")).unwrap();
        let () = conn.set("k", "queued").unwrap();
    }
    assert_eq!(r.pool().size(), 0);
    r.set("k", "direct").unwrap();
    let v: Option<String> = r.get("k").unwrap();
    assert_eq!(
        v.as_deref(),
        Some("direct"),
        "a GET inside MULTI would say QUEUED"
    );
}

#[test]
fn four_threads_of_fifty_transactional_increments_lose_no_update() {
    let server = RedisServer::start();
    let r = StrictRedis::builder()
        .port(server.port())
        .max_connections(8)
        .build()
        .unwrap();
    let runs = std::sync::Arc::new(AtomicUsize::new(0));
    let handles: Vec<_> = (0..4)
        .map(|_| {
            let r = r.clone();
            let runs = runs.clone();
            thread::spawn(move || {
                for _ in 0..50 {
                    r.transaction(&["balance"], |conn, pipe| {
                        runs.fetch_add(1, Ordering::Relaxed);
                        let cur: Option<i64> = conn.get("balance")?;
                        let next = cur.unwrap_or(0) + 1;
                        pipe.set("balance", next);
                        Ok(next)
                    })
                    .unwrap();
                }
            })
        })
        .collect();
    for h in handles {
        h.join().unwrap();
    }
    let balance: i64 = r.get("balance").unwrap();
    assert_eq!(balance, 200, "no increment was lost");
    // Every run that did not commit was an abort followed by a retry.
    assert_eq!(
        server.command_calls("exec"),
        runs.load(Ordering::Relaxed) as u64,
        "one EXEC per closure run"
    );
    // No connection was left watching in the pool.
    for _ in 0..r.pool().free_size() {
        let c = r.get_connection().unwrap();
        assert!(!c.is_watching() && !c.in_multi());
    }
}

#[test]
fn transaction_retries_on_abort_and_returns_the_committed_runs_value() {
    let server = RedisServer::start();
    let r = client(&server);
    r.set("k", "0").unwrap();
    let mut runs = 0;
    let out: i64 = r
        .transaction(&["k"], |conn, pipe| {
            runs += 1;
            let cur: i64 = conn.get("k")?;
            if runs < 3 {
                // Someone else changes the watched key before our EXEC.
                server.raw_cmd(&["INCRBY", "k", "10"]);
            }
            pipe.set("k", cur + 1);
            Ok(cur + 1)
        })
        .unwrap();
    assert_eq!(runs, 3);
    assert_eq!(out, 21);
    let k: i64 = r.get("k").unwrap();
    assert_eq!(k, 21);
}

#[test]
fn transaction_with_retries_gives_up_with_transaction_aborted() {
    let server = RedisServer::start();
    let r = client(&server);
    let mut runs = 0;
    let err = r
        .transaction_with_retries(&["k"], Some(2), |_conn, pipe| {
            runs += 1;
            server.raw_cmd(&["INCR", "k"]);
            pipe.set("k", "mine");
            Ok(())
        })
        .unwrap_err();
    assert!(matches!(err, Error::TransactionAborted), "{err:?}");
    assert_eq!(runs, 3, "the first run and two retries");
    let k: i64 = r.get("k").unwrap();
    assert_eq!(k, 3);
}

#[test]
fn a_failing_transaction_closure_leaves_no_watching_connection_behind() {
    let server = RedisServer::start();
    let r = one_connection(&server);
    let err = r
        .transaction(&["k"], |_conn, _pipe| -> strictredis::Result<()> {
            Err(Error::Type("caller gave up".into()))
        })
        .unwrap_err();
    assert!(matches!(err, Error::Type(_)));
    server.raw_cmd(&["SET", "k", "changed"]);
    // Had the WATCH survived in the pool, this EXEC would abort.
    let mut p = r.pipeline();
    p.set("k", "mine");
    let _: Vec<()> = p.execute().unwrap();
    let k: String = r.get("k").unwrap();
    assert_eq!(k, "mine");
}

#[test]
fn transaction_errors_inside_exec_are_not_retried() {
    let server = RedisServer::start();
    let r = client(&server);
    r.set("s", "text").unwrap();
    let mut runs = 0;
    let err = r
        .transaction(&["s"], |_conn, pipe| {
            runs += 1;
            pipe.incr("s");
            Ok(())
        })
        .unwrap_err();
    assert_eq!(runs, 1);
    assert!(matches!(err, Error::Pipeline { index: 0, .. }), "{err:?}");
}

#[test]
fn a_pipeline_after_a_server_restart_gets_a_fresh_connection() {
    let mut server = RedisServer::start();
    let r = StrictRedis::builder()
        .port(server.port())
        .read_timeout(Some(Duration::from_secs(5)))
        .build()
        .unwrap();
    r.ping().unwrap();
    server.restart();
    // The idle connection is found closed at checkout and replaced: the pipeline works.
    let mut p = r.pipeline();
    p.set("a", "1").get("a");
    let (_, a): ((), String) = p.execute().unwrap();
    assert_eq!(a, "1");
}

#[test]
fn a_connection_lost_mid_pipeline_is_an_io_error_and_is_not_pooled() {
    let server = RedisServer::start();
    let r = client(&server);
    let mut p = r.pipeline_without_transaction();
    incr_kill_incr(&mut p, "n");
    let err = p.execute::<Vec<Value>>().unwrap_err();
    assert!(err.is_io(), "{err:?}");
    assert!(err.to_string().contains("after 2 of 3"), "{err}");
    assert_eq!(r.pool().size(), 0, "the broken connection was closed");
    let n: i64 = r.get("n").unwrap();
    assert_eq!(n, 1, "the command after the kill never ran");
}

#[test]
fn a_transaction_that_queues_nothing_unwatches_and_keeps_its_connection() {
    let server = RedisServer::start();
    let r = client(&server);
    r.set("k", 7).unwrap();
    let id: i64 = r.execute_command(cmd("CLIENT ID")).unwrap();
    let seen: i64 = r.transaction(&["k"], |conn, _pipe| conn.get("k")).unwrap();
    assert_eq!(seen, 7);
    assert_eq!(server.command_calls("exec"), 0, "nothing to commit");
    assert_eq!(server.command_calls("unwatch"), 1);
    assert_eq!((r.pool().size(), r.pool().free_size()), (1, 1));
    let again: i64 = r.execute_command(cmd("CLIENT ID")).unwrap();
    assert_eq!(again, id, "the same connection, back in the pool");
}
