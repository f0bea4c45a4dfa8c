//! Hash commands: HSET, HGET and friends, and Valkey's per-field expiry (HEXPIRE, HSETEX, ...).

use crate::args::{FieldValues, ToArg, ToArgs};
use crate::cmd::Cmd;

pub use super::scan_options::HScanOptions;

/// When [`hexpire`](crate::StrictRedis::hexpire) and friends may set a field's expiry.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum HExpireCondition {
    /// `NX`: only fields without an expiry.
    Nx,
    /// `XX`: only fields that already have an expiry.
    Xx,
    /// `GT`: only when the new expiry is later than the current one.
    Gt,
    /// `LT`: only when the new expiry is earlier than the current one.
    Lt,
}

impl HExpireCondition {
    /// The token sent to the server.
    pub fn token(self) -> &'static str {
        match self {
            HExpireCondition::Nx => "NX",
            HExpireCondition::Xx => "XX",
            HExpireCondition::Gt => "GT",
            HExpireCondition::Lt => "LT",
        }
    }
}

/// Whether [`hsetex`](crate::StrictRedis::hsetex) may run, by whether the hash exists.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum HSetExCondition {
    /// `NX`: only when the hash does not exist.
    Nx,
    /// `XX`: only when the hash exists.
    Xx,
}

/// Whether [`hsetex`](crate::StrictRedis::hsetex) may run, by whether the fields exist.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum HSetExFieldCondition {
    /// `FNX`: only when none of the fields exists.
    Fnx,
    /// `FXX`: only when all of the fields exist.
    Fxx,
}

/// The expiry [`hsetex`](crate::StrictRedis::hsetex) gives the fields it sets.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum HSetExExpiry {
    /// `EX seconds`.
    Ex(u64),
    /// `PX milliseconds`.
    Px(u64),
    /// `EXAT unix-time-seconds`.
    ExAt(u64),
    /// `PXAT unix-time-milliseconds`.
    PxAt(u64),
    /// `KEEPTTL`: fields that exist keep their expiry.
    KeepTtl,
}

/// The options of [`hsetex`](crate::StrictRedis::hsetex); the default sets the fields without
/// any condition and without an expiry.
///
/// ```
/// use strictredis::commands::hashes::{HSetExExpiry, HSetExOptions};
/// let opts = HSetExOptions::default().fnx().expiry(HSetExExpiry::Ex(60));
/// # let _ = opts;
/// ```
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct HSetExOptions {
    /// `NX` / `XX` on the hash key.
    pub condition: Option<HSetExCondition>,
    /// `FNX` / `FXX` on the fields.
    pub field_condition: Option<HSetExFieldCondition>,
    /// `EX`, `PX`, `EXAT`, `PXAT` or `KEEPTTL`.
    pub expiry: Option<HSetExExpiry>,
}

impl HSetExOptions {
    /// Appends the options (not the fields) to `c`.
    #[doc(hidden)]
    pub fn apply(self, c: Cmd) -> Cmd {
        let c = match self.condition {
            Some(HSetExCondition::Nx) => c.arg("NX"),
            Some(HSetExCondition::Xx) => c.arg("XX"),
            None => c,
        };
        let c = match self.field_condition {
            Some(HSetExFieldCondition::Fnx) => c.arg("FNX"),
            Some(HSetExFieldCondition::Fxx) => c.arg("FXX"),
            None => c,
        };
        match self.expiry {
            Some(HSetExExpiry::Ex(s)) => c.arg("EX").arg(s),
            Some(HSetExExpiry::Px(ms)) => c.arg("PX").arg(ms),
            Some(HSetExExpiry::ExAt(t)) => c.arg("EXAT").arg(t),
            Some(HSetExExpiry::PxAt(t)) => c.arg("PXAT").arg(t),
            Some(HSetExExpiry::KeepTtl) => c.arg("KEEPTTL"),
            None => c,
        }
    }
}

crate::commands::setters! {
    HSetExOptions {
        /// Only when the hash does not exist (`NX`).
        fn nx() => condition = Some(HSetExCondition::Nx);
        /// Only when the hash exists (`XX`).
        fn xx() => condition = Some(HSetExCondition::Xx);
        /// Only when none of the fields exists (`FNX`).
        fn fnx() => field_condition = Some(HSetExFieldCondition::Fnx);
        /// Only when every field exists (`FXX`).
        fn fxx() => field_condition = Some(HSetExFieldCondition::Fxx);
        /// The expiry to give the fields.
        fn expiry(expiry: HSetExExpiry) => expiry = Some(expiry);
    }
}

