//! The read-only table that decides what is retried after it was sent.

use std::time::Duration;

use strictredis::{cmd, Error, StrictRedis};
use strictredis_test_kit as common;
use strictredis_test_kit::RedisServer;

use super::util::*;

#[test]
fn the_read_only_table_agrees_with_the_servers_command_flags() {
    let _ports = shared_ports();
    use common::RawReply;
    let server = RedisServer::start();
    let RawReply::Array(Some(commands)) = server.raw_reply(&["COMMAND"]) else {
        panic!("COMMAND gave no array");
    };
    let table = strictredis::read_only_commands();
    let mut flagged = 0;
    let mut check = |name: &str, flags: &[RawReply]| {
        let has = |f: &str| {
            flags
                .iter()
                .any(|x| matches!(x, RawReply::Simple(s) if s == f))
        };
        let ours = table.contains(&name);
        if has("readonly") && !has("write") {
            flagged += 1;
            assert!(
                ours,
                "{name} is flagged readonly by the server but not in our table"
            );
        }
        if ours {
            assert!(
                !has("write"),
                "{name} is in our read-only table but flagged write"
            );
        }
    };
    for c in &commands {
        let RawReply::Array(Some(fields)) = c else {
            continue;
        };
        let (RawReply::Bulk(Some(name)), RawReply::Array(Some(flags))) = (&fields[0], &fields[2])
        else {
            continue;
        };
        check(&String::from_utf8_lossy(name), flags);
        if let Some(RawReply::Array(Some(subs))) = fields.get(9) {
            for s in subs {
                let RawReply::Array(Some(sf)) = s else {
                    continue;
                };
                if let (RawReply::Bulk(Some(n)), RawReply::Array(Some(f))) = (&sf[0], &sf[2]) {
                    check(&String::from_utf8_lossy(n), f);
                }
            }
        }
    }
    assert!(flagged > 80, "{flagged} read-only commands seen");
    assert!(strictredis::is_read_only(&cmd("GET").arg("k")));
}

#[test]
fn the_retry_policy_can_come_from_the_url() {
    let _ports = shared_ports();
    let r = StrictRedis::from_url("redis://127.0.0.1:1?max_retries=7&retry_backoff=0.25").unwrap();
    assert_eq!(r.pool().config().retry.max_retries, 7);
    assert_eq!(
        r.pool().config().retry.base_backoff,
        Duration::from_millis(250)
    );
    for bad in [
        "max_retries=-1",
        "max_retries=99999999999",
        "retry_backoff=x",
    ] {
        let e = StrictRedis::from_url(&format!("redis://h?{bad}")).unwrap_err();
        assert!(matches!(e, Error::Config(_)), "{bad}: {e:?}");
    }
}
