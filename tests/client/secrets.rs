//! A canary password is passed through every place a password goes (URLs, the builder,
//! AUTH and HELLO in the handshake, failed AUTH, bad URLs, TLS setup, faults while
//! connecting) and never appears in any `Debug` or `Display` output, any error, or any log
//! line (a capturing `log` logger at `Trace` level sees everything the crate logs).

use strictredis_test_kit as common;

use std::sync::Mutex;
use std::time::Duration;

use common::proxy::FaultProxy;
use common::RedisServer;
use strictredis::{
    cmd, ConnectionInfo, ConnectionPool, PoolConfig, Protocol, RetryPolicy, StrictRedis,
};

const CANARY: &str = "CANARY-pw-5e1f0c7a";

/// Every log line, as formatted text.
struct Capture(Mutex<Vec<String>>);

impl log::Log for Capture {
    fn enabled(&self, _: &log::Metadata) -> bool {
        true
    }
    fn log(&self, record: &log::Record) {
        let line = format!("{} {}: {}", record.level(), record.target(), record.args());
        self.0.lock().unwrap().push(line);
    }
    fn flush(&self) {}
}

static LOGS: Capture = Capture(Mutex::new(Vec::new()));

/// Everything shown so far, checked at the end.
struct Seen(Vec<String>);

impl Seen {
    fn debug(&mut self, what: &str, v: &impl std::fmt::Debug) {
        self.0.push(format!("{what}: {v:?}"));
        self.0.push(format!("{what}: {v:#?}"));
    }
    fn error(&mut self, what: &str, e: &strictredis::Error) {
        self.0.push(format!("{what}: {e}"));
        self.0.push(format!("{what}: {e:?}"));
        let mut source = std::error::Error::source(e);
        while let Some(s) = source {
            self.0.push(format!("{what} (source): {s} / {s:?}"));
            source = s.source();
        }
    }
}

