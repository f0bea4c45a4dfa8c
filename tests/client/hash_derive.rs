//! `#[derive(ToHash, FromHash)]` (the `strictredis-derive` crate of the workspace) against
//! a server: a struct written with HSET and read back with HGETALL over RESP2 and RESP3,
//! `Option` fields, renamed and skipped fields, and the errors for missing or mistyped
//! fields.

use strictredis_derive::{FromHash, ToHash};
use strictredis_test_kit::RedisServer;

use crate::util::{client, resp3, type_err};

#[derive(ToHash, FromHash, PartialEq, Debug, Clone)]
struct User {
    name: String,
    age: u32,
    score: f64,
    #[redis(rename = "e-mail")]
    email: Option<String>,
    avatar: Vec<u8>,
    #[redis(skip)]
    cached: bool,
}

fn ada() -> User {
    User {
        name: "Ada".into(),
        age: 36,
        score: 99.5,
        email: Some("ada@example.org".into()),
        avatar: vec![0, 159, 146, 150],
        cached: true,
    }
}

#[test]
fn a_struct_round_trips_through_a_hash() {
    let server = RedisServer::start();
    for r in [client(&server), resp3(&server)] {
        r.delete(["user:1", "user:2"]).unwrap();
        let written = ada();
        assert_eq!(
            r.hset_multiple("user:1", &written).unwrap(),
            5,
            "every field but `cached`"
        );
        assert_eq!(
            server.raw_cmd(&["HGET", "user:1", "e-mail"]),
            "ada@example.org"
        );
        assert_eq!(server.raw_cmd(&["HEXISTS", "user:1", "cached"]), "0");
        let read: User = r.hgetall("user:1").unwrap();
        assert_eq!(
            read,
            User {
                cached: false,
                ..written.clone()
            }
        );

        // `None` is not written, and a missing optional field reads as `None`.
        let quiet = User {
            email: None,
            ..ada()
        };
        r.hset_multiple("user:2", quiet.clone()).unwrap();
        assert_eq!(server.raw_cmd(&["HEXISTS", "user:2", "e-mail"]), "0");
        let read: User = r.hgetall("user:2").unwrap();
        assert_eq!(
            read,
            User {
                cached: false,
                ..quiet
            }
        );
    }
}

#[test]
fn missing_and_mistyped_fields_are_type_errors() {
    let server = RedisServer::start();
    let r = client(&server);
    server.raw_cmd(&[
        "HSET", "partial", "name", "Ada", "score", "1", "avatar", "x",
    ]);
    let m = type_err(r.hgetall::<User>("partial"));
    assert!(m.contains("User: missing field `age`"), "{m}");
    server.raw_cmd(&["HSET", "partial", "age", "old"]);
    let m = type_err(r.hgetall::<User>("partial"));
    assert!(m.contains("User.age: ") && m.contains("old"), "{m}");
    let m = type_err(r.hgetall::<User>("no-such-key"));
    assert!(m.contains("User: missing field"), "{m}");
    // The connection stays in step.
    server.raw_cmd(&["HSET", "partial", "age", "7"]);
    assert_eq!(r.hgetall::<User>("partial").unwrap().age, 7);
}
