//! Keyless commands follow the servers' own request and response policies (the command
//! table's tips), on real Redis 7.0 and Valkey 9.1 clusters (3 primaries, 1 replica each):
//! each policy kind is checked against what every node did or holds.

use std::collections::HashSet;

use strictredis::cluster::RedisCluster;
use strictredis::{cmd, Error, Value};
use strictredis_test_kit::cluster::TestCluster;

fn shards(cluster: &TestCluster) -> (Vec<u16>, Vec<u16>) {
    let primaries = cluster.primary_ports();
    let replicas = primaries.iter().map(|&p| cluster.replica_of(p)).collect();
    (primaries, replicas)
}

fn reset_stats(cluster: &TestCluster) {
    for n in &cluster.nodes {
        assert_eq!(n.raw_cmd(&["CONFIG", "RESETSTAT"]), "OK");
    }
}

/// Every policy kind the servers of both kinds share.
fn policies(cluster: &TestCluster) {
    let c = RedisCluster::from_urls(&[cluster.url()]).unwrap();
    let (primaries, replicas) = shards(cluster);
    let everyone: Vec<u16> = primaries.iter().chain(&replicas).copied().collect();
    let keys: Vec<String> = (0..100).map(|i| format!("fo:{i}")).collect();
    for k in &keys {
        c.set(k, 1).unwrap();
    }

    // all_shards + agg_sum: DBSIZE adds up the primaries.
    let per_node: u64 = primaries
        .iter()
        .map(|&p| cluster.node(p).raw_cmd(&["DBSIZE"]).parse::<u64>().unwrap())
        .sum();
    assert_eq!(per_node, 100);
    assert_eq!(c.dbsize().unwrap(), 100);

    // all_shards, no response policy: KEYS concatenated over the primaries.
    let got: HashSet<String> = c.keys::<String>("fo:*").unwrap().into_iter().collect();
    assert_eq!(got, keys.iter().cloned().collect::<HashSet<_>>());

    // all_shards + all_succeeded: PING on every primary, once each, and on no replica. A
    // primary pings its replicas over the replication link every second
    // (`repl-ping-replica-period 1` in the kit), which a replica counts as a PING too: a
    // round that met one is run again (a PING of ours would show in every round).
    let mut counts = Vec::new();
    for _ in 0..5 {
        reset_stats(cluster);
        assert_eq!(c.ping().unwrap(), "PONG");
        counts = everyone
            .iter()
            .map(|&n| (n, cluster.node(n).command_calls("ping")))
            .collect::<Vec<_>>();
        let replica_pings: u64 = counts[primaries.len()..].iter().map(|&(_, k)| k).sum();
        if replica_pings == 0 {
            break;
        }
    }
    for &(n, k) in &counts {
        let want = u64::from(primaries.contains(&n));
        assert_eq!(k, want, "node {n} (primaries {primaries:?}): {counts:?}");
    }

    // special: INFO, a per-node report, from one primary.
    reset_stats(cluster);
    let info: String = c.execute_command(cmd("INFO").arg("server")).unwrap();
    assert!(info.contains("redis_version") || info.contains("valkey_version"));
    let infos: u64 = everyone
        .iter()
        .map(|&n| cluster.node(n).command_calls("info"))
        .sum();
    assert_eq!(infos, 1);

    // all_shards + agg_min: WAIT answers the fewest replicas any primary reached.
    reset_stats(cluster);
    assert_eq!(c.wait(1, 2000).unwrap(), 1);
    for &p in &primaries {
        assert_eq!(cluster.node(p).command_calls("wait"), 1, "primary {p}");
    }

    // all_nodes + all_succeeded: SCRIPT LOAD on every node, replicas too.
    let sha = c.script_load("return 'fan-out'").unwrap();
    for &n in &everyone {
        assert_eq!(
            cluster.node(n).raw_cmd(&["SCRIPT", "EXISTS", &sha]),
            "1",
            "node {n}"
        );
    }
    // all_shards + agg_logical_and: SCRIPT EXISTS is 1 only where every primary has it.
    let only_one = cluster
        .node(primaries[0])
        .raw_cmd(&["SCRIPT", "LOAD", "return 'one node'"]);
    let missing = "0000000000000000000000000000000000000000";
    assert_eq!(
        c.script_exists([sha.as_str(), only_one.as_str(), missing])
            .unwrap(),
        vec![true, false, false]
    );
    // all_shards + one_succeeded: SCRIPT KILL with nothing running fails everywhere.
    match c.script_kill() {
        Err(Error::Server(e)) => assert_eq!(e.kind(), "NOTBUSY"),
        other => panic!("SCRIPT KILL: {other:?}"),
    }
    // all_nodes + all_succeeded: SCRIPT FLUSH empties every node's cache.
    let () = c.execute_command(cmd("SCRIPT").arg("FLUSH")).unwrap();
    for &n in &everyone {
        assert_eq!(
            cluster.node(n).raw_cmd(&["SCRIPT", "EXISTS", &sha]),
            "0",
            "node {n}"
        );
    }

    // all_nodes + all_succeeded: CONFIG SET on every node; then all_nodes + agg_sum and
    // all_nodes without a response policy: SLOWLOG LEN adds up, SLOWLOG GET concatenates.
    let () = c
        .execute_command(
            cmd("CONFIG")
                .arg("SET")
                .arg("slowlog-log-slower-than")
                .arg(-1i64),
        )
        .unwrap();
    for &n in &everyone {
        assert_eq!(
            cluster
                .node(n)
                .raw_cmd(&["CONFIG", "GET", "slowlog-log-slower-than"]),
            "slowlog-log-slower-than\n-1",
            "node {n}"
        );
    }
    let () = c.execute_command(cmd("SLOWLOG").arg("RESET")).unwrap();
    let logged = cluster.node(replicas[0]);
    logged.raw_cmd(&["CONFIG", "SET", "slowlog-log-slower-than", "0"]);
    logged.raw_cmd(&["PING"]);
    logged.raw_cmd(&["CONFIG", "SET", "slowlog-log-slower-than", "-1"]);
    let on_that_node: i64 = logged.raw_cmd(&["SLOWLOG", "LEN"]).parse().unwrap();
    assert!(on_that_node >= 1);
    let len: i64 = c.execute_command(cmd("SLOWLOG").arg("LEN")).unwrap();
    assert_eq!(len, on_that_node);
    let entries: Vec<Value> = c.execute_command(cmd("SLOWLOG").arg("GET")).unwrap();
    assert_eq!(entries.len() as i64, on_that_node);

    // all_shards + all_succeeded: FUNCTION LOAD on every primary.
    let lib = "#!lua name=fanout\nredis.register_function('fanout_f', function() return 1 end)";
    assert_eq!(c.function_load(lib, true).unwrap(), "fanout");
    for &p in &primaries {
        let list = cluster.node(p).raw_cmd(&["FUNCTION", "LIST"]);
        assert!(list.contains("fanout"), "primary {p}: {list}");
    }

    // RANDOMKEY (all_shards, the merge left to the client): a key from a primary that has
    // one, however many are empty.
    c.flushall(None).unwrap();
    for &p in &primaries {
        assert_eq!(cluster.node(p).raw_cmd(&["DBSIZE"]), "0", "primary {p}");
    }
    assert_eq!(c.randomkey::<Option<String>>().unwrap(), None);
    c.set("lonely", 1).unwrap();
    for _ in 0..6 {
        assert_eq!(
            c.randomkey::<Option<String>>().unwrap().as_deref(),
            Some("lonely")
        );
    }
    // FLUSHDB, all_shards + all_succeeded too.
    let () = c.execute_command(cmd("FLUSHDB")).unwrap();
    assert_eq!(c.dbsize().unwrap(), 0);
}

