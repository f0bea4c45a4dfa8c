//! The one seam between a connection and its transport: every per-transport `match`
//! (TCP, Unix socket, TLS) is in this file.

use std::io::{self, Read, Write};
use std::mem::MaybeUninit;
use std::net::{TcpStream, ToSocketAddrs};
use std::os::unix::net::UnixStream;
use std::time::{Duration, Instant};

use crate::config::{ConnectionAddr, ConnectionInfo};
use crate::error::{Error, Result};

/// The byte stream under a connection.
pub(crate) enum Stream {
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
            Stream::Tls(s) => s.read(buf).map_err(crate::tls::classify),
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
            Stream::Tls(s) => s.write(buf).map_err(crate::tls::classify),
        }
    }
    #[inline]
    fn write_vectored(&mut self, bufs: &[io::IoSlice<'_>]) -> io::Result<usize> {
        match self {
            Stream::Tcp(s) => s.write_vectored(bufs),
            Stream::Unix(s) => s.write_vectored(bufs),
            #[cfg(feature = "tls")]
            Stream::Tls(s) => s.write_vectored(bufs).map_err(crate::tls::classify),
        }
    }
    #[inline]
    fn flush(&mut self) -> io::Result<()> {
        match self {
            // rustls may keep records it could not write yet: flushing sends them, and
            // reports the write errors that `write` kept quiet.
            #[cfg(feature = "tls")]
            Stream::Tls(s) => s.flush().map_err(crate::tls::classify),
            _ => Ok(()),
        }
    }
}

impl Stream {
    pub(crate) fn set_read_timeout(&self, t: Option<Duration>) -> io::Result<()> {
        match self {
            Stream::Tcp(s) => s.set_read_timeout(t),
            Stream::Unix(s) => s.set_read_timeout(t),
            #[cfg(feature = "tls")]
            Stream::Tls(s) => s.sock.set_read_timeout(t),
        }
    }

    pub(crate) fn set_write_timeout(&self, t: Option<Duration>) -> io::Result<()> {
        match self {
            Stream::Tcp(s) => s.set_write_timeout(t),
            Stream::Unix(s) => s.set_write_timeout(t),
            #[cfg(feature = "tls")]
            Stream::Tls(s) => s.sock.set_write_timeout(t),
        }
    }

    /// Non-blocking peek of one byte: `Ok(true)` when the socket is readable (data or EOF).
    /// On TLS, handshake records (session tickets) are taken in and do not count.
    pub(crate) fn has_unexpected_input(&mut self) -> io::Result<bool> {
        let mut byte = [MaybeUninit::<u8>::uninit(); 1];
        let flags = libc::MSG_PEEK | libc::MSG_DONTWAIT;
        let r = match self {
            Stream::Tcp(s) => socket2::SockRef::from(&*s).recv_with_flags(&mut byte, flags),
            Stream::Unix(s) => socket2::SockRef::from(&*s).recv_with_flags(&mut byte, flags),
            #[cfg(feature = "tls")]
            Stream::Tls(s) => {
                return crate::tls::has_unexpected_input(s).map_err(crate::tls::classify)
            }
        };
        match r {
            // 0 is EOF (the server closed), > 0 is a byte nobody asked for: both stale.
            Ok(_) => Ok(true),
            Err(e) if e.kind() == io::ErrorKind::WouldBlock => Ok(false),
            Err(e) if e.kind() == io::ErrorKind::Interrupted => Ok(false),
            Err(e) => Err(e),
        }
    }

    pub(crate) fn shutdown(&mut self) {
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

impl Stream {
    /// Connects to `info.addr` (TLS handshake included) by `setup` (the connect timeout's
    /// deadline), turns TCP keepalive on and sets the configured timeouts.
    pub(crate) fn open(info: &ConnectionInfo, setup: Option<Instant>) -> Result<Stream> {
        let stream = match &info.addr {
            ConnectionAddr::Tcp { host, port } => Stream::Tcp(connect_tcp(host, *port, setup)?),
            ConnectionAddr::Unix(path) => Stream::Unix(UnixStream::connect(path)?),
            #[cfg(feature = "tls")]
            ConnectionAddr::TcpTls {
                host,
                port,
                insecure,
            } => {
                let s = connect_tcp(host, *port, setup)?;
                let limit = time_left(setup)?;
                let s = crate::tls::connect(s, host, *insecure, &info.tls, limit)
                    .map_err(|e| tls_timeout(e, &info.addr, info.connect_timeout))?;
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
        Ok(stream)
    }
}

/// TCP keepalive on every TCP connection: probes after 30 s idle, every 5 s, 3 of them
/// (redis-py 8's and go-redis 9's defaults), so that a peer that vanished is noticed.
pub(crate) const KEEPALIVE_IDLE: Duration = Duration::from_secs(30);
/// See [`KEEPALIVE_IDLE`].
pub(crate) const KEEPALIVE_INTERVAL: Duration = Duration::from_secs(5);
/// See [`KEEPALIVE_IDLE`].
pub(crate) const KEEPALIVE_PROBES: u32 = 3;

fn keepalive(s: &TcpStream) -> io::Result<()> {
    let ka = socket2::TcpKeepalive::new()
        .with_time(KEEPALIVE_IDLE)
        .with_interval(KEEPALIVE_INTERVAL)
        .with_retries(KEEPALIVE_PROBES);
    socket2::SockRef::from(s).set_tcp_keepalive(&ka)
}

/// What is left until `deadline` (`Ok(None)`: no deadline); [`Error::Timeout`] when nothing.
fn time_left(deadline: Option<Instant>) -> Result<Option<Duration>> {
    match super::left(deadline) {
        Some(t) if t.is_zero() => Err(Error::Timeout),
        t => Ok(t),
    }
}

/// A TLS handshake that timed out: most often a `rediss://` URL pointing at a server that
/// does not speak TLS (it waits for the end of an inline command that never comes). An
/// [`Error::Tls`], which is not retried, instead of a timeout that would be.
#[cfg(feature = "tls")]
fn tls_timeout(e: Error, addr: &ConnectionAddr, limit: Option<Duration>) -> Error {
    if !e.is_timeout() {
        return e;
    }
    crate::observe::timeout(
        crate::observe::TimeoutKind::TlsHandshake,
        addr,
        None,
        limit,
        ", part of connect_timeout",
    );
    let message = format!(
        "the TLS handshake with {addr} timed out (connect_timeout {limit:?}): no TLS reply \
         came; is the server listening with TLS there (rediss://), or is it a plain \
         redis:// port?"
    );
    crate::error::TlsError::new(crate::error::TlsKind::Handshake, message)
        .caused_by(e)
        .into()
}

fn connect_tcp(host: &str, port: u16, deadline: Option<Instant>) -> Result<TcpStream> {
    let addrs = (host, port).to_socket_addrs().map_err(Error::Io)?;
    let mut last = None;
    for addr in addrs {
        let r = match time_left(deadline)? {
            Some(t) => TcpStream::connect_timeout(&addr, t),
            None => TcpStream::connect(addr),
        };
        match r {
            Ok(s) => {
                s.set_nodelay(true)?;
                keepalive(&s)?;
                return Ok(s);
            }
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
