//! The blocking connection pool: aioredis's pool semantics on a `parking_lot` mutex and
//! condition variable.
//!
//! # Invariants
//!
//! Under the lock, with `open` the number of connections that exist or are being opened:
//!
//! 1. `open == in_use + idle.len() + opening <= max_size`: a slot is taken (`open += 1`)
//!    *before* a connection is opened outside the lock, and given back (`open -= 1`) when a
//!    connection is closed or an open fails. No path leaves a slot taken without a
//!    connection or a guard that will give it back (the guard's `Drop` runs on panic too).
//! 2. Every connection in `idle` is clean: not broken, not in MULTI, not watching, not
//!    subscribed, no replies pending, on the pool's db. Release checks this; checkout also
//!    peeks the socket (no round trip) and replaces a connection the server closed.
//! 3. The lock is never held during I/O: connecting, the stale check, the health check and
//!    closing all happen after the guard is dropped.
//! 4. Whoever frees a slot or returns a connection wakes one waiter.

use std::collections::VecDeque;
use std::fmt;
use std::ops::{Deref, DerefMut};
use std::sync::Arc;
use std::thread::ThreadId;
use std::time::Instant;

use parking_lot::{Condvar, Mutex};

use crate::cmd::{cmd, Cmd};
use crate::config::ConnectionInfo;
pub use crate::config::PoolConfig;
use crate::connection::Connection;
use crate::credentials::{Credentials, Rotation};
use crate::error::{Error, Result};
use crate::observe::{self, PoolName, PoolState};
use crate::retry::{self, Attempt};
use crate::value::Value;

struct State {
    idle: VecDeque<Connection>,
    open: usize,
    /// Threads blocked in `get`, for [`ConnectionPool::waiting`].
    waiting: usize,
    /// In a pool of one (`max_size` 1), the thread that checked the connection out: a pool
    /// timeout of that same thread is the self-deadlock, said so in its log line.
    holder: Option<ThreadId>,
}

impl State {
    /// Notes who checked a connection out, in a pool of one.
    fn took(&mut self, max_size: usize) {
        if max_size == 1 {
            self.holder = Some(std::thread::current().id());
        }
    }
}

/// How a pool opens its connections, for clients that must do more than
/// [`Connection::open`]: the Sentinel client resolves the master's address at connect time;
/// the cluster client sends `READONLY` on connections to replicas.
///
/// A connector only opens connections: when a connect or a command is tried again is the
/// pool's [`RetryPolicy`](crate::RetryPolicy). Any
/// `Fn(&ConnectionInfo) -> Result<Connection> + Send + Sync` is a connector.
pub trait Connector: Send + Sync + 'static {
    /// Opens one connection for the pool, which passes its own [`ConnectionInfo`].
    fn connect(&self, info: &ConnectionInfo) -> Result<Connection>;

    /// Whether a connection this connector opened may still be handed out, asked (without
    /// I/O) when it is taken from or given back to the pool; `false` closes it. The
    /// Sentinel client answers `false` for a connection to a node the sentinels no longer
    /// name as the master. Defaults to `true`.
    fn still_valid(&self, conn: &Connection) -> bool {
        let _ = conn;
        true
    }

    /// Kept so that connectors written for 0.1 compile; the pool no longer asks it (its
    /// [`RetryPolicy`](crate::RetryPolicy) decides). Returns false.
    #[deprecated(since = "0.2.0", note = "retries follow the pool's `RetryPolicy`")]
    fn should_retry(&self, cmd: &Cmd, err: &Error, sent: bool, attempt: usize) -> bool {
        let _ = (cmd, err, sent, attempt);
        false
    }
}

impl<F> Connector for F
where
    F: Fn(&ConnectionInfo) -> Result<Connection> + Send + Sync + 'static,
{
    fn connect(&self, info: &ConnectionInfo) -> Result<Connection> {
        self(info)
    }
}

