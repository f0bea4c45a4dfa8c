//! Every scripting and function command against a real server: EVAL / EVALSHA and the
//! script cache, FUNCTION LOAD / FCALL / FUNCTION LIST parsed, dump and restore, and killing
//! a busy script or function.

#![allow(clippy::needless_borrows_for_generic_args)]

use strictredis_test_kit as common;

use std::thread;
use std::time::Duration;

use common::{wait_until, RedisServer};
use strictredis::commands::scripting::{
    FunctionLibrary, FunctionListOptions, FunctionRestorePolicy, FunctionStats, ScriptDebugMode,
    ScriptFlushMode, NO_ARGS, NO_KEYS,
};
use strictredis::{Error, StrictRedis, Value};

const LIB: &str = "#!lua name=mylib
redis.register_function('setget', function(keys, args)
    redis.call('SET', keys[1], args[1])
    return redis.call('GET', keys[1])
end)
redis.register_function{
    function_name = 'count_keys',
    callback = function(keys, args) return #keys + #args end,
    description = 'counts its keys and arguments',
    flags = {'no-writes'},
}";

fn server_error_kind(e: &Error) -> Option<&str> {
    match e {
        Error::Server(s) => Some(s.kind()),
        _ => None,
    }
}

#[test]
fn eval_and_the_script_cache() -> Result<(), Error> {
    let server = RedisServer::start();
    let r = StrictRedis::from_url(&server.url())?;

    let n: i64 = r.eval("return 1 + 1", NO_KEYS, NO_ARGS)?;
    assert_eq!(n, 2);
    // numkeys is computed: KEYS and ARGV come out where they belong.
    let v: Vec<String> = r.eval(
        "return {KEYS[1], KEYS[2], ARGV[1], tostring(#KEYS), tostring(#ARGV)}",
        &["k1", "k2"],
        &["a1"],
    )?;
    assert_eq!(v, ["k1", "k2", "a1", "2", "1"]);
    r.eval::<()>("redis.call('SET', KEYS[1], ARGV[1])", &["key"], &[42])?;
    assert_eq!(server.raw_cmd(&["GET", "key"]), "42");
    let got: Option<String> = r.eval("return redis.call('GET', KEYS[1])", &["key"], NO_ARGS)?;
    assert_eq!(got.as_deref(), Some("42"));
    let none: Option<String> =
        r.eval("return redis.call('GET', KEYS[1])", &["missing"], NO_ARGS)?;
    assert_eq!(none, None);
    let raw: Value = r.eval("return redis.status_reply('FINE')", NO_KEYS, NO_ARGS)?;
    assert_eq!(raw, Value::Simple("FINE".into()));
    let err = r
        .eval::<()>("return redis.error_reply('MYERR boom')", NO_KEYS, NO_ARGS)
        .unwrap_err();
    assert_eq!(server_error_kind(&err), Some("MYERR"), "{err:?}");
    assert_eq!(r.ping()?, "PONG");

    // EVAL_RO reads, and refuses writes.
    let ro: String = r.eval_ro("return redis.call('GET', KEYS[1])", &["key"], NO_ARGS)?;
    assert_eq!(ro, "42");
    let err = r
        .eval_ro::<()>("return redis.call('SET', KEYS[1], 'x')", &["key"], NO_ARGS)
        .unwrap_err();
    assert!(matches!(err, Error::Server(_)), "{err:?}");

    // SCRIPT LOAD / EXISTS / EVALSHA / EVALSHA_RO / FLUSH.
    let script = "return redis.call('GET', KEYS[1]) .. ARGV[1]";
    let sha = r.script_load(script)?;
    assert_eq!(sha.len(), 40);
    let via_sha: String = r.evalsha(&sha, &["key"], &["!"])?;
    assert_eq!(via_sha, "42!");
    let via_sha_ro: String = r.evalsha_ro(&sha, &["key"], &["?"])?;
    assert_eq!(via_sha_ro, "42?");
    let unknown = "0000000000000000000000000000000000000000";
    assert_eq!(r.script_exists(&[sha.as_str(), unknown])?, [true, false]);
    let err = r.evalsha::<()>(unknown, NO_KEYS, NO_ARGS).unwrap_err();
    assert_eq!(server_error_kind(&err), Some("NOSCRIPT"), "{err:?}");
    r.script_flush(None)?;
    assert_eq!(r.script_exists(&sha)?, [false]);
    r.script_load(script)?;
    r.script_flush(Some(ScriptFlushMode::Async))?;
    assert_eq!(r.script_exists(&[&sha])?, [false]);
    r.script_load(script)?;
    r.script_flush(Some(ScriptFlushMode::Sync))?;
    assert_eq!(r.script_exists(vec![sha.clone()])?, [false]);

    // SCRIPT DEBUG NO is harmless; HELP lists subcommands; KILL with nothing running.
    r.script_debug(ScriptDebugMode::No, None)?;
    let help = r.script_help()?;
    assert!(help.iter().any(|l| l.contains("FLUSH")), "{help:?}");
    let err = r.script_kill().unwrap_err();
    assert_eq!(server_error_kind(&err), Some("NOTBUSY"), "{err:?}");
    Ok(())
}

