//! The list commands, each against a real server, the blocking ones included.

#![allow(clippy::needless_borrows_for_generic_args)]

use crate::util::{client, resp3};
use strictredis_test_kit as common;

use std::thread;
use std::time::{Duration, Instant};

use common::{wait_until, RedisServer};
use strictredis::commands::lists::{LInsertPosition, LPosOptions, ListDirection};
use strictredis::{Error, StrictRedis};

fn list(server: &RedisServer, key: &str) -> Vec<String> {
    let text = server.raw_cmd(&["LRANGE", key, "0", "-1"]);
    text.lines().map(str::to_string).collect()
}

/// How many clients the server has blocked (BLPOP and friends), read with a raw connection.
fn blocked_clients(server: &RedisServer) -> u64 {
    server
        .raw_cmd(&["INFO", "clients"])
        .lines()
        .find_map(|l| l.strip_prefix("blocked_clients:"))
        .and_then(|n| n.trim().parse().ok())
        .expect("INFO clients has blocked_clients")
}

#[test]
fn push_index_set_insert_trim() {
    let server = RedisServer::start();
    let r = client(&server);

    assert_eq!(r.rpush("l", &["b", "c"]).unwrap(), 2);
    assert_eq!(r.lpush("l", "a").unwrap(), 3);
    assert_eq!(r.rpushx("l", &["d"]).unwrap(), 4);
    assert_eq!(r.lpushx("l", vec!["z"]).unwrap(), 5);
    assert_eq!(r.rpushx("missing", "x").unwrap(), 0, "no list, no push");
    assert_eq!(r.lpushx("missing", "x").unwrap(), 0);
    assert_eq!(server.raw_cmd(&["EXISTS", "missing"]), "0");
    assert_eq!(list(&server, "l"), ["z", "a", "b", "c", "d"]);

    assert_eq!(r.llen("l").unwrap(), 5);
    assert_eq!(r.llen("missing").unwrap(), 0);
    let all: Vec<String> = r.lrange("l", 0, -1).unwrap();
    assert_eq!(all, ["z", "a", "b", "c", "d"]);
    let tail: Vec<String> = r.lrange("l", -2, -1).unwrap();
    assert_eq!(tail, ["c", "d"]);

    let first: Option<String> = r.lindex("l", 0).unwrap();
    let last: Option<String> = r.lindex("l", -1).unwrap();
    let out: Option<String> = r.lindex("l", 99).unwrap();
    assert_eq!(
        (first.as_deref(), last.as_deref(), out),
        (Some("z"), Some("d"), None)
    );

    r.lset("l", 0, "y").unwrap();
    r.lset("l", -1, "e").unwrap();
    assert_eq!(list(&server, "l"), ["y", "a", "b", "c", "e"]);
    match r.lset("l", 99, "x") {
        Err(Error::Server(e)) => assert!(e.message().contains("out of range"), "{e}"),
        other => panic!("expected a server error, got {other:?}"),
    }

    assert_eq!(
        r.linsert("l", LInsertPosition::Before, "b", "b0").unwrap(),
        6
    );
    assert_eq!(
        r.linsert("l", LInsertPosition::After, "b", "b1").unwrap(),
        7
    );
    assert_eq!(list(&server, "l"), ["y", "a", "b0", "b", "b1", "c", "e"]);
    assert_eq!(
        r.linsert("l", LInsertPosition::After, "nope", "x").unwrap(),
        -1
    );
    assert_eq!(
        r.linsert("missing", LInsertPosition::After, "b", "x")
            .unwrap(),
        0
    );

    r.ltrim("l", 1, -2).unwrap();
    assert_eq!(list(&server, "l"), ["a", "b0", "b", "b1", "c"]);

    r.rpush("r", &["x", "y", "x", "x", "y", "x"]).unwrap();
    assert_eq!(r.lrem("r", 1, "x").unwrap(), 1, "first x from the head");
    assert_eq!(list(&server, "r"), ["y", "x", "x", "y", "x"]);
    assert_eq!(r.lrem("r", -1, "x").unwrap(), 1, "first x from the tail");
    assert_eq!(list(&server, "r"), ["y", "x", "x", "y"]);
    assert_eq!(r.lrem("r", 0, "x").unwrap(), 2, "all of them");
    assert_eq!(list(&server, "r"), ["y", "y"]);
}

