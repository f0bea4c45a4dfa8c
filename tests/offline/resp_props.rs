//! Property tests of the RESP codec: whatever `encode_value` writes, the decoder reads back,
//! however the bytes are split; and no input makes the decoder panic.

use proptest::collection::vec;
use proptest::prelude::*;
use strictredis::resp::{encode::encode_value, Decoder};
use strictredis::{ServerError, Value};

/// Values RESP3 can carry exactly: no NaN doubles (NaN != NaN), no CR/LF in simple strings
/// or `-` errors (they cannot be written as a line), non-empty error texts, big numbers as
/// digit strings and three-letter verbatim formats. Errors with CR/LF are generated too:
/// the encoder writes those as `!` blob errors.
fn arb_value() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Nil),
        any::<i64>().prop_map(Value::Int),
        vec(any::<u8>(), 0..48).prop_map(Value::Bulk),
        "[^\r\n]{0,24}".prop_map(Value::Simple),
        "[^\r\n]{1,24}".prop_map(|s| Value::Error(ServerError::new(s))),
        "(ERR|WRONGTYPE) [a-z\r\n]{0,12}".prop_map(|s| Value::Error(ServerError::new(s))),
        any::<f64>()
            .prop_filter("NaN is not equal to itself", |d| !d.is_nan())
            .prop_map(Value::Double),
        prop_oneof![
            Just(f64::INFINITY),
            Just(f64::NEG_INFINITY),
            Just(0.0),
            Just(-0.0)
        ]
        .prop_map(Value::Double),
        any::<bool>().prop_map(Value::Boolean),
        "[-+]?[0-9]{1,40}".prop_map(Value::BigNumber),
        ("[a-zA-Z]{3}", vec(any::<u8>(), 0..24))
            .prop_map(|(format, text)| Value::Verbatim { format, text }),
    ];
    leaf.prop_recursive(4, 64, 6, |inner| {
        prop_oneof![
            vec(inner.clone(), 0..6).prop_map(Value::Array),
            vec(inner.clone(), 0..6).prop_map(Value::Set),
            vec(inner.clone(), 0..6).prop_map(Value::Push),
            vec((inner.clone(), inner.clone()), 0..4).prop_map(Value::Map),
            (vec((inner.clone(), inner.clone()), 0..3), inner).prop_map(|(attributes, v)| {
                Value::Attribute {
                    attributes,
                    value: Box::new(v),
                }
            }),
        ]
    })
}

fn encode(v: &Value) -> Vec<u8> {
    let mut out = Vec::new();
    encode_value(v, &mut out);
    out
}

/// Feeds `pieces` one after the other the way a reader over a `BufRead` does: consumed bytes
/// are dropped, the rest stays pending until more arrives.
fn feed(d: &mut Decoder, pieces: &[&[u8]]) -> Result<Vec<Value>, String> {
    let mut values = Vec::new();
    let mut pending: Vec<u8> = Vec::new();
    for piece in pieces {
        pending.extend_from_slice(piece);
        loop {
            let (used, v) = d.decode(&pending).map_err(|e| e.to_string())?;
            if used > pending.len() {
                return Err(format!("consumed {used} of {} bytes", pending.len()));
            }
            pending.drain(..used);
            match v {
                Some(v) => values.push(v),
                None if pending.is_empty() => break,
                None => return Err("an incomplete value left bytes unconsumed".into()),
            }
        }
    }
    if !pending.is_empty() {
        return Err(format!("{} bytes left over", pending.len()));
    }
    Ok(values)
}

/// Splits `bytes` into pieces of the given sizes (cycled), the last piece taking the rest.
fn chunks<'a>(bytes: &'a [u8], sizes: &[usize]) -> Vec<&'a [u8]> {
    let mut out = Vec::new();
    let mut rest = bytes;
    let mut i = 0;
    while !rest.is_empty() {
        let n = sizes[i % sizes.len()].min(rest.len());
        out.push(&rest[..n]);
        rest = &rest[n..];
        i += 1;
    }
    out
}

/// Decodes everything it can from `bytes`, returning normally on an error or incomplete input.
fn drain_whole(bytes: &[u8]) {
    let mut d = Decoder::new();
    let mut rest = bytes;
    while let Ok((used, Some(_))) = d.decode(rest) {
        assert!(used > 0 && used <= rest.len());
        rest = &rest[used..];
    }
}

fn drain_byte_by_byte(bytes: &[u8]) {
    let mut d = Decoder::with_max_bulk_len(1 << 20);
    for b in bytes {
        match d.decode(std::slice::from_ref(b)) {
            Ok((used, _)) => assert_eq!(used, 1),
            Err(_) => {
                d.reset();
                assert!(d.is_idle());
            }
        }
    }
}

