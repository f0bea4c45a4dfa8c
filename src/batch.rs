//! Many commands on one connection: written in one go, every reply read in order.
//!
//! The one home of what pipelines ([`crate::pipeline`]), cluster pipelines
//! ([`crate::cluster`]), script loading before a pipeline and the connection's handshake
//! share:
//!
//! * [`check_queued`]: what a batch refuses before anything is sent (an empty command, and
//!   the commands that change the connection's transaction state, whose replies would
//!   shift every later reply by one or hide an applied write);
//! * [`exchange`]: write N commands, flush once, read N replies (written in the
//!   connection's layer, which its handshake uses too);
//! * [`exec_replies`]: MULTI's reply, one reply per queued command and EXEC's array, read
//!   as one transaction's outcome (per-command errors, `EXECABORT`, nil -> aborted);
//! * [`settle`]: once a batch's bytes started to leave, a connection failure is ambiguous
//!   ([`Error::is_ambiguous`]) unless every command of the batch is read-only.

use crate::cmd::{cmd, Cmd};
use crate::command_facts::Effect;
use crate::connection::exchange::{self, Broken, Replies};
use crate::connection::Connection;
use crate::error::{Error, PipelineFailure, Result, ServerError};
use crate::observe;
use crate::retry::{self, Stage};
use crate::value::Value;

/// Writes every command of `cmds`, flushes once, then reads one reply per command
/// ([`crate::connection::exchange::exchange`]), as one traced operation: `PIPELINE`, or
/// `MULTI` for a batch that starts with MULTI, with `db.operation.batch.size` (the queued
/// commands).
pub(crate) fn exchange<'c>(
    conn: &mut Connection,
    cmds: impl IntoIterator<Item = &'c Cmd, IntoIter: Clone>,
) -> std::result::Result<Vec<Value>, Broken> {
    let cmds = cmds.into_iter();
    exchange::collect(cmds.clone().count(), |out| exchange_into(conn, cmds, out))
}

/// [`exchange`], each reply handed to `out` as it is read
/// ([`crate::connection::exchange::exchange_into`]).
pub(crate) fn exchange_into<'c>(
    conn: &mut Connection,
    cmds: impl IntoIterator<Item = &'c Cmd, IntoIter: Clone>,
    out: &mut impl Replies,
) -> Result<()> {
    let cmds = cmds.into_iter();
    let transaction = cmds
        .clone()
        .next()
        .is_some_and(|c| c.name().eq_ignore_ascii_case(b"MULTI"));
    // A transaction's size leaves out its MULTI and EXEC.
    let sent = cmds.clone().count();
    let what = observe::What::Batch {
        size: if transaction {
            sent.saturating_sub(2)
        } else {
            sent
        },
        transaction,
    };
    let op = observe::start(&what, conn.observed());
    let r = op.run(|| exchange::exchange_into(conn, cmds, out));
    op.finish(&what, r.as_ref().err());
    r
}

/// The replies of a batch whose caller keeps none of them (a pipeline executed into `()`):
/// only the first error reply is kept, with its position, so that a pipeline of thousands
/// of commands does not hold thousands of replies (and the heap it took for them, given
/// back after each pipeline, which cost a page fault per 4 KiB when taken again).
#[derive(Default)]
pub(crate) struct FirstError {
    taken: usize,
    first: Option<(usize, ServerError)>,
}

impl FirstError {
    /// The first error reply, if any, and its position in the batch.
    pub(crate) fn into_first(self) -> Option<(usize, ServerError)> {
        self.first
    }
}

impl Replies for FirstError {
    fn take(&mut self, v: Value) {
        if let (None, Value::Error(e)) = (&self.first, v) {
            self.first = Some((self.taken, e));
        }
        self.taken += 1;
    }
    fn taken(&self) -> usize {
        self.taken
    }
}

