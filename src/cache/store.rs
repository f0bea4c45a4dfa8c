//! The store: replies by request, in shards chosen by key, each under a read-write lock,
//! bounded by entries and bytes with CLOCK (second-chance) eviction; the pending tickets that
//! close the read/invalidate race; the state word (generation and "channel up").
//!
//! # The race and how it is closed
//!
//! A read is sent at t0, its key is changed by someone else at t1, the invalidation reaches
//! us at t2 and the (old) reply at t3 > t2. Stored at t3, that reply would be stale forever.
//! So a miss takes a [`Ticket`] *before* its request is sent: it is recorded as pending
//! under its key. An invalidation of the key (or any flush) removes every pending ticket of
//! that key; [`Store::store`] keeps a reply only when its ticket is still pending and the
//! state word is still the one the ticket was taken under. Both checks run under the
//! shard's write lock, so an invalidation is either before the store (the reply is dropped)
//! or after it (the entry is dropped).
//!
//! # The state word
//!
//! `generation << DOWN_BITS | down`, `down` the number of invalidation channels not
//! listening (a cluster has one channel per node; a new store counts one "not started"
//! until [`Store::set_up`]). A flush bumps the generation; a broken channel bumps it and
//! counts one more down; a channel listening again counts one less. Entries and tickets
//! carry the word they were made under: a hit needs the entry's word to equal the current
//! one (so a flush or a break hides every entry at once, before the shards are even
//! cleared), and no ticket is handed out while any channel is down.

use std::collections::{HashMap, VecDeque};
use std::sync::atomic::AtomicBool;
use std::sync::Arc;

use super::sync::{AtomicU64, Ordering, RwLock};
use super::CacheStats;
use crate::value::Value;

/// Shared bytes: a request or a key.
pub(crate) type Bytes = Arc<[u8]>;

/// The low bits of the state word: how many channels are down.
const DOWN_BITS: u32 = 16;
const DOWN_MASK: u64 = (1 << DOWN_BITS) - 1;

/// Whether no channel is down in the state word `s`.
fn up(s: u64) -> bool {
    s & DOWN_MASK == 0
}

/// `s` with its generation bumped and `down` changed by `delta` (kept within its bits).
fn next_state(s: u64, delta: i64) -> u64 {
    let down = ((s & DOWN_MASK) as i64 + delta).clamp(0, DOWN_MASK as i64) as u64;
    ((s >> DOWN_BITS).wrapping_add(1) << DOWN_BITS) | down
}

/// Bytes counted for each entry besides its request, key and reply.
const ENTRY_OVERHEAD: usize = 128;

/// One kept reply.
struct Entry {
    id: u64,
    key: Bytes,
    value: Value,
    /// The state word it was stored under.
    state: u64,
    /// Set by a hit, cleared by the clock hand: a second chance before eviction.
    referenced: AtomicBool,
    size: usize,
}

/// One shard: every request of the keys that hash to it.
#[derive(Default)]
struct Shard {
    /// Request (the encoded command) -> its entry.
    entries: HashMap<Bytes, Entry>,
    /// Key -> the requests kept for it.
    by_key: HashMap<Bytes, Vec<Bytes>>,
    /// Key -> the tickets of the reads in flight.
    pending: HashMap<Bytes, Vec<u64>>,
    /// The clock: requests in insertion order, with the id they had (stale ids are skipped).
    clock: VecDeque<(Bytes, u64)>,
    bytes: usize,
}

impl Shard {
    fn remove(&mut self, request: &[u8]) -> bool {
        let Some(e) = self.entries.remove(request) else {
            return false;
        };
        self.bytes -= e.size;
        if let Some(reqs) = self.by_key.get_mut(&e.key) {
            reqs.retain(|r| &**r != request);
            if reqs.is_empty() {
                self.by_key.remove(&e.key);
            }
        }
        true
    }

    /// Evicts one entry by the clock; false when there is none.
    fn evict_one(&mut self) -> bool {
        while let Some((req, id)) = self.clock.pop_front() {
            let Some(e) = self.entries.get(&req) else {
                continue;
            };
            if e.id != id {
                continue;
            }
            if e.referenced.swap(false, Ordering::Relaxed) {
                self.clock.push_back((req, id));
                continue;
            }
            self.remove(&req);
            return true;
        }
        false
    }

    fn clear(&mut self) {
        self.entries.clear();
        self.by_key.clear();
        self.pending.clear();
        self.clock.clear();
        self.bytes = 0;
    }
}

/// A read in flight: taken before its request is sent, given to [`Store::store`] with the
/// reply (or to [`Store::abort`]).
#[derive(Debug)]
pub(crate) struct Ticket {
    key: Bytes,
    request: Bytes,
    id: u64,
    state: u64,
    shard: usize,
}

/// A counter striped over cache lines, so that threads hitting at once do not share one.
#[derive(Default)]
struct Striped([Padded; STRIPES]);

const STRIPES: usize = 16;

#[derive(Default)]
#[repr(align(128))]
struct Padded(std::sync::atomic::AtomicU64);

