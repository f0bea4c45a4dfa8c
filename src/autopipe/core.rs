//! The hand-off between the callers of an auto-pipelined client: who writes, who reads,
//! and how each reply reaches the one caller that asked for it. No I/O of its own: the
//! connection is a [`Link`], opened by an [`Opener`], so that the model tests
//! (`model.rs`) run this exact code against an in-memory server under `shuttle`.
//!
//! # The protocol ("combining", leader/follower; no thread of its own)
//!
//! A caller appends its encoded command to the shared batch (`Shared::buf`) and its reply
//! slot to the FIFO of queued slots, under the one mutex. If nobody is driving, it becomes
//! the **driver**; otherwise it waits on its own slot. The driver, outside the lock:
//!
//! 1. takes the whole batch and its slots (the queue is empty again, the next callers start
//!    the next batch), and the connection (opening one when there is none);
//! 2. writes the batch in one write, then reads exactly one reply per slot, in order, and
//!    hands each to its slot (a slot that was abandoned drops it);
//! 3. puts the connection back; when callers queued meanwhile, it drives their batch at
//!    once itself, up to [`EXTRA_TURNS`] more batches (the next batch does not wait for
//!    another thread to wake up), then passes the driver's role to the first caller queued
//!    meanwhile that still waits (its slot becomes [`SlotState::Drive`]); with none, the
//!    role is free again.
//!
//! A caller that finds nobody driving and nothing queued drives at once with its own
//! command alone, without a slot (the one-thread case costs what the pool costs).
//!
//! Every other driver's own slot is in the first batch it drives (it queued before it
//! drove), so it has its reply when its turn ends, and returns.
//!
//! # Invariants
//!
//! * A slot gets at most one reply, and only the reply read at its own position in the
//!   FIFO: the batch's slots and the replies are consumed in the same order, one for one,
//!   and a connection that fails mid-batch fails every slot not answered yet and is
//!   dropped (never reused, so no late reply is read for anyone).
//! * A caller that times out marks its slot abandoned and leaves: its command stays in the
//!   FIFO (it may already be on the wire), its reply is read and dropped.
//! * Exactly one driver at a time (`Shared::driving`), and whenever the queue holds a slot
//!   whose caller waits, either a driver is running or that caller has been told to drive:
//!   no wake-up is lost. The role is only handed over under the mutex, to a slot found
//!   `Queued` under that slot's own lock.
//! * Lock order: the shared mutex, then a slot's mutex; never the other way round. No
//!   lock is held during I/O.
//! * Back-pressure: a caller waits (up to its deadline, then [`Error::PoolTimeout`], never
//!   sent) while `max_in_flight` commands are queued or unanswered, or while the batch
//!   being gathered holds `max_batch_bytes` or more.

use std::collections::VecDeque;
use std::io;
use std::sync::Arc;
use std::time::Instant;

use super::sync::{Condvar, Mutex};
use crate::error::{Error, Result};
use crate::failure::{Failure, Stage};
use crate::value::Value;

/// Further batches a driver sends, while commands keep being queued, before it hands the
/// role on (its own caller waits for them: a bound on its latency).
const EXTRA_TURNS: usize = 2;

/// One connection, as the driver uses it.
pub(crate) trait Link: Send {
    /// Writes `count` already encoded commands and flushes them.
    fn send(&mut self, bytes: &[u8], count: usize) -> Result<()>;
    /// Reads the next reply (an error reply is `Ok(Value::Error)`).
    fn recv(&mut self) -> Result<Value>;
    /// Whether this idle connection may carry the next batch (no round trip).
    fn fresh(&mut self) -> bool;
}

/// Opens the shared connection (again, after one broke).
pub(crate) trait Opener: Send + Sync {
    /// The connection type.
    type Link: Link;
    /// Opens one connection.
    fn open(&self) -> Result<Self::Link>;
}

/// The back-pressure bounds.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Limits {
    /// Commands queued or written and not answered yet, at most (at least 1).
    pub max_in_flight: usize,
    /// A batch being gathered takes no more commands once it holds this many bytes.
    pub max_batch_bytes: usize,
}

enum SlotState {
    /// In the FIFO, not written yet.
    Queued,
    /// Written (or about to be): the server may have run it.
    Sent,
    /// Its caller is asked to drive the next batch.
    Drive,
    /// The reply, or why there is none.
    Done(std::result::Result<Value, Failure>),
    /// Its caller gave up waiting; the reply is dropped.
    Abandoned,
}

struct Slot {
    state: Mutex<SlotState>,
    cv: Condvar,
}

impl Slot {
    fn new() -> Slot {
        Slot {
            state: Mutex::new(SlotState::Queued),
            cv: Condvar::new(),
        }
    }

    fn mark_sent(&self) {
        let mut st = self.state.lock();
        if matches!(*st, SlotState::Queued) {
            *st = SlotState::Sent;
        }
    }

