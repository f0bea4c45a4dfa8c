//! Every stream command against a real server: entries, trimming, consumer groups end to
//! end, blocking reads, and the typed replies under RESP2 and RESP3 alike.

#![allow(clippy::needless_borrows_for_generic_args)]

use crate::util::{client, resp3};
use strictredis_test_kit as common;

use std::thread;
use std::time::{Duration, Instant};

use common::{wait_until, RedisServer};
use strictredis::commands::streams::{
    PendingEntry, PendingSummary, StreamEntry, StreamReadReply, StreamTrim, XAddOptions,
    XAutoClaim, XClaimOptions, XGroupCreateOptions, XInfoConsumer, XInfoGroup, XInfoStream,
    XInfoStreamFull, XPendingOptions, XReadGroupOptions, XReadOptions, XSetIdOptions,
};
use strictredis::{cmd, Error, StrictRedis, Value};

fn fields(e: &StreamEntry) -> Vec<(&str, &str)> {
    e.fields
        .iter()
        .map(|(f, v)| (f.as_str(), v.as_str()))
        .collect()
}

#[test]
fn add_range_len_delete() -> Result<(), Error> {
    let server = RedisServer::start();
    let r = client(&server);

    let id1: String = r.xadd("s", "1-1", &[("a", "1"), ("b", "2")])?;
    assert_eq!(id1, "1-1");
    let id2 = r.xadd("s", "*", &[("a", "3")])?;
    assert!(id2.contains('-') && id2 != id1, "{id2}");
    let id3 = r.xadd("s", "*", vec![("a".to_string(), 4i64)])?;
    assert_eq!(r.xlen("s")?, 3);
    assert_eq!(r.xlen("missing")?, 0);
    assert_eq!(server.raw_cmd(&["XLEN", "s"]), "3");

    let all: Vec<StreamEntry> = r.xrange("s", "-", "+", None)?;
    assert_eq!(
        all.iter().map(|e| e.id.as_str()).collect::<Vec<_>>(),
        [id1.as_str(), &id2, &id3]
    );
    assert_eq!(fields(&all[0]), [("a", "1"), ("b", "2")]);
    assert_eq!(all[0].get("b").map(String::as_str), Some("2"));
    assert_eq!(all[0].get("zzz"), None);

    let first: Vec<StreamEntry> = r.xrange("s", "-", "+", Some(1))?;
    assert_eq!(first.len(), 1);
    assert_eq!(first[0].id, id1);
    let rev: Vec<StreamEntry> = r.xrevrange("s", "+", "-", Some(2))?;
    assert_eq!(
        rev.iter().map(|e| e.id.as_str()).collect::<Vec<_>>(),
        [id3.as_str(), &id2]
    );

    // Values typed as the caller likes: integers, bytes.
    let typed: Vec<StreamEntry<String, i64>> = r.xrange("s", &id2, "+", None)?;
    assert_eq!(typed[0].fields, [("a".to_string(), 3)]);
    assert_eq!(typed[1].fields, [("a".to_string(), 4)]);
    let bytes: Vec<StreamEntry<Vec<u8>, Vec<u8>>> = r.xrange("s", "-", &id1, None)?;
    assert_eq!(bytes[0].get(b"a".as_slice()), Some(&b"1".to_vec()));
    r.xadd("s", "*", &[("a", "x")])?;
    let bad: Result<Vec<StreamEntry<String, i64>>, Error> = r.xrange("s", "-", "+", None);
    assert!(matches!(bad, Err(Error::Type(_))), "{bad:?}");
    assert_eq!(
        r.ping()?,
        "PONG",
        "the connection stays in sync after a type error"
    );

    assert_eq!(r.xdel("s", &[id1.as_str(), "9-9"])?, 1);
    assert_eq!(r.xlen("s")?, 3);

    // Binary field values round-trip.
    let blob = vec![0u8, 255, 13, 10];
    r.xadd("bin", "*", &[("f", blob.clone())])?;
    let e: Vec<StreamEntry<String, Vec<u8>>> = r.xrange("bin", "-", "+", None)?;
    assert_eq!(e[0].fields[0].1, blob);

    // A wrong type of key is a server error with its kind.
    r.set("str", "x")?;
    let err = r.xadd("str", "*", &[("a", "1")]).unwrap_err();
    assert!(
        matches!(&err, Error::Server(e) if e.kind() == "WRONGTYPE"),
        "{err:?}"
    );
    Ok(())
}

