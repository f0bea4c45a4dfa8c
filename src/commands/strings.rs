//! String commands: GET, SET and friends.

use crate::args::ToArg;
use crate::cmd::Cmd;
use crate::error::{Error, Result};
use crate::from_value::reply::{into_items, into_pairs, type_err};
use crate::from_value::FromValue;
use crate::value::Value;

/// When a key written by SET or MSETEX expires.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Expiry {
    /// `EX seconds`: expire after this many seconds.
    Ex(u64),
    /// `PX milliseconds`: expire after this many milliseconds.
    Px(u64),
    /// `EXAT unix-time-seconds`: expire at this Unix time, in seconds (Redis 6.2.0+).
    ExAt(u64),
    /// `PXAT unix-time-milliseconds`: expire at this Unix time, in milliseconds (Redis 6.2.0+).
    PxAt(u64),
}

impl Expiry {
    /// Appends the expiry's token and value.
    #[doc(hidden)]
    pub fn apply(self, c: Cmd) -> Cmd {
        match self {
            Expiry::Ex(s) => c.arg("EX").arg(s),
            Expiry::Px(ms) => c.arg("PX").arg(ms),
            Expiry::ExAt(t) => c.arg("EXAT").arg(t),
            Expiry::PxAt(t) => c.arg("PXAT").arg(t),
        }
    }
}

/// A write that depends on whether the key exists (SET, MSETEX).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Exists {
    /// `NX`: write only when the key does not exist.
    Nx,
    /// `XX`: write only when the key already exists.
    Xx,
}

impl Exists {
    /// Appends `NX` or `XX`.
    #[doc(hidden)]
    pub fn apply(self, c: Cmd) -> Cmd {
        c.arg(match self {
            Exists::Nx => "NX",
            Exists::Xx => "XX",
        })
    }
}

/// The options of [`set_with`](crate::StrictRedis::set_with): `SET key value [NX|XX] [GET]
/// [EX|PX|EXAT|PXAT ...|KEEPTTL]`.
///
/// ```
/// use strictredis::commands::strings::{Exists, Expiry, SetOptions};
/// let opts = SetOptions { expiry: Some(Expiry::Ex(10)), condition: Some(Exists::Nx), ..SetOptions::default() };
/// assert_eq!(opts, SetOptions::default().ex(10).nx());
/// ```
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct SetOptions {
    /// When the key expires; `None` drops any expiry the key had (unless `keep_ttl`).
    pub expiry: Option<Expiry>,
    /// Write only when the key does (`Xx`) or does not (`Nx`) exist.
    pub condition: Option<Exists>,
    /// `GET`: reply with the previous value (nil when there was none) instead of `OK`
    /// (Redis 6.2.0+; together with `NX` 7.0.0+).
    pub get: bool,
    /// `KEEPTTL`: keep the key's current expiry (Redis 6.0.0+). Do not combine with `expiry`.
    pub keep_ttl: bool,
}

impl SetOptions {
    /// No options: a plain SET.
    pub fn new() -> SetOptions {
        SetOptions::default()
    }

    /// Appends the options in SET's order.
    #[doc(hidden)]
    pub fn apply(self, mut c: Cmd) -> Cmd {
        if let Some(cond) = self.condition {
            c = cond.apply(c);
        }
        c = c.arg_if(self.get, "GET");
        if let Some(e) = self.expiry {
            c = e.apply(c);
        }
        c.arg_if(self.keep_ttl, "KEEPTTL")
    }
}

crate::commands::setters! {
    SetOptions {
        /// Sets only when the key does not exist (`NX`).
        fn nx() => condition = Some(Exists::Nx);
        /// Sets only when the key exists (`XX`).
        fn xx() => condition = Some(Exists::Xx);
        /// Replies with the previous value (`GET`).
        fn get() => get = true;
        /// Expires after `seconds` (`EX`).
        fn ex(seconds: u64) => expiry = Some(Expiry::Ex(seconds));
        /// Expires after `milliseconds` (`PX`).
        fn px(milliseconds: u64) => expiry = Some(Expiry::Px(milliseconds));
        /// Expires at a Unix time in seconds (`EXAT`).
        fn exat(unix_time_seconds: u64) => expiry = Some(Expiry::ExAt(unix_time_seconds));
        /// Expires at a Unix time in milliseconds (`PXAT`).
        fn pxat(unix_time_milliseconds: u64) => expiry = Some(Expiry::PxAt(unix_time_milliseconds));
        /// Keeps the key's current expiry (`KEEPTTL`).
        fn keep_ttl() => keep_ttl = true;
    }
}

