//! List commands.

/// The list command table; see [the module docs](crate::commands).
macro_rules! list_commands {
    ($emit:ident) => {
        $emit! {
            /// Append `values` to the list at `key`; returns the new length.
            ///
            /// Redis 1.0.0+ (several values: 2.4.0+).
            fn rpush(key: impl ToArg, values: impl ToArgs) -> u64 {
                cmd("RPUSH").key(key).args(values)
            }

            /// Prepend `values` to the list at `key`; returns the new length.
            ///
            /// Redis 1.0.0+ (several values: 2.4.0+).
            fn lpush(key: impl ToArg, values: impl ToArgs) -> u64 {
                cmd("LPUSH").key(key).args(values)
            }

            /// The elements from `start` to `stop` (inclusive; negative counts from the end).
            ///
            /// Redis 1.0.0+.
            fn lrange<T>(key: impl ToArg, start: i64, stop: i64) -> T {
                cmd("LRANGE").key(key).arg(start).arg(stop)
            }
        }
    };
}
pub(crate) use list_commands;
