//! Server commands: ACL, COMMAND, CONFIG, INFO, MEMORY, LATENCY, SLOWLOG, COMMANDLOG, ROLE and
//! the rest of the administration commands.
//!
//! MONITOR, SYNC, PSYNC and REPLCONF are not here: they turn a connection into a replication
//! or monitoring stream, which a request/reply client cannot carry.

use std::collections::{BTreeMap, HashMap};

use crate::args::{ToArg, ToArgs};
use crate::cmd::{cmd, Cmd};
use crate::error::{Error, Result};
use crate::from_value::reply::reply_struct_fields;
use crate::from_value::reply::{
    into_items, items_exactly, reply_fields, reply_text_lossy, reply_text_or_joined,
};
use crate::from_value::FromValue;
use crate::value::Value;

/// No arguments, for parameters that take a list which may be empty: `r.debug::<String>("HELP",
/// NO_ARGS)`, `r.acl_setuser("alice", NO_ARGS)`, `r.command_docs(NO_ARGS)`.
pub const NO_ARGS: [&str; 0] = [];

/// How FLUSHALL / FLUSHDB (and Valkey's CLUSTER FLUSHSLOT) free the memory.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum FlushMode {
    /// `ASYNC`: in a background thread (Redis 4.0.0+).
    Async,
    /// `SYNC`: before the command returns (Redis 6.2.0+).
    Sync,
}

impl FlushMode {
    pub(crate) fn token(self) -> &'static str {
        match self {
            FlushMode::Async => "ASYNC",
            FlushMode::Sync => "SYNC",
        }
    }
}

pub(crate) fn flush_mode_apply(c: Cmd, mode: Option<FlushMode>) -> Cmd {
    match mode {
        Some(m) => c.arg(m.token()),
        None => c,
    }
}

/// What BGSAVE should do besides starting a save.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum BgsaveMode {
    /// `SCHEDULE`: if an AOF rewrite is running, schedule the save for when it ends.
    Schedule,
    /// `CANCEL`: cancel a running or scheduled save (Valkey 8.1.0+).
    Cancel,
}

/// The filter of COMMAND LIST.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum CommandListFilter {
    /// `FILTERBY MODULE name`: the commands of one module.
    Module(String),
    /// `FILTERBY ACLCAT category`: the commands of one ACL category.
    AclCat(String),
    /// `FILTERBY PATTERN pattern`: the commands whose name matches a glob pattern.
    Pattern(String),
}

pub(crate) fn command_list_cmd(filter: Option<CommandListFilter>) -> Cmd {
    let c = cmd("COMMAND LIST");
    match filter {
        None => c,
        Some(CommandListFilter::Module(m)) => c.arg("FILTERBY").arg("MODULE").arg(m),
        Some(CommandListFilter::AclCat(m)) => c.arg("FILTERBY").arg("ACLCAT").arg(m),
        Some(CommandListFilter::Pattern(m)) => c.arg("FILTERBY").arg("PATTERN").arg(m),
    }
}

/// Options of FAILOVER; the default is a plain `FAILOVER` to any replica.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct FailoverOptions {
    /// `TO host port`: the replica to fail over to.
    pub to: Option<(String, u16)>,
    /// `FORCE` (with `to` and `timeout_ms` only): fail over even if the replica did not catch
    /// up within the timeout.
    pub force: bool,
    /// `ABORT`: stop a failover in progress.
    pub abort: bool,
    /// `TIMEOUT ms`: how long to wait for the replica to catch up.
    pub timeout_ms: Option<u64>,
}

impl FailoverOptions {
    pub(crate) fn apply(self, mut c: Cmd) -> Cmd {
        if let Some((host, port)) = self.to {
            c = c.arg("TO").arg(host).arg(port);
            c = c.arg_if(self.force, "FORCE");
        } else if self.force {
            // FORCE belongs to the TO block; send it anyway and let the server say why not.
            c = c.arg("FORCE");
        }
        c.arg_if(self.abort, "ABORT")
            .opt_token("TIMEOUT", self.timeout_ms)
    }
}

/// Where REPLICAOF / SLAVEOF points the server.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum ReplicaOf {
    /// Replicate the primary at `host:port`.
    Primary(String, u16),
    /// `NO ONE`: stop replicating and become a primary.
    NoOne,
}

pub(crate) fn replicaof_apply(c: Cmd, target: ReplicaOf) -> Cmd {
    match target {
        ReplicaOf::Primary(host, port) => c.arg(host).arg(port),
        ReplicaOf::NoOne => c.arg("NO").arg("ONE"),
    }
}

/// Whether SHUTDOWN saves the dataset first.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ShutdownSave {
    /// `SAVE`: save even when no save points are configured.
    Save,
    /// `NOSAVE`: do not save even when save points are configured.
    NoSave,
}

/// Options of SHUTDOWN; the default is a plain `SHUTDOWN`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct ShutdownOptions {
    /// `SAVE` or `NOSAVE`.
    pub save: Option<ShutdownSave>,
    /// `NOW`: do not wait for lagging replicas (Redis 7.0.0+).
    pub now: bool,
    /// `FORCE`: ignore errors that would stop the shutdown, such as a failed save (7.0.0+).
    pub force: bool,
    /// `SAFE`: refuse to shut down a primary that still serves slots (Valkey 9.0.0+).
    pub safe: bool,
    /// `FAILOVER`: hand over to a replica first (Valkey 9.0.0+).
    pub failover: bool,
    /// `ABORT`: cancel a shutdown that waits for replicas (Redis 7.0.0+); the other options
    /// must then be unset.
    pub abort: bool,
}

impl ShutdownOptions {
    pub(crate) fn apply(self, c: Cmd) -> Cmd {
        let c = match self.save {
            Some(ShutdownSave::Save) => c.arg("SAVE"),
            Some(ShutdownSave::NoSave) => c.arg("NOSAVE"),
            None => c,
        };
        c.arg_if(self.now, "NOW")
            .arg_if(self.force, "FORCE")
            .arg_if(self.safe, "SAFE")
            .arg_if(self.failover, "FAILOVER")
            .arg_if(self.abort, "ABORT")
    }
}

/// Options of MODULE LOADEX.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ModuleLoadexOptions {
    /// `CONFIG name value` pairs: module configuration set at load time.
    pub configs: Vec<(String, String)>,
    /// `ARGS ...`: arguments handed to the module's load function.
    pub args: Vec<String>,
}

