//! One `Options` behind the three builders: the order of `url()` and the setters, checks
//! at `build()` with the URL parser's rules, the same setters everywhere.

use strictredis_test_kit as common;

use std::time::Duration;

use strictredis::cluster::RedisCluster;
use strictredis::sentinel::Sentinel;
use strictredis::{Error, Options, RetryPolicy, StrictRedis};

fn config_error<T: std::fmt::Debug>(r: strictredis::Result<T>) -> String {
    match r {
        Err(Error::Config(m)) => m,
        other => panic!("expected Error::Config, got {other:?}"),
    }
}

#[test]
fn url_after_a_setter_keeps_what_the_url_does_not_name() {
    let b = StrictRedis::builder()
        .max_connections(2)
        .port(7000)
        .db(3)
        .url("redis://h")
        .unwrap();
    let o = b.options();
    assert_eq!(o.pool_config().max_size, 2);
    assert_eq!(o.connection_info().addr.to_string(), "h:7000");
    assert_eq!(o.connection_info().db, 3);

    // The URL replaces what it names.
    let b = StrictRedis::builder()
        .max_connections(2)
        .port(7000)
        .url("redis://h:7001/4?max_connections=5")
        .unwrap();
    let o = b.options();
    assert_eq!(o.pool_config().max_size, 5);
    assert_eq!(o.connection_info().addr.to_string(), "h:7001");
    assert_eq!(o.connection_info().db, 4);

    // A setter after the URL wins.
    let b = StrictRedis::builder()
        .url("redis://h:7001?max_connections=5")
        .unwrap()
        .max_connections(9)
        .port(7002);
    assert_eq!(b.options().pool_config().max_size, 9);
    assert_eq!(b.connection_info().addr.to_string(), "h:7002");

    // Credentials: a URL without user info keeps the builder's.
    let b = StrictRedis::builder()
        .username("app")
        .password("secret-1")
        .url("redis://h")
        .unwrap();
    assert_eq!(b.connection_info().username.as_deref(), Some("app"));
    assert_eq!(b.connection_info().password.as_deref(), Some("secret-1"));
    assert!(!format!("{b:?}").contains("secret-1"));
}

#[test]
fn a_bad_url_changes_nothing_and_duplicates_are_refused() {
    for url in [
        "redis://h?db=1&db=2",
        "redis://h/1?db=2",
        "redis://u:p@h?password=q",
    ] {
        let m = config_error(StrictRedis::builder().url(url));
        assert!(m.contains("twice"), "{url}: {m}");
        assert!(!m.contains("q\""), "{m}");
    }
    assert!(matches!(
        StrictRedis::from_url("redis://h?read_timeout=1&socket_timeout=2"),
        Err(Error::Config(_))
    ));
}

#[test]
fn build_checks_with_the_url_rules() {
    let cases: Vec<(&str, strictredis::ClientBuilder)> = vec![
        (
            "greater than zero",
            StrictRedis::builder().connect_timeout(Duration::ZERO),
        ),
        (
            "greater than zero",
            StrictRedis::builder().read_timeout(Some(Duration::ZERO)),
        ),
        (
            "greater than zero",
            StrictRedis::builder().write_timeout(Some(Duration::ZERO)),
        ),
        ("port", StrictRedis::builder().port(0)),
        ("client name", StrictRedis::builder().client_name("a b")),
        ("host", StrictRedis::builder().host("")),
        ("host", StrictRedis::builder().host("h\0st")),
        ("max_connections", StrictRedis::builder().max_connections(0)),
        (
            "min_connections",
            StrictRedis::builder().min_connections(17),
        ),
    ];
    for (want, b) in cases {
        let m = config_error(b.build());
        assert!(m.contains(want), "{want}: {m}");
    }
    // The same messages as the URL parser's.
    let url = config_error(StrictRedis::from_url("redis://h?read_timeout=0"));
    let set = config_error(
        StrictRedis::builder()
            .read_timeout(Some(Duration::ZERO))
            .build(),
    );
    assert!(
        url.ends_with(set.rsplit(": ").next().unwrap()),
        "{url} / {set}"
    );
    // Cluster and Sentinel check the same way, before any I/O.
    let m = config_error(
        RedisCluster::builder()
            .node("redis://127.0.0.1:1")
            .client_name("a b")
            .build(),
    );
    assert!(m.contains("client name"), "{m}");
    let m = config_error(
        Sentinel::builder()
            .sentinel("redis://127.0.0.1:1")
            .connect_timeout(Duration::ZERO)
            .build(),
    );
    assert!(m.contains("greater than zero"), "{m}");
}

#[test]
fn the_three_builders_share_their_setters() {
    let policy = RetryPolicy::new(1).base_backoff(Duration::from_millis(1));
    let c = RedisCluster::builder()
        .node("redis://127.0.0.1:1?max_connections=3")
        .health_check_interval(Some(Duration::from_secs(5)))
        .retry_policy(policy)
        .min_connections(1);
    assert_eq!(c.options().pool_config().retry, policy);
    assert_eq!(c.options().pool_config().max_size, 3);
    assert_eq!(
        c.options().connection_info().health_check_interval,
        Some(Duration::from_secs(5))
    );
    let s = Sentinel::builder()
        .max_connections(4)
        .sentinel("redis://:sentinel-pw@127.0.0.1:1/2?read_timeout=1")
        .health_check_interval(Some(Duration::from_secs(5)))
        .retry_policy(policy);
    let o = s.options();
    assert_eq!(o.pool_config().max_size, 4);
    assert_eq!(o.pool_config().retry, policy);
    assert_eq!(o.connection_info().db, 2);
    assert_eq!(
        o.connection_info().read_timeout,
        Some(Duration::from_secs(1))
    );
    // The sentinel's password is the sentinel's, not the nodes'.
    assert_eq!(o.connection_info().password, None);
    // Sentinel's 0.1 `max_retries` is the policy's.
    let s = Sentinel::builder().max_retries(5);
    assert_eq!(s.options().pool_config().retry.max_retries, 5);
    assert_eq!(
        Sentinel::builder().options().pool_config().retry,
        strictredis::sentinel::DEFAULT_RETRY
    );
}

#[test]
fn options_from_a_url_and_param() {
    let mut o: Options = "redis://u:pw@h:1/2?max_connections=8&retry_backoff=0.5"
        .parse()
        .unwrap();
    o.param("name", "w1").unwrap();
    assert_eq!(
        o.to_string(),
        "redis://u:***@h:1/2?client_name=w1&max_connections=8&retry_backoff=0.5"
    );
    assert!(!format!("{o:?}").contains("pw"));
    assert!(matches!(o.param("bogus", "1"), Err(Error::Config(_))));
}

#[test]
fn builder_after_url_reaches_the_server() {
    let server = common::RedisServer::start();
    // The port set before a URL without one is kept.
    let r = StrictRedis::builder()
        .port(server.port())
        .url("redis://127.0.0.1/1?max_connections=2")
        .unwrap()
        .client_name("opts-test")
        .build()
        .unwrap();
    let name: Option<String> = r
        .execute_command(strictredis::cmd("CLIENT").arg("GETNAME"))
        .unwrap();
    assert_eq!(name.as_deref(), Some("opts-test"));
    assert_eq!(r.pool().config().max_size, 2);
    assert_eq!(r.pool().connection_info().db, 1);
}
