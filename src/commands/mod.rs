//! Every command, declared once.
//!
//! Each file of this module holds one of Redis's command groups as a table: a
//! `macro_rules!` macro whose body lists the group's commands as ordinary-looking functions:
//!
//! ```text
//! /// Get the value of `key`; `None` when it does not exist. Redis 1.0.0+.
//! fn get<T>(key: impl ToArg) -> T { cmd("GET").key(key) }
//! ```
//!
//! The body builds the [`Cmd`](crate::Cmd); the return type is the reply's Rust type. Type
//! parameters listed after the name are reply types (bound by `FromValue`, chosen by the
//! caller); argument-side generics are always written `impl Trait`.
//!
//! The table is handed to an *emitter* that turns every entry into a method of one target:
//! [`StrictRedis`](crate::StrictRedis) and the cluster client (`&self`, returns `Result`),
//! [`Connection`](crate::Connection) (`&mut self`, so also every
//! [`PooledConnection`](crate::PooledConnection)), and pipelines (queue and return
//! `&mut Self`). So a command declared here is a method everywhere at once.

pub mod connection;
pub mod hashes;
pub mod keys;
pub mod lists;
pub mod pubsub;
pub mod sets;
pub mod sorted_sets;
pub mod strings;

/// Names the command tables use, in scope wherever the tables are expanded.
#[allow(unused_imports)]
pub(crate) mod prelude {
    pub(crate) use crate::args::{FieldValues, ScoreMembers, ToArg, ToArgs};
    pub(crate) use crate::cmd::{cmd, Cmd};
}

/// Emits each table entry as a `&self` method that runs the command and converts its reply.
macro_rules! shared_methods {
    ($($(#[$meta:meta])* fn $name:ident $(<$($gen:ident),+>)?
        ($($arg:ident : $ty:ty),* $(,)?) -> $ret:ty $body:block)*) => {$(
        $(#[$meta])*
        #[inline]
        pub fn $name $(<$($gen: $crate::FromValue),+>)? (&self, $($arg: $ty),*)
            -> $crate::Result<$ret>
        {
            self.execute_command($body)
        }
    )*};
}

/// Emits each table entry as a `&mut self` method on a single connection.
macro_rules! mut_methods {
    ($($(#[$meta:meta])* fn $name:ident $(<$($gen:ident),+>)?
        ($($arg:ident : $ty:ty),* $(,)?) -> $ret:ty $body:block)*) => {$(
        $(#[$meta])*
        #[inline]
        pub fn $name $(<$($gen: $crate::FromValue),+>)? (&mut self, $($arg: $ty),*)
            -> $crate::Result<$ret>
        {
            self.execute_command($body)
        }
    )*};
}

/// Emits each table entry as a pipeline method that queues the command; the reply's type is
/// chosen when the pipeline is executed.
#[allow(unused_macros)]
macro_rules! queue_methods {
    ($($(#[$meta:meta])* fn $name:ident $(<$($gen:ident),+>)?
        ($($arg:ident : $ty:ty),* $(,)?) -> $ret:ty $body:block)*) => {$(
        $(#[$meta])*
        #[inline]
        pub fn $name(&mut self, $($arg: $ty),*) -> &mut Self {
            self.queue($body)
        }
    )*};
}

/// Implements every command group on `$ty` with `$emit`, one `impl` block per group so that
/// rustdoc shows the groups apart.
macro_rules! impl_command_groups {
    ($ty:ty, $emit:ident) => {
        /// # String commands
        impl $ty {
            $crate::commands::strings::string_commands!($emit);
        }
        /// # Generic (keyspace) commands
        impl $ty {
            $crate::commands::keys::key_commands!($emit);
        }
        /// # Hash commands
        impl $ty {
            $crate::commands::hashes::hash_commands!($emit);
        }
        /// # List commands
        impl $ty {
            $crate::commands::lists::list_commands!($emit);
        }
        /// # Set commands
        impl $ty {
            $crate::commands::sets::set_commands!($emit);
        }
        /// # Sorted set commands
        impl $ty {
            $crate::commands::sorted_sets::sorted_set_commands!($emit);
        }
        /// # Pub/sub commands
        impl $ty {
            $crate::commands::pubsub::pubsub_commands!($emit);
        }
        /// # Connection commands
        impl $ty {
            $crate::commands::connection::connection_commands!($emit);
        }
    };
}

mod impls {
    #[allow(unused_imports)]
    use super::prelude::*;

    impl_command_groups!(crate::StrictRedis, shared_methods);
    impl_command_groups!(crate::Connection, mut_methods);
}
