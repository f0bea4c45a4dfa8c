//! Every call form of API.md's "Building a client", "Commands" and "Connections and the
//! pool" sections, compiled and run against a real redis-server.

// API.md writes multi-key arguments as `&[..]`; the tests use exactly that form.
#![allow(clippy::needless_borrows_for_generic_args)]

use crate::util::one_connection;
use strictredis_test_kit as common;

use std::collections::{HashMap, HashSet};
use std::time::Duration;

use common::RedisServer;
use strictredis::{cmd, ConnectionInfo, ConnectionPool, Error, PoolConfig, StrictRedis, Value};

#[test]
fn building_a_client() {
    let server = RedisServer::start();
    let r = StrictRedis::from_url(&server.url()).unwrap();
    assert_eq!(r.ping().unwrap(), "PONG");

    let url = format!("redis://127.0.0.1:{}/2?max_connections=8", server.port());
    let r2 = StrictRedis::from_url(&url).unwrap();
    assert_eq!(r2.pool().config().max_size, 8);
    r2.set("only-in-db2", "x").unwrap();
    let none: Option<String> = r.get("only-in-db2").unwrap();
    assert_eq!(none, None);

    let r3 = StrictRedis::builder()
        .host("127.0.0.1")
        .port(server.port())
        .db(0)
        .client_name("worker-1")
        .connect_timeout(Duration::from_secs(1))
        .read_timeout(Some(Duration::from_millis(500)))
        .write_timeout(Some(Duration::from_millis(500)))
        .min_connections(1)
        .max_connections(16)
        .pool_timeout(Some(Duration::from_millis(200)))
        .build()
        .unwrap();
    assert_eq!(r3.pool().size(), 1, "min_connections opened eagerly");
    let name: Option<String> = r3.execute_command(cmd("CLIENT GETNAME")).unwrap();
    assert_eq!(name.as_deref(), Some("worker-1"));
}

#[test]
fn builder_with_credentials() {
    let server = RedisServer::start();
    server.raw_cmd(&[
        "ACL", "SETUSER", "app", "on", ">secret", "~*", "&*", "+@all",
    ]);
    let r = StrictRedis::builder()
        .host("127.0.0.1")
        .port(server.port())
        .username("app")
        .password("secret")
        .build()
        .unwrap();
    let who: String = r.execute_command(cmd("ACL WHOAMI")).unwrap();
    assert_eq!(who, "app");
    let url = format!("redis://app:secret@127.0.0.1:{}/0", server.port());
    let r = StrictRedis::from_url(&url).unwrap();
    let who: String = r.execute_command(cmd("ACL WHOAMI")).unwrap();
    assert_eq!(who, "app");
}

fn _clone_send_sync() {
    fn assert<T: Clone + Send + Sync>() {}
    assert::<StrictRedis>();
    assert::<ConnectionPool>();
}

