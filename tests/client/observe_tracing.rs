//! Feature `tracing`: a capturing `Layer` (written here) sees each command's span with the
//! OpenTelemetry database fields, never a password (not even with `trace_arguments` on),
//! `error.type` on failures, and the events for timeouts, retries, reconnects and pool
//! timeouts (with the self-deadlock said so).
#![cfg(feature = "tracing")]

use std::cell::RefCell;
use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, Mutex, Once};
use std::time::Duration;

use strictredis::{cmd, Error, RetryPolicy, StrictRedis, Value};
use strictredis_test_kit::proxy::FaultProxy;
use strictredis_test_kit::RedisServer;
use tracing::field::{Field, Visit};
use tracing::span::{Attributes, Id, Record};
use tracing::{Event, Subscriber};
use tracing_subscriber::layer::{Context, Layer, SubscriberExt};
use tracing_subscriber::registry::LookupSpan;

type Fields = BTreeMap<String, String>;

/// A span as it was closed: its name and every field recorded on it.
#[derive(Clone, Debug)]
struct SpanSeen {
    name: String,
    fields: Fields,
}

impl SpanSeen {
    fn get(&self, k: &str) -> Option<&str> {
        self.fields.get(k).map(String::as_str)
    }
}

#[derive(Default)]
struct Inner {
    open: HashMap<u64, SpanSeen>,
    closed: Vec<SpanSeen>,
    /// Events, with their message under `message`.
    events: Vec<Fields>,
}

/// Records spans and events of the thread it is the default subscriber of.
#[derive(Clone, Default)]
struct Capture(Arc<Mutex<Inner>>);

struct Visitor<'a>(&'a mut Fields);

impl Visit for Visitor<'_> {
    fn record_debug(&mut self, f: &Field, v: &dyn std::fmt::Debug) {
        self.0.insert(f.name().to_string(), format!("{v:?}"));
    }
    fn record_str(&mut self, f: &Field, v: &str) {
        self.0.insert(f.name().to_string(), v.to_string());
    }
}

impl<S: Subscriber + for<'a> LookupSpan<'a>> Layer<S> for Capture {
    fn on_new_span(&self, attrs: &Attributes<'_>, id: &Id, _: Context<'_, S>) {
        let mut fields = Fields::new();
        attrs.record(&mut Visitor(&mut fields));
        let name = attrs.metadata().name().to_string();
        self.0
            .lock()
            .unwrap()
            .open
            .insert(id.into_u64(), SpanSeen { name, fields });
    }
    fn on_record(&self, id: &Id, values: &Record<'_>, _: Context<'_, S>) {
        if let Some(s) = self.0.lock().unwrap().open.get_mut(&id.into_u64()) {
            values.record(&mut Visitor(&mut s.fields));
        }
    }
    fn on_event(&self, event: &Event<'_>, _: Context<'_, S>) {
        let mut fields = Fields::new();
        event.record(&mut Visitor(&mut fields));
        self.0.lock().unwrap().events.push(fields);
    }
    fn on_close(&self, id: Id, _: Context<'_, S>) {
        let mut inner = self.0.lock().unwrap();
        if let Some(s) = inner.open.remove(&id.into_u64()) {
            inner.closed.push(s);
        }
    }
}

thread_local! {
    /// The capture of the test running on this thread, if it is capturing.
    static CURRENT: RefCell<Option<Capture>> = const { RefCell::new(None) };
}

/// The one global subscriber's layer: hands each callback to the capture of the thread it
/// runs on. A global subscriber rather than `with_default` per test: tracing caches each
/// callsite's interest process-wide, and a callsite first reached by a test without a
/// subscriber, while another thread sets its own, may be cached as "never" (the span of a
/// command then went missing, once in CI).
struct Router;

fn current() -> Option<Capture> {
    CURRENT.with(|c| c.borrow().clone())
}

