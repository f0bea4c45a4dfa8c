//! The decoder's unit tests: every reply kind, every split point, every malformed input.

use super::*;

fn one(bytes: &[u8]) -> Value {
    match decode_one(bytes) {
        Ok(Some((v, used))) => {
            assert_eq!(used, bytes.len(), "consumed for {bytes:?}");
            v
        }
        other => panic!("{bytes:?}: {other:?}"),
    }
}

fn err(bytes: &[u8]) -> String {
    match decode_one(bytes) {
        Err(Error::Protocol(msg)) => msg,
        other => panic!("expected a protocol error for {bytes:?}, got {other:?}"),
    }
}

/// Feeds `bytes` in the given pieces, dropping consumed bytes, collecting all values.
fn feed_pieces(d: &mut Decoder, pieces: &[&[u8]]) -> Result<Vec<Value>> {
    let mut out = Vec::new();
    let mut pending: Vec<u8> = Vec::new();
    for piece in pieces {
        pending.extend_from_slice(piece);
        loop {
            let (used, v) = d.decode(&pending)?;
            pending.drain(..used);
            match v {
                Some(v) => out.push(v),
                None => {
                    assert!(pending.is_empty(), "incomplete must consume everything");
                    break;
                }
            }
        }
    }
    Ok(out)
}

fn bulk(s: &str) -> Value {
    Value::Bulk(s.as_bytes().to_vec())
}

#[test]
fn bulk_fast_path_agrees_with_the_general_path() {
    assert_eq!(one(b"$3\r\nabc\r\n"), bulk("abc"));
    assert_eq!(one(b"$0\r\n\r\n"), bulk(""));
    assert_eq!(one(b"$007\r\nabcdefg\r\n"), bulk("abcdefg"));
    assert_eq!(one(b"$-1\r\n"), Value::Nil);
    assert_eq!(one(b"$4\r\na\r\nb\r\n"), bulk("a\r\nb"));
    assert!(err(b"$3\r\nabcX\r\n").contains("not followed by"));
    assert!(err(b"$+3\r\nabc\r\n").contains("length"));
    assert!(err(b"$3x\r\nabc\r\n").contains("length"));
    assert!(err(b"$99999999999999999999\r\n").contains("length"));
    let mut small = Decoder::with_max_bulk_len(2);
    assert!(small.decode(b"$3\r\nabc\r\n").is_err());
    // Split anywhere, the bytes still make the same values.
    let stream = b"*2\r\n$3\r\nabc\r\n$2\r\nde\r\n$1\r\nf\r\n";
    for cut in 0..stream.len() {
        let mut d = Decoder::new();
        let got = feed_pieces(&mut d, &[&stream[..cut], &stream[cut..]]).unwrap();
        assert_eq!(
            got,
            vec![Value::Array(vec![bulk("abc"), bulk("de")]), bulk("f")],
            "cut at {cut}"
        );
    }
}

#[test]
fn scalars() {
    assert_eq!(one(b"+OK\r\n"), Value::Simple("OK".into()));
    assert_eq!(one(b"+\r\n"), Value::Simple(String::new()));
    assert_eq!(
        one(b"-ERR bad thing\r\n"),
        Value::Error(ServerError::new("ERR bad thing"))
    );
    assert_eq!(one(b":0\r\n"), Value::Int(0));
    assert_eq!(one(b":-42\r\n"), Value::Int(-42));
    assert_eq!(one(b":+7\r\n"), Value::Int(7));
    assert_eq!(one(b":9223372036854775807\r\n"), Value::Int(i64::MAX));
    assert_eq!(one(b":-9223372036854775808\r\n"), Value::Int(i64::MIN));
    assert_eq!(one(b"$5\r\nhello\r\n"), bulk("hello"));
    assert_eq!(one(b"$0\r\n\r\n"), bulk(""));
    assert_eq!(one(b"$4\r\na\r\nb\r\n"), bulk("a\r\nb"));
    assert_eq!(one(b"#t\r\n"), Value::Boolean(true));
    assert_eq!(one(b"#f\r\n"), Value::Boolean(false));
    assert_eq!(one(b",1.5\r\n"), Value::Double(1.5));
    assert_eq!(one(b",-3\r\n"), Value::Double(-3.0));
    assert_eq!(one(b",1e300\r\n"), Value::Double(1e300));
    assert_eq!(one(b",inf\r\n"), Value::Double(f64::INFINITY));
    assert_eq!(one(b",-inf\r\n"), Value::Double(f64::NEG_INFINITY));
    assert!(matches!(one(b",nan\r\n"), Value::Double(d) if d.is_nan()));
    assert_eq!(
        one(b"(3492890328409238509324850943850943825024385\r\n"),
        Value::BigNumber("3492890328409238509324850943850943825024385".into())
    );
    assert_eq!(one(b"(-12\r\n"), Value::BigNumber("-12".into()));
    assert_eq!(
        one(b"!21\r\nSYNTAX invalid syntax\r\n"),
        Value::Error(ServerError::new("SYNTAX invalid syntax"))
    );
    assert_eq!(
        one(b"=15\r\ntxt:Some string\r\n"),
        Value::Verbatim {
            format: "txt".into(),
            text: b"Some string".to_vec()
        }
    );
    assert_eq!(
        one(b"=4\r\nmkd:\r\n"),
        Value::Verbatim {
            format: "mkd".into(),
            text: Vec::new()
        }
    );
}

