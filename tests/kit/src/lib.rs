//! The test kit of strictredis: a real `redis-server` per test, on a free loopback port, in
//! its own temporary directory; Redis Cluster and Sentinel setups ([`cluster`]); a
//! fault-injecting TCP proxy ([`proxy`]). The integration tests, the examples and the
//! benchmarks all start their servers here: there is one launcher in the tree.
//!
//! ```ignore
//! use strictredis_test_kit as common;
//! let server = common::RedisServer::start();
//! let r = strictredis::StrictRedis::from_url(&server.url()).unwrap();
//! assert_eq!(server.raw_cmd(&["DBSIZE"]), "0");   // server state, read without the crate
//! ```
//!
//! The binary is `redis-server` from `PATH`, or the path in the environment variable
//! `STRICTREDIS_REDIS_SERVER` (a Valkey build, say). A missing binary panics with the command
//! that installs it: these tests never skip silently.
//!
//! Only `std` and `tempfile` are used, and not strictredis itself, so the kit works whatever
//! state the crate is in. All methods take `&self`: a test may hand `&server` to another
//! thread (for example to `kill9()` it while the client under test is blocked on a read).
//! The kit's own tests are `tests/kit/tests/selftest.rs`.
#![forbid(unsafe_code)]

pub mod cluster;
pub mod proxy;
pub mod sentinel;

use std::fs::{self, File, OpenOptions};
use std::io::{self, BufRead, BufReader, Read, Seek, SeekFrom, Write};
use std::net::{Shutdown, TcpListener, TcpStream};
use std::os::unix::net::UnixStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::{Mutex, MutexGuard};
use std::thread;
use std::time::{Duration, Instant};

/// Environment variable naming the server binary to run instead of `redis-server`.
pub const SERVER_ENV: &str = "STRICTREDIS_REDIS_SERVER";

/// How long a server may take to answer its first PING: generous, since on a loaded 2-core
/// machine running several test binaries at once (scripts/test.sh), a fork and exec alone
/// have taken over 10 s. A healthy start takes milliseconds; only a broken one waits it out.
const START_TIMEOUT: Duration = Duration::from_secs(30);
/// How often `start` picks a new port when another process took the one it chose.
const START_ATTEMPTS: usize = 5;
/// How long `restart` keeps trying to bind the old port again.
const RESTART_BIND_TIMEOUT: Duration = Duration::from_secs(5);
/// Read timeout of `raw_cmd` (long enough for a `DEBUG SLEEP` of a few seconds).
const RAW_TIMEOUT: Duration = Duration::from_secs(30);
/// The name the harness gives its own raw connections (see [`RedisServer::clients`]).
pub const RAW_CLIENT_NAME: &str = "strictredis-harness";

const INSTALL_HINT: &str = "The integration tests need a real Redis server. Install it with \
`apt-get install -y redis-server` (or run `scripts/setup.sh`), or set STRICTREDIS_REDIS_SERVER \
to the path of a redis-server or valkey-server binary.";

/// A `redis-server` child process that lives as long as this value: dropping it kills the
/// server (SIGKILL) and removes its directory.
pub struct RedisServer {
    binary: PathBuf,
    /// Extra configuration arguments, given after the harness's defaults (so they win).
    extra_args: Vec<String>,
    /// The `--requirepass` found in `extra_args`, used by `raw_cmd` to authenticate.
    password: Option<String>,
    /// Started with [`start_tls`](Self::start_tls): `port` is the TLS port, the plain TCP
    /// port is off, and the kit talks to the server over its unix socket.
    tls: bool,
    port: u16,
    // Declared after `state` so that the directory goes only after the process is reaped.
    state: Mutex<State>,
    dir: tempfile::TempDir,
}

struct State {
    child: Option<Child>,
    pid: u32,
}

/// Why one launch did not give a running server.
enum LaunchError {
    /// The port was taken: the caller may try again.
    AddrInUse(String),
    /// Anything else: the caller panics with this text.
    Failed(String),
}

