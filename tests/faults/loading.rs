//! Issue 11.9: a command the server refuses with `LOADING` (still loading its data set after
//! a restart with AOF, a `DEBUG RELOAD`, a full sync) did not run, so the client waits and
//! sends it again within the caller's time limit (the read timeout), writes included: no
//! LOADING error reaches the caller, and a write is applied once. v0.1.0 returned the
//! LOADING error (1,480 of 1,919 errors of a kill -9 run were LOADING).

use std::thread;
use std::time::{Duration, Instant};

use strictredis::{cmd, StrictRedis};
use strictredis_test_kit::{wait_until, RedisServer};

use crate::util::shared_ports;

#[test]
fn loading_is_waited_out_for_writes_and_reads() {
    let _ports = shared_ports();
    let server = RedisServer::start();
    // A delay per key while loading, and clients answered (with LOADING) while
    // it lasts: 3,000 keys take about a second to load.
    server.raw_cmd(&["CONFIG", "SET", "key-load-delay", "100"]);
    server.raw_cmd(&[
        "CONFIG",
        "SET",
        "loading-process-events-interval-bytes",
        "1024",
    ]);
    server.raw_cmd(&["DEBUG", "POPULATE", "3000", "edges:pop"]);

    // A client with a connection already in its pool, and one that connects during the
    // load (to db 1: SELECT is served while loading).
    let warm = StrictRedis::from_url(&server.url()).unwrap();
    warm.ping().unwrap();
    let cold = StrictRedis::from_url(&server.url_db(1)).unwrap();

    let url = format!("{}?read_timeout=none", server.url());
    let reload = thread::spawn(move || {
        let r = StrictRedis::from_url(&url).unwrap();
        let t = Instant::now();
        r.execute_command::<()>(cmd("DEBUG").arg("RELOAD")).unwrap();
        t.elapsed()
    });
    assert!(
        wait_until(Duration::from_secs(5), || server
            .raw_cmd(&["GET", "edges:probe"])
            .contains("LOADING")),
        "the server never said LOADING"
    );
    let t = Instant::now();
    let n: i64 = warm.incr("edges:counter").unwrap();
    let waited = t.elapsed();
    assert_eq!(n, 1, "the INCR ran once");
    let v: Option<String> = cold.get("edges:pop:1").unwrap();
    assert_eq!(v, None, "db 1 is empty");
    cold.set("edges:cold", "x").unwrap();
    let pop: Option<String> = warm.get("edges:pop:7").unwrap();
    assert_eq!(pop.as_deref(), Some("value:7"));
    let took = reload.join().unwrap();
    assert!(
        waited > Duration::from_millis(50) && waited < took + Duration::from_secs(1),
        "waited {waited:?} for a load of {took:?}"
    );
    eprintln!("LOADING: the INCR waited {waited:?} during a load of {took:?}");
    assert_eq!(warm.get::<i64>("edges:counter").unwrap(), 1);
    assert_eq!(cold.get::<String>("edges:cold").unwrap(), "x");
}
