//! The tests that need no server (`cargo test --test offline`): the codec's property tests
//! and the paths users import.

// The public-paths module names every path only to see that it compiles.
#[allow(unused_imports)]
mod public_paths;

mod resp_props;
