//! What each command *is*: the one place that knows it.
//!
//! The facts the servers report about themselves (flags, key positions, cluster tips) are in
//! the generated table (`src/command_facts/table.tsv`, read by `table.rs`), made by
//! `scripts/gen-command-table.py` from the `COMMAND` output of Redis 7.0 and Valkey 9.1.
//! This module reads it, and adds by hand what the servers do not say:
//!
//! * which keyless commands are safe to send twice ([`KEYLESS_READ_ONLY`]): they read
//!   server state and change nothing;
//! * what a command does to the state of the connection it is sent on ([`Effect`]).
//!
//! Every other module asks here: the retry rule, cluster routing, Sentinel, pipelines and the
//! connection's state machine. Lookups take the upper-cased name from the stack and binary
//! search the sorted table: no allocation.

use crate::cmd::Cmd;

mod table;

use table::COMMANDS;

/// Flag bits of an [`Entry`]: the servers' `COMMAND` flags, plus two of our own.
#[allow(missing_docs)]
pub(crate) mod flags {
    pub const WRITE: u32 = 1 << 0;
    pub const READONLY: u32 = 1 << 1;
    pub const DENYOOM: u32 = 1 << 2;
    pub const ADMIN: u32 = 1 << 3;
    pub const PUBSUB: u32 = 1 << 4;
    pub const NOSCRIPT: u32 = 1 << 5;
    pub const BLOCKING: u32 = 1 << 6;
    pub const LOADING: u32 = 1 << 7;
    pub const STALE: u32 = 1 << 8;
    pub const SKIP_MONITOR: u32 = 1 << 9;
    pub const SKIP_SLOWLOG: u32 = 1 << 10;
    pub const SKIP_COMMANDLOG: u32 = 1 << 11;
    pub const ASKING: u32 = 1 << 12;
    pub const FAST: u32 = 1 << 13;
    pub const NO_AUTH: u32 = 1 << 14;
    pub const MAY_REPLICATE: u32 = 1 << 15;
    pub const NO_MANDATORY_KEYS: u32 = 1 << 16;
    pub const NO_ASYNC_LOADING: u32 = 1 << 17;
    pub const NO_MULTI: u32 = 1 << 18;
    pub const MOVABLEKEYS: u32 = 1 << 19;
    pub const ALLOW_BUSY: u32 = 1 << 20;
    /// The command has subcommands (its first argument names one).
    pub const CONTAINER: u32 = 1 << 21;
    /// The `nondeterministic_output_order` tip: an array whose order depends on the nodes.
    pub const ORDER_DEPENDS_ON_NODES: u32 = 1 << 22;
}

/// [`Entry::servers`] bit: Redis 7.0 knows the command.
pub(crate) const REDIS: u8 = 1;
/// [`Entry::servers`] bit: Valkey 9.1 knows the command.
pub(crate) const VALKEY: u8 = 2;

/// Where the keys of a command are.
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

/// The `request_policy` tip: where a cluster client sends the command.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Request {
    /// No tip: by its keys, or any node.
    None,
    AllShards,
    AllNodes,
    MultiShard,
    Special,
}

/// The `response_policy` tip: how the replies of several nodes become one.
#[allow(missing_docs)]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[allow(dead_code)] // the generator may name any tip the servers document
pub(crate) enum Response {
    None,
    AggSum,
    AggMin,
    AggMax,
    AggLogicalAnd,
    AggLogicalOr,
    AllSucceeded,
    OneSucceeded,
    Special,
}

/// One command (or subcommand) of the generated table.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Entry {
    /// Upper case.
    pub name: &'static str,
    /// Upper case; empty for a command itself.
    pub sub: &'static str,
    /// [`REDIS`] and/or [`VALKEY`].
    pub servers: u8,
    /// [`flags`] bits.
    pub flags: u32,
    pub keys: KeySpec,
    pub request: Request,
    pub response: Response,
}

