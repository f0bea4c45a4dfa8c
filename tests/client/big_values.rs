//! Large bulk payloads, which the connection reads straight from the socket into the
//! reply's buffer once they are larger than its read buffer: sizes around that buffer's
//! capacity, several in one pipeline, inside arrays, followed by small replies, RESP2 and
//! RESP3. Every byte must come back in place and the replies after them must stay in sync.

#![allow(clippy::needless_borrows_for_generic_args)]

use strictredis_test_kit as common;

use common::RedisServer;
use strictredis::{StrictRedis, Value};

fn pattern(len: usize, seed: usize) -> Vec<u8> {
    (0..len)
        .map(|i| ((i * 31 + seed * 7) % 251) as u8)
        .collect()
}

const SIZES: &[usize] = &[
    65_535,
    65_536,
    65_537,
    131_071,
    131_072,
    131_073,
    (1 << 20) - 1,
    (1 << 20) + 3,
    3 * (1 << 20) + 17,
];

fn check(r: &StrictRedis) {
    for (i, &n) in SIZES.iter().enumerate() {
        let v = pattern(n, i);
        r.set(format!("big:{i}"), &v).unwrap();
        let got: Vec<u8> = r.get(format!("big:{i}")).unwrap();
        assert_eq!(got.len(), n, "size {n}");
        assert!(got == v, "size {n}: bytes differ");
    }
    // Several big values and small ones interleaved in one pipeline.
    r.set("small", "tail").unwrap();
    let mut p = r.pipeline_without_transaction();
    p.get("big:8")
        .get("small")
        .get("big:1")
        .get("small")
        .get("big:4");
    let (a, s1, b, s2, c): (Vec<u8>, String, Vec<u8>, String, Vec<u8>) = p.execute().unwrap();
    assert!(a == pattern(SIZES[8], 8));
    assert!(b == pattern(SIZES[1], 1));
    assert!(c == pattern(SIZES[4], 4));
    assert_eq!((s1.as_str(), s2.as_str()), ("tail", "tail"));
    // Big values inside an array reply, then a small reply on the same connection.
    let mut conn = r.get_connection().unwrap();
    let items: Vec<Option<Vec<u8>>> = conn
        .mget(&["big:2", "small", "missing", "big:7", "big:0"])
        .unwrap();
    assert!(items[0].as_deref() == Some(&pattern(SIZES[2], 2)[..]));
    assert_eq!(items[1].as_deref(), Some(&b"tail"[..]));
    assert_eq!(items[2], None);
    assert!(items[3].as_deref() == Some(&pattern(SIZES[7], 7)[..]));
    assert!(items[4].as_deref() == Some(&pattern(SIZES[0], 0)[..]));
    let pong: String = conn.ping().unwrap();
    assert_eq!(pong, "PONG");
    let raw: Value = conn
        .execute_command(strictredis::cmd("GET").arg("big:6"))
        .unwrap();
    assert_eq!(raw, Value::Bulk(pattern(SIZES[6], 6)));
    assert_eq!(conn.pending_replies(), 0);
}

#[test]
fn big_values_resp2() {
    let server = RedisServer::start();
    check(&StrictRedis::from_url(&server.url()).unwrap());
}

#[test]
fn big_values_resp3() {
    let server = RedisServer::start();
    check(&StrictRedis::from_url(&format!("{}?protocol=3", server.url())).unwrap());
}
