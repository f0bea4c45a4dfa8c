//! Client-side caching (`cache_config`) against real Redis 7.0 and Valkey 9.1: hits send
//! nothing, other clients' writes and FLUSHDB are seen within a loose bound, own writes at
//! once, broken invalidation channels and restarts leave nothing stale, the bounds hold,
//! uncacheable commands never hit. Plus the staleness soak (one writer, eight readers).

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, RwLock};
use std::time::{Duration, Instant};

use strictredis::{cmd, CacheConfig, Protocol, StrictRedis};
use strictredis_test_kit::{wait_until, RedisServer};

use crate::util::client;

/// How soon another client's write must be seen (asserted loosely: the machine is shared).
const BOUND: Duration = Duration::from_millis(500);

fn servers() -> [RedisServer; 2] {
    [RedisServer::start(), RedisServer::start_valkey(&[])]
}

fn cached(server: &RedisServer) -> StrictRedis {
    cached_with(server, CacheConfig::default())
}

fn cached_with(server: &RedisServer, config: CacheConfig) -> StrictRedis {
    StrictRedis::builder()
        .port(server.port())
        .cache_config(config)
        .build()
        .unwrap()
}

/// `calls` of `cmdstat_<name>` in INFO commandstats.
fn calls(admin: &StrictRedis, name: &str) -> u64 {
    let info: String = admin
        .execute_command(cmd("INFO").arg("commandstats"))
        .unwrap();
    let prefix = format!("cmdstat_{name}:calls=");
    info.lines()
        .find_map(|l| l.strip_prefix(&prefix))
        .and_then(|rest| rest.split(',').next())
        .map(|n| n.parse().unwrap())
        .unwrap_or(0)
}

/// Waits until `r` reads `want` for `key`; returns how long it took.
fn seen_within(r: &StrictRedis, key: &str, want: Option<&str>, bound: Duration) -> Duration {
    let start = Instant::now();
    let ok = wait_until(bound, || {
        r.get::<Option<String>>(key).unwrap().as_deref() == want
    });
    assert!(ok, "{key} not {want:?} within {bound:?}");
    start.elapsed()
}

/// Reads with `read` until one is a hit: the invalidations of earlier writes (which may
/// arrive after the first read was kept, and drop it) are behind us.
fn warm(r: &StrictRedis, mut read: impl FnMut()) {
    assert!(wait_until(Duration::from_secs(5), || {
        let h = r.cache_stats().unwrap().hits;
        read();
        r.cache_stats().unwrap().hits > h
    }));
}

#[test]
fn a_hit_sends_nothing() {
    for s in servers() {
        let (r, admin) = (cached(&s), client(&s));
        admin.set("k", "v").unwrap();
        warm(&r, || {
            assert_eq!(r.get::<Option<String>>("k").unwrap().as_deref(), Some("v"))
        });
        let st0 = r.cache_stats().unwrap();
        let before = calls(&admin, "get");
        for _ in 0..100 {
            assert_eq!(r.get::<Option<String>>("k").unwrap().as_deref(), Some("v"));
        }
        // Every GET that reached the server was a miss. On a loaded machine an entry may
        // still go (the invalidation of the admin's SET arriving after the entry was
        // stored, or a flush when a heartbeat is late): then one read misses and refills.
        let st = r.cache_stats().unwrap();
        let sent = calls(&admin, "get") - before;
        assert_eq!(
            sent,
            st.misses - st0.misses,
            "a hit reached the server: {st:?}"
        );
        assert_eq!(st.hits + st.misses - st0.hits - st0.misses, 100, "{st:?}");
        assert!(st.hits - st0.hits >= 95, "{st0:?} -> {st:?}");
        assert!(client(&s).cache_stats().is_none());
    }
}

#[test]
fn two_types_from_one_entry() {
    for s in servers() {
        let r = cached(&s);
        r.set("n", 42).unwrap();
        warm(&r, || drop(r.get::<Option<String>>("n").unwrap()));
        let hits = r.cache_stats().unwrap().hits;
        let a: Option<String> = r.get("n").unwrap();
        let b: Option<i64> = r.get("n").unwrap();
        let c: Vec<u8> = r.get("n").unwrap();
        assert_eq!(
            (a.as_deref(), b, &c[..]),
            (Some("42"), Some(42), &b"42"[..])
        );
        assert_eq!(r.cache_stats().unwrap().hits, hits + 3);
    }
}

