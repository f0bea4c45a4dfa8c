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
//!   the client's pool opens its connections through a [`Connector`] that asks the
//!   sentinels in turn (`SENTINEL GET-MASTER-ADDR-BY-NAME`; the one that answered is asked
//!   first next time) and checks the answer with `ROLE` on the new connection, going on to
//!   the next sentinel when the node is not (or no longer) a master.
//! * Following a failover: when a command gets a `READONLY` reply (the old master became a
//!   replica: the command was refused, not run), or no connection can be opened (nothing
//!   was sent), the pool's idle connections are closed, the master is found again, and the
//!   command runs again, after a short pause that grows with each retry (16 at most). A
//!   read-only command whose connection broke mid-request is also run again; a write is not
//!   (it may have been applied), and its error reaches the caller.
//! * Pipelines, transactions and pub/sub use connections from the same pool, so they reach
//!   the new master too, but are not retried.

use std::fmt;
use std::io;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

use parking_lot::Mutex;

use crate::client::StrictRedis;
use crate::cmd::{cmd, Cmd};
use crate::config::{ConnectionAddr, ConnectionInfo, Options};
use crate::connection::Connection;
use crate::error::{Error, Result};
use crate::from_value::reply::{pair_up, text};
use crate::pool::{ConnectionPool, Connector, PoolConfig};
use crate::retry::RetryPolicy;
use crate::value::Value;

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

fn not_found(msg: String) -> Error {
    Error::Io(io::Error::new(io::ErrorKind::NotFound, msg))
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

    /// Asks one sentinel after the other, on a short-lived connection.
    fn ask_sentinels(&self, c: &Cmd) -> Vec<(usize, ConnectionInfo, Result<Value>)> {
        let sentinels = self.inner.sentinels.lock().clone();
        sentinels
            .into_iter()
            .enumerate()
            .map(|(i, info)| {
                let r = Connection::open(&info).and_then(|mut conn| {
                    let r = conn.request_value(c);
                    conn.close();
                    r
                });
                (i, info, r)
            })
            .collect()
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
        let mut unknown = 0;
        let mut unreachable = 0;
        let mut tried: Vec<(String, u16)> = Vec::new();
        let sentinels = self.inner.sentinels.lock().clone();
        for info in sentinels {
            let answer = Connection::open(&info).and_then(|mut conn| {
                let r =
                    conn.request_value(&cmd("SENTINEL").arg("GET-MASTER-ADDR-BY-NAME").arg(name));
                conn.close();
                r
            });
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
                    unknown += 1;
                    errors.push(format!("{}: does not know {name:?}", info.addr));
                    continue;
                }
                Ok(other) => {
                    errors.push(format!("{}: answered a {}", info.addr, other.kind_name()));
                    continue;
                }
                Err(e) => {
                    unreachable += 1;
                    errors.push(format!("{}: {e}", info.addr));
                    continue;
                }
            };
            if tried.contains(&addr) {
                continue;
            }
            tried.push(addr.clone());
            let mut node = template.clone();
            node.addr = self.node_info(&addr.0, addr.1).addr;
            match Connection::open(&node).and_then(|mut c| role_of(&mut c).map(|r| (c, r))) {
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
                Err(e) => errors.push(format!("{}:{}: {e}", addr.0, addr.1)),
            }
        }
        if unknown > 0 && unknown + unreachable == errors.len() {
            // The sentinels that answered do not monitor the name: a wrong name, not a
            // failover in progress (not retried).
            return Err(Error::Config(format!(
                "no sentinel monitors a service named {name:?} ({})",
                errors.join("; ")
            )));
        }
        Err(not_found(format!(
            "no master found for {name:?} ({})",
            errors.join("; ")
        )))
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
        for (_, info, r) in self.ask_sentinels(&cmd("SENTINEL").arg("REPLICAS").arg(name)) {
            match r {
                Ok(v) => {
                    self.promote(&info);
                    return Ok(healthy_replicas(v));
                }
                Err(e) => errors.push(format!("{}: {e}", info.addr)),
            }
        }
        Err(not_found(format!(
            "no sentinel listed the replicas of {name:?} ({})",
            errors.join("; ")
        )))
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
        let connector = ServiceConnector {
            sentinel: self.clone(),
            name: name.to_string(),
            want,
            known: Mutex::new(None),
            turn: AtomicUsize::new(0),
        };
        let pool = match want {
            Want::Master => ConnectionPool::following_failover(info, self.inner.pool, connector)?,
            Want::Replica => ConnectionPool::with_connector(info, self.inner.pool, connector)?,
        };
        Ok(StrictRedis::with_pool(pool))
    }
}