impl RedisServer {
    /// Starts the default binary (see [`server_binary`]) with the default configuration.
    pub fn start() -> RedisServer {
        Self::start_with(&[])
    }

    /// Starts the default binary with extra configuration arguments, for example
    /// `&["--requirepass", "secret"]` or `&["--maxmemory", "1mb"]`.
    pub fn start_with(args: &[&str]) -> RedisServer {
        Self::start_binary(server_binary(), args)
    }

    /// Starts Valkey 9.1 (`$STRICTREDIS_VALKEY_SERVER`, else `valkey-server` from `PATH`, as
    /// `scripts/setup.sh` installs it) with extra configuration arguments.
    pub fn start_valkey(args: &[&str]) -> RedisServer {
        let binary = match std::env::var_os("STRICTREDIS_VALKEY_SERVER") {
            Some(path) if !path.is_empty() => PathBuf::from(path),
            _ => PathBuf::from("valkey-server"),
        };
        Self::start_binary(binary, args)
    }

    /// Starts the given binary (not looked up in `STRICTREDIS_REDIS_SERVER`).
    ///
    /// Panics when the binary cannot be run, when the server exits during start-up, or when
    /// it does not answer PING within 10 s; the panic message carries the server's log.
    pub fn start_binary(binary: impl AsRef<Path>, args: &[&str]) -> RedisServer {
        Self::start_mode(binary.as_ref(), args, false)
    }

    /// Starts the default binary with TLS only: [`port`](Self::port) is its `--tls-port`
    /// (`--port 0`: no plain TCP), `tls_args` gives the certificates (`--tls-cert-file`, ...).
    /// The kit itself (readiness, `raw_cmd`, `stop`) talks to it over its unix socket.
    pub fn start_tls(tls_args: &[&str]) -> RedisServer {
        Self::start_mode(&server_binary(), tls_args, true)
    }

    fn start_mode(binary: &Path, args: &[&str], tls: bool) -> RedisServer {
        let binary = binary.to_path_buf();
        let dir = make_temp_dir();
        let extra_args: Vec<String> = args.iter().map(|a| a.to_string()).collect();
        let password = extra_args
            .iter()
            .position(|a| a == "--requirepass")
            .and_then(|i| extra_args.get(i + 1).cloned());

        let mut last_error = String::new();
        for _ in 0..START_ATTEMPTS {
            let port = free_port();
            // `--cluster-port 0`: a free bus port, picked again at each attempt (another
            // process may take a free port before the server binds it).
            let extra_args: Vec<String> = extra_args
                .iter()
                .enumerate()
                .map(
                    |(i, a)| match i.checked_sub(1).map(|p| extra_args[p].as_str()) {
                        Some("--cluster-port") if a == "0" => free_port().to_string(),
                        _ => a.clone(),
                    },
                )
                .collect();
            match launch(&binary, &extra_args, port, dir.path(), tls) {
                Ok(child) => {
                    return RedisServer {
                        binary,
                        extra_args,
                        password,
                        tls,
                        port,
                        state: Mutex::new(State {
                            pid: child.id(),
                            child: Some(child),
                        }),
                        dir,
                    };
                }
                Err(LaunchError::AddrInUse(log)) => last_error = log,
                Err(LaunchError::Failed(msg)) => panic!("{msg}"),
            }
        }
        panic!(
            "{} could not bind a free port in {START_ATTEMPTS} attempts; last log:\n{last_error}",
            binary.display()
        );
    }

    /// The TCP port, the same across [`restart`](Self::restart).
    pub fn port(&self) -> u16 {
        self.port
    }

    /// `127.0.0.1:PORT`.
    pub fn addr(&self) -> String {
        format!("127.0.0.1:{}", self.port)
    }

    /// `redis://127.0.0.1:PORT/0`.
    pub fn url(&self) -> String {
        self.url_db(0)
    }

