//! Where a command goes in a cluster, and how replies from several nodes become one.
//!
//! * A command with keys goes to the node serving their slot. Keys are the arguments the
//!   command table marked with [`Cmd::key`](crate::Cmd::key); for a command built by hand
//!   with `cmd(..).arg(..)` they are found from [`KeySpec`]s: the command table
//!   (`command_facts`), then, for a command no server in it knows, the server's own
//!   `COMMAND INFO` (cached per command name), then `COMMAND GETKEYS` for the commands
//!   whose key positions depend on their arguments.
//! * Keys in several slots are refused before any I/O, except for the commands that can be
//!   split per slot and put back together ([`split_kind`]).
//! * A keyless command follows its documented request policy ([`keyless_policy`]): any
//!   primary, all primaries, or all nodes, with the replies aggregated ([`Agg`]).
//! * Only the read-only commands of [`is_read_only`] may be sent to a replica.

use crate::cmd::Cmd;
pub(crate) use crate::command_facts::{is_read_only, KeySpec, Name};
use crate::command_facts::{Request, Response};
use crate::error::{Error, Result};
use crate::value::Value;

/// How the replies of a command sent to several nodes become one reply.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Agg {
    /// Integers added up (DBSIZE); arrays of integers element by element.
    Sum,
    /// The smallest integer (WAIT); arrays of integers element by element (WAITAOF).
    Min,
    /// The largest integer; arrays element by element.
    Max,
    /// Every node must succeed; the first reply is returned (FLUSHALL, SCRIPT LOAD).
    AllSucceeded,
    /// One success is enough (SCRIPT KILL); otherwise the first error.
    OneSucceeded,
    /// Arrays of 0/1 combined element by element with AND (SCRIPT EXISTS); single
    /// integers too.
    LogicalAnd,
    /// The same with OR.
    LogicalOr,
    /// Arrays concatenated (KEYS, SLOWLOG GET).
    Concat,
    /// The first reply that is not nil, else nil (RANDOMKEY: a key from a node that has
    /// one).
    FirstNonNil,
}

/// Where a command without keys goes (the server's documented request policy).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Policy {
    /// Any one primary.
    AnyPrimary,
    /// Every primary, replies aggregated.
    AllPrimaries(Agg),
    /// Every node, primaries and replicas, replies aggregated.
    AllNodes(Agg),
    /// SCAN: one primary after the other, the node's index carried in the cursor.
    Scan,
    /// The argument at this index is a slot number (CLUSTER COUNTKEYSINSLOT).
    SlotArg(usize),
}

/// The request policy of a keyless command, from the `request_policy` and
/// `response_policy` tips of the command table (docs/cluster.md, "Fan-out", has the
/// table):
///
/// * `all_shards` goes to every primary, `all_nodes` to every primary and replica, with
///   the replies merged by the response policy (`agg_sum`, `agg_min`, `agg_max`,
///   `agg_logical_and`, `agg_logical_or`, `all_succeeded`, `one_succeeded`), or, without
///   one, concatenated (KEYS, SLOWLOG GET), as the servers' documentation says;
/// * a `special` response policy (INFO, MEMORY STATS, LATENCY DOCTOR, ...: per-node reports
///   the servers leave to the client to combine) and any other keyless command go to one
///   primary;
/// * what the tips do not say: SCAN walks the primaries one after the other, the CLUSTER
///   subcommands that take a slot go to its node, a CLIENT subcommand reads or sets the
///   state of one connection (never fanned out), and RANDOMKEY asks every primary and
///   returns a key from one that has any.
///
/// `None` for commands with keys, and for commands no server knows (they may have keys
/// the caller did not mark: see [`static_key_spec`]).
pub(crate) fn keyless_policy(n: &Name) -> Option<Policy> {
    use Agg::*;
    let e = n.entry()?;
    match (e.name, e.sub) {
        ("SCAN", _) => return Some(Policy::Scan),
        ("CLUSTER", "COUNTKEYSINSLOT" | "GETKEYSINSLOT") => return Some(Policy::SlotArg(2)),
        ("CLIENT", _) => return Some(Policy::AnyPrimary),
        ("RANDOMKEY", _) => return Some(Policy::AllPrimaries(FirstNonNil)),
        _ => {}
    }
    if e.keys != KeySpec::Keyless {
        return None;
    }
    let agg = match e.response {
        Response::AggSum => Some(Sum),
        Response::AggMin => Some(Min),
        Response::AggMax => Some(Max),
        Response::AllSucceeded => Some(AllSucceeded),
        Response::OneSucceeded => Some(OneSucceeded),
        Response::AggLogicalAnd => Some(LogicalAnd),
        Response::AggLogicalOr => Some(LogicalOr),
        Response::None => Some(Concat),
        Response::Special => None,
    };
    Some(match (e.request, agg) {
        (Request::AllShards, Some(agg)) => Policy::AllPrimaries(agg),
        (Request::AllNodes, Some(agg)) => Policy::AllNodes(agg),
        _ => Policy::AnyPrimary,
    })
}

