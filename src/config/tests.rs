//! Unit tests of the URL parser, [`Options`] and the redacted writer.

use super::*;
use std::time::Duration;

const CANARY: &str = "Canary-P4ss";

fn parse(url: &str) -> ConnectionInfo {
    match ConnectionInfo::from_url(url) {
        Ok(info) => info,
        Err(e) => panic!("{url:?} should parse, got: {e}"),
    }
}

fn opts(url: &str) -> Options {
    match Options::from_url(url) {
        Ok(o) => o,
        Err(e) => panic!("{url:?} should parse, got: {e}"),
    }
}

fn err(url: &str) -> String {
    match ConnectionInfo::from_url(url) {
        Ok(info) => panic!("{url:?} should fail, got {info:?}"),
        Err(Error::Config(msg)) => msg,
        Err(e) => panic!("{url:?} should give a config error, got {e:?}"),
    }
}

fn tcp(host: &str, port: u16) -> ConnectionAddr {
    ConnectionAddr::Tcp {
        host: host.to_string(),
        port,
    }
}

fn secs(x: f64) -> Duration {
    Duration::from_secs_f64(x)
}

#[test]
fn defaults() {
    let info = ConnectionInfo::default();
    assert_eq!(info.addr, tcp("127.0.0.1", 6379));
    assert_eq!(info.db, 0);
    assert_eq!(info.username, None);
    assert_eq!(info.password, None);
    assert_eq!(info.client_name, None);
    assert_eq!(info.protocol, Protocol::Resp2);
    // Issue 11.5: 5 s each by default (10 s, none and none at v0.1.0).
    assert_eq!(info.connect_timeout, Some(Duration::from_secs(5)));
    assert_eq!(info.read_timeout, Some(Duration::from_secs(5)));
    assert_eq!(info.write_timeout, Some(Duration::from_secs(5)));
    assert_eq!(info.health_check_interval, None);
    assert_eq!(Options::default().pool, crate::PoolConfig::default());
    assert_eq!(info.tls, TlsOptions::default());
    assert!(!info.is_tls());
    assert!(!info.is_unix());
}

#[test]
fn simple_tcp_forms() {
    assert_eq!(parse("redis://localhost").addr, tcp("localhost", 6379));
    assert_eq!(parse("redis://localhost:6380").addr, tcp("localhost", 6380));
    assert_eq!(parse("redis://example.com:1/").addr, tcp("example.com", 1));
    assert_eq!(
        parse("redis://10.0.0.1:65535/2").addr,
        tcp("10.0.0.1", 65535)
    );
    assert_eq!(parse("REDIS://Host").addr, tcp("Host", 6379));
    assert_eq!(parse("  redis://h \n").addr, tcp("h", 6379));
    assert_eq!(
        parse("redis://my_host-1.local").addr,
        tcp("my_host-1.local", 6379)
    );
    assert_eq!(parse("redis://h"), parse("redis://h:6379/0"));
    assert_eq!(parse("redis://h:6379/0?").addr, tcp("h", 6379));
    assert_eq!(
        "redis://h:7000".parse::<ConnectionInfo>().unwrap().addr,
        tcp("h", 7000)
    );
}

#[test]
fn missing_host_means_localhost() {
    assert_eq!(parse("redis://").addr, tcp("127.0.0.1", 6379));
    assert_eq!(parse("redis:///3").db, 3);
    assert_eq!(parse("redis://:6380").addr, tcp("127.0.0.1", 6380));
    assert_eq!(parse("redis://:pw@").addr, tcp("127.0.0.1", 6379));
    assert_eq!(parse("redis://:pw@").password.as_deref(), Some("pw"));
}

