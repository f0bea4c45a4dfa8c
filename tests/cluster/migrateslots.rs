//! Valkey 9's atomic slot migration (issue 16, point 2): `CLUSTER MIGRATESLOTS` of a slot
//! range under 8 threads of checked load (each SET of a unique value read back), with 0
//! errors surfaced and 0 wrong replies, and the client following the new owner.

use strictredis_test_kit as common;

use std::time::Instant;

use crate::cluster_resilience::{check_clean, check_values, Load};

use common::cluster::TestCluster;
use strictredis::cluster::RedisCluster;
use strictredis::{StrictRedis, Value};

#[test]
fn migrateslots_under_load_loses_nothing() {
    let _heavy = crate::heavy();
    let cluster = TestCluster::start_valkey();
    let c = RedisCluster::from_urls(&[cluster.url()]).unwrap();
    let from = cluster.owner_of_slot(0);
    let to = cluster.owner_of_slot(16383);
    assert_ne!(from, to);
    // 1000 of the source's slots move; the load works on keys in them only.
    let (first, last) = (0u16, 999u16);
    let load = Load::threads_on(&c, 8, |s| (first..=last).contains(&s));
    load.wait_for_ops(500);
    let before = load.ops();
    let started = Instant::now();
    cluster.migrate_slots(from, to, first, last);
    let took = started.elapsed();
    load.wait_for_ops(500);
    // And back again while the load runs: the client follows the second move too.
    cluster.migrate_slots(to, from, first, 499);
    load.wait_for_ops(500);
    let ops = load.ops();
    let stats = load.finish();
    check_clean(&stats);
    check_values(&c, &stats);
    assert_eq!(c.node_for_slot(first), Some(format!("127.0.0.1:{from}")));
    assert_eq!(c.node_for_slot(last), Some(format!("127.0.0.1:{to}")));
    // The migrations are on record, finished, through the typed method.
    let node = StrictRedis::from_url(&cluster.node(from).url()).unwrap();
    let on_record = node.cluster_getslotmigrations().unwrap();
    assert!(!on_record.is_empty());
    for m in &on_record {
        assert_eq!(
            m.get("state"),
            Some(&Value::Bulk(b"success".to_vec())),
            "{m:?}"
        );
    }
    eprintln!(
        "MIGRATESLOTS of {} slots took {took:?}; {} checked ops in all ({} after the first \
         move began), 0 errors, 0 wrong",
        last - first + 1,
        ops,
        ops - before
    );
}
