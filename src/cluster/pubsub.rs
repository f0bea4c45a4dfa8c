//! Sharded pub/sub on a cluster: the shard channels of a [`RedisCluster::pubsub`] session.
//!
//! A shard channel lives on the shard that serves its hash slot (`SSUBSCRIBE` and
//! `SPUBLISH` are routed like keys), so one session that subscribes to channels in several
//! slots holds one connection per node serving them. [`ShardSubscriptions`] keeps, for every
//! channel asked for, the node it is subscribed on, and moves it when that changes:
//!
//! * the node unsubscribes it itself (a `sunsubscribe` push the user did not ask for: the
//!   slot moved away, or the node became a replica) or answers `MOVED`;
//! * the node's connection breaks (the node was killed or restarted);
//! * the cluster client's slot map names another primary for it (after any command of the
//!   same client met a `MOVED`, or a refresh).
//!
//! The channel is then unsubscribed from its old node (when still reachable), the topology
//! read again, and the channel subscribed on the primary that serves its slot now, retried
//! every [`RETRY_PAUSE`] while that fails. The confirmations of these moves are not shown
//! to the user, except the new `ssubscribe`, as after a reconnect of a plain session.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

use super::{key_slot, RedisCluster};
use crate::cmd::cmd;
use crate::error::{Error, Result};
use crate::pool::{ConnectionPool, PooledConnection};
use crate::pubsub::{Message, MessageKind, ShardSessions, POLL_SLICE};
use crate::value::Value;

/// How often channels waiting for a node are tried again.
const RETRY_PAUSE: Duration = Duration::from_millis(100);

/// How often the subscriptions are compared with the client's slot map.
const FOLLOW_CHECK: Duration = Duration::from_millis(250);

/// One connection to one node, subscribed to some of the session's channels.
struct Link {
    addr: Arc<str>,
    conn: PooledConnection,
}

/// The shard channels of one cluster pub/sub session (see the module docs).
pub(super) struct ShardSubscriptions {
    cluster: RedisCluster,
    /// Every shard channel asked for, and the node it is subscribed on now (`None`: to be
    /// subscribed, on whichever primary serves its slot).
    wanted: BTreeMap<Vec<u8>, Option<Arc<str>>>,
    links: Vec<Link>,
    /// The link read first next time (so that a busy node does not starve the others).
    next: usize,
    /// When waiting channels were last tried, and the slot map last compared.
    last_attempt: Option<Instant>,
    last_check: Option<Instant>,
    /// The pool of the session's own connection (channels and patterns) that last worked.
    main: Option<ConnectionPool>,
}

impl ShardSubscriptions {
    pub(super) fn new(cluster: RedisCluster) -> ShardSubscriptions {
        ShardSubscriptions {
            cluster,
            wanted: BTreeMap::new(),
            links: Vec::new(),
            next: 0,
            last_attempt: None,
            last_check: None,
            main: None,
        }
    }

    /// The address and pool of the primary serving `channel`'s slot, as the client knows it.
    fn owner(&self, channel: &[u8]) -> Option<(Arc<str>, ConnectionPool)> {
        let topo = self.cluster.topology();
        let shard = topo.shard(key_slot(channel))?;
        Some((shard.primary.addr.clone(), shard.primary.pool.clone()))
    }

    fn link(&mut self, addr: &str) -> Option<&mut Link> {
        self.links.iter_mut().find(|l| &*l.addr == addr)
    }

    /// Drops the link to `addr` (broken): its channels wait for a node again.
    fn drop_link(&mut self, addr: &str) {
        self.links.retain(|l| &*l.addr != addr);
        for at in self.wanted.values_mut() {
            if at.as_deref() == Some(addr) {
                *at = None;
            }
        }
        self.cluster.refresh_if_due(Some(addr));
    }

    /// Sends `name` (`SSUBSCRIBE` or `SUNSUBSCRIBE`) for `channels` on the link to `addr`,
    /// one command per slot (the server refuses channels of several slots in one).
    fn send(&mut self, addr: &str, name: &str, channels: &[Vec<u8>]) -> Result<()> {
        let mut by_slot: BTreeMap<u16, Vec<&Vec<u8>>> = BTreeMap::new();
        for c in channels {
            by_slot.entry(key_slot(c)).or_default().push(c);
        }
        let Some(link) = self.link(addr) else {
            return Ok(());
        };
        let mut sent = Ok(());
        for group in by_slot.values() {
            sent = link.conn.write_cmd(&cmd(name).args(group));
            if sent.is_err() {
                break;
            }
        }
        let sent = sent.and_then(|()| link.conn.flush());
        if let Err(e) = &sent {
            log::debug!("shard pub/sub link to {addr} failed: {e}");
            self.drop_link(addr);
        }
        sent
    }

