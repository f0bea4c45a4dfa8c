//! The connection group, command by command, against a real redis-server (and Valkey for
//! the subcommands Redis 7.0 does not have).

#![allow(clippy::needless_borrows_for_generic_args)]

use crate::util::{client, server_err};
use strictredis_test_kit as common;

use std::time::Duration;

use common::{wait_until, RedisServer};
use strictredis::commands::connection::{
    ClientFilter, ClientInfo, ClientNotFilter, ClientPauseMode, ClientReplyMode, ClientSetInfoAttr,
    ClientTrackingOptions, ClientType, ClientUnblockMode, HelloOptions,
};
use strictredis::{Error, StrictRedis};

const WAIT: Duration = Duration::from_secs(20);

fn named(server: &RedisServer, name: &str, extra: &str) -> StrictRedis {
    StrictRedis::from_url(&format!("{}?client_name={name}{extra}", server.url())).unwrap()
}

/// The fields of a client that do not depend on the protocol or on time.
fn stable(c: &ClientInfo) -> (u64, String, u32, String, String, String) {
    (
        c.id,
        c.name.clone(),
        c.db,
        c.flags.clone(),
        c.cmd.clone(),
        c.user.clone(),
    )
}

#[test]
fn ping_and_echo() -> Result<(), Error> {
    let server = RedisServer::start();
    let r = client(&server);
    assert_eq!(r.ping()?, "PONG");
    let back: String = r.echo("hello")?;
    assert_eq!(back, "hello");
    let bytes: Vec<u8> = r.echo(&b"\x00\xff"[..])?;
    assert_eq!(bytes, b"\x00\xff");
    Ok(())
}

#[test]
fn auth_with_password_and_user() -> Result<(), Error> {
    let server = RedisServer::start_with(&["--requirepass", "topsecret"]);
    let r = client(&server);
    let noauth = r.ping().unwrap_err();
    assert_eq!(noauth.server_error().unwrap().kind(), "NOAUTH");

    let mut conn = r.get_connection()?;
    assert_eq!(
        server_err(conn.auth(None, "wrong")),
        "WRONGPASS invalid username-password pair or user is disabled."
    );
    conn.auth(None, "topsecret")?;
    assert_eq!(conn.ping()?, "PONG");
    conn.acl_setuser("bob", &["on", ">bobpw", "~*", "+@all"])?;
    conn.auth(Some("bob"), "bobpw")?;
    assert_eq!(conn.acl_whoami()?, "bob");
    drop(conn);
    // AUTH changed who the connection is: the pool closed it instead of keeping it.
    assert_eq!(r.pool().free_size(), 0);
    assert!(
        r.ping().is_err(),
        "new connections are still unauthenticated"
    );
    Ok(())
}

#[test]
fn names_ids_and_client_info() -> Result<(), Error> {
    let server = RedisServer::start();
    let r = client(&server);
    let mut conn = r.get_connection()?;
    assert_eq!(conn.client_getname()?, None);
    conn.client_setname("conn-test")?;
    assert_eq!(conn.client_getname()?.as_deref(), Some("conn-test"));
    let id = conn.client_id()?;
    assert!(id > 0);
    let me = conn.client_info()?;
    assert_eq!(me.id as i64, id);
    assert_eq!(me.name, "conn-test");
    assert_eq!(me.db, 0);
    assert_eq!(me.cmd, "client|info");
    assert_eq!(me.user, "default");
    assert_eq!(me.resp, 2);
    assert!(me.addr.starts_with("127.0.0.1:"), "{me:?}");
    assert_eq!(me.laddr, server.addr());
    assert!(me.get("qbuf").is_some());
    drop(conn);

    // RESP3 (a verbatim string): the same typed result.
    let r2 = named(&server, "same", "");
    let r3 = named(&server, "same", "&protocol=3");
    let (c2, c3) = (r2.client_info()?, r3.client_info()?);
    assert_eq!(c3.resp, 3);
    assert_eq!(
        (c2.name.as_str(), c2.db, c2.flags.as_str(), c2.cmd.as_str()),
        (c3.name.as_str(), c3.db, c3.flags.as_str(), c3.cmd.as_str())
    );
    assert!(r.client_help()?.iter().any(|l| l.contains("SETNAME")));
    Ok(())
}

