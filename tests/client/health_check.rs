//! `health_check_interval`: an idle connection checked out after the interval is PINGed
//! first, and one the server closed meanwhile is replaced without the caller noticing.

use strictredis_test_kit as common;

use std::thread;
use std::time::Duration;

use common::RedisServer;
use strictredis::{cmd, StrictRedis};

const INTERVAL: Duration = Duration::from_millis(200);

/// Lets the pooled connection sit idle for longer than the interval. (The idle time is the
/// point of the test, not a wait for some condition.)
fn idle_past_interval() {
    thread::sleep(INTERVAL * 2);
}

fn client_id(r: &StrictRedis) -> i64 {
    r.execute_command(cmd("CLIENT ID")).unwrap()
}

#[test]
fn an_idle_connection_is_pinged_after_the_interval() {
    let server = RedisServer::start();
    let r = StrictRedis::from_url(&format!(
        "{}?health_check_interval={}",
        server.url(),
        INTERVAL.as_secs_f64()
    ))
    .unwrap();
    assert_eq!(
        r.pool().connection_info().health_check_interval,
        Some(INTERVAL)
    );
    let id = client_id(&r);
    server.raw_cmd(&["CONFIG", "RESETSTAT"]);

    idle_past_interval();
    r.set("k", "v").unwrap();
    assert_eq!(server.command_calls("ping"), 1, "one PING before the SET");
    assert_eq!(client_id(&r), id, "the same connection passed the check");
}

#[test]
fn no_ping_within_the_interval_or_without_one() {
    let server = RedisServer::start();
    let long = StrictRedis::builder()
        .port(server.port())
        .health_check_interval(Some(Duration::from_secs(3600)))
        .build()
        .unwrap();
    let none = StrictRedis::builder().port(server.port()).build().unwrap();
    long.set("a", 1).unwrap();
    none.set("b", 1).unwrap();
    server.raw_cmd(&["CONFIG", "RESETSTAT"]);
    idle_past_interval();
    for _ in 0..3 {
        long.set("a", 2).unwrap();
        none.set("b", 2).unwrap();
    }
    assert_eq!(server.command_calls("ping"), 0);
}

#[test]
fn a_killed_idle_connection_is_replaced_transparently() {
    let server = RedisServer::start();
    let r = StrictRedis::builder()
        .port(server.port())
        .health_check_interval(Some(INTERVAL))
        .max_connections(1)
        .build()
        .unwrap();
    let id = client_id(&r);
    assert_eq!(
        server.raw_cmd(&["CLIENT", "KILL", "ID", &id.to_string()]),
        "1"
    );
    idle_past_interval();
    // No error reaches the caller: the dead connection is replaced at checkout.
    r.set("k", "v").unwrap();
    let v: String = r.get("k").unwrap();
    assert_eq!(v, "v");
    assert_ne!(client_id(&r), id);
    assert_eq!(r.pool().size(), 1);
}