    /// `redis://127.0.0.1:PORT/DB`.
    pub fn url_db(&self, db: u32) -> String {
        format!("redis://127.0.0.1:{}/{db}", self.port)
    }

    /// The server's unix socket (mode 700), `<dir>/redis.sock`.
    pub fn unix_socket_path(&self) -> PathBuf {
        socket_path(self.dir.path())
    }

    /// `redis+unix:///<dir>/redis.sock?db=0`.
    pub fn unix_url(&self) -> String {
        format!("redis+unix://{}?db=0", self.unix_socket_path().display())
    }

    /// The server's working directory (`--dir`), which also holds its log `redis.log`.
    pub fn dir(&self) -> &Path {
        self.dir.path()
    }

    /// The process id of the server started last (it may have been stopped since).
    pub fn pid(&self) -> u32 {
        self.state().pid
    }

    /// Whether the server process is alive (reaps it if it has exited).
    pub fn is_running(&self) -> bool {
        match self.state().child.as_mut() {
            Some(child) => matches!(child.try_wait(), Ok(None)),
            None => false,
        }
    }

    /// Kills the server with SIGKILL and reaps it: its port refuses connections when this
    /// returns, and clients connected to it see their sockets reset or closed.
    pub fn kill9(&self) {
        let mut state = self.state();
        if let Some(mut child) = state.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }

    /// Stops the server politely (`SHUTDOWN NOSAVE`), falling back to SIGKILL after 5 s.
    pub fn stop(&self) {
        let mut state = self.state();
        let Some(mut child) = state.child.take() else {
            return;
        };
        // The server closes the connection without a reply: any outcome here is fine.
        let _ = self.try_raw_cmds(&[&["SHUTDOWN", "NOSAVE"]]);
        let deadline = Instant::now() + Duration::from_secs(5);
        while matches!(child.try_wait(), Ok(None)) && Instant::now() < deadline {
            thread::sleep(Duration::from_millis(10));
        }
        let _ = child.kill();
        let _ = child.wait();
    }

    /// Kills the server (if running) and starts it again on the same port, with the same
    /// arguments and directory. The data is gone (nothing is saved). Retries binding the
    /// port for a few seconds; panics if it stays taken.
    ///
    /// Takes `&mut self` (unlike `kill9`, which another thread may call): a new process
    /// replaces the old one.
    pub fn restart(&mut self) {
        self.kill9();
        let mut state = self.state();
        let deadline = Instant::now() + RESTART_BIND_TIMEOUT;
        loop {
            match launch(
                &self.binary,
                &self.extra_args,
                self.port,
                self.dir.path(),
                self.tls,
            ) {
                Ok(child) => {
                    state.pid = child.id();
                    state.child = Some(child);
                    return;
                }
                Err(LaunchError::AddrInUse(_)) if Instant::now() < deadline => {
                    thread::sleep(Duration::from_millis(100));
                }
                Err(LaunchError::AddrInUse(log)) => panic!(
                    "restart: port {} stayed in use for {RESTART_BIND_TIMEOUT:?}; log:\n{log}",
                    self.port
                ),
                Err(LaunchError::Failed(msg)) => panic!("restart: {msg}"),
            }
        }
    }

    /// Sends one command on a fresh connection (authenticated when the server was started
    /// with `--requirepass`; a password set later with `CONFIG SET` gives `-NOAUTH ...`;
    /// use [`raw_cmds`](Self::raw_cmds) with an `AUTH` first) and returns its reply as text, see [`RawReply`]'s `Display`:
    /// `"PONG"`, `"3"`, the bulk string's text, `"(nil)"`, errors as `"-ERR ..."`, arrays
    /// one element per line. Panics on any I/O error.
    ///
    /// The connection is named [`RAW_CLIENT_NAME`], so it shows in `CLIENT LIST` under that
    /// name (and [`clients`](Self::clients) leaves it out).
    pub fn raw_cmd(&self, args: &[&str]) -> String {
        self.raw_reply(args).to_string()
    }

