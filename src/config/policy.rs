//! The pool's sizes and the retry policy: plain settings, held by [`Options`](super::Options)
//! and read by the pool and the retry loop above this layer.

use std::time::Duration;

use super::ConnectionInfo;
use crate::error::{Error, Result};

/// Sizes and timeout of a [`ConnectionPool`](crate::ConnectionPool). A plain struct: set
/// the fields you need and take the rest from `Default`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PoolConfig {
    /// Connections opened by [`ConnectionPool::new`](crate::ConnectionPool::new) before it
    /// returns. Defaults to 0.
    pub min_size: usize,
    /// Most connections open at once (in use plus idle). Defaults to 16.
    pub max_size: usize,
    /// How long [`ConnectionPool::get`](crate::ConnectionPool::get) waits for a free
    /// connection before it fails with [`Error::PoolTimeout`]; `None` waits forever.
    /// Defaults to 20 seconds.
    pub timeout: Option<Duration>,
    /// An idle connection unused for longer than this is closed at checkout instead of
    /// handed out (and replaced). `None` keeps idle connections forever. Defaults to `None`.
    pub idle_timeout: Option<Duration>,
    /// How often, and after which pauses, a connection that could not be opened (refused,
    /// reset, timed out) is tried again, and a command that certainly did not run (or is
    /// read-only) is sent again; see [`RetryPolicy`]. Defaults to 3 retries with
    /// exponential backoff from 8 ms and jitter.
    pub retry: RetryPolicy,
}

impl Default for PoolConfig {
    fn default() -> Self {
        PoolConfig {
            min_size: 0,
            max_size: 16,
            timeout: Some(Duration::from_secs(20)),
            idle_timeout: None,
            retry: RetryPolicy::default(),
        }
    }
}

impl PoolConfig {
    /// Kept so that code written for 0.1 compiles: a [`ConnectionInfo`] no longer carries
    /// pool settings, so this returns `self` unchanged. A URL's pool settings are in
    /// [`Options::pool_config`](crate::Options::pool_config).
    #[deprecated(since = "0.2.0", note = "use `Options::from_url(url)?.pool_config()`")]
    pub fn with_overrides(self, info: &ConnectionInfo) -> PoolConfig {
        let _ = info;
        self
    }

    /// Checks the sizes: `max_size` at least 1, `min_size` at most `max_size`.
    pub(crate) fn validate(&self) -> Result<()> {
        if self.max_size == 0 {
            return Err(Error::Config("max_size must be at least 1".into()));
        }
        if self.min_size > self.max_size {
            return Err(Error::Config(format!(
                "min_size ({}) is larger than max_size ({})",
                self.min_size, self.max_size
            )));
        }
        Ok(())
    }
}

/// How many times, and after which pauses, an operation that failed before it could have
/// taken effect is tried again (what is retried: a connect, or a command that certainly did not
/// run; a read-only command also after its connection broke, never after a timeout).
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
///
/// # When a failed command is sent again
///
/// The rule: a command is sent again automatically only when it is certain that it did not
/// run, or when running it twice does no harm.
///
/// * **Not sent**: the failure happened before the command's last byte was handed to the
///   socket (connect refused, a handshake that failed, a pooled connection that turned out
///   to be dead when the command was written). The server cannot have run it: every command
///   is retried, under the [`RetryPolicy`].
/// * **Sent**: the failure came after the command was written (the connection broke or
///   timed out while the reply was awaited). A read-only command (see
///   [`is_read_only`](crate::is_read_only)) is retried on a new connection when the
///   connection broke, but never after a timeout (a slow server is not helped by more load,
///   and the caller's time limit must hold). Any other command is not retried: its error's
///   [`is_ambiguous`](crate::Error::is_ambiguous) says that it may or may not have been
///   applied.
///
/// The same rules and one retry loop serve every retry of the crate: the pool's connects
/// and commands, the cluster's redirections and retries, and Sentinel's failover following,
/// each under its own [`RetryPolicy`]. A [`Connector`](crate::Connector) only opens
/// connections.
///
/// Pipelines and transactions are retried only when their connection could not be had at
/// all; once their bytes started to leave, a failure is returned (ambiguous unless every
/// queued command is read-only).
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
