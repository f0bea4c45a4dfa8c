//! One test binary for the command groups (`cargo test --test commands`): a module per
//! group, run against a real redis-server from the test kit, and `coverage`, which checks
//! that every command of Redis 7.0 and Valkey 9.1 has a method.

mod cmd_bitmaps_hll;
mod cmd_cluster;
mod cmd_connection;
mod cmd_geo;
mod cmd_hashes;
mod cmd_keys;
mod cmd_lists;
mod cmd_pubsub;
mod cmd_scripting;
mod cmd_server;
mod cmd_server_r_z;
mod cmd_sets;
mod cmd_sorted_sets;
mod cmd_streams;
mod cmd_strings;
mod compat;
mod coverage;
mod expected_replies;
mod facts;
#[path = "../util/mod.rs"]
mod util;
