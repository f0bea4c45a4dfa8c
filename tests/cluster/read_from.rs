//! Read routing on real clusters: where reads went, counted by each node's own
//! `INFO commandstats`. PreferReplica and Primary on Redis 7.0 (3 primaries, 2 replicas
//! each, so that round-robin shows); AzAffinity on Valkey 9.1 (3 primaries, 2 replicas each,
//! zones given to each node on its command line, some changed with CONFIG SET).
//!
//! Writes are EXPIRE and INCRBYFLOAT: a primary propagates them as PEXPIREAT and SET, so a
//! replica's `expire` or `incrbyfloat` count above 0 would mean the client sent it a write.

use std::collections::HashMap;
use std::time::Duration;

use strictredis::cluster::{key_slot, ReadFrom, RedisCluster};
use strictredis_test_kit::cluster::TestCluster;
use strictredis_test_kit::wait_until;

/// Each primary serving slots, and its replicas, as the cluster says.
fn shards(cluster: &TestCluster) -> Vec<(u16, Vec<u16>)> {
    let nodes = cluster.cluster_nodes();
    nodes
        .iter()
        .filter(|n| n.is_primary() && !n.slots.is_empty() && !n.is_failed())
        .map(|p| {
            let replicas = nodes
                .iter()
                .filter(|r| r.master == p.id && !r.is_failed())
                .map(|r| r.port)
                .collect();
            (p.port, replicas)
        })
        .collect()
}

/// `n` keys, and how many of them each primary serves.
fn keys_by_primary(cluster: &TestCluster, n: usize) -> (Vec<String>, HashMap<u16, u64>) {
    let keys: Vec<String> = (0..n).map(|i| format!("rf:{i}")).collect();
    let mut per = HashMap::new();
    for k in &keys {
        *per.entry(cluster.owner_of_slot(key_slot(k.as_bytes())))
            .or_insert(0) += 1;
    }
    (keys, per)
}

/// Writes `keys` (value = index) and waits until every replica has them all.
fn write_and_replicate(cluster: &TestCluster, c: &RedisCluster, keys: &[String]) {
    for (i, k) in keys.iter().enumerate() {
        c.set(k, i as i64).unwrap();
    }
    for (p, replicas) in shards(cluster) {
        let want = cluster.node(p).raw_cmd(&["DBSIZE"]);
        for r in replicas {
            assert!(
                wait_until(Duration::from_secs(20), || cluster
                    .node(r)
                    .raw_cmd(&["DBSIZE"])
                    == want),
                "replica {r} did not catch up with {p}"
            );
        }
    }
}

fn reset_stats(cluster: &TestCluster) {
    for n in &cluster.nodes {
        if n.is_running() {
            assert_eq!(n.raw_cmd(&["CONFIG", "RESETSTAT"]), "OK");
        }
    }
}

/// Every key read `rounds` times, each value checked; with a write every 20 reads.
fn read_all(c: &RedisCluster, keys: &[String], rounds: usize) -> u64 {
    let mut writes = 0;
    for round in 0..rounds {
        for (i, k) in keys.iter().enumerate() {
            let v: Option<i64> = c.get(k).unwrap_or_else(|e| panic!("GET {k}: {e}"));
            assert_eq!(v, Some(i as i64), "{k}");
            if (round * keys.len() + i) % 20 == 0 {
                let w = format!("{{{k}}}:w");
                let _: f64 = c.incrbyfloat(&w, 1.5).unwrap();
                let _: bool = c.expire(&w, 600).unwrap();
                writes += 1;
            }
        }
    }
    writes
}

/// No write reached a replica, and the primaries ran every one.
fn writes_only_on_primaries(cluster: &TestCluster, writes: u64) {
    let mut on_primaries = (0, 0);
    for (p, replicas) in shards(cluster) {
        for r in replicas {
            let node = cluster.node(r);
            if !node.is_running() {
                continue;
            }
            for command in ["incrbyfloat", "expire"] {
                for field in ["calls", "rejected_calls", "failed_calls"] {
                    assert_eq!(
                        node.command_stat(command, field),
                        0,
                        "replica {r}: {command} {field}"
                    );
                }
            }
        }
        let primary = cluster.node(p);
        on_primaries.0 += primary.command_calls("incrbyfloat");
        on_primaries.1 += primary.command_calls("expire");
    }
    assert_eq!(on_primaries, (writes, writes));
}

