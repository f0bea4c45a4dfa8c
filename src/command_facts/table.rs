//! The generated table, `table.tsv` (made by `scripts/gen-command-table.py` from the live
//! servers' `COMMAND` output; see its header for the columns), turned into [`COMMANDS`] by
//! a `const fn` parser while the crate compiles: the same static, sorted slice of
//! [`Entry`]s as a table written out in Rust, with no build script and no start-up cost. A
//! line the parser cannot read is a compile error that names it.

use crate::command_facts::flags::*;
use crate::command_facts::{Entry, KeySpec, Request, Response, REDIS, VALKEY};

/// The generator's output.
const TSV: &str = include_str!("table.tsv");

/// Every command and subcommand of the servers that made [`TSV`], sorted by (name,
/// subcommand).
pub(crate) static COMMANDS: &[Entry] = &TABLE;

static TABLE: [Entry; rows(TSV.as_bytes())] = parse(TSV.as_bytes());

/// The flag names of the `flags` column, with their bits.
const FLAG_NAMES: &[(&str, u32)] = &[
    ("WRITE", WRITE),
    ("READONLY", READONLY),
    ("DENYOOM", DENYOOM),
    ("ADMIN", ADMIN),
    ("PUBSUB", PUBSUB),
    ("NOSCRIPT", NOSCRIPT),
    ("BLOCKING", BLOCKING),
    ("LOADING", LOADING),
    ("STALE", STALE),
    ("SKIP_MONITOR", SKIP_MONITOR),
    ("SKIP_SLOWLOG", SKIP_SLOWLOG),
    ("SKIP_COMMANDLOG", SKIP_COMMANDLOG),
    ("ASKING", ASKING),
    ("FAST", FAST),
    ("NO_AUTH", NO_AUTH),
    ("MAY_REPLICATE", MAY_REPLICATE),
    ("NO_MANDATORY_KEYS", NO_MANDATORY_KEYS),
    ("NO_ASYNC_LOADING", NO_ASYNC_LOADING),
    ("NO_MULTI", NO_MULTI),
    ("MOVABLEKEYS", MOVABLEKEYS),
    ("ALLOW_BUSY", ALLOW_BUSY),
    ("CONTAINER", CONTAINER),
    ("ORDER_DEPENDS_ON_NODES", ORDER_DEPENDS_ON_NODES),
];

