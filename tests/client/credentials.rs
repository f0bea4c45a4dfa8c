//! Credentials that change (`credential_provider`): rotation of an ACL user's password
//! under 4-thread load, idle connections authenticating again, pub/sub sessions that keep
//! receiving over RESP2 and RESP3, and a failing provider that is backed off.

use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, RwLock};
use std::thread;
use std::time::Duration;

use strictredis::{CredentialProvider, Credentials, Error, Protocol, StrictRedis};
use strictredis_test_kit::{wait_until, RedisServer};

const LONG: Duration = Duration::from_secs(20);

/// A provider whose answer the test switches; counts how often it was asked.
#[derive(Clone)]
struct Switch {
    now: Arc<RwLock<Credentials>>,
    asked: Arc<AtomicUsize>,
}

impl Switch {
    fn new(user: &str, password: &str) -> Switch {
        Switch {
            now: Arc::new(RwLock::new(creds(user, password))),
            asked: Arc::default(),
        }
    }

    fn set(&self, user: &str, password: &str) {
        *self.now.write().unwrap() = creds(user, password);
    }
}

impl CredentialProvider for Switch {
    fn credentials(&self) -> strictredis::Result<Credentials> {
        self.asked.fetch_add(1, Ordering::SeqCst);
        Ok(self.now.read().unwrap().clone())
    }
}

fn creds(user: &str, password: &str) -> Credentials {
    Credentials {
        username: Some(user.into()),
        password: password.into(),
    }
}

fn add_user(server: &RedisServer, user: &str, password: &str) {
    let gt = format!(">{password}");
    let r = server.raw_cmd(&["ACL", "SETUSER", user, "on", &gt, "~*", "&*", "+@all"]);
    assert_eq!(r, "OK");
}

/// The `ACL LOG` entries whose reason is `auth` (failed authentications).
fn auth_failures(server: &RedisServer) -> usize {
    let log = server.raw_cmd(&["ACL", "LOG"]);
    log.lines().filter(|l| *l == "auth").count()
}

/// The `CLIENT LIST` lines of one user.
fn clients_of(server: &RedisServer, user: &str) -> Vec<String> {
    let field = format!(" user={user} ");
    server
        .clients()
        .into_iter()
        .filter(|l| l.contains(&field))
        .collect()
}

#[test]
fn debug_never_shows_the_password() {
    let c = creds("app", "Canary-7c1e");
    let shown = format!("{c:?} {c:#?}");
    assert!(!shown.contains("Canary-7c1e"), "{shown}");
    assert!(shown.contains("app"), "{shown}");
    let b = StrictRedis::builder().credential_provider(Switch::new("app", "Canary-7c1e"));
    let shown = format!("{:?}", b.options());
    assert!(!shown.contains("Canary-7c1e"), "{shown}");
}

/// The password of `app` rotates while four threads read: the new password is added, the
/// provider switched, the old one removed and every connection of the user killed. No read
/// fails, and `ACL LOG` has no failed authentication.
#[test]
fn rotation_under_load_fails_no_read() {
    let server = RedisServer::start();
    add_user(&server, "app", "old-pw");
    server.raw_cmd(&["SET", "k", "v"]);
    let provider = Switch::new("app", "old-pw");
    let r = StrictRedis::builder()
        .port(server.port())
        .max_connections(8)
        .credential_provider(provider.clone())
        .credential_refresh_interval(Some(Duration::from_millis(50)))
        .build()
        .unwrap();
    let stop = Arc::new(AtomicBool::new(false));
    let reads = Arc::new(AtomicUsize::new(0));
    let workers: Vec<_> = (0..4)
        .map(|_| {
            let (r, stop, reads) = (r.clone(), stop.clone(), reads.clone());
            thread::spawn(move || -> Vec<String> {
                let mut failures = Vec::new();
                while !stop.load(Ordering::SeqCst) {
                    match r.get::<String>("k") {
                        Ok(v) if v == "v" => {}
                        other => failures.push(format!("{other:?}")),
                    }
                    reads.fetch_add(1, Ordering::SeqCst);
                }
                failures
            })
        })
        .collect();
    let at_least = |n: usize| {
        let target = reads.load(Ordering::SeqCst) + n;
        assert!(wait_until(LONG, || reads.load(Ordering::SeqCst) >= target));
    };
    at_least(200);
    server.raw_cmd(&["ACL", "LOG", "RESET"]);
    let auths_before = server.command_calls("auth");

    server.raw_cmd(&["ACL", "SETUSER", "app", ">new-pw"]);
    provider.set("app", "new-pw");
    // Every open connection authenticates again with the new password (the refresh
    // interval has the pool ask the provider at a checkout).
    assert!(
        wait_until(LONG, || server.command_calls("auth") > auths_before),
        "no connection authenticated again"
    );
    at_least(200);
    server.raw_cmd(&["ACL", "SETUSER", "app", "<old-pw"]);
    at_least(200);
    server.raw_cmd(&["CLIENT", "KILL", "USER", "app"]);
    at_least(500);
    stop.store(true, Ordering::SeqCst);
    let failures: Vec<String> = workers
        .into_iter()
        .flat_map(|w| w.join().unwrap())
        .collect();
    assert!(failures.is_empty(), "failed reads: {failures:?}");
    assert_eq!(
        auth_failures(&server),
        0,
        "{}",
        server.raw_cmd(&["ACL", "LOG"])
    );
    assert!(r.get::<String>("k").is_ok());
}

