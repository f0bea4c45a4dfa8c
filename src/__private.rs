//! Hooks for this crate's own tests. Not part of the API: hidden, and may change in any
//! release.

use crate::cmd::Cmd;
use crate::command_facts::{self, flags, Name};
use crate::connection::Connection;
use crate::error::Result;
use crate::value::Value;

/// One command of the command table, as the tests see it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CommandFacts {
    /// `name` or `name|sub`, lower case (the form of `COMMAND LIST`).
    pub name: String,
    /// Redis 7.0 knows it.
    pub redis: bool,
    /// Valkey 9.1 knows it.
    pub valkey: bool,
    /// Safe to send again and to serve from a replica.
    pub read_only: bool,
    /// Flagged `write` by a server.
    pub write: bool,
    /// Has subcommands.
    pub container: bool,
}

/// Every command of the table, sorted.
pub fn command_table() -> Vec<CommandFacts> {
    command_facts::all()
        .iter()
        .map(|e| CommandFacts {
            name: e.info_name(),
            redis: e.servers & command_facts::REDIS != 0,
            valkey: e.servers & command_facts::VALKEY != 0,
            read_only: e.is_read_only(),
            write: e.has(flags::WRITE),
            container: e.has(flags::CONTAINER),
        })
        .collect()
}

/// The table's entry for a command as sent (`None`: no server knows it).
pub fn facts_of(cmd: &Cmd) -> Option<CommandFacts> {
    let n = Name::of(cmd);
    let e = n.entry()?;
    command_table()
        .into_iter()
        .find(|f| f.name == e.info_name())
}

/// How the pool's retry rule, cluster routing (may it go to a replica?) and Sentinel's
/// retry rule classify `cmd`: `[pool, cluster, sentinel]`, each `true` for read-only.
pub fn read_only_rules(cmd: &Cmd) -> [bool; 3] {
    [
        crate::retry::is_read_only(cmd),
        crate::cluster::routing::is_read_only(cmd),
        // Sentinel's clients retry through their pool (ConnectionPool::following_failover),
        // so they use the pool's rule itself.
        crate::retry::is_read_only(cmd),
    ]
}

/// Sends `cmds` in one write and reads the replies of the first `read` of them only: the
/// others stay pending, as on a connection whose pipeline was cut short. For the tests of
/// the pool, which must never hand such a connection out again; raw connection I/O is not
/// part of the API.
pub fn send_partly_read(conn: &mut Connection, cmds: &[Cmd], read: usize) -> Result<Vec<Value>> {
    for c in cmds {
        conn.write_cmd(c)?;
    }
    conn.flush()?;
    (0..read.min(cmds.len()))
        .map(|_| conn.read_reply())
        .collect()
}
