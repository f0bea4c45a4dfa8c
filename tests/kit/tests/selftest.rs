//! Tests of the test harness itself (`tests/kit`), using only `std`: when one of these
//! fails, the integration tests' failures say nothing about the crate.

use strictredis_test_kit as common;

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::os::unix::fs::FileTypeExt;
use std::os::unix::net::UnixStream;
use std::path::Path;
use std::time::{Duration, Instant};

use common::{wait_until, RawReply, RedisServer};

/// Sends an inline command on a new connection and returns the first reply line.
fn inline(stream: impl Read + Write, command: &str) -> String {
    let mut reader = BufReader::new(stream);
    reader.get_mut().write_all(command.as_bytes()).unwrap();
    reader.get_mut().write_all(b"\r\n").unwrap();
    let mut line = String::new();
    reader.read_line(&mut line).unwrap();
    line.trim_end().to_string()
}

fn pid_alive(pid: u32) -> bool {
    Path::new(&format!("/proc/{pid}")).exists()
}

#[test]
fn start_answers_raw_ping() {
    let server = RedisServer::start();
    assert!(server.is_running());
    assert_eq!(server.raw_cmd(&["PING"]), "PONG");
    let stream = TcpStream::connect(server.addr()).unwrap();
    assert_eq!(inline(stream, "PING"), "+PONG");
}

#[test]
fn addresses_and_urls() {
    let server = RedisServer::start();
    let port = server.port();
    assert_ne!(port, 0);
    assert_eq!(server.addr(), format!("127.0.0.1:{port}"));
    assert_eq!(server.url(), format!("redis://127.0.0.1:{port}/0"));
    assert_eq!(server.url_db(3), format!("redis://127.0.0.1:{port}/3"));
    assert_eq!(server.unix_socket_path(), server.dir().join("redis.sock"));
    assert!(server.unix_url().starts_with("redis+unix:///"));
    assert_eq!(
        server.raw_cmd(&["CONFIG", "GET", "port"]),
        format!("port\n{port}")
    );
    assert_eq!(
        server.raw_cmd(&["CONFIG", "GET", "dir"]),
        format!("dir\n{}", server.dir().canonicalize().unwrap().display())
    );
}

#[test]
fn raw_replies_of_every_shape() {
    let server = RedisServer::start();
    assert_eq!(
        server.raw_reply(&["SET", "k", "v"]),
        RawReply::Simple("OK".into())
    );
    assert_eq!(
        server.raw_reply(&["GET", "k"]),
        RawReply::Bulk(Some(b"v".to_vec()))
    );
    assert_eq!(server.raw_reply(&["GET", "missing"]), RawReply::Bulk(None));
    assert_eq!(server.raw_cmd(&["GET", "missing"]), "(nil)");
    assert_eq!(server.raw_reply(&["DBSIZE"]), RawReply::Int(1));
    assert_eq!(server.raw_cmd(&["INCRBY", "n", "-5"]), "-5");
    server.raw_cmd(&["RPUSH", "l", "a", "", "c"]);
    assert_eq!(
        server.raw_reply(&["LRANGE", "l", "0", "-1"]),
        RawReply::Array(Some(vec![
            RawReply::Bulk(Some(b"a".to_vec())),
            RawReply::Bulk(Some(Vec::new())),
            RawReply::Bulk(Some(b"c".to_vec())),
        ]))
    );
    assert_eq!(server.raw_cmd(&["LRANGE", "l", "0", "-1"]), "a\n\nc");
    assert_eq!(
        server.raw_reply(&["BLPOP", "empty", "0.01"]),
        RawReply::Array(None)
    );
    let err = server.raw_cmd(&["INCR", "l"]);
    assert!(err.starts_with("-WRONGTYPE"), "{err}");
    // Values with CR LF and spaces go through intact (the harness sends RESP, not inline).
    server.raw_cmd(&["SET", "odd key", "a\r\nb c"]);
    assert_eq!(server.raw_cmd(&["GET", "odd key"]), "a\r\nb c");
    // Several commands on one connection: MULTI/EXEC.
    let replies = server.raw_cmds(&[&["MULTI"], &["INCR", "m"], &["INCR", "m"], &["EXEC"]]);
    assert_eq!(replies.last().unwrap().to_string(), "1\n2");
}

#[test]
fn default_config_is_applied() {
    let server = RedisServer::start();
    assert_eq!(server.raw_cmd(&["CONFIG", "GET", "save"]), "save\n");
    assert_eq!(
        server.raw_cmd(&["CONFIG", "GET", "appendonly"]),
        "appendonly\nno"
    );
    assert_eq!(
        server.raw_cmd(&["CONFIG", "GET", "bind"]),
        "bind\n127.0.0.1"
    );
    // DEBUG needs --enable-debug-command on Redis 7.
    assert_eq!(server.raw_cmd(&["DEBUG", "SLEEP", "0"]), "OK");
}

