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
//!   Keyless commands follow their documented policy: DBSIZE sums over the primaries, KEYS
//!   and SCAN cover every primary, FLUSHALL goes to every primary, SCRIPT LOAD to every
//!   node, PING and INFO to one node.
//! * `MOVED` updates the slot map (and, at most every 100 ms, the whole topology) and the
//!   command goes to the right node; `ASK` sends `ASKING` and the command to the target
//!   once; `TRYAGAIN`, `CLUSTERDOWN` and a node that refuses connections make the client
//!   back off and retry (refreshing the topology from the other nodes). After 16
//!   redirections or retries the command fails with [`Error::Cluster`].
//! * With [`ClusterBuilder::read_from_replicas`], read-only commands go to replicas, over
//!   connections that sent `READONLY`; writes always go to primaries.

pub(crate) mod pipeline;
pub(crate) mod routing;
mod slots;
mod topology;

use std::borrow::Cow;
use std::collections::{HashMap, HashSet};
use std::fmt;
use std::marker::PhantomData;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use parking_lot::{Mutex, RwLock};

use crate::args::{ToArg, ToArgs};
use crate::client::StrictRedis;
use crate::cmd::{cmd, Cmd};
use crate::config::{ConnectionAddr, ConnectionInfo, Options};
use crate::connection::Connection;
use crate::error::{Error, Result, ServerError};
use crate::from_value::FromValue;
use crate::pipeline::Pipeline;
use crate::pool::{ConnectionPool, PoolConfig, PooledConnection};
use crate::pubsub::PubSub;
use crate::retry::{self, Attempt, RetryPolicy};
use crate::value::Value;

pub use pipeline::ClusterPipeline;
pub use slots::{crc16, hash_tag, key_slot, SLOT_COUNT};

use pipeline::{Job, Merge, Plan};
use routing::{KeySpec, Name, Policy};
use topology::{NodeAddr, Topology};

/// How many redirections and retries one command may go through before it fails.
pub const DEFAULT_MAX_REDIRECTS: usize = 16;

/// The shortest time between two topology refreshes caused by redirections or failures.
const MIN_REFRESH_INTERVAL: Duration = Duration::from_millis(100);

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
    /// Connections that sent `READONLY`, for reads from replicas (only with
    /// `read_from_replicas`).
    pub ro_pool: Option<ConnectionPool>,
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

/// A redirection or a transient refusal from a cluster node.
enum Redirect {
    Moved {
        slot: u16,
        addr: String,
    },
    Ask {
        addr: String,
    },
    /// TRYAGAIN, CLUSTERDOWN, LOADING, MASTERDOWN: wait a little, then try again.
    Retry {
        refresh: bool,
    },
}

impl Redirect {
    fn of(e: &ServerError) -> Option<Redirect> {
        let mut words = e.message().split_ascii_whitespace();
        match e.kind() {
            "MOVED" | "ASK" => {
                let slot: u16 = words.next()?.parse().ok()?;
                let addr = words.next()?.to_string();
                Some(if e.kind() == "MOVED" {
                    Redirect::Moved { slot, addr }
                } else {
                    Redirect::Ask { addr }
                })
            }
            "TRYAGAIN" | "LOADING" | "MASTERDOWN" => Some(Redirect::Retry { refresh: false }),
            "CLUSTERDOWN" => Some(Redirect::Retry { refresh: true }),
            _ => None,
        }
    }
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
    read_from_replicas: bool,
    max_redirects: usize,
    topology: RwLock<Arc<Topology>>,
    /// Every node known, by address: the pools live here.
    nodes: Mutex<HashMap<Arc<str>, Node>>,
    /// When the topology was last read; held while a refresh runs.
    last_refresh: Mutex<Option<Instant>>,
    /// Key positions learnt from `COMMAND INFO`, by command name.
    specs: RwLock<HashMap<String, Option<KeySpec>>>,
    /// Picks "any" node and replicas in turn.
    counter: AtomicUsize,
}

impl fmt::Debug for RedisCluster {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let topo = self.topology();
        f.debug_struct("RedisCluster")
            .field("template", &self.inner.template)
            .field("pool_config", &self.inner.pool_config)
            .field("read_from_replicas", &self.inner.read_from_replicas)
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
    /// database other than 0 is refused ([`Error::Config`]): a cluster has only db 0.
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

