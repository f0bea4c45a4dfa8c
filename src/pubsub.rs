//! Publish/subscribe: [`PubSub`] (its docs are on the type), [`Message`], [`Listen`].

use std::collections::BTreeSet;
use std::fmt;
use std::time::Duration;

use crate::args::{ToArg, ToArgs};
use crate::cmd::{cmd, Cmd};
use crate::error::{Error, Result};
use crate::from_value::FromValue;
use crate::pool::{ConnectionPool, PooledConnection};
use crate::value::Value;

/// What a [`Message`] is: a published message or the server's answer to one of our
/// commands.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum MessageKind {
    /// Confirmation of `SUBSCRIBE` for one channel.
    Subscribe,
    /// Confirmation of `UNSUBSCRIBE` for one channel.
    Unsubscribe,
    /// Confirmation of `PSUBSCRIBE` for one pattern.
    PSubscribe,
    /// Confirmation of `PUNSUBSCRIBE` for one pattern.
    PUnsubscribe,
    /// Confirmation of `SSUBSCRIBE` for one shard channel.
    SSubscribe,
    /// Confirmation of `SUNSUBSCRIBE` for one shard channel.
    SUnsubscribe,
    /// A message published to a subscribed channel (`PUBLISH`).
    Message,
    /// A message published to a channel matching a subscribed pattern.
    PMessage,
    /// A message published to a subscribed shard channel (`SPUBLISH`).
    SMessage,
    /// The answer to [`PubSub::ping`].
    Pong,
}

impl MessageKind {
    /// The kind's name as the server sends it: `message`, `pmessage`, `subscribe`, ...
    pub fn as_str(self) -> &'static str {
        match self {
            MessageKind::Subscribe => "subscribe",
            MessageKind::Unsubscribe => "unsubscribe",
            MessageKind::PSubscribe => "psubscribe",
            MessageKind::PUnsubscribe => "punsubscribe",
            MessageKind::SSubscribe => "ssubscribe",
            MessageKind::SUnsubscribe => "sunsubscribe",
            MessageKind::Message => "message",
            MessageKind::PMessage => "pmessage",
            MessageKind::SMessage => "smessage",
            MessageKind::Pong => "pong",
        }
    }

    fn parse(name: &[u8]) -> Option<MessageKind> {
        const ALL: [MessageKind; 10] = [
            MessageKind::Subscribe,
            MessageKind::Unsubscribe,
            MessageKind::PSubscribe,
            MessageKind::PUnsubscribe,
            MessageKind::SSubscribe,
            MessageKind::SUnsubscribe,
            MessageKind::Message,
            MessageKind::PMessage,
            MessageKind::SMessage,
            MessageKind::Pong,
        ];
        ALL.into_iter()
            .find(|k| k.as_str().as_bytes().eq_ignore_ascii_case(name))
    }

    /// True for the confirmations of (un)subscribe commands, all six of them.
    pub fn is_subscription_change(self) -> bool {
        matches!(
            self,
            MessageKind::Subscribe
                | MessageKind::Unsubscribe
                | MessageKind::PSubscribe
                | MessageKind::PUnsubscribe
                | MessageKind::SSubscribe
                | MessageKind::SUnsubscribe
        )
    }
}

impl fmt::Display for MessageKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One message read from a [`PubSub`]: a published message, a (un)subscribe confirmation or
/// a pong.
#[derive(Clone, PartialEq, Eq)]
pub struct Message {
    kind: MessageKind,
    channel: Vec<u8>,
    pattern: Option<Vec<u8>>,
    payload: Vec<u8>,
    count: Option<u64>,
}

impl fmt::Debug for Message {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut d = f.debug_struct("Message");
        d.field("kind", &self.kind)
            .field("channel", &String::from_utf8_lossy(&self.channel));
        if let Some(p) = &self.pattern {
            d.field("pattern", &String::from_utf8_lossy(p));
        }
        if let Some(n) = self.count {
            d.field("count", &n);
        }
        d.field("payload_len", &self.payload.len()).finish()
    }
}

fn utf8<'a>(b: &'a [u8], what: &str) -> Result<&'a str> {
    std::str::from_utf8(b).map_err(|_| Error::Type(format!("the {what} is not valid UTF-8")))
}

impl Message {
    /// What this message is.
    pub fn kind(&self) -> MessageKind {
        self.kind
    }

    /// The channel: where a message was published, or which channel, pattern or shard
    /// channel a (un)subscribe confirmation is about (empty when the server named none, as
    /// for an `UNSUBSCRIBE` while subscribed to nothing, and for a pong).
    pub fn channel(&self) -> &[u8] {
        &self.channel
    }

