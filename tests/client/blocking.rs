//! Blocking commands under a short client read timeout (redis-py #2807): a command marked
//! with `Cmd::blocking_secs` / `blocking_ms` waits as long as the server may legitimately
//! take, alone or in a pipeline, and the normal read timeout is back afterwards.

// API.md writes multi-key arguments as `&[..]`; the tests use exactly that form.
#![allow(clippy::needless_borrows_for_generic_args)]

use strictredis_test_kit as common;

use std::thread;
use std::time::{Duration, Instant};

use common::{wait_until, RedisServer};
use strictredis::commands::streams::{StreamReadReply, XReadOptions};
use strictredis::{cmd, Error, StrictRedis, Value};

const READ_TIMEOUT: Duration = Duration::from_secs(1);

fn client(server: &RedisServer) -> StrictRedis {
    StrictRedis::builder()
        .port(server.port())
        .read_timeout(Some(READ_TIMEOUT))
        .build()
        .unwrap()
}

/// A BLPOP of 4 s sent as a plain command (not marked as blocking) is cut by the 1 s read
/// timeout; BLPOP pops, so its outcome is unknown.
fn unmarked_blpop_times_out(r: &StrictRedis) {
    let err = r
        .execute_command::<Value>(cmd("BLPOP").key("q").arg(4))
        .unwrap_err();
    assert!(
        matches!(err, Error::Timeout) && err.is_ambiguous(),
        "{err:?}"
    );
}

fn blocked_clients(server: &RedisServer) -> u64 {
    server
        .raw_cmd(&["INFO", "clients"])
        .lines()
        .find_map(|l| l.strip_prefix("blocked_clients:"))
        .map(|n| n.trim().parse().unwrap())
        .unwrap_or(0)
}

/// Waits until `n` clients are blocked on the server, then a little longer than the
/// client's read timeout, so that what comes next arrives after that timeout had passed.
fn push_later(server: &RedisServer, args: &[&str]) {
    assert!(wait_until(Duration::from_secs(10), || blocked_clients(
        server
    ) == 1));
    // Deliberate: the reply must come later than the client's 1 s read timeout.
    thread::sleep(READ_TIMEOUT * 2);
    server.raw_cmd(args);
}

#[test]
fn a_5s_blpop_under_a_1s_read_timeout_returns_none() {
    let server = RedisServer::start();
    let r = client(&server);
    let started = Instant::now();
    let v: Option<(String, String)> = r
        .execute_command(cmd("BLPOP").key("q").arg(5).blocking_secs(5.0))
        .unwrap();
    let took = started.elapsed();
    assert_eq!(v, None);
    assert!(
        took >= Duration::from_millis(4500),
        "the server's 5 s passed: {took:?}"
    );
    // The connection is fine and back in the pool.
    assert_eq!((r.pool().size(), r.pool().free_size()), (1, 1));
    assert_eq!(r.ping().unwrap(), "PONG");
}

#[test]
fn a_blpop_gets_a_value_pushed_after_the_read_timeout() {
    let server = RedisServer::start();
    let r = client(&server);
    thread::scope(|s| {
        s.spawn(|| push_later(&server, &["RPUSH", "q", "job-1"]));
        let started = Instant::now();
        let v: Option<(String, String)> = r
            .execute_command(cmd("BLPOP").key("q").arg(5).blocking_secs(5.0))
            .unwrap();
        assert_eq!(v, Some(("q".to_string(), "job-1".to_string())));
        assert!(started.elapsed() >= READ_TIMEOUT * 2);
    });
}

#[test]
fn a_blpop_that_waits_forever_is_not_cut_by_the_read_timeout() {
    let server = RedisServer::start();
    let r = client(&server);
    thread::scope(|s| {
        s.spawn(|| push_later(&server, &["RPUSH", "q", "late"]));
        let v: Option<(String, String)> = r
            .execute_command(cmd("BLPOP").key("q").arg(0).blocking_secs(0.0))
            .unwrap();
        assert_eq!(v, Some(("q".to_string(), "late".to_string())));
    });
}

#[test]
fn the_normal_read_timeout_is_back_after_a_blocking_command() {
    let server = RedisServer::start();
    let r = client(&server);
    let v: Option<Value> = r
        .execute_command(cmd("BLPOP").key("q").arg(1).blocking_secs(1.0))
        .unwrap();
    assert_eq!(v, None);
    // The same connection, with an unmarked BLPOP: cut at the 1 s read timeout, as any
    // read that takes too long; the connection is then closed, never reused.
    assert_eq!(r.pool().free_size(), 1);
    let started = Instant::now();
    unmarked_blpop_times_out(&r);
    assert!(started.elapsed() < Duration::from_secs(4));
    assert_eq!(r.pool().size(), 0);
}