impl ModuleLoadexOptions {
    pub(crate) fn apply(self, mut c: Cmd) -> Cmd {
        for (name, value) in self.configs {
            c = c.arg("CONFIG").arg(name).arg(value);
        }
        if !self.args.is_empty() {
            c = c.arg("ARGS").args(self.args);
        }
        c
    }
}

/// The log COMMANDLOG reads (Valkey 8.1.0+).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum CommandLogType {
    /// `SLOW`: commands that ran longer than `commandlog-execution-slower-than`.
    Slow,
    /// `LARGE-REQUEST`: commands whose request was larger than `commandlog-request-larger-than`.
    LargeRequest,
    /// `LARGE-REPLY`: commands whose reply was larger than `commandlog-reply-larger-than`.
    LargeReply,
}

impl CommandLogType {
    pub(crate) fn token(self) -> &'static str {
        match self {
            CommandLogType::Slow => "SLOW",
            CommandLogType::LargeRequest => "LARGE-REQUEST",
            CommandLogType::LargeReply => "LARGE-REPLY",
        }
    }
}

pub(crate) fn debug_cmd(subcommand: impl ToArg, args: impl ToArgs) -> Cmd {
    let sleeps = subcommand.with_bytes(|b| b.eq_ignore_ascii_case(b"SLEEP"));
    let mut seconds = None;
    if sleeps {
        args.for_each_arg(&mut |b| {
            if seconds.is_none() {
                seconds = std::str::from_utf8(b)
                    .ok()
                    .and_then(|s| s.parse::<f64>().ok());
            }
        });
    }
    let c = cmd("DEBUG").arg(subcommand).args(args);
    match seconds {
        // DEBUG SLEEP keeps the server (and so this reply) busy for that long.
        Some(s) if s > 0.0 => c.blocking_secs(s),
        _ => c,
    }
}

// ---------------------------------------------------------------------------------------
// Typed replies.
// ---------------------------------------------------------------------------------------

/// The reply of INFO: sections (lower-cased names such as `server`, `memory`, `keyspace`)
/// of `field: value` pairs.
///
/// ```no_run
/// # let r = strictredis::StrictRedis::from_url("redis://127.0.0.1/")?;
/// let info = r.info()?;
/// let version = info.get("server", "redis_version");
/// let used: Option<u64> = info.get_parsed("memory", "used_memory");
/// # Ok::<(), strictredis::Error>(())
/// ```
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Info {
    /// Section name (lower case) to its fields. Fields before any `# Section` header, if
    /// any, are under the empty name.
    pub sections: BTreeMap<String, BTreeMap<String, String>>,
}

impl Info {
    /// Parses INFO text: `# Section` headers and `field:value` lines.
    pub fn parse(text: &str) -> Info {
        let mut sections: BTreeMap<String, BTreeMap<String, String>> = BTreeMap::new();
        let mut current = String::new();
        for line in text.lines().map(|l| l.trim_end_matches('\r')) {
            if let Some(name) = line.strip_prefix('#') {
                current = name.trim().to_ascii_lowercase();
                sections.entry(current.clone()).or_default();
            } else if let Some((k, v)) = line.split_once(':') {
                sections
                    .entry(current.clone())
                    .or_default()
                    .insert(k.to_string(), v.to_string());
            }
        }
        Info { sections }
    }

    /// The value of `key` in `section` (section names are matched case-insensitively).
    pub fn get(&self, section: &str, key: &str) -> Option<&str> {
        self.section(section)?.get(key).map(String::as_str)
    }

    /// The value of `key` in `section`, parsed (`u64`, `f64`, ...); `None` when missing or
    /// not parseable. INFO's `0`/`1` flags read as `false`/`true` for `bool`.
    pub fn get_parsed<T: std::str::FromStr>(&self, section: &str, key: &str) -> Option<T> {
        let v = self.get(section, key)?;
        v.parse().ok().or_else(|| match v {
            // INFO's flags (`loading:0`, `aof_enabled:1`) read as `bool`, as in redis-rs.
            "0" => "false".parse().ok(),
            "1" => "true".parse().ok(),
            _ => None,
        })
    }

    /// The value of `key` in whichever section has it.
    pub fn find(&self, key: &str) -> Option<&str> {
        self.sections
            .values()
            .find_map(|s| s.get(key))
            .map(String::as_str)
    }

    /// All fields of one section.
    pub fn section(&self, section: &str) -> Option<&BTreeMap<String, String>> {
        self.sections.get(&section.to_ascii_lowercase())
    }

    /// A value of the form `a=1,b=2` (keyspace `db0`, `cmdstat_get`, ...) split into its
    /// parts.
    pub fn get_fields(&self, section: &str, key: &str) -> Option<BTreeMap<String, String>> {
        let v = self.get(section, key)?;
        Some(
            v.split(',')
                .filter_map(|p| p.split_once('='))
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect(),
        )
    }
}

impl FromValue for Info {
    fn from_value(v: Value) -> Result<Self> {
        Ok(Info::parse(&String::from_value(v)?))
    }
}

/// One entry of SLOWLOG GET.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct SlowlogEntry {
    /// Unique, increasing id of the entry.
    pub id: u64,
    /// When the command ran, in Unix seconds.
    pub timestamp: u64,
    /// How long it ran, in microseconds.
    pub duration_us: u64,
    /// The command and its arguments (as the server shortened them; lossy UTF-8).
    pub args: Vec<String>,
    /// `ip:port` of the client (Redis 4.0.0+; empty before).
    pub client_addr: String,
    /// The client's name, if it set one (Redis 4.0.0+).
    pub client_name: String,
}

fn log_entry_parts(v: Value, want: &str) -> Result<(u64, u64, u64, Vec<String>, String, String)> {
    let mut it = items_exactly(v, 4, want)?.into_iter();
    let mut next = || it.next().unwrap_or(Value::Nil);
    let id = u64::from_value(next())?;
    let timestamp = u64::from_value(next())?;
    let value = u64::from_value(next())?;
    let args = into_items(next(), want)?
        .into_iter()
        .map(reply_text_lossy)
        .collect::<Result<Vec<_>>>()?;
    let addr = Option::<String>::from_value(next())?.unwrap_or_default();
    let name = Option::<String>::from_value(next())?.unwrap_or_default();
    Ok((id, timestamp, value, args, addr, name))
}

impl FromValue for SlowlogEntry {
    fn from_value(v: Value) -> Result<Self> {
        let (id, timestamp, duration_us, args, client_addr, client_name) =
            log_entry_parts(v, "SlowlogEntry")?;
        Ok(SlowlogEntry {
            id,
            timestamp,
            duration_us,
            args,
            client_addr,
            client_name,
        })
    }
}

