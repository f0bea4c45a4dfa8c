//! Taking replies apart: the one home of the helpers that the conversions
//! ([`FromValue`](super::FromValue)), the command groups' typed replies, the cluster's topology
//! and Sentinel's discovery read replies with.
//!
//! Two kinds, one style of naming:
//! - strict helpers return `Result` and name the wanted type in their error (`into_items`,
//!   `into_pairs`, `reply_fields`, [`ReplyFields`], `items_between`, ...): for typed replies,
//!   where a wrong shape is the caller's (or the server's) mistake to report;
//! - lenient helpers return `Option` (`text`, `int`, `pair_up`): for discovery replies, where
//!   an odd node or field is skipped rather than failing the whole topology.

use std::collections::BTreeMap;

use super::FromValue;
use crate::error::{Error, Result};
use crate::value::Value;

/// A type error: a `kind` reply cannot be read as `want`.
pub(crate) fn type_err<T>(v: &Value, want: &str) -> Result<T> {
    let kind = v.kind_name();
    let article = if kind.starts_with(['a', 'e', 'i', 'o', 'u']) {
        "an"
    } else {
        "a"
    };
    Err(Error::Type(format!(
        "cannot convert {article} {kind} reply into {want}"
    )))
}

/// Converts the reply of the command method `method` into `T`; a failed conversion's
/// text then says which command answered and which Rust type was asked for:
/// "get: cannot convert an array reply into String (asked for Option<String>)". Used by
/// every generated command method.
pub(crate) fn convert<T: FromValue>(v: Value, method: &str) -> Result<T> {
    T::from_value(v).map_err(|e| match e {
        Error::Type(m) => Error::Type(format!(
            "{method}: {m} (asked for {})",
            short_type_name::<T>()
        )),
        e => e,
    })
}

/// `T`'s name without module paths: `Option<Vec<String>>`, not
/// `core::option::Option<alloc::vec::Vec<alloc::string::String>>`.
pub(crate) fn short_type_name<T>() -> String {
    let full = std::any::type_name::<T>();
    let mut out = String::with_capacity(full.len());
    let mut word = String::new();
    let mut chars = full.chars().peekable();
    while let Some(c) = chars.next() {
        if c == ':' && chars.peek() == Some(&':') {
            chars.next();
            word.clear();
        } else if c.is_alphanumeric() || c == '_' {
            word.push(c);
        } else {
            out.push_str(&word);
            word.clear();
            out.push(c);
        }
    }
    out.push_str(&word);
    out
}

/// Top-level server errors are turned into `Err` before conversion; nested ones surface here.
pub(crate) fn nested_error<T>(v: Value, want: &str) -> Result<T> {
    match v {
        Value::Error(e) => Err(Error::Server(e)),
        other => type_err(&other, want),
    }
}

/// The items of an aggregate reply; maps are flattened to `[k1, v1, k2, v2, ...]`.
/// Nil counts as empty (a missing key's list).
pub(crate) fn into_items(v: Value, want: &str) -> Result<Vec<Value>> {
    match v {
        Value::Array(a) | Value::Set(a) | Value::Push(a) => Ok(a),
        Value::Map(m) => {
            let mut out = Vec::with_capacity(m.len() * 2);
            for (k, v) in m {
                out.push(k);
                out.push(v);
            }
            Ok(out)
        }
        Value::Nil => Ok(Vec::new()),
        Value::Attribute { value, .. } => into_items(*value, want),
        other => nested_error(other, want),
    }
}

/// Key/value pairs of a map reply: a RESP3 map, a flat RESP2 array, or an array of pairs.
pub(crate) fn into_pairs(v: Value, want: &str) -> Result<Vec<(Value, Value)>> {
    match v {
        Value::Map(m) => Ok(m),
        Value::Attribute { value, .. } => into_pairs(*value, want),
        v => {
            let items = into_items(v, want)?;
            if items
                .iter()
                .all(|i| matches!(i, Value::Array(a) if a.len() == 2))
                && !items.is_empty()
            {
                return Ok(items
                    .into_iter()
                    .map(|i| match i {
                        Value::Array(mut a) => {
                            let v = a.pop().unwrap_or(Value::Nil);
                            let k = a.pop().unwrap_or(Value::Nil);
                            (k, v)
                        }
                        _ => unreachable!("checked above"),
                    })
                    .collect());
            }
            if items.len() % 2 != 0 {
                return Err(Error::Type(format!(
                    "cannot convert an array of odd length {} into {want}",
                    items.len()
                )));
            }
            Ok(pair_up(items))
        }
    }
}

/// Pairs up a flat `[k1, v1, k2, v2, ...]` array (RESP2's map form); a trailing odd item is
/// dropped.
pub(crate) fn pair_up(items: Vec<Value>) -> Vec<(Value, Value)> {
    let mut out = Vec::with_capacity(items.len() / 2);
    let mut it = items.into_iter();
    while let (Some(k), Some(v)) = (it.next(), it.next()) {
        out.push((k, v));
    }
    out
}

