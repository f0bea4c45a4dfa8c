//! How far a failed request got ([`Stage`]), and what that allows: whether it may be sent
//! again, and whether its error must say that it may have been applied. The connection
//! reports failures in these terms; the retry loop (`retry.rs`, a layer above) acts on them.

use crate::error::Error;

/// How far a request got before it failed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Stage {
    /// The command's bytes did not all leave: the server cannot have run it.
    Unsent,
    /// The command was written: the server may have run it.
    Sent,
}

/// A failed request and how far it got.
pub(crate) type Failure = (Stage, Error);

/// Whether a request that failed so may be sent again on another connection.
pub(crate) fn may_retry(stage: Stage, cmd_read_only: bool, e: &Error) -> bool {
    match stage {
        Stage::Unsent => e.is_connection_error(),
        Stage::Sent => cmd_read_only && matches!(e.inner(), Error::Io(_) | Error::Protocol(_)),
    }
}

/// The error to give the caller for a failure: an I/O error after a command that is not
/// read-only was sent is marked as such (see [`Error::is_ambiguous`]).
pub(crate) fn settle(stage: Stage, cmd_read_only: bool, e: Error) -> Error {
    if stage == Stage::Sent && !cmd_read_only {
        e.after_send()
    } else {
        e
    }
}
