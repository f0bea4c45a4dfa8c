//! Quickstart: connect, set a key with a time to live, read it back.
//!
//! ```text
//! cargo run --example quickstart
//! REDIS_URL=redis://127.0.0.1:6380/1 cargo run --example quickstart
//! ```
//!
//! `REDIS_URL` defaults to `redis://127.0.0.1:6379/0`. When nothing listens there and
//! `redis-server` is installed, the example starts a throwaway server on a free port for the
//! length of the run (so it works on a machine with Redis installed but not running).

mod support;

use std::error::Error;

use strictredis::StrictRedis;

fn main() -> Result<(), Box<dyn Error>> {
    // Lives until the end of `main`: dropping it stops a throwaway server.
    let redis = support::redis()?;
    let client = StrictRedis::from_url(redis.url())?;

    client.setex("key", 10, "value")?;
    println!("SETEX key 10 value -> OK");

    let v: Option<String> = client.get("key")?;
    println!("GET key -> {v:?}");

    let ttl: i64 = client.ttl("key")?;
    println!("TTL key -> {ttl}");

    Ok(())
}