#[test]
fn invalid_utf8_text_is_replaced() {
    assert_eq!(
        one(b"-ERR \xff\r\n"),
        Value::Error(ServerError::new("ERR \u{fffd}"))
    );
    assert_eq!(one(b"+a\xffb\r\n"), Value::Simple("a\u{fffd}b".into()));
}

#[test]
fn nils() {
    assert_eq!(one(b"$-1\r\n"), Value::Nil);
    assert_eq!(one(b"*-1\r\n"), Value::Nil);
    assert_eq!(one(b"_\r\n"), Value::Nil);
}

#[test]
fn aggregates() {
    assert_eq!(one(b"*0\r\n"), Value::Array(vec![]));
    assert_eq!(
        one(b"*3\r\n:1\r\n$1\r\na\r\n*-1\r\n"),
        Value::Array(vec![Value::Int(1), bulk("a"), Value::Nil])
    );
    assert_eq!(
        one(b"*2\r\n*1\r\n+x\r\n*0\r\n"),
        Value::Array(vec![
            Value::Array(vec![Value::Simple("x".into())]),
            Value::Array(vec![])
        ])
    );
    assert_eq!(
        one(b"%2\r\n+a\r\n:1\r\n+b\r\n%0\r\n"),
        Value::Map(vec![
            (Value::Simple("a".into()), Value::Int(1)),
            (Value::Simple("b".into()), Value::Map(vec![])),
        ])
    );
    assert_eq!(
        one(b"~2\r\n#t\r\n_\r\n"),
        Value::Set(vec![Value::Boolean(true), Value::Nil])
    );
    assert_eq!(
        one(b">3\r\n$7\r\nmessage\r\n$2\r\nch\r\n$2\r\nhi\r\n"),
        Value::Push(vec![bulk("message"), bulk("ch"), bulk("hi")])
    );
    assert_eq!(one(b"~0\r\n"), Value::Set(vec![]));
    assert_eq!(one(b">0\r\n"), Value::Push(vec![]));
}

#[test]
fn attributes() {
    let v =
        one(b"|1\r\n+key-popularity\r\n%1\r\n$1\r\na\r\n,0.19\r\n*2\r\n:2039123\r\n:9543892\r\n");
    assert_eq!(
        v,
        Value::Attribute {
            attributes: vec![(
                Value::Simple("key-popularity".into()),
                Value::Map(vec![(bulk("a"), Value::Double(0.19))])
            )],
            value: Box::new(Value::Array(vec![Value::Int(2039123), Value::Int(9543892)])),
        }
    );
    assert_eq!(
        one(b"|0\r\n:1\r\n"),
        Value::Attribute {
            attributes: vec![],
            value: Box::new(Value::Int(1))
        }
    );
    // An attribute inside an array, describing one element.
    assert_eq!(
        one(b"*2\r\n|1\r\n+a\r\n+b\r\n:1\r\n:2\r\n"),
        Value::Array(vec![
            Value::Attribute {
                attributes: vec![(Value::Simple("a".into()), Value::Simple("b".into()))],
                value: Box::new(Value::Int(1)),
            },
            Value::Int(2)
        ])
    );
}

