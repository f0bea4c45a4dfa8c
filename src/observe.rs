//! The one place that says what the client does: `log` lines, `tracing` spans and events
//! (feature `tracing`) and `metrics` (feature `metrics`). Every emitting call site in the
//! crate calls a function of this file, so that a line, an event and a metric never tell
//! two different stories.
//!
//! - Every event is a `log` line (target `strictredis`); with feature `tracing` it is a
//!   `tracing` event too, with structured fields (an application that forwards `log` into
//!   `tracing` should leave target `strictredis` out of one of the two).
//! - With both features off every function here is empty and inlined: the call sites cost
//!   nothing.
//!
//! Span fields and metric names follow OpenTelemetry's database semantic conventions; the
//! list is in docs/production.md ("Tracing and metrics"). Argument values are never
//! recorded unless [`ConnectionInfo::trace_arguments`](crate::ConnectionInfo) is on, and
//! even then not those of the commands that carry secrets ([`secret_arguments`]).

use std::time::Duration;

use crate::cmd::Cmd;
use crate::config::ConnectionAddr;
use crate::error::Error;

/// Emits one event: a `log` line (the message), and with feature `tracing` a `tracing`
/// event too (the structured fields and the same message), both under target
/// `strictredis`.
macro_rules! emit {
    ($level:ident, { $($field:tt)* }, $($msg:tt)+) => {{
        #[cfg(feature = "tracing")]
        tracing::$level!(target: "strictredis", { $($field)* }, $($msg)+);
        log::$level!(target: "strictredis", $($msg)+);
    }};
}

/// Which limit passed, for the timeout lines and the `db.client.operation.timeouts` counter.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum TimeoutKind {
    /// The TCP connect or the handshake's commands (`connect_timeout`).
    Connect,
    /// The TLS handshake (`connect_timeout`).
    #[cfg_attr(not(feature = "tls"), allow(dead_code))]
    TlsHandshake,
    /// A reply did not come in time (`read_timeout`).
    Read,
    /// A write did not complete in time (`write_timeout`).
    Write,
}

impl TimeoutKind {
    fn as_str(self) -> &'static str {
        match self {
            TimeoutKind::Connect => "connect",
            TimeoutKind::TlsHandshake => "tls_handshake",
            TimeoutKind::Read => "read",
            TimeoutKind::Write => "write",
        }
    }
}

/// The commands whose arguments are never recorded, even with `trace_arguments` on: they
/// carry passwords (`AUTH`, `HELLO ... AUTH`, `MIGRATE ... AUTH`/`AUTH2`, `ACL SETUSER`'s
/// `>password` rules, `CONFIG SET requirepass/masterauth`).
pub(crate) fn secret_arguments(cmd: &Cmd) -> bool {
    let mut it = cmd.args_iter();
    let name = it.next().unwrap_or(b"");
    let sub = it.next().unwrap_or(b"");
    let is = |a: &[u8], b: &str| a.eq_ignore_ascii_case(b.as_bytes());
    is(name, "AUTH")
        || is(name, "HELLO")
        || is(name, "MIGRATE")
        || (is(name, "ACL") && is(sub, "SETUSER"))
        || (is(name, "CONFIG") && is(sub, "SET"))
}

/// `error.type` of a failed operation: a server error's code (`WRONGTYPE`, `MOVED`, ...),
/// otherwise the kind of failure (`timeout`, `io`, ...).
#[cfg_attr(not(any(feature = "tracing", feature = "metrics")), allow(dead_code))]
pub(crate) fn error_type(e: &Error) -> String {
    if let Some(s) = e.server_error() {
        return s.kind().to_string();
    }
    match e.inner() {
        Error::Io(_) => "io",
        Error::Timeout => "timeout",
        Error::PoolTimeout => "pool_timeout",
        Error::TransactionAborted => "transaction_aborted",
        Error::Protocol(_) => "protocol",
        Error::Type(_) => "type",
        Error::Config(_) => "config",
        Error::Tls(_) => "tls",
        Error::Pipeline { .. } => "pipeline",
        Error::Cluster(_) => "cluster",
        Error::Sentinel(_) => "sentinel",
        Error::LockNotOwned(_) => "lock_not_owned",
        _ => "other",
    }
    .to_string()
}