#[test]
fn function_load_call_list_stats() -> Result<(), Error> {
    let server = RedisServer::start();
    let r = StrictRedis::from_url(&server.url())?;

    assert_eq!(r.function_load(LIB, false)?, "mylib");
    let err = r.function_load(LIB, false).unwrap_err();
    assert!(matches!(err, Error::Server(_)), "loaded twice: {err:?}");
    assert_eq!(r.function_load(LIB, true)?, "mylib", "REPLACE");

    let v: String = r.fcall("setget", &["k"], &["v1"])?;
    assert_eq!(v, "v1");
    assert_eq!(server.raw_cmd(&["GET", "k"]), "v1");
    let n: i64 = r.fcall("count_keys", &["a", "b"], &["x"])?;
    assert_eq!(n, 3);
    let n: i64 = r.fcall_ro("count_keys", NO_KEYS, &["x", "y"])?;
    assert_eq!(n, 2);
    let err = r.fcall_ro::<String>("setget", &["k"], &["v2"]).unwrap_err();
    assert!(
        matches!(err, Error::Server(_)),
        "not flagged no-writes: {err:?}"
    );
    let err = r
        .fcall::<()>("nosuchfunction", NO_KEYS, NO_ARGS)
        .unwrap_err();
    assert!(matches!(err, Error::Server(_)), "{err:?}");

    // FUNCTION LIST parsed.
    let libs: Vec<FunctionLibrary> = r.function_list(FunctionListOptions::default())?;
    assert_eq!(libs.len(), 1);
    let lib = &libs[0];
    assert_eq!(lib.name, "mylib");
    assert_eq!(lib.engine.to_ascii_uppercase(), "LUA");
    assert_eq!(lib.code, None);
    let mut functions = lib.functions.clone();
    functions.sort_by(|a, b| a.name.cmp(&b.name));
    assert_eq!(functions.len(), 2);
    assert_eq!(functions[0].name, "count_keys");
    assert_eq!(
        functions[0].description.as_deref(),
        Some("counts its keys and arguments")
    );
    assert_eq!(functions[0].flags, ["no-writes"]);
    assert_eq!(functions[1].name, "setget");
    assert_eq!(functions[1].description, None);
    assert!(functions[1].flags.is_empty());

    let with_code = r.function_list(FunctionListOptions::default().with_code())?;
    assert_eq!(with_code[0].code.as_deref(), Some(LIB));
    let none = r.function_list(FunctionListOptions::default().library_name("other*"))?;
    assert!(none.is_empty());
    let some = r.function_list(FunctionListOptions::default().library_name("my*"))?;
    assert_eq!(some.len(), 1);

    // FUNCTION STATS with nothing running.
    let stats: FunctionStats = r.function_stats()?;
    assert_eq!(stats.running_script, None);
    let lua = stats
        .engines
        .iter()
        .find(|(name, _)| name.eq_ignore_ascii_case("LUA"))
        .map(|(_, s)| s.clone())
        .expect("a LUA engine");
    assert_eq!((lua.libraries_count, lua.functions_count), (1, 2));

    // DUMP, FLUSH, RESTORE with each policy.
    let dump = r.function_dump()?;
    assert!(!dump.is_empty());
    r.function_flush(None)?;
    assert!(r.function_list(FunctionListOptions::default())?.is_empty());
    r.function_restore(&dump, None)?;
    assert_eq!(r.function_list(FunctionListOptions::default())?.len(), 1);
    let err = r
        .function_restore(&dump, Some(FunctionRestorePolicy::Append))
        .unwrap_err();
    assert!(matches!(err, Error::Server(_)), "name clash: {err:?}");
    r.function_restore(&dump, Some(FunctionRestorePolicy::Replace))?;
    r.function_restore(dump.as_slice(), Some(FunctionRestorePolicy::Flush))?;
    assert_eq!(r.function_list(FunctionListOptions::default())?.len(), 1);
    r.function_flush(Some(ScriptFlushMode::Sync))?;
    r.function_restore(&dump, None)?;
    r.function_flush(Some(ScriptFlushMode::Async))?;
    r.function_restore(&dump, None)?;

    // DELETE, HELP, KILL with nothing running.
    r.function_delete("mylib")?;
    let err = r.function_delete("mylib").unwrap_err();
    assert!(matches!(err, Error::Server(_)), "{err:?}");
    assert!(r.function_list(FunctionListOptions::default())?.is_empty());
    let help = r.function_help()?;
    assert!(help.iter().any(|l| l.contains("RESTORE")), "{help:?}");
    let err = r.function_kill().unwrap_err();
    assert_eq!(server_error_kind(&err), Some("NOTBUSY"), "{err:?}");
    Ok(())
}

