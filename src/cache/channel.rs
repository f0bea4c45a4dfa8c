//! The invalidation channel: one connection of our own, read by a named thread
//! (`strictredis-cache`), joined when the cache is dropped.
//!
//! It runs `CLIENT TRACKING ON REDIRECT <its own id> BCAST` and subscribes to
//! `__redis__:invalidate` (RESP2, whatever protocol the data connections speak), so the
//! server tells it of every key that changes, and of every FLUSHDB/FLUSHALL (a null
//! message). Any break (the connection lost or killed, a server restart, no answer to the
//! heartbeat PING, the connector saying the node is no longer the one we want) empties
//! the store and counts the channel down before the thread connects again. A store may
//! have several channels (a cluster: one per node, see [`Cache::add_channel`]): entries
//! are served only while every one of them listens.
//!
//! [`Cache::add_channel`]: super::Cache::add_channel

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use super::store::Store;
use crate::cmd::cmd;
use crate::connection::Connection;
use crate::error::{Error, Result};
use crate::value::Value;

/// The channel the server publishes invalidations on.
const CHANNEL: &str = "__redis__:invalidate";
/// How long one read waits before the thread looks at its stop flag.
const POLL: Duration = Duration::from_millis(50);
/// A PING this often; silence for three times as long is a break.
const HEARTBEAT: Duration = Duration::from_secs(1);
/// The first and the longest pause between two connects.
const BACKOFF: (Duration, Duration) = (Duration::from_millis(10), Duration::from_secs(1));

/// Opens the channel's connection (to the node the data connections use).
pub(crate) type Open = Box<dyn Fn() -> Result<Connection> + Send + Sync>;
/// Whether the channel's connection still leads where the data goes (Sentinel: the master).
pub(crate) type StillValid = Box<dyn Fn(&Connection) -> bool + Send + Sync>;

/// The listening thread; dropping this stops and joins it.
pub(crate) struct Listener {
    stop: Arc<AtomicBool>,
    thread: Option<JoinHandle<()>>,
}

impl Listener {
    /// Starts the thread and waits up to `first_wait` for its first connect (so that the
    /// first reads after `build` are cached); a failure then is retried in the background.
    pub fn spawn(
        store: Arc<Store>,
        open: Open,
        valid: StillValid,
        first_wait: Duration,
    ) -> Result<Listener> {
        let stop = Arc::new(AtomicBool::new(false));
        // Counted down before anything can be read from its node.
        store.channel_added();
        let (tx, rx) = std::sync::mpsc::channel();
        let thread = std::thread::Builder::new()
            .name("strictredis-cache".into())
            .spawn({
                let stop = stop.clone();
                move || run(&store, &stop, &open, &valid, tx)
            })
            .map_err(Error::Io)?;
        let _ = rx.recv_timeout(first_wait);
        Ok(Listener {
            stop,
            thread: Some(thread),
        })
    }
}

impl Drop for Listener {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Release);
        if let Some(t) = self.thread.take() {
            t.thread().unpark();
            let _ = t.join();
        }
    }
}

fn run(
    store: &Store,
    stop: &AtomicBool,
    open: &Open,
    valid: &StillValid,
    first: std::sync::mpsc::Sender<()>,
) {
    // However the thread ends (stopped, or a panic), nothing may be served after it that
    // it could have invalidated.
    let state = OnExit {
        store,
        up: std::cell::Cell::new(false),
    };
    let mut backoff = BACKOFF.0;
    let mut first = Some(first);
    while !stop.load(Ordering::Acquire) {
        match open().and_then(subscribe) {
            Ok(conn) => {
                store.set_up();
                state.up.set(true);
                backoff = BACKOFF.0;
                if let Some(tx) = first.take() {
                    let _ = tx.send(());
                }
                listen(store, stop, conn, valid);
                if stop.load(Ordering::Acquire) {
                    break;
                }
                // Whatever ended it, invalidations may have been lost: nothing read
                // before may be served.
                store.flush(false);
                state.up.set(false);
            }
            Err(e) => {
                if let Some(tx) = first.take() {
                    let _ = tx.send(());
                }
                log::debug!("cache: invalidation channel not connected: {e}");
            }
        }
        if stop.load(Ordering::Acquire) {
            break;
        }
        std::thread::park_timeout(backoff);
        backoff = (backoff * 2).min(BACKOFF.1);
    }
}

