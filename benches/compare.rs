//! strictredis against redis-rs (crate `redis`) and `redis-benchmark` (C, hiredis), on one
//! local `redis-server` that this program starts on a free port.
//!
//! ```text
//! cargo bench --bench compare                      # everything, ~5 minutes
//! cargo bench --bench compare -- --only W1,W8      # some workloads
//! cargo bench --bench compare -- --rounds 9 --secs 0.5 --save-docs
//! ```
//!
//! Every workload runs its clients in alternation (A B C A B C ...) for `--rounds` rounds,
//! each run doing the same number of operations (calibrated so that a strictredis run takes
//! about `--secs` seconds), and reports the median rate of each client and the ratios. Each
//! run also records the client's CPU time (getrusage) and the server's (`INFO cpu`), so a
//! workload bound by the server shows up as such. A counting global allocator gives the
//! allocations per operation. Results go to stdout, and to `target/compare/` (markdown table
//! and SVG plot); `--save-docs` also writes them to `docs/`.
//!
//! Under `cargo test --all-targets` this binary is run without `--bench` and returns at once.

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;
use std::collections::HashMap;
use std::fmt::Write as _;
use std::hint::black_box;
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use redis::Commands as _;
use strictredis::{cmd, Cmd, Connection, ConnectionInfo, FromValue, StrictRedis};

// ---------------------------------------------------------------------------------------
// Counting allocator: allocations made by the current thread.

struct Counting;

thread_local! {
    static ALLOCS: Cell<u64> = const { Cell::new(0) };
}

#[inline]
fn bump() {
    let _ = ALLOCS.try_with(|c| c.set(c.get() + 1));
}

fn allocs() -> u64 {
    ALLOCS.with(|c| c.get())
}

// SAFETY: every method forwards to the system allocator unchanged; the counter is a
// thread-local `Cell` with a const initializer and no destructor, so it never allocates.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        bump();
        unsafe { System.alloc(layout) }
    }
    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        bump();
        unsafe { System.alloc_zeroed(layout) }
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        bump();
        unsafe { System.realloc(ptr, layout, new_size) }
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        unsafe { System.dealloc(ptr, layout) }
    }
}

#[global_allocator]
static GLOBAL: Counting = Counting;

// ---------------------------------------------------------------------------------------
// Options.

struct Opts {
    rounds: usize,
    secs: f64,
    only: Option<Vec<String>>,
    /// Only these clients (for profiling one of them).
    clients: Option<Vec<String>>,
    save_docs: bool,
    /// Pin the server to the first CPU and this process (clients, redis-benchmark) to the
    /// others.
    pin: bool,
}

fn parse_opts() -> Option<Opts> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    // `cargo bench` passes `--bench`; `cargo test --all-targets` does not: then do nothing.
    if !args.iter().any(|a| a == "--bench") {
        println!("compare: not run (run it with `cargo bench --bench compare`)");
        return None;
    }
    let mut o = Opts {
        rounds: 18,
        secs: 0.12,
        only: None,
        clients: None,
        save_docs: false,
        pin: false,
    };
    let mut it = args.iter();
    while let Some(a) = it.next() {
        match a.as_str() {
            "--rounds" => o.rounds = it.next().and_then(|v| v.parse().ok()).expect("--rounds N"),
            "--secs" => o.secs = it.next().and_then(|v| v.parse().ok()).expect("--secs S"),
            "--only" => {
                o.only = Some(
                    it.next()
                        .expect("--only W1,W4")
                        .split(',')
                        .map(|s| s.trim().to_ascii_uppercase())
                        .collect(),
                )
            }
            "--clients" => {
                o.clients = Some(
                    it.next()
                        .expect("--clients strictredis,redis-rs")
                        .split(',')
                        .map(|s| s.trim().to_string())
                        .collect(),
                )
            }
            "--save-docs" => o.save_docs = true,
            "--pin" => o.pin = true,
            _ => {} // `--bench` and anything cargo adds
        }
    }
    o.rounds = o.rounds.max(1);
    Some(o)
}

// ---------------------------------------------------------------------------------------
// The server.

struct Server {
    child: Child,
    port: u16,
    _dir: tempfile::TempDir,
}

impl Server {
    fn start() -> Server {
        let bin =
            std::env::var("STRICTREDIS_REDIS_SERVER").unwrap_or_else(|_| "redis-server".into());
        for _ in 0..5 {
            let port = TcpListener::bind("127.0.0.1:0")
                .and_then(|l| l.local_addr())
                .expect("a free port")
                .port();
            let dir = tempfile::tempdir().expect("temp dir");
            let mut child = Command::new(&bin)
                .args(["--port", &port.to_string(), "--bind", "127.0.0.1"])
                .args(["--save", "", "--appendonly", "no"])
                .arg("--dir")
                .arg(dir.path())
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .spawn()
                .unwrap_or_else(|e| panic!("cannot start {bin}: {e} (run scripts/setup.sh)"));
            let deadline = Instant::now() + Duration::from_secs(10);
            while Instant::now() < deadline {
                if let Ok(Some(_)) = child.try_wait() {
                    break; // port taken meanwhile: try another
                }
                if let Ok(mut c) = control_conn(port) {
                    if c.ping().is_ok() {
                        return Server {
                            child,
                            port,
                            _dir: dir,
                        };
                    }
                }
                std::thread::sleep(Duration::from_millis(20));
            }
            let _ = child.kill();
            let _ = child.wait();
        }
        panic!("could not start {bin}");
    }

    fn url(&self) -> String {
        format!("redis://127.0.0.1:{}/", self.port)
    }

