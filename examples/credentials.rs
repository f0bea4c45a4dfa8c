//! Credentials that change: a `CredentialProvider` (here a value the "secrets manager"
//! updates) gives the password of an ACL user; the password is rotated while the client
//! works, and no command fails.
//!
//! ```text
//! cargo run --example credentials
//! ```
//!
//! It creates and changes an ACL user, so it always runs on a throwaway redis-server from
//! the test kit (never on `REDIS_URL`).

use std::error::Error;
use std::sync::{Arc, RwLock};
use std::time::Duration;

use strictredis::{cmd, CredentialProvider, Credentials, StrictRedis};
use strictredis_test_kit::RedisServer;

/// Stands for a secrets manager: the application's current password.
#[derive(Clone)]
struct Vault(Arc<RwLock<String>>);

impl CredentialProvider for Vault {
    fn credentials(&self) -> strictredis::Result<Credentials> {
        Ok(Credentials {
            username: Some("app".into()),
            password: self.0.read().expect("not poisoned").clone(),
        })
    }
}

fn main() -> Result<(), Box<dyn Error>> {
    let server = RedisServer::start();
    println!("throwaway redis-server on port {}", server.port());
    let admin = StrictRedis::from_url(&server.url())?;
    let acl = |rule: &str| -> strictredis::Result<()> {
        admin.execute_command(cmd("ACL").arg("SETUSER").arg("app").arg(rule))
    };
    acl("on")?;
    acl(">first-password")?;
    acl("~*")?;
    acl("+@all")?;

    let vault = Vault(Arc::new(RwLock::new("first-password".into())));
    let r = StrictRedis::builder()
        .url(&server.url())?
        .credential_provider(vault.clone())
        // Ask the provider again at most every 100 ms (and at every new connection).
        .credential_refresh_interval(Some(Duration::from_millis(100)))
        .build()?;
    r.set("greeting", "hello")?;
    println!(
        "as {}: GET greeting -> {:?}",
        whoami(&r)?,
        r.get::<String>("greeting")?
    );

    // The rotation: add the new password, switch the provider, remove the old one.
    acl(">second-password")?;
    *vault.0.write().expect("not poisoned") = "second-password".into();
    acl("<first-password")?;
    // Every connection of `app` is dropped: the pool opens new ones with the new password.
    admin.execute_command::<u64>(cmd("CLIENT").arg("KILL").arg("USER").arg("app"))?;

    for i in 0..3 {
        let v: String = r.get("greeting")?;
        println!("after the rotation ({i}): GET greeting -> {v:?}");
    }
    let log: Vec<strictredis::Value> = admin.execute_command(cmd("ACL").arg("LOG"))?;
    println!(
        "failed authentications in ACL LOG: {} (the old password was never used after the \
         switch)",
        log.len()
    );
    assert!(log.is_empty());
    Ok(())
}

/// The ACL user the connection is logged in as.
fn whoami(r: &StrictRedis) -> strictredis::Result<String> {
    r.execute_command(cmd("ACL").arg("WHOAMI"))
}
