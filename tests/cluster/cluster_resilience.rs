//! The cluster client while the cluster changes under it: resharding and failovers under
//! load, a primary that dies, reads from replicas.

// API.md writes multi-key arguments as `&[..]`; the tests use exactly that form.
#![allow(clippy::needless_borrows_for_generic_args)]

use strictredis_test_kit as common;

use std::collections::HashMap;
use std::time::{Duration, Instant};

use crate::load::Threads;

use common::cluster::TestCluster;
use common::wait_until;
use strictredis::cluster::{key_slot, RedisCluster};
use strictredis::Error;

/// What one load thread saw (also used by `migrateslots`).
#[derive(Default)]
pub(crate) struct Stats {
    pub errors: Vec<String>,
    pub wrong: Vec<String>,
    /// The last value written to each key.
    pub last: HashMap<String, i64>,
}

/// Threads that keep writing and reading their own keys, checking every reply.
pub(crate) struct Load(Threads<Stats>);

impl Load {
    /// 4 threads, 200 keys each, spread over every slot.
    fn start(c: &RedisCluster) -> Load {
        Self::start_on(c, |_| true)
    }

    /// 4 threads, 200 keys each, all in the slots `wanted` accepts.
    fn start_on(c: &RedisCluster, wanted: impl Fn(u16) -> bool) -> Load {
        Self::threads_on(c, 4, wanted)
    }

    /// `threads` threads, 200 keys each, all in the slots `wanted` accepts.
    pub(crate) fn threads_on(
        c: &RedisCluster,
        threads: usize,
        wanted: impl Fn(u16) -> bool,
    ) -> Load {
        let mut candidates = (0..).map(|i| format!("load:{i}"));
        let key_sets: Vec<Vec<String>> = (0..threads)
            .map(|_| {
                candidates
                    .by_ref()
                    .filter(|k| wanted(key_slot(k.as_bytes())))
                    .take(200)
                    .collect()
            })
            .collect();
        let c = c.clone();
        Load(Threads::spawn(
            key_sets,
            move |keys: Vec<String>, control| {
                let mut s = Stats::default();
                let mut seq = 0i64;
                while !control.stopped() {
                    for (i, k) in keys.iter().enumerate() {
                        seq += 1;
                        match c.set(k, seq) {
                            Ok(()) => {
                                s.last.insert(k.clone(), seq);
                            }
                            Err(e) => {
                                s.errors.push(format!("SET {k}: {e}"));
                                // The write may or may not have happened.
                                s.last.remove(k);
                                continue;
                            }
                        }
                        match c.get::<Option<i64>>(k) {
                            Ok(v) if v == Some(seq) => {}
                            Ok(v) => s.wrong.push(format!("GET {k}: {v:?}, wrote {seq}")),
                            Err(e) => s.errors.push(format!("GET {k}: {e}")),
                        }
                        if i % 25 == 24 {
                            // A split MGET over the keys written so far.
                            let asked: Vec<&String> = keys[i - 24..=i].iter().collect();
                            match c.mget::<Option<i64>>(&asked) {
                                Ok(vals) => {
                                    for (k, v) in asked.iter().zip(vals) {
                                        if s.last.get(*k).is_some_and(|want| v != Some(*want)) {
                                            s.wrong.push(format!("MGET {k}: {v:?}"));
                                        }
                                    }
                                }
                                Err(e) => s.errors.push(format!("MGET: {e}")),
                            }
                        }
                        control.count();
                        if control.stopped() {
                            break;
                        }
                    }
                }
                s
            },
        ))
    }

    pub(crate) fn wait_for_ops(&self, n: u64) {
        self.0.wait_for_ops(n)
    }

    /// The operations done so far, over every thread.
    pub(crate) fn ops(&self) -> u64 {
        self.0.ops()
    }

    pub(crate) fn finish(self) -> Stats {
        let mut all = Stats::default();
        for s in self.0.finish() {
            all.errors.extend(s.errors);
            all.wrong.extend(s.wrong);
            all.last.extend(s.last);
        }
        all
    }
}

pub(crate) fn check_clean(stats: &Stats) {
    assert!(
        stats.wrong.is_empty(),
        "{} wrong replies, first: {:?}",
        stats.wrong.len(),
        &stats.wrong[..stats.wrong.len().min(5)]
    );
    assert!(
        stats.errors.is_empty(),
        "{} errors, first: {:?}",
        stats.errors.len(),
        &stats.errors[..stats.errors.len().min(5)]
    );
}

pub(crate) fn check_values(c: &RedisCluster, stats: &Stats) {
    assert!(!stats.last.is_empty());
    for (k, want) in &stats.last {
        let v: Option<i64> = c.get(k).unwrap();
        assert_eq!(v, Some(*want), "{k}");
    }
}