/// `server.address` and `server.port` of an address (a Unix socket: its path, no port).
#[cfg_attr(not(feature = "tracing"), allow(dead_code))]
fn server_of(addr: &ConnectionAddr) -> (String, Option<u16>) {
    match addr {
        ConnectionAddr::Tcp { host, port } | ConnectionAddr::TcpTls { host, port, .. } => {
            (host.clone(), Some(*port))
        }
        ConnectionAddr::Unix(p) => (p.display().to_string(), None),
    }
}

/// Where an operation runs: for the span's `server.*` and `db.namespace` fields.
#[derive(Clone, Copy)]
#[cfg_attr(not(feature = "tracing"), allow(dead_code))]
pub(crate) struct At<'a> {
    pub addr: &'a ConnectionAddr,
    pub db: u32,
    /// `trace_arguments`: record `db.query.text` (secrets redacted).
    pub arguments: bool,
}

/// What an operation is: one command, or a batch of them (a pipeline, a transaction).
#[cfg_attr(not(feature = "tracing"), allow(dead_code))]
pub(crate) enum What<'a> {
    Command(&'a Cmd),
    Batch { size: usize, transaction: bool },
}

impl What<'_> {
    #[cfg_attr(not(any(feature = "tracing", feature = "metrics")), allow(dead_code))]
    fn name(&self) -> String {
        match self {
            What::Command(c) => c.display_name(),
            What::Batch {
                transaction: true, ..
            } => "MULTI".into(),
            What::Batch { .. } => "PIPELINE".into(),
        }
    }
}

/// `db.query.text` of a command: its name and arguments (lossy UTF-8, each argument of more
/// than 64 bytes cut), or its name and `?` for each argument of a command that carries
/// secrets.
#[cfg_attr(not(feature = "tracing"), allow(dead_code))]
pub(crate) fn query_text(cmd: &Cmd) -> String {
    let secret = secret_arguments(cmd);
    let mut out = String::new();
    for (i, a) in cmd.args_iter().enumerate() {
        if i > 0 {
            out.push(' ');
        }
        if secret && i > 0 {
            out.push('?');
            continue;
        }
        let shown = &a[..a.len().min(64)];
        out.push_str(&String::from_utf8_lossy(shown));
        if a.len() > 64 {
            out.push_str("...");
        }
    }
    out
}

/// One operation (a command, or a batch, on one connection) in progress: its span and its
/// start. Both features off, nothing. Made by [`start`]; [`Op::run`] runs the attempt inside
/// the span, [`Op::finish`] records the outcome.
pub(crate) struct Op {
    #[cfg(feature = "tracing")]
    span: tracing::Span,
    #[cfg(feature = "metrics")]
    start: std::time::Instant,
}

/// Starts an operation: opens its span (feature `tracing`; no field is computed when no
/// subscriber wants it) and notes its start (feature `metrics`).
#[inline(always)]
pub(crate) fn start(what: &What<'_>, at: At<'_>) -> Op {
    #[cfg(not(feature = "tracing"))]
    let _ = (what, at);
    Op {
        #[cfg(feature = "tracing")]
        span: enabled::span(what, at),
        #[cfg(feature = "metrics")]
        start: std::time::Instant::now(),
    }
}

impl Op {
    /// Runs `f` inside the operation's span.
    #[inline(always)]
    pub(crate) fn run<R>(&self, f: impl FnOnce() -> R) -> R {
        #[cfg(feature = "tracing")]
        {
            self.span.in_scope(f)
        }
        #[cfg(not(feature = "tracing"))]
        f()
    }