#[test]
fn primary_and_prefer_replica_on_redis() {
    // It stops and kills replicas at the end.
    let _heavy = crate::heavy();
    let cluster = TestCluster::start_with(3, 2, &[]);
    let topo = shards(&cluster);
    assert_eq!(topo.len(), 3);
    assert!(topo.iter().all(|(_, r)| r.len() == 2), "{topo:?}");
    let (keys, per_primary) = keys_by_primary(&cluster, 300);
    let build = |read_from: ReadFrom| {
        RedisCluster::builder()
            .node(&cluster.url())
            .read_timeout(Some(Duration::from_secs(2)))
            .connect_timeout(Duration::from_secs(2))
            .read_from(read_from)
            .build()
            .unwrap()
    };
    let primary = build(ReadFrom::Primary);
    write_and_replicate(&cluster, &primary, &keys);

    // Primary (the default): no replica serves anything.
    reset_stats(&cluster);
    let writes = read_all(&primary, &keys, 1);
    for (p, replicas) in &topo {
        assert_eq!(cluster.node(*p).command_calls("get"), per_primary[p]);
        for r in replicas {
            assert_eq!(cluster.node(*r).command_calls("get"), 0, "replica {r}");
        }
    }
    writes_only_on_primaries(&cluster, writes);

    // PreferReplica: each shard's reads spread over its two replicas in turn.
    let c = build(ReadFrom::PreferReplica);
    reset_stats(&cluster);
    let rounds = 4;
    let writes = read_all(&c, &keys, rounds);
    for (p, replicas) in &topo {
        assert_eq!(cluster.node(*p).command_calls("get"), 0, "primary {p}");
        let reads = per_primary[p] * rounds as u64;
        let got: Vec<u64> = replicas
            .iter()
            .map(|r| cluster.node(*r).command_calls("get"))
            .collect();
        eprintln!("PreferReplica: shard of {p}: {reads} reads, on its replicas {got:?}");
        assert_eq!(got.iter().sum::<u64>(), reads, "shard of {p}: {got:?}");
        for g in &got {
            // In turn: 50% each, give or take what the other shards' turns did to the
            // shared counter.
            assert!(*g * 10 >= reads * 3, "shard of {p}: {got:?} of {reads}");
        }
    }
    writes_only_on_primaries(&cluster, writes);
    // `read_from_replicas(true)` is PreferReplica.
    let legacy = RedisCluster::builder()
        .node(&cluster.url())
        .read_from_replicas(true)
        .build()
        .unwrap();
    reset_stats(&cluster);
    read_all(&legacy, &keys[..30], 1);
    assert!(topo
        .iter()
        .all(|(p, _)| cluster.node(*p).command_calls("get") == 0));
    // A pipeline reads from primaries, whatever ReadFrom says (it sees its own writes).
    reset_stats(&cluster);
    let mut pipe = c.pipeline_without_transaction();
    for k in &keys[..30] {
        pipe.get(k);
    }
    let vals: Vec<i64> = pipe.execute().unwrap();
    assert_eq!(vals, (0..30).collect::<Vec<i64>>());
    for (p, replicas) in &topo {
        for r in replicas {
            assert_eq!(cluster.node(*r).command_calls("get"), 0, "replica {r}");
        }
        let _ = p;
    }
    // Redis 7.0 reports no zone: AzAffinity falls back to the replicas of other zones.
    let az = build(ReadFrom::AzAffinity("z1".into()));
    reset_stats(&cluster);
    read_all(&az, &keys, 1);
    for (p, replicas) in &topo {
        assert_eq!(cluster.node(*p).command_calls("get"), 0, "primary {p}");
        let sum: u64 = replicas
            .iter()
            .map(|r| cluster.node(*r).command_calls("get"))
            .sum();
        assert_eq!(sum, per_primary[p]);
    }

    // A replica that refuses READONLY (here by ACL) is passed over: its sibling serves the
    // shard's reads.
    let (p2, r2) = (topo[2].0, topo[2].1.clone());
    let refuser = cluster.node(r2[0]);
    assert_eq!(
        refuser.raw_cmd(&["ACL", "SETUSER", "default", "-readonly"]),
        "OK"
    );
    let fresh = build(ReadFrom::PreferReplica);
    reset_stats(&cluster);
    read_all(&fresh, &keys, 1);
    assert_eq!(refuser.command_calls("get"), 0);
    assert_eq!(cluster.node(r2[1]).command_calls("get"), per_primary[&p2]);
    assert_eq!(cluster.node(p2).command_calls("get"), 0);
    assert_eq!(
        refuser.raw_cmd(&["ACL", "SETUSER", "default", "+readonly"]),
        "OK"
    );

    // A stopped replica (SIGSTOP: it accepts connections and answers nothing) is passed
    // over after one timeout; every read still answers, and right.
    let (p0, r0) = (topo[0].0, topo[0].1.clone());
    cluster.pause(r0[0]);
    let all: Vec<i64> = c.mget(&keys).unwrap();
    assert_eq!(all, (0..300).collect::<Vec<i64>>());
    read_all(&c, &keys, 2);
    cluster.resume(r0[0]);
    // A killed replica: refused connections, passed over as well.
    let (p1, r1) = (topo[1].0, topo[1].1.clone());
    cluster.node(r1[0]).kill9();
    reset_stats(&cluster);
    let all: Vec<i64> = c.mget(&keys).unwrap();
    assert_eq!(all, (0..300).collect::<Vec<i64>>());
    read_all(&c, &keys, 2);
    // The surviving replica of that shard served its reads, not the primary alone.
    let survivor = cluster.node(r1[1]).command_calls("get");
    assert!(
        survivor >= per_primary[&p1],
        "{survivor} reads on {}",
        r1[1]
    );
    let _ = p0;
}

