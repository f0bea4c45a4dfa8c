//! The cluster client against a real Redis Cluster (3 primaries, 3 replicas) on loopback:
//! routing by slot, split commands, keyless policies, pipelines and transactions.

// API.md writes multi-key arguments as `&[..]`; the tests use exactly that form.
#![allow(clippy::needless_borrows_for_generic_args)]

use strictredis_test_kit as common;

use std::collections::HashSet;

use common::cluster::TestCluster;
use strictredis::cluster::{key_slot, RedisCluster};
use strictredis::commands::keys::ScanOptions;
use strictredis::{cmd, Error, Value};

fn client(cluster: &TestCluster) -> RedisCluster {
    RedisCluster::from_urls(&[cluster.url()]).expect("connect to the cluster")
}

#[test]
fn two_thousand_keys_across_all_slots() {
    let cluster = TestCluster::start();
    // A dead seed first: the client goes on to the next one.
    let dead = format!("redis://127.0.0.1:{}", common::free_port());
    let c = RedisCluster::from_urls(&[dead, cluster.url()]).unwrap();
    assert_eq!(c.primaries().len(), 3);
    assert_eq!(c.replicas().len(), 3);

    let keys: Vec<String> = (0..2000).map(|i| format!("key:{i}")).collect();
    for (i, k) in keys.iter().enumerate() {
        c.set(k, i as i64).unwrap();
    }
    let slots: HashSet<u16> = keys.iter().map(|k| key_slot(k.as_bytes())).collect();
    assert!(slots.len() > 1800, "keys cover {} slots", slots.len());
    for (i, k) in keys.iter().enumerate() {
        let v: Option<i64> = c.get(k).unwrap();
        assert_eq!(v, Some(i as i64), "{k}");
    }
    // Every primary holds its share, and exactly the keys of its slots.
    let mut total = 0;
    for port in cluster.primary_ports() {
        let n: u64 = cluster.node(port).raw_cmd(&["DBSIZE"]).parse().unwrap();
        assert!(n > 400, "primary {port} holds only {n} keys");
        total += n;
    }
    assert_eq!(total, 2000);
    for k in keys.iter().step_by(97) {
        let owner = cluster.owner_of_slot(key_slot(k.as_bytes()));
        assert_eq!(
            c.node_for_slot(key_slot(k.as_bytes())),
            Some(format!("127.0.0.1:{owner}"))
        );
        assert_ne!(
            cluster.node(owner).raw_cmd(&["EXISTS", k]),
            "0",
            "{k} on {owner}"
        );
    }

    // Keyless commands by their policy: DBSIZE sums, KEYS and SCAN cover every primary.
    let n: u64 = c.execute_command(cmd("DBSIZE")).unwrap();
    assert_eq!(n, 2000);
    assert_eq!(c.dbsize().unwrap(), 2000);
    let all: Vec<String> = c.execute_command(cmd("KEYS").arg("key:*")).unwrap();
    assert_eq!(all.len(), 2000);
    let all: HashSet<String> = c.keys("key:*").unwrap().into_iter().collect();
    assert_eq!(all, keys.iter().cloned().collect::<HashSet<_>>());
    // SCAN by hand: the cursor walks one primary after the other, then comes back to 0.
    let mut cursor = 0;
    let mut pages = 0;
    let mut by_hand = HashSet::new();
    loop {
        let (next, page): (u64, Vec<String>) = c
            .scan(cursor, ScanOptions::new().pattern("key:*").count(500))
            .unwrap();
        by_hand.extend(page);
        pages += 1;
        if next == 0 {
            break;
        }
        cursor = next;
    }
    assert_eq!(by_hand, all);
    assert!(pages >= 3, "{pages} pages for 3 primaries");
    let scanned: Vec<String> = c
        .scan_iter::<String>(Some("key:*"), Some(100))
        .collect::<Result<_, _>>()
        .unwrap();
    let unique: HashSet<&String> = scanned.iter().collect();
    assert_eq!(unique.len(), 2000);
    assert_eq!(unique, keys.iter().collect::<HashSet<_>>());
    assert_eq!(c.ping().unwrap(), "PONG");
}