impl Entry {
    /// True when every bit of `f` is set.
    pub fn has(&self, f: u32) -> bool {
        self.flags & f == f
    }

    /// Safe to send again after a broken connection, and to serve from a replica: the
    /// servers flag it `readonly` (or it is in [`KEYLESS_READ_ONLY`]) and never `write`
    /// or `may_replicate`.
    pub fn is_read_only(&self) -> bool {
        if self.flags & (flags::WRITE | flags::MAY_REPLICATE) != 0 {
            return false;
        }
        self.has(flags::READONLY)
            || KEYLESS_READ_ONLY
                .binary_search(&(self.name, self.sub))
                .is_ok()
    }

    /// `name` or `name|sub`, lower case: the form `COMMAND INFO` and `COMMAND LIST` use.
    pub fn info_name(&self) -> String {
        let mut s = self.name.to_ascii_lowercase();
        if !self.sub.is_empty() {
            s.push('|');
            s.push_str(&self.sub.to_ascii_lowercase());
        }
        s
    }
}

/// Keyless commands that only read server state and change nothing, so that sending one
/// twice does no harm. The servers flag none of them `readonly` (that flag is about keys);
/// a unit test checks that none is flagged `write` or `may_replicate`. Sorted.
pub(crate) const KEYLESS_READ_ONLY: &[(&str, &str)] = &[
    ("ACL", "CAT"),
    ("ACL", "GETUSER"),
    ("ACL", "LIST"),
    ("ACL", "USERS"),
    ("ACL", "WHOAMI"),
    ("CLIENT", "GETNAME"),
    ("CLIENT", "GETREDIR"),
    ("CLIENT", "ID"),
    ("CLIENT", "INFO"),
    ("CLIENT", "LIST"),
    ("CLIENT", "TRACKINGINFO"),
    ("CLUSTER", "COUNTKEYSINSLOT"),
    ("CLUSTER", "GETKEYSINSLOT"),
    ("CLUSTER", "INFO"),
    ("CLUSTER", "KEYSLOT"),
    ("CLUSTER", "MYID"),
    ("CLUSTER", "NODES"),
    ("CLUSTER", "SHARDS"),
    ("CLUSTER", "SLOTS"),
    ("COMMAND", ""),
    ("COMMAND", "COUNT"),
    ("COMMAND", "DOCS"),
    ("COMMAND", "GETKEYS"),
    ("COMMAND", "GETKEYSANDFLAGS"),
    ("COMMAND", "INFO"),
    ("COMMAND", "LIST"),
    ("CONFIG", "GET"),
    ("ECHO", ""),
    ("FUNCTION", "DUMP"),
    ("FUNCTION", "LIST"),
    ("FUNCTION", "STATS"),
    ("INFO", ""),
    ("LASTSAVE", ""),
    ("LATENCY", "HISTOGRAM"),
    ("LATENCY", "HISTORY"),
    ("LATENCY", "LATEST"),
    ("MEMORY", "STATS"),
    ("PING", ""),
    ("PUBSUB", "CHANNELS"),
    ("PUBSUB", "NUMPAT"),
    ("PUBSUB", "NUMSUB"),
    ("PUBSUB", "SHARDCHANNELS"),
    ("PUBSUB", "SHARDNUMSUB"),
    ("ROLE", ""),
    ("SCRIPT", "EXISTS"),
    ("SLOWLOG", "GET"),
    ("SLOWLOG", "LEN"),
    ("TIME", ""),
];

/// Up to this many bytes of a command name (and of a subcommand) are looked up; longer
/// names are in no table.
const NAME_MAX: usize = 32;

/// The upper-cased name (and, for container commands, subcommand) of a command, kept on
/// the stack, with its table entry. Names longer than [`NAME_MAX`] come out empty.
pub(crate) struct Name {
    buf: [u8; NAME_MAX],
    len: usize,
    sub: [u8; NAME_MAX],
    sub_len: usize,
    entry: Option<&'static Entry>,
}

