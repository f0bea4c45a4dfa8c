//! `strictredis`: a synchronous, blocking Redis client for Rust, with the command methods of
//! redis-py's `StrictRedis`, compile-time argument types, and a thread-safe pool.
//!
//! ```no_run
//! let client = strictredis::StrictRedis::from_url("redis://127.0.0.1:6379/0")?;
//! client.setex("key", 10, "value")?;
//! let v: Option<String> = client.get("key")?;
//! # Ok::<(), strictredis::Error>(())
//! ```
//!
//! The data path, one file a step: a facade method ([`client`]) builds a command
//! ([`cmd`](mod@cmd), arguments typed by [`args`]) -> the pool checks out a connection
//! ([`pool`]) -> the connection writes it and reads the reply ([`connection`]) -> the sans-IO
//! codec decodes RESP ([`resp`]) -> the reply is converted to the caller's type
//! ([`from_value`]) -> the connection goes back to the pool when its guard drops.

#![forbid(unsafe_code)]
#![deny(missing_docs)]

pub mod args;
pub mod client;
pub mod cluster;
pub mod cmd;
mod command_facts;
#[rustfmt::skip]
mod command_table;
pub mod commands;
pub mod config;
pub mod connection;
pub mod error;
pub mod from_value;
pub mod lock;
pub mod pipeline;
pub mod pool;
pub mod pubsub;
pub mod resp;
pub mod retry;
pub mod scan;
pub mod script;
pub mod sentinel;
#[cfg(feature = "tls")]
pub mod tls;
pub mod value;

/// Test hooks: not part of the API, may change in any release.
#[doc(hidden)]
pub mod __private;

pub use args::{FieldValues, ScoreMembers, ToArg, ToArgs};
pub use client::{ClientBuilder, StrictRedis};
pub use cmd::{cmd, Cmd};
pub use config::{ConnectionAddr, ConnectionInfo, Options, Protocol};
pub use connection::Connection;
pub use error::{Error, Result, ServerError};
pub use from_value::FromValue;
pub use lock::{Lock, LockGuard};
pub use pipeline::Pipeline;
pub use pool::{ConnectionPool, Connector, PoolConfig, PooledConnection};
pub use pubsub::{Message, MessageKind, PubSub};
pub use retry::RetryPolicy;
pub use scan::{ScanIter, ScanOptions};
pub use script::{Script, ScriptInvocation, ScriptTarget};
pub use value::Value;
