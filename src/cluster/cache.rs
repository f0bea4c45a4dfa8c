//! Client-side caching on a cluster: the one store of [`Cache`], with one invalidation
//! channel per node that serves reads (every primary; the replicas too when reads go to
//! replicas), kept in step with the slot map.
//!
//! After every change of the map (a topology refresh, a MOVED redirection),
//! [`RedisCluster::cache_follow`] opens channels for the nodes new in it, closes those of
//! the nodes gone, and empties the whole cache when any slot changed owner (simpler than
//! dropping one node's slots, and rare). Opening a channel empties the cache and stops it
//! from serving until the channel listens; a channel's break does the same. A read whose
//! ticket was taken before such a change is not kept (the store's generation moved), so a
//! reply from a node without a listening channel is never kept.

use std::sync::Arc;
use std::time::{Duration, Instant};

use parking_lot::Mutex;

use super::topology::Topology;
use super::RedisCluster;
use crate::cache::Cache;
use crate::config::CacheConfig;
use crate::connection::Connection;
use crate::error::Result;

/// The cluster's cache and the slot map its channels follow.
pub(super) struct ClusterCache {
    pub cache: Cache,
    /// The map the channels were last set for; held while they are brought in step, so
    /// that the last follow to run sees the latest map.
    seen: Mutex<Arc<Topology>>,
    /// When a down channel last made a command read the topology again.
    nudged: Mutex<Option<Instant>>,
}

/// How often, at most, a down channel makes a command read the topology again.
const NUDGE_INTERVAL: Duration = Duration::from_secs(1);

impl ClusterCache {
    /// A cache with no channel yet (they open with the first topology).
    pub fn new(config: &CacheConfig) -> Result<ClusterCache> {
        Ok(ClusterCache {
            cache: Cache::new(config)?,
            seen: Mutex::new(Arc::new(Topology::empty())),
            nudged: Mutex::new(None),
        })
    }
}

impl RedisCluster {
    /// While a channel is down, a command reads the topology again (at most once a
    /// second): a node gone for good (a primary killed, and replaced by its replica) keeps
    /// its channel, and the whole cache from serving, until a refresh drops it, and the
    /// commands that would notice it (those of its slots) may never come.
    pub(super) fn cache_nudge(&self, cc: &ClusterCache) {
        if cc.cache.is_up() {
            return;
        }
        {
            let Some(mut last) = cc.nudged.try_lock() else {
                return;
            };
            if last.is_some_and(|t| t.elapsed() < NUDGE_INTERVAL) {
                return;
            }
            *last = Some(Instant::now());
        }
        self.refresh_if_due(None);
    }

    /// Brings the cache's channels in step with the slot map (see the module docs); called
    /// after every change of it.
    pub(super) fn cache_follow(&self) {
        let Some(cc) = &self.inner.cache else {
            return;
        };
        let mut seen = cc.seen.lock();
        let now = self.topology();
        let replicas = self.inner.read_from.uses_replicas();
        let serving: Vec<&super::Node> = now
            .primaries()
            .iter()
            .chain(now.replicas().iter().filter(|_| replicas))
            .collect();
        for node in &serving {
            if cc.cache.has_channel(&node.addr) {
                continue;
            }
            let info = crate::cache::channel_info(node.pool.connection_info());
            let wait = crate::cache::first_wait(&info);
            let opened = cc.cache.add_channel(
                node.addr.clone(),
                Box::new(move || Connection::open(&info)),
                Box::new(|_| true),
                wait,
            );
            if let Err(e) = opened {
                // No thread: the channel counts as down for good, so the cache serves
                // nothing rather than serve without the node.
                log::warn!("cache: no invalidation channel for {}: {e}", node.addr);
            }
        }
        cc.cache
            .retain_channels(|name| serving.iter().any(|n| &*n.addr == name));
        if owners_changed(&seen, &now) {
            cc.cache.flush();
        }
        *seen = now;
    }

    /// What the client-side cache has done so far (every node's replies together); `None`
    /// without [`cache_config`](super::ClusterBuilder::cache_config).
    pub fn cache_stats(&self) -> Option<crate::CacheStats> {
        self.inner.cache.as_ref().map(|c| c.cache.stats())
    }

    /// Empties the client-side cache (nothing happens without one). Every clone shares it.
    pub fn flush_cache(&self) {
        if let Some(c) = &self.inner.cache {
            c.cache.flush();
        }
    }
}

/// Whether any slot is served by another primary in `new` than in `old`.
fn owners_changed(old: &Topology, new: &Topology) -> bool {
    (0..super::SLOT_COUNT).any(|s| {
        let owner = |t: &Topology| t.shard(s).map(|sh| sh.primary.addr.clone());
        owner(old) != owner(new)
    })
}
