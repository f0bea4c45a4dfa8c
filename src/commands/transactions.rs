//! Transaction commands.

/// The transactions command table; see [the module docs](crate::commands).
macro_rules! transaction_commands {
    ($emit:ident) => {
        $emit! {}
    };
}
pub(crate) use transaction_commands;
