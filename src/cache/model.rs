//! Model tests of the store (`store.rs`) under `shuttle`: the very same code, its lock and
//! state word swapped for shuttle's (`sync.rs`), with a "server" that is one atomic value and
//! a channel that delivers an invalidation after each write while it is connected.
//!
//! The property checked, in every interleaving tried: once every thread is done, the store
//! holds for the key either nothing or the server's current value. What it catches: a
//! reply stored after the invalidation that should have beaten it (the ticket not taken
//! before the read, or not checked under the shard's lock), a reply read before a break of
//! the channel and stored after it, eviction breaking the bounds or the key index.

use std::sync::Arc;

use shuttle::sync::atomic::{AtomicBool, AtomicI64, Ordering};

use super::store::Store;
use crate::value::Value;

const KEY: &[u8] = b"k";
const REQ: &[u8] = b"$3\r\nGET\r\n$1\r\nk\r\n";

/// A cached read: ticket, read the server, store.
fn cached_read(store: &Store, server: &AtomicI64) {
    if store.get(KEY, REQ).is_some() {
        return;
    }
    let t = store.begin(KEY, REQ);
    let v = server.load(Ordering::SeqCst);
    if let Some(t) = t {
        store.store(t, &Value::Int(v));
    }
}

/// Another client's write; the server tells the channel while it is connected.
fn write(store: &Store, server: &AtomicI64, delivering: &AtomicBool, v: i64) {
    server.store(v, Ordering::SeqCst);
    if delivering.load(Ordering::SeqCst) {
        store.invalidate(KEY);
    }
}

fn check(store: &Store, server: &AtomicI64) {
    if let Some(v) = store.get(KEY, REQ) {
        assert_eq!(
            v,
            Value::Int(server.load(Ordering::SeqCst)),
            "a stale entry"
        );
    }
}

/// A thread doing two cached reads.
fn reader(store: &Arc<Store>, server: &Arc<AtomicI64>) -> shuttle::thread::JoinHandle<()> {
    let (store, server) = (store.clone(), server.clone());
    shuttle::thread::spawn(move || {
        cached_read(&store, &server);
        cached_read(&store, &server);
    })
}

/// A thread writing `1..=writes`.
fn writer(
    store: &Arc<Store>,
    server: &Arc<AtomicI64>,
    delivering: &Arc<AtomicBool>,
    writes: i64,
) -> shuttle::thread::JoinHandle<()> {
    let (store, server, delivering) = (store.clone(), server.clone(), delivering.clone());
    shuttle::thread::spawn(move || {
        for v in 1..=writes {
            write(&store, &server, &delivering, v);
        }
    })
}

/// Readers against writers, the channel always connected.
fn race(readers: usize, writes: i64) {
    let store = Arc::new(Store::new(10, 1 << 20));
    store.set_up();
    let server = Arc::new(AtomicI64::new(0));
    let delivering = Arc::new(AtomicBool::new(true));
    let mut threads: Vec<_> = (0..readers).map(|_| reader(&store, &server)).collect();
    threads.push(writer(&store, &server, &delivering, writes));
    for t in threads {
        t.join().unwrap();
    }
    check(&store, &server);
}

/// A break of the channel (invalidations lost until it is back) while a reader and a
/// writer run: the break empties the store before tickets are handed out again.
fn broken_channel() {
    let store = Arc::new(Store::new(10, 1 << 20));
    store.set_up();
    let server = Arc::new(AtomicI64::new(0));
    let delivering = Arc::new(AtomicBool::new(true));
    let reading = reader(&store, &server);
    let writing = writer(&store, &server, &delivering, 1);
    let channel = {
        let (store, delivering) = (store.clone(), delivering.clone());
        shuttle::thread::spawn(move || {
            delivering.store(false, Ordering::SeqCst); // the connection dies
            store.flush(false); // the thread sees it
            delivering.store(true, Ordering::SeqCst); // the new one is tracking
            store.set_up();
        })
    };
    for t in [reading, writing, channel] {
        t.join().unwrap();
    }
    check(&store, &server);
}

/// Two channels (a cluster: the key's node and another), both breaking and coming back
/// while a reader and a writer of the key run: the other node's channel coming back must
/// not let replies be kept while the key's node's channel is still down.
fn two_channels() {
    let store = Arc::new(Store::new(10, 1 << 20));
    store.channel_added();
    store.channel_added();
    for _ in 0..3 {
        store.set_up(); // the start's hold and both channels
    }
    let server = Arc::new(AtomicI64::new(0));
    let delivering = Arc::new(AtomicBool::new(true));
    let reading = reader(&store, &server);
    let writing = writer(&store, &server, &delivering, 1);
    let own = {
        let (store, delivering) = (store.clone(), delivering.clone());
        shuttle::thread::spawn(move || {
            delivering.store(false, Ordering::SeqCst);
            store.flush(false);
            delivering.store(true, Ordering::SeqCst);
            store.set_up();
        })
    };
    let other = {
        let store = store.clone();
        shuttle::thread::spawn(move || {
            store.flush(false);
            store.set_up();
        })
    };
    for t in [reading, writing, own, other] {
        t.join().unwrap();
    }
    check(&store, &server);
    assert!(store.is_up());
}

