//! Publish/subscribe: [`PubSub`] (its docs are on the type), [`Message`] (in `message.rs`),
//! [`Listen`].

mod message;

use std::collections::BTreeSet;
use std::fmt;
use std::time::Duration;

use crate::args::{ToArg, ToArgs};
use crate::cmd::{cmd, Cmd};
use crate::config::Protocol;
use crate::connection::auth_cmd;
use crate::error::Result;
use crate::pool::{ConnectionPool, PooledConnection};
use crate::value::Value;

pub use message::{Message, MessageKind};

/// A pub/sub session, as redis-py's `PubSub`; made by [`StrictRedis::pubsub`](crate::StrictRedis::pubsub).
///
/// Publish/subscribe, as redis-py's `PubSub`: one connection owned while subscribed,
/// channels, patterns and shard channels, messages read with a timeout or as a blocking
/// iterator, RESP2 (arrays) and RESP3 (push frames) alike.
///
/// ```no_run
/// use std::time::Duration;
/// use strictredis::MessageKind;
/// # let r = strictredis::StrictRedis::from_url("redis://127.0.0.1/")?;
/// let mut ps = r.pubsub();
/// ps.subscribe(&["news"])?;
/// ps.psubscribe(&["news.*"])?;
/// while let Some(m) = ps.get_message(Duration::from_millis(500))? {
///     if m.kind() == MessageKind::Message {
///         println!("{}: {}", m.channel_str()?, m.payload_str()?);
///     }
/// }
/// # Ok::<(), strictredis::Error>(())
/// ```
///
/// The connection is taken from the client's pool at the first command and is never given
/// back: a subscribed connection is closed when the [`PubSub`] drops. When the connection
/// breaks (the server restarted, the client was killed), the next read opens a new one and
/// subscribes again to every channel, pattern and shard channel; the server's confirmations
/// then arrive as messages, as after the first subscribe.
pub struct PubSub {
    pool: ConnectionPool,
    conn: Option<PooledConnection>,
    channels: BTreeSet<Vec<u8>>,
    patterns: BTreeSet<Vec<u8>>,
    shard_channels: BTreeSet<Vec<u8>>,
    ignore_subscribe_messages: bool,
    /// On a cluster, where the shard channels live (one connection per node that serves
    /// them); `None`: on [`conn`](Self::conn) with everything else.
    shards: Option<Box<dyn ShardSessions>>,
    /// Replies owed to the `AUTH`s sent while subscribed (RESP3) after the credential
    /// provider's answer changed.
    auth_replies: usize,
}

/// The shard channels of a cluster's [`PubSub`]: `SSUBSCRIBE` goes to the node serving
/// each channel's slot, over one connection per node, and the subscriptions follow their
/// slots when they move. The cluster client implements it (`src/cluster/pubsub.rs`).
pub(crate) trait ShardSessions: Send {
    /// Subscribes to `channels` (new to the session), each on its slot's node.
    fn subscribe(&mut self, channels: &[Vec<u8>]) -> Result<()>;
    /// Unsubscribes from `channels`, or from every shard channel when `channels` is empty.
    fn unsubscribe(&mut self, channels: &[Vec<u8>]) -> Result<()>;
    /// The next message of any of the nodes' connections within `timeout`; `Ok(None)` when
    /// none came. Resubscribes what a moved slot or a broken connection dropped.
    fn read(&mut self, timeout: Duration) -> Result<Option<Message>>;
    /// True while at least one connection is held.
    fn is_connected(&self) -> bool;
    /// A connection for the session's own channels and patterns: from `first` (the pool
    /// the session was made with) or from the last pool that worked, else from any other
    /// node that can be reached.
    fn main_connection(&mut self, first: &ConnectionPool) -> Result<PooledConnection>;
}

/// How long [`PubSub::get_message`] waits on one of a cluster session's connections before
/// it looks at the others.
pub(crate) const POLL_SLICE: Duration = Duration::from_millis(10);

impl fmt::Debug for PubSub {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PubSub")
            .field("connected", &self.conn.is_some())
            .field("channels", &self.channels.len())
            .field("patterns", &self.patterns.len())
            .field("shard_channels", &self.shard_channels.len())
            .finish()
    }
}

