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
//! caller); argument-side generics are always written `impl Trait`. In the stream table, an
//! entry followed by `with JUSTID { /// docs  fn name -> Reply; }` declares that command's
//! JUSTID form too (`xclaim_justid`, `xautoclaim_justid`): the same arguments, the same
//! command with `JUSTID` last.
//!
//! The table is handed to an *emitter* that turns every entry into a method of one target:
//! [`StrictRedis`](crate::StrictRedis) and the cluster client (`&self`, returns `Result`),
//! [`Connection`](crate::Connection) (`&mut self`, so also every
//! [`PooledConnection`](crate::PooledConnection)), and pipelines (queue and return
//! `&mut Self`). So a command declared here is a method everywhere at once.
//!
//! The same tables also make two traits, for code generic over the client: [`Commands`]
//! (every command method, implemented by [`StrictRedis`](crate::StrictRedis) and the
//! cluster client) and [`PipelineCommands`] (every queue method, implemented by both
//! pipelines). Their methods have default bodies; an implementor writes only
//! `execute_command` (or `queue`).

mod acl;
pub mod bitmaps;
pub mod cluster;
pub mod connection;
pub mod geo;
pub mod hashes;
pub mod hyperloglog;
pub mod keys;
pub mod lists;
pub mod pubsub;
mod scan_options;
pub mod scripting;
pub mod server;
pub mod sets;
pub mod sorted_sets;
pub mod streams;
pub mod strings;
mod traits;
pub mod transactions;

pub use acl::AclRules;
pub use traits::{Commands, PipelineCommands};

/// A command's arguments as strings, for the unit tests of the tables.
#[cfg(test)]
pub(crate) fn test_args(c: &crate::Cmd) -> Vec<String> {
    c.args_iter()
        .map(|a| String::from_utf8_lossy(a).into_owned())
        .collect()
}

/// Names the command tables use, in scope wherever the tables are expanded.
#[allow(unused_imports)]
pub(crate) mod prelude {
    pub(crate) use super::bitmaps::*;
    pub(crate) use super::cluster::*;
    pub(crate) use super::connection::*;
    pub(crate) use super::geo::*;
    pub(crate) use super::hashes::*;
    pub(crate) use super::hyperloglog::*;
    pub(crate) use super::keys::*;
    pub(crate) use super::lists::*;
    pub(crate) use super::pubsub::*;
    pub(crate) use super::scripting::*;
    pub(crate) use super::server::*;
    pub(crate) use super::sets::*;
    pub(crate) use super::sorted_sets::*;
    pub(crate) use super::streams::*;
    pub(crate) use super::strings::*;
    pub(crate) use super::transactions::*;
    pub(crate) use super::{impl_command_groups, mut_methods, queue_methods, shared_methods};
    pub(crate) use super::{trait_command_groups, trait_methods, trait_queue_methods};
    pub(crate) use crate::args::{FieldValues, ScoreMembers, ToArg, ToArgs};
    pub(crate) use crate::cmd::{cmd, Cmd, LocalReply};
}

/// The doc lines every generated method ends with: the group (module) its table entry is in.
macro_rules! declared_in {
    ($file:ident) => {
        concat!(
            "Declared in [`commands::",
            stringify!($file),
            "`](crate::commands::",
            stringify!($file),
            ")."
        )
    };
}

