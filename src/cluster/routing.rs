//! Where a command goes in a cluster, and how replies from several nodes become one.
//!
//! * A command with keys goes to the node serving their slot. Keys are the arguments the
//!   command table marked with [`Cmd::key`](crate::Cmd::key); for a command built by hand
//!   with `cmd(..).arg(..)` they are found from [`KeySpec`]s: a small table here, then the
//!   server's own `COMMAND INFO` (cached per command name), then `COMMAND GETKEYS` for the
//!   few commands whose key positions depend on their arguments.
//! * Keys in several slots are refused before any I/O, except for the commands that can be
//!   split per slot and put back together ([`split_kind`]).
//! * A keyless command follows its documented request policy ([`keyless_policy`]): any
//!   primary, all primaries, or all nodes, with the replies aggregated ([`Agg`]).
//! * Only the read-only commands of [`is_read_only`] may be sent to a replica.

use crate::cmd::{is_container, Cmd};
use crate::error::{Error, Result};
use crate::value::Value;

/// Up to this many bytes of a command name are compared against the tables.
const NAME_MAX: usize = 24;

/// The upper-cased name (and, for container commands, sub-command) of a command, kept on
/// the stack. Names longer than [`NAME_MAX`] are in no table and come out empty.
pub(crate) struct Name {
    buf: [u8; NAME_MAX],
    len: usize,
    sub: [u8; NAME_MAX],
    sub_len: usize,
}

impl Name {
    pub fn of(cmd: &Cmd) -> Name {
        let mut n = Name {
            buf: [0; NAME_MAX],
            len: 0,
            sub: [0; NAME_MAX],
            sub_len: 0,
        };
        let mut args = cmd.args_iter();
        if let Some(name) = args.next().filter(|a| a.len() <= NAME_MAX) {
            n.buf[..name.len()].copy_from_slice(name);
            n.buf[..name.len()].make_ascii_uppercase();
            n.len = name.len();
            if is_container(name) {
                if let Some(sub) = args.next().filter(|a| a.len() <= NAME_MAX) {
                    n.sub[..sub.len()].copy_from_slice(sub);
                    n.sub[..sub.len()].make_ascii_uppercase();
                    n.sub_len = sub.len();
                }
            }
        }
        n
    }

    pub fn name(&self) -> &[u8] {
        &self.buf[..self.len]
    }

    pub fn sub(&self) -> &[u8] {
        &self.sub[..self.sub_len]
    }

    /// `name` or `name|sub`, lower-cased: the form `COMMAND INFO` takes.
    pub fn info_name(&self) -> String {
        let mut s = String::from_utf8_lossy(self.name()).to_ascii_lowercase();
        if self.sub_len > 0 {
            s.push('|');
            s.push_str(&String::from_utf8_lossy(self.sub()).to_ascii_lowercase());
        }
        s
    }
}

/// True for the commands that only read, so that they may be served by a replica (with
/// `READONLY`), and may be sent again after a connection broke mid-request.
pub(crate) fn is_read_only(cmd: &Cmd) -> bool {
    let n = Name::of(cmd);
    match n.name() {
        b"MEMORY" => n.sub() == b"USAGE",
        b"OBJECT" | b"XINFO" => !n.sub().is_empty() && n.sub() != b"HELP",
        name => READ_ONLY.binary_search(&name).is_ok(),
    }
}

/// Read-only keyed commands (Redis 7 `COMMAND` flags `readonly`), sorted for binary search.
const READ_ONLY: &[&[u8]] = &[
    b"BITCOUNT",
    b"BITFIELD_RO",
    b"BITPOS",
    b"DBSIZE",
    b"DUMP",
    b"EVALSHA_RO",
    b"EVAL_RO",
    b"EXISTS",
    b"EXPIRETIME",
    b"FCALL_RO",
    b"GEODIST",
    b"GEOHASH",
    b"GEOPOS",
    b"GEORADIUSBYMEMBER_RO",
    b"GEORADIUS_RO",
    b"GEOSEARCH",
    b"GET",
    b"GETBIT",
    b"GETRANGE",
    b"HEXISTS",
    b"HEXPIRETIME",
    b"HGET",
    b"HGETALL",
    b"HKEYS",
    b"HLEN",
    b"HMGET",
    b"HPEXPIRETIME",
    b"HPTTL",
    b"HRANDFIELD",
    b"HSCAN",
    b"HSTRLEN",
    b"HTTL",
    b"HVALS",
    b"KEYS",
    b"LCS",
    b"LINDEX",
    b"LLEN",
    b"LPOS",
    b"LRANGE",
    b"MGET",
    b"PEXPIRETIME",
    b"PFCOUNT",
    b"PTTL",
    b"RANDOMKEY",
    b"SCAN",
    b"SCARD",
    b"SDIFF",
    b"SINTER",
    b"SINTERCARD",
    b"SISMEMBER",
    b"SMEMBERS",
    b"SMISMEMBER",
    b"SORT_RO",
    b"SRANDMEMBER",
    b"SSCAN",
    b"STRLEN",
    b"SUBSTR",
    b"SUNION",
    b"TOUCH",
    b"TTL",
    b"TYPE",
    b"XLEN",
    b"XPENDING",
    b"XRANGE",
    b"XREAD",
    b"XREVRANGE",
    b"ZCARD",
    b"ZCOUNT",
    b"ZDIFF",
    b"ZINTER",
    b"ZINTERCARD",
    b"ZLEXCOUNT",
    b"ZMSCORE",
    b"ZRANDMEMBER",
    b"ZRANGE",
    b"ZRANGEBYLEX",
    b"ZRANGEBYSCORE",
    b"ZRANK",
    b"ZREVRANGE",
    b"ZREVRANGEBYLEX",
    b"ZREVRANGEBYSCORE",
    b"ZREVRANK",
    b"ZSCAN",
    b"ZSCORE",
    b"ZUNION",
];

