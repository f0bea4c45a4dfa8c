//! Pipelines and transactions: many commands in one round trip, MULTI/EXEC, WATCH, and
//! redis-py's retrying `transaction()`.
//!
//! ```text
//! cargo run --example pipelines
//! ```
//!
//! Uses `REDIS_URL` (default `redis://127.0.0.1:6379/0`), or a throwaway redis-server when
//! nothing listens there. Keys start with `example:pipelines:` and are deleted at the end.

// API.md writes multi-key arguments as `&[..]`; the examples use that form.
#![allow(clippy::needless_borrows_for_generic_args)]

mod support;

use std::error::Error;
use std::thread;

use strictredis::{StrictRedis, Value};

fn main() -> Result<(), Box<dyn Error>> {
    let redis = support::redis()?;
    let r = StrictRedis::from_url(redis.url())?;
    let (a, counter, list) = (
        "example:pipelines:a",
        "example:pipelines:counter",
        "example:pipelines:list",
    );

    // A transaction pipeline (MULTI/EXEC, redis-py's default): each method queues and
    // returns the pipeline; execute() sends everything in one write and types the replies.
    let mut p = r.pipeline();
    p.set(a, "1").incr(a).get(a);
    let (_, n, v): ((), i64, String) = p.execute()?;
    println!("MULTI; SET; INCR; GET; EXEC -> incr {n}, get {v:?}");

    // A plain pipeline: one round trip, no MULTI. An error does not stop the others.
    let mut p = r.pipeline_without_transaction();
    for i in 0..1000 {
        p.rpush(list, i);
    }
    let lengths: Vec<u64> = p.execute()?;
    println!(
        "1000 RPUSH in one round trip -> final length {:?}",
        lengths.last()
    );

    let mut p = r.pipeline_without_transaction();
    p.incr(counter).incr(list).incr(counter); // the middle one is a WRONGTYPE error
    match p.execute::<Vec<Value>>() {
        Err(e) => println!("execute() reports the first failure: {e}"),
        Ok(_) => unreachable!("INCR on a list fails"),
    }
    let mut p = r.pipeline_without_transaction();
    p.incr(counter).incr(list);
    println!(
        "execute_raw() keeps errors in place: {:?}",
        p.execute_raw()?
    );

    // redis-py's transaction(): WATCH, read through `conn`, queue on `pipe`, EXEC; the
    // closure runs again whenever a watched key changed before EXEC. Four threads each add
    // 25 with a read-modify-write, and no update is lost.
    r.set(counter, 0)?;
    let workers: Vec<_> = (0..4)
        .map(|_| {
            let r = r.clone();
            thread::spawn(move || -> strictredis::Result<()> {
                for _ in 0..25 {
                    r.transaction(&[counter], |conn, pipe| {
                        let cur: i64 = conn.get(counter)?;
                        pipe.set(counter, cur + 1);
                        Ok(())
                    })?;
                }
                Ok(())
            })
        })
        .collect();
    for w in workers {
        w.join().expect("worker panicked")?;
    }
    let total: i64 = r.get(counter)?;
    println!("4 threads x 25 transactional increments -> {total}");

    // WATCH by hand: EXEC fails with TransactionAborted when the key changed meanwhile.
    let mut p = r.pipeline();
    p.watch(&[a])?;
    r.set(a, "changed by someone else")?;
    p.set(a, "mine");
    match p.execute::<Vec<()>>() {
        Err(strictredis::Error::TransactionAborted) => println!("watched key changed: aborted"),
        other => println!("unexpected: {other:?}"),
    }

    r.delete(&[a, counter, list])?;
    Ok(())
}
