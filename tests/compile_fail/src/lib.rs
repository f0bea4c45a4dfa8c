//! Compile-fail tests of strictredis (no library code): each file in `ui/` is a call that
//! the typed facade has to reject, and the `.stderr` beside it is the error rustc gives.
//! Run by `tests/compile_fail.rs` of this crate (trybuild); `TRYBUILD=overwrite` rewrites the `.stderr`
//! files after a deliberate change of a message.
#![forbid(unsafe_code)]
#![deny(missing_docs)]
