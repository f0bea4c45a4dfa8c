//! Nodes that hang instead of failing: a SIGSTOPped primary under load, a SIGSTOPped or
//! black-hole seed at setup (issue 11, points 3 and 4), and what PUBLISH's count means on
//! a cluster (point 13).

// API.md writes multi-key arguments as `&[..]`; the tests use exactly that form.
#![allow(clippy::needless_borrows_for_generic_args)]

use strictredis_test_kit as common;

use std::sync::mpsc;
use std::thread;
use std::time::{Duration, Instant};

use common::cluster::{BlackHole, TestCluster, NODE_TIMEOUT_MS};
use common::wait_until;
use strictredis::cluster::{key_slot, RedisCluster};
use strictredis::{Error, Result};

/// Runs `build` on a thread of its own and returns its result with how long it took;
/// panics if it has not returned within `limit` (it hangs).
fn bounded<T: Send + 'static>(
    limit: Duration,
    build: impl FnOnce() -> T + Send + 'static,
) -> (T, Duration) {
    let (tx, rx) = mpsc::channel();
    let started = Instant::now();
    thread::spawn(move || {
        let _ = tx.send(build());
    });
    match rx.recv_timeout(limit) {
        Ok(v) => (v, started.elapsed()),
        Err(_) => panic!("still running after {limit:?}: it hangs"),
    }
}

/// A client of `cluster` whose connect and read timeouts are both `t`.
pub(crate) fn client_with_timeouts(cluster: &TestCluster, t: Duration) -> RedisCluster {
    RedisCluster::builder()
        .node(&cluster.url())
        .read_timeout(Some(t))
        .connect_timeout(t)
        .build()
        .unwrap()
}

/// Waits until the replica of `key`'s primary has every write so far (`WAIT 1`).
fn synced(c: &RedisCluster, key: &str) {
    let acked: i64 = c
        .client_for_key(key)
        .unwrap()
        .execute_command(strictredis::cmd("WAIT").arg(1).arg(10_000))
        .unwrap();
    assert_eq!(acked, 1, "the replica did not catch up");
}

/// A key served by the primary on `port`.
fn key_on(cluster: &TestCluster, port: u16, prefix: &str) -> String {
    (0..)
        .map(|i| format!("{prefix}:{i}"))
        .find(|k| cluster.owner_of_slot(key_slot(k.as_bytes())) == port)
        .unwrap()
}

/// A SIGSTOPped primary: the cluster promotes its replica after cluster-node-timeout, and
/// the client, whose calls to the stopped node time out, asks the other nodes for the
/// topology and writes to the new primary while the old one is still stopped. Every
/// failed write is a timeout, which `is_ambiguous()`; a read goes to the new primary.
///
/// v0.1.0 never refreshed the topology on a timeout: every call went to the stopped node
/// and timed out until it was resumed, so no write went through here within 20 s.
#[test]
fn a_hung_primary_is_left_for_its_promoted_replica() {
    let _heavy = crate::heavy();
    let cluster = TestCluster::start();
    let c = client_with_timeouts(&cluster, Duration::from_secs(1));
    let victim = cluster.primary_ports()[0];
    let heir = cluster.replica_of(victim);
    let key = key_on(&cluster, victim, "hung");
    let slot = key_slot(key.as_bytes());
    c.set(&key, 0).unwrap();
    synced(&c, &key);

    cluster.pause(victim);
    let stopped = Instant::now();
    let mut errors = Vec::new();
    let mut written = None;
    for seq in 1.. {
        assert!(
            stopped.elapsed() < Duration::from_secs(20),
            "no write reached the new primary within 20 s of SIGSTOP; errors: {errors:?}"
        );
        match c.set(&key, seq) {
            Ok(()) => {
                written = Some(seq);
                break;
            }
            Err(e) => {
                // A timeout after the SET left (ambiguous), or a call that ran out of
                // retries before anything was sent.
                assert!(
                    e.is_ambiguous() || matches!(e, Error::Cluster(_)),
                    "a failed SET must be ambiguous or unsent: {e}"
                );
                errors.push(e.to_string());
            }
        }
    }
    let recovered = stopped.elapsed();
    assert_eq!(c.node_for_slot(slot), Some(format!("127.0.0.1:{heir}")));
    // The new primary took the write while the old one is still stopped.
    assert_eq!(
        cluster.node(heir).raw_cmd(&["GET", &key]),
        written.unwrap().to_string()
    );
    let v: Option<i64> = c.get(&key).unwrap();
    assert_eq!(v, written);
    let bound = Duration::from_millis(NODE_TIMEOUT_MS) + Duration::from_secs(8);
    assert!(recovered < bound, "took {recovered:?}");
    eprintln!(
        "hung primary: writes resumed {recovered:?} after SIGSTOP, {} timed-out calls",
        errors.len()
    );

    cluster.resume(victim);
    cluster.wait_healthy(Duration::from_secs(30));
    c.set(&key, "after").unwrap();
    let v: Option<String> = c.get(&key).unwrap();
    assert_eq!(v.as_deref(), Some("after"));
}