/// One entry of Valkey's COMMANDLOG GET.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct CommandLogEntry {
    /// Unique, increasing id of the entry.
    pub id: u64,
    /// When the command ran, in Unix seconds.
    pub timestamp: u64,
    /// The measure the log keeps: microseconds for `SLOW`, bytes for `LARGE-REQUEST` and
    /// `LARGE-REPLY`.
    pub value: u64,
    /// The command and its arguments (as the server shortened them; lossy UTF-8).
    pub args: Vec<String>,
    /// `ip:port` of the client.
    pub client_addr: String,
    /// The client's name, if it set one.
    pub client_name: String,
}

impl FromValue for CommandLogEntry {
    fn from_value(v: Value) -> Result<Self> {
        let (id, timestamp, value, args, client_addr, client_name) =
            log_entry_parts(v, "CommandLogEntry")?;
        Ok(CommandLogEntry {
            id,
            timestamp,
            value,
            args,
            client_addr,
            client_name,
        })
    }
}

/// The documentation of one command, from COMMAND DOCS.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct CommandDoc {
    /// One-line summary.
    pub summary: String,
    /// The server version that introduced it.
    pub since: String,
    /// Its group (`string`, `server`, ...).
    pub group: String,
    /// Its time complexity, in words.
    pub complexity: Option<String>,
    /// The module that provides it, for module commands.
    pub module: Option<String>,
    /// `deprecated`, `syscmd`.
    pub doc_flags: Vec<String>,
    /// The version that deprecated it.
    pub deprecated_since: Option<String>,
    /// What replaces it, when deprecated.
    pub replaced_by: Option<String>,
    /// `(version, change)` pairs.
    pub history: Vec<(String, String)>,
    /// Its arguments.
    pub arguments: Vec<CommandDocArgument>,
    /// Its subcommands, by full name (`client|list`).
    pub subcommands: HashMap<String, CommandDoc>,
}

reply_struct_fields!(CommandDoc {
    "summary" => summary,
    "since" => since,
    "group" => group,
    "complexity" => complexity: Some,
    "module" => module: Some,
    "doc_flags" => doc_flags,
    "deprecated_since" => deprecated_since: Some,
    "replaced_by" => replaced_by: Some,
    "history" => history,
    "arguments" => arguments,
    "subcommands" => subcommands,
});

/// One argument in a [`CommandDoc`].
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct CommandDocArgument {
    /// The argument's name.
    pub name: String,
    /// Its type: `key`, `string`, `integer`, `double`, `pattern`, `unix-time`,
    /// `pure-token`, `oneof` or `block`.
    pub type_: String,
    /// The name to show in a syntax line.
    pub display_text: Option<String>,
    /// For keys: the index of its key spec in COMMAND INFO.
    pub key_spec_index: Option<u64>,
    /// The literal token that precedes it (or that it is, for a `pure-token`).
    pub token: Option<String>,
    /// A short description.
    pub summary: Option<String>,
    /// The version that introduced it.
    pub since: Option<String>,
    /// The version that deprecated it.
    pub deprecated_since: Option<String>,
    /// `optional`, `multiple`, `multiple_token`.
    pub flags: Vec<String>,
    /// The nested arguments of a `oneof` or `block`.
    pub arguments: Vec<CommandDocArgument>,
}

reply_struct_fields!(CommandDocArgument {
    "name" => name,
    "type" => type_,
    "display_text" => display_text: Some,
    "key_spec_index" => key_spec_index: Some,
    "token" => token: Some,
    "summary" => summary: Some,
    "since" => since: Some,
    "deprecated_since" => deprecated_since: Some,
    "flags" => flags,
    "arguments" => arguments,
});

/// One command as COMMAND / COMMAND INFO describe it.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct CommandInfo {
    /// The name, lower case (`get`, `client|list`).
    pub name: String,
    /// Number of arguments, the name included; negative means "at least".
    pub arity: i64,
    /// Command flags (`write`, `readonly`, `fast`, ...).
    pub flags: Vec<String>,
    /// Position of the first key (0: no keys).
    pub first_key: i64,
    /// Position of the last key (-1: the last argument).
    pub last_key: i64,
    /// Step between keys.
    pub step: i64,
    /// ACL categories (`@read`, ...); Redis 6.0.0+.
    pub acl_categories: Vec<String>,
    /// Hints for clients and proxies (Redis 7.0.0+).
    pub tips: Vec<String>,
    /// Key specifications, as sent (Redis 7.0.0+).
    pub key_specs: Vec<Value>,
    /// Its subcommands (Redis 7.0.0+).
    pub subcommands: Vec<CommandInfo>,
}

impl FromValue for CommandInfo {
    fn from_value(v: Value) -> Result<Self> {
        let mut it = items_exactly(v, 6, "CommandInfo")?.into_iter();
        let mut next = || it.next().unwrap_or(Value::Nil);
        Ok(CommandInfo {
            name: String::from_value(next())?,
            arity: i64::from_value(next())?,
            flags: FromValue::from_value(next())?,
            first_key: i64::from_value(next())?,
            last_key: i64::from_value(next())?,
            step: i64::from_value(next())?,
            acl_categories: FromValue::from_value(next())?,
            tips: FromValue::from_value(next())?,
            key_specs: FromValue::from_value(next())?,
            subcommands: FromValue::from_value(next())?,
        })
    }
}

/// A user as ACL GETUSER describes it.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct AclUser {
    /// `on`/`off`, `nopass`, `skip-sanitize-payload`, ...
    pub flags: Vec<String>,
    /// SHA-256 hashes of the user's passwords (never the passwords).
    pub passwords: Vec<String>,
    /// Command rules, such as `+@all -debug`.
    pub commands: String,
    /// Key patterns, such as `~*` (one string, space-separated).
    pub keys: String,
    /// Pub/Sub channel patterns, such as `&*`.
    pub channels: String,
    /// Databases the user may select (Valkey 9.0.0+), such as `alldbs`.
    pub databases: Option<String>,
    /// Further selectors (Redis 7.0.0+), each a map of `commands`, `keys`, `channels`.
    pub selectors: Vec<BTreeMap<String, String>>,
}

/// ACL GETUSER's `selectors`: one map of rules per selector.
fn acl_selectors(v: Value) -> Result<Vec<BTreeMap<String, String>>> {
    into_items(v, "ACL selectors")?
        .into_iter()
        .map(|s| {
            reply_fields(s, "ACL selector")?
                .into_iter()
                .map(|(k, v)| Ok((k, reply_text_or_joined(v)?)))
                .collect()
        })
        .collect()
}

