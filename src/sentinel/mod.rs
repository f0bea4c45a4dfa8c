//! Redis Sentinel: [`Sentinel`] finds the current master (or a replica) of a monitored
//! service and gives a [`StrictRedis`] that follows failovers.
//!
//! ```no_run
//! use strictredis::sentinel::Sentinel;
//! use strictredis::StrictRedis;
//! let s = Sentinel::new(&["redis://127.0.0.1:26379", "redis://127.0.0.1:26380"])?;
//! let master: StrictRedis = s.master_for("mymaster")?;
//! master.set("k", "v")?;
//! let replica: StrictRedis = s.replica_for("mymaster")?;
//! let v: Option<String> = replica.get("k")?;
//! # Ok::<(), strictredis::Error>(())
//! ```
//!
//! * The address is resolved when a connection is opened, not when the client is made:
//!   the client's pool opens its connections through a [`Connector`](crate::Connector) that asks the
//!   sentinels in turn (`SENTINEL GET-MASTER-ADDR-BY-NAME`; the one that answered is asked
//!   first next time) and checks the answer with `ROLE` on the new connection, going on to
//!   the next sentinel when the node is not (or no longer) a master.
//! * Setup never hangs: each sentinel query (connect, handshake, `SENTINEL ...`) and each
//!   new node connection (connect, handshake, `ROLE`) runs under `connect_timeout` as a
//!   whole, whatever the read timeout; a sentinel that does not answer in time is left for
//!   the next one. A "sentinel" that is a plain Redis server is an [`Error::Config`].
//! * Following a failover: a [`master_for`](Sentinel::master_for) client runs a listener
//!   thread (`sentinel:<name>`, started with its first connection, joined when its last
//!   clone is dropped) subscribed to `+switch-master` and `+promoted-slave` on one sentinel
//!   at a time. When a new master is announced, connections to the old one are closed
//!   instead of reused, and new ones go to the new master. Besides, when a command gets a
//!   `READONLY` reply (the old master became a replica: the command was refused, not run),
//!   or no connection can be opened (nothing was sent), the pool's idle connections are
//!   closed, the master is found again, and the command runs again, after a short pause
//!   that grows with each retry (16 at most). A read-only command whose connection broke
//!   mid-request is also run again; a write is not (it may have been applied), and its
//!   error reaches the caller. No master to be found is an [`Error::Sentinel`].
//! * Pipelines, transactions and pub/sub use connections from the same pool, so they reach
//!   the new master too, but are not retried.

mod builder;
mod connector;

use std::fmt;
use std::sync::Arc;
use std::time::{Duration, Instant};

use parking_lot::Mutex;

use crate::client::StrictRedis;
use crate::cmd::{cmd, Cmd};
use crate::config::{ConnectionAddr, ConnectionInfo};
use crate::connection::Connection;
use crate::error::{Error, Result};
use crate::from_value::reply::{pair_up, text};
use crate::pool::{ConnectionPool, PoolConfig};
use crate::value::Value;

pub use builder::{SentinelBuilder, DEFAULT_RETRY};
use connector::ServiceConnector;

/// How many times a command is sent again while following a failover, by default.
pub const DEFAULT_MAX_RETRIES: usize = 16;

/// A set of sentinels watching one or more services.
///
/// `Clone + Send + Sync`; clones share the list of sentinels (and its order: the sentinel
/// that answered last is asked first).
#[derive(Clone)]
pub struct Sentinel {
    inner: Arc<Inner>,
}

struct Inner {
    /// The sentinels, the one that answered last first.
    sentinels: Mutex<Vec<ConnectionInfo>>,
    /// Settings of the connections to masters and replicas; the address is replaced.
    node: ConnectionInfo,
    pool: PoolConfig,
    /// Client-side caching of the `master_for` clients (`cache_config`).
    cache: Option<crate::config::CacheConfig>,
}

