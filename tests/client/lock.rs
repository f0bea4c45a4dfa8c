//! `Lock` against a real server: mutual exclusion, blocking with a timeout, expiry,
//! release/extend/reacquire only while owned, `locked`/`owned`, and the RAII guard.

use crate::util::client;
use strictredis_test_kit as common;

use std::sync::Arc;
use std::thread;
use std::time::{Duration, Instant};

use common::RedisServer;
use strictredis::{Error, Lock};

fn pttl(server: &RedisServer, key: &str) -> i64 {
    server.raw_cmd(&["PTTL", key]).parse().unwrap()
}

#[test]
fn two_locks_on_one_name_exclude_each_other() {
    let server = RedisServer::start();
    let r = client(&server);
    let a = r.lock("resource", Duration::from_secs(10));
    let b = r.lock("resource", Duration::from_secs(10));
    assert!(a.acquire(false).unwrap());
    assert!(!b.acquire(false).unwrap(), "held by a");
    assert!(!a.acquire(false).unwrap(), "not re-entrant");
    a.release().unwrap();
    assert!(b.acquire(false).unwrap(), "free again");
    assert!(!a.acquire(false).unwrap());
    b.release().unwrap();
    assert_eq!(server.raw_cmd(&["EXISTS", "resource"]), "0");
}

#[test]
fn the_key_holds_a_random_128_bit_token_with_a_millisecond_ttl() {
    let server = RedisServer::start();
    let r = client(&server);
    let a = r.lock("res", Duration::from_millis(8000));
    assert_eq!(a.token(), None);
    assert!(a.acquire(false).unwrap());
    let token = a.token().unwrap();
    assert_eq!(token.len(), 32);
    assert!(token.bytes().all(|b| b.is_ascii_hexdigit()));
    assert_eq!(server.raw_cmd(&["GET", "res"]), token);
    let ttl = pttl(&server, "res");
    assert!((1..=8000).contains(&ttl), "{ttl}");
    a.release().unwrap();
    assert!(a.acquire(false).unwrap());
    assert_ne!(a.token().unwrap(), token, "a new token per acquisition");
}

#[test]
fn threads_contending_for_one_lock_never_overlap() {
    let server = RedisServer::start();
    let r = client(&server);
    r.set("counter", 0).unwrap();
    let handles: Vec<_> = (0..4)
        .map(|_| {
            let r = r.clone();
            thread::spawn(move || {
                let lock = r
                    .lock("counter-lock", Duration::from_secs(30))
                    .sleep(Duration::from_millis(5));
                for _ in 0..25 {
                    assert!(lock.acquire(true).unwrap());
                    // A read-modify-write that would lose updates without the lock.
                    let n: i64 = r.get("counter").unwrap();
                    r.set("counter", n + 1).unwrap();
                    lock.release().unwrap();
                }
            })
        })
        .collect();
    for h in handles {
        h.join().unwrap();
    }
    let n: i64 = r.get("counter").unwrap();
    assert_eq!(n, 100);
}

#[test]
fn a_blocking_acquire_gives_up_after_its_blocking_timeout() {
    let server = RedisServer::start();
    let r = client(&server);
    let holder = r.lock("busy", Duration::from_secs(30));
    assert!(holder.acquire(false).unwrap());
    let waiter = r
        .lock("busy", Duration::from_secs(30))
        .sleep(Duration::from_millis(50))
        .blocking_timeout(Some(Duration::from_millis(500)));
    let started = Instant::now();
    assert!(!waiter.acquire(true).unwrap());
    let took = started.elapsed();
    assert!(took >= Duration::from_millis(450), "{took:?}");
    assert!(took < Duration::from_secs(5), "{took:?}");
    assert!(holder.owned().unwrap());
}

#[test]
fn a_blocking_acquire_gets_the_lock_when_the_holders_expires() {
    let server = RedisServer::start();
    let r = client(&server);
    let holder = r.lock("expiring", Duration::from_millis(600));
    assert!(holder.acquire(false).unwrap());
    let waiter = r
        .lock("expiring", Duration::from_secs(30))
        .sleep(Duration::from_millis(20))
        .blocking_timeout(Some(Duration::from_secs(20)));
    assert!(waiter.acquire(true).unwrap());
    assert!(waiter.owned().unwrap());
    assert!(!holder.owned().unwrap());

    // The old holder can no longer release or extend what is now another's.
    let err = holder.release().unwrap_err();
    assert!(matches!(err, Error::LockNotOwned(_)), "{err:?}");
    assert!(err.to_string().contains("expiring"), "{err}");
    assert!(waiter.owned().unwrap(), "untouched by the failed release");
}

