//! Pipelines and transactions: many commands, one write, every reply read in order.

use std::fmt;

use crate::args::ToArgs;
use crate::batch;
use crate::cmd::{cmd, with_local_replies, BlockingTimeout, Cmd};
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
    /// Positions in `cmds` whose replies [`ignore`](Pipeline::ignore) left out, ascending.
    ignored: Vec<usize>,
    /// True once [`multi`](Pipeline::multi) was called: the end of immediate mode.
    explicit_multi: bool,
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
            ignored: Vec::new(),
            explicit_multi: false,
            scripts: Vec::new(),
        }
    }

    /// Queues any command, including ones without a method.
    pub fn queue(&mut self, cmd: Cmd) -> &mut Pipeline {
        self.cmds.push(cmd);
        self
    }

    /// Leaves the reply of the command queued last out of what
    /// [`execute`](Self::execute) and [`execute_raw`](Self::execute_raw) return (redis-rs's
    /// `ignore`); an error reply of that command is still reported.
    ///
    /// ```no_run
    /// # let r = strictredis::StrictRedis::from_url("redis://127.0.0.1/")?;
    /// let mut p = r.pipeline();
    /// p.set("a", "1").ignore().incr("a").ignore().get("a");
    /// let (v,): (String,) = p.execute()?;
    /// # Ok::<(), strictredis::Error>(())
    /// ```
    ///
    /// With nothing queued, it does nothing.
    pub fn ignore(&mut self) -> &mut Pipeline {
        if let Some(last) = self.cmds.len().checked_sub(1) {
            if self.ignored.last() != Some(&last) {
                self.ignored.push(last);
            }
        }
        self
    }

    /// redis-py's `pipeline.multi()`: ends immediate mode (see
    /// [`immediate`](Self::immediate)); the commands queued from now on run inside
    /// MULTI/EXEC, also on a pipeline made by
    /// [`pipeline_without_transaction`](crate::StrictRedis::pipeline_without_transaction).
    ///
    /// ```no_run
    /// # let r = strictredis::StrictRedis::from_url("redis://127.0.0.1/")?;
    /// let mut p = r.pipeline();
    /// p.watch(&["balance"])?;
    /// let cur: Option<i64> = p.immediate()?.get("balance")?; // answered at once
    /// p.multi()?.set("balance", cur.unwrap_or(0) + 1);
    /// let _: ((),) = p.execute()?; // Error::TransactionAborted if "balance" changed
    /// # Ok::<(), strictredis::Error>(())
    /// ```
    ///
    /// Fails with [`Error::Config`] when called twice, or after commands were queued.
    pub fn multi(&mut self) -> Result<&mut Pipeline> {
        if self.explicit_multi {
            return Err(Error::Config(
                "multi() was called already on this pipeline".into(),
            ));
        }
        if !self.cmds.is_empty() {
            return Err(Error::Config(
                "multi() must come before the commands to queue (commands are queued already)"
                    .into(),
            ));
        }
        self.explicit_multi = true;
        Ok(self)
    }

    /// redis-py's immediate mode after `watch`: the connection this pipeline holds (the one
    /// WATCH was sent on), whose command methods run at once, so that reads see the watched
    /// keys before [`multi`](Self::multi) starts the transaction.
    ///
    /// Fails with [`Error::Config`] after [`multi`](Self::multi) (the transaction is being
    /// queued) and on a pipeline without a connection to hold (the `pipe` of
    /// [`StrictRedis::transaction`](crate::StrictRedis::transaction): read through its
    /// `conn`).
    pub fn immediate(&mut self) -> Result<&mut PooledConnection> {
        if self.explicit_multi {
            return Err(Error::Config(
                "immediate mode ends at multi(): the commands after it are queued".into(),
            ));
        }
        self.connection()
    }

    /// redis-py's `pipeline.discard()`: drops the commands queued (and a
    /// [`multi`](Self::multi)), keeping the connection and its WATCH, so that the pipeline
    /// can queue again. [`clear`](Self::clear) gives the WATCH up as well.
    pub fn discard(&mut self) {
        self.cmds.clear();
        self.ignored.clear();
        self.scripts.clear();
        self.explicit_multi = false;
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
        self.transaction || self.explicit_multi
    }

    /// Drops the queued commands (and any WATCH, by giving the connection up): redis-py's
    /// `pipeline.reset()`. (`reset` itself queues the RESET command, like every command
    /// method, and `execute` then refuses it: see [`execute`](Self::execute).)
    pub fn clear(&mut self) {
        self.discard();
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
    ///
    /// After [`watch`](Self::watch), a transaction is sent even with nothing queued (an
    /// empty MULTI/EXEC), so that a watched key that changed is still reported as
    /// [`Error::TransactionAborted`], as redis-py's `WatchError`.
    ///
    /// A command method given an empty list (`mget` of no keys, `delete` of none, `sadd`
    /// of no members...) is answered in its place without being sent (see the guide's
    /// "Empty lists"), so it never aborts a transaction.
    pub fn execute<T: FromValue>(&mut self) -> Result<T> {
        if let Some(nothing) = T::discarding() {
            if !self.is_transaction() && self.cmds.iter().all(|c| c.local_reply().is_none()) {
                return self.run_discarding().map(|()| nothing);
            }
        }
        let (cmds, replies, ignored) = self.run_queued()?;
        batch::check_replies(&cmds, &replies, self.transaction)?;
        T::from_value(Value::Array(drop_ignored(replies, &ignored)))
    }

    /// Like [`execute`](Self::execute), but returns every reply as it came, with error
    /// replies in place as [`Value::Error`] (those of [`ignore`](Self::ignore)d commands
    /// left out).
    pub fn execute_raw(&mut self) -> Result<Vec<Value>> {
        self.run_queued()
            .map(|(_, replies, ignored)| drop_ignored(replies, &ignored))
    }

    /// Takes what is queued, leaving the pipeline empty (and out of explicit MULTI), and
    /// whether it goes inside MULTI/EXEC.
    fn take_queued(&mut self) -> (bool, Vec<Cmd>, Vec<Script>, Vec<usize>) {
        let transaction = self.is_transaction();
        self.explicit_multi = false;
        (
            transaction,
            std::mem::take(&mut self.cmds),
            std::mem::take(&mut self.scripts),
            std::mem::take(&mut self.ignored),
        )
    }

    /// Takes what is queued for [`execute`](Self::execute): answered at once when every
    /// command is answered locally (and no WATCH waits for its EXEC), else checked, with a
    /// connection whose scripts are loaded.
    fn prepare(&mut self) -> Result<Prepared> {
        let (transaction, cmds, scripts, ignored) = self.take_queued();
        let watching = self.conn.as_ref().is_some_and(|c| c.is_watching());
        // Every command answered locally, and no WATCH to report on: no I/O at all.
        if cmds.iter().all(|c| c.local_reply().is_some()) && !(watching && transaction) {
            self.conn = None;
            let replies = with_local_replies(&cmds, |_| Ok(Vec::new()))?;
            return Ok(Prepared::Answered(cmds, replies, ignored));
        }
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
        Ok(Prepared::Send {
            transaction,
            cmds,
            ignored,
            conn,
        })
    }

    fn run_queued(&mut self) -> Result<(Vec<Cmd>, Vec<Value>, Vec<usize>)> {
        match self.prepare()? {
            Prepared::Answered(cmds, replies, ignored) => Ok((cmds, replies, ignored)),
            Prepared::Send {
                transaction,
                cmds,
                ignored,
                mut conn,
            } => {
                let replies = with_local_replies(&cmds, |sent| {
                    run(&mut conn, sent, transaction).map_err(|e| batch::settle(sent, e))
                })?;
                Ok((cmds, replies, ignored))
            }
        }
    }

    /// [`execute`](Self::execute) into a type that keeps no reply (`()`), outside a
    /// transaction, with no command answered locally: the same commands sent and read, the
    /// same first error reported, but no reply kept (a pipeline of 1000 SETs no longer
    /// holds 1000 replies).
    fn run_discarding(&mut self) -> Result<()> {
        let Prepared::Send { cmds, mut conn, .. } = self.prepare()? else {
            // Nothing was queued.
            return Ok(());
        };
        let mut replies = batch::FirstError::default();
        with_blocking_timeout(&mut conn, &cmds, |conn| {
            batch::exchange_into(conn, &cmds, &mut replies)
        })
        .map_err(|e| batch::settle(&cmds, e))?;
        match replies.into_first() {
            Some((i, e)) => Err(batch::failed(&cmds, i, Error::Server(e))),
            None => Ok(()),
        }
    }

    /// Runs the queued commands on a connection the caller holds (used by
    /// [`StrictRedis::transaction`](crate::StrictRedis::transaction)): EXEC's replies, those
    /// of [`ignore`](Self::ignore)d commands left out. Nothing to send (the closure only
    /// read): UNWATCH, no EXEC.
    pub(crate) fn execute_on(&mut self, conn: &mut Connection) -> Result<Vec<Value>> {
        let (transaction, cmds, scripts, ignored) = self.take_queued();
        batch::check_queued(&cmds)?;
        if cmds.iter().all(|c| c.local_reply().is_some()) {
            // Nothing to commit (the closure only read): end the WATCH so the connection can
            // go back to the pool (one round trip, cheaper than the reconnect a dirty
            // connection would cost).
            if conn.is_watching() {
                conn.execute_command::<()>(cmd("UNWATCH"))?;
            }
            let replies = with_local_replies(&cmds, |_| Ok(Vec::new()))?;
            return Ok(drop_ignored(replies, &ignored));
        }
        script::load_all(conn, &scripts)?;
        let replies = with_local_replies(&cmds, |sent| {
            run(conn, sent, transaction).map_err(|e| batch::settle(sent, e))
        })?;
        batch::check_replies(&cmds, &replies, transaction)?;
        Ok(drop_ignored(replies, &ignored))
    }
}

