//! [`CacheConfig`]: the settings of client-side caching (the cache itself is `src/cache/`).

use crate::error::{Error, Result};

/// Client-side caching settings, for
/// [`ClientBuilder::cache_config`](crate::ClientBuilder::cache_config) (and the cluster and
/// Sentinel builders). A plain struct with [`Default`]:
///
/// ```
/// use strictredis::CacheConfig;
/// let c = CacheConfig { max_entries: 50_000, ..CacheConfig::default() };
/// assert_eq!(c.max_bytes, 64 << 20);
/// ```
///
/// Only read-only commands whose reply is a function of one key's contents are cached
/// (derived from the command table: GET, HGETALL, LRANGE, SMEMBERS, ZRANGE, ... and MGET key
/// by key); never TTL, RANDOMKEY, SRANDMEMBER, TIME or anything with a side effect. See the
/// guide's "Client-side caching".
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct CacheConfig {
    /// Most replies kept at once (at least 1). Defaults to 10,000 (redis-py's `max_size`).
    pub max_entries: usize,
    /// Most bytes the kept replies take, counted as their payload plus the request and a
    /// fixed overhead per entry (at least 1). A reply larger than this is never kept.
    /// Defaults to 64 MiB.
    pub max_bytes: usize,
}

impl Default for CacheConfig {
    fn default() -> Self {
        CacheConfig {
            max_entries: 10_000,
            max_bytes: 64 << 20,
        }
    }
}

impl CacheConfig {
    /// Refuses bounds of zero.
    pub(crate) fn check(&self) -> Result<()> {
        if self.max_entries == 0 || self.max_bytes == 0 {
            return Err(Error::Config(
                "cache_config: max_entries and max_bytes must be at least 1".into(),
            ));
        }
        Ok(())
    }
}