/// Which family of subscription a command changes.
#[derive(Clone, Copy)]
enum Family {
    Channel,
    Pattern,
    Shard,
}

impl Family {
    fn subscribe(self) -> &'static str {
        match self {
            Family::Channel => "SUBSCRIBE",
            Family::Pattern => "PSUBSCRIBE",
            Family::Shard => "SSUBSCRIBE",
        }
    }

    fn unsubscribe(self) -> &'static str {
        match self {
            Family::Channel => "UNSUBSCRIBE",
            Family::Pattern => "PUNSUBSCRIBE",
            Family::Shard => "SUNSUBSCRIBE",
        }
    }
}

fn collect(names: &impl ToArgs) -> Vec<Vec<u8>> {
    let mut out = Vec::with_capacity(names.arg_count());
    names.for_each_arg(&mut |b| out.push(b.to_vec()));
    out
}

impl PubSub {
    /// A session over `pool`; no connection is taken until the first command.
    pub fn new(pool: ConnectionPool) -> PubSub {
        PubSub {
            pool,
            conn: None,
            channels: BTreeSet::new(),
            patterns: BTreeSet::new(),
            shard_channels: BTreeSet::new(),
            ignore_subscribe_messages: false,
            shards: None,
            auth_replies: 0,
        }
    }

    /// A session over `pool` whose shard channels are handled by `shards` (a cluster's).
    pub(crate) fn with_shards(pool: ConnectionPool, shards: Box<dyn ShardSessions>) -> PubSub {
        PubSub {
            shards: Some(shards),
            ..PubSub::new(pool)
        }
    }

    /// redis-py's `ignore_subscribe_messages`: when true, [`get_message`](Self::get_message)
    /// and [`listen`](Self::listen) skip the six (un)subscribe confirmations.
    pub fn ignore_subscribe_messages(mut self, ignore: bool) -> PubSub {
        self.ignore_subscribe_messages = ignore;
        self
    }

    fn set(&mut self, family: Family) -> &mut BTreeSet<Vec<u8>> {
        match family {
            Family::Channel => &mut self.channels,
            Family::Pattern => &mut self.patterns,
            Family::Shard => &mut self.shard_channels,
        }
    }

    /// Subscribes to `channels` (`SUBSCRIBE`). The confirmations arrive as
    /// [`MessageKind::Subscribe`] messages. An empty list does nothing.
    pub fn subscribe(&mut self, channels: impl ToArgs) -> Result<()> {
        self.add(Family::Channel, collect(&channels))
    }

    /// Subscribes to the glob-style `patterns` (`PSUBSCRIBE`).
    pub fn psubscribe(&mut self, patterns: impl ToArgs) -> Result<()> {
        self.add(Family::Pattern, collect(&patterns))
    }

    /// Subscribes to the shard channels `channels` (`SSUBSCRIBE`, Redis 7.0+).
    pub fn ssubscribe(&mut self, channels: impl ToArgs) -> Result<()> {
        self.add(Family::Shard, collect(&channels))
    }

    /// Unsubscribes from `channels` (`UNSUBSCRIBE`); an empty list unsubscribes from every
    /// channel, as [`unsubscribe_all`](Self::unsubscribe_all).
    pub fn unsubscribe(&mut self, channels: impl ToArgs) -> Result<()> {
        self.remove(Family::Channel, collect(&channels))
    }

    /// Unsubscribes from `patterns` (`PUNSUBSCRIBE`); an empty list from every pattern.
    pub fn punsubscribe(&mut self, patterns: impl ToArgs) -> Result<()> {
        self.remove(Family::Pattern, collect(&patterns))
    }

    /// Unsubscribes from the shard channels `channels` (`SUNSUBSCRIBE`); an empty list from
    /// every shard channel.
    pub fn sunsubscribe(&mut self, channels: impl ToArgs) -> Result<()> {
        self.remove(Family::Shard, collect(&channels))
    }

