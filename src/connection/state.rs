//! What a connection knows of its own server-side state, as a pure state machine: no I/O,
//! driven by the [`Effect`] of each command (from the command table) at three moments:
//! before the command leaves ([`State::before_send`]), when it is known whether the server
//! will answer it ([`State::reply_expected`]), and after its reply arrived
//! ([`State::after_reply`]).
//!
//! ```text
//!                 MULTI                         WATCH
//!   Idle ------------------> InMulti    Idle ---------> Watching
//!    ^  <-- EXEC / DISCARD --   |        ^  <-- UNWATCH, EXEC, DISCARD (after MULTI) --
//!    |                          |
//!    |   SELECT n (outside MULTI): db = n     SELECT inside MULTI: Tainted
//!    |   SUBSCRIBE family: Subscribed (until RESET)
//!    |   CLIENT REPLY OFF: replies off; ON: on; SKIP: the next reply is skipped
//!    |   AUTH, HELLO, MONITOR, QUIT, CLIENT REPLY, CLIENT TRACKING ON: Tainted
//!    |   CLIENT SETNAME / SETINFO / NO-EVICT / NO-TOUCH / CAPA / CACHING: Tainted
//!    +-- RESET: db 0, no MULTI, no WATCH, not subscribed, replies on (still Tainted)
//!        SHUTDOWN answered by the end of the stream: Closed
//! ```
//!
//! A connection is reusable by a pool only in the idle state, on the pool's db, untainted
//! ([`State::dirty`]).

use crate::command_facts::{Effect, ReplyMode};

/// Why a connection cannot be put back into a pool, if it cannot.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Dirty {
    Broken,
    InMulti,
    Watching,
    Subscribed,
    PendingReplies,
    OtherDb,
    /// Connection-wide state the pool cannot undo: CLIENT REPLY, CLIENT TRACKING, MONITOR,
    /// RESET, AUTH, HELLO, and the settings of CLIENT SETNAME, NO-EVICT, NO-TOUCH, ...
    Tainted,
}

/// The server-side state of one connection.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(crate) struct State {
    pub db: u32,
    pub in_multi: bool,
    pub watching: bool,
    pub subscribed: bool,
    pub tainted: bool,
    /// `CLIENT REPLY OFF` in force: the server answers nothing until `CLIENT REPLY ON`.
    pub replies_off: bool,
    /// `CLIENT REPLY SKIP` was sent: the server will not answer the next command.
    pub skip_next_reply: bool,
    /// A SHUTDOWN closed the connection.
    pub closed: bool,
}

impl State {
    /// Bookkeeping before a command leaves: what it will do to the connection's state.
    pub fn before_send(&mut self, effect: Effect) {
        match effect {
            Effect::Subscribe => self.subscribed = true,
            Effect::Monitor | Effect::Reset | Effect::Auth | Effect::Quit => self.tainted = true,
            Effect::ClientReply(_) | Effect::ClientTracking(true) => self.tainted = true,
            // A name, a flag or library info set by the caller is not the pool's: the next
            // borrower must not inherit it (the handshake's own SETNAME is cleared by
            // `handshake_done`).
            Effect::ClientSetting => self.tainted = true,
            // Takes effect at EXEC, which may or may not run: we can no longer know the db.
            Effect::Select(_) if self.in_multi => self.tainted = true,
            _ => {}
        }
    }

    /// Whether the server will answer a command, as `CLIENT REPLY` left it; updates that
    /// state. Called once per command sent alone.
    pub fn reply_expected(&mut self, effect: Effect) -> bool {
        let skip = std::mem::take(&mut self.skip_next_reply);
        match effect {
            Effect::Reset => {
                // RESET turns replies back on, but a pending SKIP still swallows its reply.
                self.replies_off = false;
                !skip
            }
            Effect::ClientReply(ReplyMode::On) => {
                self.replies_off = false;
                true
            }
            Effect::ClientReply(ReplyMode::Off) => {
                self.replies_off = true;
                false
            }
            Effect::ClientReply(ReplyMode::Skip) => {
                self.skip_next_reply = !self.replies_off;
                false
            }
            _ => !skip && !self.replies_off,
        }
    }

