//! Shared by the examples: where to find Redis.
//!
//! `REDIS_URL` defaults to `redis://127.0.0.1:6379/0`. When nothing listens there, a
//! throwaway server from the test kit (`tests/kit`, the launcher the tests use) runs on a
//! free port for the length of the run, so the examples work on a machine with Redis
//! installed but not running.

// Each example uses part of this module.
#![allow(dead_code)]

use std::error::Error;
use std::net::{TcpStream, ToSocketAddrs};
use std::time::Duration;

use strictredis_test_kit::cluster::TestCluster;
use strictredis_test_kit::RedisServer;

const DEFAULT_URL: &str = "redis://127.0.0.1:6379/0";

/// The Redis an example talks to; a throwaway server, if one was started, stops when this
/// drops, so keep it alive until the end of `main`.
pub struct Target {
    url: String,
    _throwaway: Option<RedisServer>,
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
            let server = RedisServer::start();
            println!(
                "nothing listens on {addr}: started a throwaway redis-server on port {}",
                server.port()
            );
            return Ok(Target {
                url: server.url(),
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

/// The seed URLs of a cluster; a throwaway cluster, if one was started, stops when this
/// drops, so keep it alive until the end of `main`.
pub struct ClusterTarget {
    /// Seed node URLs.
    pub seeds: Vec<String>,
    _throwaway: Option<TestCluster>,
}

/// The seeds given on the command line, else `redis://127.0.0.1:30001` when something
/// listens there (Redis's `utils/create-cluster`), else a throwaway cluster of three
/// primaries on free ports (the test kit's, joined with `redis-cli --cluster create`).
pub fn cluster(seeds: Vec<String>) -> Result<ClusterTarget, Box<dyn Error>> {
    if !seeds.is_empty() || listening("127.0.0.1:30001") {
        let seeds = if seeds.is_empty() {
            vec!["redis://127.0.0.1:30001".to_string()]
        } else {
            seeds
        };
        return Ok(ClusterTarget {
            seeds,
            _throwaway: None,
        });
    }
    let cluster = TestCluster::start_with(3, 0, &[]);
    let seeds = cluster.urls();
    println!("no cluster on 127.0.0.1:30001: started a throwaway 3-node cluster on {seeds:?}");
    Ok(ClusterTarget {
        seeds,
        _throwaway: Some(cluster),
    })
}
