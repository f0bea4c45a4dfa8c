//! Pub/sub against a real server, in RESP2 (arrays) and RESP3 (push frames): channels,
//! patterns, shard channels, timeouts, `listen`, ping, reconnecting, and the pool never
//! getting a subscribed connection back.

// API.md writes multi-key arguments as `&[..]`; the tests use exactly that form.
#![allow(clippy::needless_borrows_for_generic_args)]

use crate::util::one_connection;
use strictredis_test_kit as common;

use std::thread;
use std::time::{Duration, Instant};

use common::{wait_until, RedisServer};
use strictredis::{cmd, Error, Message, MessageKind, PubSub, StrictRedis};

const WAIT: Duration = Duration::from_secs(10);

fn client(server: &RedisServer, resp3: bool) -> StrictRedis {
    let url = if resp3 {
        format!("{}?protocol=3", server.url())
    } else {
        server.url()
    };
    StrictRedis::from_url(&url).unwrap()
}

/// The next message, which must come within a generous time.
fn next(ps: &mut PubSub) -> Message {
    ps.get_message(WAIT)
        .unwrap()
        .expect("a message within the time limit")
}

fn expect(ps: &mut PubSub, kind: MessageKind, channel: &str) -> Message {
    let m = next(ps);
    assert_eq!(m.kind(), kind, "{m:?}");
    assert_eq!(m.channel_str().unwrap(), channel, "{m:?}");
    m
}

/// Clients the server sees subscribed to anything.
fn subscribed_clients(server: &RedisServer) -> usize {
    server
        .clients()
        .iter()
        .filter(|l| {
            l.split(' ').any(|f| {
                ["sub=", "psub=", "ssub="]
                    .iter()
                    .any(|p| f.strip_prefix(p).is_some_and(|n| n != "0"))
            })
        })
        .count()
}

fn channels_patterns_and_shards(resp3: bool) {
    let server = RedisServer::start();
    let r = client(&server, resp3);
    let mut ps = r.pubsub();
    ps.subscribe(&["news", "sport"]).unwrap();
    ps.psubscribe(&["news.*"]).unwrap();
    ps.ssubscribe(&["shard-1"]).unwrap();

    let m = expect(&mut ps, MessageKind::Subscribe, "news");
    assert_eq!(m.subscription_count(), Some(1));
    let m = expect(&mut ps, MessageKind::Subscribe, "sport");
    assert_eq!(m.subscription_count(), Some(2));
    let m = expect(&mut ps, MessageKind::PSubscribe, "news.*");
    assert_eq!(m.subscription_count(), Some(3));
    let m = expect(&mut ps, MessageKind::SSubscribe, "shard-1");
    assert_eq!(
        m.subscription_count(),
        Some(1),
        "shard channels are counted apart"
    );
    assert!(m.payload().is_empty());

    assert_eq!(r.publish("news", "hello").unwrap(), 1);
    let m = expect(&mut ps, MessageKind::Message, "news");
    assert_eq!(m.payload(), b"hello");
    assert_eq!(m.pattern(), None);
    assert_eq!(m.subscription_count(), None);

    assert_eq!(r.publish("news.eu", "hi").unwrap(), 1);
    let m = expect(&mut ps, MessageKind::PMessage, "news.eu");
    assert_eq!(m.pattern(), Some(&b"news.*"[..]));
    assert_eq!(m.pattern_str().unwrap(), Some("news.*"));
    assert_eq!(m.payload_str().unwrap(), "hi");

    let n: u64 = r
        .execute_command(cmd("SPUBLISH").arg("shard-1").arg(42))
        .unwrap();
    assert_eq!(n, 1);
    let m = expect(&mut ps, MessageKind::SMessage, "shard-1");
    assert_eq!(m.payload_as::<i64>().unwrap(), 42);

    // Unsubscribing: one confirmation per name, counts going down.
    ps.unsubscribe("sport").unwrap();
    let m = expect(&mut ps, MessageKind::Unsubscribe, "sport");
    assert_eq!(m.subscription_count(), Some(2));
    ps.punsubscribe_all().unwrap();
    let m = expect(&mut ps, MessageKind::PUnsubscribe, "news.*");
    assert_eq!(m.subscription_count(), Some(1));
    ps.sunsubscribe(&["shard-1"]).unwrap();
    let m = expect(&mut ps, MessageKind::SUnsubscribe, "shard-1");
    assert_eq!(m.subscription_count(), Some(0));
    assert!(ps.is_subscribed(), "still on news");
    assert_eq!(ps.channels().collect::<Vec<_>>(), vec![&b"news"[..]]);
    ps.unsubscribe_all().unwrap();
    let m = expect(&mut ps, MessageKind::Unsubscribe, "news");
    assert_eq!(m.subscription_count(), Some(0));
    assert!(!ps.is_subscribed());
    assert_eq!(r.publish("news", "nobody").unwrap(), 0);
}

