//! `Json<T>` (feature `json`) against a server: as an argument (SET, HSET, RPUSH, a
//! pipeline) and as a reply type, over RESP2 and RESP3, with its Type errors.

use std::collections::{BTreeMap, HashMap};

use serde::{Deserialize, Serialize};
use strictredis::{Json, StrictRedis};
use strictredis_test_kit::RedisServer;

use crate::util::{client, resp3, type_err};

#[derive(Serialize, Deserialize, PartialEq, Debug, Clone)]
struct User {
    name: String,
    age: u32,
    tags: Vec<String>,
}

fn ada() -> User {
    User {
        name: "Ada".into(),
        age: 36,
        tags: vec!["math".into()],
    }
}

#[test]
fn round_trips_as_argument_and_reply() {
    let server = RedisServer::start();
    for r in [client(&server), resp3(&server)] {
        r.set("user:1", Json(ada())).unwrap();
        assert_eq!(
            server.raw_cmd(&["GET", "user:1"]),
            r#"{"name":"Ada","age":36,"tags":["math"]}"#
        );
        let Json(back): Json<User> = r.get("user:1").unwrap();
        assert_eq!(back, ada());
        let missing: Option<Json<User>> = r.get("user:404").unwrap();
        assert!(missing.is_none());
        let found: Option<Json<User>> = r.get("user:1").unwrap();
        assert_eq!(found.map(Json::into_inner), Some(ada()));

        r.hset("h", "ada", Json(&ada())).unwrap();
        let fields: HashMap<String, Json<User>> = r.hgetall("h").unwrap();
        assert_eq!(fields["ada"].0, ada());

        r.delete(["l"]).unwrap();
        r.rpush("l", vec![Json(1u8), Json(2u8)]).unwrap();
        let items: Vec<Json<u8>> = r.lrange("l", 0, -1).unwrap();
        assert_eq!(items, vec![Json(1), Json(2)]);
        // Any JSON value, not only objects.
        r.set("n", Json(vec![1.5f64, -2.0])).unwrap();
        assert_eq!(r.get::<Json<Vec<f64>>>("n").unwrap().0, vec![1.5, -2.0]);
    }
}

#[test]
fn replies_that_are_not_json_for_the_type_are_type_errors() {
    let server = RedisServer::start();
    let r = client(&server);
    r.set("text", "not json").unwrap();
    let m = type_err(r.get::<Json<User>>("text"));
    assert!(m.contains("not JSON for") && m.contains("User"), "{m}");
    r.set("wrong", r#"{"name":"Ada","age":"old","tags":[]}"#)
        .unwrap();
    let m = type_err(r.get::<Json<User>>("wrong"));
    assert!(m.contains("invalid type: string \"old\""), "{m}");
    r.set("partial", r#"{"name":"Ada"}"#).unwrap();
    let m = type_err(r.get::<Json<User>>("partial"));
    assert!(m.contains("missing field `age`"), "{m}");
    let m = type_err(r.get::<Json<User>>("absent"));
    assert!(m.contains("got nil") && m.contains("Option<Json"), "{m}");
    // An integer reply is no JSON text.
    let m = type_err(r.execute_command::<Json<User>>(strictredis::cmd("INCR").arg("counter")));
    assert!(
        m.starts_with("expected JSON for") && m.contains("User, got"),
        "{m}"
    );
    // The connection is still in step.
    assert_eq!(r.get::<String>("text").unwrap(), "not json");
}

/// A value serde refuses: the command is not sent (nor a pipeline holding it).
#[test]
fn an_unserializable_argument_sends_nothing() {
    let server = RedisServer::start();
    let r: StrictRedis = client(&server);
    let mut bad = BTreeMap::new();
    bad.insert((1, 2), "tuple keys are not JSON object keys");
    let m = type_err(r.set("bad", Json(&bad)));
    assert!(m.contains("not serializable as JSON"), "{m}");
    assert_eq!(server.raw_cmd(&["EXISTS", "bad"]), "0");
    let mut p = r.pipeline();
    p.set("first", "1");
    p.set("bad", Json(&bad));
    let e = p.execute::<Vec<strictredis::Value>>().unwrap_err();
    assert!(e.to_string().contains("not serializable as JSON"), "{e}");
    assert_eq!(
        server.raw_cmd(&["EXISTS", "first"]),
        "0",
        "nothing of it was sent"
    );
    // The next command is not affected.
    r.set("good", Json(ada())).unwrap();
    assert_eq!(r.get::<Json<User>>("good").unwrap().0, ada());
}
