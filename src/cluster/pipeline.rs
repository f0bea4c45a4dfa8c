//! Many commands at once in a cluster: [`ClusterPipeline`], and the batch runner that split
//! commands and fan-outs share with it.
//!
//! A batch is a list of jobs (a command and where it goes). The runner resolves each job to
//! a node, sends each node its jobs in one write (the nodes in parallel, one thread each),
//! reads the replies, then sends again, one by one through the redirecting loop, whatever
//! was redirected (`MOVED`, `ASK`), refused for a while (`TRYAGAIN`, `CLUSTERDOWN`) or never
//! sent (a node that refused the connection). Replies are returned in job order.

use std::borrow::Cow;
use std::fmt;
use std::io;

use crate::batch;
use crate::cmd::Cmd;
use crate::connection::Connection;
use crate::error::{Error, Result};
use crate::from_value::FromValue;
use crate::retry::{self, Stage};
use crate::value::Value;

use super::routing::{self, Agg, SplitKind};
use super::topology::NodeAddr;
use super::{Node, Redirect, RedisCluster, Target, SCAN_NODE_SHIFT};

/// One command of a batch and where it goes.
pub(crate) struct Job<'a> {
    pub cmd: Cow<'a, Cmd>,
    pub target: Target,
}

/// How the replies of a command's jobs become its one reply.
pub(crate) enum Merge {
    /// One job, its reply as is.
    One,
    /// A fan-out to several nodes.
    Agg(Agg),
    /// A command split per slot; `parts[j]` lists which of the original keys job `j` holds.
    Split {
        kind: SplitKind,
        parts: Vec<Vec<usize>>,
        total: usize,
    },
    /// One step of a cluster-wide SCAN on primary `index` of `count`.
    Scan { index: usize, count: usize },
}

/// The jobs of one command and how to merge their replies.
pub(crate) struct Plan<'a> {
    pub jobs: Vec<Job<'a>>,
    pub merge: Merge,
}

