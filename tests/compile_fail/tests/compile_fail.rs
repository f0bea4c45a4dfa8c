//! Wrong argument types must not compile: each file in `ui/` is a call that a typed facade
//! has to reject, with the error in the `.stderr` file beside it.

#[test]
fn wrong_argument_types_do_not_compile() {
    let t = trybuild::TestCases::new();
    t.compile_fail("ui/*.rs");
}
