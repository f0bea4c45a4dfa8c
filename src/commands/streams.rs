//! Stream commands.

/// The stream command table; see [the module docs](crate::commands).
macro_rules! stream_commands {
    ($emit:ident) => {
        $emit! {}
    };
}
pub(crate) use stream_commands;
