//! Typed replies: converting a [`Value`] into the Rust type the caller asked for.
//!
//! A conversion always receives the whole reply, already read off the socket, so a
//! conversion that fails ([`Error::Type`]) never leaves the connection out of sync.
//!
//! # Nil
//!
//! One rule for every scalar (redis-rs's): nil means "no value", so it converts only to a
//! type that can say so. `Option<T>` gives `None`; `bool` gives `false` (the "no" of a
//! reply such as `SET ... NX` that did not set); `()` accepts it; every other scalar
//! (`String`, `Vec<u8>`, the integers, `f32`/`f64`) is an [`Error::Type`], never a
//! made-up `0` or `""`. Ask for `Option<i64>` where a key may be missing.
//!
//! # RESP2 and RESP3
//!
//! A reply converts the same whichever protocol carried it: a RESP3 map as a RESP2 flat
//! array, a RESP3 double as a RESP2 bulk string, a RESP3 big number as the bulk string
//! RESP2 sends (to `f64`, to `i64`/`i128` when it fits, to `String`).

pub(crate) mod reply;

use reply::{into_items, into_pairs, nested_error};
use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};
use std::hash::{BuildHasher, Hash};

use crate::error::{Error, Result};
use crate::value::Value;

/// A type a reply can be converted into.
pub trait FromValue: Sized {
    /// Converts one reply.
    fn from_value(v: Value) -> Result<Self>;

    /// Converts the items of an array reply into a `Vec`. The default converts each item;
    /// pairs override it to also accept a flat `[k1, v1, k2, v2]` array (RESP2's map form).
    #[doc(hidden)]
    fn from_values(items: Vec<Value>) -> Result<Vec<Self>> {
        items.into_iter().map(Self::from_value).collect()
    }

    /// `Some` for a type that keeps nothing of an array reply but that none of it is an
    /// error (`()`): a pipeline executed into it then keeps no reply but the first error.
    /// The default, `None`, is right for every other type.
    #[doc(hidden)]
    fn discarding() -> Option<Self> {
        None
    }
}

impl FromValue for Value {
    fn from_value(v: Value) -> Result<Self> {
        Ok(v)
    }
}

impl FromValue for () {
    /// Accepts any reply that is not an error (`OK`, `QUEUED`, a count, ...).
    fn from_value(v: Value) -> Result<Self> {
        match v {
            Value::Error(e) => Err(Error::Server(e)),
            _ => Ok(()),
        }
    }

    fn discarding() -> Option<Self> {
        Some(())
    }
}

impl FromValue for String {
    fn from_value(v: Value) -> Result<Self> {
        match v {
            Value::Bulk(b) | Value::Verbatim { text: b, .. } => String::from_utf8(b)
                .map_err(|_| Error::Type("reply is not valid UTF-8; ask for Vec<u8>".into())),
            Value::Simple(s) | Value::BigNumber(s) => Ok(s),
            Value::Int(i) => Ok(i.to_string()),
            Value::Double(d) => Ok(d.to_string()),
            Value::Attribute { value, .. } => String::from_value(*value),
            other => nested_error(other, "String"),
        }
    }
}

impl FromValue for Vec<u8> {
    fn from_value(v: Value) -> Result<Self> {
        match v {
            Value::Bulk(b) | Value::Verbatim { text: b, .. } => Ok(b),
            Value::Simple(s) | Value::BigNumber(s) => Ok(s.into_bytes()),
            Value::Int(i) => Ok(i.to_string().into_bytes()),
            Value::Double(d) => Ok(d.to_string().into_bytes()),
            Value::Attribute { value, .. } => Vec::<u8>::from_value(*value),
            other => nested_error(other, "Vec<u8>"),
        }
    }
}

fn parse_text<T: std::str::FromStr>(b: &[u8], want: &str) -> Result<T> {
    std::str::from_utf8(b)
        .ok()
        .and_then(|s| s.trim().parse().ok())
        .ok_or_else(|| {
            Error::Type(format!(
                "cannot parse {:?} as {want}",
                String::from_utf8_lossy(&b[..b.len().min(64)])
            ))
        })
}

