//! Pipelines under a CLIENT KILL loop (issue 11.2): every error after which the pipeline's
//! INCR had in fact been applied must be marked ambiguous (`is_ambiguous()`), so that a
//! caller following that contract never applies the write twice.
//!
//! The pipelines read a large reply (`GET big`, 2 MiB, before and after the INCR), so the
//! kill lands while the replies are being read. On one server this held already at v0.1.0;
//! the cluster tests fail on v0.1.0: its cluster pipelines turned broken I/O after sending
//! into an unmarked error.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::thread;
use std::time::{Duration, Instant};

use strictredis::cluster::RedisCluster;
use strictredis::{Error, RetryPolicy};
use strictredis_test_kit as common;

use super::util::*;

const BIG: usize = 2 << 20;

/// What a kill loop did to a series of pipelines.
#[derive(Debug, Default)]
struct Seen {
    pipelines: usize,
    errors: usize,
    /// Errors after which the INCR had been applied.
    applied: usize,
    /// Of those, the ones not marked ambiguous (must stay empty).
    unmarked: Vec<String>,
}

/// Runs `pipeline` (which returns the INCR's reply) while `kill` runs in a loop on another
/// thread, until `want` errors with an applied INCR were seen or 20 s passed. After each
/// error, `counter` reads the counter (retrying: the kill loop goes on) to tell whether the
/// INCR ran.
fn under_kill_loop(
    kill: impl Fn() + Send + 'static,
    mut pipeline: impl FnMut() -> Result<i64, Error>,
    mut counter: impl FnMut() -> Result<i64, Error>,
    want: usize,
) -> Seen {
    let stop = Arc::new(AtomicBool::new(false));
    let killer = {
        let stop = stop.clone();
        thread::spawn(move || {
            while !stop.load(Ordering::Relaxed) {
                kill();
                // A pace, not a wait for a condition: one kill every few milliseconds.
                thread::sleep(Duration::from_millis(2));
            }
        })
    };
    let mut seen = Seen::default();
    let mut last = 0i64;
    let end = Instant::now() + Duration::from_secs(20);
    while seen.applied < want && Instant::now() < end {
        seen.pipelines += 1;
        match pipeline() {
            Ok(n) => {
                assert_eq!(n, last + 1, "the INCR answered {n} after {last}");
                last = n;
            }
            Err(e) => {
                seen.errors += 1;
                let now = loop {
                    match counter() {
                        Ok(v) => break v,
                        Err(_) if Instant::now() < end + Duration::from_secs(10) => continue,
                        Err(e) => panic!("the counter cannot be read: {e}"),
                    }
                };
                assert!(now == last || now == last + 1, "counter {now} after {last}");
                if now == last + 1 {
                    seen.applied += 1;
                    if !e.is_ambiguous() {
                        seen.unmarked.push(e.to_string());
                    }
                }
                last = now;
            }
        }
    }
    stop.store(true, Ordering::Relaxed);
    killer.join().unwrap();
    seen
}

/// `CLIENT KILL TYPE normal` on the server at `url`, from a connection of its own.
fn killer(url: &str) -> impl Fn() + Send + 'static {
    let killer = client(url, Duration::from_secs(5), RetryPolicy::none());
    move || {
        let kill = strictredis::cmd("CLIENT KILL").arg("TYPE").arg("normal");
        let _ = killer.execute_command::<i64>(kill);
    }
}

fn check(target: &str, transaction: bool, seen: &Seen) {
    let what = match transaction {
        true => format!("{target}, pipeline()"),
        false => format!("{target}, pipeline_without_transaction()"),
    };
    println!("{what}: {seen:?}");
    assert!(
        seen.unmarked.is_empty(),
        "{what}: applied writes reported as not applied: {seen:?}"
    );
    assert!(
        seen.applied > 0,
        "{what}: no error after an applied write was seen: {seen:?}"
    );
}

fn single_server(transaction: bool) {
    let _ports = shared_ports();
    let server = common::RedisServer::start();
    let r = client(
        &server.url(),
        Duration::from_secs(5),
        RetryPolicy::default(),
    );
    r.set("big", vec![b'x'; BIG]).unwrap();
    let kill = killer(&server.url());
    let pipeline = || {
        let mut p = if transaction {
            r.pipeline()
        } else {
            r.pipeline_without_transaction()
        };
        p.get("big").incr("n").get("big");
        let (_, n, _): (Vec<u8>, i64, Vec<u8>) = p.execute()?;
        Ok(n)
    };
    let counter = || r.get::<Option<i64>>("n").map(|v| v.unwrap_or(0));
    let seen = under_kill_loop(kill, pipeline, counter, 5);
    check("one server", transaction, &seen);
}

#[test]
fn a_pipeline_whose_connection_is_killed_never_hides_an_applied_write() {
    single_server(false);
}

#[test]
fn a_transaction_whose_connection_is_killed_never_hides_an_applied_write() {
    single_server(true);
}

/// Fails on v0.1.0: 0 of the applied writes were marked ambiguous.
#[test]
fn cluster_pipelines_whose_connection_is_killed_never_hide_an_applied_write() {
    let _ports = shared_ports();
    let cluster = common::cluster::TestCluster::start_with(3, 0, &[]);
    let c = RedisCluster::builder()
        .node(&cluster.url())
        .read_timeout(Some(Duration::from_secs(5)))
        .build()
        .unwrap();
    c.set("{c}big", vec![b'x'; BIG]).unwrap();
    let slot = strictredis::cluster::key_slot(b"{c}big");
    let owner = cluster.owner_of_slot(slot);
    for transaction in [false, true] {
        let kill = killer(&format!("redis://127.0.0.1:{owner}"));
        let counter_key = if transaction { "{c}t" } else { "{c}p" };
        let pipeline = || {
            let mut p = if transaction {
                c.pipeline()
            } else {
                c.pipeline_without_transaction()
            };
            p.get("{c}big").incr(counter_key).get("{c}big");
            let (_, n, _): (Vec<u8>, i64, Vec<u8>) = p.execute()?;
            Ok(n)
        };
        let counter = || c.get::<Option<i64>>(counter_key).map(|v| v.unwrap_or(0));
        let seen = under_kill_loop(kill, pipeline, counter, 5);
        check("cluster", transaction, &seen);
    }
}
