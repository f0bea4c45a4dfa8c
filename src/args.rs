//! Typed command arguments: what may be passed where a command takes a key, a value or a list.
//!
//! [`ToArg`] is one argument; [`ToArgs`] is one or more (a single `ToArg`, or a slice, array or
//! `Vec` of them). `u8` deliberately implements neither, so `&[u8]` and `Vec<u8>` are always
//! one binary argument and never a list of numbers.

/// An argument that could not be encoded (a `Json<T>` whose serialization failed): set
/// just before its bytes (empty) are handed on, taken by the `Cmd` that receives them,
/// which then refuses to be sent.
#[cfg(feature = "json")]
mod refusal {
    use std::cell::{Cell, RefCell};

    thread_local! {
        static SET: Cell<bool> = const { Cell::new(false) };
        static WHY: RefCell<Option<String>> = const { RefCell::new(None) };
    }

    /// Marks the argument being handed on now as refused, for `why`.
    pub(crate) fn set(why: String) {
        WHY.with(|w| *w.borrow_mut() = Some(why));
        SET.with(|s| s.set(true));
    }

    /// Takes the refusal of the argument just handed on, if it was refused.
    #[inline]
    pub(crate) fn take() -> Option<String> {
        if !SET.with(|s| s.get()) {
            return None;
        }
        SET.with(|s| s.set(false));
        WHY.with(|w| w.borrow_mut().take())
    }
}
#[cfg(feature = "json")]
pub(crate) use refusal::{set as refuse_arg, take as take_refusal};

/// A value that is sent as exactly one RESP bulk string.
///
/// Implemented for strings, byte slices, integers (except `u8`) and floats. Floats are written
/// in their shortest form that reads back to the same `f64`.
pub trait ToArg {
    /// Calls `f` with the argument's bytes.
    fn with_bytes<R>(&self, f: impl FnOnce(&[u8]) -> R) -> R;
}

impl<T: ToArg + ?Sized> ToArg for &T {
    #[inline]
    fn with_bytes<R>(&self, f: impl FnOnce(&[u8]) -> R) -> R {
        (**self).with_bytes(f)
    }
}

impl ToArg for str {
    #[inline]
    fn with_bytes<R>(&self, f: impl FnOnce(&[u8]) -> R) -> R {
        f(self.as_bytes())
    }
}

impl ToArg for String {
    #[inline]
    fn with_bytes<R>(&self, f: impl FnOnce(&[u8]) -> R) -> R {
        f(self.as_bytes())
    }
}

impl ToArg for [u8] {
    #[inline]
    fn with_bytes<R>(&self, f: impl FnOnce(&[u8]) -> R) -> R {
        f(self)
    }
}

impl<const N: usize> ToArg for [u8; N] {
    #[inline]
    fn with_bytes<R>(&self, f: impl FnOnce(&[u8]) -> R) -> R {
        f(self)
    }
}

impl ToArg for Vec<u8> {
    #[inline]
    fn with_bytes<R>(&self, f: impl FnOnce(&[u8]) -> R) -> R {
        f(self)
    }
}

impl ToArg for std::borrow::Cow<'_, str> {
    #[inline]
    fn with_bytes<R>(&self, f: impl FnOnce(&[u8]) -> R) -> R {
        f(self.as_bytes())
    }
}

impl ToArg for std::borrow::Cow<'_, [u8]> {
    #[inline]
    fn with_bytes<R>(&self, f: impl FnOnce(&[u8]) -> R) -> R {
        f(self)
    }
}

macro_rules! int_to_arg {
    ($($t:ty),*) => {$(
        impl ToArg for $t {
            #[inline]
            fn with_bytes<R>(&self, f: impl FnOnce(&[u8]) -> R) -> R {
                let mut buf = itoa::Buffer::new();
                f(buf.format(*self).as_bytes())
            }
        }
    )*};
}
int_to_arg!(i8, i16, i32, i64, i128, isize, u16, u32, u64, u128, usize);

