//! The server group, command by command, against a real redis-server (and Valkey for
//! COMMANDLOG and BGSAVE CANCEL).

#![allow(clippy::needless_borrows_for_generic_args)]

use crate::util::{client, resp3, server_err};
use strictredis_test_kit as common;

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use common::{wait_until, RedisServer};
use strictredis::commands::server::{
    BgsaveMode, CommandListFilter, FailoverOptions, FlushMode, ModuleLoadexOptions, NO_ARGS,
};
use strictredis::{Error, StrictRedis};

const WAIT: Duration = Duration::from_secs(20);

fn bg_jobs_done(r: &StrictRedis) -> bool {
    let info = r.info_section("persistence").unwrap();
    info.get("persistence", "rdb_bgsave_in_progress") == Some("0")
        && info.get("persistence", "aof_rewrite_in_progress") == Some("0")
        && info.get("persistence", "aof_rewrite_scheduled") == Some("0")
}

#[test]
fn acl_users_rules_and_log() -> Result<(), Error> {
    let server = RedisServer::start();
    let r = client(&server);

    assert_eq!(r.acl_whoami()?, "default");
    r.acl_setuser("alice", &["on", ">s3cret", "~app:*", "+get", "+set"])?;
    let alice = r.acl_getuser("alice")?.expect("alice exists");
    assert!(alice.flags.iter().any(|f| f == "on"), "{alice:?}");
    assert_eq!(alice.passwords.len(), 1);
    assert_ne!(alice.passwords[0], "s3cret", "only the hash is shown");
    assert_eq!(alice.keys, "~app:*");
    assert!(alice.commands.contains("+get"), "{}", alice.commands);
    assert!(alice.selectors.is_empty());
    assert_eq!(r.acl_getuser("nobody")?, None);

    // A user with no rules, and one with a selector (Redis 7.0).
    r.acl_setuser("bob", NO_ARGS)?;
    let bob = r.acl_getuser("bob")?.unwrap();
    assert!(bob.flags.iter().any(|f| f == "off"), "{bob:?}");
    r.acl_setuser("carol", &["on", "nopass", "~a*", "+get", "(~b* +set)"])?;
    let carol = r.acl_getuser("carol")?.unwrap();
    assert_eq!(carol.selectors.len(), 1);
    assert_eq!(carol.selectors[0]["keys"], "~b*");

    let mut users = r.acl_users()?;
    users.sort();
    assert_eq!(users, vec!["alice", "bob", "carol", "default"]);
    let list = r.acl_list()?;
    assert_eq!(list.len(), 4);
    assert!(
        list.iter().any(|l| l.starts_with("user alice on")),
        "{list:?}"
    );

    assert_eq!(r.acl_dryrun("alice", &["GET", "app:1"])?, "OK");
    let denied = r.acl_dryrun("alice", &["DEL", "app:1"])?;
    assert!(
        denied.contains("no permissions to run the 'del' command"),
        "{denied}"
    );

    let cats = r.acl_cat(None)?;
    assert!(cats.iter().any(|c| c == "keyspace"), "{cats:?}");
    let reads = r.acl_cat(Some("read"))?;
    assert!(reads.iter().any(|c| c == "get"), "{reads:?}");

    assert_eq!(r.acl_genpass(None)?.len(), 64);
    assert_eq!(r.acl_genpass(Some(32))?.len(), 8);

    // A failed login shows up in the log.
    r.acl_log_reset()?;
    let bad = server.raw_cmd(&["AUTH", "alice", "wrong"]);
    assert!(bad.starts_with("-WRONGPASS"), "{bad}");
    let log = r.acl_log(Some(10))?;
    assert_eq!(log.len(), 1, "{log:?}");
    assert_eq!(log[0].reason, "auth");
    assert_eq!(log[0].username, "alice");
    assert_eq!(log[0].count, 1);
    assert!(log[0].client_info.contains("cmd=auth"), "{:?}", log[0]);
    r.acl_log_reset()?;
    assert!(r.acl_log(None)?.is_empty());

    assert_eq!(r.acl_deluser(&["alice", "bob", "nobody"])?, 2);
    assert!(r.acl_help()?.iter().any(|l| l.contains("GETUSER")));

    // Without an ACL file, LOAD and SAVE say so.
    let no_file = "ERR This Redis instance is not configured to use an ACL file. You may want \
        to specify users via the ACL SETUSER command and then issue a CONFIG REWRITE (assuming \
        you have a Redis configuration file set) in order to store users in the Redis \
        configuration.";
    assert_eq!(server_err(r.acl_load()), no_file);
    assert_eq!(server_err(r.acl_save()), no_file);
    Ok(())
}