    /// Runs one command and returns its raw reply (error replies as `Err`).
    pub(crate) fn request(&self, cmd: &Cmd) -> Result<Value> {
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
            replica: self.inner.read_from_replicas && routing::is_read_only(cmd),
        }
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
                    return Attempt::Retry(Error::Cluster(format!("no node serves slot {slot}")));
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

    /// A pub/sub session on one primary, for `SUBSCRIBE`/`PSUBSCRIBE`: the cluster bus
    /// carries every `PUBLISH` to every node, so any node will do. For sharded channels
    /// (`SSUBSCRIBE`), use `client_for_key(channel)?.pubsub()`: a shard channel lives on the
    /// node that owns its slot.
    ///
    /// ```no_run
    /// # let c = strictredis::cluster::RedisCluster::from_urls(&["redis://127.0.0.1:7000"])?;
    /// let mut news = c.pubsub()?;
    /// news.subscribe(&["news"])?;
    /// let mut orders = c.client_for_key("orders:{eu}")?.pubsub();
    /// orders.ssubscribe(&["orders:{eu}"])?;
    /// # Ok::<(), strictredis::Error>(())
    /// ```
    pub fn pubsub(&self) -> Result<PubSub> {
        let topo = self.topology();
        match self.resolve(&topo, &Target::AnyPrimary) {
            Some((node, _)) => Ok(PubSub::new(node.pool.clone())),
            None => Err(Error::Cluster("no node is known to serve any slot".into())),
        }
    }

