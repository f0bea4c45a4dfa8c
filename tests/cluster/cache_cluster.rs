//! Client-side caching on the cluster client (issue 14, "on a cluster per node"), on a
//! 3-primary Redis 7.0 cluster and a Valkey 9.1 cluster: a hit sends nothing to the key's
//! owner; another client's write is seen within a loose bound, own writes at once, FLUSHALL
//! empties it; after a cached key's slot moves to another primary and is written there by
//! another client, the old value is not served past the bound; CLIENT KILL of a node's
//! invalidation channel empties the cache; a failover leaves no stale entry.

use std::time::{Duration, Instant};

use strictredis::cluster::{key_slot, RedisCluster};
use strictredis::CacheConfig;
use strictredis_test_kit::cluster::TestCluster;
use strictredis_test_kit::wait_until;

/// How soon another client's write must be seen (loose: the machine is shared, and a
/// topology change may be behind it).
const BOUND: Duration = Duration::from_secs(5);

fn clients(cluster: &TestCluster) -> (RedisCluster, RedisCluster) {
    let cached = RedisCluster::builder()
        .node(&cluster.url())
        .cache_config(CacheConfig::default())
        .build()
        .unwrap();
    let other = RedisCluster::from_urls(&[cluster.url()]).unwrap();
    (cached, other)
}

/// `calls` of `cmdstat_<name>` in the INFO commandstats of the node on `port`.
fn calls(cluster: &TestCluster, port: u16, name: &str) -> u64 {
    let info = cluster.node(port).raw_cmd(&["INFO", "commandstats"]);
    let prefix = format!("cmdstat_{name}:calls=");
    info.lines()
        .find_map(|l| l.trim().strip_prefix(&prefix))
        .and_then(|rest| rest.split(',').next())
        .map_or(0, |n| n.parse().unwrap())
}

/// Reads `key` until one read is a hit (earlier writes' invalidations are behind us) and
/// reads `want`.
fn warm(c: &RedisCluster, key: &str, want: &str) {
    assert!(
        wait_until(BOUND, || {
            let hits = c.cache_stats().unwrap().hits;
            let v: Option<String> = c.get(key).unwrap();
            v.as_deref() == Some(want) && c.cache_stats().unwrap().hits > hits
        }),
        "{key} never became a hit"
    );
}

/// Waits until `c` reads `want` for `key`, then checks that it keeps reading it; returns
/// how long the wait took.
fn seen(c: &RedisCluster, key: &str, want: Option<&str>) -> Duration {
    let start = Instant::now();
    let ok = wait_until(BOUND, || {
        c.get::<Option<String>>(key).unwrap().as_deref() == want
    });
    assert!(ok, "{key} not {want:?} within {BOUND:?}");
    let took = start.elapsed();
    for _ in 0..20 {
        assert_eq!(
            c.get::<Option<String>>(key).unwrap().as_deref(),
            want,
            "{key}"
        );
    }
    took
}

