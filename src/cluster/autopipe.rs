//! Auto-pipelining on a cluster ([`ClusterBuilder::auto_pipeline`]): per node, one shared
//! connection ([`AutoPipe`]) for the commands that may share one (the same rule as
//! [`StrictRedis`](crate::StrictRedis): `autopipe::eligible`, from the command table),
//! inside the cluster's own loop (`run.rs` `with_redirects`): `MOVED`, `TRYAGAIN`,
//! `CLUSTERDOWN`, refused nodes, broken connections and timeouts are handled there exactly
//! as on the pooled path. What stays on the node's pool: commands that are not eligible,
//! the one attempt after an `ASK` (`ASKING` must come right before the command on its
//! connection), and reads from replicas (their connections send `READONLY`).
//!
//! [`ClusterBuilder::auto_pipeline`]: super::ClusterBuilder::auto_pipeline

use std::sync::Arc;

use super::Node;
use crate::autopipe::AutoPipe;
use crate::cmd::Cmd;
use crate::config::ConnectionInfo;
use crate::error::{Error, Result};
use crate::failure::{self, Stage};
use crate::pool::PoolConfig;
use crate::value::Value;

/// What one attempt on a node's shared connection came to, in the pooled path's terms.
pub(super) enum Outcome<R = Value> {
    /// The connection could not be opened (nothing was sent): the node is unreachable.
    Unreachable(Error),
    /// The reply, or the error as a pooled connection reports it (ambiguous where a write
    /// may have run).
    Reply(Result<R>),
}

/// One attempt on a node's shared connection, as `with_redirects` runs it.
pub(super) type Shared<'a, R> = &'a dyn Fn(&AutoPipe) -> Outcome<R>;

/// The shared connections of a new node (`connections` of them), when auto-pipelining is
/// on.
pub(super) fn for_node(
    connections: Option<usize>,
    info: &ConnectionInfo,
    pool: &PoolConfig,
) -> Option<Arc<AutoPipe>> {
    connections.map(|n| Arc::new(AutoPipe::new(info, pool.retry, n)))
}

impl Node {
    /// The shared connection to use for an eligible command on this node now: none when
    /// auto-pipelining is off, after an `ASK`, or for a read sent to a replica over its
    /// `READONLY` connections.
    pub(super) fn auto_pipe(&self, replica_read: bool, asking: bool) -> Option<&AutoPipe> {
        if asking || (replica_read && self.ro_pool.is_some()) {
            return None;
        }
        self.auto.as_deref()
    }
}

/// One attempt at `cmd` on `pipe`, no retry (the cluster's loop decides).
pub(super) fn attempt(pipe: &AutoPipe, cmd: &Cmd) -> Outcome {
    match pipe.attempt(cmd) {
        Ok(v) => Outcome::Reply(Ok(v)),
        // The only unsent I/O failures are a connection that could not be opened.
        Err((Stage::Unsent, e)) if matches!(e.inner(), Error::Io(_) | Error::Timeout) => {
            Outcome::Unreachable(e)
        }
        Err((stage, e)) => Outcome::Reply(Err(failure::settle(
            stage,
            crate::command_facts::is_read_only(cmd),
            e,
        ))),
    }
}
