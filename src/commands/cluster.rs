//! Cluster commands: ASKING, READONLY, READWRITE and the CLUSTER subcommands, with typed
//! replies for CLUSTER INFO, SHARDS, SLOTS, LINKS, NODES and SLOT-STATS.
//!
//! Valkey's internal CLUSTER SYNCSLOTS (between nodes during a slot migration) is left out.

use std::collections::BTreeMap;

use crate::cmd::Cmd;
use crate::error::{Error, Result};
use crate::from_value::reply::reply_struct_fields;
use crate::from_value::reply::{into_items, parse_colon_lines};
use crate::from_value::FromValue;
use crate::value::Value;

/// How CLUSTER FAILOVER proceeds.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ClusterFailoverMode {
    /// `FORCE`: without the primary's agreement (it may be down), but with the cluster's.
    Force,
    /// `TAKEOVER`: without anyone's agreement.
    Takeover,
}

/// How thoroughly CLUSTER RESET forgets.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ClusterResetMode {
    /// `HARD`: also a new node id and epochs back to 0.
    Hard,
    /// `SOFT`: forget the other nodes and the slots (the default).
    Soft,
}

/// The state CLUSTER SETSLOT gives a slot.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum ClusterSetSlot {
    /// `IMPORTING node-id`: this node is receiving the slot from that node.
    Importing(String),
    /// `MIGRATING node-id`: this node is handing the slot to that node.
    Migrating(String),
    /// `NODE node-id`: the slot belongs to that node.
    Node(String),
    /// `STABLE`: clear the importing/migrating state.
    Stable,
}

/// One group of Valkey's CLUSTER MIGRATESLOTS: slot ranges and the node they go to.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct SlotMigration {
    /// `SLOTSRANGE start end ...`: inclusive slot ranges.
    pub ranges: Vec<(u16, u16)>,
    /// `NODE node-id`: the target node.
    pub node_id: String,
}

/// The sort order of CLUSTER SLOT-STATS ORDERBY.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ClusterSlotStatsOrder {
    /// `ASC`: smallest first.
    Asc,
    /// `DESC`: largest first (the default).
    Desc,
}

/// Which slots Valkey's CLUSTER SLOT-STATS reports.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum ClusterSlotStatsFilter {
    /// `SLOTSRANGE start end`: these slots (inclusive), in order.
    SlotsRange(u16, u16),
    /// `ORDERBY metric [LIMIT n] [ASC|DESC]`: the slots ranked by one metric (`key-count`,
    /// `cpu-usec`, `network-bytes-in`, `network-bytes-out`).
    OrderBy {
        /// The metric to rank by.
        metric: String,
        /// At most this many slots.
        limit: Option<u64>,
        /// Ascending or descending.
        order: Option<ClusterSlotStatsOrder>,
    },
}

pub use super::scan_options::ClusterScanOptions;

pub(crate) fn cluster_slot_ranges(mut c: Cmd, ranges: &[(u16, u16)]) -> Cmd {
    for (start, end) in ranges {
        c = c.arg(*start).arg(*end);
    }
    c
}

pub(crate) fn cluster_setslot_cmd(
    slot: u16,
    state: ClusterSetSlot,
    timeout_ms: Option<u64>,
) -> Cmd {
    let c = crate::cmd::cmd("CLUSTER SETSLOT").arg(slot);
    let c = match state {
        ClusterSetSlot::Importing(id) => c.arg("IMPORTING").arg(id),
        ClusterSetSlot::Migrating(id) => c.arg("MIGRATING").arg(id),
        ClusterSetSlot::Node(id) => c.arg("NODE").arg(id),
        ClusterSetSlot::Stable => c.arg("STABLE"),
    };
    c.opt_token("TIMEOUT", timeout_ms)
}