/// Fragments that make random input look like RESP often enough to reach deep states.
fn resp_soup() -> impl Strategy<Value = Vec<u8>> {
    let token = prop_oneof![
        prop::sample::select(vec![
            "*",
            "$",
            ":",
            "+",
            "-",
            "_",
            ",",
            "#",
            "!",
            "=",
            "(",
            "%",
            "~",
            ">",
            "|",
            "\r\n",
            "\r",
            "\n",
            "0",
            "1",
            "2",
            "3",
            "-1",
            "-2",
            "t",
            "f",
            "inf",
            "nan",
            "txt:",
            "abc",
            "9223372036854775807",
            "99999999999999999999",
        ])
        .prop_map(|s| s.as_bytes().to_vec()),
        vec(any::<u8>(), 0..4),
    ];
    vec(token, 0..64).prop_map(|tokens| tokens.concat())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn round_trips_whole(v in arb_value()) {
        let bytes = encode(&v);
        let mut d = Decoder::new();
        let (used, got) = d.decode(&bytes).map_err(|e| TestCaseError::fail(e.to_string()))?;
        prop_assert_eq!(used, bytes.len());
        prop_assert_eq!(got, Some(v));
        prop_assert!(d.is_idle());
    }

    #[test]
    fn round_trips_split_at_every_offset(v in arb_value()) {
        let bytes = encode(&v);
        for split in 0..=bytes.len() {
            let mut d = Decoder::new();
            let got = feed(&mut d, &[&bytes[..split], &bytes[split..]])
                .map_err(TestCaseError::fail)?;
            prop_assert_eq!(&got, std::slice::from_ref(&v), "split at {}", split);
            prop_assert!(d.is_idle());
        }
    }

    #[test]
    fn round_trips_in_random_chunks(v in arb_value(), sizes in vec(1usize..16, 1..8)) {
        let bytes = encode(&v);
        let mut d = Decoder::new();
        let got = feed(&mut d, &chunks(&bytes, &sizes)).map_err(TestCaseError::fail)?;
        prop_assert_eq!(got, vec![v]);
    }

    #[test]
    fn two_values_decode_in_order(a in arb_value(), b in arb_value(), sizes in vec(1usize..32, 1..4)) {
        let mut bytes = encode(&a);
        let first_len = bytes.len();
        encode_value(&b, &mut bytes);
        // Whole: the first call stops right after the first value.
        let mut d = Decoder::new();
        let (used, got) = d.decode(&bytes).map_err(|e| TestCaseError::fail(e.to_string()))?;
        prop_assert_eq!(used, first_len);
        prop_assert_eq!(got.as_ref(), Some(&a));
        let (used, got) = d.decode(&bytes[first_len..]).map_err(|e| TestCaseError::fail(e.to_string()))?;
        prop_assert_eq!(used, bytes.len() - first_len);
        prop_assert_eq!(got.as_ref(), Some(&b));
        // In pieces.
        let mut d = Decoder::new();
        let got = feed(&mut d, &chunks(&bytes, &sizes)).map_err(TestCaseError::fail)?;
        prop_assert_eq!(got, vec![a, b]);
    }

    #[test]
    fn random_bytes_never_panic(bytes in vec(any::<u8>(), 0..256)) {
        drain_whole(&bytes);
        drain_byte_by_byte(&bytes);
    }

    #[test]
    fn resp_like_bytes_never_panic(bytes in resp_soup()) {
        drain_whole(&bytes);
        drain_byte_by_byte(&bytes);
    }

    #[test]
    fn corrupted_encodings_never_panic(v in arb_value(), at in any::<prop::sample::Index>(), byte in any::<u8>()) {
        let mut bytes = encode(&v);
        let i = at.index(bytes.len());
        bytes[i] = byte;
        drain_whole(&bytes);
        drain_byte_by_byte(&bytes);
    }
}

#[test]
fn encodes_every_type_as_resp3() {
    let v = Value::Attribute {
        attributes: vec![(Value::Simple("ttl".into()), Value::Int(-1))],
        value: Box::new(Value::Array(vec![
            Value::Nil,
            Value::Bulk(b"a\r\nb".to_vec()),
            Value::Error(ServerError::new("ERR x")),
            Value::Error(ServerError::new("ERR a\nb")),
            Value::Double(1.5),
            Value::Double(f64::NEG_INFINITY),
            Value::Double(f64::NAN),
            Value::Boolean(true),
            Value::BigNumber("-123".into()),
            Value::Verbatim {
                format: "txt".into(),
                text: b"hi".to_vec(),
            },
            Value::Map(vec![(Value::Int(1), Value::Set(vec![]))]),
            Value::Push(vec![Value::Simple("x".into())]),
        ])),
    };
    let expected: &[u8] = b"|1\r\n+ttl\r\n:-1\r\n*12\r\n_\r\n$4\r\na\r\nb\r\n-ERR x\r\n\
        !7\r\nERR a\nb\r\n,1.5\r\n,-inf\r\n,nan\r\n#t\r\n(-123\r\n=6\r\ntxt:hi\r\n\
        %1\r\n:1\r\n~0\r\n>1\r\n+x\r\n";
    assert_eq!(
        String::from_utf8_lossy(&encode(&v)),
        String::from_utf8_lossy(expected)
    );
}

#[test]
fn doubles_use_the_shortest_round_trip_text() {
    for (d, text) in [
        (0.1, ",0.1\r\n"),
        (1.0, ",1.0\r\n"),
        (1e300, ",1e300\r\n"),
        (f64::INFINITY, ",inf\r\n"),
    ] {
        assert_eq!(encode(&Value::Double(d)), text.as_bytes());
    }
}