fn upper_into(src: &[u8], dst: &mut [u8; NAME_MAX]) -> usize {
    if src.len() > NAME_MAX {
        return 0;
    }
    dst[..src.len()].copy_from_slice(src);
    dst[..src.len()].make_ascii_uppercase();
    src.len()
}

impl Name {
    /// The name of `cmd` and its entry.
    pub fn of(cmd: &Cmd) -> Name {
        let mut args = cmd.args_iter();
        Name::from_parts(args.next().unwrap_or(b""), args.next())
    }

    /// The name of a command `name` whose first argument is `sub`.
    pub fn from_parts(name: &[u8], sub: Option<&[u8]>) -> Name {
        let mut n = Name {
            buf: [0; NAME_MAX],
            len: 0,
            sub: [0; NAME_MAX],
            sub_len: 0,
            entry: None,
        };
        n.len = upper_into(name, &mut n.buf);
        if n.len == 0 {
            return n;
        }
        n.entry = find(n.name(), b"");
        if n.entry.is_some_and(|e| e.has(flags::CONTAINER)) {
            if let Some(sub) = sub {
                n.sub_len = upper_into(sub, &mut n.sub);
                // A container with a subcommand the servers do not know has no entry.
                n.entry = find(n.name(), n.sub());
            }
        }
        n
    }

    /// The upper-cased name.
    pub fn name(&self) -> &[u8] {
        &self.buf[..self.len]
    }

    /// The upper-cased subcommand of a container command; empty otherwise.
    pub fn sub(&self) -> &[u8] {
        &self.sub[..self.sub_len]
    }

    /// The command's table entry; `None` for a command neither server knows.
    pub fn entry(&self) -> Option<&'static Entry> {
        self.entry
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

/// The entry of `name` / `sub` (both upper case; `sub` empty for the command itself).
fn find(name: &[u8], sub: &[u8]) -> Option<&'static Entry> {
    COMMANDS
        .binary_search_by(|e| (e.name.as_bytes(), e.sub.as_bytes()).cmp(&(name, sub)))
        .ok()
        .map(|i| &COMMANDS[i])
}

/// Every entry of the table, sorted by name and subcommand.
pub(crate) fn all() -> &'static [Entry] {
    COMMANDS
}

// `Cmd::display_name` lives here, not in cmd.rs: it needs the table's container flag, and
// the command layer sits below the table.
impl Cmd {
    /// The name, with the subcommand for container commands (`CLIENT SETNAME`), upper-cased,
    /// for messages and logs.
    pub fn display_name(&self) -> String {
        let mut it = self.args_iter();
        let mut s = String::from_utf8_lossy(it.next().unwrap_or(b"")).to_ascii_uppercase();
        if is_container(s.as_bytes()) {
            if let Some(sub) = it.next() {
                s.push(' ');
                s.push_str(&String::from_utf8_lossy(sub).to_ascii_uppercase());
            }
        }
        s
    }
}

/// True when `name` is a command with subcommands (`CLIENT`, `CONFIG`, ...).
pub(crate) fn is_container(name: &[u8]) -> bool {
    let mut buf = [0u8; NAME_MAX];
    let n = upper_into(name, &mut buf);
    n > 0 && find(&buf[..n], b"").is_some_and(|e| e.has(flags::CONTAINER))
}

/// True for the commands that change nothing on the server: they may be sent again after a
/// connection broke mid-request, and may be served by a replica. The one rule that the
/// pool, the cluster and Sentinel share. `XREAD` (with `BLOCK` too) counts: it only reads.
pub(crate) fn is_read_only(cmd: &Cmd) -> bool {
    Name::of(cmd).entry().is_some_and(Entry::is_read_only)
}

/// [`is_read_only`] by name and first argument.
pub(crate) fn is_read_only_name(name: &[u8], sub: Option<&[u8]>) -> bool {
    Name::from_parts(name, sub)
        .entry()
        .is_some_and(Entry::is_read_only)
}

