//! The hand-written methods of [`StrictRedis`], beyond the generated command methods:
//! pub/sub sessions, scripts, scan iterators and locks. They live with the client so that
//! the modules they open ([`crate::pubsub`], `script`, `scan`, `lock`) sit below it and know
//! nothing of it: each works on the client's [`ConnectionPool`](crate::ConnectionPool).

use std::time::Duration;

use super::StrictRedis;
use crate::args::ToArg;
use crate::error::Result;
use crate::from_value::FromValue;
use crate::lock::Lock;
use crate::monitor::Monitor;
use crate::pipeline::Pipeline;
use crate::pubsub::PubSub;
use crate::scan::{opts, ScanIter, ScanOptions, Source};
use crate::script::{Script, ScriptTarget};

impl StrictRedis {
    /// A pub/sub session over this client's pool (redis-py's `pubsub()`); see
    /// [`PubSub`]. It takes one connection at its first command and keeps it while it
    /// lives; that connection is closed, never pooled again, when it drops.
    ///
    /// ```no_run
    /// use std::time::Duration;
    /// # let r = strictredis::StrictRedis::from_url("redis://127.0.0.1/")?;
    /// let mut ps = r.pubsub();
    /// ps.subscribe(&["news"])?;
    /// let m: Option<strictredis::Message> = ps.get_message(Duration::from_millis(500))?;
    /// # Ok::<(), strictredis::Error>(())
    /// ```
    pub fn pubsub(&self) -> PubSub {
        PubSub::new(self.pool().clone())
    }
}

impl StrictRedis {
    /// redis-py's `monitor()`: a connection that streams every command the server runs,
    /// as [`MonitorEvent`](crate::MonitorEvent)s; see [`Monitor`]. The connection is taken
    /// from the pool and closed, never pooled again, when the [`Monitor`] drops.
    ///
    /// ```no_run
    /// use std::time::Duration;
    /// # let r = strictredis::StrictRedis::from_url("redis://127.0.0.1/")?;
    /// let mut m = r.monitor()?;
    /// let ev: Option<strictredis::MonitorEvent> = m.next_command(Duration::from_secs(1))?;
    /// # Ok::<(), strictredis::Error>(())
    /// ```
    pub fn monitor(&self) -> Result<Monitor> {
        Monitor::start(self.pool())
    }
}

impl StrictRedis {
    /// redis-py's `register_script`: a [`Script`] whose SHA1 is computed locally. Nothing
    /// is sent until it is invoked.
    ///
    /// ```no_run
    /// # let r = strictredis::StrictRedis::from_url("redis://127.0.0.1/")?;
    /// let script = r.register_script("return redis.call('GET', KEYS[1])");
    /// let v: Option<String> = script.key("k").invoke(&r)?;
    /// # Ok::<(), strictredis::Error>(())
    /// ```
    pub fn register_script(&self, source: impl Into<String>) -> Script {
        Script::new(source)
    }
}

/// One connection checked out for the call and its possible `SCRIPT LOAD`.
impl ScriptTarget for &StrictRedis {
    fn with_connection(
        self,
        f: &mut dyn FnMut(&mut crate::connection::Connection) -> Result<()>,
    ) -> Result<()> {
        self.pool().with_connection(f)
    }
}

/// # Scan iterators
impl StrictRedis {
    /// redis-py's `scan_iter`: every key matching `pattern` (all keys when `None`), following
    /// SCAN's cursor to its end; `count` is the per-page hint. Each page is one pool checkout.
    ///
    /// ```no_run
    /// # let r = strictredis::StrictRedis::from_url("redis://127.0.0.1/")?;
    /// for key in r.scan_iter::<String>(Some("user:*"), None) {
    ///     let key = key?;
    /// }
    /// # Ok::<(), strictredis::Error>(())
    /// ```
    pub fn scan_iter<T: FromValue>(
        &self,
        pattern: Option<&str>,
        count: Option<u64>,
    ) -> ScanIter<T> {
        ScanIter::new(self.pool().clone(), Source::Keys, opts(pattern, count))
    }

    /// [`scan_iter`](Self::scan_iter) with every option of SCAN, `TYPE` included.
    ///
    /// ```no_run
    /// use strictredis::ScanOptions;
    /// # let r = strictredis::StrictRedis::from_url("redis://127.0.0.1/")?;
    /// let opts = ScanOptions::new().pattern("session:*").type_("hash");
    /// let keys: Vec<String> = r.scan_iter_with(opts).collect::<Result<_, _>>()?;
    /// # Ok::<(), strictredis::Error>(())
    /// ```
    pub fn scan_iter_with<T: FromValue>(&self, options: ScanOptions) -> ScanIter<T> {
        ScanIter::new(self.pool().clone(), Source::Keys, options)
    }

    crate::scan::keyed_scan_iters!("", |this, _key| this.pool().clone());
}

impl StrictRedis {
    /// redis-py's `lock()`: a [`Lock`] on the key `name` that expires `timeout` after it is
    /// acquired. Options: [`Lock::sleep`], [`Lock::blocking_timeout`].
    ///
    /// ```no_run
    /// use std::time::Duration;
    /// # let r = strictredis::StrictRedis::from_url("redis://127.0.0.1/")?;
    /// let lock = r.lock("resource", Duration::from_secs(10));
    /// let got: bool = lock.acquire(false)?;
    /// if got {
    ///     lock.release()?;
    /// }
    /// # Ok::<(), strictredis::Error>(())
    /// ```
    pub fn lock(&self, name: impl ToArg, timeout: Duration) -> Lock {
        Lock::on_pool(self.pool().clone(), name, timeout)
    }
}

impl Lock {
    /// A lock on the key `name` that expires `timeout` after it is acquired (so a holder
    /// that dies does not keep it forever). Nothing is sent until it is acquired.
    pub fn new(client: StrictRedis, name: impl ToArg, timeout: Duration) -> Lock {
        Lock::on_pool(client.pool().clone(), name, timeout)
    }
}

crate::commands::impl_generic_faces!(StrictRedis, Pipeline);