struct Inner {
    info: ConnectionInfo,
    config: PoolConfig,
    connector: Option<Arc<dyn Connector>>,
    /// The connector finds the current master (Sentinel): a `READONLY` reply means the
    /// node was demoted, the command was refused, and it runs again on a new connection.
    follows_failover: bool,
    /// `db.client.connection.pool.name` of its metrics.
    name: PoolName,
    state: Mutex<State>,
    freed: Condvar,
    /// With a credential provider: its last answer and generation (see [`Rotation`]).
    rotation: Option<Rotation>,
}

/// A thread-safe pool of connections to one server. Cloning it is cheap: clones share the
/// same connections.
#[derive(Clone)]
pub struct ConnectionPool {
    inner: Arc<Inner>,
}

impl fmt::Debug for ConnectionPool {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let st = self.inner.state.lock();
        f.debug_struct("ConnectionPool")
            .field("info", &self.inner.info)
            .field("config", &self.inner.config)
            .field("custom_connector", &self.inner.connector.is_some())
            .field("open", &st.open)
            .field("idle", &st.idle.len())
            .finish()
    }
}

impl ConnectionPool {
    /// Creates a pool and opens `min_size` connections now; the first failure is returned
    /// (a refused connection is [`Error::Io`], bad credentials [`Error::Server`]).
    pub fn new(info: ConnectionInfo, config: PoolConfig) -> Result<ConnectionPool> {
        Self::build(info, config, None, false)
    }

    /// Like [`new`](Self::new), but every connection is opened by `connector` instead of
    /// [`Connection::open`] (which the connector may call itself, with another address or
    /// followed by commands that prepare the connection).
    pub fn with_connector(
        info: ConnectionInfo,
        config: PoolConfig,
        connector: impl Connector,
    ) -> Result<ConnectionPool> {
        Self::build(info, config, Some(Arc::new(connector)), false)
    }

    /// [`with_connector`](Self::with_connector) for a connector that finds the current
    /// master: `READONLY` replies are retried (see [`Inner::follows_failover`]).
    pub(crate) fn following_failover(
        info: ConnectionInfo,
        config: PoolConfig,
        connector: impl Connector,
    ) -> Result<ConnectionPool> {
        Self::build(info, config, Some(Arc::new(connector)), true)
    }

    fn build(
        info: ConnectionInfo,
        config: PoolConfig,
        connector: Option<Arc<dyn Connector>>,
        follows_failover: bool,
    ) -> Result<ConnectionPool> {
        config.validate()?;
        let rotation = info
            .credential_provider
            .clone()
            .map(|p| Rotation::new(p, info.credential_refresh_interval));
        let pool = ConnectionPool {
            inner: Arc::new(Inner {
                rotation,
                name: PoolName::new(&info.addr, info.db),
                info,
                config,
                connector,
                follows_failover,
                state: Mutex::new(State {
                    idle: VecDeque::with_capacity(config.max_size.min(1024)),
                    open: 0,
                    waiting: 0,
                    holder: None,
                }),
                freed: Condvar::new(),
            }),
        };
        let mut opened = Vec::with_capacity(config.min_size);
        for _ in 0..config.min_size {
            opened.push(pool.get()?);
        }
        drop(opened); // back to the idle queue
        Ok(pool)
    }

    /// Checks out a connection: an idle one, or a new one while fewer than `max_size` are
    /// open, or the first one released within `timeout` ([`Error::PoolTimeout`] after). A
    /// connection that cannot be opened (refused, reset, timed out, server loading) is tried
    /// again under the pool's [`RetryPolicy`](crate::RetryPolicy).
    pub fn get(&self) -> Result<PooledConnection> {
        let inner = &*self.inner;
        // A timeout too far away for an `Instant` (`Duration::MAX`) waits forever.
        let deadline = crate::time::deadline_in(inner.config.timeout);
        let what = || format!("connecting to {}", inner.info.addr);
        retry::run(
            &inner.config.retry,
            None,
            &what,
            |_| match self.get_until(deadline) {
                // A setup that timed out spent the whole connect timeout, the caller's bound
                // for it: not tried again.
                Err(Error::Timeout) => Attempt::Done(Err(Error::Timeout)),
                Err(e) if retry::may_reconnect(&e) => Attempt::Retry(e),
                r => Attempt::Done(r),
            },
            |e| e,
        )
    }