#[test]
fn xadd_options_and_trim() -> Result<(), Error> {
    let server = RedisServer::start();
    let r = client(&server);

    let none = r.xadd_options(
        "nostream",
        "*",
        &[("a", "1")],
        XAddOptions::default().nomkstream(),
    )?;
    assert_eq!(none, None);
    assert_eq!(server.raw_cmd(&["EXISTS", "nostream"]), "0");

    for i in 1..=10u64 {
        let id = format!("{i}-0");
        let got = r.xadd_options(
            "s",
            &id,
            &[("i", i)],
            XAddOptions::default().trim(StreamTrim::maxlen(5).exact()),
        )?;
        assert_eq!(got.as_deref(), Some(id.as_str()));
    }
    assert_eq!(r.xlen("s")?, 5);
    let left: Vec<StreamEntry> = r.xrange("s", "-", "+", None)?;
    assert_eq!(left[0].id, "6-0");

    // MINID: everything below 8-0 goes.
    assert_eq!(r.xtrim("s", StreamTrim::minid("8-0"))?, 2);
    assert_eq!(r.xlen("s")?, 3);
    // MAXLEN = exact.
    assert_eq!(r.xtrim("s", StreamTrim::maxlen(1).exact())?, 2);
    assert_eq!(server.raw_cmd(&["XLEN", "s"]), "1");

    // Approximate trimming with LIMIT is accepted; it evicts whole nodes only, so with one
    // small node nothing goes.
    for i in 0..20 {
        r.xadd("big", "*", &[("i", i)])?;
    }
    let evicted = r.xtrim("big", StreamTrim::maxlen(0).approximate().limit(10))?;
    assert!(evicted <= 10, "LIMIT 10 respected: {evicted}");
    let got = r.xadd_options(
        "big",
        "*",
        &[("i", "x")],
        XAddOptions::default().trim(StreamTrim::minid("0-1").approximate().limit(100)),
    )?;
    assert!(got.is_some());
    // LIMIT without `~` is refused by the server.
    let err = r.xtrim("big", StreamTrim::maxlen(1).limit(5)).unwrap_err();
    assert!(matches!(err, Error::Server(_)), "{err:?}");
    // An explicit ID not above the last one is refused.
    let err = r.xadd("s", "1-0", &[("a", "1")]).unwrap_err();
    assert!(matches!(err, Error::Server(_)), "{err:?}");
    Ok(())
}

