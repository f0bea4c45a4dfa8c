//! Faults between the client and a real server, and faults of the server itself: after each
//! one, every later reply must be the right one (each value embeds its key and a sequence
//! number, so a reply meant for another request is always seen), the broken connection must
//! be gone, the pool must recover, and no call may block past its time limit.
//!
//! `cargo test --test faults` runs short versions of every scenario (CI). The long runs,
//! whose figures are in docs/reliability.md, are the `#[ignore]`d tests:
//! `cargo test --release --test faults -- --ignored --nocapture --test-threads 1`.

mod common;

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, RwLock, RwLockReadGuard, RwLockWriteGuard};
use std::thread;
use std::time::{Duration, Instant};

use common::proxy::FaultProxy;
use common::{wait_until, RedisServer};
use strictredis::{cmd, Error, RetryPolicy, StrictRedis, Value};

// ---------------------------------------------------------------------------------------
// Helpers

/// Tests that leave a port unbound for a while (a server killed and restarted, a port
/// chosen because it is free) run alone: another test's proxy or server could take that
/// port meanwhile. All other tests share.
static PORTS: RwLock<()> = RwLock::new(());

fn shared_ports() -> RwLockReadGuard<'static, ()> {
    PORTS.read().unwrap_or_else(|e| e.into_inner())
}

fn exclusive_ports() -> RwLockWriteGuard<'static, ()> {
    PORTS.write().unwrap_or_else(|e| e.into_inner())
}

fn client(url: &str, read_timeout: Duration, retry: RetryPolicy) -> StrictRedis {
    StrictRedis::builder()
        .url(url)
        .unwrap()
        .read_timeout(Some(read_timeout))
        .connect_timeout(Duration::from_secs(2))
        .retry_policy(retry)
        .build()
        .unwrap()
}

/// `n` checked round trips: SET then GET of a value that names its key and `tag`, and ECHO.
/// Panics on the first wrong reply.
fn all_replies_right(r: &StrictRedis, tag: &str, n: usize) {
    for i in 0..n {
        let key = format!("check:{tag}:{i}");
        let value = format!("{key}:value");
        r.set(&key, &value).unwrap();
        let got: Option<String> = r.get(&key).unwrap();
        assert_eq!(got.as_deref(), Some(value.as_str()), "GET {key}");
        let echo = format!("echo:{tag}:{i}");
        let back: String = r.execute_command(cmd("ECHO").arg(&echo)).unwrap();
        assert_eq!(back, echo);
    }
}

/// Resident memory of this process, in KiB.
fn rss_kib() -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .unwrap_or(0)
}

/// A small deterministic random number generator (xorshift), so failures can be replayed.
struct Rng(u64);

impl Rng {
    fn new(seed: u64) -> Rng {
        Rng(seed.max(1))
    }
    fn next(&mut self) -> u64 {
        let mut x = self.0;
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        self.0 = x;
        x
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
}

fn seed() -> u64 {
    match std::env::var("STRICTREDIS_FAULT_SEED") {
        Ok(s) => s.parse().expect("STRICTREDIS_FAULT_SEED is a number"),
        Err(_) => std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_nanos() as u64,
    }
}

/// What the load threads saw.
#[derive(Default, Debug)]
struct Tally {
    ok: u64,
    errors: u64,
    ambiguous: u64,
    timeouts: u64,
    lost_values: u64,
    wrong: Vec<String>,
    /// The first errors that were not timeouts.
    other_errors: Vec<String>,
    max_call: Duration,
}

impl Tally {
    fn add(&mut self, o: Tally) {
        self.ok += o.ok;
        self.errors += o.errors;
        self.ambiguous += o.ambiguous;
        self.timeouts += o.timeouts;
        self.lost_values += o.lost_values;
        self.wrong.extend(o.wrong);
        self.other_errors.extend(o.other_errors);
        self.max_call = self.max_call.max(o.max_call);
    }

