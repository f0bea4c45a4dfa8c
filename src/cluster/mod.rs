//! Redis Cluster: [`RedisCluster`], the same command methods as
//! [`StrictRedis`], each routed to the node that serves its keys.
//!
//! ```no_run
//! use strictredis::cluster::RedisCluster;
//! let c = RedisCluster::from_urls(&["redis://127.0.0.1:7000", "redis://127.0.0.1:7001"])?;
//! c.set("user:{42}:name", "ada")?;
//! let name: Option<String> = c.get("user:{42}:name")?;
//! # Ok::<(), strictredis::Error>(())
//! ```
//!
//! How it works, in short (`docs/cluster.md` has the whole story):
//!
//! * The client asks the nodes it was given for the topology (`CLUSTER SHARDS`, or `CLUSTER
//!   SLOTS` on servers before 7.0) and keeps one [`ConnectionPool`] per node.
//! * A command goes to the primary serving the hash slot of its keys ([`key_slot`], with
//!   `{hash tag}` support). Keys in different slots are refused with [`Error::Cluster`]
//!   before any I/O, except for MGET, MSET, DEL, EXISTS, UNLINK and TOUCH, which are split
//!   per slot, sent to each node in parallel, and put back together in the caller's order.
//!   Keyless commands follow the servers' documented request and response policies (the
//!   command table's tips): DBSIZE sums over the primaries, KEYS and SCAN cover every
//!   primary, SCRIPT EXISTS is ANDed, FLUSHALL and PING go to every primary, SCRIPT LOAD and
//!   CONFIG SET to every node, WAIT takes the minimum, INFO goes to one node.
//! * `MOVED` updates the slot map (and, at most every 100 ms, the whole topology) and the
//!   command goes to the right node; `ASK` sends `ASKING` and the command to the target
//!   once; `TRYAGAIN`, `CLUSTERDOWN` and a node that refuses connections make the client
//!   back off and retry (refreshing the topology from the other nodes). A reply that times
//!   out refreshes the topology too (a hung primary is left for the replica that replaces
//!   it); the timed-out command is not resent, unless it is read-only and its slot is now
//!   served by another node. After 16 redirections or retries the command fails with
//!   [`Error::Cluster`].
//! * Reading the topology from one node (TCP, TLS, handshake, `CLUSTER SHARDS`) is bounded
//!   by `connect_timeout` (or a shorter read timeout): a seed that never answers is given
//!   up, and the next one asked.
//! * With [`ClusterBuilder::read_from`] ([`ReadFrom::PreferReplica`] or
//!   [`ReadFrom::AzAffinity`]), read-only commands go to replicas (same zone first), in
//!   turn, over connections that sent `READONLY`; a replica that fails a read is passed
//!   over for a while. Writes, and every command of a pipeline, go to primaries.
//!
//! Where the code is: the cluster's main loop (one command, its redirections and retries)
//! is `src/cluster/run.rs`; routing plans (split per slot, fan-out, SCAN) `plan.rs`, with
//! the command tables' routing facts in `routing.rs`; read routing `read_from.rs`; the topology refresh and the node
//! registry `refresh.rs` (the `CLUSTER SHARDS` parsing in `topology.rs`); the builder
//! `builder.rs`; pipelines `pipeline.rs`; the cluster-wide SCAN iterator `scan.rs`; sharded
//! pub/sub `pubsub.rs`; the per-node shared connections of `auto_pipeline(true)`
//! `autopipe.rs`; client-side caching (a channel per node) `cache.rs`.

mod autopipe;
mod builder;
mod cache;
mod extras;
pub(crate) mod pipeline;
mod plan;
mod pubsub;
mod read_from;
mod refresh;
pub(crate) mod routing;
mod run;
mod scan;
mod slots;
mod topology;

use std::collections::HashMap;
use std::fmt;
use std::sync::atomic::AtomicUsize;
use std::sync::Arc;
use std::time::{Duration, Instant};

use parking_lot::{Mutex, RwLock};