    /// Unsubscribes from every channel (`UNSUBSCRIBE` without arguments).
    pub fn unsubscribe_all(&mut self) -> Result<()> {
        self.remove(Family::Channel, Vec::new())
    }

    /// Unsubscribes from every pattern (`PUNSUBSCRIBE` without arguments).
    pub fn punsubscribe_all(&mut self) -> Result<()> {
        self.remove(Family::Pattern, Vec::new())
    }

    /// Unsubscribes from every shard channel (`SUNSUBSCRIBE` without arguments).
    pub fn sunsubscribe_all(&mut self) -> Result<()> {
        self.remove(Family::Shard, Vec::new())
    }

    /// Sends `PING`; the answer arrives as a [`MessageKind::Pong`] message. Checks that the
    /// connection is alive while waiting for messages (redis-py's `PubSub.ping`).
    pub fn ping(&mut self) -> Result<()> {
        self.send(cmd("PING"))
    }

    /// Sends `PING message`; the pong's payload is `message`.
    pub fn ping_with(&mut self, message: impl ToArg) -> Result<()> {
        self.send(cmd("PING").arg(message))
    }

    /// The channels subscribed to (as asked for; the server confirms asynchronously).
    pub fn channels(&self) -> impl Iterator<Item = &[u8]> {
        self.channels.iter().map(Vec::as_slice)
    }

    /// The patterns subscribed to.
    pub fn patterns(&self) -> impl Iterator<Item = &[u8]> {
        self.patterns.iter().map(Vec::as_slice)
    }

    /// The shard channels subscribed to.
    pub fn shard_channels(&self) -> impl Iterator<Item = &[u8]> {
        self.shard_channels.iter().map(Vec::as_slice)
    }

    /// True while at least one channel, pattern or shard channel is subscribed to.
    pub fn is_subscribed(&self) -> bool {
        !(self.channels.is_empty() && self.patterns.is_empty() && self.shard_channels.is_empty())
    }

    /// True while this session holds a connection.
    pub fn is_connected(&self) -> bool {
        self.conn.is_some() || self.shards.as_ref().is_some_and(|s| s.is_connected())
    }

    fn add(&mut self, family: Family, names: Vec<Vec<u8>>) -> Result<()> {
        if names.is_empty() {
            return Ok(());
        }
        if let (Family::Shard, Some(shards)) = (family, self.shards.as_mut()) {
            let new: Vec<Vec<u8>> = names
                .into_iter()
                .filter(|n| !self.shard_channels.contains(n))
                .collect();
            self.shard_channels.extend(new.iter().cloned());
            return shards.subscribe(&new);
        }
        let c = cmd(family.subscribe()).args(&names);
        self.set(family).extend(names);
        self.send(c)
    }

    fn remove(&mut self, family: Family, names: Vec<Vec<u8>>) -> Result<()> {
        if names.is_empty() {
            self.set(family).clear();
        } else {
            let set = self.set(family);
            for n in &names {
                set.remove(n);
            }
        }
        if let (Family::Shard, Some(shards)) = (family, self.shards.as_mut()) {
            return shards.unsubscribe(&names);
        }
        if self.conn.is_none() {
            // No connection, no subscription on the server: nothing to undo.
            return Ok(());
        }
        self.send(cmd(family.unsubscribe()).args(&names))
    }

    /// Sends `c` on the connection (opening one first if needed). A connection that fails
    /// is replaced once: the new one subscribes to everything recorded, which includes what
    /// `c` asked for if `c` subscribes.
    /// When the pool's credential provider answered differently since this connection
    /// authenticated: over RESP3, sends `AUTH` while subscribed (its reply is read with the
    /// messages); over RESP2, which refuses it there, takes a new connection that
    /// subscribes again.
    fn follow_credentials(&mut self) -> Result<()> {
        let Some(conn) = self.conn.as_mut() else {
            return Ok(());
        };
        let Some((creds, generation)) = self.pool.stale_credentials(conn) else {
            return Ok(());
        };
        if conn.protocol() == Protocol::Resp3 {
            let auth = auth_cmd(creds.username.as_deref(), &creds.password);
            if conn.send(&auth).is_ok() {
                conn.set_auth_generation(generation);
                self.auth_replies += 1;
                return Ok(());
            }
        }
        log::debug!("credentials changed: a new pub/sub connection subscribes again");
        self.reconnect()
    }