#[test]
fn ipv6_hosts() {
    assert_eq!(parse("redis://[::1]:6380").addr, tcp("::1", 6380));
    assert_eq!(parse("redis://[::1]").addr, tcp("::1", 6379));
    assert_eq!(
        parse("redis://[2001:db8::7]/4").addr,
        tcp("2001:db8::7", 6379)
    );
    assert_eq!(parse("redis://[2001:db8::7]/4").db, 4);
    assert_eq!(parse("redis://u:p@[::1]:7000").addr, tcp("::1", 7000));
    assert!(err("redis://[::1").contains("']'"));
    assert!(err("redis://[nope]:1").contains("IPv6"));
    assert!(err("redis://[]").contains("IPv6"));
    assert!(err("redis://[::1]x").contains("']'"));
    assert!(err("redis://[::1]:").contains("port"));
    assert!(err("redis://[::1]:0").contains("port"));
    assert!(err("redis://::1").contains("port"));
}

#[test]
fn tls_urls() {
    let info = parse("rediss://cache.example.com");
    assert!(info.is_tls());
    assert_eq!(
        info.addr,
        ConnectionAddr::TcpTls {
            host: "cache.example.com".into(),
            port: 6379,
            insecure: false
        }
    );
    for q in [
        "insecure=true",
        "insecure=1",
        "insecure=YES",
        "ssl_cert_reqs=none",
    ] {
        let info = parse(&format!("rediss://h:6390?{q}"));
        assert_eq!(
            info.addr,
            ConnectionAddr::TcpTls {
                host: "h".into(),
                port: 6390,
                insecure: true
            },
            "{q}"
        );
    }
    for q in [
        "insecure=false",
        "insecure=0",
        "insecure=no",
        "ssl_cert_reqs=required",
    ] {
        let info = parse(&format!("rediss://h?{q}"));
        assert!(
            matches!(
                info.addr,
                ConnectionAddr::TcpTls {
                    insecure: false,
                    ..
                }
            ),
            "{q}"
        );
    }
    assert!(err("rediss://h?insecure=true&insecure=false").contains("'insecure' twice"));
    assert_eq!(
        parse("rediss://h?insecure=false").addr,
        ConnectionAddr::TcpTls {
            host: "h".into(),
            port: 6379,
            insecure: false
        }
    );
    let info =
        parse("rediss://h?ssl_ca_certs=/etc/ca.pem&ssl_certfile=/c.pem&ssl_keyfile=/k%20ey.pem");
    assert_eq!(info.tls.ca_file, Some(PathBuf::from("/etc/ca.pem")));
    assert_eq!(info.tls.cert_file, Some(PathBuf::from("/c.pem")));
    assert_eq!(info.tls.key_file, Some(PathBuf::from("/k ey.pem")));
    let info = parse("rediss://h?ca_file=ca.pem&cert_file=c.pem&key_file=k.pem");
    assert_eq!(info.tls.ca_file, Some(PathBuf::from("ca.pem")));
    assert_eq!(info.tls.cert_file, Some(PathBuf::from("c.pem")));
    assert_eq!(info.tls.key_file, Some(PathBuf::from("k.pem")));

    assert!(err("rediss://h?insecure=maybe").contains("insecure"));
    assert!(err("rediss://h?ssl_cert_reqs=optional").contains("ssl_cert_reqs"));
    assert!(err("rediss://h?key_file=k.pem").contains("cert_file"));
    assert!(err("rediss://h?ca_file=").contains("ca_file"));
    // TLS options on plain connections are most likely a mistake.
    assert!(err("redis://h?insecure=true").contains("rediss://"));
    assert!(err("redis://h?ca_file=/x").contains("ca_file"));
    assert!(err("unix:///s?ssl_cert_reqs=none").contains("ssl_cert_reqs"));
}

#[test]
fn db_from_path_and_query() {
    assert_eq!(parse("redis://h/3").db, 3);
    assert_eq!(parse("redis://h/").db, 0);
    assert_eq!(parse("redis://h").db, 0);
    assert_eq!(parse("redis://h:1/15").db, 15);
    // A path and a `db=`, or two `db=`: refused (issue 11, point 13).
    assert!(err("redis://h/3?db=5").contains("'db' twice"));
    assert!(err("redis://h?db=1&db=2").contains("'db' twice"));
    assert_eq!(parse("redis://h?db=2").db, 2);
    assert_eq!(parse("redis://h/4294967295").db, u32::MAX);
    for bad in ["x", "-1", "+1", "3/", "3/4", "1.5", "4294967296", " 1"] {
        let msg = err(&format!("redis://h/{bad}"));
        assert!(msg.contains("database"), "{bad}: {msg}");
    }
    assert!(err("redis://h?db=x").contains("'db'"));
    assert!(err("redis://h?db=").contains("'db'"));
}

