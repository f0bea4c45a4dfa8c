//! A command: its name and typed arguments, already encoded as RESP bulk strings.
//!
//! Each argument is encoded the moment it is added, into one buffer owned by the [`Cmd`];
//! sending a command is then one array header plus one copy of that buffer.

use std::time::Duration;

use crate::args::{FieldValues, ScoreMembers, ToArg, ToArgs};
use crate::resp::encode::{write_array_header, write_bulk};
use crate::value::Value;

/// A Redis command ready to send: `cmd("GET").arg("key")`.
///
/// Arguments added with [`Cmd::key`] / [`Cmd::keys`] are remembered as keys, so that the
/// cluster client can route the command by their hash slot.
#[derive(Clone, Default, PartialEq, Eq)]
pub struct Cmd {
    /// Every argument, the name first, each as a RESP bulk string.
    buf: Vec<u8>,
    argc: usize,
    /// Byte range of the name (the first argument's payload) inside `buf`: the connection
    /// looks at the name of every command it sends, so it is found without parsing.
    name: (u32, u32),
    /// Byte range of the first key argument's payload inside `buf` (kept inline: most
    /// commands have exactly one key, and this saves an allocation per command).
    first_key: Option<(u32, u32)>,
    /// What few commands have, boxed so that every `Cmd` stays small (64 bytes: a pipeline
    /// of 1000 queues 64 KB, not 96): `None` until needed.
    extra: Option<Box<Extra>>,
}

/// The parts of a [`Cmd`] most commands do not have.
#[derive(Clone, Default, PartialEq, Eq)]
struct Extra {
    /// Byte ranges of the key arguments after the first.
    more_keys: Vec<(u32, u32)>,
    /// For blocking commands: how long the server may legitimately take to answer.
    blocking: Option<BlockingTimeout>,
    /// The reply known without asking the server (a variadic command given an empty list):
    /// the command is then never sent; see [`Cmd::local_reply`].
    local: Option<LocalReply>,
    /// Items per group when the reply is a flat array to be read as rows (SORT with
    /// several GETs, redis-py's `groups=True`); see [`Cmd::grouped`].
    group: Option<usize>,
    /// Why an argument could not be encoded (a `Json` value serde refused): the command
    /// is then never sent.
    #[cfg(feature = "json")]
    refused: Option<String>,
}

/// A reply a command method knows without a round trip: what the server would answer for
/// an empty list, had it accepted one (MGET of no keys is `[]`, DEL of no keys is `0`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum LocalReply {
    /// An integer reply (a count of zero).
    Int(i64),
    /// An empty array.
    EmptyArray,
    /// `+OK`.
    Ok,
}

impl LocalReply {
    pub(crate) fn value(self) -> Value {
        match self {
            LocalReply::Int(i) => Value::Int(i),
            LocalReply::EmptyArray => Value::Array(Vec::new()),
            LocalReply::Ok => Value::Simple("OK".into()),
        }
    }
}

/// How long a blocking command may wait on the server side.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum BlockingTimeout {
    /// The server may take this long before it answers.
    For(Duration),
    /// The server may wait forever (a timeout of 0).
    Forever,
}

/// Starts a command with its name: `cmd("SET").arg("k").arg("v")`.
///
/// A name with a space, such as `"CLIENT SETNAME"`, is sent as two arguments.
pub fn cmd(name: &str) -> Cmd {
    Cmd::new(name)
}

impl Cmd {
    /// Starts a command with its name; see [`cmd`].
    pub fn new(name: &str) -> Cmd {
        let mut c = Cmd {
            buf: Vec::with_capacity(64),
            ..Cmd::default()
        };
        if !name.is_empty() && !name.as_bytes().contains(&b' ') {
            // The common case: one word.
            c.push_bytes(name.as_bytes());
            let end = c.buf.len() - 2;
            c.name = ((end - name.len()) as u32, end as u32);
            return c;
        }
        for part in name.split(' ').filter(|p| !p.is_empty()) {
            c.push_bytes(part.as_bytes());
            if c.argc == 1 {
                let end = c.buf.len() - 2;
                c.name = ((end - part.len()) as u32, end as u32);
            }
        }
        c
    }

    #[inline]
    fn push_bytes(&mut self, b: &[u8]) {
        self.note_refusal();
        write_bulk(&mut self.buf, b);
        self.argc += 1;
    }

