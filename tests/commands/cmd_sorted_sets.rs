//! The sorted set commands, each against a real server; scores compared between RESP2 (bulk
//! strings) and RESP3 (doubles).

#![allow(clippy::needless_borrows_for_generic_args)]

use crate::util::{client, resp3, scan_to_end};
use strictredis_test_kit as common;

use std::collections::{BTreeSet, HashMap, HashSet};
use std::thread;
use std::time::Duration;

use common::{wait_until, RedisServer};
use strictredis::commands::sorted_sets::{
    LexBound, ScoreBound, ZAddOptions, ZAggregate, ZCombineOptions, ZPopSide, ZRange, ZScanOptions,
};
use strictredis::{Error, StrictRedis};

/// `z`: a 1, b 2, c 3, d 4, e 5.
fn five(r: &StrictRedis) {
    r.delete("z").unwrap();
    r.zadd(
        "z",
        &[("a", 1.0), ("b", 2.0), ("c", 3.0), ("d", 4.0), ("e", 5.0)],
    )
    .unwrap();
}

/// `lex`: a..g, all with score 0.
fn lex(r: &StrictRedis) {
    r.delete("lex").unwrap();
    let members: Vec<(&str, f64)> = ["a", "b", "c", "d", "e", "f", "g"]
        .iter()
        .map(|m| (*m, 0.0))
        .collect();
    r.zadd("lex", &members).unwrap();
}

fn strings(items: &[&str]) -> Vec<String> {
    items.iter().map(|s| s.to_string()).collect()
}

fn pairs(items: &[(&str, f64)]) -> Vec<(String, f64)> {
    items.iter().map(|(m, s)| (m.to_string(), *s)).collect()
}

#[test]
fn zadd_options_and_incr() {
    let server = RedisServer::start();
    let r = client(&server);

    assert_eq!(r.zadd("z", &[("a", 1.0), ("b", 2.5)]).unwrap(), 2);
    let opts = ZAddOptions::default;
    assert_eq!(
        r.zadd_options("z", &[("a", 10.0), ("c", 3.0)], opts().nx())
            .unwrap(),
        1,
        "NX adds c, leaves a"
    );
    assert_eq!(r.zscore("z", "a").unwrap(), Some(1.0));
    assert_eq!(
        r.zadd_options("z", &[("a", 7.0), ("new", 1.0)], opts().xx())
            .unwrap(),
        0,
        "XX adds nothing"
    );
    assert_eq!(r.zscore("z", "a").unwrap(), Some(7.0));
    assert_eq!(r.zscore("z", "new").unwrap(), None);
    assert_eq!(
        r.zadd_options("z", &[("a", 5.0), ("b", 9.0)], opts().gt().ch())
            .unwrap(),
        1,
        "GT CH: only b changed"
    );
    assert_eq!(r.zscore("z", "a").unwrap(), Some(7.0));
    assert_eq!(r.zscore("z", "b").unwrap(), Some(9.0));
    assert_eq!(
        r.zadd_options("z", &[("a", 5.0), ("b", 10.0)], opts().xx().lt().ch())
            .unwrap(),
        1
    );
    assert_eq!(r.zscore("z", "a").unwrap(), Some(5.0));
    match r.zadd_options("z", &[("a", 1.0)], opts().nx().gt()) {
        Err(Error::Server(e)) => assert_eq!(e.kind(), "ERR"),
        other => panic!("NX with GT is refused, got {other:?}"),
    }

    assert_eq!(
        r.zadd_incr("z", "a", 2.5, opts()).unwrap(),
        Some(7.5),
        "INCR gives the new score"
    );
    assert_eq!(
        r.zadd_incr("z", "a", 1.0, opts().nx()).unwrap(),
        None,
        "NX stops the update: nil"
    );
    assert_eq!(r.zadd_incr("z", "fresh", 1.0, opts().xx()).unwrap(), None);
    assert_eq!(
        r.zadd_incr("z", "fresh", 1.0, opts().nx()).unwrap(),
        Some(1.0)
    );
    assert_eq!(r.zadd_incr("z", "a", -10.0, opts().gt()).unwrap(), None);

    assert_eq!(r.zscore("z", "missing-member").unwrap(), None);
    assert_eq!(r.zscore("missing-key", "a").unwrap(), None);
    assert_eq!(r.zincrby("z", 0.5, "a").unwrap(), 8.0);
    assert_eq!(r.zincrby("z", -1.0, "brand-new").unwrap(), -1.0);
    assert_eq!(r.zcard("z").unwrap(), 5);
    assert_eq!(r.zcard("missing-key").unwrap(), 0);
    assert_eq!(
        r.zmscore("z", &["a", "nope", "c"]).unwrap(),
        [Some(8.0), None, Some(3.0)]
    );

    // Infinite scores go both ways.
    r.zadd(
        "z",
        &[("top", f64::INFINITY), ("bottom", f64::NEG_INFINITY)],
    )
    .unwrap();
    assert_eq!(r.zscore("z", "top").unwrap(), Some(f64::INFINITY));
    assert_eq!(r.zscore("z", "bottom").unwrap(), Some(f64::NEG_INFINITY));
}