impl<'a> Plan<'a> {
    pub fn single(cmd: &'a Cmd, target: Target) -> Plan<'a> {
        Plan {
            jobs: vec![Job {
                cmd: Cow::Borrowed(cmd),
                target,
            }],
            merge: Merge::One,
        }
    }
}

/// Merges the replies of one command's jobs. Error replies stay in place as
/// [`Value::Error`] (the first one wins for merged replies); a job that failed for good
/// (connection lost) makes the whole command fail.
pub(crate) fn finish(merge: &Merge, results: Vec<Result<Value>>) -> Result<Value> {
    let mut replies = Vec::with_capacity(results.len());
    for r in results {
        replies.push(r?);
    }
    if !matches!(merge, Merge::One | Merge::Agg(Agg::OneSucceeded)) {
        if let Some(e) = replies.iter().find(|v| matches!(v, Value::Error(_))) {
            return Ok(e.clone());
        }
    }
    match merge {
        Merge::One => Ok(replies.pop().unwrap_or(Value::Nil)),
        Merge::Agg(agg) => {
            let as_results = replies
                .into_iter()
                .map(|v| match v {
                    Value::Error(e) => Err(Error::Server(e)),
                    v => Ok(v),
                })
                .collect();
            match routing::aggregate(*agg, as_results) {
                Err(Error::Server(e)) => Ok(Value::Error(e)),
                other => other,
            }
        }
        Merge::Split { kind, parts, total } => match kind {
            SplitKind::Values => {
                let mut out = vec![Value::Nil; *total];
                for (reply, ords) in replies.into_iter().zip(parts) {
                    let Value::Array(items) = reply.strip_attributes() else {
                        return Err(Error::Type("MGET part did not answer with an array".into()));
                    };
                    if items.len() != ords.len() {
                        return Err(Error::Protocol(format!(
                            "MGET part answered {} values for {} keys",
                            items.len(),
                            ords.len()
                        )));
                    }
                    for (v, &ord) in items.into_iter().zip(ords) {
                        out[ord] = v;
                    }
                }
                Ok(Value::Array(out))
            }
            SplitKind::Pairs => Ok(replies
                .into_iter()
                .next()
                .unwrap_or(Value::Simple("OK".into()))),
            SplitKind::Count => {
                let mut sum = 0i64;
                for r in replies {
                    match r {
                        Value::Int(n) => sum += n,
                        other => {
                            return Err(Error::Type(format!(
                                "a split command's part answered with a {}",
                                other.kind_name()
                            )))
                        }
                    }
                }
                Ok(Value::Int(sum))
            }
        },
        Merge::Scan { index, count } => {
            let reply = replies.pop().unwrap_or(Value::Nil);
            let Value::Array(mut items) = reply.strip_attributes() else {
                return Err(Error::Type("SCAN did not answer with an array".into()));
            };
            if items.len() != 2 {
                return Err(Error::Protocol("SCAN answered without a cursor".into()));
            }
            let keys = items.pop().unwrap_or(Value::Nil);
            let node_cursor: u64 = items[0]
                .as_bytes()
                .and_then(|b| std::str::from_utf8(b).ok())
                .and_then(|s| s.parse().ok())
                .ok_or_else(|| Error::Protocol("SCAN answered with a bad cursor".into()))?;
            let next = if node_cursor == 0 {
                if index + 1 < *count {
                    ((index + 1) as u64) << SCAN_NODE_SHIFT
                } else {
                    0
                }
            } else if node_cursor >> SCAN_NODE_SHIFT != 0 {
                return Err(Error::cluster(format!(
                    "a node's SCAN cursor {node_cursor} is too large to carry the node index"
                )));
            } else {
                ((*index as u64) << SCAN_NODE_SHIFT) | node_cursor
            };
            Ok(Value::Array(vec![
                Value::Bulk(next.to_string().into_bytes()),
                keys,
            ]))
        }
    }
}

/// What became of one job sent in a batch.
enum Outcome {
    Reply(Value),
    /// No connection could be had: the command never left.
    NotSent,
    /// The connection broke after the command may have left.
    Broken(Error),
}

/// The jobs of one batch that go to one node.
struct Batch {
    node: Node,
    read_only: bool,
    jobs: Vec<usize>,
}

/// A copy of a connection error, for the later replies of a batch that broke.
fn broken_copy(e: &Error) -> Error {
    let kind = match e.inner() {
        Error::Io(io) => io.kind(),
        Error::Timeout => io::ErrorKind::TimedOut,
        _ => io::ErrorKind::Other,
    };
    Error::Io(io::Error::new(
        kind,
        format!("the connection broke before this reply arrived: {e}"),
    ))
}

fn run_batch(batch: &Batch, jobs: &[Job<'_>]) -> Vec<Outcome> {
    let mut conn = match batch.node.pool_for(batch.read_only).get() {
        Ok(c) => c,
        Err(e) => {
            log::debug!("cluster node {} unreachable: {e}", batch.node.addr);
            return batch.jobs.iter().map(|_| Outcome::NotSent).collect();
        }
    };
    send_and_read(&mut conn, batch.jobs.iter().map(|&i| jobs[i].cmd.as_ref()))
}

/// Writes every command, flushes once, then reads one reply per command: every command
/// after a failure is [`Outcome::Broken`].
fn send_and_read<'c>(
    conn: &mut Connection,
    cmds: impl Iterator<Item = &'c Cmd> + Clone,
) -> Vec<Outcome> {
    let n = cmds.clone().count();
    match batch::exchange(conn, cmds) {
        Ok(replies) => replies.into_iter().map(Outcome::Reply).collect(),
        Err(b) => {
            let got = b.replies.len();
            let mut out: Vec<Outcome> = b.replies.into_iter().map(Outcome::Reply).collect();
            out.extend((got + 1..n).map(|_| Outcome::Broken(broken_copy(&b.error))));
            out.insert(got, Outcome::Broken(b.error));
            out
        }
    }
}

impl RedisCluster {
    /// Runs a batch of jobs: one write per node, the nodes in parallel, then whatever was
    /// redirected or not sent goes through [`run_one`](RedisCluster::run_one). Replies come
    /// back in job order; server error replies stay in place as [`Value::Error`].
    pub(crate) fn run_jobs(&self, jobs: &[Job<'_>]) -> Vec<Result<Value>> {
        let topo = self.topology();
        let mut results: Vec<Option<Result<Value>>> = (0..jobs.len()).map(|_| None).collect();
        let mut batches: Vec<Batch> = Vec::new();
        let mut retry: Vec<usize> = Vec::new();
        for (i, job) in jobs.iter().enumerate() {
            match self.resolve(&topo, &job.target) {
                Some((node, read_only)) => {
                    match batches
                        .iter_mut()
                        .find(|b| b.read_only == read_only && b.node.addr == node.addr)
                    {
                        Some(b) => b.jobs.push(i),
                        None => batches.push(Batch {
                            node,
                            read_only,
                            jobs: vec![i],
                        }),
                    }
                }
                None => retry.push(i),
            }
        }
        drop(topo);

        let outcomes: Vec<Vec<Outcome>> = match batches.len() {
            0 => Vec::new(),
            1 => vec![run_batch(&batches[0], jobs)],
            _ => std::thread::scope(|s| {
                let handles: Vec<_> = batches[1..]
                    .iter()
                    .map(|b| s.spawn(move || run_batch(b, jobs)))
                    .collect();
                let mut all = vec![run_batch(&batches[0], jobs)];
                for h in handles {
                    match h.join() {
                        Ok(o) => all.push(o),
                        Err(panic) => std::panic::resume_unwind(panic),
                    }
                }
                all
            }),
        };

        let mut moves = Vec::new();
        for (batch, outs) in batches.iter().zip(outcomes) {
            // A replica that could not serve its reads is passed over for the retries.
            if batch.read_only
                && outs
                    .iter()
                    .any(|o| matches!(o, Outcome::NotSent | Outcome::Broken(_)))
            {
                batch.node.state.skip();
            }
            for (&i, outcome) in batch.jobs.iter().zip(outs) {
                match outcome {
                    Outcome::Reply(Value::Error(e)) => match Redirect::of(&e) {
                        Some(Redirect::Moved { slot, addr }) => {
                            if let Some(a) = NodeAddr::parse(&addr, &batch.node.host) {
                                if let Ok(node) = self.node(&a) {
                                    moves.push((slot, node));
                                }
                            }
                            retry.push(i);
                        }
                        Some(_) => retry.push(i),
                        None => results[i] = Some(Ok(Value::Error(e))),
                    },
                    Outcome::Reply(v) => results[i] = Some(Ok(v)),
                    Outcome::NotSent => retry.push(i),
                    Outcome::Broken(e) => {
                        if routing::is_read_only(&jobs[i].cmd) {
                            retry.push(i);
                        } else {
                            // It may have been applied: say so (never "not applied").
                            results[i] = Some(Err(retry::settle(Stage::Sent, false, e)));
                        }
                    }
                }
            }
        }
        if !moves.is_empty() {
            self.apply_moves(moves);
            self.refresh_if_due(None);
        }
        retry.sort_unstable();
        for i in retry {
            let r = match self.run_one(&jobs[i].target, &jobs[i].cmd) {
                Err(Error::Server(e)) => Ok(Value::Error(e)),
                other => other,
            };
            results[i] = Some(r);
        }
        results
            .into_iter()
            .map(|r| r.unwrap_or_else(|| Err(Error::cluster("a job was not run"))))
            .collect()
    }

    /// Runs `cmds` inside MULTI/EXEC on the node serving their one slot, following
    /// redirections (nothing ran when a redirection arrives: EXEC was refused). Returns
    /// EXEC's replies, error replies in place.
    pub(crate) fn run_transaction(&self, cmds: &[Cmd]) -> Result<Vec<Value>> {
        let mut slot: Option<u16> = None;
        for (i, c) in cmds.iter().enumerate() {
            let discarded = crate::PipelineFailure::Discarded;
            let s = self
                .slot_of(c)
                .map_err(|e| batch::failed_as(cmds, i, discarded, e))?;
            match (slot, s) {
                (Some(a), Some(b)) if a != b => {
                    return Err(Error::cross_slot(format!(
                        "a cluster transaction needs every key in one hash slot, but \
                         command #{i} ({}) is in slot {b} and an earlier one in slot {a}; \
                         nothing was sent. Use a {{hash tag}}, or \
                         pipeline_without_transaction()",
                        c.display_name()
                    )))
                }
                (None, Some(b)) => slot = Some(b),
                _ => {}
            }
        }
        let target = match slot {
            Some(slot) => Target::Slot {
                slot,
                replica: false,
            },
            None => Target::AnyPrimary,
        };
        self.with_redirects(&target, &|| false, &|| "MULTI/EXEC".to_string(), |conn| {
            exec_transaction(conn, cmds)
        })
    }
}

/// MULTI, the commands, EXEC in one write. A redirection of any queued command (or of
/// EXEC) is returned as the server error itself (inside [`Error::Pipeline`]), so that the
/// caller follows it; a connection that broke after the bytes left is ambiguous unless
/// every command is read-only.
fn exec_transaction(conn: &mut Connection, cmds: &[Cmd]) -> Result<Vec<Value>> {
    batch::transaction(conn, cmds, |q| Redirect::of(q).is_some())
        .map_err(|e| batch::settle(cmds, e))
}

/// Commands queued to run together on a cluster; see
/// [`RedisCluster::pipeline`] (MULTI/EXEC on one slot) and
/// [`RedisCluster::pipeline_without_transaction`] (any keys, grouped by node).
///
/// Every command method queues its command and returns `&mut ClusterPipeline`; reply types
/// are chosen at [`execute`](ClusterPipeline::execute).
///
/// ```no_run
/// # let c = strictredis::cluster::RedisCluster::from_urls(&["redis://127.0.0.1:7000"])?;
/// let mut p = c.pipeline_without_transaction();
/// p.set("a", "1").set("b", "2").mget(&["a", "b"]);
/// let (_, _, v): ((), (), Vec<String>) = p.execute()?;
///
/// let mut t = c.pipeline();        // MULTI/EXEC: one slot
/// t.incr("{user:1}:visits").get("{user:1}:visits");
/// let (n, v): (i64, String) = t.execute()?;
/// # Ok::<(), strictredis::Error>(())
/// ```
///
/// Without a transaction, commands to the same node keep their order; a redirected
/// command is sent again after the others, so commands on different keys may run in
/// another order than queued (commands on one key keep theirs: they are redirected
/// together).
pub struct ClusterPipeline {
    cluster: RedisCluster,
    cmds: Vec<Cmd>,
    transaction: bool,
}

crate::commands::impl_command_tables!(ClusterPipeline, queue_methods);

impl fmt::Debug for ClusterPipeline {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ClusterPipeline")
            .field("transaction", &self.transaction)
            .field("queued", &self.cmds.len())
            .finish()
    }
}

impl ClusterPipeline {
    pub(crate) fn new(cluster: RedisCluster, transaction: bool) -> ClusterPipeline {
        ClusterPipeline {
            cluster,
            cmds: Vec::new(),
            transaction,
        }
    }

