//! The counting allocator, CPU times, pinning, and the timed runs of a workload.

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;
use std::hint::black_box;
use std::process::{Command, Stdio};
use std::time::Instant;

use redis::Commands as _;
use strictredis::{cmd, Connection, ConnectionInfo, FromValue};

use crate::support::*;
use crate::workloads::*;
use crate::Opts;

// ---------------------------------------------------------------------------------------
// Counting allocator: allocations made by the current thread.

pub(crate) struct Counting;

thread_local! {
    static ALLOCS: Cell<u64> = const { Cell::new(0) };
}

#[inline]
pub(crate) fn bump() {
    let _ = ALLOCS.try_with(|c| c.set(c.get() + 1));
}

pub(crate) fn allocs() -> u64 {
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
pub(crate) static GLOBAL: Counting = Counting;

pub(crate) fn control_conn(port: u16) -> strictredis::Result<Connection> {
    let info: ConnectionInfo = format!("redis://127.0.0.1:{port}/").parse()?;
    Connection::open(&info)
}

/// The server's CPU time so far (user + system), from `INFO cpu`.
pub(crate) fn server_cpu(ctl: &mut Connection) -> f64 {
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
pub(crate) fn own_cpu() -> (f64, f64) {
    pub(crate) fn get(who: libc::c_int) -> f64 {
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
pub(crate) fn pin(server_pid: u32) -> bool {
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

pub(crate) const MIB: usize = 1024 * 1024;

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub(crate) enum Client {
    Strict,
    /// strictredis over its pool, where `Strict` is the auto-pipelined client (W9, W10).
    StrictPooled,
    RedisRs,
    Bench,
}

impl Client {
    pub(crate) fn name(self) -> &'static str {
        match self {
            Client::Strict => "strictredis",
            Client::StrictPooled => "strictredis (pool)",
            Client::RedisRs => "redis-rs",
            Client::Bench => "redis-benchmark",
        }
    }
}

/// What a runner reports: operations done and the seconds they took by its own clock.
pub(crate) struct Timed {
    pub(crate) ops: u64,
    pub(crate) secs: f64,
}

pub(crate) type Runner<'a> = Box<dyn FnMut(u64) -> Timed + 'a>;

pub(crate) struct Workload<'a> {
    pub(crate) id: &'static str,
    pub(crate) name: String,
    /// Bytes per operation for bytes/s workloads.
    pub(crate) bytes_per_op: Option<usize>,
    /// No server involved: report ns/op.
    pub(crate) offline: bool,
    /// Targets: minimum ratio vs redis-rs, vs redis-benchmark.
    pub(crate) target_rs: Option<f64>,
    pub(crate) target_rb: Option<f64>,
    pub(crate) runners: Vec<(Client, Runner<'a>)>,
    /// Smallest number of operations per run.
    pub(crate) min_ops: u64,
}

#[derive(Clone, Copy, Default)]
pub(crate) struct Sample {
    pub(crate) rate: f64,
    pub(crate) client_cpu_per_op: f64,
    pub(crate) server_util: f64,
}

pub(crate) struct Outcome {
    pub(crate) name: String,
    pub(crate) bytes_per_op: Option<usize>,
    pub(crate) offline: bool,
    pub(crate) target_rs: Option<f64>,
    pub(crate) target_rb: Option<f64>,
    pub(crate) ops_per_run: u64,
    /// Per client: the median sample and every rate.
    pub(crate) results: Vec<(Client, Sample, Vec<f64>)>,
}

impl Outcome {
    pub(crate) fn get(&self, c: Client) -> Option<&Sample> {
        self.results.iter().find(|r| r.0 == c).map(|r| &r.1)
    }
    /// strictredis's rate over `c`'s, round by round (the runs of one round are seconds
    /// apart, so they saw the same load): the median and the quartiles of those ratios.
    pub(crate) fn ratios(&self, c: Client) -> Option<(f64, f64, f64)> {
        let all = |c: Client| self.results.iter().find(|r| r.0 == c).map(|r| &r.2);
        let (a, b) = (all(Client::Strict)?, all(c)?);
        let mut v: Vec<f64> = a.iter().zip(b).map(|(x, y)| x / y).collect();
        v.sort_by(|x, y| x.partial_cmp(y).unwrap_or(std::cmp::Ordering::Equal));
        let q = |f: f64| v[((v.len() - 1) as f64 * f).round() as usize];
        Some((median(&mut v.clone()), q(0.25), q(0.75)))
    }

    pub(crate) fn ratio(&self, c: Client) -> Option<f64> {
        self.ratios(c).map(|r| r.0)
    }
}

pub(crate) fn median(v: &mut [f64]) -> f64 {
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
pub(crate) fn run_order(k: usize, round: usize) -> Vec<usize> {
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

pub(crate) fn time_loop(n: u64, mut f: impl FnMut(u64)) -> Timed {
    let t = Instant::now();
    for i in 0..n {
        f(i);
    }
    Timed {
        ops: n,
        secs: t.elapsed().as_secs_f64(),
    }
}

pub(crate) fn run_workload(w: &mut Workload<'_>, opts: &Opts, ctl: &mut Connection) -> Outcome {
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
pub(crate) fn redis_benchmark(port: u16, n: u64, args: &[String]) -> Timed {
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

// ---------------------------------------------------------------------------------------
// Allocation counts.

pub(crate) struct AllocRow {
    pub(crate) what: &'static str,
    pub(crate) strict: f64,
    pub(crate) redis_rs: f64,
}

pub(crate) fn count_allocs(n: u64, mut f: impl FnMut()) -> f64 {
    let a0 = allocs();
    for _ in 0..n {
        f();
    }
    (allocs() - a0) as f64 / n as f64
}

pub(crate) fn allocation_rows(url: &str) -> Vec<AllocRow> {
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