#[test]
fn counts_and_ranges_by_rank_score_and_name() {
    let server = RedisServer::start();
    let r = client(&server);
    five(&r);
    lex(&r);

    assert_eq!(r.zcount("z", 2.0, 4.0).unwrap(), 3);
    assert_eq!(
        r.zcount("z", ScoreBound::exclusive(2.0), ScoreBound::PosInf)
            .unwrap(),
        3
    );
    assert_eq!(
        r.zcount("z", ScoreBound::NegInf, ScoreBound::exclusive(1.0))
            .unwrap(),
        0
    );
    assert_eq!(
        r.zcount("z", f64::NEG_INFINITY, ScoreBound::inclusive(1.0))
            .unwrap(),
        1
    );
    assert_eq!(
        r.zlexcount("lex", LexBound::inclusive("b"), LexBound::exclusive("e"))
            .unwrap(),
        3
    );
    assert_eq!(r.zlexcount("lex", LexBound::Min, LexBound::Max).unwrap(), 7);

    let v: Vec<String> = r.zrange("z", 0, 1).unwrap();
    assert_eq!(v, strings(&["a", "b"]));
    let v: Vec<(String, f64)> = r.zrange_withscores("z", -2, -1).unwrap();
    assert_eq!(v, pairs(&[("d", 4.0), ("e", 5.0)]));
    let v: Vec<String> = r.zrevrange("z", 0, 1).unwrap();
    assert_eq!(v, strings(&["e", "d"]));
    let v: Vec<(String, f64)> = r.zrevrange_withscores("z", 0, 0).unwrap();
    assert_eq!(v, pairs(&[("e", 5.0)]));

    // ZRANGE with every option.
    let v: Vec<String> = r.zrange_by("z", ZRange::by_index(0, 2).rev()).unwrap();
    assert_eq!(v, strings(&["e", "d", "c"]));
    let v: Vec<String> = r
        .zrange_by(
            "z",
            ZRange::by_score(ScoreBound::exclusive(1.0), 4.0).limit(1, 2),
        )
        .unwrap();
    assert_eq!(v, strings(&["c", "d"]));
    let v: Vec<(String, f64)> = r
        .zrange_by_withscores(
            "z",
            ZRange::by_score(ScoreBound::PosInf, 4.0).rev().limit(0, -1),
        )
        .unwrap();
    assert_eq!(v, pairs(&[("e", 5.0), ("d", 4.0)]));
    let v: Vec<String> = r
        .zrange_by(
            "lex",
            ZRange::by_lex(LexBound::exclusive("b"), LexBound::inclusive("d")),
        )
        .unwrap();
    assert_eq!(v, strings(&["c", "d"]));
    let v: Vec<String> = r
        .zrange_by(
            "lex",
            ZRange::by_lex(LexBound::Max, LexBound::Min)
                .rev()
                .limit(0, 2),
        )
        .unwrap();
    assert_eq!(v, strings(&["g", "f"]));

    // The older forms.
    let v: Vec<String> = r.zrangebyscore("z", 2.0, 3.0, None).unwrap();
    assert_eq!(v, strings(&["b", "c"]));
    let v: Vec<String> = r
        .zrangebyscore("z", ScoreBound::NegInf, ScoreBound::PosInf, Some((3, 10)))
        .unwrap();
    assert_eq!(v, strings(&["d", "e"]));
    let v: Vec<(String, f64)> = r
        .zrangebyscore_withscores("z", ScoreBound::exclusive(4.0), f64::INFINITY, None)
        .unwrap();
    assert_eq!(v, pairs(&[("e", 5.0)]));
    let v: Vec<String> = r
        .zrevrangebyscore("z", 5.0, ScoreBound::exclusive(3.0), None)
        .unwrap();
    assert_eq!(v, strings(&["e", "d"]));
    let v: Vec<(String, f64)> = r
        .zrevrangebyscore_withscores("z", ScoreBound::PosInf, ScoreBound::NegInf, Some((1, 1)))
        .unwrap();
    assert_eq!(v, pairs(&[("d", 4.0)]));
    let v: Vec<String> = r
        .zrangebylex("lex", LexBound::Min, LexBound::exclusive("c"), None)
        .unwrap();
    assert_eq!(v, strings(&["a", "b"]));
    let v: Vec<String> = r
        .zrangebylex("lex", LexBound::inclusive("c"), LexBound::Max, Some((1, 2)))
        .unwrap();
    assert_eq!(v, strings(&["d", "e"]));
    let v: Vec<String> = r
        .zrevrangebylex("lex", LexBound::Max, LexBound::inclusive("e"), Some((0, 2)))
        .unwrap();
    assert_eq!(v, strings(&["g", "f"]));

    assert_eq!(
        r.zrangestore("dst", "z", ZRange::by_score(2.0, 4.0))
            .unwrap(),
        3
    );
    let v: Vec<String> = r.zrange("dst", 0, -1).unwrap();
    assert_eq!(v, strings(&["b", "c", "d"]));
    assert_eq!(
        r.zrangestore(
            "dst",
            "lex",
            ZRange::by_lex(LexBound::Max, LexBound::Min)
                .rev()
                .limit(0, 1)
        )
        .unwrap(),
        1
    );
    assert_eq!(r.zrange::<Vec<String>>("dst", 0, -1).unwrap(), ["g"]);

    // A bad bound is the server's error, not a panic.
    match r.zcount("z", f64::NAN, 1.0) {
        Err(Error::Server(_)) => {}
        other => panic!("NaN is refused by the server, got {other:?}"),
    }
}