#[test]
fn acl_save_and_load_with_a_file() -> Result<(), Error> {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("users.acl");
    std::fs::write(&file, "user default on nopass ~* &* +@all\n").unwrap();
    let server = RedisServer::start_with(&["--aclfile", file.to_str().unwrap()]);
    let r = client(&server);
    r.acl_setuser("dave", &["on", "nopass", "+ping"])?;
    r.acl_save()?;
    let saved = std::fs::read_to_string(&file).unwrap();
    assert!(saved.contains("user dave on"), "{saved}");
    std::fs::write(&file, "user default on nopass ~* &* +@all\n").unwrap();
    r.acl_load()?;
    assert_eq!(r.acl_getuser("dave")?, None);
    Ok(())
}

#[test]
fn background_saves_and_persistence() -> Result<(), Error> {
    let server = RedisServer::start();
    let r = client(&server);
    r.set("k", "v")?;

    r.save()?;
    let first = r.lastsave()?;
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs();
    assert!(first.abs_diff(now) < 600, "lastsave {first}, now {now}");

    let started = r.bgsave(None)?;
    assert_eq!(started, "Background saving started");
    assert!(wait_until(WAIT, || bg_jobs_done(&r)));

    let msg = r.bgrewriteaof()?;
    assert_eq!(msg, "Background append only file rewriting started");
    // BGSAVE SCHEDULE while the rewrite may still run: started or scheduled, never an error.
    let msg = r.bgsave(Some(BgsaveMode::Schedule))?;
    assert!(
        msg == "Background saving started" || msg == "Background saving scheduled",
        "{msg}"
    );
    assert!(wait_until(WAIT, || bg_jobs_done(&r)));
    Ok(())
}

#[test]
fn command_introspection() -> Result<(), Error> {
    let server = RedisServer::start();
    let r = client(&server);

    let all = r.command()?;
    let count = r.command_count()?;
    assert_eq!(all.len() as u64, count);
    let get = all.iter().find(|c| c.name == "get").expect("GET is known");
    assert_eq!(
        (get.arity, get.first_key, get.last_key, get.step),
        (2, 1, 1, 1)
    );
    assert!(get.flags.iter().any(|f| f == "readonly"));
    assert!(get.acl_categories.iter().any(|c| c == "@read"));
    assert_eq!(get.key_specs.len(), 1);
    let client_cmd = all.iter().find(|c| c.name == "client").unwrap();
    assert!(client_cmd
        .subcommands
        .iter()
        .any(|s| s.name == "client|list"));

    let info = r.command_info(&["set", "no-such-command"])?;
    assert_eq!(info.len(), 2);
    assert_eq!(info[0].as_ref().unwrap().arity, -3);
    assert_eq!(info[1], None);

    let docs = r.command_docs("get")?;
    let get = &docs["get"];
    assert_eq!(get.since, "1.0.0");
    assert_eq!(get.group, "string");
    assert_eq!(get.arguments.len(), 1);
    assert_eq!(get.arguments[0].name, "key");
    assert_eq!(get.arguments[0].type_, "key");
    assert_eq!(get.arguments[0].key_spec_index, Some(0));
    let docs = r.command_docs(&["client", "slaveof"])?;
    let list = &docs["client"].subcommands["client|list"];
    assert_eq!(list.since, "2.4.0");
    assert!(!list.history.is_empty());
    assert_eq!(docs["slaveof"].doc_flags, vec!["deprecated".to_string()]);
    assert_eq!(docs["slaveof"].replaced_by.as_deref(), Some("`REPLICAOF`"));
    let every = r.command_docs(NO_ARGS)?;
    assert_eq!(every.len() as u64, count);

    let keys: Vec<String> = r.command_getkeys(&["MSET", "a", "1", "b", "2"])?;
    assert_eq!(keys, vec!["a", "b"]);
    let flagged: Vec<(String, Vec<String>)> =
        r.command_getkeysandflags(&["LMOVE", "src", "dst", "LEFT", "RIGHT"])?;
    assert_eq!(flagged.len(), 2);
    assert_eq!(flagged[0].0, "src");
    assert!(flagged[0].1.iter().any(|f| f == "RW"), "{flagged:?}");
    assert!(flagged[1].1.iter().any(|f| f == "insert"), "{flagged:?}");

    // COMMAND LIST names subcommands too; COMMAND COUNT does not count them.
    let names = r.command_list(None)?;
    assert!(names.len() as u64 > count);
    assert!(names.iter().any(|n| n == "client|list") && names.iter().any(|n| n == "get"));
    let x = r.command_list(Some(CommandListFilter::Pattern("xa*".into())))?;
    assert!(
        !x.is_empty() && x.iter().all(|n| n.starts_with("xa")),
        "{x:?}"
    );
    let hll = r.command_list(Some(CommandListFilter::AclCat("hyperloglog".into())))?;
    assert!(hll.iter().any(|n| n == "pfadd"), "{hll:?}");
    assert!(r
        .command_list(Some(CommandListFilter::Module("nosuchmodule".into())))?
        .is_empty());
    assert!(r.command_help()?.iter().any(|l| l.contains("GETKEYS")));
    Ok(())
}