#[test]
fn xread_block_under_a_1s_read_timeout() {
    let server = RedisServer::start();
    let r = client(&server);
    let _: String = r
        .execute_command(cmd("XADD").key("s").arg("*").arg("f").arg("old"))
        .unwrap();

    let started = Instant::now();
    let v: Value = r
        .execute_command(
            cmd("XREAD")
                .arg("BLOCK")
                .arg(3000)
                .arg("STREAMS")
                .key("s")
                .arg("$")
                .blocking_ms(3000),
        )
        .unwrap();
    assert_eq!(v, Value::Nil);
    assert!(started.elapsed() >= Duration::from_millis(2500));

    thread::scope(|s| {
        s.spawn(|| push_later(&server, &["XADD", "s", "*", "f", "new"]));
        type Streams = Vec<(String, Vec<(String, Vec<String>)>)>;
        let v: Streams = r
            .execute_command(
                cmd("XREAD")
                    .arg("BLOCK")
                    .arg(5000)
                    .arg("STREAMS")
                    .key("s")
                    .arg("$")
                    .blocking_ms(5000),
            )
            .unwrap();
        assert_eq!(v.len(), 1);
        let (stream, entries) = &v[0];
        assert_eq!(stream, "s");
        assert_eq!(entries.len(), 1);
        assert_eq!(entries[0].1, ["f", "new"]);
    });
}

#[test]
fn wait_is_a_blocking_command_too() {
    let server = RedisServer::start();
    let r = client(&server);
    r.set("k", "v").unwrap();
    let started = Instant::now();
    let acked: u64 = r
        .execute_command(cmd("WAIT").arg(1).arg(2000).blocking_ms(2000))
        .unwrap();
    assert_eq!(acked, 0, "no replica");
    assert!(started.elapsed() >= Duration::from_millis(1500));
}

#[test]
fn blocking_commands_in_a_pipeline_raise_the_read_timeout_too() {
    let server = RedisServer::start();
    let r = client(&server);
    for transaction in [false, true] {
        let mut p = if transaction {
            r.pipeline()
        } else {
            r.pipeline_without_transaction()
        };
        // Two 1.5 s waits back to back: 3 s in all, three times the read timeout. (Inside
        // MULTI the server does not block: the BLPOPs answer nil at once.)
        p.queue(cmd("BLPOP").key("a").arg(1.5).blocking_secs(1.5))
            .queue(cmd("BLPOP").key("b").arg(1.5).blocking_secs(1.5))
            .rpush("c", "x");
        let (a, b, n): (Option<Value>, Option<Value>, u64) = p.execute().unwrap();
        assert_eq!((a, b), (None, None));
        assert_eq!(n, if transaction { 2 } else { 1 });
    }
    // Afterwards the read timeout is 1 s again.
    unmarked_blpop_times_out(&r);
}

#[test]
fn a_blocking_command_on_a_held_connection() {
    let server = RedisServer::start();
    let r = client(&server);
    let mut conn = r.get_connection().unwrap();
    thread::scope(|s| {
        s.spawn(|| push_later(&server, &["LPUSH", "q", "v"]));
        let v: Option<(String, String)> = conn
            .execute_command(cmd("BRPOP").key("q").arg(5).blocking_secs(5.0))
            .unwrap();
        assert_eq!(v, Some(("q".to_string(), "v".to_string())));
    });
    assert_eq!(conn.read_timeout(), Some(READ_TIMEOUT));
}

#[test]
fn the_blpop_method_under_a_1s_read_timeout() {
    let server = RedisServer::start();
    let r = client(&server);
    let started = Instant::now();
    let v: Option<(String, String)> = r.blpop(&["q"], 5.0).unwrap();
    assert_eq!(v, None);
    assert!(started.elapsed() >= Duration::from_millis(4500));
    thread::scope(|s| {
        s.spawn(|| push_later(&server, &["RPUSH", "q2", "x"]));
        let v: Option<(String, String)> = r.blpop(&["q1", "q2"], 5.0).unwrap();
        assert_eq!(v, Some(("q2".to_string(), "x".to_string())));
    });
}

#[test]
fn the_xread_method_with_block_under_a_1s_read_timeout() {
    let server = RedisServer::start();
    let r = client(&server);
    let started = Instant::now();
    let read: StreamReadReply = r
        .xread(&[("s", "$")], XReadOptions::default().block_ms(3000))
        .unwrap();
    assert!(read.is_empty());
    assert!(started.elapsed() >= Duration::from_millis(2500));
    thread::scope(|s| {
        s.spawn(|| push_later(&server, &["XADD", "s", "*", "f", "v"]));
        let read: StreamReadReply = r
            .xread(&[("s", "$")], XReadOptions::default().block_ms(5000))
            .unwrap();
        assert_eq!(read.entries_of("s").map(<[_]>::len), Some(1));
    });
}
