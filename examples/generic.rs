//! One job-queue helper, written once, run on one server and on a cluster: code generic
//! over the client with `strictredis::Commands` (and `PipelineCommands` for pipelines),
//! the option types from `strictredis::prelude`, and the helpers both clients share
//! (scripts, locks, scan iterators, pub/sub).
//!
//! ```text
//! cargo run --example generic
//! REDIS_URL=redis://127.0.0.1:6380/0 cargo run --example generic -- redis://127.0.0.1:30001
//! ```
//!
//! As the other examples, it starts a throwaway server (and a throwaway three-node
//! cluster) when nothing listens at `REDIS_URL` (default `redis://127.0.0.1:6379/0`) and
//! 127.0.0.1:30001.

#![allow(clippy::needless_borrows_for_generic_args)]

mod support;

use std::time::Duration;

use strictredis::prelude::*;

/// Queues a job: the same code for `StrictRedis` and `RedisCluster`. The keys share the
/// hash tag `{jobs}`, so that on a cluster they live on one node.
fn enqueue<C: Commands>(c: &C, id: u64, payload: &str) -> strictredis::Result<u64> {
    c.hset(format!("{{jobs}}:job:{id}"), "payload", payload)?;
    c.expire_with(format!("{{jobs}}:job:{id}"), 3600, ExpireCondition::Nx)?;
    c.rpush("{jobs}:queue", &[id])
}

/// Takes the next job from the queue, if any.
fn take<C: Commands>(c: &C) -> strictredis::Result<Option<u64>> {
    c.lmove(
        "{jobs}:queue",
        "{jobs}:running",
        ListDirection::Left,
        ListDirection::Right,
    )
}

/// Marks several jobs done in one round trip: generic over the pipeline type too.
fn mark_done<P: PipelineCommands>(p: &mut P, ids: &[u64]) {
    for id in ids {
        p.hset(format!("{{jobs}}:job:{id}"), "state", "done")
            .lrem("{jobs}:running", 1, *id);
    }
}

fn main() -> std::result::Result<(), Box<dyn std::error::Error>> {
    let redis = support::redis()?;
    let r = StrictRedis::from_url(redis.url())?;
    run_on("one server", &r, |ids| {
        let mut p = r.pipeline();
        mark_done(&mut p, ids);
        p.execute::<Value>().map(|_| ())
    })?;
    helpers_on_one_server(&r)?;

    let cluster = support::cluster(std::env::args().skip(1).collect())?;
    let c = RedisCluster::from_urls(&cluster.seeds)?;
    run_on("a cluster", &c, |ids| {
        let mut p = c.pipeline();
        mark_done(&mut p, ids);
        p.execute::<Value>().map(|_| ())
    })?;
    helpers_on_a_cluster(&c)?;
    Ok(())
}

fn run_on<C: Commands>(
    what: &str,
    c: &C,
    finish: impl Fn(&[u64]) -> strictredis::Result<()>,
) -> strictredis::Result<()> {
    let _: u64 = c.delete(&["{jobs}:queue", "{jobs}:running"])?;
    for id in 1..=3 {
        enqueue(c, id, &format!("payload {id}"))?;
    }
    let mut taken = Vec::new();
    while let Some(id) = take(c)? {
        taken.push(id);
    }
    finish(&taken)?;
    let state: Option<String> = c.hget("{jobs}:job:2", "state")?;
    println!("{what}: took jobs {taken:?}; job 2 is {state:?}");
    Ok(())
}

/// The helpers, as on a cluster below: the same calls.
fn helpers_on_one_server(r: &StrictRedis) -> strictredis::Result<()> {
    let script = r.register_script("return redis.call('INCR', KEYS[1])");
    let n: i64 = script.key("{jobs}:runs").invoke(r)?;
    let lock = r.lock("{jobs}:lock", Duration::from_secs(5));
    if lock.acquire(false)? {
        lock.release()?;
    }
    let fields = r
        .hscan_iter::<String, String>("{jobs}:job:1", None, None)
        .count();
    let mut ps = r.pubsub();
    ps.subscribe(&["jobs.done"])?;
    println!("one server: script ran {n} times, job 1 has {fields} fields");
    Ok(())
}

fn helpers_on_a_cluster(c: &RedisCluster) -> strictredis::Result<()> {
    let script = c.register_script("return redis.call('INCR', KEYS[1])");
    let n: i64 = script.key("{jobs}:runs").invoke(c)?;
    let lock = c.lock("{jobs}:lock", Duration::from_secs(5));
    if lock.acquire(false)? {
        lock.release()?;
    }
    let fields = c
        .hscan_iter::<String, String>("{jobs}:job:1", None, None)
        .count();
    let mut ps = c.pubsub();
    ps.subscribe(&["jobs.done"])?;
    println!("a cluster: script ran {n} times, job 1 has {fields} fields");
    Ok(())
}
