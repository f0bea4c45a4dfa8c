//! [`Options`]: every setting of a client (one connection's settings, the pool's, the retry
//! policy) in one value, behind the three builders and the URL parser.

use std::fmt;
use std::path::PathBuf;

use super::PoolConfig;
use super::{ConnectionAddr, ConnectionInfo, DEFAULT_HOST, DEFAULT_PORT};
use crate::error::{Error, Result};

/// Shared connections per client (per node on a cluster) unless
/// `auto_pipeline_connections` says otherwise: with two, one batch goes out while the
/// replies of the other are read (W10 in docs/benchmarks.md).
pub(crate) const AUTO_PIPELINE_CONNECTIONS: usize = 2;

/// The most shared connections `auto_pipeline_connections` accepts.
pub(crate) const AUTO_PIPELINE_MAX_CONNECTIONS: usize = 64;

/// Every setting of a client: where and how to connect ([`ConnectionInfo`]), the pool's
/// sizes and timeout and the [`RetryPolicy`](super::RetryPolicy) ([`PoolConfig`]).
///
/// [`ClientBuilder`](crate::ClientBuilder), [`ClusterBuilder`](crate::cluster::ClusterBuilder)
/// and [`SentinelBuilder`](crate::sentinel::SentinelBuilder) each hold one, and their
/// setters (the same set in all three) write into it. A URL sets its settings through the
/// same code as [`Options::param`] (the keys are listed below).
///
/// **Order**: a URL sets exactly the settings it names, and nothing else: the host and port
/// only when it has them (`redis://` keeps the host and port set before; `redis://:7000`
/// the host), the database when it has a path or `db=`, the credentials when its user info
/// or query has them, the transport (TCP, TLS, Unix socket) always. A setter called after
/// it wins over it; a setter called before it keeps its value unless the URL names that
/// setting. A URL that names one setting twice (`?db=1&db=2`, `/1?db=2`,
/// `u:p@h?password=q`) is refused.
///
/// `Debug` and `Display` show the settings with the password as `***`.
///
/// ```
/// use strictredis::Options;
/// let mut o = Options::from_url("redis://h:6380/2?max_connections=8")?;
/// o.param("client_name", "worker-1")?;
/// assert_eq!(o.pool_config().max_size, 8);
/// assert_eq!(o.connection_info().db, 2);
/// assert_eq!(o.to_string(), "redis://h:6380/2?client_name=worker-1&max_connections=8");
/// # Ok::<(), strictredis::Error>(())
/// ```
///
/// # URLs
///
/// Accepted URL forms:
///
/// * `redis://[[user][:password]@]host[:port][/db][?query]`
/// * `rediss://...` — the same, over TLS.
/// * `unix:///path/to.sock[?query]`, `redis+unix:///path/to.sock[?query]`,
///   `unix://[user][:password]@/path/to.sock[?query]` and `unix:/path/to.sock[?query]`.
///
/// The host may be an IPv6 literal in brackets (`redis://[::1]:6380`); a missing host means
/// `127.0.0.1` and a missing port means `6379`. User name, password, unix socket path and
/// query values are percent-decoded (`%40` is `@`); they must be UTF-8 after decoding.
/// Special characters in a password (`@ : / ? # & %`) should be percent-encoded.
///
/// Query parameters (unknown names are an error, so typos are caught; a URL that gives one
/// setting twice, such as `?db=1&db=2`, `/1?db=2` or a password in the user info and in the
/// query, is refused). The same keys are accepted by [`param`](Options::param); this table is
/// checked against the parser's own list by a unit test:
///
/// | name | kind | meaning |
/// |------|------|---------|
/// | `db` | number | database number (in the path, or here: not both) |
/// | `protocol` | number | `2` or `3` (RESP version) |
/// | `client_name`, `name` | text | name sent with `CLIENT SETNAME` |
/// | `username` | text | ACL user name (in the user info, or here: not both) |
/// | `password` | text | password (in the user info, or here: not both); never shown |
/// | `connect_timeout` | seconds | seconds (> 0) or `none` |
/// | `read_timeout`, `socket_timeout` | seconds | seconds (> 0) or `none` |
/// | `write_timeout` | seconds | seconds (> 0) or `none` |
/// | `health_check_interval` | seconds | seconds (>= 0); `0` or `none` disables it |
/// | `min_connections` | number | connections opened eagerly and kept open (<= `max_connections`) |
/// | `max_connections` | number | most connections open at once (>= 1) |
/// | `pool_timeout` | seconds | seconds (>= 0) to wait for a free connection, or `none` (forever) |
/// | `max_retries` | number | retries of a failed connect or of a command that certainly did not run (see [`RetryPolicy`](crate::RetryPolicy)); `0` turns retries off |
/// | `retry_backoff` | seconds | seconds (>= 0) of the first pause before a retry (doubled for each further one) |
/// | `insecure` | flag | `true`/`false`/`1`/`0`/`yes`/`no`: skip certificate checks (`rediss://` only) |
/// | `auto_pipeline` | flag | `true`/`false`/`1`/`0`/`yes`/`no`: share one connection between the threads' commands (see `ClientBuilder::auto_pipeline`) |
/// | `auto_pipeline_connections` | number | shared connections of `auto_pipeline` (1 to 64; default 2), per node on a cluster |
/// | `ssl_cert_reqs` | text | `none` (= `insecure=true`) or `required` (`rediss://` only; not with `insecure`) |
/// | `ca_file`, `ssl_ca_certs` | file | CA bundle file (`rediss://` only) |
/// | `cert_file`, `ssl_certfile` | file | client certificate file (`rediss://` only) |
/// | `key_file`, `ssl_keyfile` | file | client key file (`rediss://` only, needs a certificate) |
///
///
/// Every problem is reported as [`Error::Config`](crate::Error::Config) before any I/O. Error messages never contain
/// the password, and no error repeats the whole URL.
#[derive(Clone, PartialEq, Eq, Default)]
pub struct Options {
    pub(crate) info: ConnectionInfo,
    pub(crate) pool: PoolConfig,
    /// Auto-pipelining on (see [`Options::auto_pipeline`]).
    pub(crate) auto_pipeline: bool,
    /// How many shared connections auto-pipelining uses (`None`: the default, see
    /// [`Options::auto_pipeline_connections`]).
    pub(crate) auto_pipeline_connections: Option<usize>,
    /// Client-side caching, when on (see [`Options::cache_config`]).
    pub(crate) cache: Option<super::CacheConfig>,
}

