//! SCAN over the whole cluster: [`RedisCluster::scan_iter`] and its iterator, which
//! returns every key present from the start to the end of the scan at least once, across
//! failovers and slot moves.
//!
//! Two ways, picked once per client:
//!
//! * **CLUSTERSCAN** (Valkey 9.1+): the server's own cluster-wide cursor. It walks the slots
//!   in order and names the slot it is in as a hash tag (`<node cursor>-{tag}-<slot>`), so
//!   it is routed like a key: `MOVED` sends it to the slot's new owner, which starts that
//!   slot again when the cursor was made by another node. The first CLUSTERSCAN a server
//!   does not know (`ERR unknown command`) switches the client to the other way for good.
//! * **Slot-checked SCAN** (Redis, older Valkey): the primary serving the lowest slot not
//!   done yet is scanned whole with SCAN. Its slots count as done only if the node itself
//!   says (`CLUSTER NODES`, its `myself` line), before and after its scan, that it was a
//!   primary with the same config epoch, serving them, none of them migrating or importing.
//!   Slots it lost or that moved meanwhile are scanned again on whoever serves them then.
//!   Keys of slots already done are dropped from later pages, so a rescan repeats only what
//!   is in the slots not done yet.
//!
//! Either way a key may be returned more than once (a slot scanned again, a key moved
//! between nodes); one that was absent for part of the scan may or may not be.

use std::fmt;
use std::marker::PhantomData;
use std::sync::atomic::Ordering;

use super::{key_slot, Node, RedisCluster, Target, SLOT_COUNT};
use crate::cmd::{cmd, Cmd};
use crate::commands::cluster::ClusterNode;
use crate::error::{Error, Result};
use crate::from_value::FromValue;
use crate::scan::{opts, PageItems, ScanOptions};
use crate::value::Value;

/// `Inner::clusterscan`: not known yet, the servers have CLUSTERSCAN, they do not.
pub(super) const CLUSTERSCAN_UNKNOWN: u8 = 0;
const CLUSTERSCAN_YES: u8 = 1;
const CLUSTERSCAN_NO: u8 = 2;

impl RedisCluster {
    /// Iterates over every key of the cluster matching `pattern` (all keys with `None`),
    /// with the `COUNT` hint: CLUSTERSCAN on Valkey 9.1+, else SCAN on each primary.
    ///
    /// Every key present from the start to the end of the iteration is returned at least
    /// once, even across failovers and slot migrations; a key may be returned more than
    /// once (after such a change). `docs/cluster.md` ("Scanning a cluster") says how.
    ///
    /// ```no_run
    /// # let c = strictredis::cluster::RedisCluster::from_urls(&["redis://127.0.0.1:7000"])?;
    /// for key in c.scan_iter::<String>(Some("user:*"), None) {
    ///     let key = key?;
    /// }
    /// # Ok::<(), strictredis::Error>(())
    /// ```
    pub fn scan_iter<T: FromValue>(
        &self,
        pattern: Option<&str>,
        count: Option<u64>,
    ) -> ClusterScanIter<T> {
        self.scan_iter_options(opts(pattern, count))
    }

    /// The iterator of [`scan_iter`](Self::scan_iter) and
    /// [`scan_iter_with`](Self::scan_iter_with).
    pub(crate) fn scan_iter_options<T: FromValue>(
        &self,
        options: ScanOptions,
    ) -> ClusterScanIter<T> {
        let state = if self.inner.clusterscan.load(Ordering::Relaxed) == CLUSTERSCAN_NO {
            State::Slots(SlotScan::new())
        } else {
            State::ClusterScan("0".into())
        };
        ClusterScanIter {
            cluster: self.clone(),
            options,
            state,
            buffer: PageItems::new(Vec::new(), false),
            _t: PhantomData,
        }
    }
}

/// Iterator over the keys of the whole cluster; see [`RedisCluster::scan_iter`].
pub struct ClusterScanIter<T> {
    cluster: RedisCluster,
    options: ScanOptions,
    state: State,
    buffer: PageItems,
    _t: PhantomData<fn() -> T>,
}