    /// Queues any command, including ones without a method.
    pub fn queue(&mut self, cmd: Cmd) -> &mut Self {
        self.cmds.push(cmd);
        self
    }

    /// How many commands are queued.
    pub fn len(&self) -> usize {
        self.cmds.len()
    }

    /// True when nothing is queued.
    pub fn is_empty(&self) -> bool {
        self.cmds.is_empty()
    }

    /// True when the commands run inside MULTI/EXEC.
    pub fn is_transaction(&self) -> bool {
        self.transaction
    }

    /// Drops the queued commands (as `Pipeline::clear`; `reset()` queues the RESET
    /// command, which `execute` refuses).
    pub fn clear(&mut self) {
        self.cmds.clear();
    }

    /// Sends every queued command and converts the replies into `T` (a tuple, a `Vec`, or
    /// `Value`). The first command that failed is reported as [`Error::Pipeline`] with its
    /// index; keys in different slots (in a transaction, or for a command that cannot be
    /// split) fail before anything is sent. The pipeline is empty afterwards.
    ///
    /// As on one server ([`Pipeline::execute`](crate::Pipeline::execute)): an empty command
    /// or a queued MULTI, EXEC, DISCARD, WATCH, UNWATCH or RESET is an [`Error::Config`]
    /// before anything is sent, and a connection error after the commands started to leave
    /// is ambiguous ([`Error::is_ambiguous`]) unless every queued command is read-only.
    pub fn execute<T: FromValue>(&mut self) -> Result<T> {
        let cmds = std::mem::take(&mut self.cmds);
        let replies = self.run(&cmds)?;
        batch::check_replies(&cmds, &replies, self.transaction)?;
        T::from_value(Value::Array(replies))
    }