/// Writes a float the way Redis reads it back exactly: shortest round-trip digits,
/// `inf`/`-inf` for the infinities.
pub(crate) fn with_f64_bytes<R>(v: f64, f: impl FnOnce(&[u8]) -> R) -> R {
    if v.is_infinite() {
        return f(if v > 0.0 { b"inf" } else { b"-inf" });
    }
    if v.is_nan() {
        return f(b"nan");
    }
    let mut buf = ryu::Buffer::new();
    let s = buf.format_finite(v);
    // ryu writes `1.0` for whole numbers; Redis accepts that, but `1` is shorter and canonical.
    f(s.strip_suffix(".0").unwrap_or(s).as_bytes())
}

impl ToArg for f64 {
    #[inline]
    fn with_bytes<R>(&self, f: impl FnOnce(&[u8]) -> R) -> R {
        with_f64_bytes(*self, f)
    }
}

impl ToArg for f32 {
    #[inline]
    fn with_bytes<R>(&self, f: impl FnOnce(&[u8]) -> R) -> R {
        if self.is_finite() {
            let mut buf = ryu::Buffer::new();
            let s = buf.format_finite(*self);
            f(s.strip_suffix(".0").unwrap_or(s).as_bytes())
        } else {
            with_f64_bytes(f64::from(*self), f)
        }
    }
}

/// One or more arguments: a single [`ToArg`], or `&[K]`, `[K; N]`, `&[K; N]`, `Vec<K>`,
/// `&Vec<K>` of them.
pub trait ToArgs {
    /// How many arguments this writes.
    fn arg_count(&self) -> usize;
    /// Calls `f` once per argument, in order.
    fn for_each_arg(&self, f: &mut dyn FnMut(&[u8]));
}

impl<T: ToArg + ?Sized> ToArgs for T {
    #[inline]
    fn arg_count(&self) -> usize {
        1
    }
    #[inline]
    fn for_each_arg(&self, f: &mut dyn FnMut(&[u8])) {
        self.with_bytes(|b| f(b))
    }
}

macro_rules! seq_to_args {
    ($(($($gen:tt)*) $t:ty;)*) => {$(
        impl<$($gen)*> ToArgs for $t {
            #[inline]
            fn arg_count(&self) -> usize {
                self.len()
            }
            #[inline]
            fn for_each_arg(&self, f: &mut dyn FnMut(&[u8])) {
                for k in self.iter() {
                    k.with_bytes(|b| f(b));
                }
            }
        }
    )*};
}
seq_to_args! {
    (K: ToArg) [K];
    (K: ToArg) &[K];
    (K: ToArg, const N: usize) [K; N];
    (K: ToArg, const N: usize) &[K; N];
    (K: ToArg) Vec<K>;
    (K: ToArg) &Vec<K>;
}

/// `(member, score)` pairs for ZADD, as redis-py's mapping: `&[("a", 1.0), ("b", 2.5)]`.
/// Sent as `score member` pairs.
pub trait ScoreMembers {
    /// How many pairs.
    fn pair_count(&self) -> usize;
    /// Calls `f(score, member)` for each pair, in order.
    fn for_each_pair(&self, f: &mut dyn FnMut(f64, &[u8]));
}

macro_rules! seq_score_members {
    ($(($($gen:tt)*) $t:ty;)*) => {$(
        impl<$($gen)*> ScoreMembers for $t {
            fn pair_count(&self) -> usize {
                self.len()
            }
            fn for_each_pair(&self, f: &mut dyn FnMut(f64, &[u8])) {
                for (m, s) in self.iter() {
                    m.with_bytes(|b| f(*s, b));
                }
            }
        }
    )*};
}
seq_score_members! {
    (M: ToArg) [(M, f64)];
    (M: ToArg) &[(M, f64)];
    (M: ToArg, const N: usize) [(M, f64); N];
    (M: ToArg, const N: usize) &[(M, f64); N];
    (M: ToArg) Vec<(M, f64)>;
    (M: ToArg) &Vec<(M, f64)>;
}

/// `(field, value)` pairs, for HSET with many fields, MSET, XADD and the like.
pub trait FieldValues {
    /// How many pairs.
    fn pair_count(&self) -> usize;
    /// Calls `f(field, value)` for each pair, in order.
    fn for_each_pair(&self, f: &mut dyn FnMut(&[u8], &[u8]));
}