#[test]
fn multi_key_commands_split_per_slot() {
    let cluster = TestCluster::start();
    let c = client(&cluster);
    let keys: Vec<String> = (0..300).map(|i| format!("mk:{i}")).collect();
    let pairs: Vec<(String, String)> = keys.iter().map(|k| (k.clone(), format!("v-{k}"))).collect();

    // MSET built by hand (no marked keys): split per slot from the key table.
    let mut mset = cmd("MSET");
    for (k, v) in &pairs {
        mset = mset.arg(k.as_str()).arg(v.as_str());
    }
    let () = c.execute_command(mset).unwrap();
    for (k, v) in pairs.iter().step_by(37) {
        let port = cluster.owner_of_slot(key_slot(k.as_bytes()));
        assert_eq!(cluster.node(port).raw_cmd(&["GET", k]), *v);
    }

    // MGET with a missing key in the middle: values come back in the caller's order.
    let mut asked: Vec<&str> = keys.iter().map(String::as_str).collect();
    asked.insert(150, "mk:missing");
    let got: Vec<Option<String>> = c.mget(&asked).unwrap();
    assert_eq!(got.len(), 301);
    for (k, v) in asked.iter().zip(&got) {
        if *k == "mk:missing" {
            assert_eq!(*v, None);
        } else {
            assert_eq!(v.as_deref(), Some(format!("v-{k}").as_str()));
        }
    }

    // The same over RESP3 (CLUSTER SHARDS then answers with maps).
    let resp3 = RedisCluster::from_urls(&[format!("{}?protocol=3", cluster.url())]).unwrap();
    assert_eq!(resp3.primaries().len(), 3);
    let got3: Vec<Option<String>> = resp3.mget(&asked).unwrap();
    assert_eq!(got3, got);

    // EXISTS counts a key named twice twice; DEL and UNLINK and TOUCH add up.
    let there: u64 = c.exists(&["mk:1", "mk:2", "mk:1", "nope"]).unwrap();
    assert_eq!(there, 3);
    let touched: u64 = c
        .execute_command(cmd("TOUCH").arg("mk:3").arg("mk:4").arg("nope"))
        .unwrap();
    assert_eq!(touched, 2);
    // MSET from the table (keys marked with key_values) splits the same way.
    let marked: Vec<(String, String)> = (0..50)
        .map(|i| (format!("mm:{i}"), i.to_string()))
        .collect();
    c.mset(&marked).unwrap();
    let back: Vec<Option<i64>> = c
        .mget(&marked.iter().map(|(k, _)| k).collect::<Vec<_>>())
        .unwrap();
    assert_eq!(back, (0..50).map(Some).collect::<Vec<_>>());
    assert_eq!(
        c.delete(&marked.iter().map(|(k, _)| k).collect::<Vec<_>>())
            .unwrap(),
        50
    );
    let gone: u64 = c.delete(&keys[..100]).unwrap();
    assert_eq!(gone, 100);
    let unlinked: u64 = c
        .execute_command(
            cmd("UNLINK")
                .arg(keys[100].as_str())
                .arg(keys[101].as_str())
                .arg("nope"),
        )
        .unwrap();
    assert_eq!(unlinked, 2);
    let n: u64 = c.execute_command(cmd("DBSIZE")).unwrap();
    assert_eq!(n, 198);

    // Commands that cannot be split are refused before any I/O.
    let before: u64 = cluster
        .primary_ports()
        .iter()
        .map(|&p| cluster.node(p).command_calls("msetnx"))
        .sum();
    let e = c
        .execute_command::<bool>(cmd("MSETNX").key("a").arg("1").key("b").arg("2"))
        .unwrap_err();
    assert!(
        matches!(e, Error::Cluster(ref m) if m.message().contains("MSETNX")),
        "{e}"
    );
    // The same, with keys found by COMMAND INFO (LMOVE is in no table of the client).
    let e = c
        .execute_command::<Value>(cmd("LMOVE").arg("a").arg("b").arg("LEFT").arg("RIGHT"))
        .unwrap_err();
    assert!(matches!(e, Error::Cluster(_)), "{e}");
    // ... and by COMMAND GETKEYS (SORT's keys depend on its arguments).
    let e = c
        .execute_command::<Value>(cmd("SORT").arg("a").arg("STORE").arg("b"))
        .unwrap_err();
    assert!(matches!(e, Error::Cluster(_)), "{e}");
    let after: u64 = cluster
        .primary_ports()
        .iter()
        .map(|&p| cluster.node(p).command_calls("msetnx"))
        .sum();
    assert_eq!(before, after);
    for k in ["a", "b"] {
        let port = cluster.owner_of_slot(key_slot(k.as_bytes()));
        assert_eq!(cluster.node(port).raw_cmd(&["EXISTS", k]), "0");
    }

    // With a hash tag, the same commands go through, to the right node.
    let ok: bool = c
        .execute_command(cmd("MSETNX").key("{t}a").arg("1").key("{t}b").arg("2"))
        .unwrap();
    assert!(ok);
    let moved: Value = c
        .execute_command(
            cmd("LMOVE")
                .arg("{t}l")
                .arg("{t}m")
                .arg("LEFT")
                .arg("RIGHT"),
        )
        .unwrap();
    assert_eq!(moved, Value::Nil);
    let n: u64 = c
        .execute_command(cmd("SORT").arg("{t}l").arg("STORE").arg("{t}dest"))
        .unwrap();
    assert_eq!(n, 0);
    let owner = cluster.owner_of_slot(key_slot(b"t"));
    assert_eq!(cluster.node(owner).raw_cmd(&["GET", "{t}b"]), "2");
}

