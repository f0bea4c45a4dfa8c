//! The hand-off between the callers of an auto-pipelined client: who writes, who reads,
//! and how each reply reaches the one caller that asked for it. No I/O of its own: the
//! connection is a [`Link`], opened by an [`Opener`], so that the model tests
//! (`model.rs`) run this exact code against an in-memory server under `shuttle`.
//!
//! # The protocol (one holder at a time, pipelined batches; no thread of its own)
//!
//! A caller appends its encoded command to the shared batch (`Shared::buf`) and its reply
//! slot to the FIFO of queued slots, under the one mutex. If nobody holds the connection,
//! it becomes the **holder**; otherwise it waits on its own slot. The holder, outside the
//! lock, loops:
//!
//! 1. when commands are queued (and few replies are still owed, or more are queued than
//!    owed), it takes the whole batch and its slots and writes them in one write, behind
//!    the batches already written: the server works on the next batch while the holder
//!    reads the replies of the last one;
//! 2. it reads one reply and hands it to the slot at the head of the FIFO of written
//!    slots (a slot that was abandoned drops it);
//! 3. once its own reply is in, it passes the connection, with the written slots still
//!    owed a reply, to the first of their callers that still waits (its slot becomes
//!    [`SlotState::Drive`]), or else to the first queued caller; with none, the role is
//!    free again (replies owed to abandoned slots are read by the next holder).
//!
//! So a hand-off is off the critical path: the next batch is on the wire while the next
//! holder wakes up. A caller that finds nobody holding, nothing queued and nothing owed
//! sends its command at once, without a slot (the one-thread case costs what the pool
//! costs).
//!
//! # Invariants
//!
//! * A slot gets at most one reply, and only the reply read at its own position: slots are
//!   written and answered in one FIFO order (`queued`, then the holder's `sent`), one reply
//!   for one slot; a connection that fails fails every written slot not answered yet and is
//!   dropped (never reused, so no late reply is read for anyone).
//! * A caller that times out marks its slot abandoned and leaves: its command stays in the
//!   FIFO (it may already be on the wire), its reply is read and dropped.
//! * Exactly one holder at a time (`Shared::holding`), and whenever a slot whose caller
//!   waits is queued or owed a reply, either a holder is running or that caller has been
//!   told to hold: no wake-up is lost. The role is only handed over under the mutex, to a
//!   slot found waiting under that slot's own lock.
//! * The connection and its `sent` FIFO travel together: with the holder while it runs,
//!   in `Shared` between holders. `sent` is never empty without a connection.
//! * Lock order: the shared mutex, then a slot's mutex; never the other way round. No
//!   lock is held during I/O.
//! * Back-pressure: a caller waits (up to its deadline, then [`Error::PoolTimeout`], never
//!   sent) while `max_in_flight` commands are queued or unanswered, or while the batch
//!   being gathered holds `max_batch_bytes` or more.

use std::collections::VecDeque;
use std::io;
use std::sync::Arc;
use std::time::Instant;

use super::sync::{Condvar, Mutex, MutexGuard};
use crate::error::{Error, Result};
use crate::failure::{Failure, Stage};
use crate::value::Value;

/// One connection, as the holder uses it.
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

type Reply = std::result::Result<Value, Failure>;

enum SlotState {
    /// In the FIFO, not written yet.
    Queued,
    /// Written (or about to be): the server may have run it.
    Sent,
    /// Its caller is asked to hold the connection next.
    Drive,
    /// The reply, or why there is none.
    Done(Reply),
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
    fn deliver(&self, r: Reply) {
        let mut st = self.state.lock();
        if matches!(*st, SlotState::Abandoned) {
            return;
        }
        debug_assert!(!matches!(*st, SlotState::Done(_)), "one reply per slot");
        *st = SlotState::Done(r);
        drop(st);
        self.cv.notify_one();
    }

    /// Asks the caller to hold the connection next; false when it left (or has its reply).
    fn offer_drive(&self) -> bool {
        let mut st = self.state.lock();
        if !matches!(*st, SlotState::Queued | SlotState::Sent) {
            return false;
        }
        *st = SlotState::Drive;
        drop(st);
        self.cv.notify_one();
        true
    }
}

/// A command written and owed a reply.
enum Owed {
    /// A waiting (or abandoned) caller's slot.
    Slot(Arc<Slot>),
    /// The holder's own command, sent without a slot (the caller alone).
    Mine,
}

