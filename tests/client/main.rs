//! One test binary for the client, pool, pipelines, pub/sub, scripts, scans, locks and TLS
//! (`cargo test --test client`), a module per area, each test on its own server from the
//! test kit.
//!
//! Process-wide state: `secrets` installs the binary's one `log` logger (so it sees the
//! log lines of every test running beside it: none may show its password either), and
//! `dirty_state` a panic hook that hides only its own deliberate panics.

mod acl_rules;
mod api;
mod api_contract;
mod autopipe;
mod batch_refusals;
mod big_values;
mod blocking;
mod cache;
mod client_info;
mod credentials;
mod dirty_state;
mod edges;
mod exec_errors;
mod expectations;
mod generic;
mod hash_derive;
mod health_check;
#[cfg(feature = "json")]
mod json;
mod lock;
mod monitor;
mod options;
mod pipeline;
mod pool;
mod pubsub;
mod pubsub_worker;
mod scan;
mod scripts;
mod secrets;
mod tls;
#[path = "../util/mod.rs"]
mod util;
