//! Auto-pipelining on a 3-primary cluster (`auto_pipeline(true)`: one shared connection per
//! node): checked SET/GET from 16 threads on few connections, and the same load while
//! connections are killed, a primary dies and fails over, and slots move.

use std::collections::HashMap;
use std::sync::Arc;
use std::thread;
use std::time::Duration;

use crate::load::Threads;
use strictredis::cluster::{key_slot, RedisCluster};
use strictredis_test_kit::cluster::TestCluster;
use strictredis_test_kit::wait_until;

fn auto(cluster: &TestCluster) -> RedisCluster {
    RedisCluster::builder()
        .node(&cluster.url())
        .auto_pipeline(true)
        .connect_timeout(Duration::from_secs(1))
        .build()
        .unwrap()
}

/// What one load thread saw.
#[derive(Default)]
struct Seen {
    /// A reply that is not the value of the key asked for, or newer than any write of it.
    wrong: Vec<String>,
    /// A GET that returned an older value of the key than the last acknowledged write.
    stale: Vec<String>,
    /// Errors of writes that are not marked ambiguous.
    unmarked: Vec<String>,
    /// Every error.
    errors: Vec<String>,
}

impl Seen {
    fn merge(all: Vec<Seen>) -> Seen {
        let mut s = Seen::default();
        for one in all {
            s.wrong.extend(one.wrong);
            s.stale.extend(one.stale);
            s.unmarked.extend(one.unmarked);
            s.errors.extend(one.errors);
        }
        s
    }
}

/// 16 threads of checked SET/GET, 30 keys each (`key=seq` values: a reply meant for
/// another caller names another key), on keys whose slots `wanted` accepts.
fn load(c: &RedisCluster, wanted: impl Fn(u16) -> bool) -> Threads<Seen> {
    let keys: Vec<String> = (0..)
        .map(|i| format!("apc:{i}"))
        .filter(|k| wanted(key_slot(k.as_bytes())))
        .take(16 * 30)
        .collect();
    let key_sets: Vec<Vec<String>> = keys.chunks(30).map(<[String]>::to_vec).collect();
    let c = c.clone();
    Threads::spawn(key_sets, move |keys: Vec<String>, control| {
        let mut s = Seen::default();
        // Per key: the last write acknowledged, and the last one attempted.
        let mut acked: HashMap<&str, u64> = HashMap::new();
        let mut tried: HashMap<&str, u64> = HashMap::new();
        let mut seq = 0u64;
        while !control.stopped() {
            for k in &keys {
                seq += 1;
                tried.insert(k, seq);
                match c.set(k, format!("{k}={seq}")) {
                    Ok(()) => {
                        acked.insert(k, seq);
                    }
                    Err(e) => {
                        if !e.is_ambiguous() && !e.to_string().contains("redirections") {
                            s.unmarked.push(format!("SET {k}: {e}"));
                        }
                        s.errors.push(format!("SET {k}: {e}"));
                        acked.remove(k.as_str());
                        continue;
                    }
                }
                match c.get::<Option<String>>(k) {
                    Ok(got) => {
                        let parsed = got.as_deref().and_then(|v| v.split_once('='));
                        match parsed {
                            Some((name, n)) if name == k => {
                                let n: u64 = n.parse().unwrap_or(u64::MAX);
                                if n > tried[k.as_str()] {
                                    s.wrong.push(format!("GET {k}: {got:?} (wrote {seq})"));
                                } else if acked.get(k.as_str()).is_some_and(|&a| n < a) {
                                    s.stale.push(format!("GET {k}: {got:?} (wrote {seq})"));
                                }
                            }
                            None if !acked.contains_key(k.as_str()) => {}
                            _ => s.wrong.push(format!("GET {k}: {got:?} (wrote {seq})")),
                        }
                    }
                    Err(e) => s.errors.push(format!("GET {k}: {e}")),
                }
                control.count();
                if control.stopped() {
                    break;
                }
            }
        }
        s
    })
}

fn assert_none(what: &str, list: &[String]) {
    assert!(
        list.is_empty(),
        "{} {what}, first: {:?}",
        list.len(),
        &list[..list.len().min(5)]
    );
}

/// Connections a node has, less the one asking.
fn connections(cluster: &TestCluster, port: u16) -> usize {
    let list = cluster.node(port).raw_cmd(&["CLIENT", "LIST"]);
    list.lines().filter(|l| l.contains("id=")).count() - 1
}

#[test]
fn sixteen_threads_of_checked_set_get_on_one_connection_per_node() {
    let cluster = TestCluster::start_with(3, 0, &[]);
    let c = auto(&cluster);
    let threads = load(&c, |_| true);
    threads.wait_for_ops(3000);
    let mut most = 0;
    for _ in 0..5 {
        for port in cluster.primary_ports() {
            most = most.max(connections(&cluster, port));
        }
        thread::sleep(Duration::from_millis(20));
    }
    threads.wait_for_ops(1000);
    let seen = Seen::merge(threads.finish());
    assert_none("wrong replies", &seen.wrong);
    assert_none("stale replies", &seen.stale);
    assert_none("errors", &seen.errors);
    assert!(
        most <= 2,
        "{most} connections on a node while 16 threads ran"
    );
    for addr in c.primaries() {
        let pool = c.client_for_node(&addr).unwrap();
        assert_eq!(pool.pool().size(), 0, "{addr}: the load used the pool");
    }
}