#[test]
fn resharding_2000_slots_under_load() {
    let _heavy = crate::heavy();
    let cluster = TestCluster::start();
    let c = RedisCluster::from_urls(&[cluster.url()]).unwrap();
    // A client that never follows a redirection: after the resharding it must say so.
    let stale = RedisCluster::builder()
        .node(&cluster.url())
        .max_redirects(0)
        .build()
        .unwrap();
    let keys: Vec<String> = (0..2000).map(|i| format!("pre:{i}")).collect();
    for (i, k) in keys.iter().enumerate() {
        c.set(k, i as i64).unwrap();
    }

    let primaries = cluster.primary_ports();
    let (from, to) = (primaries[0], primaries[1]);
    let slots_of = |port: u16| {
        cluster
            .cluster_nodes()
            .iter()
            .find(|n| n.port == port)
            .map(|n| n.slot_count())
            .unwrap()
    };
    let (from_before, to_before) = (slots_of(from), slots_of(to));
    let moving: Vec<u16> = cluster
        .cluster_nodes()
        .iter()
        .find(|n| n.port == from)
        .unwrap()
        .slots
        .iter()
        .flat_map(|&(a, b)| a..=b)
        .collect();

    // The load works on keys of the slots that will move (redis-cli moves the source's
    // lowest slots first), so that it meets migrating slots, ASK and MOVED.
    let first_2000: Vec<u16> = moving.iter().copied().take(2000).collect();
    let load = Load::start_on(&c, |s| first_2000.contains(&s));
    load.wait_for_ops(500);
    let started = Instant::now();
    cluster.reshard(from, to, 2000);
    let took = started.elapsed();
    load.wait_for_ops(500);
    let stats = load.finish();
    cluster.wait_healthy(Duration::from_secs(30));

    assert_eq!(slots_of(from), from_before - 2000);
    assert_eq!(slots_of(to), to_before + 2000);
    check_clean(&stats);
    check_values(&c, &stats);
    // Every key written before is still there, read one by one and with split MGETs.
    let all: Vec<Option<i64>> = c.mget(&keys).unwrap();
    for (i, v) in all.iter().enumerate() {
        assert_eq!(*v, Some(i as i64), "pre:{i}");
    }
    let nodes_after = cluster.cluster_nodes();
    let to_slots = &nodes_after.iter().find(|n| n.port == to).unwrap().slots;
    let moved_keys: Vec<&String> = keys
        .iter()
        .filter(|k| {
            let s = key_slot(k.as_bytes());
            moving.contains(&s) && to_slots.iter().any(|&(a, b)| a <= s && s <= b)
        })
        .collect();
    assert!(moved_keys.len() > 100, "{} keys moved", moved_keys.len());
    for k in &moved_keys {
        let v: Option<i64> = c.get(k.as_str()).unwrap();
        assert!(v.is_some(), "{k}");
        assert_eq!(
            c.node_for_slot(key_slot(k.as_bytes())),
            Some(format!("127.0.0.1:{to}"))
        );
    }
    // The client that may not be redirected gets a clear error naming the redirection.
    let e = stale
        .get::<Option<i64>>(moved_keys[0].as_str())
        .unwrap_err();
    assert!(
        matches!(e, Error::Cluster(ref m) if m.message().contains("MOVED") && m.message().contains("0 redirections")),
        "{e}"
    );
    eprintln!("resharding 2000 slots took {took:?}");
}

#[test]
fn manual_failover_under_load() {
    let _heavy = crate::heavy();
    let cluster = TestCluster::start();
    let c = RedisCluster::from_urls(&[cluster.url()]).unwrap();
    let load = Load::start(&c);
    load.wait_for_ops(500);

    let old = cluster.primary_ports()[0];
    let new = cluster.replica_of(old);
    let slot = (0..16384u16)
        .find(|&s| cluster.owner_of_slot(s) == old)
        .unwrap();
    assert_eq!(cluster.node(new).raw_cmd(&["CLUSTER", "FAILOVER"]), "OK");
    assert!(
        wait_until(Duration::from_secs(30), || cluster
            .node(new)
            .raw_cmd(&["INFO", "replication"])
            .contains("role:master")),
        "the replica was not promoted"
    );
    cluster.wait_healthy(Duration::from_secs(30));
    // The load goes on against the new primary.
    load.wait_for_ops(1000);
    let stats = load.finish();
    check_clean(&stats);
    check_values(&c, &stats);
    assert_eq!(c.node_for_slot(slot), Some(format!("127.0.0.1:{new}")));
    assert_eq!(cluster.owner_of_slot(slot), new);
}