#[test]
fn client_list_parsed_and_filtered() -> Result<(), Error> {
    let server = RedisServer::start();
    let r = named(&server, "lister", "");
    let other = named(&server, "other", "");
    let other_id = other.client_id()?;

    let all = r.client_list(ClientFilter::default())?;
    let me = all
        .iter()
        .find(|c| c.name == "lister")
        .expect("our own client");
    assert_eq!(me.cmd, "client|list");
    assert!(me.flags.contains('N'), "{me:?}");
    let them = all
        .iter()
        .find(|c| c.name == "other")
        .expect("the other client");
    assert_eq!(them.id as i64, other_id);
    assert_eq!(them.cmd, "client|id");

    let by_id = r.client_list(ClientFilter {
        ids: vec![other_id as u64],
        ..ClientFilter::default()
    })?;
    assert_eq!(by_id.len(), 1);
    assert_eq!(by_id[0].name, "other");
    let normal = r.client_list(ClientFilter {
        client_type: Some(ClientType::Normal),
        ..ClientFilter::default()
    })?;
    assert!(normal.iter().any(|c| c.name == "lister"));
    let pubsub = r.client_list(ClientFilter {
        client_type: Some(ClientType::Pubsub),
        ..ClientFilter::default()
    })?;
    assert!(pubsub.is_empty(), "{pubsub:?}");
    let replicas = r.client_list(ClientFilter {
        client_type: Some(ClientType::Replica),
        ..ClientFilter::default()
    })?;
    assert!(replicas.is_empty());
    // Redis 7.0 filters CLIENT LIST by TYPE and ID only.
    let err = server_err(r.client_list(ClientFilter {
        user: Some("default".into()),
        ..ClientFilter::default()
    }));
    assert_eq!(err, "ERR syntax error");

    // RESP3 gives a verbatim string: the same list comes out.
    let r3 = named(&server, "lister3", "&protocol=3");
    let l3 = r3.client_list(ClientFilter {
        ids: vec![other_id as u64],
        ..ClientFilter::default()
    })?;
    assert_eq!(stable(&l3[0]), stable(&by_id[0]));
    let names: Vec<String> = r3
        .client_list(ClientFilter::default())?
        .into_iter()
        .map(|c| c.name)
        .collect();
    assert!(names.contains(&"lister3".to_string()));
    Ok(())
}

#[test]
fn client_kill_by_filters() -> Result<(), Error> {
    let server = RedisServer::start();
    let r = named(&server, "killer", "");
    let victims = named(&server, "victim", "");
    let mut v1 = victims.get_connection()?;
    let mut v2 = victims.get_connection()?;
    let id1 = v1.client_id()? as u64;
    let info2 = v2.client_info()?;

    assert_eq!(
        r.client_kill(ClientFilter {
            ids: vec![id1],
            ..ClientFilter::default()
        })?,
        1
    );
    assert!(v1.ping().is_err(), "the killed connection is closed");
    assert_eq!(
        r.client_kill(ClientFilter {
            addr: Some(info2.addr.clone()),
            laddr: Some(info2.laddr.clone()),
            client_type: Some(ClientType::Normal),
            user: Some("default".into()),
            ..ClientFilter::default()
        })?,
        1
    );
    assert!(v2.ping().is_err());
    // SKIPME no: the caller may kill itself (on a client of its own, so that the killed
    // connection is not handed out again before the server closed it).
    let own = named(&server, "suicidal", "");
    let mut me = own.get_connection()?;
    let my_addr = me.client_info()?.addr;
    assert_eq!(
        me.client_kill(ClientFilter {
            addr: Some(my_addr),
            skipme: Some(false),
            ..ClientFilter::default()
        })?,
        1
    );
    drop(me);
    assert_eq!(
        r.client_kill(ClientFilter {
            ids: vec![999_999],
            ..ClientFilter::default()
        })?,
        0
    );
    assert_eq!(
        server_err(r.client_kill(ClientFilter::default())),
        "ERR wrong number of arguments for 'client|kill' command"
    );
    Ok(())
}