/// True for a command that changes the connection's transaction state (MULTI, EXEC,
/// DISCARD, WATCH, UNWATCH, RESET), as the command table's effects say. A batch sends its
/// own MULTI/EXEC; one queued by the caller would shift the replies.
fn controls_transaction(c: &Cmd) -> bool {
    matches!(
        Effect::of(c),
        Effect::Multi | Effect::EndMulti | Effect::Watch | Effect::Unwatch | Effect::Reset
    )
}

/// Refuses, with [`Error::Config`] and before anything is sent, a batch that holds an
/// empty command or a command that changes the transaction state (see
/// [`Pipeline::watch`](crate::Pipeline::watch) and [`StrictRedis::pipeline`](crate::StrictRedis::pipeline)
/// for WATCH and MULTI/EXEC).
pub(crate) fn check_queued(cmds: &[Cmd]) -> Result<()> {
    for (i, c) in cmds.iter().enumerate() {
        c.check_sendable()
            .map_err(|e| Error::Config(format!("pipeline command #{i}: {e}")))?;
        if controls_transaction(c) {
            return Err(Error::Config(format!(
                "pipeline command #{i} is {}, which cannot be queued: a pipeline sends its \
                 own MULTI/EXEC (StrictRedis::pipeline), WATCH goes through Pipeline::watch \
                 or StrictRedis::transaction; nothing was sent",
                c.display_name()
            )));
        }
    }
    Ok(())
}

/// The first error reply among `replies`, with its index.
pub(crate) fn first_error(replies: &[Value]) -> Option<(usize, &ServerError)> {
    replies.iter().enumerate().find_map(|(i, v)| match v {
        Value::Error(e) => Some((i, e)),
        _ => None,
    })
}

/// `e` as the failure of command `index` of the plain pipeline `cmds`.
pub(crate) fn failed(cmds: &[Cmd], index: usize, e: Error) -> Error {
    failed_as(cmds, index, PipelineFailure::Plain, e)
}

/// `e` as the failure of command `index` of `cmds`, with what became of the others.
pub(crate) fn failed_as(cmds: &[Cmd], index: usize, failure: PipelineFailure, e: Error) -> Error {
    Error::Pipeline {
        index,
        command: cmds.get(index).map(Cmd::display_name).unwrap_or_default(),
        failure,
        source: Box::new(e),
    }
}

/// The first error reply of `replies` as [`Error::Pipeline`], if there is one. In the
/// replies of a `transaction` (EXEC's array), the command failed inside EXEC and every
/// other command was committed ([`PipelineFailure::Committed`]).
pub(crate) fn check_replies(cmds: &[Cmd], replies: &[Value], transaction: bool) -> Result<()> {
    let failure = if transaction {
        PipelineFailure::Committed
    } else {
        PipelineFailure::Plain
    };
    match first_error(replies) {
        Some((i, e)) => Err(failed_as(cmds, i, failure, Error::Server(e.clone()))),
        None => Ok(()),
    }
}

/// Runs `cmds` inside MULTI/EXEC on `conn`, in one write, and returns EXEC's replies
/// (error replies in place); see [`exec_replies`].
/// `first` picks the queue error to report on `EXECABORT` before the others (the cluster's
/// redirections).
pub(crate) fn transaction(
    conn: &mut Connection,
    cmds: &[Cmd],
    first: impl Fn(&ServerError) -> bool,
) -> Result<Vec<Value>> {
    let multi = cmd("MULTI");
    let exec = cmd("EXEC");
    let all = std::iter::once(&multi)
        .chain(cmds)
        .chain(std::iter::once(&exec));
    let replies = exchange(conn, all).map_err(|b| b.error)?;
    let out = exec_replies(cmds, replies, first)?;
    // The commands ran at EXEC: their effects (SELECT) count from now.
    for c in cmds {
        conn.note_replied(c);
    }
    Ok(out)
}