    /// Like [`raw_cmd`](Self::raw_cmd), but returns the parsed reply.
    pub fn raw_reply(&self, args: &[&str]) -> RawReply {
        self.raw_cmds(&[args]).pop().expect("one reply per command")
    }

    /// Sends several commands on one fresh connection, in order (useful for MULTI, or for
    /// an `AUTH` of a user created in the test); returns one reply per command.
    pub fn raw_cmds(&self, cmds: &[&[&str]]) -> Vec<RawReply> {
        self.try_raw_cmds(cmds).unwrap_or_else(|e| {
            panic!(
                "raw command {:?} to {} failed: {e}\nserver log:\n{}",
                cmds,
                self.addr(),
                self.log()
            )
        })
    }

    /// Like [`raw_cmds`](Self::raw_cmds), but returns I/O errors instead of panicking.
    pub fn try_raw_cmds(&self, cmds: &[&[&str]]) -> io::Result<Vec<RawReply>> {
        let socket = self.unix_socket_path();
        let stream = RawStream::open(self.port, self.tls.then_some(&*socket), RAW_TIMEOUT)?;
        let mut out = Vec::new();
        let mut preamble = 0;
        if let Some(password) = &self.password {
            encode_command(&mut out, &["AUTH", password]);
            preamble += 1;
        }
        encode_command(&mut out, &["CLIENT", "SETNAME", RAW_CLIENT_NAME]);
        preamble += 1;
        for cmd in cmds {
            encode_command(&mut out, cmd);
        }
        (&stream).write_all(&out)?;
        let mut reader = BufReader::new(&stream);
        // The preamble's replies are dropped: should it fail (a password set at run time with
        // CONFIG SET), the command's own reply says so.
        for _ in 0..preamble {
            read_reply(&mut reader)?;
        }
        let replies = cmds
            .iter()
            .map(|_| read_reply(&mut reader))
            .collect::<io::Result<Vec<_>>>()?;
        close_and_wait(&stream);
        Ok(replies)
    }

    /// How often `command` (lower case, as `INFO commandstats` names it: `get`,
    /// `script|load`) has run since the start (0 when never).
    pub fn command_calls(&self, command: &str) -> u64 {
        self.command_stat(command, "calls")
    }

    /// One `field` (`calls`, `failed_calls`, `rejected_calls`) of `command` in
    /// `INFO commandstats`, 0 when the command never ran.
    pub fn command_stat(&self, command: &str, field: &str) -> u64 {
        let info = self.raw_cmd(&["INFO", "commandstats"]);
        let prefix = format!("cmdstat_{command}:");
        let key = format!("{field}=");
        info.lines()
            .find_map(|l| l.strip_prefix(&prefix))
            .and_then(|rest| rest.split(',').find_map(|kv| kv.strip_prefix(&key)))
            .and_then(|v| v.parse().ok())
            .unwrap_or(0)
    }

    /// The lines of `CLIENT LIST`, without the harness's own connection.
    pub fn clients(&self) -> Vec<String> {
        let name = format!(" name={RAW_CLIENT_NAME} ");
        self.raw_cmd(&["CLIENT", "LIST"])
            .lines()
            .filter(|line| !line.is_empty() && !line.contains(&name))
            .map(str::to_string)
            .collect()
    }

    /// Everything the server has logged so far (all its runs, if restarted).
    pub fn log(&self) -> String {
        fs::read_to_string(log_path(self.dir.path())).unwrap_or_default()
    }

    fn state(&self) -> MutexGuard<'_, State> {
        // A test that panicked while holding the lock leaves the state usable.
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }
}

impl Drop for RedisServer {
    fn drop(&mut self) {
        self.kill9();
    }
}

impl std::fmt::Debug for RedisServer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RedisServer")
            .field("binary", &self.binary)
            .field("port", &self.port)
            .field("dir", &self.dir.path())
            .finish()
    }
}