    /// Subscribes every waiting channel on the primary serving its slot now. The first
    /// error is returned; what failed keeps waiting.
    fn attach_waiting(&mut self) -> Result<()> {
        self.last_attempt = Some(Instant::now());
        let waiting: Vec<Vec<u8>> = self
            .wanted
            .iter()
            .filter(|(_, at)| at.is_none())
            .map(|(c, _)| c.clone())
            .collect();
        if waiting.is_empty() {
            return Ok(());
        }
        let mut by_node: BTreeMap<Arc<str>, (ConnectionPool, Vec<Vec<u8>>)> = BTreeMap::new();
        let mut unserved = None;
        for c in waiting {
            match self.owner(&c) {
                Some((addr, pool)) => by_node.entry(addr).or_insert((pool, vec![])).1.push(c),
                None => unserved = Some(key_slot(&c)),
            }
        }
        let mut result = match unserved {
            Some(slot) => {
                self.cluster.refresh_if_due(None);
                Err(Error::no_node(format!("no node serves slot {slot}")))
            }
            None => Ok(()),
        };
        for (addr, (pool, channels)) in by_node {
            if self.link(&addr).is_none() {
                match pool.get() {
                    Ok(conn) => self.links.push(Link {
                        addr: addr.clone(),
                        conn,
                    }),
                    Err(e) => {
                        self.cluster.refresh_if_due(Some(&addr));
                        result = result.and(Err(e));
                        continue;
                    }
                }
            }
            match self.send(&addr, "SSUBSCRIBE", &channels) {
                Ok(()) => {
                    for c in channels {
                        self.wanted.insert(c, Some(addr.clone()));
                    }
                }
                Err(e) => result = result.and(Err(e)),
            }
        }
        result
    }

    /// Moves the channels whose slot the client's map now gives to another primary:
    /// unsubscribed from the old node, waiting for the new one.
    fn follow_slot_map(&mut self) {
        self.last_check = Some(Instant::now());
        let mut moved: BTreeMap<Arc<str>, Vec<Vec<u8>>> = BTreeMap::new();
        for (c, at) in &self.wanted {
            if let Some(old) = at {
                if self.owner(c).is_some_and(|(now, _)| now != *old) {
                    moved.entry(old.clone()).or_default().push(c.clone());
                }
            }
        }
        for (old, channels) in moved {
            log::debug!(
                "{} shard channel(s) moved away from {old}: subscribing on the new owner",
                channels.len()
            );
            for c in &channels {
                self.wanted.insert(c.clone(), None);
            }
            // Best effort: a node that fails here is dropped, which is what we want.
            let _ = self.send(&old, "SUNSUBSCRIBE", &channels);
        }
    }

    /// What is due before reading: comparing with the slot map, trying waiting channels.
    fn maintain(&mut self) {
        if self.last_check.is_none_or(|t| t.elapsed() >= FOLLOW_CHECK) {
            self.follow_slot_map();
        }
        let waiting = self.wanted.values().any(Option::is_none);
        if waiting && self.last_attempt.is_none_or(|t| t.elapsed() >= RETRY_PAUSE) {
            if let Err(e) = self.attach_waiting() {
                log::debug!("shard channels still waiting for a node: {e}");
            }
        }
    }

    /// Handles one value read on the link to `addr`: `Some` for a message to show.
    fn on_value(&mut self, addr: &Arc<str>, v: Value) -> Result<Option<Message>> {
        if let Value::Error(e) = &v {
            if matches!(e.kind(), "MOVED" | "ASK") {
                // `MOVED slot host:port`: that slot's channels wait for its new owner.
                let slot = e.message().split(' ').next().and_then(|s| s.parse().ok());
                for (c, at) in self.wanted.iter_mut() {
                    if at.as_ref() == Some(addr) && Some(key_slot(c)) == slot {
                        *at = None;
                    }
                }
                self.cluster.refresh_if_due(None);
                self.last_attempt = None;
                return Ok(None);
            }
        }
        let Some(m) = Message::from_wire(v)? else {
            return Ok(None);
        };
        if m.kind() != MessageKind::SUnsubscribe {
            return Ok(Some(m));
        }
        match self.wanted.get_mut(m.channel()) {
            // Not asked for: the confirmation of the user's own SUNSUBSCRIBE.
            None => Ok(Some(m)),
            // The node dropped it (its slot moved, or it is a replica now).
            Some(at) if at.as_ref() == Some(addr) => {
                log::debug!("{addr} unsubscribed a shard channel: following its slot");
                *at = None;
                self.cluster.refresh_if_due(None);
                self.last_attempt = None;
                self.last_check = None;
                Ok(None)
            }
            // The confirmation of a move of ours.
            Some(_) => Ok(None),
        }
    }
}

