//! The one error type of the crate.

use std::fmt;
use std::io;

/// A `Result` whose error is [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// Everything that can go wrong talking to Redis.
///
/// No variant ever carries a password: URLs and configs are redacted before they reach an
/// error message.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The connection failed or broke.
    #[error("I/O error: {0}")]
    Io(io::Error),
    /// A connect, read or write timeout passed.
    #[error("timed out")]
    Timeout,
    /// No connection became free within the pool's timeout.
    #[error("timed out waiting for a free connection from the pool")]
    PoolTimeout,
    /// The server answered with an error reply.
    #[error("server error: {0}")]
    Server(ServerError),
    /// EXEC returned nil because a watched key changed.
    #[error("transaction aborted: a watched key changed before EXEC")]
    TransactionAborted,
    /// The server sent bytes that are not valid RESP.
    #[error("protocol error: {0}")]
    Protocol(String),
    /// A reply could not be converted into the type asked for.
    #[error("type error: {0}")]
    Type(String),
    /// A bad URL or option, found before anything was sent.
    #[error("config error: {0}")]
    Config(String),
    /// TLS could not be set up: the server's certificate did not verify (untrusted CA,
    /// wrong host name, expired), a certificate or key file could not be loaded, or the
    /// handshake failed. Never retried.
    #[error("TLS error: {0}")]
    Tls(String),
    /// A command inside a pipeline failed; `index` is its position in the pipeline.
    #[error("pipeline command #{index} ({command}) failed: {source}")]
    Pipeline {
        /// Zero-based position of the failing command in the pipeline.
        index: usize,
        /// The command's name, e.g. `INCR`.
        command: String,
        /// What went wrong with it.
        source: Box<Error>,
    },
    /// A cluster-level failure: no slot owner, too many redirections, keys in different slots.
    #[error("cluster error: {0}")]
    Cluster(String),
    /// Sentinel could not name a master (or list replicas) for a service: every sentinel
    /// was unreachable, or the address they gave was down or not a master (yet), as during
    /// a failover. The text says what each sentinel answered. A client from
    /// [`Sentinel::master_for`](crate::sentinel::Sentinel::master_for) retries it under its
    /// retry policy before returning it. (0.1 reported this as an [`Error::Io`] of kind
    /// `NotFound`.) A name no sentinel monitors, or a "sentinel" that is a plain Redis
    /// server, is an [`Error::Config`] instead.
    #[error("sentinel error: {0}")]
    Sentinel(String),
    /// A [`Lock`](crate::Lock) was released, extended or reacquired while this `Lock` does
    /// not hold it: never acquired, already released, or expired (and maybe taken by
    /// another client). The text says which lock and what was attempted.
    #[error("lock not owned: {0}")]
    LockNotOwned(String),
}

impl From<io::Error> for Error {
    fn from(e: io::Error) -> Self {
        if TlsRefused::marks(&e) {
            if let Some(Ok(refused)) = e.into_inner().map(|inner| inner.downcast::<TlsRefused>()) {
                return Error::Tls(refused.0);
            }
            return Error::Tls("the server refused the TLS session".into());
        }
        match e.kind() {
            io::ErrorKind::TimedOut | io::ErrorKind::WouldBlock => Error::Timeout,
            _ => Error::Io(e),
        }
    }
}

impl From<ServerError> for Error {
    fn from(e: ServerError) -> Self {
        Error::Server(e)
    }
}

impl Error {
    /// True for [`Error::Timeout`] and [`Error::PoolTimeout`], also when wrapped.
    pub fn is_timeout(&self) -> bool {
        matches!(self.inner(), Error::Timeout | Error::PoolTimeout)
    }

    /// True when the connection failed or broke ([`Error::Io`]), also when wrapped.
    pub fn is_io(&self) -> bool {
        matches!(self.inner(), Error::Io(_))
    }

    /// True when the server answered with an error reply, also inside a pipeline.
    pub fn is_server(&self) -> bool {
        matches!(self.inner(), Error::Server(_))
    }

    /// True when the command may or may not have been applied by the server: its bytes may
    /// have reached it, and no reply came back. That is every [`Error::Timeout`] (a reply
    /// that did not come in time; a connect timeout is counted too, to err on the safe
    /// side), every [`Error::Protocol`] (a reply that could not be read), and an
    /// [`Error::Io`] that broke the connection after a command that writes was sent (its
    /// message then ends with "outcome unknown"). Retrying such a command is the caller's
    /// call: strictredis never does it by itself.
    pub fn is_ambiguous(&self) -> bool {
        match self.inner() {
            Error::Timeout | Error::Protocol(_) => true,
            Error::Io(e) => SentBeforeFailure::marks(e),
            _ => false,
        }
    }