/// The server binary the tests run: `$STRICTREDIS_REDIS_SERVER` if set and not empty,
/// else `redis-server` from `PATH`.
pub fn server_binary() -> PathBuf {
    match std::env::var_os(SERVER_ENV) {
        Some(path) if !path.is_empty() => PathBuf::from(path),
        _ => PathBuf::from("redis-server"),
    }
}

/// Calls `cond` until it returns true or `timeout` has passed, sleeping a little longer
/// each time (2 ms up to 50 ms). Returns whether `cond` came true. Use it instead of a fixed
/// sleep: `assert!(wait_until(Duration::from_secs(5), || server.clients().len() == 2));`
pub fn wait_until(timeout: Duration, mut cond: impl FnMut() -> bool) -> bool {
    let deadline = Instant::now() + timeout;
    let mut pause = Duration::from_millis(2);
    loop {
        if cond() {
            return true;
        }
        let now = Instant::now();
        if now >= deadline {
            return false;
        }
        thread::sleep(pause.min(deadline - now));
        pause = (pause * 2).min(Duration::from_millis(50));
    }
}

/// A port that was free a moment ago: bind port 0 on loopback, read it, let it go.
/// Another process may take it before the server binds it, so callers retry.
pub fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("bind 127.0.0.1:0 to find a free port")
        .port()
}

/// A reply as read by the harness's own small RESP2 reader.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RawReply {
    /// `+OK`
    Simple(String),
    /// `-ERR ...`, without the `-`.
    Error(String),
    /// `:3`
    Int(i64),
    /// `$3\r\nabc`; `None` for `$-1`.
    Bulk(Option<Vec<u8>>),
    /// `*2 ...`; `None` for `*-1`.
    Array(Option<Vec<RawReply>>),
}

impl std::fmt::Display for RawReply {
    /// Simple strings as they are, errors with their leading `-`, integers in decimal, bulk
    /// strings as (lossy) UTF-8, nil as `(nil)`, arrays one element per line.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            RawReply::Simple(s) => f.write_str(s),
            RawReply::Error(e) => write!(f, "-{e}"),
            RawReply::Int(n) => write!(f, "{n}"),
            RawReply::Bulk(Some(b)) => f.write_str(&String::from_utf8_lossy(b)),
            RawReply::Bulk(None) | RawReply::Array(None) => f.write_str("(nil)"),
            RawReply::Array(Some(items)) => {
                for (i, item) in items.iter().enumerate() {
                    if i > 0 {
                        f.write_str("\n")?;
                    }
                    write!(f, "{item}")?;
                }
                Ok(())
            }
        }
    }
}

fn encode_command(out: &mut Vec<u8>, args: &[&str]) {
    out.extend_from_slice(format!("*{}\r\n", args.len()).as_bytes());
    for arg in args {
        out.extend_from_slice(format!("${}\r\n", arg.len()).as_bytes());
        out.extend_from_slice(arg.as_bytes());
        out.extend_from_slice(b"\r\n");
    }
}

pub(crate) fn read_reply(r: &mut impl BufRead) -> io::Result<RawReply> {
    let mut line = Vec::new();
    r.read_until(b'\n', &mut line)?;
    if !line.ends_with(b"\r\n") {
        return Err(io::Error::new(
            io::ErrorKind::UnexpectedEof,
            format!(
                "connection closed mid-reply: {:?}",
                String::from_utf8_lossy(&line)
            ),
        ));
    }
    let text = String::from_utf8_lossy(&line[1..line.len() - 2]).into_owned();
    let bad = |what: &str| io::Error::new(io::ErrorKind::InvalidData, format!("{what}: {text:?}"));
    let len = |text: &str| text.parse::<i64>().map_err(|_| bad("bad length"));
    match line[0] {
        b'+' => Ok(RawReply::Simple(text)),
        b'-' => Ok(RawReply::Error(text)),
        b':' => Ok(RawReply::Int(len(&text)?)),
        b'$' => match len(&text)? {
            n if n < 0 => Ok(RawReply::Bulk(None)),
            n => {
                let mut buf = vec![0; n as usize + 2];
                r.read_exact(&mut buf)?;
                buf.truncate(n as usize);
                Ok(RawReply::Bulk(Some(buf)))
            }
        },
        b'*' => match len(&text)? {
            n if n < 0 => Ok(RawReply::Array(None)),
            n => (0..n)
                .map(|_| read_reply(r))
                .collect::<io::Result<Vec<_>>>()
                .map(|items| RawReply::Array(Some(items))),
        },
        _ => Err(bad("not a RESP2 reply")),
    }
}

