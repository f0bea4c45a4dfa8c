//! Connection settings: [`ConnectionInfo`], [`Options`] and the URL parser behind them.
//! The URL forms and keys are documented on [`Options`] (the table there is checked against
//! the one list of keys in `keys.rs`).

use std::fmt;
use std::path::PathBuf;
use std::str::FromStr;
use std::sync::Arc;
use std::time::Duration;

use crate::credentials::{CredentialProvider, Credentials};
use crate::error::{Error, Result};

mod cache;
mod keys;
mod options;
mod policy;
mod url;
mod values;

pub use cache::CacheConfig;
pub use options::Options;
pub use policy::{PoolConfig, RetryPolicy};

/// The message of an [`Error::Config`] (any other error as text), for builders that keep a
/// URL's error until `build`.
pub(crate) fn config_message(e: Error) -> String {
    match e {
        Error::Config(m) => m,
        other => other.to_string(),
    }
}
pub(crate) use options::builder_setters;
pub(crate) use options::AUTO_PIPELINE_MAX_CONNECTIONS;

/// The port used when a URL gives none.
pub const DEFAULT_PORT: u16 = 6379;

/// The host used when a URL gives none.
pub const DEFAULT_HOST: &str = "127.0.0.1";

/// The default [`ConnectionInfo::connect_timeout`]: 5 seconds, for the whole setup (TCP
/// connect, TLS handshake and the handshake's commands).
pub const DEFAULT_CONNECT_TIMEOUT: Duration = Duration::from_secs(5);

/// The default [`ConnectionInfo::read_timeout`]: 5 seconds (a blocking command such as
/// BLPOP waits its own timeout on top).
pub const DEFAULT_READ_TIMEOUT: Duration = Duration::from_secs(5);

/// The default [`ConnectionInfo::write_timeout`]: 5 seconds.
pub const DEFAULT_WRITE_TIMEOUT: Duration = Duration::from_secs(5);

/// Where to connect.
#[derive(Clone, PartialEq, Eq, Hash, Debug)]
pub enum ConnectionAddr {
    /// Plain TCP.
    Tcp {
        /// Host name or IP address (an IPv6 address without brackets).
        host: String,
        /// TCP port.
        port: u16,
    },
    /// TCP with TLS (`rediss://`).
    TcpTls {
        /// Host name or IP address (an IPv6 address without brackets); also the name the
        /// server certificate is checked against.
        host: String,
        /// TCP port.
        port: u16,
        /// Skip certificate verification (`?insecure=true` or `?ssl_cert_reqs=none`).
        insecure: bool,
    },
    /// A Unix domain socket.
    Unix(PathBuf),
}

impl fmt::Display for ConnectionAddr {
    /// `host:port`, `[::1]:port` for IPv6 hosts, or `unix:/path/to.sock`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ConnectionAddr::Tcp { host, port } | ConnectionAddr::TcpTls { host, port, .. } => {
                if host.contains(':') {
                    write!(f, "[{host}]:{port}")
                } else {
                    write!(f, "{host}:{port}")
                }
            }
            ConnectionAddr::Unix(path) => write!(f, "unix:{}", path.display()),
        }
    }
}

/// RESP protocol version.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug, Default)]
pub enum Protocol {
    /// RESP2, spoken by every Redis version (the default).
    #[default]
    Resp2,
    /// RESP3, negotiated with `HELLO 3` (Redis 6 and later).
    Resp3,
}

/// Pool size/timeout values given in a URL; `None` = not given.
///
/// Kept so that code written for 0.1 compiles: pool settings are no longer part of
/// [`ConnectionInfo`]; a URL's pool settings live in [`Options`] ([`Options::pool_config`]).
#[deprecated(since = "0.2.0", note = "pool settings live in `Options::pool_config`")]
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug, Default)]
pub struct PoolOverrides {
    /// Connections the pool keeps open even when idle (`?min_connections=`).
    pub min_connections: Option<usize>,
    /// Most connections the pool opens at once, at least 1 (`?max_connections=`).
    pub max_connections: Option<usize>,
    /// How long to wait for a free connection (`?pool_timeout=`): `Some(None)` means wait
    /// forever (`pool_timeout=none`), `Some(Some(d))` at most `d` (zero: do not wait).
    pub pool_timeout: Option<Option<Duration>>,
    /// Retries of the pool's [`RetryPolicy`] (`?max_retries=`).
    pub max_retries: Option<u32>,
    /// First pause of the pool's [`RetryPolicy`] (`?retry_backoff=`).
    pub retry_backoff: Option<Duration>,
}

/// TLS options (used by `rediss://`), all optional.
#[derive(Clone, PartialEq, Eq, Hash, Debug, Default)]
pub struct TlsOptions {
    /// PEM file with the CA certificates to trust instead of the system roots.
    pub ca_file: Option<PathBuf>,
    /// PEM file with the client certificate (for mutual TLS).
    pub cert_file: Option<PathBuf>,
    /// PEM file with the client certificate's private key.
    pub key_file: Option<PathBuf>,
}