    /// One try at [`get`](Self::get): an error opening a connection is returned as it is.
    fn get_until(&self, deadline: Option<Instant>) -> Result<PooledConnection> {
        let inner = &*self.inner;
        let max = inner.config.max_size;
        let mut st = inner.state.lock();
        // When this call began to wait for a free connection (the slow path only).
        let mut waited: Option<Instant> = None;
        loop {
            if let Some(conn) = st.idle.pop_front() {
                st.took(max);
                self.counts(&st);
                drop(st);
                self.waited(waited);
                match self.check_idle(conn) {
                    Some(conn) => return Ok(self.guard(conn)),
                    None => {
                        st = inner.state.lock();
                        continue;
                    }
                }
            }
            if st.open < max {
                st.open += 1;
                st.took(max);
                self.counts(&st);
                drop(st);
                self.waited(waited);
                return match self.open_new() {
                    Ok(conn) => Ok(self.guard(conn)),
                    Err(e) => {
                        self.free_slot();
                        Err(e)
                    }
                };
            }
            st.waiting += 1;
            waited.get_or_insert_with(Instant::now);
            let timed_out = match deadline {
                None => {
                    inner.freed.wait(&mut st);
                    false
                }
                Some(d) => inner.freed.wait_until(&mut st, d).timed_out(),
            };
            st.waiting -= 1;
            if timed_out && st.idle.is_empty() && st.open >= max {
                // `Error::PoolTimeout` is a unit variant callers match on: the detail goes
                // to the log (and the trace).
                let state = PoolState {
                    in_use: st.open - st.idle.len(),
                    max,
                    waiting: st.waiting,
                    limit: inner.config.timeout,
                    self_deadlock: max == 1 && st.holder == Some(std::thread::current().id()),
                };
                drop(st);
                observe::pool_timeout(&inner.name, &inner.info.addr, &state);
                return Err(Error::PoolTimeout);
            }
        }
    }

    /// Runs one command on a connection of this pool and returns its raw reply (an error
    /// reply is `Err(Error::Server)`), retried as this pool's
    /// [`RetryPolicy`](crate::RetryPolicy) allows: sent again on another connection when it certainly did not run, or when it is read-only
    /// and its connection broke; otherwise a failure after sending is ambiguous
    /// ([`Error::is_ambiguous`]).
    ///
    /// A command the server refused with `LOADING` (still loading its data after a
    /// restart) did not run: it is sent again, writes included, after the policy's pauses,
    /// for up to the read timeout from the first refusal.
    pub fn request(&self, cmd: &Cmd) -> Result<Value> {
        let what = || cmd.display_name();
        let mut decision = retry::Decision::new(self.inner.info.read_timeout);
        retry::run(
            &self.inner.config.retry,
            None,
            &what,
            |_| {
                let mut conn = match self.get() {
                    Ok(c) => c,
                    // `get` has retried the connect already.
                    Err(e) => return Attempt::Done(Err(e)),
                };
                let (stage, e) = match conn.request_staged(cmd) {
                    Ok(v) => return Attempt::Done(Ok(v)),
                    Err(failure) => failure,
                };
                drop(conn);
                if self.inner.follows_failover {
                    let demoted = e.server_error().is_some_and(|s| s.kind() == "READONLY");
                    if demoted || retry::may_retry(stage, retry::is_read_only(cmd), &e) {
                        // The idle connections lead to the old master.
                        self.clear();
                    }
                    if demoted {
                        return Attempt::Retry(e);
                    }
                }
                decision.judge(cmd, stage, e)
            },
            |e| e,
        )
    }

