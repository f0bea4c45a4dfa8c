//! The facade: [`StrictRedis`], one method per Redis command, over a shared pool.

use std::fmt;
use std::sync::Arc;

use crate::args::ToArgs;
use crate::autopipe::AutoPipe;
use crate::cache::{Cache, CacheStats};
use crate::cmd::Cmd;
use crate::config::{ConnectionInfo, Options};
use crate::error::Result;
use crate::from_value::FromValue;
use crate::pipeline::Pipeline;
use crate::pool::{ConnectionPool, PooledConnection};

mod extras;

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
    /// The shared connection of [`ClientBuilder::auto_pipeline`], when it is on.
    auto: Option<Arc<AutoPipe>>,
    /// The client-side cache of [`ClientBuilder::cache_config`], when it is on.
    cache: Option<Arc<Cache>>,
}

crate::commands::impl_command_tables!(StrictRedis, shared_methods);

impl fmt::Debug for StrictRedis {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("StrictRedis")
            .field("pool", &self.pool)
            .field("auto_pipeline", &self.auto.is_some())
            .field("cache", &self.cache.is_some())
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
        StrictRedis::from_options(Options::from_url(url)?)
    }

    /// A builder for every option: host, port, db, credentials, timeouts, pool sizes.
    pub fn builder() -> ClientBuilder {
        ClientBuilder::default()
    }

    /// A client over an existing pool (clients made this way share it).
    pub fn with_pool(pool: ConnectionPool) -> StrictRedis {
        StrictRedis {
            pool,
            auto: None,
            cache: None,
        }
    }

    /// The pool, and the shared connection when auto-pipelining is on.
    fn from_options(o: Options) -> Result<StrictRedis> {
        let auto = o.auto_pipeline.then(|| {
            Arc::new(AutoPipe::new(
                &o.info,
                o.pool.retry,
                o.auto_pipeline_connections(),
            ))
        });
        let cache = match &o.cache {
            Some(c) => Some(Arc::new(Cache::for_server(c, &o.info)?)),
            None => None,
        };
        let pool = ConnectionPool::new(o.info, o.pool)?;
        Ok(StrictRedis { pool, auto, cache })
    }

    /// A client over `pool` with the given cache (the Sentinel client's hook).
    pub(crate) fn with_pool_and_cache(pool: ConnectionPool, cache: Option<Cache>) -> StrictRedis {
        StrictRedis {
            pool,
            auto: None,
            cache: cache.map(Arc::new),
        }
    }

    /// What the client-side cache has done so far; `None` without
    /// [`cache_config`](ClientBuilder::cache_config).
    pub fn cache_stats(&self) -> Option<CacheStats> {
        self.cache.as_ref().map(|c| c.stats())
    }

    /// Empties the client-side cache (nothing happens without one). Every clone shares it.
    pub fn flush_cache(&self) {
        if let Some(c) = &self.cache {
            c.flush();
        }
    }

    /// True when this client was built with
    /// [`auto_pipeline(true)`](ClientBuilder::auto_pipeline).
    pub fn is_auto_pipelined(&self) -> bool {
        self.auto.is_some()
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
    /// watched key changed before EXEC. Returns what `f` returned on the run that committed
    /// ([`transaction_exec`](Self::transaction_exec) returns EXEC's replies instead). With no
    /// keys ([`NO_KEYS`](crate::commands::scripting::NO_KEYS)) no WATCH is sent: the queued
    /// commands just run inside MULTI/EXEC.
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
        f: F,
    ) -> Result<T>
    where
        F: FnMut(&mut PooledConnection, &mut Pipeline) -> Result<T>,
    {
        self.run_transaction(keys, max_retries, f)
            .map(|(out, _)| out)
    }

    /// redis-py's `transaction()` as it is by default: like
    /// [`transaction`](Self::transaction), but returns EXEC's replies, converted into `T`
    /// (a tuple, a `Vec`, `Value`), instead of the closure's value.
    ///
    /// ```no_run
    /// # let r = strictredis::StrictRedis::from_url("redis://127.0.0.1/")?;
    /// let (n, _): (i64, ()) = r.transaction_exec(&["counter"], |_conn, pipe| {
    ///     pipe.incr("counter").set("touched", 1);
    ///     Ok(())
    /// })?;
    /// # Ok::<(), strictredis::Error>(())
    /// ```
    pub fn transaction_exec<T, F>(&self, keys: impl ToArgs, f: F) -> Result<T>
    where
        T: FromValue,
        F: FnMut(&mut PooledConnection, &mut Pipeline) -> Result<()>,
    {
        let ((), replies) = self.run_transaction(keys, None, f)?;
        T::from_value(crate::Value::Array(replies))
    }

    /// The loop of every `transaction` form: WATCH (none when `keys` is empty), the
    /// closure, EXEC; again while a watched key changed. Returns the closure's value and
    /// EXEC's replies.
    fn run_transaction<T, F>(
        &self,
        keys: impl ToArgs,
        max_retries: Option<usize>,
        mut f: F,
    ) -> Result<(T, Vec<crate::Value>)>
    where
        F: FnMut(&mut PooledConnection, &mut Pipeline) -> Result<T>,
    {
        // No key to watch: no WATCH (which would fail), just MULTI/EXEC.
        let watch = (keys.arg_count() > 0).then(|| crate::cmd::cmd("WATCH").keys(keys));
        let mut attempts = 0usize;
        loop {
            let mut conn = self.pool.get()?;
            if let Some(w) = &watch {
                conn.execute_command::<()>(w.clone())?;
            }
            let mut pipe = Pipeline::new(None, true);
            let out = f(&mut conn, &mut pipe)?;
            match pipe.execute_on(&mut conn) {
                Ok(replies) => return Ok((out, replies)),
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
    /// [`RetryPolicy`](crate::RetryPolicy) and [`ClientBuilder::retry_policy`].
    ///
    /// With [`cache_config`](ClientBuilder::cache_config), a cacheable command may be
    /// answered from local memory, and any other command drops the cached replies of its
    /// arguments before it returns (see the guide's "Client-side caching").
    pub fn execute_command<T: FromValue>(&self, cmd: Cmd) -> Result<T> {
        let v = match &self.cache {
            Some(cache) => cache.run(&cmd, |c| self.send(c))?,
            None => self.send(&cmd)?,
        };
        T::from_value(v)
    }

    /// Sends `cmd` on the shared connection (auto-pipelining) or a pooled one.
    fn send(&self, cmd: &Cmd) -> Result<crate::Value> {
        match &self.auto {
            Some(auto) if crate::autopipe::eligible(cmd) => auto.request(cmd),
            _ => self.pool.request(cmd),
        }
    }
}

/// Builds a [`StrictRedis`] option by option; see [`StrictRedis::builder`].
///
/// Its settings live in one [`Options`] (shared with the cluster and Sentinel builders,
/// which have the same setters); [`url`](Self::url) sets exactly what the URL names, so the
/// order of `url()` and the setters only matters for the settings both give: the later one
/// wins. [`build`](Self::build) checks everything with the URL parser's rules.
#[derive(Clone, Default, Debug)]
pub struct ClientBuilder {
    opts: Options,
}

impl ClientBuilder {
    /// Sets what `url` names (`redis://`, `rediss://`, `unix://`...; see
    /// [`Options`](crate::Options)), keeping everything else set before: `builder().max_connections(2)
    /// .url("redis://h")` keeps 2, and a port set before is replaced only by a URL that has
    /// one. Setters called after it win over it.
    ///
    /// # Errors
    ///
    /// [`Error::Config`](crate::Error::Config) for a malformed URL (nothing is changed then).
    pub fn url(mut self, url: &str) -> Result<ClientBuilder> {
        self.opts.apply_url(url)?;
        Ok(self)
    }

    /// Server host name or IP address: non-empty, no spaces or NUL (checked by
    /// [`build`](Self::build)). Defaults to `127.0.0.1`. After
    /// [`unix_socket`](Self::unix_socket), switches back to TCP (port 6379 unless set).
    pub fn host(mut self, host: impl Into<String>) -> Self {
        self.opts.set_host(host.into());
        self
    }

    /// Server port, 1 to 65535 (checked by [`build`](Self::build)). Defaults to 6379.
    pub fn port(mut self, port: u16) -> Self {
        self.opts.set_port(port);
        self
    }

    /// Connect over a Unix socket at `path` instead of TCP (until a later `host`, `port`
    /// or TCP URL).
    pub fn unix_socket(mut self, path: impl Into<std::path::PathBuf>) -> Self {
        self.opts.set_unix(path.into());
        self
    }

    crate::config::builder_setters!(
        retry_default: "[`RetryPolicy::default`](crate::RetryPolicy::default): 3 retries, \
                        exponential backoff from 8 ms with jitter"
    );

    /// The connection settings this builder has gathered.
    pub fn connection_info(&self) -> ConnectionInfo {
        self.opts.info.clone()
    }

    /// Checks every setting ([`Options::validate`]), then builds the client's pool (opening
    /// `min_connections` now) and the client.
    pub fn build(self) -> Result<StrictRedis> {
        self.opts.validate()?;
        StrictRedis::from_options(self.opts)
    }
}
