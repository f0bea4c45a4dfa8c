//! The URL parser, fed any text: it must never panic, any error must be a config error, and a
//! URL it accepts must give back, through `redacted_url`, a URL that parses to the same
//! settings (the password aside, which is redacted).
#![no_main]

use libfuzzer_sys::fuzz_target;
use strictredis::ConnectionInfo;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    match text.parse::<ConnectionInfo>() {
        Err(e) => assert!(matches!(e, strictredis::Error::Config(_)), "{e:?}"),
        Ok(info) => {
            let _ = format!("{info:?}");
            let again: ConnectionInfo = match info.redacted_url().parse() {
                Ok(again) => again,
                Err(e) => panic!("redacted_url of {text:?} does not parse: {e}"),
            };
            let mut expected = info.clone();
            if expected.password.is_some() {
                expected.password = Some("***".to_string());
            }
            assert!(
                again == expected,
                "round trip of {text:?}: {again:?} != {expected:?}"
            );
        }
    }
});