#[test]
fn other_clients_writes_and_flushdb_are_seen() {
    for s in servers() {
        let (r, other) = (cached(&s), client(&s));
        other.set("k", "v1").unwrap();
        other.hset("h", "f", "x").unwrap();
        assert_eq!(r.get::<Option<String>>("k").unwrap().as_deref(), Some("v1"));
        assert_eq!(
            r.hget::<Option<String>>("h", "f").unwrap().as_deref(),
            Some("x")
        );
        other.set("k", "v2").unwrap();
        let took = seen_within(&r, "k", Some("v2"), BOUND);
        eprintln!("write seen after {took:?}");
        other.hset("h", "f", "y").unwrap();
        assert!(wait_until(BOUND, || r
            .hget::<Option<String>>("h", "f")
            .unwrap()
            .as_deref()
            == Some("y")));
        // FLUSHDB by someone else: a null invalidation empties the cache.
        assert_eq!(r.get::<Option<String>>("k").unwrap().as_deref(), Some("v2"));
        other.execute_command::<()>(cmd("FLUSHDB")).unwrap();
        seen_within(&r, "k", None, BOUND);
        assert!(r.cache_stats().unwrap().flushes >= 1);
    }
}

#[test]
fn own_writes_are_seen_at_once() {
    for s in servers() {
        let r = cached(&s);
        for i in 0..200 {
            r.set("k", i).unwrap();
            assert_eq!(r.get::<i64>("k").unwrap(), i);
            assert_eq!(r.get::<i64>("k").unwrap(), i);
        }
        r.rpush("l", "a").unwrap();
        assert_eq!(r.lrange::<Vec<String>>("l", 0, -1).unwrap(), ["a"]);
        r.rpush("l", "b").unwrap();
        assert_eq!(r.lrange::<Vec<String>>("l", 0, -1).unwrap(), ["a", "b"]);
        r.delete("l").unwrap();
        assert_eq!(r.llen("l").unwrap(), 0);
        // FLUSHDB by this client empties its cache before it returns.
        warm(&r, || assert_eq!(r.get::<i64>("k").unwrap(), 199));
        r.execute_command::<()>(cmd("FLUSHDB")).unwrap();
        assert_eq!(r.get::<Option<i64>>("k").unwrap(), None);
    }
}

#[test]
fn mget_is_served_key_by_key() {
    for s in servers() {
        let (r, admin) = (cached(&s), client(&s));
        admin.mset([("a", "1"), ("b", "2")]).unwrap();
        assert_eq!(r.get::<Option<String>>("a").unwrap().as_deref(), Some("1"));
        warm(&r, || {
            let v: Vec<Option<String>> = r.mget(["a", "b", "c"]).unwrap();
            assert_eq!(v, [Some("1".into()), Some("2".into()), None]);
        });
        // Every key a hit now (the invalidations of MSET may drop entries kept early).
        assert!(wait_until(Duration::from_secs(5), || {
            let m = r.cache_stats().unwrap().misses;
            r.mget::<Option<String>>(&["a", "b", "c"]).unwrap();
            r.cache_stats().unwrap().misses == m
        }));
        let before = (calls(&admin, "mget"), calls(&admin, "get"));
        let v: Vec<Option<String>> = r.mget(["c", "b", "a"]).unwrap();
        assert_eq!(v, [None, Some("2".into()), Some("1".into())]);
        assert_eq!((calls(&admin, "mget"), calls(&admin, "get")), before);
        admin.set("b", "3").unwrap();
        let want = vec![Some("1".to_string()), Some("3".to_string())];
        assert!(wait_until(BOUND, || r
            .mget::<Option<String>>(&["a", "b"])
            .unwrap()
            == want));
    }
}

#[test]
fn uncacheable_commands_never_hit() {
    for s in servers() {
        let (r, admin) = (cached(&s), client(&s));
        admin.set("k", "v").unwrap();
        admin.sadd("s", ["a", "b"]).unwrap();
        let before = calls(&admin, "ttl") + calls(&admin, "srandmember") + calls(&admin, "time");
        for _ in 0..3 {
            r.ttl("k").unwrap();
            r.srandmember::<Option<String>>("s").unwrap();
            r.execute_command::<Vec<String>>(cmd("TIME")).unwrap();
            r.execute_command::<Option<String>>(cmd("RANDOMKEY"))
                .unwrap();
        }
        let after = calls(&admin, "ttl") + calls(&admin, "srandmember") + calls(&admin, "time");
        assert_eq!(after - before, 9);
        let st = r.cache_stats().unwrap();
        assert_eq!((st.hits, st.misses, st.entries), (0, 0, 0), "{st:?}");
    }
}

