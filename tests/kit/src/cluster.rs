//! Real Redis Cluster setups on loopback, for the cluster tests (`tests/cluster/`); the
//! Sentinel setups are in [`crate::sentinel`] (re-exported here).
//!
//! * [`TestCluster::start`]: 3 primaries and 3 replicas (`redis-server --cluster-enabled
//!   yes`, joined by the kit itself: slots, config epochs, `CLUSTER MEET`, `CLUSTER
//!   REPLICATE`), returned once every node says `cluster_state:ok`, every node agrees on who
//!   serves which slot, and every replica is in sync. [`TestCluster::start_with`] and
//!   [`TestCluster::start_valkey_with`] take any number of primaries and of replicas per
//!   primary (the scale test runs 6 x 1).
//!
//! Every process gets free ports (the cluster bus port too, with `--cluster-port`) and its
//! own temporary directory; everything is killed on drop. Timeouts are low
//! (`cluster-node-timeout` 2000 ms) so that failovers finish within a few seconds.

use std::collections::BTreeMap;
use std::io::{BufRead, BufReader, Write};
use std::net::TcpStream;
use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::sync::Mutex;
use std::time::Duration;

use super::{wait_until, RedisServer};

mod reshard;

/// `cluster-node-timeout` of test clusters, in milliseconds.
pub const NODE_TIMEOUT_MS: u64 = 2000;

/// How long a test cluster or sentinel setup may take to become healthy.
pub(crate) const SETUP_TIMEOUT: Duration = Duration::from_secs(60);

/// The `redis-cli` binary: `$STRICTREDIS_REDIS_CLI`, else `redis-cli` from `PATH`.
pub fn cli_binary() -> PathBuf {
    match std::env::var_os("STRICTREDIS_REDIS_CLI") {
        Some(p) if !p.is_empty() => PathBuf::from(p),
        _ => PathBuf::from("redis-cli"),
    }
}

/// Runs `redis-cli` with `args`, panicking with its output if it fails.
pub fn run_cli(args: &[&str]) -> String {
    try_run_cli(args).unwrap_or_else(|e| panic!("{e}"))
}

/// [`run_cli`], with a failed run's output as the error instead of a panic.
pub fn try_run_cli(args: &[&str]) -> Result<String, String> {
    let out = Command::new(cli_binary())
        .args(args)
        .stdin(Stdio::null())
        .output()
        .unwrap_or_else(|e| {
            panic!(
                "could not run {}: {e}; install redis-tools (scripts/setup.sh)",
                cli_binary().display()
            )
        });
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    if out.status.success() {
        Ok(text)
    } else {
        Err(format!(
            "redis-cli {args:?} failed ({}):\n{text}",
            out.status
        ))
    }
}

