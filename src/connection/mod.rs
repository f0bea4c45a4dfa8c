//! One connection to one server: a socket in a `BufStream`, the RESP decoder, and what the
//! connection knows of its own state (db, MULTI, WATCH, subscriptions, pending replies).
//!
//! A connection that sees any I/O error, timeout, protocol error or half-read reply marks
//! itself broken and refuses further use: a late reply can never reach the wrong caller.

pub(crate) mod exchange;
mod state;

mod transport;

use std::io::{self, BufRead, Read, Write};
use std::time::{Duration, Instant};

use bufstream::BufStream;

use crate::cmd::{cmd, BlockingTimeout, Cmd};
use crate::command_facts::Effect;
use crate::config::{ConnectionAddr, ConnectionInfo, Protocol};
use crate::credentials::Credentials;
use crate::error::{Error, Result};
use crate::failure::{self, Failure, Stage};
use crate::from_value::FromValue;
use crate::observe::{self, TimeoutKind};
use crate::resp::Decoder;
use crate::time::{deadline_in, left};
use crate::value::Value;
pub(crate) use state::Dirty;
use state::State;
use transport::Stream;

const BUF_CAPACITY: usize = 64 * 1024;

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
    /// For the log line of a write that timed out.
    write_timeout: Option<Duration>,
    /// `trace_arguments`: spans record the arguments (feature `tracing`).
    #[cfg(feature = "tracing")]
    trace_arguments: bool,
    protocol: Protocol,
    /// MULTI, WATCH, subscriptions, db, CLIENT REPLY: see [`state`].
    state: State,
    broken: bool,
    /// Replies sent for but not read yet.
    pending: usize,
    /// Bytes left in the read buffer after the last complete reply.
    leftover: bool,
    last_used: Instant,
    /// The pool's credentials generation this connection authenticated with (see
    /// `ConnectionPool`'s re-authentication); 0 outside a pool with a provider.
    auth_generation: u64,
}

crate::commands::impl_command_tables!(Connection, mut_methods);

impl std::fmt::Debug for Connection {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Connection")
            .field("addr", &self.addr)
            .field("db", &self.state.db)
            .field("protocol", &self.protocol)
            .field("in_multi", &self.state.in_multi)
            .field("watching", &self.state.watching)
            .field("subscribed", &self.state.subscribed)
            .field("pending", &self.pending)
            .field("broken", &self.broken)
            .finish()
    }
}