#[test]
fn userinfo_forms() {
    let info = parse("redis://:secret@h");
    assert_eq!(info.username, None);
    assert_eq!(info.password.as_deref(), Some("secret"));
    let info = parse("redis://user:secret@h:1/2");
    assert_eq!(info.username.as_deref(), Some("user"));
    assert_eq!(info.password.as_deref(), Some("secret"));
    assert_eq!(info.addr, tcp("h", 1));
    assert_eq!(info.db, 2);
    // Issue 11.13: a user name without a password was silently ignored at v0.1.0.
    assert!(err("redis://user@h").contains("without a password"));
    assert!(err("redis://h?username=user").contains("without a password"));
    let info = parse("redis://:@h");
    assert_eq!((info.username, info.password), (None, None));
    let info = parse("redis://@h");
    assert_eq!((info.username, info.password), (None, None));
    // Only the first ':' separates user and password.
    let info = parse("redis://u:a:b@h");
    assert_eq!(info.password.as_deref(), Some("a:b"));
}

#[test]
fn percent_decoding() {
    let info = parse("redis://us%40er:p%40ss%3Aw%2Fo%25rd@h");
    assert_eq!(info.username.as_deref(), Some("us@er"));
    assert_eq!(info.password.as_deref(), Some("p@ss:w/o%rd"));
    let info = parse("redis://:%C3%A9t%C3%A9@h");
    assert_eq!(info.password.as_deref(), Some("été"));
    // '+' is not a space in URLs.
    assert_eq!(parse("redis://:a+b@h").password.as_deref(), Some("a+b"));
    let info = parse("redis://h?client_name=my%2Dapp&username=a%20b&password=x%26y");
    assert_eq!(info.client_name.as_deref(), Some("my-app"));
    assert_eq!(info.username.as_deref(), Some("a b"));
    assert_eq!(info.password.as_deref(), Some("x&y"));
    assert!(err("redis://%FF:pw@h").contains("user name"));
    assert!(err("redis://:%FF@h").contains("password"));
    assert!(err("redis://h?client_name=%FF").contains("client_name"));
    assert!(err("unix:///tmp/%FF").contains("path"));
}

#[test]
fn unencoded_special_characters_in_passwords() {
    // The last '@' before the query ends the user info.
    let info = parse("redis://u:p@ss/w#rd@h:7/1");
    assert_eq!(info.password.as_deref(), Some("p@ss/w#rd"));
    assert_eq!(info.addr, tcp("h", 7));
    assert_eq!(info.db, 1);
}

