//! Faults of the server itself (SIGKILL, CLIENT KILL, CLIENT PAUSE, DEBUG SLEEP), under load.

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::thread;
use std::time::{Duration, Instant};

use strictredis::{cmd, RetryPolicy, Value};
use strictredis_test_kit::proxy::FaultProxy;
use strictredis_test_kit::RedisServer;

use super::util::*;

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
    client_kill_under_load_with(
        |url, read_timeout| client(url, read_timeout, RetryPolicy::default()),
        8,
        run,
    );
}

/// [`client_kill_under_load`] with the client `make(url, read_timeout)` returns, under
/// `threads` threads.
pub(crate) fn client_kill_under_load_with(
    make: impl Fn(&str, Duration) -> strictredis::StrictRedis,
    threads: usize,
    run: Duration,
) {
    let server = RedisServer::start();
    let read_timeout = Duration::from_secs(1);
    let r = make(&server.url(), read_timeout);
    let kills = AtomicU64::new(0);
    let killed_clients = AtomicU64::new(0);
    let tally = run_load(&r, threads, || {
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
         under {threads} threads: {}",
        kills.load(Ordering::Relaxed),
        killed_clients.load(Ordering::Relaxed),
        tally.summary()
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