#[test]
fn channels_patterns_and_shard_channels_resp2() {
    channels_patterns_and_shards(false);
}

#[test]
fn channels_patterns_and_shard_channels_resp3() {
    channels_patterns_and_shards(true);
}

fn idle_get_message_honours_its_timeout(resp3: bool) {
    let server = RedisServer::start();
    let r = client(&server, resp3);
    let mut ps = r.pubsub();
    ps.subscribe("quiet").unwrap();
    expect(&mut ps, MessageKind::Subscribe, "quiet");

    let timeout = Duration::from_millis(400);
    let started = Instant::now();
    let m = ps.get_message(timeout).unwrap();
    let took = started.elapsed();
    assert!(m.is_none(), "{m:?}");
    assert!(
        took >= Duration::from_millis(390),
        "returned early: {took:?}"
    );
    assert!(
        took < timeout + Duration::from_secs(3),
        "overslept: {took:?}"
    );

    // The connection is still good after a timeout that found nothing.
    assert_eq!(r.publish("quiet", "now").unwrap(), 1);
    let m = expect(&mut ps, MessageKind::Message, "quiet");
    assert_eq!(m.payload(), b"now");
}

#[test]
fn an_idle_get_message_returns_none_after_its_timeout_resp2() {
    idle_get_message_honours_its_timeout(false);
}

#[test]
fn an_idle_get_message_returns_none_after_its_timeout_resp3() {
    idle_get_message_honours_its_timeout(true);
}

#[test]
fn get_message_with_nothing_subscribed_waits_out_the_timeout() {
    let server = RedisServer::start();
    let r = client(&server, false);
    let mut ps = r.pubsub();
    let started = Instant::now();
    assert!(ps
        .get_message(Duration::from_millis(200))
        .unwrap()
        .is_none());
    assert!(started.elapsed() >= Duration::from_millis(190));
    assert!(!ps.is_connected(), "no connection taken just to wait");
    assert_eq!(r.pool().size(), 0);
}

#[test]
fn a_zero_timeout_returns_what_has_already_arrived() {
    let server = RedisServer::start();
    let r = client(&server, false);
    let mut ps = r.pubsub();
    ps.subscribe("c").unwrap();
    expect(&mut ps, MessageKind::Subscribe, "c");
    assert!(ps.get_message(Duration::ZERO).unwrap().is_none());
    for i in 0..3 {
        r.publish("c", i).unwrap();
    }
    // All three are on their way; wait for the first, then the rest are read with no wait.
    let m = next(&mut ps);
    assert_eq!(m.payload(), b"0");
    let mut rest = Vec::new();
    assert!(wait_until(WAIT, || {
        while let Some(m) = ps.get_message(Duration::ZERO).unwrap() {
            rest.push(m.into_payload());
        }
        rest.len() == 2
    }));
    assert_eq!(rest, vec![b"1".to_vec(), b"2".to_vec()]);
}

#[test]
fn ignore_subscribe_messages_skips_confirmations() {
    let server = RedisServer::start();
    let r = client(&server, false);
    let mut ps = r.pubsub().ignore_subscribe_messages(true);
    ps.subscribe(&["a", "b"]).unwrap();
    // No confirmation is returned; wait until the server has both subscriptions.
    assert!(ps
        .get_message(Duration::from_millis(100))
        .unwrap()
        .is_none());
    assert!(wait_until(WAIT, || r.publish("b", "x").unwrap() == 1));
    let m = expect(&mut ps, MessageKind::Message, "b");
    assert_eq!(m.payload(), b"x");
}