/// A temporary directory whose `redis.sock` fits in a unix socket address (108 bytes).
fn make_temp_dir() -> tempfile::TempDir {
    let builder = {
        let mut b = tempfile::Builder::new();
        b.prefix("strictredis-");
        b
    };
    let dir = builder
        .tempdir()
        .expect("create a temporary directory for redis-server");
    if socket_path(dir.path()).as_os_str().len() < 100 {
        return dir;
    }
    builder
        .tempdir_in("/tmp")
        .expect("create a temporary directory in /tmp for redis-server")
}

fn socket_path(dir: &Path) -> PathBuf {
    dir.join("redis.sock")
}

fn log_path(dir: &Path) -> PathBuf {
    dir.join("redis.log")
}

/// Starts one server process on `port` and waits until it answers. The process writes its
/// log to `<dir>/redis.log` (a file, not a pipe: a pipe nobody reads could block it, and a
/// leaked server would keep `cargo test`'s output open).
fn launch(
    binary: &Path,
    extra_args: &[String],
    port: u16,
    dir: &Path,
    tls: bool,
) -> Result<Child, LaunchError> {
    let log_file = log_path(dir);
    let mut log = OpenOptions::new()
        .create(true)
        .append(true)
        .open(&log_file)
        .expect("open redis.log");
    let log_start = log.seek(SeekFrom::End(0)).unwrap_or(0);
    let socket = socket_path(dir);
    // A server killed with SIGKILL leaves its socket file behind; its presence is how a new
    // server is recognised as started (see `answers`).
    let _ = fs::remove_file(&socket);

    let port_arg = port.to_string();
    let mut cmd = Command::new(binary);
    if tls {
        cmd.args(["--port", "0", "--tls-port", &port_arg]);
    } else {
        cmd.args(["--port", &port_arg]);
    }
    cmd.args(["--bind", "127.0.0.1"])
        .args(["--save", "", "--appendonly", "no"])
        .arg("--dir")
        .arg(dir)
        .args(["--daemonize", "no", "--enable-debug-command", "yes"])
        .arg("--unixsocket")
        .arg(&socket)
        .args(["--unixsocketperm", "700"])
        .args(extra_args)
        .current_dir(dir)
        .stdin(Stdio::null())
        .stdout(log.try_clone().expect("clone redis.log handle"))
        .stderr(log.try_clone().expect("clone redis.log handle"));
    let _ = writeln!(
        log,
        "--- harness: starting {} on port {port}",
        binary.display()
    );

    let mut child = match cmd.spawn() {
        Ok(child) => child,
        Err(e) => {
            return Err(LaunchError::Failed(format!(
                "could not run the Redis server binary `{}`: {e}.\n{INSTALL_HINT}",
                binary.display()
            )))
        }
    };

    let log_since_start = || {
        let mut text = String::new();
        if let Ok(mut f) = File::open(&log_file) {
            let _ = f.seek(SeekFrom::Start(log_start));
            let _ = f.read_to_string(&mut text);
        }
        text
    };
    let exited = |status: ExitStatus, log: String| {
        if log.contains("Address already in use") {
            LaunchError::AddrInUse(log)
        } else {
            LaunchError::Failed(format!(
                "{} exited during start-up ({status}); its log:\n{log}",
                binary.display()
            ))
        }
    };

    let deadline = Instant::now() + START_TIMEOUT;
    let mut pause = Duration::from_millis(5);
    loop {
        if let Ok(Some(status)) = child.try_wait() {
            return Err(exited(status, log_since_start()));
        }
        if answers(port, &socket, tls) {
            // The socket file shows that this process bound the port; check once more that
            // it did not die since.
            match child.try_wait() {
                Ok(None) => return Ok(child),
                Ok(Some(status)) => return Err(exited(status, log_since_start())),
                Err(_) => {}
            }
        }
        if Instant::now() >= deadline {
            let _ = child.kill();
            let _ = child.wait();
            return Err(LaunchError::Failed(format!(
                "{} did not answer PING on port {port} within {START_TIMEOUT:?}; its log:\n{}",
                binary.display(),
                log_since_start()
            )));
        }
        thread::sleep(pause);
        pause = (pause * 2).min(Duration::from_millis(100));
    }
}