#[test]
fn pops_with_and_without_count() {
    let server = RedisServer::start();
    for r in [client(&server), resp3(&server)] {
        r.rpush("l", &["a", "b", "c", "d", "e"]).unwrap();
        let a: Option<String> = r.lpop("l").unwrap();
        let e: Option<String> = r.rpop("l").unwrap();
        assert_eq!((a.as_deref(), e.as_deref()), (Some("a"), Some("e")));
        let front: Option<Vec<String>> = r.lpop_count("l", 2).unwrap();
        assert_eq!(front, Some(vec!["b".into(), "c".into()]));
        let back: Option<Vec<String>> = r.rpop_count("l", 5).unwrap();
        assert_eq!(back, Some(vec!["d".into()]), "fewer than count are left");

        // The list is gone now: every pop says None.
        let none: Option<String> = r.lpop("l").unwrap();
        assert_eq!(none, None);
        let none: Option<String> = r.rpop("l").unwrap();
        assert_eq!(none, None);
        let none: Option<Vec<String>> = r.lpop_count("l", 2).unwrap();
        assert_eq!(none, None, "LPOP with a count on a missing key is None");
        let none: Option<Vec<String>> = r.rpop_count("l", 2).unwrap();
        assert_eq!(none, None);
    }
}

#[test]
fn lpos_with_rank_count_and_maxlen() {
    let server = RedisServer::start();
    let r = client(&server);
    r.rpush("l", &["a", "b", "c", "b", "d", "b"]).unwrap();
    let none = LPosOptions::default();

    assert_eq!(r.lpos("l", "b", none).unwrap(), Some(1));
    assert_eq!(r.lpos("l", "zz", none).unwrap(), None);
    assert_eq!(r.lpos("missing", "b", none).unwrap(), None);
    assert_eq!(r.lpos("l", "b", none.rank(2)).unwrap(), Some(3));
    assert_eq!(r.lpos("l", "b", none.rank(-1)).unwrap(), Some(5));
    assert_eq!(
        r.lpos("l", "d", none.maxlen(3)).unwrap(),
        None,
        "d is beyond the first 3"
    );

    assert_eq!(r.lpos_count("l", "b", 0, none).unwrap(), [1, 3, 5]);
    assert_eq!(r.lpos_count("l", "b", 2, none).unwrap(), [1, 3]);
    assert_eq!(r.lpos_count("l", "b", 0, none.rank(-1)).unwrap(), [5, 3, 1]);
    assert_eq!(
        r.lpos_count("l", "b", 0, none.rank(2).maxlen(5)).unwrap(),
        [3]
    );
    assert!(r.lpos_count("missing", "b", 0, none).unwrap().is_empty());

    match r.lpos("l", "b", none.rank(0)) {
        Err(Error::Server(_)) => {}
        other => panic!("RANK 0 is refused by the server, got {other:?}"),
    }
}

#[test]
fn moves_and_multi_pops() {
    let server = RedisServer::start();
    let r = client(&server);
    r.rpush("src", &["a", "b", "c"]).unwrap();

    let moved: Option<String> = r
        .lmove("src", "dst", ListDirection::Left, ListDirection::Right)
        .unwrap();
    assert_eq!(moved.as_deref(), Some("a"));
    let moved: Option<String> = r
        .lmove("src", "dst", ListDirection::Right, ListDirection::Left)
        .unwrap();
    assert_eq!(moved.as_deref(), Some("c"));
    assert_eq!(list(&server, "src"), ["b"]);
    assert_eq!(list(&server, "dst"), ["c", "a"]);

    let moved: Option<String> = r.rpoplpush("src", "dst").unwrap();
    assert_eq!(moved.as_deref(), Some("b"));
    assert_eq!(list(&server, "dst"), ["b", "c", "a"]);
    let none: Option<String> = r.rpoplpush("src", "dst").unwrap();
    assert_eq!(none, None);
    let none: Option<String> = r
        .lmove("src", "dst", ListDirection::Left, ListDirection::Left)
        .unwrap();
    assert_eq!(none, None);

    for r in [client(&server), resp3(&server)] {
        r.delete(&["l1", "l2"]).unwrap();
        r.rpush("l2", &["x", "y", "z"]).unwrap();
        let got: Option<(String, Vec<String>)> =
            r.lmpop(&["l1", "l2"], ListDirection::Left, None).unwrap();
        assert_eq!(got, Some(("l2".into(), vec!["x".into()])));
        let got: Option<(String, Vec<String>)> = r
            .lmpop(&["l1", "l2"], ListDirection::Right, Some(5))
            .unwrap();
        assert_eq!(got, Some(("l2".into(), vec!["z".into(), "y".into()])));
        let none: Option<(String, Vec<String>)> = r
            .lmpop(&["l1", "l2"], ListDirection::Left, Some(1))
            .unwrap();
        assert_eq!(none, None);
    }
}