    fn send(&mut self, c: Cmd) -> Result<()> {
        self.follow_credentials()?;
        let fresh = self.conn.is_none();
        self.connect()?;
        let conn = self.conn.as_mut().expect("connected above");
        if fresh && is_subscribe(&c) {
            // `connect` has just subscribed to everything, `c`'s names included.
            return Ok(());
        }
        match conn.send(&c) {
            Ok(()) => Ok(()),
            Err(e) if e.is_connection_error() => {
                self.conn = None;
                self.connect()?;
                if is_subscribe(&c) {
                    Ok(())
                } else {
                    let conn = self.conn.as_mut().expect("connected above");
                    conn.send(&c)
                }
            }
            Err(e) => Err(e),
        }
    }

    /// Takes a connection if none is held, and subscribes it to everything recorded (in
    /// one write).
    fn connect(&mut self) -> Result<()> {
        if self.conn.is_some() {
            return Ok(());
        }
        let mut conn = match self.shards.as_mut() {
            Some(shards) => shards.main_connection(&self.pool)?,
            None => self.pool.get()?,
        };
        self.auth_replies = 0;
        let mut cmds = Vec::with_capacity(3);
        for (family, set) in [
            (Family::Channel, &self.channels),
            (Family::Pattern, &self.patterns),
            (Family::Shard, &self.shard_channels),
        ] {
            if matches!(family, Family::Shard) && self.shards.is_some() {
                continue;
            }
            if !set.is_empty() {
                let mut c = cmd(family.subscribe());
                for name in set {
                    c.push_arg(name);
                }
                cmds.push(c);
            }
        }
        for c in &cmds {
            conn.write_cmd(c)?;
        }
        conn.flush()?;
        self.conn = Some(conn);
        Ok(())
    }

    /// Drops a broken connection and, when anything is subscribed, takes a new one that
    /// subscribes again.
    fn reconnect(&mut self) -> Result<()> {
        self.conn = None;
        if self.main_subscribed() {
            crate::observe::pubsub_reconnect();
            self.connect()?;
        }
        Ok(())
    }

    /// The next message, waiting up to `timeout` for one; `Ok(None)` when nothing came in
    /// time (redis-py's `get_message(timeout=...)`). `Duration::ZERO` only looks at what has
    /// already arrived.
    ///
    /// Holding no connection and nothing subscribed, it waits out the timeout and returns
    /// `None`, so that a polling loop does not spin.
    ///
    /// A connection that breaks is replaced (once per call) by one that subscribes again to
    /// everything; the confirmations then arrive as messages.
    ///
    /// On a cluster ([`RedisCluster::pubsub`](crate::cluster::RedisCluster::pubsub)), the
    /// shard channels' connections (one per node) are read in turn, 10 ms each while nothing
    /// arrives, and their messages merged into this one stream.
    pub fn get_message(&mut self, timeout: Duration) -> Result<Option<Message>> {
        // `Duration::MAX` (too far for an `Instant`) waits as long as the socket allows.
        let deadline = crate::time::deadline_in(Some(timeout));
        if self.shards.is_none() {
            return self.read_main(deadline, &mut false);
        }
        let mut reconnected = false;
        loop {
            let left = crate::time::left(deadline).unwrap_or(Duration::MAX);
            let slice = left.min(POLL_SLICE);
            let main = self.main_subscribed() || self.conn.is_some();
            if main {
                let until = crate::time::deadline_in(Some(slice));
                if let Some(m) = self.read_main(until, &mut reconnected)? {
                    return Ok(Some(m));
                }
            }
            let shards = self.shards.as_mut().expect("checked above");
            let wait = if main { slice } else { left };
            if let Some(m) = shards.read(wait)? {
                if !(self.ignore_subscribe_messages && m.kind().is_subscription_change()) {
                    return Ok(Some(m));
                }
            }
            if left.is_zero() || crate::time::left(deadline).is_some_and(|d| d.is_zero()) {
                return Ok(None);
            }
        }
    }