/// The expiry change [`hgetex`](crate::StrictRedis::hgetex) makes to the fields it reads.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum HGetExExpiry {
    /// `EX seconds`.
    Ex(u64),
    /// `PX milliseconds`.
    Px(u64),
    /// `EXAT unix-time-seconds`.
    ExAt(u64),
    /// `PXAT unix-time-milliseconds`.
    PxAt(u64),
    /// `PERSIST`: remove the fields' expiry.
    Persist,
}

impl HGetExExpiry {
    /// Appends the option to `c`.
    #[doc(hidden)]
    pub fn apply(self, c: Cmd) -> Cmd {
        match self {
            HGetExExpiry::Ex(s) => c.arg("EX").arg(s),
            HGetExExpiry::Px(ms) => c.arg("PX").arg(ms),
            HGetExExpiry::ExAt(t) => c.arg("EXAT").arg(t),
            HGetExExpiry::PxAt(t) => c.arg("PXAT").arg(t),
            HGetExExpiry::Persist => c.arg("PERSIST"),
        }
    }
}

/// `FIELDS numfields field [field ...]`.
pub(crate) fn hash_fields(c: Cmd, fields: impl ToArgs) -> Cmd {
    c.arg("FIELDS").numargs(fields)
}

/// `HEXPIRE`-like: `key time [condition] FIELDS numfields field...`.
pub(crate) fn hash_expire(
    name: &str,
    key: impl ToArg,
    time: u64,
    fields: impl ToArgs,
    condition: Option<HExpireCondition>,
) -> Cmd {
    let c = crate::cmd::cmd(name)
        .key(key)
        .arg(time)
        .opt_arg(condition.map(HExpireCondition::token));
    hash_fields(c, fields)
}

/// `HSETEX ... FIELDS numfields field value ...`.
pub(crate) fn hash_setex(key: impl ToArg, fields: impl FieldValues, options: HSetExOptions) -> Cmd {
    let c = options.apply(crate::cmd::cmd("HSETEX").key(key));
    let n = fields.pair_count();
    c.arg("FIELDS").arg(n).field_values(fields)
}

