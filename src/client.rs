//! The facade: [`StrictRedis`], one method per Redis command, over a shared pool.

use std::fmt;
use std::time::Duration;

use crate::args::ToArgs;
use crate::cmd::Cmd;
use crate::config::{ConnectionAddr, ConnectionInfo, Protocol};
use crate::error::Result;
use crate::from_value::FromValue;
use crate::pipeline::Pipeline;
use crate::pool::{ConnectionPool, PoolConfig, PooledConnection};
use crate::retry::RetryPolicy;

/// A Redis client, as redis-py's `StrictRedis`: one method per command, each checking a
/// connection out of a shared pool for the duration of the call.
///
/// `Clone + Send + Sync`; clones share one pool.
///
/// ```no_run
/// let r = strictredis::StrictRedis::from_url("redis://127.0.0.1:6379/0")?;
/// r.setex("key", 10, "value")?;
/// let v: Option<String> = r.get("key")?;
/// # Ok::<(), strictredis::Error>(())
/// ```
#[derive(Clone)]
pub struct StrictRedis {
    pool: ConnectionPool,
}

crate::commands::impl_command_tables!(StrictRedis, shared_methods);

impl fmt::Debug for StrictRedis {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("StrictRedis")
            .field("pool", &self.pool)
            .finish()
    }
}

impl StrictRedis {
    /// A client for `url` (`redis://`, `rediss://`, `redis+unix://`, `unix://`); pool sizes
    /// and timeouts may be given as query parameters. No connection is opened unless
    /// `min_connections` asks for some.
    ///
    /// ```no_run
    /// let r = strictredis::StrictRedis::from_url("redis://user:secret@127.0.0.1:6379/2?max_connections=8")?;
    /// # Ok::<(), strictredis::Error>(())
    /// ```
    pub fn from_url(url: &str) -> Result<StrictRedis> {
        let info: ConnectionInfo = url.parse()?;
        let config = PoolConfig::default().with_overrides(&info);
        Ok(StrictRedis::with_pool(ConnectionPool::new(info, config)?))
    }

    /// A builder for every option: host, port, db, credentials, timeouts, pool sizes.
    pub fn builder() -> ClientBuilder {
        ClientBuilder::default()
    }

    /// A client over an existing pool (clients made this way share it).
    pub fn with_pool(pool: ConnectionPool) -> StrictRedis {
        StrictRedis { pool }
    }

    /// The pool behind this client.
    pub fn pool(&self) -> &ConnectionPool {
        &self.pool
    }

    /// Checks a connection out of the pool for several commands in a row; it goes back when
    /// dropped.
    pub fn get_connection(&self) -> Result<PooledConnection> {
        self.pool.get()
    }

    /// A pipeline whose commands run inside MULTI/EXEC (redis-py's default).
    pub fn pipeline(&self) -> Pipeline {
        Pipeline::new(Some(self.pool.clone()), true)
    }

    /// A pipeline sent as a plain batch, without MULTI/EXEC.
    pub fn pipeline_without_transaction(&self) -> Pipeline {
        Pipeline::new(Some(self.pool.clone()), false)
    }

    /// redis-py's `transaction()`: WATCH `keys`, run `f` (read through `conn`, queue on
    /// `pipe`), then EXEC the queued commands; the whole closure runs again whenever a
    /// watched key changed before EXEC. Returns what `f` returned on the run that committed.
    ///
    /// ```no_run
    /// # let r = strictredis::StrictRedis::from_url("redis://127.0.0.1/")?;
    /// let new: i64 = r.transaction(&["balance"], |conn, pipe| {
    ///     let cur: Option<i64> = conn.get("balance")?;
    ///     let next = cur.unwrap_or(0) + 1;
    ///     pipe.set("balance", next);
    ///     Ok(next)
    /// })?;
    /// # Ok::<(), strictredis::Error>(())
    /// ```
    pub fn transaction<T, F>(&self, keys: impl ToArgs, f: F) -> Result<T>
    where
        F: FnMut(&mut PooledConnection, &mut Pipeline) -> Result<T>,
    {
        self.transaction_with_retries(keys, None, f)
    }

