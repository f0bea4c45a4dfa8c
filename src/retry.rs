//! When a failed command may be sent again, and how long to wait before it is.
//!
//! The rule: a command is sent again automatically only when it is certain that it did not
//! run, or when running it twice does no harm.
//!
//! * **Not sent**: the failure happened before the command's last byte was handed to the
//!   socket (connect refused, a handshake that failed, a pooled connection that turned out
//!   to be dead when the command was written). The server cannot have run it: every command
//!   is retried, under the [`RetryPolicy`].
//! * **Sent**: the failure came after the command was written (the connection broke or
//!   timed out while the reply was awaited). A read-only command (see [`is_read_only`]) is
//!   retried on a new connection when the connection broke, but never after a timeout (a
//!   slow server is not helped by more load, and the caller's time limit must hold). Any
//!   other command is not retried: its error's
//!   [`is_ambiguous`](Error::is_ambiguous) says that it may or may not have been applied.
//!
//! One loop runs every retry of the crate (the pool's connects and commands, the cluster's
//! redirections and retries, Sentinel's failover following): `run(policy, deadline, op,
//! ..)`, each caller with its own [`RetryPolicy`]. A [`Connector`](crate::Connector) only
//! opens connections.
//!
//! Pipelines and transactions are retried only when their connection could not be had at
//! all; once their bytes started to leave, a failure is returned (ambiguous unless every
//! queued command is read-only).

use std::time::{Duration, Instant};

use crate::cmd::Cmd;
use crate::error::{Error, Result};

/// How many times, and after which pauses, an operation that failed before it could have
/// taken effect is tried again (see the [module docs](self) for what is retried).
///
/// The pause before retry `n` (counting from 0) is `base_backoff * 2^n`, capped at
/// `max_backoff`; with `jitter`, a random part of it (up to half) is taken off so that many
/// clients that failed together do not come back together.
///
/// ```
/// use std::time::Duration;
/// use strictredis::RetryPolicy;
///
/// let p = RetryPolicy::new(5)
///     .base_backoff(Duration::from_millis(10))
///     .max_backoff(Duration::from_millis(200));
/// assert_eq!(p.max_retries, 5);
/// assert!(RetryPolicy::none().max_retries == 0);
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct RetryPolicy {
    /// Retries after the first attempt; 0 never retries. Defaults to 3.
    pub max_retries: u32,
    /// The pause before the first retry; doubled for each further one. Defaults to 8 ms.
    pub base_backoff: Duration,
    /// The longest pause between two attempts. Defaults to 512 ms.
    pub max_backoff: Duration,
    /// Take a random part (up to half) off each pause. Defaults to `true`.
    pub jitter: bool,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        RetryPolicy {
            max_retries: 3,
            base_backoff: Duration::from_millis(8),
            max_backoff: Duration::from_millis(512),
            jitter: true,
        }
    }
}

impl RetryPolicy {
    /// The default policy with `max_retries` retries.
    pub fn new(max_retries: u32) -> RetryPolicy {
        RetryPolicy {
            max_retries,
            ..RetryPolicy::default()
        }
    }

    /// A policy that never retries.
    pub fn none() -> RetryPolicy {
        RetryPolicy::new(0)
    }

    /// This policy with another first pause.
    pub fn base_backoff(mut self, d: Duration) -> RetryPolicy {
        self.base_backoff = d;
        self
    }

    /// This policy with another longest pause.
    pub fn max_backoff(mut self, d: Duration) -> RetryPolicy {
        self.max_backoff = d;
        self
    }

    /// This policy with jitter on or off.
    pub fn jitter(mut self, on: bool) -> RetryPolicy {
        self.jitter = on;
        self
    }

    /// The pause before retry number `retry` (0 for the first retry).
    pub fn backoff(&self, retry: u32) -> Duration {
        let factor = 1u32.checked_shl(retry.min(30)).unwrap_or(u32::MAX);
        let full = self
            .base_backoff
            .checked_mul(factor)
            .unwrap_or(self.max_backoff)
            .min(self.max_backoff);
        if !self.jitter || full.is_zero() {
            return full;
        }
        // Up to half of the pause is taken off, at random.
        let nanos = full.as_nanos().min(u64::MAX as u128) as u64;
        let off = random_u64() % (nanos / 2 + 1);
        Duration::from_nanos(nanos - off)
    }
}

