//! The helpers of the fault tests: the port lock, a client with given timeouts, checked
//! round trips, the load threads and what they saw.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, RwLock, RwLockReadGuard, RwLockWriteGuard};
use std::thread;
use std::time::{Duration, Instant};

use strictredis::{cmd, Error, RetryPolicy, StrictRedis};
use strictredis_test_kit::proxy::FaultProxy;
use strictredis_test_kit::RedisServer;

/// Tests that leave a port unbound for a while (a server killed and restarted, a port
/// chosen because it is free) run alone: another test's proxy or server could take that
/// port meanwhile. All other tests share.
pub(crate) static PORTS: RwLock<()> = RwLock::new(());

pub(crate) fn shared_ports() -> RwLockReadGuard<'static, ()> {
    PORTS.read().unwrap_or_else(|e| e.into_inner())
}

pub(crate) fn exclusive_ports() -> RwLockWriteGuard<'static, ()> {
    PORTS.write().unwrap_or_else(|e| e.into_inner())
}

/// A server behind a fault proxy and a client through the proxy, holding the shared port
/// guard. Fields drop in order: the client, the proxy, the server, the guard.
pub(crate) struct Proxied {
    pub(crate) r: StrictRedis,
    pub(crate) proxy: FaultProxy,
    pub(crate) server: RedisServer,
    pub(crate) _ports: RwLockReadGuard<'static, ()>,
}

/// Takes the shared port guard, starts a server and a proxy to it, and a [`client`] through
/// the proxy.
pub(crate) fn proxied(read_timeout: Duration, retry: RetryPolicy) -> Proxied {
    let _ports = shared_ports();
    let server = RedisServer::start();
    let proxy = FaultProxy::start(server.port());
    let r = client(&proxy.url(), read_timeout, retry);
    Proxied {
        r,
        proxy,
        server,
        _ports,
    }
}

/// Without `CLIENT SETINFO` the handshake is empty: the proxy's faults (cut after N bytes,
/// dropped replies) hit the commands under test, counted from a connection's first byte.
pub(crate) fn client(url: &str, read_timeout: Duration, retry: RetryPolicy) -> StrictRedis {
    StrictRedis::builder()
        .url(url)
        .unwrap()
        .client_setinfo(false)
        .read_timeout(Some(read_timeout))
        .connect_timeout(Duration::from_secs(2))
        .retry_policy(retry)
        .build()
        .unwrap()
}

/// `n` checked round trips: SET then GET of a value that names its key and `tag`, and ECHO.
/// Panics on the first wrong reply.
pub(crate) fn all_replies_right(r: &StrictRedis, tag: &str, n: usize) {
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
pub(crate) fn rss_kib() -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .unwrap_or(0)
}

/// A small deterministic random number generator (xorshift), so failures can be replayed.
pub(crate) struct Rng(u64);

impl Rng {
    pub(crate) fn new(seed: u64) -> Rng {
        Rng(seed.max(1))
    }
    pub(crate) fn next(&mut self) -> u64 {
        let mut x = self.0;
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        self.0 = x;
        x
    }
    pub(crate) fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
}

pub(crate) fn seed() -> u64 {
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
pub(crate) struct Tally {
    pub(crate) ok: u64,
    pub(crate) errors: u64,
    pub(crate) ambiguous: u64,
    pub(crate) timeouts: u64,
    pub(crate) lost_values: u64,
    pub(crate) wrong: Vec<String>,
    /// The first errors that were not timeouts.
    pub(crate) other_errors: Vec<String>,
    pub(crate) max_call: Duration,
}

impl Tally {
    pub(crate) fn add(&mut self, o: Tally) {
        self.ok += o.ok;
        self.errors += o.errors;
        self.ambiguous += o.ambiguous;
        self.timeouts += o.timeouts;
        self.lost_values += o.lost_values;
        self.wrong.extend(o.wrong);
        self.other_errors.extend(o.other_errors);
        self.max_call = self.max_call.max(o.max_call);
    }

    /// `N ok, N errors (N ambiguous), N wrong replies; longest call D`.
    pub(crate) fn summary(&self) -> String {
        format!(
            "{} ok, {} errors ({} ambiguous), {} wrong replies; longest call {:?}",
            self.ok,
            self.errors,
            self.ambiguous,
            self.wrong.len(),
            self.max_call
        )
    }

    pub(crate) fn error(&mut self, e: &Error) {
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
pub(crate) fn timed<T>(tally: &mut Tally, f: impl FnOnce() -> T) -> T {
    let start = Instant::now();
    let out = f();
    tally.max_call = tally.max_call.max(start.elapsed());
    out
}

/// One load step of thread `t`, sequence number `seq`: ECHO, SET+GET, or a pipeline of
/// ECHOs, each checked against what it must return. A missing value after a server
/// restart is counted as lost, not wrong; any other value is wrong.
pub(crate) fn load_step(r: &StrictRedis, t: usize, seq: u64, tally: &mut Tally) {
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
pub(crate) fn run_load<F: FnOnce()>(r: &StrictRedis, threads: usize, during: F) -> Tally {
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