    /// Keeps the refusal of the argument being pushed, if it was refused.
    #[inline(always)]
    fn note_refusal(&mut self) {
        #[cfg(feature = "json")]
        if let Some(why) = crate::args::take_refusal() {
            self.extra_mut().refused.get_or_insert(why);
        }
    }

    #[inline]
    fn push_key_bytes(&mut self, b: &[u8]) {
        self.note_refusal();
        write_bulk(&mut self.buf, b);
        self.argc += 1;
        let end = self.buf.len() - 2;
        let range = ((end - b.len()) as u32, end as u32);
        if self.first_key.is_none() {
            self.first_key = Some(range);
        } else {
            self.extra_mut().more_keys.push(range);
        }
    }

    fn extra_mut(&mut self) -> &mut Extra {
        self.extra.get_or_insert_with(Default::default)
    }

    /// Appends one argument.
    #[inline]
    pub fn arg(mut self, a: impl ToArg) -> Cmd {
        self.push_arg(a);
        self
    }

    /// Appends one argument, in place.
    #[inline]
    pub fn push_arg(&mut self, a: impl ToArg) -> &mut Cmd {
        a.with_bytes(|b| self.push_bytes(b));
        self
    }

    /// Appends one argument that is a key (routed on by the cluster client).
    #[inline]
    pub fn key(mut self, k: impl ToArg) -> Cmd {
        k.with_bytes(|b| self.push_key_bytes(b));
        self
    }

    /// Appends one or more arguments.
    pub fn args(mut self, a: impl ToArgs) -> Cmd {
        self.push_args(a);
        self
    }

    /// Appends one or more arguments, in place.
    pub fn push_args(&mut self, a: impl ToArgs) -> &mut Cmd {
        a.for_each_arg(&mut |b| self.push_bytes(b));
        self
    }

    /// Appends one or more keys.
    pub fn keys(mut self, k: impl ToArgs) -> Cmd {
        let n = k.arg_count();
        if n > 1 {
            // The first key goes inline; the others into `more_keys`, grown once.
            let more = n - usize::from(self.first_key.is_none());
            self.extra_mut().more_keys.reserve(more);
        }
        k.for_each_arg(&mut |b| self.push_key_bytes(b));
        self
    }

    /// Appends the number of keys, then the keys (`numkeys key [key ...]`).
    pub fn numkeys(self, k: impl ToArgs) -> Cmd {
        let n = k.arg_count();
        self.arg(n).keys(k)
    }

    /// Appends the number of arguments, then the arguments.
    pub fn numargs(self, a: impl ToArgs) -> Cmd {
        let n = a.arg_count();
        self.arg(n).args(a)
    }

    /// Appends the argument only when `cond` holds.
    pub fn arg_if(self, cond: bool, a: impl ToArg) -> Cmd {
        if cond {
            self.arg(a)
        } else {
            self
        }
    }

    /// Appends `a` when it is `Some`.
    pub fn opt_arg(self, a: Option<impl ToArg>) -> Cmd {
        match a {
            Some(a) => self.arg(a),
            None => self,
        }
    }

    /// Appends `token value` when `value` is `Some`.
    pub fn opt_token(self, token: &str, value: Option<impl ToArg>) -> Cmd {
        match value {
            Some(v) => self.arg(token).arg(v),
            None => self,
        }
    }

    /// Appends `score member` for each `(member, score)` pair.
    pub fn score_members(mut self, pairs: impl ScoreMembers) -> Cmd {
        pairs.for_each_pair(&mut |score, member| {
            score.with_bytes(|b| write_bulk(&mut self.buf, b));
            write_bulk(&mut self.buf, member);
            self.argc += 2;
        });
        self
    }

    /// Appends `field value` for each pair.
    pub fn field_values(mut self, pairs: impl FieldValues) -> Cmd {
        pairs.for_each_pair(&mut |f, v| {
            self.push_bytes(f);
            self.push_bytes(v);
        });
        self
    }

    /// Appends `key value` for each pair, recording the keys.
    pub fn key_values(mut self, pairs: impl FieldValues) -> Cmd {
        pairs.for_each_pair(&mut |k, v| {
            self.push_key_bytes(k);
            self.push_bytes(v);
        });
        self
    }

    /// Marks the command as blocking on the server for up to `timeout`.
    ///
    /// The connection then raises its read timeout for this one call, so the client's own
    /// read timeout does not cut the wait short.
    pub fn blocking(mut self, timeout: BlockingTimeout) -> Cmd {
        self.extra_mut().blocking = Some(timeout);
        self
    }