/// The hash command table; see [the module docs](crate::commands).
macro_rules! hash_commands {
    ($emit:ident $($pre:tt)*) => {
        $crate::commands::hashes::hash_expiry_entries! { $emit [$($pre)*
            /// Delete `fields` from the hash at `key`; returns how many existed.
            ///
            /// Redis 2.0.0+ (several fields: 2.4.0+).
            fn hdel(key: impl ToArg, fields: impl ToArgs) -> u64 {
                cmd("HDEL").key(key).args(fields).reply_locally_below(3, LocalReply::Int(0))
            }

            /// Whether `field` exists in the hash at `key`.
            ///
            /// Redis 2.0.0+.
            fn hexists(key: impl ToArg, field: impl ToArg) -> bool {
                cmd("HEXISTS").key(key).arg(field)
            }

            /// Set `field` of the hash at `key` to `value`; returns 1 when the field is new.
            ///
            /// Redis 2.0.0+.
            fn hset(key: impl ToArg, field: impl ToArg, value: impl ToArg) -> u64 {
                cmd("HSET").key(key).arg(field).arg(value)
            }

            /// Set several `(field, value)` pairs of the hash at `key` (`HSET` with many
            /// fields); returns how many fields are new.
            ///
            /// Redis 4.0.0+.
            ///
            /// ```no_run
            /// # let r = strictredis::StrictRedis::from_url("redis://127.0.0.1/")?;
            /// let added: u64 = r.hset_multiple("user:1", &[("name", "ada"), ("lang", "en")])?;
            /// # Ok::<(), strictredis::Error>(())
            /// ```
            fn hset_multiple(key: impl ToArg, pairs: impl FieldValues) -> u64 {
                cmd("HSET").key(key).field_values(pairs)
            }

            /// Set `field` to `value` only when the field does not exist yet; true when set.
            ///
            /// Redis 2.0.0+.
            fn hsetnx(key: impl ToArg, field: impl ToArg, value: impl ToArg) -> bool {
                cmd("HSETNX").key(key).arg(field).arg(value)
            }

            /// Get the value of `field` in the hash at `key`.
            ///
            /// Redis 2.0.0+.
            fn hget<T>(key: impl ToArg, field: impl ToArg) -> T {
                cmd("HGET").key(key).arg(field)
            }

            /// Every field and value of the hash at `key` (empty when it does not exist).
            ///
            /// Redis 2.0.0+.
            fn hgetall<T>(key: impl ToArg) -> T {
                cmd("HGETALL").key(key)
            }

            /// Add `increment` to the integer in `field` (a missing field counts as 0);
            /// returns the new value.
            ///
            /// Redis 2.0.0+.
            ///
            /// ```no_run
            /// # let r = strictredis::StrictRedis::from_url("redis://127.0.0.1/")?;
            /// let visits: i64 = r.hincrby("page:1", "visits", 1)?;
            /// # Ok::<(), strictredis::Error>(())
            /// ```
            fn hincrby(key: impl ToArg, field: impl ToArg, increment: i64) -> i64 {
                cmd("HINCRBY").key(key).arg(field).arg(increment)
            }

            /// Add `increment` to the float in `field` (a missing field counts as 0); returns
            /// the new value.
            ///
            /// Redis 2.6.0+.
            fn hincrbyfloat(key: impl ToArg, field: impl ToArg, increment: f64) -> f64 {
                cmd("HINCRBYFLOAT").key(key).arg(field).arg(increment)
            }

            /// Every field name of the hash at `key`.
            ///
            /// Redis 2.0.0+.
            fn hkeys<T>(key: impl ToArg) -> T {
                cmd("HKEYS").key(key)
            }

            /// The number of fields in the hash at `key` (0 when it does not exist).
            ///
            /// Redis 2.0.0+.
            fn hlen(key: impl ToArg) -> u64 {
                cmd("HLEN").key(key)
            }

            /// The values of `fields`, in order; missing fields are `None` with `Option<T>`.
            ///
            /// Redis 2.0.0+.
            fn hmget<T>(key: impl ToArg, fields: impl ToArgs) -> Vec<T> {
                cmd("HMGET").key(key).args(fields).reply_locally_below(3, LocalReply::EmptyArray)
            }

            /// HMGET into any reply type, a tuple in particular (redis-py's
            /// `hmget` unpacked): `(Option<String>, Option<i64>)` for two fields.
            ///
            /// Redis 2.0.0+.
            ///
            /// ```no_run
            /// # let r = strictredis::StrictRedis::from_url("redis://127.0.0.1/")?;
            /// let (name, age): (Option<String>, Option<u32>) =
            ///     r.hmget_into("user:1", &["name", "age"])?;
            /// # Ok::<(), strictredis::Error>(())
            /// ```
            fn hmget_into<T>(key: impl ToArg, fields: impl ToArgs) -> T {
                cmd("HMGET").key(key).args(fields).reply_locally_below(3, LocalReply::EmptyArray)
            }

            /// Set several `(field, value)` pairs. Deprecated by Redis since 4.0.0: use
            /// [`hset_multiple`](crate::StrictRedis::hset_multiple).
            ///
            /// Redis 2.0.0+.
            fn hmset(key: impl ToArg, pairs: impl FieldValues) -> () {
                cmd("HMSET").key(key).field_values(pairs)
            }

            /// One random field name of the hash at `key`; `None` (with `Option<T>`) when it
            /// does not exist.
            ///
            /// Redis 6.2.0+.
            fn hrandfield<T>(key: impl ToArg) -> T {
                cmd("HRANDFIELD").key(key)
            }

            /// Up to `count` distinct random field names; a negative `count` returns exactly
            /// `-count` names, possibly repeated.
            ///
            /// Redis 6.2.0+.
            fn hrandfield_count<T>(key: impl ToArg, count: i64) -> T {
                cmd("HRANDFIELD").key(key).arg(count)
            }

            /// Like [`hrandfield_count`](crate::StrictRedis::hrandfield_count), with each
            /// field's value (`WITHVALUES`).
            ///
            /// Redis 6.2.0+.
            fn hrandfield_withvalues<F, V>(key: impl ToArg, count: i64) -> Vec<(F, V)> {
                cmd("HRANDFIELD").key(key).arg(count).arg("WITHVALUES")
            }

            /// One step of an incremental iteration over the hash at `key`: the next cursor
            /// (0 when done) and a batch of fields and values (field names only with
            /// `NOVALUES`).
            ///
            /// Redis 2.8.0+ (`NOVALUES`: Valkey 8.0+).
            ///
            /// ```no_run
            /// # use std::collections::HashMap;
            /// use strictredis::commands::hashes::HScanOptions;
            /// # let r = strictredis::StrictRedis::from_url("redis://127.0.0.1/")?;
            /// let mut cursor = 0;
            /// loop {
            ///     let (next, batch): (u64, HashMap<String, String>) =
            ///         r.hscan("h", cursor, HScanOptions::default().count(100))?;
            ///     // ... use batch ...
            ///     # let _ = batch;
            ///     if next == 0 { break; }
            ///     cursor = next;
            /// }
            /// # Ok::<(), strictredis::Error>(())
            /// ```
            fn hscan<T>(key: impl ToArg, cursor: u64, options: HScanOptions) -> (u64, T) {
                options.apply(cmd("HSCAN").key(key).arg(cursor))
            }

            /// The length of the value in `field` (0 when the field or the key is missing).
            ///
            /// Redis 3.2.0+.
            fn hstrlen(key: impl ToArg, field: impl ToArg) -> u64 {
                cmd("HSTRLEN").key(key).arg(field)
            }

            /// Every value of the hash at `key`.
            ///
            /// Redis 2.0.0+.
            fn hvals<T>(key: impl ToArg) -> T {
                cmd("HVALS").key(key)
            }

            /// Set fields and values, with conditions on the hash and the fields and an
            /// optional expiry for the fields; true when the fields were set.
            ///
            /// Valkey 9.0.0+.
            ///
            /// ```no_run
            /// use strictredis::commands::hashes::{HSetExExpiry, HSetExOptions};
            /// # let r = strictredis::StrictRedis::from_url("redis://127.0.0.1/")?;
            /// let set: bool = r.hsetex(
            ///     "session",
            ///     &[("token", "abc")],
            ///     HSetExOptions::default().fnx().expiry(HSetExExpiry::Ex(3600)),
            /// )?;
            /// # Ok::<(), strictredis::Error>(())
            /// ```
            fn hsetex(key: impl ToArg, pairs: impl FieldValues, options: HSetExOptions) -> bool {
                hash_setex(key, pairs, options)
            }

            /// The values of `fields` (missing ones `None` with `Option<T>`), optionally
            /// changing their expiry.
            ///
            /// Valkey 9.0.0+.
            fn hgetex<T>(
                key: impl ToArg,
                fields: impl ToArgs,
                expiry: Option<HGetExExpiry>,
            ) -> Vec<T> {
                let c = cmd("HGETEX").key(key);
                let c = match expiry {
                    Some(e) => e.apply(c),
                    None => c,
                };
                hash_fields(c, fields)
            }

            /// The values of `fields` (missing ones `None` with `Option<T>`), deleting them.
            ///
            /// Valkey 9.1.0+.
            fn hgetdel<T>(key: impl ToArg, fields: impl ToArgs) -> Vec<T> {
                hash_fields(cmd("HGETDEL").key(key), fields)
            }

        ]
            // One shape each: `key time [condition] FIELDS numfields field...`, the time's
            // name says its unit.
            set {
                /// Let `fields` expire in `seconds`. One code per field: -2 no such field,
                /// 0 the condition was not met, 1 the expiry was set, 2 the field was deleted
                /// (a time in the past).
                ///
                /// Valkey 9.0.0+.
                ///
                /// ```no_run
                /// use strictredis::commands::hashes::HExpireCondition;
                /// # let r = strictredis::StrictRedis::from_url("redis://127.0.0.1/")?;
                /// let codes = r.hexpire("session", 60, &["token"], Some(HExpireCondition::Nx))?;
                /// assert_eq!(codes, vec![1]);
                /// # Ok::<(), strictredis::Error>(())
                /// ```
                fn hexpire(seconds) = "HEXPIRE";

                /// Let `fields` expire in `milliseconds`; codes as for
                /// [`hexpire`](crate::StrictRedis::hexpire).
                ///
                /// Valkey 9.0.0+.
                fn hpexpire(milliseconds) = "HPEXPIRE";

                /// Let `fields` expire at a Unix time in seconds; codes as for
                /// [`hexpire`](crate::StrictRedis::hexpire).
                ///
                /// Valkey 9.0.0+.
                fn hexpireat(unix_time_seconds) = "HEXPIREAT";

                /// Let `fields` expire at a Unix time in milliseconds; codes as for
                /// [`hexpire`](crate::StrictRedis::hexpire).
                ///
                /// Valkey 9.0.0+.
                fn hpexpireat(unix_time_milliseconds) = "HPEXPIREAT";
            }
            // One shape each: `key FIELDS numfields field...`, one integer per field.
            read {
                /// The Unix time in seconds at which each field expires: -1 no expiry, -2 no
                /// such field.
                ///
                /// Valkey 9.0.0+.
                fn hexpiretime = "HEXPIRETIME";

                /// The Unix time in milliseconds at which each field expires: -1 no expiry, -2 no
                /// such field.
                ///
                /// Valkey 9.0.0+.
                fn hpexpiretime = "HPEXPIRETIME";

                /// Seconds each field has left to live: -1 no expiry, -2 no such field.
                ///
                /// Valkey 9.0.0+.
                fn httl = "HTTL";

                /// Milliseconds each field has left to live: -1 no expiry, -2 no such field.
                ///
                /// Valkey 9.0.0+.
                fn hpttl = "HPTTL";

                /// Remove the expiry of `fields`. One code per field: 1 removed, -1 had no expiry,
                /// -2 no such field.
                ///
                /// Valkey 9.0.0+.
                fn hpersist = "HPERSIST";
            }
        }
    };
}
pub(crate) use hash_commands;