impl<S: Subscriber + for<'a> LookupSpan<'a>> Layer<S> for Router {
    fn on_new_span(&self, attrs: &Attributes<'_>, id: &Id, ctx: Context<'_, S>) {
        if let Some(c) = current() {
            c.on_new_span(attrs, id, ctx);
        }
    }
    fn on_record(&self, id: &Id, values: &Record<'_>, ctx: Context<'_, S>) {
        if let Some(c) = current() {
            c.on_record(id, values, ctx);
        }
    }
    fn on_event(&self, event: &Event<'_>, ctx: Context<'_, S>) {
        if let Some(c) = current() {
            c.on_event(event, ctx);
        }
    }
    fn on_close(&self, id: Id, ctx: Context<'_, S>) {
        if let Some(c) = current() {
            c.on_close(id, ctx);
        }
    }
}

impl Capture {
    /// Runs `f` with this capture recording what this thread emits.
    fn during<T>(&self, f: impl FnOnce() -> T) -> T {
        static GLOBAL: Once = Once::new();
        GLOBAL.call_once(|| {
            tracing::subscriber::set_global_default(tracing_subscriber::registry().with(Router))
                .expect("no other global subscriber in this test binary");
        });
        CURRENT.with(|c| *c.borrow_mut() = Some(self.clone()));
        struct Reset;
        impl Drop for Reset {
            fn drop(&mut self) {
                CURRENT.with(|c| *c.borrow_mut() = None);
            }
        }
        let _reset = Reset;
        f()
    }
    fn spans(&self) -> Vec<SpanSeen> {
        self.0.lock().unwrap().closed.clone()
    }
    fn events(&self) -> Vec<Fields> {
        self.0.lock().unwrap().events.clone()
    }
    /// The closed command spans of `name`.
    fn ops(&self, name: &str) -> Vec<SpanSeen> {
        self.spans()
            .into_iter()
            .filter(|s| s.name == "redis.command" && s.get("db.operation.name") == Some(name))
            .collect()
    }
    /// Events whose message contains `text`.
    fn said(&self, text: &str) -> Vec<Fields> {
        self.events()
            .into_iter()
            .filter(|e| e.get("message").is_some_and(|m| m.contains(text)))
            .collect()
    }
    /// Everything captured, as text.
    fn all_text(&self) -> String {
        format!("{:?} {:?}", self.spans(), self.events())
    }
}

#[test]
fn a_span_per_command_with_the_database_fields() {
    let server = RedisServer::start();
    let r = StrictRedis::builder()
        .port(server.port())
        .db(2)
        .build()
        .unwrap();
    let seen = Capture::default();
    seen.during(|| {
        r.set("k", "secret-value").unwrap();
        let v: Option<String> = r.get("k").unwrap();
        assert_eq!(v.as_deref(), Some("secret-value"));
        let mut p = r.pipeline_without_transaction();
        p.get("k").get("k");
        let _: Vec<Value> = p.execute_raw().unwrap();
        let mut t = r.pipeline();
        t.get("k").get("k").get("k");
        let _: Vec<Value> = t.execute_raw().unwrap();
    });
    let get = &seen.ops("GET")[0];
    assert_eq!(get.get("db.system.name"), Some("redis"));
    assert_eq!(get.get("otel.kind"), Some("client"));
    assert_eq!(get.get("otel.name"), Some("GET"));
    assert_eq!(get.get("db.namespace"), Some("2"));
    assert_eq!(get.get("server.address"), Some("127.0.0.1"));
    assert_eq!(
        get.get("server.port"),
        Some(server.port().to_string().as_str())
    );
    assert_eq!(get.get("error.type"), None, "{get:?}");
    assert_eq!(
        get.get("db.query.text"),
        None,
        "arguments only when asked for"
    );
    assert_eq!(seen.ops("SET").len(), 1);
    let pipe = &seen.ops("PIPELINE")[0];
    assert_eq!(pipe.get("db.operation.batch.size"), Some("2"));
    let multi = &seen.ops("MULTI")[0];
    assert_eq!(multi.get("db.operation.batch.size"), Some("3"), "{multi:?}");
    assert!(
        !seen.all_text().contains("secret-value"),
        "{}",
        seen.all_text()
    );
}