#[test]
fn release_extend_and_reacquire_need_the_lock() {
    let server = RedisServer::start();
    let r = client(&server);
    let lock = r.lock("l", Duration::from_secs(10));
    for err in [
        lock.release().unwrap_err(),
        lock.extend(Duration::from_secs(1), false).unwrap_err(),
        lock.reacquire().unwrap_err(),
    ] {
        assert!(matches!(err, Error::LockNotOwned(_)), "{err:?}");
        assert!(err.to_string().contains("not acquired"), "{err}");
    }
    assert!(lock.acquire(false).unwrap());
    lock.release().unwrap();
    let err = lock.release().unwrap_err();
    assert!(
        matches!(err, Error::LockNotOwned(_)),
        "released twice: {err:?}"
    );

    // Taken over by someone else behind our back (as after an expiry).
    assert!(lock.acquire(false).unwrap());
    server.raw_cmd(&["SET", "l", "someone-else"]);
    for err in [
        lock.extend(Duration::from_secs(1), false).unwrap_err(),
        lock.reacquire().unwrap_err(),
        lock.release().unwrap_err(),
    ] {
        assert!(matches!(err, Error::LockNotOwned(_)), "{err:?}");
    }
    assert_eq!(server.raw_cmd(&["GET", "l"]), "someone-else");
}

#[test]
fn extend_and_reacquire_change_the_ttl() {
    let server = RedisServer::start();
    let r = client(&server);
    let lock = r.lock("ttl", Duration::from_secs(10));
    assert!(lock.acquire(false).unwrap());

    lock.extend(Duration::from_secs(20), false).unwrap();
    let ttl = pttl(&server, "ttl");
    assert!(
        (20_000..=30_000).contains(&ttl),
        "added to what was left: {ttl}"
    );

    lock.extend(Duration::from_secs(5), true).unwrap();
    let ttl = pttl(&server, "ttl");
    assert!((1..=5_000).contains(&ttl), "replaced: {ttl}");

    lock.reacquire().unwrap();
    let ttl = pttl(&server, "ttl");
    assert!(
        (5_001..=10_000).contains(&ttl),
        "back to the full timeout: {ttl}"
    );
    assert!(lock.owned().unwrap());
}

#[test]
fn locked_and_owned() {
    let server = RedisServer::start();
    let r = client(&server);
    let a = r.lock("lo", Duration::from_secs(10));
    let b = r.lock("lo", Duration::from_secs(10));
    assert!(!a.locked().unwrap());
    assert!(!a.owned().unwrap());
    assert!(a.acquire(false).unwrap());
    assert!(a.locked().unwrap() && a.owned().unwrap());
    assert!(b.locked().unwrap());
    assert!(!b.owned().unwrap());
    a.release().unwrap();
    assert!(!b.locked().unwrap());
}

#[test]
fn the_guard_releases_on_drop() {
    let server = RedisServer::start();
    let r = client(&server);
    let lock = r.lock("g", Duration::from_secs(10));
    let other = r.lock("g", Duration::from_secs(10));
    {
        let guard = lock.guard(false).unwrap().expect("free");
        assert!(guard.owned().unwrap(), "the guard derefs to the lock");
        assert!(other.guard(false).unwrap().is_none(), "busy");
        guard.extend(Duration::from_secs(1), false).unwrap();
    }
    assert_eq!(
        server.raw_cmd(&["EXISTS", "g"]),
        "0",
        "released by the drop"
    );

    let guard = other.guard(false).unwrap().expect("free again");
    guard.release().unwrap();
    assert_eq!(server.raw_cmd(&["EXISTS", "g"]), "0");

    // A guard whose lock was taken over does not delete the new holder's key on drop.
    {
        let _guard = lock.guard(false).unwrap().expect("free");
        server.raw_cmd(&["SET", "g", "new-holder"]);
    }
    assert_eq!(server.raw_cmd(&["GET", "g"]), "new-holder");
    server.raw_cmd(&["DEL", "g"]);

    // And release() through the guard reports it.
    let guard = lock.guard(true).unwrap().expect("free");
    server.raw_cmd(&["SET", "g", "new-holder"]);
    assert!(matches!(guard.release(), Err(Error::LockNotOwned(_))));
}

#[test]
fn one_lock_shared_between_threads() {
    fn send_sync<T: Send + Sync>() {}
    send_sync::<Lock>();

    let server = RedisServer::start();
    let r = client(&server);
    let lock = Arc::new(r.lock("shared", Duration::from_secs(10)));
    assert!(lock.acquire(false).unwrap());
    let l2 = lock.clone();
    thread::spawn(move || l2.release().unwrap()).join().unwrap();
    assert!(!lock.locked().unwrap());
}

#[test]
fn binary_lock_names() {
    let server = RedisServer::start();
    let r = client(&server);
    let name: &[u8] = b"lock:\x00\xff";
    let a = r.lock(name, Duration::from_secs(5));
    let b = r.lock(name, Duration::from_secs(5));
    assert!(a.acquire(false).unwrap());
    assert!(!b.acquire(false).unwrap());
    assert_eq!(a.name(), name);
    a.release().unwrap();
}