    /// The pattern that matched, for [`MessageKind::PMessage`] only.
    pub fn pattern(&self) -> Option<&[u8]> {
        self.pattern.as_deref()
    }

    /// The published data; for a pong, the text given to `PING` (empty when none was).
    /// Empty for (un)subscribe confirmations.
    pub fn payload(&self) -> &[u8] {
        &self.payload
    }

    /// The channel as text; [`Error::Type`] when it is not UTF-8.
    pub fn channel_str(&self) -> Result<&str> {
        utf8(&self.channel, "channel")
    }

    /// The pattern as text, for [`MessageKind::PMessage`]; [`Error::Type`] when not UTF-8.
    pub fn pattern_str(&self) -> Result<Option<&str>> {
        self.pattern
            .as_deref()
            .map(|p| utf8(p, "pattern"))
            .transpose()
    }

    /// The payload as text; [`Error::Type`] when it is not UTF-8.
    pub fn payload_str(&self) -> Result<&str> {
        utf8(&self.payload, "payload")
    }

    /// The payload converted as a bulk-string reply would be: `m.payload_as::<i64>()?`.
    pub fn payload_as<T: FromValue>(&self) -> Result<T> {
        T::from_value(Value::Bulk(self.payload.clone()))
    }

    /// The payload, taking it out of the message.
    pub fn into_payload(self) -> Vec<u8> {
        self.payload
    }

    /// For a (un)subscribe confirmation, how many subscriptions the connection has after
    /// it (as the server counts them); `None` for other kinds.
    pub fn subscription_count(&self) -> Option<u64> {
        self.count
    }

