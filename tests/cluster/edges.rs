//! Issue 11.6 on the cluster client: a blocking timeout too large for a `Duration` is not a
//! panic. v0.1.0 panicked in `Duration::from_secs_f64` before anything was sent.

use std::time::Duration;

use strictredis::cluster::RedisCluster;
use strictredis_test_kit::cluster::TestCluster;

#[test]
fn huge_blocking_timeouts_do_not_panic_on_a_cluster() {
    let cluster = TestCluster::start_with(3, 0, &[]);
    let c = RedisCluster::from_urls(&[cluster.url()]).unwrap();
    c.rpush("edges:q", "x").unwrap();
    // The server refuses 1e20 (its milliseconds overflow); the client neither panics nor
    // loses its place.
    let e = c.blpop::<String, String>(["edges:q"], 1e20).unwrap_err();
    assert!(e.is_server(), "{e:?}");
    let popped: Option<(String, String)> = c.blpop(["edges:q"], 9e15).unwrap();
    assert_eq!(popped, Some(("edges:q".into(), "x".into())));
    // A pool timeout of Duration::MAX is "forever", not an overflow.
    let c = RedisCluster::builder()
        .node(&cluster.url())
        .pool_timeout(Some(Duration::MAX))
        .build()
        .unwrap();
    c.set("edges:k", "v").unwrap();
    assert_eq!(c.get::<String>("edges:k").unwrap(), "v");
}
