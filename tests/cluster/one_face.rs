//! One face for one server and a cluster (issue 12, points 14 and 15): the `Commands` and
//! `PipelineCommands` traits on `RedisCluster` and `ClusterPipeline`, and the helpers
//! StrictRedis has: scripts with the NOSCRIPT fallback, locks, scan iterators of one key,
//! `scan_iter_with`, and `pubsub()` with StrictRedis's signature. One cluster for all.

// API.md writes multi-key arguments as `&[..]`; the tests use exactly that form.
#![allow(clippy::needless_borrows_for_generic_args)]

use std::collections::{BTreeMap, BTreeSet};
use std::time::Duration;

use strictredis::cluster::{key_slot, RedisCluster};
use strictredis::{Commands, PipelineCommands, PubSub, ScanOptions, StrictRedis};
use strictredis_test_kit::cluster::TestCluster;

fn enqueue<C: Commands>(c: &C, id: u64) -> strictredis::Result<u64> {
    c.set(format!("job:{id}"), "queued")?;
    c.incr("jobs:count").map(|n: i64| n as u64)
}

fn queue_two<P: PipelineCommands>(p: &mut P) -> &mut P {
    p.set("{p}:a", "1").incr("{p}:a")
}

/// The same function, compiled once per client type, runs on a server and a cluster.
fn both_faces_of(c: &RedisCluster, r: &StrictRedis) {
    for id in 0..20 {
        enqueue(c, id).unwrap();
    }
    assert_eq!(enqueue(r, 1).unwrap(), 1);
    let v: Vec<Option<String>> = Commands::mget(c, &["job:3", "job:17", "job:99"]).unwrap();
    assert_eq!(v, vec![Some("queued".into()), Some("queued".into()), None]);
    let mut p = c.pipeline();
    queue_two(&mut p).get("{p}:a");
    let (_, n, s): ((), i64, String) = PipelineCommands::execute(&mut p).unwrap();
    assert_eq!((n, s.as_str()), (2, "2"));
}

fn scripts(c: &RedisCluster, cluster: &TestCluster) {
    let script = c.register_script("return redis.call('INCRBY', KEYS[1], ARGV[1])");
    let keys = ["s:{a}", "s:{b}", "s:{c}", "s:{d}"];
    for k in keys {
        let n: i64 = script.key(k).arg(2).invoke(c).unwrap();
        assert_eq!(n, 2, "{k}");
    }
    // The node serving one key forgets its scripts: the call loads it again and succeeds.
    let port = cluster.owner_of_slot(key_slot(b"s:{a}"));
    assert_eq!(
        cluster.node(port).raw_cmd(&["SCRIPT", "FLUSH"]),
        "OK",
        "flush on {port}"
    );
    let n: i64 = script.key("s:{a}").arg(5).invoke(c).unwrap();
    assert_eq!(n, 7);
    // Script::load loads it everywhere.
    cluster.node(port).raw_cmd(&["SCRIPT", "FLUSH"]);
    script.load(c).unwrap();
    for p in cluster.primary_ports() {
        let out = cluster.node(p).raw_cmd(&["SCRIPT", "EXISTS", script.sha()]);
        assert_eq!(out.trim(), "1", "script on {p}");
    }
}

fn locks(c: &RedisCluster) {
    let a = c.lock("lock:{x}", Duration::from_secs(10));
    let b = c.lock("lock:{x}", Duration::from_secs(10));
    assert!(a.acquire(false).unwrap());
    assert!(!b.acquire(false).unwrap(), "held by a");
    let holder: Option<String> = c.get("lock:{x}").unwrap();
    assert_eq!(holder, a.token(), "the token is on the key's node");
    a.release().unwrap();
    assert!(b.acquire(false).unwrap());
    b.release().unwrap();
}

fn scans(c: &RedisCluster) {
    let fields: Vec<(String, String)> = (0..300)
        .map(|i| (format!("f{i}"), format!("v{i}")))
        .collect();
    for (f, v) in &fields {
        let _: u64 = c.hset("h:{scan}", f, v).unwrap();
    }
    let got: BTreeMap<String, String> = c
        .hscan_iter::<String, String>("h:{scan}", None, Some(50))
        .collect::<Result<_, _>>()
        .unwrap();
    assert_eq!(got, fields.into_iter().collect());
    let members: Vec<String> = (0..200).map(|i| format!("m{i}")).collect();
    c.sadd("s:{scan}", &members).unwrap();
    let got: BTreeSet<String> = c
        .sscan_iter("s:{scan}", Some("m1*"), Some(40))
        .collect::<Result<_, _>>()
        .unwrap();
    let want: BTreeSet<String> = members
        .iter()
        .filter(|m| m.starts_with("m1"))
        .cloned()
        .collect();
    assert_eq!(got, want);
    let scored: Vec<(String, f64)> = (0..150).map(|i| (format!("z{i}"), i as f64)).collect();
    c.zadd("z:{scan}", &scored).unwrap();
    let mut got: Vec<(String, f64)> = c
        .zscan_iter("z:{scan}", None, None)
        .collect::<Result<_, _>>()
        .unwrap();
    got.sort_by(|a, b| a.1.total_cmp(&b.1));
    assert_eq!(got, scored);
    // Across every primary, with TYPE.
    let hashes: BTreeSet<String> = c
        .scan_iter_with(ScanOptions::new().type_("hash"))
        .collect::<Result<_, _>>()
        .unwrap();
    assert_eq!(hashes, BTreeSet::from(["h:{scan}".to_string()]));
}

fn pubsub(c: &RedisCluster) {
    // The same signature as StrictRedis::pubsub: a PubSub, not a Result.
    let make: fn(&RedisCluster) -> PubSub = RedisCluster::pubsub;
    let mut ps = make(c).ignore_subscribe_messages(true);
    ps.subscribe(&["news"]).unwrap();
    // Wait for the subscription to land before publishing.
    let deadline = std::time::Instant::now() + Duration::from_secs(5);
    loop {
        let n: u64 = c.publish("news", "hello").unwrap();
        if n > 0 {
            break;
        }
        assert!(std::time::Instant::now() < deadline, "no subscriber");
        let _ = ps.get_message(Duration::from_millis(20)).unwrap();
    }
    let m = loop {
        if let Some(m) = ps.get_message(Duration::from_secs(5)).unwrap() {
            break m;
        }
    };
    assert_eq!(m.payload(), b"hello");
}

#[test]
fn a_cluster_has_the_same_face_as_one_server() {
    let cluster = TestCluster::start();
    let c = RedisCluster::from_urls(&[cluster.url()]).unwrap();
    let one = strictredis_test_kit::RedisServer::start();
    let r = StrictRedis::from_url(&one.url()).unwrap();
    both_faces_of(&c, &r);
    scripts(&c, &cluster);
    locks(&c);
    scans(&c);
    pubsub(&c);
}