/// `b[start..end]`, in a `const fn`.
const fn slice(b: &'static [u8], start: usize, end: usize) -> &'static [u8] {
    b.split_at(end).0.split_at(start).1
}

const fn same(a: &[u8], b: &[u8]) -> bool {
    if a.len() != b.len() {
        return false;
    }
    let mut i = 0;
    while i < a.len() {
        if a[i] != b[i] {
            return false;
        }
        i += 1;
    }
    true
}

/// The end of the line that starts at `at` (the index of its `\n`, or the text's end).
const fn line_end(b: &[u8], mut at: usize) -> usize {
    while at < b.len() && b[at] != b'\n' {
        at += 1;
    }
    at
}

/// True for a line that holds an entry (not a `#` comment, not empty).
const fn is_row(b: &[u8], start: usize, end: usize) -> bool {
    start < end && b[start] != b'#'
}

/// How many entries `b` holds.
const fn rows(b: &[u8]) -> usize {
    let (mut n, mut at) = (0, 0);
    while at < b.len() {
        let end = line_end(b, at);
        if is_row(b, at, end) {
            n += 1;
        }
        at = end + 1;
    }
    n
}

/// Splits `field` at its first `sep`: the part before it and the rest (empty when there
/// is no `sep`).
const fn split(field: &'static [u8], sep: u8) -> (&'static [u8], &'static [u8]) {
    let mut i = 0;
    while i < field.len() && field[i] != sep {
        i += 1;
    }
    if i == field.len() {
        (field, b"")
    } else {
        (slice(field, 0, i), slice(field, i + 1, field.len()))
    }
}

const fn text(b: &'static [u8]) -> &'static str {
    match core::str::from_utf8(b) {
        Ok(s) => s,
        Err(_) => panic!("table.tsv: not UTF-8"),
    }
}

const fn int(b: &[u8]) -> i64 {
    let (neg, mut i) = if !b.is_empty() && b[0] == b'-' {
        (true, 1)
    } else {
        (false, 0)
    };
    assert!(i < b.len(), "table.tsv: a number is missing");
    let mut n: i64 = 0;
    while i < b.len() {
        assert!(b[i].is_ascii_digit(), "table.tsv: not a number");
        n = n * 10 + (b[i] - b'0') as i64;
        i += 1;
    }
    if neg {
        -n
    } else {
        n
    }
}

const fn index(b: &[u8]) -> usize {
    let n = int(b);
    assert!(n >= 0, "table.tsv: a negative index");
    n as usize
}

/// The bits of a space-separated list of names, by `names`.
const fn bits(mut list: &'static [u8], names: &[(&str, u32)]) -> u32 {
    let mut out = 0;
    while !list.is_empty() {
        let (word, rest) = split(list, b' ');
        let mut i = 0;
        while i < names.len() && !same(names[i].0.as_bytes(), word) {
            i += 1;
        }
        assert!(i < names.len(), "table.tsv: an unknown flag or server");
        out |= names[i].1;
        list = rest;
    }
    out
}

const fn keys(field: &'static [u8]) -> KeySpec {
    let (kind, rest) = split(field, b' ');
    if same(kind, b"keyless") {
        KeySpec::Keyless
    } else if same(kind, b"movable") {
        KeySpec::Movable
    } else if same(kind, b"range") {
        let (first, rest) = split(rest, b' ');
        let (last, step) = split(rest, b' ');
        KeySpec::Range {
            first: index(first),
            last: int(last),
            step: index(step),
        }
    } else if same(kind, b"numkeys") {
        let (at, dest) = split(rest, b' ');
        assert!(
            dest.is_empty() || same(dest, b"dest"),
            "table.tsv: numkeys AT [dest]"
        );
        KeySpec::NumKeys {
            at: index(at),
            dest: !dest.is_empty(),
        }
    } else {
        panic!("table.tsv: unknown key positions")
    }
}

const fn request(b: &[u8]) -> Request {
    match b {
        b"None" => Request::None,
        b"AllShards" => Request::AllShards,
        b"AllNodes" => Request::AllNodes,
        b"MultiShard" => Request::MultiShard,
        b"Special" => Request::Special,
        _ => panic!("table.tsv: unknown request policy"),
    }
}

const fn response(b: &[u8]) -> Response {
    match b {
        b"None" => Response::None,
        b"AggSum" => Response::AggSum,
        b"AggMin" => Response::AggMin,
        b"AggMax" => Response::AggMax,
        b"AggLogicalAnd" => Response::AggLogicalAnd,
        b"AggLogicalOr" => Response::AggLogicalOr,
        b"AllSucceeded" => Response::AllSucceeded,
        b"OneSucceeded" => Response::OneSucceeded,
        b"Special" => Response::Special,
        _ => panic!("table.tsv: unknown response policy"),
    }
}

/// One line: `name \t sub \t servers \t flags \t keys \t request \t response`.
const fn entry(line: &'static [u8]) -> Entry {
    let (name, rest) = split(line, b'\t');
    let (sub, rest) = split(rest, b'\t');
    let (servers, rest) = split(rest, b'\t');
    let (flags, rest) = split(rest, b'\t');
    let (keyspec, rest) = split(rest, b'\t');
    let (req, resp) = split(rest, b'\t');
    Entry {
        name: text(name),
        sub: text(sub),
        servers: bits(
            servers,
            &[("REDIS", REDIS as u32), ("VALKEY", VALKEY as u32)],
        ) as u8,
        flags: bits(flags, FLAG_NAMES),
        keys: keys(keyspec),
        request: request(req),
        response: response(resp),
    }
}

/// Every entry of `b`, in its order.
const fn parse<const N: usize>(b: &'static [u8]) -> [Entry; N] {
    const NONE: Entry = Entry {
        name: "",
        sub: "",
        servers: 0,
        flags: 0,
        keys: KeySpec::Keyless,
        request: Request::None,
        response: Response::None,
    };
    let mut out = [NONE; N];
    let (mut n, mut at) = (0, 0);
    while at < b.len() {
        let end = line_end(b, at);
        if is_row(b, at, end) {
            out[n] = entry(slice(b, at, end));
            n += 1;
        }
        at = end + 1;
    }
    out
}