/// How the replies of a command sent to several nodes become one reply.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Agg {
    /// Integers added up (DBSIZE).
    Sum,
    /// Every node must succeed; the first reply is returned (FLUSHALL, SCRIPT LOAD).
    AllSucceeded,
    /// One success is enough (SCRIPT KILL); otherwise the first error.
    OneSucceeded,
    /// Arrays of 0/1 combined element by element with AND (SCRIPT EXISTS).
    LogicalAnd,
    /// Arrays concatenated (KEYS).
    Concat,
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
/// `response_policy` tips of Redis 7's `COMMAND INFO`; `None` for commands not listed
/// (they may have keys the caller did not mark: see [`static_key_spec`]).
pub(crate) fn keyless_policy(n: &Name) -> Option<Policy> {
    use Agg::*;
    use Policy::*;
    let p = match (n.name(), n.sub()) {
        (b"DBSIZE", _) => AllPrimaries(Sum),
        (b"KEYS", _) => AllPrimaries(Concat),
        (b"SCAN", _) => Scan,
        (b"FLUSHALL" | b"FLUSHDB" | b"PING", _) => AllPrimaries(AllSucceeded),
        (b"RANDOMKEY", _) => AnyPrimary,
        (b"SCRIPT", b"LOAD" | b"FLUSH") => AllNodes(AllSucceeded),
        (b"SCRIPT", b"EXISTS") => AllPrimaries(LogicalAnd),
        (b"SCRIPT" | b"FUNCTION", b"KILL") => AllPrimaries(OneSucceeded),
        (b"FUNCTION", b"LOAD" | b"DELETE" | b"FLUSH" | b"RESTORE") => AllPrimaries(AllSucceeded),
        (b"CONFIG", b"SET" | b"RESETSTAT" | b"REWRITE") => AllNodes(AllSucceeded),
        (b"MEMORY", b"PURGE") => AllPrimaries(AllSucceeded),
        (b"SLOWLOG" | b"LATENCY", b"RESET") => AllNodes(AllSucceeded),
        (b"SLOWLOG", b"LEN") => AllNodes(Sum),
        (b"CLUSTER", b"COUNTKEYSINSLOT" | b"GETKEYSINSLOT") => SlotArg(2),
        // Keyless commands with no policy, or a "special" one: any primary.
        (b"INFO" | b"TIME" | b"ECHO" | b"LASTSAVE" | b"ROLE" | b"PUBLISH" | b"WAIT", _) => {
            AnyPrimary
        }
        (
            b"ACL" | b"CLIENT" | b"CLUSTER" | b"COMMAND" | b"CONFIG" | b"FUNCTION" | b"LATENCY"
            | b"MEMORY" | b"MODULE" | b"PUBSUB" | b"SCRIPT" | b"SLOWLOG",
            _,
        ) => match (n.name(), n.sub()) {
            // Container sub-commands that do take keys.
            (b"MEMORY", b"USAGE") => return None,
            _ => AnyPrimary,
        },
        _ => return None,
    };
    Some(p)
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

/// The split kind of a command, if it may be split.
pub(crate) fn split_kind(n: &Name) -> Option<SplitKind> {
    match n.name() {
        b"MGET" => Some(SplitKind::Values),
        b"MSET" => Some(SplitKind::Pairs),
        b"DEL" | b"EXISTS" | b"UNLINK" | b"TOUCH" => Some(SplitKind::Count),
        _ => None,
    }
}

/// Where the keys of a command are, for commands whose keys were not marked.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum KeySpec {
    /// No keys.
    Keyless,
    /// Keys at `first`, `first + step`, ... up to `last` (negative: from the end).
    Range {
        first: usize,
        last: i64,
        step: usize,
    },
    /// `numkeys` at `at`, the keys right after it; `dest` is one more key at index 1.
    NumKeys { at: usize, dest: bool },
    /// Positions depend on the arguments: ask the server (`COMMAND GETKEYS`).
    Movable,
}