    /// Records how the operation ended (`error` is its error, if it failed): the span's
    /// `error.type` and `db.response.status_code`, the duration histogram and the error
    /// counter.
    #[inline(always)]
    pub(crate) fn finish(self, what: &What<'_>, error: Option<&Error>) {
        #[cfg(any(feature = "tracing", feature = "metrics"))]
        enabled::finish(self, what, error);
        #[cfg(not(any(feature = "tracing", feature = "metrics")))]
        let _ = (what, error);
    }
}

#[cfg(any(feature = "tracing", feature = "metrics"))]
mod enabled {
    use super::*;

    #[cfg(feature = "tracing")]
    pub(super) fn span(what: &What<'_>, at: At<'_>) -> tracing::Span {
        use tracing::field::Empty;
        let span = tracing::info_span!(
            target: "strictredis",
            "redis.command",
            otel.name = Empty,
            otel.kind = "client",
            db.system.name = "redis",
            db.operation.name = Empty,
            db.operation.batch.size = Empty,
            db.namespace = at.db,
            server.address = Empty,
            server.port = Empty,
            db.query.text = Empty,
            db.response.status_code = Empty,
            error.type = Empty,
        );
        if span.is_disabled() {
            return span;
        }
        let name = what.name();
        span.record("otel.name", name.as_str());
        span.record("db.operation.name", name.as_str());
        let (host, port) = server_of(at.addr);
        span.record("server.address", host.as_str());
        if let Some(p) = port {
            span.record("server.port", p);
        }
        match what {
            What::Batch { size, .. } => {
                span.record("db.operation.batch.size", *size);
            }
            What::Command(c) if at.arguments => {
                span.record("db.query.text", query_text(c).as_str());
            }
            What::Command(_) => {}
        }
        span
    }

    pub(super) fn finish(op: Op, what: &What<'_>, error: Option<&Error>) {
        let failed = error.map(error_type);
        #[cfg(feature = "tracing")]
        if let (Some(t), Some(e)) = (&failed, error) {
            if !op.span.is_disabled() {
                if let Some(s) = e.server_error() {
                    op.span.record("db.response.status_code", s.kind());
                }
                op.span.record("error.type", t.as_str());
            }
        }
        #[cfg(feature = "metrics")]
        {
            let secs = op.start.elapsed().as_secs_f64();
            match &failed {
                // The common case costs no allocation: the key is built once per command.
                None => match keys::duration(what) {
                    Some(key) => keys::histogram(key).record(secs),
                    None => metrics::histogram!(
                        "db.client.operation.duration",
                        "db.system.name" => "redis",
                        "db.operation.name" => what.name(),
                    )
                    .record(secs),
                },
                Some(t) => {
                    let name = what.name();
                    metrics::histogram!(
                        "db.client.operation.duration",
                        "db.system.name" => "redis",
                        "db.operation.name" => name,
                        "error.type" => t.clone(),
                    )
                    .record(secs);
                    metrics::counter!(
                        "db.client.operation.errors",
                        "db.system.name" => "redis",
                        "error.type" => t.clone(),
                    )
                    .increment(1);
                }
            }
        }
        #[cfg(not(feature = "metrics"))]
        let _ = (failed, what);
        drop(op);
    }
}

/// The retry loop is about to try `what` again: after `pause` (a retry, counted against
/// `max`), at once (`pause` zero: a redirection), or after a pause that waits for a
/// server still loading its data (`loading`).
pub(crate) fn retry(what: &str, e: &Error, attempt: u32, max: u32, pause: Duration, why: Retry) {
    match why {
        Retry::Again => emit!(
            debug,
            {
                db.operation.name = what,
                retry.attempt = attempt,
                retry.max = max,
                retry.pause_ms = pause.as_millis() as u64,
                error.type = error_type(e).as_str(),
            },
            "{what} failed ({e}); retry {attempt} of {max} in {pause:?}"
        ),
        Retry::Redirect => emit!(
            debug,
            { db.operation.name = what, retry.attempt = attempt, error.type = error_type(e).as_str(), },
            "{what}: {e}; again at once"
        ),
        Retry::Loading => emit!(
            debug,
            { db.operation.name = what, retry.pause_ms = pause.as_millis() as u64, },
            "{what}: {e}; waiting {pause:?} for the server"
        ),
    }
    #[cfg(feature = "metrics")]
    metrics::counter!(
        "db.client.operation.retries",
        "db.system.name" => "redis",
        "reason" => why.as_str(),
    )
    .increment(1);
}

