//! The workloads W1-W8, each with a runner per client.

use std::collections::HashMap;
use std::hint::black_box;
use std::io::{Read as _, Write as _};
use std::net::TcpStream;
use std::time::Instant;

use redis::Commands as _;
use strictredis::{cmd, Cmd, Connection, StrictRedis};

use crate::measure::*;
use crate::support::*;

/// A bare socket for the W4P floor: bytes written as given, each reply decoded by the
/// crate's public codec ([`strictredis::resp::Decoder`]) and dropped. (The client's raw
/// connection I/O is crate-private since 0.2.0: `Connection::write_packed` trusted its
/// caller's count of commands, the very desync the pool exists to prevent.)
struct RawSocket {
    stream: TcpStream,
    buf: Vec<u8>,
    decoder: strictredis::resp::Decoder,
}

impl RawSocket {
    fn connect(port: u16) -> RawSocket {
        let stream = TcpStream::connect(("127.0.0.1", port)).expect("connect");
        stream.set_nodelay(true).expect("nodelay");
        RawSocket {
            stream,
            buf: vec![0; 64 * 1024],
            decoder: strictredis::resp::Decoder::new(),
        }
    }

    fn write(&mut self, bytes: &[u8]) {
        self.stream.write_all(bytes).expect("write");
    }

    /// Reads and decodes `n` replies (the decoder keeps a reply cut by a read's end).
    fn read_replies(&mut self, n: u64) {
        let mut got = 0;
        while got < n {
            let len = self.stream.read(&mut self.buf).expect("read");
            assert!(len > 0, "the server closed the connection");
            let mut at = 0;
            while at < len {
                let (used, v) = self.decoder.decode(&self.buf[at..len]).expect("decode");
                at += used;
                if let Some(v) = v {
                    assert!(!matches!(v, strictredis::Value::Error(_)), "{v:?}");
                    black_box(v);
                    got += 1;
                }
            }
        }
        assert_eq!(got, n, "replies");
    }
}

pub(crate) fn bench_args(a: &[&str]) -> Vec<String> {
    a.iter().map(|s| s.to_string()).collect()
}

/// A W1 workload (one connection, 16-byte GET or SET) with its targets.
fn w1<'a>(name: String, runners: Vec<(Client, Runner<'a>)>) -> Workload<'a> {
    Workload {
        id: "W1",
        name,
        bytes_per_op: None,
        offline: false,
        target_rs: Some(1.0),
        target_rb: Some(0.95),
        min_ops: 100,
        runners,
    }
}

/// A W8 workload (encoding or decoding, no server) with its target.
fn w8<'a>(name: &str, min_ops: u64, runners: Vec<(Client, Runner<'a>)>) -> Workload<'a> {
    Workload {
        id: "W8",
        name: name.into(),
        bytes_per_op: None,
        offline: true,
        target_rs: Some(1.5),
        target_rb: None,
        min_ops,
        runners,
    }
}

/// `threads` threads, each calling `op(i)` for i in 0..n/threads (at least once).
pub(crate) fn on_threads(threads: u64, n: u64, op: impl Fn(u64) + Sync) -> Timed {
    let per = (n / threads).max(1);
    let t = Instant::now();
    std::thread::scope(|s| {
        for _ in 0..threads {
            s.spawn(|| (0..per).for_each(&op));
        }
    });
    Timed {
        ops: per * threads,
        secs: t.elapsed().as_secs_f64(),
    }
}

/// Runs `batch` (of `depth` operations) often enough for about `n` operations, at least once.
fn time_batches(n: u64, depth: u64, mut batch: impl FnMut()) -> Timed {
    let batches = (n / depth).max(1);
    let t = time_loop(batches, |_| batch());
    Timed {
        ops: batches * depth,
        secs: t.secs,
    }
}

