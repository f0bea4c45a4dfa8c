//! For test files that still say `mod common;` (the layout before the test kit): the kit
//! under its old name. New tests use `strictredis_test_kit` directly, inside one of the
//! test binaries (`tests/commands`, `tests/client`, `tests/cluster`, `tests/faults`).
#![allow(unused_imports)]

pub use strictredis_test_kit::*;