    /// A [`StrictRedis`] over the pool of the primary serving `slot` now.
    pub fn client_for_slot(&self, slot: u16) -> Result<StrictRedis> {
        if slot >= SLOT_COUNT {
            return Err(Error::Cluster(format!(
                "slot {slot} is out of range (0..{SLOT_COUNT})"
            )));
        }
        if self.topology().shard(slot).is_none() {
            self.refresh_topology()?;
        }
        match self.topology().shard(slot) {
            Some(s) => Ok(StrictRedis::with_pool(s.primary.pool.clone())),
            None => Err(Error::Cluster(format!("no node serves slot {slot}"))),
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

    /// Iterates over every key of every primary matching `pattern` (all keys with `None`),
    /// with SCAN and its `COUNT` hint; keys are not repeated unless they move between nodes
    /// during the scan.
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
        ClusterScanIter {
            cluster: self.clone(),
            pattern: pattern.map(str::to_string),
            count,
            cursor: Some(0),
            buffer: Vec::new().into_iter(),
            _t: PhantomData,
        }
    }

    // ----- routing -----

    /// Works out where a command goes: the slow path of [`request`](Self::request), and
    /// every pipeline command.
    pub(crate) fn plan<'a>(&self, cmd: &'a Cmd) -> Result<Plan<'a>> {
        let mut keys = cmd.key_args();
        if let Some(first) = keys.next() {
            let slot = key_slot(first);
            if keys.all(|k| key_slot(k) == slot) {
                return Ok(Plan::single(cmd, self.slot_target(slot, cmd)));
            }
        }
        let name = Name::of(cmd);
        let args: Vec<&[u8]> = cmd.args_iter().collect();
        let positions = if cmd.has_keys() {
            routing::marked_key_positions(cmd)
        } else {
            if let Some(policy) = routing::keyless_policy(&name) {
                return self.plan_keyless(policy, cmd, &args);
            }
            match self.key_spec(&name)? {
                None => Vec::new(),
                Some(spec) => match routing::key_positions(spec, cmd) {
                    Some(p) => p,
                    None => {
                        let keys = self.server_keys(cmd)?;
                        return Ok(
                            match common_slot(keys.iter().map(Vec::as_slice), &cmd.display_name())?
                            {
                                Some(slot) => Plan::single(cmd, self.slot_target(slot, cmd)),
                                None => Plan::single(cmd, Target::AnyPrimary),
                            },
                        );
                    }
                },
            }
        };
        let slots: Vec<u16> = positions
            .iter()
            .map(|&i| key_slot(args.get(i).copied().unwrap_or_default()))
            .collect();
        match slots.first() {
            None => return Ok(Plan::single(cmd, Target::AnyPrimary)),
            Some(&first) if slots.iter().all(|&s| s == first) => {
                return Ok(Plan::single(cmd, self.slot_target(first, cmd)))
            }
            Some(_) => {}
        }
        match routing::split_kind(&name) {
            Some(kind) => self.plan_split(kind, &args, &positions, &slots),
            None => Err(cross_slot_error(&cmd.display_name(), &slots)),
        }
    }

    fn plan_split<'a>(
        &self,
        kind: routing::SplitKind,
        args: &[&[u8]],
        positions: &[usize],
        slots: &[u16],
    ) -> Result<Plan<'a>> {
        let name = String::from_utf8_lossy(args[0]).into_owned();
        // Keys grouped by slot, each group in the caller's order.
        let mut groups: Vec<(u16, Vec<usize>)> = Vec::new();
        for (ord, &slot) in slots.iter().enumerate() {
            match groups.iter_mut().find(|(s, _)| *s == slot) {
                Some((_, g)) => g.push(ord),
                None => groups.push((slot, vec![ord])),
            }
        }
        let mut jobs = Vec::with_capacity(groups.len());
        let mut parts = Vec::with_capacity(groups.len());
        for (slot, ords) in groups {
            let mut part = Cmd::new(&name);
            for &ord in &ords {
                let at = positions[ord];
                part = part.key(args[at]);
                if kind == routing::SplitKind::Pairs {
                    let value = args
                        .get(at + 1)
                        .ok_or_else(|| Error::Config(format!("{name}: a key without a value")))?;
                    part = part.arg(*value);
                }
            }
            let target = self.slot_target(slot, &part);
            jobs.push(Job {
                cmd: Cow::Owned(part),
                target,
            });
            parts.push(ords);
        }
        Ok(Plan {
            jobs,
            merge: Merge::Split {
                kind,
                parts,
                total: positions.len(),
            },
        })
    }

    fn plan_keyless<'a>(&self, policy: Policy, cmd: &'a Cmd, args: &[&[u8]]) -> Result<Plan<'a>> {
        let fan_out = |nodes: Vec<Node>, agg| -> Result<Plan<'a>> {
            if nodes.is_empty() {
                return Err(Error::Cluster("no node is known to serve any slot".into()));
            }
            Ok(Plan {
                jobs: nodes
                    .into_iter()
                    .map(|n| Job {
                        cmd: Cow::Borrowed(cmd),
                        target: Target::Node(n),
                    })
                    .collect(),
                merge: Merge::Agg(agg),
            })
        };
        match policy {
            Policy::AnyPrimary => Ok(Plan::single(cmd, Target::AnyPrimary)),
            Policy::AllPrimaries(agg) => fan_out(self.topology().primaries().to_vec(), agg),
            Policy::AllNodes(agg) => {
                let topo = self.topology();
                let mut nodes = topo.primaries().to_vec();
                nodes.extend_from_slice(topo.replicas());
                fan_out(nodes, agg)
            }
            Policy::SlotArg(i) => {
                let slot = args
                    .get(i)
                    .and_then(|a| std::str::from_utf8(a).ok())
                    .and_then(|a| a.parse::<u16>().ok())
                    .filter(|&s| s < SLOT_COUNT);
                Ok(match slot {
                    Some(slot) => Plan::single(
                        cmd,
                        Target::Slot {
                            slot,
                            replica: false,
                        },
                    ),
                    None => Plan::single(cmd, Target::AnyPrimary),
                })
            }
            Policy::Scan => self.plan_scan(cmd, args),
        }
    }

    /// SCAN over the whole cluster: the cursor's top 16 bits index the primaries (sorted by
    /// address), the rest is that node's own cursor.
    fn plan_scan<'a>(&self, cmd: &'a Cmd, args: &[&[u8]]) -> Result<Plan<'a>> {
        let Some(cursor) = args
            .get(1)
            .and_then(|a| std::str::from_utf8(a).ok())
            .and_then(|a| a.parse::<u64>().ok())
        else {
            // Let a node say what is wrong with it.
            return Ok(Plan::single(cmd, Target::AnyPrimary));
        };
        let topo = self.topology();
        let primaries = topo.primaries();
        let index = (cursor >> SCAN_NODE_SHIFT) as usize;
        let Some(node) = primaries.get(index) else {
            return Err(Error::Cluster(format!(
                "SCAN cursor {cursor} names primary #{index}, but the cluster has {} primaries \
                 now (the topology changed during the scan): start again from 0",
                primaries.len()
            )));
        };
        let mut part = Cmd::new("SCAN").arg(cursor & ((1u64 << SCAN_NODE_SHIFT) - 1));
        for a in &args[2..] {
            part = part.arg(*a);
        }
        Ok(Plan {
            jobs: vec![Job {
                cmd: Cow::Owned(part),
                target: Target::Node(node.clone()),
            }],
            merge: Merge::Scan {
                index,
                count: primaries.len(),
            },
        })
    }

    /// Key positions of a command whose keys were not marked: the static table, else
    /// `COMMAND INFO` (asked once per command name). `None` for a command the server does
    /// not know.
    fn key_spec(&self, name: &Name) -> Result<Option<KeySpec>> {
        if let Some(spec) = routing::static_key_spec(name) {
            return Ok(Some(spec));
        }
        let info_name = name.info_name();
        if let Some(spec) = self.inner.specs.read().get(&info_name) {
            return Ok(*spec);
        }
        let reply = self.run_one(
            &Target::AnyPrimary,
            &cmd("COMMAND").arg("INFO").arg(info_name.as_str()),
        )?;
        let spec = match reply {
            Value::Array(mut items) if items.len() == 1 => {
                items.pop().and_then(routing::key_spec_from_info)
            }
            _ => None,
        };
        self.inner.specs.write().insert(info_name, spec);
        Ok(spec)
    }

    /// The keys of a command whose key positions depend on its arguments, from
    /// `COMMAND GETKEYS`. A command the server finds no keys in has none.
    fn server_keys(&self, c: &Cmd) -> Result<Vec<Vec<u8>>> {
        let mut ask = cmd("COMMAND").arg("GETKEYS");
        for a in c.args_iter() {
            ask = ask.arg(a);
        }
        match self.run_one(&Target::AnyPrimary, &ask) {
            Ok(v) => Vec::<Vec<u8>>::from_value(v),
            Err(Error::Server(_)) => Ok(Vec::new()),
            Err(e) => Err(e),
        }
    }

    /// The slot every key of `cmd` is in (`None`: no keys), for transactions.
    pub(crate) fn slot_of(&self, cmd: &Cmd) -> Result<Option<u16>> {
        if cmd.has_keys() {
            return common_slot(cmd.key_args(), &cmd.display_name());
        }
        let name = Name::of(cmd);
        match routing::keyless_policy(&name) {
            Some(Policy::AnyPrimary) => return Ok(None),
            Some(Policy::SlotArg(_)) => return Ok(None),
            Some(_) => {
                return Err(Error::Cluster(format!(
                    "{} runs on several nodes and cannot be part of a cluster transaction",
                    cmd.display_name()
                )))
            }
            None => {}
        }
        let keys: Vec<Vec<u8>> = match self.key_spec(&name)? {
            None => Vec::new(),
            Some(spec) => match routing::key_positions(spec, cmd) {
                Some(p) => p
                    .into_iter()
                    .filter_map(|i| cmd.nth_arg(i).map(<[u8]>::to_vec))
                    .collect(),
                None => self.server_keys(cmd)?,
            },
        };
        common_slot(keys.iter().map(Vec::as_slice), &cmd.display_name())
    }

    fn run_plan(&self, plan: Plan<'_>) -> Result<Value> {
        if plan.jobs.len() == 1 && matches!(plan.merge, Merge::One) {
            return self.run_one(&plan.jobs[0].target, &plan.jobs[0].cmd);
        }
        let results = self.run_jobs(&plan.jobs);
        pipeline::finish(&plan.merge, results).and_then(|v| match v {
            Value::Error(e) => Err(Error::Server(e)),
            v => Ok(v),
        })
    }

    /// The node (and whether to use its `READONLY` pool) a target resolves to now.
    pub(crate) fn resolve(&self, topo: &Topology, target: &Target) -> Option<(Node, bool)> {
        match target {
            Target::Slot { slot, replica } => {
                let shard = topo.shard(*slot)?;
                if *replica && !shard.replicas.is_empty() {
                    let i = self.inner.counter.fetch_add(1, Ordering::Relaxed);
                    Some((shard.replicas[i % shard.replicas.len()].clone(), true))
                } else {
                    Some((shard.primary.clone(), false))
                }
            }
            Target::Node(n) => Some((n.clone(), false)),
            Target::AnyPrimary => {
                let primaries = topo.primaries();
                if primaries.is_empty() {
                    return None;
                }
                let i = self.inner.counter.fetch_add(1, Ordering::Relaxed);
                Some((primaries[i % primaries.len()].clone(), false))
            }
        }
    }

    /// Runs one command on its target, following redirections: the main loop of the
    /// cluster client.
    pub(crate) fn run_one(&self, target: &Target, cmd: &Cmd) -> Result<Value> {
        let safe_to_repeat = || routing::is_read_only(cmd);
        self.with_redirects(target, &safe_to_repeat, &|| cmd.display_name(), |conn| {
            conn.request_value(cmd)
        })
    }

    /// Runs `op` on a connection to `target`'s node until it succeeds, fails for good, or
    /// has gone through `max_redirects` redirections and retries:
    ///
    /// * `MOVED`: the slot map is updated (and the topology refreshed, rate-limited), and
    ///   `op` runs on the new owner;
    /// * `ASK`: `ASKING`, then `op` once on the node named;
    /// * `TRYAGAIN`, `CLUSTERDOWN`, `LOADING`, `MASTERDOWN`: back off, then again (a replica
    ///   that cannot serve the read sends it to the primary);
    /// * a node that refuses connections (nothing was sent): the topology is read again
    ///   from the other nodes, back off, then again;
    /// * a connection that broke after the command left: again only if `safe_to_repeat()`.
    pub(crate) fn with_redirects<R>(
        &self,
        target: &Target,
        safe_to_repeat: &dyn Fn() -> bool,
        what: &dyn Fn() -> String,
        mut op: impl FnMut(&mut PooledConnection) -> Result<R>,
    ) -> Result<R> {
        let mut target = Cow::Borrowed(target);
        let mut asking: Option<Node> = None;
        let attempt = |_: u32| -> Attempt<R> {
            let ask = asking.take();
            let (node, read_only) = match &ask {
                Some(n) => (n.clone(), false),
                None => match self.resolve(&self.topology(), &target) {
                    Some(found) => found,
                    None => {
                        self.refresh_if_due(None);
                        return Attempt::Retry(Error::Cluster(match target.as_ref() {
                            Target::Slot { slot, .. } => format!("no node serves slot {slot}"),
                            _ => "no node is known to serve any slot".to_string(),
                        }));
                    }
                },
            };
            let mut conn = match node.pool_for(read_only).get() {
                Ok(c) => c,
                Err(e) if matches!(e, Error::Io(_) | Error::Timeout) => {
                    log::debug!("cluster node {} unreachable: {e}", node.addr);
                    self.refresh_if_due(Some(&node.addr));
                    if let Target::Node(_) = target.as_ref() {
                        return Attempt::Done(Err(e));
                    }
                    if read_only {
                        target = Cow::Owned(primary_only(&target));
                    }
                    return Attempt::Retry(e);
                }
                Err(e) => return Attempt::Done(Err(e)),
            };
            if ask.is_some() {
                if let Err(e) = conn.request_value(&cmd("ASKING")) {
                    if e.is_connection_error() {
                        return Attempt::Redirect(e);
                    }
                    return Attempt::Done(Err(e));
                }
            }
            let e = match op(&mut conn) {
                Ok(v) => return Attempt::Done(Ok(v)),
                Err(e) => e,
            };
            drop(conn);
            match e.server_error().and_then(Redirect::of) {
                Some(Redirect::Moved { slot, addr }) => {
                    log::debug!("{}: slot {slot} moved to {addr}", what());
                    self.on_moved(slot, &addr, &node.host);
                    Attempt::Redirect(e)
                }
                Some(Redirect::Ask { addr }) => {
                    log::debug!("{}: asked to try {addr}", what());
                    match NodeAddr::parse(&addr, &node.host).map(|a| self.node(&a)) {
                        Some(Ok(n)) => {
                            asking = Some(n);
                            Attempt::Redirect(e)
                        }
                        Some(Err(e)) => Attempt::Done(Err(e)),
                        None => Attempt::Done(Err(e)),
                    }
                }
                Some(Redirect::Retry { refresh }) => {
                    log::debug!("{}: {e}; backing off", what());
                    if read_only {
                        target = Cow::Owned(primary_only(&target));
                    }
                    if refresh {
                        self.refresh_if_due(None);
                    }
                    Attempt::Retry(e)
                }
                None if e.is_io() && safe_to_repeat() => {
                    log::debug!("{}: connection to {} broke ({e}); again", what(), node.addr);
                    self.refresh_if_due(Some(&node.addr));
                    Attempt::Retry(e)
                }
                None => Attempt::Done(Err(e)),
            }
        };
        retry::run(&self.redirect_policy(), None, what, attempt, |last| {
            self.gave_up(&what(), last)
        })
    }

    fn gave_up(&self, what: &str, last: Error) -> Error {
        Error::Cluster(format!(
            "{what} failed after {} redirections or retries; last error: {last}",
            self.inner.max_redirects,
        ))
    }

    // ----- topology -----

    /// A MOVED redirection: the slot now belongs to `addr`.
    fn on_moved(&self, slot: u16, addr: &str, sender_host: &str) {
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
    fn refresh_locked(&self, avoid: Option<&str>) -> Result<()> {
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

    fn fetch_shards(&self, addr: &NodeAddr, tls: bool) -> Result<Vec<topology::ShardSpec>> {
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
    Error::Cluster(format!(
        "{what}: keys in different hash slots ({first} and {other}); nothing was sent. \
         Give related keys the same {{hash tag}}, as in user:{{42}}:name and user:{{42}}:email"
    ))
}

/// Iterator over the keys of every primary; see [`RedisCluster::scan_iter`].
pub struct ClusterScanIter<T> {
    cluster: RedisCluster,
    pattern: Option<String>,
    count: Option<u64>,
    /// The next cursor to ask for; `None` once the scan is complete.
    cursor: Option<u64>,
    buffer: std::vec::IntoIter<T>,
    _t: PhantomData<fn() -> T>,
}

impl<T> fmt::Debug for ClusterScanIter<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ClusterScanIter")
            .field("pattern", &self.pattern)
            .field("count", &self.count)
            .field("cursor", &self.cursor)
            .finish()
    }
}

