//! Pub/sub commands that need no subscribed connection: publishing and introspection.
//!
//! SUBSCRIBE and its kin put a connection into a mode of its own; they belong to the
//! pub/sub object (`StrictRedis::pubsub`), not to this table.

/// The pub/sub command table; see [the module docs](crate::commands).
macro_rules! pubsub_commands {
    ($emit:ident $($pre:tt)*) => {
        $emit! { $($pre)*
            /// Post `message` to `channel`; returns how many clients received it.
            ///
            /// Redis 2.0.0+.
            ///
            /// ```no_run
            /// # let r = strictredis::StrictRedis::from_url("redis://127.0.0.1/")?;
            /// let receivers: u64 = r.publish("chan", "hello")?;
            /// # Ok::<(), strictredis::Error>(())
            /// ```
            fn publish(channel: impl ToArg, message: impl ToArg) -> u64 {
                cmd("PUBLISH").arg(channel).arg(message)
            }

            /// Post `message` to the shard channel `shardchannel`; returns how many clients
            /// received it. In a cluster the channel is routed like a key.
            ///
            /// Redis 7.0.0+.
            fn spublish(shardchannel: impl ToArg, message: impl ToArg) -> u64 {
                cmd("SPUBLISH").key(shardchannel).arg(message)
            }

            /// The channels with at least one subscriber (patterns not counted), those
            /// matching the glob `pattern` when given.
            ///
            /// Redis 2.8.0+.
            fn pubsub_channels<T>(pattern: Option<&str>) -> Vec<T> {
                cmd("PUBSUB CHANNELS").opt_arg(pattern)
            }

            /// The server's help text for PUBSUB, one line per item.
            ///
            /// Redis 6.2.0+.
            fn pubsub_help() -> Vec<String> {
                cmd("PUBSUB HELP")
            }

            /// How many patterns clients are subscribed to, in all.
            ///
            /// Redis 2.8.0+.
            fn pubsub_numpat() -> u64 {
                cmd("PUBSUB NUMPAT")
            }

            /// Each of `channels` with its number of subscribers (patterns not counted).
            ///
            /// Redis 2.8.0+.
            ///
            /// ```no_run
            /// # let r = strictredis::StrictRedis::from_url("redis://127.0.0.1/")?;
            /// let counts: Vec<(String, u64)> = r.pubsub_numsub(&["news", "sport"])?;
            /// # Ok::<(), strictredis::Error>(())
            /// ```
            fn pubsub_numsub(channels: impl ToArgs) -> Vec<(String, u64)> {
                cmd("PUBSUB NUMSUB").args(channels)
            }

            /// The shard channels with at least one subscriber, those matching the glob
            /// `pattern` when given.
            ///
            /// Redis 7.0.0+.
            fn pubsub_shardchannels<T>(pattern: Option<&str>) -> Vec<T> {
                cmd("PUBSUB SHARDCHANNELS").opt_arg(pattern)
            }

            /// Each of the shard channels `shardchannels` with its number of subscribers.
            ///
            /// Redis 7.0.0+.
            fn pubsub_shardnumsub(shardchannels: impl ToArgs) -> Vec<(String, u64)> {
                cmd("PUBSUB SHARDNUMSUB").args(shardchannels)
            }
        }
    };
}
pub(crate) use pubsub_commands;