#[test]
fn consumer_groups_end_to_end() -> Result<(), Error> {
    let server = RedisServer::start();
    let r = client(&server);

    r.xgroup_create(
        "jobs",
        "workers",
        "$",
        XGroupCreateOptions::default().mkstream(),
    )?;
    assert_eq!(server.raw_cmd(&["XLEN", "jobs"]), "0", "MKSTREAM made it");
    let err = r
        .xgroup_create("jobs", "workers", "$", XGroupCreateOptions::default())
        .unwrap_err();
    assert!(
        matches!(&err, Error::Server(e) if e.kind() == "BUSYGROUP"),
        "{err:?}"
    );
    assert!(r.xgroup_createconsumer("jobs", "workers", "idle-one")?);
    assert!(!r.xgroup_createconsumer("jobs", "workers", "idle-one")?);

    let ids: Vec<String> = (1..=3)
        .map(|i| r.xadd("jobs", "*", &[("job", i)]))
        .collect::<Result<_, _>>()?;

    // Alice reads two, Bob reads the third.
    let read: StreamReadReply = r.xreadgroup(
        "workers",
        "alice",
        &[("jobs", ">")],
        XReadGroupOptions::default().count(2),
    )?;
    assert_eq!(read.streams.len(), 1);
    assert_eq!(read.streams[0].key, "jobs");
    let got: Vec<&str> = read.streams[0]
        .entries
        .iter()
        .map(|e| e.id.as_str())
        .collect();
    assert_eq!(got, [ids[0].as_str(), &ids[1]]);
    assert_eq!(fields(&read.streams[0].entries[0]), [("job", "1")]);
    let read: StreamReadReply = r.xreadgroup(
        "workers",
        "bob",
        &[("jobs", ">")],
        XReadGroupOptions::default(),
    )?;
    assert_eq!(read.entries_of("jobs").unwrap().len(), 1);
    // Nothing new is left for the group.
    let none: StreamReadReply = r.xreadgroup(
        "workers",
        "bob",
        &[("jobs", ">")],
        XReadGroupOptions::default(),
    )?;
    assert!(none.is_empty(), "{none:?}");
    // Alice's own history (ID 0) shows her two pending entries.
    let hist: StreamReadReply = r.xreadgroup(
        "workers",
        "alice",
        &[("jobs", "0")],
        XReadGroupOptions::default(),
    )?;
    assert_eq!(hist.entries_of("jobs").unwrap().len(), 2);

    // XPENDING, summary form.
    let summary: PendingSummary = r.xpending("jobs", "workers")?;
    assert_eq!(summary.count, 3);
    assert_eq!(summary.min_id.as_deref(), Some(ids[0].as_str()));
    assert_eq!(summary.max_id.as_deref(), Some(ids[2].as_str()));
    let mut consumers = summary.consumers.clone();
    consumers.sort();
    assert_eq!(
        consumers,
        [("alice".to_string(), 2), ("bob".to_string(), 1)]
    );

    // XPENDING, extended form, whole and filtered.
    let pending: Vec<PendingEntry> =
        r.xpending_range("jobs", "workers", "-", "+", 10, XPendingOptions::default())?;
    assert_eq!(pending.len(), 3);
    assert_eq!(pending[0].id, ids[0]);
    assert_eq!(pending[0].consumer, "alice");
    assert_eq!(
        pending[0].deliveries, 2,
        "read once with >, once from history"
    );
    assert_eq!(pending[2].consumer, "bob");
    assert_eq!(pending[2].deliveries, 1);
    let bobs = r.xpending_range(
        "jobs",
        "workers",
        "-",
        "+",
        10,
        XPendingOptions::default().consumer("bob"),
    )?;
    assert_eq!(bobs.len(), 1);
    let long_idle = r.xpending_range(
        "jobs",
        "workers",
        "-",
        "+",
        10,
        XPendingOptions::default().idle(3_600_000),
    )?;
    assert!(long_idle.is_empty());

    // XCLAIM: Carol takes Alice's first entry (min idle 0), forcing its counters.
    let claimed: Vec<StreamEntry> = r.xclaim(
        "jobs",
        "workers",
        "carol",
        0,
        &[ids[0].as_str()],
        XClaimOptions::default().retry_count(7).idle(1000),
    )?;
    assert_eq!(claimed.len(), 1);
    assert_eq!(fields(&claimed[0]), [("job", "1")]);
    let p = r.xpending_range(
        "jobs",
        "workers",
        &ids[0],
        &ids[0],
        1,
        XPendingOptions::default(),
    )?;
    assert_eq!(p[0].consumer, "carol");
    assert_eq!(p[0].deliveries, 7);
    assert!(p[0].idle_ms >= 1000, "{:?}", p[0]);
    // An entry idle for less than an hour is not claimed with min-idle of an hour.
    let none: Vec<StreamEntry> = r.xclaim(
        "jobs",
        "workers",
        "carol",
        3_600_000,
        &[ids[1].as_str()],
        XClaimOptions::default(),
    )?;
    assert!(none.is_empty());
    // JUSTID with TIME and FORCE.
    let just: Vec<String> = r.xclaim_justid(
        "jobs",
        "workers",
        "dave",
        0,
        &[ids[1].as_str()],
        XClaimOptions::default().time(1).force(),
    )?;
    assert_eq!(just, [ids[1].clone()]);

    // XAUTOCLAIM: Erin takes everything pending, in two pages.
    let page: XAutoClaim<StreamEntry> =
        r.xautoclaim("jobs", "workers", "erin", 0, "0-0", Some(2))?;
    assert_eq!(page.claimed.len(), 2);
    assert_eq!(page.claimed[0].id, ids[0]);
    assert!(page.deleted.is_empty());
    assert_ne!(page.next_id, "0-0");
    let rest: XAutoClaim<String> =
        r.xautoclaim_justid("jobs", "workers", "erin", 0, &page.next_id, None)?;
    assert_eq!(rest.claimed, [ids[2].clone()]);
    assert_eq!(rest.next_id, "0-0");
    // An entry deleted while pending is reported as deleted.
    r.xdel("jobs", &[ids[2].as_str()])?;
    let gone: XAutoClaim<StreamEntry> = r.xautoclaim("jobs", "workers", "erin", 0, "0-0", None)?;
    assert_eq!(gone.deleted, [ids[2].clone()]);
    assert_eq!(gone.claimed.len(), 2);

    // XINFO STREAM / GROUPS / CONSUMERS parsed into structs.
    let info: XInfoStream = r.xinfo_stream("jobs")?;
    assert_eq!(info.length, 2);
    assert_eq!(info.groups, 1);
    assert_eq!(info.last_generated_id, ids[2]);
    assert_eq!(info.entries_added, Some(3));
    assert_eq!(info.max_deleted_entry_id.as_deref(), Some(ids[2].as_str()));
    assert_eq!(
        info.first_entry.as_ref().map(|e| e.id.as_str()),
        Some(ids[0].as_str())
    );
    assert_eq!(
        info.last_entry.as_ref().map(fields),
        Some(vec![("job", "2")])
    );
    assert!(info.radix_tree_keys >= 1 && info.radix_tree_nodes >= 1);

    let groups: Vec<XInfoGroup> = r.xinfo_groups("jobs")?;
    assert_eq!(groups.len(), 1);
    assert_eq!(groups[0].name, "workers");
    assert_eq!(groups[0].pending, 2);
    assert_eq!(groups[0].last_delivered_id, ids[2]);
    assert_eq!(groups[0].entries_read, Some(3));
    assert_eq!(
        groups[0].consumers, 6,
        "idle-one, alice, bob, carol, dave, erin"
    );

    let consumers: Vec<XInfoConsumer> = r.xinfo_consumers("jobs", "workers")?;
    let erin = consumers.iter().find(|c| c.name == "erin").unwrap();
    assert_eq!(erin.pending, 2);
    let alice = consumers.iter().find(|c| c.name == "alice").unwrap();
    assert_eq!(alice.pending, 0);
    assert!(consumers.iter().any(|c| c.name == "idle-one"));

    let full: XInfoStreamFull = r.xinfo_stream_full("jobs", Some(0))?;
    assert_eq!(full.length, 2);
    assert_eq!(full.entries.len(), 2);
    assert_eq!(fields(&full.entries[1]), [("job", "2")]);
    assert_eq!(full.groups.len(), 1);
    let g = &full.groups[0];
    assert_eq!(g.name, "workers");
    assert_eq!(g.pel_count, 2);
    assert_eq!(g.pending.len(), 2);
    assert!(g.pending.iter().all(|p| p.consumer == "erin"));
    let erin = g.consumers.iter().find(|c| c.name == "erin").unwrap();
    assert_eq!(erin.pel_count, 2);
    assert_eq!(erin.pending.len(), 2);
    assert!(erin.seen_time_ms > 0);
    let limited: XInfoStreamFull = r.xinfo_stream_full("jobs", Some(1))?;
    assert_eq!(limited.entries.len(), 1);
    let default_count: XInfoStreamFull = r.xinfo_stream_full("jobs", None)?;
    assert_eq!(default_count.entries.len(), 2);

    // XACK, then the PEL is empty.
    assert_eq!(
        r.xack(
            "jobs",
            "workers",
            &[ids[0].as_str(), ids[1].as_str(), "9-9"]
        )?,
        2
    );
    let summary = r.xpending("jobs", "workers")?;
    assert_eq!(
        summary,
        PendingSummary::default(),
        "nothing pending: {summary:?}"
    );

    // XGROUP SETID rewinds the group; DELCONSUMER and DESTROY.
    r.xgroup_setid("jobs", "workers", "0", None)?;
    let again: StreamReadReply = r.xreadgroup(
        "workers",
        "frank",
        &[("jobs", ">")],
        XReadGroupOptions::default().noack(),
    )?;
    assert_eq!(again.entries_of("jobs").unwrap().len(), 2);
    assert_eq!(
        r.xpending("jobs", "workers")?.count,
        0,
        "NOACK adds nothing to the PEL"
    );
    r.xgroup_setid("jobs", "workers", "$", Some(2))?;
    assert_eq!(r.xinfo_groups("jobs")?[0].entries_read, Some(2));
    assert_eq!(r.xgroup_delconsumer("jobs", "workers", "frank")?, 0);
    assert!(r.xgroup_destroy("jobs", "workers")?);
    assert!(!r.xgroup_destroy("jobs", "workers")?);
    assert!(r.xinfo_groups("jobs")?.is_empty());

    let err = r
        .xreadgroup::<String, String>(
            "nogroup",
            "x",
            &[("jobs", ">")],
            XReadGroupOptions::default(),
        )
        .unwrap_err();
    assert!(
        matches!(&err, Error::Server(e) if e.kind() == "NOGROUP"),
        "{err:?}"
    );

    // XGROUP CREATE with ENTRIESREAD.
    r.xgroup_create(
        "jobs",
        "late",
        "0",
        XGroupCreateOptions::default().entries_read(1),
    )?;
    assert_eq!(r.xinfo_groups("jobs")?[0].entries_read, Some(1));
    Ok(())
}