/// A few random bits without a dependency: std's randomly keyed hasher, fed a counter.
fn random_u64() -> u64 {
    use std::collections::hash_map::RandomState;
    use std::hash::{BuildHasher, Hasher};
    use std::sync::atomic::{AtomicU64, Ordering};
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let mut h = RandomState::new().build_hasher();
    h.write_u64(COUNTER.fetch_add(1, Ordering::Relaxed));
    h.finish()
}

/// What one attempt of [`run`] came to.
pub(crate) enum Attempt<T> {
    /// Finished: a result, or an error that must not be retried.
    Done(Result<T>),
    /// Failed in a way that may be retried after the policy's next pause.
    Retry(Error),
    /// Sent elsewhere (a cluster redirection): tried again at once, no pause.
    Redirect(Error),
    /// Refused by a server that is not ready yet (`LOADING`): nothing ran, so it is tried
    /// again after the policy's pauses until the deadline given with it, without counting
    /// against `max_retries`. Without a deadline, or under a policy of no retries, it counts
    /// as a [`Retry`](Attempt::Retry).
    Wait(Error, Option<Instant>),
}

/// The one retry loop of the crate (pool, cluster and Sentinel): runs `op(attempt)` (from
/// 0) until it is [`Attempt::Done`], or until `policy.max_retries` further attempts have
/// failed, or until the next pause would end after `deadline` (`None`: no deadline). Only
/// [`Attempt::Retry`] pauses, for [`RetryPolicy::backoff`] of the number of pauses so far;
/// there is no pause before giving up. When it gives up, the last error goes through
/// `exhausted`. Never sleeps past `deadline`, never overflows an `Instant`.
pub(crate) fn run<T>(
    policy: &RetryPolicy,
    deadline: Option<Instant>,
    what: &dyn Fn() -> String,
    mut op: impl FnMut(u32) -> Attempt<T>,
    exhausted: impl FnOnce(Error) -> Error,
) -> Result<T> {
    let mut pauses = 0u32;
    let mut attempt = 0u32;
    loop {
        let e = match op(attempt) {
            Attempt::Done(r) => return r,
            Attempt::Redirect(e) if attempt < policy.max_retries => {
                log::debug!("{}: {e}; again at once", what());
                attempt += 1;
                continue;
            }
            Attempt::Wait(e, Some(until)) if policy.max_retries > 0 => {
                let pause = policy.backoff(pauses);
                match Instant::now().checked_add(pause) {
                    Some(wake) if wake <= until => {}
                    _ => return Err(exhausted(e)),
                }
                pauses += 1;
                log::debug!("{}: {e}; waiting {pause:?} for the server", what());
                std::thread::sleep(pause);
                continue;
            }
            Attempt::Retry(e) | Attempt::Redirect(e) | Attempt::Wait(e, _) => e,
        };
        if attempt >= policy.max_retries {
            return Err(exhausted(e));
        }
        let pause = policy.backoff(pauses);
        if let Some(deadline) = deadline {
            match Instant::now().checked_add(pause) {
                Some(wake) if wake <= deadline => {}
                _ => return Err(exhausted(e)),
            }
        }
        pauses += 1;
        attempt += 1;
        log::debug!(
            "{} failed ({e}); retry {attempt} of {} in {pause:?}",
            what(),
            policy.max_retries
        );
        std::thread::sleep(pause);
    }
}

/// Whether opening a connection that failed so is tried again: the connection could not
/// be had (nothing was sent), the server is still loading its data, or Sentinel knows no
/// master yet (a failover in progress).
pub(crate) fn may_reconnect(e: &Error) -> bool {
    e.is_connection_error() || matches!(e.inner(), Error::Sentinel(_)) || is_loading(e)
}

