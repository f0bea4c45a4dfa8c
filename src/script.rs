//! Lua scripts: [`Script`] (its docs are on the type), [`ScriptInvocation`], [`ScriptTarget`].

use std::fmt;
use std::sync::Arc;

use crate::args::{ToArg, ToArgs};
use crate::cmd::{cmd, Cmd};
use crate::connection::Connection;
use crate::error::{Error, Result};
use crate::from_value::FromValue;
use crate::pool::{ConnectionPool, PooledConnection};
use crate::value::Value;

/// A Lua script with its SHA1, ready to be run with `EVALSHA`. Cloning is cheap (the
/// source is shared).
///
/// Lua scripts, as redis-py's `register_script`: the SHA1 is computed locally, every call
/// is an `EVALSHA`, and a server that does not know the script yet (`NOSCRIPT`, after a
/// restart or a `SCRIPT FLUSH`) gets it with `SCRIPT LOAD` before the call is repeated.
///
/// ```no_run
/// # let r = strictredis::StrictRedis::from_url("redis://127.0.0.1/")?;
/// let script = r.register_script("return redis.call('INCRBY', KEYS[1], ARGV[1])");
/// let n: i64 = script.key("counter").arg(5).invoke(&r)?;
///
/// // On a connection you hold, or queued in a pipeline:
/// let mut conn = r.get_connection()?;
/// let n: i64 = script.key("counter").arg(1).invoke(&mut conn)?;
/// let mut p = r.pipeline();
/// p.invoke_script(&script.key("counter").arg(1)).get("counter");
/// let (n, v): (i64, String) = p.execute()?;
/// # Ok::<(), strictredis::Error>(())
/// ```
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct Script {
    inner: Arc<ScriptInner>,
}

#[derive(PartialEq, Eq, Hash)]
struct ScriptInner {
    source: String,
    sha: String,
}

impl fmt::Debug for Script {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Script")
            .field("sha", &self.inner.sha)
            .finish()
    }
}

impl Script {
    /// A script from its Lua source; its SHA1 is computed here, without a round trip.
    pub fn new(source: impl Into<String>) -> Script {
        let source = source.into();
        let sha = sha1_smol::Sha1::from(source.as_bytes())
            .digest()
            .to_string();
        Script {
            inner: Arc::new(ScriptInner { source, sha }),
        }
    }

    /// The script's SHA1 as 40 lower-case hex digits, the name `EVALSHA` knows it by.
    pub fn sha(&self) -> &str {
        &self.inner.sha
    }

    /// The Lua source.
    pub fn source(&self) -> &str {
        &self.inner.source
    }

    /// An invocation without keys or arguments yet.
    pub fn prepare(&self) -> ScriptInvocation {
        ScriptInvocation {
            script: self.clone(),
            keys: Vec::new(),
            args: Vec::new(),
        }
    }

    /// Starts an invocation with one key (`KEYS[1]`).
    pub fn key(&self, key: impl ToArg) -> ScriptInvocation {
        self.prepare().key(key)
    }

    /// Starts an invocation with several keys.
    pub fn keys(&self, keys: impl ToArgs) -> ScriptInvocation {
        self.prepare().keys(keys)
    }

    /// Starts an invocation with one argument (`ARGV[1]`) and no keys.
    pub fn arg(&self, arg: impl ToArg) -> ScriptInvocation {
        self.prepare().arg(arg)
    }

    /// Starts an invocation with several arguments and no keys.
    pub fn args(&self, args: impl ToArgs) -> ScriptInvocation {
        self.prepare().args(args)
    }

    /// Runs the script without keys or arguments.
    pub fn invoke<T: FromValue>(&self, target: impl ScriptTarget) -> Result<T> {
        self.prepare().invoke(target)
    }

    /// Sends `SCRIPT LOAD` now (not needed before [`invoke`](Self::invoke), which loads
    /// the script when the server does not know it).
    pub fn load(&self, target: impl ScriptTarget) -> Result<()> {
        target.load_script(self)
    }

