//! The cluster's main loop: one command on its node, following `MOVED` and `ASK`, backing
//! off after `TRYAGAIN`/`CLUSTERDOWN`, re-reading the topology after a node failed us
//! (refused, broken or timed out), all inside the crate's one retry loop ([`retry::run`]).

use std::borrow::Cow;

use super::autopipe::{self, Outcome};
use super::pipeline::{self, Merge, Plan};
use super::routing;
use super::topology::{NodeAddr, Topology};
use super::{primary_only, Node, RedisCluster, Target};
use crate::autopipe::AutoPipe;
use crate::cmd::{cmd, Cmd};
use crate::error::{Error, Result, ServerError};
use crate::pool::PooledConnection;
use crate::retry::{self, Attempt};
use crate::value::Value;

/// A redirection or a transient refusal from a cluster node.
pub(super) enum Redirect {
    Moved {
        slot: u16,
        addr: String,
    },
    Ask {
        addr: String,
    },
    /// TRYAGAIN, CLUSTERDOWN, LOADING, MASTERDOWN: wait a little, then try again.
    Retry {
        refresh: bool,
    },
}

impl Redirect {
    pub(super) fn of(e: &ServerError) -> Option<Redirect> {
        let mut words = e.message().split_ascii_whitespace();
        match e.kind() {
            "MOVED" | "ASK" => {
                let slot: u16 = words.next()?.parse().ok()?;
                let addr = words.next()?.to_string();
                Some(if e.kind() == "MOVED" {
                    Redirect::Moved { slot, addr }
                } else {
                    Redirect::Ask { addr }
                })
            }
            "TRYAGAIN" | "LOADING" | "MASTERDOWN" => Some(Redirect::Retry { refresh: false }),
            "CLUSTERDOWN" => Some(Redirect::Retry { refresh: true }),
            _ => None,
        }
    }
}

impl RedisCluster {
    pub(super) fn run_plan(&self, plan: Plan<'_>) -> Result<Value> {
        if plan.jobs.len() == 1 && matches!(plan.merge, Merge::One) {
            return self.run_one(&plan.jobs[0].target, &plan.jobs[0].cmd);
        }
        let results = self.run_jobs(&plan.jobs);
        pipeline::finish(&plan.merge, results).and_then(|v| match v {
            Value::Error(e) => Err(Error::Server(e)),
            v => Ok(v),
        })
    }

    /// The node (and whether to use its `READONLY` pool) a target resolves to now.
    pub(crate) fn resolve(&self, topo: &Topology, target: &Target) -> Option<(Node, bool)> {
        match target {
            Target::Slot { slot, replica } => {
                let shard = topo.shard(*slot)?;
                Some(if *replica {
                    self.pick_reader(shard)
                } else {
                    (shard.primary.clone(), false)
                })
            }
            Target::Node(n) => Some((n.clone(), false)),
            Target::AnyPrimary => {
                let primaries = topo.primaries();
                if primaries.is_empty() {
                    return None;
                }
                Some((primaries[self.next_turn() % primaries.len()].clone(), false))
            }
        }
    }

