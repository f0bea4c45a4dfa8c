//! Faults between the client and the server, made by the test kit's fault proxy.

use std::thread;
use std::time::{Duration, Instant};

use strictredis::{cmd, Error, RetryPolicy};
use strictredis_test_kit as common;
use strictredis_test_kit::proxy::FaultProxy;
use strictredis_test_kit::{wait_until, RedisServer};

use super::util::*;

#[test]
fn a_reply_cut_at_every_byte_is_an_error_and_later_replies_are_right() {
    let Proxied {
        _ports,
        server: _server,
        proxy,
        r,
    } = proxied(Duration::from_secs(5), RetryPolicy::none());
    let value = "cut:value:0123456789";
    r.set("cut", value).unwrap();
    // `$20\r\n<20 bytes>\r\n` is 27 bytes: cut after 0..=26 of them.
    let reply_len = 27;
    for cut in 0..reply_len {
        proxy.close_after_bytes(cut);
        let e = r.get::<Option<String>>("cut").unwrap_err();
        assert!(e.is_io(), "cut at {cut}: {e:?}");
        assert!(!e.is_ambiguous(), "GET is read-only: {e:?}");
        assert!(!proxy.close_pending());
        assert_eq!(r.pool().size(), 0, "the cut connection was closed");
        let v: Option<String> = r.get("cut").unwrap();
        assert_eq!(v.as_deref(), Some(value), "after a cut at {cut}");
    }
    all_replies_right(&r, "cut", 20);
    assert!(wait_until(Duration::from_secs(5), || proxy.links() <= 1));
}

#[test]
fn a_cut_read_only_command_is_retried_transparently() {
    let Proxied {
        _ports,
        server: _server,
        proxy,
        r,
    } = proxied(Duration::from_secs(5), RetryPolicy::default());
    r.set("k", "k:1").unwrap();
    for cut in [0, 1, 3, 5] {
        let before = proxy.accepted();
        proxy.close_after_bytes(cut);
        let v: Option<String> = r.get("k").unwrap();
        assert_eq!(v.as_deref(), Some("k:1"));
        assert_eq!(
            proxy.accepted(),
            before + 1,
            "one new connection for the retry"
        );
    }
}

#[test]
fn incr_whose_reply_is_lost_is_never_applied_twice() {
    let _ports = shared_ports();
    let server = RedisServer::start();
    let proxy = FaultProxy::start(server.port());
    // Retries on: a retry of INCR would show as a counter above the number of calls.
    let r = client(&proxy.url(), Duration::from_secs(5), RetryPolicy::new(5));
    proxy.cut_replies(true);
    let calls = 25;
    for _ in 0..calls {
        let e = r.incr("counter").unwrap_err();
        assert!(e.is_ambiguous(), "{e:?}");
        assert!(e.is_io(), "{e:?}");
        assert!(e.to_string().contains("outcome unknown"), "{e}");
    }
    assert_eq!(server.raw_cmd(&["GET", "counter"]), calls.to_string());
    // A read-only command is retried: 1 + 5 attempts, each cut.
    let before = proxy.accepted();
    let e = r.get::<Option<String>>("counter").unwrap_err();
    assert!(!e.is_ambiguous(), "{e:?}");
    assert_eq!(proxy.accepted() - before, 6);
    proxy.cut_replies(false);
    assert_eq!(r.incr("counter").unwrap(), calls + 1);
    all_replies_right(&r, "incr", 10);
}

#[test]
fn a_transaction_whose_reply_is_lost_is_ambiguous_and_atomic() {
    let Proxied {
        _ports,
        server,
        proxy,
        r,
    } = proxied(Duration::from_secs(5), RetryPolicy::default());
    proxy.cut_replies(true);
    let mut p = r.pipeline();
    for _ in 0..100 {
        p.incr("tx");
    }
    let e = p.execute::<Vec<i64>>().unwrap_err();
    assert!(e.is_ambiguous(), "{e:?}");
    assert!(
        e.to_string().contains("of 102 pipeline replies"),
        "MULTI, 100 commands, EXEC: {e}"
    );
    proxy.cut_replies(false);
    let n = server.raw_cmd(&["GET", "tx"]);
    assert!(n == "100" || n == "(nil)", "all or nothing, once: {n}");
    all_replies_right(&r, "tx", 5);
}

