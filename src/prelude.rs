//! `use strictredis::prelude::*;`: the client types, the traits for generic code, and
//! every option and reply type of the command methods, which otherwise live at
//! `strictredis::commands::<group>::Name`.
//!
//! ```no_run
//! use strictredis::prelude::*;
//!
//! let r = StrictRedis::from_url("redis://127.0.0.1/")?;
//! let was_set: bool = r.set_with("k", "v", SetOptions::new().nx())?;
//! let moved: Option<String> = r.lmove("src", "dst", ListDirection::Left, ListDirection::Right)?;
//! r.expire_with("k", 60, ExpireCondition::Nx)?;
//! let n: i64 = r.eval("return 1", NO_KEYS, NO_ARGS)?;
//! # let _ = (was_set, moved, n);
//! # Ok::<(), strictredis::Error>(())
//! ```
//!
//! Nothing here shadows the standard prelude (`Result` stays `std`'s): the crate's
//! `Result` and `Error` are `strictredis::Result` and `strictredis::Error`. The traits
//! [`Commands`] and [`PipelineCommands`] are included: a type's inherent methods are
//! always chosen before a trait's, so `r.get(..)` on a [`StrictRedis`] calls the inherent
//! method with or without the prelude.

pub use crate::client::{ClientBuilder, StrictRedis};
pub use crate::cluster::{ClusterBuilder, ClusterPipeline, RedisCluster};
pub use crate::cmd::{cmd, Cmd};
pub use crate::commands::{AclRules, Commands, PipelineCommands};
pub use crate::from_value::FromValue;
pub use crate::lock::Lock;
pub use crate::pipeline::Pipeline;
pub use crate::pubsub::{Message, MessageKind, PubSub};
pub use crate::script::Script;
pub use crate::value::Value;

// Groups without public types (hyperloglog, pubsub, transactions) have nothing to add.
pub use crate::commands::bitmaps::*;
pub use crate::commands::cluster::*;
pub use crate::commands::connection::*;
pub use crate::commands::geo::*;
pub use crate::commands::hashes::*;
pub use crate::commands::keys::*;
pub use crate::commands::lists::*;
/// An empty argument list (`NO_ARGS` is in both `commands::scripting` and
/// `commands::server`; this one names them both).
pub use crate::commands::scripting::NO_ARGS;
pub use crate::commands::scripting::NO_KEYS;
pub use crate::commands::scripting::*;
pub use crate::commands::server::*;
pub use crate::commands::sets::*;
pub use crate::commands::sorted_sets::*;
pub use crate::commands::streams::*;
pub use crate::commands::strings::*;
