//! The cluster group against one-node clusters (`--cluster-enabled yes`): what a single node
//! can do is checked for its result; what needs several nodes is sent and must come back
//! with the server's precise error, which proves the command reached it well-formed.

#![allow(clippy::needless_borrows_for_generic_args)]

use crate::util::{client, server_err};
use strictredis_test_kit as common;

use std::time::Duration;

use common::{free_port, wait_until, RedisServer};
use strictredis::commands::cluster::{
    ClusterFailoverMode, ClusterNode, ClusterResetMode, ClusterScanOptions, ClusterSetSlot,
    ClusterSlotStatsFilter, ClusterSlotStatsOrder, SlotMigration,
};
use strictredis::commands::server::FlushMode;
use strictredis::{Error, StrictRedis, Value};

const WAIT: Duration = Duration::from_secs(20);

/// A one-node cluster; the bus port is chosen apart, as `port + 10000` may not exist.
fn cluster_node(valkey: bool) -> RedisServer {
    let bus = free_port().to_string();
    let args = ["--cluster-enabled", "yes", "--cluster-port", &bus];
    if valkey {
        RedisServer::start_valkey(&args)
    } else {
        RedisServer::start_with(&args)
    }
}

/// Gives the node every slot and waits until the cluster is up.
fn serve_all_slots(r: &StrictRedis) {
    r.cluster_addslotsrange(&[(0, 16383)]).unwrap();
    assert!(wait_until(WAIT, || r.cluster_info().unwrap().state() == Some("ok")));
}

#[test]
fn standalone_servers_refuse_cluster_commands() {
    let server = RedisServer::start();
    let r = client(&server);
    let disabled = "ERR This instance has cluster support disabled";
    assert_eq!(server_err(r.cluster_info()), disabled);
    assert_eq!(server_err(r.readonly()), disabled);
    assert_eq!(server_err(r.readwrite()), disabled);
    assert_eq!(server_err(r.asking()), disabled);
    assert_eq!(server_err(r.cluster_keyslot("k")), disabled);
}

#[test]
fn one_node_cluster_slots_keys_and_topology() -> Result<(), Error> {
    let server = cluster_node(false);
    let r = client(&server);
    let info = r.cluster_info()?;
    assert_eq!(info.state(), Some("fail"));
    assert_eq!(info.slots_assigned(), Some(0));
    assert_eq!(info.known_nodes(), Some(1));

    let myid = r.cluster_myid()?;
    assert_eq!(myid.len(), 40);
    assert!(myid.bytes().all(|b| b.is_ascii_hexdigit()));
    assert_eq!(r.cluster_keyslot("foo")?, 12182);
    assert_eq!(
        r.cluster_keyslot("{user1}:a")?,
        r.cluster_keyslot("{user1}:b")?
    );

    // Slots one by one and as ranges, added and removed.
    r.cluster_addslots(&[1, 2, 3])?;
    r.cluster_delslots(&[2])?;
    assert_eq!(r.cluster_info()?.slots_assigned(), Some(2));
    r.cluster_delslotsrange(&[(1, 1), (3, 3)])?;
    assert_eq!(r.cluster_info()?.slots_assigned(), Some(0));
    assert_eq!(
        server_err(r.cluster_delslots(&[5])),
        "ERR Slot 5 is already unassigned"
    );
    serve_all_slots(&r);
    assert_eq!(r.cluster_info()?.slots_assigned(), Some(16384));
    assert_eq!(
        server_err(r.cluster_addslots(&[7])),
        "ERR Slot 7 is already busy"
    );

    // Keys in a slot.
    let slot = r.cluster_keyslot("foo")? as u16;
    r.set("foo", "bar")?;
    assert_eq!(r.cluster_countkeysinslot(slot)?, 1);
    assert_eq!(r.cluster_countkeysinslot(0)?, 0);
    let keys: Vec<String> = r.cluster_getkeysinslot(slot, 10)?;
    assert_eq!(keys, vec!["foo"]);

    // SHARDS, typed, the same over RESP2 and RESP3.
    let shards = r.cluster_shards()?;
    assert_eq!(shards.len(), 1);
    assert_eq!(shards[0].slots, vec![(0, 16383)]);
    assert_eq!(shards[0].nodes.len(), 1);
    let node = &shards[0].nodes[0];
    assert_eq!(node.id, myid);
    assert_eq!(node.role, "master");
    assert_eq!(node.health, "online");
    let r3 = StrictRedis::from_url(&format!("{}?protocol=3", server.url()))?;
    assert_eq!(r3.cluster_shards()?, shards);

    // SLOTS, typed.
    let slots = r.cluster_slots()?;
    assert_eq!(slots.len(), 1);
    assert_eq!((slots[0].start, slots[0].end), (0, 16383));
    assert_eq!(slots[0].nodes[0].id.as_deref(), Some(myid.as_str()));
    assert_eq!(r3.cluster_slots()?, slots);

    // NODES as text, and parsed.
    let nodes = ClusterNode::parse_all(&r.cluster_nodes()?)?;
    assert_eq!(nodes.len(), 1);
    assert_eq!(nodes[0].id, myid);
    assert!(nodes[0].flags.iter().any(|f| f == "myself"));
    assert!(nodes[0].is_primary());
    assert_eq!(nodes[0].slots, vec![(0, 16383)]);
    assert_eq!(nodes[0].master_id, None);
    assert_eq!(nodes[0].link_state, "connected");

    // Nobody else: no links, replicas or failure reports.
    assert!(r.cluster_links()?.is_empty());
    assert!(r3.cluster_links()?.is_empty());
    assert!(r.cluster_replicas(&myid)?.is_empty());
    assert!(r.cluster_slaves(&myid)?.is_empty());
    assert_eq!(r.cluster_count_failure_reports(&myid)?, 0);

    // RESP3 sends CLUSTER INFO as a verbatim string.
    assert_eq!(r3.cluster_info()?.state(), Some("ok"));
    assert_eq!(
        r3.cluster_info()?.get("cluster_slots_assigned"),
        Some("16384")
    );

    // Connection modes are accepted on a cluster node.
    let mut conn = r.get_connection()?;
    conn.readonly()?;
    conn.readwrite()?;
    conn.asking()?;
    assert!(r.cluster_help()?.iter().any(|l| l.contains("SHARDS")));
    Ok(())
}