#[test]
fn connection_failures_before_sending_are_retried_with_backoff() {
    let _ports = shared_ports();
    let server = RedisServer::start();
    let proxy = FaultProxy::start(server.port());
    // A client name makes the handshake a round trip, so a reset link fails while opening.
    let url = format!("{}?client_name=retrier", proxy.url());
    let policy = RetryPolicy::new(3)
        .base_backoff(Duration::from_millis(40))
        .jitter(false);
    let r = client(&url, Duration::from_secs(5), policy);
    proxy.refuse_next(2);
    let start = Instant::now();
    assert_eq!(
        r.incr("n").unwrap(),
        1,
        "INCR ran once, on the third connection"
    );
    let took = start.elapsed();
    assert_eq!(proxy.accepted(), 3);
    assert!(
        took >= Duration::from_millis(40 + 80),
        "two pauses: {took:?}"
    );
    assert_eq!(server.raw_cmd(&["GET", "n"]), "1");

    // Without retries, the failure is reported; it is not ambiguous (nothing was sent).
    let r = client(&url, Duration::from_secs(5), RetryPolicy::none());
    proxy.refuse_next(1);
    let e = r.incr("n").unwrap_err();
    assert!(e.is_connection_error(), "{e:?}");
    assert!(!e.is_ambiguous(), "{e:?}");
    assert_eq!(server.raw_cmd(&["GET", "n"]), "1");

    // More failures than retries: the last error comes back after every pause.
    let r = client(&url, Duration::from_secs(5), policy);
    proxy.refuse_next(10);
    let before = proxy.accepted();
    assert!(r.incr("n").is_err());
    assert_eq!(proxy.accepted() - before, 4, "1 attempt + 3 retries");
    proxy.refuse_next(0);
    assert_eq!(r.incr("n").unwrap(), 2);
}

#[test]
fn a_refused_connection_is_retried_until_the_server_is_up() {
    let _ports = exclusive_ports();
    let port = common::free_port();
    let policy = RetryPolicy::new(2)
        .base_backoff(Duration::from_millis(50))
        .jitter(false);
    let r = client(
        &format!("redis://127.0.0.1:{port}"),
        Duration::from_secs(5),
        policy,
    );
    let start = Instant::now();
    let e = r.ping().unwrap_err();
    let took = start.elapsed();
    assert!(e.is_io(), "{e:?}");
    assert!(!e.is_ambiguous());
    assert!(
        took >= Duration::from_millis(150),
        "50 + 100 ms of backoff: {took:?}"
    );
    assert!(took < Duration::from_secs(3), "{took:?}");
}

#[test]
fn a_stale_pooled_connection_is_replaced_before_a_write_is_sent() {
    let Proxied {
        _ports,
        server,
        proxy,
        r,
    } = proxied(Duration::from_secs(5), RetryPolicy::none());
    assert_eq!(r.incr("w").unwrap(), 1);
    assert_eq!(r.pool().free_size(), 1);
    // The server side of the idle connection goes away (FIN), then a reset.
    proxy.close_all();
    assert_eq!(
        r.incr("w").unwrap(),
        2,
        "not retried, yet it worked: checked at checkout"
    );
    proxy.reset_all();
    assert_eq!(r.incr("w").unwrap(), 3);
    assert_eq!(server.raw_cmd(&["GET", "w"]), "3");
}

#[test]
fn a_reset_while_waiting_for_a_reply_is_an_error_and_later_replies_are_right() {
    let Proxied {
        _ports,
        server: _server,
        proxy,
        r,
    } = proxied(Duration::from_secs(10), RetryPolicy::none());
    r.set("rk", "rk:1").unwrap();
    proxy.drop_replies(true);
    let r2 = r.clone();
    let waiter = thread::spawn(move || {
        let start = Instant::now();
        (r2.get::<Option<String>>("rk"), start.elapsed())
    });
    // Wait until the GET was forwarded (the proxy saw it) before resetting.
    assert!(wait_until(Duration::from_secs(5), || {
        proxy
            .client_bytes()
            .iter()
            .any(|b| b.windows(17).any(|w| w == b"$3\r\nGET\r\n$2\r\nrk\r\n"))
    }));
    proxy.reset_all();
    let (res, took) = waiter.join().unwrap();
    let e = res.unwrap_err();
    assert!(e.is_io(), "{e:?}");
    assert!(
        took < Duration::from_secs(5),
        "the reset ended the wait: {took:?}"
    );
    proxy.drop_replies(false);
    all_replies_right(&r, "reset", 10);
}

