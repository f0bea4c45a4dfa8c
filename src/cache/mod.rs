//! Client-side caching: read-only replies kept in local memory, dropped when the server says
//! their key changed (`CLIENT TRACKING`).
//!
//! * **What is cached** ([`facts`]): commands whose reply is a function of one key's
//!   contents, derived from the command table; `MGET` key by key.
//! * **The store** ([`store`]): keyed by the request (command name and arguments, as
//!   encoded); one store per client (a cluster's nodes share one: a key lives on one node),
//!   so the database and the protocol are fixed for it and part of the key implicitly. The raw [`Value`] is kept; each call converts it
//!   into its own type. Bounded by entries and bytes, CLOCK eviction, sharded by key.
//! * **Invalidation** ([`channel`]): one connection of ours with
//!   `CLIENT TRACKING ON REDIRECT <itself> BCAST`, subscribed to `__redis__:invalidate`,
//!   read by a named thread; a cluster has one per node (`src/cluster/cache.rs`), and
//!   entries are served only while all of them listen. Chosen over default-mode tracking on the data connections
//!   because the channel then does not depend on them: in default mode the server forgets a
//!   connection's tracked keys when that connection closes (a pooled connection killed
//!   while idle), and its invalidations are lost without anyone noticing; with BCAST on
//!   the channel itself, losing the channel is the only way to lose invalidations, and
//!   that is seen (EOF, heartbeat) and empties the cache. Nothing is sent on the data
//!   connections, so pooled, auto-pipelined and cluster connections work unchanged, over
//!   RESP2 and RESP3. The cost: the server sends us the name of every key written, not only
//!   of those we cached.
//! * **The race** (a reply older than an invalidation that arrived first): closed by
//!   pending tickets, see [`store`]. This client's own writes drop the entries of their
//!   arguments before they return, so a thread reads its own writes.

mod channel;
mod facts;
#[cfg(test)]
mod model;
mod store;
mod sync;

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

pub(crate) use channel::{Open, StillValid};

use self::facts::Class;
use self::store::Store;
use crate::cmd::Cmd;
use crate::config::{CacheConfig, ConnectionInfo, Protocol};
use crate::connection::Connection;
use crate::error::Result;
use crate::value::Value;

/// What a client's cache has done so far; see
/// [`StrictRedis::cache_stats`](crate::StrictRedis::cache_stats).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct CacheStats {
    /// Replies served from local memory.
    pub hits: u64,
    /// Cacheable requests that went to the server (a key of an `MGET` counts as one).
    pub misses: u64,
    /// Entries dropped to stay within `max_entries` / `max_bytes`.
    pub evictions: u64,
    /// Entries dropped because their key changed (on the server, or by this client).
    pub invalidations: u64,
    /// Times the whole cache was emptied: FLUSHDB/FLUSHALL, `flush_cache()`, a break of
    /// the invalidation channel.
    pub flushes: u64,
    /// Entries kept now.
    pub entries: u64,
    /// Bytes they are counted as (see [`CacheConfig::max_bytes`]).
    pub bytes: u64,
}

/// One cache: the store and the threads that keep it honest, one per invalidation
/// channel, by the name of the node it listens to (stopped on drop).
pub(crate) struct Cache {
    store: Arc<Store>,
    listeners: parking_lot::Mutex<HashMap<Arc<str>, channel::Listener>>,
}

impl std::fmt::Debug for Cache {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Cache")
            .field("up", &self.store.is_up())
            .field("channels", &self.listeners.lock().len())
            .finish()
    }
}

impl Cache {
    /// A cache with no channel yet: nothing is served until [`add_channel`] was called
    /// for every node and [`started`] once.
    ///
    /// [`add_channel`]: Self::add_channel
    /// [`started`]: Self::started
    pub fn new(config: &CacheConfig) -> Result<Cache> {
        config.check()?;
        Ok(Cache {
            store: Arc::new(Store::new(config.max_entries, config.max_bytes)),
            listeners: parking_lot::Mutex::new(HashMap::new()),
        })
    }

    /// A cache whose one channel opens its connection with `open` and keeps it while
    /// `valid` says so.
    pub fn start(
        config: &CacheConfig,
        open: Open,
        valid: StillValid,
        first_wait: Duration,
    ) -> Result<Cache> {
        let cache = Cache::new(config)?;
        cache.add_channel("".into(), open, valid, first_wait)?;
        cache.started();
        Ok(cache)
    }

    /// Every channel of the start is added: entries may be served once they listen.
    pub fn started(&self) {
        self.store.set_up();
    }

    /// Adds a channel for the node `name` (none when it has one): the cache is emptied and
    /// serves nothing until the channel listens. Waits up to `first_wait` for that.
    pub fn add_channel(
        &self,
        name: Arc<str>,
        open: Open,
        valid: StillValid,
        first_wait: Duration,
    ) -> Result<()> {
        if self.listeners.lock().contains_key(&name) {
            return Ok(());
        }
        let listener = channel::Listener::spawn(self.store.clone(), open, valid, first_wait)?;
        // Two threads adding the same node at once: the second listener is dropped here.
        let extra = match self.listeners.lock().entry(name) {
            std::collections::hash_map::Entry::Occupied(_) => Some(listener),
            std::collections::hash_map::Entry::Vacant(v) => {
                v.insert(listener);
                None
            }
        };
        drop(extra);
        Ok(())
    }

