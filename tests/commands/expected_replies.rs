//! Typed replies checked against both servers' real replies (issue 12, points 3, 5, 6, 10):
//! XINFO's sentinel values (nil, `-1`, missing fields), INFO's `0`/`1` as `bool`, pairs of
//! aggregates, HMGET into a tuple and SORT with three GETs grouped; over RESP2 and RESP3,
//! on Redis 7.0 and Valkey 9.1.

#![allow(clippy::needless_borrows_for_generic_args)]

use std::collections::HashMap;

use crate::util::{client, resp3};
use strictredis_test_kit as common;

use common::RedisServer;
use strictredis::commands::keys::SortOptions;
use strictredis::commands::streams::XGroupCreateOptions;
use strictredis::{cmd, StrictRedis, Value};

fn both_servers_both_protocols(run: impl Fn(&StrictRedis, &str)) {
    let redis = RedisServer::start();
    let valkey = RedisServer::start_valkey(&[]);
    for (server, name) in [(&redis, "redis"), (&valkey, "valkey")] {
        run(&client(server), &format!("{name}/resp2"));
        let r3 = resp3(server);
        r3.flushall(None).unwrap();
        run(&r3, &format!("{name}/resp3"));
    }
}

#[test]
fn xinfo_replies_with_unknown_counts_convert() {
    both_servers_both_protocols(|r, what| {
        for id in ["1-0", "2-0", "3-0"] {
            r.xadd("s", id, &[("f", "v")]).unwrap();
        }
        r.xgroup_create("s", "g", "0", XGroupCreateOptions::default())
            .unwrap();
        r.xdel("s", &["2-0"]).unwrap();
        let _: Value = r
            .execute_command(
                cmd("XREADGROUP GROUP")
                    .arg("g")
                    .arg("c")
                    .arg("COUNT")
                    .arg(1)
                    .arg("STREAMS")
                    .key("s")
                    .arg(">"),
            )
            .unwrap();
        let groups = r.xinfo_groups("s").unwrap();
        assert_eq!(groups.len(), 1, "{what}");
        assert_eq!(groups[0].name, "g");
        // A deletion inside the group's range: the server cannot tell (nil, or -1).
        assert_eq!(groups[0].lag, None, "{what}");
        assert_eq!(groups[0].entries_read, None, "{what}");
        let consumers = r.xinfo_consumers("s", "g").unwrap();
        assert_eq!(consumers[0].pending, 1, "{what}");
        let stream = r.xinfo_stream::<String, String>("s").unwrap();
        assert_eq!((stream.length, stream.groups), (2, 1), "{what}");
        assert_eq!(stream.entries_added, Some(3));
        let full = r.xinfo_stream_full::<String, String>("s", None).unwrap();
        assert_eq!(full.groups[0].lag, None, "{what}");
        assert_eq!(full.groups[0].pel_count, 1);
        assert_eq!(full.groups[0].consumers[0].pel_count, 1);
        // A group that knows its counts.
        r.xgroup_create("s", "known", "$", XGroupCreateOptions::default())
            .unwrap();
        let g = r.xinfo_groups("s").unwrap();
        let known = g.iter().find(|g| g.name == "known").unwrap();
        assert_eq!(known.lag, Some(0), "{what}");
    });
}

#[test]
fn info_flags_read_as_bool() {
    both_servers_both_protocols(|r, what| {
        let info = r.info().unwrap();
        assert_eq!(
            info.get_parsed::<bool>("persistence", "loading"),
            Some(false),
            "{what}"
        );
        assert_eq!(info.get_parsed::<u8>("persistence", "loading"), Some(0));
        assert_eq!(
            info.get_parsed::<bool>("persistence", "aof_enabled"),
            Some(false)
        );
        assert_eq!(info.get_parsed::<bool>("server", "redis_version"), None);
    });
}

/// A stream's entries: `(id, [field, value, ...])`.
type Entries = Vec<(String, Vec<String>)>;

#[test]
fn pairs_whose_items_are_aggregates_pair_up() {
    both_servers_both_protocols(|r, what| {
        r.hset("h1", "a", 1).unwrap();
        r.hset("h1", "b", 2).unwrap();
        // [name, [k, v, k, v], name, [...]] in RESP2; maps in RESP3.
        let script = "return {'h1', redis.call('HGETALL', 'h1'), 'h2', {}}";
        let p: Vec<(String, Vec<String>)> = r.eval(script, &["h1"], &[] as &[&str]).unwrap();
        assert_eq!(p.len(), 2, "{what}");
        assert_eq!(p[0].1.len(), 4, "{what}");
        let p: Vec<(String, HashMap<String, i64>)> =
            r.eval(script, &["h1"], &[] as &[&str]).unwrap();
        assert_eq!(p[0].1["b"], 2, "{what}");
        // XREAD's reply: [[stream, entries]] in RESP2, a map in RESP3.
        r.xadd("st", "1-0", &[("f", "v")]).unwrap();
        let v: Vec<(String, Entries)> = r
            .execute_command(cmd("XREAD STREAMS").key("st").arg("0"))
            .unwrap();
        assert_eq!(v[0].0, "st", "{what}");
        assert_eq!(v[0].1[0].1, vec!["f", "v"], "{what}");
    });
}

#[test]
fn hmget_into_a_tuple_and_sort_groups() {
    both_servers_both_protocols(|r, what| {
        r.hset("u", "name", "ann").unwrap();
        r.hset("u", "age", 31).unwrap();
        let (name, age, none): (Option<String>, Option<u32>, Option<String>) =
            r.hmget_into("u", &["name", "age", "nope"]).unwrap();
        assert_eq!(
            (name.as_deref(), age, none),
            (Some("ann"), Some(31), None),
            "{what}"
        );
        for (id, n, a) in [(2, "bob", 40), (1, "cat", 22), (3, "dan", 57)] {
            r.rpush("ids", &[id]).unwrap();
            r.set(format!("name_{id}"), n).unwrap();
            r.set(format!("age_{id}"), a).unwrap();
        }
        let opts = SortOptions::new().get("#").get("name_*").get("age_*");
        let rows: Vec<(u32, String, u32)> = r.sort_groups("ids", opts.clone()).unwrap();
        assert_eq!(
            rows,
            vec![
                (1, "cat".into(), 22),
                (2, "bob".into(), 40),
                (3, "dan".into(), 57)
            ],
            "{what}"
        );
        // The same in a pipeline, beside other commands.
        let mut p = r.pipeline();
        p.sort_groups("ids", opts).hmget_into("u", &["age"]);
        let (rows, (age,)): (Vec<Vec<String>>, (u32,)) = p.execute().unwrap();
        assert_eq!(
            (rows.len(), rows[2][1].as_str(), age),
            (3, "dan", 31),
            "{what}"
        );
    });
}
