//! A tour of the cluster client. With a cluster of your own (for example Redis's
//! `utils/create-cluster`):
//!
//! ```text
//! cargo run --example cluster -- redis://127.0.0.1:30001 redis://127.0.0.1:30002
//! ```
//!
//! With no seeds and nothing on 127.0.0.1:30001, it starts a throwaway three-node cluster.

#![allow(clippy::needless_borrows_for_generic_args)]

use strictredis::cluster::{key_slot, RedisCluster};
use strictredis::{cmd, Result};

mod support;

fn main() -> std::result::Result<(), Box<dyn std::error::Error>> {
    let target = support::cluster(std::env::args().skip(1).collect())?;
    tour(&target.seeds)?;
    Ok(())
}

fn tour(seeds: &[String]) -> Result<()> {
    let c = RedisCluster::from_urls(seeds)?;
    println!("primaries: {:?}", c.primaries());
    println!("replicas:  {:?}", c.replicas());

    // Single-key commands go to the node that serves the key's slot.
    c.set("user:{42}:name", "ada")?;
    c.set("user:{42}:email", "ada@example.com")?;
    println!(
        "user:{{42}}:name is in slot {} on {:?}",
        key_slot(b"user:{42}:name"),
        c.node_for_slot(key_slot(b"user:{42}:name"))
    );

    // MGET over several slots is split per slot and put back in order.
    c.set("a", 1)?;
    c.set("b", 2)?;
    let v: Vec<Option<i64>> = c.mget(&["a", "b", "missing"])?;
    println!("MGET a b missing = {v:?}");

    // A transaction needs every key in one slot: the hash tag {42} does it.
    let mut t = c.pipeline();
    t.incr("user:{42}:visits").get("user:{42}:name");
    let (visits, name): (i64, String) = t.execute()?;
    println!("{name} has visited {visits} times");

    // Keyless commands follow their policy: DBSIZE adds up every primary.
    let n: u64 = c.execute_command(cmd("DBSIZE"))?;
    println!("{n} keys in the cluster");
    for key in c.scan_iter::<String>(Some("user:*"), None) {
        println!("found {}", key?);
    }
    Ok(())
}