#[test]
fn protocol_errors() {
    let cases: &[&[u8]] = &[
        b"?x\r\n",
        b"\r\n",
        b"x",
        b":\r\n",
        b":12a\r\n",
        b":-\r\n",
        b":9223372036854775808\r\n",
        b":-9223372036854775809\r\n",
        b":1\rx",
        b"+OK\rx\r\n",
        b"$\r\n",
        b"$abc\r\n",
        b"$+5\r\nhello\r\n",
        b"$-2\r\n",
        b"$-1x\r\n",
        b"$9223372036854775807\r\n",
        b"$9223372036854775808\r\n",
        b"$5\r\nhelloXX",
        b"$5\r\nhello\rX",
        b"$5\r\nhello\n\r",
        b"*-5\r\n",
        b"*-2\r\n",
        b"*2147483648\r\n",
        b"*x\r\n",
        b"*\r\n",
        b"%4611686018427387904\r\n",
        b"%-1\r\n",
        b"~-1\r\n",
        b">-1\r\n",
        b"|-1\r\n",
        b"!-1\r\n",
        b"=-1\r\n",
        b"#x\r\n",
        b"#\r\n",
        b"#tt\r\n",
        b"_x\r\n",
        b",\r\n",
        b",abc\r\n",
        b", 1\r\n",
        b"(\r\n",
        b"(-\r\n",
        b"(12a\r\n",
        b"(1.5\r\n",
        b"=3\r\ntxt\r\n",
        b"=5\r\ntxtx1\r\n",
        b"=4\r\n\xff\xfe\xfd:\r\n",
        b"*1\r\n$2\r\nabc\r\n",
    ];
    for case in cases {
        let msg = err(case);
        assert!(!msg.is_empty());
    }
    assert!(err(b"$9223372036854775807\r\n").contains("exceeds"));
    assert!(err(b"?").contains("unknown RESP type"));
    assert!(err(b"$5\r\nhelloXX").contains("not followed"));
}

#[test]
fn errors_are_found_when_split_too() {
    let cases: &[&[u8]] = &[b"$5\r\nhelloXX", b":1\rx", b"*-5\r\n", b"#x\r\n", b"?"];
    for case in cases {
        let mut d = Decoder::new();
        let pieces: Vec<&[u8]> = case.chunks(1).collect();
        assert!(matches!(
            feed_pieces(&mut d, &pieces),
            Err(Error::Protocol(_))
        ));
        assert!(d.is_idle(), "an error resets the decoder");
    }
}

#[test]
fn long_lines_are_rejected() {
    let mut d = Decoder::with_max_bulk_len(100);
    let mut line = vec![b'+'];
    line.extend_from_slice(&[b'a'; 101]);
    line.extend_from_slice(b"\r\n");
    assert!(matches!(d.decode(&line), Err(Error::Protocol(_))));
    // The same, fed in pieces.
    let pieces: Vec<&[u8]> = line.chunks(7).collect();
    assert!(matches!(
        feed_pieces(&mut d, &pieces),
        Err(Error::Protocol(_))
    ));
    // At the limit it is fine.
    let mut ok = vec![b'+'];
    ok.extend_from_slice(&[b'a'; 100]);
    ok.extend_from_slice(b"\r\n");
    let pieces: Vec<&[u8]> = ok.chunks(7).collect();
    assert_eq!(
        feed_pieces(&mut d, &pieces).unwrap(),
        vec![Value::Simple("a".repeat(100))]
    );
    // Header lines are short.
    let mut hdr = b":".to_vec();
    hdr.resize(MAX_SHORT_LINE + 2, b'0');
    assert!(matches!(
        Decoder::new().decode(&hdr),
        Err(Error::Protocol(_))
    ));
    // Payloads over the limit.
    assert!(matches!(d.decode(b"$101\r\n"), Err(Error::Protocol(_))));
    assert!(matches!(d.decode(b"$100\r\n"), Ok((6, None))));
}

