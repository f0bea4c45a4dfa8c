//! The one retry loop of the crate ([`run`]); the rules it follows are documented on
//! [`RetryPolicy`].

use std::time::{Duration, Instant};

use crate::cmd::Cmd;
pub use crate::config::RetryPolicy;
use crate::error::{Error, Result};
pub(crate) use crate::failure::{may_retry, settle, Stage};
use crate::observe::{self, Retry};

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
    let say = |e: &Error, attempt, pause, why| {
        observe::retry(&what(), e, attempt, policy.max_retries, pause, why)
    };
    loop {
        let e = match op(attempt) {
            Attempt::Done(r) => return r,
            Attempt::Redirect(e) if attempt < policy.max_retries => {
                attempt += 1;
                say(&e, attempt, Duration::ZERO, Retry::Redirect);
                continue;
            }
            Attempt::Wait(e, Some(until)) if policy.max_retries > 0 => {
                let pause = policy.backoff(pauses);
                match Instant::now().checked_add(pause) {
                    Some(wake) if wake <= until => {}
                    _ => return Err(exhausted(e)),
                }
                pauses += 1;
                say(&e, attempt, pause, Retry::Loading);
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
        say(&e, attempt, pause, Retry::Again);
        std::thread::sleep(pause);
    }
}

/// The retry decision for one command's failed attempts, the same for every path that runs
/// a single command under [`run`] (the pool, the auto-pipelined connection): a `LOADING`
/// refusal waits for the server (for the read timeout at most, counted from the first
/// refusal), a command that certainly did not run, or a read-only one whose connection
/// broke, is sent again; anything else is returned, marked ambiguous where it may have run.
pub(crate) struct Decision {
    read_timeout: Option<Duration>,
    /// Until when `LOADING` refusals are waited out (set by the first one).
    loading_until: Option<Option<Instant>>,
}

impl Decision {
    /// A fresh decision for one command on connections with this `read_timeout`.
    pub(crate) fn new(read_timeout: Option<Duration>) -> Decision {
        Decision {
            read_timeout,
            loading_until: None,
        }
    }

    /// What the failure `(stage, e)` of one attempt at `cmd` allows.
    pub(crate) fn judge<T>(&mut self, cmd: &Cmd, stage: Stage, e: Error) -> Attempt<T> {
        if is_loading(&e) {
            let timeout = self.read_timeout;
            let until = *self
                .loading_until
                .get_or_insert_with(|| crate::time::deadline_in(timeout));
            return Attempt::Wait(e, until);
        }
        // Only looked up on failure: the table costs nothing on the fast path.
        let read_only = is_read_only(cmd);
        if may_retry(stage, read_only, &e) {
            Attempt::Retry(e)
        } else {
            Attempt::Done(Err(settle(stage, read_only, e)))
        }
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
    use std::time::Duration;

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