/// redis-benchmark's pipelined SETs of 16 bytes, `depth` per batch, about `n` in all.
fn bench_pipelined_sets(port: u16, n: u64, depth: u64) -> Timed {
    let n = (n / depth).max(1) * depth;
    redis_benchmark(
        port,
        n,
        &bench_args(&["-t", "set", "-d", "16", "-P", &depth.to_string()]),
    )
}

pub(crate) fn strict_client(url: &str, max: usize) -> StrictRedis {
    StrictRedis::builder()
        .url(url)
        .expect("url")
        .max_connections(max)
        .build()
        .expect("client")
}

pub(crate) fn rs_conn(url: &str) -> redis::Connection {
    redis::Client::open(url)
        .expect("redis-rs client")
        .get_connection()
        .expect("redis-rs connection")
}

#[allow(clippy::too_many_lines)]
/// A GET of [`KEY`] on `$c` when `$is_get`, else `$set` (a SET, spelt differently by
/// strictredis and redis-rs).
/// With a key and a check: GET of `$key`, its value given to `$check`.
macro_rules! get_or_set {
    ($is_get:expr, $c:ident, $set:expr) => {
        get_or_set!($is_get, $c, KEY, $set, |v| {
            black_box(v);
        })
    };
    ($is_get:expr, $c:ident, $key:expr, $set:expr, $check:expr) => {
        if $is_get {
            let v: Option<Vec<u8>> = $c.get($key).expect("GET");
            ($check)(v);
        } else {
            $set;
        }
    };
}

/// One W6 read, checked: `$c` is a strictredis client or a redis-rs connection, whose
/// calls are spelt the same.
macro_rules! w6_read {
    ($c:ident, $keys:ident, $which:ident) => {
        match $which {
            "MGET 100 keys" => {
                let v: Vec<Option<String>> = $c.mget(&$keys).expect("MGET");
                assert_eq!(v.len(), 100);
            }
            "HGETALL 1000 fields" => {
                let v: HashMap<String, String> = $c.hgetall("myhash").expect("HGETALL");
                assert_eq!(v.len(), 1000);
            }
            _ => {
                let v: Vec<String> = $c.lrange("mylist", 0, 599).expect("LRANGE");
                assert_eq!(v.len(), 600);
            }
        }
    };
}