macro_rules! seq_field_values {
    ($(($($gen:tt)*) $t:ty;)*) => {$(
        impl<$($gen)*> FieldValues for $t {
            fn pair_count(&self) -> usize {
                self.len()
            }
            fn for_each_pair(&self, f: &mut dyn FnMut(&[u8], &[u8])) {
                for (k, v) in self.iter() {
                    k.with_bytes(|kb| v.with_bytes(|vb| f(kb, vb)));
                }
            }
        }
    )*};
}
seq_field_values! {
    (K: ToArg, V: ToArg) [(K, V)];
    (K: ToArg, V: ToArg) &[(K, V)];
    (K: ToArg, V: ToArg, const N: usize) [(K, V); N];
    (K: ToArg, V: ToArg, const N: usize) &[(K, V); N];
    (K: ToArg, V: ToArg) Vec<(K, V)>;
    (K: ToArg, V: ToArg) &Vec<(K, V)>;
}

impl<K: ToArg, V: ToArg, S> FieldValues for std::collections::HashMap<K, V, S> {
    fn pair_count(&self) -> usize {
        self.len()
    }
    fn for_each_pair(&self, f: &mut dyn FnMut(&[u8], &[u8])) {
        for (k, v) in self {
            k.with_bytes(|kb| v.with_bytes(|vb| f(kb, vb)));
        }
    }
}

impl<K: ToArg, V: ToArg> FieldValues for std::collections::BTreeMap<K, V> {
    fn pair_count(&self) -> usize {
        self.len()
    }
    fn for_each_pair(&self, f: &mut dyn FnMut(&[u8], &[u8])) {
        for (k, v) in self {
            k.with_bytes(|kb| v.with_bytes(|vb| f(kb, vb)));
        }
    }
}

impl<K: ToArg, V: ToArg, S> FieldValues for &std::collections::HashMap<K, V, S> {
    fn pair_count(&self) -> usize {
        self.len()
    }
    fn for_each_pair(&self, f: &mut dyn FnMut(&[u8], &[u8])) {
        (**self).for_each_pair(f)
    }
}

impl<K: ToArg, V: ToArg> FieldValues for &std::collections::BTreeMap<K, V> {
    fn pair_count(&self) -> usize {
        self.len()
    }
    fn for_each_pair(&self, f: &mut dyn FnMut(&[u8], &[u8])) {
        (**self).for_each_pair(f)
    }
}

#[cfg(test)]
#[allow(clippy::needless_borrows_for_generic_args)]
mod tests {
    use super::*;

    fn collect(a: impl ToArgs) -> Vec<Vec<u8>> {
        let mut out = Vec::new();
        a.for_each_arg(&mut |b| out.push(b.to_vec()));
        assert_eq!(out.len(), a.arg_count());
        out
    }

    #[test]
    fn single_and_many() {
        assert_eq!(collect("a"), vec![b"a".to_vec()]);
        assert_eq!(collect(&["a", "b"]), vec![b"a".to_vec(), b"b".to_vec()]);
        assert_eq!(collect(vec![1i64, -2]), vec![b"1".to_vec(), b"-2".to_vec()]);
        let bytes: &[u8] = b"\x00\xff";
        assert_eq!(collect(bytes), vec![vec![0u8, 255]]);
        assert_eq!(collect(b"xy"), vec![b"xy".to_vec()]);
        assert_eq!(collect(vec![0u8, 1]), vec![vec![0u8, 1]]);
    }

    #[test]
    fn floats_round_trip() {
        for v in [1349673917.939762f64, 0.1, -2.5, 1e300, 5e-324, 3.0] {
            let s = v.with_bytes(|b| String::from_utf8(b.to_vec()).unwrap());
            assert_eq!(s.parse::<f64>().unwrap(), v, "{s}");
        }
        assert_eq!(3.0f64.with_bytes(|b| b.to_vec()), b"3".to_vec());
        assert_eq!(f64::INFINITY.with_bytes(|b| b.to_vec()), b"inf".to_vec());
        assert_eq!(
            f64::NEG_INFINITY.with_bytes(|b| b.to_vec()),
            b"-inf".to_vec()
        );
    }
}