/// A map reply: a RESP3 map, or RESP2's flat `[k1, v1, k2, v2, ...]` array of even length.
pub(crate) fn map_pairs(v: Value) -> Option<Vec<(Value, Value)>> {
    match v.strip_attributes() {
        Value::Map(pairs) => Some(pairs),
        Value::Array(items) if items.len() % 2 == 0 => Some(pair_up(items)),
        _ => None,
    }
}

/// The items of an array (or set) reply.
pub(crate) fn array_items(v: Value) -> Option<Vec<Value>> {
    match v.strip_attributes() {
        Value::Array(items) | Value::Set(items) => Some(items),
        _ => None,
    }
}

/// The text of a string-like reply, invalid UTF-8 replaced; `None` for other kinds.
pub(crate) fn text(v: &Value) -> Option<String> {
    v.as_bytes()
        .map(|b| String::from_utf8_lossy(b).into_owned())
}

/// An integer reply, or a string-like reply holding a decimal integer.
pub(crate) fn int(v: &Value) -> Option<i64> {
    match v {
        Value::Int(i) => Some(*i),
        other => other
            .as_bytes()
            .and_then(|b| std::str::from_utf8(b).ok())
            .and_then(|s| s.parse().ok()),
    }
}

/// The pairs of a map reply (a RESP3 map or a RESP2 flat array), keys as text.
pub(crate) fn reply_fields(v: Value, want: &str) -> Result<Vec<(String, Value)>> {
    into_pairs(v, want)?
        .into_iter()
        .map(|(k, v)| Ok((String::from_value(k)?, v)))
        .collect()
}

/// Text of a string-like reply; invalid UTF-8 is replaced, for diagnostic fields where a
/// lossy string is more useful than an error.
pub(crate) fn reply_text_lossy(v: Value) -> Result<String> {
    match v {
        Value::Bulk(b) | Value::Verbatim { text: b, .. } => {
            Ok(String::from_utf8_lossy(&b).into_owned())
        }
        v => String::from_value(v),
    }
}

/// A reply that is either one string or a list of strings (ACL fields changed shape
/// between versions), as one space-separated string.
pub(crate) fn reply_text_or_joined(v: Value) -> Result<String> {
    match v {
        Value::Array(_) | Value::Set(_) => Ok(Vec::<String>::from_value(v)?.join(" ")),
        Value::Nil => Ok(String::new()),
        v => String::from_value(v),
    }
}

pub(crate) fn items_exactly(v: Value, n: usize, want: &str) -> Result<Vec<Value>> {
    let items = into_items(v, want)?;
    if items.len() < n {
        return Err(Error::Type(format!(
            "expected at least {n} items for {want}, got {}",
            items.len()
        )));
    }
    Ok(items)
}