#[test]
fn commands_as_written_in_api_md() -> Result<(), Error> {
    let server = RedisServer::start();
    let r = StrictRedis::from_url(&server.url())?;

    r.setex("key", 10, "value")?;
    let v: Option<String> = r.get("key")?;
    assert_eq!(v.as_deref(), Some("value"));
    let b: Option<Vec<u8>> = r.get("key")?;
    assert_eq!(b.as_deref(), Some(&b"value"[..]));
    let missing: Option<String> = r.get("missing")?;
    assert_eq!(missing, None);

    let n: i64 = r.incr("counter")?;
    assert_eq!(n, 1);
    let n: i64 = r.incrby("counter", 5)?;
    assert_eq!(n, 6);
    let f: f64 = r.incrbyfloat("price", 1.5)?;
    assert_eq!(f, 1.5);

    let () = r.set("k", "v")?;
    let t: i64 = r.ttl("key")?;
    assert!((9..=10).contains(&t), "ttl {t}");
    assert_eq!(r.ttl("k")?, -1);
    assert_eq!(r.ttl("nope")?, -2);
    let ok: bool = r.expire("key", 100)?;
    assert!(ok);
    assert!(!r.expire("nope", 100)?);

    r.set("a", "1")?;
    r.set("b", "2")?;
    let there: u64 = r.exists(&["a", "b", "zz"])?;
    assert_eq!(there, 2);
    let vals: Vec<Option<String>> = r.mget(&["a", "missing"])?;
    assert_eq!(vals, vec![Some("1".to_string()), None]);
    let gone: u64 = r.delete(&["a", "b"])?;
    assert_eq!(gone, 2);
    assert_eq!(r.exists(&["a", "b"])?, 0);

    let added: u64 = r.hset("h", "field", "v")?;
    assert_eq!(added, 1);
    let m: HashMap<String, String> = r.hgetall("h")?;
    assert_eq!(m.get("field").map(String::as_str), Some("v"));

    let len: u64 = r.rpush("l", &["a", "b"])?;
    assert_eq!(len, 2);
    let l: Vec<String> = r.lrange("l", 0, -1)?;
    assert_eq!(l, vec!["a", "b"]);

    let added: u64 = r.sadd("s", &["x", "y"])?;
    assert_eq!(added, 2);
    let s: HashSet<String> = r.smembers("s")?;
    assert_eq!(s, ["x", "y"].iter().map(|s| s.to_string()).collect());

    let added: u64 = r.zadd("z", &[("a", 1.0), ("b", 2.5)])?;
    assert_eq!(added, 2);
    let z: Vec<(String, f64)> = r.zrange_withscores("z", 0, -1)?;
    assert_eq!(z, vec![("a".to_string(), 1.0), ("b".to_string(), 2.5)]);
    let s: Option<f64> = r.zscore("z", "a")?;
    assert_eq!(s, Some(1.0));
    assert_eq!(r.zscore("z", "nobody")?, None);

    let receivers: u64 = r.publish("chan", "hello")?;
    assert_eq!(receivers, 0);
    let pong: String = r.ping()?;
    assert_eq!(pong, "PONG");

    let t: String = r.type_("z")?;
    assert_eq!(t, "zset");
    assert_eq!(r.type_("nothing")?, "none");
    Ok(())
}

#[test]
fn zadd_zscore_float_round_trip_is_exact() -> Result<(), Error> {
    let server = RedisServer::start();
    let r = StrictRedis::from_url(&server.url())?;
    for score in [1349673917.939762, 0.1, -2.5e-300, 1e300, f64::INFINITY] {
        r.zadd("zf", &[("m", score)])?;
        assert_eq!(r.zscore("zf", "m")?, Some(score));
    }
    Ok(())
}

#[test]
fn any_command_through_execute_command() -> Result<(), Error> {
    let server = RedisServer::start();
    let r = StrictRedis::from_url(&server.url())?;
    r.set("key", "v")?;
    let v: Option<String> = r.execute_command(cmd("GET").arg("key"))?;
    assert_eq!(v.as_deref(), Some("v"));
    let raw: Value = r.execute_command(cmd("HELLO"))?;
    assert!(matches!(raw, Value::Array(_) | Value::Map(_)), "{raw:?}");
    Ok(())
}

#[test]
fn server_errors_keep_their_kind() {
    let server = RedisServer::start();
    let r = StrictRedis::from_url(&server.url()).unwrap();
    r.set("str", "x").unwrap();
    let e = r.lrange::<Vec<String>>("str", 0, -1).unwrap_err();
    match &e {
        Error::Server(s) => {
            assert_eq!(s.kind(), "WRONGTYPE");
            assert!(s.message().starts_with("Operation against a key"));
        }
        other => panic!("expected a server error, got {other:?}"),
    }
    // The connection that got the error reply is still in sync.
    assert_eq!(r.get::<String>("str").unwrap(), "x");
}

#[test]
fn wrong_reply_type_is_a_type_error_and_stays_in_sync() {
    let server = RedisServer::start();
    let r = one_connection(&server);
    r.rpush("l", &["a", "b", "c"]).unwrap();
    let e = r.lrange::<i64>("l", 0, -1).unwrap_err();
    assert!(matches!(e, Error::Type(_)), "{e:?}");
    let e = r.lrange::<Vec<i64>>("l", 0, -1).unwrap_err();
    assert!(matches!(e, Error::Type(_)), "{e:?}");
    // Same (only) connection, next reply is its own.
    assert_eq!(r.ping().unwrap(), "PONG");
    assert_eq!(r.lrange::<Vec<String>>("l", 0, 0).unwrap(), vec!["a"]);
    assert_eq!(r.pool().size(), 1);
}