#[test]
fn a_dead_primary_is_replaced_by_its_replica() {
    let _heavy = crate::heavy();
    let cluster = TestCluster::start();
    let c = RedisCluster::builder()
        .node(&cluster.url())
        .connect_timeout(Duration::from_secs(1))
        .build()
        .unwrap();
    let victim = cluster.primary_ports()[1];
    let heir = cluster.replica_of(victim);
    let key = (0..)
        .map(|i| format!("dead:{i}"))
        .find(|k| cluster.owner_of_slot(key_slot(k.as_bytes())) == victim)
        .unwrap();
    c.set(&key, "before").unwrap();
    assert!(wait_until(Duration::from_secs(10), || cluster
        .node(heir)
        .raw_cmd(&["INFO", "replication"])
        .contains("master_link_status:up")));

    cluster.node(victim).kill9();
    // Each call follows the cluster within its retry budget; the failover itself takes
    // cluster-node-timeout (2 s) plus an election, so a call may run out before it is done.
    let deadline = Instant::now() + Duration::from_secs(60);
    let mut failed_calls = Vec::new();
    loop {
        match c.set(&key, "after") {
            Ok(()) => break,
            Err(e) => {
                assert!(
                    Instant::now() < deadline,
                    "no write went through within 60 s: {failed_calls:?} {e}"
                );
                // A call that runs out of retries says so; no raw I/O error leaks out.
                assert!(
                    matches!(e, Error::Cluster(ref m) if m.message().contains("16 redirections")),
                    "{e}"
                );
                failed_calls.push(e.to_string());
            }
        }
    }
    let slot = key_slot(key.as_bytes());
    assert_eq!(c.node_for_slot(slot), Some(format!("127.0.0.1:{heir}")));
    assert_eq!(cluster.node(heir).raw_cmd(&["GET", &key]), "after");
    let v: Option<String> = c.get(&key).unwrap();
    assert_eq!(v.as_deref(), Some("after"));
}

/// `cmdstat_<name>` calls and `total_connections_received` of a node, read on one raw
/// connection.
fn stats(server: &common::RedisServer, name: &str) -> (u64, u64) {
    let replies = server.raw_cmds(&[&["INFO", "commandstats"], &["INFO", "stats"]]);
    let find = |text: &str, prefix: &str| {
        text.lines()
            .find_map(|l| l.strip_prefix(prefix))
            .and_then(|rest| rest.split(',').next())
            .and_then(|n| n.trim().parse().ok())
            .unwrap_or(0)
    };
    (
        find(&replies[0].to_string(), &format!("cmdstat_{name}:calls=")),
        find(&replies[1].to_string(), "total_connections_received:"),
    )
}

#[test]
fn read_from_replicas_reads_from_replicas() {
    let cluster = TestCluster::start();
    let c = RedisCluster::builder()
        .node(&cluster.url())
        .read_from_replicas(true)
        .build()
        .unwrap();
    for i in 0..100 {
        c.set(format!("r:{i}"), i).unwrap();
    }
    let primaries = cluster.primary_ports();
    let replicas: Vec<u16> = primaries.iter().map(|&p| cluster.replica_of(p)).collect();
    assert!(wait_until(Duration::from_secs(10), || replicas
        .iter()
        .map(|&r| cluster.node(r).raw_cmd(&["DBSIZE"]).parse::<u64>().unwrap())
        .sum::<u64>()
        == 100));
    for &port in primaries.iter().chain(&replicas) {
        assert_eq!(cluster.node(port).raw_cmd(&["CONFIG", "RESETSTAT"]), "OK");
    }

    for _ in 0..3 {
        for i in 0..100 {
            let v: Option<i64> = c.get(format!("r:{i}")).unwrap();
            assert_eq!(v, Some(i));
        }
    }
    let keys: Vec<String> = (0..100).map(|i| format!("r:{i}")).collect();
    let all: Vec<i64> = c.mget(&keys).unwrap();
    assert_eq!(all, (0..100).collect::<Vec<_>>());
    // Writes still go to the primaries.
    c.set("r:new", 1).unwrap();

    let mut replica_gets = 0;
    for &r in &replicas {
        let (gets, connections) = stats(cluster.node(r), "get");
        let (mgets, _) = stats(cluster.node(r), "mget");
        assert!(
            gets > 0 && mgets > 0,
            "replica {r}: {gets} GETs, {mgets} MGETs"
        );
        // One READONLY connection, reused for every read (plus the harness's own).
        assert!(connections <= 3, "replica {r}: {connections} connections");
        replica_gets += gets;
    }
    assert_eq!(replica_gets, 300);
    let mut primary_sets = 0;
    for &p in &primaries {
        let (gets, _) = stats(cluster.node(p), "get");
        assert_eq!(gets, 0, "primary {p} served reads");
        primary_sets += stats(cluster.node(p), "set").0;
    }
    assert_eq!(primary_sets, 1);
}