/// Why [`retry`] tries again.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Retry {
    /// After the policy's pause.
    Again,
    /// At once, somewhere else (cluster redirections, `ASKING` failures).
    Redirect,
    /// The server is loading its data (`LOADING`).
    Loading,
}

impl Retry {
    #[cfg_attr(not(feature = "metrics"), allow(dead_code))]
    fn as_str(self) -> &'static str {
        match self {
            Retry::Again => "retry",
            Retry::Redirect => "redirect",
            Retry::Loading => "loading",
        }
    }
}

/// A cluster redirection: `MOVED` (the slot map changed) or `ASK` (a slot in migration).
pub(crate) fn redirect(what: &str, kind: &str, slot: Option<u16>, to: &str) {
    #[cfg(not(any(feature = "tracing", feature = "metrics")))]
    let _ = kind;
    match slot {
        Some(slot) => emit!(
            debug,
            { db.operation.name = what, redirect.kind = kind, redirect.slot = slot, redirect.to = to, },
            "{what}: slot {slot} moved to {to}"
        ),
        None => emit!(
            debug,
            { db.operation.name = what, redirect.kind = kind, redirect.to = to, },
            "{what}: asked to try {to}"
        ),
    }
    #[cfg(feature = "metrics")]
    metrics::counter!(
        "db.client.operation.redirects",
        "db.system.name" => "redis",
        "kind" => kind.to_string(),
    )
    .increment(1);
}

/// A timeout passed: which one, on what, for which command, under which limit. The error
/// itself stays [`Error::Timeout`] (a unit variant that callers match on): the detail is
/// here.
pub(crate) fn timeout(
    kind: TimeoutKind,
    addr: &ConnectionAddr,
    command: Option<&str>,
    limit: Option<Duration>,
    note: &str,
) {
    let command = command.unwrap_or("(connection setup)");
    emit!(
        warn,
        {
            timeout.kind = kind.as_str(),
            db.operation.name = command,
            timeout.limit_ms = limit.map_or(0, |l| l.as_millis() as u64),
            server.address = %addr,
        },
        "{command} on {addr}: {} timeout ({limit:?}{note}) passed",
        kind.as_str()
    );
    #[cfg(feature = "metrics")]
    metrics::counter!(
        "db.client.operation.timeouts",
        "db.system.name" => "redis",
        "timeout.kind" => kind.as_str(),
    )
    .increment(1);
}

/// A connection was opened (TCP, TLS and the handshake) in `took`: a reconnect when the
/// pool had one break or close before.
pub(crate) fn connected(addr: &ConnectionAddr, db: u32, took: Duration) {
    emit!(
        debug,
        { server.address = %addr, db.namespace = db, connect.ms = took.as_millis() as u64, },
        "connected to {addr} (db {db}) in {took:?}"
    );
    #[cfg(feature = "metrics")]
    metrics::histogram!("db.client.connection.create_time", "db.system.name" => "redis")
        .record(took.as_secs_f64());
}

/// A connection broke (I/O error, timeout, protocol error): it is never used again, and
/// the next command opens another one.
pub(crate) fn broken(addr: &ConnectionAddr, e: &Error) {
    emit!(
        debug,
        { server.address = %addr, error.type = error_type(e).as_str(), },
        "connection to {addr} broken: {e}"
    );
    #[cfg(feature = "metrics")]
    metrics::counter!(
        "db.client.connection.broken",
        "db.system.name" => "redis",
        "error.type" => error_type(e),
    )
    .increment(1);
}

