//! List commands: pushes, pops (blocking or not), ranges and moves.

use crate::cmd::Cmd;

/// An end of a list: `LEFT` (the head) or `RIGHT` (the tail), for LMOVE, LMPOP and friends.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ListDirection {
    /// `LEFT`: the head, where LPUSH adds and LPOP takes.
    Left,
    /// `RIGHT`: the tail, where RPUSH adds and RPOP takes.
    Right,
}

impl ListDirection {
    /// The token sent to the server.
    pub fn token(self) -> &'static str {
        match self {
            ListDirection::Left => "LEFT",
            ListDirection::Right => "RIGHT",
        }
    }
}

/// Where [`linsert`](crate::StrictRedis::linsert) puts the new element, next to the pivot.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum LInsertPosition {
    /// `BEFORE` the pivot.
    Before,
    /// `AFTER` the pivot.
    After,
}

impl LInsertPosition {
    /// The token sent to the server.
    pub fn token(self) -> &'static str {
        match self {
            LInsertPosition::Before => "BEFORE",
            LInsertPosition::After => "AFTER",
        }
    }
}

/// The options of [`lpos`](crate::StrictRedis::lpos) and
/// [`lpos_count`](crate::StrictRedis::lpos_count): `RANK` and `MAXLEN`.
///
/// ```
/// use strictredis::commands::lists::LPosOptions;
/// // The last match, looking at no more than 1000 elements (from the tail).
/// let opts = LPosOptions::default().rank(-1).maxlen(1000);
/// # let _ = opts;
/// ```
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct LPosOptions {
    /// `RANK rank`: skip to the `rank`th match (1 the first); negative counts from the tail.
    pub rank: Option<i64>,
    /// `MAXLEN len`: compare at most `len` elements (0: all).
    pub maxlen: Option<u64>,
}

impl LPosOptions {
    /// Appends the options to `c`, with `COUNT count` when given.
    #[doc(hidden)]
    pub fn apply(self, c: Cmd, count: Option<u64>) -> Cmd {
        c.opt_token("RANK", self.rank)
            .opt_token("COUNT", count)
            .opt_token("MAXLEN", self.maxlen)
    }
}

crate::commands::setters! {
    LPosOptions {
        /// Start at the `rank`th match (1 the first, -1 the last); 0 is refused by the server.
        fn rank(rank: i64) => rank = Some(rank);
        /// Compare at most `len` elements (0: all).
        fn maxlen(len: u64) => maxlen = Some(len);
    }
}

