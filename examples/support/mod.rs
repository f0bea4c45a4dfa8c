//! Shared by the examples: where to find Redis.
//!
//! `REDIS_URL` defaults to `redis://127.0.0.1:6379/0`. When nothing listens there and
//! `redis-server` is installed, a throwaway server is started on a free port for the length
//! of the run (so the examples work on a machine with Redis installed but not running).

// Each example uses part of this module.
#![allow(dead_code)]

use std::error::Error;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream, ToSocketAddrs};
use std::process::{Child, Command, Stdio};
use std::thread;
use std::time::{Duration, Instant};

const DEFAULT_URL: &str = "redis://127.0.0.1:6379/0";

/// The Redis an example talks to; a throwaway server, if one was started, stops when this
/// drops, so keep it alive until the end of `main`.
pub struct Target {
    url: String,
    _throwaway: Option<ThrowawayServer>,
}

impl Target {
    /// The URL to connect to.
    pub fn url(&self) -> &str {
        &self.url
    }
}

/// `REDIS_URL` (or the default), or a throwaway server when nothing listens there.
pub fn redis() -> Result<Target, Box<dyn Error>> {
    let url = std::env::var("REDIS_URL").unwrap_or_else(|_| DEFAULT_URL.to_string());
    if let Some(addr) = tcp_address(&url) {
        if !listening(&addr) {
            let server = ThrowawayServer::start().map_err(|e| {
                format!("nothing listens on {addr}, and no throwaway redis-server: {e}")
            })?;
            println!(
                "nothing listens on {addr}: started a throwaway redis-server on port {}",
                server.port
            );
            return Ok(Target {
                url: format!("redis://127.0.0.1:{}/0", server.port),
                _throwaway: Some(server),
            });
        }
    }
    Ok(Target {
        url,
        _throwaway: None,
    })
}

/// `host:port` of a `redis://` or `rediss://` URL (port 6379 when none is given); `None` for
/// other schemes, such as a unix socket.
fn tcp_address(url: &str) -> Option<String> {
    let rest = url
        .strip_prefix("redis://")
        .or_else(|| url.strip_prefix("rediss://"))?;
    let authority = rest.split(['/', '?', '#']).next().unwrap_or("");
    // Drop `user:password@` (everything up to the last `@`).
    let host_port = authority.rsplit('@').next().unwrap_or("");
    let (host, port) = match host_port.strip_prefix('[') {
        // An IPv6 address: "[::1]:6380" or "[::1]".
        Some(v6) => {
            let (host, after) = v6.split_once(']')?;
            (
                &host_port[..host.len() + 2],
                after.strip_prefix(':').unwrap_or(""),
            )
        }
        None => host_port.split_once(':').unwrap_or((host_port, "")),
    };
    let host = if host.is_empty() { "127.0.0.1" } else { host };
    let port = if port.is_empty() { "6379" } else { port };
    Some(format!("{host}:{port}"))
}

/// Whether a TCP connection to `addr` succeeds.
fn listening(addr: &str) -> bool {
    let Ok(addrs) = addr.to_socket_addrs() else {
        return false;
    };
    addrs
        .into_iter()
        .any(|a| TcpStream::connect_timeout(&a, Duration::from_millis(500)).is_ok())
}

/// The seed URLs of a cluster; throwaway servers, if they were started, stop when this
/// drops, so keep it alive until the end of `main`.
pub struct ClusterTarget {
    /// Seed node URLs.
    pub seeds: Vec<String>,
    _throwaway: Vec<ThrowawayServer>,
    dirs: Vec<std::path::PathBuf>,
}

