//! Set commands.

/// The set command table; see [the module docs](crate::commands).
macro_rules! set_commands {
    ($emit:ident) => {
        $emit! {
            /// Add `members` to the set at `key`; returns how many were new.
            ///
            /// Redis 1.0.0+ (several members: 2.4.0+).
            fn sadd(key: impl ToArg, members: impl ToArgs) -> u64 {
                cmd("SADD").key(key).args(members)
            }

            /// Every member of the set at `key`.
            ///
            /// Redis 1.0.0+.
            fn smembers<T>(key: impl ToArg) -> T {
                cmd("SMEMBERS").key(key)
            }
        }
    };
}
pub(crate) use set_commands;