    /// Builds a message out of one value read on a pub/sub connection. `Ok(None)` for a
    /// push this module does not know (a client-tracking invalidation, say).
    fn from_wire(v: Value) -> Result<Option<Message>> {
        let pong = |payload: Vec<u8>| Message {
            kind: MessageKind::Pong,
            channel: Vec::new(),
            pattern: None,
            payload,
            count: None,
        };
        let items = match v.strip_attributes() {
            Value::Array(items) | Value::Push(items) => items,
            // RESP3 (or a connection not subscribed yet) answers PING as usual.
            Value::Simple(s) if s.eq_ignore_ascii_case("PONG") => return Ok(Some(pong(vec![]))),
            Value::Bulk(b) => return Ok(Some(pong(b))),
            Value::Error(e) => return Err(Error::Server(e)),
            other => {
                return Err(Error::Protocol(format!(
                    "unexpected {} on a pub/sub connection",
                    other.kind_name()
                )))
            }
        };
        let mut it = items.into_iter();
        let Some(name) = it.next() else {
            return Err(Error::Protocol(
                "empty array on a pub/sub connection".into(),
            ));
        };
        let Some(kind) = name.as_bytes().and_then(MessageKind::parse) else {
            log::debug!("skipping an unknown pub/sub push");
            return Ok(None);
        };
        let rest: Vec<Value> = it.collect();
        let n = rest.len() + 1;
        let bad = |_| Error::Protocol(format!("malformed {kind} message: {n} elements"));
        let bytes = |v: Value| -> Result<Vec<u8>> {
            match v {
                Value::Nil => Ok(Vec::new()),
                v => Vec::<u8>::from_value(v),
            }
        };
        let msg = match kind {
            k if k.is_subscription_change() => {
                let [channel, count]: [Value; 2] = rest.try_into().map_err(bad)?;
                Message {
                    kind,
                    channel: bytes(channel)?,
                    pattern: None,
                    payload: Vec::new(),
                    count: Some(u64::from_value(count)?),
                }
            }
            MessageKind::Message | MessageKind::SMessage => {
                let [channel, payload]: [Value; 2] = rest.try_into().map_err(bad)?;
                Message {
                    kind,
                    channel: bytes(channel)?,
                    pattern: None,
                    payload: bytes(payload)?,
                    count: None,
                }
            }
            MessageKind::PMessage => {
                let [pattern, channel, payload]: [Value; 3] = rest.try_into().map_err(bad)?;
                Message {
                    kind,
                    channel: bytes(channel)?,
                    pattern: Some(bytes(pattern)?),
                    payload: bytes(payload)?,
                    count: None,
                }
            }
            _ => {
                // ["pong", payload] (RESP2 while subscribed).
                let payload = rest.into_iter().next().map(bytes).transpose()?;
                pong(payload.unwrap_or_default())
            }
        };
        Ok(Some(msg))
    }
}

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
}

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
        self.conn.is_some()
    }

    fn add(&mut self, family: Family, names: Vec<Vec<u8>>) -> Result<()> {
        if names.is_empty() {
            return Ok(());
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
        if self.conn.is_none() {
            // No connection, no subscription on the server: nothing to undo.
            return Ok(());
        }
        self.send(cmd(family.unsubscribe()).args(&names))
    }

    /// Sends `c` on the connection (opening one first if needed). A connection that fails
    /// is replaced once: the new one subscribes to everything recorded, which includes what
    /// `c` asked for if `c` subscribes.
    fn send(&mut self, c: Cmd) -> Result<()> {
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
        let mut conn = self.pool.get()?;
        let mut cmds = Vec::with_capacity(3);
        for (family, set) in [
            (Family::Channel, &self.channels),
            (Family::Pattern, &self.patterns),
            (Family::Shard, &self.shard_channels),
        ] {
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
        if self.is_subscribed() {
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
    pub fn get_message(&mut self, timeout: Duration) -> Result<Option<Message>> {
        // `Duration::MAX` (too far for an `Instant`) waits as long as the socket allows.
        let deadline = crate::time::deadline_in(Some(timeout));
        let mut reconnected = false;
        loop {
            if self.conn.is_none() {
                if self.is_subscribed() {
                    self.connect()?;
                } else {
                    let left = crate::time::left(deadline).unwrap_or(Duration::MAX);
                    if !left.is_zero() {
                        std::thread::sleep(left);
                    }
                    return Ok(None);
                }
            }
            let left = crate::time::left(deadline).unwrap_or(Duration::MAX);
            let conn = self.conn.as_mut().expect("connected above");
            match conn.read_value_timeout(left) {
                Ok(None) => return Ok(None),
                Ok(Some(v)) => match Message::from_wire(v)? {
                    Some(m)
                        if self.ignore_subscribe_messages && m.kind.is_subscription_change() => {}
                    Some(m) => return Ok(Some(m)),
                    None => {}
                },
                Err(e) if e.is_connection_error() && !reconnected => {
                    log::debug!("pub/sub read failed: {e}");
                    reconnected = true;
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

#[cfg(test)]
mod tests {
    use super::*;

    fn bulk(s: &str) -> Value {
        Value::Bulk(s.as_bytes().to_vec())
    }

    #[test]
    fn resp2_and_resp3_forms_parse_alike() {
        let items = vec![
            bulk("pmessage"),
            bulk("news.*"),
            bulk("news.eu"),
            bulk("hi"),
        ];
        let a = Message::from_wire(Value::Array(items.clone()))
            .unwrap()
            .unwrap();
        let b = Message::from_wire(Value::Push(items)).unwrap().unwrap();
        assert_eq!(a, b);
        assert_eq!(a.kind(), MessageKind::PMessage);
        assert_eq!(a.pattern(), Some(&b"news.*"[..]));
        assert_eq!(a.channel(), b"news.eu");
        assert_eq!(a.payload(), b"hi");
    }

    #[test]
    fn confirmations_carry_the_count() {
        let m = Message::from_wire(Value::Push(vec![
            bulk("unsubscribe"),
            Value::Nil,
            Value::Int(0),
        ]))
        .unwrap()
        .unwrap();
        assert_eq!(m.kind(), MessageKind::Unsubscribe);
        assert_eq!(m.channel(), b"");
        assert_eq!(m.subscription_count(), Some(0));
    }

    #[test]
    fn pongs_in_every_form() {
        for (v, payload) in [
            (Value::Array(vec![bulk("pong"), bulk("")]), &b""[..]),
            (Value::Array(vec![bulk("pong"), bulk("x")]), b"x"),
            (Value::Simple("PONG".into()), b""),
            (bulk("x"), b"x"),
        ] {
            let m = Message::from_wire(v).unwrap().unwrap();
            assert_eq!(m.kind(), MessageKind::Pong);
            assert_eq!(m.payload(), payload);
        }
    }

    #[test]
    fn malformed_messages_are_errors_and_unknown_pushes_skipped() {
        assert!(matches!(
            Message::from_wire(Value::Array(vec![bulk("message"), bulk("c")])),
            Err(Error::Protocol(_))
        ));
        assert!(matches!(
            Message::from_wire(Value::Int(1)),
            Err(Error::Protocol(_))
        ));
        assert!(
            Message::from_wire(Value::Push(vec![bulk("invalidate"), Value::Nil]))
                .unwrap()
                .is_none()
        );
    }
}
