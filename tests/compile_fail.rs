//! Wrong argument types must not compile: each file in `tests/ui/` is a call that a typed
//! facade has to reject.

#[test]
fn wrong_argument_types_do_not_compile() {
    let t = trybuild::TestCases::new();
    t.compile_fail("tests/ui/*.rs");
}
