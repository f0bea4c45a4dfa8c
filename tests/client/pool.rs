//! The blocking pool against a real server: sizes, waiting, release rules, faults.

// API.md writes multi-key arguments as `&[..]`; the tests use exactly that form.
#![allow(clippy::needless_borrows_for_generic_args)]

use strictredis_test_kit as common;

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::thread;
use std::time::{Duration, Instant};

use common::{wait_until, RedisServer};
use strictredis::{cmd, ConnectionPool, Error, PoolConfig, StrictRedis};

fn pool(server: &RedisServer, min: usize, max: usize, timeout: Option<Duration>) -> ConnectionPool {
    ConnectionPool::new(
        server.url().parse().unwrap(),
        PoolConfig {
            min_size: min,
            max_size: max,
            timeout,
            ..PoolConfig::default()
        },
    )
    .unwrap()
}

fn client_id(conn: &mut strictredis::PooledConnection) -> i64 {
    conn.execute_command(cmd("CLIENT ID")).unwrap()
}

#[test]
fn min_size_is_opened_eagerly_and_counted_by_the_server() {
    let server = RedisServer::start();
    let p = pool(&server, 3, 5, None);
    assert_eq!(p.size(), 3);
    assert_eq!(p.free_size(), 3);
    let clients = server.raw_cmd(&["CLIENT", "LIST"]);
    // Three pool connections plus the raw one asking.
    assert_eq!(
        clients.lines().filter(|l| l.contains("id=")).count(),
        4,
        "{clients}"
    );
}

#[test]
fn exhausted_pool_times_out_with_pool_timeout() {
    let server = RedisServer::start();
    let p = pool(&server, 0, 2, Some(Duration::from_millis(100)));
    let _a = p.get().unwrap();
    let _b = p.get().unwrap();
    assert_eq!(p.size(), 2);
    let start = Instant::now();
    let e = p.get().unwrap_err();
    let waited = start.elapsed();
    assert!(matches!(e, Error::PoolTimeout), "{e:?}");
    assert!(
        waited >= Duration::from_millis(100),
        "gave up early: {waited:?}"
    );
    assert!(
        waited < Duration::from_secs(2),
        "waited far too long: {waited:?}"
    );
    assert_eq!(p.size(), 2, "a timed-out get takes no slot");
}

#[test]
fn release_wakes_a_waiter() {
    let server = RedisServer::start();
    let p = pool(&server, 1, 1, None);
    let held = p.get().unwrap();
    let p2 = p.clone();
    let waiter = thread::spawn(move || {
        let mut c = p2.get().unwrap();
        let got_at = Instant::now();
        let pong: String = c.ping().unwrap();
        (got_at, pong)
    });
    assert!(
        wait_until(Duration::from_secs(5), || p.waiting() == 1),
        "the second get() should block"
    );
    let released_at = Instant::now();
    drop(held);
    let (got_at, pong) = waiter.join().unwrap();
    assert!(got_at >= released_at);
    assert_eq!(pong, "PONG");
    assert_eq!(p.size(), 1);
}

#[test]
fn a_freed_slot_wakes_a_waiter_too() {
    let server = RedisServer::start();
    let p = pool(&server, 0, 1, Some(Duration::from_secs(5)));
    let held = p.get().unwrap();
    let p2 = p.clone();
    let waiter = thread::spawn(move || p2.get().map(|mut c| c.ping().unwrap()));
    assert!(wait_until(Duration::from_secs(5), || p.waiting() == 1));
    held.discard(); // closed, not returned: the slot is what frees up
    assert_eq!(waiter.join().unwrap().unwrap(), "PONG");
}

#[test]
fn a_connection_dropped_inside_multi_is_not_reused() {
    let server = RedisServer::start();
    let p = pool(&server, 0, 2, None);
    let first_id = {
        let mut c = p.get().unwrap();
        let id = client_id(&mut c);
        let () = c.execute_command(cmd("MULTI")).unwrap();
        assert!(c.in_multi());
        let () = c.execute_command(cmd("SET").arg("k").arg("v")).unwrap();
        id
    };
    assert_eq!(p.size(), 0, "closed, slot freed");
    let mut c = p.get().unwrap();
    assert_ne!(client_id(&mut c), first_id);
    assert!(!c.in_multi());
    // The queued SET never ran.
    let v: Option<String> = c.get("k").unwrap();
    assert_eq!(v, None);
}