/// Reads the replies of `MULTI`, each of `cmds` and `EXEC` as one transaction's outcome:
/// EXEC's array, [`Error::TransactionAborted`] for nil (a watched key changed), and for
/// `EXECABORT` the command that was refused while queueing, as [`Error::Pipeline`] of
/// [`PipelineFailure::Discarded`] (the first error for which `first` holds, else the first
/// error).
pub(crate) fn exec_replies(
    cmds: &[Cmd],
    mut replies: Vec<Value>,
    first: impl Fn(&ServerError) -> bool,
) -> Result<Vec<Value>> {
    let exec = replies.pop().unwrap_or(Value::Nil);
    if let Some(Value::Error(e)) = replies.first() {
        return Err(Error::Server(e.clone()));
    }
    let queued = replies.get(1..).unwrap_or(&[]);
    match exec {
        Value::Array(items) => Ok(items),
        Value::Nil => Err(Error::TransactionAborted),
        Value::Error(e) => {
            let refused = queued
                .iter()
                .enumerate()
                .find(|(_, v)| matches!(v, Value::Error(q) if first(q)))
                .or_else(|| {
                    queued
                        .iter()
                        .enumerate()
                        .find(|(_, v)| matches!(v, Value::Error(_)))
                });
            match refused {
                Some((i, Value::Error(q))) => {
                    let discarded = PipelineFailure::Discarded;
                    Err(failed_as(cmds, i, discarded, Error::Server(q.clone())))
                }
                _ => Err(Error::Server(e)),
            }
        }
        other => Err(Error::Protocol(format!(
            "EXEC answered with a {} instead of an array",
            other.kind_name()
        ))),
    }
}

/// A batch is never sent again by itself: once its bytes started to leave, a connection
/// error is ambiguous ([`Error::is_ambiguous`]) unless every command of it is read-only.
pub(crate) fn settle(cmds: &[Cmd], e: Error) -> Error {
    let read_only = cmds.iter().all(retry::is_read_only);
    retry::settle(Stage::Sent, read_only, e)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn refuses_empty_and_transaction_commands() {
        for bad in [
            cmd(""),
            Cmd::default(),
            cmd("MULTI"),
            cmd("exec"),
            cmd("DISCARD"),
            cmd("WATCH").key("k"),
            cmd("UNWATCH"),
            cmd("RESET"),
        ] {
            let cmds = vec![cmd("GET").key("a"), bad];
            assert!(
                matches!(check_queued(&cmds), Err(Error::Config(ref m)) if m.contains("#1")),
                "{:?}",
                cmds[1]
            );
        }
        assert!(check_queued(&[cmd("GET").key("a"), cmd("CLIENT LIST")]).is_ok());
    }

    #[test]
    fn exec_replies_read_the_outcome() {
        let ok = || Value::Simple("OK".into());
        let queued = || Value::Simple("QUEUED".into());
        let err = |s: &str| Value::Error(ServerError::new(s));
        let never = |_: &ServerError| false;
        let cmds = [cmd("INCR").key("a"), cmd("INCR").key("b")];
        let ran = vec![ok(), queued(), queued(), Value::Array(vec![Value::Int(1)])];
        assert_eq!(
            exec_replies(&cmds, ran, never).unwrap(),
            vec![Value::Int(1)]
        );
        let aborted = vec![ok(), queued(), queued(), Value::Nil];
        assert!(matches!(
            exec_replies(&cmds, aborted, never),
            Err(Error::TransactionAborted)
        ));
        let refused = vec![
            ok(),
            err("ERR wrong"),
            err("MOVED 1 127.0.0.1:1"),
            err("EXECABORT x"),
        ];
        let moved = |q: &ServerError| q.kind() == "MOVED";
        match exec_replies(&cmds, refused, moved) {
            Err(Error::Pipeline {
                index: 1,
                failure: PipelineFailure::Discarded,
                ..
            }) => {}
            other => panic!("{other:?}"),
        }
        let refused = vec![ok(), queued(), err("ERR wrong"), err("EXECABORT x")];
        match exec_replies(&cmds, refused, never) {
            Err(Error::Pipeline {
                index: 1, source, ..
            }) => {
                assert_eq!(source.server_error().unwrap().kind(), "ERR")
            }
            other => panic!("{other:?}"),
        }
    }
}
