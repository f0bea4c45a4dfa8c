//! Helpers on top of strictredis shared by the `commands`, `client` and `cluster` test
//! binaries (each says `#[path = "../util/mod.rs"] mod util;`). The servers themselves come
//! from the test kit (`strictredis_test_kit`), which knows nothing of the crate.

// Each binary uses part of this module.
#![allow(dead_code)]

use std::time::{SystemTime, UNIX_EPOCH};

use strictredis::{Error, StrictRedis};
use strictredis_test_kit::RedisServer;

/// A client with the default settings, over RESP2.
pub fn client(server: &RedisServer) -> StrictRedis {
    StrictRedis::from_url(&server.url()).unwrap()
}

/// A client with the default settings, over RESP3.
pub fn resp3(server: &RedisServer) -> StrictRedis {
    StrictRedis::from_url(&format!("{}?protocol=3", server.url())).unwrap()
}

/// A client whose pool holds one connection, so each call reuses the one before's.
pub fn one_connection(server: &RedisServer) -> StrictRedis {
    StrictRedis::builder()
        .port(server.port())
        .max_connections(1)
        .build()
        .unwrap()
}

/// The message of the [`Error::Type`] in `r`, which must be one.
pub fn type_err<T: std::fmt::Debug>(r: Result<T, Error>) -> String {
    match r {
        Err(Error::Type(m)) => m,
        other => panic!("expected a type error, got {other:?}"),
    }
}

/// The full text of the server error in `r`, which must be one.
pub fn server_err<T: std::fmt::Debug>(r: Result<T, Error>) -> String {
    match r {
        Err(e) => match e.server_error() {
            Some(s) => s.text().to_string(),
            None => panic!("expected a server error, got {e:?}"),
        },
        Ok(v) => panic!("expected a server error, got Ok({v:?})"),
    }
}

/// Seconds since the Unix epoch.
pub fn now_secs() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs()
}

/// Runs `run` on a fresh server over RESP2 and on another over RESP3, checks that both give
/// the same, and returns it.
pub fn same_over_resp2_and_resp3<T: PartialEq + std::fmt::Debug>(
    run: impl Fn(&StrictRedis) -> T,
) -> T {
    let (s2, s3) = (RedisServer::start(), RedisServer::start());
    let a = run(&client(&s2));
    let b = run(&resp3(&s3));
    assert_eq!(a, b);
    a
}

/// Calls a SCAN-like `step` from cursor 0 until the cursor comes back to 0; returns every
/// item seen and the number of calls.
pub fn scan_to_end<B: IntoIterator, C: Default + Extend<B::Item>>(
    mut step: impl FnMut(u64) -> (u64, B),
) -> (C, usize) {
    let mut seen = C::default();
    let (mut cursor, mut calls) = (0, 0);
    loop {
        let (next, batch) = step(cursor);
        seen.extend(batch);
        calls += 1;
        if next == 0 {
            return (seen, calls);
        }
        cursor = next;
    }
}