use crate::args::{ToArg, ToArgs};
use crate::client::StrictRedis;
use crate::cmd::Cmd;
use crate::config::ConnectionInfo;
use crate::error::{Error, Result};
use crate::from_value::FromValue;
use crate::pipeline::Pipeline;
use crate::pool::{ConnectionPool, PoolConfig, PooledConnection};
use crate::retry::{self, Attempt, RetryPolicy};
use crate::value::Value;

pub use builder::ClusterBuilder;
pub use pipeline::ClusterPipeline;
pub use read_from::ReadFrom;
pub use scan::ClusterScanIter;
pub use slots::{crc16, hash_tag, key_slot, SLOT_COUNT};

use routing::KeySpec;
use run::Redirect;
use topology::{NodeAddr, Topology};

/// How many redirections and retries one command may go through before it fails.
pub const DEFAULT_MAX_REDIRECTS: usize = 16;

/// The shortest time between two topology refreshes caused by redirections or failures.
const MIN_REFRESH_INTERVAL: Duration = Duration::from_millis(100);

/// How long a node that refused, broke or timed out is asked last for the topology.
const FAILED_NODE_MEMORY: Duration = Duration::from_secs(30);

/// The first pause before retrying after TRYAGAIN, CLUSTERDOWN or an unreachable node; it
/// doubles with every retry up to [`MAX_BACKOFF`] (the policy of [`retry::run`] here).
const FIRST_BACKOFF: Duration = Duration::from_millis(25);
const MAX_BACKOFF: Duration = Duration::from_millis(500);

/// SCAN cursors carry the index of the primary being scanned in their top 16 bits.
const SCAN_NODE_SHIFT: u32 = 48;

/// One node of the cluster and its pools.
#[derive(Clone)]
pub(crate) struct Node {
    /// `host:port`, the registry key.
    pub addr: Arc<str>,
    /// The host alone, for redirections that name no host.
    pub host: Arc<str>,
    /// Plain connections: writes, and reads from primaries.
    pub pool: ConnectionPool,
    /// Connections that sent `READONLY`, for reads from replicas (only when
    /// [`ReadFrom`] sends reads to replicas).
    pub ro_pool: Option<ConnectionPool>,
    /// Its fitness to serve reads, and its zone (shared by the clones of the node).
    pub state: Arc<read_from::NodeState>,
    /// The shared connection for eligible commands, with `auto_pipeline` (`autopipe.rs`).
    pub auto: Option<Arc<crate::autopipe::AutoPipe>>,
}

impl Node {
    fn pool_for(&self, read_only: bool) -> &ConnectionPool {
        match (&self.ro_pool, read_only) {
            (Some(p), true) => p,
            _ => &self.pool,
        }
    }
}

/// Where one command (or one part of a split command) goes.
#[derive(Clone)]
pub(crate) enum Target {
    /// The node serving `slot`: its primary, or one of its replicas for a read when reads
    /// from replicas are enabled.
    Slot { slot: u16, replica: bool },
    /// This node, whatever the slot map says (fan-out to every primary, SCAN).
    Node(Node),
    /// Any primary.
    AnyPrimary,
}

/// A Redis Cluster client: one method per command, as [`StrictRedis`], each routed by the
/// hash slot of its keys to the node that serves it.
///
/// `Clone + Send + Sync`; clones share the topology and the pools (one per node).
///
/// ```no_run
/// use strictredis::cluster::RedisCluster;
/// let c = RedisCluster::from_urls(&["redis://127.0.0.1:7000"])?;
/// c.set("user:{42}:name", "ada")?;
/// c.set("user:{42}:email", "ada@example.com")?;
/// // MGET over keys in different slots is split per slot and put back in order.
/// let v: Vec<Option<String>> = c.mget(&["user:{42}:name", "elsewhere"])?;
/// # Ok::<(), strictredis::Error>(())
/// ```
#[derive(Clone)]
pub struct RedisCluster {
    inner: Arc<Inner>,
}

crate::commands::impl_command_tables!(RedisCluster, shared_methods);