impl fmt::Debug for Options {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Options")
            .field("info", &self.info)
            .field("pool", &self.pool)
            .field("auto_pipeline", &self.auto_pipeline)
            .field(
                "auto_pipeline_connections",
                &self.auto_pipeline_connections(),
            )
            .field("cache", &self.cache)
            .finish()
    }
}

impl fmt::Display for Options {
    /// [`Options::redacted_url`].
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.redacted_url())
    }
}

impl std::str::FromStr for Options {
    type Err = Error;

    /// Same as [`Options::from_url`].
    fn from_str(s: &str) -> Result<Self> {
        Options::from_url(s)
    }
}

impl Options {
    /// The settings of one connection.
    pub fn connection_info(&self) -> &ConnectionInfo {
        &self.info
    }

    /// The pool's sizes, timeout and retry policy.
    pub fn pool_config(&self) -> &PoolConfig {
        &self.pool
    }

    /// Whether auto-pipelining is on (`auto_pipeline(true)`, `?auto_pipeline=true`).
    pub fn auto_pipeline(&self) -> bool {
        self.auto_pipeline
    }

    /// How many shared connections auto-pipelining spreads the threads over
    /// (`auto_pipeline_connections(n)`, `?auto_pipeline_connections=n`; default 2): per
    /// client, or per node on a cluster.
    pub fn auto_pipeline_connections(&self) -> usize {
        self.auto_pipeline_connections
            .unwrap_or(AUTO_PIPELINE_CONNECTIONS)
    }

    /// The client-side caching settings, when caching is on (`cache_config(..)`).
    pub fn cache_config(&self) -> Option<&super::CacheConfig> {
        self.cache.as_ref()
    }

    /// The host, keeping the port and TLS (a Unix socket becomes TCP to the default port).
    pub(crate) fn set_host(&mut self, h: String) {
        match &mut self.info.addr {
            ConnectionAddr::Tcp { host, .. } | ConnectionAddr::TcpTls { host, .. } => *host = h,
            ConnectionAddr::Unix(_) => {
                self.info.addr = ConnectionAddr::Tcp {
                    host: h,
                    port: DEFAULT_PORT,
                }
            }
        }
    }

    /// The port, keeping the host and TLS (a Unix socket becomes TCP to the default host).
    pub(crate) fn set_port(&mut self, p: u16) {
        match &mut self.info.addr {
            ConnectionAddr::Tcp { port, .. } | ConnectionAddr::TcpTls { port, .. } => *port = p,
            ConnectionAddr::Unix(_) => {
                self.info.addr = ConnectionAddr::Tcp {
                    host: DEFAULT_HOST.to_string(),
                    port: p,
                }
            }
        }
    }

    /// A Unix socket instead of TCP.
    pub(crate) fn set_unix(&mut self, path: PathBuf) {
        self.info.addr = ConnectionAddr::Unix(path);
    }