pub(crate) fn cluster_migrateslots_cmd(migrations: &[SlotMigration]) -> Cmd {
    let mut c = crate::cmd::cmd("CLUSTER MIGRATESLOTS");
    for m in migrations {
        c = cluster_slot_ranges(c.arg("SLOTSRANGE"), &m.ranges)
            .arg("NODE")
            .arg(m.node_id.as_str());
    }
    c
}

pub(crate) fn cluster_slot_stats_cmd(filter: ClusterSlotStatsFilter) -> Cmd {
    let c = crate::cmd::cmd("CLUSTER SLOT-STATS");
    match filter {
        ClusterSlotStatsFilter::SlotsRange(start, end) => c.arg("SLOTSRANGE").arg(start).arg(end),
        ClusterSlotStatsFilter::OrderBy {
            metric,
            limit,
            order,
        } => c
            .arg("ORDERBY")
            .arg(metric)
            .opt_token("LIMIT", limit)
            .opt_arg(order.map(|o| match o {
                ClusterSlotStatsOrder::Asc => "ASC",
                ClusterSlotStatsOrder::Desc => "DESC",
            })),
    }
}

// ---------------------------------------------------------------------------------------
// Typed replies.
// ---------------------------------------------------------------------------------------

/// The reply of CLUSTER INFO: `cluster_state`, `cluster_slots_assigned`, ... by name.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ClusterInfo {
    /// Every field, as sent.
    pub fields: BTreeMap<String, String>,
}

impl ClusterInfo {
    /// A field by its name (`cluster_state`, `cluster_known_nodes`, ...).
    pub fn get(&self, field: &str) -> Option<&str> {
        self.fields.get(field).map(String::as_str)
    }

    /// A field, parsed (`u64` counts, ...); `None` when missing or not parseable.
    pub fn get_parsed<T: std::str::FromStr>(&self, field: &str) -> Option<T> {
        self.get(field)?.parse().ok()
    }

    /// `cluster_state`: `ok` or `fail`.
    pub fn state(&self) -> Option<&str> {
        self.get("cluster_state")
    }

    /// `cluster_slots_assigned`: slots served by some node.
    pub fn slots_assigned(&self) -> Option<u64> {
        self.get_parsed("cluster_slots_assigned")
    }

    /// `cluster_known_nodes`: nodes this node knows, itself included.
    pub fn known_nodes(&self) -> Option<u64> {
        self.get_parsed("cluster_known_nodes")
    }
}

impl FromValue for ClusterInfo {
    fn from_value(v: Value) -> Result<Self> {
        Ok(ClusterInfo {
            fields: parse_colon_lines(&String::from_value(v)?),
        })
    }
}

/// One node, from a line of CLUSTER NODES (also CLUSTER REPLICAS).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ClusterNode {
    /// The node id.
    pub id: String,
    /// The address field as sent: `ip:port@cport[,hostname[,aux=value...]]`.
    pub addr: String,
    /// The IP address (empty when not known yet).
    pub ip: String,
    /// The client port.
    pub port: u16,
    /// The cluster bus port.
    pub bus_port: u16,
    /// The announced hostname, if any.
    pub hostname: Option<String>,
    /// `myself`, `master`, `slave`, `fail?`, `fail`, `handshake`, `noaddr`, `nofailover`,
    /// `noflags`.
    pub flags: Vec<String>,
    /// For a replica: its primary's id.
    pub master_id: Option<String>,
    /// Unix ms when the last ping was sent (0: none pending).
    pub ping_sent: u64,
    /// Unix ms when the last pong arrived.
    pub pong_recv: u64,
    /// The node's configuration epoch.
    pub config_epoch: u64,
    /// `connected` or `disconnected`.
    pub link_state: String,
    /// The slot ranges it serves, inclusive.
    pub slots: Vec<(u16, u16)>,
    /// Slots being moved, as sent: `[slot->-node-id]` or `[slot-<-node-id]`.
    pub migrations: Vec<String>,
}

