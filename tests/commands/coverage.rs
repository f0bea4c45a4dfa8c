//! Every command the servers know has a method (in the file of its group) or a reasoned entry
//! in `strictredis::commands::__private::EXCLUDED`.
//!
//! The command names come from the live servers, Redis 7.0 and Valkey 9.1: `COMMAND LIST`
//! (which lists subcommands as `object|encoding`) and `COMMAND DOCS` (for each command's
//! group). A command `name` expects the method `name` in snake_case with `|` and `-` as `_`;
//! `del` is `delete`, and Rust keywords get a trailing `_` (`type_`, `move_`). A container
//! such as `object` needs no method of its own: its subcommands do, `*|help` included.

use strictredis_test_kit as common;

use std::collections::{BTreeMap, BTreeSet, HashMap};

use common::RedisServer;
use strictredis::commands::__private::{EXCLUDED, METHODS_BY_GROUP};
use strictredis::{cmd, StrictRedis, Value};

/// The groups whose files this test checks on their own (now every group).
const OWN_GROUPS: &[&str] = &[
    "string",
    "generic",
    "bitmap",
    "hyperloglog",
    "transactions",
    "hash",
    "list",
    "set",
    "sorted-set",
    "stream",
    "geo",
    "scripting",
    "pubsub",
    "server",
    "connection",
    "cluster",
];

const RUST_KEYWORDS: &[&str] = &[
    "abstract", "as", "async", "await", "become", "box", "break", "const", "continue", "crate",
    "do", "dyn", "else", "enum", "extern", "false", "final", "fn", "for", "gen", "if", "impl",
    "in", "let", "loop", "macro", "match", "mod", "move", "mut", "override", "priv", "pub", "ref",
    "return", "self", "static", "struct", "super", "trait", "true", "try", "type", "typeof",
    "unsafe", "unsized", "use", "virtual", "where", "while", "yield",
];

/// The method a command is expected to have.
fn method_name(command: &str) -> String {
    if command == "del" {
        return "delete".to_string();
    }
    let name = command.to_ascii_lowercase().replace(['|', '-'], "_");
    if RUST_KEYWORDS.contains(&name.as_str()) {
        format!("{name}_")
    } else {
        name
    }
}

/// One command, with its group and the servers that have it.
#[derive(Debug, Clone)]
struct ServerCommand {
    name: String,
    group: String,
    servers: Vec<&'static str>,
}

/// A string-like reply's text.
fn text(v: &Value) -> Option<String> {
    v.as_bytes()
        .map(|b| String::from_utf8_lossy(b).into_owned())
}

/// The pairs of a map reply (RESP3 map or RESP2 flat array).
fn pairs(v: Value) -> Vec<(String, Value)> {
    let items: Vec<(Value, Value)> = match v {
        Value::Map(m) => m,
        Value::Array(a) => {
            let mut out = Vec::new();
            let mut it = a.into_iter();
            while let (Some(k), Some(v)) = (it.next(), it.next()) {
                out.push((k, v));
            }
            out
        }
        other => panic!("expected a map reply, got {other:?}"),
    };
    items
        .into_iter()
        .map(|(k, v)| (text(&k).expect("map key is a string"), v))
        .collect()
}

/// Collects `name -> group` from a COMMAND DOCS map, subcommands included.
fn collect_groups(docs: Value, out: &mut HashMap<String, String>) {
    for (name, doc) in pairs(docs) {
        for (field, value) in pairs(doc) {
            match field.as_str() {
                "group" => {
                    out.insert(
                        name.to_ascii_lowercase(),
                        text(&value).expect("group is a string"),
                    );
                }
                "subcommands" => collect_groups(value, out),
                _ => {}
            }
        }
    }
}

/// Every command of the server (`COMMAND LIST`), without containers whose subcommands are
/// listed, each with its group from `COMMAND DOCS`.
fn server_commands(server: &RedisServer, server_name: &'static str) -> Vec<ServerCommand> {
    let r = StrictRedis::from_url(&server.url()).unwrap();
    let names: Vec<String> = r.execute_command(cmd("COMMAND LIST")).unwrap();
    let names: BTreeSet<String> = names.iter().map(|n| n.to_ascii_lowercase()).collect();
    assert!(names.len() > 200, "COMMAND LIST gave only {}", names.len());
    let docs: Value = r.execute_command(cmd("COMMAND DOCS")).unwrap();
    let mut groups = HashMap::new();
    collect_groups(docs, &mut groups);
    let containers: BTreeSet<&str> = names
        .iter()
        .filter_map(|n| n.split_once('|'))
        .map(|(c, _)| c)
        .collect();
    names
        .iter()
        .filter(|n| !containers.contains(n.as_str()))
        .map(|n| ServerCommand {
            name: n.clone(),
            group: groups.get(n).cloned().unwrap_or_else(|| "(no docs)".into()),
            servers: vec![server_name],
        })
        .collect()
}

/// The commands of Redis 7.0 and Valkey 9.1 together: one entry per (name, group).
fn all_commands() -> Vec<ServerCommand> {
    let redis = RedisServer::start();
    let valkey = RedisServer::start_valkey(&[]);
    let mut all: BTreeMap<(String, String), ServerCommand> = BTreeMap::new();
    for c in server_commands(&redis, "redis 7.0")
        .into_iter()
        .chain(server_commands(&valkey, "valkey 9.1"))
    {
        all.entry((c.name.clone(), c.group.clone()))
            .and_modify(|e| e.servers.extend(c.servers.iter().copied()))
            .or_insert(c);
    }
    all.into_values().collect()
}