impl<T: FromValue> Iterator for ClusterScanIter<T> {
    type Item = Result<T>;

    fn next(&mut self) -> Option<Result<T>> {
        loop {
            if let Some(item) = self.buffer.next() {
                return Some(Ok(item));
            }
            let cursor = self.cursor?;
            let mut c = cmd("SCAN").arg(cursor);
            if let Some(p) = &self.pattern {
                c = c.arg("MATCH").arg(p.as_str());
            }
            if let Some(n) = self.count {
                c = c.arg("COUNT").arg(n);
            }
            match self.cluster.execute_command::<(u64, Vec<T>)>(c) {
                Ok((next, keys)) => {
                    self.cursor = (next != 0).then_some(next);
                    self.buffer = keys.into_iter();
                }
                Err(e) => {
                    self.cursor = None;
                    return Some(Err(e));
                }
            }
        }
    }
}

/// Builds a [`RedisCluster`]; see [`RedisCluster::builder`].
///
/// ```no_run
/// use std::time::Duration;
/// use strictredis::cluster::RedisCluster;
/// let c = RedisCluster::builder()
///     .node("redis://127.0.0.1:7000")
///     .node("redis://127.0.0.1:7001")
///     .password("secret")
///     .read_timeout(Some(Duration::from_millis(500)))
///     .max_connections(8)
///     .read_from_replicas(true)
///     .build()?;
/// # Ok::<(), strictredis::Error>(())
/// ```
#[derive(Clone, Default)]
pub struct ClusterBuilder {
    /// The seed nodes, each parsed when given (errors are reported by `build`).
    seeds: Vec<std::result::Result<ConnectionInfo, String>>,
    /// Every connection's settings: the first URL's, then the setters, in call order.
    opts: Options,
    read_from_replicas: bool,
    max_redirects: Option<usize>,
}

