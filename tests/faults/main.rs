//! Faults between the client and a real server, and faults of the server itself: after each
//! one, every later reply must be the right one (each value embeds its key and a sequence
//! number, so a reply meant for another request is always seen), the broken connection must
//! be gone, the pool must recover, and no call may block past its time limit.
//!
//! `cargo test --test faults` runs short versions of every scenario (CI). The long runs,
//! whose figures are in docs/reliability.md, are the `#[ignore]`d tests:
//! `cargo test --release --test faults -- --ignored --nocapture --test-threads 1`.
//!
//! Modules: `proxied` (faults made by the test kit's proxy), `server` (faults of the server
//! itself, under load), `retry_table`, `pubsub`, `cluster`; their helpers are in `util`.

mod autopipe;
mod cluster;
mod loading;
mod pipeline_kill;
mod proxied;
mod pubsub;
mod retry_table;
mod server;
mod util;
