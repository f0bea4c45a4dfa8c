//! Shared by the benchmarks (`compare`, `profile_loop`): the key and value they read and
//! write, and a large reply to decode. The server comes from the test kit
//! (`strictredis_test_kit::RedisServer`), as in the tests.

// Each benchmark uses part of this module.
#![allow(dead_code)]

/// The key redis-benchmark's GET/SET tests use.
pub const KEY: &str = "key:__rand_int__";
/// The 16-byte value of the GET/SET workloads.
pub const VAL16: &[u8; 16] = b"0123456789abcdef";

/// The RESP2 bytes of an array reply of `n` bulk strings `value-0000000000`, ...
pub fn array_reply(n: usize) -> Vec<u8> {
    let mut b = format!("*{n}\r\n").into_bytes();
    for i in 0..n {
        let item = format!("value-{i:010}");
        b.extend_from_slice(format!("${}\r\n{item}\r\n", item.len()).as_bytes());
    }
    b
}