#[test]
fn policies_on_redis() {
    let cluster = TestCluster::start();
    policies(&cluster);
}

#[test]
fn policies_on_valkey() {
    let cluster = TestCluster::start_valkey();
    policies(&cluster);
    let c = RedisCluster::from_urls(&[cluster.url()]).unwrap();
    // Valkey only: CLUSTER SLOT-STATS (all_shards, no response policy): each primary
    // reports its own slots; concatenated, every slot once.
    let stats: Vec<Value> = c
        .execute_command(
            cmd("CLUSTER")
                .arg("SLOT-STATS")
                .arg("SLOTSRANGE")
                .arg(0u64)
                .arg(16383u64),
        )
        .unwrap();
    assert_eq!(stats.len(), 16384);
    // WAITAOF (all_shards + agg_min over [local, replicas], element by element).
    let w: Vec<i64> = c
        .execute_command(cmd("WAITAOF").arg(0u64).arg(0u64).arg(0u64))
        .unwrap();
    assert_eq!(w.len(), 2);
    // COMMANDLOG LEN (all_nodes + agg_sum): 0 where nothing was logged.
    let () = c
        .execute_command(cmd("COMMANDLOG").arg("RESET").arg("slow"))
        .unwrap();
    let n: i64 = c
        .execute_command(cmd("COMMANDLOG").arg("LEN").arg("slow"))
        .unwrap();
    assert_eq!(n, 0);
}