impl fmt::Debug for ClusterBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ClusterBuilder")
            .field("seeds", &self.seeds.len())
            .field("options", &self.opts)
            .field("read_from_replicas", &self.read_from_replicas)
            .finish()
    }
}

impl ClusterBuilder {
    /// Adds a seed node (`redis://host:port`, `rediss://` for TLS). The first URL's settings
    /// apply to every connection, as [`ClientBuilder::url`](crate::ClientBuilder::url)
    /// applies them: exactly what it names, over what was set before it and under what is
    /// set after. At least one is needed; errors in the URLs are reported by
    /// [`build`](Self::build).
    pub fn node(mut self, url: &str) -> Self {
        let first = self.seeds.is_empty();
        let parsed = if first {
            self.opts.apply_url(url).map(|()| self.opts.info.clone())
        } else {
            url.parse::<ConnectionInfo>()
        };
        self.seeds
            .push(parsed.map_err(crate::config::config_message));
        self
    }

    crate::config::builder_setters!(
        retry_default: "[`RetryPolicy::default`](crate::RetryPolicy::default) for opening \
                        connections to a node (redirections and cluster retries follow \
                        [`max_redirects`](Self::max_redirects))"
    );

    /// Send read-only commands (GET, MGET, HGETALL, ZRANGE, ...) to replicas, over
    /// connections that sent `READONLY`; writes still go to primaries. Replies may then lag
    /// behind the latest writes. Defaults to false.
    pub fn read_from_replicas(mut self, yes: bool) -> Self {
        self.read_from_replicas = yes;
        self
    }