#[test]
fn unix_forms() {
    let path = ConnectionAddr::Unix(PathBuf::from("/path/to.sock"));
    for url in [
        "unix:///path/to.sock",
        "redis+unix:///path/to.sock",
        "unix:/path/to.sock",
        "UNIX:///path/to.sock",
        "unix://localhost/path/to.sock",
    ] {
        let info = parse(url);
        assert_eq!(info.addr, path, "{url}");
        assert!(info.is_unix());
        assert!(!info.is_tls());
        assert_eq!(info.db, 0);
    }
    let info = parse("unix:///path/to.sock?db=1&password=pw");
    assert_eq!(info.addr, path);
    assert_eq!(info.db, 1);
    assert_eq!(info.password.as_deref(), Some("pw"));
    let info = parse("redis+unix:///path/to.sock?db=1");
    assert_eq!(info.db, 1);
    let info = parse("unix://user:pass@/path/to.sock?db=2");
    assert_eq!(info.addr, path);
    assert_eq!(info.username.as_deref(), Some("user"));
    assert_eq!(info.password.as_deref(), Some("pass"));
    assert_eq!(info.db, 2);
    let info = parse("unix://:pass@/path/to.sock");
    assert_eq!(info.password.as_deref(), Some("pass"));
    let info = parse("unix:///run/redis@main/redis%20x.sock");
    assert_eq!(
        info.addr,
        ConnectionAddr::Unix(PathBuf::from("/run/redis@main/redis x.sock"))
    );
    assert_eq!(
        parse("unix:rel.sock").addr,
        ConnectionAddr::Unix("rel.sock".into())
    );

    for bad in [
        "unix://",
        "unix:",
        "unix:///?db=1",
        "redis+unix://?db=1",
        "unix:?db=1",
    ] {
        assert!(err(bad).contains("empty path"), "{bad}");
    }
    assert!(err("unix://somehost/x.sock").contains("no host"));
    assert!(err("unix:///s?db=x").contains("'db'"));
    assert!(err("unix:///s#frag").contains("'#"));
}

#[test]
fn query_parameters() {
    let info = parse(
        "redis://h?protocol=3&client_name=app&connect_timeout=0.5&read_timeout=2\
         &write_timeout=1.25&health_check_interval=30&min_connections=2\
         &max_connections=20&pool_timeout=1.5&username=bob&password=pw",
    );
    assert_eq!(info.protocol, Protocol::Resp3);
    assert_eq!(info.client_name.as_deref(), Some("app"));
    assert_eq!(info.connect_timeout, Some(secs(0.5)));
    assert_eq!(info.read_timeout, Some(secs(2.0)));
    assert_eq!(info.write_timeout, Some(secs(1.25)));
    assert_eq!(info.health_check_interval, Some(secs(30.0)));
    let pool = opts(
        "redis://h?min_connections=2&max_connections=20&pool_timeout=1.5\
         &max_retries=7&retry_backoff=0.25",
    )
    .pool;
    assert_eq!((pool.min_size, pool.max_size), (2, 20));
    assert_eq!(pool.timeout, Some(secs(1.5)));
    assert_eq!(pool.retry.max_retries, 7);
    assert_eq!(pool.retry.base_backoff, secs(0.25));
    assert_eq!(info.username.as_deref(), Some("bob"));
    assert_eq!(info.password.as_deref(), Some("pw"));

    assert_eq!(parse("redis://h?protocol=2").protocol, Protocol::Resp2);
    assert_eq!(parse("redis://h?name=x").client_name.as_deref(), Some("x"));
    assert_eq!(
        parse("redis://h?socket_timeout=3").read_timeout,
        Some(secs(3.0))
    );
    // An alias and its name are one setting: giving both is giving it twice.
    assert!(err("redis://h?socket_timeout=3&read_timeout=4").contains("twice"));
    assert_eq!(
        parse("redis://h?connect_timeout=none").connect_timeout,
        None
    );
    assert_eq!(parse("redis://h?read_timeout=none").read_timeout, None);
    assert_eq!(
        parse("redis://h?health_check_interval=0").health_check_interval,
        None
    );
    assert_eq!(
        parse("redis://h?health_check_interval=none").health_check_interval,
        None
    );
    assert_eq!(opts("redis://h?pool_timeout=none").pool.timeout, None);
    assert_eq!(
        opts("redis://h?pool_timeout=0").pool.timeout,
        Some(Duration::ZERO)
    );
    assert_eq!(opts("redis://h?min_connections=0").pool.min_size, 0);
    assert_eq!(opts("redis://h?min_connections=3").pool.max_size, 16);
    assert_eq!(
        parse("redis://h?connect_timeout=1e1").connect_timeout,
        Some(secs(10.0))
    );
    // Credentials in the user info and the query: given twice, refused.
    assert!(err("redis://u:p@h?username=v").contains("'username' twice"));
    assert!(err("redis://u:p@h?password=").contains("'password' twice"));
    let info = parse("redis://:p@h?username=v");
    assert_eq!(info.username.as_deref(), Some("v"));
    assert_eq!(info.password.as_deref(), Some("p"));
    // Empty pairs are ignored.
    assert_eq!(parse("redis://h?&db=2&&").db, 2);
    // Repeated keys and conflicts are refused (issue 11, point 13).
    for url in [
        "redis://h?protocol=3&protocol=2",
        "redis://h?db=1&db=2",
        "redis://h/1?db=2",
        "redis://h?name=a&client_name=b",
        "rediss://h?insecure=true&ssl_cert_reqs=none",
        "rediss://h?ca_file=/a&ssl_ca_certs=/b",
    ] {
        let e = err(url);
        assert!(e.contains("twice"), "{url}: {e}");
    }
}

