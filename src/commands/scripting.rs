//! Scripting and function commands.

/// The scripting command table; see [the module docs](crate::commands).
macro_rules! scripting_commands {
    ($emit:ident) => {
        $emit! {}
    };
}
pub(crate) use scripting_commands;
