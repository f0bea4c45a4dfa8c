//! Auto-pipelining: the commands that many threads send at the same time share one
//! connection and leave in one write; each caller gets its own reply, in order.
//!
//! Turned on by [`ClientBuilder::auto_pipeline`](crate::ClientBuilder::auto_pipeline) (or
//! `?auto_pipeline=true`). [`StrictRedis::execute_command`](crate::StrictRedis::execute_command),
//! and so every command method, then sends each [eligible](eligible) command through the
//! client's one shared connection; everything else goes through the pool as before. The
//! cluster client keeps one [`AutoPipe`] per node and runs single attempts on it
//! ([`AutoPipe::attempt`]) inside its own redirection loop (`src/cluster/autopipe.rs`).
//!
//! * **Connections**: two by default (`auto_pipeline_connections`), each with
//!   its own FIFO ([`core::Core`]); a thread keeps to one of them ([`seat`]), so its
//!   commands stay in order, and the threads spread evenly over them.
//! * **Hand-off** ([`core`]): no thread of its own. The first caller that finds nobody
//!   writing becomes the driver: it writes every command queued so far in one write,
//!   reads their replies in order, hands each to its caller, and passes the role to a
//!   caller that queued meanwhile. Model-checked with `shuttle` (`model.rs`).
//! * **Timeouts**: a caller waits `read_timeout` at most for its reply
//!   ([`Error::Timeout`](crate::Error::Timeout), ambiguous); its slot is abandoned, never
//!   the order: the late reply is read and dropped. A read on the shared connection that
//!   times out breaks it, like any connection.
//! * **A broken connection** fails every request on it (ambiguous where sent, unless
//!   read-only) and is replaced by the next batch; the failed requests are retried where
//!   the [retry rules](crate::retry) allow (not sent, or read-only), under the pool's
//!   [`RetryPolicy`](crate::RetryPolicy), by the pool's own decision (`retry::Decision`).
//! * **Back-pressure**: at most [`MAX_IN_FLIGHT`] commands queued or unanswered, and a
//!   batch stops taking commands at [`MAX_BATCH_BYTES`]; a caller waits for room (for its
//!   read timeout at most, then [`Error::PoolTimeout`](crate::Error::PoolTimeout), unsent).

mod core;
#[cfg(test)]
mod model;
mod sync;

use std::fmt;
use std::time::Duration;

use self::core::{Core, Limits, Link, Opener};
use crate::cmd::Cmd;
use crate::command_facts::{flags, Effect, Name};
use crate::config::{ConnectionAddr, ConnectionInfo, RetryPolicy};
use crate::connection::Connection;
use crate::error::Result;
use crate::failure::Failure;
use crate::retry::{self, Attempt};
use crate::value::Value;

pub(crate) use crate::config::AUTO_PIPELINE_MAX_CONNECTIONS as MAX_CONNECTIONS;

/// Commands queued or written and not answered yet, at most, per shared connection.
pub(crate) const MAX_IN_FLIGHT: usize = 4096;

/// A batch being gathered takes no further command once it holds this many bytes.
pub(crate) const MAX_BATCH_BYTES: usize = 1 << 20;

/// Whether `cmd` may share the auto-pipelined connection: a command the servers know,
/// that does not block (no blocking timeout, not flagged `blocking`), is not an admin
/// command (`DEBUG SLEEP` would stall everyone, `MONITOR`, `SYNC`, ...), and leaves the
/// connection's state alone (not MULTI/EXEC/WATCH, SELECT, SUBSCRIBE, CLIENT REPLY,
/// CLIENT SETNAME, AUTH, HELLO, RESET, QUIT, SHUTDOWN...: see the command table's effects).
pub(crate) fn eligible(cmd: &Cmd) -> bool {
    if cmd.blocking_timeout().is_some() || Effect::of(cmd) != Effect::None {
        return false;
    }
    match Name::of(cmd).entry() {
        Some(e) => e.flags & (flags::BLOCKING | flags::ADMIN | flags::NO_MULTI) == 0,
        None => false,
    }
}

impl Link for Connection {
    fn send(&mut self, bytes: &[u8], count: usize) -> Result<()> {
        self.write_packed(bytes, count)?;
        self.flush()
    }