/// On the thread's exit: the channel no longer counts (stopped), or stays down for good
/// (a panic); the store is emptied either way.
struct OnExit<'a> {
    store: &'a Store,
    up: std::cell::Cell<bool>,
}

impl Drop for OnExit<'_> {
    fn drop(&mut self) {
        if std::thread::panicking() {
            if self.up.get() {
                self.store.flush(false);
            } else {
                self.store.flush(true);
            }
        } else {
            self.store.channel_removed(self.up.get());
        }
    }
}

/// Tracking for every key, redirected to this connection itself, then SUBSCRIBE.
fn subscribe(mut conn: Connection) -> Result<Connection> {
    let id: i64 = conn.execute_command(cmd("CLIENT").arg("ID"))?;
    conn.execute_command::<()>(
        cmd("CLIENT")
            .arg("TRACKING")
            .arg("ON")
            .arg("REDIRECT")
            .arg(id)
            .arg("BCAST"),
    )?;
    conn.send(&cmd("SUBSCRIBE").arg(CHANNEL))?;
    match conn.read_value()? {
        Value::Array(items) | Value::Push(items)
            if items.first().and_then(Value::as_bytes) == Some(b"subscribe") =>
        {
            Ok(conn)
        }
        Value::Error(e) => Err(Error::Server(e)),
        other => Err(Error::Protocol(format!(
            "unexpected reply to SUBSCRIBE {CHANNEL}: {}",
            other.kind_name()
        ))),
    }
}

/// Reads invalidations until the connection breaks, falls silent, is no longer valid, or
/// the cache is dropped.
fn listen(store: &Store, stop: &AtomicBool, mut conn: Connection, valid: &StillValid) {
    let mut heard = Instant::now();
    let mut pinged = Instant::now();
    loop {
        if stop.load(Ordering::Acquire) {
            return;
        }
        if !valid(&conn) {
            log::info!("cache: the node changed; cache emptied");
            return;
        }
        match conn.read_value_timeout(POLL) {
            Ok(Some(v)) => {
                heard = Instant::now();
                apply(store, v);
            }
            Ok(None) => {}
            Err(e) => {
                log::warn!("cache: invalidation channel lost ({e}); cache emptied");
                return;
            }
        }
        if pinged.elapsed() >= HEARTBEAT {
            if let Err(e) = conn.send(&cmd("PING")) {
                log::warn!("cache: invalidation channel lost ({e}); cache emptied");
                return;
            }
            pinged = Instant::now();
        }
        if heard.elapsed() > HEARTBEAT * 3 {
            log::warn!("cache: invalidation channel silent; cache emptied");
            return;
        }
    }
}

/// One message: keys to drop, or a null (FLUSHDB/FLUSHALL) that empties the store.
pub(crate) fn apply(store: &Store, v: Value) {
    let items = match v {
        Value::Array(items) | Value::Push(items) => items,
        _ => return,
    };
    // RESP2 pub/sub: ["message", channel, payload]; RESP3 push: ["invalidate", payload].
    let payload = match items.first().and_then(Value::as_bytes) {
        Some(b"message") if items.len() == 3 => &items[2],
        Some(b"invalidate") if items.len() == 2 => &items[1],
        _ => return,
    };
    match payload {
        Value::Nil => store.flush(true),
        Value::Array(keys) => {
            for k in keys {
                if let Some(k) = k.as_bytes() {
                    store.invalidate(k);
                }
            }
        }
        other => {
            if let Some(k) = other.as_bytes() {
                store.invalidate(k);
            }
        }
    }
}