/// No refresh interval: idle connections learn of the new answer when a new connection is
/// opened, and authenticate again (as another user here) before their next use.
#[test]
fn idle_connections_authenticate_again_after_a_changed_answer() {
    for protocol in [Protocol::Resp2, Protocol::Resp3] {
        let server = RedisServer::start();
        add_user(&server, "first", "pw1");
        add_user(&server, "second", "pw2");
        let provider = Switch::new("first", "pw1");
        let r = StrictRedis::builder()
            .port(server.port())
            .protocol(protocol)
            .min_connections(2)
            .credential_provider(provider.clone())
            .build()
            .unwrap();
        assert_eq!(clients_of(&server, "first").len(), 2);
        provider.set("second", "pw2");
        {
            // Both idle connections checked out (still as `first`), so a third is opened:
            // the provider's answer has changed.
            let a = r.pool().get().unwrap();
            let b = r.pool().get().unwrap();
            let c = r.pool().get().unwrap();
            drop((a, b, c));
        }
        assert_eq!(clients_of(&server, "second").len(), 1, "{protocol:?}");
        for _ in 0..6 {
            let _held: Vec<_> = (0..3).map(|_| r.pool().get().unwrap()).collect();
        }
        assert!(clients_of(&server, "first").is_empty(), "{protocol:?}");
        assert_eq!(clients_of(&server, "second").len(), 3, "{protocol:?}");
        assert_eq!(auth_failures(&server), 0);
        let asked = provider.asked.load(Ordering::SeqCst);
        assert_eq!(asked, 3, "asked once per connection opened");
    }
}

/// A subscriber keeps receiving across a rotation: over RESP3 it sends `AUTH` while
/// subscribed, over RESP2 it moves to a new connection and subscribes again. The old user
/// is then deleted (which kills its connections).
#[test]
fn subscriber_keeps_receiving_across_a_rotation() {
    for protocol in [Protocol::Resp2, Protocol::Resp3] {
        let server = RedisServer::start();
        add_user(&server, "old_user", "pw1");
        add_user(&server, "new_user", "pw2");
        let provider = Switch::new("old_user", "pw1");
        let r = StrictRedis::builder()
            .port(server.port())
            .protocol(protocol)
            .credential_provider(provider.clone())
            .credential_refresh_interval(Some(Duration::from_millis(20)))
            .build()
            .unwrap();
        let mut ps = r.pubsub().ignore_subscribe_messages(true);
        ps.subscribe("ch").unwrap();
        let mut receive = |payload: &str| {
            let got = wait_until(LONG, || {
                server.raw_cmd(&["PUBLISH", "ch", payload]);
                match ps.get_message(Duration::from_millis(200)).unwrap() {
                    Some(m) => m.payload() == payload.as_bytes(),
                    None => false,
                }
            });
            assert!(got, "{protocol:?}: {payload} never arrived");
        };
        receive("before");
        assert_eq!(clients_of(&server, "old_user").len(), 1);
        provider.set("new_user", "pw2");
        receive("during");
        assert!(
            wait_until(LONG, || {
                receive("switching");
                let subscribed = clients_of(&server, "new_user");
                subscribed.len() == 1 && subscribed[0].contains(" sub=1 ")
            }),
            "{protocol:?}: {:?}",
            server.clients()
        );
        assert!(clients_of(&server, "old_user").is_empty(), "{protocol:?}");
        server.raw_cmd(&["ACL", "DELUSER", "old_user"]);
        receive("after");
        assert_eq!(auth_failures(&server), 0, "{protocol:?}");
    }
}

/// A provider that fails: its own error kind, at once, and not asked in a tight loop.
#[test]
fn a_failing_provider_is_a_credentials_error_and_is_backed_off() {
    let server = RedisServer::start();
    let asked = Arc::new(AtomicUsize::new(0));
    let counter = asked.clone();
    let r = StrictRedis::builder()
        .port(server.port())
        .credential_provider(move || -> strictredis::Result<Credentials> {
            counter.fetch_add(1, Ordering::SeqCst);
            Err(Error::Config("vault unreachable".into()))
        })
        .build()
        .unwrap();
    let mut backing_off = 0;
    for i in 0..1000 {
        match r.get::<Option<String>>("k") {
            Err(Error::Credentials(c)) => {
                if c.is_backing_off() {
                    backing_off += 1;
                } else {
                    let inner = c.provider_error().expect("the provider's error");
                    assert!(matches!(inner, Error::Config(m) if m == "vault unreachable"));
                    assert!(c.to_string().contains("vault unreachable"), "{c}");
                }
            }
            other => panic!("try {i}: {other:?}"),
        }
    }
    assert!(backing_off > 900, "{backing_off}");
    // 100 ms, doubling: a thousand tries in a row reach the provider a handful of times.
    assert!(asked.load(Ordering::SeqCst) < 12, "{asked:?}");
}

/// API.md's "Credentials that change", as written (with the test server's port).
#[test]
fn api_md_section_as_written() -> strictredis::Result<()> {
    let server = RedisServer::start();
    add_user(&server, "app", "token");
    struct Vault;
    impl CredentialProvider for Vault {
        fn credentials(&self) -> strictredis::Result<Credentials> {
            Ok(Credentials {
                username: Some("app".into()),
                password: "token".into(),
            })
        }
    }
    let r = StrictRedis::builder()
        .host("127.0.0.1")
        .port(server.port())
        .credential_provider(Vault)
        .build()?;
    r.set("k", "v")?;
    assert_eq!(clients_of(&server, "app").len(), 1);
    Ok(())
}
