//! [`SentinelBuilder`]: the sentinels, their credentials, and the settings of the
//! connections to masters and replicas.

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use parking_lot::Mutex;

use super::{Inner, Sentinel, DEFAULT_MAX_RETRIES};
use crate::config::{ConnectionAddr, ConnectionInfo, Options};
use crate::error::{Error, Result};
use crate::retry::RetryPolicy;

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
            info.lib_name = self.opts.info.lib_name.clone();
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
                cache: self.opts.cache,
            }),
        })
    }
}