#[test]
fn ranks_and_removals() {
    let server = RedisServer::start();
    let r = client(&server);
    five(&r);

    assert_eq!(r.zrank("z", "a").unwrap(), Some(0));
    assert_eq!(r.zrank("z", "e").unwrap(), Some(4));
    assert_eq!(r.zrevrank("z", "e").unwrap(), Some(0));
    assert_eq!(r.zrank("z", "nope").unwrap(), None);
    assert_eq!(r.zrevrank("missing", "a").unwrap(), None);

    assert_eq!(r.zrem("z", &["a", "nope"]).unwrap(), 1);
    assert_eq!(r.zrem("z", "b").unwrap(), 1);
    assert_eq!(r.zremrangebyrank("z", 0, 0).unwrap(), 1, "c");
    assert_eq!(
        r.zremrangebyscore("z", ScoreBound::exclusive(4.0), 10.0)
            .unwrap(),
        1,
        "e"
    );
    assert_eq!(r.zrange::<Vec<String>>("z", 0, -1).unwrap(), ["d"]);

    lex(&r);
    assert_eq!(
        r.zremrangebylex("lex", LexBound::inclusive("b"), LexBound::inclusive("d"))
            .unwrap(),
        3
    );
    assert_eq!(
        r.zrange::<Vec<String>>("lex", 0, -1).unwrap(),
        ["a", "e", "f", "g"]
    );
}