    /// Runs one command on its target, following redirections: the main loop of the
    /// cluster client.
    pub(crate) fn run_one(&self, target: &Target, cmd: &Cmd) -> Result<Value> {
        let safe_to_repeat = || routing::is_read_only(cmd);
        let shared = |pipe: &AutoPipe| autopipe::attempt(pipe, cmd);
        let auto = crate::autopipe::eligible(cmd).then_some(&shared as autopipe::Shared<'_, Value>);
        self.redirected(
            target,
            &safe_to_repeat,
            &|| cmd.display_name(),
            auto,
            |conn| conn.request_value(cmd),
        )
    }

    /// [`redirected`](Self::redirected) on the nodes' pools only.
    pub(crate) fn with_redirects<R>(
        &self,
        target: &Target,
        safe_to_repeat: &dyn Fn() -> bool,
        what: &dyn Fn() -> String,
        op: impl FnMut(&mut PooledConnection) -> Result<R>,
    ) -> Result<R> {
        self.redirected(target, safe_to_repeat, what, None, op)
    }

    /// Runs `op` on a connection to `target`'s node until it succeeds, fails for good, or
    /// has gone through `max_redirects` redirections and retries:
    ///
    /// * `MOVED`: the slot map is updated (and the topology refreshed, rate-limited), and
    ///   `op` runs on the new owner;
    /// * `ASK`: `ASKING`, then `op` once on the node named;
    /// * `TRYAGAIN`, `CLUSTERDOWN`, `LOADING`, `MASTERDOWN`: back off, then again (a replica
    ///   that cannot serve the read sends it to the primary);
    /// * a node that refuses connections (nothing was sent): the topology is read again
    ///   from the other nodes, back off, then again;
    /// * a connection that broke after the command left: again only if `safe_to_repeat()`;
    /// * a reply that timed out: the topology is read again from the other nodes (so that
    ///   a hung primary's slots go to the replica that replaced it); the command is sent
    ///   again only if `safe_to_repeat()` and its slot is now served by another node, else
    ///   the timeout is returned (ambiguous: a write may have been applied).
    ///
    /// With `auto` (an eligible command, `auto_pipeline` on), an attempt runs `auto` on the
    /// node's shared connection instead of `op` on a pooled one, where the node has one
    /// (see `autopipe.rs`); a shared connection that cannot be opened counts as a node
    /// that refuses connections.
    fn redirected<R>(
        &self,
        target: &Target,
        safe_to_repeat: &dyn Fn() -> bool,
        what: &dyn Fn() -> String,
        auto: Option<autopipe::Shared<'_, R>>,
        mut op: impl FnMut(&mut PooledConnection) -> Result<R>,
    ) -> Result<R> {
        let mut target = Cow::Borrowed(target);
        let mut asking: Option<Node> = None;
        let attempt = |_: u32| -> Attempt<R> {
            let ask = asking.take();
            let (node, read_only) = match &ask {
                Some(n) => (n.clone(), false),
                None => match self.resolve(&self.topology(), &target) {
                    Some(found) => found,
                    None => {
                        self.refresh_if_due(None);
                        return Attempt::Retry(Error::no_node(match target.as_ref() {
                            Target::Slot { slot, .. } => format!("no node serves slot {slot}"),
                            _ => "no node is known to serve any slot".to_string(),
                        }));
                    }
                },
            };
            let shared = auto.zip(node.auto_pipe(read_only, ask.is_some()));
            let result = if let Some((auto, pipe)) = shared {
                match auto(pipe) {
                    Outcome::Reply(r) => r,
                    Outcome::Unreachable(e) => {
                        return self.unreachable(&node, &mut target, read_only, e)
                    }
                }
            } else {
                let mut conn = match node.pool_for(read_only).get() {
                    Ok(c) => c,
                    Err(e) if read_only => {
                        // A replica that cannot be reached, or refuses READONLY: passed over
                        // for a while; the next fit replica (or the primary) is asked at once.
                        log::debug!("cluster replica {} unusable: {e}", node.addr);
                        node.state.skip();
                        if e.is_connection_error() {
                            self.refresh_if_due(Some(&node.addr));
                        }
                        return Attempt::Redirect(e);
                    }
                    Err(e) if matches!(e, Error::Io(_) | Error::Timeout) => {
                        return self.unreachable(&node, &mut target, read_only, e)
                    }
                    Err(e) => return Attempt::Done(Err(e)),
                };
                if ask.is_some() {
                    if let Err(e) = conn.request_value(&cmd("ASKING")) {
                        if e.is_connection_error() {
                            return Attempt::Redirect(e);
                        }
                        return Attempt::Done(Err(e));
                    }
                }
                op(&mut conn)
            };
            let e = match result {
                Ok(v) => return Attempt::Done(Ok(v)),
                Err(e) => e,
            };
            match e.server_error().and_then(Redirect::of) {
                Some(Redirect::Moved { slot, addr }) => {
                    crate::observe::redirect(&what(), "MOVED", Some(slot), &addr);
                    self.on_moved(slot, &addr, &node.host);
                    Attempt::Redirect(e)
                }
                Some(Redirect::Ask { addr }) => {
                    crate::observe::redirect(&what(), "ASK", None, &addr);
                    match NodeAddr::parse(&addr, &node.host).map(|a| self.node(&a)) {
                        Some(Ok(n)) => {
                            asking = Some(n);
                            Attempt::Redirect(e)
                        }
                        Some(Err(e)) => Attempt::Done(Err(e)),
                        None => Attempt::Done(Err(e)),
                    }
                }
                Some(Redirect::Retry { refresh }) => {
                    log::debug!("{}: {e}; backing off", what());
                    if read_only {
                        // A replica still loading, or cut off from its primary
                        // (MASTERDOWN), is passed over for a while.
                        if e.server_error()
                            .is_some_and(|s| matches!(s.kind(), "LOADING" | "MASTERDOWN"))
                        {
                            node.state.skip();
                        }
                        target = Cow::Owned(primary_only(&target));
                    }
                    if refresh {
                        self.refresh_if_due(None);
                    }
                    Attempt::Retry(e)
                }
                None if matches!(e.inner(), Error::Timeout) => {
                    // A hung node (SIGSTOP, a stalled disk, a partition) answers nothing, not
                    // even MOVED: ask the others who serves the slot now (rate-limited).
                    log::debug!(
                        "{}: {} timed out; re-reading the topology",
                        what(),
                        node.addr
                    );
                    self.refresh_if_due(Some(&node.addr));
                    if read_only {
                        // Passed over for a while: the read goes to the next fit replica,
                        // or the primary.
                        node.state.skip();
                    }
                    // The write may have been applied: never resent (its error is ambiguous).
                    // A read is sent again, but only to another node: not to the one that
                    // timed out (more load does not help a slow server).
                    let elsewhere = ask.is_none()
                        && !matches!(target.as_ref(), Target::Node(_))
                        && self
                            .resolve(&self.topology(), &target)
                            .is_some_and(|(n, _)| n.addr != node.addr);
                    if elsewhere && safe_to_repeat() {
                        Attempt::Retry(e)
                    } else {
                        Attempt::Done(Err(e))
                    }
                }
                None if e.is_io() && safe_to_repeat() => {
                    log::debug!("{}: connection to {} broke ({e}); again", what(), node.addr);
                    if read_only {
                        node.state.skip();
                    }
                    self.refresh_if_due(Some(&node.addr));
                    Attempt::Retry(e)
                }
                None => Attempt::Done(Err(e)),
            }
        };
        retry::run(&self.redirect_policy(), None, what, attempt, |last| {
            self.gave_up(&what(), last)
        })
    }

    /// A node that could not be reached (nothing was sent): the topology is read again,
    /// and the command retried after a pause (on the primary, if it was for a replica),
    /// unless it was meant for that very node.
    fn unreachable<R>(
        &self,
        node: &Node,
        target: &mut Cow<'_, Target>,
        read_only: bool,
        e: Error,
    ) -> Attempt<R> {
        log::debug!("cluster node {} unreachable: {e}", node.addr);
        self.refresh_if_due(Some(&node.addr));
        if let Target::Node(_) = target.as_ref() {
            return Attempt::Done(Err(e));
        }
        if read_only {
            *target = Cow::Owned(primary_only(target));
        }
        Attempt::Retry(e)
    }

    pub(super) fn gave_up(&self, what: &str, last: Error) -> Error {
        let message = format!(
            "{what} failed after {} redirections or retries; last error: {last}",
            self.inner.max_redirects,
        );
        Error::cluster_gave_up(message, last)
    }
}