impl ClusterNode {
    /// Parses one line of CLUSTER NODES.
    pub fn parse(line: &str) -> Result<ClusterNode> {
        let bad = |what: &str| {
            Error::Type(format!(
                "bad CLUSTER NODES line ({what}): {:?}",
                &line[..line.len().min(120)]
            ))
        };
        let parts: Vec<&str> = line.split(' ').filter(|p| !p.is_empty()).collect();
        if parts.len() < 8 {
            return Err(bad("fewer than 8 fields"));
        }
        let addr = parts[1];
        let mut addr_parts = addr.split(',');
        let hostport = addr_parts.next().unwrap_or("");
        let hostname = addr_parts
            .next()
            .filter(|h| !h.is_empty() && !h.contains('='))
            .map(str::to_string);
        let (ipport, bus) = hostport.split_once('@').unwrap_or((hostport, "0"));
        let (ip, port) = ipport.rsplit_once(':').ok_or_else(|| bad("address"))?;
        let num = |s: &str, what: &str| s.parse::<u64>().map_err(|_| bad(what));
        let port16 = |s: &str, what: &str| s.parse::<u16>().map_err(|_| bad(what));
        let mut node = ClusterNode {
            id: parts[0].to_string(),
            addr: addr.to_string(),
            ip: ip.to_string(),
            port: port16(port, "port")?,
            bus_port: port16(bus, "bus port")?,
            hostname,
            flags: parts[2].split(',').map(str::to_string).collect(),
            master_id: Some(parts[3]).filter(|m| *m != "-").map(str::to_string),
            ping_sent: num(parts[4], "ping-sent")?,
            pong_recv: num(parts[5], "pong-recv")?,
            config_epoch: num(parts[6], "config-epoch")?,
            link_state: parts[7].to_string(),
            ..ClusterNode::default()
        };
        for s in &parts[8..] {
            if s.starts_with('[') {
                node.migrations.push(s.to_string());
            } else if let Some((a, b)) = s.split_once('-') {
                node.slots.push((port16(a, "slot")?, port16(b, "slot")?));
            } else {
                let slot = port16(s, "slot")?;
                node.slots.push((slot, slot));
            }
        }
        Ok(node)
    }

    /// Parses the whole reply of CLUSTER NODES, one node per line.
    ///
    /// ```no_run
    /// use strictredis::commands::cluster::ClusterNode;
    /// # let r = strictredis::StrictRedis::from_url("redis://127.0.0.1/")?;
    /// let nodes = ClusterNode::parse_all(&r.cluster_nodes()?)?;
    /// let me = nodes.iter().find(|n| n.flags.iter().any(|f| f == "myself"));
    /// # Ok::<(), strictredis::Error>(())
    /// ```
    pub fn parse_all(text: &str) -> Result<Vec<ClusterNode>> {
        text.lines()
            .map(str::trim)
            .filter(|l| !l.is_empty())
            .map(ClusterNode::parse)
            .collect()
    }

    /// True when the node is a primary (`master` flag).
    pub fn is_primary(&self) -> bool {
        self.flags.iter().any(|f| f == "master")
    }
}

impl FromValue for ClusterNode {
    fn from_value(v: Value) -> Result<Self> {
        ClusterNode::parse(String::from_value(v)?.trim())
    }
}

/// One node of a [`ClusterShard`].
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ShardNode {
    /// The node id.
    pub id: String,
    /// The plain-text client port, if it has one.
    pub port: Option<u16>,
    /// The TLS client port, if it has one.
    pub tls_port: Option<u16>,
    /// The IP address (empty when not known yet).
    pub ip: String,
    /// The preferred endpoint clients should use.
    pub endpoint: String,
    /// The announced hostname, if any.
    pub hostname: Option<String>,
    /// `master` or `replica`.
    pub role: String,
    /// The replication offset.
    pub replication_offset: i64,
    /// `online`, `failed` or `loading`.
    pub health: String,
}

