//! Blocking commands under a short read timeout: a job queue on BLPOP. The client's read
//! timeout is 1 s, yet a BLPOP that waits 3 s on the server returns normally, because
//! blocking commands are marked (`Cmd::blocking_secs`) and the connection raises its read
//! timeout for that one call (redis-py #2807 is about exactly this).
//!
//! ```text
//! cargo run --example blocking
//! ```
//!
//! Uses `REDIS_URL` (default `redis://127.0.0.1:6379/0`), or a throwaway redis-server when
//! nothing listens there.

// API.md writes multi-key arguments as `&[..]`; the examples use that form.
#![allow(clippy::needless_borrows_for_generic_args)]

mod support;

use std::error::Error;
use std::thread;
use std::time::{Duration, Instant};

use strictredis::{cmd, StrictRedis};

const QUEUE: &str = "example:blocking:jobs";

fn main() -> Result<(), Box<dyn Error>> {
    let redis = support::redis()?;
    let r = StrictRedis::builder()
        .url(redis.url())?
        .read_timeout(Some(Duration::from_secs(1)))
        .build()?;

    // An empty queue: the server waits its 3 s, then answers nil.
    let started = Instant::now();
    let job: Option<(String, String)> = r.blpop(&[QUEUE], 3.0)?;
    println!(
        "BLPOP 3 on an empty queue -> {job:?} after {:.1} s (read timeout 1 s)",
        started.elapsed().as_secs_f64()
    );

    // A producer pushes a job 1.5 s from now; the worker is waiting for it.
    let producer = {
        let r = r.clone();
        thread::spawn(move || -> strictredis::Result<()> {
            thread::sleep(Duration::from_millis(1500));
            r.rpush(QUEUE, "resize image 42")?;
            Ok(())
        })
    };
    let started = Instant::now();
    let job: Option<(String, String)> = r.blpop(&[QUEUE], 10.0)?;
    println!(
        "BLPOP 10 -> {job:?} after {:.1} s",
        started.elapsed().as_secs_f64()
    );
    producer.join().expect("producer panicked")?;

    // A command without a method of its own gets the same treatment when marked.
    let job: Option<(String, String)> =
        r.execute_command(cmd("BRPOP").key(QUEUE).arg(2).blocking_secs(2.0))?;
    println!("BRPOP 2 through execute_command -> {job:?}");
    Ok(())
}