impl fmt::Debug for Sentinel {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let sentinels: Vec<String> = self
            .inner
            .sentinels
            .lock()
            .iter()
            .map(|s| s.addr.to_string())
            .collect();
        f.debug_struct("Sentinel")
            .field("sentinels", &sentinels)
            .field("node", &self.inner.node)
            .field("pool", &self.inner.pool)
            .finish()
    }
}

/// What a connection must be to be handed out.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Want {
    Master,
    Replica,
}

/// A sentinel that answers `unknown command` to `SENTINEL` is a plain Redis server.
fn is_not_a_sentinel(e: &Error) -> bool {
    e.server_error()
        .is_some_and(|s| s.kind() == "ERR" && s.message().starts_with("unknown command"))
}

/// What is left of a setup budget that started at `started` (`None`: no budget).
fn budget_left(budget: Option<Duration>, started: Instant) -> Result<Option<Duration>> {
    match budget {
        None => Ok(None),
        Some(b) => match b.checked_sub(started.elapsed()) {
            Some(left) if !left.is_zero() => Ok(Some(left)),
            _ => Err(Error::Timeout),
        },
    }
}

/// Opens a connection whose setup (connect, handshake, and the commands sent until
/// [`end_setup`] restores the read timeout) runs under `info.connect_timeout` as a whole,
/// whatever the read timeout: a server that accepts the connection and never answers (a
/// SIGSTOPped sentinel or node) fails it with [`Error::Timeout`] once the budget is spent.
pub(crate) fn open_for_setup(info: &ConnectionInfo) -> Result<(Connection, Instant)> {
    let started = Instant::now();
    let mut bounded = info.clone();
    if let Some(t) = info.connect_timeout {
        bounded.read_timeout = Some(t);
    }
    let mut conn = Connection::open(&bounded)?;
    if let Some(left) = budget_left(info.connect_timeout, started)? {
        conn.set_read_timeout(Some(left))?;
    }
    Ok((conn, started))
}

/// Sets the read timeout back to the configured one once setup is over.
fn end_setup(conn: &mut Connection, info: &ConnectionInfo) -> Result<()> {
    conn.set_read_timeout(info.read_timeout)
}

/// Sends one query to a sentinel on a short-lived connection, all under the setup budget.
fn query(info: &ConnectionInfo, c: &Cmd) -> Result<Value> {
    let (mut conn, _) = open_for_setup(info)?;
    let r = conn.request_value(c);
    conn.close();
    r
}

/// Opens a connection to a node and asks its `ROLE`, under the setup budget.
fn open_node(node: &ConnectionInfo) -> Result<(Connection, String)> {
    let (mut conn, _) = open_for_setup(node)?;
    let role = role_of(&mut conn)?;
    end_setup(&mut conn, node)?;
    Ok((conn, role))
}

/// The fields of a map reply (RESP3 map or RESP2 flat array), as text.
fn fields(v: Value) -> Vec<(String, String)> {
    let pairs: Vec<(Value, Value)> = match v.strip_attributes() {
        Value::Map(p) => p,
        Value::Array(items) => pair_up(items),
        _ => Vec::new(),
    };
    pairs
        .into_iter()
        .filter_map(|(k, v)| {
            let v = match &v {
                Value::Int(n) => Some(n.to_string()),
                other => text(other),
            };
            Some((text(&k)?, v?))
        })
        .collect()
}

/// The healthy replicas in a `SENTINEL REPLICAS` reply.
fn healthy_replicas(reply: Value) -> Vec<(String, u16)> {
    let Value::Array(items) = reply.strip_attributes() else {
        return Vec::new();
    };
    items
        .into_iter()
        .filter_map(|r| {
            let f = fields(r);
            let get = |k: &str| f.iter().find(|(n, _)| n == k).map(|(_, v)| v.as_str());
            let flags = get("flags").unwrap_or("");
            let down = flags
                .split(',')
                .any(|x| matches!(x, "s_down" | "o_down" | "disconnected"));
            let link_ok = get("master-link-status").is_none_or(|s| s == "ok");
            if down || !link_ok {
                return None;
            }
            Some((get("ip")?.to_string(), get("port")?.parse().ok()?))
        })
        .collect()
}

