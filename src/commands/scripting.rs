//! Scripting and function commands: EVAL, EVALSHA, FCALL, SCRIPT and FUNCTION.
//!
//! Scripts and functions take their keys and their other arguments as two lists; the number
//! of keys is counted for you. Pass [`NO_KEYS`] / [`NO_ARGS`] when a list is empty.

use crate::cmd::Cmd;

/// The scripting command table; see [the module docs](crate::commands).
macro_rules! scripting_commands {
    ($emit:ident $($pre:tt)*) => {
        $emit! { $($pre)*
            /// Run the Lua `script` with `keys` (its `KEYS`) and `args` (its `ARGV`); the
            /// reply is whatever the script returns.
            ///
            /// Redis 2.6.0+.
            ///
            /// ```no_run
            /// # let r = strictredis::StrictRedis::from_url("redis://127.0.0.1/")?;
            /// let v: Option<String> =
            ///     r.eval("return redis.call('GET', KEYS[1])", &["key"], strictredis::commands::scripting::NO_ARGS)?;
            /// # Ok::<(), strictredis::Error>(())
            /// ```
            fn eval<T>(script: impl ToArg, keys: impl ToArgs, args: impl ToArgs) -> T {
                cmd("EVAL").arg(script).numkeys(keys).args(args)
            }

            /// As [`eval`](Self::eval), for a script that does not write (may run on replicas).
            ///
            /// Redis 7.0.0+.
            fn eval_ro<T>(script: impl ToArg, keys: impl ToArgs, args: impl ToArgs) -> T {
                cmd("EVAL_RO").arg(script).numkeys(keys).args(args)
            }

            /// Run the cached script whose SHA1 digest is `sha1` (see
            /// [`script_load`](Self::script_load)); fails with `NOSCRIPT` when the server
            /// does not have it.
            ///
            /// Redis 2.6.0+.
            ///
            /// ```no_run
            /// # let r = strictredis::StrictRedis::from_url("redis://127.0.0.1/")?;
            /// let sha: String = r.script_load("return ARGV[1]")?;
            /// let v: String = r.evalsha(&sha, strictredis::commands::scripting::NO_KEYS, &["hi"])?;
            /// # Ok::<(), strictredis::Error>(())
            /// ```
            fn evalsha<T>(sha1: impl ToArg, keys: impl ToArgs, args: impl ToArgs) -> T {
                cmd("EVALSHA").arg(sha1).numkeys(keys).args(args)
            }

            /// As [`evalsha`](Self::evalsha), for a script that does not write.
            ///
            /// Redis 7.0.0+.
            fn evalsha_ro<T>(sha1: impl ToArg, keys: impl ToArgs, args: impl ToArgs) -> T {
                cmd("EVALSHA_RO").arg(sha1).numkeys(keys).args(args)
            }

            /// Call the library function `function` with `keys` and `args`.
            ///
            /// Redis 7.0.0+.
            ///
            /// ```no_run
            /// # let r = strictredis::StrictRedis::from_url("redis://127.0.0.1/")?;
            /// let n: i64 = r.fcall("myfunc", &["key"], &["1"])?;
            /// # Ok::<(), strictredis::Error>(())
            /// ```
            fn fcall<T>(function: impl ToArg, keys: impl ToArgs, args: impl ToArgs) -> T {
                cmd("FCALL").arg(function).numkeys(keys).args(args)
            }

            /// As [`fcall`](Self::fcall), for a function flagged `no-writes`.
            ///
            /// Redis 7.0.0+.
            fn fcall_ro<T>(function: impl ToArg, keys: impl ToArgs, args: impl ToArgs) -> T {
                cmd("FCALL_RO").arg(function).numkeys(keys).args(args)
            }

            /// Delete the library `library` and its functions.
            ///
            /// Redis 7.0.0+.
            fn function_delete(library: impl ToArg) -> () {
                cmd("FUNCTION DELETE").arg(library)
            }

            /// All libraries as one opaque payload, for
            /// [`function_restore`](Self::function_restore).
            ///
            /// Redis 7.0.0+.
            fn function_dump() -> Vec<u8> {
                cmd("FUNCTION DUMP")
            }

            /// Delete every library (`mode`: ASYNC or SYNC; the server's default when `None`).
            ///
            /// Redis 7.0.0+.
            fn function_flush(mode: Option<ScriptFlushMode>) -> () {
                cmd("FUNCTION FLUSH").opt_arg(mode.map(ScriptFlushMode::as_str))
            }

            /// The server's help text for FUNCTION, one line per item.
            ///
            /// Redis 7.0.0+.
            fn function_help() -> Vec<String> {
                cmd("FUNCTION HELP")
            }

            /// Stop the function that is running, if it has not written anything.
            ///
            /// Redis 7.0.0+.
            fn function_kill() -> () {
                cmd("FUNCTION KILL")
            }

            /// The libraries and their functions (with their code, with `WITHCODE`).
            ///
            /// Redis 7.0.0+.
            ///
            /// ```no_run
            /// use strictredis::commands::scripting::{FunctionLibrary, FunctionListOptions};
            /// # let r = strictredis::StrictRedis::from_url("redis://127.0.0.1/")?;
            /// let libs: Vec<FunctionLibrary> = r.function_list(FunctionListOptions::default())?;
            /// for lib in &libs {
            ///     for f in &lib.functions {
            ///         println!("{}.{} {:?}", lib.name, f.name, f.flags);
            ///     }
            /// }
            /// # Ok::<(), strictredis::Error>(())
            /// ```
            fn function_list(options: FunctionListOptions) -> Vec<FunctionLibrary> {
                options.apply(cmd("FUNCTION LIST"))
            }

            /// Load a library from `code` (which starts with a `#!lua name=...` line);
            /// `replace` overwrites a library of the same name. Returns the library's name.
            ///
            /// Redis 7.0.0+.
            ///
            /// ```no_run
            /// # let r = strictredis::StrictRedis::from_url("redis://127.0.0.1/")?;
            /// let code = "#!lua name=mylib\n\
            ///     redis.register_function('myfunc', function(keys, args) return #keys end)";
            /// let name: String = r.function_load(code, true)?;
            /// # Ok::<(), strictredis::Error>(())
            /// ```
            fn function_load(code: impl ToArg, replace: bool) -> String {
                cmd("FUNCTION LOAD").arg_if(replace, "REPLACE").arg(code)
            }

            /// Restore libraries from a [`function_dump`](Self::function_dump) payload;
            /// `policy` says what to do with existing ones (the server's default, APPEND,
            /// when `None`).
            ///
            /// Redis 7.0.0+.
            fn function_restore(
                payload: impl ToArg,
                policy: Option<FunctionRestorePolicy>,
            ) -> () {
                cmd("FUNCTION RESTORE")
                    .arg(payload)
                    .opt_arg(policy.map(FunctionRestorePolicy::as_str))
            }

            /// The function running now, if any, and the engines' library and function counts.
            ///
            /// Redis 7.0.0+.
            fn function_stats() -> FunctionStats {
                cmd("FUNCTION STATS")
            }

            /// Set the debug mode of the next scripts this connection runs (as `redis-cli
            /// --ldb` does). `engine` names the scripting engine (Valkey 9.1.0+).
            ///
            /// Redis 3.2.0+.
            fn script_debug(mode: ScriptDebugMode, engine: Option<&str>) -> () {
                cmd("SCRIPT DEBUG").arg(mode.as_str()).opt_arg(engine)
            }

            /// For each SHA1 digest, whether the script cache has it.
            ///
            /// Redis 2.6.0+.
            fn script_exists(sha1s: impl ToArgs) -> Vec<bool> {
                cmd("SCRIPT EXISTS").args(sha1s)
            }

            /// Empty the script cache (`mode`: ASYNC or SYNC, Redis 6.2.0+).
            ///
            /// Redis 2.6.0+.
            fn script_flush(mode: Option<ScriptFlushMode>) -> () {
                cmd("SCRIPT FLUSH").opt_arg(mode.map(ScriptFlushMode::as_str))
            }

            /// The server's help text for SCRIPT, one line per item.
            ///
            /// Redis 5.0.0+.
            fn script_help() -> Vec<String> {
                cmd("SCRIPT HELP")
            }

            /// Stop the script that is running, if it has not written anything.
            ///
            /// Redis 2.6.0+.
            fn script_kill() -> () {
                cmd("SCRIPT KILL")
            }

            /// Put `script` in the script cache without running it; returns its SHA1 digest
            /// for [`evalsha`](Self::evalsha).
            ///
            /// Redis 2.6.0+.
            fn script_load(script: impl ToArg) -> String {
                cmd("SCRIPT LOAD").arg(script)
            }

            /// The source of the cached script whose digest is `sha1`; a Valkey extension.
            ///
            /// Valkey 8.0.0+.
            fn script_show(sha1: impl ToArg) -> String {
                cmd("SCRIPT SHOW").arg(sha1)
            }
        }
    };
}
pub(crate) use scripting_commands;

