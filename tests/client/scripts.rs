//! Lua scripts and functions against a real server: the locally computed SHA1, EVALSHA with
//! the SCRIPT LOAD fallback (also after SCRIPT FLUSH), scripts on held connections and in
//! pipelines and transactions, and FUNCTION LOAD / FCALL / FCALL_RO.

// API.md writes multi-key arguments as `&[..]`; the tests use exactly that form.
#![allow(clippy::needless_borrows_for_generic_args)]

use strictredis_test_kit as common;

use common::RedisServer;
use strictredis::{cmd, Connection, ConnectionInfo, Error, Script, StrictRedis, Value};

const INCRBY: &str = "return redis.call('INCRBY', KEYS[1], ARGV[1])";

#[test]
fn the_sha1_is_computed_locally_and_matches_the_servers() {
    let server = RedisServer::start();
    let r = StrictRedis::from_url(&server.url()).unwrap();
    let script = r.register_script(INCRBY);
    assert_eq!(r.pool().size(), 0, "registering sends nothing");
    assert_eq!(server.raw_cmd(&["SCRIPT", "LOAD", INCRBY]), script.sha());
    assert_eq!(script.source(), INCRBY);
    assert_eq!(Script::new(INCRBY), script);
}

#[test]
fn invoke_falls_back_to_script_load_on_noscript_and_after_script_flush() {
    let server = RedisServer::start();
    let r = StrictRedis::from_url(&server.url()).unwrap();
    let script = r.register_script(INCRBY);

    // Unknown to the server: EVALSHA (NOSCRIPT), SCRIPT LOAD, EVALSHA.
    let n: i64 = script.key("counter").arg(5).invoke(&r).unwrap();
    assert_eq!(n, 5);
    assert_eq!(server.command_calls("script|load"), 1);
    assert_eq!(server.command_calls("evalsha"), 2);
    assert_eq!(
        server.command_stat("evalsha", "failed_calls"),
        1,
        "the NOSCRIPT"
    );
    // Known now: one EVALSHA.
    let n: i64 = script.key("counter").arg(2).invoke(&r).unwrap();
    assert_eq!(n, 7);
    assert_eq!(server.command_calls("script|load"), 1);

    let () = r.execute_command(cmd("SCRIPT FLUSH")).unwrap();
    let n: i64 = script.key("counter").arg(3).invoke(&r).unwrap();
    assert_eq!(n, 10, "the script ran once after the flush");
    assert_eq!(server.command_calls("script|load"), 2);
    let exists: Vec<bool> = r
        .execute_command(cmd("SCRIPT EXISTS").arg(script.sha()))
        .unwrap();
    assert_eq!(exists, vec![true]);
    assert_eq!(r.pool().size(), 1, "each call used one connection");
}

#[test]
fn keys_args_and_typed_returns() {
    let server = RedisServer::start();
    let r = StrictRedis::from_url(&server.url()).unwrap();
    let echo = r.register_script("return {KEYS[1], KEYS[2], ARGV[1], ARGV[2], ARGV[3]}");
    let v: Vec<String> = echo
        .keys(&["k1", "k2"])
        .arg("a")
        .args(&[1.5, 2.0])
        .invoke(&r)
        .unwrap();
    assert_eq!(v, ["k1", "k2", "a", "1.5", "2"]);

    let nil = r.register_script("return redis.call('GET', KEYS[1])");
    let v: Option<String> = nil.key("missing").invoke(&r).unwrap();
    assert_eq!(v, None);

    let constant = r.register_script("return 42");
    let v: i64 = constant.invoke(&r).unwrap();
    assert_eq!(v, 42);

    // A reply of the wrong shape is a type error, and the connection stays in sync.
    let err = echo.key("a").key("b").invoke::<i64>(&r).unwrap_err();
    assert!(matches!(err, Error::Type(_)), "{err:?}");
    assert_eq!(r.ping().unwrap(), "PONG");
}