impl Striped {
    fn add(&self, n: u64) {
        thread_local! {
            static SLOT: usize = {
                static NEXT: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
                NEXT.fetch_add(1, Ordering::Relaxed) % STRIPES
            };
        }
        let i = SLOT.with(|s| *s);
        self.0[i].0.fetch_add(n, Ordering::Relaxed);
    }

    fn sum(&self) -> u64 {
        self.0.iter().map(|p| p.0.load(Ordering::Relaxed)).sum()
    }
}

/// The replies, sharded by key.
pub(crate) struct Store {
    shards: Box<[RwLock<Shard>]>,
    /// Bounds per shard.
    cap_entries: usize,
    cap_bytes: usize,
    /// `generation << DOWN_BITS | down`.
    state: AtomicU64,
    next_id: std::sync::atomic::AtomicU64,
    /// The longest key kept so far: a write's arguments longer than it are no key of ours.
    longest_key: std::sync::atomic::AtomicUsize,
    hits: Striped,
    misses: Striped,
    evictions: Striped,
    invalidations: Striped,
    flushes: Striped,
}

/// A hash of a key for the shard choice (FNV-1a).
fn shard_hash(key: &[u8]) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for &b in key {
        h ^= u64::from(b);
        h = h.wrapping_mul(0x0100_0000_01b3);
    }
    h
}

/// Bytes a reply takes, roughly: payloads plus a word per element.
pub(crate) fn value_size(v: &Value) -> usize {
    let word = std::mem::size_of::<Value>();
    word + match v {
        Value::Bulk(b) => b.len(),
        Value::Simple(s) | Value::BigNumber(s) => s.len(),
        Value::Verbatim { format, text } => format.len() + text.len(),
        Value::Error(e) => e.to_string().len(),
        Value::Array(items) | Value::Set(items) | Value::Push(items) => {
            items.iter().map(value_size).sum()
        }
        Value::Map(pairs) => pairs
            .iter()
            .map(|(k, v)| value_size(k) + value_size(v))
            .sum(),
        Value::Attribute { attributes, value } => {
            value_size(value)
                + attributes
                    .iter()
                    .map(|(k, v)| value_size(k) + value_size(v))
                    .sum::<usize>()
        }
        Value::Nil | Value::Int(_) | Value::Double(_) | Value::Boolean(_) => 0,
    }
}

impl Store {
    /// A store for `max_entries` replies and `max_bytes` (both at least 1); it counts one
    /// channel down ("not started") until [`set_up`](Self::set_up).
    pub fn new(max_entries: usize, max_bytes: usize) -> Store {
        // Small bounds keep one shard, so that the bound is exact rather than per shard.
        let n = if max_entries >= 64 * STRIPES && max_bytes >= (1 << 20) {
            STRIPES
        } else {
            1
        };
        Store {
            shards: (0..n).map(|_| RwLock::new(Shard::default())).collect(),
            cap_entries: (max_entries / n).max(1),
            cap_bytes: (max_bytes / n).max(1),
            state: AtomicU64::new(1),
            next_id: std::sync::atomic::AtomicU64::new(1),
            longest_key: std::sync::atomic::AtomicUsize::new(0),
            hits: Striped::default(),
            misses: Striped::default(),
            evictions: Striped::default(),
            invalidations: Striped::default(),
            flushes: Striped::default(),
        }
    }

    fn shard_of(&self, key: &[u8]) -> usize {
        (shard_hash(key) % self.shards.len() as u64) as usize
    }

    /// The kept reply of `request` (whose key is `key`), counted as a hit; `None` (counted
    /// as a miss) when there is none, or the channel is down.
    pub fn get(&self, key: &[u8], request: &[u8]) -> Option<Value> {
        let state = self.state.load(Ordering::Acquire);
        if up(state) {
            let sh = self.shards[self.shard_of(key)].read();
            if let Some(e) = sh.entries.get(request).filter(|e| e.state == state) {
                if !e.referenced.load(Ordering::Relaxed) {
                    e.referenced.store(true, Ordering::Relaxed);
                }
                let v = e.value.clone();
                drop(sh);
                self.hits.add(1);
                crate::observe::cache_hit();
                return Some(v);
            }
        }
        self.misses.add(1);
        crate::observe::cache_miss();
        None
    }

    /// Marks a read of `key` as pending, before its request is sent; `None` when the
    /// channel is down (the reply will not be kept).
    pub fn begin(&self, key: &[u8], request: &[u8]) -> Option<Ticket> {
        let state = self.state.load(Ordering::Acquire);
        if !up(state) {
            return None;
        }
        let shard = self.shard_of(key);
        let id = self.next_id.fetch_add(1, Ordering::Relaxed);
        let key: Bytes = key.into();
        self.shards[shard]
            .write()
            .pending
            .entry(key.clone())
            .or_default()
            .push(id);
        Some(Ticket {
            key,
            request: request.into(),
            id,
            state,
            shard,
        })
    }