pub(crate) fn workloads<'a>(
    server: &'a strictredis_test_kit::RedisServer,
    ctl: &mut Connection,
    data: &'a Data,
) -> Vec<Workload<'a>> {
    let url = server.url();
    let port = server.port();
    let mut ws: Vec<Workload<'a>> = Vec::new();

    // --- W1: one connection, GET and SET of 16-byte values ---
    for op in ["GET", "SET"] {
        let sr = strict_client(&url, 1);
        let mut rs = rs_conn(&url);
        let is_get = op == "GET";
        ws.push(w1(
            format!("W1 {op} 16 B, StrictRedis (1 conn)"),
            vec![
                (
                    Client::Strict,
                    Box::new(move |n| {
                        time_loop(n, |_| {
                            get_or_set!(is_get, sr, sr.set(KEY, VAL16).expect("SET"))
                        })
                    }),
                ),
                (
                    Client::RedisRs,
                    Box::new(move |n| {
                        time_loop(n, |_| {
                            get_or_set!(is_get, rs, {
                                let () = rs.set(KEY, &VAL16[..]).expect("SET");
                            })
                        })
                    }),
                ),
                (
                    Client::Bench,
                    Box::new(move |n| {
                        redis_benchmark(
                            port,
                            n,
                            &bench_args(&["-t", &op.to_lowercase(), "-d", "16"]),
                        )
                    }),
                ),
            ],
        ));
    }

    // --- W1 on a held connection: like for like with redis-rs's Connection (no pool
    // checkout, so no checkout peek per command) ---
    {
        let sr = strict_client(&url, 1);
        let mut held = sr.get_connection().expect("connection");
        let mut rs = rs_conn(&url);
        ws.push(w1(
            "W1 GET 16 B, held connection".into(),
            vec![
                (
                    Client::Strict,
                    Box::new(move |n| {
                        time_loop(n, |_| {
                            let v: Option<Vec<u8>> = held.get(KEY).expect("GET");
                            black_box(v);
                        })
                    }),
                ),
                (
                    Client::RedisRs,
                    Box::new(move |n| {
                        time_loop(n, |_| {
                            let v: Option<Vec<u8>> = rs.get(KEY).expect("GET");
                            black_box(v);
                        })
                    }),
                ),
                (
                    Client::Bench,
                    Box::new(move |n| {
                        redis_benchmark(port, n, &bench_args(&["-t", "get", "-d", "16"]))
                    }),
                ),
            ],
        ));
    }

    // --- W3: 16 threads over a pool of 8, GET/SET 80/20 ---
    {
        let sr = strict_client(&url, 8);
        let pool = r2d2::Pool::builder()
            .max_size(8)
            .build(redis::Client::open(url.as_str()).expect("client"))
            .expect("r2d2 pool");
        const THREADS: u64 = 16;
        ws.push(Workload {
            id: "W3",
            name: "W3 16 threads, pool of 8, GET/SET 80/20".into(),
            bytes_per_op: None,
            offline: false,
            target_rs: Some(1.3),
            target_rb: None,
            min_ops: THREADS * 20,
            runners: vec![
                (
                    Client::Strict,
                    Box::new(move |n| {
                        on_threads(THREADS, n, |i| {
                            get_or_set!(i % 5 != 0, sr, sr.set(KEY, VAL16).expect("SET"))
                        })
                    }),
                ),
                (
                    Client::RedisRs,
                    Box::new(move |n| {
                        on_threads(THREADS, n, |i| {
                            let mut c = pool.get().expect("r2d2 checkout");
                            get_or_set!(i % 5 != 0, c, {
                                let () = c.set(KEY, &VAL16[..]).expect("SET");
                            })
                        })
                    }),
                ),
            ],
        });
    }

    // --- W4: pipelines of SETs on one connection ---
    for depth in [16u64, 100, 1000] {
        let sr = strict_client(&url, 1);
        let mut rs = rs_conn(&url);
        ws.push(Workload {
            id: "W4",
            name: format!("W4 pipeline of {depth} SETs"),
            bytes_per_op: None,
            offline: false,
            target_rs: Some(1.5),
            target_rb: Some(0.9),
            min_ops: depth,
            runners: vec![
                (
                    Client::Strict,
                    Box::new(move |n| {
                        time_batches(n, depth, || {
                            let mut p = sr.pipeline_without_transaction();
                            for _ in 0..depth {
                                p.set(KEY, VAL16);
                            }
                            let () = p.execute().expect("pipeline");
                        })
                    }),
                ),
                (
                    Client::RedisRs,
                    Box::new(move |n| {
                        time_batches(n, depth, || {
                            let mut p = redis::pipe();
                            for _ in 0..depth {
                                p.set(KEY, &VAL16[..]);
                            }
                            let () = p.query(&mut rs).expect("pipeline");
                        })
                    }),
                ),
                (
                    Client::Bench,
                    Box::new(move |n| bench_pipelined_sets(port, n, depth)),
                ),
            ],
        });
    }

    // --- W4 floor: the same batches as redis-benchmark sends them, bytes packed once and
    // written again and again on a socket of its own (RawSocket), every reply still read and
    // decoded by the crate's decoder. The gap between this and W4 is the cost of building a
    // Cmd per queued command and of the pipeline's own bookkeeping. ---
    for depth in [16u64, 100, 1000] {
        let mut sock = RawSocket::connect(port);
        let mut packed = Vec::new();
        for _ in 0..depth {
            cmd("SET").key(KEY).arg(VAL16).write_packed(&mut packed);
        }
        ws.push(Workload {
            id: "W4P",
            name: format!("W4P {depth} SETs prepacked (floor)"),
            bytes_per_op: None,
            offline: false,
            target_rs: None,
            target_rb: None,
            min_ops: depth,
            runners: vec![
                (
                    Client::Strict,
                    Box::new(move |n| {
                        time_batches(n, depth, || {
                            sock.write(&packed);
                            sock.read_replies(depth);
                        })
                    }),
                ),
                (
                    Client::Bench,
                    Box::new(move |n| bench_pipelined_sets(port, n, depth)),
                ),
            ],
        });
    }

    // --- W5: big values, bytes/s ---
    for size in [MIB, 16 * MIB] {
        let key = format!("big:{}", size / MIB);
        let value = if size == MIB { &data.mib1 } else { &data.mib16 };
        for op in ["SET", "GET"] {
            let is_get = op == "GET";
            let sr = strict_client(&url, 1);
            let mut rs = rs_conn(&url);
            let (k1, k2) = (key.clone(), key.clone());
            let check = move |v: Option<Vec<u8>>| assert_eq!(v.map(|v| v.len()), Some(size));
            if is_get {
                // redis-benchmark's GET reads its own key: give it the same value.
                let _: () = ctl
                    .execute_command(cmd("SET").arg(KEY).arg(value.as_slice()))
                    .expect("SET");
                let _: () = ctl
                    .execute_command(cmd("SET").arg(&key).arg(value.as_slice()))
                    .expect("SET");
            }
            ws.push(Workload {
                id: "W5",
                name: format!("W5 {op} {} MiB", size / MIB),
                bytes_per_op: Some(size),
                offline: false,
                target_rs: Some(1.0),
                target_rb: Some(0.9),
                min_ops: 2,
                runners: vec![
                    (
                        Client::Strict,
                        Box::new(move |n| {
                            time_loop(n, |_| {
                                let set = || sr.set(&k1, value.as_slice()).expect("SET");
                                get_or_set!(is_get, sr, &k1, set(), check)
                            })
                        }),
                    ),
                    (
                        Client::RedisRs,
                        Box::new(move |n| {
                            time_loop(n, |_| {
                                let set = |rs: &mut redis::Connection| {
                                    let () = rs.set(&k2, value.as_slice()).expect("SET");
                                };
                                get_or_set!(is_get, rs, &k2, set(&mut rs), check)
                            })
                        }),
                    ),
                    (
                        Client::Bench,
                        Box::new(move |n| {
                            redis_benchmark(
                                port,
                                n,
                                &bench_args(&["-t", &op.to_lowercase(), "-d", &size.to_string()]),
                            )
                        }),
                    ),
                ],
            });
        }
    }

    // --- W6: replies with many elements ---
    {
        let keys: Vec<String> = (0..100).map(|i| format!("mget:{i}")).collect();
        let mut mset = cmd("MSET");
        for k in &keys {
            mset = mset.arg(k).arg(VAL16);
        }
        let _: () = ctl.execute_command(mset).expect("MSET");
        let _: () = ctl
            .execute_command(cmd("DEL").arg("myhash").arg("mylist"))
            .expect("DEL");
        let mut hset = cmd("HSET").arg("myhash");
        for i in 0..1000 {
            hset = hset.arg(format!("field:{i}")).arg(VAL16);
        }
        let _: () = ctl.execute_command(hset).expect("HSET");
        let mut rpush = cmd("RPUSH").arg("mylist");
        for _ in 0..600 {
            rpush = rpush.arg(VAL16);
        }
        let _: () = ctl.execute_command(rpush).expect("RPUSH");

        for which in ["MGET 100 keys", "HGETALL 1000 fields", "LRANGE 600"] {
            let sr = strict_client(&url, 1);
            let mut rs = rs_conn(&url);
            let (ks1, ks2) = (keys.clone(), keys.clone());
            let bench: Vec<String> = match which {
                "MGET 100 keys" => std::iter::once("MGET".to_string())
                    .chain(keys.iter().cloned())
                    .collect(),
                "HGETALL 1000 fields" => bench_args(&["HGETALL", "myhash"]),
                _ => bench_args(&["LRANGE", "mylist", "0", "599"]),
            };
            ws.push(Workload {
                id: "W6",
                name: format!("W6 {which}"),
                bytes_per_op: None,
                offline: false,
                target_rs: Some(1.5),
                target_rb: None,
                min_ops: 20,
                runners: vec![
                    (
                        Client::Strict,
                        Box::new(move |n| time_loop(n, |_| w6_read!(sr, ks1, which))),
                    ),
                    (
                        Client::RedisRs,
                        Box::new(move |n| time_loop(n, |_| w6_read!(rs, ks2, which))),
                    ),
                    (
                        Client::Bench,
                        Box::new(move |n| redis_benchmark(port, n, &bench)),
                    ),
                ],
            });
        }
    }

    // --- W8: no server: encode and decode ---
    {
        ws.push(w8(
            "W8 encode SET (16 B value)",
            1000,
            vec![
                (
                    Client::Strict,
                    Box::new(|n| {
                        time_loop(n, |_| {
                            black_box(
                                cmd("SET")
                                    .key(black_box(KEY))
                                    .arg(black_box(VAL16))
                                    .to_packed(),
                            );
                        })
                    }),
                ),
                (
                    Client::RedisRs,
                    Box::new(|n| {
                        time_loop(n, |_| {
                            black_box(
                                redis::cmd("SET")
                                    .arg(black_box(KEY))
                                    .arg(black_box(&VAL16[..]))
                                    .get_packed_command(),
                            );
                        })
                    }),
                ),
            ],
        ));
        ws.push(w8(
            "W8 encode pipeline of 1000 SETs",
            10,
            vec![
                (
                    Client::Strict,
                    Box::new(|n| {
                        time_loop(n, |_| {
                            // What Pipeline does: queue Cmds, then write each into one buffer.
                            let cmds: Vec<Cmd> = (0..1000)
                                .map(|_| cmd("SET").key(black_box(KEY)).arg(black_box(VAL16)))
                                .collect();
                            let mut out = Vec::new();
                            for c in &cmds {
                                c.write_packed(&mut out);
                            }
                            black_box(out);
                        })
                    }),
                ),
                (
                    Client::RedisRs,
                    Box::new(|n| {
                        time_loop(n, |_| {
                            let mut p = redis::pipe();
                            for _ in 0..1000 {
                                p.cmd("SET").arg(black_box(KEY)).arg(black_box(&VAL16[..]));
                            }
                            black_box(p.get_packed_pipeline());
                        })
                    }),
                ),
            ],
        ));
        ws.push(Workload {
            id: "W8",
            name: "W8 decode 1000-element array".into(),
            bytes_per_op: None,
            offline: true,
            target_rs: Some(2.0),
            target_rb: None,
            min_ops: 10,
            runners: vec![
                (
                    Client::Strict,
                    Box::new(|n| {
                        time_loop(n, |_| {
                            let v = strictredis::resp::decode_one(black_box(&data.array1000))
                                .expect("decode")
                                .expect("complete");
                            black_box(v);
                        })
                    }),
                ),
                (
                    Client::RedisRs,
                    Box::new(|n| {
                        time_loop(n, |_| {
                            let v = redis::parse_redis_value(black_box(&data.array1000))
                                .expect("parse");
                            black_box(v);
                        })
                    }),
                ),
            ],
        });
    }
    ws.extend(crate::autopipe::autopipe_workloads(&url, port));
    ws.extend(crate::cache::cache_workloads(&url, port));
    ws
}

pub(crate) struct Data {
    pub(crate) mib1: Vec<u8>,
    pub(crate) mib16: Vec<u8>,
    pub(crate) array1000: Vec<u8>,
}