/// Makes a cluster of fresh nodes, as `redis-cli --cluster create` does but without its two
/// one-second pauses: the first `primaries` nodes share the 16384 slots in even ranges
/// (redis-cli's split), each node gets its own config epoch, every two nodes meet, and
/// once every node knows every other, replica `k` (the nodes after the primaries) follows
/// primary `k % primaries`. The caller then waits for [`TestCluster::is_healthy`]: a
/// primary reports `cluster_state:ok` 2 s after its start at the earliest (the servers'
/// own writable delay), which bounds a cluster's start from below.
fn create(nodes: &[RedisServer], primaries: usize) {
    let ok = |n: &RedisServer, args: &[&str]| {
        let r = n.raw_cmd(args);
        assert_eq!(r, "OK", "{args:?} on {}", n.port());
    };
    // A fresh node knows only itself; one that already heard of another (a node of a
    // cluster that a test tore down, still calling the ports this one reuses) forgets it.
    for n in nodes {
        if n.raw_cmd(&["CLUSTER", "NODES"]).lines().count() > 1 {
            ok(n, &["CLUSTER", "RESET", "HARD"]);
        }
    }
    let per = 16384.0 / primaries as f64;
    let mut first = 0u32;
    for (i, n) in nodes[..primaries].iter().enumerate() {
        let last = if i + 1 == primaries {
            16383
        } else {
            ((per * (i + 1) as f64).round() as u32 - 1).max(first)
        };
        ok(
            n,
            &[
                "CLUSTER",
                "ADDSLOTSRANGE",
                &first.to_string(),
                &last.to_string(),
            ],
        );
        first = last + 1;
    }
    for (i, n) in nodes.iter().enumerate() {
        // The distinct epochs spare the first election a collision; like
        // `redis-cli --cluster create`, a refusal (the node heard of another meanwhile) is
        // not fatal.
        let _ = n.raw_cmd(&["CLUSTER", "SET-CONFIG-EPOCH", &(i + 1).to_string()]);
    }
    // Every pair meets directly (a handshake takes one cluster tick; learning the others by
    // gossip from one common node takes seconds). A node's bus port is on its own line of
    // CLUSTER NODES ("myself": ip:port@cport).
    let bus: Vec<String> = nodes
        .iter()
        .map(|n| {
            n.raw_cmd(&["CLUSTER", "NODES"])
                .lines()
                .find(|l| l.contains("myself"))
                .and_then(|l| l.split_whitespace().nth(1))
                .and_then(|a| a.split('@').nth(1))
                .and_then(|b| b.split(',').next())
                .map(str::to_string)
                .unwrap_or_else(|| panic!("the bus port of {}", n.port()))
        })
        .collect();
    for (i, n) in nodes.iter().enumerate() {
        for (m, b) in nodes.iter().zip(&bus).skip(i + 1) {
            ok(
                n,
                &["CLUSTER", "MEET", "127.0.0.1", &m.port().to_string(), b],
            );
        }
    }
    let ids: Vec<String> = nodes
        .iter()
        .map(|n| n.raw_cmd(&["CLUSTER", "MYID"]))
        .collect();
    let everyone_known = wait_until(SETUP_TIMEOUT, || {
        nodes.iter().all(|n| {
            let text = n.raw_cmd(&["CLUSTER", "NODES"]);
            ids.iter().all(|id| text.contains(id.as_str()))
        })
    });
    assert!(
        everyone_known,
        "the nodes did not meet within {SETUP_TIMEOUT:?}"
    );
    for (k, n) in nodes[primaries..].iter().enumerate() {
        ok(n, &["CLUSTER", "REPLICATE", &ids[k % primaries]]);
    }
}

/// One line of `CLUSTER NODES`.
#[derive(Clone, Debug)]
pub struct NodeLine {
    pub id: String,
    pub port: u16,
    pub flags: String,
    /// The primary's id for a replica, `-` for a primary.
    pub master: String,
    /// Slot ranges, inclusive (importing/migrating markers left out).
    pub slots: Vec<(u16, u16)>,
}

impl NodeLine {
    pub fn is_primary(&self) -> bool {
        self.flags.split(',').any(|f| f == "master")
    }

    pub fn is_failed(&self) -> bool {
        self.flags.split(',').any(|f| f == "fail" || f == "fail?")
    }

    pub fn slot_count(&self) -> usize {
        self.slots
            .iter()
            .map(|(a, b)| (*b as usize) - (*a as usize) + 1)
            .sum()
    }
}

fn parse_nodes(text: &str) -> Vec<NodeLine> {
    text.lines()
        .filter(|l| !l.trim().is_empty())
        .filter_map(|line| {
            let f: Vec<&str> = line.split_whitespace().collect();
            if f.len() < 8 {
                return None;
            }
            // 127.0.0.1:7000@17000[,hostname]
            let addr = f[1].split('@').next()?;
            let port = addr.rsplit_once(':')?.1.parse().ok()?;
            let slots = f[8..]
                .iter()
                .filter(|s| !s.starts_with('['))
                .filter_map(|s| match s.split_once('-') {
                    Some((a, b)) => Some((a.parse().ok()?, b.parse().ok()?)),
                    None => s.parse().ok().map(|a| (a, a)),
                })
                .collect();
            Some(NodeLine {
                id: f[0].to_string(),
                port,
                flags: f[2].to_string(),
                master: f[3].to_string(),
                slots,
            })
        })
        .collect()
}

/// A running Redis Cluster; dropping it kills every node.
pub struct TestCluster {
    pub nodes: Vec<RedisServer>,
    primaries: usize,
    replicas_per_primary: usize,
    /// The `--requirepass` of the nodes, if any (given to redis-cli too).
    password: Option<String>,
    /// The ports of the nodes stopped with [`pause`](Self::pause) and not resumed yet.
    paused: Mutex<Vec<u16>>,
}

