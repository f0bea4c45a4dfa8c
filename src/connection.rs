//! One connection to one server: a socket in a `BufStream`, the RESP decoder, and what the
//! connection knows of its own state (db, MULTI, WATCH, subscriptions, pending replies).
//!
//! A connection that sees any I/O error, timeout, protocol error or half-read reply marks
//! itself broken and refuses further use: a late reply can never reach the wrong caller.

use std::io::{self, BufRead, Read, Write};
use std::mem::MaybeUninit;
use std::net::{TcpStream, ToSocketAddrs};
use std::os::unix::net::UnixStream;
use std::time::{Duration, Instant};

use bufstream::BufStream;

use crate::cmd::{cmd, BlockingTimeout, Cmd};
use crate::config::{ConnectionAddr, ConnectionInfo, Protocol};
use crate::error::{Error, Result};
use crate::from_value::FromValue;
use crate::resp::Decoder;
use crate::retry::{self, Failure, Stage};
use crate::value::Value;

const BUF_CAPACITY: usize = 64 * 1024;

/// The byte stream under a connection.
enum Stream {
    Tcp(TcpStream),
    Unix(UnixStream),
    #[cfg(feature = "tls")]
    Tls(Box<crate::tls::TlsStream>),
}

impl Read for Stream {
    #[inline]
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        match self {
            Stream::Tcp(s) => s.read(buf),
            Stream::Unix(s) => s.read(buf),
            #[cfg(feature = "tls")]
            Stream::Tls(s) => s.read(buf),
        }
    }
}

impl Write for Stream {
    #[inline]
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        match self {
            Stream::Tcp(s) => s.write(buf),
            Stream::Unix(s) => s.write(buf),
            #[cfg(feature = "tls")]
            Stream::Tls(s) => s.write(buf),
        }
    }
    #[inline]
    fn write_vectored(&mut self, bufs: &[io::IoSlice<'_>]) -> io::Result<usize> {
        match self {
            Stream::Tcp(s) => s.write_vectored(bufs),
            Stream::Unix(s) => s.write_vectored(bufs),
            #[cfg(feature = "tls")]
            Stream::Tls(s) => s.write_vectored(bufs),
        }
    }
    #[inline]
    fn flush(&mut self) -> io::Result<()> {
        match self {
            // rustls may keep records it could not write yet: flushing sends them, and
            // reports the write errors that `write` kept quiet.
            #[cfg(feature = "tls")]
            Stream::Tls(s) => s.flush(),
            _ => Ok(()),
        }
    }
}

impl Stream {
    fn set_read_timeout(&self, t: Option<Duration>) -> io::Result<()> {
        match self {
            Stream::Tcp(s) => s.set_read_timeout(t),
            Stream::Unix(s) => s.set_read_timeout(t),
            #[cfg(feature = "tls")]
            Stream::Tls(s) => s.sock.set_read_timeout(t),
        }
    }

    fn set_write_timeout(&self, t: Option<Duration>) -> io::Result<()> {
        match self {
            Stream::Tcp(s) => s.set_write_timeout(t),
            Stream::Unix(s) => s.set_write_timeout(t),
            #[cfg(feature = "tls")]
            Stream::Tls(s) => s.sock.set_write_timeout(t),
        }
    }

    /// Non-blocking peek of one byte: `Ok(true)` when the socket is readable (data or EOF).
    /// On TLS, handshake records (session tickets) are taken in and do not count.
    fn has_unexpected_input(&mut self) -> io::Result<bool> {
        let mut byte = [MaybeUninit::<u8>::uninit(); 1];
        let flags = libc::MSG_PEEK | libc::MSG_DONTWAIT;
        let r = match self {
            Stream::Tcp(s) => socket2::SockRef::from(&*s).recv_with_flags(&mut byte, flags),
            Stream::Unix(s) => socket2::SockRef::from(&*s).recv_with_flags(&mut byte, flags),
            #[cfg(feature = "tls")]
            Stream::Tls(s) => return crate::tls::has_unexpected_input(s),
        };
        match r {
            // 0 is EOF (the server closed), > 0 is a byte nobody asked for: both stale.
            Ok(_) => Ok(true),
            Err(e) if e.kind() == io::ErrorKind::WouldBlock => Ok(false),
            Err(e) if e.kind() == io::ErrorKind::Interrupted => Ok(false),
            Err(e) => Err(e),
        }
    }

