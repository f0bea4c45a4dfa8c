//! Pub/sub: channels, patterns and shard channels, `get_message` with a timeout, and
//! `listen()` as a blocking iterator.
//!
//! ```text
//! cargo run --example pubsub
//! ```
//!
//! Uses `REDIS_URL` (default `redis://127.0.0.1:6379/0`), or a throwaway redis-server when
//! nothing listens there. Shard channels need Redis 7.0+.

// API.md writes multi-key arguments as `&[..]`; the examples use that form.
#![allow(clippy::needless_borrows_for_generic_args)]

mod support;

use std::error::Error;
use std::thread;
use std::time::Duration;

use strictredis::{cmd, MessageKind, StrictRedis};

fn main() -> Result<(), Box<dyn Error>> {
    let redis = support::redis()?;
    let r = StrictRedis::from_url(redis.url())?;

    let mut ps = r.pubsub();
    ps.subscribe(&["example:news"])?;
    ps.psubscribe(&["example:news.*"])?;
    ps.ssubscribe(&["example:shard"])?;

    // The server confirms each subscription with a message of its own.
    for _ in 0..3 {
        if let Some(m) = ps.get_message(Duration::from_secs(5))? {
            println!(
                "{} {} (subscriptions: {:?})",
                m.kind(),
                m.channel_str()?,
                m.subscription_count()
            );
        }
    }

    r.publish("example:news", "hello")?;
    r.publish("example:news.eu", "bonjour")?;
    let _: u64 = r.execute_command(cmd("SPUBLISH").arg("example:shard").arg("sharded"))?;
    for _ in 0..3 {
        if let Some(m) = ps.get_message(Duration::from_secs(5))? {
            match m.kind() {
                MessageKind::PMessage => println!(
                    "pmessage {:?} on {} matched {:?}",
                    m.payload_str()?,
                    m.channel_str()?,
                    m.pattern_str()?
                ),
                kind => println!("{kind} {:?} on {}", m.payload_str()?, m.channel_str()?),
            }
        }
    }

    // Nothing more is coming: get_message returns None once its timeout has passed.
    let idle = ps.get_message(Duration::from_millis(200))?;
    println!("after 200 ms of silence -> {idle:?}");

    // listen(): a blocking iterator. Another thread publishes; we stop at "stop".
    let publisher = {
        let r = r.clone();
        thread::spawn(move || -> strictredis::Result<()> {
            for word in ["one", "two", "three", "stop"] {
                r.publish("example:news", word)?;
            }
            Ok(())
        })
    };
    for m in ps.listen() {
        let m = m?;
        if m.kind() != MessageKind::Message {
            continue;
        }
        if m.payload() == b"stop" {
            break;
        }
        println!("listen() -> {}", m.payload_str()?);
    }
    publisher.join().expect("publisher panicked")?;

    // The subscribed connection is closed (never pooled again) when the PubSub drops.
    let before = r.pool().size();
    drop(ps);
    println!(
        "open connections: {before} before dropping the PubSub, {} after",
        r.pool().size()
    );
    Ok(())
}