    /// Marks the command as blocking for `seconds` (0 = forever), as BLPOP's timeout. A
    /// timeout too large for a `Duration` (`1e20`) waits as long as one can hold: never a
    /// panic.
    pub fn blocking_secs(self, seconds: f64) -> Cmd {
        if seconds <= 0.0 || !seconds.is_finite() {
            self.blocking(BlockingTimeout::Forever)
        } else {
            self.blocking(BlockingTimeout::For(crate::time::secs_f64(seconds)))
        }
    }

    /// Marks the command as blocking for `ms` milliseconds (0 = forever), as XREAD's BLOCK.
    pub fn blocking_ms(self, ms: u64) -> Cmd {
        if ms == 0 {
            self.blocking(BlockingTimeout::Forever)
        } else {
            self.blocking(BlockingTimeout::For(Duration::from_millis(ms)))
        }
    }

    /// Answers the command locally with `reply` when it has fewer than `min_args`
    /// arguments (the name included: its variadic list was empty). The command methods of
    /// the client, the cluster client and a connection, and every pipeline, then return
    /// `reply` in the command's place without sending it (in a transaction too, so a
    /// "wrong number of arguments" never aborts the whole EXEC).
    pub(crate) fn reply_locally_below(mut self, min_args: usize, reply: LocalReply) -> Cmd {
        if self.argc < min_args {
            self.extra_mut().local = Some(reply);
        }
        self
    }

    /// Reads the command's flat array reply as rows of `n` items (an array per row), so
    /// that `Vec<(A, B, C)>` takes SORT's `GET a GET b GET c` reply row by row. Applied by
    /// the command methods and every pipeline; `n` below 2 changes nothing.
    pub(crate) fn grouped(mut self, n: usize) -> Cmd {
        if n > 1 {
            self.extra_mut().group = Some(n);
        }
        self
    }

    /// The row size set with [`Cmd::grouped`].
    pub(crate) fn reply_group(&self) -> Option<usize> {
        self.extra.as_ref().and_then(|e| e.group)
    }

    /// The reply set with [`Cmd::reply_locally_below`], if this command is not to be sent.
    pub(crate) fn local_reply(&self) -> Option<Value> {
        self.extra
            .as_ref()
            .and_then(|e| e.local)
            .map(LocalReply::value)
    }

    /// The blocking timeout set with [`Cmd::blocking`], if any.
    pub fn blocking_timeout(&self) -> Option<BlockingTimeout> {
        self.extra.as_ref().and_then(|e| e.blocking)
    }

    /// How many arguments, the name included.
    pub fn arg_count(&self) -> usize {
        self.argc
    }

    /// The arguments' payloads, the name first.
    pub fn args_iter(&self) -> ArgsIter<'_> {
        ArgsIter {
            buf: &self.buf,
            pos: 0,
        }
    }

    /// The command's name as sent (its first argument).
    #[inline]
    pub fn name(&self) -> &[u8] {
        if self.name.1 == 0 {
            // Started without a name (`cmd("")`, `Cmd::default()`): the first argument
            // added is what the server reads as the name.
            return self.args_iter().next().unwrap_or(b"");
        }
        self.buf
            .get(self.name.0 as usize..self.name.1 as usize)
            .unwrap_or(b"")
    }

    /// Refuses a command without a name (`cmd("")`, `Cmd::default()`): sent, it would be
    /// an empty array, which the server ignores without a reply.
    #[inline]
    pub(crate) fn check_sendable(&self) -> crate::Result<()> {
        if self.argc == 0 {
            return Err(crate::Error::Config(
                "an empty command (no name, no arguments) cannot be sent".into(),
            ));
        }
        #[cfg(feature = "json")]
        if let Some(why) = self.extra.as_ref().and_then(|e| e.refused.as_deref()) {
            return Err(crate::Error::Type(format!(
                "an argument could not be encoded, so the command was not sent: {why}"
            )));
        }
        Ok(())
    }

    /// The `n`th argument (0 is the name).
    pub fn nth_arg(&self, n: usize) -> Option<&[u8]> {
        self.args_iter().nth(n)
    }

    /// The key arguments recorded with [`Cmd::key`] and friends, in order.
    pub fn key_args(&self) -> impl Iterator<Item = &[u8]> + '_ {
        self.first_key
            .iter()
            .chain(self.extra.iter().flat_map(|e| e.more_keys.iter()))
            .map(move |&(s, e)| &self.buf[s as usize..e as usize])
    }

    /// True when at least one key was recorded.
    pub fn has_keys(&self) -> bool {
        self.first_key.is_some()
    }

    /// Appends the whole command, as one RESP array, to `out`.
    #[inline]
    pub fn write_packed(&self, out: &mut Vec<u8>) {
        out.reserve(self.buf.len() + 16);
        write_array_header(out, self.argc);
        out.extend_from_slice(&self.buf);
    }

    /// The whole command as one RESP array.
    pub fn to_packed(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(self.buf.len() + 16);
        self.write_packed(&mut out);
        out
    }

    /// The encoded arguments without the array header.
    pub(crate) fn body(&self) -> &[u8] {
        &self.buf
    }
}