reply_struct_fields!(AclUser {
    "flags" => flags,
    "passwords" => passwords,
    "commands" => commands via reply_text_or_joined,
    "keys" => keys via reply_text_or_joined,
    "channels" => channels via reply_text_or_joined,
    "databases" => databases: Some via reply_text_or_joined,
    "selectors" => selectors via acl_selectors,
});

/// One entry of ACL LOG: a denied command or a failed authentication.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct AclLogEntry {
    /// How many times this same event happened.
    pub count: u64,
    /// `command`, `key`, `channel` or `auth`.
    pub reason: String,
    /// `toplevel`, `multi`, `lua` or `module`.
    pub context: String,
    /// The command, key or channel that was denied.
    pub object: String,
    /// The user involved.
    pub username: String,
    /// Seconds since the entry was last updated.
    pub age_seconds: f64,
    /// The client, in CLIENT LIST format.
    pub client_info: String,
    /// Unique id of the entry (Redis 7.2.0+ / Valkey).
    pub entry_id: Option<u64>,
    /// When the entry was created, Unix milliseconds (Redis 7.2.0+ / Valkey).
    pub timestamp_created: Option<u64>,
    /// When it was last updated, Unix milliseconds (Redis 7.2.0+ / Valkey).
    pub timestamp_last_updated: Option<u64>,
}

reply_struct_fields!(AclLogEntry {
    "count" => count,
    "reason" => reason,
    "context" => context,
    "object" => object via reply_text_lossy,
    "username" => username via reply_text_lossy,
    "age-seconds" => age_seconds,
    "client-info" => client_info via reply_text_lossy,
    "entry-id" => entry_id: Some,
    "timestamp-created" => timestamp_created: Some,
    "timestamp-last-updated" => timestamp_last_updated: Some,
});

/// The latest latency spike of one event, from LATENCY LATEST.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct LatencyLatest {
    /// The event name (`command`, `fast-command`, `fork`, ...).
    pub event: String,
    /// When the latest spike happened, Unix seconds.
    pub timestamp: u64,
    /// The latest spike, in milliseconds.
    pub latest_ms: u64,
    /// The largest spike recorded, in milliseconds.
    pub max_ms: u64,
    /// The sum of all spikes, in milliseconds (Valkey 8.1.0+).
    pub sum_ms: Option<u64>,
    /// How many spikes were recorded (Valkey 8.1.0+).
    pub count: Option<u64>,
}

impl FromValue for LatencyLatest {
    fn from_value(v: Value) -> Result<Self> {
        let items = items_exactly(v, 4, "LatencyLatest")?;
        let n = items.len();
        let mut it = items.into_iter();
        let mut next = || it.next().unwrap_or(Value::Nil);
        let mut l = LatencyLatest {
            event: String::from_value(next())?,
            timestamp: u64::from_value(next())?,
            latest_ms: u64::from_value(next())?,
            max_ms: u64::from_value(next())?,
            ..LatencyLatest::default()
        };
        if n >= 6 {
            l.sum_ms = Some(u64::from_value(next())?);
            l.count = Some(u64::from_value(next())?);
        }
        Ok(l)
    }
}

/// The latency histogram of one command, from LATENCY HISTOGRAM.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct LatencyHistogram {
    /// How many times the command ran.
    pub calls: u64,
    /// Bucket upper bound in microseconds (powers of two) to the number of calls that took
    /// at most that long (cumulative).
    pub histogram_usec: BTreeMap<u64, u64>,
}

reply_struct_fields!(LatencyHistogram {
    "calls" => calls,
    "histogram_usec" => histogram_usec,
});

/// The reply of MEMORY STATS.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct MemoryStats {
    /// Every numeric statistic by its name (`peak.allocated`, `total.allocated`,
    /// `keys.count`, `dataset.percentage`, `fragmentation`, ...).
    pub stats: BTreeMap<String, f64>,
    /// Per database (`db.0`, ...): its overhead statistics.
    pub dbs: BTreeMap<u32, BTreeMap<String, u64>>,
    /// Statistics that are not numbers, if the server sends any.
    pub other: BTreeMap<String, String>,
}

impl MemoryStats {
    /// A statistic by its name.
    pub fn get(&self, name: &str) -> Option<f64> {
        self.stats.get(name).copied()
    }

    fn get_u64(&self, name: &str) -> Option<u64> {
        self.get(name).map(|v| v as u64)
    }

    /// `peak.allocated`: the most memory the allocator ever held, in bytes.
    pub fn peak_allocated(&self) -> Option<u64> {
        self.get_u64("peak.allocated")
    }

    /// `total.allocated`: memory held by the allocator now, in bytes.
    pub fn total_allocated(&self) -> Option<u64> {
        self.get_u64("total.allocated")
    }

    /// `keys.count`: keys in all databases.
    pub fn keys_count(&self) -> Option<u64> {
        self.get_u64("keys.count")
    }

    /// `dataset.bytes`: memory used by the data itself, in bytes.
    pub fn dataset_bytes(&self) -> Option<u64> {
        self.get_u64("dataset.bytes")
    }
}

impl FromValue for MemoryStats {
    fn from_value(v: Value) -> Result<Self> {
        let mut m = MemoryStats::default();
        for (k, v) in reply_fields(v, "MemoryStats")? {
            if let Some(db) = k.strip_prefix("db.").and_then(|d| d.parse::<u32>().ok()) {
                m.dbs.insert(db, FromValue::from_value(v)?);
                continue;
            }
            match v {
                Value::Int(i) => {
                    m.stats.insert(k, i as f64);
                }
                Value::Double(d) => {
                    m.stats.insert(k, d);
                }
                other => {
                    let text = String::from_value(other)?;
                    match text.parse::<f64>() {
                        Ok(f) => {
                            m.stats.insert(k, f);
                        }
                        Err(_) => {
                            m.other.insert(k, text);
                        }
                    }
                }
            }
        }
        Ok(m)
    }
}

/// A loaded module, from MODULE LIST (and HELLO's `modules`).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ModuleInfo {
    /// The module's name.
    pub name: String,
    /// Its version number.
    pub ver: i64,
    /// The path it was loaded from (Redis 7.2.0+ / Valkey).
    pub path: Option<String>,
    /// The arguments it was loaded with (Redis 7.2.0+ / Valkey).
    pub args: Vec<String>,
}

reply_struct_fields!(ModuleInfo {
    "name" => name,
    "ver" => ver,
    "path" => path: Some,
    "args" => args,
});

