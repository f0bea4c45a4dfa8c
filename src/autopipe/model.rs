//! Model tests of the hand-off (see `core.rs`), under `shuttle`.