    /// Like [`execute`](Self::execute), but returns every reply as it came, with error
    /// replies in place as [`Value::Error`].
    pub fn execute_raw(&mut self) -> Result<Vec<Value>> {
        let cmds = std::mem::take(&mut self.cmds);
        self.run(&cmds)
    }

    /// Runs `cmds`, those with a local reply (a command method given an empty list) not
    /// sent but answered in their place.
    fn run(&self, cmds: &[Cmd]) -> Result<Vec<Value>> {
        crate::cmd::with_local_replies(cmds, |sent| self.run_sent(sent))
    }

    fn run_sent(&self, cmds: &[Cmd]) -> Result<Vec<Value>> {
        if cmds.is_empty() {
            return Ok(Vec::new());
        }
        batch::check_queued(cmds)?;
        if self.transaction {
            return self.cluster.run_transaction(cmds);
        }
        let mut jobs = Vec::with_capacity(cmds.len());
        let mut spans = Vec::with_capacity(cmds.len());
        for (i, c) in cmds.iter().enumerate() {
            let plan = self
                .cluster
                .plan_on_primaries(c)
                .map_err(|e| batch::failed(cmds, i, e))?;
            spans.push((plan.jobs.len(), plan.merge));
            jobs.extend(plan.jobs);
        }
        let mut results = self.cluster.run_jobs(&jobs).into_iter();
        let mut out = Vec::with_capacity(cmds.len());
        for (i, (n, merge)) in spans.into_iter().enumerate() {
            let part: Vec<Result<Value>> = results.by_ref().take(n).collect();
            // As on one server: once the bytes left, a connection error is ambiguous unless
            // every queued command is read-only.
            let reply =
                finish(&merge, part).map_err(|e| batch::failed(cmds, i, batch::settle(cmds, e)))?;
            out.push(reply);
        }
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn bulk(s: &str) -> Value {
        Value::Bulk(s.as_bytes().to_vec())
    }

    #[test]
    fn split_values_go_back_in_order() {
        let merge = Merge::Split {
            kind: SplitKind::Values,
            parts: vec![vec![0, 2], vec![1]],
            total: 3,
        };
        let replies = vec![
            Ok(Value::Array(vec![bulk("a"), Value::Nil])),
            Ok(Value::Array(vec![bulk("b")])),
        ];
        assert_eq!(
            finish(&merge, replies).unwrap(),
            Value::Array(vec![bulk("a"), bulk("b"), Value::Nil])
        );
    }

    #[test]
    fn split_counts_add_up_and_errors_win() {
        let merge = Merge::Split {
            kind: SplitKind::Count,
            parts: vec![vec![0], vec![1]],
            total: 2,
        };
        assert_eq!(
            finish(&merge, vec![Ok(Value::Int(1)), Ok(Value::Int(2))]).unwrap(),
            Value::Int(3)
        );
        let err = Value::Error(crate::error::ServerError::new("ERR x"));
        assert_eq!(
            finish(&merge, vec![Ok(Value::Int(1)), Ok(err.clone())]).unwrap(),
            err
        );
    }

    #[test]
    fn scan_cursors_carry_the_node() {
        let reply = |c: &str| Ok(Value::Array(vec![bulk(c), Value::Array(vec![bulk("k")])]));
        let cursor = |v: Value| match v {
            Value::Array(items) => String::from_utf8(items[0].as_bytes().unwrap().to_vec())
                .unwrap()
                .parse::<u64>()
                .unwrap(),
            _ => panic!("not an array"),
        };
        let m = Merge::Scan { index: 1, count: 3 };
        assert_eq!(
            cursor(finish(&m, vec![reply("17")]).unwrap()),
            (1 << 48) | 17
        );
        assert_eq!(cursor(finish(&m, vec![reply("0")]).unwrap()), 2 << 48);
        let last = Merge::Scan { index: 2, count: 3 };
        assert_eq!(cursor(finish(&last, vec![reply("0")]).unwrap()), 0);
        assert!(finish(&m, vec![reply(&(1u64 << 50).to_string())]).is_err());
    }
}
