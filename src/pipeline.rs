//! Pipelines and transactions: many commands, one write, every reply read in order.

use std::fmt;

use crate::args::ToArgs;
use crate::batch;
use crate::cmd::{cmd, BlockingTimeout, Cmd};
use crate::connection::Connection;
use crate::error::{Error, Result};
use crate::from_value::FromValue;
use crate::pool::{ConnectionPool, PooledConnection};
use crate::script::{self, Script, ScriptInvocation};
use crate::value::Value;

/// Commands queued to be sent together, as redis-py's `Pipeline`.
///
/// Made by [`StrictRedis::pipeline`](crate::StrictRedis::pipeline) (wrapped in
/// MULTI/EXEC, redis-py's default) or
/// [`StrictRedis::pipeline_without_transaction`](crate::StrictRedis::pipeline_without_transaction).
/// Every command method queues its command and returns `&mut Pipeline`; the reply types are
/// chosen at [`execute`](Pipeline::execute).
///
/// ```no_run
/// # let r = strictredis::StrictRedis::from_url("redis://127.0.0.1/")?;
/// let mut p = r.pipeline();
/// p.set("a", "1").incr("a").get("a");
/// let (_, n, v): ((), i64, String) = p.execute()?;
/// # Ok::<(), strictredis::Error>(())
/// ```
pub struct Pipeline {
    pool: Option<ConnectionPool>,
    /// The connection held since `watch`, if any.
    conn: Option<PooledConnection>,
    transaction: bool,
    cmds: Vec<Cmd>,
    /// Scripts of queued `EVALSHA`s, loaded on the connection before the commands go out.
    scripts: Vec<Script>,
}

crate::commands::impl_command_tables!(Pipeline, queue_methods);

impl fmt::Debug for Pipeline {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Pipeline")
            .field("transaction", &self.transaction)
            .field("queued", &self.cmds.len())
            .field("holds_connection", &self.conn.is_some())
            .finish()
    }
}

impl Pipeline {
    pub(crate) fn new(pool: Option<ConnectionPool>, transaction: bool) -> Pipeline {
        Pipeline {
            pool,
            conn: None,
            transaction,
            cmds: Vec::new(),
            scripts: Vec::new(),
        }
    }

    /// Queues any command, including ones without a method.
    pub fn queue(&mut self, cmd: Cmd) -> &mut Pipeline {
        self.cmds.push(cmd);
        self
    }

    /// Queues a script call as `EVALSHA`. The script is loaded (`SCRIPT LOAD`) on the
    /// pipeline's connection before the queued commands (and MULTI) are sent, so the call
    /// cannot fail with `NOSCRIPT`.
    ///
    /// ```no_run
    /// # let r = strictredis::StrictRedis::from_url("redis://127.0.0.1/")?;
    /// let script = r.register_script("return redis.call('INCRBY', KEYS[1], ARGV[1])");
    /// let mut p = r.pipeline();
    /// p.invoke_script(&script.key("n").arg(2)).invoke_script(&script.key("n").arg(3));
    /// let (a, b): (i64, i64) = p.execute()?;
    /// # Ok::<(), strictredis::Error>(())
    /// ```
    pub fn invoke_script(&mut self, invocation: &ScriptInvocation) -> &mut Pipeline {
        let s = invocation.script();
        if !self.scripts.iter().any(|k| k.sha() == s.sha()) {
            self.scripts.push(s.clone());
        }
        self.queue(invocation.evalsha_cmd())
    }

    /// How many commands are queued.
    pub fn len(&self) -> usize {
        self.cmds.len()
    }

    /// True when nothing is queued.
    pub fn is_empty(&self) -> bool {
        self.cmds.is_empty()
    }

    /// True when the commands are sent inside MULTI/EXEC.
    pub fn is_transaction(&self) -> bool {
        self.transaction
    }

    /// Drops the queued commands (and any WATCH, by giving the connection up): redis-py's
    /// `pipeline.reset()`. (`reset` itself queues the RESET command, like every command
    /// method, and `execute` then refuses it: see [`execute`](Self::execute).)
    pub fn clear(&mut self) {
        self.cmds.clear();
        self.scripts.clear();
        self.conn = None;
    }

    /// Sends `WATCH keys` now, on the connection this pipeline then holds until
    /// [`execute`](Self::execute) or [`reset`](Self::reset). If a watched key changes
    /// before EXEC, `execute` fails with [`Error::TransactionAborted`].
    pub fn watch(&mut self, keys: impl ToArgs) -> Result<()> {
        let conn = self.connection()?;
        conn.execute_command(cmd("WATCH").keys(keys))
    }

    /// Sends `UNWATCH` now, if this pipeline holds a connection.
    pub fn unwatch(&mut self) -> Result<()> {
        match self.conn.as_mut() {
            Some(c) => c.execute_command(cmd("UNWATCH")),
            None => Ok(()),
        }
    }

    fn connection(&mut self) -> Result<&mut PooledConnection> {
        if self.conn.is_none() {
            let pool = self.pool.as_ref().ok_or_else(|| {
                Error::Config("this pipeline has no pool to take a connection from".into())
            })?;
            self.conn = Some(pool.get()?);
        }
        Ok(self.conn.as_mut().expect("just set"))
    }

