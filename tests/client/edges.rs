//! Issue 11 at the edges of the input space, single server: setup that cannot hang, the
//! default timeouts, legal inputs that must not panic, per-connection settings that must
//! not leak to the next borrower, and the rules of small things (a username without a
//! password, `rediss://` against a plain server). Each test says how v0.1.0 failed it.

use std::collections::HashMap;
use std::net::TcpListener;
use std::sync::mpsc;
use std::thread;
use std::time::{Duration, Instant};

use strictredis::{cmd, Error, StrictRedis};
use strictredis_test_kit::RedisServer;

/// Runs `f` on a thread and waits at most `limit` for it: a hang fails the test instead of
/// hanging it.
fn within<T: Send + 'static>(limit: Duration, f: impl FnOnce() -> T + Send + 'static) -> T {
    let (tx, rx) = mpsc::channel();
    thread::spawn(move || {
        let _ = tx.send(f());
    });
    rx.recv_timeout(limit)
        .unwrap_or_else(|_| panic!("still running after {limit:?}: it hangs"))
}

/// A PING through a new client for `url`, which must fail within 20 s: how long it took,
/// and its error.
fn failed_ping(url: String) -> (Duration, Error) {
    within(Duration::from_secs(20), move || {
        let r = StrictRedis::from_url(&url).unwrap();
        let t = Instant::now();
        let e = r.ping().unwrap_err();
        (t.elapsed(), e)
    })
}

/// The fields of `CLIENT INFO` as the next borrower of `r`'s pool sees them.
fn client_info(r: &StrictRedis) -> HashMap<String, String> {
    let text: String = r.execute_command(cmd("CLIENT").arg("INFO")).unwrap();
    text.split_whitespace()
        .filter_map(|kv| kv.split_once('='))
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

/// 11.4: a server that accepts TCP and never answers. The handshake (`SELECT 1`) runs
/// under `connect_timeout`, so the call fails after about a second with a timeout. v0.1.0
/// read the handshake's replies under the read timeout (none by default) and hung forever.
#[test]
fn a_black_hole_listener_times_out_within_connect_timeout() {
    // The kernel completes the TCP handshake from the backlog; nobody ever reads.
    let hole = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = hole.local_addr().unwrap().port();
    for url in [
        format!("redis://127.0.0.1:{port}/1?connect_timeout=1"),
        format!("redis://127.0.0.1:{port}/1?connect_timeout=1&protocol=3&read_timeout=none"),
    ] {
        let (took, e) = failed_ping(url);
        assert!(matches!(e, Error::Timeout), "{e:?}");
        assert!(e.is_timeout());
        assert!(
            took >= Duration::from_millis(900) && took < Duration::from_millis(2500),
            "one connect_timeout, not retried: {took:?}"
        );
    }
    drop(hole);
}

/// 11.5: 5 s connect, read and write timeouts by default; a blocking command waits its own
/// timeout on top. v0.1.0 had a 10 s connect timeout and none for reads and writes.
#[test]
fn defaults_are_five_seconds_each() {
    let b = StrictRedis::builder();
    let info = b.connection_info();
    assert_eq!(info.connect_timeout, Some(Duration::from_secs(5)));
    assert_eq!(info.read_timeout, Some(Duration::from_secs(5)));
    assert_eq!(info.write_timeout, Some(Duration::from_secs(5)));
    let info = strictredis::ConnectionInfo::from_url("redis://h").unwrap();
    assert_eq!(info.read_timeout, Some(Duration::from_secs(5)));
    // `none` is still there, and round-trips through the redacted URL.
    let info = strictredis::ConnectionInfo::from_url("redis://h?read_timeout=none").unwrap();
    assert_eq!(info.read_timeout, None);
    assert!(info.redacted_url().contains("read_timeout=none"));
}

/// 11.5: a server that does not answer for longer than the default read timeout (paused
/// by `CLIENT PAUSE`) is a timeout after about 5 s. v0.1.0 waited as long as the pause.
#[test]
fn the_default_read_timeout_cuts_a_hung_server() {
    let server = RedisServer::start();
    let r = StrictRedis::from_url(&server.url()).unwrap();
    r.ping().unwrap();
    server.raw_cmd(&["CLIENT", "PAUSE", "8000", "ALL"]);
    let t = Instant::now();
    let e = within(Duration::from_secs(20), move || {
        r.get::<Option<String>>("edges:k").unwrap_err()
    });
    let took = t.elapsed();
    assert!(matches!(e.inner(), Error::Timeout), "{e:?}");
    assert!(
        took >= Duration::from_millis(4500) && took < Duration::from_millis(7000),
        "{took:?}"
    );
}

/// 11.5: a blocking command waits its own timeout on top of the default read timeout: a
/// BLPOP of 6 s on an empty list returns nil after 6 s, not a timeout after 5.
#[test]
fn a_blocking_command_waits_its_own_timeout_on_top() {
    let server = RedisServer::start();
    let r = StrictRedis::from_url(&server.url()).unwrap();
    let t = Instant::now();
    let popped: Option<(String, String)> = r.blpop(["edges:empty"], 6.0).unwrap();
    assert_eq!(popped, None);
    assert!(t.elapsed() >= Duration::from_secs(6), "{:?}", t.elapsed());
}

/// 11.5: TCP keepalive is on for every connection (30 s idle, 5 s interval), as `ss`
/// shows for the client's socket. v0.1.0 never turned it on.
#[test]
fn tcp_keepalive_is_on() {
    let server = RedisServer::start();
    let r = StrictRedis::from_url(&server.url()).unwrap();
    r.ping().unwrap();
    let _held = r.pool().get().unwrap();
    let out = std::process::Command::new("ss")
        .args(["-tnoH", "state", "established"])
        .arg(format!("dport = :{}", server.port()))
        .output()
        .expect("ss (iproute2) is installed");
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        !text.trim().is_empty() && text.lines().all(|l| l.contains("timer:(keepalive")),
        "{text}"
    );
}