#[test]
fn xread_non_blocking_and_several_streams() -> Result<(), Error> {
    let server = RedisServer::start();
    let r = client(&server);
    r.xadd("a", "1-0", &[("x", "1")])?;
    r.xadd("a", "2-0", &[("x", "2")])?;
    r.xadd("b", "5-0", &[("y", "1")])?;

    let read: StreamReadReply = r.xread(
        &[("a", "0"), ("b", "0"), ("c", "0")],
        XReadOptions::default(),
    )?;
    assert_eq!(read.streams.len(), 2, "c has nothing: {read:?}");
    assert_eq!(read.streams[0].key, "a");
    assert_eq!(read.streams[0].entries.len(), 2);
    assert_eq!(read.streams[1].key, "b");
    assert_eq!(read.entries_of("b").unwrap()[0].id, "5-0");

    let one: StreamReadReply = r.xread(&[("a", "1-0")], XReadOptions::default().count(1))?;
    assert_eq!(one.entries_of("a").unwrap().len(), 1);
    assert_eq!(one.entries_of("a").unwrap()[0].id, "2-0");

    let nothing: StreamReadReply = r.xread(&[("a", "$")], XReadOptions::default())?;
    assert!(nothing.is_empty());
    Ok(())
}

#[test]
fn xread_block_times_out_with_an_empty_reply() -> Result<(), Error> {
    let server = RedisServer::start();
    // A client read timeout far shorter than the BLOCK: the blocking command must raise it.
    let r = StrictRedis::builder()
        .host("127.0.0.1")
        .port(server.port())
        .read_timeout(Some(Duration::from_millis(100)))
        .build()?;
    r.xadd("s", "1-0", &[("a", "1")])?;
    let start = Instant::now();
    let read: StreamReadReply = r.xread(&[("s", "$")], XReadOptions::default().block_ms(600))?;
    assert!(read.is_empty(), "{read:?}");
    assert!(
        start.elapsed() >= Duration::from_millis(550),
        "{:?}",
        start.elapsed()
    );

    r.xgroup_create("s", "g", "$", XGroupCreateOptions::default())?;
    let read: StreamReadReply = r.xreadgroup(
        "g",
        "c",
        &[("s", ">")],
        XReadGroupOptions::default().block_ms(300),
    )?;
    assert!(read.is_empty());
    // The connection is fine afterwards.
    assert_eq!(r.xlen("s")?, 1);
    Ok(())
}