    fn recv(&mut self) -> Result<Value> {
        self.read_reply()
    }

    fn fresh(&mut self) -> bool {
        !self.is_stale()
    }
}

/// Opens the shared connection with the client's settings.
struct Open(ConnectionInfo);

impl Opener for Open {
    type Link = Connection;
    fn open(&self) -> Result<Connection> {
        Connection::open(&self.0)
    }
}

/// One auto-pipelined connection (opened on first use, replaced when it breaks) with its
/// retry policy and timeout.
pub(crate) struct AutoPipe {
    /// The shared connections; a thread always uses the same one ([`seat`]).
    cores: Box<[Core<Open>]>,
    retry: RetryPolicy,
    read_timeout: Option<Duration>,
    /// Where the commands go, for their spans and metrics.
    addr: ConnectionAddr,
    db: u32,
    /// `trace_arguments` (feature `tracing`).
    arguments: bool,
}

impl fmt::Debug for AutoPipe {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AutoPipe")
            .field("connections", &self.cores.len())
            .field(
                "connected",
                &self.cores.iter().filter(|c| !c.is_disconnected()).count(),
            )
            .finish()
    }
}

impl AutoPipe {
    /// `connections` shared connections (at least one), each opened on first use.
    pub(crate) fn new(info: &ConnectionInfo, retry: RetryPolicy, connections: usize) -> AutoPipe {
        AutoPipe {
            cores: (0..connections.clamp(1, MAX_CONNECTIONS))
                .map(|_| {
                    Core::new(
                        Open(info.clone()),
                        Limits {
                            max_in_flight: MAX_IN_FLIGHT,
                            max_batch_bytes: MAX_BATCH_BYTES,
                        },
                    )
                })
                .collect(),
            retry,
            read_timeout: info.read_timeout,
            addr: info.addr.clone(),
            db: info.db,
            #[cfg(feature = "tracing")]
            arguments: info.trace_arguments,
            #[cfg(not(feature = "tracing"))]
            arguments: false,
        }
    }

    /// Runs one [eligible](eligible) command on the shared connection; the retry rules are
    /// the pool's ([`ConnectionPool::request`](crate::ConnectionPool::request)).
    pub(crate) fn request(&self, cmd: &Cmd) -> Result<Value> {
        let what = || cmd.display_name();
        let mut decision = retry::Decision::new(self.read_timeout);
        retry::run(
            &self.retry,
            None,
            &what,
            |_| match self.attempt(cmd) {
                Ok(v) => Attempt::Done(Ok(v)),
                Err((stage, e)) => decision.judge(cmd, stage, e),
            },
            |e| e,
        )
    }

    /// One attempt at `cmd` on the shared connection, no retry (the cluster runs its own
    /// loop around it), waiting for the read timeout at most.
    pub(crate) fn attempt(&self, cmd: &Cmd) -> std::result::Result<Value, Failure> {
        let deadline = crate::time::deadline_in(self.read_timeout);
        let at = crate::observe::At {
            addr: &self.addr,
            db: self.db,
            arguments: self.arguments,
        };
        let what = crate::observe::What::Command(cmd);
        let op = crate::observe::start(&what, at);
        let core = &self.cores[seat() % self.cores.len()];
        let r = op.run(|| core.call(|b| cmd.write_packed(b), deadline));
        op.finish(&what, r.as_ref().err().map(|(_, e)| e));
        r
    }
}

/// This thread's seat: the index it was given on its first auto-pipelined command (one
/// counter for the whole process, so the threads spread evenly over the connections and
/// each keeps its own, which keeps one thread's commands in order).
fn seat() -> usize {
    use std::cell::Cell;
    use std::sync::atomic::{AtomicUsize, Ordering};
    static NEXT: AtomicUsize = AtomicUsize::new(0);
    thread_local! {
        static SEAT: Cell<usize> = const { Cell::new(usize::MAX) };
    }
    SEAT.with(|s| {
        if s.get() == usize::MAX {
            s.set(NEXT.fetch_add(1, Ordering::Relaxed) % (1 << 20));
        }
        s.get()
    })
}