/// The role a node gives in its `ROLE` reply: `master`, `slave` or `sentinel`.
fn role_of(conn: &mut Connection) -> Result<String> {
    match conn.request_value(&cmd("ROLE"))? {
        Value::Array(items) => items
            .first()
            .and_then(text)
            .ok_or_else(|| Error::Protocol("ROLE answered without a role".into())),
        other => Err(Error::Protocol(format!(
            "ROLE answered with a {}",
            other.kind_name()
        ))),
    }
}

impl Sentinel {
    /// Sentinels at `urls` (`redis://host:26379`). Credentials in the URLs authenticate to
    /// the sentinels; connections to masters and replicas take the first URL's timeouts,
    /// protocol and pool sizes, and no credentials (use [`Sentinel::builder`] to give some).
    pub fn new<S: AsRef<str>>(urls: &[S]) -> Result<Sentinel> {
        let mut b = SentinelBuilder::default();
        for u in urls {
            b = b.sentinel(u.as_ref());
        }
        b.build()
    }

    /// A builder: sentinels, their credentials, and the settings of the connections to
    /// masters and replicas.
    pub fn builder() -> SentinelBuilder {
        SentinelBuilder::default()
    }

    /// The sentinels, the one that answered last first.
    fn sentinel_list(&self) -> Vec<ConnectionInfo> {
        self.inner.sentinels.lock().clone()
    }

    /// Moves the sentinel that answered to the front, so that it is asked first next time.
    fn promote(&self, info: &ConnectionInfo) {
        let mut list = self.inner.sentinels.lock();
        if let Some(i) = list.iter().position(|s| s.addr == info.addr) {
            let s = list.remove(i);
            list.insert(0, s);
        }
    }

    fn node_info(&self, host: &str, port: u16) -> ConnectionInfo {
        let mut info = self.inner.node.clone();
        info.addr = match &self.inner.node.addr {
            ConnectionAddr::TcpTls { insecure, .. } => ConnectionAddr::TcpTls {
                host: host.to_string(),
                port,
                insecure: *insecure,
            },
            _ => ConnectionAddr::Tcp {
                host: host.to_string(),
                port,
            },
        };
        info
    }