/// Key positions of the splittable commands and of a few common commands, known without
/// asking the server.
pub(crate) fn static_key_spec(n: &Name) -> Option<KeySpec> {
    use KeySpec::*;
    Some(match n.name() {
        b"MGET" | b"DEL" | b"EXISTS" | b"UNLINK" | b"TOUCH" => Range {
            first: 1,
            last: -1,
            step: 1,
        },
        b"MSET" | b"MSETNX" => Range {
            first: 1,
            last: -1,
            step: 2,
        },
        b"GET" | b"SET" | b"SETEX" | b"PSETEX" | b"SETNX" | b"GETSET" | b"GETDEL" | b"GETEX"
        | b"INCR" | b"INCRBY" | b"INCRBYFLOAT" | b"DECR" | b"DECRBY" | b"APPEND" | b"STRLEN"
        | b"EXPIRE" | b"PEXPIRE" | b"TTL" | b"PTTL" | b"TYPE" | b"PERSIST" | b"HSET" | b"HGET"
        | b"HGETALL" | b"HDEL" | b"HINCRBY" | b"LPUSH" | b"RPUSH" | b"LPOP" | b"RPOP"
        | b"LRANGE" | b"LLEN" | b"SADD" | b"SREM" | b"SMEMBERS" | b"SCARD" | b"ZADD"
        | b"ZRANGE" | b"ZSCORE" | b"ZINCRBY" | b"ZREM" | b"ZCARD" | b"XADD" | b"XLEN"
        | b"XRANGE" | b"PFADD" | b"SPUBLISH" => Range {
            first: 1,
            last: 1,
            step: 1,
        },
        b"EVAL" | b"EVALSHA" | b"EVAL_RO" | b"EVALSHA_RO" | b"FCALL" | b"FCALL_RO" => {
            NumKeys { at: 2, dest: false }
        }
        b"ZUNION" | b"ZINTER" | b"ZDIFF" | b"ZINTERCARD" | b"SINTERCARD" | b"LMPOP" | b"ZMPOP" => {
            NumKeys { at: 1, dest: false }
        }
        b"ZUNIONSTORE" | b"ZINTERSTORE" | b"ZDIFFSTORE" => NumKeys { at: 2, dest: true },
        b"BLMPOP" | b"BZMPOP" => NumKeys { at: 2, dest: false },
        _ => return None,
    })
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
            Err(first_err
                .unwrap_or_else(|| Error::Cluster("no node to send the command to".into())))
        }
        _ => {
            let replies: Vec<Value> = replies.into_iter().collect::<Result<_>>()?;
            aggregate_ok(agg, replies)
        }
    }
}

fn aggregate_ok(agg: Agg, replies: Vec<Value>) -> Result<Value> {
    let bad = |v: &Value| {
        Error::Type(format!(
            "cannot aggregate a {} reply from a cluster node",
            v.kind_name()
        ))
    };
    match agg {
        Agg::Sum => {
            let mut sum = 0i64;
            for r in &replies {
                match r {
                    Value::Int(n) => sum += n,
                    other => return Err(bad(other)),
                }
            }
            Ok(Value::Int(sum))
        }
        Agg::AllSucceeded | Agg::OneSucceeded => replies
            .into_iter()
            .next()
            .ok_or_else(|| Error::Cluster("no node to send the command to".into())),
        Agg::Concat => {
            let mut out = Vec::new();
            for r in replies {
                match r.strip_attributes() {
                    Value::Array(items) | Value::Set(items) => out.extend(items),
                    other => return Err(bad(&other)),
                }
            }
            Ok(Value::Array(out))
        }
        Agg::LogicalAnd => {
            let mut acc: Option<Vec<Value>> = None;
            for r in replies {
                let Value::Array(items) = r.strip_attributes() else {
                    return Err(Error::Type(
                        "cannot aggregate a non-array reply from a cluster node".into(),
                    ));
                };
                acc = Some(match acc {
                    None => items,
                    Some(prev) if prev.len() == items.len() => prev
                        .into_iter()
                        .zip(items)
                        .map(|(a, b)| {
                            let truthy = |v: &Value| {
                                matches!(v, Value::Int(n) if *n != 0)
                                    || matches!(v, Value::Boolean(true))
                            };
                            Value::Int((truthy(&a) && truthy(&b)) as i64)
                        })
                        .collect(),
                    Some(_) => {
                        return Err(Error::Protocol(
                            "cluster nodes answered with arrays of different lengths".into(),
                        ))
                    }
                });
            }
            Ok(Value::Array(acc.unwrap_or_default()))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cmd::cmd;

    #[test]
    fn read_only_table_is_sorted() {
        assert!(READ_ONLY.windows(2).all(|w| w[0] < w[1]));
        assert!(is_read_only(&cmd("get").arg("k")));
        assert!(is_read_only(&cmd("ZRANGE").arg("k")));
        assert!(is_read_only(&cmd("OBJECT ENCODING").arg("k")));
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
        let err = || Err(Error::Cluster("x".into()));
        assert!(aggregate(Agg::AllSucceeded, vec![Ok(Value::Int(1)), err()]).is_err());
        assert_eq!(
            aggregate(Agg::OneSucceeded, vec![err(), Ok(Value::Int(1))]).unwrap(),
            Value::Int(1)
        );
        assert!(aggregate(Agg::Sum, ok(vec![Value::Nil])).is_err());
    }
}