/// The `key:value` lines of INFO-style text (INFO, CLUSTER INFO), sections ignored.
pub(crate) fn parse_colon_lines(text: &str) -> BTreeMap<String, String> {
    text.lines()
        .map(|l| l.trim_end_matches('\r'))
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .filter_map(|l| l.split_once(':'))
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

/// The fields of a map-shaped reply (a RESP3 map or a RESP2 flat array), looked up by name.
pub(crate) struct ReplyFields {
    what: &'static str,
    pairs: Vec<(String, Value)>,
}

impl ReplyFields {
    /// Reads the pairs of `v`; `what` names the reply type in error messages.
    pub(crate) fn new(v: Value, what: &'static str) -> Result<ReplyFields> {
        Ok(ReplyFields {
            what,
            pairs: reply_fields(v, what)?,
        })
    }

    /// Removes and returns the value of field `name`, if present.
    pub(crate) fn take(&mut self, name: &str) -> Option<Value> {
        let i = self.pairs.iter().position(|(k, _)| k == name)?;
        Some(self.pairs.swap_remove(i).1)
    }

    /// A field that must be present.
    pub(crate) fn req<T: FromValue>(&mut self, name: &str) -> Result<T> {
        match self.take(name) {
            Some(v) => T::from_value(v).map_err(|e| self.context(name, e)),
            None => Err(Error::Type(format!(
                "{} reply has no `{name}` field",
                self.what
            ))),
        }
    }

    /// A field that may be missing (older servers) or nil: both give `None`.
    pub(crate) fn opt<T: FromValue>(&mut self, name: &str) -> Result<Option<T>> {
        match self.take(name) {
            None | Some(Value::Nil) => Ok(None),
            Some(v) => T::from_value(v)
                .map(Some)
                .map_err(|e| self.context(name, e)),
        }
    }

    /// A count that may be missing, nil, or negative (Redis 7.0 sends `-1` where newer
    /// servers send nil: XINFO's `lag`, `inactive`): all three give `None`.
    pub(crate) fn opt_count(&mut self, name: &str) -> Result<Option<u64>> {
        Ok(self.opt::<i64>(name)?.and_then(|n| u64::try_from(n).ok()))
    }

    fn context(&self, name: &str, e: Error) -> Error {
        match e {
            Error::Type(msg) => Error::Type(format!("{} field `{name}`: {msg}", self.what)),
            other => other,
        }
    }
}

/// The items of an array reply, which must have a length in `min..=max`.
pub(crate) fn items_between(
    v: Value,
    min: usize,
    max: usize,
    what: &str,
) -> Result<std::vec::IntoIter<Value>> {
    let items = into_items(v, what)?;
    if items.len() < min || items.len() > max {
        return Err(Error::Type(format!(
            "expected {min} to {max} items for {what}, got {}",
            items.len()
        )));
    }
    Ok(items.into_iter())
}

/// Converts the next item of a checked iterator (see [`items_between`]).
pub(crate) fn next_item<T: FromValue>(it: &mut std::vec::IntoIter<Value>) -> Result<T> {
    T::from_value(it.next().unwrap_or(Value::Nil))
}

/// A bulk string reply, for the unit tests that build replies by hand.
#[cfg(test)]
pub(crate) fn bulk(s: &str) -> Value {
    Value::Bulk(s.as_bytes().to_vec())
}

/// Implements `FromValue` for a reply struct read from a map reply by field name: each
/// listed field is converted when present, every other field keeps its `Default`, and
/// unknown names are skipped (newer servers add fields).
///
/// ```text
/// reply_struct_fields!(ShardNode {
///     "id" => id,                        // id = FromValue::from_value(v)?
///     "port" => port: Some,              // port = Some(FromValue::from_value(v)?)
///     "object" => object via reply_text_lossy, // object = reply_text_lossy(v)?
/// });
/// ```
macro_rules! reply_struct_fields {
    ($ty:ident { $($name:literal => $field:ident $(: $wrap:ident)? $(via $conv:path)?),* $(,)? }) => {
        impl $crate::from_value::FromValue for $ty {
            fn from_value(v: $crate::value::Value) -> $crate::error::Result<Self> {
                let mut out = $ty::default();
                for (k, v) in $crate::from_value::reply::reply_fields(v, stringify!($ty))? {
                    match k.as_str() {
                        $($name => {
                            out.$field = $crate::from_value::reply::reply_struct_fields!(
                                @wrap $($wrap)?;
                                $crate::from_value::reply::reply_struct_fields!(@conv $($conv)?; v)?
                            )
                        })*
                        _ => {}
                    }
                }
                Ok(out)
            }
        }
    };
    (@wrap; $e:expr) => { $e };
    (@wrap $wrap:ident; $e:expr) => { $wrap($e) };
    (@conv; $v:ident) => { $crate::from_value::FromValue::from_value($v) };
    (@conv $conv:path; $v:ident) => { $conv($v) };
}
pub(crate) use reply_struct_fields;

/// Declares a reply struct and its [`FromValue`] at once.
///
/// `keyed`: the reply is a map (RESP3) or a flat list of name/value pairs (RESP2), and each
/// field says how it is read: `req("name")` must be there, `opt("name")` is `None` when
/// missing, `count("name")` (an `Option<u64>`) is `None` when missing, nil or negative,
/// `list("name")` is empty (the type's default) when missing.
/// `positional`: the reply is an array of exactly as many items as the struct has fields,
/// read in order.
macro_rules! reply_struct {
    ($(#[$meta:meta])* pub struct $name:ident: $kind:ident {
        $($(#[$fdoc:meta])* $field:ident: $ty:ty $(= $how:ident($key:literal))?,)*
    }) => {
        $(#[$meta])*
        pub struct $name {
            $($(#[$fdoc])* pub $field: $ty,)*
        }

        impl $crate::from_value::FromValue for $name {
            fn from_value(v: $crate::value::Value) -> $crate::error::Result<Self> {
                $crate::from_value::reply::reply_struct!(
                    @from $kind, v, $name, [$($field $(= $how($key))?),*]
                )
            }
        }
    };
    (@from keyed, $v:ident, $name:ident, [$($field:ident = $how:ident($key:literal)),*]) => {{
        let mut f = $crate::from_value::reply::ReplyFields::new($v, stringify!($name))?;
        Ok($name {
            $($field: $crate::from_value::reply::reply_struct!(@read f, $how, $key),)*
        })
    }};
    (@from positional, $v:ident, $name:ident, [$($field:ident),*]) => {{
        const N: usize = [$(stringify!($field)),*].len();
        let mut it = $crate::from_value::reply::items_between($v, N, N, stringify!($name))?;
        Ok($name {
            $($field: $crate::from_value::reply::next_item(&mut it)?,)*
        })
    }};
    (@read $f:ident, req, $key:literal) => { $f.req($key)? };
    (@read $f:ident, opt, $key:literal) => { $f.opt($key)? };
    (@read $f:ident, count, $key:literal) => { $f.opt_count($key)? };
    (@read $f:ident, list, $key:literal) => { $f.opt($key)?.unwrap_or_default() };
}
pub(crate) use reply_struct;
