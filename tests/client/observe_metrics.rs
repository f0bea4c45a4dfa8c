//! Feature `metrics`: a capturing `metrics::Recorder` (written here, installed once for the
//! binary) sees the OpenTelemetry-named metrics: operation duration by command, connection
//! create time, pool wait time under contention, the open/idle/in-use gauges, errors,
//! retries and pool timeouts. Pool metrics are told apart by the pool's name (each test has
//! its own server, so its own port); the others are shared with the tests beside them, so
//! they are checked with "at least".
#![cfg(feature = "metrics")]

use std::sync::{Arc, Mutex, Once};
use std::time::Duration;

use metrics::{Counter, CounterFn, Gauge, GaugeFn, Histogram, HistogramFn, Key, KeyName};
use metrics::{Metadata, Recorder, SharedString, Unit};
use strictredis::{cmd, Error, RetryPolicy, StrictRedis, Value};
use strictredis_test_kit::proxy::FaultProxy;
use strictredis_test_kit::RedisServer;

/// One value given to a metric: (name, labels, value). Counters add, gauges set,
/// histograms record.
type Sample = (String, Vec<(String, String)>, f64);

static SAMPLES: Mutex<Vec<Sample>> = Mutex::new(Vec::new());

struct Handle(Key);

impl Handle {
    fn push(&self, v: f64) {
        let labels = self
            .0
            .labels()
            .map(|l| (l.key().to_string(), l.value().to_string()))
            .collect();
        SAMPLES
            .lock()
            .unwrap()
            .push((self.0.name().to_string(), labels, v));
    }
}

impl CounterFn for Handle {
    fn increment(&self, v: u64) {
        self.push(v as f64)
    }
    fn absolute(&self, v: u64) {
        self.push(v as f64)
    }
}

impl GaugeFn for Handle {
    fn increment(&self, v: f64) {
        self.push(v)
    }
    fn decrement(&self, v: f64) {
        self.push(-v)
    }
    fn set(&self, v: f64) {
        self.push(v)
    }
}

impl HistogramFn for Handle {
    fn record(&self, v: f64) {
        self.push(v)
    }
}

struct Capture;

impl Recorder for Capture {
    fn describe_counter(&self, _: KeyName, _: Option<Unit>, _: SharedString) {}
    fn describe_gauge(&self, _: KeyName, _: Option<Unit>, _: SharedString) {}
    fn describe_histogram(&self, _: KeyName, _: Option<Unit>, _: SharedString) {}
    fn register_counter(&self, key: &Key, _: &Metadata<'_>) -> Counter {
        Counter::from_arc(Arc::new(Handle(key.clone())))
    }
    fn register_gauge(&self, key: &Key, _: &Metadata<'_>) -> Gauge {
        Gauge::from_arc(Arc::new(Handle(key.clone())))
    }
    fn register_histogram(&self, key: &Key, _: &Metadata<'_>) -> Histogram {
        Histogram::from_arc(Arc::new(Handle(key.clone())))
    }
}

fn install() {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| metrics::set_global_recorder(Capture).expect("the binary's recorder"));
}

/// The values given so far to `name` with every label of `with`.
fn values(name: &str, with: &[(&str, &str)]) -> Vec<f64> {
    SAMPLES
        .lock()
        .unwrap()
        .iter()
        .filter(|(n, labels, _)| {
            n == name
                && with
                    .iter()
                    .all(|(k, v)| labels.iter().any(|(lk, lv)| lk == k && lv == v))
        })
        .map(|s| s.2)
        .collect()
}

fn pool_name(server: &RedisServer) -> String {
    format!("127.0.0.1:{}/0", server.port())
}