#[test]
fn a_connection_on_another_db_is_not_reused() {
    let server = RedisServer::start();
    let p = pool(&server, 0, 2, None);
    let first_id = {
        let mut c = p.get().unwrap();
        let () = c.execute_command(cmd("SELECT").arg(5)).unwrap();
        assert_eq!(c.db(), 5);
        client_id(&mut c)
    };
    assert_eq!(p.size(), 0);
    let mut c = p.get().unwrap();
    assert_ne!(client_id(&mut c), first_id);
    assert_eq!(c.db(), 0);
    let info: String = c.execute_command(cmd("CLIENT INFO")).unwrap();
    assert!(info.contains(" db=0 "), "{info}");
}

#[test]
fn a_clean_connection_is_reused() {
    let server = RedisServer::start();
    let p = pool(&server, 0, 2, None);
    let id1 = client_id(&mut p.get().unwrap());
    let id2 = client_id(&mut p.get().unwrap());
    assert_eq!(id1, id2);
    assert_eq!(p.size(), 1);
}

#[test]
fn thirty_two_threads_over_a_pool_of_four_get_their_own_replies() {
    let server = RedisServer::start();
    let r = StrictRedis::builder()
        .port(server.port())
        .max_connections(4)
        .pool_timeout(None)
        .build()
        .unwrap();
    let max_seen = Arc::new(AtomicUsize::new(0));
    let threads: Vec<_> = (0..32)
        .map(|t| {
            let r = r.clone();
            let max_seen = max_seen.clone();
            thread::spawn(move || {
                for i in 0..200 {
                    let key = format!("t{t}:k{i}");
                    let val = format!("value-of-{key}");
                    r.set(&key, &val).unwrap();
                    let got: String = r.get(&key).unwrap();
                    assert_eq!(got, val);
                    let n: i64 = r.incr(format!("t{t}:n")).unwrap();
                    assert_eq!(n, i + 1);
                    max_seen.fetch_max(r.pool().size(), Ordering::Relaxed);
                }
            })
        })
        .collect();
    for t in threads {
        t.join().unwrap();
    }
    assert!(max_seen.load(Ordering::Relaxed) <= 4);
    assert!(r.pool().size() <= 4);
    assert_eq!(r.pool().size(), r.pool().free_size(), "all returned");
    let keys: i64 = r.execute_command(cmd("DBSIZE")).unwrap();
    assert_eq!(keys, 32 * 200 + 32);
}

#[test]
fn panics_while_holding_a_connection_leak_no_slot() {
    let server = RedisServer::start();
    let p = pool(&server, 0, 4, Some(Duration::from_secs(2)));
    for i in 0..100 {
        let p2 = p.clone();
        let r = std::panic::catch_unwind(std::panic::AssertUnwindSafe(move || {
            let mut c = p2.get().unwrap();
            let () = c.set("k", i).unwrap();
            panic!("boom {i}");
        }));
        assert!(r.is_err());
    }
    assert_eq!(
        p.size(),
        0,
        "a connection held during a panic is closed, not reused"
    );
    // All four slots are usable at once.
    let held: Vec<_> = (0..4).map(|_| p.get().unwrap()).collect();
    assert_eq!(p.size(), 4);
    drop(held);
    assert_eq!(p.free_size(), 4);
}

#[test]
fn a_read_timeout_discards_the_connection_and_the_next_reply_is_our_own() {
    let server = RedisServer::start();
    let r = StrictRedis::builder()
        .port(server.port())
        .max_connections(1)
        .read_timeout(Some(Duration::from_millis(100)))
        .build()
        .unwrap();
    r.set("mine", "mine-value").unwrap();
    let first_id: i64 = r.execute_command(cmd("CLIENT ID")).unwrap();
    let e = r
        .execute_command::<String>(cmd("DEBUG").arg("SLEEP").arg(0.5))
        .unwrap_err();
    // DEBUG may have run: the timeout after it was sent makes its outcome unknown.
    assert!(matches!(e, Error::Timeout), "{e:?}");
    assert!(e.is_timeout());
    assert!(e.is_ambiguous(), "{e:?}");
    assert_eq!(r.pool().size(), 0, "the timed-out connection was closed");
    // Once the server is awake again, the late +OK of DEBUG SLEEP has been sent; it must
    // not be taken as this GET's reply.
    assert!(server.raw_cmd(&["PING"]).contains("PONG"));
    let v: String = r.get("mine").unwrap();
    assert_eq!(v, "mine-value");
    let id: i64 = r.execute_command(cmd("CLIENT ID")).unwrap();
    assert_ne!(id, first_id);
}