struct Inner {
    /// The settings of every connection; the address is replaced per node.
    template: ConnectionInfo,
    seeds: Vec<NodeAddr>,
    pool_config: PoolConfig,
    /// With auto-pipelining on, how many shared connections each node gets (see
    /// `autopipe.rs`).
    auto_pipeline: Option<usize>,
    read_from: ReadFrom,
    max_redirects: usize,
    topology: RwLock<Arc<Topology>>,
    /// Every node known, by address: the pools live here.
    nodes: Mutex<HashMap<Arc<str>, Node>>,
    /// When the topology was last read; held while a refresh runs.
    last_refresh: Mutex<Option<Instant>>,
    /// Key positions learnt from `COMMAND INFO`, by command name.
    specs: RwLock<HashMap<String, Option<KeySpec>>>,
    /// Nodes that failed us lately (refused, broke, timed out), and when: asked last for
    /// the topology.
    failed: Mutex<HashMap<Arc<str>, Instant>>,
    /// Picks "any" node and replicas in turn.
    counter: AtomicUsize,
    /// Whether the servers know CLUSTERSCAN (learnt by the first cluster scan).
    clusterscan: std::sync::atomic::AtomicU8,
    /// The client-side cache of [`ClusterBuilder::cache_config`], when it is on.
    cache: Option<cache::ClusterCache>,
}

impl fmt::Debug for RedisCluster {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let topo = self.topology();
        f.debug_struct("RedisCluster")
            .field("template", &self.inner.template)
            .field("pool_config", &self.inner.pool_config)
            .field("read_from", &self.inner.read_from)
            .field(
                "primaries",
                &topo
                    .primaries()
                    .iter()
                    .map(|n| n.addr.to_string())
                    .collect::<Vec<_>>(),
            )
            .finish()
    }
}

impl RedisCluster {
    /// Connects to a cluster through any of its nodes and reads its topology.
    ///
    /// Every URL names one node (`redis://host:port`, `rediss://` for TLS); the first URL's
    /// options (credentials, timeouts, protocol, pool sizes) apply to every connection. A
    /// database other than 0 (`redis://host:port/2`) works on Valkey 9+ with
    /// `cluster-databases` above it: every connection (to any node, after any redirection,
    /// in pipelines too) SELECTs it. Where the server refuses it (Redis Cluster has only
    /// db 0), connecting fails with [`Error::Config`] quoting the server's answer.
    ///
    /// ```no_run
    /// use strictredis::cluster::RedisCluster;
    /// let c = RedisCluster::from_urls(&["redis://127.0.0.1:7000", "redis://127.0.0.1:7001"])?;
    /// # Ok::<(), strictredis::Error>(())
    /// ```
    pub fn from_urls<S: AsRef<str>>(urls: &[S]) -> Result<RedisCluster> {
        let mut b = ClusterBuilder::default();
        for u in urls {
            b = b.node(u.as_ref());
        }
        b.build()
    }

    /// A builder for every option: seed nodes, credentials, timeouts, pool sizes, reads
    /// from replicas.
    pub fn builder() -> ClusterBuilder {
        ClusterBuilder::default()
    }

    fn topology(&self) -> Arc<Topology> {
        self.inner.topology.read().clone()
    }

    /// Runs any command, routed by its keys (see [the module docs](self)), and converts
    /// its reply into `T`.
    ///
    /// ```no_run
    /// use strictredis::cmd;
    /// # let c = strictredis::cluster::RedisCluster::from_urls(&["redis://127.0.0.1:7000"])?;
    /// // Keys of hand-built commands are found with COMMAND INFO (cached per name).
    /// let v: Option<String> = c.execute_command(cmd("GET").arg("key"))?;
    /// # Ok::<(), strictredis::Error>(())
    /// ```
    pub fn execute_command<T: FromValue>(&self, cmd: Cmd) -> Result<T> {
        T::from_value(self.request(&cmd)?)
    }