/// Everything needed to open one connection. `Debug` redacts the password.
///
/// Build one with [`ConnectionInfo::from_url`] (or `str::parse`), or start from
/// [`ConnectionInfo::default()`] and set fields.
#[derive(Clone)]
pub struct ConnectionInfo {
    /// Where to connect. Default: TCP `127.0.0.1:6379`.
    pub addr: ConnectionAddr,
    /// Database selected with `SELECT` after connecting. Default: 0.
    pub db: u32,
    /// ACL user name for `AUTH` (Redis 6+). Default: none.
    pub username: Option<String>,
    /// Password for `AUTH`. Default: none. Never shown by `Debug`, errors or
    /// [`ConnectionInfo::redacted_url`].
    pub password: Option<String>,
    /// Name set with `CLIENT SETNAME`. Default: none.
    pub client_name: Option<String>,
    /// RESP version. Default: [`Protocol::Resp2`].
    pub protocol: Protocol,
    /// Longest wait for the connection to be set up: TCP connect, TLS handshake and the
    /// handshake's commands (`HELLO`, `AUTH`, `CLIENT SETNAME`, `SELECT`) together; `None` =
    /// the OS's connect limit, then the read timeout. Default: `Some(5s)`
    /// ([`DEFAULT_CONNECT_TIMEOUT`]). Must not be zero.
    pub connect_timeout: Option<Duration>,
    /// Longest wait for a reply; `None` = block until it comes. Default: `Some(5s)`
    /// ([`DEFAULT_READ_TIMEOUT`]); a blocking command (BLPOP, XREAD BLOCK, ...) waits its own
    /// timeout on top. Must not be zero.
    pub read_timeout: Option<Duration>,
    /// Longest wait for a write to complete; `None` = block. Default: `Some(5s)`
    /// ([`DEFAULT_WRITE_TIMEOUT`]). Must not be zero.
    pub write_timeout: Option<Duration>,
    /// When a pooled connection has been idle this long, it is checked with `PING` before
    /// use; `None` = never. Default: `None`.
    pub health_check_interval: Option<Duration>,
    /// TLS files for `rediss://`. Default: none (system roots, no client certificate).
    pub tls: TlsOptions,
    /// Asked for the user name and password at every new connection, instead of
    /// [`username`](Self::username) and [`password`](Self::password) (see
    /// [`CredentialProvider`]). Default: none. Two infos are equal only when they hold the
    /// same provider (the same `Arc`).
    pub credential_provider: Option<Arc<dyn CredentialProvider>>,
    /// With a [`credential_provider`](Self::credential_provider): a pool also asks it at a
    /// checkout once this long has passed since it last asked, so that a changed answer
    /// reaches connections that stay open; `None` = only when a connection is opened.
    /// Default: `None`.
    pub credential_refresh_interval: Option<Duration>,
    /// The `lib-name` sent with `CLIENT SETINFO` after connecting; `None` sends neither
    /// `lib-name` nor `lib-ver`. Default: `Some("strictredis")` (a driver built on top
    /// adds itself: `strictredis(name_v1.2)`, see `driver_info`). Servers older than 7.2
    /// refuse `SETINFO`; that refusal is ignored.
    pub lib_name: Option<String>,
    /// The `lib-ver` sent with `CLIENT SETINFO` (with [`lib_name`](Self::lib_name)).
    /// Default: this crate's version.
    pub lib_version: String,
    /// Feature `tracing`: record each command's arguments in its span (`db.query.text`);
    /// the arguments of `AUTH`, `HELLO`, `MIGRATE`, `ACL SETUSER` and `CONFIG SET` are
    /// always shown as `?`. Default: `false` (the command's name only).
    #[cfg(feature = "tracing")]
    pub trace_arguments: bool,
}

/// The library name [`ConnectionInfo::lib_name`] starts as.
pub(crate) const LIB_NAME: &str = "strictredis";

impl PartialEq for ConnectionInfo {
    fn eq(&self, o: &Self) -> bool {
        // Destructured so that a new field cannot be forgotten here.
        let ConnectionInfo {
            addr,
            db,
            username,
            password,
            client_name,
            protocol,
            connect_timeout,
            read_timeout,
            write_timeout,
            health_check_interval,
            tls,
            credential_provider,
            credential_refresh_interval,
            lib_name,
            lib_version,
            #[cfg(feature = "tracing")]
            trace_arguments,
        } = self;
        let same_provider = match (credential_provider, &o.credential_provider) {
            (None, None) => true,
            (Some(a), Some(b)) => Arc::ptr_eq(a, b),
            _ => false,
        };
        same_provider
            && (addr, db, username, password, client_name, protocol)
                == (
                    &o.addr,
                    &o.db,
                    &o.username,
                    &o.password,
                    &o.client_name,
                    &o.protocol,
                )
            && (
                connect_timeout,
                read_timeout,
                write_timeout,
                health_check_interval,
            ) == (
                &o.connect_timeout,
                &o.read_timeout,
                &o.write_timeout,
                &o.health_check_interval,
            )
            && (tls, credential_refresh_interval, lib_name, lib_version)
                == (
                    &o.tls,
                    &o.credential_refresh_interval,
                    &o.lib_name,
                    &o.lib_version,
                )
            && {
                #[cfg(feature = "tracing")]
                let same = *trace_arguments == o.trace_arguments;
                #[cfg(not(feature = "tracing"))]
                let same = true;
                same
            }
    }
}