    fn shutdown(&mut self) {
        let _ = match self {
            Stream::Tcp(s) => s.shutdown(std::net::Shutdown::Both),
            Stream::Unix(s) => s.shutdown(std::net::Shutdown::Both),
            #[cfg(feature = "tls")]
            Stream::Tls(s) => {
                crate::tls::close(s);
                s.sock.shutdown(std::net::Shutdown::Both)
            }
        };
    }
}

/// Why a connection cannot be put back into a pool, if it cannot.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Dirty {
    Broken,
    InMulti,
    Watching,
    Subscribed,
    PendingReplies,
    OtherDb,
    /// Connection-wide state the pool cannot undo: CLIENT REPLY, CLIENT TRACKING, MONITOR,
    /// RESET, AUTH, HELLO.
    Tainted,
}

/// One connection to a Redis server.
///
/// Most users never touch one directly: [`StrictRedis`](crate::StrictRedis) checks one out
/// of its pool for every command. A [`PooledConnection`](crate::PooledConnection) derefs to
/// this type.
pub struct Connection {
    stream: BufStream<Stream>,
    decoder: Decoder,
    addr: ConnectionAddr,
    read_timeout: Option<Duration>,
    protocol: Protocol,
    db: u32,
    in_multi: bool,
    watching: bool,
    subscribed: bool,
    tainted: bool,
    broken: bool,
    /// `CLIENT REPLY OFF` in force: the server answers nothing until `CLIENT REPLY ON`.
    replies_off: bool,
    /// `CLIENT REPLY SKIP` was sent: the server will not answer the next command.
    skip_next_reply: bool,
    /// Replies sent for but not read yet.
    pending: usize,
    /// Bytes left in the read buffer after the last complete reply.
    leftover: bool,
    last_used: Instant,
}

crate::commands::impl_command_tables!(Connection, mut_methods);

impl std::fmt::Debug for Connection {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Connection")
            .field("addr", &self.addr)
            .field("db", &self.db)
            .field("protocol", &self.protocol)
            .field("in_multi", &self.in_multi)
            .field("watching", &self.watching)
            .field("subscribed", &self.subscribed)
            .field("pending", &self.pending)
            .field("broken", &self.broken)
            .finish()
    }
}

