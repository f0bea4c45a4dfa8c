//! The Sentinel client against 3 real `redis-sentinel` processes watching a master and a
//! replica: discovery, replicas, and following failovers under load.

use strictredis_test_kit as common;

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::thread;
use std::time::{Duration, Instant};

use common::cluster::TestSentinel;
use common::wait_until;
use strictredis::sentinel::Sentinel;
use strictredis::{ConnectionAddr, Error, StrictRedis};

/// The port the client's connections go to.
pub fn port_of(r: &StrictRedis) -> u16 {
    let conn = r.get_connection().unwrap();
    match conn.addr() {
        ConnectionAddr::Tcp { port, .. } => *port,
        other => panic!("unexpected address {other:?}"),
    }
}

#[test]
fn finds_the_master_and_a_replica() {
    let _serial = crate::sentinel_failover::serial();
    let setup = TestSentinel::start();
    let (master_port, replica_port) = setup.master_and_replica();
    // A dead sentinel first: asked, skipped, and asked last from then on.
    let dead = format!("redis://127.0.0.1:{}", common::free_port());
    let mut urls = vec![dead.clone()];
    urls.extend(setup.sentinel_urls());
    let s = Sentinel::new(&urls).unwrap();

    assert_eq!(
        s.discover_master(TestSentinel::NAME).unwrap(),
        ("127.0.0.1".to_string(), master_port)
    );
    assert_ne!(s.sentinels()[0], dead.trim_start_matches("redis://"));
    assert_eq!(
        s.discover_replicas(TestSentinel::NAME).unwrap(),
        vec![("127.0.0.1".to_string(), replica_port)]
    );

    let master = s.master_for(TestSentinel::NAME).unwrap();
    master.set("greeting", "hello").unwrap();
    assert_eq!(port_of(&master), master_port);
    assert_eq!(
        setup.server(master_port).raw_cmd(&["GET", "greeting"]),
        "hello"
    );

    let replica = s.replica_for(TestSentinel::NAME).unwrap();
    assert_eq!(port_of(&replica), replica_port);
    assert!(wait_until(Duration::from_secs(10), || {
        replica.get::<Option<String>>("greeting").unwrap().is_some()
    }));
    // A replica refuses writes, and the client does not retry them.
    let started = Instant::now();
    let e = replica.set("greeting", "nope").unwrap_err();
    assert_eq!(e.server_error().map(|e| e.kind()), Some("READONLY"), "{e}");
    assert!(started.elapsed() < Duration::from_secs(2));

    // A service no sentinel knows is a configuration error, found at the first command.
    let unknown = s.master_for("no-such-service").unwrap();
    let e = unknown.ping().unwrap_err();
    assert!(
        matches!(e, Error::Config(ref m) if m.contains("no-such-service")),
        "{e}"
    );
}

/// What the load threads saw, before and after the failover settled.
#[derive(Default)]
struct Seen {
    errors_during: Vec<String>,
    stale_during: usize,
    errors_after: Vec<String>,
    wrong_after: Vec<String>,
}