reply_struct_fields!(ShardNode {
    "id" => id,
    "port" => port: Some,
    "tls-port" => tls_port: Some,
    "ip" => ip,
    "endpoint" => endpoint,
    "hostname" => hostname: Some,
    "role" => role,
    "replication-offset" => replication_offset,
    "health" => health,
});

/// One shard, from CLUSTER SHARDS: its slot ranges and its nodes.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ClusterShard {
    /// The slot ranges the shard serves, inclusive.
    pub slots: Vec<(u16, u16)>,
    /// Its primary and replicas.
    pub nodes: Vec<ShardNode>,
    /// The shard id (Valkey).
    pub id: Option<String>,
}

reply_struct_fields!(ClusterShard {
    "slots" => slots,
    "nodes" => nodes,
    "id" => id: Some,
});

/// One node serving a [`ClusterSlotRange`].
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct SlotNode {
    /// The node's IP address or preferred endpoint.
    pub ip: String,
    /// Its client port.
    pub port: u16,
    /// Its node id (Redis 4.0.0+).
    pub id: Option<String>,
    /// Further networking metadata, such as `hostname` (Redis 7.0.0+).
    pub metadata: BTreeMap<String, String>,
}

impl FromValue for SlotNode {
    fn from_value(v: Value) -> Result<Self> {
        let mut it = into_items(v, "SlotNode")?.into_iter();
        let ip = String::from_value(it.next().unwrap_or(Value::Nil))?;
        let port = u16::from_value(it.next().unwrap_or(Value::Nil))?;
        let id = match it.next() {
            Some(v) => Some(String::from_value(v)?),
            None => None,
        };
        let metadata = match it.next() {
            Some(v) => FromValue::from_value(v)?,
            None => BTreeMap::new(),
        };
        Ok(SlotNode {
            ip,
            port,
            id,
            metadata,
        })
    }
}

/// One slot range of CLUSTER SLOTS, with its nodes (the primary first).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ClusterSlotRange {
    /// First slot, inclusive.
    pub start: u16,
    /// Last slot, inclusive.
    pub end: u16,
    /// The primary, then its replicas.
    pub nodes: Vec<SlotNode>,
}

impl FromValue for ClusterSlotRange {
    fn from_value(v: Value) -> Result<Self> {
        let items = into_items(v, "ClusterSlotRange")?;
        if items.len() < 2 {
            return Err(Error::Type(format!(
                "expected at least 2 items for a CLUSTER SLOTS range, got {}",
                items.len()
            )));
        }
        let mut it = items.into_iter();
        Ok(ClusterSlotRange {
            start: u16::from_value(it.next().unwrap_or(Value::Nil))?,
            end: u16::from_value(it.next().unwrap_or(Value::Nil))?,
            nodes: it.map(SlotNode::from_value).collect::<Result<_>>()?,
        })
    }
}

/// One link of the cluster bus, from CLUSTER LINKS.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ClusterLink {
    /// `to` (made by this node) or `from` (accepted from the peer).
    pub direction: String,
    /// The peer's node id.
    pub node: String,
    /// When the link was made, Unix ms.
    pub create_time: u64,
    /// `r`, `w` or `rw`: the events the link waits for.
    pub events: String,
    /// Bytes allocated for its send buffer.
    pub send_buffer_allocated: u64,
    /// Bytes of its send buffer in use.
    pub send_buffer_used: u64,
}

reply_struct_fields!(ClusterLink {
    "direction" => direction,
    "node" => node,
    "create-time" => create_time,
    "events" => events,
    "send-buffer-allocated" => send_buffer_allocated,
    "send-buffer-used" => send_buffer_used,
});

/// One slot's statistics, from Valkey's CLUSTER SLOT-STATS.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct SlotStats {
    /// The slot.
    pub slot: u16,
    /// Metric name (`key-count`, `cpu-usec`, ...) to value.
    pub stats: BTreeMap<String, i64>,
}

