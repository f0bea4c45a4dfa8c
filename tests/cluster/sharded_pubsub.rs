//! Sharded pub/sub through one cluster session (issue 16, point 4): `c.pubsub()` subscribes
//! shard channels of different slots, each on its slot's primary, merges their messages
//! into one `get_message` stream, and follows a CLUSTER FAILOVER, a slot move, a killed
//! connection and a killed primary; on real Redis 7.0 and Valkey 9.1 clusters.

// API.md writes multi-key arguments as `&[..]`; the tests use exactly that form.
#![allow(clippy::needless_borrows_for_generic_args)]

use strictredis_test_kit as common;

use std::collections::{BTreeMap, BTreeSet};
use std::time::{Duration, Instant};

use common::cluster::TestCluster;
use common::wait_until;
use strictredis::cluster::{key_slot, RedisCluster};
use strictredis::{MessageKind, PubSub};

/// How long the cluster may take to fail over or move a slot, and the session to follow.
const LIMIT: Duration = Duration::from_secs(30);

/// Everything the session handed out, by kind.
#[derive(Default)]
struct Seen {
    /// How many times each (channel, payload) of an `smessage` came.
    messages: BTreeMap<(String, String), u32>,
    /// The channels of `ssubscribe` and `sunsubscribe` confirmations, in order.
    subscribed: Vec<String>,
    unsubscribed: Vec<String>,
    /// The payloads of plain `message`s (`SUBSCRIBE`, on the session's own connection).
    plain: Vec<String>,
}

impl Seen {
    /// Reads whatever comes within `wait`, recording it.
    fn read(&mut self, ps: &mut PubSub, wait: Duration) {
        let until = Instant::now() + wait;
        while let Some(left) = until.checked_duration_since(Instant::now()) {
            let Some(m) = ps.get_message(left).expect("get_message") else {
                return;
            };
            let channel = m.channel_str().unwrap().to_string();
            match m.kind() {
                MessageKind::SMessage => {
                    let payload = m.payload_str().unwrap().to_string();
                    *self.messages.entry((channel, payload)).or_default() += 1;
                }
                MessageKind::SSubscribe => self.subscribed.push(channel),
                MessageKind::SUnsubscribe => self.unsubscribed.push(channel),
                MessageKind::Message => self.plain.push(m.payload_str().unwrap().to_string()),
                MessageKind::Subscribe => {}
                other => panic!("unexpected {other} message on {channel}"),
            }
        }
    }

    fn got(&self, channel: &str, payload: &str) -> bool {
        self.messages
            .contains_key(&(channel.to_string(), payload.to_string()))
    }
}

/// Three channels, in three slots served by three different primaries.
fn channels_on_three_primaries(cluster: &TestCluster) -> Vec<String> {
    let mut owners = BTreeSet::new();
    let mut out = Vec::new();
    for i in 0.. {
        let ch = format!("orders:{i}");
        if owners.insert(cluster.owner_of_slot(key_slot(ch.as_bytes()))) {
            out.push(ch);
        }
        if out.len() == 3 {
            return out;
        }
    }
    unreachable!()
}

/// Publishes `tag:1`, `tag:2`, ... on `channel` (errors while the cluster moves are
/// retried) until one of them comes out of `ps`; returns how long that took.
fn publish_until_seen(
    c: &RedisCluster,
    ps: &mut PubSub,
    seen: &mut Seen,
    channel: &str,
    tag: &str,
) -> Duration {
    let started = Instant::now();
    let mut sent = Vec::new();
    let mut last_error = None;
    loop {
        let payload = format!("{tag}:{}", sent.len() + 1);
        match c.spublish(channel, payload.as_str()) {
            Ok(_) => sent.push(payload),
            Err(e) => last_error = Some(e.to_string()),
        }
        seen.read(ps, Duration::from_millis(200));
        if sent.iter().any(|p| seen.got(channel, p)) {
            return started.elapsed();
        }
        assert!(
            started.elapsed() < LIMIT,
            "nothing published on {channel} came within {LIMIT:?} ({} published; last \
             error {last_error:?}; the client sends its slot to {:?})",
            sent.len(),
            c.node_for_slot(key_slot(channel.as_bytes()))
        );
    }
}

