//! W11: "GET of a hot key, cached" (`cache_config`) against the same GET uncached (the
//! pooled client, redis-rs over r2d2, `redis-benchmark -c N`), on 1 and 16 threads in one
//! run. Target: >= 100x the uncached strictredis client at one thread, and scaling with
//! threads.
//!
//! Every run does as many operations as the cached client does in `--secs`, so the uncached
//! clients take about 100x longer: run it with a short `--secs`
//! (`cargo bench --bench compare -- --only W11 --rounds 5 --secs 0.01`).

use std::hint::black_box;

use redis::Commands as _;
use strictredis::{CacheConfig, StrictRedis};

use crate::measure::*;
use crate::support::*;
use crate::workloads::{bench_args, on_threads, strict_client};

fn cached_client(url: &str) -> StrictRedis {
    StrictRedis::builder()
        .url(url)
        .expect("url")
        .cache_config(CacheConfig::default())
        .build()
        .expect("client")
}

fn get(c: &StrictRedis) {
    let v: Option<Vec<u8>> = c.get(KEY).expect("GET");
    black_box(v);
}

fn workload<'a>(threads: u64, url: &str, port: u16) -> Workload<'a> {
    let cached = cached_client(url);
    cached.set(KEY, VAL16).expect("SET");
    let pooled = strict_client(url, threads.clamp(1, 16) as usize);
    let r2d2 = r2d2::Pool::builder()
        .max_size(threads.clamp(1, 16) as u32)
        .build(redis::Client::open(url).expect("client"))
        .expect("r2d2 pool");
    Workload {
        id: "W11",
        name: format!("W11 {threads} thread(s), GET of a hot key: cached vs uncached"),
        bytes_per_op: None,
        offline: false,
        target_rs: None,
        target_rb: None,
        min_ops: threads * 20,
        runners: vec![
            (
                Client::Strict,
                Box::new(move |n| on_threads(threads, n, |_| get(&cached))),
            ),
            (
                Client::StrictPooled,
                Box::new(move |n| on_threads(threads, n, |_| get(&pooled))),
            ),
            (
                Client::RedisRs,
                Box::new(move |n| {
                    on_threads(threads, n, |_| {
                        let mut c = r2d2.get().expect("r2d2 checkout");
                        let v: Option<Vec<u8>> = c.get(KEY).expect("GET");
                        black_box(v);
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

/// W11 on 1 and 16 threads.
pub(crate) fn cache_workloads<'a>(url: &str, port: u16) -> Vec<Workload<'a>> {
    vec![workload(1, url, port), workload(16, url, port)]
}