struct Shared<L> {
    /// The connection, while nobody holds it.
    link: Option<L>,
    /// What `link` owes, while nobody holds it (abandoned slots only).
    sent: VecDeque<Owed>,
    holding: bool,
    /// The batch being gathered: encoded commands, in the order of `queued`.
    buf: Vec<u8>,
    /// The last batch's buffer, emptied, for the next one.
    spare: Vec<u8>,
    queued: VecDeque<Arc<Slot>>,
    /// Written and not answered (as last told by the holder).
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

/// What one holder carries: the connection, what it owes, and the holder's own reply.
struct Turn<'a, L> {
    link: Option<L>,
    sent: VecDeque<Owed>,
    /// The holder's slot (`None`: its command is [`Owed::Mine`]).
    own: Option<&'a Arc<Slot>>,
    /// The reply of [`Owed::Mine`], once read.
    mine: Option<Reply>,
    own_done: bool,
    /// Replies read since the shared count was last brought up to date.
    answered: usize,
}

impl<L: Link> Turn<'_, L> {
    fn deliver(&mut self, owed: Owed, r: Reply) {
        self.answered += 1;
        match owed {
            Owed::Mine => {
                self.mine = Some(r);
                self.own_done = true;
            }
            Owed::Slot(s) => {
                if self.own.is_some_and(|o| Arc::ptr_eq(o, &s)) {
                    self.own_done = true;
                }
                s.deliver(r);
            }
        }
    }

    /// The connection failed (or could not be opened: `Stage::Unsent`): every command
    /// owed a reply gets `e`.
    fn fail_sent(&mut self, stage: Stage, e: &Error) {
        self.link = None;
        while let Some(owed) = self.sent.pop_front() {
            self.deliver(owed, Err((stage, copy(e))));
        }
    }
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
                sent: VecDeque::new(),
                holding: false,
                buf: Vec::new(),
                spare: Vec::new(),
                queued: VecDeque::new(),
                in_flight: 0,
                blocked: 0,
            }),
            room: Condvar::new(),
        }
    }

    /// True while no connection is open (none yet, or the last one broke), or one is in use.
    pub(crate) fn is_disconnected(&self) -> bool {
        self.shared.lock().link.is_none()
    }

    fn full(&self, sh: &Shared<O::Link>) -> bool {
        sh.queued.len() + sh.in_flight >= self.limits.max_in_flight
            || (!sh.buf.is_empty() && sh.buf.len() >= self.limits.max_batch_bytes)
    }

    /// Runs one command: `pack` appends its encoding to the batch; the reply comes back in
    /// order. Waits until `deadline` at most (then [`Error::Timeout`], counted as sent).
    pub(crate) fn call(&self, pack: impl FnOnce(&mut Vec<u8>), deadline: Option<Instant>) -> Reply {
        let mut sh = self.shared.lock();
        while self.full(&sh) {
            sh.blocked += 1;
            let timed_out = self.room.wait_until(&mut sh, deadline);
            sh.blocked -= 1;
            if timed_out && self.full(&sh) {
                return Err((Stage::Unsent, Error::PoolTimeout));
            }
        }
        if !sh.holding && sh.queued.is_empty() && sh.sent.is_empty() {
            // Nobody else is here: this caller's command is the whole batch, and its reply
            // needs no slot (one thread pays no more than through the pool).
            sh.holding = true;
            sh.in_flight += 1;
            let mut turn = Turn {
                link: sh.link.take(),
                sent: VecDeque::new(),
                own: None,
                mine: None,
                own_done: false,
                answered: 0,
            };
            let mut bytes = std::mem::take(&mut sh.spare);
            drop(sh);
            pack(&mut bytes);
            turn.sent.push_back(Owed::Mine);
            let bytes = self.write(&mut turn, bytes, 1);
            self.hold(&mut turn, Some(bytes));
            return turn
                .mine
                .unwrap_or(Err((Stage::Unsent, Error::PoolTimeout)));
        }
        let slot = Arc::new(Slot::new());
        pack(&mut sh.buf);
        sh.queued.push_back(Arc::clone(&slot));
        let lead = !sh.holding;
        sh.holding = true;
        drop(sh);
        if lead {
            self.take_over(&slot);
        }
        self.wait(&slot, deadline)
    }

    fn wait(&self, slot: &Arc<Slot>, deadline: Option<Instant>) -> Reply {
        let mut st = slot.state.lock();
        loop {
            match std::mem::replace(&mut *st, SlotState::Queued) {
                SlotState::Done(r) => return r,
                SlotState::Drive => {
                    // Its command is queued or owed: the turn it takes ends with its reply.
                    *st = SlotState::Sent;
                    drop(st);
                    self.take_over(slot);
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

    /// A turn of the caller of `own`, whose command is queued or owed: the connection and
    /// what it owes come from `Shared`.
    fn take_over(&self, own: &Arc<Slot>) {
        let mut turn = {
            let mut sh = self.shared.lock();
            Turn {
                link: sh.link.take(),
                sent: std::mem::take(&mut sh.sent),
                own: Some(own),
                mine: None,
                own_done: false,
                answered: 0,
            }
        };
        self.hold(&mut turn, None);
    }

    /// The holder's loop: writes what is queued, reads one reply at a time, until its own
    /// reply is in; then passes the connection on.
    fn hold(&self, turn: &mut Turn<'_, O::Link>, mut spare: Option<Vec<u8>>) {
        loop {
            let mut sh = self.shared.lock();
            sh.in_flight -= std::mem::take(&mut turn.answered);
            if let Some(mut bytes) = spare.take() {
                bytes.clear();
                if sh.spare.capacity() == 0
                    && bytes.capacity() <= self.limits.max_batch_bytes.saturating_mul(2)
                {
                    sh.spare = bytes;
                }
            }
            if turn.own_done {
                self.pass_on(sh, turn);
                return;
            }
            // The next batch goes out when the one on the wire is nearly answered, or when
            // more is queued than owed: batches stay large, the wire never runs dry.
            let batch = (!sh.queued.is_empty()
                && (turn.sent.len() <= 1 || sh.queued.len() >= turn.sent.len()))
            .then(|| {
                let next = std::mem::take(&mut sh.spare);
                let bytes = std::mem::replace(&mut sh.buf, next);
                let count = sh.queued.len();
                turn.sent.extend(sh.queued.drain(..).map(Owed::Slot));
                sh.in_flight += count;
                (bytes, count)
            });
            let wake = batch.is_some() && sh.blocked > 0;
            drop(sh);
            if wake {
                self.room.notify_all();
            }
            if let Some((bytes, count)) = batch {
                spare = Some(self.write(turn, bytes, count));
                continue;
            }
            let Some(link) = turn.link.as_mut() else {
                // Unreachable: the holder's own command is queued or owed, and what is owed
                // has a connection. Nothing to read: look again.
                debug_assert!(false, "a holder with nothing to read");
                continue;
            };
            match link.recv() {
                Ok(v) => {
                    let owed = turn.sent.pop_front().expect("a reply is owed");
                    let r = match v {
                        Value::Error(e) => Err((Stage::Sent, Error::Server(e))),
                        v => Ok(v),
                    };
                    turn.deliver(owed, r);
                }
                Err(e) => turn.fail_sent(Stage::Sent, &e),
            }
        }
    }

    /// Writes one batch, the last `count` commands of `turn.sent`, behind what the
    /// connection owes (opening a connection when there is none, or the idle one went
    /// stale); returns the buffer for reuse.
    fn write(&self, turn: &mut Turn<'_, O::Link>, bytes: Vec<u8>, count: usize) -> Vec<u8> {
        if turn.sent.len() == count {
            // Nothing else owed: the idle connection is checked before it is used again.
            turn.link = turn.link.take().and_then(|mut l| l.fresh().then_some(l));
        }
        let link = match &mut turn.link {
            Some(l) => l,
            None => match self.opener.open() {
                // Without a connection nothing else is owed: `sent` is this batch alone.
                Ok(l) => turn.link.insert(l),
                Err(e) => {
                    turn.fail_sent(Stage::Unsent, &e);
                    return bytes;
                }
            },
        };
        let first = turn.sent.len() - count;
        for owed in turn.sent.range(first..) {
            if let Owed::Slot(s) = owed {
                s.mark_sent();
            }
        }
        if let Err(e) = link.send(&bytes, count) {
            turn.fail_sent(Stage::Sent, &e);
        }
        bytes
    }

    /// The end of a turn: the connection (and what it owes) back, the role to the first
    /// caller still waiting for a reply, else to the first queued one, else free.
    fn pass_on(&self, mut sh: MutexGuard<'_, Shared<O::Link>>, turn: &mut Turn<'_, O::Link>) {
        sh.link = turn.link.take();
        sh.sent = std::mem::take(&mut turn.sent);
        let next = sh
            .sent
            .iter()
            .filter_map(|o| match o {
                Owed::Slot(s) => Some(s),
                Owed::Mine => None,
            })
            .chain(sh.queued.iter())
            .any(|s| s.offer_drive());
        sh.holding = next;
        let wake = sh.blocked > 0;
        drop(sh);
        if wake {
            self.room.notify_all();
        }
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
