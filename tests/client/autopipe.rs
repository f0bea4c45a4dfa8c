//! Auto-pipelining against a real server: right replies under 16 threads, few
//! connections, blocking commands beside it, and everything that keeps using the pool.

// API.md writes multi-key arguments as `&[..]`; the tests use exactly that form.
#![allow(clippy::needless_borrows_for_generic_args)]

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;
use std::thread;
use std::time::{Duration, Instant};

use strictredis::{cmd, StrictRedis, Value};
use strictredis_test_kit::RedisServer;

fn auto(server: &RedisServer) -> StrictRedis {
    StrictRedis::builder()
        .url(&server.url())
        .unwrap()
        .auto_pipeline(true)
        .build()
        .unwrap()
}

/// Connections the server has, less the one asking.
fn connections(server: &RedisServer) -> usize {
    let list = server.raw_cmd(&["CLIENT", "LIST"]);
    list.lines().filter(|l| l.contains("id=")).count() - 1
}

#[test]
fn sixteen_threads_of_checked_set_get_get_their_own_replies_on_few_connections() {
    let server = RedisServer::start();
    let r = auto(&server);
    assert!(r.is_auto_pipelined());
    let wrong = Arc::new(AtomicU64::new(0));
    let done = Arc::new(AtomicU64::new(0));
    let stop = Arc::new(AtomicBool::new(false));
    let handles: Vec<_> = (0..16)
        .map(|t| {
            let (r, wrong, done, stop) = (r.clone(), wrong.clone(), done.clone(), stop.clone());
            thread::spawn(move || {
                let mut i = 0u64;
                while !stop.load(Ordering::Relaxed) || i < 200 {
                    let key = format!("ap:{t}:{}", i % 50);
                    let value = format!("{t}:{i}:{}", "x".repeat((i % 7) as usize * 40));
                    r.set(&key, &value).unwrap();
                    let got: Option<String> = r.get(&key).unwrap();
                    if got.as_deref() != Some(value.as_str()) {
                        wrong.fetch_add(1, Ordering::Relaxed);
                    }
                    let echo: String = r.execute_command(cmd("ECHO").arg(&value)).unwrap();
                    if echo != value {
                        wrong.fetch_add(1, Ordering::Relaxed);
                    }
                    i += 1;
                    done.fetch_add(1, Ordering::Relaxed);
                }
            })
        })
        .collect();
    // While they run: the server sees the shared connection, and no pool connections.
    assert!(strictredis_test_kit::wait_until(
        Duration::from_secs(10),
        || { done.load(Ordering::Relaxed) > 1000 }
    ));
    let mut most = 0;
    for _ in 0..5 {
        most = most.max(connections(&server));
        thread::sleep(Duration::from_millis(20));
    }
    stop.store(true, Ordering::Relaxed);
    for h in handles {
        h.join().unwrap();
    }
    assert_eq!(wrong.load(Ordering::Relaxed), 0);
    assert!(most <= 2, "{most} connections while 16 threads ran");
    assert_eq!(
        r.pool().size(),
        0,
        "no command of the load went through the pool"
    );
}

#[test]
fn a_blpop_in_one_thread_does_not_delay_the_others() {
    let server = RedisServer::start();
    let r = auto(&server);
    r.set("warm", "up").unwrap();
    let blocker = {
        let r = r.clone();
        thread::spawn(move || {
            let started = Instant::now();
            let got: Option<(String, String)> = r.blpop(&["ap:nothing"], 1.5).unwrap();
            (got, started.elapsed())
        })
    };
    // Wait until the BLPOP blocks on the server.
    assert!(strictredis_test_kit::wait_until(
        Duration::from_secs(5),
        || {
            server
                .raw_cmd(&["INFO", "clients"])
                .contains("blocked_clients:1")
        }
    ));
    let started = Instant::now();
    for i in 0..100 {
        r.set("ap:k", i).unwrap();
        let v: i64 = r.get::<Option<i64>>("ap:k").unwrap().unwrap();
        assert_eq!(v, i);
    }
    let took = started.elapsed();
    let (got, blocked) = blocker.join().unwrap();
    assert_eq!(got, None);
    assert!(blocked >= Duration::from_millis(1400), "{blocked:?}");
    assert!(
        took < Duration::from_secs(1),
        "200 commands beside a BLPOP took {took:?}"
    );
}

#[test]
fn transactions_pipelines_and_pubsub_still_work() {
    let server = RedisServer::start();
    let r = auto(&server);
    r.set("ap:n", 1).unwrap();
    // WATCH/MULTI/EXEC through the pool.
    let n: i64 = r
        .transaction(&["ap:n"], |conn, pipe| {
            let cur: i64 = conn.get::<Option<i64>>("ap:n")?.unwrap_or(0);
            pipe.set("ap:n", cur + 1);
            Ok(cur + 1)
        })
        .unwrap();
    assert_eq!(n, 2);
    let mut p = r.pipeline();
    p.incr("ap:n").get("ap:n");
    let out: (i64, i64) = p.execute().unwrap();
    assert_eq!(out, (3, 3));
    let mut p = r.pipeline_without_transaction();
    p.set("ap:a", "1").get("ap:a");
    let out: ((), String) = p.execute().unwrap();
    assert_eq!(out.1, "1");
    // Pub/sub.
    let mut sub = r.pubsub();
    sub.subscribe(&["ap:chan"]).unwrap();
    let _confirm = sub.get_message(Duration::from_secs(2)).unwrap();
    assert!(strictredis_test_kit::wait_until(
        Duration::from_secs(5),
        || { r.publish("ap:chan", "hi").unwrap() == 1 }
    ));
    let msg = sub.get_message(Duration::from_secs(2)).unwrap().unwrap();
    assert_eq!(msg.payload(), b"hi");
    // SELECT and CLIENT SETNAME never touch the shared connection.
    r.execute_command::<()>(cmd("CLIENT SETNAME").arg("ap-temp"))
        .unwrap();
    assert_eq!(
        r.get::<Option<String>>("ap:a").unwrap().as_deref(),
        Some("1")
    );
}