    /// The setters all three builders share; see [`builder_setters!`].
    pub(crate) fn set_db(&mut self, db: u32) {
        self.info.db = db;
    }
}

/// Expands the setters that [`ClientBuilder`](crate::ClientBuilder),
/// [`ClusterBuilder`](crate::cluster::ClusterBuilder) and
/// [`SentinelBuilder`](crate::sentinel::SentinelBuilder) share into one of them (which has
/// an `opts: Options` field); `$retry_default` documents the builder's default retry policy.
macro_rules! builder_setters {
    (retry_default: $retry_default:literal) => {
        /// Database selected on every connection. Defaults to 0 (or the URL's).
        pub fn db(mut self, db: u32) -> Self {
            self.opts.set_db(db);
            self
        }

        /// ACL user name sent with AUTH. Defaults to none (the `default` user), or the URL's.
        pub fn username(mut self, username: impl Into<String>) -> Self {
            self.opts.info.username = Some(username.into());
            self
        }

        /// Password sent with AUTH. Defaults to none, or the URL's. Never shown by `Debug`.
        pub fn password(mut self, password: impl Into<String>) -> Self {
            self.opts.info.password = Some(password.into());
            self
        }

        /// Name set with CLIENT SETNAME on every connection: non-empty, no spaces (checked
        /// by `build`). Defaults to none.
        pub fn client_name(mut self, name: impl Into<String>) -> Self {
            self.opts.info.client_name = Some(name.into());
            self
        }

        /// Speak RESP3 (`HELLO 3`) instead of RESP2. Defaults to RESP2.
        pub fn protocol(mut self, protocol: $crate::config::Protocol) -> Self {
            self.opts.info.protocol = protocol;
            self
        }

        /// How long to wait for a connection to be set up (TCP connect, TLS handshake and
        /// the handshake's commands together); not zero (checked by `build`). Defaults to 5
        /// seconds.
        pub fn connect_timeout(mut self, timeout: std::time::Duration) -> Self {
            self.opts.info.connect_timeout = Some(timeout);
            self
        }

        /// How long a read may block (redis-py's `socket_timeout`); `None` blocks forever,
        /// zero is refused by `build`. Defaults to 5 seconds; a blocking command (BLPOP,
        /// XREAD BLOCK, ...) waits its own timeout on top. A read that times out closes its
        /// connection.
        pub fn read_timeout(mut self, timeout: Option<std::time::Duration>) -> Self {
            self.opts.info.read_timeout = timeout;
            self
        }

        /// How long a write may block; `None` blocks forever, zero is refused by `build`.
        /// Defaults to 5 seconds.
        pub fn write_timeout(mut self, timeout: Option<std::time::Duration>) -> Self {
            self.opts.info.write_timeout = timeout;
            self
        }

        /// PING a pooled connection before use when it has been idle this long; `None` (or
        /// zero) never. Defaults to `None`.
        pub fn health_check_interval(mut self, interval: Option<std::time::Duration>) -> Self {
            self.opts.info.health_check_interval = interval.filter(|d| !d.is_zero());
            self
        }

        /// Connections each pool opens eagerly, at `build` (a cluster: to each primary, and
        /// each replica with reads from replicas; Sentinel: when a client is made).
        /// Defaults to 0.
        pub fn min_connections(mut self, n: usize) -> Self {
            self.opts.pool.min_size = n;
            self
        }

        /// Most connections each pool opens at once (a cluster: per node). Defaults to 16.
        pub fn max_connections(mut self, n: usize) -> Self {
            self.opts.pool.max_size = n;
            self
        }

        /// How long to wait for a free connection; `None` waits forever. Defaults to 20
        /// seconds.
        pub fn pool_timeout(mut self, timeout: Option<std::time::Duration>) -> Self {
            self.opts.pool.timeout = timeout;
            self
        }

        /// When and how failed connects and commands are retried (see [`RetryPolicy`](crate::RetryPolicy));
        /// [`RetryPolicy::none`](crate::RetryPolicy::none) turns retries off.
        #[doc = concat!("Defaults to ", $retry_default, ".")]
        pub fn retry_policy(mut self, policy: $crate::RetryPolicy) -> Self {
            self.opts.pool.retry = policy;
            self
        }

        /// Auto-pipelining (`?auto_pipeline=true`): the commands that threads send at the
        /// same time share one connection and leave in one write, each caller getting its
        /// own reply, in order; blocking commands, transactions, pub/sub, admin commands
        /// and the commands that change a connection's state still take a pooled
        /// connection. See the guide's "Auto-pipelining". Defaults to off.
        ///
        /// [`StrictRedis`](crate::StrictRedis) shares one connection; the cluster client one
        /// per node (reads from replicas and the attempt after an `ASK` keep the pools);
        /// Sentinel clients accept the setting and keep using their pools.
        pub fn auto_pipeline(mut self, on: bool) -> Self {
            self.opts.auto_pipeline = on;
            self
        }

        /// How many shared connections [`auto_pipeline`](Self::auto_pipeline) uses
        /// (`?auto_pipeline_connections=n`): each thread keeps to one of them, the threads
        /// spread evenly. Two (the default) let one batch go out while the replies of
        /// another are read; more only help with many more threads than cores (see
        /// docs/benchmarks.md, W10). Per node on a cluster. 1 to 64: outside that,
        /// [`build`](Self::build) fails with [`Error::Config`](crate::Error::Config).
        pub fn auto_pipeline_connections(mut self, n: usize) -> Self {
            self.opts.auto_pipeline_connections = Some(n);
            self
        }

        /// Where the user name and password come from when they change over time (see
        /// [`CredentialProvider`](crate::CredentialProvider)): asked at every new
        /// connection instead of [`username`](Self::username) and
        /// [`password`](Self::password); when its answer changes, each open connection
        /// sends `AUTH` with the new one before its next use (pub/sub sessions too: over
        /// RESP3 with `AUTH` while subscribed, over RESP2 on a new connection that
        /// subscribes again). Defaults to none.
        pub fn credential_provider(mut self, provider: impl $crate::CredentialProvider) -> Self {
            self.opts.info.credential_provider = Some(std::sync::Arc::new(provider));
            self
        }

        /// With a [`credential_provider`](Self::credential_provider): also ask it at a
        /// checkout once this long has passed since it was last asked, so that a changed
        /// answer reaches connections that stay open. `None` (or zero): only when a
        /// connection is opened. Defaults to `None`.
        pub fn credential_refresh_interval(
            mut self,
            interval: Option<std::time::Duration>,
        ) -> Self {
            self.opts.info.credential_refresh_interval = interval.filter(|d| !d.is_zero());
            self
        }

        /// Names a library built on this one, as redis-py's `DriverInfo`: every
        /// connection sends `CLIENT SETINFO lib-name strictredis(<name>_v<version>)`
        /// (printable ASCII without spaces, checked by `build`). Turns
        /// [`client_setinfo`](Self::client_setinfo) back on.
        pub fn driver_info(mut self, name: &str, version: &str) -> Self {
            self.opts.info.lib_name =
                Some(format!("{}({name}_v{version})", $crate::config::LIB_NAME));
            self
        }

        /// Whether each connection sends `CLIENT SETINFO lib-name strictredis` and
        /// `lib-ver <this crate's version>` in its handshake (no extra round trip; ignored
        /// by servers older than 7.2). `false` is redis-py's `lib_name=None`. Defaults to
        /// `true`.
        pub fn client_setinfo(mut self, on: bool) -> Self {
            self.opts.info.lib_name = match (on, self.opts.info.lib_name.take()) {
                (false, _) => None,
                (true, Some(name)) => Some(name),
                (true, None) => Some($crate::config::LIB_NAME.to_string()),
            };
            self
        }

        /// Client-side caching (see [`CacheConfig`]($crate::CacheConfig) and the guide's
        /// "Client-side caching"): read-only replies of single keys are kept in local
        /// memory and dropped when the server reports that their key changed
        /// (`CLIENT TRACKING`), whoever changed it. Defaults to off.
        ///
        /// [`StrictRedis`](crate::StrictRedis) and the Sentinel client's `master_for`
        /// clients act on it (with or without `auto_pipeline`), and `RedisCluster` (one
        /// invalidation channel per node, following the slot map). `build` waits up to
        /// the connect timeout for each invalidation channel's first connect (a refused
        /// connect does not wait, and is retried in the background).
        pub fn cache_config(mut self, config: $crate::CacheConfig) -> Self {
            self.opts.cache = Some(config);
            self
        }

        /// Feature `tracing`: record each command's arguments in its span
        /// (`db.query.text`), except those of the commands that carry passwords (`AUTH`,
        /// `HELLO`, `MIGRATE`, `ACL SETUSER`, `CONFIG SET`: shown as `?`). Defaults to off:
        /// spans name the command only.
        #[cfg(feature = "tracing")]
        pub fn trace_arguments(mut self, on: bool) -> Self {
            self.opts.info.trace_arguments = on;
            self
        }

        /// Every setting gathered so far.
        pub fn options(&self) -> &$crate::config::Options {
            &self.opts
        }
    };
}

pub(crate) use builder_setters;
