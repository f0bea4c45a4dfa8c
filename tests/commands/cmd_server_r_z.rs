//! The server group, second half (REPLICAOF to the Valkey extras): replication roles,
//! SHUTDOWN, SLOWLOG, TIME, server commands in a pipeline, Valkey's COMMANDLOG and
//! SHUTDOWN options, RESTORE-ASKING. The first half is `cmd_server`.

#![allow(clippy::needless_borrows_for_generic_args)]

use crate::util::{client, resp3, server_err};
use strictredis_test_kit as common;

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use common::{wait_until, RedisServer};
use strictredis::commands::server::{
    BgsaveMode, CommandLogType, FailoverOptions, ReplicaOf, Role, ShutdownOptions, ShutdownSave,
};
use strictredis::{Error, StrictRedis};

const WAIT: Duration = Duration::from_secs(20);

#[test]
fn replication_role_replicaof_slaveof() -> Result<(), Error> {
    let primary = RedisServer::start();
    let replica = RedisServer::start();
    let p = client(&primary);
    let s = client(&replica);
    assert_eq!(
        p.role()?,
        Role::Master {
            replication_offset: 0,
            replicas: vec![]
        }
    );

    p.set("k", "v")?;
    assert_eq!(
        s.replicaof(ReplicaOf::Primary("127.0.0.1".into(), primary.port()))?,
        "OK"
    );
    assert!(wait_until(WAIT, || matches!(
        s.role().unwrap(),
        Role::Replica { ref state, .. } if state == "connected"
    )));
    match s.role()? {
        Role::Replica {
            master_ip,
            master_port,
            ..
        } => {
            assert_eq!(master_ip, "127.0.0.1");
            assert_eq!(master_port, primary.port());
        }
        other => panic!("{other:?}"),
    }
    assert!(wait_until(WAIT, || matches!(
        p.role().unwrap(),
        Role::Master { ref replicas, .. } if replicas.len() == 1
    )));
    if let Role::Master { replicas, .. } = p.role()? {
        assert_eq!(replicas[0].ip, "127.0.0.1");
        assert_eq!(replicas[0].port, replica.port());
    }
    assert!(wait_until(WAIT, || s
        .get::<Option<String>>("k")
        .unwrap()
        .is_some()));

    // RESP3 gives the same typed role.
    let s3 = resp3(&replica);
    assert!(matches!(s3.role()?, Role::Replica { .. }));

    assert_eq!(s.replicaof(ReplicaOf::NoOne)?, "OK");
    assert!(matches!(s.role()?, Role::Master { .. }));
    assert_eq!(
        s.slaveof(ReplicaOf::Primary("127.0.0.1".into(), primary.port()))?,
        "OK"
    );
    assert!(matches!(s.role()?, Role::Replica { .. }));
    assert!(wait_until(WAIT, || matches!(
        p.role().unwrap(),
        Role::Master { ref replicas, .. } if replicas.len() == 1
    )));

    // A coordinated FAILOVER to that replica swaps the roles.
    p.failover(FailoverOptions {
        to: Some(("127.0.0.1".into(), replica.port())),
        timeout_ms: Some(10_000),
        ..FailoverOptions::default()
    })?;
    assert!(wait_until(WAIT, || matches!(
        s.role().unwrap(),
        Role::Master { .. }
    )));
    assert!(wait_until(WAIT, || matches!(
        p.role().unwrap(),
        Role::Replica { master_port, .. } if master_port == replica.port()
    )));
    assert_eq!(p.slaveof(ReplicaOf::NoOne)?, "OK");
    assert!(matches!(p.role()?, Role::Master { .. }));
    Ok(())
}

#[test]
fn shutdown_closes_the_connection_and_counts_as_success() -> Result<(), Error> {
    let server = RedisServer::start();
    let r = client(&server);
    assert_eq!(
        server_err(r.shutdown(ShutdownOptions {
            abort: true,
            ..ShutdownOptions::default()
        })),
        "ERR No shutdown in progress."
    );
    r.shutdown(ShutdownOptions {
        save: Some(ShutdownSave::NoSave),
        now: true,
        ..ShutdownOptions::default()
    })?;
    assert!(wait_until(WAIT, || !server.is_running()));
    assert!(r.ping().is_err());
    Ok(())
}

#[test]
fn shutdown_on_a_pooled_connection() -> Result<(), Error> {
    let server = RedisServer::start();
    let r = client(&server);
    let mut conn = r.get_connection()?;
    conn.shutdown(ShutdownOptions {
        save: Some(ShutdownSave::Save),
        force: true,
        ..ShutdownOptions::default()
    })?;
    assert!(conn.is_broken(), "the closed connection is not reused");
    drop(conn);
    assert_eq!(r.pool().size(), 0);
    assert!(wait_until(WAIT, || !server.is_running()));
    Ok(())
}