#[test]
fn one_node_cluster_configuration() -> Result<(), Error> {
    let server = cluster_node(false);
    let r = client(&server);
    let myid = r.cluster_myid()?;
    r.cluster_set_config_epoch(5)?;
    assert_eq!(
        r.cluster_info()?.get_parsed::<u64>("cluster_my_epoch"),
        Some(5)
    );
    assert_eq!(
        server_err(r.cluster_set_config_epoch(6)),
        "ERR Node config epoch is already non-zero"
    );
    let bumped = r.cluster_bumpepoch()?;
    assert!(bumped == "BUMPED 6" || bumped == "STILL 5", "{bumped}");
    r.cluster_saveconfig()?;
    assert!(std::fs::read_to_string(server.dir().join("nodes.conf"))
        .unwrap()
        .contains(&myid));

    // SETSLOT on slots this node owns.
    r.cluster_addslotsrange(&[(0, 100)])?;
    r.cluster_setslot(5, ClusterSetSlot::Stable, None)?;
    r.cluster_setslot(5, ClusterSetSlot::Node(myid.clone()), None)?;
    let unknown = "0123456789012345678901234567890123456789";
    assert_eq!(
        server_err(r.cluster_setslot(5, ClusterSetSlot::Migrating(unknown.into()), None)),
        format!("ERR I don't know about node {unknown}")
    );
    assert_eq!(
        server_err(r.cluster_setslot(5, ClusterSetSlot::Importing(myid.clone()), None)),
        "ERR I'm already the owner of hash slot 5"
    );
    assert_eq!(
        server_err(r.cluster_setslot(200, ClusterSetSlot::Migrating(myid.clone()), None)),
        "ERR I'm not the owner of hash slot 200"
    );

    // What needs another node: the precise refusals.
    assert_eq!(
        server_err(r.cluster_forget(&myid)),
        "ERR I tried hard but I can't forget myself..."
    );
    assert_eq!(
        server_err(r.cluster_forget(unknown)),
        format!("ERR Unknown node {unknown}")
    );
    assert_eq!(
        server_err(r.cluster_replicate(Some(&myid))),
        "ERR Can't replicate myself"
    );
    assert_eq!(
        server_err(r.cluster_replicate(Some(unknown))),
        format!("ERR Unknown node {unknown}")
    );
    assert_eq!(
        server_err(r.cluster_replicas(unknown)),
        format!("ERR Unknown node {unknown}")
    );
    assert_eq!(
        server_err(r.cluster_failover(None)),
        "ERR You should send CLUSTER FAILOVER to a replica"
    );
    assert_eq!(
        server_err(r.cluster_failover(Some(ClusterFailoverMode::Force))),
        "ERR You should send CLUSTER FAILOVER to a replica"
    );
    assert_eq!(
        server_err(r.cluster_failover(Some(ClusterFailoverMode::Takeover))),
        "ERR You should send CLUSTER FAILOVER to a replica"
    );
    assert_eq!(
        server_err(r.cluster_meet("not-an-ip", 7000, None)),
        "ERR Invalid node address specified: not-an-ip:7000"
    );
    // MEET of an address nobody answers on is accepted (the handshake fails later).
    r.cluster_meet("127.0.0.1", free_port(), Some(free_port()))?;

    // Flush and reset (keys need the whole slot space served).
    r.cluster_addslotsrange(&[(101, 16383)])?;
    assert!(wait_until(WAIT, || r.cluster_info().unwrap().state() == Some("ok")));
    r.set("{a}", "1")?;
    assert_eq!(
        server_err(r.cluster_flushslots()),
        "ERR DB must be empty to perform CLUSTER FLUSHSLOTS."
    );
    assert_eq!(
        server_err(r.cluster_reset(Some(ClusterResetMode::Soft))),
        "ERR CLUSTER RESET can't be called with master nodes containing keys"
    );
    r.flushall(None)?;
    r.cluster_flushslots()?;
    assert_eq!(r.cluster_info()?.slots_assigned(), Some(0));
    r.cluster_reset(None)?;
    assert_eq!(r.cluster_myid()?, myid, "a soft reset keeps the id");
    r.cluster_reset(Some(ClusterResetMode::Hard))?;
    assert_ne!(r.cluster_myid()?, myid, "a hard reset gives a new id");
    Ok(())
}

