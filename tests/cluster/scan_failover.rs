//! A cluster scan that survives failover and resharding (issue 16, point 3): every key
//! present from the start to the end of `scan_iter` is returned at least once, across a
//! CLUSTER FAILOVER of every primary and slot moves in the middle of the scan, on Redis 7.0 (SCAN node by
//! node, slots checked) and Valkey 9.1 (CLUSTERSCAN). Duplicates are allowed.

use strictredis_test_kit as common;

use std::collections::HashSet;

use common::cluster::TestCluster;
use strictredis::cluster::{key_slot, RedisCluster};

const KEYS: usize = 3000;

/// Sets the keys, scans a tenth of them, runs `change`, scans the rest, and checks that
/// every key came back; returns how many keys the scan returned in all.
fn scan_across(cluster: &TestCluster, change: impl FnOnce(&TestCluster)) -> usize {
    let c = RedisCluster::from_urls(&[cluster.url()]).unwrap();
    let keys: Vec<String> = (0..KEYS).map(|i| format!("sf:{i}")).collect();
    for k in &keys {
        c.set(k, 1).unwrap();
    }
    let mut it = c.scan_iter::<String>(Some("sf:*"), Some(50));
    let mut seen: Vec<String> = it.by_ref().take(KEYS / 10).map(Result::unwrap).collect();
    assert_eq!(seen.len(), KEYS / 10);
    change(cluster);
    // Other threads' commands would meet MOVED and refresh the client's slot map: do it.
    c.refresh_topology().unwrap();
    seen.extend(it.map(Result::unwrap));
    let unique: HashSet<&String> = seen.iter().collect();
    let missing: Vec<&String> = keys.iter().filter(|k| !unique.contains(k)).collect();
    assert!(
        missing.is_empty(),
        "{} keys never returned, such as {:?}",
        missing.len(),
        &missing[..missing.len().min(5)]
    );
    assert!(unique.iter().all(|k| k.starts_with("sf:")));
    // And the client still serves every key where it lives now.
    for k in keys.iter().step_by(7) {
        assert_eq!(c.get::<Option<i64>>(k).unwrap(), Some(1), "{k}");
    }
    seen.len()
}

/// A graceful failover of every primary, one after the other: the one being scanned, those
/// done and those not scanned yet.
fn fail_over_all(cluster: &TestCluster) {
    for primary in cluster.primary_ports() {
        cluster.failover_to(cluster.replica_of(primary));
        assert!(!cluster.primary_ports().contains(&primary));
    }
}

/// Two ranges moved mid-scan: one away from the node being scanned (slot 0's owner) to a
/// node scanned later, and one from a node not scanned yet into the node being scanned.
fn move_two_ranges(cluster: &TestCluster, migrate: impl Fn(u16, u16, u16, u16)) {
    let first = cluster.owner_of_slot(0);
    let middle = cluster.owner_of_slot(8000);
    let last = cluster.owner_of_slot(16000);
    assert!(first != middle && middle != last && first != last);
    migrate(first, middle, 3000, 3100);
    migrate(last, first, 12000, 12100);
    assert_eq!(cluster.owner_of_slot(3000), middle);
    assert_eq!(cluster.owner_of_slot(12100), first);
}

fn calls(cluster: &TestCluster, command: &str) -> u64 {
    cluster.nodes.iter().map(|n| n.command_calls(command)).sum()
}

#[test]
fn redis_scan_survives_a_failover() {
    let _heavy = crate::heavy();
    let cluster = TestCluster::start();
    let n = scan_across(&cluster, fail_over_all);
    assert!(calls(&cluster, "scan") > 0);
    eprintln!("redis, failover mid-scan: {n} keys returned for {KEYS}");
}

#[test]
fn redis_scan_survives_resharding() {
    let _heavy = crate::heavy();
    let cluster = TestCluster::start();
    let n = scan_across(&cluster, |c| {
        move_two_ranges(c, |from, to, a, b| c.migrate_range(from, to, a, b))
    });
    eprintln!("redis, resharding mid-scan: {n} keys returned for {KEYS}");
}

