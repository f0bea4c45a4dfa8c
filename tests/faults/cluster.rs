//! A cluster client under CLIENT KILL.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::thread;
use std::time::{Duration, Instant};

use strictredis_test_kit as common;

use super::util::*;

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
         connections killed) under 4 threads: {}",
        tally.summary()
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