#[test]
fn bad_query_values() {
    for (q, name) in [
        ("protocol=1", "protocol"),
        ("protocol=resp3", "protocol"),
        ("client_name=", "client_name"),
        ("client_name=a%20b", "client_name"),
        ("connect_timeout=0", "connect_timeout"),
        ("read_timeout=0.0", "read_timeout"),
        ("write_timeout=0", "write_timeout"),
        ("socket_timeout=-1", "socket_timeout"),
        ("connect_timeout=abc", "connect_timeout"),
        ("connect_timeout=", "connect_timeout"),
        ("read_timeout=inf", "read_timeout"),
        ("read_timeout=NaN", "read_timeout"),
        ("read_timeout=1e300", "read_timeout"),
        ("health_check_interval=-0.5", "health_check_interval"),
        ("pool_timeout=-1", "pool_timeout"),
        ("pool_timeout=forever", "pool_timeout"),
        ("min_connections=-1", "min_connections"),
        ("min_connections=1.5", "min_connections"),
        ("max_connections=x", "max_connections"),
        ("max_connections=0", "max_connections"),
        ("max_connections=99999999999999999999999", "max_connections"),
    ] {
        let msg = err(&format!("redis://h?{q}"));
        assert!(msg.contains(&format!("'{name}'")), "{q}: {msg}");
    }
    let msg = err("redis://h?min_connections=5&max_connections=2");
    assert!(msg.contains("min_connections (5)"), "{msg}");
    assert!(err("redis://h?bogus=1").contains("\"bogus\""));
    assert!(err("redis://h?DB=1").contains("\"DB\""));
    assert!(err("redis://h?db").contains("no value"));
    assert!(err("redis://h?db=1#x").contains("'#"));
}

#[test]
fn bad_schemes_and_ports() {
    assert!(err("http://h").contains("\"http\""));
    assert!(err("redis-sentinel://h").contains("scheme"));
    assert!(err("localhost").contains("no scheme"));
    assert!(err("//h:6379").contains("no scheme"));
    assert!(err("").contains("empty"));
    assert!(err("   ").contains("empty"));
    assert!(err("redis:h").contains("//"));
    assert!(err("redis://h:99999").contains("\"99999\""));
    assert!(err("redis://h:65536").contains("port"));
    assert!(err("redis://h:abc").contains("\"abc\""));
    assert!(err("redis://h:").contains("missing port"));
    assert!(err("redis://h:0").contains("port"));
    assert!(err("redis://h:+1").contains("port"));
    assert!(err("redis://h:1:2").contains("port"));
    assert!(err("redis://h%20x").contains("host"));
    assert!(err("redis://bad host").contains("host"));
    assert!(err("redis://h#x").contains("'#"));
}

#[test]
fn display_addr() {
    assert_eq!(tcp("h", 1).to_string(), "h:1");
    assert_eq!(tcp("::1", 6379).to_string(), "[::1]:6379");
    let tls = ConnectionAddr::TcpTls {
        host: "h".into(),
        port: 2,
        insecure: true,
    };
    assert_eq!(tls.to_string(), "h:2");
    assert_eq!(
        ConnectionAddr::Unix("/tmp/r.sock".into()).to_string(),
        "unix:/tmp/r.sock"
    );
}

