//! HyperLogLog commands.

/// The hyperloglog command table; see [the module docs](crate::commands).
macro_rules! hyperloglog_commands {
    ($emit:ident) => {
        $emit! {}
    };
}
pub(crate) use hyperloglog_commands;