#[test]
fn operations_and_connections_are_measured() {
    install();
    let server = RedisServer::start();
    let r = StrictRedis::from_url(&server.url()).unwrap();
    let before = values(
        "db.client.operation.duration",
        &[("db.operation.name", "ECHO")],
    )
    .len();
    for _ in 0..3 {
        let _: String = r.execute_command(cmd("ECHO").arg("x")).unwrap();
    }
    let d = values(
        "db.client.operation.duration",
        &[("db.operation.name", "ECHO")],
    );
    assert!(d.len() >= before + 3, "{d:?}");
    assert!(d.iter().all(|s| *s > 0.0 && *s < 60.0), "seconds: {d:?}");
    let created = values(
        "db.client.connection.create_time",
        &[("db.system.name", "redis")],
    );
    assert!(!created.is_empty() && created.iter().all(|s| *s > 0.0));

    r.set("s", "x").unwrap();
    let e = r.execute_command::<Value>(cmd("LPUSH").arg("s").arg("a"));
    assert!(e.is_err());
    let failed = values(
        "db.client.operation.duration",
        &[("db.operation.name", "LPUSH"), ("error.type", "WRONGTYPE")],
    );
    assert!(!failed.is_empty());
    assert!(!values("db.client.operation.errors", &[("error.type", "WRONGTYPE")]).is_empty());
}

#[test]
fn the_gauges_follow_the_pool() {
    install();
    let server = RedisServer::start();
    let r = StrictRedis::builder()
        .port(server.port())
        .max_connections(4)
        .build()
        .unwrap();
    let name = pool_name(&server);
    let last = |state: &str| {
        let v = values(
            "db.client.connection.count",
            &[("state", state), ("db.client.connection.pool.name", &name)],
        );
        v.last().copied()
    };
    let held: Vec<_> = (0..3).map(|_| r.pool().get().unwrap()).collect();
    assert_eq!((last("used"), last("idle")), (Some(3.0), Some(0.0)));
    drop(held);
    assert_eq!((last("used"), last("idle")), (Some(0.0), Some(3.0)));
    let one = r.pool().get().unwrap();
    assert_eq!((last("used"), last("idle")), (Some(1.0), Some(2.0)));
    drop(one);
    r.pool().clear();
    assert_eq!((last("used"), last("idle")), (Some(0.0), Some(0.0)));
}

#[test]
fn a_wait_for_a_connection_is_measured() {
    install();
    let server = RedisServer::start();
    let r = crate::util::one_connection(&server);
    let name = pool_name(&server);
    let held = r.pool().get().unwrap();
    let r2 = r.clone();
    let waiter = std::thread::spawn(move || r2.ping().unwrap());
    let deadline = std::time::Instant::now() + Duration::from_secs(30);
    while r.pool().waiting() == 0 {
        assert!(
            std::time::Instant::now() < deadline,
            "the other thread waits"
        );
        std::thread::yield_now();
    }
    drop(held);
    waiter.join().unwrap();
    let waits = values(
        "db.client.connection.wait_time",
        &[("db.client.connection.pool.name", &name)],
    );
    assert_eq!(waits.len(), 1, "{waits:?}");
    assert!(waits[0] > 0.0);

    // A wait that ends in a pool timeout is counted, for its own pool.
    let tiny = StrictRedis::builder()
        .port(server.port())
        .db(1)
        .max_connections(1)
        .pool_timeout(Some(Duration::from_millis(50)))
        .build()
        .unwrap();
    let _held_tiny = tiny.pool().get().unwrap();
    assert!(matches!(tiny.ping(), Err(Error::PoolTimeout)));
    let tiny_name = format!("127.0.0.1:{}/1", server.port());
    let timeouts = values(
        "db.client.connection.timeouts",
        &[("db.client.connection.pool.name", &tiny_name)],
    );
    assert_eq!(timeouts, vec![1.0]);
}

#[test]
fn retries_and_timeouts_are_counted() {
    install();
    let server = RedisServer::start();
    let proxy = FaultProxy::start(server.port());
    let r = StrictRedis::builder()
        .port(proxy.port())
        .read_timeout(Some(Duration::from_millis(200)))
        .retry_policy(RetryPolicy::new(3).base_backoff(Duration::from_millis(5)))
        .build()
        .unwrap();
    let retries = || values("db.client.operation.retries", &[("reason", "retry")]).len();
    let before = retries();
    proxy.refuse_next(1);
    let _: Option<String> = r.get("k").unwrap();
    assert!(retries() > before);

    let timeouts = || values("db.client.operation.timeouts", &[("timeout.kind", "read")]).len();
    let before = timeouts();
    proxy.stall(true);
    assert!(matches!(r.get::<Option<String>>("k"), Err(Error::Timeout)));
    proxy.stall(false);
    assert!(timeouts() > before);
}
