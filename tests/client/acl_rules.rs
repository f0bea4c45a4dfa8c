//! The ACL rule builder and `acl_getuser`'s split fields (issue 12, point 13) on Redis 7.0
//! and Valkey 9.1: what the builder sends is what the server stores, and a user made with
//! it can do exactly what its rules say.

use strictredis::{AclRules, Error, StrictRedis};
use strictredis_test_kit::RedisServer;

fn rules_round_trip(server: &RedisServer) {
    let r = StrictRedis::from_url(&server.url()).unwrap();
    let rules = AclRules::new()
        .on()
        .add_password("pw1")
        .add_password("pw2")
        .remove_password("pw2")
        .allow_category("read")
        .deny_category("dangerous")
        .allow_command("set")
        .deny_command("keys")
        .key_pattern("app:*")
        .read_key_pattern("shared:*")
        .write_key_pattern("out:*")
        .channel_pattern("news.*")
        .selector(AclRules::new().allow_command("get").key_pattern("sel:*"));
    r.acl_setuser("alice", &rules).unwrap();
    let u = r.acl_getuser("alice").unwrap().expect("just created");
    assert!(u.enabled());
    assert_eq!(u.passwords.len(), 1, "pw2 was removed");
    assert!(u.categories().contains(&"+@read"), "{:?}", u.commands);
    // Valkey keeps `-@dangerous`; Redis 7.0 writes it out as the read commands it removes
    // (`-sort_ro`, ...). Either way the split puts each word on its side.
    assert!(
        u.categories().contains(&"-@dangerous")
            || u.command_rules()
                .iter()
                .any(|c| c.starts_with('-') && *c != "-keys"),
        "{:?}",
        u.commands
    );
    assert!(u.command_rules().contains(&"+set"), "{:?}", u.commands);
    assert!(u.command_rules().contains(&"-keys"), "{:?}", u.commands);
    assert_eq!(u.key_patterns(), ["~app:*", "%R~shared:*", "%W~out:*"]);
    assert_eq!(u.channel_patterns(), ["&news.*"]);
    assert_eq!(u.selectors.len(), 1);
    assert_eq!(u.selectors[0]["keys"], "~sel:*");
    assert!(u.selectors[0]["commands"].contains("+get"));

    // The user can do what the rules say, no more.
    let alice = StrictRedis::builder()
        .port(server.port())
        .username("alice")
        .password("pw1")
        .build()
        .unwrap();
    alice.set("app:1", "x").unwrap();
    let v: Option<String> = alice.get("sel:1").unwrap();
    assert_eq!(v, None, "allowed by the selector");
    assert!(matches!(alice.set("other", "x"), Err(Error::Server(_))));

    // off and nopass; reset.
    r.acl_setuser(
        "bob",
        AclRules::new().off().nopass().all_commands().all_keys(),
    )
    .unwrap();
    let bob = r.acl_getuser("bob").unwrap().unwrap();
    assert!(!bob.enabled());
    assert!(bob.flags.iter().any(|f| f == "nopass"));
    assert_eq!(bob.key_patterns(), ["~*"]);
    r.acl_setuser("bob", AclRules::new().reset()).unwrap();
    let bob = r.acl_getuser("bob").unwrap().unwrap();
    assert!(!bob.enabled());
    assert!(bob.key_patterns().is_empty());
    assert!(bob.channel_patterns().is_empty());
}

#[test]
fn acl_rules_round_trip_on_redis() {
    rules_round_trip(&RedisServer::start());
}

#[test]
fn acl_rules_round_trip_on_valkey() {
    rules_round_trip(&RedisServer::start_valkey(&[]));
}