    fn pid(&self) -> u32 {
        self.child.id()
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn control_conn(port: u16) -> strictredis::Result<Connection> {
    let info: ConnectionInfo = format!("redis://127.0.0.1:{port}/").parse()?;
    Connection::open(&info)
}

/// The server's CPU time so far (user + system), from `INFO cpu`.
fn server_cpu(ctl: &mut Connection) -> f64 {
    let info: String = ctl
        .execute_command(cmd("INFO").arg("cpu"))
        .expect("INFO cpu");
    info.lines()
        .filter_map(|l| {
            let (k, v) = l.trim().split_once(':')?;
            (k == "used_cpu_sys" || k == "used_cpu_user").then(|| v.parse::<f64>().ok())?
        })
        .sum()
}

/// CPU time of this process (all threads) and of its waited-for children, in seconds.
fn own_cpu() -> (f64, f64) {
    fn get(who: libc::c_int) -> f64 {
        let mut ru: libc::rusage = unsafe { std::mem::zeroed() };
        // SAFETY: `ru` is a valid, writable rusage.
        if unsafe { libc::getrusage(who, &mut ru) } != 0 {
            return 0.0;
        }
        let tv = |t: libc::timeval| t.tv_sec as f64 + t.tv_usec as f64 / 1e6;
        tv(ru.ru_utime) + tv(ru.ru_stime)
    }
    (get(libc::RUSAGE_SELF), get(libc::RUSAGE_CHILDREN))
}

/// Server on CPU 0, this process (and so the threads and the redis-benchmark processes it
/// starts later) on the other CPUs: every client gets the same placement, and client and
/// server never fight over one core. False (nothing changed) with fewer than 2 CPUs.
fn pin(server_pid: u32) -> bool {
    let n = std::thread::available_parallelism().map_or(1, |n| n.get());
    if n < 2 {
        return false;
    }
    let set = |cpus: &mut dyn Iterator<Item = usize>| {
        // SAFETY: a zeroed cpu_set_t is a valid empty set; CPU_SET writes inside it.
        let mut set: libc::cpu_set_t = unsafe { std::mem::zeroed() };
        for c in cpus {
            unsafe { libc::CPU_SET(c, &mut set) };
        }
        set
    };
    let server = set(&mut std::iter::once(0));
    let clients = set(&mut (1..n));
    let size = std::mem::size_of::<libc::cpu_set_t>();
    // SAFETY: valid pids and sets of the right size.
    let a = unsafe { libc::sched_setaffinity(server_pid as libc::pid_t, size, &server) };
    let b = unsafe { libc::sched_setaffinity(0, size, &clients) };
    a == 0 && b == 0
}

// ---------------------------------------------------------------------------------------
// Workloads.

const KEY: &str = "key:__rand_int__"; // the key redis-benchmark's GET/SET tests use
const VAL16: &[u8; 16] = b"0123456789abcdef";
const MIB: usize = 1024 * 1024;

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Client {
    Strict,
    RedisRs,
    Bench,
}

impl Client {
    fn name(self) -> &'static str {
        match self {
            Client::Strict => "strictredis",
            Client::RedisRs => "redis-rs",
            Client::Bench => "redis-benchmark",
        }
    }
}

/// What a runner reports: operations done and the seconds they took by its own clock.
struct Timed {
    ops: u64,
    secs: f64,
}

type Runner<'a> = Box<dyn FnMut(u64) -> Timed + 'a>;

struct Workload<'a> {
    id: &'static str,
    name: String,
    /// Bytes per operation for bytes/s workloads.
    bytes_per_op: Option<usize>,
    /// No server involved: report ns/op.
    offline: bool,
    /// Targets: minimum ratio vs redis-rs, vs redis-benchmark.
    target_rs: Option<f64>,
    target_rb: Option<f64>,
    runners: Vec<(Client, Runner<'a>)>,
    /// Smallest number of operations per run.
    min_ops: u64,
}

#[derive(Clone, Copy, Default)]
struct Sample {
    rate: f64,
    client_cpu_per_op: f64,
    server_util: f64,
}

struct Outcome {
    name: String,
    bytes_per_op: Option<usize>,
    offline: bool,
    target_rs: Option<f64>,
    target_rb: Option<f64>,
    ops_per_run: u64,
    /// Per client: the median sample and every rate.
    results: Vec<(Client, Sample, Vec<f64>)>,
}

impl Outcome {
    fn get(&self, c: Client) -> Option<&Sample> {
        self.results.iter().find(|r| r.0 == c).map(|r| &r.1)
    }
    /// strictredis's rate over `c`'s, round by round (the runs of one round are seconds
    /// apart, so they saw the same load): the median and the quartiles of those ratios.
    fn ratios(&self, c: Client) -> Option<(f64, f64, f64)> {
        let all = |c: Client| self.results.iter().find(|r| r.0 == c).map(|r| &r.2);
        let (a, b) = (all(Client::Strict)?, all(c)?);
        let mut v: Vec<f64> = a.iter().zip(b).map(|(x, y)| x / y).collect();
        v.sort_by(|x, y| x.partial_cmp(y).unwrap_or(std::cmp::Ordering::Equal));
        let q = |f: f64| v[((v.len() - 1) as f64 * f).round() as usize];
        Some((median(&mut v.clone()), q(0.25), q(0.75)))
    }