#[test]
fn pops_blocking_and_not() {
    let server = RedisServer::start();
    for r in [client(&server), resp3(&server)] {
        five(&r);
        assert_eq!(
            r.zpopmin::<String>("z", None).unwrap(),
            pairs(&[("a", 1.0)])
        );
        assert_eq!(
            r.zpopmax::<String>("z", None).unwrap(),
            pairs(&[("e", 5.0)])
        );
        assert_eq!(
            r.zpopmin::<String>("z", Some(2)).unwrap(),
            pairs(&[("b", 2.0), ("c", 3.0)])
        );
        assert_eq!(
            r.zpopmax::<String>("z", Some(5)).unwrap(),
            pairs(&[("d", 4.0)])
        );
        assert!(r.zpopmin::<String>("z", None).unwrap().is_empty());
        assert!(r.zpopmax::<String>("z", Some(3)).unwrap().is_empty());

        five(&r);
        let got: Option<(String, Vec<(String, f64)>)> =
            r.zmpop(&["missing", "z"], ZPopSide::Min, None).unwrap();
        assert_eq!(got, Some(("z".into(), pairs(&[("a", 1.0)]))));
        let got: Option<(String, Vec<(String, f64)>)> =
            r.zmpop("z", ZPopSide::Max, Some(2)).unwrap();
        assert_eq!(got, Some(("z".into(), pairs(&[("e", 5.0), ("d", 4.0)]))));
        let none: Option<(String, Vec<(String, f64)>)> =
            r.zmpop("missing", ZPopSide::Max, Some(2)).unwrap();
        assert_eq!(none, None);

        let got: Option<(String, String, f64)> = r.bzpopmin(&["missing", "z"], 5.0).unwrap();
        assert_eq!(got, Some(("z".into(), "b".into(), 2.0)));
        let got: Option<(String, String, f64)> = r.bzpopmax("z", 5.0).unwrap();
        assert_eq!(got, Some(("z".into(), "c".into(), 3.0)));
        r.zadd("z", &[("x", 7.0), ("y", 8.0)]).unwrap();
        let got: Option<(String, Vec<(String, f64)>)> = r
            .bzmpop(5.0, &["missing", "z"], ZPopSide::Min, Some(3))
            .unwrap();
        assert_eq!(got, Some(("z".into(), pairs(&[("x", 7.0), ("y", 8.0)]))));
        assert_eq!(server.raw_cmd(&["EXISTS", "z"]), "0");
    }

    // Nothing to pop: the blocking forms time out with None, even on a client whose own read
    // timeout (50 ms) is shorter than the server-side wait (they raise it for the call).
    let url = format!("{}?socket_timeout=0.05", server.url());
    let short2 = StrictRedis::from_url(&url).unwrap();
    let short3 = StrictRedis::from_url(&format!("{url}&protocol=3")).unwrap();
    for r in [short2, short3] {
        let none: Option<(String, String, f64)> = r.bzpopmin("z", 0.2).unwrap();
        assert_eq!(none, None);
        let none: Option<(String, String, f64)> = r.bzpopmax(&["z", "y"], 0.2).unwrap();
        assert_eq!(none, None);
        let none: Option<(String, Vec<(String, f64)>)> =
            r.bzmpop(0.2, "z", ZPopSide::Max, None).unwrap();
        assert_eq!(none, None);
        assert_eq!(r.zcard("z").unwrap(), 0);
    }
}

#[test]
fn bzpopmin_gets_a_member_added_by_another_thread() {
    let server = RedisServer::start();
    let r = client(&server);
    thread::scope(|s| {
        s.spawn(|| {
            assert!(wait_until(Duration::from_secs(20), || {
                server
                    .raw_cmd(&["INFO", "clients"])
                    .contains("blocked_clients:1")
            }));
            server.raw_cmd(&["ZADD", "tasks", "1.25", "t1"]);
        });
        let got: Option<(String, String, f64)> = r.bzpopmin("tasks", 30.0).unwrap();
        assert_eq!(got, Some(("tasks".into(), "t1".into(), 1.25)));
    });
}