enum State {
    /// CLUSTERSCAN with this cursor next.
    ClusterScan(String),
    /// SCAN node by node, checking slot ownership.
    Slots(SlotScan),
    Done,
}

/// The slot-checked SCAN's progress.
struct SlotScan {
    /// One bit per slot: its keys have all been returned.
    done: Vec<u64>,
    /// The node being scanned, its SCAN cursor, and what it served when its scan began.
    current: Option<(Node, u64, Ownership)>,
    /// Node scans in a row that finished no slot (the cluster kept changing).
    fruitless: u32,
}

/// What a node says of itself in `CLUSTER NODES`.
#[derive(PartialEq)]
struct Ownership {
    id: String,
    primary: bool,
    epoch: u64,
    slots: Vec<(u16, u16)>,
    /// Slots it is migrating away or importing.
    moving: Vec<u16>,
}

impl SlotScan {
    fn new() -> SlotScan {
        SlotScan {
            done: vec![0; usize::from(SLOT_COUNT) / 64],
            current: None,
            fruitless: 0,
        }
    }

    fn is_done(&self, slot: u16) -> bool {
        let s = usize::from(slot);
        self.done
            .get(s / 64)
            .is_some_and(|w| w & (1 << (s % 64)) != 0)
    }

    fn mark(&mut self, slot: u16) {
        let s = usize::from(slot);
        if let Some(w) = self.done.get_mut(s / 64) {
            *w |= 1 << (s % 64);
        }
    }

    fn first_pending(&self) -> Option<u16> {
        (0..SLOT_COUNT).find(|&s| !self.is_done(s))
    }

    /// Marks done the slots `before` and `after` agree the node served throughout; returns
    /// how many were newly done.
    fn settle(&mut self, before: &Ownership, after: &Ownership) -> usize {
        if before.id != after.id || !before.primary || !after.primary || before.epoch != after.epoch
        {
            return 0;
        }
        let serves = |o: &Ownership, s: u16| o.slots.iter().any(|&(a, b)| a <= s && s <= b);
        let mut newly = 0;
        for &(a, b) in &before.slots {
            for s in a..=b.min(SLOT_COUNT - 1) {
                let steady =
                    serves(after, s) && !before.moving.contains(&s) && !after.moving.contains(&s);
                if steady && !self.is_done(s) {
                    self.mark(s);
                    newly += 1;
                }
            }
        }
        newly
    }
}

impl<T> fmt::Debug for ClusterScanIter<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let state = match &self.state {
            State::ClusterScan(c) => format!("CLUSTERSCAN {c}"),
            State::Slots(s) => format!(
                "SCAN, {} slots done",
                s.done.iter().map(|w| w.count_ones()).sum::<u32>()
            ),
            State::Done => "done".into(),
        };
        f.debug_struct("ClusterScanIter")
            .field("options", &self.options)
            .field("state", &state)
            .finish()
    }
}

impl<T: FromValue> Iterator for ClusterScanIter<T> {
    type Item = Result<T>;

    fn next(&mut self) -> Option<Result<T>> {
        loop {
            if let Some(item) = self.buffer.next_item() {
                return Some(item);
            }
            let page = match &mut self.state {
                State::Done => return None,
                State::ClusterScan(cursor) => {
                    let cursor = std::mem::take(cursor);
                    self.cluster_scan_page(cursor)
                }
                State::Slots(_) => self.slot_scan_page(),
            };
            match page {
                Ok(keys) => self.buffer = PageItems::new(keys, false),
                Err(e) => {
                    self.state = State::Done;
                    return Some(Err(e));
                }
            }
        }
    }
}

impl<T> ClusterScanIter<T> {
    /// SCAN's or CLUSTERSCAN's options after the cursor.
    fn with_options(&self, c: Cmd) -> Cmd {
        c.opt_token("MATCH", self.options.pattern.as_deref())
            .opt_token("COUNT", self.options.count)
            .opt_token("TYPE", self.options.type_.as_deref())
    }