#[test]
fn client_pause_and_unpause() -> Result<(), Error> {
    let server = RedisServer::start();
    let r = client(&server);
    r.client_pause(60_000, Some(ClientPauseMode::Write))?;
    // Reads still run; a write waits, blocked, until UNPAUSE.
    let _: Option<String> = r.get("k")?;
    let writer = named(&server, "writer", "");
    let t = std::thread::spawn(move || writer.set("k", "v"));
    assert!(wait_until(WAIT, || server
        .clients()
        .iter()
        .any(|c| c.contains("name=writer")
            && c.contains("cmd=set")
            && c.contains("flags=b"))));
    r.client_unpause()?;
    t.join().unwrap()?;
    let v: Option<String> = r.get("k")?;
    assert_eq!(v.as_deref(), Some("v"));
    r.client_pause(1, Some(ClientPauseMode::All))?;
    r.client_pause(1, None)?;
    r.client_unpause()?;
    Ok(())
}

#[test]
fn client_reply_off_skip_on() -> Result<(), Error> {
    let server = RedisServer::start();
    let r = client(&server);
    let mut conn = r.get_connection()?;
    conn.client_reply(ClientReplyMode::Off)?;
    conn.set("a", "1")?; // runs, but nothing comes back
    conn.set("b", "2")?;
    conn.client_reply(ClientReplyMode::On)?;
    let a: Option<String> = conn.get("a")?;
    assert_eq!(a.as_deref(), Some("1"));
    conn.client_reply(ClientReplyMode::Skip)?;
    conn.set("c", "3")?; // its reply is skipped
    let c: Option<String> = conn.get("c")?; // and this one is answered again
    assert_eq!(c.as_deref(), Some("3"));
    assert_eq!(conn.pending_replies(), 0);
    drop(conn);
    assert_eq!(
        r.pool().free_size(),
        0,
        "CLIENT REPLY taints the connection"
    );
    // Through the pool: returns at once, the connection is not reused.
    r.client_reply(ClientReplyMode::Off)?;
    assert_eq!(r.ping()?, "PONG");
    assert_eq!(server.raw_cmd(&["MGET", "a", "b", "c"]), "1\n2\n3");
    Ok(())
}

#[test]
fn client_tracking_caching_and_redirect() -> Result<(), Error> {
    let server = RedisServer::start();
    let r3 = StrictRedis::from_url(&format!("{}?protocol=3", server.url()))?;
    let mut conn = r3.get_connection()?;
    let info = conn.client_trackinginfo()?;
    assert_eq!(info.flags, vec!["off".to_string()]);
    assert_eq!(info.redirect, -1);
    assert_eq!(conn.client_getredir()?, -1);
    assert_eq!(
        server_err(conn.client_caching(true)),
        "ERR CLIENT CACHING can be called only when the client is in tracking mode with OPTIN or OPTOUT mode enabled"
    );

    conn.client_tracking(
        true,
        ClientTrackingOptions {
            optin: true,
            noloop: true,
            ..ClientTrackingOptions::default()
        },
    )?;
    conn.client_caching(true)?;
    let info = conn.client_trackinginfo()?;
    assert!(info.flags.iter().any(|f| f == "on"), "{info:?}");
    assert!(info.flags.iter().any(|f| f == "optin"), "{info:?}");
    assert!(info.flags.iter().any(|f| f == "caching-yes"), "{info:?}");
    assert_eq!(conn.client_getredir()?, 0);
    conn.client_tracking(false, ClientTrackingOptions::default())?;

    // Broadcast with prefixes, redirected to another client; RESP2 here.
    let r2 = client(&server);
    let target = r2.get_connection()?;
    let mut target = target;
    let target_id = target.client_id()? as u64;
    let mut conn2 = r2.get_connection()?;
    conn2.client_tracking(
        true,
        ClientTrackingOptions {
            redirect: Some(target_id),
            prefixes: vec!["user:".into(), "item:".into()],
            bcast: true,
            ..ClientTrackingOptions::default()
        },
    )?;
    let info = conn2.client_trackinginfo()?;
    assert!(info.flags.iter().any(|f| f == "bcast"), "{info:?}");
    assert_eq!(info.redirect, target_id as i64);
    let mut prefixes = info.prefixes.clone();
    prefixes.sort();
    assert_eq!(prefixes, vec!["item:", "user:"]);
    assert_eq!(conn2.client_getredir()?, target_id as i64);
    assert_eq!(target.ping()?, "PONG");
    Ok(())
}

