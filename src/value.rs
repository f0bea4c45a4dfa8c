//! The raw reply: one variant per RESP2/RESP3 type.

use crate::error::ServerError;

/// A reply exactly as the server sent it, RESP2 or RESP3.
///
/// Most callers never see it: command methods convert replies into Rust types through
/// [`FromValue`](crate::FromValue). Ask for `Value` itself to get the raw reply.
#[derive(Clone, Debug, PartialEq)]
pub enum Value {
    /// `_` (RESP3 null), `$-1` (nil bulk) or `*-1` (nil array).
    Nil,
    /// `:` an integer.
    Int(i64),
    /// `$` a binary-safe bulk string.
    Bulk(Vec<u8>),
    /// `+` a simple status string such as `OK`.
    Simple(String),
    /// `-` or `!` an error reply, kept in place (inside arrays, pipelines, EXEC results).
    Error(ServerError),
    /// `*` an array.
    Array(Vec<Value>),
    /// `,` a RESP3 double.
    Double(f64),
    /// `#` a RESP3 boolean.
    Boolean(bool),
    /// `(` a RESP3 big number, as its decimal digits.
    BigNumber(String),
    /// `=` a RESP3 verbatim string: a three-letter format (`txt`, `mkd`) and the text.
    Verbatim {
        /// The three-byte format, e.g. `txt`.
        format: String,
        /// The text itself.
        text: Vec<u8>,
    },
    /// `%` a RESP3 map, as ordered pairs.
    Map(Vec<(Value, Value)>),
    /// `~` a RESP3 set.
    Set(Vec<Value>),
    /// `|` RESP3 attributes followed by the value they describe.
    Attribute {
        /// The attribute pairs.
        attributes: Vec<(Value, Value)>,
        /// The reply they are attached to.
        value: Box<Value>,
    },
    /// `>` a RESP3 out-of-band push message (pub/sub, client tracking invalidation).
    Push(Vec<Value>),
}

impl Value {
    /// True for [`Value::Nil`].
    pub fn is_nil(&self) -> bool {
        matches!(self, Value::Nil)
    }

    /// A short name of the RESP type, for error messages.
    pub fn kind_name(&self) -> &'static str {
        match self {
            Value::Nil => "nil",
            Value::Int(_) => "integer",
            Value::Bulk(_) => "bulk string",
            Value::Simple(_) => "simple string",
            Value::Error(_) => "error",
            Value::Array(_) => "array",
            Value::Double(_) => "double",
            Value::Boolean(_) => "boolean",
            Value::BigNumber(_) => "big number",
            Value::Verbatim { .. } => "verbatim string",
            Value::Map(_) => "map",
            Value::Set(_) => "set",
            Value::Attribute { .. } => "attribute",
            Value::Push(_) => "push",
        }
    }

    /// The value with any RESP3 attributes removed.
    pub fn strip_attributes(self) -> Value {
        match self {
            Value::Attribute { value, .. } => value.strip_attributes(),
            v => v,
        }
    }

    /// The bytes of a string-like value (bulk, simple, verbatim), if it is one.
    pub fn as_bytes(&self) -> Option<&[u8]> {
        match self {
            Value::Bulk(b) => Some(b),
            Value::Simple(s) => Some(s.as_bytes()),
            Value::Verbatim { text, .. } => Some(text),
            Value::BigNumber(s) => Some(s.as_bytes()),
            _ => None,
        }
    }
}
