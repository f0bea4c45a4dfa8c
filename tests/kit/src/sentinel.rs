//! Real Sentinel setups on loopback, for the Sentinel tests (`tests/cluster/`):
//! [`TestSentinel::start`] gives a master, one replica and 3 `redis-sentinel` processes
//! watching it as `mymaster`, returned once the sentinels know the replica and each other.
//! Each process has free ports and its own temporary directory, and is killed on drop;
//! sentinel `down-after-milliseconds` is 1000 ms, so failovers finish within seconds.
//! (Also reachable as `strictredis_test_kit::cluster::{SentinelProcess, TestSentinel}`.)

use std::fs::{self, OpenOptions};
use std::process::{Child, Command, Stdio};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use super::cluster::{ping, raw_cmd_port, SETUP_TIMEOUT};
use super::{free_port, wait_until, RedisServer};

/// One `redis-sentinel` process with its own config file; killed on drop.
pub struct SentinelProcess {
    port: u16,
    child: Mutex<Option<Child>>,
    dir: tempfile::TempDir,
}

impl SentinelProcess {
    /// Starts a sentinel watching `master_port` as `name` (quorum 2), with
    /// `down-after-milliseconds` 1000 and `failover-timeout` 5000.
    pub fn start(name: &str, master_port: u16) -> SentinelProcess {
        let dir = tempfile::Builder::new()
            .prefix("strictredis-sentinel-")
            .tempdir()
            .expect("create a temporary directory for redis-sentinel");
        let mut last_log = String::new();
        for _ in 0..5 {
            let port = free_port();
            let conf = dir.path().join("sentinel.conf");
            fs::write(
                &conf,
                format!(
                    "port {port}\nbind 127.0.0.1\ndaemonize no\ndir {dir}\n\
                     sentinel monitor {name} 127.0.0.1 {master_port} 2\n\
                     sentinel down-after-milliseconds {name} 1000\n\
                     sentinel failover-timeout {name} 5000\n\
                     sentinel parallel-syncs {name} 1\n",
                    dir = dir.path().display()
                ),
            )
            .expect("write sentinel.conf");
            let log_path = dir.path().join("sentinel.log");
            let log = OpenOptions::new()
                .create(true)
                .append(true)
                .open(&log_path)
                .expect("open sentinel.log");
            let mut child = Command::new("redis-sentinel")
                .arg(&conf)
                .current_dir(dir.path())
                .stdin(Stdio::null())
                .stdout(log.try_clone().expect("clone log handle"))
                .stderr(log)
                .spawn()
                .unwrap_or_else(|e| {
                    panic!("could not run redis-sentinel: {e}; install it (scripts/setup.sh)")
                });
            let deadline = Instant::now() + Duration::from_secs(10);
            loop {
                if let Ok(Some(_)) = child.try_wait() {
                    last_log = fs::read_to_string(&log_path).unwrap_or_default();
                    break;
                }
                if ping(port) {
                    return SentinelProcess {
                        port,
                        child: Mutex::new(Some(child)),
                        dir,
                    };
                }
                if Instant::now() > deadline {
                    let _ = child.kill();
                    let _ = child.wait();
                    panic!(
                        "redis-sentinel did not answer on {port}:\n{}",
                        fs::read_to_string(&log_path).unwrap_or_default()
                    );
                }
                std::thread::sleep(Duration::from_millis(20));
            }
        }
        panic!("redis-sentinel could not start in 5 attempts; last log:\n{last_log}");
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    pub fn url(&self) -> String {
        format!("redis://127.0.0.1:{}", self.port)
    }

    /// Sends one command (text arguments) and returns the reply as text, as
    /// [`RedisServer::raw_cmd`] does.
    pub fn raw_cmd(&self, args: &[&str]) -> String {
        raw_cmd_port(self.port, args)
    }

    pub fn log(&self) -> String {
        fs::read_to_string(self.dir.path().join("sentinel.log")).unwrap_or_default()
    }

    /// Sends `SIGSTOP` (`stop == true`) or `SIGCONT` to the sentinel: a stopped one still
    /// accepts connections (the kernel does) but never answers.
    pub fn pause(&self, stop: bool) {
        let pid = match self
            .child
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .as_ref()
        {
            Some(c) => c.id(),
            None => return,
        };
        let sig = if stop { "-STOP" } else { "-CONT" };
        let ok = Command::new("kill")
            .arg(sig)
            .arg(pid.to_string())
            .status()
            .map(|s| s.success())
            .unwrap_or(false);
        assert!(ok, "kill {sig} {pid} failed");
    }

    pub fn kill(&self) {
        if let Some(mut c) = self.child.lock().unwrap_or_else(|e| e.into_inner()).take() {
            let _ = c.kill();
            let _ = c.wait();
        }
    }
}

impl Drop for SentinelProcess {
    fn drop(&mut self) {
        self.kill();
    }
}

/// A master, one replica and three sentinels watching them as [`TestSentinel::NAME`].
pub struct TestSentinel {
    pub servers: Vec<RedisServer>,
    pub sentinels: Vec<SentinelProcess>,
}

impl TestSentinel {
    /// The name the sentinels know the master by.
    pub const NAME: &'static str = "mymaster";