/// Runs a batch whose commands may carry local replies ([`Cmd::reply_locally_below`]) or
/// grouped replies ([`Cmd::grouped`]): `send` gets only the commands to send (all of `cmds`
/// when none is local, without a copy), and its replies are merged back in order with the
/// local ones, grouped where asked. An
/// [`Error::Pipeline`](crate::Error::Pipeline) from `send` keeps naming the command's
/// position among all of `cmds`.
pub(crate) fn with_local_replies(
    cmds: &[Cmd],
    send: impl FnOnce(&[Cmd]) -> crate::Result<Vec<Value>>,
) -> crate::Result<Vec<Value>> {
    if !cmds.iter().any(|c| {
        c.extra
            .as_ref()
            .is_some_and(|e| e.local.is_some() || e.group.is_some())
    }) {
        return send(cmds);
    }
    let (positions, sent): (Vec<usize>, Vec<Cmd>) = cmds
        .iter()
        .enumerate()
        .filter(|(_, c)| c.local_reply().is_none())
        .map(|(i, c)| (i, c.clone()))
        .unzip();
    let mut replies = send(&sent)
        .map_err(|e| match e {
            crate::Error::Pipeline {
                index,
                command,
                source,
                failure,
            } => crate::Error::Pipeline {
                index: positions.get(index).copied().unwrap_or(index),
                command,
                source,
                failure,
            },
            e => e,
        })?
        .into_iter();
    Ok(cmds
        .iter()
        .map(|c| match c.local_reply() {
            Some(v) => v,
            None => regroup(c.reply_group(), replies.next().unwrap_or(Value::Nil)),
        })
        .collect())
}

/// `reply` as rows of `group` items when the command asked for it ([`Cmd::grouped`]);
/// a reply that is not an array is left as it is.
pub(crate) fn regroup(group: Option<usize>, reply: Value) -> Value {
    match (group, reply) {
        (Some(n), Value::Array(items)) => {
            let mut rows = Vec::with_capacity(items.len().div_ceil(n));
            let mut it = items.into_iter().peekable();
            while it.peek().is_some() {
                rows.push(Value::Array(it.by_ref().take(n).collect()));
            }
            Value::Array(rows)
        }
        (_, reply) => reply,
    }
}

impl std::fmt::Debug for Cmd {
    /// Shows the command's name and argument count only: arguments may hold secrets
    /// (`AUTH`, `HELLO ... AUTH`, `MIGRATE ... AUTH2`).
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Cmd")
            .field("name", &self.display_name())
            .field("args", &self.argc)
            .finish()
    }
}

/// Iterator over a command's argument payloads.
#[derive(Clone, Debug)]
pub struct ArgsIter<'a> {
    buf: &'a [u8],
    pos: usize,
}

impl<'a> Iterator for ArgsIter<'a> {
    type Item = &'a [u8];

    fn next(&mut self) -> Option<&'a [u8]> {
        // Every entry is `$<len>\r\n<payload>\r\n`, written by `write_bulk`.
        let rest = self.buf.get(self.pos..)?;
        if rest.first() != Some(&b'$') {
            return None;
        }
        let nl = memchr::memchr(b'\r', rest)?;
        let len: usize = std::str::from_utf8(&rest[1..nl]).ok()?.parse().ok()?;
        let start = self.pos + nl + 2;
        let end = start + len;
        self.pos = end + 2;
        self.buf.get(start..end)
    }
}

#[cfg(test)]
#[allow(clippy::needless_borrows_for_generic_args)]
mod tests {
    use super::*;