    /// The `EVAL` form of a call (the source instead of the SHA1), for callers that want
    /// no `NOSCRIPT` round trip at all.
    pub fn eval_cmd(&self, keys: impl ToArgs, args: impl ToArgs) -> Cmd {
        cmd("EVAL")
            .arg(self.source())
            .arg(keys.arg_count())
            .keys(keys)
            .args(args)
    }
}

/// One call of a [`Script`]: its keys and arguments. Made by [`Script::key`] and friends;
/// run with [`invoke`](Self::invoke) or queue it with
/// [`Pipeline::invoke_script`](crate::Pipeline::invoke_script).
#[derive(Clone)]
pub struct ScriptInvocation {
    script: Script,
    keys: Vec<Vec<u8>>,
    args: Vec<Vec<u8>>,
}

impl fmt::Debug for ScriptInvocation {
    /// Shows the SHA1 and the numbers of keys and arguments only: arguments may be secrets.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ScriptInvocation")
            .field("sha", &self.script.sha())
            .field("keys", &self.keys.len())
            .field("args", &self.args.len())
            .finish()
    }
}

impl ScriptInvocation {
    /// Adds one key (`KEYS[n]`).
    pub fn key(mut self, key: impl ToArg) -> Self {
        key.with_bytes(|b| self.keys.push(b.to_vec()));
        self
    }

    /// Adds several keys.
    pub fn keys(mut self, keys: impl ToArgs) -> Self {
        keys.for_each_arg(&mut |b| self.keys.push(b.to_vec()));
        self
    }

    /// Adds one argument (`ARGV[n]`).
    pub fn arg(mut self, arg: impl ToArg) -> Self {
        arg.with_bytes(|b| self.args.push(b.to_vec()));
        self
    }

    /// Adds several arguments.
    pub fn args(mut self, args: impl ToArgs) -> Self {
        args.for_each_arg(&mut |b| self.args.push(b.to_vec()));
        self
    }

    /// The script this invocation runs.
    pub fn script(&self) -> &Script {
        &self.script
    }

    /// The `EVALSHA sha numkeys keys... args...` command of this call.
    pub fn evalsha_cmd(&self) -> Cmd {
        let mut c = cmd("EVALSHA").arg(self.script.sha()).arg(self.keys.len());
        for k in &self.keys {
            c = c.key(k);
        }
        for a in &self.args {
            c.push_arg(a);
        }
        c
    }

    /// Runs the call with `EVALSHA` on `target` (a `&StrictRedis`, `&ConnectionPool`, `&mut Connection` or
    /// `&mut PooledConnection`); on `NOSCRIPT` the script is loaded with `SCRIPT LOAD` on
    /// the same connection and the call is sent again.
    pub fn invoke<T: FromValue>(&self, target: impl ScriptTarget) -> Result<T> {
        T::from_value(target.invoke_value(self)?)
    }
}

/// Where a script can run: [`&StrictRedis`](crate::StrictRedis) (one connection checked out for
/// the call and its possible `SCRIPT LOAD`), `&mut Connection` or `&mut PooledConnection`.
pub trait ScriptTarget {
    /// Calls `f` with a connection.
    fn with_connection(self, f: &mut dyn FnMut(&mut Connection) -> Result<()>) -> Result<()>;

    /// Runs one call and returns its raw reply. The default sends `EVALSHA` on one
    /// connection of [`with_connection`](Self::with_connection), with `SCRIPT LOAD` and a
    /// second `EVALSHA` there on `NOSCRIPT`; a cluster routes the call by its keys instead.
    fn invoke_value(self, inv: &ScriptInvocation) -> Result<Value>
    where
        Self: Sized,
    {
        let mut out = None;
        self.with_connection(&mut |conn| {
            out = Some(invoke_on(conn, inv)?);
            Ok(())
        })?;
        Ok(out.unwrap_or(Value::Nil))
    }

    /// Sends `SCRIPT LOAD`; the default on one connection of
    /// [`with_connection`](Self::with_connection), a cluster on every node.
    fn load_script(self, script: &Script) -> Result<()>
    where
        Self: Sized,
    {
        self.with_connection(&mut |conn| load_on(conn, script))
    }
}

