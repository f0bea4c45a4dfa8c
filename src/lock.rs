//! The distributed lock: [`Lock`] (its docs are on the type) and [`LockGuard`].

use std::collections::hash_map::RandomState;
use std::fmt;
use std::hash::BuildHasher;
use std::ops::Deref;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::OnceLock;
use std::time::{Duration, Instant, SystemTime};

use parking_lot::Mutex;

use crate::args::ToArg;
use crate::cmd::cmd;
use crate::error::{Error, LockError, LockKind, Result};
use crate::from_value::FromValue;
use crate::pool::ConnectionPool;
use crate::script::Script;

/// Deletes the key if it holds our token: 1 when deleted, 0 when not ours.
const RELEASE: &str = "\
if redis.call('GET', KEYS[1]) ~= ARGV[1] then return 0 end
redis.call('DEL', KEYS[1])
return 1";

/// Adds ARGV[2] ms to the key's TTL (or sets the TTL to it when ARGV[3] is '1') if the
/// key holds our token and has a TTL.
const EXTEND: &str = "\
if redis.call('GET', KEYS[1]) ~= ARGV[1] then return 0 end
local ttl = redis.call('PTTL', KEYS[1])
if ttl < 0 then return 0 end
local new_ttl = tonumber(ARGV[2])
if ARGV[3] == '0' then new_ttl = new_ttl + ttl end
redis.call('PEXPIRE', KEYS[1], new_ttl)
return 1";

/// Sets the key's TTL back to ARGV[2] ms if it holds our token.
const REACQUIRE: &str = "\
if redis.call('GET', KEYS[1]) ~= ARGV[1] then return 0 end
redis.call('PEXPIRE', KEYS[1], ARGV[2])
return 1";

fn script(cell: &'static OnceLock<Script>, source: &str) -> &'static Script {
    cell.get_or_init(|| Script::new(source))
}

static RELEASE_SCRIPT: OnceLock<Script> = OnceLock::new();
static EXTEND_SCRIPT: OnceLock<Script> = OnceLock::new();
static REACQUIRE_SCRIPT: OnceLock<Script> = OnceLock::new();

/// A fresh token: 128 bits as 32 hex digits, from two randomly keyed hashers over a
/// process-wide counter, the time, the process and the thread.
fn new_token() -> String {
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let n = COUNTER.fetch_add(1, Ordering::Relaxed);
    let now = SystemTime::now()
        .duration_since(SystemTime::UNIX_EPOCH)
        .map(|d| d.as_nanos())
        .unwrap_or_default();
    let mut out = String::with_capacity(32);
    for half in 0u8..2 {
        // Each RandomState is keyed differently (per-thread random keys, bumped per use).
        let h = RandomState::new().hash_one((
            half,
            n,
            now,
            std::process::id(),
            std::thread::current().id(),
        ));
        out.push_str(&format!("{h:016x}"));
    }
    out
}

fn millis(d: Duration) -> u64 {
    u64::try_from(d.as_millis()).unwrap_or(u64::MAX).max(1)
}

/// A distributed lock on one Redis key, as redis-py's `Lock`; made by
/// [`StrictRedis::lock`](crate::StrictRedis::lock). Every method takes `&self`, so one
/// `Lock` may be shared between threads (they then share its token: a lock acquired by one
/// may be released by another).
///
/// Acquiring is `SET name token NX PX timeout` with a random 128-bit token; releasing,
/// extending and reacquiring are Lua scripts that act only while the key still holds this
/// lock's token, so a lock that expired and was taken by another client is never released
/// or extended by mistake: that is [`Error::LockNotOwned`].
///
/// ```no_run
/// use std::time::Duration;
/// # let r = strictredis::StrictRedis::from_url("redis://127.0.0.1/")?;
/// let lock = r.lock("resource", Duration::from_secs(10))
///     .blocking_timeout(Some(Duration::from_secs(2)));
/// if lock.acquire(true)? {
///     // ... the critical section ...
///     lock.release()?;
/// }
///
/// // Or released when the guard drops:
/// if let Some(_guard) = lock.guard(true)? {
///     // ... the critical section ...
/// }
/// # Ok::<(), strictredis::Error>(())
/// ```
///
/// The lock is not re-entrant: acquiring it again while holding it waits for it (or fails
/// at once with `blocking` false), as in redis-py.
pub struct Lock {
    pool: ConnectionPool,
    name: Vec<u8>,
    timeout: Duration,
    sleep: Duration,
    blocking_timeout: Option<Duration>,
    token: Mutex<Option<String>>,
}

impl fmt::Debug for Lock {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Lock")
            .field("name", &String::from_utf8_lossy(&self.name))
            .field("timeout", &self.timeout)
            .field("sleep", &self.sleep)
            .field("blocking_timeout", &self.blocking_timeout)
            .field("held", &self.token.lock().is_some())
            .finish()
    }
}