#[test]
fn slowlog_typed_entries() -> Result<(), Error> {
    let server = RedisServer::start();
    let r = StrictRedis::from_url(&format!("{}?client_name=slowpoke", server.url()))?;
    r.config_set(&[("slowlog-log-slower-than", "0")])?;
    r.slowlog_reset()?;
    r.set("slow-key", "slow-value")?;
    let entries = r.slowlog_get(Some(10))?;
    let set = entries
        .iter()
        .find(|e| {
            e.args
                .first()
                .is_some_and(|a| a.eq_ignore_ascii_case("set"))
        })
        .expect("the SET was logged");
    assert_eq!(
        set.args[1..],
        ["slow-key".to_string(), "slow-value".to_string()]
    );
    assert_eq!(set.client_name, "slowpoke");
    assert!(set.client_addr.starts_with("127.0.0.1:"), "{set:?}");
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs();
    assert!(set.timestamp.abs_diff(now) < 600);
    // Newest first, ids increasing with time.
    assert!(entries.windows(2).all(|w| w[0].id > w[1].id));
    assert!(r.slowlog_len()? >= 2);
    assert_eq!(r.slowlog_get(Some(1))?.len(), 1);
    assert!(!r.slowlog_get(None)?.is_empty());
    let r3 = resp3(&server);
    let e3 = r3.slowlog_get(Some(1))?;
    assert_eq!(e3.len(), 1);
    r.slowlog_reset()?;
    assert!(r.slowlog_len()? <= 1, "only the RESET itself may be logged");
    assert!(r.slowlog_help()?.iter().any(|l| l.contains("RESET")));
    Ok(())
}

#[test]
fn server_time() -> Result<(), Error> {
    let server = RedisServer::start();
    let r = client(&server);
    let (secs, micros) = r.time()?;
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs();
    assert!(secs.abs_diff(now) < 600, "server {secs}, here {now}");
    assert!(micros < 1_000_000);
    let (secs3, _) = resp3(&server).time()?;
    assert!(secs3 >= secs);
    Ok(())
}

#[test]
fn server_commands_in_a_pipeline() -> Result<(), Error> {
    let server = RedisServer::start();
    let r = client(&server);
    r.set("k", "v")?;
    let mut p = r.pipeline();
    p.dbsize().time().info_section("keyspace").role();
    let (n, (secs, _), info, role): (u64, (u64, u64), strictredis::commands::server::Info, Role) =
        p.execute()?;
    assert_eq!(n, 1);
    assert!(secs > 0);
    assert_eq!(info.get_fields("keyspace", "db0").unwrap()["keys"], "1");
    assert!(matches!(role, Role::Master { .. }));
    Ok(())
}

#[test]
fn valkey_commandlog_and_bgsave_cancel() -> Result<(), Error> {
    let server = RedisServer::start_valkey(&[]);
    let r = client(&server);
    r.config_set(&[
        ("commandlog-execution-slower-than", "0"),
        ("commandlog-request-larger-than", "0"),
        ("commandlog-reply-larger-than", "0"),
    ])?;
    for log in [
        CommandLogType::Slow,
        CommandLogType::LargeRequest,
        CommandLogType::LargeReply,
    ] {
        r.commandlog_reset(log)?;
    }
    r.set("logged-key", "logged-value")?;
    let slow = r.commandlog_get(10, CommandLogType::Slow)?;
    let set = slow
        .iter()
        .find(|e| {
            e.args
                .first()
                .is_some_and(|a| a.eq_ignore_ascii_case("set"))
        })
        .expect("the SET is in the slow log");
    assert_eq!(set.args[1], "logged-key");
    assert!(set.timestamp > 0);
    let big = r.commandlog_get(10, CommandLogType::LargeRequest)?;
    let set = big
        .iter()
        .find(|e| {
            e.args
                .first()
                .is_some_and(|a| a.eq_ignore_ascii_case("set"))
        })
        .expect("the SET is in the large-request log");
    assert!(set.value >= "logged-value".len() as u64, "{set:?}");
    assert!(r.commandlog_len(CommandLogType::Slow)? >= 1);
    assert!(r.commandlog_len(CommandLogType::LargeReply)? >= 1);
    r.commandlog_reset(CommandLogType::LargeReply)?;
    assert!(r.commandlog_len(CommandLogType::LargeReply)? <= 1);
    assert!(r
        .commandlog_help()?
        .iter()
        .any(|l| l.contains("large-request")));
    let r3 = resp3(&server);
    assert!(!r3.commandlog_get(1, CommandLogType::Slow)?.is_empty());

    assert_eq!(
        server_err(r.bgsave(Some(BgsaveMode::Cancel))),
        "ERR Background saving is currently not in progress or scheduled"
    );
    // The typed replies hold on Valkey too.
    assert!(r.info()?.get("server", "valkey_version").is_some());
    assert!(r.module_list()?.iter().any(|m| m.name == "lua"));
    assert!(matches!(r.role()?, Role::Master { .. }));
    let user = r.acl_getuser("default")?.unwrap();
    assert_eq!(user.databases.as_deref(), Some("alldbs"));
    Ok(())
}

#[test]
fn valkey_shutdown_options() {
    let server = RedisServer::start_valkey(&[]);
    let r = client(&server);
    r.shutdown(ShutdownOptions {
        save: Some(ShutdownSave::NoSave),
        safe: true,
        ..ShutdownOptions::default()
    })
    .unwrap();
    assert!(wait_until(WAIT, || !server.is_running()));
}

#[test]
fn restore_asking_restores_a_dump() -> Result<(), Error> {
    let server = RedisServer::start();
    let r = client(&server);
    r.set("src", "payload")?;
    let blob = r.dump("src")?.expect("src exists");
    r.restore_asking("dst", 0, &blob, Default::default())?;
    let v: Option<String> = r.get("dst")?;
    assert_eq!(v.as_deref(), Some("payload"));
    assert_eq!(
        server_err(r.restore_asking("dst", 0, &blob, Default::default())),
        "BUSYKEY Target key name already exists."
    );
    r.restore_asking(
        "dst",
        100_000,
        &blob,
        strictredis::commands::keys::RestoreOptions {
            replace: true,
            ..Default::default()
        },
    )?;
    assert!(r.ttl("dst")? > 0);
    Ok(())
}
