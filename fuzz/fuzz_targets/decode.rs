//! The RESP decoder, fed any bytes: whole, one byte at a time, and in the chunks the input's
//! first byte chooses. It must never panic, must consume only what it is given, must give the
//! same values (or fail) however the bytes are split, and what it decodes must encode and
//! decode back to itself.
#![no_main]

use libfuzzer_sys::fuzz_target;
use strictredis::resp::{encode_value, Decoder};
use strictredis::Value;

/// Every value in `data`, fed in pieces of at most `chunk` bytes; `Err` once it fails.
fn decode_all(data: &[u8], chunk: usize) -> (Vec<String>, bool) {
    let mut d = Decoder::new();
    let mut values = Vec::new();
    let mut pos = 0;
    while pos < data.len() {
        let end = (pos + chunk).min(data.len());
        let mut piece = &data[pos..end];
        while !piece.is_empty() {
            match d.decode(piece) {
                Ok((used, v)) => {
                    assert!(used <= piece.len(), "consumed more than it was given");
                    match v {
                        Some(v) => values.push(format!("{v:?}")),
                        None => assert_eq!(used, piece.len(), "partial reply not consumed"),
                    }
                    piece = &piece[used..];
                }
                Err(e) => {
                    assert!(matches!(e, strictredis::Error::Protocol(_)), "{e:?}");
                    return (values, true);
                }
            }
        }
        pos = end;
    }
    (values, false)
}

fuzz_target!(|data: &[u8]| {
    let whole = decode_all(data, usize::MAX);
    let bytewise = decode_all(data, 1);
    assert_eq!(whole, bytewise, "whole vs byte by byte");
    if let Some(&first) = data.first() {
        let chunked = decode_all(data, usize::from(first % 16) + 2);
        assert_eq!(whole, chunked, "whole vs chunks");
    }
    // Round trip: a decoded value encodes to bytes that decode to the same value.
    let mut d = Decoder::new();
    if let Ok((_, Some(v))) = d.decode(data) {
        if matches!(v, Value::Error(_)) {
            return;
        }
        let mut out = Vec::new();
        encode_value(&v, &mut out);
        let (again, failed) = decode_all(&out, usize::MAX);
        assert!(!failed, "re-encoded value does not decode: {v:?}");
        assert_eq!(again, vec![format!("{v:?}")], "round trip");
    }
});
