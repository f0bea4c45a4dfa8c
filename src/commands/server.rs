//! Server commands.

/// The server command table; see [the module docs](crate::commands).
macro_rules! server_commands {
    ($emit:ident) => {
        $emit! {}
    };
}
pub(crate) use server_commands;