    /// True while a channel or pattern is subscribed to on the session's own connection
    /// (shard channels too, when no cluster handles them).
    fn main_subscribed(&self) -> bool {
        !(self.channels.is_empty()
            && self.patterns.is_empty()
            && (self.shards.is_some() || self.shard_channels.is_empty()))
    }

    /// [`get_message`](Self::get_message) on the session's own connection, until
    /// `deadline`.
    fn read_main(
        &mut self,
        deadline: Option<std::time::Instant>,
        reconnected: &mut bool,
    ) -> Result<Option<Message>> {
        loop {
            if self.conn.is_none() {
                if self.main_subscribed() {
                    self.connect()?;
                } else {
                    let left = crate::time::left(deadline).unwrap_or(Duration::MAX);
                    if !left.is_zero() {
                        std::thread::sleep(left);
                    }
                    return Ok(None);
                }
            }
            self.follow_credentials()?;
            let left = crate::time::left(deadline).unwrap_or(Duration::MAX);
            let Some(conn) = self.conn.as_mut() else {
                continue;
            };
            match conn.read_value_timeout(left) {
                Ok(None) => return Ok(None),
                Ok(Some(v)) if self.auth_replies > 0 && is_auth_reply(&v) => {
                    self.auth_replies -= 1;
                    if let Value::Error(e) = v {
                        log::warn!("AUTH while subscribed was refused ({e}): reconnecting");
                        self.reconnect()?;
                    }
                }
                Ok(Some(v)) => match Message::from_wire(v)? {
                    Some(m)
                        if self.ignore_subscribe_messages && m.kind().is_subscription_change() => {}
                    Some(m) => return Ok(Some(m)),
                    None => {}
                },
                Err(e) if e.is_connection_error() && !*reconnected => {
                    log::debug!("pub/sub read failed: {e}");
                    *reconnected = true;
                    self.reconnect()?;
                }
                Err(e) => {
                    if e.is_connection_error() {
                        self.conn = None;
                    }
                    return Err(e);
                }
            }
        }
    }

    /// A blocking iterator over the messages, as redis-py's `listen()`: each item waits as
    /// long as it takes. It ends when nothing is subscribed any more.
    ///
    /// ```no_run
    /// # let r = strictredis::StrictRedis::from_url("redis://127.0.0.1/")?;
    /// let mut ps = r.pubsub().ignore_subscribe_messages(true);
    /// ps.subscribe("jobs")?;
    /// for m in ps.listen() {
    ///     let m = m?;
    ///     if m.payload() == b"stop" {
    ///         break;
    ///     }
    /// }
    /// # Ok::<(), strictredis::Error>(())
    /// ```
    pub fn listen(&mut self) -> Listen<'_> {
        Listen { pubsub: self }
    }
}

/// The reply of an `AUTH` sent while subscribed (RESP3): `+OK`, or an error.
fn is_auth_reply(v: &Value) -> bool {
    match v {
        Value::Simple(s) => s == "OK",
        Value::Error(_) => true,
        _ => false,
    }
}

fn is_subscribe(c: &Cmd) -> bool {
    crate::command_facts::Effect::subscribes(c)
}

/// The iterator of [`PubSub::listen`].
#[derive(Debug)]
pub struct Listen<'a> {
    pubsub: &'a mut PubSub,
}

impl Listen<'_> {
    /// The session being listened to (to subscribe or unsubscribe between messages).
    pub fn pubsub(&mut self) -> &mut PubSub {
        self.pubsub
    }
}

impl Iterator for Listen<'_> {
    type Item = Result<Message>;

    fn next(&mut self) -> Option<Result<Message>> {
        const WAIT: Duration = Duration::from_secs(3600);
        loop {
            if !self.pubsub.is_subscribed() {
                return None;
            }
            match self.pubsub.get_message(WAIT) {
                Ok(Some(m)) => return Some(Ok(m)),
                Ok(None) => continue,
                Err(e) => return Some(Err(e)),
            }
        }
    }
}
