//! One face for both clients (issue 12, points 15 and 16): the `Commands` and
//! `PipelineCommands` traits on `StrictRedis` and `Pipeline`, and `strictredis::prelude`.
//! The cluster side is in tests/cluster/one_face.rs.

// API.md writes multi-key arguments as `&[..]`; the tests use exactly that form.
#![allow(clippy::needless_borrows_for_generic_args)]

use std::collections::HashMap;

use strictredis::prelude::*;
use strictredis_test_kit::RedisServer;

/// Generic over the client: only the trait's methods are used here.
fn enqueue<C: Commands>(c: &C, id: u64) -> strictredis::Result<u64> {
    c.hset(format!("job:{id}"), "state", "queued")?;
    c.rpush("jobs", &[id])
}

fn queue_pair<P: PipelineCommands>(p: &mut P) -> &mut P {
    p.set("p:a", "1").incr("p:a")
}

#[test]
fn the_commands_trait_runs_every_method_through_execute_command() {
    let server = RedisServer::start();
    let r = StrictRedis::from_url(&server.url()).unwrap();
    assert_eq!(enqueue(&r, 1).unwrap(), 1);
    assert_eq!(enqueue(&r, 2).unwrap(), 2);
    let job: HashMap<String, String> = Commands::hgetall(&r, "job:2").unwrap();
    assert_eq!(job["state"], "queued");
    let v: Option<String> =
        Commands::execute_command(&r, cmd("LINDEX").arg("jobs").arg(0)).unwrap();
    assert_eq!(v.as_deref(), Some("1"));
    // Reply types are the inherent methods' own: `ttl` is i64, `exists` u64.
    let t: i64 = Commands::ttl(&r, "jobs").unwrap();
    assert_eq!(t, -1);
    assert_eq!(Commands::exists(&r, &["jobs", "nope"]).unwrap(), 1);
}

#[test]
fn the_pipeline_trait_queues_and_executes() {
    let server = RedisServer::start();
    let r = StrictRedis::from_url(&server.url()).unwrap();
    let mut p = r.pipeline();
    queue_pair(&mut p).get("p:a");
    let (_, n, v): ((), i64, String) = PipelineCommands::execute(&mut p).unwrap();
    assert_eq!((n, v.as_str()), (2, "2"));
}

/// With the prelude (and so both traits) in scope, method calls on the concrete types
/// still resolve, without ambiguity, to the inherent methods.
#[test]
fn the_prelude_names_option_types_and_leaves_method_calls_unambiguous() {
    let server = RedisServer::start();
    let r = StrictRedis::from_url(&server.url()).unwrap();
    let was_set: bool = r.set_with("k", "v", SetOptions::new().nx()).unwrap();
    assert!(was_set);
    assert!(r.expire_with("k", 100, ExpireCondition::Nx).unwrap());
    r.rpush("src", &["a", "b"]).unwrap();
    let moved: Option<String> = r
        .lmove("src", "dst", ListDirection::Left, ListDirection::Right)
        .unwrap();
    assert_eq!(moved.as_deref(), Some("a"));
    let n: i64 = r.eval("return 7", NO_KEYS, NO_ARGS).unwrap();
    assert_eq!(n, 7);
    let keys: Vec<String> = r.keys("*").unwrap();
    assert_eq!(keys.len(), 3);
    let mut p = r.pipeline_without_transaction();
    p.get("k").ttl("k");
    let (v, t): (String, i64) = p.execute().unwrap();
    assert_eq!(v, "v");
    assert!(t > 0);
    // A conn from the pool has the `&mut` methods, untouched by the traits.
    let mut conn = r.get_connection().unwrap();
    let v: String = conn.get("k").unwrap();
    assert_eq!(v, "v");
    // Result in the prelude would shadow std's: it is not there.
    let std_result: Result<u8, String> = Ok(1);
    assert_eq!(std_result, Ok(1));
}