impl Lock {
    /// Runs one command through the pool (with its retry rule), as
    /// [`StrictRedis::execute_command`](crate::StrictRedis::execute_command) does.
    fn run<T: FromValue>(&self, c: crate::cmd::Cmd) -> Result<T> {
        T::from_value(self.pool.request(&c)?)
    }

    /// [`Lock::new`] over a pool (the constructor that takes a client is in the client's
    /// module, which is above this one).
    pub(crate) fn on_pool(pool: ConnectionPool, name: impl ToArg, timeout: Duration) -> Lock {
        Lock {
            pool,
            name: name.with_bytes(<[u8]>::to_vec),
            timeout,
            sleep: Duration::from_millis(100),
            blocking_timeout: None,
            token: Mutex::new(None),
        }
    }

    /// How long a blocking [`acquire`](Self::acquire) sleeps between attempts. Defaults to
    /// 100 ms (redis-py's `sleep=0.1`).
    pub fn sleep(mut self, sleep: Duration) -> Lock {
        self.sleep = sleep;
        self
    }

    /// How long a blocking [`acquire`](Self::acquire) keeps trying before it gives up and
    /// returns `false`; `None` (the default) tries forever.
    pub fn blocking_timeout(mut self, timeout: Option<Duration>) -> Lock {
        self.blocking_timeout = timeout;
        self
    }

    /// The key this lock lives at.
    pub fn name(&self) -> &[u8] {
        &self.name
    }

    /// How long the lock lasts once acquired (or reacquired).
    pub fn timeout(&self) -> Duration {
        self.timeout
    }

    /// The token this `Lock` holds the lock with, if it believes it holds it.
    pub fn token(&self) -> Option<String> {
        self.token.lock().clone()
    }

    fn display_name(&self) -> String {
        String::from_utf8_lossy(&self.name).into_owned()
    }

    fn not_owned(&self, action: &str, kind: LockKind) -> Error {
        let why = match kind {
            LockKind::NotAcquired => "it is not acquired",
            LockKind::Lost if action == "release" => {
                "it is no longer held by this Lock (it expired and may be held by another client)"
            }
            LockKind::Lost => "it is no longer held by this Lock",
        };
        let message = format!("cannot {action} lock {:?}: {why}", self.display_name());
        LockError::new(kind, message).into()
    }

    fn try_once(&self, token: &str) -> Result<bool> {
        let reply: Option<String> = self.run(
            cmd("SET")
                .key(&self.name)
                .arg(token)
                .arg("NX")
                .arg("PX")
                .arg(millis(self.timeout)),
        )?;
        Ok(reply.is_some())
    }

    /// Tries to take the lock: once when `blocking` is false; otherwise again every
    /// [`sleep`](Self::sleep) until it is free or [`blocking_timeout`](Self::blocking_timeout)
    /// has passed. Returns whether the lock was taken.
    pub fn acquire(&self, blocking: bool) -> Result<bool> {
        let token = new_token();
        // A timeout too far away for an `Instant` (`Duration::MAX`) means no deadline.
        let deadline = crate::time::deadline_in(self.blocking_timeout);
        loop {
            if self.try_once(&token)? {
                *self.token.lock() = Some(token);
                return Ok(true);
            }
            if !blocking {
                return Ok(false);
            }
            let pause = match deadline {
                None => self.sleep,
                Some(d) => {
                    let left = d.saturating_duration_since(Instant::now());
                    if left.is_zero() {
                        return Ok(false);
                    }
                    self.sleep.min(left)
                }
            };
            std::thread::sleep(pause);
        }
    }

    /// Releases the lock (deletes the key if it still holds this lock's token).
    /// [`Error::LockNotOwned`] when this `Lock` does not hold it (never acquired, already
    /// released) or no longer does (it expired, and maybe another client took it).
    pub fn release(&self) -> Result<()> {
        let Some(token) = self.token.lock().take() else {
            return Err(self.not_owned("release", LockKind::NotAcquired));
        };
        let deleted: i64 = script(&RELEASE_SCRIPT, RELEASE)
            .key(&self.name)
            .arg(&token)
            .invoke(&self.pool)?;
        if deleted == 1 {
            Ok(())
        } else {
            Err(self.not_owned("release", LockKind::Lost))
        }
    }

