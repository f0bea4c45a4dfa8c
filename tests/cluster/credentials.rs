//! A cluster client with a `credential_provider`: every node's pool asks it, and when its
//! answer changes (another ACL user here), the open connections of every node authenticate
//! again; the old user is then deleted on every node and no command fails.

use std::sync::{Arc, RwLock};
use std::time::Duration;

use strictredis::cluster::RedisCluster;
use strictredis::Credentials;
use strictredis_test_kit::cluster::TestCluster;
use strictredis_test_kit::wait_until;

/// The `CLIENT LIST` lines of `user` on every node.
fn clients_of(cluster: &TestCluster, user: &str) -> usize {
    let field = format!(" user={user} ");
    cluster
        .nodes
        .iter()
        .map(|n| n.clients().iter().filter(|l| l.contains(&field)).count())
        .sum()
}

#[test]
fn every_node_follows_a_changed_answer() {
    let cluster = TestCluster::start_with(3, 0, &[]);
    for node in &cluster.nodes {
        for (user, pw) in [("first", ">pw1"), ("second", ">pw2")] {
            let r = node.raw_cmd(&["ACL", "SETUSER", user, "on", pw, "~*", "&*", "+@all"]);
            assert_eq!(r, "OK");
        }
    }
    let now = Arc::new(RwLock::new(Credentials {
        username: Some("first".into()),
        password: "pw1".into(),
    }));
    let answer = now.clone();
    let c = RedisCluster::builder()
        .node(&cluster.url())
        .credential_provider(move || Ok(answer.read().unwrap().clone()))
        .credential_refresh_interval(Some(Duration::from_millis(20)))
        .build()
        .unwrap();
    let keys: Vec<String> = (0..60).map(|i| format!("cred:{i}")).collect();
    let touch_all = || {
        for k in &keys {
            c.set(k, k).unwrap();
            assert_eq!(c.get::<String>(k).unwrap(), *k);
        }
    };
    touch_all();
    assert!(
        clients_of(&cluster, "first") >= 3,
        "one per primary at least"
    );
    *now.write().unwrap() = Credentials {
        username: Some("second".into()),
        password: "pw2".into(),
    };
    assert!(
        wait_until(Duration::from_secs(20), || {
            touch_all();
            clients_of(&cluster, "first") == 0
        }),
        "connections still logged in as `first`"
    );
    for node in &cluster.nodes {
        assert_eq!(node.raw_cmd(&["ACL", "DELUSER", "first"]), "1");
    }
    touch_all();
    assert!(clients_of(&cluster, "second") >= 3);
}
