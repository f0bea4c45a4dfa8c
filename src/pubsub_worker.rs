//! PubSubWorker (its docs are on the type).

use std::fmt;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::Duration;

use crate::error::{Error, Result};
use crate::pubsub::{Message, MessageKind, PubSub};
use crate::time;

/// How long the thread waits for a message before it looks at the stop flag again: the
/// most [`PubSubWorker::stop`] waits for it.
const POLL: Duration = Duration::from_millis(50);

/// The thread made by [`PubSub::run_in_thread`].
///
/// redis-py's `run_in_thread`: a thread that reads a [`PubSub`]'s messages and hands each
/// one to a handler, until [`PubSubWorker::stop`].
///
/// ```no_run
/// # let r = strictredis::StrictRedis::from_url("redis://127.0.0.1/")?;
/// let mut ps = r.pubsub().ignore_subscribe_messages(true);
/// ps.subscribe(&["jobs"])?;
/// let worker = ps.run_in_thread(|m: strictredis::Message| {
///     println!("{:?}", m.payload_str());
/// });
/// // ... later
/// worker.stop()?;                 // unsubscribes, joins the thread
/// # Ok::<(), strictredis::Error>(())
/// ```
///
/// Dropping it without [`stop`](Self::stop) asks the thread to stop and does not wait:
/// the thread ends within one poll (50 ms) once its handler returns, and its connection
/// is closed.
pub struct PubSubWorker {
    stop: Arc<AtomicBool>,
    thread: Option<JoinHandle<Result<()>>>,
}

impl fmt::Debug for PubSubWorker {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PubSubWorker")
            .field("running", &self.is_running())
            .finish()
    }
}

impl PubSub {
    /// redis-py's `run_in_thread`: moves this session to a new thread (named
    /// `pubsub-worker`) that calls `handler` with every message until
    /// [`PubSubWorker::stop`]. Subscribe first; the handler also sees the subscription
    /// confirmations unless [`ignore_subscribe_messages`](Self::ignore_subscribe_messages)
    /// is set.
    ///
    /// A broken connection is replaced as [`get_message`](Self::get_message) does; an
    /// error it cannot recover from ends the thread, and `stop` returns it.
    pub fn run_in_thread<F>(self, handler: F) -> PubSubWorker
    where
        F: FnMut(Message) + Send + 'static,
    {
        let stop = Arc::new(AtomicBool::new(false));
        let flag = stop.clone();
        let thread = std::thread::Builder::new()
            .name("pubsub-worker".into())
            .spawn(move || run(self, handler, &flag));
        match thread {
            Ok(t) => PubSubWorker {
                stop,
                thread: Some(t),
            },
            // The OS refused a thread: the worker reports it at stop().
            Err(e) => PubSubWorker {
                stop,
                thread: Some(std::thread::spawn(move || Err(Error::Io(e)))),
            },
        }
    }
}

/// The thread's loop: read, hand over, look at the flag; unsubscribe at the end.
fn run<F: FnMut(Message)>(mut ps: PubSub, mut handler: F, stop: &AtomicBool) -> Result<()> {
    while !stop.load(Ordering::Acquire) {
        if let Some(m) = ps.get_message(POLL)? {
            handler(m);
        }
    }
    if ps.is_connected() {
        ps.unsubscribe_all()?;
        ps.punsubscribe_all()?;
        ps.sunsubscribe_all()?;
        settle(&mut ps)?;
    }
    Ok(())
}

/// The payload of the PING that ends a worker: distinct from any caller's PING.
const STOP_PING: &[u8] = b"strictredis:pubsub-worker:stop";

/// How long `stop` waits for the server to confirm the unsubscribes.
const STOP_WAIT: Duration = Duration::from_secs(5);

/// Waits until the server has run the unsubscribes: it answers commands in order, so once
/// the PING sent after them is answered, nothing is subscribed any more and `stop` may
/// return (a caller who then asks `PUBSUB NUMSUB` sees 0). Messages that arrive meanwhile
/// were published before the unsubscribe took effect; the handler is done, they are dropped.
fn settle(ps: &mut PubSub) -> Result<()> {
    ps.ping_with(STOP_PING)?;
    let deadline = time::deadline_in(Some(STOP_WAIT));
    loop {
        let wait = time::left(deadline).unwrap_or(STOP_WAIT);
        if wait.is_zero() {
            return Ok(());
        }
        if let Some(m) = ps.get_message(wait.min(POLL))? {
            if m.kind() == MessageKind::Pong && m.payload() == STOP_PING {
                return Ok(());
            }
        }
    }
}

impl PubSubWorker {
    /// Stops the thread: it finishes the handler call in progress, unsubscribes from
    /// everything, waits (up to 5 s) until the server has run the unsubscribes, and ends;
    /// this waits for it (joins). Returns the error that ended the
    /// thread early, if one did; [`Error::Io`] if the handler panicked.
    pub fn stop(mut self) -> Result<()> {
        self.stop.store(true, Ordering::Release);
        match self.thread.take().map(JoinHandle::join) {
            Some(Ok(r)) => r,
            Some(Err(_)) => Err(Error::Io(std::io::Error::other(
                "the pub/sub handler panicked",
            ))),
            None => Ok(()),
        }
    }

    /// True while the thread runs (it ends at [`stop`](Self::stop), or early on an error or
    /// a panic of the handler).
    pub fn is_running(&self) -> bool {
        self.thread.as_ref().is_some_and(|t| !t.is_finished())
    }
}

impl Drop for PubSubWorker {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Release);
    }
}