/// 11.6: time limits too large for an `Instant` or a `Duration` mean "forever", never a
/// panic. v0.1.0 panicked on each (`Instant + Duration` overflow, `from_secs_f64`).
#[test]
fn huge_time_limits_do_not_panic() {
    let server = RedisServer::start();
    let r = StrictRedis::builder()
        .port(server.port())
        .pool_timeout(Some(Duration::MAX))
        .build()
        .unwrap();
    r.set("edges:a", "1").unwrap();
    let r = StrictRedis::from_url(&format!(
        "{}?pool_timeout=18000000000000000000",
        server.url()
    ))
    .unwrap();
    assert_eq!(r.get::<String>("edges:a").unwrap(), "1");
    // A pool of one held by this thread: a huge timeout waits, and the connection freed by
    // another thread is handed over.
    let one = StrictRedis::builder()
        .port(server.port())
        .max_connections(1)
        .pool_timeout(Some(Duration::MAX))
        .build()
        .unwrap();
    let held = one.pool().get().unwrap();
    let releaser = thread::spawn(move || {
        thread::sleep(Duration::from_millis(100));
        drop(held);
    });
    one.ping().unwrap();
    releaser.join().unwrap();

    // BLPOP with a timeout of 1e20 seconds: the client raises its read timeout as far as
    // it goes, the server refuses the number (it overflows its milliseconds), and the
    // connection stays in sync. v0.1.0 panicked in `Duration::from_secs_f64`.
    r.rpush("edges:q", "x").unwrap();
    let e = r.blpop::<String, String>(["edges:q"], 1e20).unwrap_err();
    assert!(e.is_server(), "{e:?}");
    let popped: Option<(String, String)> = r.blpop(["edges:q"], 9e15).unwrap();
    assert_eq!(popped, Some(("edges:q".into(), "x".into())));

    // get_message(Duration::MAX) with a message on its way.
    let mut ps = r.pubsub();
    ps.subscribe("edges:ch").unwrap();
    let m = ps.get_message(Duration::MAX).unwrap().unwrap();
    assert!(m.kind().is_subscription_change(), "{m:?}");
    r.publish("edges:ch", "hi").unwrap();
    let m = ps.get_message(Duration::MAX).unwrap().unwrap();
    assert_eq!(m.payload(), b"hi");

    // A lock with a blocking timeout of Duration::MAX, free: taken at once.
    let lock = r
        .lock("edges:lock", Duration::from_secs(10))
        .blocking_timeout(Some(Duration::MAX));
    assert!(lock.acquire(true).unwrap());
    lock.release().unwrap();
}