    /// Runs one command and returns its raw reply (error replies as `Err`). With
    /// [`cache_config`](ClusterBuilder::cache_config), a cacheable command may be answered
    /// from local memory, and any other command drops the cached replies of its
    /// arguments before it returns.
    pub(crate) fn request(&self, cmd: &Cmd) -> Result<Value> {
        match &self.inner.cache {
            Some(cc) => {
                self.cache_nudge(cc);
                cc.cache.run(cmd, |c| self.route(c))
            }
            None => self.route(cmd),
        }
    }

    /// Routes one command to its node(s) and runs it there.
    fn route(&self, cmd: &Cmd) -> Result<Value> {
        // The common case first: marked keys, all in one slot. No allocation.
        let mut keys = cmd.key_args();
        if let Some(first) = keys.next() {
            let slot = key_slot(first);
            if keys.all(|k| key_slot(k) == slot) {
                return self.run_one(&self.slot_target(slot, cmd), cmd);
            }
        }
        let plan = self.plan(cmd)?;
        self.run_plan(plan)
    }

    fn slot_target(&self, slot: u16, cmd: &Cmd) -> Target {
        Target::Slot {
            slot,
            replica: self.inner.read_from.uses_replicas() && routing::is_read_only(cmd),
        }
    }

    /// The next turn of the counter that picks "any" node and replicas in turn.
    fn next_turn(&self) -> usize {
        self.inner
            .counter
            .fetch_add(1, std::sync::atomic::Ordering::Relaxed)
    }

    /// A pipeline whose commands run inside MULTI/EXEC on one node: every key of every
    /// command must be in the same slot (use a `{hash tag}`), or `execute` fails before
    /// any I/O.
    pub fn pipeline(&self) -> ClusterPipeline {
        ClusterPipeline::new(self.clone(), true)
    }

    /// A pipeline without MULTI/EXEC: the commands are grouped by node, each group sent in
    /// one write, the nodes in parallel; the replies come back in the caller's order.
    pub fn pipeline_without_transaction(&self) -> ClusterPipeline {
        ClusterPipeline::new(self.clone(), false)
    }

    /// redis-py's `transaction()` on the node serving `keys` (which must share one slot):
    /// WATCH `keys`, run `f` (read through `conn`, queue on `pipe`), EXEC; the closure runs
    /// again whenever a watched key changed before EXEC, or the slot moved to another node.
    ///
    /// ```no_run
    /// # let c = strictredis::cluster::RedisCluster::from_urls(&["redis://127.0.0.1:7000"])?;
    /// let n: i64 = c.transaction(&["{acct:1}:balance"], |conn, pipe| {
    ///     let cur: Option<i64> = conn.get("{acct:1}:balance")?;
    ///     pipe.set("{acct:1}:balance", cur.unwrap_or(0) + 1);
    ///     Ok(cur.unwrap_or(0) + 1)
    /// })?;
    /// # Ok::<(), strictredis::Error>(())
    /// ```
    pub fn transaction<T, F>(&self, keys: impl ToArgs, mut f: F) -> Result<T>
    where
        F: FnMut(&mut PooledConnection, &mut Pipeline) -> Result<T>,
    {
        let mut names: Vec<Vec<u8>> = Vec::new();
        keys.for_each_arg(&mut |k| names.push(k.to_vec()));
        let slot = common_slot(names.iter().map(Vec::as_slice), "WATCH")?.unwrap_or(0);
        let what = || "the transaction".to_string();
        let attempt = |_: u32| -> Attempt<T> {
            let client = match self.topology().shard(slot) {
                Some(shard) => StrictRedis::with_pool(shard.primary.pool.clone()),
                None => {
                    self.refresh_if_due(None);
                    return Attempt::Retry(Error::no_node(format!("no node serves slot {slot}")));
                }
            };
            match client.transaction(&names, &mut f) {
                Err(e) => match e.server_error().and_then(Redirect::of) {
                    Some(Redirect::Moved { slot, addr }) => {
                        let host = client.pool().connection_info().addr.to_string();
                        self.on_moved(slot, &addr, host_of(&host));
                        Attempt::Redirect(e)
                    }
                    Some(_) => Attempt::Retry(e),
                    None if refused(&e) => {
                        self.refresh_if_due(None);
                        Attempt::Retry(e)
                    }
                    None => Attempt::Done(Err(e)),
                },
                ok => Attempt::Done(ok),
            }
        };
        retry::run(&self.redirect_policy(), None, &what, attempt, |last| {
            self.gave_up(&what(), last)
        })
    }