    /// Adds `additional` to the lock's remaining time, or with `replace_ttl` sets its
    /// remaining time to `additional`. [`Error::LockNotOwned`] when the lock is not held.
    pub fn extend(&self, additional: Duration, replace_ttl: bool) -> Result<()> {
        let Some(token) = self.token() else {
            return Err(self.not_owned("extend", LockKind::NotAcquired));
        };
        let done: i64 = script(&EXTEND_SCRIPT, EXTEND)
            .key(&self.name)
            .arg(&token)
            .arg(millis(additional))
            .arg(if replace_ttl { "1" } else { "0" })
            .invoke(&self.pool)?;
        if done == 1 {
            Ok(())
        } else {
            Err(self.not_owned("extend", LockKind::Lost))
        }
    }

    /// Resets the lock's remaining time to its full [`timeout`](Self::timeout).
    /// [`Error::LockNotOwned`] when the lock is not held.
    pub fn reacquire(&self) -> Result<()> {
        let Some(token) = self.token() else {
            return Err(self.not_owned("reacquire", LockKind::NotAcquired));
        };
        let done: i64 = script(&REACQUIRE_SCRIPT, REACQUIRE)
            .key(&self.name)
            .arg(&token)
            .arg(millis(self.timeout))
            .invoke(&self.pool)?;
        if done == 1 {
            Ok(())
        } else {
            Err(self.not_owned("reacquire", LockKind::Lost))
        }
    }

    /// True when anyone holds the lock (the key exists).
    pub fn locked(&self) -> Result<bool> {
        let n: u64 = self.run(cmd("EXISTS").key(&self.name))?;
        Ok(n > 0)
    }

    /// True when this `Lock` holds the lock: the key holds its token.
    pub fn owned(&self) -> Result<bool> {
        let Some(token) = self.token() else {
            return Ok(false);
        };
        let stored: Option<Vec<u8>> = self.run(cmd("GET").key(&self.name))?;
        Ok(stored.as_deref() == Some(token.as_bytes()))
    }

    /// [`acquire`](Self::acquire), returning a guard that releases the lock when it drops;
    /// `None` when the lock was not taken.
    ///
    /// ```no_run
    /// use std::time::Duration;
    /// # let r = strictredis::StrictRedis::from_url("redis://127.0.0.1/")?;
    /// let lock = r.lock("resource", Duration::from_secs(10));
    /// match lock.guard(false)? {
    ///     Some(_guard) => { /* held until the end of this block */ }
    ///     None => println!("busy"),
    /// }
    /// # Ok::<(), strictredis::Error>(())
    /// ```
    pub fn guard(&self, blocking: bool) -> Result<Option<LockGuard<'_>>> {
        Ok(self.acquire(blocking)?.then_some(LockGuard {
            lock: self,
            released: false,
        }))
    }
}

/// Holds a [`Lock`] until it drops (or [`release`](LockGuard::release) is called); made by
/// [`Lock::guard`]. Derefs to the `Lock`, for `extend` and friends.
///
/// Dropping releases the lock and ignores a failure (logged at `warn`): call
/// [`release`](LockGuard::release) to see it.
#[must_use = "the lock is released as soon as the guard drops"]
pub struct LockGuard<'a> {
    lock: &'a Lock,
    released: bool,
}

impl fmt::Debug for LockGuard<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("LockGuard")
            .field("lock", self.lock)
            .finish()
    }
}

impl LockGuard<'_> {
    /// Releases the lock now, reporting a failure ([`Error::LockNotOwned`] if it expired).
    pub fn release(mut self) -> Result<()> {
        self.released = true;
        self.lock.release()
    }
}

impl Deref for LockGuard<'_> {
    type Target = Lock;
    fn deref(&self) -> &Lock {
        self.lock
    }
}

impl Drop for LockGuard<'_> {
    fn drop(&mut self) {
        if !self.released {
            if let Err(e) = self.lock.release() {
                log::warn!("releasing lock on drop failed: {e}");
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_are_128_bit_hex_and_distinct() {
        let mut seen = std::collections::HashSet::new();
        for _ in 0..1000 {
            let t = new_token();
            assert_eq!(t.len(), 32);
            assert!(t.bytes().all(|b| b.is_ascii_hexdigit()));
            assert!(seen.insert(t));
        }
    }

    #[test]
    fn millis_never_zero() {
        assert_eq!(millis(Duration::ZERO), 1);
        assert_eq!(millis(Duration::from_secs(2)), 2000);
    }
}