impl FromValue for SlotStats {
    fn from_value(v: Value) -> Result<Self> {
        let (slot, stats) = FromValue::from_value(v)?;
        Ok(SlotStats { slot, stats })
    }
}

/// The cluster command table; see [the module docs](crate::commands).
macro_rules! cluster_commands {
    ($emit:ident $($pre:tt)*) => {
        $emit! { $($pre)*
            /// Let the next command reach a slot being imported into this node (after an
            /// `-ASK` redirection).
            ///
            /// Redis 3.0.0+.
            fn asking() -> () {
                cmd("ASKING")
            }

            /// Assign slots to this node.
            ///
            /// Redis 3.0.0+.
            fn cluster_addslots(slots: &[u16]) -> () {
                cmd("CLUSTER ADDSLOTS").args(slots)
            }

            /// Assign inclusive slot ranges to this node.
            ///
            /// Redis 7.0.0+.
            ///
            /// ```no_run
            /// # let r = strictredis::StrictRedis::from_url("redis://127.0.0.1/")?;
            /// r.cluster_addslotsrange(&[(0, 5460)])?;
            /// # Ok::<(), strictredis::Error>(())
            /// ```
            fn cluster_addslotsrange(ranges: &[(u16, u16)]) -> () {
                cluster_slot_ranges(cmd("CLUSTER ADDSLOTSRANGE"), ranges)
            }

            /// Give this node a new, greater configuration epoch; returns `BUMPED n` or
            /// `STILL n`.
            ///
            /// Redis 3.0.0+.
            fn cluster_bumpepoch() -> String {
                cmd("CLUSTER BUMPEPOCH")
            }

            /// Cancel the slot migrations in progress.
            ///
            /// Valkey 9.0.0+ (not in Redis).
            fn cluster_cancelslotmigrations() -> () {
                cmd("CLUSTER CANCELSLOTMIGRATIONS")
            }

            /// How many nodes report `node_id` as failing.
            ///
            /// Redis 3.0.0+.
            fn cluster_count_failure_reports(node_id: impl ToArg) -> u64 {
                cmd("CLUSTER COUNT-FAILURE-REPORTS").arg(node_id)
            }

            /// How many keys this node holds in `slot`.
            ///
            /// Redis 3.0.0+.
            fn cluster_countkeysinslot(slot: u16) -> u64 {
                cmd("CLUSTER COUNTKEYSINSLOT").arg(slot)
            }

            /// Unassign slots from this node.
            ///
            /// Redis 3.0.0+.
            fn cluster_delslots(slots: &[u16]) -> () {
                cmd("CLUSTER DELSLOTS").args(slots)
            }

            /// Unassign inclusive slot ranges from this node.
            ///
            /// Redis 7.0.0+.
            fn cluster_delslotsrange(ranges: &[(u16, u16)]) -> () {
                cluster_slot_ranges(cmd("CLUSTER DELSLOTSRANGE"), ranges)
            }

            /// Make this replica take over from its primary.
            ///
            /// Redis 3.0.0+.
            fn cluster_failover(mode: Option<ClusterFailoverMode>) -> () {
                cmd("CLUSTER FAILOVER").opt_arg(mode.map(|m| match m {
                    ClusterFailoverMode::Force => "FORCE",
                    ClusterFailoverMode::Takeover => "TAKEOVER",
                }))
            }

            /// Delete every key of one slot on this node.
            ///
            /// Valkey 9.0.0+ (not in Redis).
            fn cluster_flushslot(slot: u16, mode: Option<FlushMode>) -> () {
                flush_mode_apply(cmd("CLUSTER FLUSHSLOT").arg(slot), mode)
            }

            /// Unassign every slot of this node.
            ///
            /// Redis 3.0.0+.
            fn cluster_flushslots() -> () {
                cmd("CLUSTER FLUSHSLOTS")
            }

            /// Remove a node from this node's table (for 60 seconds).
            ///
            /// Redis 3.0.0+.
            fn cluster_forget(node_id: impl ToArg) -> () {
                cmd("CLUSTER FORGET").arg(node_id)
            }

            /// Up to `count` key names of `slot` held by this node.
            ///
            /// Redis 3.0.0+.
            fn cluster_getkeysinslot<T>(slot: u16, count: u64) -> Vec<T> {
                cmd("CLUSTER GETKEYSINSLOT").arg(slot).arg(count)
            }

            /// The slot migrations in progress or recently finished, each a map of its
            /// fields.
            ///
            /// Valkey 9.0.0+ (not in Redis).
            fn cluster_getslotmigrations() -> Vec<std::collections::HashMap<String, crate::Value>> {
                cmd("CLUSTER GETSLOTMIGRATIONS")
            }

            /// Help text of the CLUSTER subcommands.
            ///
            /// Redis 5.0.0+.
            fn cluster_help() -> Vec<String> {
                cmd("CLUSTER HELP")
            }

            /// The cluster's state as this node sees it, field by field.
            ///
            /// Redis 3.0.0+.
            ///
            /// ```no_run
            /// # let r = strictredis::StrictRedis::from_url("redis://127.0.0.1/")?;
            /// let info = r.cluster_info()?;
            /// assert_eq!(info.state(), Some("ok"));
            /// # Ok::<(), strictredis::Error>(())
            /// ```
            fn cluster_info() -> ClusterInfo {
                cmd("CLUSTER INFO")
            }

            /// The hash slot of a key.
            ///
            /// Redis 3.0.0+.
            fn cluster_keyslot(key: impl ToArg) -> u64 {
                cmd("CLUSTER KEYSLOT").arg(key)
            }

            /// The links of this node's cluster bus.
            ///
            /// Redis 7.0.0+.
            fn cluster_links() -> Vec<ClusterLink> {
                cmd("CLUSTER LINKS")
            }

            /// Connect this node to another one, joining their clusters.
            ///
            /// Redis 3.0.0+ (`bus_port`: 4.0.0+).
            fn cluster_meet(ip: impl ToArg, port: u16, bus_port: Option<u16>) -> () {
                cmd("CLUSTER MEET").arg(ip).arg(port).opt_arg(bus_port)
            }

            /// Move slot ranges from this node to other nodes (atomic slot migration).
            ///
            /// Valkey 9.0.0+ (not in Redis).
            fn cluster_migrateslots(migrations: &[SlotMigration]) -> () {
                cluster_migrateslots_cmd(migrations)
            }

            /// This node's id.
            ///
            /// Redis 3.0.0+.
            fn cluster_myid() -> String {
                cmd("CLUSTER MYID")
            }

            /// The id of this node's shard.
            ///
            /// Redis 7.2.0+ / Valkey.
            fn cluster_myshardid() -> String {
                cmd("CLUSTER MYSHARDID")
            }

            /// The cluster's nodes as this node sees them, one line each; parse them with
            /// [`ClusterNode::parse_all`](crate::commands::cluster::ClusterNode::parse_all).
            ///
            /// Redis 3.0.0+.
            fn cluster_nodes() -> String {
                cmd("CLUSTER NODES")
            }

            /// The replicas of a primary.
            ///
            /// Redis 5.0.0+.
            fn cluster_replicas(node_id: impl ToArg) -> Vec<ClusterNode> {
                cmd("CLUSTER REPLICAS").arg(node_id)
            }

            /// Make this node a replica of `node_id`; `None` (`NO ONE`, Valkey) makes it a
            /// primary without slots again.
            ///
            /// Redis 3.0.0+ (`NO ONE`: Valkey).
            fn cluster_replicate(node_id: Option<&str>) -> () {
                match node_id {
                    Some(id) => cmd("CLUSTER REPLICATE").arg(id),
                    None => cmd("CLUSTER REPLICATE").arg("NO").arg("ONE"),
                }
            }

            /// Forget the cluster: other nodes, slots (and with `HARD`, this node's id).
            ///
            /// Redis 3.0.0+.
            fn cluster_reset(mode: Option<ClusterResetMode>) -> () {
                cmd("CLUSTER RESET").opt_arg(mode.map(|m| match m {
                    ClusterResetMode::Hard => "HARD",
                    ClusterResetMode::Soft => "SOFT",
                }))
            }

            /// Save the cluster configuration to `nodes.conf` now.
            ///
            /// Redis 3.0.0+.
            fn cluster_saveconfig() -> () {
                cmd("CLUSTER SAVECONFIG")
            }

            /// Set the configuration epoch of a new node.
            ///
            /// Redis 3.0.0+.
            fn cluster_set_config_epoch(config_epoch: u64) -> () {
                cmd("CLUSTER SET-CONFIG-EPOCH").arg(config_epoch)
            }

            /// Change the state of a slot on this node (during resharding).
            ///
            /// Redis 3.0.0+ (`timeout_ms`: Valkey 8.0.0+).
            fn cluster_setslot(slot: u16, state: ClusterSetSlot, timeout_ms: Option<u64>) -> () {
                cluster_setslot_cmd(slot, state, timeout_ms)
            }

            /// The cluster's shards: slot ranges and nodes.
            ///
            /// Redis 7.0.0+.
            ///
            /// ```no_run
            /// # let r = strictredis::StrictRedis::from_url("redis://127.0.0.1/")?;
            /// for shard in r.cluster_shards()? {
            ///     println!("{:?} on {} nodes", shard.slots, shard.nodes.len());
            /// }
            /// # Ok::<(), strictredis::Error>(())
            /// ```
            fn cluster_shards() -> Vec<ClusterShard> {
                cmd("CLUSTER SHARDS")
            }

            /// The old name of [`cluster_replicas`](Self::cluster_replicas).
            ///
            /// Redis 3.0.0+ (deprecated in 5.0.0).
            fn cluster_slaves(node_id: impl ToArg) -> Vec<ClusterNode> {
                cmd("CLUSTER SLAVES").arg(node_id)
            }

            /// Per-slot statistics of the slots this node serves.
            ///
            /// Valkey 8.0.0+ (not in Redis).
            fn cluster_slot_stats(filter: ClusterSlotStatsFilter) -> Vec<SlotStats> {
                cluster_slot_stats_cmd(filter)
            }

            /// `CLUSTER SYNCSLOTS` with raw arguments: Valkey's internal slot-migration
            /// messages between cluster nodes. Applications have no use for it; it is here so
            /// that every command has a method.
            ///
            /// Valkey 9.0.0+ (not in Redis).
            fn cluster_syncslots<T>(args: impl ToArgs) -> T {
                cmd("CLUSTER SYNCSLOTS").args(args)
            }

            /// The slot ranges and the nodes serving them (superseded by
            /// [`cluster_shards`](Self::cluster_shards) in Redis 7).
            ///
            /// Redis 3.0.0+.
            fn cluster_slots() -> Vec<ClusterSlotRange> {
                cmd("CLUSTER SLOTS")
            }

            /// One step of a scan over the keys of the whole cluster: `(next cursor, keys)`;
            /// start with cursor `"0"`, stop when it comes back `"0"`.
            ///
            /// Valkey 9.1.0+ (not in Redis).
            fn clusterscan<T>(cursor: impl ToArg, options: ClusterScanOptions) -> (String, Vec<T>) {
                options.apply(cmd("CLUSTERSCAN").arg(cursor))
            }

            /// Allow reads from this replica for this connection (cluster mode).
            ///
            /// Redis 3.0.0+.
            fn readonly() -> () {
                cmd("READONLY")
            }

            /// Stop reading from this replica for this connection (undo READONLY).
            ///
            /// Redis 3.0.0+.
            fn readwrite() -> () {
                cmd("READWRITE")
            }
        }
    };
}
pub(crate) use cluster_commands;