/// A replica as its primary's ROLE lists it.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct RoleReplica {
    /// The replica's IP address.
    pub ip: String,
    /// Its port.
    pub port: u16,
    /// The replication offset it acknowledged.
    pub offset: i64,
}

/// The reply of ROLE.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Role {
    /// A primary (`master`).
    Master {
        /// Its current replication offset.
        replication_offset: i64,
        /// Its connected replicas.
        replicas: Vec<RoleReplica>,
    },
    /// A replica (`slave`).
    Replica {
        /// Its primary's IP address.
        master_ip: String,
        /// Its primary's port.
        master_port: u16,
        /// `connect`, `connecting`, `sync` or `connected`.
        state: String,
        /// The data it received so far, as a replication offset (-1 while unknown).
        offset: i64,
    },
    /// A Sentinel.
    Sentinel {
        /// The primaries it monitors.
        master_names: Vec<String>,
    },
}

impl FromValue for Role {
    fn from_value(v: Value) -> Result<Self> {
        let items = into_items(v, "Role")?;
        let mut it = items.into_iter();
        let kind = match it.next() {
            Some(k) => String::from_value(k)?,
            None => return Err(Error::Type("empty ROLE reply".into())),
        };
        let mut next = || it.next().unwrap_or(Value::Nil);
        match kind.as_str() {
            "master" | "primary" => {
                let replication_offset = i64::from_value(next())?;
                let replicas = into_items(next(), "ROLE replicas")?
                    .into_iter()
                    .map(|r| {
                        let (ip, port, offset): (String, u16, i64) = FromValue::from_value(r)?;
                        Ok(RoleReplica { ip, port, offset })
                    })
                    .collect::<Result<_>>()?;
                Ok(Role::Master {
                    replication_offset,
                    replicas,
                })
            }
            "slave" | "replica" => Ok(Role::Replica {
                master_ip: String::from_value(next())?,
                master_port: u16::from_value(next())?,
                state: String::from_value(next())?,
                offset: i64::from_value(next())?,
            }),
            "sentinel" => Ok(Role::Sentinel {
                master_names: FromValue::from_value(next())?,
            }),
            other => Err(Error::Type(format!("unknown ROLE {other:?}"))),
        }
    }
}