    pub fn start() -> TestSentinel {
        let master = RedisServer::start_with(&["--repl-diskless-sync-delay", "0"]);
        let port = master.port().to_string();
        let replica = RedisServer::start_with(&[
            "--replicaof",
            "127.0.0.1",
            &port,
            "--repl-diskless-sync-delay",
            "0",
        ]);
        assert!(
            wait_until(SETUP_TIMEOUT, || replica
                .raw_cmd(&["INFO", "replication"])
                .contains("master_link_status:up")),
            "the replica did not sync"
        );
        let sentinels: Vec<SentinelProcess> = (0..3)
            .map(|_| SentinelProcess::start(Self::NAME, master.port()))
            .collect();
        let setup = TestSentinel {
            servers: vec![master, replica],
            sentinels,
        };
        setup.wait_settled();
        setup
    }

    /// Shortens the sentinels' own periods (`SENTINEL DEBUG`, Redis 7.0+): `INFO` to each
    /// server every 250 ms instead of every 10 s, and hello messages every 250 ms instead of
    /// every 2 s. A demoted master is then reconfigured as a replica within a second or two
    /// of a failover instead of about 10 s, and the next failover can start sooner (the
    /// soak's ten failovers: 27 s instead of 66 s). For tests
    /// that run many failovers; a test that tells the `+switch-master` announcement from the
    /// demotion keeps the defaults.
    pub fn quicken(&self) {
        for s in &self.sentinels {
            let r = s.raw_cmd(&[
                "SENTINEL",
                "DEBUG",
                "info-period",
                "250",
                "publish-period",
                "250",
            ]);
            assert_eq!(r.trim(), "OK", "SENTINEL DEBUG on {}: {r}", s.port());
        }
    }

    /// Waits until every sentinel knows the other two and a healthy replica, and agrees on
    /// the master, which says it is one.
    pub fn wait_settled(&self) {
        let ok = wait_until(SETUP_TIMEOUT, || {
            let Some(master) = self.master_port() else {
                return false;
            };
            self.sentinels.iter().all(|s| {
                let addr = s.raw_cmd(&["SENTINEL", "GET-MASTER-ADDR-BY-NAME", Self::NAME]);
                let sentinels = s.raw_cmd(&["SENTINEL", "SENTINELS", Self::NAME]);
                let replicas = s.raw_cmd(&["SENTINEL", "REPLICAS", Self::NAME]);
                addr.lines().nth(1) == Some(master.to_string().as_str())
                    && sentinels.matches("\nflags\nsentinel\n").count() == 2
                    && replicas.contains("\nflags\nslave\n")
                    && replicas.contains("master-link-status\nok")
            })
        });
        assert!(
            ok,
            "the sentinels did not settle; logs:\n{}",
            self.sentinels
                .iter()
                .map(SentinelProcess::log)
                .collect::<Vec<_>>()
                .join("\n---\n")
        );
    }

    /// The port of the server that says `role:master` (and has a replica in sync), if one.
    pub fn master_port(&self) -> Option<u16> {
        self.servers
            .iter()
            .filter(|s| s.is_running())
            .find(|s| {
                // A sentinel that reconfigures a server kills its clients (CLIENT KILL TYPE
                // normal): a cut connection says "not known yet", as a replica would.
                let info = s
                    .try_raw_cmds(&[&["INFO", "replication"]])
                    .map(|mut r| r.pop().map(|r| r.to_string()).unwrap_or_default())
                    .unwrap_or_default();
                info.contains("role:master") && info.contains("state=online")
            })
            .map(|s| s.port())
    }

    /// The ports of the master (see [`master_port`](Self::master_port)) and of the other
    /// server, its replica. Panics when no server is a master with a replica in sync.
    pub fn master_and_replica(&self) -> (u16, u16) {
        let master = self.master_port().expect("a master with a replica in sync");
        let replica = self
            .servers
            .iter()
            .map(|s| s.port())
            .find(|&p| p != master)
            .expect("a second server");
        (master, replica)
    }

    /// The server on `port`.
    pub fn server(&self, port: u16) -> &RedisServer {
        self.servers
            .iter()
            .find(|s| s.port() == port)
            .expect("a server on that port")
    }

    pub fn sentinel_urls(&self) -> Vec<String> {
        self.sentinels.iter().map(SentinelProcess::url).collect()
    }
}