impl Eq for ConnectionInfo {}

impl Default for ConnectionInfo {
    /// TCP to `127.0.0.1:6379`, db 0, no credentials, no client name, RESP2, 5 second
    /// connect, read and write timeouts, no health checks and no TLS files. TCP keepalive
    /// is always on (probes after 30 s idle, every 5 s, 3 of them).
    fn default() -> Self {
        ConnectionInfo {
            addr: ConnectionAddr::Tcp {
                host: DEFAULT_HOST.to_string(),
                port: DEFAULT_PORT,
            },
            db: 0,
            username: None,
            password: None,
            client_name: None,
            protocol: Protocol::Resp2,
            connect_timeout: Some(DEFAULT_CONNECT_TIMEOUT),
            read_timeout: Some(DEFAULT_READ_TIMEOUT),
            write_timeout: Some(DEFAULT_WRITE_TIMEOUT),
            health_check_interval: None,
            tls: TlsOptions::default(),
            credential_provider: None,
            credential_refresh_interval: None,
            lib_name: Some(LIB_NAME.to_string()),
            lib_version: env!("CARGO_PKG_VERSION").to_string(),
            #[cfg(feature = "tracing")]
            trace_arguments: false,
        }
    }
}

impl fmt::Debug for ConnectionInfo {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ConnectionInfo")
            .field("addr", &self.addr)
            .field("db", &self.db)
            .field("username", &self.username)
            .field("password", &self.password.as_ref().map(|_| "***"))
            .field("client_name", &self.client_name)
            .field("protocol", &self.protocol)
            .field("connect_timeout", &self.connect_timeout)
            .field("read_timeout", &self.read_timeout)
            .field("write_timeout", &self.write_timeout)
            .field("health_check_interval", &self.health_check_interval)
            .field("tls", &self.tls)
            .field("credential_provider", &self.credential_provider.is_some())
            .field(
                "credential_refresh_interval",
                &self.credential_refresh_interval,
            )
            .field("lib_name", &self.lib_name)
            .field("lib_version", &self.lib_version)
            .finish()
    }
}

impl FromStr for ConnectionInfo {
    type Err = Error;

    /// Same as [`ConnectionInfo::from_url`].
    fn from_str(s: &str) -> Result<Self> {
        ConnectionInfo::from_url(s)
    }
}

impl ConnectionInfo {
    /// Parses a `redis://`, `rediss://`, `unix://` or `redis+unix://` URL (see
    /// [`Options`] for the forms and query parameters).
    ///
    /// # Errors
    ///
    /// [`Error::Config`] for anything malformed: unknown scheme, bad port, bad database
    /// number, unknown query parameter, bad number, `min_connections > max_connections`, ...
    /// The message never contains the password.
    ///
    /// Pool keys (`max_connections`, `pool_timeout`, ...) are checked but not kept here:
    /// [`Options::from_url`] keeps them.
    pub fn from_url(url: &str) -> Result<Self> {
        Options::from_url(url).map(|o| o.info)
    }

    /// This info with `creds` as its user name and password, and no provider (the one
    /// answer of a provider, for one connect).
    pub(crate) fn authenticated_as(&self, creds: &Credentials) -> ConnectionInfo {
        ConnectionInfo {
            username: creds.username.clone(),
            password: Some(creds.password.clone()),
            credential_provider: None,
            ..self.clone()
        }
    }

    /// True for `rediss://` ([`ConnectionAddr::TcpTls`]).
    pub fn is_tls(&self) -> bool {
        matches!(self.addr, ConnectionAddr::TcpTls { .. })
    }

    /// True for a Unix domain socket ([`ConnectionAddr::Unix`]).
    pub fn is_unix(&self) -> bool {
        matches!(self.addr, ConnectionAddr::Unix(_))
    }

    /// The settings written back as a URL, with the password replaced by `***`: safe for
    /// logs. Settings at their default are left out. Parsing the result gives back the same
    /// settings (with the password `***`).
    pub fn redacted_url(&self) -> String {
        Options {
            info: self.clone(),
            ..Default::default()
        }
        .redacted_url()
    }
}

#[cfg(test)]
mod tests;