#[test]
fn union_intersection_difference() {
    let server = RedisServer::start();
    let r = client(&server);
    r.zadd("z1", &[("a", 1.0), ("b", 2.0), ("c", 3.0)]).unwrap();
    r.zadd("z2", &[("b", 10.0), ("c", 20.0), ("d", 30.0)])
        .unwrap();
    let plain = ZCombineOptions::default;

    let v: Vec<String> = r.zunion(&["z1", "z2"], plain()).unwrap();
    assert_eq!(v, strings(&["a", "b", "c", "d"]));
    let v: Vec<(String, f64)> = r.zunion_withscores(&["z1", "z2"], plain()).unwrap();
    assert_eq!(
        v,
        pairs(&[("a", 1.0), ("b", 12.0), ("c", 23.0), ("d", 30.0)])
    );
    let v: Vec<(String, f64)> = r
        .zunion_withscores(
            &["z1", "z2"],
            plain().weights(&[2.0, 0.5]).aggregate(ZAggregate::Max),
        )
        .unwrap();
    assert_eq!(
        v,
        pairs(&[("a", 2.0), ("b", 5.0), ("c", 10.0), ("d", 15.0)])
    );

    let v: BTreeSet<String> = r.zinter(&["z1", "z2"], plain()).unwrap();
    assert_eq!(v, BTreeSet::from(["b".into(), "c".into()]));
    let v: Vec<(String, f64)> = r
        .zinter_withscores(&["z1", "z2"], plain().aggregate(ZAggregate::Min))
        .unwrap();
    assert_eq!(v, pairs(&[("b", 2.0), ("c", 3.0)]));
    let v: Vec<(String, f64)> = r
        .zinter_withscores(&["z1", "z2"], plain().aggregate(ZAggregate::Sum))
        .unwrap();
    assert_eq!(v, pairs(&[("b", 12.0), ("c", 23.0)]));
    assert_eq!(r.zintercard(&["z1", "z2"], None).unwrap(), 2);
    assert_eq!(r.zintercard(&["z1", "z2"], Some(1)).unwrap(), 1);

    let v: Vec<String> = r.zdiff(&["z1", "z2"]).unwrap();
    assert_eq!(v, strings(&["a"]));
    let v: Vec<(String, f64)> = r.zdiff_withscores(&["z2", "z1"]).unwrap();
    assert_eq!(v, pairs(&[("d", 30.0)]));

    assert_eq!(r.zunionstore("u", &["z1", "z2"], plain()).unwrap(), 4);
    assert_eq!(r.zscore("u", "c").unwrap(), Some(23.0));
    assert_eq!(
        r.zinterstore("i", &["z1", "z2"], plain().weights(&[1.0, 0.0]))
            .unwrap(),
        2
    );
    assert_eq!(r.zscore("i", "c").unwrap(), Some(3.0));
    assert_eq!(r.zdiffstore("d", &["z1", "z2"]).unwrap(), 1);
    assert_eq!(r.zscore("d", "a").unwrap(), Some(1.0));
}

#[test]
fn random_members_and_scan() {
    let server = RedisServer::start();
    let members: Vec<(String, f64)> = (0..1000).map(|i| (format!("m{i}"), i as f64)).collect();
    client(&server).zadd("big", &members).unwrap();
    let expected: HashMap<String, f64> = members.iter().cloned().collect();

    for r in [client(&server), resp3(&server)] {
        five(&r);
        let one: Option<String> = r.zrandmember("z").unwrap();
        assert!(matches!(one.as_deref(), Some("a" | "b" | "c" | "d" | "e")));
        let none: Option<String> = r.zrandmember("missing").unwrap();
        assert_eq!(none, None);
        let three: HashSet<String> = r.zrandmember_count("z", 3).unwrap();
        assert_eq!(three.len(), 3);
        let many: Vec<String> = r.zrandmember_count("z", -8).unwrap();
        assert_eq!(many.len(), 8);
        let scored: Vec<(String, f64)> = r.zrandmember_withscores("z", 5).unwrap();
        let scored: HashMap<String, f64> = scored.into_iter().collect();
        assert_eq!(scored["c"], 3.0);
        assert_eq!(scored.len(), 5);

        let (seen, calls): (HashMap<String, f64>, _) = scan_to_end(|cursor| {
            r.zscan::<Vec<(String, f64)>>("big", cursor, ZScanOptions::default().count(100))
                .unwrap()
        });
        assert!(calls > 1);
        assert_eq!(seen, expected);

        let (matched, _): (HashMap<String, f64>, _) = scan_to_end(|cursor| {
            let opts = ZScanOptions::default().pattern("m99?").count(500);
            r.zscan::<HashMap<String, f64>>("big", cursor, opts)
                .unwrap()
        });
        assert_eq!(matched.len(), 10);
        assert_eq!(matched["m995"], 995.0);
    }
}