    /// Bookkeeping after a command's reply arrived (error replies included).
    pub fn after_reply(&mut self, effect: Effect) {
        match effect {
            Effect::Select(Some(db)) if !self.in_multi => self.db = db,
            Effect::Multi => self.in_multi = true,
            Effect::EndMulti => {
                if self.in_multi {
                    self.watching = false;
                }
                self.in_multi = false;
            }
            Effect::Watch => self.watching = true,
            Effect::Unwatch => self.watching = false,
            Effect::Reset => {
                // The server ended MULTI, WATCH and subscriptions and went back to db 0.
                self.db = 0;
                self.in_multi = false;
                self.watching = false;
                self.subscribed = false;
            }
            _ => {}
        }
    }

    /// The server ended the stream instead of answering: true (and the state is closed)
    /// when that is the command's success, as for a SHUTDOWN.
    pub fn closed_by_server(&mut self, effect: Effect) -> bool {
        let closed = effect == Effect::Shutdown;
        self.closed |= closed;
        closed
    }

    /// The connection's own handshake sent AUTH / HELLO: the pool's settings, not a taint.
    pub fn handshake_done(&mut self) {
        self.tainted = false;
    }

    /// Why the connection may not go back to a pool on `db`, if anything; `broken` and
    /// `pending` (replies or bytes not read yet) come from the I/O side.
    pub fn dirty(&self, db: u32, broken: bool, pending: bool) -> Option<Dirty> {
        if broken || self.closed {
            Some(Dirty::Broken)
        } else if self.in_multi {
            Some(Dirty::InMulti)
        } else if self.watching {
            Some(Dirty::Watching)
        } else if self.subscribed {
            Some(Dirty::Subscribed)
        } else if pending {
            Some(Dirty::PendingReplies)
        } else if self.db != db {
            Some(Dirty::OtherDb)
        } else if self.tainted {
            Some(Dirty::Tainted)
        } else {
            None
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cmd::cmd;

    /// Sends `c` as a lone request: before, reply expected?, and after the reply if any.
    fn run(s: &mut State, c: crate::Cmd) -> bool {
        let e = Effect::of(&c);
        s.before_send(e);
        let answered = s.reply_expected(e);
        s.after_reply(e);
        answered
    }

    #[test]
    fn idle_is_clean() {
        let s = State::default();
        assert_eq!(s.dirty(0, false, false), None);
        assert_eq!(s.dirty(0, true, false), Some(Dirty::Broken));
        assert_eq!(s.dirty(0, false, true), Some(Dirty::PendingReplies));
        assert_eq!(s.dirty(1, false, false), Some(Dirty::OtherDb));
    }

    #[test]
    fn multi_exec_discard() {
        let mut s = State::default();
        run(&mut s, cmd("MULTI"));
        assert!(s.in_multi);
        assert_eq!(s.dirty(0, false, false), Some(Dirty::InMulti));
        run(&mut s, cmd("EXEC"));
        assert!(!s.in_multi);
        run(&mut s, cmd("multi"));
        run(&mut s, cmd("discard"));
        assert_eq!(s.dirty(0, false, false), None);
    }

    #[test]
    fn watch_ends_with_unwatch_or_the_transaction() {
        let mut s = State::default();
        run(&mut s, cmd("WATCH").arg("k"));
        assert_eq!(s.dirty(0, false, false), Some(Dirty::Watching));
        run(&mut s, cmd("UNWATCH"));
        assert!(!s.watching);
        run(&mut s, cmd("WATCH").arg("k"));
        run(&mut s, cmd("EXEC"));
        assert!(s.watching, "EXEC without MULTI does not end a WATCH");
        run(&mut s, cmd("MULTI"));
        run(&mut s, cmd("EXEC"));
        assert!(!s.watching);
    }

    #[test]
    fn select_outside_and_inside_multi() {
        let mut s = State::default();
        run(&mut s, cmd("SELECT").arg(3));
        assert_eq!(s.db, 3);
        run(&mut s, cmd("SELECT").arg("nonsense"));
        assert_eq!(s.db, 3);
        run(&mut s, cmd("MULTI"));
        run(&mut s, cmd("SELECT").arg(5));
        assert_eq!(s.db, 3);
        assert!(s.tainted);
    }

    #[test]
    fn subscribed_until_reset() {
        let mut s = State::default();
        run(&mut s, cmd("PSUBSCRIBE").arg("p*"));
        assert_eq!(s.dirty(0, false, false), Some(Dirty::Subscribed));
        run(&mut s, cmd("SELECT").arg(2));
        run(&mut s, cmd("RESET"));
        assert!(!s.subscribed && s.db == 0 && !s.in_multi);
        assert_eq!(s.dirty(0, false, false), Some(Dirty::Tainted));
    }

    #[test]
    fn client_reply_off_on_skip() {
        let mut s = State::default();
        assert!(!run(&mut s, cmd("CLIENT REPLY").arg("OFF")));
        assert!(!run(&mut s, cmd("GET").arg("k")));
        assert!(run(&mut s, cmd("CLIENT REPLY").arg("ON")));
        assert!(run(&mut s, cmd("GET").arg("k")));
        assert!(!run(&mut s, cmd("CLIENT REPLY").arg("SKIP")));
        assert!(!run(&mut s, cmd("GET").arg("k")), "skipped");
        assert!(run(&mut s, cmd("GET").arg("k")));
        // SKIP under OFF changes nothing; RESET turns replies on.
        run(&mut s, cmd("CLIENT REPLY").arg("OFF"));
        assert!(!run(&mut s, cmd("CLIENT REPLY").arg("SKIP")));
        assert!(!s.skip_next_reply);
        assert!(run(&mut s, cmd("RESET")));
        // A pending SKIP swallows RESET's own reply.
        run(&mut s, cmd("CLIENT REPLY").arg("SKIP"));
        assert!(!run(&mut s, cmd("RESET")));
        assert!(run(&mut s, cmd("PING")));
        assert!(s.tainted);
    }

    #[test]
    fn taints() {
        for c in [
            cmd("AUTH").arg("pw"),
            cmd("HELLO").arg(3),
            cmd("MONITOR"),
            cmd("QUIT"),
            cmd("CLIENT TRACKING").arg("ON"),
            cmd("CLIENT REPLY").arg("ON"),
            cmd("CLIENT SETNAME").arg("other"),
            cmd("CLIENT NO-EVICT").arg("on"),
            cmd("CLIENT NO-TOUCH").arg("on"),
            cmd("CLIENT SETINFO").arg("LIB-NAME").arg("x"),
        ] {
            let mut s = State::default();
            s.before_send(Effect::of(&c));
            assert_eq!(s.dirty(0, false, false), Some(Dirty::Tainted), "{c:?}");
        }
        let mut s = State::default();
        run(&mut s, cmd("CLIENT TRACKING").arg("OFF"));
        assert!(!s.tainted);
        run(&mut s, cmd("AUTH").arg("pw"));
        s.handshake_done();
        assert_eq!(s.dirty(0, false, false), None);
    }

    #[test]
    fn shutdown_closes() {
        let mut s = State::default();
        assert!(!s.closed_by_server(Effect::of(&cmd("GET").arg("k"))));
        assert!(s.closed_by_server(Effect::of(&cmd("SHUTDOWN").arg("NOSAVE"))));
        assert_eq!(s.dirty(0, false, false), Some(Dirty::Broken));
    }
}