/// An empty key list, for scripts and functions that take no keys:
/// `r.eval::<i64>("return 1", NO_KEYS, NO_ARGS)`.
pub const NO_KEYS: [&str; 0] = [];

/// An empty argument list, for scripts and functions that take no arguments.
pub const NO_ARGS: [&str; 0] = [];

// ---------------------------------------------------------------------------------------
// Arguments
// ---------------------------------------------------------------------------------------

/// How SCRIPT FLUSH and FUNCTION FLUSH free memory.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ScriptFlushMode {
    /// `ASYNC`: in the background.
    Async,
    /// `SYNC`: before replying.
    Sync,
}

impl ScriptFlushMode {
    /// The mode as the server spells it.
    pub fn as_str(self) -> &'static str {
        match self {
            ScriptFlushMode::Async => "ASYNC",
            ScriptFlushMode::Sync => "SYNC",
        }
    }
}

/// What FUNCTION RESTORE does with libraries that exist already.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FunctionRestorePolicy {
    /// `FLUSH`: delete every existing library first.
    Flush,
    /// `APPEND`: add the payload's libraries; fail on a name clash (the default).
    Append,
    /// `REPLACE`: add them, replacing libraries of the same name.
    Replace,
}

impl FunctionRestorePolicy {
    /// The policy as the server spells it.
    pub fn as_str(self) -> &'static str {
        match self {
            FunctionRestorePolicy::Flush => "FLUSH",
            FunctionRestorePolicy::Append => "APPEND",
            FunctionRestorePolicy::Replace => "REPLACE",
        }
    }
}

