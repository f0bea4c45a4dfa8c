//! A synchronous, blocking Redis client: the command methods of redis-py's `StrictRedis`,
//! typed for Rust, over a thread-safe connection pool.
//!
//! `strictredis` is for programs that block: scripts, command-line tools, and servers that
//! run one thread per request. Every Redis 7.0 and Valkey 9.1 command is a method whose
//! arguments are checked at compile time; a reply is converted to the type you ask for; a
//! connection that saw an error, a timeout or a half-read reply is closed, never handed to
//! the next caller. There is no async runtime, and the crate has no `unsafe` code.
//!
//! # Quick start
//!
//! ```toml
//! [dependencies]
//! strictredis = "0.1"
//! ```
//!
//! ```no_run
//! use strictredis::StrictRedis;
//!
//! let r = StrictRedis::from_url("redis://127.0.0.1:6379/0")?;
//! r.set("greeting", "hello")?;
//! let v: Option<String> = r.get("greeting")?;    // `None` for a missing key
//! assert_eq!(v.as_deref(), Some("hello"));
//! let n: i64 = r.incr("visits")?;
//! # let _ = n;
//! # Ok::<(), strictredis::Error>(())
//! ```
//!
//! A [`StrictRedis`] is cheap to clone and `Send + Sync`: clones share one pool, so hand one
//! to every thread. Each call checks a connection out, runs the command, and puts the
//! connection back.
//!
//! # The main types
//!
//! | Type | What it is |
//! | --- | --- |
//! | [`StrictRedis`] | The client: one method per command, plus pipelines, transactions, pub/sub, scripts, scans and locks. |
//! | [`ClientBuilder`] | Every option of a client ([`StrictRedis::builder`]): host, db, credentials, timeouts, pool size, retries. |
//! | [`ConnectionInfo`] | Where and how to connect, parsed from a URL ([`ConnectionInfo::from_url`]). `Debug` hides the password. |
//! | [`Pipeline`] | Commands sent together ([`StrictRedis::pipeline`]), in MULTI/EXEC by default. |
//! | [`PubSub`] | Subscriptions and their messages ([`StrictRedis::pubsub`]). |
//! | [`Script`] | A Lua script run by EVALSHA, loaded again when the server lost it ([`StrictRedis::register_script`]). |
//! | [`ScanIter`] | `SCAN`, `HSCAN`, `SSCAN`, `ZSCAN` as iterators ([`StrictRedis::scan_iter`]). |
//! | [`Lock`] | redis-py's distributed lock ([`StrictRedis::lock`]). |
//! | [`Value`], [`FromValue`] | A raw RESP2/RESP3 reply, and the conversion of one into your type. |
//! | [`Cmd`], [`cmd()`] | Any command by name, for [`StrictRedis::execute_command`]. |
//! | [`ConnectionPool`], [`PoolConfig`] | The pool behind a client, when you want to build or share it yourself. |
//! | [`Error`], [`Result`] | The one error type of the crate. |
//!
//! Option and reply types of the commands are in [`commands`], one module per Redis command
//! group (`commands::strings::SetOptions`, `commands::streams::StreamEntry`, ...).
//!
//! # Connecting
//!
//! [`StrictRedis::from_url`] and [`ClientBuilder::url`] take:
//!
//! - `redis://[user[:password]@]host[:port][/db][?key=value&...]`
//! - `rediss://...` (TLS, with the `tls` feature)
//! - `redis+unix:///path/to/redis.sock?db=1`, or `unix:///path/to/redis.sock`
//!
//! Query keys include `db`, `protocol=3` (RESP3 through `HELLO 3`), `client_name`,
//! `connect_timeout`, `read_timeout`, `write_timeout`, `health_check_interval` (seconds),
//! `min_connections`, `max_connections`, `pool_timeout`, `max_retries`, `retry_backoff`, and
//! for `rediss://` the CA and client-certificate files and `insecure`
//! ([`Options`] has the full list). A bad URL is an [`Error::Config`] before anything is sent. The same
//! settings, set one by one:
//!
//! ```no_run
//! use std::time::Duration;
//! use strictredis::StrictRedis;
//!
//! let r = StrictRedis::builder()
//!     .host("127.0.0.1")
//!     .port(6379)
//!     .db(2)
//!     .read_timeout(Some(Duration::from_millis(500)))
//!     .max_connections(32)
//!     .build()?;
//! # let _ = r;
//! # Ok::<(), strictredis::Error>(())
//! ```
//!
//! # Errors
//!
//! Every call returns [`Result<T>`](Result), whose [`Error`] says what went wrong: the
//! connection broke ([`Error::Io`]) or timed out ([`Error::Timeout`]), no pooled connection
//! became free ([`Error::PoolTimeout`]), the server replied with an error ([`Error::Server`],
//! whose [`ServerError`] has the kind, such as `WRONGTYPE`), the reply did not fit the type
//! asked for ([`Error::Type`]), a watched key changed ([`Error::TransactionAborted`]), and
//! so on. No error, `Debug` output or log line ever shows a password.
//!
//! A connect that failed, and a command that certainly did not run (or that only reads), is
//! retried by the client's [`RetryPolicy`] (3 retries with backoff by default); a write that
//! may have run is never sent twice.
//!
//! # Pools
//!
//! Each client owns a [`ConnectionPool`] of up to 16 connections by default
//! ([`ClientBuilder::max_connections`]); a caller waits up to 20 s for a free one
//! ([`ClientBuilder::pool_timeout`]), then gets [`Error::PoolTimeout`].
//! [`StrictRedis::get_connection`] holds one connection for several commands; it goes back
//! to the pool when the guard drops, or is closed if its state is in doubt.
//!
//! # Pipelines and transactions
//!
//! ```no_run
//! # let r = strictredis::StrictRedis::from_url("redis://127.0.0.1:6379/0")?;
//! let mut p = r.pipeline();                       // MULTI ... EXEC
//! p.set("a", "1").incr("a").get("a");
//! let (_, n, v): ((), i64, String) = p.execute()?;
//! assert_eq!((n, v.as_str()), (2, "2"));
//!
//! // WATCH, read, then write in MULTI/EXEC; run again if a watched key changed.
//! let balance: i64 = r.transaction(&["balance"], |conn, pipe| {
//!     let cur: Option<i64> = conn.get("balance")?;
//!     pipe.set("balance", cur.unwrap_or(0) + 1);
//!     Ok(cur.unwrap_or(0) + 1)
//! })?;
//! # let _ = balance;
//! # Ok::<(), strictredis::Error>(())
//! ```
//!
//! [`StrictRedis::pipeline_without_transaction`] sends the commands in one round trip
//! without MULTI/EXEC.
//!
//! # Cluster and Sentinel
//!
//! The same command methods work on a Redis Cluster, routed by each key's hash slot and
//! following `MOVED`/`ASK` redirections ([`cluster::RedisCluster`]), and on a master found
//! through Sentinel, following failovers ([`sentinel::Sentinel`]):
//!
//! ```no_run
//! use strictredis::cluster::RedisCluster;
//! use strictredis::sentinel::Sentinel;
//!
//! let c = RedisCluster::from_urls(&["redis://127.0.0.1:7000", "redis://127.0.0.1:7001"])?;
//! c.set("user:{42}:name", "ada")?;
//!
//! let s = Sentinel::new(&["redis://127.0.0.1:26379"])?;
//! let master = s.master_for("mymaster")?;          // a StrictRedis
//! master.set("k", "v")?;
//! # Ok::<(), strictredis::Error>(())
//! ```
//!
//! # Features
//!
//! | Feature | Default | What it adds |
//! | --- | --- | --- |
//! | `tls` | yes | `rediss://` URLs over rustls (ring), with the Mozilla root certificates (webpki-roots) as trust roots unless a CA file is given; client certificates for mutual TLS. Without it, a `rediss://` URL is an [`Error::Config`]. |
//!
//! With `default-features = false` the crate has no TLS code and no rustls dependency.
//!
//! # More
//!
//! The repository's `docs/` folder has a guide for redis-py and redis-rs users, the
//! architecture (the data path, one file a step), the guarantees under faults, the cluster
//! and Sentinel behaviour, and benchmarks; `examples/` has one runnable program per feature.