/// What `CLIENT REPLY` asks for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum ReplyMode {
    On,
    Off,
    Skip,
    /// Anything else: the server refuses it, and answers.
    Other,
}

/// What a command does to the state of the connection it is sent on.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Effect {
    /// Nothing the connection tracks.
    None,
    /// MULTI.
    Multi,
    /// EXEC or DISCARD: the transaction ends, and with it the WATCH.
    EndMulti,
    /// WATCH.
    Watch,
    /// UNWATCH.
    Unwatch,
    /// SUBSCRIBE, PSUBSCRIBE, SSUBSCRIBE.
    Subscribe,
    /// SELECT, with the database asked for (if it parses).
    Select(Option<u32>),
    /// RESET: back to a fresh connection's state.
    Reset,
    /// CLIENT REPLY.
    ClientReply(ReplyMode),
    /// CLIENT TRACKING, `true` for ON.
    ClientTracking(bool),
    /// MONITOR: the connection streams every command from now on.
    Monitor,
    /// A per-connection setting that would outlive the caller's use of the connection:
    /// `CLIENT SETNAME`, `SETINFO`, `NO-EVICT`, `NO-TOUCH`, `CAPA`, `IMPORT-SOURCE`,
    /// `CACHING`. The pool closes such a connection instead of handing it to the next
    /// borrower.
    ClientSetting,
    /// AUTH or HELLO: another user, protocol or name than the pool's.
    Auth,
    /// QUIT: the server closes the connection.
    Quit,
    /// SHUTDOWN: a server that shuts down closes the connection instead of answering.
    Shutdown,
}

/// The `CLIENT` subcommands that change a setting of the connection they are sent on (see
/// [`Effect::ClientSetting`]).
const CLIENT_SETTINGS: &[&[u8]] = &[
    b"SETNAME",
    b"SETINFO",
    b"NO-EVICT",
    b"NO-TOUCH",
    b"CAPA",
    b"IMPORT-SOURCE",
    b"CACHING",
];

/// False for a name whose length and first letter match no command with an [`Effect`] (the
/// names of [`Effect::of_named`]'s `match`, in either case): no copy, no comparison.
#[inline]
fn may_have_effect(name: &[u8]) -> bool {
    let first = name.first().map_or(0, |b| b.to_ascii_uppercase());
    matches!(
        (name.len(), first),
        (4, b'E' | b'A' | b'Q')
            | (5, b'M' | b'W' | b'R' | b'H')
            | (6, b'S' | b'C')
            | (7, b'D' | b'U' | b'M')
            | (8, b'S')
            | (9, b'S')
            | (10, b'P' | b'S')
    )
}

impl Effect {
    /// The effect of `cmd`. This runs for every command, twice on a pipeline's (the
    /// batch's refusal check, the connection's state machine), so the common answer is
    /// inline: most commands (GET, SET, HSET, ...) have no effect, which the name's length
    /// and first letter tell ([`may_have_effect`]). The rest is a `match` on the
    /// upper-cased name, out of line.
    #[inline]
    pub fn of(cmd: &Cmd) -> Effect {
        let name = cmd.name();
        if may_have_effect(name) {
            Effect::of_named(cmd, name)
        } else {
            Effect::None
        }
    }

