//! Moving slots and primaries on a running [`TestCluster`]: a range of slots by MIGRATE
//! (any server), by Valkey 9's atomic `CLUSTER MIGRATESLOTS`, and a replica's graceful
//! `CLUSTER FAILOVER`, each waited for until every node agrees.

use std::time::Duration;

use super::{parse_nodes, TestCluster};
use crate::{wait_until, RawReply};

/// How long one move (a slot range, a failover) may take to settle on a loaded machine.
const MOVE_TIMEOUT: Duration = Duration::from_secs(60);

impl TestCluster {
    /// Moves the slots `first..=last` (all served by the primary on `from`) and their keys
    /// to the primary on `to` the classic way, one slot at a time: `SETSLOT IMPORTING` /
    /// `MIGRATING`, `MIGRATE ... KEYS` in batches, then `SETSLOT NODE` on every primary.
    /// Returns once every node sees `to` serving them. Keys of database 0 only (MIGRATE).
    pub fn migrate_range(&self, from: u16, to: u16, first: u16, last: u16) {
        let from_id = self.node_id(from);
        let to_id = self.node_id(to);
        let (src, dst) = (self.node(from), self.node(to));
        let to_port = to.to_string();
        let primaries = self.primary_ports();
        for slot in first..=last {
            let s = slot.to_string();
            expect_ok(dst.raw_cmd(&["CLUSTER", "SETSLOT", &s, "IMPORTING", &from_id]));
            expect_ok(src.raw_cmd(&["CLUSTER", "SETSLOT", &s, "MIGRATING", &to_id]));
            loop {
                let keys = match src.raw_reply(&["CLUSTER", "GETKEYSINSLOT", &s, "100"]) {
                    RawReply::Array(Some(items)) => items,
                    other => panic!("CLUSTER GETKEYSINSLOT {s}: {other}"),
                };
                if keys.is_empty() {
                    break;
                }
                let names: Vec<String> = keys.iter().map(|k| k.to_string()).collect();
                let mut args = vec!["MIGRATE", "127.0.0.1", &to_port, "", "0", "10000"];
                if let Some(p) = &self.password {
                    args.extend(["AUTH", p.as_str()]);
                }
                args.push("KEYS");
                args.extend(names.iter().map(String::as_str));
                let reply = src.raw_cmd(&args);
                assert!(
                    reply == "OK" || reply == "NOKEY",
                    "MIGRATE of slot {s}: {reply}"
                );
            }
            // The target first: once the source gives the slot up, the target owns it.
            expect_ok(dst.raw_cmd(&["CLUSTER", "SETSLOT", &s, "NODE", &to_id]));
            expect_ok(src.raw_cmd(&["CLUSTER", "SETSLOT", &s, "NODE", &to_id]));
            for &p in primaries.iter().filter(|&&p| p != from && p != to) {
                let _ = self
                    .node(p)
                    .raw_cmd(&["CLUSTER", "SETSLOT", &s, "NODE", &to_id]);
            }
        }
        self.wait_slots_owned(first, last, to);
    }

    /// Moves the slots `first..=last` from the primary on `from` to the one on `to` with
    /// Valkey 9's atomic `CLUSTER MIGRATESLOTS SLOTSRANGE first last NODE id` (sent to
    /// `from`), and waits until the migration is over and every node sees `to` serving them.
    pub fn migrate_slots(&self, from: u16, to: u16, first: u16, last: u16) {
        let to_id = self.node_id(to);
        let (a, b) = (first.to_string(), last.to_string());
        let reply = self.node(from).raw_cmd(&[
            "CLUSTER",
            "MIGRATESLOTS",
            "SLOTSRANGE",
            &a,
            &b,
            "NODE",
            &to_id,
        ]);
        expect_ok(reply);
        self.wait_slots_owned(first, last, to);
    }

    /// `CLUSTER FAILOVER` on the replica on `replica` (a graceful, coordinated failover),
    /// then waits until every node sees it as a primary and the cluster is healthy.
    pub fn failover_to(&self, replica: u16) {
        expect_ok(self.node(replica).raw_cmd(&["CLUSTER", "FAILOVER"]));
        let promoted = wait_until(MOVE_TIMEOUT, || {
            self.views()
                .iter()
                .all(|nodes| nodes.iter().any(|n| n.port == replica && n.is_primary()))
        });
        assert!(
            promoted,
            "{replica} was not promoted within {MOVE_TIMEOUT:?}"
        );
        self.wait_healthy(MOVE_TIMEOUT);
    }

    /// Waits until every running node sees the primary on `to` serving `first..=last` and
    /// the cluster is healthy (no slot migrating).
    fn wait_slots_owned(&self, first: u16, last: u16, to: u16) {
        let owned = wait_until(MOVE_TIMEOUT, || {
            self.views().iter().all(|nodes| {
                nodes.iter().any(|n| {
                    n.port == to
                        && n.is_primary()
                        && (first..=last).all(|s| n.slots.iter().any(|&(a, b)| a <= s && s <= b))
                })
            })
        });
        assert!(
            owned,
            "slots {first}-{last} did not reach {to} within {MOVE_TIMEOUT:?}"
        );
        self.wait_healthy(MOVE_TIMEOUT);
    }

    /// `CLUSTER NODES` as each running node sees it (empty for one that does not answer).
    fn views(&self) -> Vec<Vec<super::NodeLine>> {
        self.running()
            .map(|n| match n.try_raw_cmds(&[&["CLUSTER", "NODES"]]) {
                Ok(r) => parse_nodes(&r[0].to_string()),
                Err(_) => Vec::new(),
            })
            .collect()
    }
}

fn expect_ok(reply: String) {
    assert_eq!(reply, "OK", "unexpected reply");
}