    /// Opens a connection to the master of `name`: each sentinel in turn gives an address,
    /// which is accepted once `ROLE` there says `master`.
    fn connect_master(
        &self,
        name: &str,
        template: &ConnectionInfo,
    ) -> Result<(Connection, (String, u16))> {
        let mut errors = Vec::new();
        // Answers that are configuration mistakes: the name is not monitored, or the
        // "sentinel" is a plain Redis server.
        let mut misconfigured = 0;
        let mut unreachable = 0;
        let mut last = None;
        let mut tried: Vec<(String, u16)> = Vec::new();
        for info in self.sentinel_list() {
            let answer = query(
                &info,
                &cmd("SENTINEL").arg("GET-MASTER-ADDR-BY-NAME").arg(name),
            );
            let addr = match answer {
                Ok(Value::Array(items)) if items.len() == 2 => {
                    match (
                        text(&items[0]),
                        text(&items[1]).and_then(|p| p.parse().ok()),
                    ) {
                        (Some(h), Some(p)) => (h, p),
                        _ => {
                            errors.push(format!("{}: a bad address", info.addr));
                            continue;
                        }
                    }
                }
                Ok(Value::Nil) | Ok(Value::Array(_)) => {
                    misconfigured += 1;
                    errors.push(format!("{}: does not know {name:?}", info.addr));
                    continue;
                }
                Ok(other) => {
                    errors.push(format!("{}: answered a {}", info.addr, other.kind_name()));
                    continue;
                }
                Err(e) if is_not_a_sentinel(&e) => {
                    misconfigured += 1;
                    errors.push(format!("{}: is not a sentinel ({e})", info.addr));
                    last = Some(e);
                    continue;
                }
                Err(e) => {
                    unreachable += 1;
                    errors.push(format!("{}: {e}", info.addr));
                    last = Some(e);
                    continue;
                }
            };
            if tried.contains(&addr) {
                continue;
            }
            tried.push(addr.clone());
            let mut node = template.clone();
            node.addr = self.node_info(&addr.0, addr.1).addr;
            match open_node(&node) {
                Ok((conn, role)) if role == "master" => {
                    self.promote(&info);
                    return Ok((conn, addr));
                }
                Ok((conn, role)) => {
                    conn.close();
                    errors.push(format!(
                        "{}: says {}:{} is the master, which says it is a {role}",
                        info.addr, addr.0, addr.1
                    ));
                }
                Err(e) => {
                    errors.push(format!("{}:{}: {e}", addr.0, addr.1));
                    last = Some(e);
                }
            }
        }
        if misconfigured > 0 && misconfigured + unreachable == errors.len() {
            // The sentinels that answered do not monitor the name, or are no sentinels: a
            // mistake in the setup, not a failover in progress (not retried).
            return Err(Error::Config(format!(
                "no sentinel monitors a service named {name:?} ({})",
                errors.join("; ")
            )));
        }
        let message = format!("no master found for {name:?} ({})", errors.join("; "));
        Err(Error::sentinel(true, message, last))
    }

    /// The sentinels' addresses, in the order they are asked (the one that answered last
    /// first).
    pub fn sentinels(&self) -> Vec<String> {
        self.inner
            .sentinels
            .lock()
            .iter()
            .map(|s| s.addr.to_string())
            .collect()
    }

    /// The address of the master of `name`, as a sentinel gives it and `ROLE` on the node
    /// confirms.
    pub fn discover_master(&self, name: &str) -> Result<(String, u16)> {
        let (conn, addr) = self.connect_master(name, &self.inner.node)?;
        conn.close();
        Ok(addr)
    }

    /// The addresses of the healthy replicas of `name` (not down, link to the master up),
    /// from the first sentinel that answers.
    pub fn discover_replicas(&self, name: &str) -> Result<Vec<(String, u16)>> {
        let mut errors = Vec::new();
        let mut misconfigured = 0;
        let mut last = None;
        for info in self.sentinel_list() {
            match query(&info, &cmd("SENTINEL").arg("REPLICAS").arg(name)) {
                Ok(v) => {
                    self.promote(&info);
                    return Ok(healthy_replicas(v));
                }
                Err(e) => {
                    if e.is_server() {
                        misconfigured += 1;
                    }
                    errors.push(format!("{}: {e}", info.addr));
                    last = Some(e);
                }
            }
        }
        if misconfigured == errors.len() {
            return Err(Error::Config(format!(
                "no sentinel lists the replicas of {name:?} ({})",
                errors.join("; ")
            )));
        }
        let message = format!(
            "no sentinel listed the replicas of {name:?} ({})",
            errors.join("; ")
        );
        Err(Error::sentinel(false, message, last))
    }

    /// A client for the master of `name`, which follows failovers (see [the module
    /// docs](self)). No connection is opened here unless `min_connections` asks for some.
    ///
    /// The pool's [`ConnectionInfo`] names the service (host `name`, port 0); each of its
    /// connections goes to the address found when it is opened.
    pub fn master_for(&self, name: &str) -> Result<StrictRedis> {
        self.client_for(name, Want::Master)
    }

    /// A client for a replica of `name`, picked in turn among the healthy ones at each new
    /// connection (the master when there is none). Reads only: writes get `READONLY`.
    pub fn replica_for(&self, name: &str) -> Result<StrictRedis> {
        self.client_for(name, Want::Replica)
    }