    fn error(&mut self, e: &Error) {
        self.errors += 1;
        if !e.is_timeout() && self.other_errors.len() < 10 {
            self.other_errors.push(format!("{e:?}"));
        }
        if e.is_ambiguous() {
            self.ambiguous += 1;
        }
        if e.is_timeout() {
            self.timeouts += 1;
        }
    }
}

/// Times one call.
fn timed<T>(tally: &mut Tally, f: impl FnOnce() -> T) -> T {
    let start = Instant::now();
    let out = f();
    tally.max_call = tally.max_call.max(start.elapsed());
    out
}

/// One load step of thread `t`, sequence number `seq`: ECHO, SET+GET, or a pipeline of
/// ECHOs, each checked against what it must return. A missing value after a server
/// restart is counted as lost, not wrong; any other value is wrong.
fn load_step(r: &StrictRedis, t: usize, seq: u64, tally: &mut Tally) {
    let key = format!("load:{t}:{seq}");
    let value = format!("{key}:{seq}");
    match seq % 3 {
        0 => match timed(tally, || {
            r.execute_command::<String>(cmd("ECHO").arg(&value))
        }) {
            Ok(v) if v == value => tally.ok += 1,
            Ok(v) => tally.wrong.push(format!("ECHO {value} gave {v}")),
            Err(e) => tally.error(&e),
        },
        1 => {
            let set = timed(tally, || {
                r.execute_command::<()>(cmd("SET").key(&key).arg(&value).arg("EX").arg(60))
            });
            if let Err(e) = &set {
                tally.error(e);
            }
            match timed(tally, || r.get::<Option<String>>(&key)) {
                Ok(Some(v)) if v == value => tally.ok += 1,
                // The SET failed (or its outcome is unknown): no value is right too.
                Ok(None) if set.is_err() => tally.ok += 1,
                Ok(None) => tally.lost_values += 1,
                Ok(Some(v)) => tally.wrong.push(format!("GET {key} gave {v}")),
                Err(e) => tally.error(&e),
            }
        }
        _ => {
            let a = format!("{value}:a");
            let b = format!("{value}:b");
            let mut p = r.pipeline_without_transaction();
            p.queue(cmd("ECHO").arg(&a)).queue(cmd("ECHO").arg(&b));
            match timed(tally, || p.execute::<(String, String)>()) {
                Ok((x, y)) if x == a && y == b => tally.ok += 1,
                Ok((x, y)) => tally.wrong.push(format!("pipeline {a},{b} gave {x},{y}")),
                Err(e) => tally.error(&e),
            }
        }
    }
}

/// `threads` threads running `load_step` until `stop`; returns their joined tally.
fn run_load<F: FnOnce()>(r: &StrictRedis, threads: usize, during: F) -> Tally {
    let stop = Arc::new(AtomicBool::new(false));
    let handles: Vec<_> = (0..threads)
        .map(|t| {
            let r = r.clone();
            let stop = stop.clone();
            thread::spawn(move || {
                let mut tally = Tally::default();
                let mut seq = 0u64;
                while !stop.load(Ordering::Relaxed) {
                    load_step(&r, t, seq, &mut tally);
                    seq += 1;
                }
                tally
            })
        })
        .collect();
    during();
    stop.store(true, Ordering::Relaxed);
    let mut total = Tally::default();
    for h in handles {
        total.add(h.join().expect("a load thread panicked"));
    }
    total
}

// ---------------------------------------------------------------------------------------
// Through the fault proxy

#[test]
fn a_reply_cut_at_every_byte_is_an_error_and_later_replies_are_right() {
    let _ports = shared_ports();
    let server = RedisServer::start();
    let proxy = FaultProxy::start(server.port());
    let r = client(&proxy.url(), Duration::from_secs(5), RetryPolicy::none());
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
    let _ports = shared_ports();
    let server = RedisServer::start();
    let proxy = FaultProxy::start(server.port());
    let r = client(&proxy.url(), Duration::from_secs(5), RetryPolicy::default());
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
    let _ports = shared_ports();
    let server = RedisServer::start();
    let proxy = FaultProxy::start(server.port());
    let r = client(&proxy.url(), Duration::from_secs(5), RetryPolicy::default());
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
    let _ports = shared_ports();
    let server = RedisServer::start();
    let proxy = FaultProxy::start(server.port());
    let r = client(&proxy.url(), Duration::from_secs(5), RetryPolicy::none());
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
    let _ports = shared_ports();
    let server = RedisServer::start();
    let proxy = FaultProxy::start(server.port());
    let r = client(&proxy.url(), Duration::from_secs(10), RetryPolicy::none());
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
    let _ports = shared_ports();
    let server = RedisServer::start();
    let proxy = FaultProxy::start(server.port());
    let r = client(
        &proxy.url(),
        Duration::from_millis(100),
        RetryPolicy::default(),
    );
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
    let _ports = shared_ports();
    let server = RedisServer::start();
    let proxy = FaultProxy::start(server.port());
    let r = client(
        &proxy.url(),
        Duration::from_millis(100),
        RetryPolicy::default(),
    );
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
    let _ports = shared_ports();
    let server = RedisServer::start();
    let proxy = FaultProxy::start(server.port());
    let r = client(&proxy.url(), Duration::from_secs(5), RetryPolicy::none());
    proxy.set_latency(Duration::from_millis(20));
    let start = Instant::now();
    all_replies_right(&r, "latency", 3);
    assert!(start.elapsed() >= Duration::from_millis(9 * 40));
    proxy.set_latency(Duration::ZERO);
}

#[test]
fn garbage_is_a_protocol_error_and_the_connection_is_dropped() {
    let _ports = shared_ports();
    let server = RedisServer::start();
    let proxy = FaultProxy::start(server.port());
    let r = client(&proxy.url(), Duration::from_secs(5), RetryPolicy::none());
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
    let _ports = shared_ports();
    let server = RedisServer::start();
    let proxy = FaultProxy::start(server.port());
    let r = client(&proxy.url(), Duration::from_secs(5), RetryPolicy::none());
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
    let _ports = shared_ports();
    let server = RedisServer::start();
    let proxy = FaultProxy::start(server.port());
    let r = client(
        &proxy.url(),
        Duration::from_millis(300),
        RetryPolicy::none(),
    );
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

// ---------------------------------------------------------------------------------------
// Faults of the server itself, under load

/// Kills the server with SIGKILL and starts it again `kills` times while 8 threads run
/// checked commands; prints the figures.
fn kill9_under_load(kills: usize) {
    let mut server = RedisServer::start();
    let read_timeout = Duration::from_secs(1);
    let r = client(&server.url(), read_timeout, RetryPolicy::default());
    let recoveries = Mutex::new(Vec::new());
    let server_ref = &mut server;
    let tally = run_load(&r, 8, || {
        for _ in 0..kills {
            // Let the load run a little between kills.
            thread::sleep(Duration::from_millis(200));
            let killed = Instant::now();
            server_ref.restart();
            let restarted = killed.elapsed();
            let probe = Instant::now();
            while r.ping().is_err() {
                assert!(probe.elapsed() < Duration::from_secs(10), "no recovery");
            }
            recoveries
                .lock()
                .unwrap()
                .push((restarted, probe.elapsed(), killed.elapsed()));
        }
        thread::sleep(Duration::from_millis(200));
    });
    let recoveries = recoveries.into_inner().unwrap();
    let worst = recoveries.iter().map(|r| r.2).max().unwrap();
    let worst_client = recoveries.iter().map(|r| r.1).max().unwrap();
    println!(
        "kill -9 x{kills} under 8 threads: {} ok, {} errors ({} ambiguous, {} timeouts), \
         {} values lost with the server, {} wrong replies; longest call {:?} (limit {:?}); \
         kill to first reply at most {worst:?}, server up to first client reply at most \
         {worst_client:?}",
        tally.ok,
        tally.errors,
        tally.ambiguous,
        tally.timeouts,
        tally.lost_values,
        tally.wrong.len(),
        tally.max_call,
        read_timeout + Duration::from_secs(1),
    );
    assert!(tally.wrong.is_empty(), "wrong replies: {:?}", tally.wrong);
    assert!(tally.max_call < read_timeout + Duration::from_secs(1));
    assert!(tally.ok > 0);
    assert!(r.pool().size() <= 16);
    all_replies_right(&r, "kill9", 20);
}

#[test]
fn kill9_and_restart_under_load_short() {
    let _ports = exclusive_ports();
    kill9_under_load(3);
}

#[test]
#[ignore = "long run (20 kills): cargo test --release --test faults -- --ignored"]
fn kill9_and_restart_under_load_20_times() {
    let _ports = exclusive_ports();
    kill9_under_load(20);
}

/// `CLIENT KILL TYPE normal` every 50 ms for `run` while 8 threads run checked commands.
fn client_kill_under_load(run: Duration) {
    let server = RedisServer::start();
    let read_timeout = Duration::from_secs(1);
    let r = client(&server.url(), read_timeout, RetryPolicy::default());
    let kills = AtomicU64::new(0);
    let killed_clients = AtomicU64::new(0);
    let tally = run_load(&r, 8, || {
        let end = Instant::now() + run;
        while Instant::now() < end {
            thread::sleep(Duration::from_millis(50));
            let n: u64 = server
                .raw_cmd(&["CLIENT", "KILL", "TYPE", "normal"])
                .parse()
                .unwrap();
            kills.fetch_add(1, Ordering::Relaxed);
            killed_clients.fetch_add(n, Ordering::Relaxed);
        }
    });
    println!(
        "CLIENT KILL TYPE normal every 50 ms for {run:?} ({} kills, {} connections killed) \
         under 8 threads: {} ok, {} errors ({} ambiguous), {} wrong replies; longest call {:?}",
        kills.load(Ordering::Relaxed),
        killed_clients.load(Ordering::Relaxed),
        tally.ok,
        tally.errors,
        tally.ambiguous,
        tally.wrong.len(),
        tally.max_call
    );
    assert!(tally.wrong.is_empty(), "wrong replies: {:?}", tally.wrong);
    assert_eq!(tally.lost_values, 0, "the server kept every value");
    assert!(tally.max_call < read_timeout + Duration::from_secs(1));
    assert!(killed_clients.load(Ordering::Relaxed) > 0);
    all_replies_right(&r, "ckill", 20);
}

#[test]
fn client_kill_every_50ms_under_load_short() {
    let _ports = shared_ports();
    client_kill_under_load(Duration::from_secs(2));
}

#[test]
#[ignore = "long run: cargo test --release --test faults -- --ignored"]
fn client_kill_every_50ms_under_load_30s() {
    let _ports = shared_ports();
    client_kill_under_load(Duration::from_secs(30));
}

#[test]
fn client_pause_against_a_100ms_read_timeout() {
    let _ports = shared_ports();
    let server = RedisServer::start();
    let read_timeout = Duration::from_millis(100);
    let r = client(&server.url(), read_timeout, RetryPolicy::default());
    all_replies_right(&r, "pause", 2);
    let max_during = Arc::new(Mutex::new(Duration::ZERO));
    let timeouts = Arc::new(AtomicU64::new(0));
    let paused = Arc::new(AtomicBool::new(false));
    let tally = run_load(&r, 4, || {
        let start = Instant::now();
        server.raw_cmd(&["CLIENT", "PAUSE", "2000", "ALL"]);
        paused.store(true, Ordering::SeqCst);
        // Measure calls of our own during the pause, from this thread too.
        while start.elapsed() < Duration::from_millis(1800) {
            let t = Instant::now();
            match r.get::<Option<String>>("pause:probe") {
                Err(e) if e.is_timeout() => {
                    timeouts.fetch_add(1, Ordering::Relaxed);
                }
                Err(e) => panic!("{e:?}"),
                Ok(_) => {}
            }
            let took = t.elapsed();
            let mut m = max_during.lock().unwrap();
            *m = (*m).max(took);
        }
        // Let the pause end and the load see it end.
        while start.elapsed() < Duration::from_millis(2300) {
            thread::sleep(Duration::from_millis(20));
        }
    });
    let max_probe = *max_during.lock().unwrap();
    println!(
        "CLIENT PAUSE ALL 2000 vs a 100 ms read timeout: longest call {:?} (load threads), \
         {max_probe:?} (probe); {} probe timeouts; load: {} ok, {} errors ({} timeouts), {} \
         wrong",
        tally.max_call,
        timeouts.load(Ordering::Relaxed),
        tally.ok,
        tally.errors,
        tally.timeouts,
        tally.wrong.len()
    );
    assert!(paused.load(Ordering::SeqCst));
    assert!(tally.wrong.is_empty(), "{:?}", tally.wrong);
    assert!(timeouts.load(Ordering::Relaxed) > 0, "the pause was felt");
    // The aim is timeout + 50 ms; the margin is for this loaded machine.
    let limit = read_timeout + Duration::from_millis(250);
    assert!(max_probe < limit, "{max_probe:?}");
    assert!(tally.max_call < limit, "{:?}", tally.max_call);
    all_replies_right(&r, "pause", 10);
}

/// Threads run checked commands with a 25 ms read timeout while some of them send
/// `DEBUG SLEEP 0.05`; runs until `target` timeouts were seen across the threads.
fn debug_sleep_timeouts(target: u64) {
    let server = RedisServer::start_with(&["--loglevel", "verbose"]);
    let read_timeout = Duration::from_millis(25);
    let r = client(&server.url(), read_timeout, RetryPolicy::default());
    let timeouts = Arc::new(AtomicU64::new(0));
    let start = Instant::now();
    let server_log = server.dir().join("redis.log");
    let handles: Vec<_> = (0..8)
        .map(|t| {
            let r = r.clone();
            let timeouts = timeouts.clone();
            let logfile = server_log.clone();
            thread::spawn(move || {
                let log = || std::fs::read_to_string(&logfile).unwrap_or_default();
                let mut tally = Tally::default();
                let mut seq = 0u64;
                while timeouts.load(Ordering::Relaxed) < target {
                    if t < 2 && seq % 4 == 0 {
                        let started = Instant::now();
                        match r.execute_command::<()>(cmd("DEBUG").arg("SLEEP").arg(0.05)) {
                            Err(e) => {
                                assert!(e.is_timeout() && e.is_ambiguous(), "{e:?}\n{}", log());
                                timeouts.fetch_add(1, Ordering::Relaxed);
                            }
                            // Only when this thread was not scheduled until the reply came.
                            Ok(()) => assert!(started.elapsed() >= Duration::from_millis(50)),
                        }
                    } else {
                        let before = tally.timeouts;
                        load_step(&r, t, seq, &mut tally);
                        timeouts.fetch_add(tally.timeouts - before, Ordering::Relaxed);
                    }
                    seq += 1;
                }
                tally
            })
        })
        .collect();
    let mut tally = Tally::default();
    for h in handles {
        tally.add(h.join().expect("a thread panicked"));
    }
    println!(
        "DEBUG SLEEP: {} timeouts across 8 threads in {:?}; {} checked replies right, {} \
         wrong, {} lost; longest call {:?}",
        timeouts.load(Ordering::Relaxed),
        start.elapsed(),
        tally.ok,
        tally.wrong.len(),
        tally.lost_values,
        tally.max_call
    );
    assert!(tally.wrong.is_empty(), "{:?}", tally.wrong);
    assert!(
        tally.other_errors.is_empty(),
        "{:?}\n{}",
        tally.other_errors,
        server.log()
    );
    assert!(tally.max_call < read_timeout + Duration::from_millis(500));
    let r = client(&server.url(), Duration::from_secs(5), RetryPolicy::none());
    all_replies_right(&r, "sleep", 20);
}

#[test]
fn debug_sleep_timeouts_across_threads() {
    let _ports = shared_ports();
    debug_sleep_timeouts(1000);
}

#[test]
fn value_kinds_survive_faults() {
    let _ports = shared_ports();
    // A smoke test that the raw Value path (used by pub/sub and scripts) is checked too.
    let server = RedisServer::start();
    let proxy = FaultProxy::start(server.port());
    let r = client(&proxy.url(), Duration::from_secs(5), RetryPolicy::none());
    proxy.close_after_bytes(2);
    assert!(r.execute_command::<Value>(cmd("PING")).is_err());
    let v: Value = r.execute_command(cmd("ECHO").arg("v:1")).unwrap();
    assert_eq!(v, Value::Bulk(b"v:1".to_vec()));
}

// ---------------------------------------------------------------------------------------
// The read-only table that decides what is retried after it was sent

#[test]
fn the_read_only_table_agrees_with_the_servers_command_flags() {
    let _ports = shared_ports();
    use common::RawReply;
    let server = RedisServer::start();
    let RawReply::Array(Some(commands)) = server.raw_reply(&["COMMAND"]) else {
        panic!("COMMAND gave no array");
    };
    let table = strictredis::retry::read_only_commands();
    let mut flagged = 0;
    let mut check = |name: &str, flags: &[RawReply]| {
        let has = |f: &str| {
            flags
                .iter()
                .any(|x| matches!(x, RawReply::Simple(s) if s == f))
        };
        let ours = table.contains(&name);
        if has("readonly") && !has("write") {
            flagged += 1;
            assert!(
                ours,
                "{name} is flagged readonly by the server but not in our table"
            );
        }
        if ours {
            assert!(
                !has("write"),
                "{name} is in our read-only table but flagged write"
            );
        }
    };
    for c in &commands {
        let RawReply::Array(Some(fields)) = c else {
            continue;
        };
        let (RawReply::Bulk(Some(name)), RawReply::Array(Some(flags))) = (&fields[0], &fields[2])
        else {
            continue;
        };
        check(&String::from_utf8_lossy(name), flags);
        if let Some(RawReply::Array(Some(subs))) = fields.get(9) {
            for s in subs {
                let RawReply::Array(Some(sf)) = s else {
                    continue;
                };
                if let (RawReply::Bulk(Some(n)), RawReply::Array(Some(f))) = (&sf[0], &sf[2]) {
                    check(&String::from_utf8_lossy(n), f);
                }
            }
        }
    }
    assert!(flagged > 80, "{flagged} read-only commands seen");
    assert!(strictredis::retry::is_read_only(&cmd("GET").arg("k")));
}

#[test]
fn the_retry_policy_can_come_from_the_url() {
    let _ports = shared_ports();
    let r = StrictRedis::from_url("redis://127.0.0.1:1?max_retries=7&retry_backoff=0.25").unwrap();
    assert_eq!(r.pool().config().retry.max_retries, 7);
    assert_eq!(
        r.pool().config().retry.base_backoff,
        Duration::from_millis(250)
    );
    for bad in [
        "max_retries=-1",
        "max_retries=99999999999",
        "retry_backoff=x",
    ] {
        let e = StrictRedis::from_url(&format!("redis://h?{bad}")).unwrap_err();
        assert!(matches!(e, Error::Config(_)), "{bad}: {e:?}");
    }
}

// ---------------------------------------------------------------------------------------
// Pub/sub

#[test]
fn pubsub_over_faults_gets_only_its_own_messages_in_order() {
    let _ports = shared_ports();
    use strictredis::MessageKind;
    let server = RedisServer::start();
    let proxy = FaultProxy::start(server.port());
    let r = client(&proxy.url(), Duration::from_secs(2), RetryPolicy::default());
    let publisher = client(&server.url(), Duration::from_secs(2), RetryPolicy::none());
    let mut ps = r.pubsub().ignore_subscribe_messages(true);
    ps.subscribe("ps:a").unwrap();
    ps.psubscribe("ps:p.*").unwrap();
    let seed = seed();
    let mut rng = Rng::new(seed);
    let (mut seq, mut last_a, mut last_p) = (0u64, 0u64, 0u64);
    let (mut received, mut errors) = (0u64, 0u64);
    let mut read_all = |ps: &mut strictredis::PubSub, last_a: &mut u64, last_p: &mut u64| loop {
        match ps.get_message(Duration::from_millis(100)) {
            Ok(None) => return,
            Ok(Some(m)) => {
                assert!(
                    matches!(m.kind(), MessageKind::Message | MessageKind::PMessage),
                    "{m:?}"
                );
                let payload = m.payload_str().unwrap().to_string();
                let channel = m.channel_str().unwrap().to_string();
                let (prefix, n) = payload.rsplit_once(':').unwrap();
                let n: u64 = n.parse().unwrap();
                assert_eq!(prefix, channel, "seed {seed}: a message of another channel");
                let last: &mut u64 = match m.pattern() {
                    None => {
                        assert_eq!(channel, "ps:a");
                        &mut *last_a
                    }
                    Some(p) => {
                        assert_eq!(p, b"ps:p.*");
                        &mut *last_p
                    }
                };
                assert!(
                    n > *last,
                    "seed {seed}: {payload} after {last}: repeated or reordered"
                );
                *last = n;
                received += 1;
            }
            Err(e) => {
                assert!(e.is_connection_error(), "{e:?}");
                errors += 1;
            }
        }
    };
    for round in 0..40 {
        match round % 5 {
            0 => proxy.close_after_bytes(rng.below(60) as usize),
            1 => proxy.replace_next_reply(b"\x00garbage\r\n"),
            2 => proxy.reset_all(),
            3 => proxy.close_all(),
            _ => {}
        }
        for _ in 0..5 {
            seq += 1;
            publisher.publish("ps:a", format!("ps:a:{seq}")).unwrap();
            publisher
                .publish("ps:p.x", format!("ps:p.x:{seq}"))
                .unwrap();
            publisher
                .publish("ps:other", format!("ps:other:{seq}"))
                .unwrap();
        }
        read_all(&mut ps, &mut last_a, &mut last_p);
    }
    proxy.heal();
    // After the faults, a message published now arrives.
    assert!(wait_until(Duration::from_secs(10), || {
        seq += 1;
        publisher.publish("ps:a", format!("ps:a:{seq}")).unwrap();
        read_all(&mut ps, &mut last_a, &mut last_p);
        last_a == seq
    }));
    println!(
        "pub/sub through 40 faults: {received} messages, all of their channel and in order, \
         {errors} errors, seed {seed}"
    );
    assert!(received > 0);
    drop(ps);
    // The subscribed connection was never pooled.
    assert_eq!(r.pool().free_size(), 0);
}

// ---------------------------------------------------------------------------------------
// Cluster

#[test]
fn cluster_client_kill_every_50ms_under_load() {
    let _ports = shared_ports();
    let cluster = common::cluster::TestCluster::start_with(3, 0, &[]);
    let c = strictredis::cluster::RedisCluster::builder()
        .node(&cluster.url())
        .read_timeout(Some(Duration::from_secs(1)))
        .build()
        .unwrap();
    let stop = Arc::new(AtomicBool::new(false));
    let handles: Vec<_> = (0..4)
        .map(|t| {
            let c = c.clone();
            let stop = stop.clone();
            thread::spawn(move || {
                let mut tally = Tally::default();
                let mut seq = 0u64;
                while !stop.load(Ordering::Relaxed) {
                    // Keys spread over the slots, so over the three primaries.
                    let key = format!("cl:{t}:{seq}");
                    let value = format!("{key}:{seq}");
                    let set = timed(&mut tally, || c.set(&key, &value));
                    if let Err(e) = &set {
                        tally.error(e);
                    }
                    match timed(&mut tally, || c.get::<Option<String>>(&key)) {
                        Ok(Some(v)) if v == value => tally.ok += 1,
                        Ok(None) if set.is_err() => tally.ok += 1,
                        Ok(other) => tally.wrong.push(format!("GET {key} gave {other:?}")),
                        Err(e) => tally.error(&e),
                    }
                    seq += 1;
                }
                tally
            })
        })
        .collect();
    let end = Instant::now() + Duration::from_secs(2);
    let mut killed = 0u64;
    while Instant::now() < end {
        thread::sleep(Duration::from_millis(50));
        for port in cluster.primary_ports() {
            let n = cluster
                .node(port)
                .raw_cmd(&["CLIENT", "KILL", "TYPE", "normal"]);
            killed += n.parse::<u64>().unwrap_or(0);
        }
    }
    stop.store(true, Ordering::Relaxed);
    let mut tally = Tally::default();
    for h in handles {
        tally.add(h.join().unwrap());
    }
    println!(
        "cluster, CLIENT KILL TYPE normal on every primary every 50 ms for 2 s ({killed} \
         connections killed) under 4 threads: {} ok, {} errors ({} ambiguous), {} wrong; \
         longest call {:?}",
        tally.ok,
        tally.errors,
        tally.ambiguous,
        tally.wrong.len(),
        tally.max_call
    );
    assert!(tally.wrong.is_empty(), "{:?}", tally.wrong);
    assert!(killed > 0);
    assert!(tally.ok > 0);
    assert!(
        tally.max_call < Duration::from_secs(3),
        "{:?}",
        tally.max_call
    );
    for i in 0..20 {
        let key = format!("cl:after:{i}");
        c.set(&key, &key).unwrap();
        assert_eq!(c.get::<String>(&key).unwrap(), key);
    }
}