    /// Opens a connection with the connector; with a credential provider, asks it first
    /// and notes the generation of its answer on the connection.
    fn open_new(&self) -> Result<Connection> {
        let inner = &*self.inner;
        let connect = |info: &ConnectionInfo| match &inner.connector {
            None => Connection::open(info),
            Some(c) => c.connect(info),
        };
        let Some(rotation) = &inner.rotation else {
            return connect(&inner.info);
        };
        let (creds, generation) = rotation.fetch()?;
        let mut conn = connect(&inner.info.authenticated_as(&creds))?;
        conn.set_auth_generation(generation);
        Ok(conn)
    }

    /// With a credential provider: the credentials `conn` should authenticate with now,
    /// and their generation, when they are not the ones it authenticated with (one atomic
    /// load when nothing changed). Asks the provider first when its refresh interval has
    /// passed.
    pub(crate) fn stale_credentials(&self, conn: &Connection) -> Option<(Credentials, u64)> {
        let rotation = self.inner.rotation.as_ref()?;
        rotation.refresh_if_due();
        if conn.auth_generation() == rotation.generation() {
            return None;
        }
        rotation.current()
    }

    /// Re-authenticates `conn` when the provider's answer changed since it authenticated;
    /// false when that failed (the connection is then not to be used).
    fn reauthenticate_if_stale(&self, conn: &mut Connection) -> bool {
        let Some((creds, generation)) = self.stale_credentials(conn) else {
            return true;
        };
        match conn.reauthenticate(&creds) {
            Ok(()) => {
                conn.set_auth_generation(generation);
                true
            }
            Err(e) => {
                log::debug!(
                    "closing connection to {}: authenticating again failed ({e})",
                    conn.addr()
                );
                false
            }
        }
    }

    /// The stale check and the optional health check, outside the lock. `None` means the
    /// connection was closed and its slot freed.
    fn check_idle(&self, mut conn: Connection) -> Option<Connection> {
        if let Some(limit) = self.inner.config.idle_timeout {
            if conn.last_used().elapsed() > limit {
                observe::discarded(conn.addr(), "idle for too long");
                self.close(conn);
                return None;
            }
        }
        if let Some(c) = &self.inner.connector {
            if !c.still_valid(&conn) {
                observe::discarded(conn.addr(), "no longer wanted");
                self.close(conn);
                return None;
            }
        }
        if conn.is_stale() {
            observe::discarded(conn.addr(), "closed by the server or unexpected bytes");
            self.close(conn);
            return None;
        }
        if !self.reauthenticate_if_stale(&mut conn) {
            self.close(conn);
            return None;
        }
        if let Some(every) = self.inner.info.health_check_interval {
            if conn.last_used().elapsed() >= every {
                match conn.request_value(&cmd("PING")) {
                    Ok(Value::Simple(_)) | Ok(Value::Bulk(_)) => {}
                    other => {
                        log::debug!(
                            "discarding idle connection to {}: health check failed ({:?})",
                            conn.addr(),
                            other.err()
                        );
                        self.close(conn);
                        return None;
                    }
                }
            }
        }
        Some(conn)
    }

    fn guard(&self, conn: Connection) -> PooledConnection {
        PooledConnection {
            conn: Some(conn),
            pool: self.clone(),
        }
    }

    /// The pool's connection counts, for the `db.client.connection.count` gauges (nothing
    /// without feature `metrics`).
    #[inline(always)]
    fn counts(&self, st: &State) {
        observe::pool_counts(&self.inner.name, st.idle.len(), st.open - st.idle.len());
    }

    /// A checkout that had to wait for a free connection says how long.
    #[inline(always)]
    fn waited(&self, since: Option<Instant>) {
        if let Some(t) = since {
            observe::pool_waited(&self.inner.name, &self.inner.info.addr, t.elapsed());
        }
    }