#[test]
fn client_unblock_a_blocked_client() -> Result<(), Error> {
    let server = std::sync::Arc::new(RedisServer::start());
    let r = client(&server);
    for (mode, expect) in [
        (Some(ClientUnblockMode::Timeout), "(nil)"),
        (
            Some(ClientUnblockMode::Error),
            "-UNBLOCKED client unblocked via CLIENT UNBLOCK",
        ),
        (None, "(nil)"),
    ] {
        let s = server.clone();
        let t = std::thread::spawn(move || s.raw_cmd(&["BLPOP", "nothing-here", "0"]));
        let mut blocked = None;
        assert!(wait_until(WAIT, || {
            blocked = r
                .client_list(ClientFilter::default())
                .unwrap()
                .into_iter()
                .find(|c| c.cmd == "blpop");
            blocked.is_some()
        }));
        let id = blocked.unwrap().id;
        assert!(r.client_unblock(id, mode)?);
        assert_eq!(t.join().unwrap(), expect);
    }
    assert!(!r.client_unblock(r.client_id()? as u64, None)?);
    Ok(())
}

#[test]
fn client_no_evict() -> Result<(), Error> {
    let server = RedisServer::start();
    let r = client(&server);
    let mut conn = r.get_connection()?;
    conn.client_no_evict(true)?;
    assert!(conn.client_info()?.flags.contains('e'));
    conn.client_no_evict(false)?;
    assert!(!conn.client_info()?.flags.contains('e'));
    Ok(())
}

#[test]
fn hello_typed_on_resp2_and_resp3() -> Result<(), Error> {
    let server = RedisServer::start();
    let r = client(&server);
    let mut conn = r.get_connection()?;
    let h2 = conn.hello(None, HelloOptions::default())?;
    assert_eq!(h2.server, "redis");
    assert_eq!(h2.proto, 2);
    assert_eq!(h2.mode, "standalone");
    assert_eq!(h2.role, "master");
    assert_eq!(h2.id as i64, conn.client_id()?);
    let h3 = conn.hello(
        Some(3),
        HelloOptions {
            auth: Some(("default".into(), "any-password-works-for-nopass".into())),
            setname: Some("hello3".into()),
        },
    )?;
    assert_eq!(h3.proto, 3);
    assert_eq!(
        (h3.server.as_str(), h3.version.as_str()),
        (h2.server.as_str(), h2.version.as_str())
    );
    assert_eq!(conn.client_getname()?.as_deref(), Some("hello3"));
    assert_eq!(conn.client_info()?.resp, 3);
    assert_eq!(
        server_err(conn.hello(Some(4), HelloOptions::default())),
        "NOPROTO unsupported protocol version"
    );
    drop(conn);
    assert_eq!(r.pool().free_size(), 0, "HELLO taints the connection");
    Ok(())
}

#[test]
fn select_on_a_pooled_connection() -> Result<(), Error> {
    let server = RedisServer::start();
    let r = client(&server);
    let mut conn = r.get_connection()?;
    conn.select(3)?;
    assert_eq!(conn.db(), 3);
    conn.set("in-db-3", "yes")?;
    assert_eq!(conn.client_info()?.db, 3);
    drop(conn);
    // The pool does not keep a connection on another database.
    assert_eq!(r.pool().free_size(), 0);
    let mut conn = r.get_connection()?;
    assert_eq!(conn.db(), 0);
    let v: Option<String> = conn.get("in-db-3")?;
    assert_eq!(v, None);
    let db3 = StrictRedis::from_url(&server.url_db(3))?;
    let v: Option<String> = db3.get("in-db-3")?;
    assert_eq!(v.as_deref(), Some("yes"));
    assert_eq!(
        server_err(conn.select(100_000)),
        "ERR DB index is out of range"
    );
    Ok(())
}

