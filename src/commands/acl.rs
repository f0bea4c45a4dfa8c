//! [`AclRules`], a builder of `ACL SETUSER` rules, and [`AclUser`]'s fields split as
//! redis-py's `acl_getuser` splits them.
//!
//! ```no_run
//! use strictredis::AclRules;
//! # let r = strictredis::StrictRedis::from_url("redis://127.0.0.1/")?;
//! let rules = AclRules::new()
//!     .on()
//!     .add_password("s3cret")
//!     .allow_category("read")
//!     .allow_command("set")
//!     .key_pattern("app:*")
//!     .channel_pattern("news.*")
//!     .selector(AclRules::new().allow_command("get").read_key_pattern("shared:*"));
//! r.acl_setuser("alice", &rules)?;
//! let u = r.acl_getuser("alice")?.expect("just created");
//! assert!(u.enabled());
//! assert_eq!(u.key_patterns(), vec!["~app:*"]);
//! # Ok::<(), strictredis::Error>(())
//! ```

use std::fmt;

use super::server::AclUser;
use crate::args::ToArgs;

/// The rules of one `ACL SETUSER` call, in order; pass it (or `&it`) as the `rules`
/// argument of [`acl_setuser`](crate::StrictRedis::acl_setuser). `Debug` shows the rules
/// but never a password.
#[derive(Clone, Default, PartialEq, Eq)]
pub struct AclRules {
    rules: Vec<String>,
}

impl fmt::Debug for AclRules {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let shown: Vec<String> = self.rules.iter().map(|r| redacted(r)).collect();
        f.debug_tuple("AclRules").field(&shown).finish()
    }
}

/// A rule as `Debug` shows it: a password rule (also inside a selector) without its
/// password.
fn redacted(rule: &str) -> String {
    match rule.as_bytes().first() {
        Some(b'>') => ">***".into(),
        Some(b'<') => "<***".into(),
        Some(b'(') => rule
            .trim_matches(|c| c == '(' || c == ')')
            .split(' ')
            .map(redacted)
            .collect::<Vec<_>>()
            .join(" "),
        _ => rule.to_string(),
    }
}

impl AclRules {
    /// No rules: `ACL SETUSER name` with it creates a user that is off and may do nothing.
    pub fn new() -> AclRules {
        AclRules::default()
    }

    fn with(mut self, rule: String) -> AclRules {
        self.rules.push(rule);
        self
    }

    /// Any rule as the server spells it (`"on"`, `"+@all"`, `"%RW~cache:*"`, ...).
    pub fn rule(self, rule: impl Into<String>) -> AclRules {
        self.with(rule.into())
    }

    /// `on`: the user may log in.
    pub fn on(self) -> AclRules {
        self.with("on".into())
    }
    /// `off`: the user may not log in (existing connections stay).
    pub fn off(self) -> AclRules {
        self.with("off".into())
    }
    /// `nopass`: any password is accepted.
    pub fn nopass(self) -> AclRules {
        self.with("nopass".into())
    }
    /// `resetpass`: forget every password (and `nopass`).
    pub fn reset_pass(self) -> AclRules {
        self.with("resetpass".into())
    }
    /// `>password`: add a password.
    pub fn add_password(self, password: &str) -> AclRules {
        self.with(format!(">{password}"))
    }
    /// `<password`: remove a password.
    pub fn remove_password(self, password: &str) -> AclRules {
        self.with(format!("<{password}"))
    }
    /// `#hash`: add a password by its SHA-256 (64 hex digits).
    pub fn add_hashed_password(self, sha256_hex: &str) -> AclRules {
        self.with(format!("#{sha256_hex}"))
    }
    /// `!hash`: remove a password by its SHA-256.
    pub fn remove_hashed_password(self, sha256_hex: &str) -> AclRules {
        self.with(format!("!{sha256_hex}"))
    }
    /// `+@category`: allow a category (`read`, `write`, `all`, ...; without the `@`).
    pub fn allow_category(self, category: &str) -> AclRules {
        self.with(format!("+@{category}"))
    }
    /// `-@category`: deny a category.
    pub fn deny_category(self, category: &str) -> AclRules {
        self.with(format!("-@{category}"))
    }
    /// `+command` (or `+command|subcommand`): allow a command.
    pub fn allow_command(self, command: &str) -> AclRules {
        self.with(format!("+{command}"))
    }
    /// `-command`: deny a command.
    pub fn deny_command(self, command: &str) -> AclRules {
        self.with(format!("-{command}"))
    }
    /// `allcommands` (`+@all`).
    pub fn all_commands(self) -> AclRules {
        self.with("allcommands".into())
    }
    /// `nocommands` (`-@all`).
    pub fn no_commands(self) -> AclRules {
        self.with("nocommands".into())
    }
    /// `~pattern`: keys the user may read and write.
    pub fn key_pattern(self, pattern: &str) -> AclRules {
        self.with(format!("~{pattern}"))
    }
    /// `%R~pattern`: keys the user may only read (Redis 7.0.0+).
    pub fn read_key_pattern(self, pattern: &str) -> AclRules {
        self.with(format!("%R~{pattern}"))
    }
    /// `%W~pattern`: keys the user may only write (Redis 7.0.0+).
    pub fn write_key_pattern(self, pattern: &str) -> AclRules {
        self.with(format!("%W~{pattern}"))
    }
    /// `allkeys` (`~*`).
    pub fn all_keys(self) -> AclRules {
        self.with("allkeys".into())
    }
    /// `resetkeys`: forget every key pattern.
    pub fn reset_keys(self) -> AclRules {
        self.with("resetkeys".into())
    }
    /// `&pattern`: Pub/Sub channels the user may use.
    pub fn channel_pattern(self, pattern: &str) -> AclRules {
        self.with(format!("&{pattern}"))
    }
    /// `allchannels` (`&*`).
    pub fn all_channels(self) -> AclRules {
        self.with("allchannels".into())
    }
    /// `resetchannels`: forget every channel pattern.
    pub fn reset_channels(self) -> AclRules {
        self.with("resetchannels".into())
    }
    /// `(rules)`: a selector, a further set of command, key and channel rules that a
    /// command may match instead of the root ones (Redis 7.0.0+).
    pub fn selector(self, rules: AclRules) -> AclRules {
        let inner = rules.rules.join(" ");
        self.with(format!("({inner})"))
    }
    /// `clearselectors`: drop every selector.
    pub fn clear_selectors(self) -> AclRules {
        self.with("clearselectors".into())
    }
    /// `reset`: back to a new user's rules (off, no passwords, no rights).
    pub fn reset(self) -> AclRules {
        self.with("reset".into())
    }
}