/// The mode of SCRIPT DEBUG.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ScriptDebugMode {
    /// `YES`: debug asynchronously, the server's changes are rolled back.
    Yes,
    /// `SYNC`: debug synchronously, blocking the server; changes are kept.
    Sync,
    /// `NO`: no debugging.
    No,
}

impl ScriptDebugMode {
    /// The mode as the server spells it.
    pub fn as_str(self) -> &'static str {
        match self {
            ScriptDebugMode::Yes => "YES",
            ScriptDebugMode::Sync => "SYNC",
            ScriptDebugMode::No => "NO",
        }
    }
}

/// Options of [`function_list`](crate::StrictRedis::function_list).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct FunctionListOptions {
    /// `LIBRARYNAME pattern`: only libraries whose names match this glob pattern.
    pub library_name_pattern: Option<String>,
    /// `WITHCODE`: include each library's source in [`FunctionLibrary::code`].
    pub with_code: bool,
}

impl FunctionListOptions {
    pub(crate) fn apply(self, c: Cmd) -> Cmd {
        c.opt_token("LIBRARYNAME", self.library_name_pattern)
            .arg_if(self.with_code, "WITHCODE")
    }
}

crate::commands::setters! {
    FunctionListOptions {
        /// Only libraries whose names match the glob `pattern`.
        fn library_name(pattern: impl Into<String>) => library_name_pattern = Some(pattern.into());
        /// Include the libraries' source code.
        fn with_code() => with_code = true;
    }
}

// ---------------------------------------------------------------------------------------
// Replies
// ---------------------------------------------------------------------------------------