/// Opens the connections of a [`Sentinel`] client's pool (when a failed command runs again
/// is the pool's retry policy: [`DEFAULT_RETRY`] unless the builder says otherwise).
struct ServiceConnector {
    sentinel: Sentinel,
    name: String,
    want: Want,
    /// The master's address that worked last.
    known: Mutex<Option<(String, u16)>>,
    /// Picks replicas in turn.
    turn: AtomicUsize,
}

impl ServiceConnector {
    fn connect_replica(&self, template: &ConnectionInfo) -> Result<Connection> {
        let mut candidates = self.sentinel.discover_replicas(&self.name)?;
        if !candidates.is_empty() {
            let start = self.turn.fetch_add(1, Ordering::Relaxed) % candidates.len();
            candidates.rotate_left(start);
        }
        let mut errors = Vec::new();
        for (host, port) in candidates {
            let mut node = template.clone();
            node.addr = self.sentinel.node_info(&host, port).addr;
            match Connection::open(&node).and_then(|mut c| role_of(&mut c).map(|r| (c, r))) {
                Ok((conn, role)) if role == "slave" => return Ok(conn),
                Ok((conn, role)) => {
                    conn.close();
                    errors.push(format!("{host}:{port} is a {role}"));
                }
                Err(e) => errors.push(format!("{host}:{port}: {e}")),
            }
        }
        // No replica to be had: read from the master, as redis-py does.
        log::debug!(
            "no replica of {:?} reachable ({}); using the master",
            self.name,
            errors.join("; ")
        );
        self.sentinel
            .connect_master(&self.name, template)
            .map(|(c, _)| c)
    }
}

impl Connector for ServiceConnector {
    fn connect(&self, info: &ConnectionInfo) -> Result<Connection> {
        if self.want == Want::Replica {
            return self.connect_replica(info);
        }
        let known = self.known.lock().clone();
        if let Some((host, port)) = known {
            let mut node = info.clone();
            node.addr = self.sentinel.node_info(&host, port).addr;
            if let Ok(mut conn) = Connection::open(&node) {
                if role_of(&mut conn).ok().as_deref() == Some("master") {
                    return Ok(conn);
                }
                conn.close();
            }
            *self.known.lock() = None;
        }
        let (conn, addr) = self.sentinel.connect_master(&self.name, info)?;
        log::debug!("master of {:?} is {}:{}", self.name, addr.0, addr.1);
        *self.known.lock() = Some(addr);
        Ok(conn)
    }
}

/// Builds a [`Sentinel`]; see [`Sentinel::builder`].
///
/// ```no_run
/// use std::time::Duration;
/// use strictredis::sentinel::Sentinel;
/// let s = Sentinel::builder()
///     .sentinel("redis://127.0.0.1:26379")
///     .sentinel("redis://127.0.0.1:26380")
///     .sentinel_password("sentinel-secret")
///     .password("data-secret")
///     .read_timeout(Some(Duration::from_millis(500)))
///     .max_connections(8)
///     .build()?;
/// let master = s.master_for("mymaster")?;
/// # Ok::<(), strictredis::Error>(())
/// ```
#[derive(Clone)]
pub struct SentinelBuilder {
    /// The sentinels, each parsed when given (errors are reported by `build`).
    sentinels: Vec<std::result::Result<ConnectionInfo, String>>,
    sentinel_username: Option<String>,
    sentinel_password: Option<String>,
    /// The settings of the connections to masters and replicas: the first URL's (but its
    /// credentials), then the setters, in call order.
    opts: Options,
}

impl Default for SentinelBuilder {
    fn default() -> Self {
        let mut opts = Options::default();
        opts.pool.retry = DEFAULT_RETRY;
        SentinelBuilder {
            sentinels: Vec::new(),
            sentinel_username: None,
            sentinel_password: None,
            opts,
        }
    }
}

