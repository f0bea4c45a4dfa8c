//! The tests that need no server (`cargo test --test offline`): the codec's property tests,
//! the paths users import, and the layers check (no import cycle between modules).

// The public-paths module names every path only to see that it compiles.
#[allow(unused_imports)]
mod public_paths;

mod resp_props;

mod layers;