    /// [`Effect::of`] for a `cmd` whose `name` passed [`may_have_effect`].
    #[inline(never)]
    fn of_named(cmd: &Cmd, name: &[u8]) -> Effect {
        let mut buf = [0u8; 10];
        let buf = &mut buf[..name.len()];
        buf.copy_from_slice(name);
        buf.make_ascii_uppercase();
        let arg = |i: usize| cmd.nth_arg(i).unwrap_or(b"");
        match &*buf {
            b"MULTI" => Effect::Multi,
            b"EXEC" | b"DISCARD" => Effect::EndMulti,
            b"WATCH" => Effect::Watch,
            b"UNWATCH" => Effect::Unwatch,
            b"SUBSCRIBE" | b"PSUBSCRIBE" | b"SSUBSCRIBE" => Effect::Subscribe,
            b"SELECT" => Effect::Select(
                std::str::from_utf8(arg(1))
                    .ok()
                    .and_then(|a| a.parse().ok()),
            ),
            b"RESET" => Effect::Reset,
            b"MONITOR" => Effect::Monitor,
            b"AUTH" | b"HELLO" => Effect::Auth,
            b"QUIT" => Effect::Quit,
            b"SHUTDOWN" => Effect::Shutdown,
            b"CLIENT" => {
                let sub = arg(1);
                if sub.eq_ignore_ascii_case(b"REPLY") {
                    let mode = arg(2);
                    Effect::ClientReply(if mode.eq_ignore_ascii_case(b"ON") {
                        ReplyMode::On
                    } else if mode.eq_ignore_ascii_case(b"OFF") {
                        ReplyMode::Off
                    } else if mode.eq_ignore_ascii_case(b"SKIP") {
                        ReplyMode::Skip
                    } else {
                        ReplyMode::Other
                    })
                } else if sub.eq_ignore_ascii_case(b"TRACKING") {
                    Effect::ClientTracking(arg(2).eq_ignore_ascii_case(b"ON"))
                } else if CLIENT_SETTINGS.iter().any(|s| sub.eq_ignore_ascii_case(s)) {
                    Effect::ClientSetting
                } else {
                    Effect::None
                }
            }
            _ => Effect::None,
        }
    }