    /// Hands over `r`, unless the caller left.
    fn deliver(&self, r: std::result::Result<Value, Failure>) {
        let mut st = self.state.lock();
        if matches!(*st, SlotState::Abandoned) {
            return;
        }
        debug_assert!(!matches!(*st, SlotState::Done(_)), "one reply per slot");
        *st = SlotState::Done(r);
        drop(st);
        self.cv.notify_one();
    }

    /// Asks the caller to drive; false when it left.
    fn offer_drive(&self) -> bool {
        let mut st = self.state.lock();
        if !matches!(*st, SlotState::Queued) {
            return false;
        }
        *st = SlotState::Drive;
        drop(st);
        self.cv.notify_one();
        true
    }
}

struct Shared<L> {
    link: Option<L>,
    driving: bool,
    /// The batch being gathered: encoded commands, in the order of `queued`.
    buf: Vec<u8>,
    /// The last batch's buffer, emptied, for the next one.
    spare: Vec<u8>,
    queued: VecDeque<Arc<Slot>>,
    /// Written and not answered.
    in_flight: usize,
    /// Callers waiting for room.
    blocked: usize,
}

/// The shared connection and its FIFO.
pub(crate) struct Core<O: Opener> {
    opener: O,
    limits: Limits,
    shared: Mutex<Shared<O::Link>>,
    room: Condvar,
}

impl<O: Opener> Core<O> {
    pub(crate) fn new(opener: O, limits: Limits) -> Core<O> {
        Core {
            opener,
            limits: Limits {
                max_in_flight: limits.max_in_flight.max(1),
                ..limits
            },
            shared: Mutex::new(Shared {
                link: None,
                driving: false,
                buf: Vec::new(),
                spare: Vec::new(),
                queued: VecDeque::new(),
                in_flight: 0,
                blocked: 0,
            }),
            room: Condvar::new(),
        }
    }

    /// True while no connection is open (none yet, or the last one broke).
    pub(crate) fn is_disconnected(&self) -> bool {
        self.shared.lock().link.is_none()
    }

    fn full(&self, sh: &Shared<O::Link>) -> bool {
        sh.queued.len() + sh.in_flight >= self.limits.max_in_flight
            || (!sh.buf.is_empty() && sh.buf.len() >= self.limits.max_batch_bytes)
    }

    /// Runs one command: `pack` appends its encoding to the batch; the reply comes back in
    /// order. Waits until `deadline` at most (then [`Error::Timeout`], counted as sent).
    pub(crate) fn call(
        &self,
        pack: impl FnOnce(&mut Vec<u8>),
        deadline: Option<Instant>,
    ) -> std::result::Result<Value, Failure> {
        let mut sh = self.shared.lock();
        while self.full(&sh) {
            sh.blocked += 1;
            let timed_out = self.room.wait_until(&mut sh, deadline);
            sh.blocked -= 1;
            if timed_out && self.full(&sh) {
                return Err((Stage::Unsent, Error::PoolTimeout));
            }
        }
        if !sh.driving && sh.queued.is_empty() {
            // Nobody else is here: this caller's command is the whole batch, and its reply
            // needs no slot (one thread pays no more than through the pool).
            sh.driving = true;
            sh.in_flight += 1;
            let link = sh.link.take();
            let mut bytes = std::mem::take(&mut sh.spare);
            drop(sh);
            pack(&mut bytes);
            let mut out = Err((Stage::Unsent, Error::PoolTimeout));
            let link = self.exchange(link, &bytes, 1, || {}, |_, r| out = r);
            if self.finish(link, 1, bytes, true) {
                self.drive(EXTRA_TURNS - 1);
            }
            return out;
        }
        let slot = Arc::new(Slot::new());
        pack(&mut sh.buf);
        sh.queued.push_back(Arc::clone(&slot));
        let lead = !sh.driving;
        sh.driving = true;
        drop(sh);
        if lead {
            self.drive(EXTRA_TURNS);
        }
        self.wait(&slot, deadline)
    }

    fn wait(&self, slot: &Slot, deadline: Option<Instant>) -> std::result::Result<Value, Failure> {
        let mut st = slot.state.lock();
        loop {
            match std::mem::replace(&mut *st, SlotState::Queued) {
                SlotState::Done(r) => return r,
                SlotState::Drive => {
                    // Still queued: the batch this caller drives holds its own command.
                    drop(st);
                    self.drive(EXTRA_TURNS);
                    st = slot.state.lock();
                }
                SlotState::Abandoned => {
                    *st = SlotState::Abandoned;
                    return Err((Stage::Sent, Error::Timeout));
                }
                waiting => {
                    *st = waiting;
                    if slot.cv.wait_until(&mut st, deadline)
                        && matches!(*st, SlotState::Queued | SlotState::Sent)
                    {
                        // Its command may be on the wire already: the reply is dropped
                        // when it comes, and the caller is told it may have run.
                        *st = SlotState::Abandoned;
                        return Err((Stage::Sent, Error::Timeout));
                    }
                }
            }
        }
    }