    /// One CLUSTERSCAN call, routed by the slot its cursor names.
    fn cluster_scan_page(&mut self, cursor: String) -> Result<Vec<Value>> {
        let known = &self.cluster.inner.clusterscan;
        let c = self.with_options(cmd("CLUSTERSCAN").arg(cursor.as_str()));
        let target = Target::Slot {
            slot: key_slot(cursor.as_bytes()),
            replica: false,
        };
        match self.cluster.run_one(&target, &c) {
            Ok(v) => {
                known.store(CLUSTERSCAN_YES, Ordering::Relaxed);
                let (next, keys) = <(String, Vec<Value>)>::from_value(v)?;
                self.state = if next == "0" {
                    State::Done
                } else {
                    State::ClusterScan(next)
                };
                Ok(keys)
            }
            Err(Error::Server(e))
                if e.kind() == "ERR" && e.message().contains("unknown command") =>
            {
                // A server without CLUSTERSCAN (or, mid-upgrade, one node without it):
                // every slot again, the other way.
                log::debug!("cluster scan: no CLUSTERSCAN ({e}); scanning node by node");
                known.store(CLUSTERSCAN_NO, Ordering::Relaxed);
                self.state = State::Slots(SlotScan::new());
                Ok(Vec::new())
            }
            Err(e) => {
                self.state = State::ClusterScan(cursor);
                Err(e)
            }
        }
    }

    /// One step of the slot-checked SCAN: the next page of the node being scanned (keys of
    /// slots already done left out), or, between nodes, the bookkeeping (an empty page).
    fn slot_scan_page(&mut self) -> Result<Vec<Value>> {
        let State::Slots(scan) = &mut self.state else {
            return Ok(Vec::new());
        };
        let Some((node, cursor, before)) = scan.current.take() else {
            let Some(slot) = scan.first_pending() else {
                self.state = State::Done;
                return Ok(Vec::new());
            };
            let primary = self
                .cluster
                .topology()
                .shard(slot)
                .map(|s| s.primary.clone());
            let Some(node) = primary else {
                return self.fruitless(format!("no node serves slot {slot}"));
            };
            match ownership(&self.cluster, &node) {
                Ok(o) if o.primary && o.slots.iter().any(|&(a, b)| a <= slot && slot <= b) => {
                    scan.current = Some((node, 0, o));
                    return Ok(Vec::new());
                }
                // The client's map is behind: that node no longer serves the slot.
                Ok(_) => {
                    return self.fruitless(format!("{} no longer serves slot {slot}", node.addr))
                }
                Err(e) if e.is_connection_error() || e.is_timeout() => {
                    return self.fruitless(format!("{}: {e}", node.addr))
                }
                Err(e) => return Err(e),
            }
        };
        let c = self.with_options(cmd("SCAN").arg(cursor));
        let page = self
            .cluster
            .run_one(&Target::Node(node.clone()), &c)
            .and_then(<(u64, Vec<Value>)>::from_value);
        let (next, mut keys) = match page {
            Ok(p) => p,
            // The node went away mid-scan (killed, failed over, hung): its slots again,
            // from whoever serves them once the topology says.
            Err(e) if e.is_connection_error() || e.is_timeout() => {
                return self.fruitless(format!("{}: {e}", node.addr))
            }
            Err(e) => return Err(e),
        };
        let State::Slots(scan) = &mut self.state else {
            return Ok(Vec::new());
        };
        keys.retain(|k| match k {
            Value::Bulk(b) => !scan.is_done(key_slot(b)),
            _ => true,
        });
        if next != 0 {
            scan.current = Some((node, next, before));
            return Ok(keys);
        }
        let after = match ownership(&self.cluster, &node) {
            Ok(o) => o,
            Err(e) if e.is_connection_error() || e.is_timeout() => {
                let _ = self.fruitless(format!("{}: {e}", node.addr))?;
                return Ok(keys);
            }
            Err(e) => return Err(e),
        };
        let State::Slots(scan) = &mut self.state else {
            return Ok(keys);
        };
        let newly = scan.settle(&before, &after);
        if before != after {
            // Something moved: read the topology again before choosing the next node.
            let _ = self.cluster.refresh_topology();
        }
        if newly == 0 {
            self.fruitless(format!("{} changed during its scan", node.addr))?;
        } else if let State::Slots(scan) = &mut self.state {
            scan.fruitless = 0;
        }
        Ok(keys)
    }

