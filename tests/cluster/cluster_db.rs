//! Numbered databases in cluster mode (issue 16, point 2): a cluster URL with `/2` works on
//! Valkey 9 with `cluster-databases` above 2 (every connection SELECTs it: each node,
//! after redirections, in pipelines), and is refused with a clear `Error::Config` where
//! the server does not allow it (Redis 7.0; Valkey with the default `cluster-databases 1`).

use strictredis_test_kit as common;

use common::cluster::TestCluster;
use strictredis::cluster::{key_slot, RedisCluster};
use strictredis::Error;

/// The keys each primary holds in `db`, summed, as the servers count them.
fn keys_in_db(cluster: &TestCluster, db: &str) -> u64 {
    cluster
        .primary_ports()
        .into_iter()
        .map(|p| {
            let r = cluster.node(p).raw_cmds(&[&["SELECT", db], &["DBSIZE"]]);
            assert_eq!(r[0].to_string(), "OK", "SELECT {db} on {p}");
            r[1].to_string().parse::<u64>().unwrap()
        })
        .sum()
}

/// A seed URL naming database `db`.
fn db_url(cluster: &TestCluster, db: u32) -> String {
    cluster.nodes[0].url_db(db)
}

fn refused(url: &str, db: u32) -> String {
    match RedisCluster::from_urls(&[url]) {
        Err(Error::Config(m)) => {
            assert!(m.contains(&format!("database {db}")), "{m}");
            m
        }
        other => panic!("expected Error::Config for db {db}, got {other:?}"),
    }
}

#[test]
fn valkey_cluster_databases_are_selected_everywhere() {
    let _heavy = crate::heavy();
    let cluster = TestCluster::start_valkey_with(3, 1, &["--cluster-databases", "16"]);
    let c = RedisCluster::from_urls(&[db_url(&cluster, 2)]).unwrap();
    let keys: Vec<String> = (0..300).map(|i| format!("db2:{i}")).collect();
    for (i, k) in keys.iter().enumerate() {
        c.set(k, i as i64).unwrap();
    }
    // Every key went to database 2 of its node, none to database 0.
    assert_eq!(keys_in_db(&cluster, "2"), 300);
    assert_eq!(keys_in_db(&cluster, "0"), 0);
    // DBSIZE fans out over the primaries, each in database 2.
    assert_eq!(c.dbsize().unwrap(), 300);

    // A pipeline's per-node batches run in database 2 too.
    let mut p = c.pipeline_without_transaction();
    for k in keys.iter().take(50) {
        p.incrby(k, 1000);
    }
    let after: Vec<i64> = p.execute().unwrap();
    assert_eq!(after, (1000..1050).collect::<Vec<i64>>());

    // Move a range of slots holding some keys (atomically, with every database): the
    // client follows MOVED to the new owner and still reads database 2 there.
    let moved = key_slot(keys[60].as_bytes());
    let from = cluster.owner_of_slot(moved);
    let to = cluster
        .primary_ports()
        .into_iter()
        .find(|&p| p != from)
        .unwrap();
    cluster.migrate_slots(from, to, moved, moved);
    let v: Option<i64> = c.get(&keys[60]).unwrap();
    assert_eq!(v, Some(60));
    assert_eq!(c.node_for_slot(moved), Some(format!("127.0.0.1:{to}")));
    for (i, k) in keys.iter().enumerate() {
        let want = if i < 50 { i as i64 + 1000 } else { i as i64 };
        let v: Option<i64> = c.get(k).unwrap();
        assert_eq!(v, Some(want), "{k}");
    }
    assert_eq!(keys_in_db(&cluster, "0"), 0);

    // A database past cluster-databases is refused when connecting, with the server's word.
    let m = refused(&db_url(&cluster, 20), 20);
    assert!(m.contains("out of range"), "{m}");
}

#[test]
fn valkey_default_cluster_refuses_another_database() {
    let cluster = TestCluster::start_valkey();
    refused(&db_url(&cluster, 2), 2);
    // db 0 still works, named or not.
    let c = RedisCluster::from_urls(&[cluster.url().as_str()]).unwrap();
    c.set("k", "v").unwrap();
}

#[test]
fn redis_cluster_refuses_another_database() {
    let cluster = TestCluster::start();
    let m = refused(&db_url(&cluster, 1), 1);
    assert!(m.contains("SELECT"), "{m}");
    // The builder's db(n) is refused the same way.
    let err = RedisCluster::builder()
        .node(&cluster.url())
        .db(3)
        .build()
        .unwrap_err();
    assert!(
        matches!(&err, Error::Config(m) if m.contains("database 3")),
        "{err:?}"
    );
}