    /// True for the SUBSCRIBE family.
    pub fn subscribes(cmd: &Cmd) -> bool {
        Effect::of(cmd) == Effect::Subscribe
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cmd::cmd;

    #[test]
    fn table_is_sorted_upper_case_and_names_fit() {
        for w in COMMANDS.windows(2) {
            assert!(
                (w[0].name, w[0].sub) < (w[1].name, w[1].sub),
                "{} {} before {} {}",
                w[0].name,
                w[0].sub,
                w[1].name,
                w[1].sub
            );
        }
        for e in COMMANDS {
            assert_eq!(e.name.to_ascii_uppercase(), e.name);
            assert_eq!(e.sub.to_ascii_uppercase(), e.sub);
            assert!(e.name.len() <= NAME_MAX && e.sub.len() <= NAME_MAX);
            assert!(e.servers & (REDIS | VALKEY) != 0);
            if !e.sub.is_empty() {
                assert!(find(e.name.as_bytes(), b"").unwrap().has(flags::CONTAINER));
            }
        }
    }

    #[test]
    fn keyless_read_only_overlay_is_sorted_known_and_harmless() {
        for w in KEYLESS_READ_ONLY.windows(2) {
            assert!(w[0] < w[1], "{:?} before {:?}", w[0], w[1]);
        }
        for &(name, sub) in KEYLESS_READ_ONLY {
            let e = find(name.as_bytes(), sub.as_bytes())
                .unwrap_or_else(|| panic!("{name} {sub} is in no server's table"));
            assert!(
                e.flags & (flags::WRITE | flags::MAY_REPLICATE) == 0,
                "{name} {sub} writes"
            );
            assert!(!e.has(flags::READONLY), "{name} {sub} needs no overlay");
            assert_eq!(e.keys, KeySpec::Keyless, "{name} {sub} has keys");
        }
    }

    #[test]
    fn read_only_lookup() {
        assert!(is_read_only(&cmd("GET").key("k")));
        assert!(is_read_only(&cmd("get").key("k")));
        assert!(is_read_only(&cmd("PING")));
        assert!(is_read_only(&cmd("HTTL").key("h")));
        assert!(is_read_only(&cmd("OBJECT ENCODING").key("k")));
        assert!(is_read_only(&cmd("client").arg("LIST")));
        assert!(is_read_only(&cmd("MEMORY USAGE").arg("k")));
        assert!(!is_read_only(&cmd("INCR").key("k")));
        assert!(!is_read_only(&cmd("SET").key("k").arg("v")));
        assert!(!is_read_only(&cmd("CLIENT KILL").arg("ID").arg(3)));
        assert!(!is_read_only(&cmd("OBJECT HELP")));
        assert!(!is_read_only(&cmd("OBJECT")));
        assert!(!is_read_only(&cmd("CLIENT").arg("NOSUCH")));
        assert!(!is_read_only(&cmd("")));
        assert!(!is_read_only(&cmd(&"G".repeat(100))));
        assert!(!is_read_only(&cmd("CONFIG").arg("x".repeat(100))));
        assert!(is_read_only_name(b"config", Some(b"get")));
        assert!(is_read_only_name(b"GET", None));
    }

    #[test]
    fn containers_and_names() {
        assert!(is_container(b"client"));
        assert!(is_container(b"COMMANDLOG"));
        assert!(!is_container(b"GET"));
        assert!(!is_container(b""));
        let n = Name::of(&cmd("config get").arg("x"));
        assert_eq!(n.info_name(), "config|get");
        assert_eq!(n.entry().unwrap().info_name(), "config|get");
        let n = Name::of(&cmd("get").arg("x"));
        assert_eq!((n.name(), n.sub()), (&b"GET"[..], &b""[..]));
    }

    #[test]
    fn effects() {
        assert_eq!(Effect::of(&cmd("multi")), Effect::Multi);
        assert_eq!(Effect::of(&cmd("EXEC")), Effect::EndMulti);
        assert_eq!(Effect::of(&cmd("SELECT").arg(3)), Effect::Select(Some(3)));
        assert_eq!(Effect::of(&cmd("SELECT").arg("x")), Effect::Select(None));
        assert_eq!(
            Effect::of(&cmd("CLIENT REPLY").arg("skip")),
            Effect::ClientReply(ReplyMode::Skip)
        );
        assert_eq!(
            Effect::of(&cmd("CLIENT TRACKING").arg("on")),
            Effect::ClientTracking(true)
        );
        assert_eq!(Effect::of(&cmd("CLIENT LIST")), Effect::None);
        for sub in CLIENT_SETTINGS {
            let sub = std::str::from_utf8(sub).unwrap();
            assert!(
                find(b"CLIENT", sub.as_bytes()).is_some(),
                "CLIENT {sub} is in no server's table"
            );
            let c = cmd("client").arg(sub.to_ascii_lowercase()).arg("x");
            assert_eq!(Effect::of(&c), Effect::ClientSetting, "{sub}");
        }
        assert_eq!(Effect::of(&cmd("GET").arg("k")), Effect::None);
        // Every name with an effect gets past the length-and-first-letter filter, in
        // either case.
        for name in [
            "MULTI",
            "EXEC",
            "DISCARD",
            "WATCH",
            "UNWATCH",
            "SUBSCRIBE",
            "PSUBSCRIBE",
            "SSUBSCRIBE",
            "RESET",
            "MONITOR",
            "AUTH",
            "HELLO",
            "QUIT",
            "SHUTDOWN",
        ] {
            assert_ne!(Effect::of(&cmd(name)), Effect::None, "{name}");
            let lower = name.to_ascii_lowercase();
            assert_ne!(Effect::of(&cmd(&lower)), Effect::None, "{lower}");
        }
        assert_ne!(Effect::of(&cmd("select").arg(1)), Effect::None);
        assert_ne!(Effect::of(&cmd("client setname").arg("x")), Effect::None);
        assert_eq!(Effect::of(&cmd("GEORADIUSBYMEMBER")), Effect::None);
        assert!(Effect::subscribes(&cmd("ssubscribe").arg("c")));
    }
}