/// A read that times out on a hung primary is sent again to the node that serves its slot
/// now (it changes nothing, so that is safe); it is not sent to the hung node again.
///
/// v0.1.0 returned the timeout for every read until the node was resumed.
#[test]
fn a_read_that_timed_out_moves_to_the_new_primary() {
    let _heavy = crate::heavy();
    let cluster = TestCluster::start();
    let c = client_with_timeouts(&cluster, Duration::from_millis(500));
    let victim = cluster.primary_ports()[1];
    let heir = cluster.replica_of(victim);
    let key = key_on(&cluster, victim, "hungread");
    c.set(&key, "v").unwrap();
    synced(&c, &key);
    cluster.pause(victim);
    // Once the replica is promoted, the next GET that meets the stopped node gets its reply
    // from the new primary in the same call.
    assert!(
        wait_until(Duration::from_secs(20), || cluster
            .cluster_nodes()
            .iter()
            .any(|n| n.port == heir && n.is_primary())),
        "the replica was not promoted"
    );
    let deadline = Instant::now() + Duration::from_secs(10);
    let got = loop {
        match c.get::<Option<String>>(&key) {
            Ok(v) => break v,
            Err(e) => {
                assert!(e.is_timeout(), "{e}");
                assert!(Instant::now() < deadline, "reads still time out: {e}");
            }
        }
    };
    assert_eq!(got.as_deref(), Some("v"));
    cluster.resume(victim);
}

/// The first seed accepts TCP connections and never answers: `build` gives up on it
/// within `connect_timeout` and reads the topology from the second seed. With only black
/// holes, it fails within the bound per seed, naming each.
///
/// v0.1.0 ran CLUSTER SHARDS under the read timeout (none by default): `build` hung
/// forever on the first seed.
#[test]
fn a_black_hole_seed_is_given_up_within_connect_timeout() {
    let cluster = TestCluster::start();
    let hole = BlackHole::start();
    let seeds = vec![format!("{}?connect_timeout=1", hole.url()), cluster.url()];
    let (built, took) = bounded(Duration::from_secs(15), move || {
        RedisCluster::from_urls(&seeds)
    });
    let c = built.unwrap();
    assert!(took < Duration::from_secs(3), "took {took:?}");
    c.set("bh", 1).unwrap();
    assert_eq!(c.primaries().len(), 3);

    let other = BlackHole::start();
    let seeds = vec![format!("{}?connect_timeout=0.5", hole.url()), other.url()];
    let (built, took): (Result<RedisCluster>, _) = bounded(Duration::from_secs(15), move || {
        RedisCluster::from_urls(&seeds)
    });
    let e = built.unwrap_err();
    assert!(took < Duration::from_secs(3), "took {took:?}");
    let shown = e.to_string();
    assert!(matches!(e, Error::Cluster(_)), "{e}");
    for port in [hole.port(), other.port()] {
        assert!(shown.contains(&format!("127.0.0.1:{port}")), "{shown}");
    }
}

/// A SIGSTOPped node as the first seed (it accepts TCP, the kernel does, but answers
/// nothing): `build` moves on to the next seed within `connect_timeout`.
///
/// v0.1.0 hung in `from_urls` until the node was resumed.
#[test]
fn a_sigstopped_seed_is_given_up_within_connect_timeout() {
    let cluster = TestCluster::start();
    let frozen = cluster.replica_of(cluster.primary_ports()[0]);
    let frozen_url = format!("redis://127.0.0.1:{frozen}?connect_timeout=1");
    cluster.pause(frozen);
    let seeds = vec![frozen_url, cluster.url()];
    let (built, took) = bounded(Duration::from_secs(15), move || {
        RedisCluster::from_urls(&seeds)
    });
    cluster.resume(frozen);
    let c = built.unwrap();
    assert!(took < Duration::from_secs(3), "took {took:?}");
    c.set("frozen-seed", 1).unwrap();
    let v: Option<i64> = c.get("frozen-seed").unwrap();
    assert_eq!(v, Some(1));
}

/// PUBLISH on a cluster goes to one node, which the cluster bus propagates to every node;
/// its reply counts that node's own subscribers only (documented in docs/cluster.md). With
/// one subscriber on each primary, every subscriber gets the message and PUBLISH says 1.
///
/// v0.1.0 behaved the same, undocumented; this pins the documented behaviour.
#[test]
fn publish_counts_the_receiving_nodes_subscribers() {
    let cluster = TestCluster::start();
    let c = RedisCluster::from_urls(&[cluster.url()]).unwrap();
    let mut subs: Vec<_> = c
        .primaries()
        .iter()
        .map(|addr| {
            let mut ps = c.client_for_node(addr).unwrap().pubsub();
            ps.subscribe(&["everywhere"]).unwrap();
            ps
        })
        .collect();
    for port in cluster.primary_ports() {
        assert!(wait_until(Duration::from_secs(10), || cluster
            .node(port)
            .raw_cmd(&["PUBSUB", "NUMSUB", "everywhere"])
            .ends_with("\n1")));
    }
    for i in 0..3 {
        let receivers: u64 = c.publish("everywhere", i).unwrap();
        assert_eq!(receivers, 1, "one node's subscribers, not the cluster's");
    }
    // Each subscriber gets all three (the bus may carry them in any order).
    for ps in &mut subs {
        let mut got = Vec::new();
        let deadline = Instant::now() + Duration::from_secs(10);
        while got.len() < 3 {
            assert!(Instant::now() < deadline, "only {got:?} came");
            match ps.get_message(Duration::from_millis(200)).unwrap() {
                Some(m) if !m.kind().is_subscription_change() => got.push(m.into_payload()),
                _ => {}
            }
        }
        got.sort();
        assert_eq!(got, [b"0".to_vec(), b"1".to_vec(), b"2".to_vec()]);
    }
}