/// The options of [`msetex`](crate::StrictRedis::msetex): `[NX|XX] [EX|PX|EXAT|PXAT
/// ...|KEEPTTL]`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct MsetexOptions {
    /// Write only when none (`Nx`) or all (`Xx`) of the keys exist.
    pub condition: Option<Exists>,
    /// When the keys expire.
    pub expiry: Option<Expiry>,
    /// `KEEPTTL`: keep the keys' current expiries. Do not combine with `expiry`.
    pub keep_ttl: bool,
}

impl MsetexOptions {
    /// Appends the options in MSETEX's order.
    #[doc(hidden)]
    pub fn apply(self, mut c: Cmd) -> Cmd {
        if let Some(cond) = self.condition {
            c = cond.apply(c);
        }
        if let Some(e) = self.expiry {
            c = e.apply(c);
        }
        c.arg_if(self.keep_ttl, "KEEPTTL")
    }
}

/// How GETEX changes the key's expiry.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum GetExExpiry {
    /// `EX seconds`.
    Ex(u64),
    /// `PX milliseconds`.
    Px(u64),
    /// `EXAT unix-time-seconds`.
    ExAt(u64),
    /// `PXAT unix-time-milliseconds`.
    PxAt(u64),
    /// `PERSIST`: remove the expiry.
    Persist,
}

impl GetExExpiry {
    /// Appends the expiry's token and value.
    #[doc(hidden)]
    pub fn apply(self, c: Cmd) -> Cmd {
        match self {
            GetExExpiry::Ex(s) => c.arg("EX").arg(s),
            GetExExpiry::Px(ms) => c.arg("PX").arg(ms),
            GetExExpiry::ExAt(t) => c.arg("EXAT").arg(t),
            GetExExpiry::PxAt(t) => c.arg("PXAT").arg(t),
            GetExExpiry::Persist => c.arg("PERSIST"),
        }
    }
}

/// Appends GETEX's expiry, if any.
pub(crate) fn getex_apply(c: Cmd, expiry: Option<GetExExpiry>) -> Cmd {
    match expiry {
        Some(e) => e.apply(c),
        None => c,
    }
}

/// The reply of [`lcs_idx`](crate::StrictRedis::lcs_idx): where the longest common
/// subsequence's pieces sit in each string.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct LcsIdx {
    /// The matching ranges, last match first (as the server sends them).
    pub matches: Vec<LcsMatch>,
    /// The length of the longest common subsequence.
    pub len: u64,
}

/// One common piece of the two strings compared by LCS IDX.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct LcsMatch {
    /// Inclusive `(start, end)` byte positions in the first key's value.
    pub key1: (u64, u64),
    /// Inclusive `(start, end)` byte positions in the second key's value.
    pub key2: (u64, u64),
    /// The match's length, when asked for with `WITHMATCHLEN`.
    pub len: Option<u64>,
}

impl FromValue for LcsMatch {
    fn from_value(v: Value) -> Result<Self> {
        let items = into_items(v, "an LCS match")?;
        let n = items.len();
        if n != 2 && n != 3 {
            return Err(Error::Type(format!(
                "an LCS match has 2 or 3 items, got {n}"
            )));
        }
        let mut it = items.into_iter();
        let key1 = <(u64, u64)>::from_value(it.next().unwrap_or(Value::Nil))?;
        let key2 = <(u64, u64)>::from_value(it.next().unwrap_or(Value::Nil))?;
        let len = it.next().map(u64::from_value).transpose()?;
        Ok(LcsMatch { key1, key2, len })
    }
}

