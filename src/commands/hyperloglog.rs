//! HyperLogLog commands: approximate counting of distinct elements.

/// The hyperloglog command table; see [the module docs](crate::commands).
macro_rules! hyperloglog_commands {
    ($emit:ident $($pre:tt)*) => {
        $emit! { $($pre)*
            /// Add elements to the HyperLogLog at `key` (created when missing); true when its
            /// estimate changed (or it was created).
            ///
            /// Redis 2.8.9+.
            ///
            /// ```no_run
            /// # let r = strictredis::StrictRedis::from_url("redis://127.0.0.1/")?;
            /// let changed: bool = r.pfadd("visitors", &["ada", "bob"])?;
            /// let n: u64 = r.pfcount("visitors")?;
            /// # Ok::<(), strictredis::Error>(())
            /// ```
            fn pfadd(key: impl ToArg, elements: impl ToArgs) -> bool {
                cmd("PFADD").key(key).args(elements)
            }

            /// The approximate number of distinct elements added to the HyperLogLogs at `keys`
            /// (their union when several); 0 for missing keys.
            ///
            /// Redis 2.8.9+.
            fn pfcount(keys: impl ToArgs) -> u64 {
                cmd("PFCOUNT").keys(keys)
            }

            /// Merge the HyperLogLogs at `sourcekeys` (and `destkey` itself) into `destkey`.
            ///
            /// Redis 2.8.9+.
            fn pfmerge(destkey: impl ToArg, sourcekeys: impl ToArgs) -> () {
                cmd("PFMERGE").key(destkey).keys(sourcekeys)
            }

            /// An internal debugging command on the HyperLogLog at `key`: `subcommand` is
            /// `GETREG` (reply `Vec<u64>`), `DECODE` (`String`), `ENCODING` (`String`) or
            /// `TODENSE` (`bool`).
            ///
            /// Redis 2.8.9+.
            fn pfdebug<T>(subcommand: impl ToArg, key: impl ToArg) -> T {
                cmd("PFDEBUG").arg(subcommand).key(key)
            }

            /// Run the server's internal HyperLogLog self test (slow: for server developers).
            ///
            /// Redis 2.8.9+.
            fn pfselftest() -> () {
                cmd("PFSELFTEST")
            }
        }
    };
}
pub(crate) use hyperloglog_commands;