#[test]
fn the_first_command_after_a_server_restart_succeeds() {
    let mut server = RedisServer::start();
    let r = StrictRedis::builder()
        .port(server.port())
        .max_connections(2)
        .min_connections(2)
        .build()
        .unwrap();
    assert_eq!(r.ping().unwrap(), "PONG");
    server.restart();
    assert_eq!(r.ping().unwrap(), "PONG");
    r.set("after", "restart").unwrap();
    assert_eq!(r.get::<String>("after").unwrap(), "restart");
}

#[test]
fn a_killed_client_connection_is_replaced() {
    let server = RedisServer::start();
    let r = StrictRedis::builder()
        .port(server.port())
        .max_connections(1)
        .client_name("victim")
        .build()
        .unwrap();
    assert_eq!(r.ping().unwrap(), "PONG");
    server.raw_cmd(&["CLIENT", "KILL", "TYPE", "normal", "SKIPME", "yes"]);
    assert!(wait_until(Duration::from_secs(5), || !server
        .raw_cmd(&["CLIENT", "LIST"])
        .contains("name=victim")));
    assert_eq!(r.ping().unwrap(), "PONG");
}

#[test]
fn clear_closes_idle_connections() {
    let server = RedisServer::start();
    let p = pool(&server, 3, 3, None);
    let held = p.get().unwrap();
    p.clear();
    assert_eq!(p.size(), 1);
    assert_eq!(p.free_size(), 0);
    drop(held);
    assert_eq!(p.free_size(), 1);
}

#[test]
fn invalid_sizes_are_config_errors() {
    let server = RedisServer::start();
    for (min, max) in [(0, 0), (3, 2)] {
        let e = ConnectionPool::new(
            server.url().parse().unwrap(),
            PoolConfig {
                min_size: min,
                max_size: max,
                timeout: None,
                ..PoolConfig::default()
            },
        )
        .unwrap_err();
        assert!(matches!(e, Error::Config(_)), "{e:?}");
    }
}

#[test]
fn idle_timeout_replaces_old_idle_connections() {
    let server = RedisServer::start();
    let p = ConnectionPool::new(
        server.url().parse().unwrap(),
        PoolConfig {
            max_size: 2,
            idle_timeout: Some(Duration::from_millis(1)),
            ..PoolConfig::default()
        },
    )
    .unwrap();
    let first = client_id(&mut p.get().unwrap());
    let returned_at = Instant::now();
    assert!(wait_until(Duration::from_secs(5), || returned_at.elapsed()
        > Duration::from_millis(5)));
    let second = client_id(&mut p.get().unwrap());
    assert_ne!(first, second, "the idle connection was closed and replaced");
    assert_eq!(p.size(), 1);
}

/// Regression: the handshake's own AUTH / HELLO 3 once marked every new connection as
/// tainted, so a client with a password (or RESP3) opened a new connection per command.
#[test]
fn connections_with_auth_or_resp3_are_reused() {
    let server = RedisServer::start_with(&["--requirepass", "pw"]);
    for url in [
        format!("redis://:pw@127.0.0.1:{}/0", server.port()),
        format!("redis://:pw@127.0.0.1:{}/0?protocol=3", server.port()),
    ] {
        let r = StrictRedis::from_url(&url).unwrap();
        let ids: Vec<i64> = (0..5)
            .map(|_| r.execute_command(cmd("CLIENT ID")).unwrap())
            .collect();
        assert!(ids.windows(2).all(|w| w[0] == w[1]), "{url:?}: {ids:?}");
        assert_eq!(r.pool().size(), 1);
    }
}