fn scenario(cluster: &TestCluster, engine: &str) {
    let (c, other) = clients(cluster);
    let key = "cc:{a}";
    let owner = cluster.owner_of_slot(key_slot(key.as_bytes()));

    // A hit sends nothing: the owner's GET count does not move.
    c.set(key, "1").unwrap();
    warm(&c, key, "1");
    let before = calls(cluster, owner, "get");
    let hits = c.cache_stats().unwrap().hits;
    for _ in 0..100 {
        assert_eq!(c.get::<String>(key).unwrap(), "1");
    }
    assert_eq!(
        calls(cluster, owner, "get"),
        before,
        "a hit went to the server"
    );
    assert_eq!(c.cache_stats().unwrap().hits, hits + 100);
    assert!(other.cache_stats().is_none());

    // MGET over two slots (on two nodes): cached key by key, one hit each.
    let far = "cc:{b}";
    assert_ne!(cluster.owner_of_slot(key_slot(far.as_bytes())), owner);
    c.set(far, "x").unwrap();
    assert!(
        wait_until(BOUND, || {
            let hits = c.cache_stats().unwrap().hits;
            let v: Vec<Option<String>> = c.mget([key, far]).unwrap();
            assert_eq!(v, [Some("1".to_string()), Some("x".to_string())]);
            c.cache_stats().unwrap().hits == hits + 2
        }),
        "MGET never became two hits"
    );

    // Another client's write: seen within the bound. Own writes: at once.
    other.set(key, "2").unwrap();
    let took = seen(&c, key, Some("2"));
    eprintln!("{engine}: another client's write seen after {took:?}");
    warm(&c, key, "2");
    c.set(key, "3").unwrap();
    assert_eq!(c.get::<String>(key).unwrap(), "3");
    // FLUSHALL by someone else empties it.
    warm(&c, key, "3");
    other.flushall(None).unwrap();
    seen(&c, key, None);

    // Resharding: the cached key's slot moves to another primary, and is written there.
    c.set(key, "4").unwrap();
    warm(&c, key, "4");
    let slot = key_slot(key.as_bytes());
    let to = *cluster
        .primary_ports()
        .iter()
        .find(|&&p| p != owner)
        .unwrap();
    cluster.move_slot(slot, to);
    other.set(key, "5").unwrap();
    assert_eq!(cluster.owner_of_slot(slot), to);
    let took = seen(&c, key, Some("5"));
    eprintln!("{engine}: write at the slot's new owner seen after {took:?}");
    // Cached again at the new owner, and its writes are heard there.
    warm(&c, key, "5");
    other.set(key, "6").unwrap();
    seen(&c, key, Some("6"));

    // CLIENT KILL of the new owner's channel (our only pub/sub connection there).
    warm(&c, key, "6");
    let flushes = c.cache_stats().unwrap().flushes;
    cluster
        .node(to)
        .raw_cmd(&["CLIENT", "KILL", "TYPE", "pubsub"]);
    assert!(wait_until(BOUND, || c.cache_stats().unwrap().flushes > flushes));
    other.set(key, "7").unwrap();
    seen(&c, key, Some("7"));
    warm(&c, key, "7");

    // A failover of the owner: no stale entry after it.
    cluster.failover_to(cluster.replica_of(to));
    assert!(wait_until(Duration::from_secs(30), || other
        .set(key, "8")
        .is_ok()));
    let took = seen(&c, key, Some("8"));
    eprintln!("{engine}: write after a failover seen after {took:?}");
    warm(&c, key, "8");
    other.set(key, "9").unwrap();
    seen(&c, key, Some("9"));
}

#[test]
fn redis_cluster_cache_follows_the_slot_map() {
    let _heavy = crate::heavy();
    let cluster = TestCluster::start();
    scenario(&cluster, "redis");
}

#[test]
fn valkey_cluster_cache_follows_the_slot_map() {
    let _heavy = crate::heavy();
    let cluster = TestCluster::start_valkey();
    scenario(&cluster, "valkey");
}

/// A primary frozen (SIGSTOP) and replaced by its replica: its channel falls silent, which
/// stops the cache from serving; the client reads the topology again by itself (no command
/// of ours goes to that node's slots, and with `cluster-require-full-coverage no` the
/// others never answer CLUSTERDOWN, which would refresh it), leaves the node, and serves
/// hits again.
#[test]
fn a_frozen_primary_is_left_and_caching_resumes() {
    let _heavy = crate::heavy();
    let cluster = TestCluster::start_with(3, 1, &["--cluster-require-full-coverage", "no"]);
    let c = RedisCluster::builder()
        .node(&cluster.url())
        .connect_timeout(Duration::from_secs(1))
        .read_timeout(Some(Duration::from_secs(1)))
        .cache_config(CacheConfig::default())
        .build()
        .unwrap();
    let other = RedisCluster::from_urls(&[cluster.url()]).unwrap();
    let key = "cc:{a}";
    let owner = cluster.owner_of_slot(key_slot(key.as_bytes()));
    let victim = *cluster
        .primary_ports()
        .iter()
        .find(|&&p| p != owner)
        .unwrap();
    c.set(key, "1").unwrap();
    warm(&c, key, "1");
    let flushes = c.cache_stats().unwrap().flushes;
    cluster.pause(victim);
    let frozen = Instant::now();
    // The silent channel empties the cache (heartbeat: 3 s without an answer).
    assert!(wait_until(Duration::from_secs(20), || c
        .cache_stats()
        .unwrap()
        .flushes
        > flushes));
    let victim_addr = format!("127.0.0.1:{victim}");
    let resumed = wait_until(Duration::from_secs(60), || {
        let hits = c.cache_stats().unwrap().hits;
        assert_eq!(c.get::<String>(key).unwrap(), "1");
        c.cache_stats().unwrap().hits > hits && !c.primaries().contains(&victim_addr)
    });
    assert!(resumed, "caching did not resume after the failover");
    eprintln!(
        "frozen primary: hits again {:?} after SIGSTOP",
        frozen.elapsed()
    );
    other.set(key, "2").unwrap();
    seen(&c, key, Some("2"));
    cluster.resume(victim);
}
