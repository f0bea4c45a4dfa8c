//! Scan iterators: `scan_iter`, `scan_iter_with` (TYPE), `hscan_iter`, `sscan_iter`,
//! `zscan_iter`: lazy, following the cursor to its end, one pool checkout per page.
//!
//! ```text
//! cargo run --example scan
//! ```
//!
//! Uses `REDIS_URL` (default `redis://127.0.0.1:6379/0`), or a throwaway redis-server when
//! nothing listens there. Keys start with `example:scan:` and are deleted at the end.

// API.md writes multi-key arguments as `&[..]`; the examples use that form.
#![allow(clippy::needless_borrows_for_generic_args)]

mod support;

use std::error::Error;

use strictredis::{ScanOptions, StrictRedis};

fn main() -> Result<(), Box<dyn Error>> {
    let redis = support::redis()?;
    let r = StrictRedis::from_url(redis.url())?;

    let mut p = r.pipeline_without_transaction();
    for i in 0..500 {
        p.set(format!("example:scan:user:{i}"), i);
    }
    p.hset("example:scan:hash", "a", 1)
        .hset("example:scan:hash", "b", 2);
    p.sadd("example:scan:set", &["x", "y", "z"]);
    p.zadd("example:scan:zset", &[("low", 1.0), ("high", 99.5)]);
    let _: Vec<strictredis::Value> = p.execute()?;

    let users = r
        .scan_iter::<String>(Some("example:scan:user:*"), Some(100))
        .collect::<Result<Vec<_>, _>>()?;
    println!("scan_iter found {} user keys", users.len());

    // Lazy: only the pages needed for the first three keys are fetched.
    let first: Vec<String> = r
        .scan_iter(Some("example:scan:user:*"), None)
        .take(3)
        .collect::<Result<_, _>>()?;
    println!("first three: {first:?}");

    let hashes = r
        .scan_iter_with::<String>(ScanOptions {
            pattern: Some("example:scan:*".into()),
            type_: Some("hash".into()),
            ..Default::default()
        })
        .collect::<Result<Vec<_>, _>>()?;
    println!("hashes: {hashes:?}");

    for pair in r.hscan_iter::<String, i64>("example:scan:hash", None, None) {
        let (field, value) = pair?;
        println!("hscan: {field} = {value}");
    }
    let mut members = r
        .sscan_iter::<String>("example:scan:set", None, None)
        .collect::<Result<Vec<_>, _>>()?;
    members.sort();
    println!("sscan: {members:?}");
    for pair in r.zscan_iter::<String>("example:scan:zset", None, None) {
        let (member, score) = pair?;
        println!("zscan: {member} -> {score}");
    }

    // Clean up, a page at a time.
    let keys = r
        .scan_iter::<String>(Some("example:scan:*"), Some(200))
        .collect::<Result<Vec<_>, _>>()?;
    let deleted: u64 = r.delete(&keys)?;
    println!("deleted {deleted} keys");
    Ok(())
}