/// The list command table; see [the module docs](crate::commands).
macro_rules! list_commands {
    ($emit:ident $($pre:tt)*) => {
        $emit! { $($pre)*
            /// Pop an element from one end of `source` and push it onto one end of
            /// `destination`, waiting up to `timeout` seconds (0: forever) for one; `None`
            /// (with `Option<T>`) when the time ran out.
            ///
            /// Redis 6.2.0+.
            fn blmove<T>(
                source: impl ToArg,
                destination: impl ToArg,
                wherefrom: ListDirection,
                whereto: ListDirection,
                timeout: f64,
            ) -> T {
                cmd("BLMOVE")
                    .key(source)
                    .key(destination)
                    .arg(wherefrom.token())
                    .arg(whereto.token())
                    .arg(timeout)
                    .blocking_secs(timeout)
            }

            /// Pop up to `count` (default 1) elements from the first non-empty list of `keys`,
            /// waiting up to `timeout` seconds (0: forever); `(key, elements)`, or `None`
            /// when the time ran out.
            ///
            /// Redis 7.0.0+.
            fn blmpop<K, V>(
                timeout: f64,
                keys: impl ToArgs,
                direction: ListDirection,
                count: Option<u64>,
            ) -> Option<(K, Vec<V>)> {
                cmd("BLMPOP")
                    .arg(timeout)
                    .numkeys(keys)
                    .arg(direction.token())
                    .opt_token("COUNT", count)
                    .blocking_secs(timeout)
            }

            /// Pop the first element of the first non-empty list of `keys`, waiting up to
            /// `timeout` seconds (0: forever); `(key, element)`, or `None` when the time ran
            /// out.
            ///
            /// Redis 2.0.0+ (fractional timeout: 6.0.0+).
            ///
            /// ```no_run
            /// # let r = strictredis::StrictRedis::from_url("redis://127.0.0.1/")?;
            /// let job: Option<(String, String)> = r.blpop(&["jobs:high", "jobs:low"], 5.0)?;
            /// # Ok::<(), strictredis::Error>(())
            /// ```
            fn blpop<K, V>(keys: impl ToArgs, timeout: f64) -> Option<(K, V)> {
                cmd("BLPOP").keys(keys).arg(timeout).blocking_secs(timeout)
            }

            /// Pop the last element of the first non-empty list of `keys`, waiting up to
            /// `timeout` seconds (0: forever); `(key, element)`, or `None` when the time ran
            /// out.
            ///
            /// Redis 2.0.0+ (fractional timeout: 6.0.0+).
            fn brpop<K, V>(keys: impl ToArgs, timeout: f64) -> Option<(K, V)> {
                cmd("BRPOP").keys(keys).arg(timeout).blocking_secs(timeout)
            }

            /// Pop the last element of `source`, push it onto the head of `destination` and
            /// return it, waiting up to `timeout` seconds (0: forever); `None` (with
            /// `Option<T>`) when the time ran out. Deprecated by Redis since 6.2.0: use
            /// [`blmove`](crate::StrictRedis::blmove).
            ///
            /// Redis 2.2.0+.
            fn brpoplpush<T>(source: impl ToArg, destination: impl ToArg, timeout: f64) -> T {
                cmd("BRPOPLPUSH")
                    .key(source)
                    .key(destination)
                    .arg(timeout)
                    .blocking_secs(timeout)
            }

            /// The element at `index` (negative counts from the tail); `None` (with
            /// `Option<T>`) when out of range.
            ///
            /// Redis 1.0.0+.
            fn lindex<T>(key: impl ToArg, index: i64) -> T {
                cmd("LINDEX").key(key).arg(index)
            }

            /// Insert `element` before or after the first `pivot`; returns the new length,
            /// -1 when the pivot was not found, 0 when the list does not exist.
            ///
            /// Redis 2.2.0+.
            fn linsert(
                key: impl ToArg,
                position: LInsertPosition,
                pivot: impl ToArg,
                element: impl ToArg,
            ) -> i64 {
                cmd("LINSERT").key(key).arg(position.token()).arg(pivot).arg(element)
            }

            /// The length of the list at `key` (0 when it does not exist).
            ///
            /// Redis 1.0.0+.
            fn llen(key: impl ToArg) -> u64 {
                cmd("LLEN").key(key)
            }

            /// Pop an element from one end of `source`, push it onto one end of
            /// `destination` and return it; `None` (with `Option<T>`) when `source` is empty.
            ///
            /// Redis 6.2.0+.
            ///
            /// ```no_run
            /// use strictredis::commands::lists::ListDirection;
            /// # let r = strictredis::StrictRedis::from_url("redis://127.0.0.1/")?;
            /// let moved: Option<String> =
            ///     r.lmove("todo", "doing", ListDirection::Left, ListDirection::Right)?;
            /// # Ok::<(), strictredis::Error>(())
            /// ```
            fn lmove<T>(
                source: impl ToArg,
                destination: impl ToArg,
                wherefrom: ListDirection,
                whereto: ListDirection,
            ) -> T {
                cmd("LMOVE")
                    .key(source)
                    .key(destination)
                    .arg(wherefrom.token())
                    .arg(whereto.token())
            }

            /// Pop up to `count` (default 1) elements from the first non-empty list of
            /// `keys`: `(key, elements)`, or `None` when all are empty.
            ///
            /// Redis 7.0.0+.
            fn lmpop<K, V>(
                keys: impl ToArgs,
                direction: ListDirection,
                count: Option<u64>,
            ) -> Option<(K, Vec<V>)> {
                cmd("LMPOP").numkeys(keys).arg(direction.token()).opt_token("COUNT", count)
            }

            /// Remove and return the first element; `None` (with `Option<T>`) when the list
            /// does not exist.
            ///
            /// Redis 1.0.0+.
            fn lpop<T>(key: impl ToArg) -> T {
                cmd("LPOP").key(key)
            }

            /// Remove and return up to `count` elements from the head; `None` when the list
            /// does not exist.
            ///
            /// Redis 6.2.0+.
            ///
            /// ```no_run
            /// # let r = strictredis::StrictRedis::from_url("redis://127.0.0.1/")?;
            /// let batch: Option<Vec<String>> = r.lpop_count("queue", 10)?;
            /// # Ok::<(), strictredis::Error>(())
            /// ```
            fn lpop_count<V>(key: impl ToArg, count: u64) -> Option<Vec<V>> {
                cmd("LPOP").key(key).arg(count)
            }

            /// The index of the first match of `element` (see [`LPosOptions`] for `RANK`
            /// and `MAXLEN`); `None` when there is none.
            ///
            /// Redis 6.0.6+.
            ///
            /// ```no_run
            /// use strictredis::commands::lists::LPosOptions;
            /// # let r = strictredis::StrictRedis::from_url("redis://127.0.0.1/")?;
            /// let last: Option<u64> = r.lpos("l", "x", LPosOptions::default().rank(-1))?;
            /// # Ok::<(), strictredis::Error>(())
            /// ```
            fn lpos(key: impl ToArg, element: impl ToArg, options: LPosOptions) -> Option<u64> {
                options.apply(cmd("LPOS").key(key).arg(element), None)
            }

            /// The indexes of up to `count` matches of `element` (0: all matches).
            ///
            /// Redis 6.0.6+.
            fn lpos_count(
                key: impl ToArg,
                element: impl ToArg,
                count: u64,
                options: LPosOptions,
            ) -> Vec<u64> {
                options.apply(cmd("LPOS").key(key).arg(element), Some(count))
            }

            /// Prepend `values` to the list at `key`; returns the new length.
            ///
            /// Redis 1.0.0+ (several values: 2.4.0+).
            fn lpush(key: impl ToArg, values: impl ToArgs) -> u64 {
                if values.arg_count() == 0 {
                    // Nothing to push: the reply is the list's length as it is.
                    cmd("LLEN").key(key)
                } else {
                    cmd("LPUSH").key(key).args(values)
                }
            }

            /// Prepend `values` only when the list exists; returns the new length (0: no
            /// list).
            ///
            /// Redis 2.2.0+ (several values: 4.0.0+).
            fn lpushx(key: impl ToArg, values: impl ToArgs) -> u64 {
                cmd("LPUSHX").key(key).args(values)
            }

            /// The elements from `start` to `stop` (inclusive; negative counts from the end).
            ///
            /// Redis 1.0.0+.
            fn lrange<T>(key: impl ToArg, start: i64, stop: i64) -> T {
                cmd("LRANGE").key(key).arg(start).arg(stop)
            }

            /// Remove elements equal to `element`: the first `count` from the head (`count`
            /// > 0), from the tail (`count` < 0), or all (0); returns how many went.
            ///
            /// Redis 1.0.0+.
            fn lrem(key: impl ToArg, count: i64, element: impl ToArg) -> u64 {
                cmd("LREM").key(key).arg(count).arg(element)
            }

            /// Set the element at `index` (negative counts from the tail); an index out of
            /// range is a server error.
            ///
            /// Redis 1.0.0+.
            fn lset(key: impl ToArg, index: i64, element: impl ToArg) -> () {
                cmd("LSET").key(key).arg(index).arg(element)
            }

            /// Keep only the elements from `start` to `stop` (inclusive; negative counts from
            /// the end).
            ///
            /// Redis 1.0.0+.
            fn ltrim(key: impl ToArg, start: i64, stop: i64) -> () {
                cmd("LTRIM").key(key).arg(start).arg(stop)
            }

            /// Remove and return the last element; `None` (with `Option<T>`) when the list
            /// does not exist.
            ///
            /// Redis 1.0.0+.
            fn rpop<T>(key: impl ToArg) -> T {
                cmd("RPOP").key(key)
            }

            /// Remove and return up to `count` elements from the tail, last first; `None` when
            /// the list does not exist.
            ///
            /// Redis 6.2.0+.
            fn rpop_count<V>(key: impl ToArg, count: u64) -> Option<Vec<V>> {
                cmd("RPOP").key(key).arg(count)
            }

            /// Pop the last element of `source`, push it onto the head of `destination` and
            /// return it; `None` (with `Option<T>`) when `source` is empty. Deprecated by
            /// Redis since 6.2.0: use [`lmove`](crate::StrictRedis::lmove).
            ///
            /// Redis 1.2.0+.
            fn rpoplpush<T>(source: impl ToArg, destination: impl ToArg) -> T {
                cmd("RPOPLPUSH").key(source).key(destination)
            }

            /// Append `values` to the list at `key`; returns the new length.
            ///
            /// Redis 1.0.0+ (several values: 2.4.0+).
            fn rpush(key: impl ToArg, values: impl ToArgs) -> u64 {
                if values.arg_count() == 0 {
                    // Nothing to push: the reply is the list's length as it is.
                    cmd("LLEN").key(key)
                } else {
                    cmd("RPUSH").key(key).args(values)
                }
            }

            /// Append `values` only when the list exists; returns the new length (0: no list).
            ///
            /// Redis 2.2.0+ (several values: 4.0.0+).
            fn rpushx(key: impl ToArg, values: impl ToArgs) -> u64 {
                cmd("RPUSHX").key(key).args(values)
            }
        }
    };
}
pub(crate) use list_commands;