#[test]
fn pipelines_and_hash_tagged_transactions() {
    let cluster = TestCluster::start();
    let c = client(&cluster);

    // A transaction on one slot: MULTI/EXEC on the node that serves {user:1}.
    let mut t = c.pipeline();
    t.set("{user:1}:name", "ada")
        .incr("{user:1}:visits")
        .incrby("{user:1}:visits", 10)
        .get("{user:1}:name");
    let ((), n1, n2, name): ((), i64, i64, String) = t.execute().unwrap();
    assert_eq!((n1, n2, name.as_str()), (1, 11, "ada"));
    let owner = cluster.owner_of_slot(key_slot(b"user:1"));
    assert_eq!(cluster.node(owner).command_calls("exec"), 1);

    // Keys of two slots in one transaction: refused, nothing sent.
    let mut t = c.pipeline();
    t.set("{user:1}:x", "1").set("{user:2}:x", "2");
    let e = t.execute::<Value>().unwrap_err();
    assert!(
        matches!(e, Error::Cluster(ref m) if m.message().contains("one hash slot")),
        "{e}"
    );
    assert_eq!(cluster.node(owner).raw_cmd(&["EXISTS", "{user:1}:x"]), "0");

    // A failing command inside EXEC is reported with its index.
    let mut t = c.pipeline();
    t.set("{user:1}:s", "x").incr("{user:1}:s");
    let e = t.execute::<Value>().unwrap_err();
    assert!(matches!(e, Error::Pipeline { index: 1, .. }), "{e}");

    // redis-py's transaction(): WATCH, read, queue, EXEC on the slot's node.
    let got: i64 = c
        .transaction(&["{acct}:balance"], |conn, pipe| {
            let cur: Option<i64> = conn.get("{acct}:balance")?;
            let next = cur.unwrap_or(0) + 5;
            pipe.set("{acct}:balance", next);
            Ok(next)
        })
        .unwrap();
    assert_eq!(got, 5);
    let v: Option<i64> = c.get("{acct}:balance").unwrap();
    assert_eq!(v, Some(5));
    let e = c
        .transaction(&["x1", "x2"], |_conn, _pipe| Ok(()))
        .unwrap_err();
    assert!(matches!(e, Error::Cluster(_)), "{e}");

    // A plain pipeline over many slots: replies in the caller's order.
    let mut p = c.pipeline_without_transaction();
    for i in 0..200 {
        p.set(format!("p:{i}"), i);
    }
    for i in 0..200 {
        p.get(format!("p:{i}"));
    }
    p.mget(&["p:1", "p:2", "p:3", "p:199"]);
    p.queue(cmd("DBSIZE"));
    let replies = p.execute_raw().unwrap();
    assert_eq!(replies.len(), 402);
    for i in 0..200 {
        assert_eq!(replies[200 + i], Value::Bulk(i.to_string().into_bytes()));
    }
    let mget: Vec<i64> = strictredis::FromValue::from_value(replies[400].clone()).unwrap();
    assert_eq!(mget, vec![1, 2, 3, 199]);
    assert!(matches!(replies[401], Value::Int(n) if n >= 200));
    // The commands went to every primary, each in one batch.
    for port in cluster.primary_ports() {
        assert!(cluster.node(port).command_calls("set") > 30);
    }
    // An error reply of one command does not stop the others.
    let mut p = c.pipeline_without_transaction();
    p.set("e:1", "x").incr("e:1").get("e:1");
    let raw = p.execute_raw().unwrap();
    assert!(matches!(raw[1], Value::Error(_)));
    assert_eq!(raw[2], Value::Bulk(b"x".to_vec()));
    let mut p = c.pipeline_without_transaction();
    p.set("e:1", "x").incr("e:1");
    assert!(matches!(
        p.execute::<Value>(),
        Err(Error::Pipeline { index: 1, .. })
    ));
}