    /// Keeps `value` as the reply of the ticket's request, unless the key was invalidated,
    /// the cache flushed or the channel broken since the ticket was taken. True when kept.
    pub fn store(&self, t: Ticket, value: &Value) -> bool {
        let size = t.request.len() + t.key.len() + value_size(value) + ENTRY_OVERHEAD;
        let mut sh = self.shards[t.shard].write();
        if !take_ticket(&mut sh, &t) {
            return false;
        }
        if self.state.load(Ordering::Acquire) != t.state || size > self.cap_bytes {
            return false;
        }
        sh.remove(&t.request);
        let mut evicted = 0;
        while sh.entries.len() >= self.cap_entries || sh.bytes + size > self.cap_bytes {
            if !sh.evict_one() {
                break;
            }
            evicted += 1;
        }
        sh.bytes += size;
        sh.clock.push_back((t.request.clone(), t.id));
        sh.by_key
            .entry(t.key.clone())
            .or_default()
            .push(t.request.clone());
        self.longest_key.fetch_max(t.key.len(), Ordering::Relaxed);
        sh.entries.insert(
            t.request,
            Entry {
                id: t.id,
                key: t.key,
                value: value.clone(),
                state: t.state,
                referenced: AtomicBool::new(false),
                size,
            },
        );
        if sh.clock.len() > 2 * sh.entries.len() + 64 {
            let Shard { clock, entries, .. } = &mut *sh;
            clock.retain(|(r, id)| entries.get(r).is_some_and(|e| e.id == *id));
        }
        drop(sh);
        if evicted > 0 {
            self.evictions.add(evicted);
        }
        true
    }

    /// Gives a ticket up (its read failed).
    pub fn abort(&self, t: Ticket) {
        take_ticket(&mut self.shards[t.shard].write(), &t);
    }

    /// Drops every reply of `key` and every pending read of it. Returns how many replies.
    pub fn invalidate(&self, key: &[u8]) -> usize {
        let mut sh = self.shards[self.shard_of(key)].write();
        sh.pending.remove(key);
        let Some(reqs) = sh.by_key.remove(key) else {
            return 0;
        };
        let mut n = 0;
        for r in reqs {
            if let Some(e) = sh.entries.remove(&r) {
                sh.bytes -= e.size;
                n += 1;
            }
        }
        drop(sh);
        self.invalidations.add(n as u64);
        n
    }

    /// [`invalidate`](Self::invalidate) for each argument that may be a key we keep (no
    /// longer than the longest kept key): this client's own write, whatever its key
    /// positions.
    pub fn invalidate_args<'a>(&self, args: impl Iterator<Item = &'a [u8]>) {
        let longest = self.longest_key.load(Ordering::Relaxed);
        for a in args.filter(|a| a.len() <= longest) {
            self.invalidate(a);
        }
    }

    /// Empties the store and bumps the generation: no reply read before is kept, or served.
    /// `up` says whether every channel stays as it was (a flush) or one more is down (a
    /// break).
    pub fn flush(&self, up: bool) {
        self.transition(if up { 0 } else { 1 });
    }

    /// A channel is added (a new node of a cluster): down until it calls
    /// [`set_up`](Self::set_up); the store is emptied.
    pub fn channel_added(&self) {
        self.transition(1);
    }

    /// A channel is gone for good (its node left the cluster, or the cache is dropped):
    /// it no longer counts, down or up; the store is emptied, as no entry of its node
    /// may outlive it.
    pub fn channel_removed(&self, was_up: bool) {
        self.transition(if was_up { 0 } else { -1 });
    }

    fn transition(&self, delta: i64) {
        let _ = self
            .state
            .fetch_update(Ordering::AcqRel, Ordering::Acquire, |s| {
                Some(next_state(s, delta))
            });
        for s in self.shards.iter() {
            s.write().clear();
        }
        self.flushes.add(1);
    }

    /// A channel is listening again: once none is down, tickets may be taken. (The
    /// generation was bumped when it went down, so nothing from before comes back.)
    pub fn set_up(&self) {
        let _ = self
            .state
            .fetch_update(Ordering::AcqRel, Ordering::Acquire, |s| {
                (s & DOWN_MASK > 0).then(|| s - 1)
            });
    }

    /// Whether every channel is up.
    pub fn is_up(&self) -> bool {
        up(self.state.load(Ordering::Acquire))
    }

    /// The counters and the current size.
    pub fn counts(&self) -> CacheStats {
        let (mut entries, mut bytes) = (0, 0);
        for s in self.shards.iter() {
            let s = s.read();
            entries += s.entries.len() as u64;
            bytes += s.bytes as u64;
        }
        CacheStats {
            hits: self.hits.sum(),
            misses: self.misses.sum(),
            evictions: self.evictions.sum(),
            invalidations: self.invalidations.sum(),
            flushes: self.flushes.sum(),
            entries,
            bytes,
        }
    }
}

/// Removes the ticket from its key's pending list; false when it was no longer there
/// (invalidated or flushed meanwhile).
fn take_ticket(sh: &mut Shard, t: &Ticket) -> bool {
    let Some(ids) = sh.pending.get_mut(&t.key) else {
        return false;
    };
    let Some(i) = ids.iter().position(|&id| id == t.id) else {
        return false;
    };
    ids.swap_remove(i);
    if ids.is_empty() {
        sh.pending.remove(&t.key);
    }
    true
}