impl TestCluster {
    /// 3 primaries, 1 replica each.
    pub fn start() -> TestCluster {
        Self::start_with(3, 1, &[])
    }

    /// `primaries` primaries with `replicas` replicas each; `extra` is given to every
    /// `redis-server`.
    pub fn start_with(primaries: usize, replicas: usize, extra: &[&str]) -> TestCluster {
        Self::start_engine(false, primaries, replicas, extra)
    }

    /// Like [`start`](Self::start), with Valkey 9.1 nodes (see
    /// [`RedisServer::start_valkey`]), joined by the same `redis-cli`.
    pub fn start_valkey() -> TestCluster {
        Self::start_valkey_with(3, 1, &[])
    }

    /// Like [`start_with`](Self::start_with), with Valkey 9.1 nodes.
    pub fn start_valkey_with(primaries: usize, replicas: usize, extra: &[&str]) -> TestCluster {
        Self::start_engine(true, primaries, replicas, extra)
    }

    fn start_engine(
        valkey: bool,
        primaries: usize,
        replicas: usize,
        extra: &[&str],
    ) -> TestCluster {
        Self::start_with_node_args(valkey, primaries, replicas, extra, &|_| Vec::new())
    }

    /// Like [`start_with`](Self::start_with), on Valkey 9.1 when `valkey` is true, with
    /// `node_args(i)` added to the command line of node `i` only, after `extra` (say
    /// `["--availability-zone", "z1"]`). The first `primaries` nodes are the primaries;
    /// replica `k` (node `primaries + k`) follows primary `k % primaries` (or ask
    /// [`cluster_nodes`](Self::cluster_nodes) which replica serves which primary).
    pub fn start_with_node_args(
        valkey: bool,
        primaries: usize,
        replicas: usize,
        extra: &[&str],
        node_args: &dyn Fn(usize) -> Vec<String>,
    ) -> TestCluster {
        let timeout = NODE_TIMEOUT_MS.to_string();
        let nodes: Vec<RedisServer> = (0..primaries * (1 + replicas))
            .map(|i| {
                let own = node_args(i);
                let mut args = vec![
                    "--cluster-enabled",
                    "yes",
                    "--cluster-config-file",
                    "nodes.conf",
                    "--cluster-node-timeout",
                    &timeout,
                    // A free bus port, picked at each start attempt.
                    "--cluster-port",
                    "0",
                    "--repl-diskless-sync",
                    "yes",
                    "--repl-diskless-sync-delay",
                    "0",
                    // A replica counts as "loading" in CLUSTER SHARDS until its replication
                    // offset moves; the primary's pings move it.
                    "--repl-ping-replica-period",
                    "1",
                ];
                args.extend_from_slice(extra);
                args.extend(own.iter().map(String::as_str));
                if valkey {
                    RedisServer::start_valkey(&args)
                } else {
                    RedisServer::start_with(&args)
                }
            })
            .collect();
        let password = extra
            .iter()
            .position(|a| *a == "--requirepass")
            .and_then(|i| extra.get(i + 1))
            .map(|p| p.to_string());
        create(&nodes, primaries);
        let cluster = TestCluster {
            nodes,
            primaries,
            replicas_per_primary: replicas,
            password,
            paused: Mutex::new(Vec::new()),
        };
        cluster.wait_healthy(SETUP_TIMEOUT);
        cluster
    }

    /// A seed URL (the first node that is running).
    pub fn url(&self) -> String {
        self.running().next().expect("a running node").url()
    }

    /// Every node's URL.
    pub fn urls(&self) -> Vec<String> {
        self.running().map(RedisServer::url).collect()
    }

    /// The nodes that are running and not paused.
    fn running(&self) -> impl Iterator<Item = &RedisServer> {
        let paused = self
            .paused
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clone();
        self.nodes
            .iter()
            .filter(move |n| n.is_running() && !paused.contains(&n.port()))
    }

    /// Freezes the node on `port` with SIGSTOP: it keeps its sockets open and accepts TCP
    /// connections (the kernel does), but answers nothing, not even the cluster bus, until
    /// [`resume`](Self::resume). The helpers that ask "the first running node" skip it.
    pub fn pause(&self, port: u16) {
        signal(self.node(port), "STOP");
        self.paused
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .push(port);
    }