/// Publishes `payload` on the plain channel (`PUBLISH`, errors while a node is down
/// retried) until it comes out of `ps`.
fn plain_heard(c: &RedisCluster, ps: &mut PubSub, seen: &mut Seen, payload: &str) {
    let before = seen.plain.len();
    assert!(
        wait_until(LIMIT, || {
            let _ = c.publish("plain", payload);
            seen.read(ps, Duration::from_millis(100));
            seen.plain[before..].iter().any(|p| p == payload)
        }),
        "{payload:?} on the plain channel never came"
    );
}

/// The whole scenario, over RESP `protocol` (2: arrays, 3: push frames).
fn sharded_session_follows_its_slots(cluster: TestCluster, protocol: u8) {
    let url = format!("{}?protocol={protocol}", cluster.url());
    let c = RedisCluster::from_urls(&[url]).unwrap();
    let chans = channels_on_three_primaries(&cluster);
    let mut ps = c.pubsub();
    ps.ssubscribe(&chans).unwrap();
    let mut seen = Seen::default();
    assert!(
        wait_until(LIMIT, || {
            seen.read(&mut ps, Duration::from_millis(100));
            seen.subscribed.len() >= 3
        }),
        "confirmations: {:?}",
        seen.subscribed
    );
    let mut confirmed = seen.subscribed.clone();
    confirmed.sort();
    assert_eq!(confirmed, chans, "one ssubscribe confirmation per channel");
    // Each channel is subscribed on its own slot's primary, once.
    for ch in &chans {
        let owner = cluster.owner_of_slot(key_slot(ch.as_bytes()));
        let n = cluster
            .node(owner)
            .raw_cmd(&["PUBSUB", "SHARDNUMSUB", ch.as_str()]);
        assert_eq!(n, format!("{ch}\n1"), "on {owner}");
    }
    assert_eq!(ps.shard_channels().count(), 3);

    // One published message per channel, all out of the one stream.
    for ch in &chans {
        let receivers: u64 = c.spublish(ch.as_str(), "first").unwrap();
        assert_eq!(receivers, 1, "{ch}");
    }
    assert!(wait_until(LIMIT, || {
        seen.read(&mut ps, Duration::from_millis(100));
        chans.iter().all(|ch| seen.got(ch, "first"))
    }));

    // A plain channel in the same session: its connection is read in turn with the others.
    ps.subscribe(&["plain"]).unwrap();
    plain_heard(&c, &mut ps, &mut seen, "classic");

    // 1. CLUSTER FAILOVER of the first channel's shard.
    let old = cluster.owner_of_slot(key_slot(chans[0].as_bytes()));
    let heir = cluster.replica_of(old);
    assert_eq!(cluster.node(heir).raw_cmd(&["CLUSTER", "FAILOVER"]), "OK");
    assert!(
        wait_until(LIMIT, || cluster
            .cluster_nodes()
            .iter()
            .any(|n| n.port == heir && n.is_primary() && !n.slots.is_empty())),
        "the replica {heir} was not promoted"
    );
    let took = publish_until_seen(&c, &mut ps, &mut seen, &chans[0], "after-failover");
    eprintln!("{}: followed a failover in {took:.1?}", chans[0]);
    let subscribers = |port: u16, ch: &str| {
        let reply = cluster.node(port).raw_cmd(&["PUBSUB", "SHARDNUMSUB", ch]);
        reply.rsplit('\n').next().unwrap_or_default().to_string()
    };
    // Subscribed on the new primary, and no longer on the old one (now its replica).
    let moved = |to: u16, from: u16, ch: &str| {
        wait_until(LIMIT, || {
            subscribers(to, ch) == "1" && subscribers(from, ch) == "0"
        })
    };
    assert!(
        moved(heir, old, &chans[0]),
        "subscribers on the new primary {heir}: {}, on the old one {old}: {}",
        subscribers(heir, &chans[0]),
        subscribers(old, &chans[0])
    );

    // 2. The second channel's slot moves to another primary.
    let slot = key_slot(chans[1].as_bytes());
    let from = cluster.owner_of_slot(slot);
    let to = cluster
        .primary_ports()
        .into_iter()
        .find(|&p| p != from)
        .unwrap();
    cluster.move_slot(slot, to);
    let took = publish_until_seen(&c, &mut ps, &mut seen, &chans[1], "after-move");
    eprintln!("{}: followed slot {slot} in {took:.1?}", chans[1]);
    assert!(
        moved(to, from, &chans[1]),
        "subscribers on the slot's new owner {to}: {}, on the old one {from}: {}",
        subscribers(to, &chans[1]),
        subscribers(from, &chans[1])
    );

    // 3. The third channel never moved and still works.
    publish_until_seen(&c, &mut ps, &mut seen, &chans[2], "unmoved");

    // 4. The user's own SUNSUBSCRIBE is confirmed, and that channel hears nothing more.
    ps.sunsubscribe(&[chans[2].as_str()]).unwrap();
    assert!(wait_until(LIMIT, || {
        seen.read(&mut ps, Duration::from_millis(100));
        seen.unsubscribed.contains(&chans[2])
    }));
    assert_eq!(ps.shard_channels().count(), 2);
    let receivers: u64 = c.spublish(chans[2].as_str(), "unheard").unwrap();
    assert_eq!(receivers, 0);
    // The others still do.
    publish_until_seen(&c, &mut ps, &mut seen, &chans[0], "last");
    publish_until_seen(&c, &mut ps, &mut seen, &chans[1], "last");
    seen.read(&mut ps, Duration::from_millis(300));
    assert!(!seen.got(&chans[2], "unheard"));

    // 5. The connection to a channel's node is killed: subscribed again there.
    // Our one shard connection there, and the plain channel's if it is on that node.
    let plain_there = cluster.node(to).raw_cmd(&["PUBSUB", "NUMSUB", "plain"]) == "plain\n1";
    let killed = cluster
        .node(to)
        .raw_cmd(&["CLIENT", "KILL", "TYPE", "pubsub"]);
    assert_eq!(killed, if plain_there { "2" } else { "1" }, "on {to}");
    publish_until_seen(&c, &mut ps, &mut seen, &chans[1], "after-client-kill");
    assert!(moved(to, from, &chans[1]));
    plain_heard(&c, &mut ps, &mut seen, "after-client-kill");

    // 6. A channel's primary dies (kill -9): subscribed on the replica that replaces it.
    cluster.node(heir).kill9();
    let took = publish_until_seen(&c, &mut ps, &mut seen, &chans[0], "after-kill-9");
    eprintln!("{}: followed a kill -9 in {took:.1?}", chans[0]);
    let owner = cluster.owner_of_slot(key_slot(chans[0].as_bytes()));
    assert_eq!(
        owner, old,
        "the old primary, a replica since step 1, took over again"
    );
    assert_eq!(subscribers(owner, &chans[0]), "1");
    // The plain channel too, wherever its connection was (perhaps on the dead node).
    plain_heard(&c, &mut ps, &mut seen, "after-kill-9");

    // Every published message came at most once.
    let twice: Vec<_> = seen.messages.iter().filter(|(_, &n)| n > 1).collect();
    assert!(twice.is_empty(), "duplicates: {twice:?}");
    assert!(
        seen.unsubscribed.iter().all(|ch| ch == &chans[2]),
        "only the user's own sunsubscribe is shown: {:?}",
        seen.unsubscribed
    );
}

#[test]
fn sharded_pubsub_follows_failover_slot_move_and_kills_redis_resp2() {
    let _heavy = crate::heavy();
    sharded_session_follows_its_slots(TestCluster::start(), 2);
}

#[test]
fn sharded_pubsub_follows_failover_slot_move_and_kills_valkey_resp3() {
    let _heavy = crate::heavy();
    sharded_session_follows_its_slots(TestCluster::start_valkey(), 3);
}