macro_rules! int_from_value {
    ($($t:ty),*) => {$(
        impl FromValue for $t {
            fn from_value(v: Value) -> Result<Self> {
                match v {
                    Value::Int(i) => <$t>::try_from(i).map_err(|_| {
                        Error::Type(format!("{i} does not fit in {}", stringify!($t)))
                    }),
                    Value::Bulk(b) => parse_text(&b, stringify!($t)),
                    Value::Simple(s) | Value::BigNumber(s) => parse_text(s.as_bytes(), stringify!($t)),
                    Value::Boolean(b) => Ok(b as $t),
                    Value::Double(d) if d.fract() == 0.0 && d >= <$t>::MIN as f64 && d <= <$t>::MAX as f64 => Ok(d as $t),
                    Value::Attribute { value, .. } => <$t>::from_value(*value),
                    other => nested_error(other, stringify!($t)),
                }
            }
        }
    )*};
}
int_from_value!(i8, i16, i32, i64, i128, isize, u16, u32, u64, u128, usize);

macro_rules! float_from_value {
    ($($t:ty),*) => {$(
        impl FromValue for $t {
            fn from_value(v: Value) -> Result<Self> {
                match v {
                    Value::Double(d) => Ok(d as $t),
                    Value::Int(i) => Ok(i as $t),
                    Value::Bulk(b) => parse_float(&b).map(|f| f as $t),
                    // A RESP3 big number converts as its RESP2 form (a bulk string) does.
                    Value::Simple(s) | Value::BigNumber(s) => parse_float(s.as_bytes()).map(|f| f as $t),
                    Value::Attribute { value, .. } => <$t>::from_value(*value),
                    other => nested_error(other, stringify!($t)),
                }
            }
        }
    )*};
}
float_from_value!(f64, f32);

fn parse_float(b: &[u8]) -> Result<f64> {
    match b {
        b"inf" | b"+inf" | b"infinity" => Ok(f64::INFINITY),
        b"-inf" | b"-infinity" => Ok(f64::NEG_INFINITY),
        _ => parse_text(b, "f64"),
    }
}

impl FromValue for bool {
    /// `1`/`0` integers, RESP3 booleans, `OK` (true), nil (false), `"1"`/`"0"` strings.
    fn from_value(v: Value) -> Result<Self> {
        match v {
            Value::Int(i) => Ok(i != 0),
            Value::Boolean(b) => Ok(b),
            Value::Nil => Ok(false),
            Value::Simple(s) => match s.as_str() {
                "OK" | "1" => Ok(true),
                "0" => Ok(false),
                _ => Err(Error::Type(format!(
                    "cannot convert status {s:?} into bool"
                ))),
            },
            Value::Bulk(b) => match b.as_slice() {
                b"1" | b"true" => Ok(true),
                b"0" | b"false" | b"" => Ok(false),
                _ => Err(Error::Type("cannot convert bulk string into bool".into())),
            },
            Value::Attribute { value, .. } => bool::from_value(*value),
            other => nested_error(other, "bool"),
        }
    }
}

impl<T: FromValue> FromValue for Option<T> {
    /// Nil (and an empty nil-array) is `None`.
    fn from_value(v: Value) -> Result<Self> {
        match v {
            Value::Nil => Ok(None),
            Value::Attribute { value, .. } => Option::<T>::from_value(*value),
            v => T::from_value(v).map(Some),
        }
    }
}

impl<T: FromValue> FromValue for Vec<T> {
    fn from_value(v: Value) -> Result<Self> {
        match v {
            Value::Map(m) => m
                .into_iter()
                .map(|(k, v)| T::from_value(Value::Array(vec![k, v])))
                .collect(),
            v => T::from_values(into_items(v, "Vec")?),
        }
    }
}

impl<T: FromValue + Eq + Hash, S: BuildHasher + Default> FromValue for HashSet<T, S> {
    fn from_value(v: Value) -> Result<Self> {
        into_items(v, "HashSet")?
            .into_iter()
            .map(T::from_value)
            .collect()
    }
}

impl<T: FromValue + Ord> FromValue for BTreeSet<T> {
    fn from_value(v: Value) -> Result<Self> {
        into_items(v, "BTreeSet")?
            .into_iter()
            .map(T::from_value)
            .collect()
    }
}

impl<K: FromValue + Eq + Hash, V: FromValue, S: BuildHasher + Default> FromValue
    for HashMap<K, V, S>
{
    fn from_value(v: Value) -> Result<Self> {
        into_pairs(v, "HashMap")?
            .into_iter()
            .map(|(k, v)| Ok((K::from_value(k)?, V::from_value(v)?)))
            .collect()
    }
}

impl<K: FromValue + Ord, V: FromValue> FromValue for BTreeMap<K, V> {
    fn from_value(v: Value) -> Result<Self> {
        into_pairs(v, "BTreeMap")?
            .into_iter()
            .map(|(k, v)| Ok((K::from_value(k)?, V::from_value(v)?)))
            .collect()
    }
}