    /// A node scan that finished nothing: the topology is read again and, after a pause
    /// that doubles each time, the next node chosen; after `max_redirects` in a row the
    /// scan fails with [`Error::Cluster`].
    fn fruitless(&mut self, why: String) -> Result<Vec<Value>> {
        let State::Slots(scan) = &mut self.state else {
            return Ok(Vec::new());
        };
        scan.current = None;
        scan.fruitless += 1;
        let tries = scan.fruitless;
        log::debug!("cluster scan: {why}; again");
        if tries as usize > self.cluster.inner.max_redirects {
            return Err(Error::cluster(format!(
                "the cluster scan made no progress in {} tries (the topology kept changing); \
                 last: {why}",
                tries - 1
            )));
        }
        std::thread::sleep(self.cluster.redirect_policy().backoff(tries - 1));
        let _ = self.cluster.refresh_topology();
        Ok(Vec::new())
    }
}

/// What `node` says of itself: its `myself` line of `CLUSTER NODES`.
fn ownership(cluster: &RedisCluster, node: &Node) -> Result<Ownership> {
    let reply = cluster.run_one(&Target::Node(node.clone()), &cmd("CLUSTER").arg("NODES"))?;
    let text = String::from_value(reply)?;
    let me = ClusterNode::parse_all(&text)?
        .into_iter()
        .find(|n| n.flags.iter().any(|f| f == "myself"))
        .ok_or_else(|| Error::cluster(format!("{}: CLUSTER NODES without 'myself'", node.addr)))?;
    // `[slot->-id]` (migrating) and `[slot-<-id]` (importing): the slot is the number first.
    let moving = me
        .migrations
        .iter()
        .filter_map(|m| {
            let digits: String = m
                .trim_start_matches('[')
                .chars()
                .take_while(char::is_ascii_digit)
                .collect();
            digits.parse().ok()
        })
        .collect();
    Ok(Ownership {
        primary: me.is_primary(),
        id: me.id,
        epoch: me.config_epoch,
        slots: me.slots,
        moving,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn owner(epoch: u64, slots: &[(u16, u16)], moving: &[u16]) -> Ownership {
        Ownership {
            id: "a".into(),
            primary: true,
            epoch,
            slots: slots.to_vec(),
            moving: moving.to_vec(),
        }
    }

    #[test]
    fn only_slots_served_steadily_are_done() {
        let mut scan = SlotScan::new();
        let before = owner(3, &[(0, 99), (200, 200)], &[50]);
        let after = owner(3, &[(0, 39), (60, 99), (200, 200), (300, 310)], &[]);
        // 0-39 and 60-99 and 200: kept; 40-59 lost (50 was migrating too); 300-310 new.
        assert_eq!(scan.settle(&before, &after), 40 + 40 + 1);
        assert!(scan.is_done(0) && scan.is_done(99) && scan.is_done(200));
        assert!(!scan.is_done(40) && !scan.is_done(50) && !scan.is_done(300));
        assert_eq!(scan.first_pending(), Some(40));
        // Counted once only.
        assert_eq!(scan.settle(&before, &after), 0);
    }

    #[test]
    fn a_changed_role_id_or_epoch_finishes_nothing() {
        let mut scan = SlotScan::new();
        let before = owner(3, &[(0, SLOT_COUNT - 1)], &[]);
        let mut demoted = owner(3, &[(0, SLOT_COUNT - 1)], &[]);
        demoted.primary = false;
        assert_eq!(scan.settle(&before, &demoted), 0);
        assert_eq!(
            scan.settle(&before, &owner(4, &[(0, SLOT_COUNT - 1)], &[])),
            0
        );
        let mut other = owner(3, &[(0, SLOT_COUNT - 1)], &[]);
        other.id = "b".into();
        assert_eq!(scan.settle(&before, &other), 0);
        assert_eq!(scan.first_pending(), Some(0));
        assert_eq!(scan.settle(&before, &before), usize::from(SLOT_COUNT));
        assert_eq!(scan.first_pending(), None);
    }
}