/// An idle connection was closed instead of being handed out: the server closed it, it
/// idled too long, or its node is no longer wanted.
pub(crate) fn discarded(addr: &ConnectionAddr, why: &str) {
    emit!(debug, { server.address = %addr, reason = why, }, "closing connection to {addr}: {why}");
}

/// Sentinel named a new master for `name` (a failover, or what was announced while nobody
/// listened).
pub(crate) fn failover(name: &str, host: &str, port: u16, sentinel: &ConnectionAddr) {
    emit!(
        info,
        {
            sentinel.master = name,
            server.address = host,
            server.port = port,
            sentinel.address = %sentinel,
        },
        "master of {name:?} is now {host}:{port} ({sentinel} said so)"
    );
    #[cfg(feature = "metrics")]
    metrics::counter!("db.client.sentinel.failovers", "db.system.name" => "redis").increment(1);
}

/// A pub/sub connection was lost and is being opened again, with its subscriptions.
pub(crate) fn pubsub_reconnect() {
    emit!(debug, { reconnect = "pubsub", }, "pub/sub connection lost: reconnecting and subscribing again");
    #[cfg(feature = "metrics")]
    metrics::counter!("db.client.connection.reconnects", "db.system.name" => "redis", "kind" => "pubsub")
        .increment(1);
}

/// A pool's metrics (`db.client.connection.pool.name`), their keys built once with the
/// pool: a checkout and a release then cost no allocation.
#[derive(Clone, Debug)]
pub(crate) struct PoolName {
    #[cfg(feature = "metrics")]
    name: metrics::SharedString,
    #[cfg(feature = "metrics")]
    idle: metrics::Key,
    #[cfg(feature = "metrics")]
    used: metrics::Key,
}

impl PoolName {
    /// `host:port/db` (a Unix socket: `unix:path/db`).
    pub(crate) fn new(addr: &ConnectionAddr, db: u32) -> PoolName {
        #[cfg(feature = "metrics")]
        {
            let name = metrics::SharedString::from(format!("{addr}/{db}"));
            let count = |state: &'static str| {
                let labels = vec![
                    metrics::Label::from_static_parts("state", state),
                    metrics::Label::new("db.client.connection.pool.name", name.clone()),
                ];
                metrics::Key::from_parts("db.client.connection.count", labels)
            };
            PoolName {
                idle: count("idle"),
                used: count("used"),
                name,
            }
        }
        #[cfg(not(feature = "metrics"))]
        {
            let _ = (addr, db);
            PoolName {}
        }
    }
}

/// A pool's connections changed: `idle` idle and `used` in use (`db.client.connection.count`
/// with `state` = `idle` / `used`).
#[inline(always)]
pub(crate) fn pool_counts(pool: &PoolName, idle: usize, used: usize) {
    #[cfg(feature = "metrics")]
    {
        keys::gauge(&pool.idle).set(idle as f64);
        keys::gauge(&pool.used).set(used as f64);
    }
    #[cfg(not(feature = "metrics"))]
    let _ = (pool, idle, used);
}

/// A thread waited `waited` for a free connection of a full pool, and got one.
pub(crate) fn pool_waited(pool: &PoolName, addr: &ConnectionAddr, waited: Duration) {
    emit!(
        debug,
        { server.address = %addr, pool.wait_ms = waited.as_millis() as u64, },
        "waited {waited:?} for a free connection to {addr}"
    );
    #[cfg(feature = "metrics")]
    metrics::histogram!(
        "db.client.connection.wait_time",
        "db.client.connection.pool.name" => pool.name.clone(),
    )
    .record(waited.as_secs_f64());
    #[cfg(not(feature = "metrics"))]
    let _ = pool;
}