    /// Wakes a node frozen by [`pause`](Self::pause) with SIGCONT.
    pub fn resume(&self, port: u16) {
        signal(self.node(port), "CONT");
        self.paused
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .retain(|&p| p != port);
    }

    /// The node listening on `port`.
    pub fn node(&self, port: u16) -> &RedisServer {
        self.nodes
            .iter()
            .find(|n| n.port() == port)
            .unwrap_or_else(|| panic!("no node on port {port}"))
    }

    /// `CLUSTER NODES` as one running node sees it.
    pub fn cluster_nodes(&self) -> Vec<NodeLine> {
        let n = self.running().next().expect("a running node");
        parse_nodes(&n.raw_cmd(&["CLUSTER", "NODES"]))
    }

    /// The ports of the primaries that serve slots, and of their replicas, as the first
    /// running node sees it.
    pub fn primary_ports(&self) -> Vec<u16> {
        self.cluster_nodes()
            .iter()
            .filter(|n| n.is_primary() && !n.slots.is_empty() && !n.is_failed())
            .map(|n| n.port)
            .collect()
    }

    /// The port of a replica of the primary on `primary_port`.
    pub fn replica_of(&self, primary_port: u16) -> u16 {
        let nodes = self.cluster_nodes();
        let id = &nodes
            .iter()
            .find(|n| n.port == primary_port)
            .expect("primary known")
            .id;
        nodes
            .iter()
            .find(|n| &n.master == id && !n.is_failed())
            .map(|n| n.port)
            .unwrap_or_else(|| panic!("no replica of {primary_port}"))
    }

    /// The node id of the node on `port`.
    pub fn node_id(&self, port: u16) -> String {
        self.node(port).raw_cmd(&["CLUSTER", "MYID"])
    }

    /// The port of the primary serving `slot`, as the first running node sees it.
    pub fn owner_of_slot(&self, slot: u16) -> u16 {
        self.cluster_nodes()
            .iter()
            .find(|n| n.is_primary() && n.slots.iter().any(|&(a, b)| a <= slot && slot <= b))
            .map(|n| n.port)
            .unwrap_or_else(|| panic!("no owner of slot {slot}"))
    }

    /// Whether the cluster is settled: every running node says `cluster_state:ok`, sees the
    /// same slot owners and the expected numbers of primaries and replicas, with no node
    /// failed, no slot migrating, every replica in sync and reported online.
    pub fn is_healthy(&self) -> bool {
        let mut views: Vec<BTreeMap<u16, Vec<(u16, u16)>>> = Vec::new();
        for n in self.running() {
            let Ok(replies) = n.try_raw_cmds(&[
                &["CLUSTER", "INFO"],
                &["CLUSTER", "NODES"],
                &["INFO", "replication"],
                &["CLUSTER", "SHARDS"],
            ]) else {
                return false;
            };
            let info = replies[0].to_string();
            if !info.contains("cluster_state:ok") {
                return false;
            }
            let text = replies[1].to_string();
            if text.contains("->-") || text.contains("-<-") {
                return false; // a slot is migrating or importing
            }
            let nodes = parse_nodes(&text);
            let alive: Vec<&NodeLine> = nodes.iter().filter(|n| !n.is_failed()).collect();
            let primaries: Vec<&&NodeLine> = alive
                .iter()
                .filter(|n| n.is_primary() && !n.slots.is_empty())
                .collect();
            let replicas = alive.iter().filter(|n| !n.is_primary()).count();
            if primaries.len() != self.primaries
                || replicas != self.primaries * self.replicas_per_primary
                || nodes
                    .iter()
                    .any(|n| n.is_failed() && n.flags.contains("master") && !n.slots.is_empty())
            {
                return false;
            }
            views.push(
                primaries
                    .iter()
                    .map(|p| (p.port, p.slots.clone()))
                    .collect(),
            );
            let repl = replies[2].to_string();
            if repl.contains("role:slave") && !repl.contains("master_link_status:up") {
                return false;
            }
            let shards = replies[3].to_string();
            if shards.contains("\nloading") || shards.contains("\nfail") {
                return false;
            }
        }
        views.windows(2).all(|w| w[0] == w[1])
    }