#[test]
fn xread_block_gets_an_entry_added_by_another_thread() -> Result<(), Error> {
    let server = RedisServer::start();
    let r = client(&server);
    r.xadd("s", "1-0", &[("a", "old")])?;
    r.xgroup_create("s", "g", "$", XGroupCreateOptions::default())?;

    let reader = {
        let r = r.clone();
        thread::spawn(
            move || -> Result<(StreamReadReply, StreamReadReply), Error> {
                // BLOCK 0 waits forever: the connection must not time out on its own either.
                let group = r.xreadgroup(
                    "g",
                    "c",
                    &[("s", ">")],
                    XReadGroupOptions::default().block_ms(0),
                )?;
                let plain = r.xread(&[("s", "$")], XReadOptions::default().block_ms(60_000))?;
                Ok((group, plain))
            },
        )
    };
    // Waits until a client is blocked in `command` (CLIENT LIST: `flags=b ... cmd=<command>`).
    let blocked_in = |command: &str| {
        let cmd = format!(" cmd={command} ");
        wait_until(Duration::from_secs(20), || {
            server
                .clients()
                .iter()
                .any(|c| c.contains(" flags=b ") && c.contains(&cmd))
        })
    };
    assert!(blocked_in("xreadgroup"), "XREADGROUP never blocked");
    let id = r.xadd("s", "*", &[("a", "new")])?;
    assert!(blocked_in("xread"), "XREAD never blocked");
    let id2 = r.xadd("s", "*", &[("a", "newer")])?;

    let (group, plain) = reader.join().unwrap()?;
    let got = group.entries_of("s").unwrap();
    assert_eq!(got.len(), 1, "{got:?}");
    assert_eq!(got[0].id, id);
    assert_eq!(fields(&got[0]), [("a", "new")]);
    let got = plain.entries_of("s").unwrap();
    assert_eq!(got.len(), 1, "{got:?}");
    assert_eq!(got[0].id, id2);
    assert_eq!(fields(&got[0]), [("a", "newer")]);
    Ok(())
}