/// Whether a server that is ours answers PING on `port` (on its unix socket for a TLS-only
/// server). Redis creates its unix socket only after it bound the TCP port, so with the
/// socket file present the answer comes from our process, not from one that took the port
/// first.
fn answers(port: u16, socket: &Path, tls: bool) -> bool {
    if !socket.exists() {
        return false;
    }
    let ping = || -> io::Result<bool> {
        let stream = RawStream::open(port, tls.then_some(socket), Duration::from_secs(1))?;
        (&stream).write_all(b"PING\r\n")?;
        let mut line = String::new();
        BufReader::new(&stream).read_line(&mut line)?;
        close_and_wait(&stream);
        // With a password set, PING says NOAUTH: the server is up all the same.
        Ok(line.starts_with("+PONG") || line.starts_with("-NOAUTH"))
    };
    ping().unwrap_or(false)
}

/// Closes our side and reads until the server closes its own: by then the server has freed
/// the client, so the harness's connections never show up in a test's `CLIENT LIST` or
/// `INFO clients` afterwards.
fn close_and_wait(stream: &RawStream) {
    if stream.shutdown_write(Duration::from_secs(5)).is_ok() {
        let _ = io::copy(&mut &*stream, &mut io::sink());
    }
}

/// The kit's own connection to a server: TCP on loopback, or the unix socket.
enum RawStream {
    Tcp(TcpStream),
    Unix(UnixStream),
}

impl RawStream {
    /// Connects to `127.0.0.1:port`, or to `socket` when given, with read and write timeouts.
    fn open(port: u16, socket: Option<&Path>, timeout: Duration) -> io::Result<RawStream> {
        let stream = match socket {
            Some(path) => {
                let s = UnixStream::connect(path)?;
                s.set_read_timeout(Some(timeout))?;
                s.set_write_timeout(Some(timeout))?;
                RawStream::Unix(s)
            }
            None => {
                let s = TcpStream::connect(("127.0.0.1", port))?;
                s.set_read_timeout(Some(timeout))?;
                s.set_write_timeout(Some(timeout))?;
                RawStream::Tcp(s)
            }
        };
        Ok(stream)
    }

    /// Sets the read timeout to `timeout` and closes the writing half.
    fn shutdown_write(&self, timeout: Duration) -> io::Result<()> {
        match self {
            RawStream::Tcp(s) => {
                let _ = s.set_read_timeout(Some(timeout));
                s.shutdown(Shutdown::Write)
            }
            RawStream::Unix(s) => {
                let _ = s.set_read_timeout(Some(timeout));
                s.shutdown(Shutdown::Write)
            }
        }
    }
}

impl Read for &RawStream {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        match self {
            RawStream::Tcp(s) => (&*s).read(buf),
            RawStream::Unix(s) => (&*s).read(buf),
        }
    }
}

impl Write for &RawStream {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        match self {
            RawStream::Tcp(s) => (&*s).write(buf),
            RawStream::Unix(s) => (&*s).write(buf),
        }
    }
    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}