#[test]
fn az_affinity_on_valkey() {
    // 3 primaries with 2 replicas each, every node in az-2 at start (the kit's per-node
    // config lines); then the primaries and the first replica of two shards move to az-1.
    let cluster = TestCluster::start_with_node_args(true, 3, 2, &[], &|_| {
        vec!["--availability-zone".into(), "az-2".into()]
    });
    let topo = shards(&cluster);
    assert_eq!(topo.len(), 3);
    assert!(topo.iter().all(|(_, r)| r.len() == 2), "{topo:?}");
    let set_zone = |port: u16, zone: &str| {
        assert_eq!(
            cluster
                .node(port)
                .raw_cmd(&["CONFIG", "SET", "availability-zone", zone]),
            "OK"
        );
    };
    for (i, (p, replicas)) in topo.iter().enumerate() {
        // A same-zone primary still comes after any replica.
        set_zone(*p, "az-1");
        if i < 2 {
            set_zone(replicas[0], "az-1");
        }
    }
    let (keys, per_primary) = keys_by_primary(&cluster, 300);
    for protocol in [2, 3] {
        let c = RedisCluster::builder()
            .node(&format!("{}?protocol={protocol}", cluster.url()))
            .read_timeout(Some(Duration::from_secs(2)))
            .read_from(ReadFrom::AzAffinity("az-1".into()))
            .build()
            .unwrap();
        write_and_replicate(&cluster, &c, &keys);
        reset_stats(&cluster);
        let rounds = 3;
        let writes = read_all(&c, &keys, rounds);
        for (i, (p, replicas)) in topo.iter().enumerate() {
            let reads = per_primary[p] * rounds as u64;
            assert!(reads > 0);
            assert_eq!(cluster.node(*p).command_calls("get"), 0, "primary {p}");
            let got: Vec<u64> = replicas
                .iter()
                .map(|r| cluster.node(*r).command_calls("get"))
                .collect();
            eprintln!(
                "AzAffinity (RESP{protocol}): shard {i}: {reads} reads, on its replicas {got:?}"
            );
            if i < 2 {
                // >= 95% on the same-zone replica, though another replica is fit.
                assert!(got[0] * 100 >= reads * 95, "shard {i}: {got:?} of {reads}");
            } else {
                // No replica in az-1: the other zone's replicas in turn, not the primary.
                assert_eq!(got.iter().sum::<u64>(), reads, "shard {i}: {got:?}");
                assert!(
                    got.iter().all(|g| g * 10 >= reads * 3),
                    "shard {i}: {got:?}"
                );
            }
            for r in replicas {
                // The zone was learnt once per node (with its READONLY), not per command.
                assert_eq!(
                    cluster.node(*r).command_calls("config|get"),
                    1,
                    "replica {r}"
                );
            }
        }
        writes_only_on_primaries(&cluster, writes);
    }
}