/// The commands that may be split per slot when their keys are in several slots, each part
/// sent to its own node, and the replies put back together.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum SplitKind {
    /// MGET: one value per key, reassembled in the caller's order.
    Values,
    /// MSET: `key value` pairs; every part must answer OK.
    Pairs,
    /// DEL, EXISTS, UNLINK, TOUCH: the counts are added up.
    Count,
}

/// The split kind of a command, if it may be split: the table's `multi_shard` request
/// policy on a command whose keys (or `key value` pairs) run from the first argument to the
/// last, with a reply that can be put back together (per key, all OK, or a sum).
pub(crate) fn split_kind(n: &Name) -> Option<SplitKind> {
    let e = n.entry()?;
    if e.request != Request::MultiShard {
        return None;
    }
    let KeySpec::Range {
        first: 1,
        last: -1,
        step,
    } = e.keys
    else {
        return None;
    };
    match (e.response, step) {
        (Response::None, 1) => Some(SplitKind::Values),
        (Response::AllSucceeded, 2) => Some(SplitKind::Pairs),
        (Response::AggSum, 1) => Some(SplitKind::Count),
        _ => None,
    }
}

/// Key positions of a command from the command table, known without asking the server;
/// `None` for a command no server in the table knows.
pub(crate) fn static_key_spec(n: &Name) -> Option<KeySpec> {
    n.entry().map(|e| e.keys)
}

/// Reads a key spec from one `COMMAND INFO` entry: `[name, arity, flags, first, last,
/// step, ...]`; `None` for a nil entry (a command the server does not know).
pub(crate) fn key_spec_from_info(entry: Value) -> Option<KeySpec> {
    let Value::Array(items) = entry.strip_attributes() else {
        return None;
    };
    let int = |i: usize| match items.get(i) {
        Some(Value::Int(n)) => Some(*n),
        _ => None,
    };
    let movable = match items.get(2) {
        Some(Value::Array(flags)) | Some(Value::Set(flags)) => flags
            .iter()
            .any(|f| f.as_bytes() == Some(b"movablekeys".as_slice())),
        _ => false,
    };
    let (first, last, step) = (int(3)?, int(4)?, int(5)?);
    Some(if movable {
        KeySpec::Movable
    } else if first <= 0 || step <= 0 {
        KeySpec::Keyless
    } else {
        KeySpec::Range {
            first: first as usize,
            last,
            step: step as usize,
        }
    })
}

/// The argument indexes of the keys of a command of `argc` arguments (the name counts),
/// or `None` when the spec needs the server (`Movable`).
pub(crate) fn key_positions(spec: KeySpec, cmd: &Cmd) -> Option<Vec<usize>> {
    let argc = cmd.arg_count();
    match spec {
        KeySpec::Keyless => Some(Vec::new()),
        KeySpec::Range { first, last, step } => {
            let last = if last < 0 {
                argc as i64 + last
            } else {
                last.min(argc as i64 - 1)
            };
            if last < first as i64 {
                return Some(Vec::new());
            }
            Some((first..=last as usize).step_by(step.max(1)).collect())
        }
        KeySpec::NumKeys { at, dest } => {
            let n: usize = cmd
                .nth_arg(at)
                .and_then(|a| std::str::from_utf8(a).ok())
                .and_then(|a| a.parse().ok())
                .unwrap_or(0);
            let mut out = Vec::with_capacity(n + 1);
            if dest && argc > 1 {
                out.push(1);
            }
            out.extend((at + 1..argc).take(n));
            Some(out)
        }
        KeySpec::Movable => None,
    }
}

/// The argument indexes of the keys marked with [`Cmd::key`] and friends.
pub(crate) fn marked_key_positions(cmd: &Cmd) -> Vec<usize> {
    // Keys are recorded as they are appended, so in argument order: one pass, matching
    // each argument's place in the command's buffer against the next key's.
    let mut keys = cmd.key_args().map(|k| k.as_ptr() as usize).peekable();
    cmd.args_iter()
        .enumerate()
        .filter_map(|(i, a)| {
            if keys.peek() == Some(&(a.as_ptr() as usize)) {
                keys.next();
                Some(i)
            } else {
                None
            }
        })
        .collect()
}