#[test]
fn listen_is_a_blocking_iterator() {
    let server = RedisServer::start();
    let r = client(&server, true);
    let mut ps = r.pubsub();
    ps.subscribe("jobs").unwrap();
    expect(&mut ps, MessageKind::Subscribe, "jobs");

    let publisher = {
        let r = r.clone();
        thread::spawn(move || {
            for job in ["one", "two", "three", "stop"] {
                assert_eq!(r.publish("jobs", job).unwrap(), 1);
            }
        })
    };
    let mut got = Vec::new();
    for m in ps.listen() {
        let m = m.unwrap();
        if m.payload() == b"stop" {
            break;
        }
        got.push(m.payload_str().unwrap().to_string());
    }
    publisher.join().unwrap();
    assert_eq!(got, ["one", "two", "three"]);

    // Unsubscribing between messages through the iterator ends it.
    let mut listen = ps.listen();
    listen.pubsub().unsubscribe_all().unwrap();
    assert!(listen.next().is_none());
}

fn pings(resp3: bool) {
    let server = RedisServer::start();
    let r = client(&server, resp3);
    let mut ps = r.pubsub();
    // Before any subscription.
    ps.ping().unwrap();
    let m = next(&mut ps);
    assert_eq!(m.kind(), MessageKind::Pong);
    assert_eq!(m.payload(), b"");
    // While subscribed.
    ps.subscribe("c").unwrap();
    expect(&mut ps, MessageKind::Subscribe, "c");
    ps.ping().unwrap();
    let m = next(&mut ps);
    assert_eq!(m.kind(), MessageKind::Pong);
    assert_eq!(m.payload(), b"");
    ps.ping_with("are you there").unwrap();
    let m = next(&mut ps);
    assert_eq!(m.kind(), MessageKind::Pong);
    assert_eq!(m.payload(), b"are you there");
}

#[test]
fn ping_resp2() {
    pings(false);
}

#[test]
fn ping_resp3() {
    pings(true);
}

#[test]
fn binary_channels_and_payloads() {
    let server = RedisServer::start();
    let r = client(&server, false);
    let mut ps = r.pubsub();
    let channel: &[u8] = b"bin\x00\xff";
    ps.subscribe(channel).unwrap();
    let m = next(&mut ps);
    assert_eq!(m.channel(), channel);
    assert!(matches!(m.channel_str(), Err(Error::Type(_))));
    let payload: &[u8] = &[0, 1, 2, 0xfe, 0xff, b'\r', b'\n'];
    assert_eq!(r.publish(channel, payload).unwrap(), 1);
    let m = next(&mut ps);
    assert_eq!(m.kind(), MessageKind::Message);
    assert_eq!(m.payload(), payload);
    assert!(matches!(m.payload_str(), Err(Error::Type(_))));
}

fn resubscribes_after_client_kill(resp3: bool) {
    let server = RedisServer::start();
    let r = client(&server, resp3);
    let mut ps = r.pubsub();
    ps.subscribe("ch").unwrap();
    ps.psubscribe("pat.*").unwrap();
    ps.ssubscribe("sh").unwrap();
    for _ in 0..3 {
        assert!(next(&mut ps).kind().is_subscription_change());
    }
    assert_eq!(subscribed_clients(&server), 1);

    server.raw_cmd(&["CLIENT", "KILL", "TYPE", "pubsub"]);
    assert!(wait_until(WAIT, || subscribed_clients(&server) == 0));

    // The next read finds the connection closed, reconnects and subscribes again: the
    // server's confirmations come back as messages.
    let mut kinds: Vec<(MessageKind, String)> = (0..3)
        .map(|_| {
            let m = next(&mut ps);
            (m.kind(), m.channel_str().unwrap().to_string())
        })
        .collect();
    kinds.sort_by_key(|(k, _)| k.as_str());
    assert_eq!(
        kinds,
        vec![
            (MessageKind::PSubscribe, "pat.*".to_string()),
            (MessageKind::SSubscribe, "sh".to_string()),
            (MessageKind::Subscribe, "ch".to_string()),
        ]
    );
    assert_eq!(r.publish("ch", "a").unwrap(), 1);
    assert_eq!(next(&mut ps).payload(), b"a");
    assert_eq!(r.publish("pat.x", "b").unwrap(), 1);
    let m = next(&mut ps);
    assert_eq!((m.kind(), m.payload()), (MessageKind::PMessage, &b"b"[..]));
    let n: u64 = r
        .execute_command(cmd("SPUBLISH").arg("sh").arg("c"))
        .unwrap();
    assert_eq!(n, 1);
    let m = next(&mut ps);
    assert_eq!((m.kind(), m.payload()), (MessageKind::SMessage, &b"c"[..]));
}

