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

/// Writes every command of `cmds`, flushes once, then reads one reply per command, in
/// order, noting each reply's effect on the connection's state. Error replies stay in
/// place as [`Value::Error`].
pub(crate) fn exchange<'c>(
    conn: &mut Connection,
    cmds: impl IntoIterator<Item = &'c Cmd, IntoIter: Clone>,
) -> std::result::Result<Vec<Value>, Broken> {
    let cmds = cmds.into_iter();
    let total = cmds.clone().count();
    let mut replies = Vec::with_capacity(total);
    // Each command's effect is looked up once, as it is written; most batches have none,
    // and then the replies need no look-up at all.
    let mut effects = false;
    let written = cmds
        .clone()
        .try_for_each(|c| {
            let effect = Effect::of(c);
            effects |= effect != Effect::None;
            conn.write_with(c, effect)
        })
        .and_then(|_| conn.flush());
    if let Err(e) = written {
        return Err(Broken {
            replies,
            error: arrived(e, 0, total),
        });
    }
    for c in cmds {
        match conn.read_reply() {
            Ok(v) => {
                if effects {
                    conn.note_replied(c);
                }
                replies.push(v);
            }
            Err(e) => {
                let error = arrived(e, replies.len(), total);
                return Err(Broken { replies, error });
            }
        }
    }
    Ok(replies)
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