    /// [`transaction`](Self::transaction) with a limit: after `max_retries` aborted
    /// attempts, [`Error::TransactionAborted`](crate::Error::TransactionAborted) is returned.
    /// `None` retries for as long as it takes.
    pub fn transaction_with_retries<T, F>(
        &self,
        keys: impl ToArgs,
        max_retries: Option<usize>,
        mut f: F,
    ) -> Result<T>
    where
        F: FnMut(&mut PooledConnection, &mut Pipeline) -> Result<T>,
    {
        let watch = crate::cmd::cmd("WATCH").keys(keys);
        let mut attempts = 0usize;
        loop {
            let mut conn = self.pool.get()?;
            conn.execute_command::<()>(watch.clone())?;
            let mut pipe = Pipeline::new(None, true);
            let out = f(&mut conn, &mut pipe)?;
            match pipe.execute_on(&mut conn) {
                Ok(_) => return Ok(out),
                Err(crate::Error::TransactionAborted) => {
                    attempts += 1;
                    if max_retries.is_some_and(|m| attempts > m) {
                        return Err(crate::Error::TransactionAborted);
                    }
                }
                Err(e) => return Err(e),
            }
        }
    }

    /// Runs any command, including ones this crate has no method for, and converts its
    /// reply into `T`.
    ///
    /// ```no_run
    /// use strictredis::{cmd, Value};
    /// # let r = strictredis::StrictRedis::from_url("redis://127.0.0.1/")?;
    /// let v: Option<String> = r.execute_command(cmd("GET").arg("key"))?;
    /// let raw: Value = r.execute_command(cmd("HELLO"))?;
    /// # Ok::<(), strictredis::Error>(())
    /// ```
    ///
    /// A command that failed before it could reach the server (a pooled connection found
    /// dead when it was written) is sent again on another connection, and so is a
    /// read-only command whose connection broke; a command that may have been applied is
    /// never sent twice: its error says so ([`Error::is_ambiguous`](crate::Error::is_ambiguous)). See
    /// [`crate::retry`] and [`ClientBuilder::retry_policy`].
    pub fn execute_command<T: FromValue>(&self, cmd: Cmd) -> Result<T> {
        T::from_value(self.pool.request(&cmd)?)
    }
}

/// Builds a [`StrictRedis`] option by option; see [`StrictRedis::builder`].
#[derive(Clone, Default)]
pub struct ClientBuilder {
    info: ConnectionInfo,
    pool: PoolConfig,
    host: Option<String>,
    port: Option<u16>,
    unix: Option<std::path::PathBuf>,
}

impl fmt::Debug for ClientBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ClientBuilder")
            .field("info", &self.info)
            .field("pool", &self.pool)
            .finish()
    }
}

impl ClientBuilder {
    /// Starts from a URL's settings instead of the defaults.
    pub fn url(mut self, url: &str) -> Result<ClientBuilder> {
        self.info = url.parse()?;
        self.pool = PoolConfig::default().with_overrides(&self.info);
        Ok(self)
    }

    /// Server host name or IP address. Defaults to `127.0.0.1`.
    pub fn host(mut self, host: impl Into<String>) -> Self {
        self.host = Some(host.into());
        self
    }

    /// Server port. Defaults to 6379.
    pub fn port(mut self, port: u16) -> Self {
        self.port = Some(port);
        self
    }

    /// Connect over a Unix socket at `path` instead of TCP.
    pub fn unix_socket(mut self, path: impl Into<std::path::PathBuf>) -> Self {
        self.unix = Some(path.into());
        self
    }

    /// Database index selected on every connection. Defaults to 0.
    pub fn db(mut self, db: u32) -> Self {
        self.info.db = db;
        self
    }

