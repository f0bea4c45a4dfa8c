//! What the cluster refuses before anything is sent (issue 11.7, 11.8), as on one server:
//! an empty command (`execute_command`, both pipelines) and raw MULTI / EXEC / WATCH /
//! RESET queued in a cluster pipeline. Fails on v0.1.0 (the empty command hung until the
//! read timeout; the raw EXEC shifted the replies).

use std::time::{Duration, Instant};

use strictredis::cluster::RedisCluster;
use strictredis::{cmd, Cmd, Error, Value};
use strictredis_test_kit as common;

fn is_config<T: std::fmt::Debug>(r: Result<T, Error>) -> String {
    match r {
        Err(Error::Config(m)) => m,
        other => panic!("expected Error::Config, got {other:?}"),
    }
}

#[test]
fn empty_and_raw_transaction_commands_are_refused_on_a_cluster() {
    let cluster = common::cluster::TestCluster::start_with(3, 0, &[]);
    let c = RedisCluster::builder()
        .node(&cluster.url())
        .read_timeout(Some(Duration::from_secs(2)))
        .build()
        .unwrap();
    let incr_calls = || -> u64 {
        cluster
            .primary_ports()
            .iter()
            .map(|&p| cluster.node(p).command_calls("incr"))
            .sum()
    };
    for empty in [cmd(""), Cmd::default()] {
        let t = Instant::now();
        is_config(c.execute_command::<Value>(empty.clone()));
        assert!(t.elapsed() < Duration::from_secs(1));
        for transaction in [false, true] {
            let mut p = if transaction {
                c.pipeline()
            } else {
                c.pipeline_without_transaction()
            };
            p.incr("{t}a").queue(empty.clone()).incr("{t}a");
            is_config(p.execute::<Value>());
        }
    }
    for raw in [
        cmd("MULTI"),
        cmd("EXEC"),
        cmd("DISCARD"),
        cmd("WATCH").key("{t}a"),
        cmd("UNWATCH"),
        cmd("RESET"),
    ] {
        for transaction in [false, true] {
            let mut p = if transaction {
                c.pipeline()
            } else {
                c.pipeline_without_transaction()
            };
            p.incr("{t}a").queue(raw.clone()).incr("{t}b");
            let m = is_config(p.execute::<Value>());
            assert!(m.contains("#1"), "{m}");
        }
    }
    assert_eq!(incr_calls(), 0, "something was sent");
    // Both pipelines work afterwards.
    let mut p = c.pipeline();
    p.incr("{t}a").incr("{t}a");
    let v: (i64, i64) = p.execute().unwrap();
    assert_eq!(v, (1, 2));
    let mut p = c.pipeline_without_transaction();
    p.incr("{t}a").get("{t}b");
    let v: (i64, Option<i64>) = p.execute().unwrap();
    assert_eq!(v, (3, None));
}