/// Aggregates the replies of a command sent to several nodes.
pub(crate) fn aggregate(agg: Agg, replies: Vec<Result<Value>>) -> Result<Value> {
    match agg {
        Agg::OneSucceeded => {
            let mut first_err = None;
            for r in replies {
                match r {
                    Ok(v) => return Ok(v),
                    Err(e) => {
                        first_err.get_or_insert(e);
                    }
                }
            }
            Err(first_err.unwrap_or_else(|| Error::no_node("no node to send the command to")))
        }
        _ => {
            let replies: Vec<Value> = replies.into_iter().collect::<Result<_>>()?;
            aggregate_ok(agg, replies)
        }
    }
}

fn aggregate_ok(agg: Agg, replies: Vec<Value>) -> Result<Value> {
    let combine: fn(&Value, &Value) -> Option<Value> = match agg {
        Agg::Sum => |a, b| ints(a, b, i64::saturating_add),
        Agg::Min => |a, b| ints(a, b, i64::min),
        Agg::Max => |a, b| ints(a, b, i64::max),
        Agg::LogicalAnd => |a, b| flags(a, b, |x, y| x && y),
        Agg::LogicalOr => |a, b| flags(a, b, |x, y| x || y),
        Agg::AllSucceeded | Agg::OneSucceeded => {
            return replies
                .into_iter()
                .next()
                .ok_or_else(|| Error::no_node("no node to send the command to"))
        }
        Agg::FirstNonNil => {
            return Ok(replies
                .into_iter()
                .find(|v| !matches!(v, Value::Nil))
                .unwrap_or(Value::Nil))
        }
        Agg::Concat => {
            let mut out = Vec::new();
            for r in replies {
                match r.strip_attributes() {
                    Value::Array(items) | Value::Set(items) => out.extend(items),
                    other => return Err(cannot_merge(agg, &other)),
                }
            }
            return Ok(Value::Array(out));
        }
    };
    let mut replies = replies.into_iter().map(Value::strip_attributes);
    let Some(mut acc) = replies.next() else {
        return Err(Error::no_node("no node to send the command to"));
    };
    // One reply is checked as any other: a type the policy cannot merge is refused.
    if combine(&acc, &acc).is_none() {
        return Err(cannot_merge(agg, &acc));
    }
    for r in replies {
        acc = combine(&acc, &r).ok_or_else(|| cannot_merge(agg, &r))?;
    }
    Ok(acc)
}

fn cannot_merge(agg: Agg, v: &Value) -> Error {
    Error::Type(format!(
        "cannot merge a {} reply from a cluster node ({agg:?})",
        v.kind_name()
    ))
}

/// `scalar` applied to two replies, or to two arrays of one length element by element
/// (recursively); `None` when the shapes differ or `scalar` refuses.
fn elementwise(
    a: &Value,
    b: &Value,
    scalar: &dyn Fn(&Value, &Value) -> Option<Value>,
) -> Option<Value> {
    match (a, b) {
        (Value::Array(x), Value::Array(y)) if x.len() == y.len() => x
            .iter()
            .zip(y)
            .map(|(a, b)| elementwise(a, b, scalar))
            .collect::<Option<Vec<_>>>()
            .map(Value::Array),
        (Value::Array(_), _) | (_, Value::Array(_)) => None,
        _ => scalar(a, b),
    }
}

/// Two integers (or arrays of them, element by element) combined with `op`.
fn ints(a: &Value, b: &Value, op: fn(i64, i64) -> i64) -> Option<Value> {
    elementwise(a, b, &|a, b| match (a, b) {
        (Value::Int(x), Value::Int(y)) => Some(Value::Int(op(*x, *y))),
        _ => None,
    })
}

