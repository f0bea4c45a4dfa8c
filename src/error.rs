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
    /// handshake failed. Never retried. [`TlsError::source`](std::error::Error::source)
    /// gives the rustls, PEM or I/O error it came from. (0.1 carried only a `String`.)
    #[error("TLS error: {0}")]
    Tls(#[source] TlsError),
    /// A command inside a pipeline or transaction failed; `index` is its position in it.
    ///
    /// What happened to the other commands depends on `failure` (and the text says it):
    ///
    /// * [`PipelineFailure::Plain`]: a plain pipeline (no MULTI/EXEC); the other commands
    ///   ran, each on its own: read their replies with `execute_raw` if they matter;
    /// * [`PipelineFailure::Committed`]: the command failed inside EXEC (a WRONGTYPE,
    ///   say): it failed alone, and **every other command of the transaction was
    ///   committed** (Redis has no rollback): running the whole transaction again applies
    ///   them twice;
    /// * [`PipelineFailure::Discarded`]: the transaction did not run: the command was
    ///   refused while queueing (EXEC then answered `EXECABORT`) or before anything was
    ///   sent; none of its commands was applied.
    #[error("{} #{index} ({command}) {}: {source}", failure.noun(), failure.outcome())]
    Pipeline {
        /// Zero-based position of the failing command in the pipeline.
        index: usize,
        /// The command's name, e.g. `INCR`.
        command: String,
        /// What became of the other commands: see the variant's documentation.
        failure: PipelineFailure,
        /// What went wrong with it.
        source: Box<Error>,
    },
    /// A cluster-level failure: no slot owner, too many redirections, keys in different
    /// slots, no node that gives the topology. [`ClusterError::last_error`] (and
    /// `source()`) give the node error behind it where there is one. (0.1 carried only a
    /// `String`.)
    #[error("cluster error: {0}")]
    Cluster(#[source] ClusterError),
    /// Sentinel could not name a master (or list replicas) for a service: every sentinel
    /// was unreachable, or the address they gave was down or not a master (yet), as during
    /// a failover. The text says what each sentinel answered. A client from
    /// [`Sentinel::master_for`](crate::sentinel::Sentinel::master_for) retries it under its
    /// retry policy before returning it. (0.1 reported this as an [`Error::Io`] of kind
    /// `NotFound`.) A name no sentinel monitors, or a "sentinel" that is a plain Redis
    /// server, is an [`Error::Config`] instead. [`SentinelError::last_error`] gives the
    /// last error seen, where there was one. (0.1 carried only a `String`.)
    #[error("sentinel error: {0}")]
    Sentinel(#[source] SentinelError),
    /// A [`Lock`](crate::Lock) was released, extended or reacquired while this `Lock` does
    /// not hold it: never acquired, already released, or expired (and maybe taken by
    /// another client). The text says which lock and what was attempted;
    /// [`LockError::is_lost`] tells an expired lock from one never held. (0.1 carried only
    /// a `String`.)
    #[error("lock not owned: {0}")]
    LockNotOwned(#[source] LockError),
    /// The [`CredentialProvider`](crate::CredentialProvider) failed: the connect that
    /// needed credentials did not happen. Never retried by the pool; the provider is not
    /// asked again for a while after a failure (see [`CredentialsError::is_backing_off`]).
    /// [`CredentialsError::provider_error`] (and `source()`) is the provider's own error.
    #[error("credentials error: {0}")]
    Credentials(#[source] CredentialsError),
}

impl From<io::Error> for Error {
    fn from(e: io::Error) -> Self {
        if TlsError::marks(&e) {
            if let Some(Ok(refused)) = e.into_inner().map(|inner| inner.downcast::<TlsError>()) {
                return Error::Tls(*refused);
            }
            return TlsError::new(TlsKind::Refused, "the server refused the TLS session").into();
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

    /// For an [`Error::Pipeline`], what became of the other commands of the pipeline or
    /// transaction; `None` for any other error.
    pub fn pipeline_failure(&self) -> Option<PipelineFailure> {
        match self {
            Error::Pipeline { failure, .. } => Some(*failure),
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

/// The constructors of the payload variants, for the modules that build them.
impl Error {
    fn cluster_of(kind: ClusterKind, message: String, last: Option<Error>) -> Error {
        ClusterError::new(kind, message).caused_by_last(last).into()
    }

    /// [`Error::Cluster`]: keys in different hash slots; nothing was sent.
    pub(crate) fn cross_slot(message: String) -> Error {
        Error::cluster_of(ClusterKind::CrossSlot, message, None)
    }

    /// [`Error::Cluster`]: no node is known to serve the slot (or any slot).
    pub(crate) fn no_node(message: impl Into<String>) -> Error {
        Error::cluster_of(ClusterKind::NoNode, message.into(), None)
    }

    /// [`Error::Cluster`]: redirections or retries ran out; `last` is the last error.
    pub(crate) fn cluster_gave_up(message: String, last: Error) -> Error {
        Error::cluster_of(ClusterKind::GaveUp, message, Some(last))
    }

    /// [`Error::Cluster`]: no node gave the topology; `last` is the last node's error.
    pub(crate) fn no_topology(message: String, last: Option<Error>) -> Error {
        Error::cluster_of(ClusterKind::Topology, message, last)
    }

    /// Any other [`Error::Cluster`].
    pub(crate) fn cluster(message: impl Into<String>) -> Error {
        Error::cluster_of(ClusterKind::Other, message.into(), None)
    }

    /// [`Error::Sentinel`]: no master (`master`) or no replica list was found; `last` is
    /// the last error seen.
    pub(crate) fn sentinel(master: bool, message: String, last: Option<Error>) -> Error {
        let kind = if master {
            SentinelKind::NoMaster
        } else {
            SentinelKind::NoReplicas
        };
        SentinelError::new(kind, message)
            .caused_by_last(last)
            .into()
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

/// What became of the other commands when one command of a pipeline or transaction failed
/// ([`Error::Pipeline`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum PipelineFailure {
    /// A plain pipeline (no MULTI/EXEC): the other commands ran, each on its own.
    Plain,
    /// Inside EXEC: the transaction ran, this command failed alone, and every other command
    /// of the transaction was committed.
    Committed,
    /// The transaction did not run (EXECABORT, or refused before anything was sent): none
    /// of its commands was applied.
    Discarded,
}

impl PipelineFailure {
    /// True when the other commands were applied ([`Plain`](Self::Plain) and
    /// [`Committed`](Self::Committed)).
    pub fn others_applied(self) -> bool {
        !matches!(self, PipelineFailure::Discarded)
    }

    fn noun(self) -> &'static str {
        match self {
            PipelineFailure::Plain => "pipeline command",
            PipelineFailure::Committed | PipelineFailure::Discarded => "transaction command",
        }
    }

    fn outcome(self) -> &'static str {
        match self {
            PipelineFailure::Plain => "failed",
            PipelineFailure::Committed => {
                "failed inside EXEC; every other command of the transaction was committed"
            }
            PipelineFailure::Discarded => {
                "was refused, so the transaction was discarded and none of its commands was \
                 applied"
            }
        }
    }
}

/// The cause kept inside an error payload: the error it came from.
type Cause = Box<dyn std::error::Error + Send + Sync + 'static>;

/// The crate [`Error`] a cause is, if it is one.
fn crate_error(cause: &Option<Cause>) -> Option<&Error> {
    cause.as_deref().and_then(|c| c.downcast_ref::<Error>())
}

/// Declares a payload type of [`Error`]: a private kind, the text, a boxed cause, and the
/// accessors, `Display` (the text), `Debug` and `std::error::Error::source` (the cause) all
/// payloads share.
macro_rules! payload {
    ($(#[$doc:meta])* $name:ident($kind:ident) => $variant:ident) => {
        $(#[$doc])*
        pub struct $name {
            kind: $kind,
            message: String,
            cause: Option<Cause>,
        }

        impl $name {
            pub(crate) fn new(kind: $kind, message: impl Into<String>) -> Self {
                $name {
                    kind,
                    message: message.into(),
                    cause: None,
                }
            }

            /// Keeps `cause` as the error's source.
            #[allow(dead_code)] // a lock error has no cause
            pub(crate) fn caused_by(mut self, cause: impl Into<Cause>) -> Self {
                self.cause = Some(cause.into());
                self
            }

            /// Keeps `last`, if there is one, as the error's source.
            #[allow(dead_code)] // only cluster and Sentinel errors have a last error
            pub(crate) fn caused_by_last(self, last: Option<Error>) -> Self {
                match last {
                    Some(last) => self.caused_by(last),
                    None => self,
                }
            }

            /// What went wrong, in words (what `Display` shows; the cause's own text is
            /// part of it where it helps).
            pub fn message(&self) -> &str {
                &self.message
            }

            /// The same kind and text without the cause (which may not be cloneable): for
            /// each of the requests that one failure took down.
            #[allow(dead_code)] // not every payload is handed to several requests
            pub(crate) fn shallow_copy(&self) -> Self {
                $name::new(self.kind, self.message.clone())
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.message)
            }
        }

        impl fmt::Debug for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.debug_struct(stringify!($name))
                    .field("kind", &self.kind)
                    .field("message", &self.message)
                    .field("cause", &self.cause)
                    .finish()
            }
        }

        impl std::error::Error for $name {
            fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
                self.cause.as_deref().map(|c| c as &(dyn std::error::Error + 'static))
            }
        }

        impl From<$name> for Error {
            fn from(e: $name) -> Self {
                Error::$variant(e)
            }
        }
    };
}

/// What kind of TLS failure a [`TlsError`] is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum TlsKind {
    /// The client side could not be set up: a file, a key, a name, a protocol version.
    Setup,
    /// The handshake failed or timed out.
    Handshake,
    /// The server refused the session (a client certificate missing or not trusted).
    Refused,
}

payload! {
    /// The payload of [`Error::Tls`]: what failed, and as
    /// [`source`](std::error::Error::source) the rustls, PEM or I/O error behind it.
    TlsError(TlsKind) => Tls
}

impl TlsError {
    /// True when the server refused the session: a client certificate missing or not
    /// trusted (mutual TLS).
    pub fn is_refused(&self) -> bool {
        self.kind == TlsKind::Refused
    }

    /// True when the handshake failed or timed out (most often: the server's certificate
    /// did not verify, or the port does not speak TLS).
    pub fn is_handshake(&self) -> bool {
        self.kind == TlsKind::Handshake
    }

    /// True when the client side could not be set up, before the handshake: a CA,
    /// certificate or key file that could not be loaded, a host that is no valid name.
    pub fn is_setup(&self) -> bool {
        self.kind == TlsKind::Setup
    }

    /// True for an I/O error whose payload is a TLS refusal: the transport seam
    /// (src/connection/transport.rs, through src/tls.rs) wraps such read and write errors
    /// so; `From<io::Error>` turns them into [`Error::Tls`].
    fn marks(e: &io::Error) -> bool {
        e.get_ref().is_some_and(|inner| inner.is::<TlsError>())
    }
}

/// What kind of cluster failure a [`ClusterError`] is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum ClusterKind {
    /// Keys in different hash slots where one slot is needed; nothing was sent.
    CrossSlot,
    /// No node is known to serve the slot (or any slot).
    NoNode,
    /// Redirections or retries ran out; the cause is the last error.
    GaveUp,
    /// No node gave the cluster's topology; the cause is the last node's error.
    Topology,
    /// Anything else (a bad slot number, a SCAN cursor of another topology, ...).
    Other,
}

payload! {
    /// The payload of [`Error::Cluster`]: what failed, and as
    /// [`source`](std::error::Error::source) (and [`last_error`](Self::last_error)) the
    /// last node error behind it where there is one ("too many redirections", "could not
    /// read the cluster topology from any node").
    ClusterError(ClusterKind) => Cluster
}

impl ClusterError {
    /// The node error behind this error, if there is one (the last one seen).
    pub fn last_error(&self) -> Option<&Error> {
        crate_error(&self.cause)
    }

    /// True when the keys of one command or transaction are in different hash slots;
    /// nothing was sent.
    pub fn is_cross_slot(&self) -> bool {
        self.kind == ClusterKind::CrossSlot
    }

    /// True when no node was known to serve the slot the command needed.
    pub fn is_no_node(&self) -> bool {
        self.kind == ClusterKind::NoNode
    }

    /// True when the redirections or retries allowed
    /// ([`max_redirects`](crate::cluster::ClusterBuilder::max_redirects)) ran out.
    pub fn is_redirect_limit(&self) -> bool {
        self.kind == ClusterKind::GaveUp
    }

    /// True when no node answered with the cluster's topology.
    pub fn is_topology(&self) -> bool {
        self.kind == ClusterKind::Topology
    }
}

/// What a [`SentinelError`] could not find.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum SentinelKind {
    /// No master for the service.
    NoMaster,
    /// No list of the service's replicas.
    NoReplicas,
}

payload! {
    /// The payload of [`Error::Sentinel`]: what each sentinel answered, and as
    /// [`source`](std::error::Error::source) (and [`last_error`](Self::last_error)) the
    /// last error seen, where there was one.
    SentinelError(SentinelKind) => Sentinel
}

impl SentinelError {
    /// The last error a sentinel or a node it named gave, if there was one.
    pub fn last_error(&self) -> Option<&Error> {
        crate_error(&self.cause)
    }

    /// True when no master could be found (false: no list of replicas).
    pub fn is_no_master(&self) -> bool {
        self.kind == SentinelKind::NoMaster
    }
}

/// Why a [`LockError`] says the lock is not owned.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum LockKind {
    /// This `Lock` never acquired it, or already released it.
    NotAcquired,
    /// It was held, but is no longer: it expired (and maybe another client took it).
    Lost,
}

payload! {
    /// The payload of [`Error::LockNotOwned`]: which lock, what was attempted and why it
    /// was not owned.
    LockError(LockKind) => LockNotOwned
}

impl LockError {
    /// True when the lock was held by this `Lock` but no longer is: it expired, and
    /// another client may hold it now. False when it was never acquired or already
    /// released.
    pub fn is_lost(&self) -> bool {
        self.kind == LockKind::Lost
    }
}

/// Why a [`CredentialsError`] was returned.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum CredentialsKind {
    /// The provider returned an error just now.
    Failed,
    /// The provider failed a moment ago and is not asked again yet.
    BackingOff,
}

payload! {
    /// The payload of [`Error::Credentials`]: what the credential provider said, and as
    /// [`source`](std::error::Error::source) (and [`provider_error`](Self::provider_error))
    /// the error it returned.
    CredentialsError(CredentialsKind) => Credentials
}

impl CredentialsError {
    /// The error the provider returned (`None` while backing off: that error went to an
    /// earlier caller).
    pub fn provider_error(&self) -> Option<&Error> {
        crate_error(&self.cause)
    }

    /// True when the provider was not asked: it failed a moment ago and is left alone for
    /// a while (100 ms, doubling up to 10 s, after each failure in a row).
    pub fn is_backing_off(&self) -> bool {
        self.kind == CredentialsKind::BackingOff
    }
}

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
        let cause = io::Error::new(io::ErrorKind::InvalidData, "x");
        let refused = TlsError::new(TlsKind::Refused, "the server refused the TLS session: x")
            .caused_by(cause);
        let marked = io::Error::new(io::ErrorKind::InvalidData, refused);
        let e: Error = marked.into();
        assert!(
            matches!(&e, Error::Tls(m) if m.message() == "the server refused the TLS session: x" && m.is_refused())
        );
        let source = std::error::Error::source(&e).expect("the payload");
        let cause = source.source().expect("the cause");
        assert_eq!(cause.to_string(), "x");
    }

    type DynError = dyn std::error::Error + 'static;

    /// The payload behind `e` (its `source()`), and the payload's own source.
    fn chain(e: &Error) -> (&DynError, Option<&DynError>) {
        let payload = std::error::Error::source(e).expect("a payload");
        (payload, payload.source())
    }

    #[test]
    fn cluster_errors_chain_the_last_node_error() {
        let e = Error::cluster_gave_up("GET failed after 16 redirections".into(), Error::Timeout);
        assert!(matches!(&e, Error::Cluster(c) if c.is_redirect_limit()));
        assert_eq!(
            e.to_string(),
            "cluster error: GET failed after 16 redirections"
        );
        let (payload, cause) = chain(&e);
        assert_eq!(payload.to_string(), "GET failed after 16 redirections");
        let cause = cause.expect("the last error");
        assert!(cause.downcast_ref::<Error>().is_some_and(Error::is_timeout));
        let Error::Cluster(c) = &e else {
            unreachable!()
        };
        assert!(c.last_error().is_some_and(Error::is_timeout));
        assert!(!e.is_ambiguous(), "a cluster error stays unambiguous");

        let io = Error::Io(io::Error::new(io::ErrorKind::ConnectionRefused, "refused"));
        let e = Error::no_topology("no node answered (a: refused)".into(), Some(io));
        assert!(matches!(&e, Error::Cluster(c) if c.is_topology()));
        let (_, cause) = chain(&e);
        assert!(cause
            .and_then(|c| c.downcast_ref::<Error>())
            .is_some_and(Error::is_io));

        for (e, cross, none) in [
            (Error::cross_slot("x".into()), true, false),
            (Error::no_node("x"), false, true),
            (Error::cluster("x"), false, false),
        ] {
            let Error::Cluster(c) = &e else {
                panic!("{e:?}")
            };
            assert_eq!((c.is_cross_slot(), c.is_no_node()), (cross, none));
            assert!(c.last_error().is_none() && chain(&e).1.is_none());
        }
    }

    #[test]
    fn sentinel_errors_chain_the_last_error() {
        let last = Error::Server(ServerError::new("ERR no such master"));
        let e = Error::sentinel(true, "no master found for \"m\" (a: x)".into(), Some(last));
        assert_eq!(
            e.to_string(),
            "sentinel error: no master found for \"m\" (a: x)"
        );
        let Error::Sentinel(s) = &e else {
            panic!("{e:?}")
        };
        assert!(s.is_no_master());
        assert_eq!(
            s.last_error().and_then(Error::server_error).unwrap().kind(),
            "ERR"
        );
        let (_, cause) = chain(&e);
        assert!(cause
            .and_then(|c| c.downcast_ref::<Error>())
            .is_some_and(Error::is_server));
        let e = Error::sentinel(false, "no replicas".into(), None);
        assert!(matches!(&e, Error::Sentinel(s) if !s.is_no_master() && s.last_error().is_none()));
        assert!(chain(&e).1.is_none());
    }

    #[test]
    fn lock_and_tls_payloads() {
        let e: Error = LockError::new(LockKind::Lost, "cannot extend lock \"l\": gone").into();
        assert_eq!(
            e.to_string(),
            "lock not owned: cannot extend lock \"l\": gone"
        );
        assert!(matches!(&e, Error::LockNotOwned(l) if l.is_lost()));
        let (payload, cause) = chain(&e);
        assert!(payload.is::<LockError>() && cause.is_none());

        let cause = io::Error::new(io::ErrorKind::NotFound, "no such file");
        let e: Error = TlsError::new(TlsKind::Setup, "cannot load the CA file x: no such file")
            .caused_by(cause)
            .into();
        assert!(
            matches!(&e, Error::Tls(t) if t.is_setup() && !t.is_handshake() && !t.is_refused())
        );
        let (_, cause) = chain(&e);
        let cause = cause
            .and_then(|c| c.downcast_ref::<io::Error>())
            .expect("io");
        assert_eq!(cause.kind(), io::ErrorKind::NotFound);
    }

    #[test]
    fn pipeline_texts_say_what_became_of_the_others() {
        let wrap = |failure| Error::Pipeline {
            index: 1,
            command: "INCR".into(),
            failure,
            source: Box::new(Error::Server(ServerError::new("WRONGTYPE x"))),
        };
        let plain = wrap(PipelineFailure::Plain);
        assert_eq!(
            plain.to_string(),
            "pipeline command #1 (INCR) failed: server error: WRONGTYPE x"
        );
        let committed = wrap(PipelineFailure::Committed).to_string();
        assert!(committed.starts_with("transaction command #1 (INCR) failed inside EXEC"));
        assert!(committed.contains("every other command of the transaction was committed"));
        let discarded = wrap(PipelineFailure::Discarded).to_string();
        assert!(
            discarded.contains("none of its commands was applied"),
            "{discarded}"
        );
        assert_eq!(
            wrap(PipelineFailure::Committed).pipeline_failure(),
            Some(PipelineFailure::Committed)
        );
        assert!(PipelineFailure::Committed.others_applied());
        assert!(!PipelineFailure::Discarded.others_applied());
        assert_eq!(Error::Timeout.pipeline_failure(), None);
        let source = std::error::Error::source(&plain).expect("the command's error");
        assert_eq!(source.to_string(), "server error: WRONGTYPE x");
    }
}