    /// Marks an I/O error that broke the connection after a command that writes was sent.
    /// Other errors are returned unchanged.
    pub(crate) fn after_send(self) -> Error {
        match self {
            Error::Io(e) if !SentBeforeFailure::marks(&e) => {
                Error::Io(io::Error::new(e.kind(), SentBeforeFailure(e)))
            }
            other => other,
        }
    }

    /// True when the error means the connection it happened on can no longer be trusted.
    pub fn is_connection_error(&self) -> bool {
        matches!(
            self.inner(),
            Error::Io(_) | Error::Timeout | Error::Protocol(_)
        )
    }

    /// The server error behind this error, if it is one (also inside a pipeline).
    pub fn server_error(&self) -> Option<&ServerError> {
        match self.inner() {
            Error::Server(e) => Some(e),
            _ => None,
        }
    }

    /// The error with any [`Error::Pipeline`] wrapper peeled off.
    pub fn inner(&self) -> &Error {
        match self {
            Error::Pipeline { source, .. } => source.inner(),
            other => other,
        }
    }
}

/// The payload of an [`Error::Io`] that broke the connection after a command that writes
/// had been sent: see [`Error::is_ambiguous`].
#[derive(Debug)]
struct SentBeforeFailure(io::Error);

impl SentBeforeFailure {
    fn marks(e: &io::Error) -> bool {
        e.get_ref()
            .is_some_and(|inner| inner.is::<SentBeforeFailure>())
    }
}

impl fmt::Display for SentBeforeFailure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} (outcome unknown: the connection broke after the command was sent)",
            self.0
        )
    }
}

impl std::error::Error for SentBeforeFailure {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        Some(&self.0)
    }
}

/// The payload of an I/O error that is a TLS refusal (the server rejected the session: a
/// client certificate missing or not trusted). The transport seam
/// (src/connection/transport.rs) wraps such read and write errors in it; `From<io::Error>`
/// turns it into [`Error::Tls`]. This module knows nothing else of TLS.
#[derive(Debug)]
pub(crate) struct TlsRefused(pub(crate) String);

impl TlsRefused {
    fn marks(e: &io::Error) -> bool {
        e.get_ref().is_some_and(|inner| inner.is::<TlsRefused>())
    }
}

impl fmt::Display for TlsRefused {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for TlsRefused {}

/// An error reply from the server: `-WRONGTYPE Operation against a key ...`.
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct ServerError {
    text: String,
    kind_end: usize,
}

impl ServerError {
    /// Builds a server error from the reply's text (without the leading `-`).
    pub fn new(text: impl Into<String>) -> Self {
        let text = text.into();
        let first = text.split(' ').next().unwrap_or("");
        let is_code = !first.is_empty()
            && first
                .bytes()
                .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit() || b == b'_' || b == b'-');
        let kind_end = if is_code { first.len() } else { 0 };
        ServerError { text, kind_end }
    }

    /// The first word of the error: `ERR`, `WRONGTYPE`, `NOSCRIPT`, `MOVED`, `ASK`, ...
    /// Empty when the server sent no upper-case code.
    pub fn kind(&self) -> &str {
        &self.text[..self.kind_end]
    }

    /// The rest of the error text, after the kind.
    pub fn message(&self) -> &str {
        self.text[self.kind_end..].trim_start()
    }

    /// The whole error text as the server sent it.
    pub fn text(&self) -> &str {
        &self.text
    }
}

impl fmt::Display for ServerError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.text)
    }
}

impl fmt::Debug for ServerError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ServerError")
            .field("kind", &self.kind())
            .field("message", &self.message())
            .finish()
    }
}

impl std::error::Error for ServerError {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn server_error_kind_and_message() {
        let e =
            ServerError::new("WRONGTYPE Operation against a key holding the wrong kind of value");
        assert_eq!(e.kind(), "WRONGTYPE");
        assert_eq!(
            e.message(),
            "Operation against a key holding the wrong kind of value"
        );
        let e = ServerError::new("MOVED 3999 127.0.0.1:6381");
        assert_eq!(e.kind(), "MOVED");
        assert_eq!(e.message(), "3999 127.0.0.1:6381");
        let e = ServerError::new("no code here");
        assert_eq!(e.kind(), "");
        assert_eq!(e.message(), "no code here");
    }

    #[test]
    fn io_timeouts_become_timeout() {
        let e: Error = io::Error::new(io::ErrorKind::WouldBlock, "x").into();
        assert!(matches!(e, Error::Timeout));
        assert!(e.is_timeout());
        let e: Error = io::Error::new(io::ErrorKind::ConnectionReset, "x").into();
        assert!(e.is_io());
    }

    #[test]
    fn a_marked_tls_refusal_becomes_tls() {
        let marked = io::Error::new(
            io::ErrorKind::InvalidData,
            TlsRefused("the server refused the TLS session: x".into()),
        );
        let e: Error = marked.into();
        assert!(matches!(&e, Error::Tls(m) if m == "the server refused the TLS session: x"));
    }
}