/// Two truth values (0/1 integers or RESP3 booleans, or arrays of them) combined with
/// `op`; the result is 0/1 integers, as the servers answer in RESP2.
fn flags(a: &Value, b: &Value, op: fn(bool, bool) -> bool) -> Option<Value> {
    let truth = |v: &Value| match v {
        Value::Int(n) => Some(*n != 0),
        Value::Boolean(t) => Some(*t),
        _ => None,
    };
    elementwise(a, b, &|a, b| {
        Some(Value::Int(op(truth(a)?, truth(b)?) as i64))
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cmd::cmd;

    #[test]
    fn read_only_is_the_command_tables() {
        assert!(is_read_only(&cmd("get").arg("k")));
        assert!(is_read_only(&cmd("ZRANGE").arg("k")));
        assert!(is_read_only(&cmd("OBJECT ENCODING").arg("k")));
        assert!(is_read_only(&cmd("HTTL").arg("k")));
        assert!(!is_read_only(&cmd("SET").arg("k")));
        assert!(!is_read_only(&cmd("INCR").arg("k")));
        assert!(!is_read_only(&cmd("OBJECT HELP")));
    }

    #[test]
    fn policies() {
        let p = |c: Cmd| keyless_policy(&Name::of(&c));
        assert_eq!(p(cmd("dbsize")), Some(Policy::AllPrimaries(Agg::Sum)));
        assert_eq!(
            p(cmd("SCRIPT LOAD").arg("x")),
            Some(Policy::AllNodes(Agg::AllSucceeded))
        );
        assert_eq!(
            p(cmd("script").arg("exists")),
            Some(Policy::AllPrimaries(Agg::LogicalAnd))
        );
        assert_eq!(
            p(cmd("CLUSTER COUNTKEYSINSLOT").arg(5u64)),
            Some(Policy::SlotArg(2))
        );
        assert_eq!(p(cmd("CLUSTER INFO")), Some(Policy::AnyPrimary));
        use Policy::{AllNodes, AllPrimaries};
        for (c, want) in [
            (cmd("WAIT").arg(1u64).arg(0u64), AllPrimaries(Agg::Min)),
            (cmd("KEYS").arg("*"), AllPrimaries(Agg::Concat)),
            (cmd("SLOWLOG GET"), AllNodes(Agg::Concat)),
            (cmd("SLOWLOG LEN"), AllNodes(Agg::Sum)),
            (cmd("PING"), AllPrimaries(Agg::AllSucceeded)),
            (cmd("FLUSHALL"), AllPrimaries(Agg::AllSucceeded)),
            (
                cmd("FUNCTION LOAD").arg("x"),
                AllPrimaries(Agg::AllSucceeded),
            ),
            (cmd("SCRIPT FLUSH"), AllNodes(Agg::AllSucceeded)),
            (cmd("SCRIPT KILL"), AllPrimaries(Agg::OneSucceeded)),
            (cmd("RANDOMKEY"), AllPrimaries(Agg::FirstNonNil)),
        ] {
            let name = c.display_name();
            assert_eq!(p(c), Some(want), "{name}");
        }
        // Special: per-node reports go to one node.
        assert_eq!(p(cmd("INFO")), Some(Policy::AnyPrimary));
        assert_eq!(p(cmd("MEMORY STATS")), Some(Policy::AnyPrimary));
        assert_eq!(p(cmd("LATENCY DOCTOR")), Some(Policy::AnyPrimary));
        // The state of one connection is never fanned out.
        assert_eq!(p(cmd("CLIENT SETNAME").arg("x")), Some(Policy::AnyPrimary));
        assert_eq!(p(cmd("MEMORY USAGE").arg("k")), None);
        assert_eq!(p(cmd("GET").arg("k")), None);
        assert_eq!(
            Name::of(&cmd("config get").arg("x")).info_name(),
            "config|get"
        );
    }

    #[test]
    fn positions() {
        let c = cmd("MSET").arg("a").arg("1").arg("b").arg("2");
        let spec = static_key_spec(&Name::of(&c)).unwrap();
        assert_eq!(key_positions(spec, &c), Some(vec![1, 3]));
        let c = cmd("EVAL")
            .arg("return 1")
            .arg(2u64)
            .arg("k1")
            .arg("k2")
            .arg("argv");
        let spec = static_key_spec(&Name::of(&c)).unwrap();
        assert_eq!(key_positions(spec, &c), Some(vec![3, 4]));
        let c = cmd("ZUNIONSTORE")
            .arg("d")
            .arg(2u64)
            .arg("a")
            .arg("b")
            .arg("WEIGHTS");
        let spec = static_key_spec(&Name::of(&c)).unwrap();
        assert_eq!(key_positions(spec, &c), Some(vec![1, 3, 4]));
        let c = cmd("GET");
        assert_eq!(
            key_positions(
                KeySpec::Range {
                    first: 1,
                    last: 1,
                    step: 1
                },
                &c
            ),
            Some(vec![])
        );
        let c = cmd("SET").key("k").arg("v");
        assert_eq!(marked_key_positions(&c), vec![1]);
        let c = cmd("MSET").key("").arg("").key("").arg("");
        assert_eq!(marked_key_positions(&c), vec![1, 3]);
    }

    #[test]
    fn command_info_entries() {
        let entry = |flags: &[&str], first: i64, last: i64, step: i64| {
            Value::Array(vec![
                Value::Bulk(b"x".to_vec()),
                Value::Int(-2),
                Value::Array(flags.iter().map(|f| Value::Simple(f.to_string())).collect()),
                Value::Int(first),
                Value::Int(last),
                Value::Int(step),
            ])
        };
        assert_eq!(
            key_spec_from_info(entry(&["write"], 1, -1, 2)),
            Some(KeySpec::Range {
                first: 1,
                last: -1,
                step: 2
            })
        );
        assert_eq!(
            key_spec_from_info(entry(&["movablekeys"], 0, 0, 0)),
            Some(KeySpec::Movable)
        );
        assert_eq!(
            key_spec_from_info(entry(&[], 0, 0, 0)),
            Some(KeySpec::Keyless)
        );
        assert_eq!(key_spec_from_info(Value::Nil), None);
    }

    #[test]
    fn aggregation() {
        let ok = |v: Vec<Value>| v.into_iter().map(Ok).collect::<Vec<Result<Value>>>();
        assert_eq!(
            aggregate(Agg::Sum, ok(vec![Value::Int(2), Value::Int(3)])).unwrap(),
            Value::Int(5)
        );
        let arr = |v: &[i64]| Value::Array(v.iter().map(|&i| Value::Int(i)).collect());
        assert_eq!(
            aggregate(Agg::LogicalAnd, ok(vec![arr(&[1, 1, 0]), arr(&[1, 0, 1])])).unwrap(),
            arr(&[1, 0, 0])
        );
        assert_eq!(
            aggregate(Agg::Concat, ok(vec![arr(&[1]), arr(&[2, 3])])).unwrap(),
            arr(&[1, 2, 3])
        );
        let err = || Err(Error::cluster("x"));
        assert!(aggregate(Agg::AllSucceeded, vec![Ok(Value::Int(1)), err()]).is_err());
        assert_eq!(
            aggregate(Agg::OneSucceeded, vec![err(), Ok(Value::Int(1))]).unwrap(),
            Value::Int(1)
        );
        assert!(aggregate(Agg::Sum, ok(vec![Value::Nil])).is_err());
        assert!(aggregate(Agg::Sum, ok(vec![Value::Int(1), Value::Nil])).is_err());
        assert!(aggregate(Agg::Sum, ok(vec![])).is_err());
        assert_eq!(
            aggregate(
                Agg::Min,
                ok(vec![Value::Int(2), Value::Int(1), Value::Int(3)])
            )
            .unwrap(),
            Value::Int(1)
        );
        assert_eq!(
            aggregate(
                Agg::Max,
                ok(vec![Value::Int(2), Value::Int(7), Value::Int(3)])
            )
            .unwrap(),
            Value::Int(7)
        );
        // WAITAOF: [local, replicas] element by element.
        assert_eq!(
            aggregate(Agg::Min, ok(vec![arr(&[1, 2]), arr(&[1, 0])])).unwrap(),
            arr(&[1, 0])
        );
        assert!(aggregate(Agg::Min, ok(vec![arr(&[1, 2]), arr(&[1])])).is_err());
        assert_eq!(
            aggregate(Agg::Sum, ok(vec![Value::Int(i64::MAX), Value::Int(1)])).unwrap(),
            Value::Int(i64::MAX)
        );
        assert_eq!(
            aggregate(Agg::LogicalOr, ok(vec![arr(&[1, 0, 0]), arr(&[0, 0, 1])])).unwrap(),
            arr(&[1, 0, 1])
        );
        let bools = |v: &[bool]| Value::Array(v.iter().map(|&b| Value::Boolean(b)).collect());
        assert_eq!(
            aggregate(
                Agg::LogicalAnd,
                ok(vec![bools(&[true, true]), arr(&[1, 0])])
            )
            .unwrap(),
            arr(&[1, 0])
        );
        assert!(aggregate(Agg::LogicalAnd, ok(vec![arr(&[1]), arr(&[1, 1])])).is_err());
        assert!(aggregate(Agg::LogicalAnd, ok(vec![Value::Bulk(b"x".to_vec())])).is_err());
        assert_eq!(
            aggregate(
                Agg::FirstNonNil,
                ok(vec![
                    Value::Nil,
                    Value::Bulk(b"k".to_vec()),
                    Value::Bulk(b"j".to_vec())
                ])
            )
            .unwrap(),
            Value::Bulk(b"k".to_vec())
        );
        assert_eq!(
            aggregate(Agg::FirstNonNil, ok(vec![Value::Nil, Value::Nil])).unwrap(),
            Value::Nil
        );
        assert!(aggregate(Agg::Concat, ok(vec![Value::Int(1)])).is_err());
        assert!(aggregate(Agg::OneSucceeded, vec![err(), err()]).is_err());
    }
}