impl FromValue for LcsIdx {
    /// From the RESP3 map or the RESP2 flat array `["matches", [...], "len", n]`.
    fn from_value(v: Value) -> Result<Self> {
        let mut out = LcsIdx::default();
        let mut seen_len = false;
        for (k, v) in into_pairs(v, "LcsIdx")? {
            match k.as_bytes() {
                Some(b"matches") => out.matches = Vec::<LcsMatch>::from_value(v)?,
                Some(b"len") => {
                    out.len = u64::from_value(v)?;
                    seen_len = true;
                }
                Some(_) => {}
                None => return type_err(&k, "an LcsIdx field name"),
            }
        }
        if !seen_len {
            return Err(Error::Type("LCS IDX reply without `len`".into()));
        }
        Ok(out)
    }
}

/// Appends `value` as the SET IFEQ comparison, then the options.
pub(crate) fn set_if_eq_apply(c: Cmd, comparison: impl ToArg, options: SetOptions) -> Cmd {
    let mut c = c;
    if let Some(cond) = options.condition {
        c = cond.apply(c);
    }
    c = c.arg("IFEQ").arg(comparison);
    SetOptions {
        condition: None,
        ..options
    }
    .apply(c)
}

/// The string command table; see [the module docs](crate::commands) for its form.
macro_rules! string_commands {
    ($emit:ident $($pre:tt)*) => {
        $emit! { $($pre)*
            /// Get the value of `key`: `None` (with `Option<T>`) when it does not exist.
            ///
            /// Redis 1.0.0+.
            ///
            /// ```no_run
            /// # let r = strictredis::StrictRedis::from_url("redis://127.0.0.1/")?;
            /// let v: Option<String> = r.get("key")?;
            /// # Ok::<(), strictredis::Error>(())
            /// ```
            fn get<T>(key: impl ToArg) -> T {
                cmd("GET").key(key)
            }

            /// Set `key` to `value`, dropping any previous value and expiry.
            ///
            /// Redis 1.0.0+.
            fn set(key: impl ToArg, value: impl ToArg) -> () {
                cmd("SET").key(key).arg(value)
            }

            /// SET with options: a condition (`NX`/`XX`), `GET`, an expiry or `KEEPTTL`.
            ///
            /// Redis 1.0.0+ (options: 2.6.12+, `KEEPTTL` 6.0.0+, `GET`/`EXAT`/`PXAT` 6.2.0+).
            /// The reply type `T` depends on the options:
            /// - with `get`: `Option<V>`, the previous value (`None` when the key was missing);
            /// - with a `condition` and without `get`: `bool`, whether the value was set;
            /// - otherwise `()`.
            ///
            /// ```no_run
            /// # let r = strictredis::StrictRedis::from_url("redis://127.0.0.1/")?;
            /// use strictredis::commands::strings::SetOptions;
            /// let was_set: bool = r.set_with("lock", "me", SetOptions::new().nx().px(30_000))?;
            /// let old: Option<String> = r.set_with("key", "new", SetOptions::new().get())?;
            /// # Ok::<(), strictredis::Error>(())
            /// ```
            fn set_with<T>(key: impl ToArg, value: impl ToArg, options: SetOptions) -> T {
                options.apply(cmd("SET").key(key).arg(value))
            }

            /// SET only when the key's current value equals `comparison` (`SET ... IFEQ`):
            /// reply types as for [`set_with`](Self::set_with), whose `condition` must be
            /// `None` here.
            ///
            /// Valkey 8.1.0+ (not in Redis 7).
            fn set_if_eq<T>(
                key: impl ToArg,
                value: impl ToArg,
                comparison: impl ToArg,
                options: SetOptions
            ) -> T {
                set_if_eq_apply(cmd("SET").key(key).arg(value), comparison, options)
            }

            /// Set `key` to `value` with an expiry of `seconds`.
            ///
            /// Redis 2.0.0+.
            ///
            /// ```no_run
            /// # let r = strictredis::StrictRedis::from_url("redis://127.0.0.1/")?;
            /// r.setex("key", 10, "value")?;
            /// # Ok::<(), strictredis::Error>(())
            /// ```
            fn setex(key: impl ToArg, seconds: u64, value: impl ToArg) -> () {
                cmd("SETEX").key(key).arg(seconds).arg(value)
            }

            /// Set `key` to `value` with an expiry of `milliseconds`.
            ///
            /// Redis 2.6.0+.
            fn psetex(key: impl ToArg, milliseconds: u64, value: impl ToArg) -> () {
                cmd("PSETEX").key(key).arg(milliseconds).arg(value)
            }

            /// Set `key` to `value` only when it does not exist; true when it was set.
            ///
            /// Redis 1.0.0+.
            fn setnx(key: impl ToArg, value: impl ToArg) -> bool {
                cmd("SETNX").key(key).arg(value)
            }

            /// Get the value of `key` and set a new one: the old value, `None` when missing.
            ///
            /// Redis 1.0.0+ (deprecated in 6.2.0 for `set_with` with `get`).
            fn getset<T>(key: impl ToArg, value: impl ToArg) -> T {
                cmd("GETSET").key(key).arg(value)
            }

            /// Get the value of `key` and delete it; `None` when missing.
            ///
            /// Redis 6.2.0+.
            fn getdel<T>(key: impl ToArg) -> T {
                cmd("GETDEL").key(key)
            }

            /// Get the value of `key` and change (or with `Persist`, remove) its expiry;
            /// `None` when missing.
            ///
            /// Redis 6.2.0+.
            ///
            /// ```no_run
            /// # let r = strictredis::StrictRedis::from_url("redis://127.0.0.1/")?;
            /// use strictredis::commands::strings::GetExExpiry;
            /// let v: Option<String> = r.getex("session", Some(GetExExpiry::Ex(60)))?;
            /// # Ok::<(), strictredis::Error>(())
            /// ```
            fn getex<T>(key: impl ToArg, expiry: Option<GetExExpiry>) -> T {
                getex_apply(cmd("GETEX").key(key), expiry)
            }

            /// The bytes of the value at `key` from `start` to `end`, both inclusive (negative
            /// counts from the end). A range past the end, or a missing key, is empty.
            ///
            /// Redis 2.4.0+.
            fn getrange<T>(key: impl ToArg, start: i64, end: i64) -> T {
                cmd("GETRANGE").key(key).arg(start).arg(end)
            }

            /// The old name of GETRANGE: the bytes from `start` to `end`, both inclusive.
            ///
            /// Redis 1.0.0+ (deprecated in 2.0.0 for `getrange`).
            fn substr<T>(key: impl ToArg, start: i64, end: i64) -> T {
                cmd("SUBSTR").key(key).arg(start).arg(end)
            }

            /// Overwrite the value at `key` from byte `offset` on; a missing key or a short
            /// value is padded with zero bytes first. Returns the new length.
            ///
            /// Redis 2.2.0+.
            fn setrange(key: impl ToArg, offset: u64, value: impl ToArg) -> u64 {
                cmd("SETRANGE").key(key).arg(offset).arg(value)
            }

            /// Append `value` to the value at `key` (created when missing); returns the new
            /// length.
            ///
            /// Redis 2.0.0+.
            fn append(key: impl ToArg, value: impl ToArg) -> u64 {
                cmd("APPEND").key(key).arg(value)
            }

            /// The length in bytes of the value at `key`; 0 when missing.
            ///
            /// Redis 2.2.0+.
            fn strlen(key: impl ToArg) -> u64 {
                cmd("STRLEN").key(key)
            }

            /// Get the values of several keys; missing keys are `None` with `Option<T>`.
            ///
            /// Redis 1.0.0+.
            fn mget<T>(keys: impl ToArgs) -> Vec<T> {
                cmd("MGET").keys(keys).reply_locally_below(2, LocalReply::EmptyArray)
            }

            /// Set several keys at once: `&[("k1", "v1"), ("k2", "v2")]` or a map.
            ///
            /// Redis 1.0.1+.
            ///
            /// ```no_run
            /// # let r = strictredis::StrictRedis::from_url("redis://127.0.0.1/")?;
            /// r.mset(&[("a", "1"), ("b", "2")])?;
            /// # Ok::<(), strictredis::Error>(())
            /// ```
            fn mset(pairs: impl FieldValues) -> () {
                cmd("MSET")
                    .key_values(pairs)
                    .reply_locally_below(3, LocalReply::Ok)
            }

            /// Set several keys at once only when none of them exists; true when they were set
            /// (false: nothing was set).
            ///
            /// Redis 1.0.1+.
            fn msetnx(pairs: impl FieldValues) -> bool {
                cmd("MSETNX").key_values(pairs)
            }

            /// Set several keys at once, with a condition and an expiry for all of them; true
            /// when they were set.
            ///
            /// Valkey 9.1.0+ (not in Redis 7).
            fn msetex(pairs: impl FieldValues, options: MsetexOptions) -> bool {
                let n = pairs.pair_count() as u64;
                options.apply(cmd("MSETEX").arg(n).key_values(pairs))
            }

            /// Delete `key` only when its value equals `value`; true when it was deleted.
            ///
            /// Valkey 9.0.0+ (not in Redis 7).
            fn delifeq(key: impl ToArg, value: impl ToArg) -> bool {
                cmd("DELIFEQ").key(key).arg(value)
            }

            /// Increment the integer at `key` by one; a missing key counts as 0.
            ///
            /// Redis 1.0.0+.
            fn incr(key: impl ToArg) -> i64 {
                cmd("INCR").key(key)
            }

            /// Increment the integer at `key` by `increment`.
            ///
            /// Redis 1.0.0+.
            fn incrby(key: impl ToArg, increment: i64) -> i64 {
                cmd("INCRBY").key(key).arg(increment)
            }

            /// Increment the float at `key` by `increment`, returning the new value.
            ///
            /// Redis 2.6.0+.
            fn incrbyfloat(key: impl ToArg, increment: f64) -> f64 {
                cmd("INCRBYFLOAT").key(key).arg(increment)
            }

            /// Decrement the integer at `key` by one; a missing key counts as 0.
            ///
            /// Redis 1.0.0+.
            fn decr(key: impl ToArg) -> i64 {
                cmd("DECR").key(key)
            }

            /// Decrement the integer at `key` by `decrement`.
            ///
            /// Redis 1.0.0+.
            fn decrby(key: impl ToArg, decrement: i64) -> i64 {
                cmd("DECRBY").key(key).arg(decrement)
            }

            /// The longest common subsequence of the values at two keys.
            ///
            /// Redis 7.0.0+.
            fn lcs<T>(key1: impl ToArg, key2: impl ToArg) -> T {
                cmd("LCS").key(key1).key(key2)
            }

            /// The length of the longest common subsequence of two keys' values (`LCS LEN`).
            ///
            /// Redis 7.0.0+.
            fn lcs_len(key1: impl ToArg, key2: impl ToArg) -> u64 {
                cmd("LCS").key(key1).key(key2).arg("LEN")
            }

            /// Where the longest common subsequence of two keys' values sits in each (`LCS
            /// IDX`), keeping matches of at least `min_match_len` bytes; `with_match_len` adds
            /// each match's length.
            ///
            /// Redis 7.0.0+.
            ///
            /// ```no_run
            /// # let r = strictredis::StrictRedis::from_url("redis://127.0.0.1/")?;
            /// let idx = r.lcs_idx("a", "b", Some(4), true)?;
            /// for m in &idx.matches {
            ///     println!("{:?} ~ {:?} ({:?} bytes)", m.key1, m.key2, m.len);
            /// }
            /// # Ok::<(), strictredis::Error>(())
            /// ```
            fn lcs_idx(
                key1: impl ToArg,
                key2: impl ToArg,
                min_match_len: Option<u64>,
                with_match_len: bool
            ) -> LcsIdx {
                cmd("LCS")
                    .key(key1)
                    .key(key2)
                    .arg("IDX")
                    .opt_token("MINMATCHLEN", min_match_len)
                    .arg_if(with_match_len, "WITHMATCHLEN")
            }
        }
    };
}
pub(crate) use string_commands;