impl ScriptTarget for &ConnectionPool {
    fn with_connection(self, f: &mut dyn FnMut(&mut Connection) -> Result<()>) -> Result<()> {
        let mut conn = self.get()?;
        f(&mut conn)
    }
}

impl ScriptTarget for &mut Connection {
    fn with_connection(self, f: &mut dyn FnMut(&mut Connection) -> Result<()>) -> Result<()> {
        f(self)
    }
}

impl ScriptTarget for &mut PooledConnection {
    fn with_connection(self, f: &mut dyn FnMut(&mut Connection) -> Result<()>) -> Result<()> {
        f(self)
    }
}

fn is_noscript(e: &Error) -> bool {
    matches!(e, Error::Server(s) if s.kind() == "NOSCRIPT")
}

/// `SCRIPT LOAD` on `conn`; the SHA1 the server answers must be ours.
pub(crate) fn load_on(conn: &mut Connection, script: &Script) -> Result<()> {
    let sha: String = conn.execute_command(cmd("SCRIPT LOAD").arg(script.source()))?;
    check_sha(script, &sha)
}

fn check_sha(script: &Script, sha: &str) -> Result<()> {
    if sha.eq_ignore_ascii_case(script.sha()) {
        Ok(())
    } else {
        Err(Error::Protocol(format!(
            "SCRIPT LOAD answered SHA1 {sha}, expected {}",
            script.sha()
        )))
    }
}

fn invoke_on(conn: &mut Connection, inv: &ScriptInvocation) -> Result<Value> {
    let c = inv.evalsha_cmd();
    match conn.request_value(&c) {
        Err(e) if is_noscript(&e) => {
            load_on(conn, &inv.script)?;
            conn.request_value(&c)
        }
        other => other,
    }
}

/// Loads every script in `scripts` on `conn` in one round trip (pipelines call this before
/// sending their commands, so that their `EVALSHA`s cannot meet `NOSCRIPT`).
pub(crate) fn load_all(conn: &mut Connection, scripts: &[Script]) -> Result<()> {
    if scripts.is_empty() {
        return Ok(());
    }
    let cmds: Vec<Cmd> = scripts
        .iter()
        .map(|s| cmd("SCRIPT LOAD").arg(s.source()))
        .collect();
    let replies = crate::batch::exchange(conn, &cmds).map_err(|b| b.error)?;
    let mut first_err = None;
    for (v, s) in replies.into_iter().zip(scripts) {
        let r = match v {
            Value::Error(e) => Err(Error::Server(e)),
            v => String::from_value(v).and_then(|sha| check_sha(s, &sha)),
        };
        if let Err(e) = r {
            first_err.get_or_insert(e);
        }
    }
    match first_err {
        Some(e) => Err(e),
        None => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sha1_is_computed_locally() {
        // SHA1("return 1"), as `SCRIPT LOAD "return 1"` answers it.
        let s = Script::new("return 1");
        assert_eq!(s.sha(), "e0e1f9fabfc9d4800c877a703b823ac0578ff8db");
        assert_eq!(s.source(), "return 1");
    }

    #[test]
    fn evalsha_cmd_marks_keys() {
        let s = Script::new("return 1");
        let c = s
            .key("k1")
            .key("k2")
            .arg("a")
            .args(["b", "c"])
            .evalsha_cmd();
        let args: Vec<_> = c.args_iter().collect();
        assert_eq!(args[0], b"EVALSHA");
        assert_eq!(args[1], s.sha().as_bytes());
        assert_eq!(&args[2..], &[&b"2"[..], b"k1", b"k2", b"a", b"b", b"c"]);
        assert_eq!(c.key_args().collect::<Vec<_>>(), vec![&b"k1"[..], b"k2"]);
    }

    #[test]
    fn debug_hides_arguments() {
        let s = Script::new("return ARGV[1]");
        let inv = s.arg("hunter2-canary");
        assert!(!format!("{inv:?}").contains("hunter2"));
    }
}