#[test]
fn resp2_and_resp3_give_the_same_scores() {
    let server = RedisServer::start();
    let (r2, r3) = (client(&server), resp3(&server));
    // Scores that need every digit, and the infinities.
    let odd = [
        ("third", 1.0 / 3.0),
        ("sum", 0.1 + 0.2),
        ("tiny", 5e-324),
        ("huge", 1.7976931348623157e308),
        ("neg", -2.5),
        ("inf", f64::INFINITY),
        ("-inf", f64::NEG_INFINITY),
    ];
    r2.zadd("z", &odd).unwrap();

    let w2: Vec<(String, f64)> = r2.zrange_withscores("z", 0, -1).unwrap();
    let w3: Vec<(String, f64)> = r3.zrange_withscores("z", 0, -1).unwrap();
    assert_eq!(w2, w3);
    assert_eq!(w2.len(), odd.len());
    for (m, s) in odd {
        assert_eq!(r2.zscore("z", m).unwrap(), Some(s), "{m} over RESP2");
        assert_eq!(r3.zscore("z", m).unwrap(), Some(s), "{m} over RESP3");
    }
    let members: Vec<&str> = odd.iter().map(|(m, _)| *m).collect();
    assert_eq!(
        r2.zmscore("z", &members).unwrap(),
        r3.zmscore("z", &members).unwrap()
    );
    let b2: Vec<(String, f64)> = r2
        .zrange_by_withscores(
            "z",
            ZRange::by_score(ScoreBound::NegInf, ScoreBound::PosInf),
        )
        .unwrap();
    let b3: Vec<(String, f64)> = r3
        .zrange_by_withscores(
            "z",
            ZRange::by_score(ScoreBound::NegInf, ScoreBound::PosInf),
        )
        .unwrap();
    assert_eq!(b2, b3);
    assert_eq!(b2, w2);

    assert_eq!(r2.zincrby("z", 0.0, "third").unwrap(), 1.0 / 3.0);
    assert_eq!(r3.zincrby("z", 0.0, "third").unwrap(), 1.0 / 3.0);
    assert_eq!(
        r2.zadd_incr("z", "sum", 0.0, ZAddOptions::default())
            .unwrap(),
        r3.zadd_incr("z", "sum", 0.0, ZAddOptions::default())
            .unwrap()
    );

    // ZPOPMIN: a flat [member, score] reply (RESP2, and RESP3 without a count) or an array
    // of pairs (RESP3 with a count) give the same Vec<(M, f64)>.
    r2.zadd("p", &[("a", 0.5), ("b", 1.5), ("c", 2.5), ("d", 3.5)])
        .unwrap();
    let p2 = r2.zpopmin::<String>("p", None).unwrap();
    let p3 = r3.zpopmin::<String>("p", None).unwrap();
    assert_eq!((p2, p3), (pairs(&[("a", 0.5)]), pairs(&[("b", 1.5)])));
    let p2 = r2.zpopmin::<String>("p", Some(1)).unwrap();
    let p3 = r3.zpopmin::<String>("p", Some(1)).unwrap();
    assert_eq!((p2, p3), (pairs(&[("c", 2.5)]), pairs(&[("d", 3.5)])));

    let m2: HashMap<String, f64> = r2
        .zrange_withscores("z", 0, -1)
        .unwrap()
        .into_iter()
        .collect();
    let r3w: Vec<(String, f64)> = r3.zrandmember_withscores("z", -3).unwrap();
    for (m, s) in r3w {
        assert_eq!(m2[&m], s);
    }
}

#[test]
fn pipeline_queues_sorted_set_commands() {
    let server = RedisServer::start();
    let r = client(&server);
    let mut p = r.pipeline();
    p.zadd("z", &[("a", 1.0)])
        .zadd_incr("z", "a", 1.0, ZAddOptions::default().nx())
        .zincrby("z", 2.0, "a")
        .zscore("z", "a")
        .zrank("z", "nope");
    let (added, blocked, after, score, rank): (u64, Option<f64>, f64, Option<f64>, Option<u64>) =
        p.execute().unwrap();
    assert_eq!(
        (added, blocked, after, score, rank),
        (1, None, 3.0, Some(3.0), None)
    );
}

// ---- Valkey 9.1: ZRANK WITHSCORE and ZSCAN NOSCORES ----------------------------------------

#[test]
fn valkey_rank_withscore_and_scan_noscores() {
    let server = RedisServer::start_valkey(&[]);
    for r in [client(&server), resp3(&server)] {
        five(&r);
        assert_eq!(r.zrank_withscore("z", "b").unwrap(), Some((1, 2.0)));
        assert_eq!(r.zrevrank_withscore("z", "b").unwrap(), Some((3, 2.0)));
        assert_eq!(r.zrank_withscore("z", "nope").unwrap(), None);
        assert_eq!(r.zrevrank_withscore("missing", "b").unwrap(), None);

        let (cursor, members): (u64, Vec<String>) =
            r.zscan("z", 0, ZScanOptions::default().noscores()).unwrap();
        assert_eq!(cursor, 0);
        assert_eq!(members, strings(&["a", "b", "c", "d", "e"]));
    }
}