/// 11.11: CLIENT SETNAME, NO-EVICT (and on Valkey NO-TOUCH and SETINFO) sent through the
/// client change the connection they ran on; that connection is closed instead of reused,
/// so the next borrower has the pool's own name and no `e`/`T` flag. At v0.1.0 the next
/// borrower ran as "intruder" with flags=e.
#[test]
fn per_connection_settings_do_not_leak_to_the_next_borrower() {
    for (server, valkey) in [
        (RedisServer::start(), false),
        (RedisServer::start_valkey(&[]), true),
    ] {
        let r = StrictRedis::builder()
            .port(server.port())
            .client_name("pool-name")
            .max_connections(1)
            .build()
            .unwrap();
        let first = client_info(&r)["id"].clone();
        r.execute_command::<()>(cmd("CLIENT SETNAME").arg("intruder"))
            .unwrap();
        assert_eq!(client_info(&r)["name"], "pool-name");
        r.execute_command::<()>(cmd("CLIENT").arg("NO-EVICT").arg("on"))
            .unwrap();
        r.client_no_evict(true).unwrap();
        r.client_setname("intruder-2").unwrap();
        if valkey {
            r.execute_command::<()>(cmd("CLIENT NO-TOUCH").arg("ON"))
                .unwrap();
            r.execute_command::<()>(cmd("CLIENT SETINFO").arg("LIB-NAME").arg("intruder"))
                .unwrap();
        }
        let info = client_info(&r);
        assert_eq!(info["name"], "pool-name", "{info:?}");
        assert_eq!(
            info["flags"], "N",
            "no e (no-evict) or T (no-touch): {info:?}"
        );
        if valkey {
            assert_ne!(info["lib-name"], "intruder", "{info:?}");
        }
        assert_ne!(info["id"], first, "the connection that changed was closed");
        let name: Option<String> = r.client_getname().unwrap();
        assert_eq!(name.as_deref(), Some("pool-name"));
        // An ordinary command keeps its connection.
        let id = client_info(&r)["id"].clone();
        r.set("edges:x", "1").unwrap();
        assert_eq!(client_info(&r)["id"], id);
    }
}

/// 11.13: a username without a password is a config error, from the builder and the URL
/// alike. v0.1.0 sent no AUTH at all and ran as the `default` user.
#[test]
fn a_username_without_a_password_is_refused() {
    let e = StrictRedis::builder().username("app").build().unwrap_err();
    assert!(
        matches!(&e, Error::Config(m) if m.contains("without a password")),
        "{e:?}"
    );
    let e = StrictRedis::from_url("redis://app@127.0.0.1:1").unwrap_err();
    assert!(
        matches!(&e, Error::Config(m) if m.contains("without a password")),
        "{e:?}"
    );
    assert!(StrictRedis::builder()
        .username("app")
        .password("pw")
        .build()
        .is_ok());
}

/// 11.12: `rediss://` against a plain server fails once, within the connect timeout, with
/// a TLS error that says what is likely wrong. v0.1.0 tried 4 times, 10 s each, and said
/// "timed out".
#[cfg(feature = "tls")]
#[test]
fn rediss_against_a_plain_server_is_a_quick_clear_tls_error() {
    let server = RedisServer::start();
    let url = format!(
        "rediss://127.0.0.1:{}?connect_timeout=1&insecure=true",
        server.port()
    );
    let (took, e) = failed_ping(url);
    assert!(
        matches!(&e, Error::Tls(m) if m.message().contains("TLS")),
        "{e:?}"
    );
    assert!(e.to_string().contains("plain redis://"), "{e}");
    assert!(took < Duration::from_millis(2500), "one try: {took:?}");
}