#[test]
fn debug_redacts_password() {
    let info = parse(&format!("redis://user:{CANARY}@h"));
    let dbg = format!("{info:?}");
    assert!(!dbg.contains(CANARY), "{dbg}");
    assert!(dbg.contains("password: Some(\"***\")"), "{dbg}");
    assert!(dbg.contains("user"), "{dbg}");
    assert!(dbg.contains("addr: Tcp"), "{dbg}");
    let dbg = format!("{:#?}", ConnectionInfo::default());
    assert!(dbg.contains("password: None"), "{dbg}");
}

#[test]
fn redacted_urls() {
    let cases = [
        ("redis://h", "redis://h:6379"),
        ("redis://", "redis://127.0.0.1:6379"),
        ("redis://u:pw@h:7/3", "redis://u:***@h:7/3"),
        ("redis://:pw@h", "redis://:***@h:6379"),
        ("redis://a%40b:pw@[::1]:1", "redis://a%40b:***@[::1]:1"),
        (
            "rediss://h?insecure=true&ca_file=/a%20b.pem",
            "rediss://h:6379?insecure=true&ca_file=/a%20b.pem",
        ),
        ("unix:///tmp/r.sock?db=2", "unix:///tmp/r.sock?db=2"),
        ("unix://u:pw@/tmp/r.sock", "unix://u:***@/tmp/r.sock"),
        ("unix:r.sock?password=pw", "unix:r.sock?password=***"),
        (
            "redis://h?protocol=3&name=a&connect_timeout=none&read_timeout=0.5\
             &write_timeout=2&health_check_interval=10&min_connections=1\
             &max_connections=9&pool_timeout=none",
            "redis://h:6379?protocol=3&client_name=a&connect_timeout=none&read_timeout=0.5\
             &write_timeout=2&health_check_interval=10&min_connections=1\
             &max_connections=9&pool_timeout=none",
        ),
        (
            "redis://h?retry_backoff=0.05&max_retries=0",
            "redis://h:6379?max_retries=0&retry_backoff=0.05",
        ),
    ];
    for (url, want) in cases {
        let o = opts(url);
        assert_eq!(o.redacted_url(), want, "{url}");
        assert_eq!(o.to_string(), want, "{url}");
        // Parsing the redacted URL gives the same settings, with the password `***`.
        let mut expected = o.clone();
        if expected.info.password.is_some() {
            expected.info.password = Some("***".into());
        }
        assert_eq!(opts(&o.redacted_url()), expected, "{url}");
        // ConnectionInfo writes its own part: the same, without the pool's keys.
        let info = parse(url);
        assert_eq!(parse(&info.redacted_url()), expected.info, "{url}");
    }
    // Hand-built values are encoded.
    let info = ConnectionInfo {
        username: Some("a b".into()),
        password: Some(CANARY.into()),
        client_name: Some("x&y".into()),
        ..ConnectionInfo::default()
    };
    let url = info.redacted_url();
    assert_eq!(url, "redis://a%20b:***@127.0.0.1:6379?client_name=x%26y");
    assert!(!url.contains(CANARY));
}