/// Hands the hash table to the emitter `$emit`: the entries written out in `[...]`, then the
/// per-field expiry commands, which come in two shapes: one entry per command, with its own
/// doc and name (and, for `set`, the name of the time argument).
macro_rules! hash_expiry_entries {
    ($emit:ident [$($entries:tt)*]
        set { $($(#[$set_meta:meta])* fn $set:ident($time:ident) = $set_cmd:literal;)* }
        read { $($(#[$read_meta:meta])* fn $read:ident = $read_cmd:literal;)* }
    ) => {
        $emit! { $($entries)*
            $(
                $(#[$set_meta])*
                fn $set(
                    key: impl ToArg,
                    $time: u64,
                    fields: impl ToArgs,
                    condition: Option<HExpireCondition>,
                ) -> Vec<i64> {
                    hash_expire($set_cmd, key, $time, fields, condition)
                }
            )*
            $(
                $(#[$read_meta])*
                fn $read(key: impl ToArg, fields: impl ToArgs) -> Vec<i64> {
                    hash_fields(cmd($read_cmd).key(key), fields)
                }
            )*
        }
    };
}
pub(crate) use hash_expiry_entries;

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cmd::cmd;

    use crate::commands::test_args as args;

    #[test]
    fn hsetex_options_come_before_the_fields() {
        let opts = HSetExOptions::default()
            .expiry(HSetExExpiry::PxAt(1_700_000_000_000))
            .fxx()
            .xx();
        let c = hash_setex("h", [("a", "1"), ("b", "2")], opts);
        assert_eq!(
            args(&c),
            [
                "HSETEX",
                "h",
                "XX",
                "FXX",
                "PXAT",
                "1700000000000",
                "FIELDS",
                "2",
                "a",
                "1",
                "b",
                "2"
            ]
        );
        assert_eq!(c.key_args().collect::<Vec<_>>(), [b"h"]);
    }

    #[test]
    fn expire_and_fields() {
        let c = hash_expire("HEXPIRE", "h", 10, ["a", "b"], Some(HExpireCondition::Gt));
        assert_eq!(
            args(&c),
            ["HEXPIRE", "h", "10", "GT", "FIELDS", "2", "a", "b"]
        );
        let c = hash_expire("HPEXPIREAT", "h", 5, "a", None);
        assert_eq!(args(&c), ["HPEXPIREAT", "h", "5", "FIELDS", "1", "a"]);
        let c = HGetExExpiry::Persist.apply(cmd("HGETEX").key("h"));
        assert_eq!(
            args(&hash_fields(c, "f")),
            ["HGETEX", "h", "PERSIST", "FIELDS", "1", "f"]
        );
        let c = HScanOptions::default()
            .novalues()
            .pattern("f*")
            .apply(cmd("HSCAN").key("h").arg(0u64));
        assert_eq!(args(&c), ["HSCAN", "h", "0", "MATCH", "f*", "NOVALUES"]);
    }
}