#[test]
fn script_errors_are_server_errors() {
    let server = RedisServer::start();
    let r = StrictRedis::from_url(&server.url()).unwrap();
    let failing = r.register_script("return redis.error_reply('MYERR it went wrong')");
    let err = failing.invoke::<Value>(&r).unwrap_err();
    assert_eq!(err.server_error().unwrap().kind(), "MYERR");

    let broken = r.register_script("this is not lua");
    let err = broken.invoke::<Value>(&r).unwrap_err();
    assert!(err.is_server(), "{err:?}");
    assert_eq!(r.ping().unwrap(), "PONG");
}

#[test]
fn scripts_run_on_a_held_connection() {
    let server = RedisServer::start();
    let r = StrictRedis::from_url(&server.url()).unwrap();
    let script = r.register_script(INCRBY);

    let mut pooled = r.get_connection().unwrap();
    let n: i64 = script.key("n").arg(1).invoke(&mut pooled).unwrap();
    assert_eq!(n, 1);
    let conn: &mut Connection = &mut pooled;
    let n: i64 = script.key("n").arg(1).invoke(conn).unwrap();
    assert_eq!(n, 2);
    drop(pooled);

    let info: ConnectionInfo = server.url().parse().unwrap();
    let mut own = Connection::open(&info).unwrap();
    let () = own.execute_command(cmd("SCRIPT FLUSH")).unwrap();
    let n: i64 = script.key("n").arg(10).invoke(&mut own).unwrap();
    assert_eq!(n, 12);

    // An explicit load.
    let () = own.execute_command(cmd("SCRIPT FLUSH")).unwrap();
    script.load(&mut own).unwrap();
    let exists: Vec<bool> = own
        .execute_command(cmd("SCRIPT EXISTS").arg(script.sha()))
        .unwrap();
    assert_eq!(exists, vec![true]);

    // The EVAL form, for callers that want no NOSCRIPT round trip.
    let n: i64 = own.execute_command(script.eval_cmd("n", 100)).unwrap();
    assert_eq!(n, 112);
}

#[test]
fn scripts_in_pipelines_are_loaded_first_even_after_script_flush() {
    let server = RedisServer::start();
    let r = StrictRedis::from_url(&server.url()).unwrap();
    let incrby = r.register_script(INCRBY);
    let get = r.register_script("return redis.call('GET', KEYS[1])");

    for transaction in [true, false] {
        let () = r.execute_command(cmd("SCRIPT FLUSH")).unwrap();
        let loads_before = server.command_calls("script|load");
        let mut p = if transaction {
            r.pipeline()
        } else {
            r.pipeline_without_transaction()
        };
        p.invoke_script(&incrby.key("n").arg(2))
            .invoke_script(&incrby.key("n").arg(3))
            .invoke_script(&get.key("n"))
            .incr("n");
        let (a, b, c, d): (i64, i64, String, i64) = p.execute().unwrap();
        assert_eq!((b - a, c.parse::<i64>().unwrap(), d), (3, b, b + 1));
        assert_eq!(
            server.command_calls("script|load") - loads_before,
            2,
            "one SCRIPT LOAD per distinct script"
        );
    }
    assert_eq!(
        server.command_stat("evalsha", "failed_calls"),
        0,
        "no EVALSHA met NOSCRIPT"
    );
    assert_eq!(server.command_calls("multi"), 1);
}

#[test]
fn scripts_in_a_transaction_closure() {
    let server = RedisServer::start();
    let r = StrictRedis::from_url(&server.url()).unwrap();
    let incrby = r.register_script(INCRBY);
    let () = r.execute_command(cmd("SCRIPT FLUSH")).unwrap();
    r.set("n", 1).unwrap();
    let seen: i64 = r
        .transaction(&["n"], |conn, pipe| {
            let cur: i64 = conn.get("n")?;
            pipe.invoke_script(&incrby.key("n").arg(cur));
            Ok(cur)
        })
        .unwrap();
    assert_eq!(seen, 1);
    let n: i64 = r.get("n").unwrap();
    assert_eq!(n, 2);
}

#[test]
fn resp3_scripts() {
    let server = RedisServer::start();
    let r = StrictRedis::from_url(&format!("{}?protocol=3", server.url())).unwrap();
    let script = r.register_script("return {KEYS[1], tonumber(ARGV[1]) * 2}");
    let (k, n): (String, i64) = script.key("key").arg(21).invoke(&r).unwrap();
    assert_eq!((k.as_str(), n), ("key", 42));
}