    /// The retry policy of redirections and cluster retries: `max_redirects` attempts,
    /// pauses from [`FIRST_BACKOFF`] to [`MAX_BACKOFF`].
    fn redirect_policy(&self) -> RetryPolicy {
        RetryPolicy {
            max_retries: u32::try_from(self.inner.max_redirects).unwrap_or(u32::MAX),
            base_backoff: FIRST_BACKOFF,
            max_backoff: MAX_BACKOFF,
            jitter: false,
        }
    }

    /// A [`StrictRedis`] over the pool of the primary that serves `key`'s slot now: for
    /// what needs one connection to one node (sharded pub/sub with SSUBSCRIBE, MONITOR,
    /// blocking commands you want to keep on a node).
    ///
    /// The client is not redirected: after a resharding or failover, ask again.
    pub fn client_for_key(&self, key: impl ToArg) -> Result<StrictRedis> {
        self.client_for_slot(key.with_bytes(key_slot))
    }

    /// A [`StrictRedis`] over the pool of the primary serving `slot` now.
    pub fn client_for_slot(&self, slot: u16) -> Result<StrictRedis> {
        if slot >= SLOT_COUNT {
            return Err(Error::cluster(format!(
                "slot {slot} is out of range (0..{SLOT_COUNT})"
            )));
        }
        if self.topology().shard(slot).is_none() {
            self.refresh_topology()?;
        }
        match self.topology().shard(slot) {
            Some(s) => Ok(StrictRedis::with_pool(s.primary.pool.clone())),
            None => Err(Error::no_node(format!("no node serves slot {slot}"))),
        }
    }

    /// A [`StrictRedis`] over the pool of the node at `addr` (`host:port`, as
    /// [`primaries`](Self::primaries) lists it).
    pub fn client_for_node(&self, addr: &str) -> Result<StrictRedis> {
        let parsed = NodeAddr::parse(addr, "")
            .filter(|a| !a.host.is_empty())
            .ok_or_else(|| Error::Config(format!("not a host:port address: {addr:?}")))?;
        Ok(StrictRedis::with_pool(self.node(&parsed)?.pool))
    }

    /// The addresses (`host:port`) of the primaries serving slots, sorted.
    pub fn primaries(&self) -> Vec<String> {
        let topo = self.topology();
        topo.primaries()
            .iter()
            .map(|n| n.addr.to_string())
            .collect()
    }

    /// The addresses of the replicas of those primaries, sorted.
    pub fn replicas(&self) -> Vec<String> {
        let topo = self.topology();
        topo.replicas().iter().map(|n| n.addr.to_string()).collect()
    }

    /// The address of the primary serving `slot`, as the client knows it now.
    pub fn node_for_slot(&self, slot: u16) -> Option<String> {
        self.topology()
            .shard(slot)
            .map(|s| s.primary.addr.to_string())
    }

    /// Reads the topology again now, from the known nodes then the seed nodes.
    pub fn refresh_topology(&self) -> Result<()> {
        let mut last = self.inner.last_refresh.lock();
        *last = Some(Instant::now());
        self.refresh_locked(None)
    }
}

/// True when a connection could not even be opened (so nothing was sent).
fn refused(e: &Error) -> bool {
    matches!(e.inner(), Error::Io(io) if io.kind() == std::io::ErrorKind::ConnectionRefused)
}

/// `target`, but never a replica.
fn primary_only(target: &Target) -> Target {
    match target {
        Target::Slot { slot, .. } => Target::Slot {
            slot: *slot,
            replica: false,
        },
        other => other.clone(),
    }
}

