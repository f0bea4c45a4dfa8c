//! The topology: MOVED slot updates, the node registry and its pools, and the
//! rate-limited refresh that asks the nodes for `CLUSTER SHARDS`.

use std::collections::HashSet;
use std::sync::Arc;
use std::time::Instant;

use super::topology::{self, NodeAddr, Topology};
use super::{Node, RedisCluster, MIN_REFRESH_INTERVAL, SLOT_COUNT};
use crate::cmd::cmd;
use crate::config::{ConnectionAddr, ConnectionInfo};
use crate::connection::Connection;
use crate::error::{Error, Result};
use crate::pool::ConnectionPool;

impl RedisCluster {
    /// A MOVED redirection: the slot now belongs to `addr`.
    pub(super) fn on_moved(&self, slot: u16, addr: &str, sender_host: &str) {
        if let Some(a) = NodeAddr::parse(addr, sender_host) {
            if let Ok(node) = self.node(&a) {
                self.apply_moves(vec![(slot, node)]);
            }
        }
        self.refresh_if_due(None);
    }

    /// Records several MOVED redirections at once (one copy of the slot map).
    pub(crate) fn apply_moves(&self, moves: Vec<(u16, Node)>) {
        if moves.is_empty() || moves.iter().any(|(s, _)| *s >= SLOT_COUNT) {
            return;
        }
        let mut topo = self.inner.topology.write();
        let mut next: Topology = (**topo).clone();
        for (slot, node) in moves {
            next = next.with_slot_moved(slot, node);
        }
        *topo = Arc::new(next);
    }

    /// The registry's node for `addr`, with its pools made on first use (no I/O).
    pub(crate) fn node(&self, addr: &NodeAddr) -> Result<Node> {
        let key = addr.key();
        let mut nodes = self.inner.nodes.lock();
        if let Some(n) = nodes.get(key.as_str()) {
            return Ok(n.clone());
        }
        let mut info = self.inner.template.clone();
        info.addr = match &self.inner.template.addr {
            ConnectionAddr::TcpTls { insecure, .. } => ConnectionAddr::TcpTls {
                host: addr.host.clone(),
                port: addr.port,
                insecure: *insecure,
            },
            _ => ConnectionAddr::Tcp {
                host: addr.host.clone(),
                port: addr.port,
            },
        };
        let pool = ConnectionPool::new(info.clone(), self.inner.pool_config)?;
        let ro_pool = if self.inner.read_from_replicas {
            Some(ConnectionPool::with_connector(
                info,
                self.inner.pool_config,
                |info: &ConnectionInfo| {
                    let mut conn = Connection::open(info)?;
                    conn.request_value(&cmd("READONLY"))?;
                    Ok(conn)
                },
            )?)
        } else {
            None
        };
        let key: Arc<str> = key.into();
        let node = Node {
            addr: key.clone(),
            host: addr.host.as_str().into(),
            pool,
            ro_pool,
        };
        nodes.insert(key, node.clone());
        Ok(node)
    }

    /// Refreshes the topology unless another thread is doing it or it was read less than
    /// [`MIN_REFRESH_INTERVAL`] ago. `avoid` is a node that just failed us.
    pub(crate) fn refresh_if_due(&self, avoid: Option<&str>) {
        let Some(mut last) = self.inner.last_refresh.try_lock() else {
            return;
        };
        if last.is_some_and(|t| t.elapsed() < MIN_REFRESH_INTERVAL) {
            return;
        }
        *last = Some(Instant::now());
        if let Err(e) = self.refresh_locked(avoid) {
            log::debug!("cluster topology refresh failed: {e}");
        }
    }

    /// Reads the topology from the first node that answers: known primaries, known
    /// replicas, then the seed nodes (`avoid` last). Called with `last_refresh` held.
    pub(super) fn refresh_locked(&self, avoid: Option<&str>) -> Result<()> {
        let topo = self.topology();
        let mut candidates: Vec<NodeAddr> = Vec::new();
        let mut seen = HashSet::new();
        let known = topo.primaries().iter().chain(topo.replicas());
        let known: Vec<NodeAddr> = known
            .filter_map(|n| NodeAddr::parse(&n.addr, &n.host))
            .collect();
        for a in known.into_iter().chain(self.inner.seeds.iter().cloned()) {
            if seen.insert(a.key()) {
                candidates.push(a);
            }
        }
        if let Some(avoid) = avoid {
            // Ask the node that failed us last, not never: it may be the only one.
            candidates.sort_by_key(|a| a.key() == avoid);
        }
        let tls = matches!(self.inner.template.addr, ConnectionAddr::TcpTls { .. });
        let mut errors = Vec::new();
        for addr in candidates {
            match self.fetch_shards(&addr, tls) {
                Ok(specs) if !specs.is_empty() => {
                    let next = Topology::build(&specs, |a| self.node(a))?;
                    let keep: HashSet<Arc<str>> = next
                        .shards
                        .iter()
                        .flat_map(|s| std::iter::once(&s.primary).chain(&s.replicas))
                        .map(|n| n.addr.clone())
                        .collect();
                    log::debug!(
                        "cluster topology from {}: {} shards, {} slots covered",
                        addr.key(),
                        next.shards.len(),
                        next.covered()
                    );
                    *self.inner.topology.write() = Arc::new(next);
                    self.inner.nodes.lock().retain(|k, _| keep.contains(k));
                    return Ok(());
                }
                Ok(_) => errors.push(format!("{}: no slots assigned", addr.key())),
                Err(e) => errors.push(format!("{}: {e}", addr.key())),
            }
        }
        Err(Error::Cluster(format!(
            "could not read the cluster topology from any node ({})",
            errors.join("; ")
        )))
    }

    pub(super) fn fetch_shards(
        &self,
        addr: &NodeAddr,
        tls: bool,
    ) -> Result<Vec<topology::ShardSpec>> {
        let node = self.node(addr)?;
        let mut conn = node.pool.get()?;
        match conn.request_value(&cmd("CLUSTER").arg("SHARDS")) {
            Ok(v) => topology::parse_shards(v, &addr.host, tls),
            // Servers before 7.0 know only CLUSTER SLOTS.
            Err(Error::Server(e)) if e.kind() == "ERR" => {
                let v = conn.request_value(&cmd("CLUSTER").arg("SLOTS"))?;
                topology::parse_slots(v, &addr.host)
            }
            Err(e) => Err(e),
        }
    }
}