#[test]
fn the_url_key_turns_it_on_and_is_written_back() {
    let server = RedisServer::start();
    let url = format!("{}?auto_pipeline=true", server.url());
    let r = StrictRedis::from_url(&url).unwrap();
    assert!(r.is_auto_pipelined());
    r.set("ap:url", "v").unwrap();
    assert_eq!(
        r.get::<Option<String>>("ap:url").unwrap().as_deref(),
        Some("v")
    );
    let o = strictredis::Options::from_url(&url).unwrap();
    assert!(o.auto_pipeline());
    assert!(o.to_string().contains("auto_pipeline=true"), "{o}");
    assert!(StrictRedis::from_url(&format!("{}?auto_pipeline=maybe", server.url())).is_err());
    assert!(!StrictRedis::from_url(&server.url())
        .unwrap()
        .is_auto_pipelined());
}

#[test]
fn auto_pipeline_connections_sets_how_many_connections_the_threads_share() {
    let server = RedisServer::start();
    for n in [1usize, 4] {
        let r = StrictRedis::builder()
            .url(&server.url())
            .unwrap()
            .auto_pipeline(true)
            .auto_pipeline_connections(n)
            .build()
            .unwrap();
        let before = connections(&server);
        // 16 new threads take 16 consecutive seats: every one of the n connections is used.
        let wrong: u64 = thread::scope(|s| {
            let hs: Vec<_> = (0..16)
                .map(|t| {
                    let r = &r;
                    s.spawn(move || {
                        let mut wrong = 0;
                        for i in 0..50 {
                            let key = format!("apn:{n}:{t}");
                            let value = format!("{t}:{i}");
                            r.set(&key, &value).unwrap();
                            if r.get::<Option<String>>(&key).unwrap().as_deref()
                                != Some(value.as_str())
                            {
                                wrong += 1;
                            }
                        }
                        wrong
                    })
                })
                .collect();
            hs.into_iter().map(|h| h.join().unwrap()).sum()
        });
        assert_eq!(wrong, 0);
        assert_eq!(
            connections(&server) - before,
            n,
            "auto_pipeline_connections({n})"
        );
        assert_eq!(r.pool().size(), 0);
    }
}

#[test]
fn the_connections_url_key_is_checked_and_written_back() {
    let base = "redis://127.0.0.1:6379/0";
    let o = strictredis::Options::from_url(&format!("{base}?auto_pipeline=true")).unwrap();
    assert_eq!(o.auto_pipeline_connections(), 2, "the default");
    assert!(!o.to_string().contains("auto_pipeline_connections"), "{o}");
    let o = strictredis::Options::from_url(&format!(
        "{base}?auto_pipeline=true&auto_pipeline_connections=3"
    ))
    .unwrap();
    assert_eq!(o.auto_pipeline_connections(), 3);
    assert!(o.to_string().contains("auto_pipeline_connections=3"), "{o}");
    for bad in ["0", "65", "x", "-1"] {
        let e = strictredis::Options::from_url(&format!("{base}?auto_pipeline_connections={bad}"))
            .unwrap_err();
        assert!(
            matches!(e, strictredis::Error::Config(ref m) if m.contains("auto_pipeline_connections")),
            "{bad}: {e:?}"
        );
    }
    let e = StrictRedis::builder()
        .auto_pipeline(true)
        .auto_pipeline_connections(0)
        .build()
        .unwrap_err();
    assert!(matches!(e, strictredis::Error::Config(_)), "{e:?}");
}

#[test]
fn error_replies_and_a_read_timeout_reach_only_their_caller() {
    let server = RedisServer::start();
    let r = StrictRedis::builder()
        .url(&server.url())
        .unwrap()
        .auto_pipeline(true)
        .read_timeout(Some(Duration::from_millis(200)))
        .build()
        .unwrap();
    r.set("ap:s", "text").unwrap();
    let e = r.incr("ap:s").unwrap_err();
    assert_eq!(e.server_error().map(|s| s.kind()), Some("ERR"), "{e:?}");
    assert_eq!(
        r.get::<Option<String>>("ap:s").unwrap().as_deref(),
        Some("text")
    );
    // A script that runs longer than the read timeout: the caller times out, its late
    // reply is never handed to anybody else.
    let slow = r.clone();
    let h = thread::spawn(move || {
        slow.execute_command::<Value>(
            cmd("EVAL")
                .arg("local t = redis.call('TIME'); while true do local n = redis.call('TIME'); if (n[1] - t[1]) * 1000000 + n[2] - t[2] > 400000 then return 'late' end end")
                .arg(0),
        )
    });
    let e = h.join().unwrap().unwrap_err();
    assert!(e.is_timeout(), "{e:?}");
    assert!(e.is_ambiguous());
    for i in 0..50 {
        let v = format!("after:{i}");
        let back: String = r.execute_command(cmd("ECHO").arg(&v)).unwrap_or_default();
        if !back.is_empty() {
            assert_eq!(back, v);
        }
    }
    assert!(strictredis_test_kit::wait_until(
        Duration::from_secs(5),
        || {
            r.execute_command::<String>(cmd("ECHO").arg("x"))
                .is_ok_and(|v| v == "x")
        }
    ));
}