/// The server command table; see [the module docs](crate::commands).
macro_rules! server_commands {
    ($emit:ident $($pre:tt)*) => {
        $emit! { $($pre)*
            /// The ACL categories, or the commands of one category.
            ///
            /// Redis 6.0.0+.
            fn acl_cat(category: Option<&str>) -> Vec<String> {
                cmd("ACL CAT").opt_arg(category)
            }

            /// Delete ACL users; returns how many existed.
            ///
            /// Redis 6.0.0+.
            fn acl_deluser(usernames: impl ToArgs) -> u64 {
                cmd("ACL DELUSER").args(usernames)
            }

            /// Whether `username` may run `command` (its name and arguments): `OK`, or the
            /// reason it may not.
            ///
            /// Redis 7.0.0+.
            fn acl_dryrun(username: impl ToArg, command: impl ToArgs) -> String {
                cmd("ACL DRYRUN").arg(username).args(command)
            }

            /// A random password from the server's CSPRNG, as hex: 256 bits, or `bits`.
            ///
            /// Redis 6.0.0+.
            fn acl_genpass(bits: Option<u64>) -> String {
                cmd("ACL GENPASS").opt_arg(bits)
            }

            /// The rules of one user; `None` when it does not exist.
            ///
            /// Redis 6.0.0+.
            ///
            /// ```no_run
            /// # let r = strictredis::StrictRedis::from_url("redis://127.0.0.1/")?;
            /// r.acl_setuser("alice", &["on", ">secret", "~app:*", "+get"])?;
            /// let u = r.acl_getuser("alice")?.expect("just created");
            /// assert!(u.flags.iter().any(|f| f == "on"));
            /// # Ok::<(), strictredis::Error>(())
            /// ```
            fn acl_getuser(username: impl ToArg) -> Option<AclUser> {
                cmd("ACL GETUSER").arg(username)
            }

            /// Help text of the ACL subcommands.
            ///
            /// Redis 6.0.0+.
            fn acl_help() -> Vec<String> {
                cmd("ACL HELP")
            }

            /// Every user's rules, one ACL-file line per user.
            ///
            /// Redis 6.0.0+.
            fn acl_list() -> Vec<String> {
                cmd("ACL LIST")
            }

            /// Reload the users from the configured ACL file.
            ///
            /// Redis 6.0.0+.
            fn acl_load() -> () {
                cmd("ACL LOAD")
            }

            /// The latest denied commands and failed logins, newest first (10, or `count`).
            ///
            /// Redis 6.0.0+.
            fn acl_log(count: Option<u64>) -> Vec<AclLogEntry> {
                cmd("ACL LOG").opt_arg(count)
            }

            /// Clear the ACL log (`ACL LOG RESET`).
            ///
            /// Redis 6.0.0+.
            fn acl_log_reset() -> () {
                cmd("ACL LOG").arg("RESET")
            }

            /// Save the users to the configured ACL file.
            ///
            /// Redis 6.0.0+.
            fn acl_save() -> () {
                cmd("ACL SAVE")
            }

            /// Create or modify a user with ACL rules (`on`, `>password`, `~pattern`,
            /// `+@category`, `(selector)`, ...); [`NO_ARGS`] creates a user with no rights.
            ///
            /// Redis 6.0.0+.
            fn acl_setuser(username: impl ToArg, rules: impl ToArgs) -> () {
                cmd("ACL SETUSER").arg(username).args(rules)
            }

            /// The names of all users.
            ///
            /// Redis 6.0.0+.
            fn acl_users() -> Vec<String> {
                cmd("ACL USERS")
            }

            /// The user this connection is authenticated as.
            ///
            /// Redis 6.0.0+.
            fn acl_whoami() -> String {
                cmd("ACL WHOAMI")
            }

            /// Start rewriting the append-only file in the background; returns the server's
            /// status message.
            ///
            /// Redis 1.0.0+.
            fn bgrewriteaof() -> String {
                cmd("BGREWRITEAOF")
            }

            /// Start saving the dataset to disk in the background; returns the server's
            /// status message.
            ///
            /// Redis 1.0.0+ (`SCHEDULE` 3.2.2+, `CANCEL` Valkey 8.1.0+).
            fn bgsave(mode: Option<BgsaveMode>) -> String {
                cmd("BGSAVE").opt_arg(mode.map(|m| match m {
                    BgsaveMode::Schedule => "SCHEDULE",
                    BgsaveMode::Cancel => "CANCEL",
                }))
            }

            /// Every command the server knows, described.
            ///
            /// Redis 2.8.13+.
            fn command() -> Vec<CommandInfo> {
                cmd("COMMAND")
            }

            /// How many commands the server knows.
            ///
            /// Redis 2.8.13+.
            fn command_count() -> u64 {
                cmd("COMMAND COUNT")
            }

            /// The documentation of the named commands (of all with [`NO_ARGS`]), by name.
            ///
            /// Redis 7.0.0+.
            ///
            /// ```no_run
            /// # let r = strictredis::StrictRedis::from_url("redis://127.0.0.1/")?;
            /// let docs = r.command_docs("get")?;
            /// println!("{}", docs["get"].summary);
            /// # Ok::<(), strictredis::Error>(())
            /// ```
            fn command_docs(names: impl ToArgs) -> std::collections::HashMap<String, CommandDoc> {
                cmd("COMMAND DOCS").args(names)
            }

            /// The keys in a full command line (`&["SET", "k", "v"]`).
            ///
            /// Redis 2.8.13+.
            fn command_getkeys<T>(command: impl ToArgs) -> Vec<T> {
                cmd("COMMAND GETKEYS").args(command)
            }

            /// The keys in a full command line, each with its access flags (`RW`, `access`,
            /// `update`, ...).
            ///
            /// Redis 7.0.0+.
            fn command_getkeysandflags<T>(command: impl ToArgs) -> Vec<(T, Vec<String>)> {
                cmd("COMMAND GETKEYSANDFLAGS").args(command)
            }

            /// Help text of the COMMAND subcommands.
            ///
            /// Redis 5.0.0+.
            fn command_help() -> Vec<String> {
                cmd("COMMAND HELP")
            }

            /// The named commands, described; `None` for an unknown name.
            ///
            /// Redis 2.8.13+ (every command without names: 7.0.0+).
            fn command_info(names: impl ToArgs) -> Vec<Option<CommandInfo>> {
                cmd("COMMAND INFO").args(names)
            }

            /// The names of all commands, or of those a filter selects.
            ///
            /// Redis 7.0.0+.
            fn command_list(filter: Option<CommandListFilter>) -> Vec<String> {
                command_list_cmd(filter)
            }

            /// Valkey's command log of one type, newest first: `count` entries (for all of
            /// them, a count of at least `commandlog-*-max-len`).
            ///
            /// Valkey 8.1.0+ (not in Redis).
            fn commandlog_get(count: u64, log: CommandLogType) -> Vec<CommandLogEntry> {
                cmd("COMMANDLOG GET").arg(count).arg(log.token())
            }

            /// Help text of the COMMANDLOG subcommands.
            ///
            /// Valkey 8.1.0+ (not in Redis).
            fn commandlog_help() -> Vec<String> {
                cmd("COMMANDLOG HELP")
            }

            /// How many entries Valkey's command log of one type holds.
            ///
            /// Valkey 8.1.0+ (not in Redis).
            fn commandlog_len(log: CommandLogType) -> u64 {
                cmd("COMMANDLOG LEN").arg(log.token())
            }

            /// Clear Valkey's command log of one type.
            ///
            /// Valkey 8.1.0+ (not in Redis).
            fn commandlog_reset(log: CommandLogType) -> () {
                cmd("COMMANDLOG RESET").arg(log.token())
            }

            /// The configuration parameters matching the names or glob patterns, by name.
            ///
            /// Redis 2.0.0+ (several patterns: 7.0.0+).
            ///
            /// ```no_run
            /// # let r = strictredis::StrictRedis::from_url("redis://127.0.0.1/")?;
            /// let cfg = r.config_get(&["maxmemory", "maxmemory-policy"])?;
            /// println!("{}", cfg["maxmemory"]);
            /// # Ok::<(), strictredis::Error>(())
            /// ```
            fn config_get(parameters: impl ToArgs) -> std::collections::HashMap<String, String> {
                cmd("CONFIG GET").args(parameters)
            }

            /// Help text of the CONFIG subcommands.
            ///
            /// Redis 5.0.0+.
            fn config_help() -> Vec<String> {
                cmd("CONFIG HELP")
            }

            /// Reset the statistics INFO reports.
            ///
            /// Redis 2.0.0+.
            fn config_resetstat() -> () {
                cmd("CONFIG RESETSTAT")
            }

            /// Write the running configuration back to the configuration file.
            ///
            /// Redis 2.8.0+.
            fn config_rewrite() -> () {
                cmd("CONFIG REWRITE")
            }

            /// Set configuration parameters, `(name, value)` pairs, all or none.
            ///
            /// Redis 2.0.0+ (several pairs: 7.0.0+).
            ///
            /// ```no_run
            /// # let r = strictredis::StrictRedis::from_url("redis://127.0.0.1/")?;
            /// r.config_set(&[("maxmemory", "100mb"), ("maxmemory-policy", "allkeys-lru")])?;
            /// # Ok::<(), strictredis::Error>(())
            /// ```
            fn config_set(pairs: impl FieldValues) -> () {
                cmd("CONFIG SET").field_values(pairs)
            }

            /// How many keys the selected database holds.
            ///
            /// Redis 1.0.0+.
            fn dbsize() -> u64 {
                cmd("DBSIZE")
            }

            /// A DEBUG subcommand (`SLEEP`, `OBJECT`, `RELOAD`, `JMAP`, ...) with its
            /// arguments ([`NO_ARGS`] for none). Servers refuse it unless started with
            /// `enable-debug-command`. `DEBUG SLEEP n` raises the read timeout for its `n`
            /// seconds.
            ///
            /// Redis 1.0.0+.
            ///
            /// ```no_run
            /// # let r = strictredis::StrictRedis::from_url("redis://127.0.0.1/")?;
            /// r.debug::<()>("SLEEP", 0.1)?;
            /// let obj: String = r.debug("OBJECT", "key")?;
            /// # Ok::<(), strictredis::Error>(())
            /// ```
            fn debug<T>(subcommand: impl ToArg, args: impl ToArgs) -> T {
                debug_cmd(subcommand, args)
            }

            /// Start a coordinated failover from this primary to one of its replicas.
            ///
            /// Redis 6.2.0+.
            fn failover(options: FailoverOptions) -> () {
                options.apply(cmd("FAILOVER"))
            }

            /// Delete every key of every database.
            ///
            /// Redis 1.0.0+ (`ASYNC` 4.0.0+, `SYNC` 6.2.0+).
            fn flushall(mode: Option<FlushMode>) -> () {
                flush_mode_apply(cmd("FLUSHALL"), mode)
            }

            /// Delete every key of the selected database.
            ///
            /// Redis 1.0.0+ (`ASYNC` 4.0.0+, `SYNC` 6.2.0+).
            fn flushdb(mode: Option<FlushMode>) -> () {
                flush_mode_apply(cmd("FLUSHDB"), mode)
            }

            /// The server's default INFO sections, parsed.
            ///
            /// Redis 1.0.0+.
            ///
            /// ```no_run
            /// # let r = strictredis::StrictRedis::from_url("redis://127.0.0.1/")?;
            /// let info = r.info()?;
            /// println!("{:?}", info.get("server", "redis_version"));
            /// # Ok::<(), strictredis::Error>(())
            /// ```
            fn info() -> Info {
                cmd("INFO")
            }

            /// The named INFO sections (`"memory"`, `&["server", "clients"]`, `"all"`,
            /// `"everything"`), parsed.
            ///
            /// Redis 1.0.0+ (several sections: 7.0.0+).
            fn info_section(sections: impl ToArgs) -> Info {
                cmd("INFO").args(sections)
            }

            /// When the last successful save to disk happened, Unix seconds.
            ///
            /// Redis 1.0.0+.
            fn lastsave() -> u64 {
                cmd("LASTSAVE")
            }

            /// A human-readable latency analysis.
            ///
            /// Redis 2.8.13+.
            fn latency_doctor() -> String {
                cmd("LATENCY DOCTOR")
            }

            /// An ASCII-art graph of one event's latency samples.
            ///
            /// Redis 2.8.13+.
            fn latency_graph(event: impl ToArg) -> String {
                cmd("LATENCY GRAPH").arg(event)
            }

            /// Help text of the LATENCY subcommands.
            ///
            /// Redis 2.8.13+.
            fn latency_help() -> Vec<String> {
                cmd("LATENCY HELP")
            }

            /// Per-command latency histograms, for the named commands (all that ran with
            /// [`NO_ARGS`]), by command name.
            ///
            /// Redis 7.0.0+.
            fn latency_histogram(commands: impl ToArgs) -> std::collections::HashMap<String, LatencyHistogram> {
                cmd("LATENCY HISTOGRAM").args(commands)
            }

            /// One event's latency samples: `(unix seconds, milliseconds)`.
            ///
            /// Redis 2.8.13+.
            fn latency_history(event: impl ToArg) -> Vec<(u64, u64)> {
                cmd("LATENCY HISTORY").arg(event)
            }

            /// The latest latency sample of every event.
            ///
            /// Redis 2.8.13+.
            fn latency_latest() -> Vec<LatencyLatest> {
                cmd("LATENCY LATEST")
            }

            /// Clear the latency samples of the named events (all with [`NO_ARGS`]); returns
            /// how many event series were reset.
            ///
            /// Redis 2.8.13+.
            fn latency_reset(events: impl ToArgs) -> u64 {
                cmd("LATENCY RESET").args(events)
            }

            /// Computer art and the server's version.
            ///
            /// Redis 5.0.0+.
            fn lolwut(version: Option<u64>) -> String {
                cmd("LOLWUT").opt_token("VERSION", version)
            }

            /// A human-readable memory analysis.
            ///
            /// Redis 4.0.0+.
            fn memory_doctor() -> String {
                cmd("MEMORY DOCTOR")
            }

            /// Help text of the MEMORY subcommands.
            ///
            /// Redis 4.0.0+.
            fn memory_help() -> Vec<String> {
                cmd("MEMORY HELP")
            }

            /// The memory allocator's own statistics, as text.
            ///
            /// Redis 4.0.0+.
            fn memory_malloc_stats() -> String {
                cmd("MEMORY MALLOC-STATS")
            }

            /// Ask the allocator to give dirty pages back to the system.
            ///
            /// Redis 4.0.0+.
            fn memory_purge() -> () {
                cmd("MEMORY PURGE")
            }

            /// The server's memory usage, statistic by statistic.
            ///
            /// Redis 4.0.0+.
            fn memory_stats() -> MemoryStats {
                cmd("MEMORY STATS")
            }

            /// Bytes `key` and its value take in memory, estimated from `samples` nested
            /// values (5 by default, 0 for all); `None` when the key does not exist.
            ///
            /// Redis 4.0.0+.
            ///
            /// ```no_run
            /// # let r = strictredis::StrictRedis::from_url("redis://127.0.0.1/")?;
            /// let bytes: Option<u64> = r.memory_usage("key", None)?;
            /// # Ok::<(), strictredis::Error>(())
            /// ```
            fn memory_usage(key: impl ToArg, samples: Option<u64>) -> Option<u64> {
                cmd("MEMORY USAGE").key(key).opt_token("SAMPLES", samples)
            }

            /// Help text of the MODULE subcommands.
            ///
            /// Redis 5.0.0+.
            fn module_help() -> Vec<String> {
                cmd("MODULE HELP")
            }

            /// The loaded modules.
            ///
            /// Redis 4.0.0+.
            fn module_list() -> Vec<ModuleInfo> {
                cmd("MODULE LIST")
            }

            /// Load a module from a shared library, with its arguments ([`NO_ARGS`] for
            /// none).
            ///
            /// Redis 4.0.0+.
            fn module_load(path: impl ToArg, args: impl ToArgs) -> () {
                cmd("MODULE LOAD").arg(path).args(args)
            }

            /// Load a module with configuration values and arguments.
            ///
            /// Redis 7.0.0+.
            fn module_loadex(path: impl ToArg, options: ModuleLoadexOptions) -> () {
                options.apply(cmd("MODULE LOADEX").arg(path))
            }

            /// Unload a module by its name.
            ///
            /// Redis 4.0.0+.
            fn module_unload(name: impl ToArg) -> () {
                cmd("MODULE UNLOAD").arg(name)
            }

            /// Make the server a replica of another one, or (`NO ONE`) a primary; returns
            /// the server's status message.
            ///
            /// Redis 5.0.0+.
            fn replicaof(target: ReplicaOf) -> String {
                replicaof_apply(cmd("REPLICAOF"), target)
            }

            /// RESTORE that a cluster node accepts for a slot it is importing, as MIGRATE
            /// sends it between nodes; otherwise the same as
            /// [`restore`](Self::restore).
            ///
            /// Redis 3.0.0+.
            fn restore_asking(
                key: impl ToArg,
                ttl: u64,
                serialized_value: impl ToArg,
                options: RestoreOptions
            ) -> () {
                options.apply(cmd("RESTORE-ASKING").key(key).arg(ttl).arg(serialized_value))
            }

            /// The server's replication role, with its details.
            ///
            /// Redis 2.8.12+.
            ///
            /// ```no_run
            /// # let r = strictredis::StrictRedis::from_url("redis://127.0.0.1/")?;
            /// if let strictredis::commands::server::Role::Master { replicas, .. } = r.role()? {
            ///     println!("{} replicas", replicas.len());
            /// }
            /// # Ok::<(), strictredis::Error>(())
            /// ```
            fn role() -> Role {
                cmd("ROLE")
            }

            /// Save the dataset to disk, blocking the server until done.
            ///
            /// Redis 1.0.0+.
            fn save() -> () {
                cmd("SAVE")
            }

            /// Stop the server (saving first, depending on its configuration and the
            /// options). A server that stops closes the connection rather than answering;
            /// that counts as success here.
            ///
            /// Redis 1.0.0+ (`NOW`, `FORCE`, `ABORT` 7.0.0+; `SAFE`, `FAILOVER` Valkey 9.0.0+).
            fn shutdown(options: ShutdownOptions) -> () {
                options.apply(cmd("SHUTDOWN"))
            }

            /// The old name of [`replicaof`](Self::replicaof).
            ///
            /// Redis 1.0.0+ (deprecated in 5.0.0).
            fn slaveof(target: ReplicaOf) -> String {
                replicaof_apply(cmd("SLAVEOF"), target)
            }

            /// The slow log's entries, newest first: 10, or `count` (for all of them, a count
            /// of at least `slowlog-max-len`).
            ///
            /// Redis 2.2.12+.
            ///
            /// ```no_run
            /// # let r = strictredis::StrictRedis::from_url("redis://127.0.0.1/")?;
            /// for e in r.slowlog_get(Some(5))? {
            ///     println!("{} us: {:?}", e.duration_us, e.args);
            /// }
            /// # Ok::<(), strictredis::Error>(())
            /// ```
            fn slowlog_get(count: Option<u64>) -> Vec<SlowlogEntry> {
                cmd("SLOWLOG GET").opt_arg(count)
            }

            /// Help text of the SLOWLOG subcommands.
            ///
            /// Redis 6.2.0+.
            fn slowlog_help() -> Vec<String> {
                cmd("SLOWLOG HELP")
            }

            /// How many entries the slow log holds.
            ///
            /// Redis 2.2.12+.
            fn slowlog_len() -> u64 {
                cmd("SLOWLOG LEN")
            }

            /// Clear the slow log.
            ///
            /// Redis 2.2.12+.
            fn slowlog_reset() -> () {
                cmd("SLOWLOG RESET")
            }

            /// Swap two databases: clients of one see the other's data at once.
            ///
            /// Redis 4.0.0+.
            fn swapdb(index1: u32, index2: u32) -> () {
                cmd("SWAPDB").arg(index1).arg(index2)
            }

            /// The server's clock: `(unix seconds, microseconds within the second)`.
            ///
            /// Redis 2.6.0+.
            fn time() -> (u64, u64) {
                cmd("TIME")
            }
        }
    };
}
pub(crate) use server_commands;