#[test]
fn client_kill_every_50_ms_under_load() {
    let _heavy = crate::heavy();
    let cluster = Arc::new(TestCluster::start_with(3, 0, &[]));
    let c = auto(&cluster);
    let threads = load(&c, |_| true);
    threads.wait_for_ops(1000);
    let before = threads.ops();
    // 40 rounds, one every 50 ms, while the load runs.
    let killer = {
        let cluster = cluster.clone();
        thread::spawn(move || {
            let mut killed = 0;
            for _ in 0..40 {
                for port in cluster.primary_ports() {
                    let n = cluster
                        .node(port)
                        .raw_cmd(&["CLIENT", "KILL", "TYPE", "normal"]);
                    killed += n.trim().parse::<u64>().unwrap_or(0);
                }
                thread::sleep(Duration::from_millis(50));
            }
            killed
        })
    };
    let killed = killer.join().unwrap();
    let during = threads.ops() - before;
    threads.wait_for_ops(500);
    let seen = Seen::merge(threads.finish());
    assert!(
        during >= 100,
        "{during} operations while connections were killed"
    );
    assert_none("wrong replies", &seen.wrong);
    assert_none("stale replies", &seen.stale);
    assert_none("write errors not marked ambiguous", &seen.unmarked);
    // Reads are retried after a broken connection: only writes may fail.
    let reads: Vec<String> = seen
        .errors
        .iter()
        .filter(|e| e.starts_with("GET"))
        .cloned()
        .collect();
    assert_none("failed reads", &reads);
    eprintln!(
        "40 rounds of CLIENT KILL: {killed} connections killed, {during} operations \
         meanwhile, {} ambiguous write errors",
        seen.errors.len()
    );
}

#[test]
fn a_primary_killed_under_load_fails_over_with_no_wrong_reply() {
    let _heavy = crate::heavy();
    let cluster = TestCluster::start();
    let c = auto(&cluster);
    let victim = cluster.primary_ports()[1];
    let heir = cluster.replica_of(victim);
    assert!(wait_until(Duration::from_secs(10), || cluster
        .node(heir)
        .raw_cmd(&["INFO", "replication"])
        .contains("master_link_status:up")));
    let threads = load(&c, |_| true);
    threads.wait_for_ops(2000);
    cluster.node(victim).kill9();
    assert!(
        wait_until(Duration::from_secs(60), || cluster
            .node(heir)
            .raw_cmd(&["INFO", "replication"])
            .contains("role:master")),
        "the replica was not promoted"
    );
    // The load goes on, and reaches the new primary.
    threads.wait_for_ops_within(3000, Duration::from_secs(60));
    let seen = Seen::merge(threads.finish());
    assert_none("wrong replies", &seen.wrong);
    assert_none("write errors not marked ambiguous", &seen.unmarked);
    // Acknowledged writes the dead primary had not replicated yet may be lost (Redis
    // replicates asynchronously): older values of a key are counted, never wrong ones.
    eprintln!(
        "kill -9 + failover: {} errors, {} stale reads",
        seen.errors.len(),
        seen.stale.len()
    );
    let slot = (0..16384u16)
        .find(|&s| cluster.owner_of_slot(s) == heir)
        .unwrap();
    assert!(wait_until(Duration::from_secs(10), || {
        let _ = c.refresh_topology();
        c.node_for_slot(slot) == Some(format!("127.0.0.1:{heir}"))
    }));
}

#[test]
fn a_resharding_under_load_follows_moved_and_ask() {
    let _heavy = crate::heavy();
    let cluster = TestCluster::start_with(3, 0, &[]);
    let c = auto(&cluster);
    let primaries = cluster.primary_ports();
    let (from, to) = (primaries[0], primaries[1]);
    let nodes = cluster.cluster_nodes();
    let source = nodes.iter().find(|n| n.port == from).unwrap();
    let moving: Vec<u16> = source
        .slots
        .iter()
        .flat_map(|&(a, b)| a..=b)
        .take(500)
        .collect();
    // Keys in the slots that move (redis-cli moves the source's lowest slots first).
    let threads = load(&c, |s| moving.contains(&s));
    threads.wait_for_ops(1000);
    cluster.reshard(from, to, 500);
    threads.wait_for_ops(1000);
    let seen = Seen::merge(threads.finish());
    cluster.wait_healthy(Duration::from_secs(30));
    assert_none("wrong replies", &seen.wrong);
    assert_none("stale replies", &seen.stale);
    assert_none("errors", &seen.errors);
    assert_eq!(
        c.node_for_slot(moving[0]),
        Some(format!("127.0.0.1:{to}")),
        "the client follows the MOVED slots"
    );
}