impl ToArgs for AclRules {
    fn arg_count(&self) -> usize {
        self.rules.len()
    }
    fn for_each_arg(&self, f: &mut dyn FnMut(&[u8])) {
        for r in &self.rules {
            f(r.as_bytes());
        }
    }
}

impl ToArgs for &AclRules {
    fn arg_count(&self) -> usize {
        (*self).arg_count()
    }
    fn for_each_arg(&self, f: &mut dyn FnMut(&[u8])) {
        (*self).for_each_arg(f)
    }
}

/// The words of a space-separated rule string; none for an empty one.
fn words(s: &str) -> Vec<&str> {
    s.split(' ').filter(|w| !w.is_empty()).collect()
}

/// redis-py's split of `acl_getuser`'s reply.
impl AclUser {
    /// redis-py's `enabled`: the flags hold `on`.
    pub fn enabled(&self) -> bool {
        self.flags.iter().any(|f| f == "on")
    }
    /// redis-py's `categories`: the command rules naming a category (`+@all`, `-@admin`).
    pub fn categories(&self) -> Vec<&str> {
        words(&self.commands)
            .into_iter()
            .filter(|w| w.contains('@'))
            .collect()
    }
    /// redis-py's `commands` list: the command rules naming a command (`+get`, `-debug`).
    pub fn command_rules(&self) -> Vec<&str> {
        words(&self.commands)
            .into_iter()
            .filter(|w| !w.contains('@'))
            .collect()
    }
    /// redis-py's `keys` list: each key pattern with its prefix (`~app:*`, `%R~shared:*`).
    pub fn key_patterns(&self) -> Vec<&str> {
        words(&self.keys)
    }
    /// redis-py's `channels` list: each channel pattern (`&news.*`).
    pub fn channel_patterns(&self) -> Vec<&str> {
        words(&self.channels)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(r: &AclRules) -> Vec<String> {
        let mut out = Vec::new();
        r.for_each_arg(&mut |b| out.push(String::from_utf8_lossy(b).into_owned()));
        out
    }

    #[test]
    fn rules_are_spelled_as_the_server_reads_them() {
        let r = AclRules::new()
            .on()
            .add_password("pw")
            .remove_password("old")
            .add_hashed_password("ab")
            .allow_category("read")
            .deny_category("admin")
            .allow_command("client|id")
            .deny_command("flushall")
            .key_pattern("a:*")
            .read_key_pattern("r:*")
            .write_key_pattern("w:*")
            .channel_pattern("n.*")
            .selector(AclRules::new().allow_command("get").key_pattern("s:*"));
        assert_eq!(
            args(&r),
            [
                "on",
                ">pw",
                "<old",
                "#ab",
                "+@read",
                "-@admin",
                "+client|id",
                "-flushall",
                "~a:*",
                "%R~r:*",
                "%W~w:*",
                "&n.*",
                "(+get ~s:*)"
            ]
        );
        assert_eq!(r.arg_count(), 13);
    }

    #[test]
    fn debug_never_shows_a_password() {
        let r = AclRules::new()
            .add_password("topsecret")
            .selector(AclRules::new().add_password("alsosecret"));
        let shown = format!("{r:?}");
        assert!(!shown.contains("secret"), "{shown}");
    }

    #[test]
    fn getuser_fields_split_as_redis_py() {
        let u = AclUser {
            flags: vec!["on".into()],
            commands: "-@all +get +@read -debug".into(),
            keys: "~a:* %R~b:*".into(),
            channels: "".into(),
            ..AclUser::default()
        };
        assert!(u.enabled());
        assert_eq!(u.categories(), ["-@all", "+@read"]);
        assert_eq!(u.command_rules(), ["+get", "-debug"]);
        assert_eq!(u.key_patterns(), ["~a:*", "%R~b:*"]);
        assert!(u.channel_patterns().is_empty());
    }
}