#[cfg(test)]
mod tests {
    use super::*;

    use crate::from_value::reply::bulk;

    #[test]
    fn info_sections_and_fields() {
        let text = "# Server\r\nredis_version:7.0.15\r\nrun_id:abc\r\n\r\n# Keyspace\r\n\
                    db0:keys=3,expires=1,avg_ttl=0\r\n";
        let info = Info::from_value(bulk(text)).unwrap();
        assert_eq!(info.get("server", "redis_version"), Some("7.0.15"));
        assert_eq!(info.get("Server", "run_id"), Some("abc"));
        assert_eq!(info.find("run_id"), Some("abc"));
        let db0 = info.get_fields("keyspace", "db0").unwrap();
        assert_eq!(db0["keys"], "3");
        assert_eq!(info.get_parsed::<u64>("server", "redis_version"), None);
        let verbatim = Value::Verbatim {
            format: "txt".into(),
            text: text.as_bytes().to_vec(),
        };
        assert_eq!(Info::from_value(verbatim).unwrap(), info);
    }

    #[test]
    fn role_shapes() {
        let master = Value::Array(vec![
            bulk("master"),
            Value::Int(10),
            Value::Array(vec![Value::Array(vec![
                bulk("127.0.0.1"),
                bulk("6380"),
                bulk("9"),
            ])]),
        ]);
        assert_eq!(
            Role::from_value(master).unwrap(),
            Role::Master {
                replication_offset: 10,
                replicas: vec![RoleReplica {
                    ip: "127.0.0.1".into(),
                    port: 6380,
                    offset: 9
                }]
            }
        );
        let replica = Value::Array(vec![
            bulk("slave"),
            bulk("127.0.0.1"),
            Value::Int(6379),
            bulk("connected"),
            Value::Int(5),
        ]);
        assert!(matches!(
            Role::from_value(replica).unwrap(),
            Role::Replica {
                master_port: 6379,
                offset: 5,
                ..
            }
        ));
        assert!(matches!(
            Role::from_value(Value::Array(vec![bulk("leader")])),
            Err(Error::Type(_))
        ));
        assert!(matches!(
            Role::from_value(Value::Int(3)),
            Err(Error::Type(_))
        ));
    }

    #[test]
    fn slowlog_entry_short_and_bad() {
        let e = SlowlogEntry::from_value(Value::Array(vec![
            Value::Int(1),
            Value::Int(2),
            Value::Int(3),
            Value::Array(vec![bulk("GET"), Value::Bulk(vec![0xff])]),
        ]))
        .unwrap();
        assert_eq!(e.args, vec!["GET".to_string(), "\u{fffd}".to_string()]);
        assert_eq!(e.client_addr, "");
        assert!(SlowlogEntry::from_value(Value::Array(vec![Value::Int(1)])).is_err());
    }

    #[test]
    fn debug_sleep_raises_the_read_timeout() {
        assert!(debug_cmd("SLEEP", 2).blocking_timeout().is_some());
        assert!(debug_cmd("sleep", "0.5").blocking_timeout().is_some());
        assert!(debug_cmd("OBJECT", "k").blocking_timeout().is_none());
        assert!(debug_cmd("SLEEP", "abc").blocking_timeout().is_none());
    }
}