#[test]
fn reconnects_and_resubscribes_after_client_kill_resp2() {
    resubscribes_after_client_kill(false);
}

#[test]
fn reconnects_and_resubscribes_after_client_kill_resp3() {
    resubscribes_after_client_kill(true);
}

#[test]
fn reconnects_and_resubscribes_after_a_server_restart() {
    let mut server = RedisServer::start();
    let r = client(&server, false);
    let mut ps = r.pubsub();
    ps.subscribe("ch").unwrap();
    expect(&mut ps, MessageKind::Subscribe, "ch");
    server.restart();
    expect(&mut ps, MessageKind::Subscribe, "ch");
    assert_eq!(r.publish("ch", "back").unwrap(), 1);
    assert_eq!(next(&mut ps).payload(), b"back");
}

#[test]
fn subscribing_while_the_connection_is_dead_reconnects_with_everything() {
    let server = RedisServer::start();
    let r = client(&server, false);
    let mut ps = r.pubsub();
    ps.subscribe("old").unwrap();
    expect(&mut ps, MessageKind::Subscribe, "old");
    server.raw_cmd(&["CLIENT", "KILL", "TYPE", "pubsub"]);
    assert!(wait_until(WAIT, || subscribed_clients(&server) == 0));
    // The write may or may not notice the closed socket; either way both channels end up
    // subscribed on a live connection.
    ps.subscribe("new").unwrap();
    let mut seen = Vec::new();
    while seen.len() < 2
        || !(seen.contains(&"old".to_string()) && seen.contains(&"new".to_string()))
    {
        let m = next(&mut ps);
        assert_eq!(m.kind(), MessageKind::Subscribe, "{m:?}");
        seen.push(m.channel_str().unwrap().to_string());
    }
    assert!(wait_until(WAIT, || r.publish("old", "1").unwrap() == 1));
    assert_eq!(r.publish("new", "2").unwrap(), 1);
}

#[test]
fn a_dropped_pubsub_never_returns_its_connection_to_the_pool() {
    let server = RedisServer::start();
    let r = one_connection(&server);
    let mut ps = r.pubsub();
    ps.subscribe("c").unwrap();
    expect(&mut ps, MessageKind::Subscribe, "c");
    assert_eq!((r.pool().size(), r.pool().free_size()), (1, 0));
    drop(ps);
    assert_eq!(r.pool().size(), 0, "closed, slot freed");
    assert!(wait_until(WAIT, || subscribed_clients(&server) == 0));
    // The one slot serves ordinary commands again.
    assert_eq!(r.publish("c", "x").unwrap(), 0);

    // Even after unsubscribing from everything, the connection is not pooled again.
    let mut ps = r.pubsub();
    ps.subscribe("c").unwrap();
    expect(&mut ps, MessageKind::Subscribe, "c");
    ps.unsubscribe_all().unwrap();
    expect(&mut ps, MessageKind::Unsubscribe, "c");
    drop(ps);
    assert_eq!(r.pool().size(), 0);
}

#[test]
fn the_pool_refuses_a_subscribed_connection() {
    let server = RedisServer::start();
    let r = client(&server, false);
    {
        let mut conn = r.get_connection().unwrap();
        let v: strictredis::Value = conn.execute_command(cmd("SUBSCRIBE").arg("raw")).unwrap();
        assert!(matches!(v, strictredis::Value::Array(_)), "{v:?}");
        assert!(conn.is_subscribed());
    }
    assert_eq!(r.pool().size(), 0);
    assert_eq!(r.pool().free_size(), 0);
    assert!(wait_until(WAIT, || subscribed_clients(&server) == 0));
    let v: Option<String> = r.get("k").unwrap();
    assert_eq!(v, None);
}

#[test]
fn a_pubsub_takes_no_connection_until_its_first_command() {
    let server = RedisServer::start();
    let r = client(&server, false);
    let mut ps = r.pubsub();
    assert!(!ps.is_connected());
    // Unsubscribing with no connection has nothing to undo on the server.
    ps.unsubscribe("never").unwrap();
    assert!(!ps.is_connected());
    assert_eq!(r.pool().size(), 0);
    ps.subscribe("now").unwrap();
    assert!(ps.is_connected());
    assert_eq!(r.pool().size(), 1);
}