/// Says which step of the setup of a connection timed out, and the limit; the error is
/// returned unchanged ([`Error::Timeout`] stays a unit variant that callers match on).
fn setup_error(e: Error, step: &str, info: &ConnectionInfo) -> Error {
    if e.is_timeout() {
        let note = format!(", bounding the whole setup; timed out {step}");
        observe::timeout(
            TimeoutKind::Connect,
            &info.addr,
            None,
            info.connect_timeout,
            &note,
        );
    }
    e
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

/// `AUTH [user] password`.
pub(crate) fn auth_cmd(username: Option<&str>, password: &str) -> Cmd {
    match username {
        Some(user) => cmd("AUTH").arg(user).arg(password),
        None => cmd("AUTH").arg(password),
    }
}

impl Connection {
    /// Opens a connection and runs the handshake: `HELLO 3` when RESP3 is asked for, `AUTH`,
    /// `CLIENT SETNAME` and `SELECT` as configured.
    ///
    /// The whole setup (TCP connect, TLS handshake and the handshake's commands) runs within
    /// [`ConnectionInfo::connect_timeout`]: a server that accepts the connection and never
    /// answers fails with [`Error::Timeout`] once it has passed.
    ///
    /// With a [`credential_provider`](ConnectionInfo::credential_provider), the provider is
    /// asked first and its answer replaces `username` and `password`.
    pub fn open(info: &ConnectionInfo) -> Result<Connection> {
        match &info.credential_provider {
            None => Self::open_as(info),
            Some(p) => {
                let creds = crate::credentials::ask(p.as_ref())?;
                Self::open_as(&info.authenticated_as(&creds))
            }
        }
    }

    /// [`open`](Self::open) with the credentials of `info` as they are.
    fn open_as(info: &ConnectionInfo) -> Result<Connection> {
        let started = Instant::now();
        let setup_deadline = deadline_in(info.connect_timeout);
        let stream =
            Stream::open(info, setup_deadline).map_err(|e| setup_error(e, "connecting", info))?;
        let mut conn = Connection {
            stream: BufStream::with_capacities(BUF_CAPACITY, BUF_CAPACITY, stream),
            decoder: Decoder::new(),
            addr: info.addr.clone(),
            read_timeout: info.read_timeout,
            write_timeout: info.write_timeout,
            #[cfg(feature = "tracing")]
            trace_arguments: info.trace_arguments,
            protocol: info.protocol,
            state: State::default(),
            broken: false,
            pending: 0,
            leftover: false,
            last_used: Instant::now(),
            auth_generation: 0,
        };
        conn.handshake(info, setup_deadline)?;
        observe::connected(&conn.addr, conn.state.db, started.elapsed());
        Ok(conn)
    }

    fn handshake(&mut self, info: &ConnectionInfo, setup: Option<Instant>) -> Result<()> {
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
                steps.push(auth_cmd(info.username.as_deref(), pw));
            }
            if let Some(name) = &info.client_name {
                steps.push(cmd("CLIENT SETNAME").arg(name.as_str()));
            }
        }
        if info.db != 0 {
            steps.push(cmd("SELECT").arg(info.db));
        }
        // The steps that must succeed; `CLIENT SETINFO` comes last and a refusal (a server
        // older than 7.2) is ignored.
        let required = steps.len();
        if let Some(name) = &info.lib_name {
            steps.push(cmd("CLIENT SETINFO").arg("LIB-NAME").arg(name.as_str()));
            steps.push(
                cmd("CLIENT SETINFO")
                    .arg("LIB-VER")
                    .arg(info.lib_version.as_str()),
            );
        }
        if steps.is_empty() {
            return Ok(());
        }
        // One write, then every reply: the handshake costs one round trip. It runs under
        // what is left of the connect timeout, not the read timeout (the replies of a
        // handshake arrive together, so the deadline is set once, before the write).
        self.setup_timeouts(setup)?;
        let replies = exchange::exchange(self, &steps)
            .map_err(|b| setup_error(b.error, "during the handshake", info))?;
        self.set_read_timeout_inner(self.read_timeout)?;
        self.stream
            .get_ref()
            .set_write_timeout(info.write_timeout)
            .map_err(|e| self.fail(e.into()))?;
        let refused = replies[..required.min(replies.len())]
            .iter()
            .find(|v| matches!(v, Value::Error(_)));
        if let Some(Value::Error(e)) = refused {
            return Err(Error::Server(e.clone()));
        }
        if let Some(Value::Error(e)) = replies[required.min(replies.len())..].first() {
            log::debug!("{} refused CLIENT SETINFO (ignored): {e}", self.addr);
        }
        // AUTH and HELLO taint a connection when a caller sends them; sent here, they are
        // the pool's own settings, so the connection stays reusable.
        self.state.handshake_done();
        Ok(())
    }

    /// Authenticates again on this open connection (`AUTH`), after the pool's credentials
    /// changed; an error reply is `Err(Error::Server)` and the connection stays as it was.
    pub(crate) fn reauthenticate(&mut self, creds: &Credentials) -> Result<()> {
        let auth = auth_cmd(creds.username.as_deref(), &creds.password);
        let tainted_before = self.state.tainted;
        self.request_value(&auth)?;
        if !tainted_before {
            // Sent by the pool with its own credentials: not a caller's AUTH.
            self.state.handshake_done();
        }
        Ok(())
    }

    /// The pool's credentials generation this connection authenticated with.
    pub(crate) fn auth_generation(&self) -> u64 {
        self.auth_generation
    }

    /// Records the pool's credentials generation this connection authenticated with.
    pub(crate) fn set_auth_generation(&mut self, generation: u64) {
        self.auth_generation = generation;
    }

    /// Sets the socket's read and write timeouts to what is left until the setup deadline
    /// (the connect timeout); [`Error::Timeout`] when nothing is left.
    fn setup_timeouts(&mut self, setup: Option<Instant>) -> Result<()> {
        let t = match left(setup) {
            None => return Ok(()),
            Some(t) if t.is_zero() => return Err(self.fail(Error::Timeout)),
            Some(t) => t,
        };
        let s = self.stream.get_ref();
        let r = s
            .set_read_timeout(Some(t))
            .and_then(|_| s.set_write_timeout(Some(t)));
        r.map_err(|e| self.fail(e.into()))
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
    pub(crate) fn request_value(&mut self, cmd: &Cmd) -> Result<Value> {
        self.request_staged(cmd).map_err(|(stage, e)| {
            failure::settle(stage, crate::command_facts::is_read_only(cmd), e)
        })
    }

    /// [`request_value`](Self::request_value), telling how far the request got when it
    /// failed (for the retry logic).
    pub(crate) fn request_staged(&mut self, cmd: &Cmd) -> std::result::Result<Value, Failure> {
        cmd.check_sendable().map_err(|e| (Stage::Unsent, e))?;
        let what = observe::What::Command(cmd);
        let op = observe::start(&what, self.observed());
        let r = op.run(|| self.request_once(cmd).map_err(|f| self.log_timeout(cmd, f)));
        op.finish(&what, r.as_ref().err().map(|(_, e)| e));
        r
    }

    /// Where this connection's operations run, for their spans: its address and db.
    pub(crate) fn observed(&self) -> observe::At<'_> {
        observe::At {
            addr: &self.addr,
            db: self.state.db,
            #[cfg(feature = "tracing")]
            arguments: self.trace_arguments,
            #[cfg(not(feature = "tracing"))]
            arguments: false,
        }
    }

    /// A timeout says no more than its variant ([`Error::Timeout`] is a unit variant that
    /// callers match on): which limit passed, for which command, is said by
    /// [`observe::timeout`]. The command's arguments are never shown (they may be secrets).
    fn log_timeout(&self, cmd: &Cmd, (stage, e): Failure) -> Failure {
        if matches!(e, Error::Timeout) {
            let (kind, limit) = match stage {
                Stage::Unsent => (TimeoutKind::Write, self.write_timeout),
                Stage::Sent => (TimeoutKind::Read, self.read_timeout),
            };
            let note = if cmd.blocking_timeout().is_some() {
                ", plus the command's own blocking timeout"
            } else {
                ""
            };
            observe::timeout(kind, &self.addr, Some(&cmd.display_name()), limit, note);
        }
        (stage, e)
    }

    fn request_once(&mut self, cmd: &Cmd) -> std::result::Result<Value, Failure> {
        let effect = Effect::of(cmd);
        if !self.state.reply_expected(effect) {
            self.send_with(cmd, effect)
                .map_err(|e| (Stage::Unsent, e))?;
            self.pending = self.pending.saturating_sub(1);
            self.state.after_reply(effect);
            return Ok(Value::Nil);
        }
        let r = match cmd.blocking_timeout() {
            None => {
                self.send_with(cmd, effect)
                    .map_err(|e| (Stage::Unsent, e))?;
                self.read_reply_for(effect)
            }
            Some(b) => return self.request_blocking(cmd, effect, b),
        };
        match r {
            // A SHUTDOWN that worked closes the connection instead of answering: that end
            // of the connection is its success.
            Err(Error::Io(e))
                if matches!(
                    e.kind(),
                    io::ErrorKind::UnexpectedEof | io::ErrorKind::ConnectionReset
                ) && self.state.closed_by_server(effect) =>
            {
                Ok(Value::Simple("OK".into()))
            }
            r => r.map_err(|e| (Stage::Sent, e)),
        }
    }

    /// A blocking command: the read timeout is raised to the command's own timeout plus the
    /// normal read timeout as a margin, for this one call.
    fn request_blocking(
        &mut self,
        cmd: &Cmd,
        effect: Effect,
        b: BlockingTimeout,
    ) -> std::result::Result<Value, Failure> {
        let base = self.read_timeout;
        let raised = self.blocking_read_timeout(b);
        if raised != base {
            self.set_read_timeout_inner(raised)
                .map_err(|e| (Stage::Unsent, e))?;
        }
        self.send_with(cmd, effect)
            .map_err(|e| (Stage::Unsent, e))?;
        let r = self.read_reply_for(effect).map_err(|e| (Stage::Sent, e));
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
            (BlockingTimeout::For(t), Some(base)) => {
                Some(t.saturating_add(base.max(Duration::from_secs(1))))
            }
        }
    }

    /// Sets the socket's read timeout for a while, leaving [`read_timeout`](Self::read_timeout)
    /// as configured (restore it by passing that value back).
    pub(crate) fn set_socket_read_timeout(&mut self, t: Option<Duration>) -> Result<()> {
        self.set_read_timeout_inner(t)
    }

    fn read_reply_for(&mut self, effect: Effect) -> Result<Value> {
        let v = self.read_reply()?;
        self.state.after_reply(effect);
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
    pub(crate) fn send(&mut self, cmd: &Cmd) -> Result<()> {
        self.send_with(cmd, Effect::of(cmd))
    }

    /// [`send`](Self::send) for a command whose [`Effect`] the caller looked up.
    fn send_with(&mut self, cmd: &Cmd, effect: Effect) -> Result<()> {
        self.write_with(cmd, effect)?;
        self.flush()
    }

    /// Buffers one command without flushing (pipelines); its reply is then pending.
    pub(crate) fn write_cmd(&mut self, cmd: &Cmd) -> Result<()> {
        self.write_with(cmd, Effect::of(cmd))
    }

    /// [`write_cmd`](Self::write_cmd) for a command whose [`Effect`] the caller looked up
    /// (once per command: the lookup runs for every command sent).
    pub(crate) fn write_with(&mut self, cmd: &Cmd, effect: Effect) -> Result<()> {
        cmd.check_sendable()?;
        self.usable()?;
        self.state.before_send(effect);
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

    /// Buffers bytes that are already RESP-encoded commands, `count` of them (the
    /// auto-pipeline's batches, encoded by the crate itself, never by a caller).
    pub(crate) fn write_packed(&mut self, bytes: &[u8], count: usize) -> Result<()> {
        self.usable()?;
        self.pending += count;
        self.stream
            .write_all(bytes)
            .map_err(|e| self.fail(e.into()))
    }

    /// Flushes buffered commands to the socket.
    pub(crate) fn flush(&mut self) -> Result<()> {
        self.stream.flush().map_err(|e| self.fail(e.into()))
    }

    fn fail(&mut self, e: Error) -> Error {
        if !self.broken {
            observe::broken(&self.addr, &e);
        }
        self.broken = true;
        e
    }

    /// Reads one reply. Error replies come back as `Ok(Value::Error)`; RESP3 pushes that
    /// arrive while not subscribed (client tracking) are skipped.
    pub(crate) fn read_reply(&mut self) -> Result<Value> {
        loop {
            let v = self.read_value()?;
            if matches!(v, Value::Push(_)) && !self.state.subscribed {
                log::debug!("skipping an out-of-band push from {}", self.addr);
                continue;
            }
            self.pending = self.pending.saturating_sub(1);
            // The clock is read once the read buffer is drained, not per reply: the replies
            // of a pipeline arrive a few reads' worth at a time, and a clock read per reply
            // took about 8% of the client's CPU in a pipeline of 1000 SETs. A connection
            // with replies still buffered is not idle, and never goes back to the pool, so
            // the pool's idle checks see the same time as before.
            if !self.leftover {
                self.last_used = Instant::now();
            }
            return Ok(v);
        }
    }

    /// Reads the next value off the wire, whatever it is (pub/sub messages included).
    pub(crate) fn read_value(&mut self) -> Result<Value> {
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
    pub(crate) fn read_value_timeout(&mut self, timeout: Duration) -> Result<Option<Value>> {
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

    /// Marks the connection as in MULTI / WATCH after a server reply confirmed it
    /// (used by pipelines that send MULTI as part of a batch).
    pub(crate) fn note_replied(&mut self, cmd: &Cmd) {
        self.state.after_reply(Effect::of(cmd))
    }

    /// Why this connection may not go back to a pool on `db`, if anything.
    pub(crate) fn dirty(&self, db: u32) -> Option<Dirty> {
        let pending = self.pending > 0 || self.leftover || !self.decoder.is_idle();
        self.state.dirty(db, self.broken, pending)
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
        self.state.db
    }

    /// True between MULTI and EXEC/DISCARD.
    pub fn in_multi(&self) -> bool {
        self.state.in_multi
    }

    /// True when a WATCH is in force.
    pub fn is_watching(&self) -> bool {
        self.state.watching
    }

    /// True once a SUBSCRIBE-family command was sent.
    pub fn is_subscribed(&self) -> bool {
        self.state.subscribed
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

    /// When the last reply was read (or the connection opened): the time of the reply that
    /// left nothing buffered, so after a pipeline, that of its last reply.
    pub fn last_used(&self) -> Instant {
        self.last_used
    }

    /// Closes the socket now.
    pub fn close(mut self) {
        self.stream.get_mut().shutdown();
    }
}
