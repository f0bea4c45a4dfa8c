//! The hand-written helpers of [`RedisCluster`] that [`StrictRedis`](crate::StrictRedis)
//! has too, so that one program works on either: the [`Commands`] trait, scripts, locks,
//! the scan iterators of one key, and pub/sub.

use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::Arc;
use std::time::Duration;

use super::run::Redirect;
use super::{key_slot, ClusterPipeline, RedisCluster, Target};
use crate::args::ToArg;
use crate::cmd::cmd;
use crate::connection::Connection;
use crate::error::{Error, Result};
use crate::from_value::FromValue;
use crate::lock::Lock;
use crate::pool::{ConnectionPool, PoolConfig};
use crate::pubsub::PubSub;
use crate::scan::{key_bytes, Relocate, ScanOptions};
use crate::script::{Script, ScriptInvocation, ScriptTarget};
use crate::value::Value;

crate::commands::impl_generic_faces!(RedisCluster, ClusterPipeline);

impl RedisCluster {
    /// The pool of the primary serving `slot` (any primary with `None`), reading the
    /// topology again when no node is known for it. When still none is, any known node:
    /// its first command then reports the cluster's own answer (`CLUSTERDOWN`, `MOVED`).
    pub(super) fn helper_pool(&self, slot: Option<u16>) -> ConnectionPool {
        let target = match slot {
            Some(slot) => Target::Slot {
                slot,
                replica: false,
            },
            None => Target::AnyPrimary,
        };
        let pick = |t: &Target| self.resolve(&self.topology(), t).map(|(n, _)| n.pool);
        if let Some(p) = pick(&target) {
            return p;
        }
        self.refresh_if_due(None);
        if let Some(p) = pick(&target).or_else(|| pick(&Target::AnyPrimary)) {
            return p;
        }
        if let Some(n) = self.inner.nodes.lock().values().next() {
            return n.pool.clone();
        }
        // No node at all (a built client always knows one): a pool that opens nothing
        // until used, on the first seed's settings; its first command reports the error.
        let lazy = PoolConfig {
            min_size: 0,
            ..self.inner.pool_config
        };
        ConnectionPool::new(self.inner.template.clone(), lazy)
            .or_else(|_| ConnectionPool::new(self.inner.template.clone(), PoolConfig::default()))
            .expect("a pool that opens no connection is always built")
    }

    fn key_pool(&self, key: &[u8]) -> ConnectionPool {
        self.helper_pool(Some(key_slot(key)))
    }

    /// Where a scan of `key`'s elements (HSCAN, SSCAN, ZSCAN) goes on after its node failed
    /// it: after `MOVED` (a failover, a migration), `ASK`/`TRYAGAIN` (a migration going on:
    /// after a pause), or a node gone, the topology is read again and the scan starts over on
    /// the primary serving the key then; any other error ends it. At most `max_redirects`
    /// times.
    fn key_scan_relocate(&self, key: &[u8]) -> (Relocate, u32) {
        let this = self.clone();
        let key = key.to_vec();
        let moves = AtomicU32::new(0);
        let relocate: Relocate = Arc::new(move |e: &Error| {
            let redirect = e.server_error().and_then(Redirect::of);
            if redirect.is_none() && !e.is_connection_error() && !e.is_timeout() {
                return None;
            }
            let n = moves.fetch_add(1, Ordering::Relaxed);
            if !matches!(redirect, Some(Redirect::Moved { .. })) {
                std::thread::sleep(this.redirect_policy().backoff(n));
            }
            log::debug!("scan of a key: {e}; starting again on the key's node");
            let _ = this.refresh_topology();
            Some(this.key_pool(&key))
        });
        let tries = u32::try_from(self.inner.max_redirects).unwrap_or(u32::MAX);
        (relocate, tries)
    }
}

