//! The one seam between a connection and its transport: every per-transport `match`
//! (TCP, Unix socket, TLS) is in this file.

use std::io::{self, Read, Write};
use std::mem::MaybeUninit;
use std::net::{TcpStream, ToSocketAddrs};
use std::os::unix::net::UnixStream;
use std::time::Duration;

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
    /// Connects to `info.addr` (TLS handshake included) and sets the configured timeouts.
    pub(crate) fn open(info: &ConnectionInfo) -> Result<Stream> {
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
        Ok(stream)
    }
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