#[test]
fn a_late_reply_after_a_timeout_never_reaches_the_next_caller() {
    let Proxied {
        _ports,
        server: _server,
        proxy,
        r,
    } = proxied(Duration::from_millis(100), RetryPolicy::default());
    for i in 0..10 {
        let key = format!("late:{i}");
        r.set(&key, &key).unwrap();
        proxy.stall(true);
        let start = Instant::now();
        let e = r.get::<Option<String>>(&key).unwrap_err();
        assert!(e.is_timeout(), "{e:?}");
        assert!(start.elapsed() < Duration::from_millis(100 + 400));
        // The held reply now arrives, on the connection the timeout closed.
        proxy.stall(false);
        let other = format!("late:other:{i}");
        r.set(&other, &other).unwrap();
        assert_eq!(r.get::<String>(&other).unwrap(), other);
    }
    all_replies_right(&r, "late", 5);
}

#[test]
fn dropped_replies_time_out_and_writes_say_their_outcome_is_unknown() {
    let Proxied {
        _ports,
        server: _server,
        proxy,
        r,
    } = proxied(Duration::from_millis(100), RetryPolicy::default());
    proxy.drop_replies(true);
    let e = r.incr("d").unwrap_err();
    assert!(e.is_timeout() && e.is_ambiguous(), "{e:?}");
    assert!(
        matches!(e, Error::Timeout),
        "a timeout stays Error::Timeout: {e:?}"
    );
    let e = r.get::<Option<String>>("d").unwrap_err();
    assert!(matches!(e, Error::Timeout), "{e:?}");
    proxy.drop_replies(false);
    assert_eq!(r.incr("d").unwrap(), 2, "the first INCR ran, once");
}

#[test]
fn latency_slows_calls_but_every_reply_is_right() {
    let Proxied {
        _ports,
        server: _server,
        proxy,
        r,
    } = proxied(Duration::from_secs(5), RetryPolicy::none());
    proxy.set_latency(Duration::from_millis(20));
    let start = Instant::now();
    all_replies_right(&r, "latency", 3);
    assert!(start.elapsed() >= Duration::from_millis(9 * 40));
    proxy.set_latency(Duration::ZERO);
}

#[test]
fn garbage_is_a_protocol_error_and_the_connection_is_dropped() {
    let Proxied {
        _ports,
        server,
        proxy,
        r,
    } = proxied(Duration::from_secs(5), RetryPolicy::none());
    r.set("g", "g:1").unwrap();
    let garbage: &[&[u8]] = &[
        b"\x00\x01\x02garbage\r\n",
        b"hello world\r\n",
        b":12x\r\n",
        b"$3\r\nabcdef\r\n",
        b"*1\r\n\xff\r\n",
        b"#x\r\n",
        b",1.2.3\r\n",
    ];
    for g in garbage {
        proxy.replace_next_reply(g);
        let e = r.get::<Option<String>>("g").unwrap_err();
        assert!(
            matches!(e, Error::Protocol(_)),
            "{:?}: {e:?}",
            String::from_utf8_lossy(g)
        );
        assert_eq!(r.pool().size(), 0);
        assert_eq!(r.get::<String>("g").unwrap(), "g:1");
    }
    // With retries on, a read-only command goes through anyway.
    let r = client(&proxy.url(), Duration::from_secs(5), RetryPolicy::default());
    proxy.replace_next_reply(b"\x00garbage\r\n");
    assert_eq!(r.get::<String>("g").unwrap(), "g:1");
    // A write is not retried: its outcome is unknown.
    proxy.replace_next_reply(b"\x00garbage\r\n");
    let e = r.incr("gi").unwrap_err();
    assert!(e.is_ambiguous(), "{e:?}");
    assert_eq!(server.raw_cmd(&["GET", "gi"]), "1");
    all_replies_right(&r, "garbage", 10);
}

#[test]
fn bytes_nobody_asked_for_are_never_read_as_a_reply() {
    let Proxied {
        _ports,
        server: _server,
        proxy,
        r,
    } = proxied(Duration::from_secs(5), RetryPolicy::none());
    r.set("u", "u:1").unwrap();
    for unasked in [&b"$5\r\nWRONG\r\n"[..], b"+OK\r\n", b":1\r\n"] {
        assert_eq!(r.pool().free_size(), 1);
        proxy.inject_now(unasked);
        // The idle connection now has unread bytes: the pool sees them at checkout.
        let v: String = r.get("u").unwrap();
        assert_eq!(v, "u:1");
    }
}