/// # Pub/sub, scripts, locks and scans, as on [`StrictRedis`](crate::StrictRedis)
impl RedisCluster {
    /// A pub/sub session, with the same signature as
    /// [`StrictRedis::pubsub`](crate::StrictRedis::pubsub). `SUBSCRIBE`/`PSUBSCRIBE` use one
    /// connection to one primary (the cluster bus carries every `PUBLISH` to every node).
    /// Shard channels (`ssubscribe`, Redis 7.0+) may be in any slots: each is subscribed on
    /// the primary serving its slot, over one connection per node, and every message comes
    /// out of the one [`get_message`](PubSub::get_message) stream. The subscriptions follow
    /// their slots: when a slot moves or its shard fails over (the node unsubscribes the
    /// channel, answers `MOVED`, or its connection breaks), the channel is subscribed again
    /// on the slot's new primary, and the new `ssubscribe` confirmation arrives as a
    /// message. When a channel's node cannot be reached, `ssubscribe` returns that error,
    /// but the channel stays recorded and is subscribed as soon as a primary serves its
    /// slot (tried every 100 ms while [`get_message`](PubSub::get_message) waits). Publish
    /// with [`spublish`](Self::spublish), routed by the channel's slot.
    ///
    /// ```no_run
    /// use std::time::Duration;
    /// # let c = strictredis::cluster::RedisCluster::from_urls(&["redis://127.0.0.1:7000"])?;
    /// let mut ps = c.pubsub().ignore_subscribe_messages(true);
    /// ps.subscribe(&["news"])?;
    /// ps.ssubscribe(&["orders:{eu}", "orders:{us}"])?;
    /// c.spublish("orders:{eu}", "order 1")?;
    /// if let Some(m) = ps.get_message(Duration::from_secs(1))? {
    ///     println!("{}: {}", m.channel_str()?, m.payload_str()?);
    /// }
    /// # Ok::<(), strictredis::Error>(())
    /// ```
    pub fn pubsub(&self) -> PubSub {
        PubSub::with_shards(
            self.helper_pool(None),
            Box::new(super::pubsub::ShardSubscriptions::new(self.clone())),
        )
    }

    /// redis-py's `register_script`: a [`Script`] whose SHA1 is computed locally. Run it
    /// with `script.key(k).invoke(&cluster)`: `EVALSHA` goes to the node serving the keys'
    /// slot (all keys of one call must share it), following redirections; on `NOSCRIPT`
    /// the script is loaded on every node (`SCRIPT LOAD`) and the call sent again.
    ///
    /// ```no_run
    /// # let c = strictredis::cluster::RedisCluster::from_urls(&["redis://127.0.0.1:7000"])?;
    /// let script = c.register_script("return redis.call('INCR', KEYS[1])");
    /// let n: i64 = script.key("{user:1}:visits").invoke(&c)?;
    /// # Ok::<(), strictredis::Error>(())
    /// ```
    pub fn register_script(&self, source: impl Into<String>) -> Script {
        Script::new(source)
    }

    /// redis-py's `lock()`: a [`Lock`] on the key `name`, kept on the primary that serves
    /// the key's slot when the lock is made (after a resharding of that slot, make a new
    /// one). Options: [`Lock::sleep`], [`Lock::blocking_timeout`].
    ///
    /// ```no_run
    /// use std::time::Duration;
    /// # let c = strictredis::cluster::RedisCluster::from_urls(&["redis://127.0.0.1:7000"])?;
    /// let lock = c.lock("resource", Duration::from_secs(10));
    /// if lock.acquire(false)? {
    ///     lock.release()?;
    /// }
    /// # Ok::<(), strictredis::Error>(())
    /// ```
    pub fn lock(&self, name: impl ToArg, timeout: Duration) -> Lock {
        let name = key_bytes(name);
        Lock::on_pool(self.key_pool(&name), name, timeout)
    }

    /// [`scan_iter`](Self::scan_iter) with every option of SCAN, `TYPE` included, over
    /// every primary.
    pub fn scan_iter_with<T: FromValue>(&self, options: ScanOptions) -> super::ClusterScanIter<T> {
        self.scan_iter_options(options)
    }

    crate::scan::keyed_scan_iters!(
        " on the node serving it, starting again on the new one after a failover or a \
         migration",
        |this, key| this.key_pool(&key),
        relocate: this.key_scan_relocate(&key)
    );
}

/// Scripts on a cluster: each call routed by its keys, with redirections followed.
impl ScriptTarget for &RedisCluster {
    /// A connection to any primary (for [`Script::load`], which the cluster overrides to
    /// load on every node, this is not used).
    fn with_connection(self, f: &mut dyn FnMut(&mut Connection) -> Result<()>) -> Result<()> {
        let pool = self.helper_pool(None);
        let mut conn = pool.get()?;
        f(&mut conn)
    }

    fn invoke_value(self, inv: &ScriptInvocation) -> Result<Value> {
        let c = inv.evalsha_cmd();
        match self.execute_command::<Value>(c.clone()) {
            Err(e) if e.server_error().is_some_and(|s| s.kind() == "NOSCRIPT") => {
                self.load_script(inv.script())?;
                self.execute_command(c)
            }
            other => other,
        }
    }

    fn load_script(self, script: &Script) -> Result<()> {
        let sha: Value = self.execute_command(cmd("SCRIPT LOAD").arg(script.source()))?;
        match sha {
            Value::Bulk(b) if b.eq_ignore_ascii_case(script.sha().as_bytes()) => Ok(()),
            Value::Bulk(b) => Err(Error::Protocol(format!(
                "SCRIPT LOAD answered SHA1 {}, expected {}",
                String::from_utf8_lossy(&b),
                script.sha()
            ))),
            _ => Ok(()),
        }
    }
}
