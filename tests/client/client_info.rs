//! Client identity: `CLIENT SETINFO lib-name` / `lib-ver` in the handshake (Valkey 9.1
//! shows them in `CLIENT LIST`; Redis 7.0 refuses SETINFO, which is ignored),
//! `driver_info` and `client_setinfo(false)`.

use strictredis::{ClientBuilder, Error, Protocol, StrictRedis};
use strictredis_test_kit::RedisServer;

const VERSION: &str = env!("CARGO_PKG_VERSION");

/// The `CLIENT LIST` line of the one client the test made (the kit's own is left out).
fn our_line(server: &RedisServer) -> String {
    let clients = server.clients();
    assert_eq!(clients.len(), 1, "{clients:?}");
    clients[0].clone()
}

fn connect(server: &RedisServer, b: ClientBuilder) -> StrictRedis {
    let r = b.port(server.port()).build().unwrap();
    r.ping().unwrap();
    r
}

/// Drops the client and waits until the server has seen its connections close.
fn close(r: StrictRedis, server: &RedisServer) {
    drop(r);
    let gone = strictredis_test_kit::wait_until(std::time::Duration::from_secs(10), || {
        server.clients().is_empty()
    });
    assert!(gone, "{:?}", server.clients());
}

#[test]
fn valkey_shows_the_library_name_and_version() {
    let server = RedisServer::start_valkey(&[]);
    for protocol in [Protocol::Resp2, Protocol::Resp3] {
        let r = connect(&server, StrictRedis::builder().protocol(protocol));
        let line = our_line(&server);
        let expected = format!(" lib-name=strictredis lib-ver={VERSION}");
        assert!(line.contains(&expected), "{protocol:?}: {line}");
        close(r, &server);
    }
}

#[test]
fn driver_info_and_setinfo_off() {
    let server = RedisServer::start_valkey(&[]);
    let r = connect(
        &server,
        StrictRedis::builder()
            .client_name("worker")
            .db(2)
            .driver_info("myorm", "1.2"),
    );
    let line = our_line(&server);
    assert!(
        line.contains(" lib-name=strictredis(myorm_v1.2) "),
        "{line}"
    );
    assert!(line.contains(" name=worker "), "{line}");
    assert!(line.contains(" db=2 "), "{line}");
    close(r, &server);
    let before = server.command_calls("client|setinfo");
    let r = connect(&server, StrictRedis::builder().client_setinfo(false));
    let line = our_line(&server);
    assert!(line.contains(" lib-name= lib-ver= "), "{line}");
    assert_eq!(server.command_calls("client|setinfo"), before);
    drop(r);
}

#[test]
fn redis_7_0_refuses_setinfo_and_the_connection_works() {
    let server = RedisServer::start();
    for protocol in [Protocol::Resp2, Protocol::Resp3] {
        let r = connect(
            &server,
            StrictRedis::builder()
                .protocol(protocol)
                .driver_info("x", "1"),
        );
        r.set("k", "v").unwrap();
        assert_eq!(r.get::<String>("k").unwrap(), "v");
        // Redis 7.0 has no SETINFO (so no lib-name in CLIENT LIST): refused, ignored.
        assert!(!our_line(&server).contains("lib-name"));
        close(r, &server);
    }
}

#[test]
fn bad_driver_info_is_a_config_error() {
    for (name, version) in [("my orm", "1"), ("orm", "1 2"), ("orm\n", "1")] {
        let e = StrictRedis::builder()
            .driver_info(name, version)
            .build()
            .unwrap_err();
        assert!(matches!(e, Error::Config(_)), "{e:?}");
    }
}