#[test]
fn huge_counts_use_bounded_memory() {
    let mut d = Decoder::new();
    assert_eq!(d.decode(b"*2147483647\r\n").unwrap(), (13, None));
    assert_eq!(d.decode(b"%1073741823\r\n:1\r\n").unwrap(), (17, None));
    assert_eq!(d.decode(b"$536870912\r\nab").unwrap(), (14, None));
    match &d.partial {
        Partial::Blob { data, .. } => assert!(data.capacity() <= BLOB_PREALLOC),
        _ => panic!("expected a partial payload"),
    }
    assert!(!d.is_idle());
    d.reset();
    assert!(d.is_idle());
    assert_eq!(d.decode(b":1\r\n").unwrap(), (4, Some(Value::Int(1))));
}

#[test]
fn two_replies_in_one_buffer() {
    let buf = b"+OK\r\n*1\r\n:2\r\n$3\r\nabc\r\n";
    let mut d = Decoder::new();
    assert_eq!(
        d.decode(buf).unwrap(),
        (5, Some(Value::Simple("OK".into())))
    );
    assert_eq!(
        d.decode(&buf[5..]).unwrap(),
        (8, Some(Value::Array(vec![Value::Int(2)])))
    );
    assert_eq!(d.decode(&buf[13..]).unwrap(), (9, Some(bulk("abc"))));
    assert_eq!(d.decode(&buf[22..]).unwrap(), (0, None));
    assert!(d.is_idle());
}

fn mix() -> (Vec<u8>, Vec<Value>) {
    let frames: Vec<(&[u8], Value)> = vec![
        (b"+OK\r\n", Value::Simple("OK".into())),
        (b"-ERR x\r\n", Value::Error(ServerError::new("ERR x"))),
        (b":-12\r\n", Value::Int(-12)),
        (b"$5\r\nhello\r\n", bulk("hello")),
        (b"$0\r\n\r\n", bulk("")),
        (b"$-1\r\n", Value::Nil),
        (b"*-1\r\n", Value::Nil),
        (b"_\r\n", Value::Nil),
        (b",2.5\r\n", Value::Double(2.5)),
        (b"#f\r\n", Value::Boolean(false)),
        (b"(123\r\n", Value::BigNumber("123".into())),
        (b"!3\r\nE x\r\n", Value::Error(ServerError::new("E x"))),
        (
            b"=6\r\ntxt:ab\r\n",
            Value::Verbatim {
                format: "txt".into(),
                text: b"ab".to_vec(),
            },
        ),
        (
            b"*3\r\n$1\r\na\r\n*0\r\n%1\r\n:1\r\n~1\r\n#t\r\n",
            Value::Array(vec![
                bulk("a"),
                Value::Array(vec![]),
                Value::Map(vec![(
                    Value::Int(1),
                    Value::Set(vec![Value::Boolean(true)]),
                )]),
            ]),
        ),
        (
            b">2\r\n+a\r\n|1\r\n+k\r\n+v\r\n$2\r\n\r\n\r\n",
            Value::Push(vec![
                Value::Simple("a".into()),
                Value::Attribute {
                    attributes: vec![(Value::Simple("k".into()), Value::Simple("v".into()))],
                    value: Box::new(bulk("\r\n")),
                },
            ]),
        ),
    ];
    let mut bytes = Vec::new();
    let mut values = Vec::new();
    for (b, v) in frames {
        bytes.extend_from_slice(b);
        values.push(v);
    }
    (bytes, values)
}

#[test]
fn resumes_at_every_split() {
    let (bytes, values) = mix();
    let mut d = Decoder::new();
    assert_eq!(feed_pieces(&mut d, &[&bytes]).unwrap(), values);
    for split in 0..=bytes.len() {
        let mut d = Decoder::new();
        let got = feed_pieces(&mut d, &[&bytes[..split], &bytes[split..]]).unwrap();
        assert_eq!(got, values, "split at {split}");
        assert!(d.is_idle());
    }
    for a in 0..bytes.len() {
        for b in a..bytes.len() {
            let mut d = Decoder::new();
            let got = feed_pieces(&mut d, &[&bytes[..a], &bytes[a..b], &bytes[b..]]).unwrap();
            assert_eq!(got, values, "splits at {a} and {b}");
        }
    }
}