#[test]
fn valkey_clusterscan_survives_a_failover() {
    let _heavy = crate::heavy();
    let cluster = TestCluster::start_valkey();
    let n = scan_across(&cluster, fail_over_all);
    assert!(calls(&cluster, "clusterscan") > 0);
    assert_eq!(
        calls(&cluster, "scan"),
        0,
        "CLUSTERSCAN is used where the server has it"
    );
    eprintln!("valkey, failover mid-scan: {n} keys returned for {KEYS}");
}

#[test]
fn valkey_clusterscan_survives_atomic_migration() {
    let _heavy = crate::heavy();
    let cluster = TestCluster::start_valkey();
    let n = scan_across(&cluster, |c| {
        move_two_ranges(c, |from, to, a, b| c.migrate_slots(from, to, a, b))
    });
    eprintln!("valkey, atomic migration mid-scan: {n} keys returned for {KEYS}");
}

/// HSCAN, SSCAN and ZSCAN of one big key each (2,000 elements, pages of about 50), with the
/// key's primary failed over after the first pages and the key's slot moved after the
/// next: every element comes back (the scan starts again on the new node).
fn keyed_scans_across(cluster: &TestCluster, migrate: impl Fn(u16, u16, u16, u16)) {
    let c = RedisCluster::from_urls(&[cluster.url()]).unwrap();
    let (h, s, z) = ("big:{ks}:h", "big:{ks}:s", "big:{ks}:z");
    let n = 2000;
    let fields: Vec<(String, i64)> = (0..n).map(|i| (format!("f{i}"), i)).collect();
    let members: Vec<String> = (0..n).map(|i| format!("m{i}")).collect();
    let scored: Vec<(String, f64)> = (0..n).map(|i| (format!("m{i}"), i as f64)).collect();
    c.hset_multiple(h, &fields).unwrap();
    c.sadd(s, &members).unwrap();
    c.zadd(z, &scored).unwrap();
    let slot = key_slot(h.as_bytes());

    let mut hs = c.hscan_iter::<String, i64>(h, None, Some(50));
    let mut ss = c.sscan_iter::<String>(s, None, Some(50));
    let mut zs = c.zscan_iter::<String>(z, None, Some(50));
    let mut got_h: Vec<(String, i64)> = hs.by_ref().take(300).map(Result::unwrap).collect();
    let mut got_s: Vec<String> = ss.by_ref().take(300).map(Result::unwrap).collect();
    let mut got_z: Vec<(String, f64)> = zs.by_ref().take(300).map(Result::unwrap).collect();

    let owner = cluster.owner_of_slot(slot);
    cluster.failover_to(cluster.replica_of(owner));
    got_h.extend(hs.by_ref().take(300).map(Result::unwrap));
    got_s.extend(ss.by_ref().take(300).map(Result::unwrap));
    got_z.extend(zs.by_ref().take(300).map(Result::unwrap));

    let owner = cluster.owner_of_slot(slot);
    let other = cluster
        .primary_ports()
        .into_iter()
        .find(|&p| p != owner)
        .unwrap();
    migrate(owner, other, slot, slot);
    got_h.extend(hs.map(Result::unwrap));
    got_s.extend(ss.map(Result::unwrap));
    got_z.extend(zs.map(Result::unwrap));

    let h_seen: HashSet<(String, i64)> = got_h.into_iter().collect();
    assert_eq!(h_seen, fields.into_iter().collect::<HashSet<_>>());
    let s_seen: HashSet<String> = got_s.into_iter().collect();
    assert_eq!(s_seen, members.iter().cloned().collect::<HashSet<_>>());
    let z_seen: HashSet<String> = got_z.into_iter().map(|(m, _)| m).collect();
    assert_eq!(z_seen, members.into_iter().collect::<HashSet<_>>());
}

#[test]
fn redis_key_scans_survive_failover_and_migration() {
    let _heavy = crate::heavy();
    let cluster = TestCluster::start();
    keyed_scans_across(&cluster, |from, to, a, b| {
        cluster.migrate_range(from, to, a, b)
    });
}

#[test]
fn valkey_key_scans_survive_failover_and_migration() {
    let _heavy = crate::heavy();
    let cluster = TestCluster::start_valkey();
    keyed_scans_across(&cluster, |from, to, a, b| {
        cluster.migrate_slots(from, to, a, b)
    });
}
