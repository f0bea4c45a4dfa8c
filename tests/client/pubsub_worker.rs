//! `ps.run_in_thread(handler)` (issue 12, point 12): a thread hands every message to the
//! handler; `stop()` unsubscribes and joins it.

use std::sync::mpsc;
use std::time::{Duration, Instant};

use strictredis::{MessageKind, StrictRedis};
use strictredis_test_kit::RedisServer;

/// The number of subscribers of `channel`, as the server counts them.
fn subscribers(r: &StrictRedis, channel: &str) -> u64 {
    r.pubsub_numsub([channel]).unwrap()[0].1
}

/// Waits until `cond` holds (at most 5 s).
fn wait_for(mut cond: impl FnMut() -> bool) {
    let until = Instant::now() + Duration::from_secs(5);
    while !cond() {
        assert!(Instant::now() < until, "condition not met within 5 s");
        std::thread::yield_now();
    }
}

#[test]
fn the_handler_sees_every_message_and_stop_unsubscribes_and_joins() {
    let server = RedisServer::start();
    let r = StrictRedis::from_url(&server.url()).unwrap();
    let mut ps = r.pubsub().ignore_subscribe_messages(true);
    ps.subscribe(["jobs"]).unwrap();
    ps.psubscribe(["ev.*"]).unwrap();
    let (tx, rx) = mpsc::channel();
    let worker = ps.run_in_thread(move |m| {
        tx.send((m.kind(), m.payload().to_vec())).unwrap();
    });
    assert!(worker.is_running());
    wait_for(|| subscribers(&r, "jobs") == 1);
    for i in 0..5 {
        assert_eq!(r.publish("jobs", i).unwrap(), 1);
    }
    r.publish("ev.one", "p").unwrap();
    let got: Vec<_> = (0..6)
        .map(|_| rx.recv_timeout(Duration::from_secs(5)).unwrap())
        .collect();
    assert_eq!(
        got[..5],
        (0..5)
            .map(|i: i32| (MessageKind::Message, i.to_string().into_bytes()))
            .collect::<Vec<_>>()[..]
    );
    assert_eq!(got[5], (MessageKind::PMessage, b"p".to_vec()));

    worker.stop().unwrap();
    assert_eq!(
        subscribers(&r, "jobs"),
        0,
        "unsubscribed before stop() returned"
    );
    let patterns: u64 = r.pubsub_numpat().unwrap();
    assert_eq!(patterns, 0);
    // The handler (and its sender) went with the thread.
    assert!(rx.recv_timeout(Duration::from_millis(10)).is_err());
}

#[test]
fn a_panicking_handler_is_reported_by_stop() {
    let server = RedisServer::start();
    let r = StrictRedis::from_url(&server.url()).unwrap();
    let mut ps = r.pubsub().ignore_subscribe_messages(true);
    ps.subscribe(["boom"]).unwrap();
    let worker = ps.run_in_thread(|_| panic!("deliberate panic in a pub/sub handler"));
    wait_for(|| subscribers(&r, "boom") == 1);
    r.publish("boom", "x").unwrap();
    wait_for(|| !worker.is_running());
    assert!(worker.stop().is_err());
}