    /// One driver's turn: the whole batch gathered so far, out and back; then, while
    /// commands were queued meanwhile, up to `extra` further batches before the role is
    /// handed on (the next batch leaves at once instead of after another thread's
    /// wake-up).
    fn drive(&self, mut extra: usize) {
        loop {
            let (slots, bytes, link) = {
                let mut sh = self.shared.lock();
                let next = std::mem::take(&mut sh.spare);
                let bytes = std::mem::replace(&mut sh.buf, next);
                let slots: Vec<Arc<Slot>> = sh.queued.drain(..).collect();
                sh.in_flight += slots.len();
                let wake = sh.blocked > 0;
                let link = sh.link.take();
                drop(sh);
                if wake {
                    self.room.notify_all();
                }
                (slots, bytes, link)
            };
            let link = if slots.is_empty() {
                link
            } else {
                let mark = || slots.iter().for_each(|s| s.mark_sent());
                self.exchange(link, &bytes, slots.len(), mark, |i, r| slots[i].deliver(r))
            };
            if !self.finish(link, slots.len(), bytes, extra > 0) {
                return;
            }
            extra -= 1;
        }
    }

    /// Writes a batch of `count` commands, reads one reply for each, in order, and gives
    /// reply `i` to `deliver(i, ..)` (every one not answered gets the error when the
    /// connection fails). `sent` runs before the first byte is written. The connection
    /// comes back unless it failed.
    fn exchange(
        &self,
        link: Option<O::Link>,
        bytes: &[u8],
        count: usize,
        sent: impl FnOnce(),
        mut deliver: impl FnMut(usize, std::result::Result<Value, Failure>),
    ) -> Option<O::Link> {
        let mut link = match link.and_then(|mut l| l.fresh().then_some(l)) {
            Some(l) => l,
            None => match self.opener.open() {
                Ok(l) => l,
                Err(e) => {
                    fail(&mut deliver, 0..count, Stage::Unsent, &e);
                    return None;
                }
            },
        };
        sent();
        if let Err(e) = link.send(bytes, count) {
            fail(&mut deliver, 0..count, Stage::Sent, &e);
            return None;
        }
        for i in 0..count {
            match link.recv() {
                Ok(Value::Error(e)) => deliver(i, Err((Stage::Sent, Error::Server(e)))),
                Ok(v) => deliver(i, Ok(v)),
                Err(e) => {
                    fail(&mut deliver, i..count, Stage::Sent, &e);
                    return None;
                }
            }
        }
        Some(link)
    }

    /// The end of a turn: the connection back, and the role kept (`keep`, with commands
    /// queued: returns true, the caller drives the next batch) or handed to the next
    /// waiting caller.
    fn finish(
        &self,
        link: Option<O::Link>,
        answered: usize,
        mut bytes: Vec<u8>,
        keep: bool,
    ) -> bool {
        let mut sh = self.shared.lock();
        sh.in_flight -= answered;
        sh.link = link;
        bytes.clear();
        if bytes.capacity() <= self.limits.max_batch_bytes.saturating_mul(2) {
            sh.spare = bytes;
        }
        // Abandoned slots stay queued (their bytes are in the batch): the next driver
        // sends them and drops their replies.
        let kept = keep && !sh.queued.is_empty();
        sh.driving = kept || sh.queued.iter().any(|s| s.offer_drive());
        let wake = sh.blocked > 0;
        drop(sh);
        if wake {
            self.room.notify_all();
        }
        kept
    }
}

/// Gives each request of `which` a copy of `e`: a failed connection takes them all down.
fn fail(
    deliver: &mut impl FnMut(usize, std::result::Result<Value, Failure>),
    which: std::ops::Range<usize>,
    stage: Stage,
    e: &Error,
) {
    for i in which {
        deliver(i, Err((stage, copy(e))));
    }
}

/// The same error again, for each request that a failed connection took down.
fn copy(e: &Error) -> Error {
    match e.inner() {
        Error::Io(io) => Error::Io(io::Error::new(io.kind(), io.to_string())),
        Error::Timeout => Error::Timeout,
        Error::PoolTimeout => Error::PoolTimeout,
        Error::Server(s) => Error::Server(s.clone()),
        Error::Protocol(s) => Error::Protocol(s.clone()),
        Error::Config(s) => Error::Config(s.clone()),
        Error::Tls(s) => Error::Tls(s.shallow_copy()),
        Error::Sentinel(s) => Error::Sentinel(s.shallow_copy()),
        other => Error::Io(io::Error::other(other.to_string())),
    }
}