#[test]
fn blocking_pops_answer_at_once_when_data_is_there() {
    let server = RedisServer::start();
    for r in [client(&server), resp3(&server)] {
        r.rpush("q", &["a", "b", "c", "d", "e", "f"]).unwrap();
        let got: Option<(String, String)> = r.blpop(&["empty", "q"], 5.0).unwrap();
        assert_eq!(got, Some(("q".into(), "a".into())));
        let got: Option<(String, String)> = r.brpop("q", 5.0).unwrap();
        assert_eq!(got, Some(("q".into(), "f".into())));
        let got: Option<String> = r.brpoplpush("q", "q2", 5.0).unwrap();
        assert_eq!(got.as_deref(), Some("e"));
        let got: Option<String> = r
            .blmove("q", "q2", ListDirection::Left, ListDirection::Right, 5.0)
            .unwrap();
        assert_eq!(got.as_deref(), Some("b"));
        assert_eq!(list(&server, "q2"), ["e", "b"]);
        let got: Option<(String, Vec<String>)> = r
            .blmpop(5.0, &["empty", "q"], ListDirection::Left, Some(2))
            .unwrap();
        assert_eq!(got, Some(("q".into(), vec!["c".into(), "d".into()])));
        r.delete("q2").unwrap();
    }
}

#[test]
fn blocking_pops_time_out_with_none() {
    let server = RedisServer::start();
    // The client's own read timeout is shorter than the server-side wait: the blocking
    // commands must raise it for their call, or they would fail with Error::Timeout.
    let url = format!("{}?socket_timeout=0.1", server.url());
    let r2 = StrictRedis::from_url(&url).unwrap();
    let r3 = StrictRedis::from_url(&format!("{url}&protocol=3")).unwrap();
    for r in [r2, r3] {
        let started = Instant::now();
        let got: Option<(String, String)> = r.blpop(&["nothing"], 0.3).unwrap();
        assert_eq!(got, None);
        assert!(
            started.elapsed() >= Duration::from_millis(250),
            "the server waited: {:?}",
            started.elapsed()
        );
        let got: Option<(String, String)> = r.brpop("nothing", 0.2).unwrap();
        assert_eq!(got, None);
        let got: Option<String> = r.brpoplpush("nothing", "dst", 0.2).unwrap();
        assert_eq!(got, None);
        let got: Option<String> = r
            .blmove(
                "nothing",
                "dst",
                ListDirection::Right,
                ListDirection::Left,
                0.2,
            )
            .unwrap();
        assert_eq!(got, None);
        let got: Option<(String, Vec<String>)> = r
            .blmpop(0.2, &["nothing"], ListDirection::Right, None)
            .unwrap();
        assert_eq!(got, None);
        // Non-blocking commands still use the short read timeout, and the connection is fine.
        assert_eq!(r.llen("nothing").unwrap(), 0);
    }
    assert_eq!(server.raw_cmd(&["EXISTS", "dst"]), "0");
}

#[test]
fn blpop_gets_a_value_pushed_by_another_thread() {
    let server = RedisServer::start();
    let r = client(&server);
    thread::scope(|s| {
        let pusher = s.spawn(|| {
            // Push only once the client is blocked, so the value reaches it through BLPOP.
            assert!(wait_until(Duration::from_secs(20), || blocked_clients(
                &server
            ) == 1));
            server.raw_cmd(&["RPUSH", "jobs", "job-1"])
        });
        let got: Option<(String, String)> = r.blpop(&["other", "jobs"], 30.0).unwrap();
        assert_eq!(got, Some(("jobs".into(), "job-1".into())));
        assert_eq!(pusher.join().unwrap(), "1");
    });
    assert_eq!(blocked_clients(&server), 0);

    // The same with a timeout of 0 (wait forever) and RESP3.
    let r3 = resp3(&server);
    thread::scope(|s| {
        s.spawn(|| {
            assert!(wait_until(Duration::from_secs(20), || blocked_clients(
                &server
            ) == 1));
            server.raw_cmd(&["LPUSH", "jobs", "job-2"]);
        });
        let got: Option<(String, String)> = r3.brpop("jobs", 0.0).unwrap();
        assert_eq!(got, Some(("jobs".into(), "job-2".into())));
    });
}

#[test]
fn pipeline_queues_list_commands() {
    let server = RedisServer::start();
    let r = client(&server);
    let mut p = r.pipeline();
    p.rpush("l", &["a", "b"])
        .lpop_count("l", 1)
        .lpop_count("missing", 1)
        .llen("l");
    let (n, popped, none, len): (u64, Option<Vec<String>>, Option<Vec<String>>, u64) =
        p.execute().unwrap();
    assert_eq!((n, popped, none, len), (2, Some(vec!["a".into()]), None, 1));
}
