//! Pub/sub commands that need no subscribed connection.

/// The pub/sub command table; see [the module docs](crate::commands).
macro_rules! pubsub_commands {
    ($emit:ident) => {
        $emit! {
            /// Post `message` to `channel`; returns how many clients received it.
            ///
            /// Redis 2.0.0+.
            fn publish(channel: impl ToArg, message: impl ToArg) -> u64 {
                cmd("PUBLISH").arg(channel).arg(message)
            }
        }
    };
}
pub(crate) use pubsub_commands;