/// How full a pool was when a caller gave up waiting, for [`pool_timeout`].
pub(crate) struct PoolState {
    pub in_use: usize,
    pub max: usize,
    pub waiting: usize,
    pub limit: Option<Duration>,
    /// The calling thread itself holds the pool's only connection (`max_size` 1).
    pub self_deadlock: bool,
}

/// No connection became free within the pool's timeout. [`Error::PoolTimeout`] stays a
/// unit variant: the pool's size, in-use count and limit are said here, and so is the
/// self-deadlock of a thread that holds the one connection of a pool of one and asks again.
pub(crate) fn pool_timeout(pool: &PoolName, addr: &ConnectionAddr, s: &PoolState) {
    let hint = if s.self_deadlock {
        " (this thread itself holds the pool's only connection (a PooledConnection, a \
         PubSub, a pipeline or transaction in progress) and waits for itself: raise \
         max_connections or drop it first)"
    } else if s.max == 1 {
        " (with max_connections(1), a thread that holds the one connection (a \
         PooledConnection, a PubSub, a transaction) and calls the client again waits for \
         itself)"
    } else {
        ""
    };
    emit!(
        warn,
        {
            timeout.kind = "pool",
            server.address = %addr,
            pool.in_use = s.in_use,
            pool.max = s.max,
            pool.waiting = s.waiting,
            timeout.limit_ms = s.limit.map_or(0, |l| l.as_millis() as u64),
            pool.self_deadlock = s.self_deadlock,
        },
        "pool timeout: no free connection to {addr} within {:?}: {} of {} connections in \
         use, {} other threads waiting{hint}",
        s.limit,
        s.in_use,
        s.max,
        s.waiting
    );
    #[cfg(feature = "metrics")]
    metrics::counter!(
        "db.client.connection.timeouts",
        "db.client.connection.pool.name" => pool.name.clone(),
    )
    .increment(1);
    #[cfg(not(feature = "metrics"))]
    let _ = pool;
}

/// A client-side cache answered from local memory (`db.client.cache.hits`). For the cache
/// module: call it once per command served locally.
#[inline(always)]
pub(crate) fn cache_hit() {
    #[cfg(feature = "metrics")]
    metrics::counter!("db.client.cache.hits", "db.system.name" => "redis").increment(1);
}

/// A cacheable command went to the server (`db.client.cache.misses`). For the cache module:
/// call it once per cacheable command not found locally.
#[inline(always)]
pub(crate) fn cache_miss() {
    #[cfg(feature = "metrics")]
    metrics::counter!("db.client.cache.misses", "db.system.name" => "redis").increment(1);
}

/// Metric keys built once (a `Key` does not depend on the recorder, a handle would), and the
/// registration of a handle under one.
#[cfg(feature = "metrics")]
mod keys {
    use std::sync::OnceLock;

    use metrics::{Gauge, Histogram, Key, Label, Level, Metadata};

    use super::What;
    use crate::command_facts::{self, Name};

    static META: Metadata<'static> = Metadata::new("strictredis", Level::INFO, Some("strictredis"));
    const DURATION: &str = "db.client.operation.duration";
    static PIPELINE: [Label; 2] = [
        Label::from_static_parts("db.system.name", "redis"),
        Label::from_static_parts("db.operation.name", "PIPELINE"),
    ];
    static MULTI: [Label; 2] = [
        Label::from_static_parts("db.system.name", "redis"),
        Label::from_static_parts("db.operation.name", "MULTI"),
    ];
    static PIPELINE_KEY: Key = Key::from_static_parts(DURATION, &PIPELINE);
    static MULTI_KEY: Key = Key::from_static_parts(DURATION, &MULTI);