#[test]
fn config_get_set_resetstat_rewrite() -> Result<(), Error> {
    let server = RedisServer::start();
    let r = client(&server);
    r.config_set(&[("maxmemory", "10mb"), ("maxmemory-policy", "allkeys-lru")])?;
    let cfg = r.config_get(&["maxmemory", "maxmemory-policy"])?;
    assert_eq!(cfg.len(), 2);
    assert_eq!(cfg["maxmemory"], "10485760");
    assert_eq!(cfg["maxmemory-policy"], "allkeys-lru");
    let pattern = r.config_get("maxmemory*")?;
    assert!(pattern.len() >= 4, "{pattern:?}");
    assert_eq!(
        server.raw_cmd(&["CONFIG", "GET", "maxmemory-policy"]),
        "maxmemory-policy\nallkeys-lru"
    );
    // All or nothing: a bad value leaves the good one unset.
    let err = server_err(r.config_set(&[("maxmemory", "20mb"), ("maxmemory-policy", "bogus")]));
    assert!(err.starts_with("ERR CONFIG SET failed"), "{err}");
    assert_eq!(r.config_get("maxmemory")?["maxmemory"], "10485760");

    let _: Option<String> = r.get("k")?;
    assert!(r
        .info_section("commandstats")?
        .get("commandstats", "cmdstat_get")
        .is_some());
    r.config_resetstat()?;
    assert!(r
        .info_section("commandstats")?
        .get("commandstats", "cmdstat_get")
        .is_none());

    assert_eq!(
        server_err(r.config_rewrite()),
        "ERR The server is running without a config file"
    );
    assert!(r.config_help()?.iter().any(|l| l.contains("REWRITE")));

    // RESP3 sends a map: the same HashMap comes out.
    let r3 = resp3(&server);
    assert_eq!(r3.config_get(&["maxmemory", "maxmemory-policy"])?, cfg);
    Ok(())
}

#[test]
fn config_rewrite_with_a_config_file() -> Result<(), Error> {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("redis.conf");
    std::fs::write(&file, "maxmemory-policy noeviction\n").unwrap();
    // The config file must come first on the command line.
    let server =
        RedisServer::start_binary(config_file_launcher(&file, dir.path()), &["--hz", "10"]);
    let r = client(&server);
    r.config_set(&[("maxmemory-policy", "volatile-lru")])?;
    r.config_rewrite()?;
    let text = std::fs::read_to_string(&file).unwrap();
    assert!(text.contains("maxmemory-policy volatile-lru"), "{text}");
    Ok(())
}

/// A tiny shell script that starts the server binary with `file` as its config file in
/// front of the harness's arguments.
fn config_file_launcher(file: &std::path::Path, dir: &std::path::Path) -> std::path::PathBuf {
    use std::os::unix::fs::PermissionsExt;
    let script = dir.join("redis-with-conf.sh");
    std::fs::write(
        &script,
        format!(
            "#!/bin/sh\nexec {} {} \"$@\"\n",
            common::server_binary().display(),
            file.display()
        ),
    )
    .unwrap();
    std::fs::set_permissions(&script, std::fs::Permissions::from_mode(0o755)).unwrap();
    script
}