impl ShardSessions for ShardSubscriptions {
    fn subscribe(&mut self, channels: &[Vec<u8>]) -> Result<()> {
        for c in channels {
            self.wanted.entry(c.clone()).or_insert(None);
        }
        self.attach_waiting()
    }

    fn unsubscribe(&mut self, channels: &[Vec<u8>]) -> Result<()> {
        let names: Vec<Vec<u8>> = if channels.is_empty() {
            self.wanted.keys().cloned().collect()
        } else {
            channels.to_vec()
        };
        let mut by_node: BTreeMap<Arc<str>, Vec<Vec<u8>>> = BTreeMap::new();
        for c in names {
            if let Some(Some(addr)) = self.wanted.remove(&c) {
                by_node.entry(addr).or_default().push(c);
            }
        }
        let mut result = Ok(());
        for (addr, channels) in by_node {
            if let Err(e) = self.send(&addr, "SUNSUBSCRIBE", &channels) {
                // The node is gone: so are the subscriptions there.
                if !e.is_connection_error() {
                    result = result.and(Err(e));
                }
            }
        }
        result
    }

    fn read(&mut self, timeout: Duration) -> Result<Option<Message>> {
        let deadline = crate::time::deadline_in(Some(timeout));
        loop {
            self.maintain();
            let left = crate::time::left(deadline).unwrap_or(Duration::MAX);
            // Wake up in time for the next retry and the next look at the slot map.
            let cap = left
                .min(FOLLOW_CHECK)
                .min(if self.wanted.values().any(Option::is_none) {
                    RETRY_PAUSE
                } else {
                    FOLLOW_CHECK
                });
            if self.links.is_empty() {
                if !cap.is_zero() {
                    std::thread::sleep(cap);
                }
            } else {
                let n = self.links.len();
                let wait = if n == 1 { cap } else { cap.min(POLL_SLICE) };
                for i in 0..n {
                    let at = (self.next + i) % n;
                    let Some(link) = self.links.get_mut(at) else {
                        break;
                    };
                    let addr = link.addr.clone();
                    match link.conn.read_value_timeout(wait) {
                        Ok(None) => {}
                        Ok(Some(v)) => {
                            self.next = at + 1;
                            if let Some(m) = self.on_value(&addr, v)? {
                                return Ok(Some(m));
                            }
                            break;
                        }
                        Err(e) if e.is_connection_error() => {
                            log::debug!("shard pub/sub link to {addr} broke: {e}");
                            self.drop_link(&addr);
                            self.last_attempt = None;
                            break;
                        }
                        Err(e) => return Err(e),
                    }
                }
            }
            if crate::time::left(deadline).is_some_and(|d| d.is_zero()) {
                return Ok(None);
            }
        }
    }

    fn is_connected(&self) -> bool {
        !self.links.is_empty()
    }

    /// The pool that worked last (`first` at the start), then each primary in turn: a
    /// plain subscription's node may be gone too (PUBLISH reaches every node, so any will
    /// do).
    fn main_connection(&mut self, first: &ConnectionPool) -> Result<PooledConnection> {
        let mut pool = self.main.clone().unwrap_or_else(|| first.clone());
        let tries = self.cluster.topology().primaries().len().max(1);
        let mut tried = 0;
        loop {
            match pool.get() {
                Ok(conn) => {
                    self.main = Some(pool);
                    return Ok(conn);
                }
                Err(e) if e.is_connection_error() && tried < tries => {
                    tried += 1;
                    let addr = pool.connection_info().addr.to_string();
                    log::debug!("pub/sub: {addr} cannot be reached ({e}); trying another node");
                    self.cluster.refresh_if_due(Some(&addr));
                    pool = self.cluster.helper_pool(None);
                }
                Err(e) => return Err(e),
            }
        }
    }
}
