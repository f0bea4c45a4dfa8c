//! strictredis against redis-rs (crate `redis`) and `redis-benchmark` (C, hiredis), on one
//! local `redis-server` that this program starts on a free port.
//!
//! ```text
//! cargo bench --bench compare                      # everything, ~5 minutes
//! cargo bench --bench compare -- --only W1,W8      # some workloads
//! cargo bench --bench compare -- --only W9,W10     # auto-pipelining (see autopipe.rs)
//! cargo bench --bench compare -- --only W11 --rounds 5 --secs 0.01   # caching (cache.rs)
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

mod autopipe;
mod cache;
mod measure;
mod report;
#[path = "../support/mod.rs"]
mod support;
mod workloads;

use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Instant;

use strictredis::cmd;

use crate::measure::*;
use crate::report::*;
use crate::support::*;
use crate::workloads::*;

// ---------------------------------------------------------------------------------------
// Options.

pub(crate) struct Opts {
    pub(crate) rounds: usize,
    pub(crate) secs: f64,
    pub(crate) only: Option<Vec<String>>,
    /// Only these clients (for profiling one of them).
    pub(crate) clients: Option<Vec<String>>,
    pub(crate) save_docs: bool,
    /// Pin the server to the first CPU and this process (clients, redis-benchmark) to the
    /// others.
    pub(crate) pin: bool,
}

pub(crate) fn parse_opts() -> Option<Opts> {
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

pub(crate) fn cmd_out(c: &str, args: &[&str]) -> String {
    Command::new(c)
        .args(args)
        .output()
        .ok()
        .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_string())
        .unwrap_or_else(|| "?".into())
}

pub(crate) fn redis_crate_version() -> String {
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

pub(crate) fn environment() -> String {
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

fn main() {
    let Some(opts) = parse_opts() else { return };
    let started = Instant::now();
    let env = environment();
    println!("{env}");
    let server = strictredis_test_kit::RedisServer::start();
    let pinned = opts.pin && pin(server.pid());
    let mut ctl = control_conn(server.port()).expect("control connection");
    println!(
        "redis-server pid {} on port {}",
        server.pid(),
        server.port()
    );
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