const LIBRARY: &str = "#!lua name=testlib
redis.register_function('echo_arg', function(keys, args) return args[1] end)
redis.register_function('incr_key', function(keys, args) return redis.call('INCRBY', keys[1], args[1]) end)
redis.register_function{
  function_name = 'read_key',
  callback = function(keys, args) return redis.call('GET', keys[1]) end,
  flags = { 'no-writes' }
}";

#[test]
fn functions_load_and_fcall_with_typed_returns() {
    let server = RedisServer::start();
    let r = StrictRedis::from_url(&server.url()).unwrap();
    let name: String = r
        .execute_command(cmd("FUNCTION LOAD").arg(LIBRARY))
        .unwrap();
    assert_eq!(name, "testlib");

    let v: String = r
        .execute_command(cmd("FCALL").arg("echo_arg").arg(0).arg("hello"))
        .unwrap();
    assert_eq!(v, "hello");
    let n: i64 = r
        .execute_command(cmd("FCALL").arg("incr_key").arg(1).key("fk").arg(5))
        .unwrap();
    assert_eq!(n, 5);
    let v: Option<i64> = r
        .execute_command(cmd("FCALL_RO").arg("read_key").arg(1).key("fk"))
        .unwrap();
    assert_eq!(v, Some(5));
    // FCALL_RO refuses a function that may write.
    let err = r
        .execute_command::<Value>(cmd("FCALL_RO").arg("incr_key").arg(1).key("fk").arg(1))
        .unwrap_err();
    assert!(err.is_server(), "{err:?}");

    // Loading the same library twice fails unless REPLACE is given.
    let err = r
        .execute_command::<String>(cmd("FUNCTION LOAD").arg(LIBRARY))
        .unwrap_err();
    assert!(err.is_server());
    let name: String = r
        .execute_command(cmd("FUNCTION LOAD").arg("REPLACE").arg(LIBRARY))
        .unwrap();
    assert_eq!(name, "testlib");

    // Functions in a pipeline.
    let mut p = r.pipeline();
    p.queue(cmd("FCALL").arg("incr_key").arg(1).key("fk").arg(1))
        .queue(cmd("FCALL_RO").arg("read_key").arg(1).key("fk"));
    let (a, b): (i64, String) = p.execute().unwrap();
    assert_eq!((a, b.as_str()), (6, "6"));
}

#[test]
fn a_pipeline_whose_script_does_not_load_sends_nothing_else() {
    let server = RedisServer::start();
    let r = StrictRedis::from_url(&server.url()).unwrap();
    let broken = r.register_script("this is not lua");
    let mut p = r.pipeline();
    p.set("k", "v").invoke_script(&broken.prepare());
    let err = p.execute::<Vec<Value>>().unwrap_err();
    assert!(err.is_server(), "{err:?}");
    let k: Option<String> = r.get("k").unwrap();
    assert_eq!(k, None, "the pipeline was not sent");
    assert!(p.is_empty());
    assert_eq!(r.pool().free_size(), 1, "the connection is still clean");
}

#[test]
fn function_methods() {
    let server = RedisServer::start();
    let r = StrictRedis::from_url(&server.url()).unwrap();
    assert_eq!(r.function_load(LIBRARY, false).unwrap(), "testlib");
    assert_eq!(r.function_load(LIBRARY, true).unwrap(), "testlib");
    let v: String = r.fcall("echo_arg", &[] as &[&str], &["hi"]).unwrap();
    assert_eq!(v, "hi");
    let n: i64 = r.fcall("incr_key", &["fk"], &["3"]).unwrap();
    assert_eq!(n, 3);
    let v: Option<i64> = r.fcall_ro("read_key", &["fk"], &[] as &[&str]).unwrap();
    assert_eq!(v, Some(3));
    let mut p = r.pipeline();
    p.fcall("incr_key", &["fk"], &["1"])
        .fcall_ro("read_key", &["fk"], &[] as &[&str]);
    let (a, b): (i64, i64) = p.execute().unwrap();
    assert_eq!((a, b), (4, 4));
}
