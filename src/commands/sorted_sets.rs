//! Sorted set commands.

/// The sorted set command table; see [the module docs](crate::commands).
macro_rules! sorted_set_commands {
    ($emit:ident) => {
        $emit! {
            /// Add `(member, score)` pairs to the sorted set at `key`; returns how many were
            /// new.
            ///
            /// Redis 1.2.0+.
            ///
            /// ```no_run
            /// # let r = strictredis::StrictRedis::from_url("redis://127.0.0.1/")?;
            /// let added: u64 = r.zadd("z", &[("a", 1.0), ("b", 2.5)])?;
            /// # Ok::<(), strictredis::Error>(())
            /// ```
            fn zadd(key: impl ToArg, members: impl ScoreMembers) -> u64 {
                cmd("ZADD").key(key).score_members(members)
            }

            /// The score of `member`; `None` when the member or the key does not exist.
            ///
            /// Redis 1.2.0+.
            fn zscore(key: impl ToArg, member: impl ToArg) -> Option<f64> {
                cmd("ZSCORE").key(key).arg(member)
            }

            /// Members from rank `start` to `stop`, with their scores, lowest score first.
            ///
            /// Redis 1.2.0+.
            fn zrange_withscores<M>(key: impl ToArg, start: i64, stop: i64) -> Vec<(M, f64)> {
                cmd("ZRANGE").key(key).arg(start).arg(stop).arg("WITHSCORES")
            }
        }
    };
}
pub(crate) use sorted_set_commands;
