//! Hash commands.

/// The hash command table; see [the module docs](crate::commands).
macro_rules! hash_commands {
    ($emit:ident) => {
        $emit! {
            /// Set `field` of the hash at `key` to `value`; returns 1 when the field is new.
            ///
            /// Redis 2.0.0+.
            fn hset(key: impl ToArg, field: impl ToArg, value: impl ToArg) -> u64 {
                cmd("HSET").key(key).arg(field).arg(value)
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
        }
    };
}
pub(crate) use hash_commands;