#[test]
fn a_password_never_shows_even_with_arguments_traced() {
    const CANARY: &str = "CANARY-trace-0b7d";
    let server = RedisServer::start_with(&["--requirepass", CANARY]);
    let seen = Capture::default();
    for protocol in [strictredis::Protocol::Resp2, strictredis::Protocol::Resp3] {
        let r = StrictRedis::builder()
            .port(server.port())
            .password(CANARY)
            .protocol(protocol)
            .trace_arguments(true)
            .build()
            .unwrap();
        seen.during(|| {
            r.set("k", "v").unwrap();
            let _: Value = r.execute_command(cmd("AUTH").arg(CANARY)).unwrap();
            let hello = cmd("HELLO")
                .arg(3u32)
                .arg("AUTH")
                .arg("default")
                .arg(CANARY);
            let _: Value = r.execute_command(hello).unwrap();
            let acl = cmd("ACL")
                .arg("SETUSER")
                .arg("bob")
                .arg(format!(">{CANARY}"));
            let _: Value = r.execute_command(acl).unwrap();
            let cfg = cmd("CONFIG").arg("SET").arg("masterauth").arg(CANARY);
            let _: Value = r.execute_command(cfg).unwrap();
            // A wrong password fails: its error is traced, the password is not.
            let bad = cmd("AUTH").arg("bob").arg(format!("{CANARY}-wrong"));
            assert!(r.execute_command::<Value>(bad).is_err());
        });
    }
    let set = &seen.ops("SET")[0];
    assert_eq!(set.get("db.query.text"), Some("SET k v"));
    assert_eq!(seen.ops("AUTH")[0].get("db.query.text"), Some("AUTH ?"));
    assert_eq!(
        seen.ops("ACL SETUSER")[0].get("db.query.text"),
        Some("ACL ? ? ?")
    );
    let text = seen.all_text();
    assert!(text.contains("AUTH"), "the commands were traced: {text}");
    assert!(!text.contains(CANARY), "the password shows in: {text}");
    assert!(
        !text.contains("CANARY-trace"),
        "part of the password shows in: {text}"
    );
}

#[test]
fn a_failed_command_has_its_error_type() {
    let server = RedisServer::start();
    let r = StrictRedis::from_url(&server.url()).unwrap();
    let seen = Capture::default();
    seen.during(|| {
        r.set("s", "x").unwrap();
        let e = r
            .execute_command::<Value>(cmd("LPUSH").arg("s").arg("a"))
            .unwrap_err();
        assert_eq!(e.server_error().map(|s| s.kind()), Some("WRONGTYPE"));
    });
    let lpush = &seen.ops("LPUSH")[0];
    assert_eq!(lpush.get("error.type"), Some("WRONGTYPE"));
    assert_eq!(lpush.get("db.response.status_code"), Some("WRONGTYPE"));
}

#[test]
fn a_read_timeout_says_which_limit_on_which_command() {
    let server = RedisServer::start();
    let proxy = FaultProxy::start(server.port());
    let r = StrictRedis::builder()
        .port(proxy.port())
        .read_timeout(Some(Duration::from_millis(200)))
        .build()
        .unwrap();
    r.ping().unwrap();
    proxy.stall(true);
    let seen = Capture::default();
    let e = seen.during(|| r.get::<Option<String>>("k").unwrap_err());
    proxy.stall(false);
    assert!(matches!(e, Error::Timeout), "{e:?}");
    assert_eq!(seen.ops("GET")[0].get("error.type"), Some("timeout"));
    let ev = seen.said("read timeout");
    assert_eq!(ev.len(), 1, "{:?}", seen.events());
    assert_eq!(ev[0].get("timeout.kind").map(String::as_str), Some("read"));
    assert_eq!(
        ev[0].get("db.operation.name").map(String::as_str),
        Some("GET")
    );
    assert_eq!(
        ev[0].get("timeout.limit_ms").map(String::as_str),
        Some("200")
    );
}