crate::from_value::reply::reply_struct! {
    /// One library of FUNCTION LIST.
    #[derive(Clone, Debug, PartialEq, Eq)]
    pub struct FunctionLibrary: keyed {
        /// The library's name.
        name: String = req("library_name"),
        /// Its engine (`LUA`).
        engine: String = req("engine"),
        /// The functions it registered.
        functions: Vec<FunctionInfo> = list("functions"),
        /// Its source code, when listed `WITHCODE`.
        code: Option<String> = opt("library_code"),
    }
}

crate::from_value::reply::reply_struct! {
    /// One function of a [`FunctionLibrary`].
    #[derive(Clone, Debug, PartialEq, Eq)]
    pub struct FunctionInfo: keyed {
        /// The function's name, as FCALL takes it.
        name: String = req("name"),
        /// Its description, if it was registered with one.
        description: Option<String> = opt("description"),
        /// Its flags (`no-writes`, `allow-oom`, ...).
        flags: Vec<String> = list("flags"),
    }
}

crate::from_value::reply::reply_struct! {
    /// The reply of FUNCTION STATS.
    #[derive(Clone, Debug, PartialEq, Eq)]
    pub struct FunctionStats: keyed {
        /// The function running now, if any.
        running_script: Option<RunningFunction> = opt("running_script"),
        /// Each engine with its library and function counts.
        engines: Vec<(String, FunctionEngineStats)> = list("engines"),
    }
}

crate::from_value::reply::reply_struct! {
    /// The function that is running, as FUNCTION STATS describes it.
    #[derive(Clone, Debug, PartialEq, Eq)]
    pub struct RunningFunction: keyed {
        /// The function's name.
        name: String = req("name"),
        /// The command that called it, with its arguments.
        command: Vec<Vec<u8>> = req("command"),
        /// How long it has been running, in milliseconds.
        duration_ms: u64 = req("duration_ms"),
    }
}

crate::from_value::reply::reply_struct! {
    /// An engine's counts in FUNCTION STATS.
    #[derive(Clone, Debug, Default, PartialEq, Eq)]
    pub struct FunctionEngineStats: keyed {
        /// How many libraries it holds.
        libraries_count: u64 = req("libraries_count"),
        /// How many functions they register.
        functions_count: u64 = req("functions_count"),
    }
}

#[cfg(test)]
#[allow(clippy::needless_borrows_for_generic_args)]
mod tests {
    use super::*;
    use crate::cmd::cmd;
    use crate::from_value::FromValue;
    use crate::value::Value;

    use crate::from_value::reply::bulk;

    #[test]
    fn numkeys_is_counted() {
        let c = cmd("EVAL")
            .arg("return 1")
            .numkeys(&["a", "b"])
            .args(NO_ARGS);
        let args: Vec<_> = c.args_iter().collect();
        assert_eq!(args, [&b"EVAL"[..], b"return 1", b"2", b"a", b"b"]);
        assert_eq!(c.key_args().count(), 2);
        let c = cmd("FCALL").arg("f").numkeys(NO_KEYS).args(&["x"]);
        assert_eq!(c.nth_arg(2), Some(&b"0"[..]));
    }

    #[test]
    fn library_from_resp2_and_resp3() {
        let func2 = Value::Array(vec![
            bulk("name"),
            bulk("f"),
            bulk("description"),
            Value::Nil,
            bulk("flags"),
            Value::Array(vec![bulk("no-writes")]),
        ]);
        let func3 = Value::Map(vec![
            (Value::Simple("name".into()), bulk("f")),
            (Value::Simple("description".into()), Value::Nil),
            (
                Value::Simple("flags".into()),
                Value::Set(vec![Value::Simple("no-writes".into())]),
            ),
        ]);
        let lib = |func: Value| {
            Value::Array(vec![
                bulk("library_name"),
                bulk("lib"),
                bulk("engine"),
                bulk("LUA"),
                bulk("functions"),
                Value::Array(vec![func]),
            ])
        };
        let a: FunctionLibrary = FromValue::from_value(lib(func2)).unwrap();
        let b: FunctionLibrary = FromValue::from_value(lib(func3)).unwrap();
        assert_eq!(a, b);
        assert_eq!(a.functions[0].flags, ["no-writes"]);
        assert_eq!(a.code, None);
    }
}
