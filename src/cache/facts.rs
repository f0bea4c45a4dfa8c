//! Which commands the cache serves, derived from the command table (`command_facts`).
//!
//! A command is cacheable when its reply is a function of one key's contents alone:
//!
//! * the servers flag it `readonly` (it reads keys) and never `write` or `may_replicate`;
//! * it is a plain command, not a container's subcommand (`OBJECT`, `MEMORY`, `XINFO` report
//!   server internals), neither `blocking` nor with `movablekeys`;
//! * its only key is its first argument (`KeySpec::Range` from 1; `EXISTS k` and `MGET k`
//!   with one key qualify, `MGET` with several is served key by key);
//! * it is not in [`NOT_A_FUNCTION_OF_CONTENTS`]: replies that change with time (TTLs),
//!   chance (random members), a cursor, or other keys (`SORT_RO ... BY`).
//!
//! `cacheable_names` lists what comes out; a unit test pins it.

use crate::cmd::Cmd;
use crate::command_facts::{flags, Entry, KeySpec, Name};

/// Read-only single-key commands whose reply is not a function of the key's contents.
/// Sorted.
const NOT_A_FUNCTION_OF_CONTENTS: &[&str] = &[
    "CLUSTERSCAN",  // cursor-based
    "DUMP",         // serialisation format and version, not contents
    "EXPIRETIME",   // the TTL family: changes with time, not with writes
    "HEXPIRETIME",  //
    "HPEXPIRETIME", //
    "HPTTL",        //
    "HRANDFIELD",   // random members
    "HSCAN",        // cursor-based: depends on the encoding and the cursor
    "HTTL",         //
    "PEXPIRETIME",  //
    "PTTL",         //
    "SORT_RO",      // BY / GET patterns read other keys
    "SRANDMEMBER",  //
    "SSCAN",        //
    "TOUCH",        // a side effect (the key's access time)
    "TTL",          //
    "XPENDING",     // idle times change with time
    "ZRANDMEMBER",  //
    "ZSCAN",        //
];

/// What the cache does with a command.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum Class<'a> {
    /// Served from the cache, kept under `key`.
    Read { key: &'a [u8] },
    /// `MGET` of several keys: served key by key.
    MultiGet,
    /// Read-only but not cacheable: sent as it is.
    Other,
    /// May write: sent, then the entries of its arguments are dropped before it returns.
    Write,
    /// Changes every key (FLUSHDB, FLUSHALL, SWAPDB): sent, then the cache is emptied.
    WriteAll,
}

/// The commands that change every key of a database. Sorted.
const WRITE_ALL: &[&str] = &["FLUSHALL", "FLUSHDB", "SWAPDB"];

/// Whether the table entry is of a cacheable command (for any argument count).
fn cacheable_entry(e: &Entry) -> bool {
    e.sub.is_empty()
        && !e.has(flags::CONTAINER)
        && e.has(flags::READONLY)
        && e.is_read_only()
        && e.flags & (flags::BLOCKING | flags::MOVABLEKEYS) == 0
        && matches!(e.keys, KeySpec::Range { first: 1, .. })
        && NOT_A_FUNCTION_OF_CONTENTS.binary_search(&e.name).is_err()
}

/// True when `spec` names exactly one key, at argument 1, among `argc` arguments.
fn single_key(spec: KeySpec, argc: usize) -> bool {
    match spec {
        KeySpec::Range { first: 1, last, .. } if argc >= 2 => {
            let last = if last < 0 { argc as i64 + last } else { last };
            last == 1
        }
        _ => false,
    }
}

/// What the cache does with `cmd`.
pub(crate) fn classify(cmd: &Cmd) -> Class<'_> {
    let name = Name::of(cmd);
    let Some(e) = name.entry() else {
        // A command neither server knows (a module's): it may write anything.
        return Class::Write;
    };
    if !e.is_read_only() {
        if WRITE_ALL.binary_search(&e.name).is_ok() {
            return Class::WriteAll;
        }
        return Class::Write;
    }
    if !cacheable_entry(e) {
        return Class::Other;
    }
    if single_key(e.keys, cmd.arg_count()) {
        return match cmd.nth_arg(1) {
            Some(key) => Class::Read { key },
            None => Class::Other,
        };
    }
    if e.name == "MGET" {
        return Class::MultiGet;
    }
    Class::Other
}