    /// The duration key of `what` when it succeeded: one per command of the table (built at
    /// its first use), `None` for a command the table does not know.
    pub(super) fn duration(what: &What<'_>) -> Option<&'static Key> {
        let cmd = match what {
            What::Batch {
                transaction: true, ..
            } => return Some(&MULTI_KEY),
            What::Batch { .. } => return Some(&PIPELINE_KEY),
            What::Command(c) => c,
        };
        // The last plain command this thread ran (a loop runs the same one): its name is
        // compared instead of looked up in the table.
        #[derive(Clone, Copy)]
        struct Memo {
            name: [u8; 16],
            len: usize,
            key: &'static Key,
        }
        thread_local! {
            static LAST: std::cell::Cell<Option<Memo>> = const { std::cell::Cell::new(None) };
        }
        let sent = cmd.name();
        if let Some(m) = LAST.with(|l| l.get()) {
            if sent == &m.name[..m.len] {
                return Some(m.key);
            }
        }
        let entry = Name::of(cmd).entry()?;
        let key = key_of(entry)?;
        // A container's (CLIENT, CONFIG, ...) key depends on its subcommand: not memoized.
        if entry.sub.is_empty() && !entry.has(command_facts::flags::CONTAINER) && sent.len() <= 16 {
            let mut name = [0u8; 16];
            name[..sent.len()].copy_from_slice(sent);
            let memo = Memo {
                name,
                len: sent.len(),
                key,
            };
            LAST.with(|l| l.set(Some(memo)));
        }
        Some(key)
    }

    /// The duration key of a command of the table, built at its first use.
    fn key_of(entry: &'static command_facts::Entry) -> Option<&'static Key> {
        let all = command_facts::all();
        let at = (entry as *const _ as usize - all.as_ptr() as usize)
            / std::mem::size_of_val(entry).max(1);
        static KEYS: OnceLock<Box<[OnceLock<Key>]>> = OnceLock::new();
        let keys = KEYS.get_or_init(|| all.iter().map(|_| OnceLock::new()).collect());
        Some(keys.get(at)?.get_or_init(|| {
            let name = if entry.sub.is_empty() {
                entry.name.to_string()
            } else {
                format!("{} {}", entry.name, entry.sub)
            };
            let labels = vec![
                Label::from_static_parts("db.system.name", "redis"),
                Label::new("db.operation.name", name),
            ];
            Key::from_parts(DURATION, labels)
        }))
    }

    pub(super) fn histogram(key: &Key) -> Histogram {
        metrics::with_recorder(|r| r.register_histogram(key, &META))
    }

    pub(super) fn gauge(key: &Key) -> Gauge {
        metrics::with_recorder(|r| r.register_gauge(key, &META))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cmd::cmd;

    #[test]
    fn secrets_are_never_in_the_query_text() {
        assert_eq!(query_text(&cmd("SET").arg("k").arg("v")), "SET k v");
        assert_eq!(
            query_text(&cmd("AUTH").arg("user").arg("hunter2")),
            "AUTH ? ?"
        );
        let hello = cmd("hello").arg(3u32).arg("AUTH").arg("u").arg("pw");
        assert_eq!(query_text(&hello), "hello ? ? ? ?");
        let acl = cmd("ACL").arg("SETUSER").arg("bob").arg(">pw");
        assert_eq!(query_text(&acl), "ACL ? ? ?");
        let mig = cmd("MIGRATE")
            .arg("h")
            .arg(1i64)
            .arg("AUTH2")
            .arg("u")
            .arg("pw");
        assert!(!query_text(&mig).contains("pw"));
        let long = "x".repeat(100);
        assert_eq!(query_text(&cmd("GET").arg(&long)).len(), 4 + 64 + 3);
    }

    #[test]
    fn error_types_name_the_failure() {
        assert_eq!(error_type(&Error::Timeout), "timeout");
        assert_eq!(error_type(&Error::PoolTimeout), "pool_timeout");
        let s = Error::Server(crate::error::ServerError::new("WRONGTYPE x"));
        assert_eq!(error_type(&s), "WRONGTYPE");
    }
}