#![cfg_attr(docsrs, feature(doc_cfg))]
#![forbid(unsafe_code)]
#![deny(missing_docs)]

mod args;
mod autopipe;
mod batch;
mod cache;
mod client;
pub mod cluster;
mod cmd;
mod command_facts;
pub mod commands;
mod config;
mod connection;
mod credentials;
mod error;
mod failure;
mod from_value;
#[cfg(feature = "json")]
mod json;
mod lock;
mod monitor;
mod observe;
mod pipeline;
mod pool;
pub mod prelude;
mod pubsub;
mod pubsub_worker;
pub mod resp;
mod retry;
mod scan;
mod script;
pub mod sentinel;
mod time;
#[cfg(feature = "tls")]
mod tls;
mod value;

/// Test hooks: not part of the API, may change in any release.
#[doc(hidden)]
pub mod __private;

pub use args::{FieldValues, ScoreMembers, ToArg, ToArgs};
pub use cache::CacheStats;
pub use client::{ClientBuilder, StrictRedis};
pub use cmd::{cmd, ArgsIter, BlockingTimeout, Cmd};
pub use commands::{AclRules, Commands, PipelineCommands};
#[allow(deprecated)]
pub use config::PoolOverrides;
pub use config::{
    CacheConfig, ConnectionAddr, ConnectionInfo, Options, PoolConfig, Protocol, RetryPolicy,
    TlsOptions, DEFAULT_CONNECT_TIMEOUT, DEFAULT_HOST, DEFAULT_PORT, DEFAULT_READ_TIMEOUT,
    DEFAULT_WRITE_TIMEOUT,
};
pub use connection::Connection;
pub use credentials::{CredentialProvider, Credentials};
pub use error::{
    ClusterError, CredentialsError, Error, LockError, PipelineFailure, Result, SentinelError,
    ServerError, TlsError,
};
pub use from_value::FromValue;
#[cfg(feature = "json")]
#[cfg_attr(docsrs, doc(cfg(feature = "json")))]
pub use json::Json;
pub use lock::{Lock, LockGuard};
pub use monitor::{Monitor, MonitorEvent};
pub use pipeline::Pipeline;
pub use pool::{ConnectionPool, Connector, PooledConnection};
pub use pubsub::{Listen, Message, MessageKind, PubSub};
pub use pubsub_worker::PubSubWorker;
pub use retry::{is_read_only, is_read_only_name, read_only_commands};
pub use scan::{ScanIter, ScanOptions};
pub use script::{Script, ScriptInvocation, ScriptTarget};
pub use value::Value;