    /// ACL user name sent with AUTH. Defaults to none (the `default` user).
    pub fn username(mut self, username: impl Into<String>) -> Self {
        self.info.username = Some(username.into());
        self
    }

    /// Password sent with AUTH. Defaults to none. Never shown by `Debug`.
    pub fn password(mut self, password: impl Into<String>) -> Self {
        self.info.password = Some(password.into());
        self
    }

    /// Name set with CLIENT SETNAME on every connection. Defaults to none.
    pub fn client_name(mut self, name: impl Into<String>) -> Self {
        self.info.client_name = Some(name.into());
        self
    }

    /// Speak RESP3 (`HELLO 3`) instead of RESP2. Defaults to RESP2.
    pub fn protocol(mut self, protocol: Protocol) -> Self {
        self.info.protocol = protocol;
        self
    }

    /// How long to wait for a TCP connection. Defaults to 10 seconds.
    pub fn connect_timeout(mut self, timeout: Duration) -> Self {
        self.info.connect_timeout = Some(timeout);
        self
    }

    /// How long a read may block (redis-py's `socket_timeout`); `None` blocks forever.
    /// Defaults to `None`. A read that times out closes its connection.
    pub fn read_timeout(mut self, timeout: Option<Duration>) -> Self {
        self.info.read_timeout = timeout;
        self
    }

    /// How long a write may block; `None` blocks forever. Defaults to `None`.
    pub fn write_timeout(mut self, timeout: Option<Duration>) -> Self {
        self.info.write_timeout = timeout;
        self
    }

    /// PING a connection before use when it has been idle this long. Defaults to never.
    pub fn health_check_interval(mut self, interval: Option<Duration>) -> Self {
        self.info.health_check_interval = interval;
        self
    }

    /// Connections opened eagerly by [`build`](Self::build). Defaults to 0.
    pub fn min_connections(mut self, n: usize) -> Self {
        self.pool.min_size = n;
        self
    }

    /// Most connections open at once. Defaults to 16.
    pub fn max_connections(mut self, n: usize) -> Self {
        self.pool.max_size = n;
        self
    }

    /// How long to wait for a free connection; `None` waits forever. Defaults to 20 s.
    pub fn pool_timeout(mut self, timeout: Option<Duration>) -> Self {
        self.pool.timeout = timeout;
        self
    }

    /// When and how failed connects and commands are retried (see [`crate::retry`]).
    /// Defaults to [`RetryPolicy::default`]: 3 retries, exponential backoff from 8 ms with
    /// jitter. [`RetryPolicy::none`] turns retries off.
    pub fn retry_policy(mut self, policy: RetryPolicy) -> Self {
        self.pool.retry = policy;
        self
    }

    /// The connection settings this builder has gathered.
    pub fn connection_info(&self) -> ConnectionInfo {
        let mut info = self.info.clone();
        if let Some(path) = &self.unix {
            info.addr = ConnectionAddr::Unix(path.clone());
        } else if self.host.is_some() || self.port.is_some() {
            let (host, port, tls) = match &info.addr {
                ConnectionAddr::Tcp { host, port } => (host.clone(), *port, None),
                ConnectionAddr::TcpTls {
                    host,
                    port,
                    insecure,
                } => (host.clone(), *port, Some(*insecure)),
                ConnectionAddr::Unix(_) => ("127.0.0.1".to_string(), 6379, None),
            };
            let host = self.host.clone().unwrap_or(host);
            let port = self.port.unwrap_or(port);
            info.addr = match tls {
                None => ConnectionAddr::Tcp { host, port },
                Some(insecure) => ConnectionAddr::TcpTls {
                    host,
                    port,
                    insecure,
                },
            };
        }
        info
    }

    /// Builds the client's pool (opening `min_connections` now) and the client.
    pub fn build(self) -> Result<StrictRedis> {
        let info = self.connection_info();
        Ok(StrictRedis::with_pool(ConnectionPool::new(
            info, self.pool,
        )?))
    }
}