#[test]
fn extra_args_are_passed_and_win() {
    let server = RedisServer::start_with(&["--databases", "4", "--save", "900 1"]);
    assert_eq!(
        server.raw_cmd(&["CONFIG", "GET", "databases"]),
        "databases\n4"
    );
    assert!(server.raw_cmd(&["SELECT", "5"]).starts_with("-ERR"));
    assert_eq!(server.raw_cmd(&["CONFIG", "GET", "save"]), "save\n900 1");
}

#[test]
fn requirepass_is_used_by_raw_cmd() {
    let server = RedisServer::start_with(&["--requirepass", "s3cret"]);
    assert_eq!(server.raw_cmd(&["PING"]), "PONG");
    let stream = TcpStream::connect(server.addr()).unwrap();
    assert!(inline(stream, "PING").starts_with("-NOAUTH"));
}

#[test]
fn a_password_set_at_run_time_gives_noauth_not_a_panic() {
    let server = RedisServer::start();
    assert_eq!(
        server.raw_cmd(&["CONFIG", "SET", "requirepass", "later"]),
        "OK"
    );
    assert!(server.raw_cmd(&["PING"]).starts_with("-NOAUTH"));
    let replies = server.raw_cmds(&[&["AUTH", "later"], &["PING"]]);
    assert_eq!(replies[1].to_string(), "PONG");
}

#[test]
fn two_servers_get_different_ports_and_data() {
    let a = RedisServer::start();
    let b = RedisServer::start();
    assert_ne!(a.port(), b.port());
    assert_ne!(a.dir(), b.dir());
    a.raw_cmd(&["SET", "only-a", "1"]);
    assert_eq!(a.raw_cmd(&["DBSIZE"]), "1");
    assert_eq!(b.raw_cmd(&["DBSIZE"]), "0");
}

#[test]
fn many_servers_start_in_parallel() {
    let servers: Vec<RedisServer> = std::thread::scope(|s| {
        let handles: Vec<_> = (0..6).map(|_| s.spawn(RedisServer::start)).collect();
        handles.into_iter().map(|h| h.join().unwrap()).collect()
    });
    let mut ports: Vec<u16> = servers.iter().map(RedisServer::port).collect();
    ports.sort_unstable();
    ports.dedup();
    assert_eq!(ports.len(), servers.len());
    for server in &servers {
        assert_eq!(server.raw_cmd(&["PING"]), "PONG");
    }
}

#[test]
fn restart_keeps_the_port_and_answers_again() {
    let mut server = RedisServer::start_with(&["--databases", "4"]);
    let (port, pid) = (server.port(), server.pid());
    server.raw_cmd(&["SET", "k", "v"]);
    // A client connected before the restart sees its connection die.
    let mut old = TcpStream::connect(server.addr()).unwrap();

    server.restart();

    assert!(server.is_running());
    assert_eq!(server.port(), port);
    assert_ne!(server.pid(), pid);
    assert!(!pid_alive(pid), "the old process was reaped");
    assert_eq!(server.raw_cmd(&["PING"]), "PONG");
    assert_eq!(server.raw_cmd(&["DBSIZE"]), "0", "nothing is persisted");
    assert_eq!(
        server.raw_cmd(&["CONFIG", "GET", "databases"]),
        "databases\n4"
    );
    old.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
    let _ = old.write_all(b"PING\r\n");
    let mut buf = [0u8; 16];
    assert!(matches!(old.read(&mut buf), Ok(0) | Err(_)));

    // Twice in a row works too.
    server.restart();
    assert_eq!(server.raw_cmd(&["PING"]), "PONG");
}

#[test]
fn kill9_makes_the_port_refuse() {
    let mut server = RedisServer::start();
    let pid = server.pid();
    server.kill9();
    assert!(!server.is_running());
    assert!(!pid_alive(pid));
    let err = TcpStream::connect(server.addr()).unwrap_err();
    assert_eq!(err.kind(), std::io::ErrorKind::ConnectionRefused);
    assert!(server.try_raw_cmds(&[&["PING"]]).is_err());
    server.kill9(); // idempotent
    server.restart();
    assert_eq!(server.raw_cmd(&["PING"]), "PONG");
}

#[test]
fn kill9_from_another_thread_breaks_a_blocked_reader() {
    let server = RedisServer::start();
    let mut blocked = TcpStream::connect(server.addr()).unwrap();
    blocked
        .set_read_timeout(Some(Duration::from_secs(10)))
        .unwrap();
    blocked.write_all(b"BLPOP nothing 0\r\n").unwrap();
    assert!(wait_until(Duration::from_secs(5), || server
        .clients()
        .iter()
        .any(|c| c.contains("cmd=blpop"))));
    let started = Instant::now();
    std::thread::scope(|s| {
        s.spawn(|| server.kill9());
        let mut buf = [0u8; 16];
        assert!(matches!(blocked.read(&mut buf), Ok(0) | Err(_)));
    });
    assert!(started.elapsed() < Duration::from_secs(5));
}

