//! `r.monitor()` (issue 12, point 11) against Redis 7.0 and Valkey 9.1: events with time,
//! db, client address and unescaped arguments, the timeout, the iterator, and a connection
//! that is never pooled again.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use strictredis::{MonitorEvent, StrictRedis};
use strictredis_test_kit::RedisServer;

/// The next event whose command is `name`, skipping others (the server's own chatter).
fn next_named(m: &mut strictredis::Monitor, name: &str) -> MonitorEvent {
    loop {
        let ev = m
            .next_command(Duration::from_secs(5))
            .unwrap()
            .unwrap_or_else(|| panic!("no {name} within 5 s"));
        if ev
            .command_name()
            .is_some_and(|n| n.eq_ignore_ascii_case(name))
        {
            return ev;
        }
    }
}

fn events_on(server: &RedisServer) {
    let r = StrictRedis::from_url(&server.url()).unwrap();
    let other = StrictRedis::builder()
        .port(server.port())
        .db(2)
        .build()
        .unwrap();
    let mut m = r.monitor().unwrap();
    // Nothing ran yet: the timeout passes with None.
    assert!(m.next_command(Duration::from_millis(50)).unwrap().is_none());

    let value: &[u8] = b"quote\" back\\slash\nnew\x00zero\xff";
    other.set("spaced key", value).unwrap();
    let ev = next_named(&mut m, "set");
    assert_eq!(ev.db, 2);
    assert_eq!(
        ev.args,
        vec![b"SET".to_vec(), b"spaced key".to_vec(), value.to_vec()]
    );
    assert!(ev.client.starts_with("127.0.0.1:"), "{}", ev.client);
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs_f64();
    assert!((now - ev.time).abs() < 60.0, "{} vs {now}", ev.time);

    // A script's calls come from "lua".
    let _: Option<String> = r
        .eval(
            "return redis.call('GET', KEYS[1])",
            ["lk"],
            strictredis::commands::scripting::NO_ARGS,
        )
        .unwrap();
    let ev = next_named(&mut m, "get");
    assert_eq!(ev.client, "lua");
    assert_eq!(ev.args[1], b"lk");

    // The iterator yields the same events, waiting as long as it takes.
    r.incr("n").unwrap();
    let ev = m
        .by_ref()
        .map(Result::unwrap)
        .find(|e| e.command_name() == Some("INCR"))
        .unwrap();
    assert_eq!(ev.args, vec![b"INCR".to_vec(), b"n".to_vec()]);
}

#[test]
fn monitor_streams_parsed_events_on_redis() {
    events_on(&RedisServer::start());
}

#[test]
fn monitor_streams_parsed_events_on_valkey() {
    events_on(&RedisServer::start_valkey(&[]));
}

#[test]
fn the_monitor_connection_is_never_pooled_again() {
    let server = RedisServer::start();
    let r = StrictRedis::builder()
        .port(server.port())
        .max_connections(1)
        .build()
        .unwrap();
    let m = r.monitor().unwrap();
    assert_eq!(r.pool().size(), 1);
    drop(m);
    assert_eq!(r.pool().size(), 0, "closed on drop, not returned");
    assert_eq!(r.pool().free_size(), 0);
    // The next command gets a fresh connection that answers normally.
    assert_eq!(r.ping().unwrap(), "PONG");
}