    /// Waits until [`is_healthy`](Self::is_healthy), panicking after `timeout` with every
    /// node's view.
    pub fn wait_healthy(&self, timeout: Duration) {
        if !wait_until(timeout, || self.is_healthy()) {
            let views: Vec<String> = self
                .running()
                .map(|n| {
                    format!(
                        "--- {}:\n{}\n{}",
                        n.port(),
                        n.raw_cmd(&["CLUSTER", "NODES"]),
                        n.raw_cmd(&["CLUSTER", "INFO"])
                            .lines()
                            .next()
                            .unwrap_or_default()
                    )
                })
                .collect();
            panic!(
                "the cluster did not settle within {timeout:?}:\n{}",
                views.join("\n")
            );
        }
    }

    /// Moves `slots` slots (and their keys) from the primary on `from` to the one on `to`
    /// with `redis-cli --cluster reshard`; returns its output.
    ///
    /// On a loaded machine a node may miss `cluster-node-timeout` and the cluster says
    /// CLUSTERDOWN for a moment, or (Valkey) a replica still catching up makes `SETSLOT`
    /// answer NOREPLICAS, which stops `redis-cli` mid-way: then this waits for the
    /// cluster to be healthy, closes the slot left half-moved (`--cluster fix`) and moves
    /// the slots still missing, up to three times.
    pub fn reshard(&self, from: u16, to: u16, slots: usize) -> String {
        let from_id = self.node_id(from);
        let to_id = self.node_id(to);
        let owned = || {
            self.cluster_nodes()
                .iter()
                .find(|n| n.port == to)
                .map_or(0, NodeLine::slot_count)
        };
        let target = owned() + slots;
        let addr = self.node(from).addr();
        let mut auth: Vec<&str> = Vec::new();
        if let Some(p) = &self.password {
            auth.extend(["-a", p.as_str(), "--no-auth-warning"]);
        }
        let mut output = String::new();
        for attempt in 0.. {
            let missing = target.saturating_sub(owned()).to_string();
            let mut args = auth.clone();
            args.extend([
                "--cluster",
                "reshard",
                &addr,
                "--cluster-from",
                &from_id,
                "--cluster-to",
                &to_id,
                "--cluster-slots",
                &missing,
                "--cluster-yes",
                "--cluster-pipeline",
                "100",
            ]);
            match try_run_cli(&args) {
                Ok(text) => {
                    output.push_str(&text);
                    return output;
                }
                // NOREPLICAS: Valkey 8+ has `CLUSTER SETSLOT .. NODE` wait for the replicas,
                // and a replica still catching up (after a SIGCONT, a failover) misses that.
                Err(e)
                    if attempt < 3 && (e.contains("CLUSTERDOWN") || e.contains("NOREPLICAS")) =>
                {
                    output.push_str(&e);
                    self.wait_healthy(SETUP_TIMEOUT);
                    let mut fix = auth.clone();
                    fix.extend(["--cluster", "fix", &addr, "--cluster-yes"]);
                    output.push_str(&run_cli(&fix));
                    self.wait_healthy(SETUP_TIMEOUT);
                }
                Err(e) => panic!("{e}"),
            }
        }
        unreachable!()
    }

    /// Moves the one slot `slot` (and its keys) to the primary on `to`, by hand as
    /// `redis-cli` does: `IMPORTING`/`MIGRATING`, `MIGRATE` of its keys, then `SETSLOT
    /// NODE` on every primary.
    pub fn move_slot(&self, slot: u16, to: u16) {
        let from = self.owner_of_slot(slot);
        assert_ne!(from, to, "slot {slot} is already on {to}");
        let (from_id, to_id) = (self.node_id(from), self.node_id(to));
        let s = slot.to_string();
        let (source, target) = (self.node(from), self.node(to));
        assert_eq!(
            target.raw_cmd(&["CLUSTER", "SETSLOT", &s, "IMPORTING", &from_id]),
            "OK"
        );
        assert_eq!(
            source.raw_cmd(&["CLUSTER", "SETSLOT", &s, "MIGRATING", &to_id]),
            "OK"
        );
        let port = to.to_string();
        loop {
            let keys = source.raw_cmd(&["CLUSTER", "GETKEYSINSLOT", &s, "100"]);
            let keys: Vec<&str> = keys.lines().filter(|k| !k.is_empty()).collect();
            if keys.is_empty() {
                break;
            }
            let mut args = vec!["MIGRATE", "127.0.0.1", &port, "", "0", "5000", "KEYS"];
            args.extend(keys);
            assert_eq!(source.raw_cmd(&args), "OK");
        }
        // The target first, then the source, then the other primaries.
        let others = self
            .primary_ports()
            .into_iter()
            .filter(|&p| p != from && p != to);
        for p in [to, from].into_iter().chain(others) {
            self.node(p)
                .raw_cmd(&["CLUSTER", "SETSLOT", &s, "NODE", &to_id]);
        }
    }
}