#[test]
fn reset_and_quit() -> Result<(), Error> {
    let server = RedisServer::start();
    let r = client(&server);
    let mut conn = r.get_connection()?;
    conn.select(5)?;
    conn.client_setname("before-reset")?;
    assert_eq!(conn.reset()?, "RESET");
    assert_eq!(conn.db(), 0);
    let me = conn.client_info()?;
    assert_eq!((me.db, me.name.as_str()), (0, ""));
    drop(conn);

    let mut conn = r.get_connection()?;
    conn.quit()?;
    assert!(conn.ping().is_err(), "the server closed the connection");
    drop(conn);
    assert_eq!(r.ping()?, "PONG");
    Ok(())
}

#[test]
fn valkey_client_subcommands() -> Result<(), Error> {
    let server = RedisServer::start_valkey(&[]);
    let r = client(&server);
    let mut conn = r.get_connection()?;
    conn.client_setinfo(ClientSetInfoAttr::LibName, "strictredis")?;
    conn.client_setinfo(ClientSetInfoAttr::LibVer, "0.1.0")?;
    let me = conn.client_info()?;
    assert_eq!(me.get("lib-name"), Some("strictredis"));
    assert_eq!(me.get("lib-ver"), Some("0.1.0"));
    conn.client_no_touch(true)?;
    assert!(conn.client_info()?.flags.contains('T'));
    conn.client_no_touch(false)?;
    conn.client_capa(&["redirect"])?;
    assert_eq!(conn.client_info()?.get("capa"), Some("r"));
    assert_eq!(
        server_err(conn.client_import_source(true)),
        "ERR Server is not in import mode"
    );
    let tainted_id = conn.client_id()? as u64;
    drop(conn);
    // SETINFO, NO-TOUCH and CAPA changed that connection: it was closed, not pooled
    // (issue 11.11), and the next borrower has a connection of its own.
    let my_id = r.client_id()? as u64;
    assert_ne!(
        my_id, tainted_id,
        "a connection with changed settings is not reused"
    );

    // Valkey's extra CLIENT LIST / KILL filters, NOT- ones included.
    let other = named(&server, "valkey-other", "");
    let other_id = other.client_id()? as u64;
    let by_name = r.client_list(ClientFilter {
        name: Some("valkey-other".into()),
        user: Some("default".into()),
        db: Some(0),
        ..ClientFilter::default()
    })?;
    assert_eq!(by_name.len(), 1);
    assert_eq!(by_name[0].id, other_id);
    let not_other = r.client_list(ClientFilter {
        not: ClientNotFilter {
            ids: vec![other_id],
            ..ClientNotFilter::default()
        },
        ..ClientFilter::default()
    })?;
    assert!(not_other.iter().all(|c| c.id != other_id));
    assert!(!not_other.is_empty());
    assert_eq!(
        r.client_kill(ClientFilter {
            name: Some("valkey-other".into()),
            maxage: Some(1_000_000),
            ..ClientFilter::default()
        })?,
        0,
        "no client is that old"
    );
    assert_eq!(
        r.client_kill(ClientFilter {
            name: Some("valkey-other".into()),
            flags: Some("N".into()),
            ..ClientFilter::default()
        })?,
        1
    );
    // Several ids at once (Valkey); the caller itself is skipped.
    let third = named(&server, "valkey-third", "");
    let third_id = third.client_id()? as u64;
    assert_eq!(
        r.client_id()? as u64,
        my_id,
        "the pool reuses its one idle connection"
    );
    assert_eq!(
        r.client_kill(ClientFilter {
            ids: vec![my_id, third_id, 999_998],
            ..ClientFilter::default()
        })?,
        1
    );
    let h = r.hello(None, HelloOptions::default())?;
    assert_eq!(h.server, "valkey");
    assert!(h.modules.iter().any(|m| m.name == "lua"));
    Ok(())
}

#[test]
fn redis_7_0_lacks_the_newer_client_subcommands() {
    let server = RedisServer::start();
    let r = client(&server);
    assert_eq!(
        server_err(r.client_no_touch(true)),
        "ERR unknown subcommand 'NO-TOUCH'. Try CLIENT HELP."
    );
    assert_eq!(
        server_err(r.client_setinfo(ClientSetInfoAttr::LibName, "x")),
        "ERR unknown subcommand 'SETINFO'. Try CLIENT HELP."
    );
    assert_eq!(
        server_err(r.client_capa(&["redirect"])),
        "ERR unknown subcommand 'CAPA'. Try CLIENT HELP."
    );
}