#[test]
fn keyless_commands_follow_their_policy() {
    let cluster = TestCluster::start();
    let c = client(&cluster);
    for i in 0..100 {
        c.set(format!("k{i}"), i).unwrap();
    }

    // SCRIPT LOAD goes to every node, replicas included.
    let sha: String = c
        .execute_command(
            cmd("SCRIPT")
                .arg("LOAD")
                .arg("return redis.call('GET', KEYS[1])"),
        )
        .unwrap();
    for node in &cluster.nodes {
        assert_eq!(
            node.raw_cmd(&["SCRIPT", "EXISTS", &sha]),
            "1",
            "{}",
            node.port()
        );
    }
    assert_eq!(c.script_load("return 1").unwrap().len(), 40);
    let exists: Vec<bool> = c
        .execute_command(cmd("SCRIPT").arg("EXISTS").arg(sha.as_str()).arg("0000"))
        .unwrap();
    assert_eq!(exists, vec![true, false]);
    // Loaded on every node: SCRIPT EXISTS (AND over the primaries) says so.
    assert_eq!(c.script_exists(&[sha.as_str()]).unwrap(), vec![true]);
    // Forgotten by one primary (not the one that serves k42, used below): AND says no.
    let k42_owner = cluster.owner_of_slot(key_slot(b"k42"));
    let elsewhere = cluster
        .primary_ports()
        .into_iter()
        .find(|&p| p != k42_owner)
        .unwrap();
    cluster.node(elsewhere).raw_cmd(&["SCRIPT", "FLUSH"]);
    assert_eq!(c.script_exists(&[sha.as_str()]).unwrap(), vec![false]);
    // EVALSHA by hand: routed by its key (numkeys table), on the node that has the key.
    let v: Option<i64> = c
        .execute_command(cmd("EVALSHA").arg(sha.as_str()).arg(1u64).arg("k42"))
        .unwrap();
    assert_eq!(v, Some(42));

    // INFO and friends go to one node; CLUSTER COUNTKEYSINSLOT to the slot's owner.
    let info: String = c.execute_command(cmd("INFO").arg("server")).unwrap();
    assert!(info.contains("redis_version") || info.contains("valkey_version"));
    let slot = key_slot(b"k42");
    let n: u64 = c
        .execute_command(cmd("CLUSTER").arg("COUNTKEYSINSLOT").arg(slot as u64))
        .unwrap();
    assert_eq!(n, 1);

    // FLUSHALL empties every primary.
    c.flushall(None).unwrap();
    for port in cluster.primary_ports() {
        assert_eq!(cluster.node(port).raw_cmd(&["DBSIZE"]), "0");
    }
    let n: u64 = c.execute_command(cmd("DBSIZE")).unwrap();
    assert_eq!(n, 0);

    // A command the server does not know: its error comes back as is.
    let e = c
        .execute_command::<Value>(cmd("NOSUCHCOMMAND").arg("x"))
        .unwrap_err();
    assert!(e.is_server(), "{e}");
}

/// The next published message (skipping subscription confirmations), within 10 s.
fn next_message(ps: &mut strictredis::PubSub) -> strictredis::Message {
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    loop {
        assert!(std::time::Instant::now() < deadline, "no message came");
        if let Some(m) = ps
            .get_message(std::time::Duration::from_millis(200))
            .unwrap()
        {
            if !m.kind().is_subscription_change() {
                return m;
            }
        }
    }
}

