//! W9/W10: many threads on one auto-pipelined client (`auto_pipeline(true)`), against the
//! pooled client, redis-rs over an r2d2 pool and `redis-benchmark -c N` (unpipelined: one
//! connection per simulated client, one command in flight on each).
//!
//! * W9: 16 threads, GET/SET 80/20 (targets: >= 4x redis-rs + r2d2, >= 2x
//!   redis-benchmark -c 16).
//! * W10: the thread-count curve, 1, 2, 4, 8, 16 and 64 threads, the same mix (redis-benchmark:
//!   GET with `-c N`).

use std::hint::black_box;

use redis::Commands as _;
use strictredis::StrictRedis;

use crate::measure::*;
use crate::support::*;
use crate::workloads::{bench_args, on_threads, strict_client};

/// Threads of the W10 curve.
pub(crate) const CURVE: [u64; 6] = [1, 2, 4, 8, 16, 64];

fn auto_client(url: &str) -> StrictRedis {
    StrictRedis::builder()
        .url(url)
        .expect("url")
        .auto_pipeline(true)
        .build()
        .expect("client")
}

/// One GET (4 in 5) or SET of [`KEY`] on a strictredis client.
fn strict_op(c: &StrictRedis, i: u64) {
    if i % 5 != 0 {
        let v: Option<Vec<u8>> = c.get(KEY).expect("GET");
        black_box(v);
    } else {
        c.set(KEY, VAL16).expect("SET");
    }
}

fn workload<'a>(
    id: &'static str,
    name: String,
    threads: u64,
    url: &str,
    port: u16,
) -> Workload<'a> {
    let auto = auto_client(url);
    // A pool as large as the thread count (up to the default 16): every thread that can
    // have a connection of its own has one.
    let pooled = strict_client(url, threads.clamp(1, 16) as usize);
    let r2d2 = r2d2::Pool::builder()
        .max_size(threads.clamp(1, 16) as u32)
        .build(redis::Client::open(url).expect("client"))
        .expect("r2d2 pool");
    let (target_rs, target_rb) = if threads == 16 {
        (Some(4.0), Some(2.0))
    } else {
        (None, None)
    };
    Workload {
        id,
        name,
        bytes_per_op: None,
        offline: false,
        target_rs,
        target_rb,
        min_ops: threads * 20,
        runners: vec![
            (
                Client::Strict,
                Box::new(move |n| on_threads(threads, n, |i| strict_op(&auto, i))),
            ),
            (
                Client::StrictPooled,
                Box::new(move |n| on_threads(threads, n, |i| strict_op(&pooled, i))),
            ),
            (
                Client::RedisRs,
                Box::new(move |n| {
                    on_threads(threads, n, |i| {
                        let mut c = r2d2.get().expect("r2d2 checkout");
                        if i % 5 != 0 {
                            let v: Option<Vec<u8>> = c.get(KEY).expect("GET");
                            black_box(v);
                        } else {
                            let () = c.set(KEY, &VAL16[..]).expect("SET");
                        }
                    })
                }),
            ),
            (
                Client::Bench,
                Box::new(move |n| {
                    let c = threads.to_string();
                    redis_benchmark(port, n, &bench_args(&["-t", "get", "-d", "16", "-c", &c]))
                }),
            ),
        ],
    }
}

/// W9 and the W10 curve.
pub(crate) fn autopipe_workloads<'a>(url: &str, port: u16) -> Vec<Workload<'a>> {
    let mut ws = vec![workload(
        "W9",
        "W9 16 threads, GET/SET 80/20, one auto-pipelined client".into(),
        16,
        url,
        port,
    )];
    for t in CURVE {
        ws.push(workload(
            "W10",
            format!("W10 {t} threads, auto-pipelined"),
            t,
            url,
            port,
        ));
    }
    ws
}