#[test]
fn a_refused_connection_is_retried_and_said_so() {
    let server = RedisServer::start();
    let proxy = FaultProxy::start(server.port());
    let r = StrictRedis::builder()
        .port(proxy.port())
        .retry_policy(RetryPolicy::new(3).base_backoff(Duration::from_millis(5)))
        .build()
        .unwrap();
    proxy.refuse_next(1);
    let seen = Capture::default();
    let v: Option<String> = seen.during(|| r.get("k").unwrap());
    assert_eq!(v, None);
    let retries: Vec<_> = seen
        .events()
        .into_iter()
        .filter(|e| e.contains_key("retry.attempt"))
        .collect();
    assert!(!retries.is_empty(), "a retry event: {:?}", seen.events());
    assert_eq!(
        retries[0].get("retry.attempt").map(String::as_str),
        Some("1")
    );
    assert!(!seen.said("connected to").is_empty(), "{:?}", seen.events());
}

#[test]
fn a_killed_connection_is_replaced_and_said_so() {
    let server = RedisServer::start();
    let r = crate::util::one_connection(&server);
    let id: i64 = r.execute_command(cmd("CLIENT").arg("ID")).unwrap();
    server.raw_cmd(&["CLIENT", "KILL", "ID", &id.to_string()]);
    let seen = Capture::default();
    // PING is read-only: whether the pool's peek or the command finds the closed socket,
    // it succeeds on a new connection.
    seen.during(|| r.ping().unwrap());
    let again: i64 = r.execute_command(cmd("CLIENT").arg("ID")).unwrap();
    assert_ne!(again, id, "a new connection");
    let events = seen.events();
    // The pool's peek finds the closed socket (or the command finds it broken and is
    // retried): either way it is said, and so is the new connection.
    let gone = !seen.said("closed by the server").is_empty() || !seen.said("broken").is_empty();
    assert!(gone, "the lost connection was reported: {events:?}");
    assert_eq!(seen.said("connected to").len(), 1, "{events:?}");
}

#[test]
fn a_pool_timeout_names_the_self_deadlock() {
    let server = RedisServer::start();
    let r = StrictRedis::builder()
        .port(server.port())
        .max_connections(1)
        .pool_timeout(Some(Duration::from_millis(100)))
        .build()
        .unwrap();
    let held = r.pool().get().unwrap();
    let seen = Capture::default();
    let e = seen.during(|| r.get::<Option<String>>("k").unwrap_err());
    assert!(matches!(e, Error::PoolTimeout), "{e:?}");
    let ev = seen.said("pool timeout");
    assert_eq!(ev.len(), 1, "{:?}", seen.events());
    let ev = &ev[0];
    assert_eq!(
        ev.get("pool.self_deadlock").map(String::as_str),
        Some("true")
    );
    assert_eq!(ev.get("pool.in_use").map(String::as_str), Some("1"));
    assert_eq!(ev.get("pool.max").map(String::as_str), Some("1"));
    assert_eq!(ev.get("timeout.limit_ms").map(String::as_str), Some("100"));
    assert!(ev["message"].contains("this thread itself holds"), "{ev:?}");
    drop(held);

    // Another thread holding the one connection is no self-deadlock.
    let held = r.pool().get().unwrap();
    let r2 = r.clone();
    let seen2 = Capture::default();
    let s2 = seen2.clone();
    std::thread::spawn(move || s2.during(|| r2.get::<Option<String>>("k").unwrap_err()))
        .join()
        .unwrap();
    let ev = seen2.said("pool timeout");
    assert_eq!(
        ev[0].get("pool.self_deadlock").map(String::as_str),
        Some("false")
    );
    drop(held);
}
