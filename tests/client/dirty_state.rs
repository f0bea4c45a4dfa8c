//! A connection given back in a state the next borrower did not ask for (inside MULTI,
//! watching keys, subscribed, on another database, with replies switched off, tracking
//! keys, with replies not read yet) is never handed out again: the next borrower's
//! `CLIENT INFO` shows a clean connection. And panics while holding a connection leak no
//! pool slot.

#![allow(clippy::needless_borrows_for_generic_args)]

use crate::util::one_connection;
use strictredis_test_kit as common;

use std::collections::HashMap;
use std::panic::{self, AssertUnwindSafe};
use std::sync::Once;
use std::thread;
use std::time::Duration;

use common::{wait_until, RedisServer};
use strictredis::__private::send_partly_read;
use strictredis::{
    cmd, ConnectionPool, PoolConfig, PooledConnection, Protocol, StrictRedis, Value,
};

/// The fields of `CLIENT INFO`.
fn client_info(c: &mut PooledConnection) -> HashMap<String, String> {
    let text: String = c.execute_command(cmd("CLIENT").arg("INFO")).unwrap();
    text.split_whitespace()
        .filter_map(|kv| kv.split_once('='))
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

fn pool_of_one(server: &RedisServer, protocol: Protocol) -> ConnectionPool {
    let mut info: strictredis::ConnectionInfo = server.url().parse().unwrap();
    info.protocol = protocol;
    info.read_timeout = Some(Duration::from_secs(2));
    ConnectionPool::new(
        info,
        PoolConfig {
            max_size: 1,
            timeout: Some(Duration::from_secs(5)),
            ..PoolConfig::default()
        },
    )
    .unwrap()
}

/// Puts a connection in some state, gives it back, and checks the next borrower.
fn next_borrower_is_clean(
    name: &str,
    protocol: Protocol,
    dirty: impl FnOnce(&mut PooledConnection),
) {
    let server = RedisServer::start();
    let pool = pool_of_one(&server, protocol);
    let first_id = {
        let mut c = pool.get().unwrap();
        let id = client_info(&mut c)["id"].clone();
        dirty(&mut c);
        id
    };
    let mut c = pool.get().unwrap();
    // Replies come (CLIENT REPLY OFF would leave this waiting), and are this call's own.
    let pong: String = c.execute_command(cmd("PING")).unwrap();
    assert_eq!(pong, "PONG", "{name}");
    let echo: String = c.execute_command(cmd("ECHO").arg(name)).unwrap();
    assert_eq!(echo, name);
    let info = client_info(&mut c);
    assert_eq!(info["db"], "0", "{name}: {info:?}");
    assert_eq!(info["multi"], "-1", "{name}: {info:?}");
    assert_eq!(info["sub"], "0", "{name}: {info:?}");
    assert_eq!(info["psub"], "0", "{name}: {info:?}");
    assert_eq!(info["ssub"], "0", "{name}: {info:?}");
    assert_eq!(
        info["flags"], "N",
        "{name}: no multi, pubsub or tracking flag: {info:?}"
    );
    assert_ne!(
        info["id"], first_id,
        "{name}: the dirty connection was closed"
    );
    drop(c);
    assert_eq!(pool.size(), 1);
    // The dirty connection is gone from the server too.
    let first = format!("id={first_id} ");
    assert!(
        wait_until(Duration::from_secs(5), || !server
            .clients()
            .iter()
            .any(|l| l.starts_with(&first))),
        "{name}: the server still has the dirty connection"
    );
}

#[test]
fn after_multi() {
    next_borrower_is_clean("multi", Protocol::Resp2, |c| {
        c.execute_command::<()>(cmd("MULTI")).unwrap();
        let q: String = c.execute_command(cmd("SET").key("k").arg("v")).unwrap();
        assert_eq!(q, "QUEUED");
    });
}

#[test]
fn after_watch() {
    next_borrower_is_clean("watch", Protocol::Resp2, |c| {
        c.execute_command::<()>(cmd("WATCH").key("k")).unwrap();
        assert!(c.is_watching());
    });
}

#[test]
fn after_subscribe() {
    next_borrower_is_clean("subscribe", Protocol::Resp2, |c| {
        let v: Value = c.execute_command(cmd("SUBSCRIBE").arg("ch")).unwrap();
        assert!(matches!(v, Value::Array(_)), "{v:?}");
    });
}

#[test]
fn after_psubscribe_resp3() {
    next_borrower_is_clean("psubscribe", Protocol::Resp3, |c| {
        let v: Value = c.execute_command(cmd("PSUBSCRIBE").arg("ch.*")).unwrap();
        assert!(matches!(v, Value::Push(_)), "{v:?}");
    });
}

#[test]
fn after_select_3() {
    next_borrower_is_clean("select", Protocol::Resp2, |c| {
        c.execute_command::<()>(cmd("SELECT").arg(3)).unwrap();
        assert_eq!(c.db(), 3);
        c.execute_command::<()>(cmd("SET").key("in-db-3").arg("v"))
            .unwrap();
    });
}

#[test]
fn after_client_reply_off() {
    next_borrower_is_clean("reply off", Protocol::Resp2, |c| {
        // No reply comes for these: they return at once instead of waiting for one.
        let v: Value = c
            .execute_command(cmd("CLIENT").arg("REPLY").arg("OFF"))
            .unwrap();
        assert_eq!(v, Value::Nil);
        let v: Value = c
            .execute_command(cmd("SET").key("silent").arg("1"))
            .unwrap();
        assert_eq!(v, Value::Nil);
        assert_eq!(c.pending_replies(), 0);
    });
}

#[test]
fn after_client_reply_skip() {
    next_borrower_is_clean("reply skip", Protocol::Resp2, |c| {
        let v: Value = c
            .execute_command(cmd("CLIENT").arg("REPLY").arg("SKIP"))
            .unwrap();
        assert_eq!(v, Value::Nil);
        let v: Value = c
            .execute_command(cmd("SET").key("skipped").arg("1"))
            .unwrap();
        assert_eq!(v, Value::Nil, "the command after SKIP has no reply");
        let echo: String = c.execute_command(cmd("ECHO").arg("back")).unwrap();
        assert_eq!(echo, "back", "replies are on again");
    });
}

#[test]
fn after_client_reply_off_then_on() {
    next_borrower_is_clean("reply on", Protocol::Resp2, |c| {
        c.execute_command::<Value>(cmd("CLIENT").arg("REPLY").arg("OFF"))
            .unwrap();
        let ok: String = c
            .execute_command(cmd("CLIENT").arg("REPLY").arg("ON"))
            .unwrap();
        assert_eq!(ok, "OK");
        let echo: String = c.execute_command(cmd("ECHO").arg("on")).unwrap();
        assert_eq!(echo, "on");
    });
}

#[test]
fn after_client_tracking_on() {
    next_borrower_is_clean("tracking", Protocol::Resp3, |c| {
        c.execute_command::<()>(cmd("CLIENT").arg("TRACKING").arg("ON"))
            .unwrap();
        let _: Option<String> = c.execute_command(cmd("GET").key("tracked")).unwrap();
    });
}

#[test]
fn after_unread_replies() {
    next_borrower_is_clean("unread", Protocol::Resp2, |c| {
        let unread = [
            cmd("ECHO").arg("never read"),
            cmd("ECHO").arg("never read either"),
        ];
        send_partly_read(c, &unread, 0).unwrap();
        assert_eq!(c.pending_replies(), 2);
    });
}

#[test]
fn after_a_half_read_pipeline() {
    next_borrower_is_clean("half pipeline", Protocol::Resp2, |c| {
        let pipeline: Vec<_> = (0..100).map(|i| cmd("ECHO").arg(format!("p{i}"))).collect();
        let v = send_partly_read(c, &pipeline, 1).unwrap();
        assert_eq!(v, [Value::Bulk(b"p0".to_vec())]);
        assert_eq!(c.pending_replies(), 99);
    });
}

#[test]
fn the_facade_never_leaves_state_behind() {
    let server = RedisServer::start();
    let r = one_connection(&server);
    r.set("k", "db0").unwrap();
    r.execute_command::<()>(cmd("SELECT").arg(3)).unwrap();
    assert_eq!(r.get::<String>("k").unwrap(), "db0", "back on db 0");
    r.execute_command::<()>(cmd("MULTI")).unwrap();
    assert_eq!(r.get::<String>("k").unwrap(), "db0", "not QUEUED");
    r.execute_command::<()>(cmd("WATCH").key("k")).unwrap();
    r.execute_command::<Value>(cmd("SUBSCRIBE").arg("c"))
        .unwrap();
    r.execute_command::<Value>(cmd("CLIENT").arg("REPLY").arg("OFF"))
        .unwrap();
    assert_eq!(r.get::<String>("k").unwrap(), "db0");
    let mut c = r.get_connection().unwrap();
    let info = client_info(&mut c);
    assert_eq!(
        (
            info["db"].as_str(),
            info["multi"].as_str(),
            info["sub"].as_str(),
            info["flags"].as_str()
        ),
        ("0", "-1", "0", "N")
    );
}

// ---------------------------------------------------------------------------------------
// Panics

const DELIBERATE: &str = "deliberate panic (dirty_state test)";

/// Keeps the test output readable: deliberate panics print nothing, others as usual.
fn quiet_deliberate_panics() {
    static HOOK: Once = Once::new();
    HOOK.call_once(|| {
        let default = panic::take_hook();
        panic::set_hook(Box::new(move |info| {
            let msg = info
                .payload()
                .downcast_ref::<&str>()
                .copied()
                .or_else(|| info.payload().downcast_ref::<String>().map(|s| s.as_str()));
            if msg != Some(DELIBERATE) {
                default(info);
            }
        }));
    });
}

#[test]
fn a_thousand_panics_while_holding_a_connection_leak_no_slot() {
    quiet_deliberate_panics();
    let server = RedisServer::start();
    let pool = ConnectionPool::new(
        server.url().parse().unwrap(),
        PoolConfig {
            max_size: 4,
            timeout: Some(Duration::from_secs(5)),
            ..PoolConfig::default()
        },
    )
    .unwrap();
    let r = StrictRedis::with_pool(pool.clone());
    let threads: Vec<_> = (0..4)
        .map(|t| {
            let pool = pool.clone();
            let r = r.clone();
            thread::spawn(move || {
                let mut panics = 0;
                for i in 0..250 {
                    let res = panic::catch_unwind(AssertUnwindSafe(|| match i % 4 {
                        // Holding a clean connection.
                        0 => {
                            let _c = pool.get().unwrap();
                            panic!("{}", DELIBERATE);
                        }
                        // With a reply in flight.
                        1 => {
                            let mut c = pool.get().unwrap();
                            let echo = [cmd("ECHO").arg(format!("{t}:{i}"))];
                            send_partly_read(&mut c, &echo, 0).unwrap();
                            panic!("{}", DELIBERATE);
                        }
                        // Inside a transaction's closure, after WATCH.
                        2 => {
                            let _: strictredis::Result<()> =
                                r.transaction(&["w"], |_conn, _pipe| panic!("{}", DELIBERATE));
                        }
                        // Inside MULTI.
                        _ => {
                            let mut c = pool.get().unwrap();
                            c.execute_command::<()>(cmd("MULTI")).unwrap();
                            panic!("{}", DELIBERATE);
                        }
                    }));
                    assert!(res.is_err());
                    panics += 1;
                    // Between panics, replies are right.
                    let key = format!("{t}:{i}");
                    let echo: String = r.execute_command(cmd("ECHO").arg(&key)).unwrap();
                    assert_eq!(echo, key);
                }
                panics
            })
        })
        .collect();
    let panics: usize = threads.into_iter().map(|h| h.join().unwrap()).sum();
    assert_eq!(panics, 1000);
    assert!(pool.size() <= 4, "size {}", pool.size());
    // Every slot can be had at once.
    let held: Vec<_> = (0..4).map(|_| pool.get().unwrap()).collect();
    assert_eq!(pool.size(), 4);
    drop(held);
    assert_eq!(pool.free_size(), 4);
    // Server side: only the pool's connections are left.
    assert!(wait_until(Duration::from_secs(5), || server
        .clients()
        .len()
        <= 4));
    println!(
        "1000 panics while holding a connection on a pool of 4: {} open after, {} on the server",
        pool.size(),
        server.clients().len()
    );
}

#[test]
fn a_clean_connection_is_reused_whatever_its_handshake() {
    // HELLO 3, AUTH, CLIENT SETNAME and SELECT sent by the handshake are the pool's own
    // state: they must not keep the connection from being reused.
    let server = RedisServer::start_with(&["--requirepass", "pw"]);
    for protocol in [Protocol::Resp2, Protocol::Resp3] {
        let mut info: strictredis::ConnectionInfo = format!(
            "redis://:pw@127.0.0.1:{}/2?client_name=reused",
            server.port()
        )
        .parse()
        .unwrap();
        info.protocol = protocol;
        let pool = ConnectionPool::new(
            info,
            PoolConfig {
                max_size: 1,
                ..PoolConfig::default()
            },
        )
        .unwrap();
        let id = |pool: &ConnectionPool| client_info(&mut pool.get().unwrap())["id"].clone();
        let first = id(&pool);
        assert_eq!(id(&pool), first, "{protocol:?}: the same connection again");
        let mut c = pool.get().unwrap();
        let info = client_info(&mut c);
        assert_eq!(info["db"], "2");
        assert_eq!(info["name"], "reused");
    }
}
