//! Auto-pipelining under faults: the server stalls (DEBUG SLEEP past the read timeout),
//! its connections are killed every 50 ms, the server is killed with SIGKILL and
//! restarted; 16 threads of checked commands throughout, and never a wrong reply.

use std::thread;
use std::time::{Duration, Instant};

use strictredis::{RetryPolicy, StrictRedis};
use strictredis_test_kit::RedisServer;

use super::util::*;

fn auto_client(url: &str, read_timeout: Duration) -> StrictRedis {
    StrictRedis::builder()
        .url(url)
        .unwrap()
        .read_timeout(Some(read_timeout))
        .connect_timeout(Duration::from_secs(2))
        .retry_policy(RetryPolicy::default())
        .auto_pipeline(true)
        .build()
        .unwrap()
}

#[test]
fn debug_sleep_past_the_read_timeout_gives_timeouts_never_wrong_replies() {
    let _ports = shared_ports();
    let server = RedisServer::start();
    let read_timeout = Duration::from_millis(100);
    let r = auto_client(&server.url(), read_timeout);
    all_replies_right(&r, "apsleep", 5);
    let tally = run_load(&r, 16, || {
        for _ in 0..3 {
            thread::sleep(Duration::from_millis(100));
            server.raw_cmd(&["DEBUG", "SLEEP", "0.3"]);
        }
        thread::sleep(Duration::from_millis(100));
    });
    println!(
        "auto-pipelined, DEBUG SLEEP 0.3 x3 vs a 100 ms read timeout: {}",
        tally.summary()
    );
    assert!(tally.wrong.is_empty(), "wrong replies: {:?}", tally.wrong);
    assert!(tally.timeouts > 0, "the stalls were felt");
    assert!(
        tally.max_call < read_timeout + Duration::from_millis(400),
        "{:?}",
        tally.max_call
    );
    all_replies_right(&r, "apsleep", 20);
}

#[test]
fn client_kill_every_50ms_never_gives_a_wrong_reply() {
    let _ports = shared_ports();
    super::server::client_kill_under_load_with(auto_client, 16, Duration::from_secs(2));
}

#[test]
fn kill9_and_restart_under_load_never_gives_a_wrong_reply() {
    let _ports = exclusive_ports();
    let mut server = RedisServer::start();
    let r = auto_client(&server.url(), Duration::from_secs(1));
    let server_ref = &mut server;
    let tally = run_load(&r, 16, || {
        for _ in 0..3 {
            thread::sleep(Duration::from_millis(200));
            server_ref.restart();
            let probe = Instant::now();
            while r.ping().is_err() {
                assert!(probe.elapsed() < Duration::from_secs(10), "no recovery");
            }
        }
        thread::sleep(Duration::from_millis(200));
    });
    println!(
        "auto-pipelined, kill -9 x3 under 16 threads: {}",
        tally.summary()
    );
    assert!(tally.wrong.is_empty(), "wrong replies: {:?}", tally.wrong);
    all_replies_right(&r, "apkill9", 20);
}