#[test]
fn resp3_function_list_and_stats_are_the_same() -> Result<(), Error> {
    let server = RedisServer::start();
    let r2 = StrictRedis::from_url(&server.url())?;
    let r3 = StrictRedis::from_url(&format!("{}?protocol=3", server.url()))?;
    r2.function_load(LIB, false)?;
    let opts = FunctionListOptions::default().with_code();
    let a: Vec<FunctionLibrary> = r2.function_list(opts.clone())?;
    let b: Vec<FunctionLibrary> = r3.function_list(opts)?;
    assert_eq!(a, b);
    assert_eq!(a[0].functions.len(), 2);
    assert_eq!(r2.function_stats()?, r3.function_stats()?);
    let n2: i64 = r2.fcall_ro("count_keys", &["a"], NO_ARGS)?;
    let n3: i64 = r3.fcall_ro("count_keys", &["a"], NO_ARGS)?;
    assert_eq!((n2, n3), (1, 1));
    let s2 = r2.script_load("return 1")?;
    let s3 = r3.script_load("return 1")?;
    assert_eq!(s2, s3);
    assert_eq!(r3.script_exists(&[&s3, "x"])?, [true, false]);
    Ok(())
}

#[test]
fn kill_a_busy_script_and_a_busy_function() -> Result<(), Error> {
    // The server answers other clients during a script once it has run this long.
    let server = RedisServer::start_with(&["--busy-reply-threshold", "100"]);
    let r = StrictRedis::from_url(&server.url())?;

    let spinner = {
        let r = r.clone();
        thread::spawn(move || r.eval::<()>("while true do end", NO_KEYS, NO_ARGS))
    };
    // NOTBUSY until the script runs; then the kill is accepted.
    assert!(
        wait_until(Duration::from_secs(30), || r.script_kill().is_ok()),
        "SCRIPT KILL never succeeded"
    );
    let err = spinner.join().unwrap().unwrap_err();
    assert!(matches!(err, Error::Server(_)), "{err:?}");
    assert_eq!(r.ping()?, "PONG");

    r.function_load(
        "#!lua name=busy
redis.register_function{
    function_name = 'spin',
    callback = function() while true do end end,
    flags = {'no-writes'},
}",
        false,
    )?;
    let spinner = {
        let r = r.clone();
        thread::spawn(move || r.fcall::<()>("spin", NO_KEYS, &["arg1"]))
    };
    let mut running = None;
    assert!(
        wait_until(Duration::from_secs(30), || {
            running = r.function_stats().ok().and_then(|s| s.running_script);
            running.is_some()
        }),
        "FUNCTION STATS never showed the running function"
    );
    let running = running.unwrap();
    assert_eq!(running.name, "spin");
    // The calling command as sent, arguments included.
    assert_eq!(running.command.len(), 4, "{:?}", running.command);
    assert!(running.command[0].eq_ignore_ascii_case(b"fcall"));
    assert_eq!(
        running.command[1..],
        [b"spin".to_vec(), b"0".to_vec(), b"arg1".to_vec()]
    );
    r.function_kill()?;
    let err = spinner.join().unwrap().unwrap_err();
    assert!(matches!(err, Error::Server(_)), "{err:?}");
    assert_eq!(r.ping()?, "PONG");
    Ok(())
}

#[test]
fn valkey_shows_a_cached_script() -> Result<(), Error> {
    let server = RedisServer::start_valkey(&[]);
    let r = StrictRedis::from_url(&server.url())?;
    let source = "return 'shown'";
    let sha = r.script_load(source)?;
    assert_eq!(r.script_show(&sha)?, source);
    let err = r
        .script_show("0000000000000000000000000000000000000000")
        .unwrap_err();
    assert!(matches!(err, Error::Server(_)), "{err:?}");
    r.script_debug(ScriptDebugMode::No, None)?;
    r.script_debug(ScriptDebugMode::No, Some("lua"))?;
    Ok(())
}
