//! Model tests of the hand-off (`core.rs`) under `shuttle`: the same code as in a normal
//! build (the locks come from `sync.rs`), an in-memory server that answers each command
//! with its own id, and thousands of schedules of callers, drivers and abandonments.
//!
//! What they catch: a lost wake-up (every thread blocked: shuttle reports a deadlock), a
//! reply delivered twice (`Slot::deliver`'s debug assertion), and a reply delivered to the
//! wrong caller (each caller checks that the id it gets back is its own).

use std::collections::VecDeque;
use std::io;
use std::sync::Arc;
use std::time::{Duration, Instant};

use shuttle::sync::atomic::{AtomicUsize, Ordering};

use super::core::{Core, Limits, Link, Opener};
use crate::error::{Error, Result};
use crate::value::Value;

/// Answers each 8-byte command with its id; broken after `break_after` replies, when set.
struct FakeLink {
    pending: VecDeque<i64>,
    replies: usize,
    break_after: Option<usize>,
    broken: bool,
}

impl Link for FakeLink {
    fn send(&mut self, bytes: &[u8], count: usize) -> Result<()> {
        assert_eq!(bytes.len(), count * 8, "one command per slot");
        if self.broken {
            return Err(Error::Io(io::ErrorKind::BrokenPipe.into()));
        }
        for c in bytes.chunks(8) {
            self.pending
                .push_back(i64::from_le_bytes(c.try_into().expect("8 bytes")));
        }
        Ok(())
    }

    fn recv(&mut self) -> Result<Value> {
        if self.break_after.is_some_and(|n| self.replies >= n) {
            self.broken = true;
            return Err(Error::Io(io::ErrorKind::ConnectionReset.into()));
        }
        shuttle::thread::yield_now();
        self.replies += 1;
        Ok(Value::Int(
            self.pending.pop_front().expect("a reply per command"),
        ))
    }

    fn fresh(&mut self) -> bool {
        !self.broken
    }
}

struct FakeOpener {
    opened: AtomicUsize,
    break_after: Option<usize>,
}

impl Opener for FakeOpener {
    type Link = FakeLink;
    fn open(&self) -> Result<FakeLink> {
        self.opened.fetch_add(1, Ordering::SeqCst);
        Ok(FakeLink {
            pending: VecDeque::new(),
            replies: 0,
            break_after: self.break_after,
            broken: false,
        })
    }
}

fn core(break_after: Option<usize>, limits: Limits) -> Arc<Core<FakeOpener>> {
    Arc::new(Core::new(
        FakeOpener {
            opened: AtomicUsize::new(0),
            break_after,
        },
        limits,
    ))
}

const ROOMY: Limits = Limits {
    max_in_flight: 64,
    max_batch_bytes: 1 << 20,
};

/// `threads` callers, `calls` each, with unique ids; `abandon(t)` gives caller `t` a
/// deadline that has passed (it gives up at its first wait). Every reply must be the
/// caller's own id; a failure only where allowed.
fn scenario(
    threads: usize,
    calls: usize,
    break_after: Option<usize>,
    limits: Limits,
    abandon: fn(usize) -> bool,
) {
    let core = core(break_after, limits);
    let handles: Vec<_> = (0..threads)
        .map(|t| {
            let core = Arc::clone(&core);
            shuttle::thread::spawn(move || {
                for i in 0..calls {
                    let id = (t * 1000 + i) as i64;
                    let deadline = abandon(t).then(|| Instant::now() - Duration::from_millis(1));
                    match core.call(|b| b.extend_from_slice(&id.to_le_bytes()), deadline) {
                        Ok(Value::Int(got)) => {
                            assert_eq!(got, id, "caller {t} got another's reply")
                        }
                        Ok(other) => panic!("unexpected {other:?}"),
                        Err((_, e)) => assert!(
                            abandon(t) || break_after.is_some(),
                            "caller {t}: {e:?} with no fault"
                        ),
                    }
                }
            })
        })
        .collect();
    for h in handles {
        h.join().expect("caller panicked");
    }
}

#[test]
fn every_caller_gets_its_own_reply() {
    shuttle::check_random(|| scenario(3, 2, None, ROOMY, |_| false), 3000);
    shuttle::check_pct(|| scenario(3, 2, None, ROOMY, |_| false), 2000, 3);
}

#[test]
fn an_abandoned_slot_never_takes_or_shifts_a_reply() {
    shuttle::check_random(|| scenario(3, 2, None, ROOMY, |t| t == 0), 3000);
    shuttle::check_pct(|| scenario(3, 2, None, ROOMY, |t| t == 1), 2000, 3);
}

#[test]
fn a_broken_connection_fails_its_batch_and_is_replaced() {
    shuttle::check_random(|| scenario(3, 2, Some(1), ROOMY, |_| false), 3000);
    shuttle::check_pct(|| scenario(3, 2, Some(2), ROOMY, |t| t == 2), 2000, 3);
}

#[test]
fn back_pressure_loses_no_wake_up() {
    let tight = Limits {
        max_in_flight: 1,
        max_batch_bytes: 8,
    };
    shuttle::check_random(move || scenario(3, 2, None, tight, |_| false), 3000);
    let two = Limits {
        max_in_flight: 2,
        max_batch_bytes: 16,
    };
    shuttle::check_pct(move || scenario(4, 2, None, two, |_| false), 2000, 3);
}

#[test]
fn a_driver_that_keeps_the_role_for_further_batches_loses_no_caller() {
    // Four callers of three commands: drivers find commands queued when they finish, and
    // drive further batches before handing the role on.
    shuttle::check_random(|| scenario(4, 3, None, ROOMY, |_| false), 2000);
    shuttle::check_pct(|| scenario(4, 3, None, ROOMY, |t| t == 3), 1000, 3);
}