    /// How many redirections and retries one command may go through before it fails with
    /// [`Error::Cluster`]. Defaults to [`DEFAULT_MAX_REDIRECTS`] (16).
    pub fn max_redirects(mut self, n: usize) -> Self {
        self.max_redirects = Some(n);
        self
    }

    /// Checks the settings ([`Options::validate`]), connects to the first seed node that
    /// answers and reads the topology from it.
    pub fn build(self) -> Result<RedisCluster> {
        let mut infos = Vec::with_capacity(self.seeds.len());
        for info in self.seeds {
            infos.push(info.map_err(Error::Config)?);
        }
        if infos.is_empty() {
            return Err(Error::Config(
                "a cluster client needs at least one node URL".into(),
            ));
        }
        self.opts.validate()?;
        let template = self.opts.info;
        if template.db != 0 {
            return Err(Error::Config(format!(
                "a cluster has only database 0, not {}",
                template.db
            )));
        }
        let mut pool_config = self.opts.pool;
        let warm = pool_config.min_size;
        // Node pools open nothing when made (they are made under a lock); build warms them.
        pool_config.min_size = 0;
        let mut seeds = Vec::with_capacity(infos.len());
        for info in &infos {
            match &info.addr {
                ConnectionAddr::Tcp { host, port } | ConnectionAddr::TcpTls { host, port, .. } => {
                    seeds.push(NodeAddr {
                        host: host.clone(),
                        port: *port,
                    })
                }
                ConnectionAddr::Unix(_) => {
                    return Err(Error::Config(
                        "cluster nodes are reached over TCP, not unix sockets".into(),
                    ))
                }
            }
        }
        let cluster = RedisCluster {
            inner: Arc::new(Inner {
                template,
                seeds,
                pool_config,
                read_from_replicas: self.read_from_replicas,
                max_redirects: self.max_redirects.unwrap_or(DEFAULT_MAX_REDIRECTS),
                topology: RwLock::new(Arc::new(Topology::empty())),
                nodes: Mutex::new(HashMap::new()),
                last_refresh: Mutex::new(None),
                specs: RwLock::new(HashMap::new()),
                counter: AtomicUsize::new(0),
            }),
        };
        cluster.refresh_topology()?;
        if warm > 0 {
            let topo = cluster.topology();
            let primaries = topo.primaries().iter().map(|n| &n.pool);
            let replicas = topo.replicas().iter().filter_map(|n| n.ro_pool.as_ref());
            for pool in primaries.chain(replicas) {
                let opened = (0..warm).map(|_| pool.get()).collect::<Result<Vec<_>>>()?;
                drop(opened); // back to the idle queue
            }
        }
        Ok(cluster)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

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
        assert!(matches!(
            RedisCluster::from_urls(&["redis://127.0.0.1:1/3"]),
            Err(Error::Config(_))
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
            matches!(e, Error::Cluster(ref m) if m.contains("MSETNX") && m.contains("hash tag"))
        );
        assert_eq!(
            common_slot([b"{x}1".as_slice(), b"{x}2".as_slice()].into_iter(), "X").unwrap(),
            Some(key_slot(b"x"))
        );
        assert_eq!(common_slot(std::iter::empty(), "X").unwrap(), None);
    }
}
