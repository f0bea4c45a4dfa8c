//! The paths and constructors of the command option types that v0.1.0 users could write keep
//! compiling after the scan options and the test hooks moved (no server needed).

use strictredis::commands::cluster::ClusterScanOptions;
use strictredis::commands::hashes::HScanOptions;
use strictredis::commands::keys::ScanOptions;
use strictredis::commands::sets::SScanOptions;
use strictredis::commands::sorted_sets::ZScanOptions;

#[test]
fn scan_option_literals_and_builders_of_v0_1_0() {
    let k = ScanOptions {
        pattern: Some("u:*".into()),
        count: Some(10),
        type_: None,
    };
    assert_eq!(k, ScanOptions::new().pattern("u:*").count(10));
    assert_eq!(
        strictredis::ScanOptions::new()
            .type_("hash")
            .type_
            .as_deref(),
        Some("hash")
    );
    assert_eq!(strictredis::ScanOptions::default(), ScanOptions::default());

    let s = SScanOptions {
        pattern: None,
        count: Some(3),
    };
    assert_eq!(s, SScanOptions::new().count(3));
    let h = HScanOptions {
        pattern: Some("f*".into()),
        count: None,
        novalues: true,
    };
    assert_eq!(h, HScanOptions::default().pattern("f*").novalues());
    let z = ZScanOptions {
        pattern: None,
        count: None,
        noscores: true,
    };
    assert_eq!(z, ZScanOptions::new().noscores());
    let c = ClusterScanOptions {
        match_pattern: Some("k*".into()),
        count: Some(5),
        type_: None,
        slot: Some(1),
    };
    assert_eq!(c.clone(), c);
}

#[test]
fn test_hooks_answer_at_the_old_and_the_new_path() {
    assert_eq!(
        strictredis::commands::METHODS_BY_GROUP.len(),
        strictredis::commands::__private::METHODS_BY_GROUP.len()
    );
    assert_eq!(
        strictredis::commands::EXCLUDED,
        strictredis::commands::__private::EXCLUDED
    );
    let strings = strictredis::commands::__private::METHODS_BY_GROUP
        .iter()
        .find(|(g, _)| *g == "string")
        .map(|(_, m)| *m)
        .unwrap_or_default();
    assert!(strings.contains(&"get"));
}