#[test]
fn hostile_frames_are_protocol_errors_with_bounded_memory() {
    let Proxied {
        _ports,
        server: _server,
        proxy,
        r,
    } = proxied(Duration::from_millis(300), RetryPolicy::none());
    r.set("h", "h:1").unwrap();
    let deep = "*1\r\n".repeat(1025) + ":1\r\n";
    let frames: Vec<(&str, Vec<u8>)> = vec![
        ("depth 1025", deep.into_bytes()),
        ("$-2", b"$-2\r\n".to_vec()),
        ("*-5", b"*-5\r\n".to_vec()),
        ("$9223372036854775807", b"$9223372036854775807\r\n".to_vec()),
        ("%4611686018427387904", b"%4611686018427387904\r\n".to_vec()),
        ("*2147483648", b"*2147483648\r\n".to_vec()),
        ("$536870913 (over 512 MiB)", b"$536870913\r\n".to_vec()),
        (
            "$99999999999999999999",
            b"$99999999999999999999\r\n".to_vec(),
        ),
        (
            "long header line",
            [b":".to_vec(), vec![b'1'; 70_000]].concat(),
        ),
    ];
    let before = rss_kib();
    for (name, frame) in &frames {
        proxy.replace_next_reply(frame);
        let start = Instant::now();
        let e = r.get::<Option<String>>("h").unwrap_err();
        assert!(matches!(e, Error::Protocol(_)), "{name}: {e:?}");
        assert!(start.elapsed() < Duration::from_secs(2), "{name}");
        assert_eq!(r.get::<String>("h").unwrap(), "h:1", "after {name}");
    }
    // Announced sizes within the limits, never followed by data: the client waits (for
    // its read timeout), without reserving what was announced.
    for (name, frame) in [
        ("*2147483647", &b"*2147483647\r\n"[..]),
        ("%1073741823", b"%1073741823\r\n"),
        ("$536870912", b"$536870912\r\n"),
    ] {
        proxy.replace_next_reply(frame);
        let e = r.get::<Option<String>>("h").unwrap_err();
        assert!(e.is_timeout(), "{name}: {e:?}");
        assert_eq!(r.get::<String>("h").unwrap(), "h:1", "after {name}");
    }
    let grew = rss_kib().saturating_sub(before);
    println!("hostile frames: resident memory grew by {grew} KiB");
    assert!(grew < 64 * 1024, "memory grew by {grew} KiB");
}

/// 1,000 INCRs in one plain pipeline, the replies cut at a random byte, `rounds` times.
fn pipeline_cut_at_random_bytes(rounds: usize) {
    let server = RedisServer::start();
    let proxy = FaultProxy::start(server.port());
    let r = client(
        &proxy.url(),
        Duration::from_secs(10),
        RetryPolicy::default(),
    );
    let seed = seed();
    let mut rng = Rng::new(seed);
    // The replies of INCR 1..=1000 on a fresh key: ":1\r\n:2\r\n...", and where each ends.
    let mut ends = Vec::with_capacity(1000);
    let mut total = 0usize;
    for n in 1..=1000u32 {
        total += n.to_string().len() + 3;
        ends.push(total);
    }
    for round in 0..rounds {
        let cut = rng.below(total as u64) as usize;
        let complete = ends.iter().filter(|&&e| e <= cut).count();
        let key = format!("pipe:{round}");
        proxy.close_after_bytes(cut);
        let mut p = r.pipeline_without_transaction();
        for _ in 0..1000 {
            p.incr(&key);
        }
        let e = p.execute::<Vec<i64>>().unwrap_err();
        let text = e.to_string();
        assert!(
            text.contains(&format!("(after {complete} of 1000 pipeline replies)")),
            "seed {seed}, cut at byte {cut}: {text}"
        );
        assert!(e.is_ambiguous(), "{e:?}");
        assert_eq!(r.pool().size(), 0, "the cut connection was discarded");
        // Not retried: each INCR ran at most once (some may not have reached the server
        // before the link closed).
        let n: i64 = server.raw_cmd(&["GET", &key]).parse().unwrap();
        assert!(
            (complete as i64..=1000).contains(&n),
            "seed {seed}: {n} applied, {complete} replies seen"
        );
        let back: String = r.execute_command(cmd("ECHO").arg(&key)).unwrap();
        assert_eq!(back, key);
    }
    println!("pipeline cut at a random byte: {rounds} rounds, seed {seed}, all reported right");
    all_replies_right(&r, "pipe", 5);
}

#[test]
fn a_pipeline_cut_at_a_random_byte_says_how_many_replies_arrived() {
    let _ports = shared_ports();
    pipeline_cut_at_random_bytes(100);
}