#[test]
fn stop_shuts_down() {
    let server = RedisServer::start();
    let pid = server.pid();
    server.stop();
    assert!(!server.is_running());
    assert!(!pid_alive(pid));
    assert!(TcpStream::connect(server.addr()).is_err());
    server.stop(); // idempotent
}

#[test]
fn drop_kills_and_reaps_the_server() {
    let server = RedisServer::start();
    let (pid, dir, addr) = (server.pid(), server.dir().to_path_buf(), server.addr());
    assert!(pid_alive(pid));
    drop(server);
    assert!(!pid_alive(pid));
    assert!(!dir.exists(), "the temporary directory is removed");
    assert!(TcpStream::connect(addr).is_err());
}

#[test]
fn unix_socket_exists_and_answers() {
    let server = RedisServer::start();
    let path = server.unix_socket_path();
    let meta = std::fs::metadata(&path).unwrap();
    assert!(meta.file_type().is_socket());
    assert_eq!(
        std::os::unix::fs::PermissionsExt::mode(&meta.permissions()) & 0o777,
        0o700
    );
    let stream = UnixStream::connect(&path).unwrap();
    assert_eq!(inline(stream, "PING"), "+PONG");
}

#[test]
fn clients_lists_other_connections_only() {
    let server = RedisServer::start();
    assert_eq!(server.clients(), Vec::<String>::new());
    let a = TcpStream::connect(server.addr()).unwrap();
    let b = TcpStream::connect(server.addr()).unwrap();
    assert!(wait_until(Duration::from_secs(5), || server
        .clients()
        .len()
        == 2));
    drop((a, b));
    assert!(wait_until(Duration::from_secs(5), || server
        .clients()
        .is_empty()));
    // The harness's own connection is there, under its name.
    assert!(server
        .raw_cmd(&["CLIENT", "LIST"])
        .contains(common::RAW_CLIENT_NAME));
}

#[test]
fn log_is_kept_in_the_server_dir() {
    let server = RedisServer::start();
    assert!(server.log().contains("Ready to accept connections"));
    assert!(server.dir().join("redis.log").exists());
}

#[test]
fn wait_until_polls_and_gives_up() {
    let start = Instant::now();
    let mut calls = 0;
    assert!(wait_until(Duration::from_secs(5), || {
        calls += 1;
        calls == 3
    }));
    assert_eq!(calls, 3);
    assert!(start.elapsed() < Duration::from_secs(1));

    let start = Instant::now();
    assert!(!wait_until(Duration::from_millis(200), || false));
    let waited = start.elapsed();
    assert!(waited >= Duration::from_millis(200) && waited < Duration::from_secs(2));
}

#[test]
fn missing_binary_panics_with_install_hint() {
    let panic = std::panic::catch_unwind(|| {
        RedisServer::start_binary("/nonexistent/redis-server", &[]);
    })
    .expect_err("starting a missing binary must panic");
    let message = panic
        .downcast_ref::<String>()
        .cloned()
        .or_else(|| panic.downcast_ref::<&str>().map(|s| s.to_string()))
        .unwrap_or_default();
    assert!(message.contains("/nonexistent/redis-server"), "{message}");
    assert!(
        message.contains("apt-get install -y redis-server"),
        "{message}"
    );
}

#[test]
fn a_server_that_exits_at_start_panics_with_its_log() {
    let panic = std::panic::catch_unwind(|| {
        RedisServer::start_with(&["--no-such-option", "1"]);
    })
    .expect_err("a bad option must panic");
    let message = panic.downcast_ref::<String>().cloned().unwrap_or_default();
    assert!(message.contains("exited during start-up"), "{message}");
    assert!(message.contains("no-such-option"), "{message}");
}

#[test]
fn restart_waits_for_the_port_to_come_free() {
    let mut server = RedisServer::start();
    server.kill9();
    // Someone else holds the port for a while: restart retries until it is free again.
    let squatter = std::net::TcpListener::bind(server.addr()).unwrap();
    let started = Instant::now();
    std::thread::scope(|s| {
        s.spawn(move || {
            std::thread::sleep(Duration::from_millis(500));
            drop(squatter);
        });
        server.restart();
    });
    assert!(started.elapsed() >= Duration::from_millis(500));
    assert_eq!(server.raw_cmd(&["PING"]), "PONG");
    assert!(server.log().contains("Address already in use"));
}

#[test]
fn valkey_starts_and_answers() {
    let server = RedisServer::start_valkey(&[]);
    let info = server.raw_cmd(&["INFO", "server"]);
    assert!(info.contains("valkey_version:9.1"), "{info}");
}