#[test]
fn redis_7_0_lacks_valkey_cluster_subcommands() {
    let server = cluster_node(false);
    let r = client(&server);
    assert_eq!(
        server_err(r.cluster_myshardid()),
        "ERR unknown subcommand 'MYSHARDID'. Try CLUSTER HELP."
    );
}

#[test]
fn valkey_cluster_subcommands() -> Result<(), Error> {
    let server = cluster_node(true);
    let r = client(&server);
    let myid = r.cluster_myid()?;
    let shard = r.cluster_myshardid()?;
    assert_eq!(shard.len(), 40);
    serve_all_slots(&r);

    // CLUSTER SYNCSLOTS is Valkey's internal migration channel: sent as written, the
    // server parses it and refuses a subcommand it does not know.
    let e = server_err(r.cluster_syncslots::<Value>(["NOT-A-SYNCSLOTS-STEP"]));
    assert!(
        e.to_ascii_lowercase().contains("syncslots") || e.starts_with("ERR"),
        "{e}"
    );

    let shards = r.cluster_shards()?;
    assert_eq!(shards[0].id.as_deref(), Some(shard.as_str()));
    assert_eq!(shards[0].nodes[0].port, Some(server.port()));
    let r3 = StrictRedis::from_url(&format!("{}?protocol=3", server.url()))?;
    assert_eq!(r3.cluster_shards()?, shards);

    r.set("foo", "bar")?;
    let slot = r.cluster_keyslot("foo")? as u16;
    let stats = r.cluster_slot_stats(ClusterSlotStatsFilter::SlotsRange(slot, slot + 1))?;
    assert_eq!(stats.len(), 2);
    assert_eq!(stats[0].slot, slot);
    assert_eq!(stats[0].stats["key-count"], 1);
    assert_eq!(stats[1].stats["key-count"], 0);
    assert_eq!(
        r3.cluster_slot_stats(ClusterSlotStatsFilter::SlotsRange(slot, slot + 1))?,
        stats
    );
    let top = r.cluster_slot_stats(ClusterSlotStatsFilter::OrderBy {
        metric: "key-count".into(),
        limit: Some(1),
        order: Some(ClusterSlotStatsOrder::Desc),
    })?;
    assert_eq!(top.len(), 1);
    assert_eq!(top[0].slot, slot);

    // CLUSTERSCAN walks every key of the cluster.
    for i in 0..20 {
        r.set(format!("scan:{i}"), i)?;
    }
    let mut cursor = "0".to_string();
    let mut seen = Vec::new();
    loop {
        let (next, keys): (String, Vec<String>) = r.clusterscan(
            &cursor,
            ClusterScanOptions {
                match_pattern: Some("scan:*".into()),
                count: Some(100),
                ..ClusterScanOptions::default()
            },
        )?;
        seen.extend(keys);
        if next == "0" {
            break;
        }
        cursor = next;
    }
    seen.sort();
    seen.dedup();
    assert_eq!(seen.len(), 20, "{seen:?}");
    let (_, in_slot): (String, Vec<String>) = r.clusterscan(
        "0",
        ClusterScanOptions {
            slot: Some(slot),
            type_: Some("string".into()),
            ..ClusterScanOptions::default()
        },
    )?;
    assert!(in_slot.iter().all(|k| k == "foo"), "{in_slot:?}");

    // Atomic slot migration: nothing in flight on one node.
    assert!(r.cluster_getslotmigrations()?.is_empty());
    assert_eq!(
        server_err(r.cluster_cancelslotmigrations()),
        "ERR No migrations ongoing"
    );
    let bad = SlotMigration {
        ranges: vec![(0, 10)],
        node_id: "abcd".into(),
    };
    assert_eq!(
        server_err(r.cluster_migrateslots(&[bad])),
        "ERR Invalid node name: abcd"
    );
    let to_me = SlotMigration {
        ranges: vec![(0, 10), (20, 30)],
        node_id: myid.clone(),
    };
    assert_eq!(
        server_err(r.cluster_migrateslots(&[to_me])),
        "ERR Target node can not be this node."
    );

    r.cluster_flushslot(slot, Some(FlushMode::Sync))?;
    assert_eq!(r.cluster_countkeysinslot(slot)?, 0);
    r.cluster_flushslot(slot, None)?;
    // REPLICATE NO ONE on a primary: nothing to undo, accepted.
    r.cluster_replicate(None)?;
    assert!(r.cluster_shards()?[0].nodes[0].role == "master");
    Ok(())
}