#[test]
fn max_entries_holds() {
    for s in servers() {
        let r = cached_with(
            &s,
            CacheConfig {
                max_entries: 10,
                ..CacheConfig::default()
            },
        );
        for i in 0..100 {
            r.get::<Option<String>>(&format!("k{i}")).unwrap();
            assert!(r.cache_stats().unwrap().entries <= 10);
        }
        let st = r.cache_stats().unwrap();
        assert_eq!((st.entries, st.evictions), (10, 90), "{st:?}");
        // The ten kept are hits.
        r.get::<Option<String>>("k99").unwrap();
        assert_eq!(r.cache_stats().unwrap().hits, 1);
        // Bytes too: a reply bigger than the bound is never kept.
        let small = cached_with(
            &s,
            CacheConfig {
                max_bytes: 1000,
                ..CacheConfig::default()
            },
        );
        r.set("big", "x".repeat(5000)).unwrap();
        small.get::<Option<String>>("big").unwrap();
        small.get::<Option<String>>("big").unwrap();
        let st = small.cache_stats().unwrap();
        assert_eq!((st.hits, st.entries), (0, 0), "{st:?}");
        assert!(StrictRedis::builder()
            .port(s.port())
            .cache_config(CacheConfig {
                max_entries: 0,
                ..CacheConfig::default()
            })
            .build()
            .is_err());
    }
}

/// Kills this server's connections of `kind` (`pubsub` or `normal`) except `admin`'s own.
fn kill(admin: &StrictRedis, kind: &str) {
    let n = admin
        .execute_command::<i64>(cmd("CLIENT").arg("KILL").arg("TYPE").arg(kind))
        .unwrap();
    assert!(n >= 1, "no {kind} connection to kill");
}

#[test]
fn client_kill_of_either_connection_leaves_nothing_stale() {
    for s in servers() {
        let (r, other) = (cached(&s), client(&s));
        for (round, kind) in ["pubsub", "normal", "pubsub"].iter().enumerate() {
            other.set("k", round).unwrap();
            assert!(wait_until(BOUND, || r.get::<i64>("k").unwrap() == round as i64));
            // The channel is (back) up: reads are hits again.
            warm(&r, || assert_eq!(r.get::<i64>("k").unwrap(), round as i64));
            let flushes = r.cache_stats().unwrap().flushes;
            kill(&other, kind);
            other.set("k", 100 + round).unwrap();
            assert!(
                wait_until(BOUND * 4, || r.get::<i64>("k").unwrap()
                    == 100 + round as i64),
                "stale after CLIENT KILL TYPE {kind}"
            );
            if *kind == "pubsub" {
                // The break was seen and emptied the cache.
                assert!(wait_until(BOUND * 4, || r.cache_stats().unwrap().flushes > flushes));
            }
        }
    }
}

#[test]
fn a_server_restart_leaves_nothing_stale() {
    for mut s in servers() {
        let r = cached(&s);
        r.set("k", "before").unwrap();
        assert_eq!(r.get::<String>("k").unwrap(), "before");
        assert_eq!(r.get::<String>("k").unwrap(), "before");
        s.restart();
        // The data is gone with the restart (no persistence): the entry must be too.
        assert!(wait_until(Duration::from_secs(10), || {
            r.get::<Option<String>>("k").ok() == Some(None)
        }));
        client(&s).set("k", "after").unwrap();
        seen_within(&r, "k", Some("after"), Duration::from_secs(5));
        // The channel is back: hits and invalidations again.
        assert!(wait_until(Duration::from_secs(5), || {
            let h = r.cache_stats().unwrap().hits;
            r.get::<String>("k").unwrap();
            r.cache_stats().unwrap().hits > h
        }));
        client(&s).set("k", "again").unwrap();
        seen_within(&r, "k", Some("again"), BOUND);
    }
}

