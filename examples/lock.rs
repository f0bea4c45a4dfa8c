//! A distributed lock, as redis-py's `Lock`: `SET NX PX` with a random token, blocking
//! acquire with a timeout, release/extend only while owned, and a guard that releases on
//! drop.
//!
//! ```text
//! cargo run --example lock
//! ```
//!
//! Uses `REDIS_URL` (default `redis://127.0.0.1:6379/0`), or a throwaway redis-server when
//! nothing listens there.

// API.md writes multi-key arguments as `&[..]`; the examples use that form.
#![allow(clippy::needless_borrows_for_generic_args)]

mod support;

use std::error::Error;
use std::thread;
use std::time::Duration;

use strictredis::StrictRedis;

fn main() -> Result<(), Box<dyn Error>> {
    let redis = support::redis()?;
    let r = StrictRedis::from_url(redis.url())?;
    let name = "example:lock:resource";
    let counter = "example:lock:counter";

    // Two locks on one name exclude each other.
    let a = r.lock(name, Duration::from_secs(10));
    let b = r
        .lock(name, Duration::from_secs(10))
        .blocking_timeout(Some(Duration::from_millis(300)));
    println!("a.acquire(false) -> {}", a.acquire(false)?);
    println!(
        "b.acquire(true) with a 300 ms blocking timeout -> {}",
        b.acquire(true)?
    );
    a.extend(Duration::from_secs(5), false)?;
    println!(
        "a extended; owned by a: {}, by b: {}",
        a.owned()?,
        b.owned()?
    );
    a.release()?;
    println!(
        "released; a.release() again -> {}",
        a.release().unwrap_err()
    );

    // Four threads, each doing an unsafe read-modify-write under the lock.
    r.set(counter, 0)?;
    let workers: Vec<_> = (0..4)
        .map(|_| {
            let r = r.clone();
            thread::spawn(move || -> strictredis::Result<()> {
                let lock = r
                    .lock(name, Duration::from_secs(10))
                    .sleep(Duration::from_millis(5));
                for _ in 0..10 {
                    // The guard releases the lock when it drops, at the end of the block.
                    let _guard = lock
                        .guard(true)?
                        .expect("no blocking timeout: always taken");
                    let n: i64 = r.get(counter)?;
                    r.set(counter, n + 1)?;
                }
                Ok(())
            })
        })
        .collect();
    for w in workers {
        w.join().expect("worker panicked")?;
    }
    let total: i64 = r.get(counter)?;
    println!("4 threads x 10 locked increments -> {total}");

    r.delete(&[name, counter])?;
    Ok(())
}
