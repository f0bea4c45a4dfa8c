//! Lua scripts and functions: `register_script` (SHA1 computed locally, EVALSHA with a
//! SCRIPT LOAD fallback), scripts in pipelines, and FUNCTION LOAD / FCALL.
//!
//! ```text
//! cargo run --example scripts
//! ```
//!
//! Uses `REDIS_URL` (default `redis://127.0.0.1:6379/0`), or a throwaway redis-server when
//! nothing listens there. Functions need Redis 7.0+.

mod support;

use std::error::Error;

use strictredis::{cmd, StrictRedis};

fn main() -> Result<(), Box<dyn Error>> {
    let redis = support::redis()?;
    let r = StrictRedis::from_url(redis.url())?;
    let key = "example:scripts:counter";

    // Nothing is sent yet: the SHA1 is computed here.
    let add = r.register_script(
        "local n = redis.call('INCRBY', KEYS[1], ARGV[1])
         if n > tonumber(ARGV[2]) then redis.call('SET', KEYS[1], ARGV[2]) return tonumber(ARGV[2]) end
         return n",
    );
    println!("script sha1: {}", add.sha());

    // EVALSHA; the first call meets NOSCRIPT, loads the script and calls again.
    let n: i64 = add.key(key).arg(5).arg(12).invoke(&r)?;
    println!("capped add 5 -> {n}");
    let n: i64 = add.key(key).arg(5).arg(12).invoke(&r)?;
    println!("capped add 5 -> {n}");

    // On a connection you hold.
    let mut conn = r.get_connection()?;
    let n: i64 = add.key(key).arg(5).arg(12).invoke(&mut conn)?;
    println!("capped add 5 (held connection) -> {n}");
    drop(conn);

    // In a pipeline: the script is loaded on the pipeline's connection before MULTI.
    let _: () = r.execute_command(cmd("SCRIPT FLUSH"))?;
    let mut p = r.pipeline();
    p.set(key, 0)
        .invoke_script(&add.key(key).arg(4).arg(100))
        .invoke_script(&add.key(key).arg(4).arg(100));
    let (_, a, b): ((), i64, i64) = p.execute()?;
    println!("pipeline after SCRIPT FLUSH -> {a}, {b}");

    // Functions (Redis 7.0+).
    let lib = "#!lua name=example_lib
redis.register_function('double', function(keys, args) return tonumber(args[1]) * 2 end)";
    let name = r.function_load(lib, true)?;
    let doubled: i64 = r.fcall("double", &[] as &[&str], ["21"])?;
    println!("FUNCTION LOAD -> {name}; FCALL double 21 -> {doubled}");
    let _: () = r.execute_command(cmd("FUNCTION DELETE").arg("example_lib"))?;

    r.delete(key)?;
    Ok(())
}