#[test]
fn byte_by_byte() {
    let (bytes, values) = mix();
    let mut d = Decoder::new();
    let pieces: Vec<&[u8]> = bytes.chunks(1).collect();
    assert_eq!(feed_pieces(&mut d, &pieces).unwrap(), values);
    // Each call with one byte consumes it (no reply ends early in this mix).
    let mut d = Decoder::new();
    let mut got = Vec::new();
    for b in &bytes {
        let (used, v) = d.decode(std::slice::from_ref(b)).unwrap();
        assert_eq!(used, 1);
        got.extend(v);
    }
    assert_eq!(got, values);
}

#[test]
fn sixteen_mib_bulk_in_4k_pieces() {
    let len = 16 * 1024 * 1024;
    let mut bytes = format!("${len}\r\n").into_bytes();
    bytes.extend((0..len).map(|i| (i % 251) as u8));
    bytes.extend_from_slice(b"\r\n:1\r\n");
    let mut d = Decoder::new();
    let mut pending = &bytes[..];
    let mut got = Vec::new();
    let mut calls = 0;
    while !pending.is_empty() {
        let end = pending.len().min(4096);
        let (used, v) = d.decode(&pending[..end]).unwrap();
        pending = &pending[used..];
        calls += 1;
        got.extend(v);
    }
    assert!(calls >= len / 4096);
    assert_eq!(got.len(), 2);
    match &got[0] {
        Value::Bulk(b) => {
            assert_eq!(b.len(), len);
            assert!(b.capacity() <= len, "no over-allocation");
            assert!(b.iter().enumerate().all(|(i, &x)| x == (i % 251) as u8));
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(got[1], Value::Int(1));
}

#[test]
fn big_array_in_4k_pieces() {
    let n = 100_000;
    let mut bytes = format!("*{n}\r\n").into_bytes();
    for i in 0..n {
        let s = i.to_string();
        bytes.extend_from_slice(format!("${}\r\n{s}\r\n", s.len()).as_bytes());
    }
    let mut d = Decoder::new();
    let pieces: Vec<&[u8]> = bytes.chunks(4096).collect();
    let got = feed_pieces(&mut d, &pieces).unwrap();
    match &got[..] {
        [Value::Array(items)] => {
            assert_eq!(items.len(), n);
            assert_eq!(items[n - 1], bulk(&(n - 1).to_string()));
        }
        other => panic!("{:?}", other.len()),
    }
}

fn nested(depth: usize) -> Vec<u8> {
    let mut bytes = b"*1\r\n".repeat(depth);
    bytes.extend_from_slice(b":7\r\n");
    bytes
}

#[test]
fn depth_limit() {
    let v = one(&nested(MAX_DEPTH));
    let mut depth = 0;
    let mut cur = &v;
    while let Value::Array(items) = cur {
        depth += 1;
        cur = &items[0];
    }
    assert_eq!(depth, MAX_DEPTH);
    assert_eq!(*cur, Value::Int(7));
    assert!(err(&nested(MAX_DEPTH + 1)).contains("nested"));
    // Empty aggregates and maps count too.
    let mut bytes = b"%1\r\n:1\r\n".repeat(MAX_DEPTH);
    bytes.extend_from_slice(b"*0\r\n");
    assert!(matches!(decode_one(&bytes), Err(Error::Protocol(_))));
    // Byte by byte as well.
    let bytes = nested(MAX_DEPTH);
    let pieces: Vec<&[u8]> = bytes.chunks(1).collect();
    assert_eq!(feed_pieces(&mut Decoder::new(), &pieces).unwrap(), vec![v]);
    // Dropping a deep value must not overflow the stack either (drop is recursive, but
    // 1024 levels are fine).
}

#[test]
fn incomplete_returns_none() {
    for prefix in [
        &b"$5\r\nhel"[..],
        b"*2\r\n:1\r\n",
        b"+OK",
        b"+OK\r",
        b"",
        b"|1\r\n:1\r\n:2\r\n",
    ] {
        assert!(decode_one(prefix).unwrap().is_none(), "{prefix:?}");
    }
}

#[test]
fn debug_is_short() {
    let mut d = Decoder::new();
    d.decode(b"*1\r\n$100\r\nabc").unwrap();
    let s = format!("{d:?}");
    assert!(s.contains("depth: 1") && s.contains("3 of 100"), "{s}");
}