#[test]
fn xsetid_and_help() -> Result<(), Error> {
    let server = RedisServer::start();
    let r = client(&server);
    r.xadd("s", "5-0", &[("a", "1")])?;
    r.xsetid("s", "10-0", XSetIdOptions::default())?;
    assert_eq!(
        r.xinfo_stream::<String, String>("s")?.last_generated_id,
        "10-0"
    );
    r.xsetid(
        "s",
        "20-0",
        XSetIdOptions::default()
            .entries_added(7)
            .max_deleted_id("3-0"),
    )?;
    let info: XInfoStream = r.xinfo_stream("s")?;
    assert_eq!(info.last_generated_id, "20-0");
    assert_eq!(info.entries_added, Some(7));
    assert_eq!(info.max_deleted_entry_id.as_deref(), Some("3-0"));
    let err = r.xsetid("s", "1-0", XSetIdOptions::default()).unwrap_err();
    assert!(
        matches!(err, Error::Server(_)),
        "smaller than the top entry: {err:?}"
    );

    for help in [r.xgroup_help()?, r.xinfo_help()?] {
        assert!(help.len() > 3, "{help:?}");
        assert!(help.iter().any(|l| l.contains("HELP")), "{help:?}");
    }
    Ok(())
}

#[test]
fn resp3_gives_the_same_structs() -> Result<(), Error> {
    let server = RedisServer::start();
    let r2 = client(&server);
    let r3 = resp3(&server);
    r2.xadd("s", "1-1", &[("a", "1"), ("b", "2")])?;
    r2.xadd("s", "2-1", &[("a", "3")])?;
    r2.xadd("t", "3-1", &[("z", "9")])?;
    r2.xgroup_create("s", "g", "0", XGroupCreateOptions::default())?;
    let _: StreamReadReply = r2.xreadgroup(
        "g",
        "c",
        &[("s", ">")],
        XReadGroupOptions::default().count(1),
    )?;

    // The RESP3 connection really gets maps.
    let raw: Value = r3.execute_command(cmd("XINFO STREAM").arg("s"))?;
    assert!(matches!(raw, Value::Map(_)), "{raw:?}");
    let raw: Value = r3.execute_command(cmd("XREAD").arg("STREAMS").arg("s").arg("0"))?;
    assert!(matches!(raw, Value::Map(_)), "{raw:?}");

    let a: XInfoStream = r2.xinfo_stream("s")?;
    let b: XInfoStream = r3.xinfo_stream("s")?;
    assert_eq!(a, b);
    assert_eq!(a.length, 2);

    let a: StreamReadReply = r2.xread(&[("s", "0"), ("t", "0")], XReadOptions::default())?;
    let b: StreamReadReply = r3.xread(&[("s", "0"), ("t", "0")], XReadOptions::default())?;
    assert_eq!(a, b);
    assert_eq!(a.streams.len(), 2);
    let a: StreamReadReply = r2.xread(&[("s", "$")], XReadOptions::default().block_ms(50))?;
    let b: StreamReadReply = r3.xread(&[("s", "$")], XReadOptions::default().block_ms(50))?;
    assert!(a.is_empty() && b.is_empty());

    let a: Vec<XInfoGroup> = r2.xinfo_groups("s")?;
    let b: Vec<XInfoGroup> = r3.xinfo_groups("s")?;
    assert_eq!(a, b);
    assert_eq!(r2.xpending("s", "g")?, r3.xpending("s", "g")?);
    let a: Vec<StreamEntry> = r2.xrange("s", "-", "+", None)?;
    let b: Vec<StreamEntry> = r3.xrange("s", "-", "+", None)?;
    assert_eq!(a, b);

    // Fields that move with time aside, FULL and CONSUMERS agree too.
    let a: XInfoStreamFull = r2.xinfo_stream_full("s", None)?;
    let b: XInfoStreamFull = r3.xinfo_stream_full("s", None)?;
    assert_eq!(a.entries, b.entries);
    assert_eq!(a.groups[0].name, b.groups[0].name);
    assert_eq!(a.groups[0].pel_count, b.groups[0].pel_count);
    assert_eq!(a.groups[0].pending[0].id, b.groups[0].pending[0].id);
    let a = r2.xinfo_consumers("s", "g")?;
    let b = r3.xinfo_consumers("s", "g")?;
    assert_eq!((&a[0].name, a[0].pending), (&b[0].name, b[0].pending));
    let a: XAutoClaim<StreamEntry> = r2.xautoclaim("s", "g", "c2", 0, "0", None)?;
    let b: XAutoClaim<StreamEntry> = r3.xautoclaim("s", "g", "c2", 0, "0", None)?;
    assert_eq!(a, b);
    Ok(())
}