/// Emits each table entry as a method that runs the command and converts its reply; the
/// receiver is `$recv` (`&Self` or `&mut Self`), the visibility `$vis` (`pub`, or nothing
/// in a trait).
macro_rules! exec_methods {
    ([$file:ident] [$recv:ty] [$vis:vis method] $($(#[$meta:meta])* fn $name:ident $(<$($gen:ident),+>)?
        ($($arg:ident : $ty:ty),* $(,)?) -> $ret:ty $body:block)*) => {$(
        $(#[$meta])*
        #[doc = ""]
        #[doc = $crate::commands::declared_in!($file)]
        #[inline]
        $vis fn $name $(<$($gen: $crate::FromValue),+>)? (self: $recv, $($arg: $ty),*)
            -> $crate::Result<$ret>
        {
            let c: $crate::Cmd = $body;
            let group = c.reply_group();
            let v: $crate::Value = match c.local_reply() {
                Some(v) => v,
                None => self.execute_command(c)?,
            };
            $crate::from_value::reply::convert(
                $crate::cmd::regroup(group, v),
                stringify!($name),
            )
        }
    )*};
}

/// Emits each table entry as a `&self` method (the client, the cluster client).
macro_rules! shared_methods {
    ([$file:ident] $($entries:tt)*) => {
        $crate::commands::exec_methods! { [$file] [&Self] [pub method] $($entries)* }
    };
}

/// Emits each table entry as a `&mut self` method on a single connection.
macro_rules! mut_methods {
    ([$file:ident] $($entries:tt)*) => {
        $crate::commands::exec_methods! { [$file] [&mut Self] [pub method] $($entries)* }
    };
}

/// Emits each table entry as a pipeline method that queues the command; the reply's type is
/// chosen when the pipeline is executed.
macro_rules! queue_methods {
    ([$file:ident] $($(#[$meta:meta])* fn $name:ident $(<$($gen:ident),+>)?
        ($($arg:ident : $ty:ty),* $(,)?) -> $ret:ty $body:block)*) => {
        $crate::commands::queue_methods! { [$file] [pub method] $($(#[$meta])* fn $name $(<$($gen),+>)?
            ($($arg : $ty),*) -> $ret $body)* }
    };
    ([$file:ident] [$vis:vis method] $($(#[$meta:meta])* fn $name:ident $(<$($gen:ident),+>)?
        ($($arg:ident : $ty:ty),* $(,)?) -> $ret:ty $body:block)*) => {$(
        $(#[$meta])*
        #[doc = ""]
        #[doc = $crate::commands::declared_in!($file)]
        #[inline]
        $vis fn $name(&mut self, $($arg: $ty),*) -> &mut Self {
            self.queue($body)
        }
    )*};
}

/// Emits each table entry as a provided method of a trait ([`Commands`]): the default body
/// builds the command and runs it with the trait's required `execute_command`.
macro_rules! trait_methods {
    ([$file:ident] $($entries:tt)*) => {
        $crate::commands::exec_methods! { [$file] [&Self] [method] $($entries)* }
    };
}

/// Emits each table entry as a provided method of a pipeline trait ([`PipelineCommands`]):
/// the default body queues the command with the trait's required `queue`.
macro_rules! trait_queue_methods {
    ([$file:ident] $($entries:tt)*) => {
        $crate::commands::queue_methods! { [$file] [method] $($entries)* }
    };
}

/// Implements [`Commands`] on the client `$client` and [`PipelineCommands`] on its
/// pipeline `$pipe`, through their inherent `execute_command`, `queue` and `execute`.
macro_rules! impl_generic_faces {
    ($client:ty, $pipe:ty) => {
        /// The command methods for generic code: each one runs through the inherent
        /// `execute_command`.
        impl $crate::commands::Commands for $client {
            #[inline]
            fn execute_command<T: $crate::FromValue>(&self, cmd: $crate::Cmd) -> $crate::Result<T> {
                <$client>::execute_command(self, cmd)
            }
        }

        /// The queue methods for generic code: each one runs through the inherent `queue`.
        impl $crate::commands::PipelineCommands for $pipe {
            #[inline]
            fn queue(&mut self, cmd: $crate::Cmd) -> &mut Self {
                <$pipe>::queue(self, cmd)
            }

            #[inline]
            fn execute<T: $crate::FromValue>(&mut self) -> $crate::Result<T> {
                <$pipe>::execute(self)
            }
        }
    };
}

/// Expands every command table inside one trait body, with the emitter `$emit`
/// (`trait_methods` or `trait_queue_methods`); a trait cannot be split into several blocks
/// as the inherent methods are.
macro_rules! trait_command_groups {
    ($emit:ident; $([$file:ident :: $table:ident, $doc:literal, $group:literal])*) => {$(
        $crate::commands::$file::$table!($emit [$file]);
    )*};
}

/// Emits the names of a table's methods, as a `&[&str]`.
macro_rules! method_names {
    ($($(#[$meta:meta])* fn $name:ident $(<$($gen:ident),+>)?
        ($($arg:ident : $ty:ty),* $(,)?) -> $ret:ty $body:block)*) => {
        &[$(stringify!($name)),*]
    };
}

/// Calls `$m!(<args> [table, doc, redis group]...)` with every command group: the one list
/// of groups that every target is generated from.
macro_rules! with_command_groups {
    ($m:ident!($($pre:tt)*)) => {
        $m! { $($pre)*
            [strings::string_commands, "String commands", "string"]
            [keys::key_commands, "Generic (keyspace) commands", "generic"]
            [hashes::hash_commands, "Hash commands", "hash"]
            [lists::list_commands, "List commands", "list"]
            [sets::set_commands, "Set commands", "set"]
            [sorted_sets::sorted_set_commands, "Sorted set commands", "sorted-set"]
            [streams::stream_commands, "Stream commands", "stream"]
            [geo::geo_commands, "Geospatial commands", "geo"]
            [hyperloglog::hyperloglog_commands, "HyperLogLog commands", "hyperloglog"]
            [bitmaps::bitmap_commands, "Bitmap commands", "bitmap"]
            [scripting::scripting_commands, "Scripting and function commands", "scripting"]
            [pubsub::pubsub_commands, "Pub/sub commands", "pubsub"]
            [server::server_commands, "Server commands", "server"]
            [connection::connection_commands, "Connection commands", "connection"]
            [cluster::cluster_commands, "Cluster commands", "cluster"]
            [transactions::transaction_commands, "Transaction commands", "transactions"]
        }
    };
}

/// Implements every command group on `$ty` with `$emit`, one `impl` block per group so that
/// rustdoc shows the groups apart.
macro_rules! impl_command_groups {
    ($ty:ty, $emit:ident; $([$file:ident :: $table:ident, $doc:literal, $group:literal])*) => {$(
        #[doc = concat!("# ", $doc)]
        impl $ty {
            $crate::commands::$file::$table!($emit [$file]);
        }
    )*};
}

macro_rules! group_method_names {
    ($([$file:ident :: $table:ident, $doc:literal, $group:literal])*) => {
        &[$(($group, $crate::commands::$file::$table!(method_names))),*]
    };
}

/// Test hooks, not API: the lists tests/coverage.rs compares with the servers' `COMMAND LIST`.
#[doc(hidden)]
pub mod __private {
    /// Every command method, by Redis command group: `(group, method names)`.
    ///
    /// Used by the coverage test that compares the server's `COMMAND LIST` with this crate.
    pub const METHODS_BY_GROUP: &[(&str, &[&str])] = with_command_groups!(group_method_names!());

    /// The commands that deliberately have no method, each with the reason: `(name as in
    /// COMMAND LIST, lowercase with `|` before a subcommand, why)`. Every other command of the
    /// server has a method in [`METHODS_BY_GROUP`](METHODS_BY_GROUP); the coverage test checks both lists.
    pub const EXCLUDED: &[(&str, &str)] = &[
        (
            "psync",
            "replication protocol: a client library must not issue it on a pooled connection",
        ),
        (
            "sync",
            "replication protocol: a client library must not issue it on a pooled connection",
        ),
        (
            "replconf",
            "replication protocol: a client library must not issue it on a pooled connection",
        ),
        ("subscribe", "owned by the PubSub object (r.pubsub())"),
        ("psubscribe", "owned by the PubSub object (r.pubsub())"),
        ("ssubscribe", "owned by the PubSub object (r.pubsub())"),
        ("unsubscribe", "owned by the PubSub object (r.pubsub())"),
        ("punsubscribe", "owned by the PubSub object (r.pubsub())"),
        ("sunsubscribe", "owned by the PubSub object (r.pubsub())"),
        ("multi", "pipelines and transactions (r.pipeline())"),
        ("exec", "pipelines and transactions (r.pipeline())"),
        ("discard", "pipelines and transactions (r.pipeline())"),
        ("watch", "pipelines and transactions (Pipeline::watch)"),
        ("unwatch", "pipelines and transactions (Pipeline::unwatch)"),
        (
            "monitor",
            "turns the connection into a stream of events: the Monitor object (r.monitor())",
        ),
    ];
}

#[doc(hidden)]
pub use __private::{EXCLUDED, METHODS_BY_GROUP};

/// Implements every command table on the type `$ty` (named from the invoking module) with the
/// emitter `$emit` (`shared_methods`, `mut_methods` or `queue_methods`). Each target type
/// invokes this once, in its own file:
///
/// ```text
/// crate::commands::impl_command_tables!(StrictRedis, shared_methods);
/// ```
macro_rules! impl_command_tables {
    ($ty:ident, $emit:ident) => {
        /// The methods generated from the command tables (see [`crate::commands`]).
        mod command_methods {
            #[allow(unused_imports)]
            use $crate::commands::prelude::*;

            $crate::commands::with_command_groups!(
                impl_command_groups!(super::$ty, $emit;)
            );
        }
    };
}

/// Builder setters of an options type, one line each: `fn name(arg: T) => field = value;`
/// becomes `pub fn name(mut self, arg: T) -> Self { self.field = value; self }` under the
/// doc comment written above it.
macro_rules! setters {
    ($ty:ty {
        $($(#[$doc:meta])* fn $name:ident($($arg:ident: $aty:ty),*) => $field:ident = $value:expr;)*
    }) => {
        impl $ty {
            $(
                $(#[$doc])*
                pub fn $name(mut self $(, $arg: $aty)*) -> Self {
                    self.$field = $value;
                    self
                }
            )*
        }
    };
}

pub(crate) use {
    declared_in, exec_methods, impl_command_groups, impl_command_tables, impl_generic_faces,
    mut_methods, queue_methods, setters, shared_methods, trait_command_groups, trait_methods,
    trait_queue_methods, with_command_groups,
};