/// URLs containing the canary password, good and bad: the password must show up in no
/// `Debug`, no error message and no redacted URL.
#[test]
fn password_never_leaks() {
    let good = [
        format!("redis://u:{CANARY}@h"),
        format!("redis://:{CANARY}@h:1/2?protocol=3"),
        format!("rediss://u:{CANARY}@h?insecure=true"),
        format!("unix://u:{CANARY}@/tmp/s.sock"),
        format!("unix:///tmp/s.sock?password={CANARY}"),
        format!("redis://h?password={CANARY}&db=1"),
        "redis://u:Canary%2DP4ss@h".to_string(),
        format!("redis://u:{CANARY}@h?client_name=a@b"),
    ];
    for url in &good {
        let info = parse(url);
        assert_eq!(info.password.as_deref(), Some(CANARY), "{url}");
        let dbg = format!("{info:?} {info:#?}");
        assert!(!dbg.contains(CANARY), "{url}: {dbg}");
        let red = info.redacted_url();
        assert!(!red.contains(CANARY), "{url}: {red}");
    }
    let bad = [
        format!("redis://u:{CANARY}@h:99999"),
        format!("redis://u:{CANARY}@h:abc"),
        format!("redis://u:{CANARY}@h:"),
        format!("redis://u:{CANARY}@h/x"),
        format!("redis://u:{CANARY}@h?bogus=1"),
        format!("redis://:{CANARY}@h:1/2?db=3"),
        format!("redis://:{CANARY}@h?password={CANARY}"),
        format!("redis://u:{CANARY}@h?db=x"),
        format!("redis://u:{CANARY}@h?min_connections=3&max_connections=1"),
        format!("redis://u:{CANARY}%FF@h"),
        format!("redis://u:%FF{CANARY}@h"),
        format!("redis://u:{CANARY}@h#frag"),
        format!("redis://u:{CANARY}@[::1"),
        format!("redis://u:{CANARY}@bad host"),
        format!("http://u:{CANARY}@h"),
        format!("u:{CANARY}@h"),
        format!("unix://u:{CANARY}@/tmp/s.sock?bogus=1"),
        format!("unix://u:{CANARY}@/"),
        format!("unix://u:{CANARY}@host/x"),
        format!("redis://h?password={CANARY}&bogus=1"),
        format!("redis://h?password={CANARY}%FF"),
        format!("redis://h?password={CANARY}&db=x"),
        // Unencoded special characters: parts of the password end up elsewhere.
        "redis://u:Canary?P4ss@h".to_string(),
        "redis://u:Can?ary-P4ss@h:1".to_string(),
        "redis://u:Canary-P4ss:1?x@h".to_string(),
        "redis://u:Ca/nary-P4ss?@h".to_string(),
        "redis://h?password=Can&ary-P4ss".to_string(),
        "redis://h?password=Can&ary-P4ss=1".to_string(),
        "redis://h?password=Can&db=ary-P4ss".to_string(),
        "redis://h?password=Can&read_timeout=ary-P4ss".to_string(),
        format!("redis://h:{CANARY}"),
        format!("redis://h/{CANARY}"),
        format!("redis://h?db={CANARY}"),
    ];
    for url in &bad {
        let result = ConnectionInfo::from_url(url);
        let Err(e) = result else {
            panic!("{url} should fail");
        };
        for shown in [e.to_string(), format!("{e:?}")] {
            for piece in [CANARY, "Canary", "P4ss", "ary-P4ss", "Can"] {
                // Pieces are only checked for URLs where they are password pieces.
                if url.contains("password=") || url.contains('@') {
                    assert!(!shown.contains(piece), "{url}: {shown}");
                }
            }
        }
    }
}

#[test]
fn weird_inputs_do_not_panic() {
    let inputs = [
        "",
        ":",
        "::",
        "redis:",
        "redis:/",
        "redis://",
        "redis://@",
        "redis://@@",
        "redis://:@:",
        "redis://[",
        "redis://[::1",
        "redis://[]:",
        "redis://]",
        "redis://h:",
        "redis://h/",
        "redis://h?",
        "redis://h?=",
        "redis://h?&",
        "redis://h?=&=",
        "redis://h?%",
        "redis://h?%zz=1",
        "redis://%",
        "redis://:%",
        "redis://:%F",
        "redis://h:%31",
        "redis://h/%31",
        "rediss://",
        "unix:",
        "unix:/",
        "unix://",
        "unix:///",
        "unix://@",
        "unix://@/",
        "unix://:@/",
        "unix:?",
        "redis+unix:",
        "rédis://h",
        "redis://hé",
        "redis://日本:6379",
        "redis://h:６３７９",
        "redis://h/３",
        "redis://h?db=３",
        "redis://h?connect_timeout=١",
        "redis://ü:é@h",
        "unix:///ü/é.sock",
        "\u{0}",
        "redis://\u{0}",
        "redis://h?\u{0}=1",
        "😀://h",
        "redis://😀@😀:😀/😀?😀=😀",
    ];
    for input in inputs {
        let _ = ConnectionInfo::from_url(input);
        if let Ok(info) = ConnectionInfo::from_url(input) {
            let _ = format!("{info:?} {}", info.addr);
            let _ = ConnectionInfo::from_url(&info.redacted_url());
        }
    }
    // Every prefix of a long URL.
    let url = "rediss://us%40er:pa%3Ass@[2001:db8::1]:6380/2?protocol=3&client_name=x\
               &connect_timeout=1.5&pool_timeout=none&ca_file=/a.pem";
    for (i, _) in url.char_indices() {
        let _ = ConnectionInfo::from_url(&url[..i]);
        let _ = ConnectionInfo::from_url(&url[i..]);
    }
    assert!(parse(url).is_tls());
}