    fn client_for(&self, name: &str, want: Want) -> Result<StrictRedis> {
        let mut info = self.inner.node.clone();
        info.addr = ConnectionAddr::Tcp {
            host: name.to_string(),
            port: 0,
        };
        let connector = ServiceConnector::new(self.clone(), name, want);
        if let (Want::Master, Some(config)) = (want, &self.inner.cache) {
            return self.cached_master(info, connector, config);
        }
        let pool = match want {
            Want::Master => ConnectionPool::following_failover(info, self.inner.pool, connector)?,
            Want::Replica => ConnectionPool::with_connector(info, self.inner.pool, connector)?,
        };
        Ok(StrictRedis::with_pool(pool))
    }

    /// The cache hook: a master client whose cache's invalidation channel is opened by
    /// the pool's own connector, so it always listens to the current master; when the
    /// connector stops naming its node as the master (a failover), the channel breaks,
    /// which empties the cache, and reconnects to the new master.
    fn cached_master(
        &self,
        info: ConnectionInfo,
        connector: ServiceConnector,
        config: &crate::config::CacheConfig,
    ) -> Result<StrictRedis> {
        let shared = Arc::new(connector);
        let pool = ConnectionPool::following_failover(
            info.clone(),
            self.inner.pool,
            connector::Shared(shared.clone()),
        )?;
        let channel = crate::cache::channel_info(&info);
        let wait = crate::cache::first_wait(&channel);
        let open = shared.clone();
        let cache = crate::cache::Cache::start(
            config,
            Box::new(move || crate::pool::Connector::connect(&*open, &channel)),
            Box::new(move |c| crate::pool::Connector::still_valid(&*shared, c)),
            wait,
        )?;
        Ok(StrictRedis::with_pool_and_cache(pool, Some(cache)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn bulk(s: &str) -> Value {
        Value::Bulk(s.as_bytes().to_vec())
    }

    #[test]
    fn replicas_reply() {
        let replica = |port: &str, flags: &str, link: &str| {
            Value::Array(
                [
                    ("name", "x"),
                    ("ip", "127.0.0.1"),
                    ("port", port),
                    ("flags", flags),
                    ("master-link-status", link),
                ]
                .iter()
                .flat_map(|(k, v)| [bulk(k), bulk(v)])
                .collect(),
            )
        };
        let reply = Value::Array(vec![
            replica("7001", "slave", "ok"),
            replica("7002", "s_down,slave,disconnected", "err"),
            replica("7003", "slave", "err"),
            replica("nope", "slave", "ok"),
        ]);
        assert_eq!(
            healthy_replicas(reply),
            vec![("127.0.0.1".to_string(), 7001)]
        );
        assert!(healthy_replicas(Value::Nil).is_empty());
    }

    #[test]
    fn builder_checks_before_io() {
        assert!(matches!(Sentinel::new::<&str>(&[]), Err(Error::Config(_))));
        assert!(matches!(
            Sentinel::new(&["unix:///tmp/s.sock"]),
            Err(Error::Config(_))
        ));
        assert!(matches!(
            Sentinel::builder()
                .sentinel("redis://127.0.0.1:1")
                .max_connections(0)
                .build(),
            Err(Error::Config(_))
        ));
        let s = Sentinel::builder()
            .sentinel("redis://:canary-one@127.0.0.1:1/3")
            .password("canary-two")
            .build()
            .unwrap();
        let shown = format!("{s:?}");
        assert!(!shown.contains("canary"), "{shown}");
        assert_eq!(s.inner.node.db, 3);
        assert_eq!(s.inner.sentinels.lock()[0].db, 0);
        // Nothing was opened: a client is made without a reachable sentinel.
        let r = s.master_for("mymaster").unwrap();
        assert_eq!(r.pool().size(), 0);
        assert!(format!("{r:?}").contains("mymaster"));
    }
}