/// Writes `a` then `b`, with vectored writes while `a` is not all sent.
fn write_both(w: &mut impl Write, mut a: &[u8], mut b: &[u8]) -> io::Result<()> {
    while !a.is_empty() {
        match w.write_vectored(&[io::IoSlice::new(a), io::IoSlice::new(b)]) {
            Ok(0) => return Err(io::ErrorKind::WriteZero.into()),
            Ok(n) if n < a.len() => a = &a[n..],
            Ok(n) => {
                b = &b[n - a.len()..];
                a = &[];
            }
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    w.write_all(b)
}

fn connect_tcp(host: &str, port: u16, timeout: Option<Duration>) -> Result<TcpStream> {
    let addrs = (host, port).to_socket_addrs().map_err(Error::Io)?;
    let mut last = None;
    for addr in addrs {
        let r = match timeout {
            Some(t) => TcpStream::connect_timeout(&addr, t),
            None => TcpStream::connect(addr),
        };
        match r {
            Ok(s) => return Ok(s),
            Err(e) => last = Some(e),
        }
    }
    Err(match last {
        Some(e) => Error::from(e),
        None => Error::Io(io::Error::new(
            io::ErrorKind::NotFound,
            format!("{host}:{port} resolved to no address"),
        )),
    })
}

impl Connection {
    /// Opens a connection and runs the handshake: `HELLO 3` when RESP3 is asked for, `AUTH`,
    /// `CLIENT SETNAME` and `SELECT` as configured.
    pub fn open(info: &ConnectionInfo) -> Result<Connection> {
        let stream = match &info.addr {
            ConnectionAddr::Tcp { host, port } => {
                let s = connect_tcp(host, *port, info.connect_timeout)?;
                s.set_nodelay(true)?;
                Stream::Tcp(s)
            }
            ConnectionAddr::Unix(path) => Stream::Unix(UnixStream::connect(path)?),
            #[cfg(feature = "tls")]
            ConnectionAddr::TcpTls {
                host,
                port,
                insecure,
            } => {
                let s = connect_tcp(host, *port, info.connect_timeout)?;
                s.set_nodelay(true)?;
                let s = crate::tls::connect(s, host, *insecure, &info.tls, info.connect_timeout)?;
                Stream::Tls(Box::new(s))
            }
            #[cfg(not(feature = "tls"))]
            ConnectionAddr::TcpTls { .. } => {
                return Err(Error::Config(
                    "rediss:// (TLS) needs the crate feature `tls`".into(),
                ))
            }
        };
        stream.set_read_timeout(info.read_timeout)?;
        stream.set_write_timeout(info.write_timeout)?;
        let mut conn = Connection {
            stream: BufStream::with_capacities(BUF_CAPACITY, BUF_CAPACITY, stream),
            decoder: Decoder::new(),
            addr: info.addr.clone(),
            read_timeout: info.read_timeout,
            protocol: info.protocol,
            db: 0,
            in_multi: false,
            watching: false,
            subscribed: false,
            tainted: false,
            broken: false,
            replies_off: false,
            skip_next_reply: false,
            pending: 0,
            leftover: false,
            last_used: Instant::now(),
        };
        conn.handshake(info)?;
        log::debug!("connected to {} (db {})", conn.addr, conn.db);
        Ok(conn)
    }

    fn handshake(&mut self, info: &ConnectionInfo) -> Result<()> {
        let mut steps: Vec<Cmd> = Vec::new();
        if info.protocol == Protocol::Resp3 {
            let mut hello = cmd("HELLO").arg(3u32);
            if let Some(pw) = &info.password {
                hello = hello
                    .arg("AUTH")
                    .arg(info.username.as_deref().unwrap_or("default"))
                    .arg(pw.as_str());
            }
            if let Some(name) = &info.client_name {
                hello = hello.arg("SETNAME").arg(name.as_str());
            }
            steps.push(hello);
        } else {
            if let Some(pw) = &info.password {
                let auth = match &info.username {
                    Some(user) => cmd("AUTH").arg(user.as_str()).arg(pw.as_str()),
                    None => cmd("AUTH").arg(pw.as_str()),
                };
                steps.push(auth);
            }
            if let Some(name) = &info.client_name {
                steps.push(cmd("CLIENT SETNAME").arg(name.as_str()));
            }
        }
        if info.db != 0 {
            steps.push(cmd("SELECT").arg(info.db));
        }
        if steps.is_empty() {
            return Ok(());
        }
        // One write, then every reply: the handshake costs one round trip.
        for c in &steps {
            self.write_cmd(c)?;
        }
        self.flush()?;
        let mut first_err = None;
        for c in &steps {
            let v = self.read_reply()?;
            if let Value::Error(e) = v {
                first_err.get_or_insert(Error::Server(e));
            } else {
                self.after_reply(c);
            }
        }
        match first_err {
            Some(e) => Err(e),
            None => {
                // AUTH and HELLO taint a connection when a caller sends them; sent here,
                // they are the pool's own settings, so the connection stays reusable.
                self.tainted = false;
                Ok(())
            }
        }
    }

    /// Sends `cmd`, reads its reply and converts it.
    ///
    /// An error reply is `Err(Error::Server)`; the connection stays usable after it.
    pub fn execute_command<T: FromValue>(&mut self, cmd: Cmd) -> Result<T> {
        let v = self.request_value(&cmd)?;
        T::from_value(v)
    }

    /// Sends `cmd` and reads its reply, unconverted; an error reply is `Err(Error::Server)`.
    ///
    /// A command the server will not answer (under `CLIENT REPLY OFF` or `SKIP`) returns
    /// `Ok(Value::Nil)` once sent. A `SHUTDOWN` that closes the connection succeeded.
    ///
    /// When the connection fails after the command was sent, a command that is not
    /// read-only fails with an error whose [`Error::is_ambiguous`] is true: it may or may
    /// not have been applied.
    pub fn request_value(&mut self, cmd: &Cmd) -> Result<Value> {
        self.request_staged(cmd)
            .map_err(|(stage, e)| retry::settle(stage, retry::is_read_only(cmd), e))
    }

    /// [`request_value`](Self::request_value), telling how far the request got when it
    /// failed (for the retry logic).
    pub(crate) fn request_staged(&mut self, cmd: &Cmd) -> std::result::Result<Value, Failure> {
        if !self.reply_expected(cmd) {
            self.send(cmd).map_err(|e| (Stage::Unsent, e))?;
            self.pending = self.pending.saturating_sub(1);
            self.after_reply(cmd);
            return Ok(Value::Nil);
        }
        let r = match cmd.blocking_timeout() {
            None => {
                self.send(cmd).map_err(|e| (Stage::Unsent, e))?;
                self.read_reply_for(cmd)
            }
            Some(b) => return self.request_blocking(cmd, b),
        };
        crate::commands::server::shutdown_closed_is_ok(cmd, r).map_err(|e| (Stage::Sent, e))
    }

    /// Whether the server will answer `cmd`, as `CLIENT REPLY` left it; updates that state.
    fn reply_expected(&mut self, cmd: &Cmd) -> bool {
        let skip = std::mem::take(&mut self.skip_next_reply);
        let name = cmd.name();
        if name.eq_ignore_ascii_case(b"RESET") {
            // RESET turns replies back on, but a pending SKIP still swallows its own reply.
            self.replies_off = false;
            return !skip;
        }
        if name.eq_ignore_ascii_case(b"CLIENT")
            && cmd
                .nth_arg(1)
                .is_some_and(|s| s.eq_ignore_ascii_case(b"REPLY"))
        {
            let mode = cmd.nth_arg(2).unwrap_or(b"");
            if mode.eq_ignore_ascii_case(b"ON") {
                self.replies_off = false;
                return true;
            } else if mode.eq_ignore_ascii_case(b"OFF") {
                self.replies_off = true;
                return false;
            } else if mode.eq_ignore_ascii_case(b"SKIP") {
                self.skip_next_reply = !self.replies_off;
                return false;
            }
        }
        !skip && !self.replies_off
    }

    /// A blocking command: the read timeout is raised to the command's own timeout plus the
    /// normal read timeout as a margin, for this one call.
    fn request_blocking(
        &mut self,
        cmd: &Cmd,
        b: BlockingTimeout,
    ) -> std::result::Result<Value, Failure> {
        let base = self.read_timeout;
        let raised = self.blocking_read_timeout(b);
        if raised != base {
            self.set_read_timeout_inner(raised)
                .map_err(|e| (Stage::Unsent, e))?;
        }
        self.send(cmd).map_err(|e| (Stage::Unsent, e))?;
        let r = self.read_reply_for(cmd).map_err(|e| (Stage::Sent, e));
        if raised != base && !self.broken {
            self.set_read_timeout_inner(base)
                .map_err(|e| (Stage::Sent, e))?;
        }
        r
    }

    /// The read timeout to wait under for a command that may block on the server for `b`:
    /// its own timeout plus the normal read timeout (at least 1 s) as a margin.
    pub(crate) fn blocking_read_timeout(&self, b: BlockingTimeout) -> Option<Duration> {
        match (b, self.read_timeout) {
            (_, None) => None,
            (BlockingTimeout::Forever, Some(_)) => None,
            (BlockingTimeout::For(t), Some(base)) => Some(t + base.max(Duration::from_secs(1))),
        }
    }

    /// Sets the socket's read timeout for a while, leaving [`read_timeout`](Self::read_timeout)
    /// as configured (restore it by passing that value back).
    pub(crate) fn set_socket_read_timeout(&mut self, t: Option<Duration>) -> Result<()> {
        self.set_read_timeout_inner(t)
    }

    fn read_reply_for(&mut self, cmd: &Cmd) -> Result<Value> {
        let v = self.read_reply()?;
        self.after_reply(cmd);
        match v {
            Value::Error(e) => Err(Error::Server(e)),
            v => Ok(v),
        }
    }

    fn set_read_timeout_inner(&mut self, t: Option<Duration>) -> Result<()> {
        self.stream.get_ref().set_read_timeout(t).map_err(|e| {
            self.broken = true;
            Error::from(e)
        })
    }

    /// Changes the read timeout of this connection (`None` blocks forever).
    pub fn set_read_timeout(&mut self, t: Option<Duration>) -> Result<()> {
        self.set_read_timeout_inner(t)?;
        self.read_timeout = t;
        Ok(())
    }

    /// The read timeout in force.
    pub fn read_timeout(&self) -> Option<Duration> {
        self.read_timeout
    }

    fn usable(&self) -> Result<()> {
        if self.broken {
            return Err(Error::Io(io::Error::new(
                io::ErrorKind::NotConnected,
                "connection is broken and was not reused",
            )));
        }
        Ok(())
    }

    /// Sends one command and flushes it; its reply is then pending.
    pub fn send(&mut self, cmd: &Cmd) -> Result<()> {
        self.write_cmd(cmd)?;
        self.flush()
    }

    /// Buffers one command without flushing (pipelines); its reply is then pending.
    pub fn write_cmd(&mut self, cmd: &Cmd) -> Result<()> {
        self.usable()?;
        self.before_send(cmd);
        let mut header = [0u8; 24];
        let hlen = {
            let mut n = itoa::Buffer::new();
            let n = n.format(cmd.arg_count()).as_bytes();
            header[0] = b'*';
            header[1..1 + n.len()].copy_from_slice(n);
            header[1 + n.len()..3 + n.len()].copy_from_slice(b"\r\n");
            3 + n.len()
        };
        let body = cmd.body();
        let r = if body.len() >= BUF_CAPACITY {
            // Too big for the write buffer anyway: send what is buffered, then header and
            // body in one vectored write (not the header alone in a packet of its own).
            let stream = &mut self.stream;
            stream
                .flush()
                .and_then(|_| write_both(stream.get_mut(), &header[..hlen], body))
        } else {
            self.stream
                .write_all(&header[..hlen])
                .and_then(|_| self.stream.write_all(body))
        };
        self.pending += 1;
        r.map_err(|e| self.fail(e.into()))
    }

    /// Buffers bytes that are already RESP-encoded commands, `count` of them.
    pub fn write_packed(&mut self, bytes: &[u8], count: usize) -> Result<()> {
        self.usable()?;
        self.pending += count;
        self.stream
            .write_all(bytes)
            .map_err(|e| self.fail(e.into()))
    }

    /// Flushes buffered commands to the socket.
    pub fn flush(&mut self) -> Result<()> {
        self.stream.flush().map_err(|e| self.fail(e.into()))
    }

    fn fail(&mut self, e: Error) -> Error {
        if !self.broken {
            log::debug!("connection to {} broken: {}", self.addr, e);
        }
        self.broken = true;
        e
    }

    /// Reads one reply. Error replies come back as `Ok(Value::Error)`; RESP3 pushes that
    /// arrive while not subscribed (client tracking) are skipped.
    pub fn read_reply(&mut self) -> Result<Value> {
        loop {
            let v = self.read_value()?;
            if matches!(v, Value::Push(_)) && !self.subscribed {
                log::debug!("skipping an out-of-band push from {}", self.addr);
                continue;
            }
            self.pending = self.pending.saturating_sub(1);
            self.last_used = Instant::now();
            return Ok(v);
        }
    }

    /// Reads the next value off the wire, whatever it is (pub/sub messages included).
    pub fn read_value(&mut self) -> Result<Value> {
        self.usable()?;
        loop {
            let (consumed, value, rest) = {
                let buf = match self.stream.fill_buf() {
                    Ok(b) => b,
                    Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                    Err(e) => return Err(self.fail(e.into())),
                };
                if buf.is_empty() {
                    let e = Error::Io(io::Error::new(
                        io::ErrorKind::UnexpectedEof,
                        "the server closed the connection",
                    ));
                    return Err(self.fail(e));
                }
                match self.decoder.decode(buf) {
                    Ok((n, v)) => (n, v, buf.len() > n),
                    Err(e) => {
                        let e = self.fail(e);
                        return Err(e);
                    }
                }
            };
            self.stream.consume(consumed);
            if let Some(v) = value {
                self.leftover = rest;
                return Ok(v);
            }
            self.read_payload_directly()?;
        }
    }

    /// In the middle of a large bulk payload, reads its next bytes from the socket straight
    /// into the payload's buffer: one copy instead of two, and reads as large as the socket
    /// allows instead of the read buffer's size. Only called when the decoder consumed the
    /// whole read buffer, so no buffered byte is skipped.
    fn read_payload_directly(&mut self) -> Result<()> {
        let Some((data, missing)) = self.decoder.payload_in_progress() else {
            return Ok(());
        };
        if missing < BUF_CAPACITY {
            return Ok(());
        }
        // Grow as the decoder would: at most doubling, never past the declared length.
        let room = data.capacity() - data.len();
        let chunk = if room > 0 {
            room.min(missing)
        } else {
            let grow = data.len().max(BUF_CAPACITY).min(missing);
            data.reserve_exact(grow);
            grow
        };
        let before = data.len();
        let r = Read::take(self.stream.get_mut(), chunk as u64).read_to_end(data);
        match r {
            Ok(_) if data.len() > before => Ok(()),
            Ok(_) => Err(self.fail(Error::Io(io::Error::new(
                io::ErrorKind::UnexpectedEof,
                "the server closed the connection",
            )))),
            Err(e) => Err(self.fail(e.into())),
        }
    }

    /// Reads a value, giving up with `Ok(None)` when nothing at all arrived within `timeout`.
    /// A reply that started to arrive is read to its end under the normal read timeout.
    pub fn read_value_timeout(&mut self, timeout: Duration) -> Result<Option<Value>> {
        self.usable()?;
        if !self.leftover && self.decoder.is_idle() {
            let t = timeout.max(Duration::from_millis(1));
            self.set_read_timeout_inner(Some(t))?;
            let r = self.stream.fill_buf().map(|b| b.is_empty());
            let restore = self.set_read_timeout_inner(self.read_timeout);
            match r {
                Err(e)
                    if e.kind() == io::ErrorKind::WouldBlock
                        || e.kind() == io::ErrorKind::TimedOut =>
                {
                    restore?;
                    return Ok(None);
                }
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {
                    restore?;
                    return Ok(None);
                }
                Err(e) => return Err(self.fail(e.into())),
                Ok(_) => restore?,
            }
        }
        self.read_value().map(Some)
    }

    /// Bookkeeping before a command leaves: what it will do to the connection's state.
    fn before_send(&mut self, cmd: &Cmd) {
        let name = cmd.name();
        let is = |n: &[u8]| name.eq_ignore_ascii_case(n);
        if is(b"SUBSCRIBE") || is(b"PSUBSCRIBE") || is(b"SSUBSCRIBE") {
            self.subscribed = true;
        } else if is(b"MONITOR") || is(b"RESET") || is(b"AUTH") || is(b"HELLO") {
            self.tainted = true;
        } else if is(b"CLIENT") {
            let sub = cmd.nth_arg(1).unwrap_or(b"");
            let on = cmd
                .nth_arg(2)
                .map(|a| a.eq_ignore_ascii_case(b"ON"))
                .unwrap_or(false);
            if sub.eq_ignore_ascii_case(b"REPLY") || (sub.eq_ignore_ascii_case(b"TRACKING") && on) {
                self.tainted = true;
            }
        } else if is(b"SELECT") && self.in_multi {
            // Takes effect at EXEC, which may or may not run: we can no longer know the db.
            self.tainted = true;
        } else if is(b"QUIT") {
            self.tainted = true;
        }
    }

    /// Bookkeeping after a command's reply arrived (error replies included).
    fn after_reply(&mut self, cmd: &Cmd) {
        let name = cmd.name();
        let is = |n: &[u8]| name.eq_ignore_ascii_case(n);
        if is(b"SELECT") && !self.in_multi {
            if let Some(db) = cmd
                .nth_arg(1)
                .and_then(|a| std::str::from_utf8(a).ok())
                .and_then(|a| a.parse().ok())
            {
                self.db = db;
            }
        } else if is(b"MULTI") {
            self.in_multi = true;
        } else if is(b"EXEC") || is(b"DISCARD") {
            if self.in_multi {
                self.watching = false;
            }
            self.in_multi = false;
        } else if is(b"WATCH") {
            self.watching = true;
        } else if is(b"UNWATCH") {
            self.watching = false;
        } else if is(b"RESET") {
            // The server ended MULTI, WATCH and subscriptions and went back to db 0.
            self.db = 0;
            self.in_multi = false;
            self.watching = false;
            self.subscribed = false;
        }
    }

    /// Marks the connection as in MULTI / WATCH after a server reply confirmed it
    /// (used by pipelines that send MULTI as part of a batch).
    pub(crate) fn note_replied(&mut self, cmd: &Cmd) {
        self.after_reply(cmd)
    }

    /// Why this connection may not go back to a pool on `db`, if anything.
    pub(crate) fn dirty(&self, db: u32) -> Option<Dirty> {
        if self.broken {
            Some(Dirty::Broken)
        } else if self.in_multi {
            Some(Dirty::InMulti)
        } else if self.watching {
            Some(Dirty::Watching)
        } else if self.subscribed {
            Some(Dirty::Subscribed)
        } else if self.pending > 0 || self.leftover || !self.decoder.is_idle() {
            Some(Dirty::PendingReplies)
        } else if self.db != db {
            Some(Dirty::OtherDb)
        } else if self.tainted {
            Some(Dirty::Tainted)
        } else {
            None
        }
    }

    /// True when the server closed this idle connection or sent bytes nobody asked for.
    /// One non-blocking peek, no round trip.
    pub(crate) fn is_stale(&mut self) -> bool {
        if self.broken || self.leftover {
            return true;
        }
        self.stream.get_mut().has_unexpected_input().unwrap_or(true)
    }

    /// True once an I/O error, timeout or protocol error has been seen.
    pub fn is_broken(&self) -> bool {
        self.broken
    }

    /// Marks the connection broken: it will be closed, never reused.
    pub fn mark_broken(&mut self) {
        self.broken = true;
    }

    /// The database this connection has selected.
    pub fn db(&self) -> u32 {
        self.db
    }

    /// True between MULTI and EXEC/DISCARD.
    pub fn in_multi(&self) -> bool {
        self.in_multi
    }

    /// True when a WATCH is in force.
    pub fn is_watching(&self) -> bool {
        self.watching
    }

    /// True once a SUBSCRIBE-family command was sent.
    pub fn is_subscribed(&self) -> bool {
        self.subscribed
    }

    /// How many replies were asked for and not read yet.
    pub fn pending_replies(&self) -> usize {
        self.pending
    }

    /// The protocol spoken on this connection.
    pub fn protocol(&self) -> Protocol {
        self.protocol
    }

    /// Where this connection goes.
    pub fn addr(&self) -> &ConnectionAddr {
        &self.addr
    }

    /// When the last reply was read (or the connection opened).
    pub fn last_used(&self) -> Instant {
        self.last_used
    }

    /// Closes the socket now.
    pub fn close(mut self) {
        self.stream.get_mut().shutdown();
    }
}