/// The table in the module docs is the URL key list, rendered.
#[test]
fn docs_list_every_key_once() {
    let docs = include_str!("options.rs");
    let table = keys::doc_table();
    assert!(
        docs.contains(&table),
        "the docs of Options should hold:\n{table}"
    );
    for name in keys::names() {
        let n = docs.matches(&format!("`{name}`")).count();
        assert!(n >= 1, "{name} is not documented");
    }
}

#[test]
fn param_is_the_url_parser() {
    let mut o = Options::default();
    o.param("db", "3").unwrap();
    o.param("socket_timeout", "0.5").unwrap();
    o.param("max_connections", "4").unwrap();
    assert_eq!(o.info.db, 3);
    assert_eq!(o.info.read_timeout, Some(secs(0.5)));
    assert_eq!(o.pool.max_size, 4);
    assert!(matches!(o.param("nope", "1"), Err(Error::Config(_))));
    let e = o.param("read_timeout", "0").unwrap_err().to_string();
    assert!(e.contains("greater than zero"), "{e}");
    assert!(matches!(o.param("insecure", "true"), Err(Error::Config(_))));
    let mut o = Options::from_url("rediss://h").unwrap();
    o.param("insecure", "yes").unwrap();
    assert_eq!(o.to_string(), "rediss://h:6379?insecure=true");
}

#[test]
fn url_sets_only_what_it_names() {
    let mut o = Options::default();
    o.set_port(7000);
    o.set_host("a".into());
    o.pool.max_size = 2;
    o.info.username = Some("app".into());
    o.apply_url("redis://").unwrap();
    assert_eq!(o.info.addr.to_string(), "a:7000");
    assert_eq!(o.pool.max_size, 2);
    assert_eq!(o.info.username.as_deref(), Some("app"));
    o.apply_url("redis://:7001?max_connections=3").unwrap();
    assert_eq!(o.info.addr.to_string(), "a:7001");
    assert_eq!(o.pool.max_size, 3);
    o.apply_url("rediss://b").unwrap();
    assert_eq!(o.info.addr.to_string(), "b:7001");
    assert!(o.info.is_tls());
    // A failed URL changes nothing.
    let before = o.clone();
    assert!(o.apply_url("redis://c?db=x").is_err());
    assert_eq!(o, before);
}

#[test]
fn validate_uses_the_url_rules() {
    let bad: [fn(&mut Options); 7] = [
        |o| o.info.connect_timeout = Some(Duration::ZERO),
        |o| o.info.read_timeout = Some(Duration::ZERO),
        |o| o.set_port(0),
        |o| o.info.client_name = Some("a b".into()),
        |o| o.set_host(String::new()),
        |o| o.set_host("h\0st".into()),
        |o| o.pool.min_size = 17,
    ];
    for (i, f) in bad.iter().enumerate() {
        let mut o = Options::default();
        f(&mut o);
        assert!(matches!(o.validate(), Err(Error::Config(_))), "case {i}");
    }
    let mut o = Options::default();
    o.set_host("::1".into());
    o.validate().unwrap();
}