/// `method -> group` as the crate declares them.
fn crate_methods() -> HashMap<&'static str, &'static str> {
    let mut out = HashMap::new();
    for (group, methods) in METHODS_BY_GROUP {
        for m in *methods {
            if let Some(other) = out.insert(*m, *group) {
                panic!("method {m} is declared in both {other} and {group}");
            }
        }
    }
    out
}

/// The problems found for the commands `include` selects, one readable line each, sorted by
/// group: commands with neither method nor exclusion, and methods in the wrong group's file.
fn problems(commands: &[ServerCommand], include: impl Fn(&ServerCommand) -> bool) -> Vec<String> {
    let methods = crate_methods();
    let excluded: HashMap<&str, &str> = EXCLUDED.iter().copied().collect();
    let mut by_group: BTreeMap<&str, Vec<String>> = BTreeMap::new();
    for c in commands.iter().filter(|c| include(c)) {
        let want = method_name(&c.name);
        let line = match (methods.get(want.as_str()), excluded.get(c.name.as_str())) {
            (Some(_), Some(_)) => Some(format!(
                "{}: `{want}` exists but the command is also in EXCLUDED",
                c.name
            )),
            (Some(&g), None) if g != c.group => Some(format!(
                "{}: method `{want}` sits in group `{g}`, the server says `{}`",
                c.name, c.group
            )),
            (None, None) => Some(format!("{}: no method `{want}`", c.name)),
            _ => None,
        };
        if let Some(line) = line {
            let line = format!("{line} [{}]", c.servers.join(", "));
            by_group.entry(&c.group).or_default().push(line);
        }
    }
    by_group
        .into_iter()
        .flat_map(|(g, lines)| {
            let n = lines.len();
            std::iter::once(format!("group {g}: {n} problem(s)"))
                .chain(lines.into_iter().map(|l| format!("    {l}")))
        })
        .collect()
}

/// Every EXCLUDED name is a command of at least one of the servers (no typos).
fn check_excluded_are_real(all: &[ServerCommand]) {
    let known: BTreeSet<&str> = all.iter().map(|c| c.name.as_str()).collect();
    let unknown: Vec<&str> = EXCLUDED
        .iter()
        .map(|(n, _)| *n)
        .filter(|n| !known.contains(n))
        .collect();
    assert!(
        unknown.is_empty(),
        "EXCLUDED names no server knows: {unknown:?}"
    );
}

/// Methods of the checked groups that are named after a command of another group.
fn methods_in_wrong_file(commands: &[ServerCommand], groups: impl Fn(&str) -> bool) -> Vec<String> {
    let by_method: HashMap<String, &ServerCommand> =
        commands.iter().map(|c| (method_name(&c.name), c)).collect();
    let mut out = Vec::new();
    for (group, methods) in METHODS_BY_GROUP.iter().filter(|(g, _)| groups(g)) {
        for m in *methods {
            if let Some(c) = by_method.get(*m) {
                if c.group != *group {
                    out.push(format!(
                        "    method `{m}` is in group `{group}`, but {} is `{}` [{}]",
                        c.name,
                        c.group,
                        c.servers.join(", ")
                    ));
                }
            }
        }
    }
    out
}

fn report(title: &str, lines: &[String]) -> String {
    format!("{title}:\n{}\n", lines.join("\n"))
}

#[test]
fn every_command_has_a_method_or_an_exclusion() {
    let commands = all_commands();
    check_excluded_are_real(&commands);
    let mut lines = problems(&commands, |_| true);
    let misplaced = methods_in_wrong_file(&commands, |_| true);
    if !misplaced.is_empty() {
        lines.push("methods named after a command of another group:".into());
        lines.extend(misplaced);
    }
    let missing = lines.iter().filter(|l| l.contains(": no method `")).count();
    assert!(
        lines.is_empty(),
        "{}",
        report(
            &format!("command coverage: {missing} command(s) without a method"),
            &lines
        )
    );
}

/// The groups this branch completes, checked alone so that it passes while other groups are
/// still being filled.
#[test]
fn own_groups_are_complete() {
    let commands = all_commands();
    check_excluded_are_real(&commands);
    let own = |c: &ServerCommand| OWN_GROUPS.contains(&c.group.as_str());
    let mut lines = problems(&commands, own);
    lines.extend(methods_in_wrong_file(&commands, |g| {
        OWN_GROUPS.contains(&g)
    }));
    assert!(lines.is_empty(), "{}", report("coverage problems", &lines));

    // The groups really are there (a renamed group would make the checks above vacuous).
    for g in OWN_GROUPS {
        let n = commands.iter().filter(|c| c.group == *g).count();
        assert!(n > 0, "no server command in group {g}");
    }
}

#[test]
fn method_names_follow_the_rules() {
    assert_eq!(method_name("del"), "delete");
    assert_eq!(method_name("type"), "type_");
    assert_eq!(method_name("move"), "move_");
    assert_eq!(method_name("object|help"), "object_help");
    assert_eq!(method_name("client|no-evict"), "client_no_evict");
    assert_eq!(method_name("sort_ro"), "sort_ro");
    assert_eq!(method_name("restore-asking"), "restore_asking");
}
