//! [`Message`] and [`MessageKind`]: one value read on a pub/sub connection, taken apart.

use std::fmt;

use crate::error::{Error, Result};
use crate::from_value::FromValue;
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
    /// The answer to [`PubSub::ping`](crate::PubSub::ping).
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

/// One message read from a [`PubSub`](crate::PubSub): a published message, a (un)subscribe
/// confirmation or a pong.
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
    pub(crate) fn from_wire(v: Value) -> Result<Option<Message>> {
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
