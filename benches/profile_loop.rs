//! One client operation in a loop, for profilers: `valgrind --tool=callgrind` counts the
//! user-space instructions of a run repeatably, even on a loaded machine.
//!
//! ```text
//! cargo bench --bench profile_loop --no-run          # prints the binary's path
//! BIN=target/release/deps/profile_loop-<hash>
//! valgrind --tool=callgrind $BIN --bench get 2000     # and again with 6000:
//! valgrind --tool=callgrind $BIN --bench get 6000     # (Ir(6000) - Ir(2000)) / 4000 per op
//! ```
//!
//! Modes (strictredis / redis-rs): `get` / `rs-get` (GET of 16 bytes through the
//! `StrictRedis` facade / a redis-rs `Connection`), `conn-get` (GET on a held strictredis
//! connection), `mget` / `rs-mget` (MGET of 100 keys into `Vec<Option<String>>`), `pipe16`, `pipe1000` / `rs-pipe16`, `rs-pipe1000` (pipelined SETs; the count
//! is in commands), `auto16` / `auto64` (16 or 64 threads of GET/SET
//! 80/20 on one auto-pipelined client, W9's loop), `encode-set` / `rs-encode-set` (no server), `decode-array` /
//! `rs-decode-array` (a 1000-element array reply, no server). It starts its own
//! redis-server on a free port, or uses `--port P`. Without `--bench` (as under
//! `cargo test --all-targets`) it returns at once.

use std::hint::black_box;
use std::time::Instant;

use redis::Commands as _;
use strictredis::{cmd, StrictRedis};

mod support;

use support::{array_reply, KEY, VAL16};

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if !args.iter().any(|a| a == "--bench") {
        return;
    }
    let rest: Vec<&String> = args.iter().filter(|a| *a != "--bench").collect();
    let (Some(mode), Some(count)) = (rest.first(), rest.get(1)) else {
        eprintln!("usage: profile_loop --bench MODE COUNT [--port P]");
        return;
    };
    let count: u64 = count.parse().expect("COUNT");
    let port_arg = rest
        .iter()
        .position(|a| *a == "--port")
        .and_then(|i| rest.get(i + 1))
        .map(|p| p.parse::<u16>().expect("port"));
    let offline = mode.contains("encode") || mode.contains("decode");
    let (_server, port) = match (offline, port_arg) {
        (true, _) => (None, 0),
        (false, Some(p)) => (None, p),
        (false, None) => {
            let s = strictredis_test_kit::RedisServer::start();
            let p = s.port();
            (Some(s), p)
        }
    };
    let url = format!("redis://127.0.0.1:{port}/");
    let array = if offline {
        array_reply(1000)
    } else {
        Vec::new()
    };
    let t = Instant::now();
    match mode.as_str() {
        "mget" | "rs-mget" => {
            let keys: Vec<String> = (0..100).map(|i| format!("mget:{i}")).collect();
            let r = StrictRedis::from_url(&url).expect("client");
            let mut c = redis::Client::open(url.as_str())
                .and_then(|c| c.get_connection())
                .expect("redis-rs connection");
            for k in &keys {
                r.set(k, VAL16).expect("SET");
            }
            for _ in 0..count {
                let v: Vec<Option<String>> = if mode.as_str() == "mget" {
                    r.mget(&keys).expect("MGET")
                } else {
                    c.mget(&keys).expect("MGET")
                };
                assert_eq!(v.len(), 100);
            }
        }
        "get" | "conn-get" | "pipe16" | "pipe1000" => {
            let r = StrictRedis::builder()
                .url(&url)
                .expect("url")
                .max_connections(1)
                .build()
                .expect("client");
            r.set(KEY, VAL16).expect("SET");
            match mode.as_str() {
                "get" => {
                    for _ in 0..count {
                        let v: Option<Vec<u8>> = r.get(KEY).expect("GET");
                        black_box(v);
                    }
                }
                "conn-get" => {
                    let mut c = r.get_connection().expect("connection");
                    for _ in 0..count {
                        let v: Option<Vec<u8>> = c.get(KEY).expect("GET");
                        black_box(v);
                    }
                }
                _ => {
                    let depth = if mode.as_str() == "pipe16" { 16 } else { 1000 };
                    for _ in 0..count / depth {
                        let mut p = r.pipeline_without_transaction();
                        for _ in 0..depth {
                            p.set(KEY, VAL16);
                        }
                        let () = p.execute().expect("pipeline");
                    }
                }
            }
        }
        "auto16" | "auto64" => {
            // THREADS threads of GET/SET 80/20 on one auto-pipelined client (W9's loop).
            let threads: u64 = if mode.as_str() == "auto16" { 16 } else { 64 };
            let r = StrictRedis::builder()
                .url(&url)
                .expect("url")
                .auto_pipeline(true)
                .build()
                .expect("client");
            r.set(KEY, VAL16).expect("SET");
            std::thread::scope(|s| {
                for _ in 0..threads {
                    s.spawn(|| {
                        for i in 0..count / threads {
                            if i % 5 != 0 {
                                let v: Option<Vec<u8>> = r.get(KEY).expect("GET");
                                black_box(v);
                            } else {
                                r.set(KEY, VAL16).expect("SET");
                            }
                        }
                    });
                }
            });
        }
        "rs-get" | "rs-pipe16" | "rs-pipe1000" => {
            let mut c = redis::Client::open(url.as_str())
                .and_then(|c| c.get_connection())
                .expect("redis-rs connection");
            let () = c.set(KEY, &VAL16[..]).expect("SET");
            if mode.as_str() == "rs-get" {
                for _ in 0..count {
                    let v: Option<Vec<u8>> = c.get(KEY).expect("GET");
                    black_box(v);
                }
            } else {
                let depth = if mode.as_str() == "rs-pipe16" {
                    16
                } else {
                    1000
                };
                for _ in 0..count / depth {
                    let mut p = redis::pipe();
                    for _ in 0..depth {
                        p.set(KEY, &VAL16[..]);
                    }
                    let () = p.query(&mut c).expect("pipeline");
                }
            }
        }
        "encode-set" => {
            for _ in 0..count {
                black_box(
                    cmd("SET")
                        .key(black_box(KEY))
                        .arg(black_box(VAL16))
                        .to_packed(),
                );
            }
        }
        "rs-encode-set" => {
            for _ in 0..count {
                black_box(
                    redis::cmd("SET")
                        .arg(black_box(KEY))
                        .arg(black_box(&VAL16[..]))
                        .get_packed_command(),
                );
            }
        }
        "decode-array" => {
            for _ in 0..count {
                black_box(strictredis::resp::decode_one(black_box(&array)).expect("decode"));
            }
        }
        "rs-decode-array" => {
            for _ in 0..count {
                black_box(redis::parse_redis_value(black_box(&array)).expect("parse"));
            }
        }
        other => panic!("unknown mode {other}"),
    }
    let s = t.elapsed().as_secs_f64();
    println!(
        "{mode}: {count} ops in {s:.3} s, {:.0} ns/op",
        s * 1e9 / count as f64
    );
}
