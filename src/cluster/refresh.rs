//! The topology: MOVED slot updates, the node registry and its pools, and the
//! rate-limited refresh that asks the nodes for `CLUSTER SHARDS`.

use std::collections::HashSet;
use std::sync::Arc;
use std::time::{Duration, Instant};

use super::read_from::{open_read_only, NodeState};
use super::topology::{self, NodeAddr, Topology};
use super::{Node, ReadFrom, RedisCluster, FAILED_NODE_MEMORY, MIN_REFRESH_INTERVAL, SLOT_COUNT};
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
        drop(topo);
        self.cache_follow();
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
        let auto =
            super::autopipe::for_node(self.inner.auto_pipeline, &info, &self.inner.pool_config);
        let state = Arc::new(NodeState::default());
        let ro_pool = if self.inner.read_from.uses_replicas() {
            let learn_zone = matches!(self.inner.read_from, ReadFrom::AzAffinity(_));
            let state = state.clone();
            Some(ConnectionPool::with_connector(
                info,
                self.inner.pool_config,
                move |info: &ConnectionInfo| open_read_only(info, &state, learn_zone),
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
            state,
            auto,
        };
        nodes.insert(key, node.clone());
        Ok(node)
    }

    /// Refreshes the topology unless another thread is doing it or it was read less than
    /// [`MIN_REFRESH_INTERVAL`] ago. `avoid` is a node that just failed us (refused,
    /// broke or timed out): it is remembered for [`FAILED_NODE_MEMORY`] and asked last.
    pub(crate) fn refresh_if_due(&self, avoid: Option<&str>) {
        if let Some(addr) = avoid {
            self.note_failure(addr);
        }
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
        // Ask the nodes that failed us lately last, not never: one may be the only one left.
        // A hung node costs a whole discovery bound, so it must not be asked first.
        let failed = self.recently_failed();
        candidates.sort_by_key(|a| {
            let key = a.key();
            (avoid == Some(key.as_str()), failed.contains(key.as_str()))
        });
        let tls = matches!(self.inner.template.addr, ConnectionAddr::TcpTls { .. });
        let mut errors = Vec::new();
        let mut last = None;
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
                    self.cache_follow();
                    return Ok(());
                }
                Ok(_) => errors.push(format!("{}: no slots assigned", addr.key())),
                Err(e) => {
                    errors.push(format!("{}: {e}", addr.key()));
                    last = Some(e);
                }
            }
        }
        let message = format!(
            "could not read the cluster topology from any node ({})",
            errors.join("; ")
        );
        Err(Error::no_topology(message, last))
    }

    /// Asks one node for the topology, over a connection of its own whose whole setup
    /// (TCP, TLS, handshake) and `CLUSTER SHARDS` run within [`discovery_bound`]: a node
    /// that accepts connections but never answers (hung, SIGSTOPped, a black hole) costs
    /// that bound, then the next node is asked.
    ///
    /// [`discovery_bound`]: Self::discovery_bound
    pub(super) fn fetch_shards(
        &self,
        addr: &NodeAddr,
        tls: bool,
    ) -> Result<Vec<topology::ShardSpec>> {
        let bound = self.discovery_bound();
        let deadline = bound.and_then(|b| Instant::now().checked_add(b));
        let mut info = self.node(addr)?.pool.connection_info().clone();
        // The topology is the same in every database; db 0 is there on every server, so a
        // cluster that refuses the client's db says so in `build`, not as "no topology".
        info.db = 0;
        info.read_timeout = bound;
        info.write_timeout = bound;
        let mut conn = Connection::open(&info)?;
        let mut ask = |c: &crate::cmd::Cmd| {
            if let Some(deadline) = deadline {
                // What is left of the bound (at least 1 ms: a zero timeout means none).
                let left = deadline.saturating_duration_since(Instant::now());
                conn.set_socket_read_timeout(Some(left.max(Duration::from_millis(1))))?;
            }
            conn.request_value(c)
        };
        match ask(&cmd("CLUSTER").arg("SHARDS")) {
            Ok(v) => topology::parse_shards(v, &addr.host, tls),
            // Servers before 7.0 know only CLUSTER SLOTS.
            Err(Error::Server(e)) if e.kind() == "ERR" => {
                let v = ask(&cmd("CLUSTER").arg("SLOTS"))?;
                topology::parse_slots(v, &addr.host)
            }
            Err(e) => Err(e),
        }
    }

    /// How long asking one node for the topology may take, from the first TCP packet to
    /// the reply: `connect_timeout`, or the read timeout when that is shorter (or the only
    /// one set); `None` when neither is set.
    pub(super) fn discovery_bound(&self) -> Option<Duration> {
        let t = &self.inner.template;
        match (t.connect_timeout, t.read_timeout) {
            (Some(c), Some(r)) => Some(c.min(r)),
            (c, r) => c.or(r),
        }
    }

    /// Remembers that `addr` failed us now (forgetting failures older than
    /// [`FAILED_NODE_MEMORY`]).
    fn note_failure(&self, addr: &str) {
        let mut failed = self.inner.failed.lock();
        failed.retain(|_, at| at.elapsed() < FAILED_NODE_MEMORY);
        failed.insert(addr.into(), Instant::now());
    }

    /// The nodes that failed us within [`FAILED_NODE_MEMORY`].
    fn recently_failed(&self) -> HashSet<Arc<str>> {
        let failed = self.inner.failed.lock();
        failed
            .iter()
            .filter(|(_, at)| at.elapsed() < FAILED_NODE_MEMORY)
            .map(|(k, _)| k.clone())
            .collect()
    }
}
