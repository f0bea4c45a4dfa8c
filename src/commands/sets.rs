//! Set commands: members, set algebra, random members and scans.

pub use super::scan_options::SScanOptions;

/// The set command table; see [the module docs](crate::commands).
macro_rules! set_commands {
    ($emit:ident $($pre:tt)*) => {
        $emit! { $($pre)*
            /// Add `members` to the set at `key`; returns how many were new.
            ///
            /// Redis 1.0.0+ (several members: 2.4.0+).
            fn sadd(key: impl ToArg, members: impl ToArgs) -> u64 {
                cmd("SADD").key(key).args(members).reply_locally_below(3, LocalReply::Int(0))
            }

            /// The number of members of the set at `key` (0 when it does not exist).
            ///
            /// Redis 1.0.0+.
            fn scard(key: impl ToArg) -> u64 {
                cmd("SCARD").key(key)
            }

            /// The members of the first set that are in none of the others.
            ///
            /// Redis 1.0.0+.
            fn sdiff<T>(keys: impl ToArgs) -> T {
                cmd("SDIFF").keys(keys)
            }

            /// Store the difference of `keys` (see [`sdiff`](crate::StrictRedis::sdiff)) at
            /// `destination`; returns its size.
            ///
            /// Redis 1.0.0+.
            fn sdiffstore(destination: impl ToArg, keys: impl ToArgs) -> u64 {
                cmd("SDIFFSTORE").key(destination).keys(keys)
            }

            /// The members that are in every one of the sets.
            ///
            /// Redis 1.0.0+.
            fn sinter<T>(keys: impl ToArgs) -> T {
                cmd("SINTER").keys(keys)
            }

            /// The size of the intersection of the sets, counting no further than `limit`
            /// when given (0: no limit).
            ///
            /// Redis 7.0.0+.
            fn sintercard(keys: impl ToArgs, limit: Option<u64>) -> u64 {
                cmd("SINTERCARD").numkeys(keys).opt_token("LIMIT", limit)
            }

            /// Store the intersection of `keys` at `destination`; returns its size.
            ///
            /// Redis 1.0.0+.
            fn sinterstore(destination: impl ToArg, keys: impl ToArgs) -> u64 {
                cmd("SINTERSTORE").key(destination).keys(keys)
            }

            /// Whether `member` is in the set at `key`.
            ///
            /// Redis 1.0.0+.
            ///
            /// ```no_run
            /// # let r = strictredis::StrictRedis::from_url("redis://127.0.0.1/")?;
            /// if r.sismember("admins", "ada")? {
            ///     // ...
            /// }
            /// # Ok::<(), strictredis::Error>(())
            /// ```
            fn sismember(key: impl ToArg, member: impl ToArg) -> bool {
                cmd("SISMEMBER").key(key).arg(member)
            }

            /// Every member of the set at `key`.
            ///
            /// Redis 1.0.0+.
            fn smembers<T>(key: impl ToArg) -> T {
                cmd("SMEMBERS").key(key)
            }

            /// Whether each of `members` is in the set at `key`, in order.
            ///
            /// Redis 6.2.0+.
            fn smismember(key: impl ToArg, members: impl ToArgs) -> Vec<bool> {
                cmd("SMISMEMBER")
                    .key(key)
                    .args(members)
                    .reply_locally_below(3, LocalReply::EmptyArray)
            }

            /// Move `member` from the set `source` to the set `destination`; false when it was
            /// not in `source`.
            ///
            /// Redis 1.0.0+.
            fn smove(source: impl ToArg, destination: impl ToArg, member: impl ToArg) -> bool {
                cmd("SMOVE").key(source).key(destination).arg(member)
            }

            /// Remove and return one random member; `None` (with `Option<T>`) when the set
            /// does not exist.
            ///
            /// Redis 1.0.0+.
            fn spop<T>(key: impl ToArg) -> T {
                cmd("SPOP").key(key)
            }

            /// Remove and return up to `count` random members (none when the set does not
            /// exist).
            ///
            /// Redis 3.2.0+.
            fn spop_count<T>(key: impl ToArg, count: u64) -> T {
                cmd("SPOP").key(key).arg(count)
            }

            /// One random member, left in place; `None` (with `Option<T>`) when the set does
            /// not exist.
            ///
            /// Redis 1.0.0+.
            fn srandmember<T>(key: impl ToArg) -> T {
                cmd("SRANDMEMBER").key(key)
            }

            /// Up to `count` distinct random members; a negative `count` returns exactly
            /// `-count` members, possibly repeated.
            ///
            /// Redis 2.6.0+.
            fn srandmember_count<T>(key: impl ToArg, count: i64) -> T {
                cmd("SRANDMEMBER").key(key).arg(count)
            }

            /// Remove `members` from the set at `key`; returns how many were there.
            ///
            /// Redis 1.0.0+ (several members: 2.4.0+).
            fn srem(key: impl ToArg, members: impl ToArgs) -> u64 {
                cmd("SREM").key(key).args(members).reply_locally_below(3, LocalReply::Int(0))
            }

            /// One step of an incremental iteration over the set at `key`: the next cursor
            /// (0 when done) and a batch of members.
            ///
            /// Redis 2.8.0+.
            ///
            /// ```no_run
            /// use strictredis::commands::sets::SScanOptions;
            /// # let r = strictredis::StrictRedis::from_url("redis://127.0.0.1/")?;
            /// let (cursor, members): (u64, Vec<String>) =
            ///     r.sscan("s", 0, SScanOptions::default().pattern("a*"))?;
            /// # Ok::<(), strictredis::Error>(())
            /// ```
            fn sscan<T>(key: impl ToArg, cursor: u64, options: SScanOptions) -> (u64, T) {
                options.apply(cmd("SSCAN").key(key).arg(cursor))
            }

            /// The members that are in any of the sets.
            ///
            /// Redis 1.0.0+.
            fn sunion<T>(keys: impl ToArgs) -> T {
                cmd("SUNION").keys(keys)
            }

            /// Store the union of `keys` at `destination`; returns its size.
            ///
            /// Redis 1.0.0+.
            fn sunionstore(destination: impl ToArg, keys: impl ToArgs) -> u64 {
                cmd("SUNIONSTORE").key(destination).keys(keys)
            }
        }
    };
}
pub(crate) use set_commands;
