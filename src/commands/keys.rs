//! Generic commands: keys, expiry, types.

/// The generic (keyspace) command table; see [the module docs](crate::commands).
macro_rules! key_commands {
    ($emit:ident) => {
        $emit! {
            /// Delete keys; returns how many existed. (`DEL`; named `delete` as in redis-py.)
            ///
            /// Redis 1.0.0+.
            ///
            /// ```no_run
            /// # let r = strictredis::StrictRedis::from_url("redis://127.0.0.1/")?;
            /// let gone: u64 = r.delete(&["a", "b"])?;
            /// # Ok::<(), strictredis::Error>(())
            /// ```
            fn delete(keys: impl ToArgs) -> u64 {
                cmd("DEL").keys(keys)
            }

            /// Count how many of `keys` exist (a key named twice counts twice).
            ///
            /// Redis 1.0.0+ (several keys: 3.0.3+).
            fn exists(keys: impl ToArgs) -> u64 {
                cmd("EXISTS").keys(keys)
            }

            /// Set a timeout of `seconds` on `key`; false when the key does not exist.
            ///
            /// Redis 1.0.0+.
            fn expire(key: impl ToArg, seconds: u64) -> bool {
                cmd("EXPIRE").key(key).arg(seconds)
            }

            /// Seconds until `key` expires: -2 when it does not exist, -1 when it has no expiry.
            ///
            /// Redis 1.0.0+.
            fn ttl(key: impl ToArg) -> i64 {
                cmd("TTL").key(key)
            }

            /// The type of the value at `key` (`string`, `list`, ..., `none` when missing).
            /// (`TYPE`; named `type_` as in redis-py.)
            ///
            /// Redis 1.0.0+.
            fn type_(key: impl ToArg) -> String {
                cmd("TYPE").key(key)
            }
        }
    };
}
pub(crate) use key_commands;