#[test]
fn two_node_cluster_links_replicas_and_failover() -> Result<(), Error> {
    let a_server = cluster_node(false);
    let b_server = cluster_node(false);
    let a = client(&a_server);
    let b = client(&b_server);
    let a_id = a.cluster_myid()?;
    let b_id = b.cluster_myid()?;
    serve_all_slots(&a);

    // B joins A's cluster; the bus port is the one the harness chose, so MEET names it.
    let a_bus: u16 = a.config_get("cluster-port")?["cluster-port"]
        .parse()
        .unwrap();
    b.cluster_meet("127.0.0.1", a_server.port(), Some(a_bus))?;
    assert!(wait_until(WAIT, || a.cluster_info().unwrap().known_nodes()
        == Some(2)
        && b.cluster_info().unwrap().known_nodes() == Some(2)));

    // Both directions of the bus show up as typed links.
    assert!(wait_until(WAIT, || a.cluster_links().unwrap().len() == 2));
    let links = a.cluster_links()?;
    assert!(links.iter().all(|l| l.node == b_id), "{links:?}");
    let mut dirs: Vec<&str> = links.iter().map(|l| l.direction.as_str()).collect();
    dirs.sort();
    assert_eq!(dirs, vec!["from", "to"]);
    assert!(
        links
            .iter()
            .all(|l| l.create_time > 0 && !l.events.is_empty()),
        "{links:?}"
    );
    let a3 = StrictRedis::from_url(&format!("{}?protocol=3", a_server.url()))?;
    assert_eq!(a3.cluster_links()?.len(), 2);

    // B replicates A.
    b.cluster_replicate(Some(&a_id))?;
    assert!(wait_until(WAIT, || a
        .cluster_replicas(&a_id)
        .unwrap()
        .len()
        == 1));
    let replicas = a.cluster_replicas(&a_id)?;
    assert_eq!(replicas[0].id, b_id);
    assert_eq!(replicas[0].master_id.as_deref(), Some(a_id.as_str()));
    assert_eq!(replicas[0].port, b_server.port());
    // The same nodes (their ping/pong times move between the two calls).
    let slaves = a.cluster_slaves(&a_id)?;
    assert_eq!(slaves.len(), 1);
    assert_eq!(
        (&slaves[0].id, &slaves[0].master_id, slaves[0].port),
        (&replicas[0].id, &replicas[0].master_id, replicas[0].port)
    );
    assert_eq!(a.cluster_count_failure_reports(&b_id)?, 0);
    assert!(wait_until(WAIT, || a.cluster_shards().unwrap()[0]
        .nodes
        .len()
        == 2));
    let shard = &a.cluster_shards()?[0];
    let b_node = shard.nodes.iter().find(|n| n.id == b_id).unwrap();
    assert_eq!(b_node.role, "replica");
    let slots = a.cluster_slots()?;
    assert!(wait_until(WAIT, || a.cluster_slots().unwrap()[0]
        .nodes
        .len()
        == 2));
    assert_eq!(slots[0].nodes[0].id.as_deref(), Some(a_id.as_str()));
    assert_eq!(
        server_err(b.cluster_forget(&a_id)),
        "ERR Can't forget my master!"
    );

    // A manual failover once B has caught up: B becomes the primary.
    assert!(wait_until(WAIT, || matches!(
        b.role().unwrap(),
        strictredis::commands::server::Role::Replica { ref state, .. } if state == "connected"
    )));
    b.cluster_failover(None)?;
    assert!(wait_until(WAIT, || ClusterNode::parse_all(
        &b.cluster_nodes().unwrap()
    )
    .unwrap()
    .iter()
    .any(|n| n.id == b_id && n.is_primary())));
    assert!(wait_until(WAIT, || a
        .cluster_replicas(&b_id)
        .unwrap()
        .len()
        == 1));
    Ok(())
}
