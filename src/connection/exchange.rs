//! Write N commands, flush once, read N replies: the batching that pipelines, cluster
//! pipelines, script loading ([`crate::batch`]) and the connection's own handshake share.

use super::Connection;
use crate::cmd::Cmd;
use crate::command_facts::Effect;
use crate::error::Error;
use crate::value::Value;

/// A batch whose connection failed part way: the replies that arrived before, and why.
pub(crate) struct Broken {
    /// The replies read before the failure, in order.
    pub replies: Vec<Value>,
    /// The failure, saying how many replies had arrived.
    pub error: Error,
}

/// Where the replies of a batch go, in order: kept all ([`Vec`]), or only what the caller
/// needs of them (the first error, for a pipeline whose caller keeps no reply).
pub(crate) trait Replies {
    /// Takes the next reply.
    fn take(&mut self, v: Value);
    /// How many replies were taken.
    fn taken(&self) -> usize;
}

impl Replies for Vec<Value> {
    fn take(&mut self, v: Value) {
        self.push(v);
    }
    fn taken(&self) -> usize {
        self.len()
    }
}

/// Writes every command of `cmds`, flushes once, then reads one reply per command, in
/// order, noting each reply's effect on the connection's state. Error replies stay in
/// place as [`Value::Error`].
pub(crate) fn exchange<'c>(
    conn: &mut Connection,
    cmds: impl IntoIterator<Item = &'c Cmd, IntoIter: Clone>,
) -> std::result::Result<Vec<Value>, Broken> {
    let cmds = cmds.into_iter();
    collect(cmds.clone().count(), |out| exchange_into(conn, cmds, out))
}

/// The replies that `read` hands to a [`Vec`] (room made for `expected`), or those that
/// arrived before it failed, with its error.
pub(crate) fn collect(
    expected: usize,
    read: impl FnOnce(&mut Vec<Value>) -> Result<(), Error>,
) -> std::result::Result<Vec<Value>, Broken> {
    let mut replies = Vec::with_capacity(expected);
    match read(&mut replies) {
        Ok(()) => Ok(replies),
        Err(error) => Err(Broken { replies, error }),
    }
}

/// [`exchange`], each reply handed to `out` as it is read. On a failure, `out` holds the
/// replies that arrived before it, and the error says how many of how many that was.
pub(crate) fn exchange_into<'c>(
    conn: &mut Connection,
    cmds: impl IntoIterator<Item = &'c Cmd, IntoIter: Clone>,
    out: &mut impl Replies,
) -> Result<(), Error> {
    let cmds = cmds.into_iter();
    let total = cmds.clone().count();
    // Each command's effect is looked up once, as it is written; most batches have none,
    // and then the replies need no look-up at all.
    let mut effects = false;
    cmds.clone()
        .try_for_each(|c| {
            let effect = Effect::of(c);
            effects |= effect != Effect::None;
            conn.write_with(c, effect)
        })
        .and_then(|_| conn.flush())
        .map_err(|e| arrived(e, 0, total))?;
    for c in cmds {
        match conn.read_reply() {
            Ok(v) => {
                if effects {
                    conn.note_replied(c);
                }
                out.take(v);
            }
            Err(e) => return Err(arrived(e, out.taken(), total)),
        }
    }
    Ok(())
}

/// Says how many replies had arrived when the connection failed mid-batch.
fn arrived(e: Error, got: usize, expected: usize) -> Error {
    match e {
        Error::Io(io) => Error::Io(std::io::Error::new(
            io.kind(),
            format!("{io} (after {got} of {expected} pipeline replies)"),
        )),
        other => other,
    }
}
