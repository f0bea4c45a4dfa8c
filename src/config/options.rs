//! [`Options`]: every setting of a client (one connection's settings, the pool's, the retry
//! policy) in one value, behind the three builders and the URL parser.

use std::fmt;
use std::net::Ipv6Addr;
use std::path::PathBuf;

use super::keys;
use super::url::{self, UrlParser, ZERO_TIMEOUT};
use super::{ConnectionAddr, ConnectionInfo, DEFAULT_HOST, DEFAULT_PORT};
use crate::error::{Error, Result};
use crate::pool::PoolConfig;

/// Every setting of a client: where and how to connect ([`ConnectionInfo`]), the pool's
/// sizes and timeout and the [`RetryPolicy`](crate::RetryPolicy) ([`PoolConfig`]).
///
/// [`ClientBuilder`](crate::ClientBuilder), [`ClusterBuilder`](crate::cluster::ClusterBuilder)
/// and [`SentinelBuilder`](crate::sentinel::SentinelBuilder) each hold one, and their
/// setters (the same set in all three) write into it. A URL sets its settings through the
/// same code as [`Options::param`] (see the [`config`](super) docs for the keys).
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
#[derive(Clone, PartialEq, Eq, Default)]
pub struct Options {
    pub(crate) info: ConnectionInfo,
    pub(crate) pool: PoolConfig,
}

impl fmt::Debug for Options {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Options")
            .field("info", &self.info)
            .field("pool", &self.pool)
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
    /// The defaults, then everything `url` names; checked as [`build`] checks.
    ///
    /// [`build`]: crate::ClientBuilder::build
    ///
    /// # Errors
    ///
    /// [`Error::Config`], whose message never contains the password.
    pub fn from_url(url: &str) -> Result<Options> {
        let mut o = Options::default();
        o.apply_url(url)?;
        o.validate()?;
        Ok(o)
    }

    /// Sets exactly the settings `url` names (see the order rules above); on an error
    /// nothing is changed. Cross-checks (`min_connections <= max_connections`, ...) wait for
    /// [`validate`](Self::validate).
    pub fn apply_url(&mut self, url: &str) -> Result<()> {
        self.apply_url_with(url, UrlParser::default())
    }

    /// [`apply_url`](Self::apply_url), leaving the settings named in `skip` alone.
    pub(crate) fn apply_url_skipping(
        &mut self,
        url: &str,
        skip: &'static [&'static str],
    ) -> Result<()> {
        self.apply_url_with(url, UrlParser::skipping(skip))
    }

    fn apply_url_with(&mut self, url: &str, mut parser: UrlParser) -> Result<()> {
        let mut next = self.clone();
        match parser.parse(url, &mut next) {
            Ok(()) => {
                *self = next;
                Ok(())
            }
            Err(msg) => Err(Error::Config(parser.scrub(msg))),
        }
    }

    /// Sets one setting by its URL key (`"db"`, `"read_timeout"`, `"max_connections"`, ...,
    /// aliases too), from its URL text (`"3"`, `"0.5"`, `"none"`): what the URL parser
    /// does for every query parameter.
    pub fn param(&mut self, key: &str, value: &str) -> Result<()> {
        let Some(k) = keys::lookup(key) else {
            return Err(Error::Config(format!(
                "unknown option {key:?} (known: {})",
                keys::names().collect::<Vec<_>>().join(", ")
            )));
        };
        (k.set)(self, value, None)
            .map_err(|e| Error::Config(format!("invalid value for '{key}': {e}")))
    }

    /// The settings of one connection.
    pub fn connection_info(&self) -> &ConnectionInfo {
        &self.info
    }

    /// The pool's sizes, timeout and retry policy.
    pub fn pool_config(&self) -> &PoolConfig {
        &self.pool
    }

    /// The settings written back as a URL (the keys of the [`config`](super) docs), the
    /// password as `***`, settings at their default left out.
    pub fn redacted_url(&self) -> String {
        keys::redacted_url(self)
    }

    /// Checks every setting with the URL parser's rules, so that a setter accepts what a
    /// URL accepts and nothing more: no zero timeouts, port 1 to 65535, a non-empty host
    /// without spaces or NUL, a client name without spaces, no username without a password, `1 <= max_connections`,
    /// `min_connections <= max_connections`, no TLS key file without a certificate.
    ///
    /// # Errors
    ///
    /// [`Error::Config`].
    pub fn validate(&self) -> Result<()> {
        self.check().map_err(Error::Config)
    }

    fn check(&self) -> url::ParseResult<()> {
        let info = &self.info;
        match &info.addr {
            ConnectionAddr::Tcp { host, port } | ConnectionAddr::TcpTls { host, port, .. } => {
                if host.is_empty() {
                    return Err("the host is empty".into());
                }
                if host.parse::<Ipv6Addr>().is_err() {
                    url::check_host_chars(host, None)?;
                }
                url::parse_port(&port.to_string(), None)?;
            }
            ConnectionAddr::Unix(path) => {
                if path.as_os_str().is_empty() {
                    return Err("the unix socket path is empty".into());
                }
            }
        }
        let timeouts = [
            ("connect_timeout", info.connect_timeout),
            ("read_timeout", info.read_timeout),
            ("write_timeout", info.write_timeout),
        ];
        for (name, t) in timeouts {
            if t.is_some_and(|d| d.is_zero()) {
                return Err(format!("invalid value for '{name}': {ZERO_TIMEOUT}"));
            }
        }
        if info.username.is_some() && info.password.is_none() {
            // AUTH needs both; sending none would run as the `default` user unnoticed.
            return Err(
                "a username was given without a password (AUTH needs both; for the \
                        `default` user without a password, give no username)"
                    .into(),
            );
        }
        if let Some(name) = &info.client_name {
            keys::check_client_name(name, None)
                .map_err(|e| format!("invalid value for 'client_name': {e}"))?;
        }
        if self.pool.max_size == 0 {
            return Err("invalid value for 'max_connections': must be at least 1".into());
        }
        if self.pool.min_size > self.pool.max_size {
            return Err(format!(
                "min_connections ({}) is greater than max_connections ({})",
                self.pool.min_size, self.pool.max_size
            ));
        }
        if info.tls.key_file.is_some() && info.tls.cert_file.is_none() {
            return Err("a TLS key file was given without a certificate file (cert_file)".into());
        }
        Ok(())
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

        /// When and how failed connects and commands are retried (see [`crate::retry`]);
        /// [`RetryPolicy::none`](crate::RetryPolicy::none) turns retries off.
        #[doc = concat!("Defaults to ", $retry_default, ".")]
        pub fn retry_policy(mut self, policy: $crate::RetryPolicy) -> Self {
            self.opts.pool.retry = policy;
            self
        }

        /// Every setting gathered so far.
        pub fn options(&self) -> &$crate::config::Options {
            &self.opts
        }
    };
}

pub(crate) use builder_setters;