/// The host part of a `host:port` address.
fn host_of(addr: &str) -> &str {
    addr.rsplit_once(':')
        .map(|(h, _)| h.trim_start_matches('[').trim_end_matches(']'))
        .unwrap_or(addr)
}

/// The one slot all `keys` are in; `None` without keys; [`Error::Cluster`] when they span
/// several slots.
fn common_slot<'k>(keys: impl Iterator<Item = &'k [u8]>, what: &str) -> Result<Option<u16>> {
    let mut slot: Option<u16> = None;
    for k in keys {
        let s = key_slot(k);
        match slot {
            None => slot = Some(s),
            Some(prev) if prev != s => return Err(cross_slot_error(what, &[prev, s])),
            Some(_) => {}
        }
    }
    Ok(slot)
}

fn cross_slot_error(what: &str, slots: &[u16]) -> Error {
    let first = slots.first().copied().unwrap_or(0);
    let other = slots.iter().copied().find(|&s| s != first).unwrap_or(first);
    Error::cross_slot(format!(
        "{what}: keys in different hash slots ({first} and {other}); nothing was sent. \
         Give related keys the same {{hash tag}}, as in user:{{42}}:name and user:{{42}}:email"
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::ServerError;

    #[test]
    fn redirect_replies() {
        let r = |t: &str| Redirect::of(&ServerError::new(t));
        assert!(matches!(
            r("MOVED 3999 127.0.0.1:6381"),
            Some(Redirect::Moved { slot: 3999, ref addr }) if addr == "127.0.0.1:6381"
        ));
        assert!(matches!(
            r("ASK 3999 127.0.0.1:6381"),
            Some(Redirect::Ask { ref addr }) if addr == "127.0.0.1:6381"
        ));
        assert!(matches!(
            r("TRYAGAIN Multiple keys request during rehashing of slot"),
            Some(Redirect::Retry { refresh: false })
        ));
        assert!(matches!(
            r("CLUSTERDOWN The cluster is down"),
            Some(Redirect::Retry { refresh: true })
        ));
        assert!(r("MOVED nonsense").is_none());
        assert!(r("ERR wrong number of arguments").is_none());
    }

    #[test]
    fn builder_refuses_bad_settings_before_io() {
        assert!(matches!(
            RedisCluster::from_urls::<&str>(&[]),
            Err(Error::Config(_))
        ));
        // A database other than 0 is the servers' to refuse (Valkey 9 may have it): asked
        // at build, so an unreachable seed fails as unreachable, not as a bad setting
        // (tests/cluster/cluster_db.rs has the refusals of real servers).
        assert!(!matches!(
            RedisCluster::from_urls(&["redis://127.0.0.1:1/3"]),
            Err(Error::Config(_)) | Ok(_)
        ));
        assert!(matches!(
            RedisCluster::from_urls(&["unix:///tmp/x.sock"]),
            Err(Error::Config(_))
        ));
        assert!(matches!(
            RedisCluster::builder()
                .node("redis://127.0.0.1:1")
                .max_connections(0)
                .build(),
            Err(Error::Config(_))
        ));
        let b = RedisCluster::builder()
            .node("redis://u:hunter2@h:1")
            .password("hunter3");
        let shown = format!("{b:?}");
        assert!(!shown.contains("hunter"));
    }

    #[test]
    fn cross_slot_is_refused() {
        let e = common_slot([b"a".as_slice(), b"b".as_slice()].into_iter(), "MSETNX").unwrap_err();
        assert!(
            matches!(e, Error::Cluster(ref m) if m.message().contains("MSETNX") && m.message().contains("hash tag") && m.is_cross_slot())
        );
        assert_eq!(
            common_slot([b"{x}1".as_slice(), b"{x}2".as_slice()].into_iter(), "X").unwrap(),
            Some(key_slot(b"x"))
        );
        assert_eq!(common_slot(std::iter::empty(), "X").unwrap(), None);
    }
}