    /// Whether every channel listens (entries may be served).
    pub fn is_up(&self) -> bool {
        self.store.is_up()
    }

    /// Whether the node `name` has a channel.
    pub fn has_channel(&self, name: &str) -> bool {
        self.listeners.lock().contains_key(name)
    }

    /// Stops the channels of the nodes `keep` says no to (joining their threads): the
    /// cache is emptied for each.
    pub fn retain_channels(&self, keep: impl Fn(&str) -> bool) {
        let gone: Vec<channel::Listener> = {
            let mut map = self.listeners.lock();
            let names: Vec<Arc<str>> = map.keys().filter(|k| !keep(k)).cloned().collect();
            names.iter().filter_map(|n| map.remove(n)).collect()
        };
        drop(gone);
    }

    /// A cache for the server `info` names, its channel a plain connection there.
    pub fn for_server(config: &CacheConfig, info: &ConnectionInfo) -> Result<Cache> {
        let info = channel_info(info);
        let wait = first_wait(&info);
        Cache::start(
            config,
            Box::new(move || Connection::open(&info)),
            Box::new(|_| true),
            wait,
        )
    }

    /// Runs `cmd` through the cache: a hit is answered here; a miss is sent with `send` and
    /// its reply kept; a write is sent and the entries of its arguments dropped.
    pub fn run(&self, cmd: &Cmd, send: impl Fn(&Cmd) -> Result<Value>) -> Result<Value> {
        match facts::classify(cmd) {
            Class::Read { key } => self.read(key, cmd, send),
            Class::MultiGet => self.multi_get(cmd, send),
            Class::Other => send(cmd),
            Class::Write => {
                let r = send(cmd);
                // Whether it succeeded or not (an ambiguous write may have run).
                self.store.invalidate_args(cmd.args_iter().skip(1));
                r
            }
            Class::WriteAll => {
                let r = send(cmd);
                self.store.flush(true);
                r
            }
        }
    }

    fn read(&self, key: &[u8], cmd: &Cmd, send: impl Fn(&Cmd) -> Result<Value>) -> Result<Value> {
        let request = cmd.body();
        if let Some(v) = self.store.get(key, request) {
            return Ok(v);
        }
        let ticket = self.store.begin(key, request);
        let r = send(cmd);
        if let Some(t) = ticket {
            match &r {
                Ok(v) => {
                    self.store.store(t, v);
                }
                Err(_) => self.store.abort(t),
            }
        }
        r
    }

    /// `MGET` key by key: each key's reply is kept as that of `MGET key`; only the keys
    /// missing are sent, in one `MGET`.
    fn multi_get(&self, cmd: &Cmd, send: impl Fn(&Cmd) -> Result<Value>) -> Result<Value> {
        let keys: Vec<&[u8]> = cmd.args_iter().skip(1).collect();
        let singles: Vec<Cmd> = keys.iter().map(|k| single_get(k)).collect();
        let mut out: Vec<Option<Value>> = keys
            .iter()
            .zip(&singles)
            .map(|(k, c)| self.store.get(k, c.body()))
            .collect();
        let missing: Vec<usize> = (0..keys.len()).filter(|&i| out[i].is_none()).collect();
        if !missing.is_empty() {
            let tickets: Vec<_> = missing
                .iter()
                .map(|&i| self.store.begin(keys[i], singles[i].body()))
                .collect();
            let mut fetch = crate::cmd::cmd("MGET");
            for &i in &missing {
                fetch.push_arg(keys[i]);
            }
            let r = send(&fetch);
            match r {
                Ok(Value::Array(vals)) if vals.len() == missing.len() => {
                    for ((&i, t), v) in missing.iter().zip(tickets).zip(vals) {
                        if let Some(t) = t {
                            self.store.store(t, &v);
                        }
                        out[i] = Some(v);
                    }
                }
                other => {
                    for t in tickets.into_iter().flatten() {
                        self.store.abort(t);
                    }
                    return other;
                }
            }
        }
        Ok(Value::Array(out.into_iter().flatten().collect()))
    }

    /// Empties the cache (the channel stays).
    pub fn flush(&self) {
        self.store.flush(true);
    }

    /// The counters so far.
    pub fn stats(&self) -> CacheStats {
        self.store.counts()
    }
}

/// `MGET key`: the request one key of an `MGET` is kept under.
fn single_get(key: &[u8]) -> Cmd {
    crate::cmd::cmd("MGET").arg(key)
}

/// The channel's settings: those of the data connections, over RESP2 (pub/sub messages
/// there work on every server version).
pub(crate) fn channel_info(info: &ConnectionInfo) -> ConnectionInfo {
    let mut info = info.clone();
    info.protocol = Protocol::Resp2;
    info
}

/// How long `build` waits for the channel's first connect.
pub(crate) fn first_wait(info: &ConnectionInfo) -> Duration {
    info.connect_timeout
        .unwrap_or(crate::config::DEFAULT_CONNECT_TIMEOUT)
        .saturating_add(Duration::from_secs(1))
}