#[test]
fn keyspace_size_flush_and_swap() -> Result<(), Error> {
    let server = RedisServer::start();
    let r = client(&server);
    let r1 = StrictRedis::from_url(&server.url_db(1))?;
    r.set("a", "1")?;
    r.set("b", "2")?;
    assert_eq!(r.dbsize()?, 2);
    r.swapdb(0, 1)?;
    assert_eq!(r.dbsize()?, 0);
    assert_eq!(r1.dbsize()?, 2);
    r1.flushdb(Some(FlushMode::Sync))?;
    assert_eq!(r1.dbsize()?, 0);
    r.set("a", "1")?;
    r.flushdb(None)?;
    assert_eq!(r.dbsize()?, 0);
    r.set("a", "1")?;
    r1.set("b", "1")?;
    r.flushall(Some(FlushMode::Async))?;
    assert!(wait_until(WAIT, || r.dbsize().unwrap() == 0
        && r1.dbsize().unwrap() == 0));
    r.set("a", "1")?;
    r.flushall(None)?;
    assert_eq!(r.dbsize()?, 0);
    Ok(())
}

#[test]
fn debug_subcommands_and_its_sleep_timeout() -> Result<(), Error> {
    let server = RedisServer::start();
    let r = client(&server);
    r.set("k", "12345")?;
    let obj: String = r.debug("OBJECT", "k")?;
    assert!(obj.contains("refcount"), "{obj}");
    let help: Vec<String> = r.debug("HELP", NO_ARGS)?;
    assert!(help.iter().any(|l| l.contains("SLEEP")));
    // A read timeout shorter than the sleep: DEBUG SLEEP raises it for that call.
    let short = StrictRedis::from_url(&format!("{}?read_timeout=0.2", server.url()))?;
    short.debug::<()>("SLEEP", 0.6)?;
    assert_eq!(short.ping()?, "PONG");
    Ok(())
}

#[test]
fn failover_needs_replicas() {
    let server = RedisServer::start();
    let r = client(&server);
    assert_eq!(
        server_err(r.failover(FailoverOptions::default())),
        "ERR FAILOVER requires connected replicas."
    );
    let abort = FailoverOptions {
        abort: true,
        ..FailoverOptions::default()
    };
    assert_eq!(
        server_err(r.failover(abort)),
        "ERR No failover in progress."
    );
    let to = FailoverOptions {
        to: Some(("127.0.0.1".into(), 1)),
        force: true,
        timeout_ms: Some(100),
        ..FailoverOptions::default()
    };
    assert_eq!(
        server_err(r.failover(to)),
        "ERR FAILOVER requires connected replicas."
    );
}

#[test]
fn info_parsed_into_sections() -> Result<(), Error> {
    let server = RedisServer::start();
    let r = client(&server);
    r.set("a", "1")?;
    r.set("b", "2")?;
    let info = r.info()?;
    for section in [
        "server",
        "clients",
        "memory",
        "persistence",
        "stats",
        "keyspace",
    ] {
        assert!(info.section(section).is_some(), "missing {section}");
    }
    let raw = server.raw_cmd(&["INFO", "server"]);
    let version = raw
        .lines()
        .find_map(|l| l.strip_prefix("redis_version:"))
        .unwrap()
        .trim();
    assert_eq!(info.get("server", "redis_version"), Some(version));
    assert_eq!(
        info.get("Server", "tcp_port"),
        Some(&*server.port().to_string())
    );
    assert_eq!(
        info.get_parsed::<u16>("server", "tcp_port"),
        Some(server.port())
    );
    assert_eq!(info.find("redis_version"), Some(version));
    let db0 = info.get_fields("keyspace", "db0").unwrap();
    assert_eq!(db0["keys"], "2");

    let some = r.info_section(&["server", "keyspace"])?;
    assert_eq!(some.sections.len(), 2);
    let one = r.info_section("keyspace")?;
    assert_eq!(one.sections.keys().collect::<Vec<_>>(), vec!["keyspace"]);
    let everything = r.info_section("everything")?;
    assert!(everything.section("commandstats").is_some());

    // RESP3 sends INFO as a verbatim string: the same Info comes out.
    let r3 = resp3(&server);
    assert_eq!(r3.info_section("keyspace")?, one);
    let info3 = r3.info()?;
    assert_eq!(info3.get("server", "redis_version"), Some(version));
    assert_eq!(
        info3.sections.keys().collect::<Vec<_>>(),
        info.sections.keys().collect::<Vec<_>>()
    );
    Ok(())
}