#[test]
fn follows_a_sentinel_failover_under_load() {
    let _serial = crate::sentinel_failover::serial();
    let setup = TestSentinel::start();
    // The old master's demotion, which this test waits for, comes within a second or two.
    setup.quicken();
    let (old, new) = setup.master_and_replica();
    let s = Sentinel::new(&setup.sentinel_urls()).unwrap();
    let master = s.master_for(TestSentinel::NAME).unwrap();
    master.set("before", "x").unwrap();
    assert_eq!(port_of(&master), old);

    let stop = Arc::new(AtomicBool::new(false));
    let settled = Arc::new(AtomicBool::new(false));
    let ops = Arc::new(AtomicU64::new(0));
    let seen = Arc::new(Mutex::new(Seen::default()));
    let threads: Vec<_> = (0..4)
        .map(|t| {
            let (master, stop, settled, ops, seen) = (
                master.clone(),
                stop.clone(),
                settled.clone(),
                ops.clone(),
                seen.clone(),
            );
            thread::spawn(move || {
                let mut seq = 0i64;
                while !stop.load(Ordering::Relaxed) {
                    seq += 1;
                    let key = format!("load:{t}:{}", seq % 50);
                    let after = settled.load(Ordering::Relaxed);
                    let r = master
                        .set(&key, seq)
                        .and_then(|()| master.get::<Option<i64>>(&key));
                    let mut seen = seen.lock().unwrap();
                    match r {
                        Ok(Some(v)) if v == seq => {}
                        Ok(v) if after => seen.wrong_after.push(format!("{key}: {v:?} != {seq}")),
                        // A write the old master took after the new one was promoted is lost
                        // when it becomes a replica: asynchronous replication, by design.
                        Ok(_) => seen.stale_during += 1,
                        Err(e) if after => seen.errors_after.push(e.to_string()),
                        Err(e) => seen.errors_during.push(format!("{e} (io: {})", e.is_io())),
                    }
                    ops.fetch_add(1, Ordering::Relaxed);
                }
            })
        })
        .collect();
    let wait_ops = |n: u64| crate::sentinel_failover::wait_ops(&ops, n);
    wait_ops(300);

    // Right after `quicken` a sentinel may still hold the replica's INFO as too old to
    // promote it (NOGOODSLAVE) until its next poll, a quarter of a second later.
    let mut answer = String::new();
    assert!(
        wait_until(Duration::from_secs(10), || {
            answer = setup.sentinels[0].raw_cmd(&["SENTINEL", "FAILOVER", TestSentinel::NAME]);
            answer == "OK"
        }),
        "SENTINEL FAILOVER: {answer}"
    );
    assert!(
        wait_until(Duration::from_secs(60), || setup.master_port() == Some(new)),
        "the replica was not promoted"
    );
    setup.wait_settled();
    wait_ops(300);
    settled.store(true, Ordering::Relaxed);
    wait_ops(500);
    stop.store(true, Ordering::Relaxed);
    for t in threads {
        t.join().unwrap();
    }

    let seen = seen.lock().unwrap();
    assert!(seen.errors_after.is_empty(), "{:?}", seen.errors_after);
    assert!(seen.wrong_after.is_empty(), "{:?}", seen.wrong_after);
    // READONLY replies and refused connections were retried on the new master; the
    // only errors a caller may see are writes cut off by the sentinels' CLIENT KILL on the
    // old master (at most one in flight per thread).
    assert!(
        seen.errors_during.len() <= 4
            && seen.errors_during.iter().all(|e| e.ends_with("(io: true)")),
        "{:?}",
        seen.errors_during
    );
    eprintln!(
        "during the failover: errors {:?}, {} stale reads",
        seen.errors_during, seen.stale_during
    );
    assert_eq!(port_of(&master), new);
    master.set("after", "y").unwrap();
    assert_eq!(setup.server(new).raw_cmd(&["GET", "after"]), "y");
    assert_eq!(
        s.discover_master(TestSentinel::NAME).unwrap(),
        ("127.0.0.1".to_string(), new)
    );
}

#[test]
fn follows_a_master_that_died() {
    let _serial = crate::sentinel_failover::serial();
    let setup = TestSentinel::start();
    let (old, new) = setup.master_and_replica();
    let s = Sentinel::builder()
        .sentinel(&setup.sentinel_urls()[0])
        .sentinel(&setup.sentinel_urls()[1])
        .sentinel(&setup.sentinel_urls()[2])
        .connect_timeout(Duration::from_secs(1))
        .build()
        .unwrap();
    let master = s.master_for(TestSentinel::NAME).unwrap();
    master.set("k", "before").unwrap();

    setup.server(old).kill9();
    // The sentinels need down-after-milliseconds (1 s) and an election; one call retries
    // for about 12 s, which usually covers it (a split vote delays the election more).
    let deadline = Instant::now() + Duration::from_secs(60);
    let mut failed = Vec::new();
    while let Err(e) = master.set("k", "after") {
        assert!(Instant::now() < deadline, "{failed:?}");
        // Nothing was sent while no master could be reached: only "no master" errors
        // (Error::Sentinel; 0.1 called them Error::Io of kind NotFound) or failed connects.
        assert!(
            matches!(e, Error::Sentinel(_)) || e.is_connection_error(),
            "{e}"
        );
        failed.push(e.to_string());
    }
    assert_eq!(port_of(&master), new);
    assert_eq!(setup.server(new).raw_cmd(&["GET", "k"]), "after");
}