impl<A: FromValue, B: FromValue> FromValue for (A, B) {
    fn from_value(v: Value) -> Result<Self> {
        let items = into_items(v, "a pair")?;
        if items.len() != 2 {
            return Err(Error::Type(format!(
                "expected 2 items for a pair, got {}",
                items.len()
            )));
        }
        let mut it = items.into_iter();
        let (a, b) = (
            it.next().unwrap_or(Value::Nil),
            it.next().unwrap_or(Value::Nil),
        );
        Ok((A::from_value(a)?, B::from_value(b)?))
    }

    /// An array of pairs (RESP3 form: every item a two-item array), else a flat
    /// `[a1, b1, a2, b2]` array (RESP2 form) whose consecutive items pair up, whatever they
    /// are themselves (arrays, maps, sets).
    fn from_values(items: Vec<Value>) -> Result<Vec<Self>> {
        let nested = !items.is_empty()
            && items
                .iter()
                .all(|v| matches!(v, Value::Array(a) if a.len() == 2));
        if nested {
            return items.into_iter().map(Self::from_value).collect();
        }
        if items.len() % 2 != 0 {
            return Err(Error::Type(format!(
                "cannot pair up an array of odd length {}",
                items.len()
            )));
        }
        let mut out = Vec::with_capacity(items.len() / 2);
        let mut it = items.into_iter();
        while let (Some(a), Some(b)) = (it.next(), it.next()) {
            out.push((A::from_value(a)?, B::from_value(b)?));
        }
        Ok(out)
    }
}

macro_rules! tuple_from_value {
    ($n:expr; $($name:ident)+) => {
        impl<$($name: FromValue),+> FromValue for ($($name,)+) {
            fn from_value(v: Value) -> Result<Self> {
                let items = into_items(v, "a tuple")?;
                if items.len() != $n {
                    return Err(Error::Type(format!(
                        "expected {} items for a tuple, got {}", $n, items.len()
                    )));
                }
                let mut it = items.into_iter();
                Ok(($($name::from_value(it.next().unwrap_or(Value::Nil))?,)+))
            }
        }
    };
}
tuple_from_value!(1; A);
tuple_from_value!(3; A B C);
tuple_from_value!(4; A B C D);
tuple_from_value!(5; A B C D E);
tuple_from_value!(6; A B C D E F);
tuple_from_value!(7; A B C D E F G);
tuple_from_value!(8; A B C D E F G H);
tuple_from_value!(9; A B C D E F G H I);
tuple_from_value!(10; A B C D E F G H I J);
tuple_from_value!(11; A B C D E F G H I J K);
tuple_from_value!(12; A B C D E F G H I J K L);

#[cfg(test)]
mod tests {
    use super::*;

    use super::reply::bulk;

    #[test]
    fn scalars() {
        assert_eq!(String::from_value(bulk("hi")).unwrap(), "hi");
        assert_eq!(i64::from_value(Value::Int(-3)).unwrap(), -3);
        assert_eq!(i64::from_value(bulk("42")).unwrap(), 42);
        assert!(u64::from_value(Value::Int(-1)).is_err());
        assert_eq!(f64::from_value(bulk("1.5")).unwrap(), 1.5);
        assert_eq!(f64::from_value(bulk("-inf")).unwrap(), f64::NEG_INFINITY);
        assert!(bool::from_value(Value::Int(1)).unwrap());
        assert!(!bool::from_value(Value::Nil).unwrap());
        // Nil: `None`, `false`, `()`; a type error for every other scalar.
        assert!(<()>::from_value(Value::Nil).is_ok());
        assert!(matches!(i64::from_value(Value::Nil), Err(Error::Type(_))));
        assert!(matches!(u64::from_value(Value::Nil), Err(Error::Type(_))));
        assert!(matches!(f64::from_value(Value::Nil), Err(Error::Type(_))));
        assert!(matches!(
            Vec::<u8>::from_value(Value::Nil),
            Err(Error::Type(_))
        ));
        // Big numbers (issue 11.13: not to f64 in RESP3 at v0.1.0).
        let big = || Value::BigNumber("3492890328409238509324850943850943825024385".into());
        let f = f64::from_value(big()).unwrap();
        assert!((f / 3.4928903e42 - 1.0).abs() < 1e-7, "{f}");
        assert_eq!(
            f64::from_value(bulk("3492890328409238509324850943850943825024385")).unwrap(),
            f64::from_value(big()).unwrap()
        );
        assert_eq!(
            i64::from_value(Value::BigNumber("-42".into())).unwrap(),
            -42
        );
        assert_eq!(
            i128::from_value(Value::BigNumber(
                "170141183460469231731687303715884105727".into()
            ))
            .unwrap(),
            i128::MAX
        );
        assert!(matches!(i64::from_value(big()), Err(Error::Type(_))));
        assert_eq!(Option::<String>::from_value(Value::Nil).unwrap(), None);
        assert!(matches!(
            String::from_value(Value::Nil),
            Err(Error::Type(_))
        ));
        assert!(matches!(
            String::from_value(Value::Bulk(vec![0xff])),
            Err(Error::Type(_))
        ));
    }