#[test]
fn sharded_pubsub_goes_to_the_slot_owner() {
    use strictredis::MessageKind;
    let cluster = TestCluster::start();
    let c = client(&cluster);
    let channel = "news:{eu}";
    let owner = cluster.owner_of_slot(key_slot(channel.as_bytes()));

    // client_for_key gives a client on the owner, where SSUBSCRIBE must go.
    let node = c.client_for_key(channel).unwrap();
    match &node.pool().connection_info().addr {
        strictredis::ConnectionAddr::Tcp { port, .. } => assert_eq!(*port, owner),
        other => panic!("unexpected address {other:?}"),
    }
    let mut sharded = node.pubsub();
    sharded.ssubscribe(&[channel]).unwrap();
    assert!(common::wait_until(
        std::time::Duration::from_secs(10),
        || {
            cluster
                .node(owner)
                .raw_cmd(&["PUBSUB", "SHARDNUMSUB", channel])
                .ends_with("\n1")
        }
    ));

    let received: u64 = c.spublish(channel, "hello").unwrap();
    assert_eq!(received, 1);
    // Sent to the owner directly, not redirected there.
    for port in cluster.primary_ports() {
        let expect = u64::from(port == owner);
        assert_eq!(
            cluster.node(port).command_calls("spublish"),
            expect,
            "{port}"
        );
    }
    let m = next_message(&mut sharded);
    assert_eq!(m.kind(), MessageKind::SMessage);
    assert_eq!(
        (m.channel(), m.payload()),
        (channel.as_bytes(), b"hello".as_slice())
    );

    // Classic pub/sub: subscribe on one node, publish through another; the bus carries it.
    let mut classic = c.pubsub();
    classic.subscribe(&["plain"]).unwrap();
    let subscribed_on = cluster
        .primary_ports()
        .into_iter()
        .find(|&p| {
            cluster
                .node(p)
                .raw_cmd(&["PUBSUB", "NUMSUB", "plain"])
                .ends_with("\n1")
        })
        .expect("a node holds the subscription");
    let other = cluster
        .primary_ports()
        .into_iter()
        .find(|&p| p != subscribed_on)
        .unwrap();
    let receivers: u64 = c
        .client_for_node(&format!("127.0.0.1:{other}"))
        .unwrap()
        .publish("plain", "across")
        .unwrap();
    assert_eq!(receivers, 0, "the subscriber is on another node");
    let m = next_message(&mut classic);
    assert_eq!(m.kind(), MessageKind::Message);
    assert_eq!(m.payload(), b"across");
}

#[test]
fn ask_tryagain_and_moved_during_a_slot_migration() {
    let cluster = TestCluster::start();
    let c = client(&cluster);
    // Few retries, so that the TRYAGAIN case below gives up quickly.
    let impatient = RedisCluster::builder()
        .node(&cluster.url())
        .max_redirects(3)
        .build()
        .unwrap();
    let slot = key_slot(b"mig");
    let source = cluster.owner_of_slot(slot);
    let target = cluster
        .primary_ports()
        .into_iter()
        .find(|&p| p != source)
        .unwrap();
    let (source_id, target_id) = (cluster.node_id(source), cluster.node_id(target));
    c.set("{mig}:old", "on-source").unwrap();

    // Start migrating the slot by hand, as redis-cli does.
    let slot_arg = slot.to_string();
    assert_eq!(
        cluster
            .node(target)
            .raw_cmd(&["CLUSTER", "SETSLOT", &slot_arg, "IMPORTING", &source_id]),
        "OK"
    );
    assert_eq!(
        cluster
            .node(source)
            .raw_cmd(&["CLUSTER", "SETSLOT", &slot_arg, "MIGRATING", &target_id]),
        "OK"
    );

    // A new key: the source answers ASK, the client sends ASKING then SET to the target.
    c.set("{mig}:new", "on-target").unwrap();
    let on_target = cluster
        .node(target)
        .raw_cmds(&[&["ASKING"], &["GET", "{mig}:new"]]);
    assert_eq!(on_target[1].to_string(), "on-target");
    // The source still holds only the old key of the slot.
    assert_eq!(
        cluster
            .node(source)
            .raw_cmd(&["CLUSTER", "COUNTKEYSINSLOT", &slot_arg]),
        "1"
    );
    let v: Option<String> = c.get("{mig}:new").unwrap();
    assert_eq!(v.as_deref(), Some("on-target"));
    // A key still on the source is served there.
    let v: Option<String> = c.get("{mig}:old").unwrap();
    assert_eq!(v.as_deref(), Some("on-source"));
    // Keys split across both nodes: TRYAGAIN until the retry budget runs out.
    let e = impatient
        .mget::<Option<String>>(&["{mig}:old", "{mig}:new"])
        .unwrap_err();
    assert!(
        matches!(e, Error::Cluster(ref m) if m.message().contains("TRYAGAIN") && m.message().contains("3 redirections")),
        "{e}"
    );

    // Finish the migration: move the old key, then give the slot to the target everywhere.
    let port = target.to_string();
    assert_eq!(
        cluster.node(source).raw_cmd(&[
            "MIGRATE",
            "127.0.0.1",
            &port,
            "",
            "0",
            "5000",
            "KEYS",
            "{mig}:old"
        ]),
        "OK"
    );
    for p in cluster.primary_ports() {
        cluster
            .node(p)
            .raw_cmd(&["CLUSTER", "SETSLOT", &slot_arg, "NODE", &target_id]);
    }
    // The client still thinks the source owns the slot: MOVED sends it to the target.
    assert_eq!(c.node_for_slot(slot), Some(format!("127.0.0.1:{source}")));
    let both: Vec<Option<String>> = c.mget(&["{mig}:old", "{mig}:new"]).unwrap();
    assert_eq!(
        both,
        vec![Some("on-source".to_string()), Some("on-target".to_string())]
    );
    assert_eq!(c.node_for_slot(slot), Some(format!("127.0.0.1:{target}")));
}