#[test]
fn latency_monitor() -> Result<(), Error> {
    let server = RedisServer::start();
    let r = client(&server);
    // A threshold well under the 50 ms sleep, and well over what ordinary commands take
    // even on a loaded machine.
    r.config_set(&[("latency-monitor-threshold", "40")])?;
    r.debug::<()>("SLEEP", 0.05)?;
    let latest = r.latency_latest()?;
    let cmd = latest
        .iter()
        .find(|l| l.event == "command")
        .expect("a command spike");
    assert!(cmd.max_ms >= 50 && cmd.latest_ms >= 50, "{cmd:?}");
    assert!(cmd.timestamp > 0);
    let history = r.latency_history("command")?;
    assert!(!history.is_empty());
    assert!(history[0].1 >= 50, "{history:?}");
    assert!(r.latency_graph("command")?.contains("command"));
    assert!(!r.latency_doctor()?.is_empty());
    assert!(r.latency_reset(NO_ARGS)? >= 1);
    assert!(r.latency_latest()?.is_empty());
    assert_eq!(r.latency_reset(&["command"])?, 0);

    r.set("k", "v")?;
    let h = r.latency_histogram(&["set"])?;
    assert_eq!(h.len(), 1);
    assert!(h["set"].calls >= 1);
    assert!(!h["set"].histogram_usec.is_empty());
    let all = r.latency_histogram(NO_ARGS)?;
    assert!(
        all.contains_key("set") && all.contains_key("config|set"),
        "{all:?}"
    );
    assert!(r.latency_help()?.iter().any(|l| l.contains("HISTOGRAM")));
    // RESP3 maps give the same histograms.
    let r3 = resp3(&server);
    assert_eq!(r3.latency_histogram(&["set"])?["set"].calls, h["set"].calls);
    Ok(())
}

#[test]
fn lolwut_draws() -> Result<(), Error> {
    let server = RedisServer::start();
    let r = client(&server);
    assert!(r.lolwut(None)?.contains("Redis ver."));
    assert!(r.lolwut(Some(5))?.contains("Redis ver."));
    Ok(())
}

#[test]
fn memory_commands() -> Result<(), Error> {
    let server = RedisServer::start();
    let r = client(&server);
    r.set("k", "x".repeat(1000))?;
    let used = r.memory_usage("k", None)?.expect("k exists");
    assert!(used >= 1000, "{used}");
    assert_eq!(r.memory_usage("k", Some(0))?, Some(used));
    assert_eq!(r.memory_usage("missing", None)?, None);

    let stats = r.memory_stats()?;
    assert_eq!(stats.keys_count(), Some(1));
    assert!(stats.total_allocated().unwrap() > 0);
    assert!(stats.peak_allocated().unwrap() >= stats.total_allocated().unwrap() / 2);
    assert!(stats.dataset_bytes().is_some());
    assert!(stats.get("fragmentation").is_some());
    assert!(
        stats.dbs[&0].contains_key("overhead.hashtable.main"),
        "{stats:?}"
    );
    let stats3 = resp3(&server).memory_stats()?;
    assert_eq!(stats3.keys_count(), Some(1));
    assert_eq!(
        stats3.stats.keys().collect::<Vec<_>>(),
        stats.stats.keys().collect::<Vec<_>>()
    );

    assert!(!r.memory_doctor()?.is_empty());
    assert!(!r.memory_malloc_stats()?.is_empty());
    r.memory_purge()?;
    assert!(r.memory_help()?.iter().any(|l| l.contains("USAGE")));
    Ok(())
}

#[test]
fn module_commands() -> Result<(), Error> {
    let server = RedisServer::start_with(&["--enable-module-command", "yes"]);
    let r = client(&server);
    assert!(r.module_list()?.is_empty());
    let load_err = "ERR Error loading the extension. Please check the server logs.";
    assert_eq!(
        server_err(r.module_load("/nonexistent/module.so", &["a", "b"])),
        load_err
    );
    let opts = ModuleLoadexOptions {
        configs: vec![("name".into(), "value".into())],
        args: vec!["x".into()],
    };
    assert_eq!(
        server_err(r.module_loadex("/nonexistent/module.so", opts)),
        load_err
    );
    assert_eq!(
        server_err(r.module_unload("nosuchmodule")),
        "ERR Error unloading module: no such module with that name"
    );
    assert!(r.module_help()?.iter().any(|l| l.contains("LOADEX")));
    assert!(server.log().contains("/nonexistent/module.so"));

    // Without enable-module-command the server refuses MODULE itself.
    let locked = RedisServer::start();
    let err = server_err(client(&locked).module_load("/nonexistent/module.so", NO_ARGS));
    assert!(err.starts_with("ERR MODULE command not allowed"), "{err}");
    Ok(())
}