    #[test]
    fn maps_from_resp2_and_resp3() {
        let flat = Value::Array(vec![bulk("a"), bulk("1"), bulk("b"), bulk("2")]);
        let map = Value::Map(vec![(bulk("a"), bulk("1")), (bulk("b"), bulk("2"))]);
        let m1: HashMap<String, i64> = FromValue::from_value(flat.clone()).unwrap();
        let m2: HashMap<String, i64> = FromValue::from_value(map.clone()).unwrap();
        assert_eq!(m1, m2);
        assert_eq!(m1["b"], 2);
        let p1: Vec<(String, f64)> = FromValue::from_value(flat).unwrap();
        let p2: Vec<(String, f64)> = FromValue::from_value(map).unwrap();
        assert_eq!(p1, p2);
        let nested = Value::Array(vec![
            Value::Array(vec![bulk("a"), Value::Double(1.0)]),
            Value::Array(vec![bulk("b"), Value::Double(2.5)]),
        ]);
        let p3: Vec<(String, f64)> = FromValue::from_value(nested).unwrap();
        assert_eq!(p3, vec![("a".into(), 1.0), ("b".into(), 2.5)]);
    }

    #[test]
    fn pairs_of_aggregates_pair_up_consecutive_items() {
        let arr = |v: Vec<Value>| Value::Array(v);
        // RESP2: [name, [fields...], name, [fields...]].
        let flat = arr(vec![
            bulk("a"),
            arr(vec![bulk("x"), bulk("y"), bulk("z"), bulk("w")]),
            bulk("b"),
            arr(vec![]),
        ]);
        let p: Vec<(String, Vec<String>)> = FromValue::from_value(flat).unwrap();
        assert_eq!(p[0].1.len(), 4);
        assert_eq!(p[1], ("b".into(), vec![]));
        // RESP3: maps and sets as the items.
        let m = || Value::Map(vec![(bulk("k"), bulk("1")), (bulk("l"), bulk("2"))]);
        let s = Value::Set(vec![bulk("m")]);
        let p: Vec<(HashMap<String, i64>, Vec<String>)> =
            FromValue::from_value(arr(vec![m(), s.clone(), m(), s])).unwrap();
        assert_eq!(p.len(), 2);
        assert_eq!(p[1].0["l"], 2);
        let odd: Result<Vec<(String, String)>> = FromValue::from_value(arr(vec![bulk("a")]));
        assert!(matches!(odd, Err(Error::Type(m)) if m.contains("odd length 1")));
    }

    #[test]
    fn type_errors_read_well_and_name_the_type() {
        let e = String::from_value(Value::Array(vec![])).unwrap_err();
        assert!(
            e.to_string()
                .contains("cannot convert an array reply into String"),
            "{e}"
        );
        let e = reply::convert::<Option<String>>(Value::Map(vec![]), "get").unwrap_err();
        let t = e.to_string();
        assert!(
            t.contains("get: cannot convert a map reply into String"),
            "{t}"
        );
        assert!(t.contains("(asked for Option<String>)"), "{t}");
        assert_eq!(
            reply::short_type_name::<Vec<(String, std::collections::HashMap<u8, i64>)>>(),
            "Vec<(String, HashMap<u8, i64>)>"
        );
    }

    #[test]
    fn tuples_and_nested_errors() {
        let v = Value::Array(vec![Value::Simple("OK".into()), Value::Int(2), bulk("x")]);
        let t: ((), i64, String) = FromValue::from_value(v).unwrap();
        assert_eq!(t, ((), 2, "x".into()));
        let v = Value::Array(vec![Value::Error(crate::ServerError::new("ERR boom"))]);
        assert!(matches!(
            Vec::<String>::from_value(v),
            Err(Error::Server(_))
        ));
    }
}