#[test]
fn connections_and_the_pool() -> Result<(), Error> {
    let server = RedisServer::start();
    let info: ConnectionInfo = server.url().parse()?;
    let pool = ConnectionPool::new(
        info,
        PoolConfig {
            min_size: 1,
            max_size: 4,
            timeout: Some(Duration::from_millis(100)),
            ..PoolConfig::default()
        },
    )?;
    assert_eq!(pool.size(), 1);
    assert_eq!(pool.free_size(), 1);
    let r = StrictRedis::with_pool(pool.clone());
    r.set("x", "1")?;
    {
        let mut conn = pool.get()?;
        assert_eq!(pool.free_size(), 0);
        // A PooledConnection has the same command methods.
        let v: Option<String> = conn.get("x")?;
        assert_eq!(v.as_deref(), Some("1"));
        assert_eq!(conn.incr("n")?, 1);
    }
    assert_eq!(pool.size(), 1);
    assert_eq!(pool.free_size(), 1);
    Ok(())
}

#[test]
fn binary_safe_keys_and_large_values() -> Result<(), Error> {
    let server = RedisServer::start();
    let r = StrictRedis::from_url(&server.url())?;
    let key: &[u8] = b"\x00bin\r\nkey\xff";
    let val: Vec<u8> = (0..=255u8).cycle().take(1000).collect();
    r.set(key, &val)?;
    let got: Vec<u8> = r.get(key)?;
    assert_eq!(got, val);

    let big: Vec<u8> = (0..5 * 1024 * 1024).map(|i| (i * 7 % 251) as u8).collect();
    r.set("big", &big)?;
    let got: Vec<u8> = r.get("big")?;
    assert_eq!(got.len(), big.len());
    assert!(got == big);
    Ok(())
}

#[test]
fn unix_socket_and_resp3() -> Result<(), Error> {
    let server = RedisServer::start();
    let url = format!("redis+unix://{}?db=3", server.unix_socket_path().display());
    let r = StrictRedis::from_url(&url)?;
    r.set("u", "1")?;
    let db: String = server.raw_cmd(&["INFO", "keyspace"]);
    assert!(db.contains("db3:keys=1"), "{db}");

    let r3 = StrictRedis::from_url(&format!("{}?protocol=3", server.url()))?;
    r3.hset("h", "f", "v")?;
    let raw: Value = r3.execute_command(cmd("HGETALL").arg("h"))?;
    assert!(matches!(raw, Value::Map(_)), "RESP3 gives a map: {raw:?}");
    let m: HashMap<String, String> = r3.hgetall("h")?;
    assert_eq!(m["f"], "v");
    r3.zadd("z", &[("a", 1.0), ("b", 2.5)])?;
    let z: Vec<(String, f64)> = r3.zrange_withscores("z", 0, -1)?;
    assert_eq!(z, vec![("a".to_string(), 1.0), ("b".to_string(), 2.5)]);
    Ok(())
}

#[test]
fn bad_config_fails_before_io() {
    for url in [
        "http://127.0.0.1:6379",
        "redis://127.0.0.1:99999",
        "redis://127.0.0.1/notadb",
        "redis://127.0.0.1/0?max_connections=x",
        "redis://127.0.0.1/0?bogus=1",
    ] {
        match StrictRedis::from_url(url) {
            Err(Error::Config(_)) => {}
            other => panic!("{url}: expected a config error, got {other:?}"),
        }
    }
}

#[test]
fn refused_connection_and_bad_auth_are_reported_by_the_pool() {
    let server = RedisServer::start();
    let free = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap().port()
    };
    let e = StrictRedis::builder()
        .port(free)
        .min_connections(1)
        .build()
        .unwrap_err();
    assert!(matches!(e, Error::Io(_)), "{e:?}");

    server.raw_cmd(&["CONFIG", "SET", "requirepass", "right"]);
    let e = StrictRedis::builder()
        .port(server.port())
        .password("wrong-Canary")
        .min_connections(1)
        .build()
        .unwrap_err();
    match &e {
        Error::Server(s) => assert_eq!(s.kind(), "WRONGPASS"),
        other => panic!("{other:?}"),
    }
    assert!(!e.to_string().contains("wrong-Canary"));
    assert!(!format!("{e:?}").contains("wrong-Canary"));
}