impl std::fmt::Debug for TestCluster {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TestCluster")
            .field(
                "ports",
                &self.nodes.iter().map(|n| n.port()).collect::<Vec<_>>(),
            )
            .finish()
    }
}

/// Sends `SIG<name>` (`STOP`, `CONT`) to `server`'s process with `kill -s`, panicking if
/// that fails. A stopped server is still killed by its drop (SIGKILL reaches it).
pub fn signal(server: &RedisServer, name: &str) {
    let out = Command::new("kill")
        .args(["-s", name, &server.pid().to_string()])
        .output()
        .unwrap_or_else(|e| panic!("could not run kill: {e}"));
    assert!(
        out.status.success(),
        "kill -s {name} {} failed: {}",
        server.pid(),
        String::from_utf8_lossy(&out.stderr)
    );
}

/// A black hole: a loopback listener that accepts every connection and never answers
/// (nor closes) one, until dropped. What a client meets when a server hangs before it
/// could say anything, or a firewall swallows the replies.
pub struct BlackHole {
    port: u16,
    stop: std::sync::Arc<std::sync::atomic::AtomicBool>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl BlackHole {
    /// Listens on a free loopback port.
    pub fn start() -> BlackHole {
        use std::sync::atomic::{AtomicBool, Ordering};
        let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind a black hole");
        let port = listener.local_addr().expect("local addr").port();
        let stop = std::sync::Arc::new(AtomicBool::new(false));
        let flag = stop.clone();
        let thread = std::thread::spawn(move || {
            let mut held = Vec::new();
            // Drop wakes the accept with a connection of its own after setting the flag.
            for s in listener.incoming() {
                if flag.load(Ordering::Relaxed) {
                    break;
                }
                if let Ok(s) = s {
                    held.push(s);
                }
            }
        });
        BlackHole {
            port,
            stop,
            thread: Some(thread),
        }
    }

    /// Its port.
    pub fn port(&self) -> u16 {
        self.port
    }

    /// `redis://127.0.0.1:<port>`.
    pub fn url(&self) -> String {
        format!("redis://127.0.0.1:{}", self.port)
    }
}

impl Drop for BlackHole {
    fn drop(&mut self) {
        self.stop.store(true, std::sync::atomic::Ordering::Relaxed);
        let _ = TcpStream::connect(("127.0.0.1", self.port));
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

pub(crate) fn ping(port: u16) -> bool {
    let attempt = || -> std::io::Result<bool> {
        let s = TcpStream::connect(("127.0.0.1", port))?;
        s.set_read_timeout(Some(Duration::from_secs(1)))?;
        (&s).write_all(b"PING\r\n")?;
        let mut line = String::new();
        BufReader::new(&s).read_line(&mut line)?;
        Ok(line.starts_with("+PONG"))
    };
    attempt().unwrap_or(false)
}

/// A raw command to any port (sentinels are no [`RedisServer`]s).
pub fn raw_cmd_port(port: u16, args: &[&str]) -> String {
    let s = TcpStream::connect(("127.0.0.1", port)).expect("connect");
    s.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
    let mut out = format!("*{}\r\n", args.len());
    for a in args {
        out.push_str(&format!("${}\r\n{a}\r\n", a.len()));
    }
    (&s).write_all(out.as_bytes()).unwrap();
    let mut r = BufReader::new(&s);
    super::read_reply(&mut r)
        .map(|r| r.to_string())
        .unwrap_or_else(|e| format!("-IO {e}"))
}

pub use crate::sentinel::{SentinelProcess, TestSentinel};