/// What [`Pipeline::prepare`] took: the commands with their replies when no I/O was needed,
/// or the commands, whether they go inside MULTI/EXEC, and the connection to send them on.
/// (Returned once per `execute` and taken apart at once: boxing the connection would cost an
/// allocation per pipeline for nothing.)
#[allow(clippy::large_enum_variant)]
enum Prepared {
    Answered(Vec<Cmd>, Vec<Value>, Vec<usize>),
    Send {
        transaction: bool,
        cmds: Vec<Cmd>,
        ignored: Vec<usize>,
        conn: PooledConnection,
    },
}

/// `replies` without those at the positions in `ignored` (ascending).
fn drop_ignored(replies: Vec<Value>, ignored: &[usize]) -> Vec<Value> {
    if ignored.is_empty() {
        return replies;
    }
    let mut skip = ignored.iter().peekable();
    replies
        .into_iter()
        .enumerate()
        .filter(|(i, _)| {
            if skip.peek() == Some(&i) {
                skip.next();
                false
            } else {
                true
            }
        })
        .map(|(_, v)| v)
        .collect()
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

/// Runs the pipeline, with the read timeout raised for its blocking commands if it has any.
fn run(conn: &mut Connection, cmds: &[Cmd], transaction: bool) -> Result<Vec<Value>> {
    with_blocking_timeout(conn, cmds, |conn| run_plain(conn, cmds, transaction))
}

/// Runs `send` (which sends `cmds`) with the read timeout raised for the blocking commands
/// of `cmds` if there are any (BLPOP and friends queued in a pipeline wait on the server as
/// they do alone).
fn with_blocking_timeout<R>(
    conn: &mut Connection,
    cmds: &[Cmd],
    send: impl FnOnce(&mut Connection) -> Result<R>,
) -> Result<R> {
    let Some(blocking) = total_blocking(cmds) else {
        return send(conn);
    };
    let base = conn.read_timeout();
    let raised = conn.blocking_read_timeout(blocking);
    if raised == base {
        return send(conn);
    }
    conn.set_socket_read_timeout(raised)?;
    let r = send(conn);
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