#[test]
fn pipelined_stream_commands() -> Result<(), Error> {
    let server = RedisServer::start();
    let r = client(&server);
    let mut p = r.pipeline();
    p.xadd("s", "1-0", &[("a", "1")])
        .xlen("s")
        .xrange("s", "-", "+", None);
    let (id, len, entries): (String, u64, Vec<StreamEntry>) = p.execute()?;
    assert_eq!(id, "1-0");
    assert_eq!(len, 1);
    assert_eq!(fields(&entries[0]), [("a", "1")]);
    Ok(())
}

#[test]
fn valkey_reports_consumer_activity() -> Result<(), Error> {
    let server = RedisServer::start_valkey(&[]);
    let r = client(&server);
    r.xgroup_create("s", "g", "$", XGroupCreateOptions::default().mkstream())?;
    r.xadd("s", "*", &[("a", "1")])?;
    let _: StreamReadReply = r.xreadgroup("g", "c", &[("s", ">")], XReadGroupOptions::default())?;
    r.xgroup_createconsumer("s", "g", "never")?;
    let consumers: Vec<XInfoConsumer> = r.xinfo_consumers("s", "g")?;
    let c = consumers.iter().find(|c| c.name == "c").unwrap();
    assert!(c.inactive_ms.is_some(), "{c:?}");
    let never = consumers.iter().find(|c| c.name == "never").unwrap();
    assert_eq!(
        never.inactive_ms, None,
        "-1 (never active) is None: {never:?}"
    );
    let full: XInfoStreamFull = r.xinfo_stream_full("s", None)?;
    let c = full.groups[0]
        .consumers
        .iter()
        .find(|c| c.name == "c")
        .unwrap();
    assert!(c.active_time_ms.is_some());
    let a: XInfoStream = r.xinfo_stream("s")?;
    let b: XInfoStream = resp3(&server).xinfo_stream("s")?;
    assert_eq!(a, b);
    Ok(())
}