    fn free_slot(&self) {
        let mut st = self.inner.state.lock();
        st.open -= 1;
        st.holder = None;
        self.counts(&st);
        drop(st);
        self.inner.freed.notify_one();
    }

    fn close(&self, conn: Connection) {
        self.free_slot();
        conn.close();
    }

    /// Puts a connection back, or closes it if it is not clean. Called by the guard's drop.
    fn release(&self, conn: Connection) {
        let mut reason = conn.dirty(self.inner.info.db).map(|d| format!("{d:?}"));
        if let Some(c) = &self.inner.connector {
            if reason.is_none() && !c.still_valid(&conn) {
                reason = Some("no longer wanted".into());
            }
        }
        let mut st = self.inner.state.lock();
        st.holder = None;
        if reason.is_none() && st.open <= self.inner.config.max_size {
            st.idle.push_back(conn);
            self.counts(&st);
            drop(st);
            self.inner.freed.notify_one();
        } else {
            st.open -= 1;
            self.counts(&st);
            drop(st);
            self.inner.freed.notify_one();
            log::debug!(
                "closing connection to {} instead of reusing it: {:?}",
                conn.addr(),
                reason
            );
            conn.close();
        }
    }

    /// Connections open: in use plus idle.
    pub fn size(&self) -> usize {
        self.inner.state.lock().open
    }

    /// Connections idle in the pool.
    pub fn free_size(&self) -> usize {
        self.inner.state.lock().idle.len()
    }

    /// Threads blocked in [`get`](Self::get) waiting for a connection.
    pub fn waiting(&self) -> usize {
        self.inner.state.lock().waiting
    }

    /// Closes every idle connection; connections in use are unaffected.
    pub fn clear(&self) {
        let idle: Vec<Connection> = {
            let mut st = self.inner.state.lock();
            let idle: Vec<_> = st.idle.drain(..).collect();
            st.open -= idle.len();
            self.counts(&st);
            idle
        };
        if !idle.is_empty() {
            self.inner.freed.notify_all();
        }
        for c in idle {
            c.close();
        }
    }

    /// The connection settings of this pool.
    pub fn connection_info(&self) -> &ConnectionInfo {
        &self.inner.info
    }

    /// The sizes and timeout of this pool.
    pub fn config(&self) -> &PoolConfig {
        &self.inner.config
    }
}

/// A connection checked out of a [`ConnectionPool`]; it goes back (or is closed, if it is
/// not clean) when dropped. It has every command method of
/// [`StrictRedis`](crate::StrictRedis), and derefs to [`Connection`].
pub struct PooledConnection {
    conn: Option<Connection>,
    pool: ConnectionPool,
}

impl PooledConnection {
    /// The pool this connection belongs to.
    pub fn pool(&self) -> &ConnectionPool {
        &self.pool
    }

    /// Closes this connection instead of returning it, freeing its slot.
    pub fn discard(mut self) {
        if let Some(c) = self.conn.as_mut() {
            c.mark_broken();
        }
    }
}

impl fmt::Debug for PooledConnection {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PooledConnection")
            .field("conn", &self.conn)
            .finish()
    }
}

impl Deref for PooledConnection {
    type Target = Connection;
    fn deref(&self) -> &Connection {
        self.conn.as_ref().expect("connection present until drop")
    }
}

impl DerefMut for PooledConnection {
    fn deref_mut(&mut self) -> &mut Connection {
        self.conn.as_mut().expect("connection present until drop")
    }
}

impl Drop for PooledConnection {
    fn drop(&mut self) {
        if let Some(mut conn) = self.conn.take() {
            if std::thread::panicking() {
                // The command in flight may have been cut anywhere: never reuse.
                conn.mark_broken();
            }
            self.pool.release(conn);
        }
    }
}