#[test]
fn the_password_never_shows() {
    log::set_logger(&LOGS).expect("no other logger in this test binary");
    log::set_max_level(log::LevelFilter::Trace);
    let mut seen = Seen(Vec::new());

    let server = RedisServer::start_with(&["--requirepass", "the-right-one"]);
    let port = server.port();

    // --- Good settings, shown every way ------------------------------------------------
    let url = format!("redis://user:{CANARY}@127.0.0.1:{port}/1?client_name=c");
    let info: ConnectionInfo = url.parse().unwrap();
    assert_eq!(info.password.as_deref(), Some(CANARY), "the canary went in");
    seen.debug("ConnectionInfo", &info);
    seen.0.push(info.redacted_url());
    seen.0.push(info.addr.to_string());
    let builder = StrictRedis::builder()
        .port(port)
        .username("user")
        .password(CANARY)
        .retry_policy(RetryPolicy::none());
    seen.debug("ClientBuilder", &builder);
    seen.debug("built ConnectionInfo", &builder.connection_info());
    let r = StrictRedis::from_url(&url).unwrap();
    seen.debug("StrictRedis", &r);
    seen.debug("ConnectionPool", r.pool());
    seen.debug("pipeline", &r.pipeline());
    let auth = cmd("AUTH").arg("user").arg(CANARY);
    seen.debug("Cmd", &auth);
    seen.debug(
        "CONFIG SET Cmd",
        &cmd("CONFIG SET").arg("requirepass").arg(CANARY),
    );

    // --- Failed AUTH: in the handshake (RESP2 and RESP3), and sent by hand ------------
    let e = r.ping().unwrap_err();
    assert!(e.is_server(), "{e:?}");
    seen.error("handshake AUTH", &e);
    let e = builder.clone().build().unwrap().ping().unwrap_err();
    seen.error("builder AUTH", &e);
    let resp3 = StrictRedis::builder()
        .port(port)
        .password(CANARY)
        .protocol(Protocol::Resp3)
        .build()
        .unwrap();
    let e = resp3.ping().unwrap_err();
    seen.error("HELLO AUTH", &e);
    let e = StrictRedis::builder()
        .port(port)
        .password(CANARY)
        .min_connections(1)
        .build()
        .unwrap_err();
    seen.error("eager pool AUTH", &e);
    let good = StrictRedis::builder()
        .port(port)
        .password("the-right-one")
        .build()
        .unwrap();
    let e = good
        .execute_command::<()>(cmd("AUTH").arg(CANARY))
        .unwrap_err();
    seen.error("AUTH by hand", &e);
    let mut p = good.pipeline();
    p.queue(cmd("AUTH").arg("someone").arg(CANARY));
    let e = p.execute::<Vec<()>>().unwrap_err();
    seen.error("AUTH in a pipeline", &e);
    let mut c = good.get_connection().unwrap();
    seen.debug("PooledConnection", &c);
    let e = c
        .execute_command::<()>(cmd("AUTH").arg(CANARY))
        .unwrap_err();
    seen.error("AUTH on a connection", &e);
    seen.debug("Connection after AUTH", &*c);
    drop(c);

    // --- Bad URLs whose password is the canary -----------------------------------------
    for bad in [
        format!("redis://user:{CANARY}@host:99999"),
        format!("redis://user:{CANARY}@host:port/0"),
        format!("redis://user:{CANARY}@host/notadb"),
        format!("redis://user:{CANARY}@ho st"),
        format!("redis://:{CANARY}@host?unknown=1"),
        format!("redis://:{CANARY}@host?read_timeout=x"),
        format!("redis://host?password={CANARY}&db=x"),
        format!("redis://host?db=x&password={CANARY}"),
        format!("redis://:{CANARY}%ZZ@host"),
        format!("redis://:{CANARY}%FF@host"),
        format!("redis://:{CANARY}@[::1"),
        format!("rediss://:{CANARY}@host?insecure=maybe"),
        format!("http://:{CANARY}@host"),
        format!("unix://:{CANARY}@"),
        format!("redis://{CANARY}@host:1:2"),
        CANARY.to_string(),
    ] {
        match bad.parse::<ConnectionInfo>() {
            Err(e) => seen.error(&format!("bad URL #{}", seen.0.len()), &e),
            // Lenient forms parse: then their Debug is checked instead.
            Ok(info) => seen.debug("lenient URL", &info),
        }
        if let Err(e) = StrictRedis::from_url(&bad) {
            seen.error("from_url", &e);
        }
    }

    // --- Connection failures with a password set --------------------------------------
    let refused = StrictRedis::builder()
        .port(common::free_port())
        .password(CANARY)
        .retry_policy(RetryPolicy::new(1).base_backoff(Duration::from_millis(1)))
        .build()
        .unwrap();
    let e = refused.ping().unwrap_err();
    seen.error("refused", &e);
    let proxy = FaultProxy::start(port);
    let through = StrictRedis::builder()
        .port(proxy.port())
        .password(CANARY)
        .read_timeout(Some(Duration::from_millis(200)))
        .retry_policy(RetryPolicy::new(2).base_backoff(Duration::from_millis(1)))
        .build()
        .unwrap();
    proxy.refuse_next(5);
    seen.error("reset while connecting", &through.ping().unwrap_err());
    proxy.close_after_bytes(3);
    seen.error("cut AUTH reply", &through.ping().unwrap_err());
    proxy.replace_next_reply(b"\x00garbage\r\n");
    seen.error("garbage AUTH reply", &through.ping().unwrap_err());
    proxy.drop_replies(true);
    seen.error("no AUTH reply", &through.ping().unwrap_err());
    proxy.drop_replies(false);

    // --- TLS with a password -----------------------------------------------------------
    #[cfg(feature = "tls")]
    {
        let e = StrictRedis::from_url(&format!(
            "rediss://:{CANARY}@127.0.0.1:{port}?ca_file=/nonexistent/ca.pem"
        ))
        .unwrap()
        .ping()
        .unwrap_err();
        seen.error("TLS file", &e);
        // A plain server on a TLS URL: the handshake fails.
        let e = StrictRedis::builder()
            .url(&format!("rediss://:{CANARY}@127.0.0.1:{port}"))
            .unwrap()
            .connect_timeout(Duration::from_millis(300))
            .retry_policy(RetryPolicy::none())
            .build()
            .unwrap()
            .ping()
            .unwrap_err();
        seen.error("TLS handshake", &e);
    }

    // --- The verdict -------------------------------------------------------------------
    let logs = LOGS.0.lock().unwrap().clone();
    assert!(!logs.is_empty(), "the logger saw the crate's log lines");
    assert!(
        logs.iter()
            .any(|l| l.contains("broken") || l.contains("failed")),
        "failures were logged: {logs:#?}"
    );
    let encoded: String =
        percent_encoding::utf8_percent_encode(CANARY, percent_encoding::NON_ALPHANUMERIC)
            .to_string();
    for line in seen.0.iter().chain(logs.iter()) {
        assert!(!line.contains(CANARY), "the password shows in: {line}");
        assert!(!line.contains(&encoded), "the password shows in: {line}");
        // Nor any long piece of it.
        assert!(
            !line.contains(&CANARY[3..15]),
            "part of the password shows in: {line}"
        );
    }
    println!(
        "{} Debug/Display/error texts and {} log lines checked: no password",
        seen.0.len(),
        logs.len()
    );
    // The pool still works with the right password after all that.
    let pool = ConnectionPool::new(
        format!("redis://:the-right-one@127.0.0.1:{port}")
            .parse()
            .unwrap(),
        PoolConfig::default(),
    )
    .unwrap();
    assert_eq!(StrictRedis::with_pool(pool).ping().unwrap(), "PONG");
}