    /// Sends every queued command in one write, reads every reply, and converts them into
    /// `T` (a tuple, a `Vec`, or `Value`).
    ///
    /// The first command that failed is reported as [`Error::Pipeline`] with its index and
    /// name, and what became of the others ([`PipelineFailure`](crate::PipelineFailure)):
    /// in a plain pipeline they still ran; in a transaction, a command that failed inside
    /// EXEC failed alone (the others were committed), while one refused while queueing
    /// (EXECABORT) means none ran. An aborted transaction (a watched key
    /// changed) is [`Error::TransactionAborted`]. The pipeline is empty afterwards. An empty
    /// pipeline does no I/O.
    ///
    /// An empty command (`cmd("")`) or a queued MULTI, EXEC, DISCARD, WATCH, UNWATCH or
    /// RESET is refused with [`Error::Config`] before anything is sent: the pipeline sends
    /// its own MULTI/EXEC, and WATCH goes through [`watch`](Self::watch) or
    /// [`StrictRedis::transaction`](crate::StrictRedis::transaction). Once the commands
    /// started to leave, a connection error is ambiguous ([`Error::is_ambiguous`]) unless
    /// every queued command is read-only.
    pub fn execute<T: FromValue>(&mut self) -> Result<T> {
        let (cmds, replies) = self.run_queued()?;
        batch::check_replies(&cmds, &replies, self.transaction)?;
        T::from_value(Value::Array(replies))
    }

    /// Like [`execute`](Self::execute), but returns every reply as it came, with error
    /// replies in place as [`Value::Error`].
    pub fn execute_raw(&mut self) -> Result<Vec<Value>> {
        self.run_queued().map(|(_, replies)| replies)
    }

    fn run_queued(&mut self) -> Result<(Vec<Cmd>, Vec<Value>)> {
        if self.cmds.is_empty() {
            self.conn = None;
            self.scripts.clear();
            return Ok((Vec::new(), Vec::new()));
        }
        let cmds = std::mem::take(&mut self.cmds);
        let scripts = std::mem::take(&mut self.scripts);
        if let Err(e) = batch::check_queued(&cmds) {
            self.conn = None;
            return Err(e);
        }
        let mut conn = match self.conn.take() {
            Some(c) => c,
            None => match &self.pool {
                Some(p) => p.get()?,
                None => {
                    return Err(Error::Config(
                        "this pipeline has no pool to take a connection from".into(),
                    ))
                }
            },
        };
        script::load_all(&mut conn, &scripts)?;
        let replies =
            run(&mut conn, &cmds, self.transaction).map_err(|e| batch::settle(&cmds, e))?;
        Ok((cmds, replies))
    }

    /// Runs the queued commands on a connection the caller holds (used by
    /// [`StrictRedis::transaction`](crate::StrictRedis::transaction)).
    pub(crate) fn execute_on(&mut self, conn: &mut Connection) -> Result<Vec<Value>> {
        let cmds = std::mem::take(&mut self.cmds);
        let scripts = std::mem::take(&mut self.scripts);
        batch::check_queued(&cmds)?;
        if cmds.is_empty() {
            // Nothing to commit: end the WATCH so the connection can go back to the pool
            // (one round trip, cheaper than the reconnect a dirty connection would cost).
            if conn.is_watching() {
                conn.execute_command::<()>(cmd("UNWATCH"))?;
            }
            return Ok(Vec::new());
        }
        script::load_all(conn, &scripts)?;
        let replies = run(conn, &cmds, self.transaction).map_err(|e| batch::settle(&cmds, e))?;
        batch::check_replies(&cmds, &replies, self.transaction)?;
        Ok(replies)
    }
}

/// How long the server may block on the queued commands altogether (they run one after
/// the other): the sum of their blocking timeouts, `Forever` if any waits forever.
fn total_blocking(cmds: &[Cmd]) -> Option<BlockingTimeout> {
    let mut total: Option<BlockingTimeout> = None;
    for b in cmds.iter().filter_map(Cmd::blocking_timeout) {
        total = Some(match (total, b) {
            (Some(BlockingTimeout::Forever), _) | (_, BlockingTimeout::Forever) => {
                BlockingTimeout::Forever
            }
            (Some(BlockingTimeout::For(a)), BlockingTimeout::For(t)) => {
                BlockingTimeout::For(a.saturating_add(t))
            }
            (None, b) => b,
        });
    }
    total
}

/// Runs the pipeline, with the read timeout raised for its blocking commands if it has any
/// (BLPOP and friends queued in a pipeline wait on the server as they do alone).
fn run(conn: &mut Connection, cmds: &[Cmd], transaction: bool) -> Result<Vec<Value>> {
    let Some(blocking) = total_blocking(cmds) else {
        return run_plain(conn, cmds, transaction);
    };
    let base = conn.read_timeout();
    let raised = conn.blocking_read_timeout(blocking);
    if raised == base {
        return run_plain(conn, cmds, transaction);
    }
    conn.set_socket_read_timeout(raised)?;
    let r = run_plain(conn, cmds, transaction);
    if !conn.is_broken() {
        conn.set_socket_read_timeout(base)?;
    }
    r
}

/// The main loop of a pipeline: write everything (MULTI first and EXEC last for a
/// transaction), flush once, then read exactly one reply per command written.
fn run_plain(conn: &mut Connection, cmds: &[Cmd], transaction: bool) -> Result<Vec<Value>> {
    if transaction {
        batch::transaction(conn, cmds, |_| false)
    } else {
        batch::exchange(conn, cmds).map_err(|b| b.error)
    }
}