#[test]
fn password_protected_cluster() {
    let secret = "s3cret-canary";
    let cluster = TestCluster::start_with(3, 1, &["--requirepass", secret, "--masterauth", secret]);
    let port = cluster.nodes[0].port();
    // The password in the URL, and one connection opened to each primary by build().
    let c = RedisCluster::builder()
        .node(&format!("redis://:{secret}@127.0.0.1:{port}"))
        .min_connections(1)
        .build()
        .unwrap();
    for p in cluster.primary_ports() {
        let ours = cluster
            .node(p)
            .raw_cmd(&["CLIENT", "LIST", "TYPE", "normal"])
            .lines()
            .filter(|l| !l.contains(common::RAW_CLIENT_NAME))
            .count();
        assert_eq!(ours, 1, "primary {p}");
    }
    for p in cluster.primary_ports() {
        assert_eq!(cluster.node(p).raw_cmd(&["CONFIG", "RESETSTAT"]), "OK");
    }
    for i in 0..50 {
        c.set(format!("auth:{i}"), i).unwrap();
    }
    assert_eq!(c.dbsize().unwrap(), 50);
    // Authenticated connections are reused: no new connection but the harness's own.
    for p in cluster.primary_ports() {
        let info = cluster.node(p).raw_cmd(&["INFO", "stats"]);
        let received: u64 = info
            .lines()
            .find_map(|l| l.strip_prefix("total_connections_received:"))
            .and_then(|n| n.trim().parse().ok())
            .unwrap();
        assert!(received <= 2, "primary {p}: {received} connections");
    }
    assert!(!format!("{c:?}").contains("canary"));
    // The password from the builder works the same.
    let b = RedisCluster::builder()
        .node(&format!("redis://127.0.0.1:{port}"))
        .password(secret)
        .read_from_replicas(true)
        .build()
        .unwrap();
    let v: Option<i64> = b.get("auth:7").unwrap();
    assert_eq!(v, Some(7));
    // A wrong password: every node refuses, and the error says so without the password.
    let e =
        RedisCluster::from_urls(&[format!("redis://:wrong-canary@127.0.0.1:{port}")]).unwrap_err();
    assert!(matches!(e, Error::Cluster(_)), "{e}");
    assert!(!e.to_string().contains("canary"), "{e}");
    assert!(e.to_string().contains("WRONGPASS"), "{e}");
}

#[test]
fn valkey_cluster() {
    let cluster = TestCluster::start_valkey();
    let c = client(&cluster);
    let info: String = c.execute_command(cmd("INFO").arg("server")).unwrap();
    assert!(info.contains("valkey_version:9."), "{info}");
    assert_eq!(c.primaries().len(), 3);
    assert_eq!(c.replicas().len(), 3);
    let keys: Vec<String> = (0..500).map(|i| format!("vk:{i}")).collect();
    let pairs: Vec<(&String, usize)> = keys.iter().zip(0..).collect();
    c.mset(&pairs).unwrap();
    let back: Vec<Option<usize>> = c.mget(&keys).unwrap();
    assert_eq!(back, (0..500).map(Some).collect::<Vec<_>>());
    for k in keys.iter().step_by(50) {
        let port = cluster.owner_of_slot(key_slot(k.as_bytes()));
        assert_ne!(cluster.node(port).raw_cmd(&["EXISTS", k]), "0");
    }
    assert_eq!(c.dbsize().unwrap(), 500);
    let mut t = c.pipeline();
    t.incr("{vk}:n").incr("{vk}:n");
    let (a, b): (i64, i64) = t.execute().unwrap();
    assert_eq!((a, b), (1, 2));
    assert_eq!(c.delete(&keys).unwrap(), 500);
}
