//! Transaction commands.
//!
//! MULTI, EXEC, DISCARD, WATCH and UNWATCH have no methods here: a transaction is a
//! [`Pipeline`](crate::Pipeline) (`r.pipeline()`, `p.watch(..)`, `r.transaction(..)`), which
//! keeps them on one connection and in the right order. They are listed, with the reason, in
//! [`EXCLUDED`](crate::commands::EXCLUDED).

/// The transactions command table: empty on purpose (see the module docs).
macro_rules! transaction_commands {
    ($emit:ident $($pre:tt)*) => {
        $emit! { $($pre)*}
    };
}
pub(crate) use transaction_commands;