/// FLUSHDB by someone (a null invalidation) racing a read.
fn flushed() {
    let store = Arc::new(Store::new(10, 1 << 20));
    store.set_up();
    let server = Arc::new(AtomicI64::new(5));
    let reader = {
        let (store, server) = (store.clone(), server.clone());
        shuttle::thread::spawn(move || cached_read(&store, &server))
    };
    let flusher = {
        let (store, server) = (store.clone(), server.clone());
        shuttle::thread::spawn(move || {
            server.store(0, Ordering::SeqCst);
            store.flush(true);
        })
    };
    reader.join().unwrap();
    flusher.join().unwrap();
    check(&store, &server);
}

/// Many keys through a store of two entries: the bound holds, invalidation finds them.
fn bounded() {
    let store = Arc::new(Store::new(2, 1 << 20));
    store.set_up();
    let threads: Vec<_> = (0..3u8)
        .map(|i| {
            let store = store.clone();
            shuttle::thread::spawn(move || {
                for j in 0..2u8 {
                    let key = [b'a' + i, b'0' + j];
                    if let Some(t) = store.begin(&key, &key) {
                        store.store(t, &Value::Int(1));
                    }
                    assert!(store.counts().entries <= 2);
                }
                store.invalidate(&[b'a' + i, b'0']);
            })
        })
        .collect();
    for t in threads {
        t.join().unwrap();
    }
    let c = store.counts();
    assert!(c.entries <= 2, "{} entries", c.entries);
    assert_eq!(c.entries + c.evictions + c.invalidations, 6);
}

#[test]
fn invalidation_beats_a_late_reply() {
    shuttle::check_random(|| race(2, 2), 3000);
    shuttle::check_pct(|| race(2, 2), 2000, 3);
}

#[test]
fn a_break_of_the_channel_keeps_nothing_stale() {
    shuttle::check_random(broken_channel, 3000);
    shuttle::check_pct(broken_channel, 2000, 3);
}

#[test]
fn another_channel_back_up_keeps_nothing_stale() {
    shuttle::check_random(two_channels, 3000);
    shuttle::check_pct(two_channels, 2000, 3);
}

/// Channels counted: down while any is; a removed one no longer counts.
#[test]
fn channels_are_counted() {
    shuttle::check_random(
        || {
            let store = Store::new(10, 1 << 20);
            assert!(!store.is_up(), "a new store waits for its start");
            store.channel_added();
            store.channel_added();
            store.set_up();
            store.set_up();
            assert!(!store.is_up(), "one channel still down");
            store.set_up();
            assert!(store.is_up());
            store.flush(false);
            assert!(!store.is_up());
            store.channel_removed(false);
            assert!(store.is_up(), "the broken channel's node left");
            store.channel_removed(true);
            assert!(store.is_up());
        },
        1,
    );
}

#[test]
fn a_flush_beats_a_late_reply() {
    shuttle::check_random(flushed, 2000);
    shuttle::check_pct(flushed, 2000, 2);
}

#[test]
fn bounds_hold_under_concurrency() {
    shuttle::check_random(bounded, 2000);
    shuttle::check_pct(bounded, 1000, 3);
}

/// The model finds the race when the ticket is taken after the read: the check is not
/// vacuous.
#[test]
#[should_panic(expected = "a stale entry")]
fn the_model_catches_a_ticket_taken_too_late() {
    shuttle::check_random(
        || {
            let store = Arc::new(Store::new(10, 1 << 20));
            store.set_up();
            let server = Arc::new(AtomicI64::new(0));
            let delivering = Arc::new(AtomicBool::new(true));
            let reader = {
                let (store, server) = (store.clone(), server.clone());
                shuttle::thread::spawn(move || {
                    let v = server.load(Ordering::SeqCst);
                    shuttle::thread::yield_now();
                    if let Some(t) = store.begin(KEY, REQ) {
                        store.store(t, &Value::Int(v));
                    }
                })
            };
            let writing = writer(&store, &server, &delivering, 1);
            reader.join().unwrap();
            writing.join().unwrap();
            check(&store, &server);
        },
        3000,
    );
}

/// The channel's messages, RESP2 pub/sub and RESP3 push forms: keys dropped, a null
/// empties the store, anything else is ignored.
#[test]
fn channel_messages_in_both_forms() {
    shuttle::check_random(
        || {
            let bulk = |s: &str| Value::Bulk(s.as_bytes().to_vec());
            let store = Store::new(10, 1 << 20);
            store.set_up();
            let keep = |k: &[u8]| {
                let t = store.begin(k, k).unwrap();
                assert!(store.store(t, &Value::Int(1)));
            };
            keep(b"a");
            keep(b"b");
            let message = |payload| {
                Value::Array(vec![bulk("message"), bulk("__redis__:invalidate"), payload])
            };
            super::channel::apply(&store, message(Value::Array(vec![bulk("a")])));
            assert!(store.get(b"a", b"a").is_none() && store.get(b"b", b"b").is_some());
            super::channel::apply(&store, Value::Push(vec![bulk("invalidate"), bulk("b")]));
            assert!(store.get(b"b", b"b").is_none());
            keep(b"c");
            super::channel::apply(&store, Value::Array(vec![bulk("pong"), bulk("")]));
            assert!(store.get(b"c", b"c").is_some());
            super::channel::apply(&store, message(Value::Nil));
            let s = store.counts();
            assert_eq!((s.entries, s.flushes, s.invalidations), (0, 1, 2));
            assert!(store.is_up(), "a FLUSHDB keeps the channel up");
        },
        1,
    );
}