    #[test]
    fn packs_as_resp_array() {
        let c = cmd("SET").key("k").arg(10u64).arg(1.5f64);
        assert_eq!(
            c.to_packed(),
            b"*4\r\n$3\r\nSET\r\n$1\r\nk\r\n$2\r\n10\r\n$3\r\n1.5\r\n".to_vec()
        );
        assert_eq!(c.name(), b"SET");
        assert_eq!(c.key_args().collect::<Vec<_>>(), vec![b"k".as_slice()]);
        assert_eq!(c.nth_arg(2), Some(b"10".as_slice()));
    }

    #[test]
    fn bulk_lengths_around_digit_boundaries() {
        for n in [0usize, 1, 9, 10, 11, 99, 100, 101, 999, 1000, 65_536] {
            let v = vec![b'a'; n];
            let mut want = format!("*2\r\n$3\r\nSET\r\n${n}\r\n").into_bytes();
            want.extend_from_slice(&v);
            want.extend_from_slice(b"\r\n");
            let c = cmd("SET").arg(&v[..]);
            assert_eq!(c.to_packed(), want, "length {n}");
            assert_eq!(c.nth_arg(1), Some(&v[..]));
        }
    }

    #[test]
    fn container_names_split() {
        let c = cmd("CLIENT SETNAME").arg("x");
        assert_eq!(c.arg_count(), 3);
        assert_eq!(c.display_name(), "CLIENT SETNAME");
        assert_eq!(c.name(), b"CLIENT");
        assert_eq!(cmd(" GET ").arg("k").name(), b"GET");
        assert_eq!(Cmd::default().name(), b"");
        assert_eq!(Cmd::default().arg("MULTI").name(), b"MULTI");
        assert_eq!(cmd("").arg("EXEC").name(), b"EXEC");
        assert!(cmd("").check_sendable().is_err());
        assert!(cmd("  ").check_sendable().is_err());
        assert!(Cmd::default().check_sendable().is_err());
        assert!(cmd("PING").check_sendable().is_ok());
    }

    #[test]
    fn local_replies_merge_in_order() {
        let cmds = [
            cmd("MGET").reply_locally_below(2, LocalReply::EmptyArray),
            cmd("GET").key("a"),
            cmd("DEL").reply_locally_below(2, LocalReply::Int(0)),
            cmd("DEL")
                .key("b")
                .reply_locally_below(2, LocalReply::Int(0)),
        ];
        assert_eq!(cmds[3].local_reply(), None);
        let got = with_local_replies(&cmds, |sent| {
            assert_eq!(sent.len(), 2);
            Err(crate::Error::Pipeline {
                index: 1,
                command: "DEL".into(),
                source: Box::new(crate::Error::Config("x".into())),
                failure: crate::PipelineFailure::Plain,
            })
        });
        assert!(matches!(got, Err(crate::Error::Pipeline { index: 3, .. })));
        let got = with_local_replies(&cmds, |_| Ok(vec![Value::Int(7), Value::Int(1)])).unwrap();
        assert_eq!(
            got,
            vec![
                Value::Array(vec![]),
                Value::Int(7),
                Value::Int(0),
                Value::Int(1)
            ]
        );
    }

    #[test]
    fn grouped_replies_come_in_rows() {
        let flat = Value::Array((1..=6).map(Value::Int).collect());
        let rows = regroup(Some(3), flat.clone());
        assert_eq!(
            rows,
            Value::Array(vec![
                Value::Array(vec![Value::Int(1), Value::Int(2), Value::Int(3)]),
                Value::Array(vec![Value::Int(4), Value::Int(5), Value::Int(6)]),
            ])
        );
        assert_eq!(regroup(None, flat.clone()), flat);
        assert_eq!(regroup(Some(3), Value::Nil), Value::Nil);
        assert_eq!(cmd("SORT").grouped(1).reply_group(), None);
    }

    #[test]
    fn debug_hides_arguments() {
        let c = cmd("AUTH").arg("user").arg("hunter2-canary");
        assert!(!format!("{c:?}").contains("hunter2"));
    }

    #[test]
    fn score_members_are_score_first() {
        let c = cmd("ZADD")
            .key("z")
            .score_members(&[("a", 1.0), ("b", 2.5)]);
        let args: Vec<_> = c.args_iter().collect();
        assert_eq!(args, vec![&b"ZADD"[..], b"z", b"1", b"a", b"2.5", b"b"]);
    }
}
