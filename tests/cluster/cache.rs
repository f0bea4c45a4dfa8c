//! Client-side caching on the Sentinel client: a Sentinel failover empties the cache of a
//! `master_for` client and it follows the new master. (The cluster client's caching is
//! tested in `cache_cluster.rs`.)

use std::time::Duration;

use strictredis::sentinel::Sentinel;
use strictredis::{CacheConfig, StrictRedis};
use strictredis_test_kit::cluster::TestSentinel;
use strictredis_test_kit::wait_until;

#[test]
fn a_sentinel_failover_empties_the_cache() {
    let _serial = crate::heavy();
    let setup = TestSentinel::start();
    // The old master's demotion, which `master_port` waits for, comes within a second or two.
    setup.quicken();
    setup.wait_settled();
    let mut b = Sentinel::builder()
        .connect_timeout(Duration::from_secs(1))
        .cache_config(CacheConfig::default());
    for u in setup.sentinel_urls() {
        b = b.sentinel(&u);
    }
    let r = b.build().unwrap().master_for(TestSentinel::NAME).unwrap();
    let (old, _) = setup.master_and_replica();
    r.set("k", "before").unwrap();
    // Cached (the invalidation of our own SET may drop the first entry: read until a hit).
    assert!(wait_until(Duration::from_secs(5), || {
        let h = r.cache_stats().unwrap().hits;
        assert_eq!(r.get::<String>("k").unwrap(), "before");
        r.cache_stats().unwrap().hits > h
    }));
    let flushes = r.cache_stats().unwrap().flushes;
    let s = &setup.sentinels[0];
    assert!(wait_until(Duration::from_secs(60), || {
        s.raw_cmd(&["SENTINEL", "FAILOVER", TestSentinel::NAME]) == "OK"
    }));
    assert!(wait_until(Duration::from_secs(60), || setup
        .master_port()
        .is_some_and(|p| p != old)));
    let new = setup.master_port().unwrap();
    // A write on the new master, by someone else: seen, never the old value for long.
    let other = StrictRedis::builder().port(new).build().unwrap();
    assert!(wait_until(Duration::from_secs(30), || other
        .set("k", "after")
        .is_ok()));
    assert!(
        wait_until(Duration::from_secs(30), || r
            .get::<String>("k")
            .is_ok_and(|v| v == "after")),
        "the cache kept the old master's value"
    );
    assert!(r.cache_stats().unwrap().flushes > flushes);
    // And caching works on the new master.
    assert!(wait_until(Duration::from_secs(10), || {
        let h = r.cache_stats().unwrap().hits;
        let _ = r.get::<String>("k");
        r.cache_stats().unwrap().hits > h
    }));
    other.set("k", "later").unwrap();
    assert!(wait_until(Duration::from_secs(2), || r
        .get::<String>("k")
        .is_ok_and(|v| v == "later")));
}