#[cfg(test)]
mod tests {
    use super::*;

    use crate::from_value::reply::bulk;

    #[test]
    fn parses_node_lines() {
        let text = "07c3 127.0.0.1:30004@31004,host-a,shard-id=9 slave e7d1 0 1426238317239 4 connected\n\
                    e7d1 127.0.0.1:30001@31001 myself,master - 0 0 1 connected 0-5460 6000 [77->-abcd]\n\
                    f00d :0@0 master,noaddr - 0 0 0 disconnected\n";
        let nodes = ClusterNode::parse_all(text).unwrap();
        assert_eq!(nodes.len(), 3);
        assert_eq!(nodes[0].hostname.as_deref(), Some("host-a"));
        assert_eq!(nodes[0].master_id.as_deref(), Some("e7d1"));
        assert_eq!(nodes[0].bus_port, 31004);
        assert!(!nodes[0].is_primary());
        assert_eq!(nodes[1].slots, vec![(0, 5460), (6000, 6000)]);
        assert_eq!(nodes[1].migrations, vec!["[77->-abcd]".to_string()]);
        assert!(nodes[1].is_primary());
        assert_eq!(nodes[2].ip, "");
        assert!(ClusterNode::parse("too short").is_err());
        assert!(ClusterNode::parse("a b:x@1 master - 0 0 0 connected").is_err());
        assert!(ClusterNode::parse("a 1:2@3 master - 0 0 0 connected 99999").is_err());
    }