/// The names of every cacheable command, sorted (for the unit test and the docs).
#[cfg(test)]
pub(crate) fn cacheable_names() -> Vec<&'static str> {
    crate::command_facts::all()
        .iter()
        .filter(|e| cacheable_entry(e))
        .map(|e| e.name)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cmd::cmd;

    #[test]
    fn the_deny_list_is_sorted() {
        let mut s = NOT_A_FUNCTION_OF_CONTENTS.to_vec();
        s.sort_unstable();
        assert_eq!(s, NOT_A_FUNCTION_OF_CONTENTS);
    }

    #[test]
    fn what_comes_out_of_the_table() {
        let names = cacheable_names();
        // Commands of several keys (LCS, SDIFF, SINTER, SUNION, MGET, EXISTS) are cached
        // only when given one key; MGET of several is served key by key.
        #[rustfmt::skip]
        let expected: &[&str] = &[
            "BITCOUNT", "BITFIELD_RO", "BITPOS", "EXISTS", "GEODIST", "GEOHASH", "GEOPOS",
            "GEORADIUSBYMEMBER_RO", "GEORADIUS_RO", "GEOSEARCH", "GET", "GETBIT", "GETRANGE",
            "HEXISTS", "HGET", "HGETALL", "HKEYS", "HLEN", "HMGET", "HSTRLEN", "HVALS", "LCS",
            "LINDEX", "LLEN", "LPOS", "LRANGE", "MGET", "PFCOUNT", "SCARD", "SDIFF", "SINTER",
            "SISMEMBER", "SMEMBERS", "SMISMEMBER", "STRLEN", "SUBSTR", "SUNION", "TYPE", "XLEN",
            "XRANGE", "XREVRANGE", "ZCARD", "ZCOUNT", "ZLEXCOUNT", "ZMSCORE", "ZRANGE",
            "ZRANGEBYLEX", "ZRANGEBYSCORE", "ZRANK", "ZREVRANGE", "ZREVRANGEBYLEX",
            "ZREVRANGEBYSCORE", "ZREVRANK", "ZSCORE",
        ];
        assert_eq!(names, expected, "{names:?}");
    }

    #[test]
    fn classify_commands() {
        assert_eq!(classify(&cmd("GET").arg("k")), Class::Read { key: b"k" });
        assert_eq!(classify(&cmd("get").arg("k")), Class::Read { key: b"k" });
        assert_eq!(classify(&cmd("EXISTS").arg("k")), Class::Read { key: b"k" });
        assert_eq!(classify(&cmd("EXISTS").arg("a").arg("b")), Class::Other);
        assert_eq!(classify(&cmd("MGET").arg("a").arg("b")), Class::MultiGet);
        assert_eq!(classify(&cmd("MGET").arg("a")), Class::Read { key: b"a" });
        assert_eq!(classify(&cmd("TTL").arg("k")), Class::Other);
        assert_eq!(classify(&cmd("SRANDMEMBER").arg("k")), Class::Other);
        assert_eq!(classify(&cmd("RANDOMKEY")), Class::Other);
        assert_eq!(classify(&cmd("TIME")), Class::Other);
        assert_eq!(
            classify(&cmd("OBJECT").arg("ENCODING").arg("k")),
            Class::Other
        );
        assert_eq!(classify(&cmd("SET").arg("k").arg("v")), Class::Write);
        assert_eq!(classify(&cmd("GETEX").arg("k")), Class::Write);
        assert_eq!(classify(&cmd("NOSUCHCOMMAND").arg("k")), Class::Write);
        assert_eq!(classify(&cmd("BLPOP").arg("k").arg(0)), Class::Write);
        assert_eq!(classify(&cmd("GET")), Class::Other);
        assert_eq!(classify(&cmd("flushdb")), Class::WriteAll);
        assert_eq!(classify(&cmd("SWAPDB").arg(0).arg(1)), Class::WriteAll);
    }
}