/// True for a `LOADING` error reply: the server refused the command because it is still
/// loading its data set (after a restart, a `DEBUG RELOAD`, a full sync); nothing ran.
pub(crate) fn is_loading(e: &Error) -> bool {
    e.server_error().is_some_and(|s| s.kind() == "LOADING")
}

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

/// The read-only command names this crate knows (lower case, `container|sub` for
/// subcommands): the commands that are retried after their connection broke. The list is
/// read from the one command table (see [`is_read_only`]).
pub fn read_only_commands() -> &'static [&'static str] {
    static NAMES: std::sync::OnceLock<Vec<&'static str>> = std::sync::OnceLock::new();
    NAMES.get_or_init(|| {
        let mut names: Vec<&'static str> = crate::command_facts::all()
            .iter()
            .filter(|e| e.is_read_only())
            .map(|e| &*Box::leak(e.info_name().into_boxed_str()))
            .collect();
        names.sort_unstable();
        names
    })
}

/// True when `name` (and `sub`, the first argument, for container commands) names a
/// command that changes nothing on the server. `XREAD` with `BLOCK` counts as read-only
/// too: it only reads.
pub fn is_read_only_name(name: &[u8], sub: Option<&[u8]>) -> bool {
    crate::command_facts::is_read_only_name(name, sub)
}

/// True when `cmd` changes nothing on the server (see [`is_read_only_name`]); the same rule
/// the cluster and Sentinel use.
pub fn is_read_only(cmd: &Cmd) -> bool {
    crate::command_facts::is_read_only(cmd)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cmd::cmd;

    #[test]
    fn read_only_names_are_sorted_and_lower_case() {
        let names = read_only_commands();
        for w in names.windows(2) {
            assert!(w[0] < w[1], "{} before {}", w[0], w[1]);
        }
        for name in names {
            assert_eq!(name.to_ascii_lowercase(), *name);
            let (n, sub) = match name.split_once('|') {
                Some((n, s)) => (n, Some(s.as_bytes())),
                None => (*name, None),
            };
            assert!(is_read_only_name(n.as_bytes(), sub), "{name}");
        }
        assert!(names.contains(&"get") && names.contains(&"client|list"));
        assert!(is_read_only(&cmd("PING")));
        assert!(!is_read_only(&cmd("SET").key("k").arg("v")));
    }

    #[test]
    fn backoff_grows_and_is_capped() {
        let p = RetryPolicy::new(10)
            .base_backoff(Duration::from_millis(10))
            .max_backoff(Duration::from_millis(100))
            .jitter(false);
        assert_eq!(p.backoff(0), Duration::from_millis(10));
        assert_eq!(p.backoff(1), Duration::from_millis(20));
        assert_eq!(p.backoff(3), Duration::from_millis(80));
        assert_eq!(p.backoff(4), Duration::from_millis(100));
        assert_eq!(p.backoff(u32::MAX), Duration::from_millis(100));
        let j = p.jitter(true);
        for n in 0..50 {
            let d = j.backoff(n % 6);
            let full = p.backoff(n % 6);
            assert!(d <= full && d >= full / 2, "{d:?} vs {full:?}");
        }
    }

    #[test]
    fn settle_marks_sent_writes_ambiguous() {
        let io = || {
            Error::Io(std::io::Error::new(
                std::io::ErrorKind::ConnectionReset,
                "x",
            ))
        };
        assert!(settle(Stage::Sent, false, io()).is_ambiguous());
        assert!(settle(Stage::Sent, false, Error::Timeout).is_ambiguous());
        assert!(!settle(Stage::Sent, true, io()).is_ambiguous());
        assert!(!settle(Stage::Unsent, false, io()).is_ambiguous());
        let server = Error::Server(crate::error::ServerError::new("ERR x"));
        assert!(!settle(Stage::Sent, false, server).is_ambiguous());
        assert!(may_retry(Stage::Unsent, false, &io()));
        assert!(may_retry(Stage::Sent, true, &io()));
        assert!(!may_retry(Stage::Sent, true, &Error::Timeout));
        assert!(!may_retry(Stage::Sent, false, &io()));
        assert!(!may_retry(Stage::Unsent, false, &Error::PoolTimeout));
    }
}