/// The seeds given on the command line, else `redis://127.0.0.1:30001` when something
/// listens there (Redis's `utils/create-cluster`), else a throwaway cluster of three
/// primaries on free ports, created with `redis-cli --cluster create`.
pub fn cluster(seeds: Vec<String>) -> Result<ClusterTarget, Box<dyn Error>> {
    if !seeds.is_empty() || listening("127.0.0.1:30001") {
        let seeds = if seeds.is_empty() {
            vec!["redis://127.0.0.1:30001".to_string()]
        } else {
            seeds
        };
        return Ok(ClusterTarget {
            seeds,
            _throwaway: Vec::new(),
            dirs: Vec::new(),
        });
    }
    let mut nodes = Vec::new();
    let mut dirs = Vec::new();
    for _ in 0..3 {
        let dir = std::env::temp_dir().join(format!(
            "strictredis-example-cluster-{}-{}",
            std::process::id(),
            nodes.len()
        ));
        std::fs::create_dir_all(&dir)?;
        dirs.push(dir.clone());
        let bus = TcpListener::bind("127.0.0.1:0")?.local_addr()?.port();
        nodes.push(ThrowawayServer::start_with(&[
            "--cluster-enabled",
            "yes",
            "--cluster-port",
            &bus.to_string(),
            "--dir",
            &dir.to_string_lossy(),
        ])?);
    }
    let addrs: Vec<String> = nodes
        .iter()
        .map(|n| format!("127.0.0.1:{}", n.port))
        .collect();
    let out = Command::new("redis-cli")
        .args(["--cluster", "create"])
        .args(&addrs)
        .args(["--cluster-replicas", "0", "--cluster-yes"])
        .stdin(Stdio::null())
        .output()
        .map_err(|e| format!("could not run redis-cli ({e}); install redis-tools"))?;
    if !out.status.success() {
        return Err(format!(
            "redis-cli --cluster create failed:\n{}",
            String::from_utf8_lossy(&out.stdout)
        )
        .into());
    }
    let deadline = Instant::now() + Duration::from_secs(30);
    while !nodes.iter().all(|n| cluster_ok(n.port)) {
        if Instant::now() >= deadline {
            return Err("the throwaway cluster did not reach cluster_state:ok in 30 s".into());
        }
        thread::sleep(Duration::from_millis(50));
    }
    println!("no cluster on 127.0.0.1:30001: started a throwaway 3-node cluster on {addrs:?}");
    Ok(ClusterTarget {
        seeds: addrs.iter().map(|a| format!("redis://{a}")).collect(),
        _throwaway: nodes,
        dirs,
    })
}

impl Drop for ClusterTarget {
    fn drop(&mut self) {
        // Stop the servers first, then remove their nodes.conf directories.
        self._throwaway.clear();
        for dir in &self.dirs {
            let _ = std::fs::remove_dir_all(dir);
        }
    }
}

/// Whether the node at `port` says `cluster_state:ok`.
fn cluster_ok(port: u16) -> bool {
    let ask = || -> std::io::Result<bool> {
        let mut stream = TcpStream::connect(("127.0.0.1", port))?;
        stream.set_read_timeout(Some(Duration::from_secs(1)))?;
        stream.write_all(b"CLUSTER INFO\r\n")?;
        let mut reply = vec![0u8; 4096];
        let n = stream.read(&mut reply)?;
        Ok(String::from_utf8_lossy(&reply[..n]).contains("cluster_state:ok"))
    };
    ask().unwrap_or(false)
}

/// A `redis-server` child process on a free loopback port, killed on drop.
struct ThrowawayServer {
    child: Child,
    port: u16,
}

impl ThrowawayServer {
    fn start() -> Result<ThrowawayServer, Box<dyn Error>> {
        Self::start_with(&[])
    }

    fn start_with(extra: &[&str]) -> Result<ThrowawayServer, Box<dyn Error>> {
        // A port that is free now: bind port 0, read it, let it go.
        let port = TcpListener::bind("127.0.0.1:0")?.local_addr()?.port();
        let child = Command::new("redis-server")
            .args(["--port", &port.to_string(), "--bind", "127.0.0.1"])
            .args(["--save", "", "--appendonly", "no", "--daemonize", "no"])
            .args(extra)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .map_err(|e| {
                format!("could not run redis-server ({e}); install it with `apt-get install -y redis-server`")
            })?;
        let mut server = ThrowawayServer { child, port };

        // Poll until it answers PING, with a growing pause; give up after 10 s.
        let deadline = Instant::now() + Duration::from_secs(10);
        let mut pause = Duration::from_millis(5);
        while !answers_ping(port) {
            if let Some(status) = server.child.try_wait()? {
                let mut log = String::new();
                if let Some(out) = server.child.stdout.as_mut() {
                    out.read_to_string(&mut log)?;
                }
                if let Some(err) = server.child.stderr.as_mut() {
                    err.read_to_string(&mut log)?;
                }
                return Err(format!("redis-server exited ({status}):\n{log}").into());
            }
            if Instant::now() >= deadline {
                return Err(
                    format!("redis-server did not answer on port {port} within 10 s").into(),
                );
            }
            thread::sleep(pause);
            pause = (pause * 2).min(Duration::from_millis(100));
        }
        Ok(server)
    }
}

impl Drop for ThrowawayServer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn answers_ping(port: u16) -> bool {
    let ping = || -> std::io::Result<bool> {
        let mut stream = TcpStream::connect(("127.0.0.1", port))?;
        stream.set_read_timeout(Some(Duration::from_secs(1)))?;
        stream.write_all(b"PING\r\n")?;
        let mut line = String::new();
        BufReader::new(stream).read_line(&mut line)?;
        Ok(line.starts_with("+PONG"))
    };
    ping().unwrap_or(false)
}
