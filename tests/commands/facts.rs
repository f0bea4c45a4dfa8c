//! The one command-facts table against the live servers, Redis 7.0 and Valkey 9.1.
//!
//! * Every command and subcommand the servers list is in the checked-in table, for the
//!   right server, and the table is what the generator makes of the servers' `COMMAND`
//!   output today (a new server version fails here: rerun the generator).
//! * The pool's retry rule, cluster routing and Sentinel classify every command alike.

use strictredis_test_kit as common;

use std::collections::{BTreeMap, BTreeSet};

use common::RedisServer;
use strictredis::__private::{command_table, facts_of, read_only_rules};
use strictredis::{cmd, Cmd, StrictRedis, Value};

/// `COMMAND LIST` of one server, lower case, with each command's `COMMAND INFO` flags.
fn live_commands(server: &RedisServer) -> BTreeMap<String, BTreeSet<String>> {
    let r = StrictRedis::from_url(&server.url()).unwrap();
    let names: Vec<String> = r.execute_command(cmd("COMMAND LIST")).unwrap();
    assert!(names.len() > 200, "COMMAND LIST gave only {}", names.len());
    let mut out = BTreeMap::new();
    for name in names {
        let name = name.to_ascii_lowercase();
        let info: Value = r
            .execute_command(cmd("COMMAND INFO").arg(name.as_str()))
            .unwrap();
        let Value::Array(mut entries) = info else {
            panic!("COMMAND INFO {name}: {info:?}");
        };
        let Some(Value::Array(fields)) = entries.pop() else {
            panic!("COMMAND INFO {name} gave no entry");
        };
        let flags = match fields.get(2) {
            Some(Value::Array(f)) | Some(Value::Set(f)) => f
                .iter()
                .filter_map(|v| {
                    v.as_bytes()
                        .map(|b| String::from_utf8_lossy(b).into_owned())
                })
                .collect(),
            other => panic!("COMMAND INFO {name}: flags {other:?}"),
        };
        out.insert(name, flags);
    }
    out
}

/// The command as a caller would send it: `object|encoding` is `OBJECT ENCODING k`.
fn as_cmd(name: &str) -> Cmd {
    match name.split_once('|') {
        Some((c, sub)) => cmd(c).arg(sub).arg("k"),
        None => cmd(name).arg("k"),
    }
}

#[test]
fn the_table_lists_every_command_of_both_servers_with_their_flags() {
    let redis = RedisServer::start();
    let valkey = RedisServer::start_valkey(&[]);
    let table: BTreeMap<String, _> = command_table()
        .into_iter()
        .map(|f| (f.name.clone(), f))
        .collect();
    let mut seen = BTreeSet::new();
    for (server, is_valkey) in [(&redis, false), (&valkey, true)] {
        for (name, flags) in live_commands(server) {
            let f = table.get(&name).unwrap_or_else(|| {
                panic!(
                    "{name} is not in src/command_facts/table.tsv: rerun the generator \
                     (python3 scripts/gen-command-table.py)"
                )
            });
            let listed = if is_valkey { f.valkey } else { f.redis };
            assert!(
                listed,
                "{name}: the table has the wrong servers: rerun the generator"
            );
            if flags.contains("write") {
                assert!(
                    f.write && !f.read_only,
                    "{name} writes: rerun the generator"
                );
            }
            if flags.contains("readonly") && !flags.contains("write") {
                assert!(
                    f.read_only,
                    "{name} is flagged readonly: rerun the generator"
                );
            }
            seen.insert(name);
        }
    }
    let stale: Vec<&String> = table.keys().filter(|n| !seen.contains(*n)).collect();
    assert!(
        stale.is_empty(),
        "in the table but on no live server (rerun the generator): {stale:?}"
    );
}

#[test]
fn the_checked_in_table_is_what_the_generator_makes_today() {
    let script = concat!(env!("CARGO_MANIFEST_DIR"), "/scripts/gen-command-table.py");
    let out = std::process::Command::new("python3")
        .arg(script)
        .arg("--check")
        .output()
        .expect("python3 runs");
    assert!(
        out.status.success(),
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn pool_cluster_and_sentinel_classify_every_command_alike() {
    let mut read_only = 0;
    for f in command_table() {
        let c = if f.container {
            cmd(&f.name)
        } else {
            as_cmd(&f.name)
        };
        let [pool, cluster, sentinel] = read_only_rules(&c);
        assert_eq!(
            (pool, cluster, sentinel),
            (f.read_only, f.read_only, f.read_only),
            "{}: pool, cluster and Sentinel disagree",
            f.name
        );
        if !f.container {
            assert_eq!(facts_of(&c).map(|x| x.name), Some(f.name.clone()));
        }
        read_only += f.read_only as usize;
    }
    assert!(read_only > 100, "only {read_only} read-only commands");
    for name in [
        "httl",
        "hpttl",
        "hexpiretime",
        "hpexpiretime",
        "ping",
        "echo",
        "info",
    ] {
        assert_eq!(read_only_rules(&as_cmd(name)), [true; 3], "{name}");
    }
    for name in ["time", "role", "command", "lastsave", "lolwut", "get"] {
        assert_eq!(read_only_rules(&cmd(name)), [true; 3], "{name}");
    }
    for name in [
        "set",
        "incr",
        "hexpire",
        "flushall",
        "client|kill",
        "object|help",
    ] {
        assert_eq!(read_only_rules(&as_cmd(name)), [false; 3], "{name}");
    }
}
