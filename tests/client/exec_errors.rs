//! What an `Error::Pipeline` says about the other commands (issue 11.13), against a real
//! server: a plain pipeline (the others ran), a transaction whose command failed inside
//! EXEC (the others committed), and an EXECABORT (nothing ran).

use crate::util::client;
use strictredis_test_kit as common;

use common::RedisServer;
use strictredis::{cmd, Error, Pipeline, PipelineFailure, StrictRedis, Value};

/// The failure, index and text of an `Error::Pipeline`; panics on any other error.
fn failure_of(e: &Error) -> (PipelineFailure, usize, String) {
    match e {
        Error::Pipeline { index, failure, .. } => (*failure, *index, e.to_string()),
        other => panic!("expected Error::Pipeline, got {other:?}"),
    }
}

/// SET `a` 1, then `bad`, then SET `b` 2 on `p`; the error of its execution.
fn around(mut p: Pipeline, bad: strictredis::Cmd) -> Error {
    p.set("a", "1").queue(bad).set("b", "2");
    p.execute::<Vec<Value>>().unwrap_err()
}

/// Whether `a` and `b` were set.
fn applied(r: &StrictRedis) -> (bool, bool) {
    let a: Option<String> = r.get("a").unwrap();
    let b: Option<String> = r.get("b").unwrap();
    (a.is_some(), b.is_some())
}

#[test]
fn a_plain_pipeline_failure_says_pipeline() {
    let server = RedisServer::start();
    let r = client(&server);
    r.rpush("list", "x").unwrap();
    let e = around(r.pipeline_without_transaction(), cmd("INCR").key("list"));
    let (failure, index, text) = failure_of(&e);
    assert_eq!((failure, index), (PipelineFailure::Plain, 1));
    assert!(failure.others_applied());
    assert_eq!(e.pipeline_failure(), Some(PipelineFailure::Plain));
    assert!(
        text.starts_with("pipeline command #1 (INCR) failed: server error: WRONGTYPE"),
        "{text}"
    );
    assert_eq!(applied(&r), (true, true));
}

#[test]
fn a_command_failing_inside_exec_says_the_others_committed() {
    let server = RedisServer::start();
    let r = client(&server);
    r.rpush("list", "x").unwrap();
    let e = around(r.pipeline(), cmd("INCR").key("list"));
    let (failure, index, text) = failure_of(&e);
    assert_eq!((failure, index), (PipelineFailure::Committed, 1));
    assert!(failure.others_applied());
    assert!(
        text.starts_with("transaction command #1 (INCR) failed inside EXEC"),
        "{text}"
    );
    assert!(
        text.contains("every other command of the transaction was committed"),
        "{text}"
    );
    assert_eq!(e.server_error().unwrap().kind(), "WRONGTYPE");
    assert_eq!(applied(&r), (true, true), "Redis has no rollback");
}

#[test]
fn a_failure_inside_exec_of_transaction_says_the_others_committed() {
    let server = RedisServer::start();
    let r = client(&server);
    r.rpush("list", "x").unwrap();
    let e = r
        .transaction("a", |_, p| {
            p.set("a", "1").incr("list").set("b", "2");
            Ok(())
        })
        .unwrap_err();
    let (failure, index, text) = failure_of(&e);
    assert_eq!((failure, index), (PipelineFailure::Committed, 1), "{text}");
    assert_eq!(applied(&r), (true, true));
}

#[test]
fn an_execabort_says_nothing_was_applied() {
    let server = RedisServer::start();
    let r = client(&server);
    // SET with one argument is refused while queueing: EXEC answers EXECABORT.
    let e = around(r.pipeline(), cmd("SET").key("lonely"));
    let (failure, index, text) = failure_of(&e);
    assert_eq!((failure, index), (PipelineFailure::Discarded, 1), "{text}");
    assert!(!failure.others_applied());
    assert!(
        text.starts_with("transaction command #1 (SET) was refused"),
        "{text}"
    );
    assert!(text.contains("none of its commands was applied"), "{text}");
    assert!(e.is_server());
    assert!(!e.is_ambiguous());
    assert_eq!(applied(&r), (false, false));
}
