//! String commands: GET, SET and friends.

/// The string command table; see [the module docs](crate::commands) for its form.
macro_rules! string_commands {
    ($emit:ident) => {
        $emit! {
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

            /// Get the values of several keys; missing keys are `None` with `Option<T>`.
            ///
            /// Redis 1.0.0+.
            fn mget<T>(keys: impl ToArgs) -> Vec<T> {
                cmd("MGET").keys(keys)
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
        }
    };
}
pub(crate) use string_commands;