#[test]
fn resp3_and_auto_pipelining() {
    for s in servers() {
        let r = StrictRedis::builder()
            .port(s.port())
            .protocol(Protocol::Resp3)
            .auto_pipeline(true)
            .cache_config(CacheConfig::default())
            .build()
            .unwrap();
        let (other, admin) = (client(&s), client(&s));
        other.hset("h", "f", "1").unwrap();
        warm(&r, || {
            let m: std::collections::HashMap<String, String> = r.hgetall("h").unwrap();
            assert_eq!(m["f"], "1");
        });
        let before = calls(&admin, "hgetall");
        let m: std::collections::HashMap<String, String> = r.hgetall("h").unwrap();
        assert_eq!((m["f"].as_str(), calls(&admin, "hgetall")), ("1", before));
        other.hset("h", "f", "2").unwrap();
        assert!(wait_until(BOUND, || {
            r.hgetall::<std::collections::HashMap<String, String>>("h")
                .unwrap()["f"]
                == "2"
        }));
        r.flush_cache();
        assert_eq!(r.cache_stats().unwrap().entries, 0);
    }
}

/// One writer, eight cached readers, 60 s: every read is checked against the writer's log,
/// and no read returns a value older than the last write acknowledged more than the
/// bound before the read began. Prints the delay from a write's acknowledgement to its
/// invalidation being seen by a cached read (p50/p99).
#[test]
fn staleness_soak() {
    let secs: u64 = std::env::var("STRICTREDIS_CACHE_SOAK_SECS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(60);
    let bound = Duration::from_millis(200);
    let s = RedisServer::start();
    let r = cached(&s);
    let writer = client(&s);
    writer.set("soak", 0).unwrap();
    // (acknowledged at, value), in order.
    let log: Arc<RwLock<Vec<(Instant, i64)>>> = Arc::new(RwLock::new(vec![(Instant::now(), 0)]));
    let stop = Arc::new(AtomicBool::new(false));
    let (reads, stale) = (Arc::new(AtomicU64::new(0)), Arc::new(AtomicU64::new(0)));
    let readers: Vec<_> = (0..8)
        .map(|_| {
            let (r, log, stop) = (r.clone(), log.clone(), stop.clone());
            let (reads, stale) = (reads.clone(), stale.clone());
            std::thread::spawn(move || {
                while !stop.load(Ordering::Relaxed) {
                    let began = Instant::now();
                    let v: i64 = r.get("soak").unwrap();
                    let floor = {
                        let log = log.read().unwrap();
                        let i = log.partition_point(|(at, _)| *at + bound < began);
                        if i == 0 {
                            i64::MIN
                        } else {
                            log[i - 1].1
                        }
                    };
                    reads.fetch_add(1, Ordering::Relaxed);
                    if v < floor {
                        stale.fetch_add(1, Ordering::Relaxed);
                        eprintln!("stale read: {v} after {floor} was acknowledged");
                    }
                    std::thread::yield_now();
                }
            })
        })
        .collect();
    let mut delays = Vec::new();
    let end = Instant::now() + Duration::from_secs(secs);
    let mut i = 0i64;
    while Instant::now() < end {
        i += 1;
        writer.set("soak", i).unwrap();
        let acked = Instant::now();
        log.write().unwrap().push((acked, i));
        // The delay until a cached read sees it (the invalidation, then one miss).
        while r.get::<i64>("soak").unwrap() < i {
            std::thread::yield_now();
        }
        delays.push(acked.elapsed());
        std::thread::sleep(Duration::from_millis(2));
    }
    stop.store(true, Ordering::Relaxed);
    for t in readers {
        t.join().unwrap();
    }
    delays.sort();
    let p = |q: f64| delays[((delays.len() - 1) as f64 * q) as usize];
    let st = r.cache_stats().unwrap();
    eprintln!(
        "soak {secs} s: {} writes, {} reads ({} hits, {} misses), {} stale beyond {bound:?}; \
         write-to-invalidation p50 {:?} p99 {:?} max {:?}",
        i,
        reads.load(Ordering::Relaxed),
        st.hits,
        st.misses,
        stale.load(Ordering::Relaxed),
        p(0.5),
        p(0.99),
        p(1.0)
    );
    assert_eq!(stale.load(Ordering::Relaxed), 0);
    assert!(st.hits > st.misses, "{st:?}");
}