/// How a command is retried while a failover is followed, unless
/// [`SentinelBuilder::retry_policy`] says otherwise: [`DEFAULT_MAX_RETRIES`] retries, 50 ms
/// doubling up to 1 s.
pub const DEFAULT_RETRY: RetryPolicy = RetryPolicy {
    max_retries: DEFAULT_MAX_RETRIES as u32,
    base_backoff: Duration::from_millis(50),
    max_backoff: Duration::from_secs(1),
    jitter: false,
};

impl fmt::Debug for SentinelBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SentinelBuilder")
            .field("sentinels", &self.sentinels.len())
            .field(
                "sentinel_password",
                &self.sentinel_password.as_ref().map(|_| "***"),
            )
            .field("options", &self.opts)
            .finish()
    }
}

impl SentinelBuilder {
    /// Adds a sentinel (`redis://host:port`). Its URL's credentials authenticate to it. The
    /// first URL's other settings (db, timeouts, protocol, pool sizes, ...) also apply to
    /// the connections to masters and replicas, as
    /// [`ClientBuilder::url`](crate::ClientBuilder::url) applies them: exactly what it
    /// names, over what was set before it and under what is set after.
    pub fn sentinel(mut self, url: &str) -> Self {
        let parsed = url.parse::<ConnectionInfo>();
        if self.sentinels.is_empty() && parsed.is_ok() {
            // Checked just above; the sentinels' credentials are not the nodes'.
            let _ = self.opts.apply_url_skipping(url, &["username", "password"]);
        }
        self.sentinels
            .push(parsed.map_err(crate::config::config_message));
        self
    }

    /// ACL user for every sentinel. Defaults to the URL's, else none.
    pub fn sentinel_username(mut self, username: impl Into<String>) -> Self {
        self.sentinel_username = Some(username.into());
        self
    }

    /// Password for every sentinel. Defaults to the URL's, else none. Never shown.
    pub fn sentinel_password(mut self, password: impl Into<String>) -> Self {
        self.sentinel_password = Some(password.into());
        self
    }

    crate::config::builder_setters!(
        retry_default: "[`DEFAULT_RETRY`]: 16 retries, 50 ms doubling up to 1 s, which \
                        covers a failover"
    );

    /// The retries of the [retry policy](Self::retry_policy), kept from 0.1 (where it was a
    /// separate count): the same as `retry_policy` with `max_retries` set to `n`.
    pub fn max_retries(mut self, n: usize) -> Self {
        self.opts.pool.retry.max_retries = u32::try_from(n).unwrap_or(u32::MAX);
        self
    }

    /// Checks the settings ([`Options::validate`]); no connection is opened. Connect, read
    /// and write timeouts apply to the sentinels too.
    pub fn build(self) -> Result<Sentinel> {
        let mut sentinels = Vec::with_capacity(self.sentinels.len());
        for info in self.sentinels {
            let mut info = info.map_err(Error::Config)?;
            if matches!(info.addr, ConnectionAddr::Unix(_)) {
                return Err(Error::Config(
                    "sentinels are reached over TCP, not unix sockets".into(),
                ));
            }
            if let Some(u) = &self.sentinel_username {
                info.username = Some(u.clone());
            }
            if let Some(p) = &self.sentinel_password {
                info.password = Some(p.clone());
            }
            info.connect_timeout = self.opts.info.connect_timeout;
            info.read_timeout = self.opts.info.read_timeout;
            info.write_timeout = self.opts.info.write_timeout;
            // Sentinels have no databases: a db in their URL is for the nodes.
            info.db = 0;
            sentinels.push(info);
        }
        if sentinels.is_empty() {
            return Err(Error::Config(
                "a Sentinel needs at least one sentinel URL".into(),
            ));
        }
        self.opts.validate()?;
        let mut node = self.opts.info;
        node.addr = match node.addr {
            ConnectionAddr::TcpTls { insecure, .. } => ConnectionAddr::TcpTls {
                host: String::new(),
                port: 0,
                insecure,
            },
            _ => ConnectionAddr::Tcp {
                host: String::new(),
                port: 0,
            },
        };
        Ok(Sentinel {
            inner: Arc::new(Inner {
                sentinels: Mutex::new(sentinels),
                node,
                pool: self.opts.pool,
            }),
        })
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
