//! The markdown report and the SVG plot.

use std::fmt::Write as _;
use std::path::Path;

use crate::measure::*;
use crate::Opts;

pub(crate) fn si(x: f64) -> String {
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

pub(crate) fn fmt_rate(o: &Outcome, s: &Sample) -> String {
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

pub(crate) fn verdict(ratios: Option<(f64, f64, f64)>, target: Option<f64>) -> String {
    match (ratios, target) {
        (Some((r, lo, hi)), Some(t)) => format!(
            "{r:.2}x [{lo:.2}-{hi:.2}] (>= {t}: {})",
            if r >= t { "met" } else { "MISSED" }
        ),
        (Some((r, lo, hi)), None) => format!("{r:.2}x [{lo:.2}-{hi:.2}]"),
        _ => "-".into(),
    }
}

pub(crate) fn report(outcomes: &[Outcome], allocs: &[AllocRow], env: &str, opts: &Opts) -> String {
    let mut s = String::new();
    let _ = writeln!(s, "{env}- rounds: {}, ~{} s per strictredis run; clients alternate (every order in turn: A B C, B C A, C A B, C B A, A C B, B A C); rates are medians over the rounds, ratios are medians of the per-round ratios [quartiles]\n", opts.rounds, opts.secs);
    let _ = writeln!(
        s,
        "| workload | strictredis | redis-rs | redis-benchmark | vs redis-rs | vs redis-benchmark | strictredis (pool) | vs pool |"
    );
    let _ = writeln!(s, "|---|---|---|---|---|---|---|---|");
    for o in outcomes {
        let cell = |c: Client| {
            o.get(c)
                .map(|x| fmt_rate(o, x))
                .unwrap_or_else(|| "-".into())
        };
        let _ = writeln!(
            s,
            "| {} | {} | {} | {} | {} | {} | {} | {} |",
            o.name,
            cell(Client::Strict),
            cell(Client::RedisRs),
            cell(Client::Bench),
            verdict(o.ratios(Client::RedisRs), o.target_rs),
            verdict(o.ratios(Client::Bench), o.target_rb),
            cell(Client::StrictPooled),
            verdict(o.ratios(Client::StrictPooled), None),
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
pub(crate) fn svg(outcomes: &[Outcome], env_line: &str) -> String {
    let clients = [
        (Client::Strict, "#1f77b4"),
        (Client::StrictPooled, "#2ca02c"),
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

pub(crate) fn xml(t: &str) -> String {
    t.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

pub(crate) fn write_out(dir: &Path, md: &str, svg_text: &str) {
    if std::fs::create_dir_all(dir).is_ok() {
        let _ = std::fs::write(dir.join("benchmark-results.md"), md);
        let _ = std::fs::write(dir.join("benchmarks.svg"), svg_text);
        println!(
            "wrote {}/benchmark-results.md and benchmarks.svg",
            dir.display()
        );
    }
}