    fn ratio(&self, c: Client) -> Option<f64> {
        self.ratios(c).map(|r| r.0)
    }
}

fn median(v: &mut [f64]) -> f64 {
    v.sort_by(|a, b| a.partial_cmp(b).unwrap_or(std::cmp::Ordering::Equal));
    let n = v.len();
    if n == 0 {
        0.0
    } else if n % 2 == 1 {
        v[n / 2]
    } else {
        (v[n / 2 - 1] + v[n / 2]) / 2.0
    }
}

/// The order of the clients in round `round`: all permutations in turn for 2 or 3
/// clients, rotations otherwise.
fn run_order(k: usize, round: usize) -> Vec<usize> {
    const THREE: [[usize; 3]; 6] = [
        [0, 1, 2],
        [1, 2, 0],
        [2, 0, 1],
        [2, 1, 0],
        [0, 2, 1],
        [1, 0, 2],
    ];
    match k {
        3 => THREE[round % 6].to_vec(),
        2 => {
            if round % 2 == 0 {
                vec![0, 1]
            } else {
                vec![1, 0]
            }
        }
        _ => (0..k).map(|j| (j + round) % k).collect(),
    }
}

fn time_loop(n: u64, mut f: impl FnMut(u64)) -> Timed {
    let t = Instant::now();
    for i in 0..n {
        f(i);
    }
    Timed {
        ops: n,
        secs: t.elapsed().as_secs_f64(),
    }
}

fn run_workload(w: &mut Workload<'_>, opts: &Opts, ctl: &mut Connection) -> Outcome {
    // Calibrate on strictredis (the first runner): grow n until a run takes 50 ms.
    let mut n = w.min_ops.max(1);
    let per_op = loop {
        let t = (w.runners[0].1)(n);
        if t.secs >= 0.05 || n >= 1 << 34 {
            break t.secs / t.ops as f64;
        }
        n *= if t.secs < 0.005 { 10 } else { 2 };
    };
    let n = ((opts.secs / per_op.max(1e-12)) as u64).max(w.min_ops);
    // Warm-up: every client once, untimed.
    for (_, r) in w.runners.iter_mut() {
        r((n / 4).max(w.min_ops));
    }
    let mut samples: Vec<Vec<Sample>> = vec![Vec::new(); w.runners.len()];
    let k = w.runners.len();
    for round in 0..opts.rounds {
        // Every order in turn (A B C, B C A, C A B, C B A, A C B, B A C): no client always
        // runs first, and each follows each other one equally often, which matters on a
        // VM where what ran just before decides whether client and server share a CPU.
        for i in run_order(k, round) {
            let r = &mut w.runners[i].1;
            let s0 = if w.offline { 0.0 } else { server_cpu(ctl) };
            let (c0, k0) = own_cpu();
            let t = r(n);
            let (c1, k1) = own_cpu();
            let s1 = if w.offline { 0.0 } else { server_cpu(ctl) };
            samples[i].push(Sample {
                rate: t.ops as f64 / t.secs,
                client_cpu_per_op: ((c1 - c0) + (k1 - k0)) / t.ops as f64,
                // Server CPU over the run's wall time (INFO's own cost is negligible).
                server_util: (s1 - s0) / t.secs,
            });
        }
    }
    let results = w
        .runners
        .iter()
        .zip(samples)
        .map(|((c, _), s)| {
            let mut rates: Vec<f64> = s.iter().map(|x| x.rate).collect();
            let mut cpu: Vec<f64> = s.iter().map(|x| x.client_cpu_per_op).collect();
            let mut util: Vec<f64> = s.iter().map(|x| x.server_util).collect();
            let all = rates.clone();
            let m = Sample {
                rate: median(&mut rates),
                client_cpu_per_op: median(&mut cpu),
                server_util: median(&mut util),
            };
            (*c, m, all)
        })
        .collect();
    Outcome {
        name: w.name.clone(),
        bytes_per_op: w.bytes_per_op,
        offline: w.offline,
        target_rs: w.target_rs,
        target_rb: w.target_rb,
        ops_per_run: n,
        results,
    }
}

/// Runs `redis-benchmark` with `-c 1 -n n --csv` and returns its requests per second.
fn redis_benchmark(port: u16, n: u64, args: &[String]) -> Timed {
    let bin = std::env::var("REDIS_BENCHMARK").unwrap_or_else(|_| "redis-benchmark".into());
    let out = Command::new(&bin)
        .args([
            "-h",
            "127.0.0.1",
            "-p",
            &port.to_string(),
            "-c",
            "1",
            "--csv",
        ])
        .args(["-n", &n.to_string()])
        .args(args)
        .stdin(Stdio::null())
        .output()
        .unwrap_or_else(|e| panic!("cannot run {bin}: {e} (apt-get install redis-tools)"));
    let text = String::from_utf8_lossy(&out.stdout);
    let rps = text
        .lines()
        .filter(|l| !l.starts_with("\"test\""))
        .filter_map(|l| l.split(',').nth(1))
        .filter_map(|f| f.trim_matches('"').parse::<f64>().ok())
        .next()
        .unwrap_or_else(|| panic!("no rate in redis-benchmark output: {text}"));
    Timed {
        ops: n,
        secs: n as f64 / rps,
    }
}

fn bench_args(a: &[&str]) -> Vec<String> {
    a.iter().map(|s| s.to_string()).collect()
}

fn strict_client(url: &str, max: usize) -> StrictRedis {
    StrictRedis::builder()
        .url(url)
        .expect("url")
        .max_connections(max)
        .build()
        .expect("client")
}

fn rs_conn(url: &str) -> redis::Connection {
    redis::Client::open(url)
        .expect("redis-rs client")
        .get_connection()
        .expect("redis-rs connection")
}

fn array_reply(n: usize) -> Vec<u8> {
    let mut b = format!("*{n}\r\n").into_bytes();
    for i in 0..n {
        let item = format!("value-{i:010}");
        b.extend_from_slice(format!("${}\r\n", item.len()).as_bytes());
        b.extend_from_slice(item.as_bytes());
        b.extend_from_slice(b"\r\n");
    }
    b
}

#[allow(clippy::too_many_lines)]
fn workloads<'a>(server: &'a Server, ctl: &mut Connection, data: &'a Data) -> Vec<Workload<'a>> {
    let url = server.url();
    let port = server.port;
    let mut ws: Vec<Workload<'a>> = Vec::new();

    // --- W1: one connection, GET and SET of 16-byte values ---
    for op in ["GET", "SET"] {
        let sr = strict_client(&url, 1);
        let mut rs = rs_conn(&url);
        let is_get = op == "GET";
        ws.push(Workload {
            id: "W1",
            name: format!("W1 {op} 16 B, StrictRedis (1 conn)"),
            bytes_per_op: None,
            offline: false,
            target_rs: Some(1.0),
            target_rb: Some(0.95),
            min_ops: 100,
            runners: vec![
                (
                    Client::Strict,
                    Box::new(move |n| {
                        time_loop(n, |_| {
                            if is_get {
                                let v: Option<Vec<u8>> = sr.get(KEY).expect("GET");
                                black_box(v);
                            } else {
                                sr.set(KEY, VAL16).expect("SET");
                            }
                        })
                    }),
                ),
                (
                    Client::RedisRs,
                    Box::new(move |n| {
                        time_loop(n, |_| {
                            if is_get {
                                let v: Option<Vec<u8>> = rs.get(KEY).expect("GET");
                                black_box(v);
                            } else {
                                let () = rs.set(KEY, &VAL16[..]).expect("SET");
                            }
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
        });
    }

    // --- W1 on a held connection: like for like with redis-rs's Connection (no pool
    // checkout, so no checkout peek per command) ---
    {
        let sr = strict_client(&url, 1);
        let mut held = sr.get_connection().expect("connection");
        let mut rs = rs_conn(&url);
        ws.push(Workload {
            id: "W1",
            name: "W1 GET 16 B, held connection".into(),
            bytes_per_op: None,
            offline: false,
            target_rs: Some(1.0),
            target_rb: Some(0.95),
            min_ops: 100,
            runners: vec![
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
        });
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
                        let per = (n / THREADS).max(1);
                        let t = Instant::now();
                        std::thread::scope(|s| {
                            for _ in 0..THREADS {
                                let sr = sr.clone();
                                s.spawn(move || {
                                    for i in 0..per {
                                        if i % 5 == 0 {
                                            sr.set(KEY, VAL16).expect("SET");
                                        } else {
                                            let v: Option<Vec<u8>> = sr.get(KEY).expect("GET");
                                            black_box(v);
                                        }
                                    }
                                });
                            }
                        });
                        Timed {
                            ops: per * THREADS,
                            secs: t.elapsed().as_secs_f64(),
                        }
                    }),
                ),
                (
                    Client::RedisRs,
                    Box::new(move |n| {
                        let per = (n / THREADS).max(1);
                        let t = Instant::now();
                        std::thread::scope(|s| {
                            for _ in 0..THREADS {
                                let pool = pool.clone();
                                s.spawn(move || {
                                    for i in 0..per {
                                        let mut c = pool.get().expect("r2d2 checkout");
                                        if i % 5 == 0 {
                                            let () = c.set(KEY, &VAL16[..]).expect("SET");
                                        } else {
                                            let v: Option<Vec<u8>> = c.get(KEY).expect("GET");
                                            black_box(v);
                                        }
                                    }
                                });
                            }
                        });
                        Timed {
                            ops: per * THREADS,
                            secs: t.elapsed().as_secs_f64(),
                        }
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
                        let batches = (n / depth).max(1);
                        let t = time_loop(batches, |_| {
                            let mut p = sr.pipeline_without_transaction();
                            for _ in 0..depth {
                                p.set(KEY, VAL16);
                            }
                            let () = p.execute().expect("pipeline");
                        });
                        Timed {
                            ops: batches * depth,
                            secs: t.secs,
                        }
                    }),
                ),
                (
                    Client::RedisRs,
                    Box::new(move |n| {
                        let batches = (n / depth).max(1);
                        let t = time_loop(batches, |_| {
                            let mut p = redis::pipe();
                            for _ in 0..depth {
                                p.set(KEY, &VAL16[..]);
                            }
                            let () = p.query(&mut rs).expect("pipeline");
                        });
                        Timed {
                            ops: batches * depth,
                            secs: t.secs,
                        }
                    }),
                ),
                (
                    Client::Bench,
                    Box::new(move |n| {
                        let n = (n / depth).max(1) * depth;
                        redis_benchmark(
                            port,
                            n,
                            &bench_args(&["-t", "set", "-d", "16", "-P", &depth.to_string()]),
                        )
                    }),
                ),
            ],
        });
    }

    // --- W4 floor: the same batches as redis-benchmark sends them, bytes packed once and
    // written again and again on a held connection (Connection::write_packed), every reply
    // still read and decoded. The gap between this and W4 is the cost of building a Cmd per
    // queued command and of the pipeline's own bookkeeping. ---
    for depth in [16u64, 100, 1000] {
        let sr = strict_client(&url, 1);
        let mut conn = sr.get_connection().expect("connection");
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
                        let batches = (n / depth).max(1);
                        let t = time_loop(batches, |_| {
                            conn.write_packed(&packed, depth as usize).expect("write");
                            conn.flush().expect("flush");
                            for _ in 0..depth {
                                black_box(conn.read_reply().expect("reply"));
                            }
                        });
                        Timed {
                            ops: batches * depth,
                            secs: t.secs,
                        }
                    }),
                ),
                (
                    Client::Bench,
                    Box::new(move |n| {
                        let n = (n / depth).max(1) * depth;
                        redis_benchmark(
                            port,
                            n,
                            &bench_args(&["-t", "set", "-d", "16", "-P", &depth.to_string()]),
                        )
                    }),
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
                                if is_get {
                                    let v: Option<Vec<u8>> = sr.get(&k1).expect("GET");
                                    assert_eq!(v.map(|v| v.len()), Some(size));
                                } else {
                                    sr.set(&k1, value.as_slice()).expect("SET");
                                }
                            })
                        }),
                    ),
                    (
                        Client::RedisRs,
                        Box::new(move |n| {
                            time_loop(n, |_| {
                                if is_get {
                                    let v: Option<Vec<u8>> = rs.get(&k2).expect("GET");
                                    assert_eq!(v.map(|v| v.len()), Some(size));
                                } else {
                                    let () = rs.set(&k2, value.as_slice()).expect("SET");
                                }
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
                        Box::new(move |n| {
                            time_loop(n, |_| match which {
                                "MGET 100 keys" => {
                                    let v: Vec<Option<String>> = sr.mget(&ks1).expect("MGET");
                                    assert_eq!(v.len(), 100);
                                }
                                "HGETALL 1000 fields" => {
                                    let v: HashMap<String, String> =
                                        sr.hgetall("myhash").expect("HGETALL");
                                    assert_eq!(v.len(), 1000);
                                }
                                _ => {
                                    let v: Vec<String> =
                                        sr.lrange("mylist", 0, 599).expect("LRANGE");
                                    assert_eq!(v.len(), 600);
                                }
                            })
                        }),
                    ),
                    (
                        Client::RedisRs,
                        Box::new(move |n| {
                            time_loop(n, |_| match which {
                                "MGET 100 keys" => {
                                    let v: Vec<Option<String>> = rs.mget(&ks2).expect("MGET");
                                    assert_eq!(v.len(), 100);
                                }
                                "HGETALL 1000 fields" => {
                                    let v: HashMap<String, String> =
                                        rs.hgetall("myhash").expect("HGETALL");
                                    assert_eq!(v.len(), 1000);
                                }
                                _ => {
                                    let v: Vec<String> =
                                        rs.lrange("mylist", 0, 599).expect("LRANGE");
                                    assert_eq!(v.len(), 600);
                                }
                            })
                        }),
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
        ws.push(Workload {
            id: "W8",
            name: "W8 encode SET (16 B value)".into(),
            bytes_per_op: None,
            offline: true,
            target_rs: Some(1.5),
            target_rb: None,
            min_ops: 1000,
            runners: vec![
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
        });
        ws.push(Workload {
            id: "W8",
            name: "W8 encode pipeline of 1000 SETs".into(),
            bytes_per_op: None,
            offline: true,
            target_rs: Some(1.5),
            target_rb: None,
            min_ops: 10,
            runners: vec![
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
        });
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
    ws
}

struct Data {
    mib1: Vec<u8>,
    mib16: Vec<u8>,
    array1000: Vec<u8>,
}

// ---------------------------------------------------------------------------------------
// Allocation counts.

struct AllocRow {
    what: &'static str,
    strict: f64,
    redis_rs: f64,
}

fn count_allocs(n: u64, mut f: impl FnMut()) -> f64 {
    let a0 = allocs();
    for _ in 0..n {
        f();
    }
    (allocs() - a0) as f64 / n as f64
}

fn allocation_rows(url: &str) -> Vec<AllocRow> {
    let sr = strict_client(url, 1);
    let mut rs = rs_conn(url);
    let info: ConnectionInfo = url.parse().expect("url");
    let mut conn = Connection::open(&info).expect("connection");
    let _: () = conn
        .execute_command(cmd("SET").arg(KEY).arg(VAL16))
        .expect("SET");
    let n = 2000;
    let reply = b"$16\r\n0123456789abcdef\r\n";
    let mut dec = strictredis::resp::Decoder::new();
    vec![
        AllocRow {
            what: "GET call, whole (StrictRedis facade vs redis-rs Connection)",
            strict: count_allocs(n, || {
                let v: Option<Vec<u8>> = sr.get(KEY).expect("GET");
                black_box(v);
            }),
            redis_rs: count_allocs(n, || {
                let v: Option<Vec<u8>> = rs.get(KEY).expect("GET");
                black_box(v);
            }),
        },
        AllocRow {
            what: "GET call on a held Connection (command + reply)",
            strict: count_allocs(n, || {
                let v: Option<Vec<u8>> = conn.get(KEY).expect("GET");
                black_box(v);
            }),
            redis_rs: count_allocs(n, || {
                let v: Option<Vec<u8>> = redis::cmd("GET").arg(KEY).query(&mut rs).expect("GET");
                black_box(v);
            }),
        },
        AllocRow {
            what: "GET reply: decode + convert to Option<Vec<u8>>",
            strict: count_allocs(n, || {
                let (_, v) = dec.decode(black_box(reply)).expect("decode");
                let v: Option<Vec<u8>> =
                    FromValue::from_value(v.expect("complete")).expect("convert");
                black_box(v);
            }),
            redis_rs: count_allocs(n, || {
                let v = redis::parse_redis_value(black_box(reply)).expect("parse");
                let v: Option<Vec<u8>> =
                    redis::FromRedisValue::from_redis_value(v).expect("convert");
                black_box(v);
            }),
        },
        AllocRow {
            what: "per pipelined SET (pipeline of 1000, whole execute)",
            strict: count_allocs(20, || {
                let mut p = sr.pipeline_without_transaction();
                for _ in 0..1000 {
                    p.set(KEY, VAL16);
                }
                let () = p.execute().expect("pipeline");
            }) / 1000.0,
            redis_rs: count_allocs(20, || {
                let mut p = redis::pipe();
                for _ in 0..1000 {
                    p.set(KEY, &VAL16[..]);
                }
                let () = p.query(&mut rs).expect("pipeline");
            }) / 1000.0,
        },
    ]
}

// ---------------------------------------------------------------------------------------
// Report.

fn si(x: f64) -> String {
    if x >= 1e9 {
        format!("{:.2}G", x / 1e9)
    } else if x >= 1e6 {
        format!("{:.2}M", x / 1e6)
    } else if x >= 1e3 {
        format!("{:.1}k", x / 1e3)
    } else {
        format!("{x:.1}")
    }
}

fn fmt_rate(o: &Outcome, s: &Sample) -> String {
    if o.offline {
        format!("{:.0} ns/op", 1e9 / s.rate)
    } else if let Some(b) = o.bytes_per_op {
        format!(
            "{:.0} MB/s ({:.2} ms/op)",
            s.rate * b as f64 / 1e6,
            1e3 / s.rate
        )
    } else {
        format!("{} ops/s", si(s.rate))
    }
}

fn verdict(ratios: Option<(f64, f64, f64)>, target: Option<f64>) -> String {
    match (ratios, target) {
        (Some((r, lo, hi)), Some(t)) => format!(
            "{r:.2}x [{lo:.2}-{hi:.2}] (>= {t}: {})",
            if r >= t { "met" } else { "MISSED" }
        ),
        (Some((r, lo, hi)), None) => format!("{r:.2}x [{lo:.2}-{hi:.2}]"),
        _ => "-".into(),
    }
}

fn cmd_out(c: &str, args: &[&str]) -> String {
    Command::new(c)
        .args(args)
        .output()
        .ok()
        .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_string())
        .unwrap_or_else(|| "?".into())
}

fn redis_crate_version() -> String {
    let lock = Path::new(env!("CARGO_MANIFEST_DIR")).join("Cargo.lock");
    let text = std::fs::read_to_string(lock).unwrap_or_default();
    let mut lines = text.lines();
    while let Some(l) = lines.next() {
        if l == "name = \"redis\"" {
            if let Some(v) = lines.next() {
                return v
                    .trim_start_matches("version = ")
                    .trim_matches('"')
                    .to_string();
            }
        }
    }
    "?".into()
}

fn environment() -> String {
    let model = cmd_out("lscpu", &[])
        .lines()
        .find(|l| l.starts_with("Model name"))
        .map(|l| {
            l.split_once(':')
                .map(|x| x.1.trim().to_string())
                .unwrap_or_default()
        })
        .unwrap_or_else(|| "?".into());
    let load = std::fs::read_to_string("/proc/loadavg").unwrap_or_default();
    format!(
        "- date: {}\n- machine: {} ({} cores by nproc)\n- {}\n- {}\n- redis crate (redis-rs): {}, r2d2 0.8\n- load average at start: {}\n",
        cmd_out("date", &["-u", "+%Y-%m-%d %H:%M UTC"]),
        model,
        cmd_out("nproc", &[]),
        cmd_out("rustc", &["--version"]),
        cmd_out("redis-server", &["--version"]),
        redis_crate_version(),
        load.split_whitespace().take(3).collect::<Vec<_>>().join(" "),
    )
}

fn report(outcomes: &[Outcome], allocs: &[AllocRow], env: &str, opts: &Opts) -> String {
    let mut s = String::new();
    let _ = writeln!(s, "{env}- rounds: {}, ~{} s per strictredis run; clients alternate (every order in turn: A B C, B C A, C A B, C B A, A C B, B A C); rates are medians over the rounds, ratios are medians of the per-round ratios [quartiles]\n", opts.rounds, opts.secs);
    let _ = writeln!(
        s,
        "| workload | strictredis | redis-rs | redis-benchmark | vs redis-rs | vs redis-benchmark |"
    );
    let _ = writeln!(s, "|---|---|---|---|---|---|");
    for o in outcomes {
        let cell = |c: Client| {
            o.get(c)
                .map(|x| fmt_rate(o, x))
                .unwrap_or_else(|| "-".into())
        };
        let _ = writeln!(
            s,
            "| {} | {} | {} | {} | {} | {} |",
            o.name,
            cell(Client::Strict),
            cell(Client::RedisRs),
            cell(Client::Bench),
            verdict(o.ratios(Client::RedisRs), o.target_rs),
            verdict(o.ratios(Client::Bench), o.target_rb),
        );
    }
    let _ = writeln!(s, "\nCPU per operation (client: this process or redis-benchmark, getrusage; server: `INFO cpu` over the run's wall time, 1.00 = one core busy):\n");
    let _ = writeln!(s, "| workload | ops/run | strictredis: client µs/op, server util | redis-rs: the same | redis-benchmark: the same | strictredis rate, min..max over the rounds |");
    let _ = writeln!(s, "|---|---|---|---|---|---|");
    for o in outcomes {
        let cell = |c: Client| {
            o.get(c)
                .map(|x| {
                    if o.offline {
                        format!("{:.3}", x.client_cpu_per_op * 1e6)
                    } else {
                        format!("{:.2}, {:.2}", x.client_cpu_per_op * 1e6, x.server_util)
                    }
                })
                .unwrap_or_else(|| "-".into())
        };
        let spread = o
            .results
            .iter()
            .find(|r| r.0 == Client::Strict)
            .map(|r| {
                let lo = r.2.iter().cloned().fold(f64::INFINITY, f64::min);
                let hi = r.2.iter().cloned().fold(0.0, f64::max);
                format!("{}..{}", si(lo), si(hi))
            })
            .unwrap_or_default();
        let _ = writeln!(
            s,
            "| {} | {} | {} | {} | {} | {} |",
            o.name,
            o.ops_per_run,
            cell(Client::Strict),
            cell(Client::RedisRs),
            cell(Client::Bench),
            spread
        );
    }
    // Linearity of big values: wall time, client CPU and server CPU per MiB, 1 vs 16 MiB.
    let per_mib = |name: &str, c: Client| {
        outcomes.iter().find(|o| o.name == name).and_then(|o| {
            let smp = o.get(c)?;
            let mib = (o.bytes_per_op? / MIB) as f64;
            let wall = 1e3 / smp.rate / mib;
            Some((
                wall,
                smp.client_cpu_per_op * 1e3 / mib,
                smp.server_util * wall,
            ))
        })
    };
    let mut lin = String::new();
    for op in ["SET", "GET"] {
        for c in [Client::Strict, Client::RedisRs, Client::Bench] {
            if let (Some(a), Some(b)) = (
                per_mib(&format!("W5 {op} 1 MiB"), c),
                per_mib(&format!("W5 {op} 16 MiB"), c),
            ) {
                let _ = writeln!(
                    lin,
                    "| {op} | {} | {:.2} / {:.2} ({:.1}x) | {:.2} / {:.2} ({:.1}x) | {:.2} / {:.2} ({:.1}x) |",
                    c.name(),
                    a.0,
                    b.0,
                    b.0 / a.0,
                    a.1,
                    b.1,
                    b.1 / a.1,
                    a.2,
                    b.2,
                    b.2 / a.2,
                );
            }
        }
    }
    if !lin.is_empty() {
        let _ = writeln!(
            s,
            "\nBig values, milliseconds per MiB at 1 MiB / at 16 MiB (linear in size when the factor is about 1):\n"
        );
        let _ = writeln!(s, "| op | client | wall time | client CPU | server CPU |");
        let _ = writeln!(s, "|---|---|---|---|---|");
        s.push_str(&lin);
    }
    if !allocs.is_empty() {
        let _ = writeln!(
            s,
            "\nAllocations (counting global allocator, calling thread):\n"
        );
        let _ = writeln!(s, "| what | strictredis | redis-rs |");
        let _ = writeln!(s, "|---|---|---|");
        for a in allocs {
            let _ = writeln!(s, "| {} | {:.2} | {:.2} |", a.what, a.strict, a.redis_rs);
        }
    }
    s
}

/// A horizontal grouped bar chart of ops/s (log scale), one group per workload.
fn svg(outcomes: &[Outcome], env_line: &str) -> String {
    let clients = [
        (Client::Strict, "#1f77b4"),
        (Client::RedisRs, "#ff7f0e"),
        (Client::Bench, "#7f7f7f"),
    ];
    type Bars<'a> = Vec<(Client, &'a str, f64)>;
    let rows: Vec<(&Outcome, Bars<'_>)> = outcomes
        .iter()
        .map(|o| {
            let bars = clients
                .iter()
                .filter_map(|&(c, col)| Some((c, col, o.get(c)?.rate)))
                .collect();
            (o, bars)
        })
        .collect();
    let all: Vec<f64> = rows.iter().flat_map(|r| r.1.iter().map(|b| b.2)).collect();
    let lo = all
        .iter()
        .cloned()
        .fold(f64::INFINITY, f64::min)
        .max(1e-3)
        .log10()
        .floor();
    let hi = all
        .iter()
        .cloned()
        .fold(0.0, f64::max)
        .max(1.0)
        .log10()
        .ceil();
    let (left, plot_w, bar_h, gap, top) = (300.0, 560.0, 11.0, 10.0, 50.0);
    let group_h = |n: usize| n as f64 * bar_h + gap;
    let height = top + rows.iter().map(|r| group_h(r.1.len())).sum::<f64>() + 50.0;
    let width = left + plot_w + 150.0;
    let x = |v: f64| left + (v.log10() - lo) / (hi - lo).max(1.0) * plot_w;
    let mut s = String::new();
    let _ = writeln!(
        s,
        r#"<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" font-family="sans-serif" font-size="11">"#
    );
    let _ = writeln!(s, r#"<rect width="100%" height="100%" fill="white"/>"#);
    let _ = writeln!(
        s,
        r#"<text x="10" y="18" font-size="14" font-weight="bold">Operations per second (log scale; W8: encode/decode calls, no server). Higher is better.</text>"#
    );
    let _ = writeln!(
        s,
        r##"<text x="10" y="34" fill="#555">{}</text>"##,
        xml(env_line)
    );
    let mut e = lo;
    while e <= hi {
        let px = x(10f64.powf(e));
        let _ = writeln!(
            s,
            r##"<line x1="{px:.1}" y1="{top}" x2="{px:.1}" y2="{:.1}" stroke="#ddd"/><text x="{px:.1}" y="{:.1}" text-anchor="middle" fill="#555">{}</text>"##,
            height - 40.0,
            height - 28.0,
            if e < 3.0 {
                format!("{:.0}", 10f64.powf(e))
            } else {
                si(10f64.powf(e))
            }
        );
        e += 1.0;
    }
    let mut y = top;
    for (o, bars) in &rows {
        let gh = group_h(bars.len());
        let _ = writeln!(
            s,
            r#"<text x="{:.1}" y="{:.1}" text-anchor="end">{}</text>"#,
            left - 6.0,
            y + (gh - gap) / 2.0 + 4.0,
            xml(&o.name)
        );
        for (i, (c, col, rate)) in bars.iter().enumerate() {
            let by = y + i as f64 * bar_h;
            let w = (x(*rate) - left).max(1.0);
            let label = match (c, o.ratio(*c)) {
                (Client::Strict, _) => si(*rate),
                (_, Some(r)) => format!("{} (strictredis {r:.2}x)", si(*rate)),
                _ => si(*rate),
            };
            let _ = writeln!(
                s,
                r#"<rect x="{left}" y="{by:.1}" width="{w:.1}" height="{:.1}" fill="{col}"/><text x="{:.1}" y="{:.1}" font-size="9">{}</text>"#,
                bar_h - 1.0,
                left + w + 3.0,
                by + bar_h - 2.5,
                xml(&label)
            );
        }
        y += gh;
    }
    let ly = height - 12.0;
    for (i, (c, col)) in clients.iter().enumerate() {
        let lx = left + i as f64 * 160.0;
        let _ = writeln!(
            s,
            r#"<rect x="{lx}" y="{:.1}" width="12" height="10" fill="{col}"/><text x="{:.1}" y="{ly:.1}">{}</text>"#,
            ly - 9.0,
            lx + 16.0,
            c.name()
        );
    }
    s.push_str("</svg>\n");
    s
}

fn xml(t: &str) -> String {
    t.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

fn write_out(dir: &Path, md: &str, svg_text: &str) {
    if std::fs::create_dir_all(dir).is_ok() {
        let _ = std::fs::write(dir.join("benchmark-results.md"), md);
        let _ = std::fs::write(dir.join("benchmarks.svg"), svg_text);
        println!(
            "wrote {}/benchmark-results.md and benchmarks.svg",
            dir.display()
        );
    }
}

fn main() {
    let Some(opts) = parse_opts() else { return };
    let started = Instant::now();
    let env = environment();
    println!("{env}");
    let server = Server::start();
    let pinned = opts.pin && pin(server.pid());
    let mut ctl = control_conn(server.port).expect("control connection");
    println!("redis-server pid {} on port {}", server.pid(), server.port);
    let _: () = ctl
        .execute_command(cmd("SET").arg(KEY).arg(VAL16))
        .expect("SET");
    let data = Data {
        mib1: vec![b'x'; MIB],
        mib16: vec![b'x'; 16 * MIB],
        array1000: array_reply(1000),
    };
    let mut ws = workloads(&server, &mut ctl, &data);
    if let Some(keep) = &opts.clients {
        for w in ws.iter_mut() {
            w.runners
                .retain(|(c, _)| keep.iter().any(|k| k == c.name()));
        }
        ws.retain(|w| !w.runners.is_empty());
    }
    let wanted = |id: &str| opts.only.as_ref().is_none_or(|o| o.iter().any(|x| x == id));
    let mut outcomes = Vec::new();
    for w in ws.iter_mut().filter(|w| wanted(w.id)) {
        if !w.offline && w.id != "W5" {
            // Reset the 16-byte key redis-benchmark's GET reads (W5 overwrote it).
            let _: () = ctl
                .execute_command(cmd("SET").arg(KEY).arg(VAL16))
                .expect("SET");
        }
        let t = Instant::now();
        let o = run_workload(w, &opts, &mut ctl);
        let mut line = format!("{:<44}", o.name);
        for (c, s, _) in &o.results {
            let _ = write!(line, " {}: {:<24}", c.name(), fmt_rate(&o, s));
        }
        println!("{line} [{:.0}s]", t.elapsed().as_secs_f64());
        outcomes.push(o);
    }
    drop(ws);
    let allocs = if wanted("ALLOC") || opts.only.is_none() {
        allocation_rows(&server.url())
    } else {
        Vec::new()
    };
    let load = std::fs::read_to_string("/proc/loadavg").unwrap_or_default();
    let env = format!(
        "{env}- pinning: {}\n- load average at end: {}\n- total time: {:.0} s\n",
        if pinned {
            "redis-server on CPU 0; this process, its threads and redis-benchmark on the other CPUs"
        } else {
            "none"
        },
        load.split_whitespace()
            .take(3)
            .collect::<Vec<_>>()
            .join(" "),
        started.elapsed().as_secs_f64()
    );
    let md = report(&outcomes, &allocs, &env, &opts);
    println!("\n{md}");
    let env_line = env
        .lines()
        .filter(|l| l.contains("machine") || l.contains("date") || l.contains("redis-server"))
        .map(|l| l.trim_start_matches("- "))
        .collect::<Vec<_>>()
        .join("; ");
    let svg_text = svg(&outcomes, &env_line);
    let target_dir = std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("target"));
    write_out(&target_dir.join("compare"), &md, &svg_text);
    if opts.save_docs {
        write_out(
            &Path::new(env!("CARGO_MANIFEST_DIR")).join("docs"),
            &md,
            &svg_text,
        );
    }
}