    #[test]
    fn shards_from_resp2_and_resp3() {
        let slots = || Value::Array([0, 10, 20, 30].map(Value::Int).to_vec());
        let node2 = Value::Array(vec![
            bulk("id"),
            bulk("abc"),
            bulk("port"),
            Value::Int(7000),
            bulk("role"),
            bulk("master"),
            bulk("replication-offset"),
            Value::Int(5),
        ]);
        let resp2 = Value::Array(vec![
            bulk("slots"),
            slots(),
            bulk("nodes"),
            Value::Array(vec![node2]),
        ]);
        let node3 = Value::Map(vec![
            (bulk("id"), bulk("abc")),
            (bulk("port"), Value::Int(7000)),
            (bulk("role"), bulk("master")),
            (bulk("replication-offset"), Value::Int(5)),
        ]);
        let resp3 = Value::Map(vec![
            (bulk("slots"), slots()),
            (bulk("nodes"), Value::Array(vec![node3])),
        ]);
        let a = ClusterShard::from_value(resp2).unwrap();
        let b = ClusterShard::from_value(resp3).unwrap();
        assert_eq!(a, b);
        assert_eq!(a.slots, vec![(0, 10), (20, 30)]);
        assert_eq!(a.nodes[0].port, Some(7000));
    }

    #[test]
    fn slot_ranges_and_setslot_args() {
        let c = cluster_slot_ranges(crate::cmd::cmd("CLUSTER ADDSLOTSRANGE"), &[(0, 5), (9, 9)]);
        let args: Vec<_> = c.args_iter().collect();
        assert_eq!(
            args,
            vec![&b"CLUSTER"[..], b"ADDSLOTSRANGE", b"0", b"5", b"9", b"9"]
        );
        let c = cluster_setslot_cmd(5, ClusterSetSlot::Node("n1".into()), Some(100));
        let args: Vec<_> = c.args_iter().collect();
        assert_eq!(
            args,
            vec![
                &b"CLUSTER"[..],
                b"SETSLOT",
                b"5",
                b"NODE",
                b"n1",
                b"TIMEOUT",
                b"100"
            ]
        );
    }
}
