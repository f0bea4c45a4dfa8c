//! Generic commands: keys, expiry, types, scanning, sorting, moving keys around.

use std::fmt;

use crate::args::{ToArg, ToArgs};
use crate::cmd::Cmd;

/// When EXPIRE and friends may set the new expiry (Redis 7.0.0+).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ExpireCondition {
    /// `NX`: only when the key has no expiry.
    Nx,
    /// `XX`: only when the key has an expiry.
    Xx,
    /// `GT`: only when the new expiry is later than the current one (no expiry counts as
    /// infinitely late).
    Gt,
    /// `LT`: only when the new expiry is earlier than the current one.
    Lt,
}

impl ExpireCondition {
    /// Appends the condition's token.
    #[doc(hidden)]
    pub fn apply(self, c: Cmd) -> Cmd {
        c.arg(match self {
            ExpireCondition::Nx => "NX",
            ExpireCondition::Xx => "XX",
            ExpireCondition::Gt => "GT",
            ExpireCondition::Lt => "LT",
        })
    }
}

/// The options of [`restore`](crate::StrictRedis::restore).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct RestoreOptions {
    /// `REPLACE`: overwrite an existing key (Redis 3.0.0+).
    pub replace: bool,
    /// `ABSTTL`: the ttl is a Unix time in milliseconds (Redis 5.0.0+).
    pub absttl: bool,
    /// `IDLETIME seconds`: the key's idle time, for LRU eviction (Redis 5.0.0+).
    pub idletime: Option<u64>,
    /// `FREQ frequency`: the key's access frequency, for LFU eviction (Redis 5.0.0+).
    pub freq: Option<u64>,
}

impl RestoreOptions {
    /// Appends the options in RESTORE's order.
    #[doc(hidden)]
    pub fn apply(self, c: Cmd) -> Cmd {
        c.arg_if(self.replace, "REPLACE")
            .arg_if(self.absttl, "ABSTTL")
            .opt_token("IDLETIME", self.idletime)
            .opt_token("FREQ", self.freq)
    }
}

/// Credentials MIGRATE uses on the target server. Its `Debug` never shows them.
#[derive(Clone, PartialEq, Eq)]
pub enum MigrateAuth {
    /// `AUTH password` (Redis 4.0.7+).
    Password(String),
    /// `AUTH2 username password` (Redis 6.0.0+).
    UserPassword {
        /// The ACL user.
        username: String,
        /// Its password.
        password: String,
    },
}

impl fmt::Debug for MigrateAuth {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            MigrateAuth::Password(_) => f.write_str("Password(<redacted>)"),
            MigrateAuth::UserPassword { username, .. } => f
                .debug_struct("UserPassword")
                .field("username", username)
                .field("password", &"<redacted>")
                .finish(),
        }
    }
}

/// The options of [`migrate`](crate::StrictRedis::migrate).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct MigrateOptions {
    /// `COPY`: keep the keys on this server.
    pub copy: bool,
    /// `REPLACE`: overwrite keys that exist on the target.
    pub replace: bool,
    /// Credentials for the target server.
    pub auth: Option<MigrateAuth>,
}

impl MigrateOptions {
    /// Appends the options in MIGRATE's order (before the `KEYS` list).
    #[doc(hidden)]
    pub fn apply(self, c: Cmd) -> Cmd {
        let c = c.arg_if(self.copy, "COPY").arg_if(self.replace, "REPLACE");
        match self.auth {
            None => c,
            Some(MigrateAuth::Password(p)) => c.arg("AUTH").arg(p),
            Some(MigrateAuth::UserPassword { username, password }) => {
                c.arg("AUTH2").arg(username).arg(password)
            }
        }
    }
}

/// Builds `MIGRATE host port key|"" destination-db timeout [options] [KEYS key ...]`: one key
/// goes in the key position (every server version), several after `KEYS` (3.0.6+).
pub(crate) fn migrate_cmd(
    host: impl ToArg,
    port: u16,
    keys: impl ToArgs,
    destination_db: u64,
    timeout: u64,
    options: MigrateOptions,
) -> Cmd {
    let c = crate::cmd::cmd("MIGRATE").arg(host).arg(port);
    if keys.arg_count() == 1 {
        options.apply(c.keys(keys).arg(destination_db).arg(timeout))
    } else {
        options
            .apply(c.arg("").arg(destination_db).arg(timeout))
            .arg("KEYS")
            .keys(keys)
    }
}

pub use super::scan_options::ScanOptions;

/// Ascending or descending, for SORT.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum SortOrder {
    /// `ASC`, the default.
    #[default]
    Asc,
    /// `DESC`.
    Desc,
}

/// The options of [`sort`](crate::StrictRedis::sort), [`sort_ro`](crate::StrictRedis::sort_ro)
/// and [`sort_store`](crate::StrictRedis::sort_store).
///
/// ```
/// use strictredis::commands::keys::{SortOptions, SortOrder};
/// let opts = SortOptions::new().by("weight_*").get("#").get("name_*").limit(0, 10).desc().alpha();
/// assert_eq!(opts.order, Some(SortOrder::Desc));
/// ```
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash)]
pub struct SortOptions {
    /// `BY pattern`: sort by the values of other keys (`nosort` skips sorting).
    pub by: Option<Vec<u8>>,
    /// `LIMIT offset count`.
    pub limit: Option<(u64, u64)>,
    /// `GET pattern` for each pattern: reply with other keys' values (`#` is the element).
    pub get: Vec<Vec<u8>>,
    /// `ASC` or `DESC`.
    pub order: Option<SortOrder>,
    /// `ALPHA`: compare as strings instead of numbers.
    pub alpha: bool,
}

impl SortOptions {
    /// No options: sort numerically, ascending.
    pub fn new() -> SortOptions {
        SortOptions::default()
    }

    /// Adds a `GET pattern`.
    pub fn get(mut self, pattern: impl ToArg) -> SortOptions {
        self.get.push(pattern.with_bytes(|b| b.to_vec()));
        self
    }

    /// Appends the options in SORT's order (before any `STORE`).
    #[doc(hidden)]
    pub fn apply(self, c: Cmd) -> Cmd {
        let mut c = c.opt_token("BY", self.by);
        if let Some((offset, count)) = self.limit {
            c = c.arg("LIMIT").arg(offset).arg(count);
        }
        for g in self.get {
            c = c.arg("GET").arg(g);
        }
        c = match self.order {
            Some(SortOrder::Asc) => c.arg("ASC"),
            Some(SortOrder::Desc) => c.arg("DESC"),
            None => c,
        };
        c.arg_if(self.alpha, "ALPHA")
    }
}

crate::commands::setters! {
    SortOptions {
        /// Sorts by the keys that `pattern` names.
        fn by(pattern: impl ToArg) => by = Some(pattern.with_bytes(|b| b.to_vec()));
        /// Returns `count` elements from `offset` on.
        fn limit(offset: u64, count: u64) => limit = Some((offset, count));
        /// Sorts in descending order.
        fn desc() => order = Some(SortOrder::Desc);
        /// Sorts as strings.
        fn alpha() => alpha = true;
    }
}

/// The generic (keyspace) command table; see [the module docs](crate::commands).
macro_rules! key_commands {
    ($emit:ident $($pre:tt)*) => {
        $emit! { $($pre)*
            /// Delete keys; returns how many existed. (`DEL`; named `delete` as in redis-py.)
            ///
            /// Redis 1.0.0+.
            ///
            /// ```no_run
            /// # let r = strictredis::StrictRedis::from_url("redis://127.0.0.1/")?;
            /// let gone: u64 = r.delete(&["a", "b"])?;
            /// # Ok::<(), strictredis::Error>(())
            /// ```
            fn delete(keys: impl ToArgs) -> u64 {
                cmd("DEL").keys(keys).reply_locally_below(2, LocalReply::Int(0))
            }

            /// Delete keys, freeing their memory in the background; returns how many existed.
            ///
            /// Redis 4.0.0+.
            fn unlink(keys: impl ToArgs) -> u64 {
                cmd("UNLINK").keys(keys).reply_locally_below(2, LocalReply::Int(0))
            }

            /// Count how many of `keys` exist (a key named twice counts twice).
            ///
            /// Redis 1.0.0+ (several keys: 3.0.3+).
            fn exists(keys: impl ToArgs) -> u64 {
                cmd("EXISTS").keys(keys).reply_locally_below(2, LocalReply::Int(0))
            }

            /// Update the last access time of keys; returns how many exist.
            ///
            /// Redis 3.2.1+.
            fn touch(keys: impl ToArgs) -> u64 {
                cmd("TOUCH").keys(keys).reply_locally_below(2, LocalReply::Int(0))
            }

            /// Set a timeout of `seconds` on `key`; false when the key does not exist.
            ///
            /// Redis 1.0.0+.
            fn expire(key: impl ToArg, seconds: u64) -> bool {
                cmd("EXPIRE").key(key).arg(seconds)
            }

            /// EXPIRE with a condition (`NX`, `XX`, `GT`, `LT`); false when the key does not
            /// exist or the condition did not hold.
            ///
            /// Redis 7.0.0+.
            ///
            /// ```no_run
            /// # let r = strictredis::StrictRedis::from_url("redis://127.0.0.1/")?;
            /// use strictredis::commands::keys::ExpireCondition;
            /// let extended: bool = r.expire_with("session", 3600, ExpireCondition::Gt)?;
            /// # Ok::<(), strictredis::Error>(())
            /// ```
            fn expire_with(key: impl ToArg, seconds: u64, condition: ExpireCondition) -> bool {
                condition.apply(cmd("EXPIRE").key(key).arg(seconds))
            }

            /// Set a timeout of `milliseconds` on `key`; false when the key does not exist.
            ///
            /// Redis 2.6.0+.
            fn pexpire(key: impl ToArg, milliseconds: u64) -> bool {
                cmd("PEXPIRE").key(key).arg(milliseconds)
            }

            /// PEXPIRE with a condition (`NX`, `XX`, `GT`, `LT`).
            ///
            /// Redis 7.0.0+.
            fn pexpire_with(
                key: impl ToArg,
                milliseconds: u64,
                condition: ExpireCondition
            ) -> bool {
                condition.apply(cmd("PEXPIRE").key(key).arg(milliseconds))
            }

            /// Expire `key` at a Unix time in seconds; false when the key does not exist.
            ///
            /// Redis 1.2.0+.
            fn expireat(key: impl ToArg, unix_time_seconds: u64) -> bool {
                cmd("EXPIREAT").key(key).arg(unix_time_seconds)
            }

            /// EXPIREAT with a condition (`NX`, `XX`, `GT`, `LT`).
            ///
            /// Redis 7.0.0+.
            fn expireat_with(
                key: impl ToArg,
                unix_time_seconds: u64,
                condition: ExpireCondition
            ) -> bool {
                condition.apply(cmd("EXPIREAT").key(key).arg(unix_time_seconds))
            }

            /// Expire `key` at a Unix time in milliseconds; false when the key does not exist.
            ///
            /// Redis 2.6.0+.
            fn pexpireat(key: impl ToArg, unix_time_milliseconds: u64) -> bool {
                cmd("PEXPIREAT").key(key).arg(unix_time_milliseconds)
            }

            /// PEXPIREAT with a condition (`NX`, `XX`, `GT`, `LT`).
            ///
            /// Redis 7.0.0+.
            fn pexpireat_with(
                key: impl ToArg,
                unix_time_milliseconds: u64,
                condition: ExpireCondition
            ) -> bool {
                condition.apply(cmd("PEXPIREAT").key(key).arg(unix_time_milliseconds))
            }

            /// The Unix time in seconds at which `key` expires: -2 when it does not exist, -1
            /// when it has no expiry.
            ///
            /// Redis 7.0.0+.
            fn expiretime(key: impl ToArg) -> i64 {
                cmd("EXPIRETIME").key(key)
            }

            /// The Unix time in milliseconds at which `key` expires: -2 when it does not
            /// exist, -1 when it has no expiry.
            ///
            /// Redis 7.0.0+.
            fn pexpiretime(key: impl ToArg) -> i64 {
                cmd("PEXPIRETIME").key(key)
            }

            /// Seconds until `key` expires: -2 when it does not exist, -1 when it has no expiry.
            ///
            /// Redis 1.0.0+.
            fn ttl(key: impl ToArg) -> i64 {
                cmd("TTL").key(key)
            }

            /// Milliseconds until `key` expires: -2 when it does not exist, -1 when it has no
            /// expiry.
            ///
            /// Redis 2.6.0+.
            fn pttl(key: impl ToArg) -> i64 {
                cmd("PTTL").key(key)
            }

            /// Remove the expiry of `key`; false when it does not exist or has no expiry.
            ///
            /// Redis 2.2.0+.
            fn persist(key: impl ToArg) -> bool {
                cmd("PERSIST").key(key)
            }

            /// The type of the value at `key` (`string`, `list`, ..., `none` when missing).
            /// (`TYPE`; named `type_` as in redis-py.)
            ///
            /// Redis 1.0.0+.
            fn type_(key: impl ToArg) -> String {
                cmd("TYPE").key(key)
            }

            /// Copy the value at `source` to `destination` (in `destination_db` when given);
            /// `replace` overwrites an existing destination. True when copied.
            ///
            /// Redis 6.2.0+.
            fn copy(
                source: impl ToArg,
                destination: impl ToArg,
                destination_db: Option<u64>,
                replace: bool
            ) -> bool {
                cmd("COPY")
                    .key(source)
                    .key(destination)
                    .opt_token("DB", destination_db)
                    .arg_if(replace, "REPLACE")
            }

            /// Rename `key` to `newkey`, overwriting it; an error when `key` does not exist.
            ///
            /// Redis 1.0.0+.
            fn rename(key: impl ToArg, newkey: impl ToArg) -> () {
                cmd("RENAME").key(key).key(newkey)
            }

            /// Rename `key` to `newkey` only when `newkey` does not exist; true when renamed.
            ///
            /// Redis 1.0.0+.
            fn renamenx(key: impl ToArg, newkey: impl ToArg) -> bool {
                cmd("RENAMENX").key(key).key(newkey)
            }

            /// Move `key` to database `db`; false when it is missing here or exists there.
            /// (`MOVE`; named `move_` since `move` is a Rust keyword.)
            ///
            /// Redis 1.0.0+.
            fn move_(key: impl ToArg, db: u64) -> bool {
                cmd("MOVE").key(key).arg(db)
            }

            /// The value at `key` serialized in Redis's own format, for RESTORE; `None` when
            /// missing.
            ///
            /// Redis 2.6.0+.
            fn dump(key: impl ToArg) -> Option<Vec<u8>> {
                cmd("DUMP").key(key)
            }

            /// Create `key` from a value serialized by DUMP, expiring after `ttl` milliseconds
            /// (0: no expiry).
            ///
            /// Redis 2.6.0+.
            ///
            /// ```no_run
            /// # let r = strictredis::StrictRedis::from_url("redis://127.0.0.1/")?;
            /// use strictredis::commands::keys::RestoreOptions;
            /// if let Some(blob) = r.dump("src")? {
            ///     r.restore("dst", 0, &blob, RestoreOptions { replace: true, ..Default::default() })?;
            /// }
            /// # Ok::<(), strictredis::Error>(())
            /// ```
            fn restore(
                key: impl ToArg,
                ttl: u64,
                serialized_value: impl ToArg,
                options: RestoreOptions
            ) -> () {
                options.apply(cmd("RESTORE").key(key).arg(ttl).arg(serialized_value))
            }

            /// Every key matching a glob-style pattern. Blocks the server on big databases:
            /// prefer [`scan`](Self::scan).
            ///
            /// Redis 1.0.0+.
            fn keys<T>(pattern: impl ToArg) -> Vec<T> {
                cmd("KEYS").arg(pattern)
            }

            /// A random key; `None` (with `Option<T>`) when the database is empty.
            ///
            /// Redis 1.0.0+.
            fn randomkey<T>() -> T {
                cmd("RANDOMKEY")
            }

            /// One step of a scan over the keyspace: returns the next cursor (0 when the scan
            /// is complete) and a batch of keys.
            ///
            /// Redis 2.8.0+ (`TYPE` 6.0.0+).
            ///
            /// ```no_run
            /// # let r = strictredis::StrictRedis::from_url("redis://127.0.0.1/")?;
            /// use strictredis::commands::keys::ScanOptions;
            /// let mut cursor = 0;
            /// loop {
            ///     let (next, keys): (u64, Vec<String>) =
            ///         r.scan(cursor, ScanOptions::new().pattern("user:*"))?;
            ///     println!("{keys:?}");
            ///     if next == 0 { break; }
            ///     cursor = next;
            /// }
            /// # Ok::<(), strictredis::Error>(())
            /// ```
            fn scan<T>(cursor: u64, options: ScanOptions) -> (u64, Vec<T>) {
                options.apply(cmd("SCAN").arg(cursor))
            }

            /// The elements of a list, set or sorted set, sorted; with `GET` patterns, missing
            /// keys are `None` with `Option<T>`.
            ///
            /// Redis 1.0.0+.
            ///
            /// ```no_run
            /// # let r = strictredis::StrictRedis::from_url("redis://127.0.0.1/")?;
            /// use strictredis::commands::keys::SortOptions;
            /// let top: Vec<String> = r.sort("ids", SortOptions::new().desc().limit(0, 10))?;
            /// # Ok::<(), strictredis::Error>(())
            /// ```
            fn sort<T>(key: impl ToArg, options: SortOptions) -> Vec<T> {
                options.apply(cmd("SORT").key(key))
            }

            /// SORT with two or more `GET` patterns, each element's values as one row (a
            /// tuple, or a `Vec`): redis-py's `sort(..., groups=True)`.
            ///
            /// Redis 1.0.0+.
            ///
            /// ```no_run
            /// # let r = strictredis::StrictRedis::from_url("redis://127.0.0.1/")?;
            /// use strictredis::commands::keys::SortOptions;
            /// let opts = SortOptions::new().get("#").get("name_*").get("age_*");
            /// let rows: Vec<(String, Option<String>, Option<u32>)> = r.sort_groups("ids", opts)?;
            /// # Ok::<(), strictredis::Error>(())
            /// ```
            fn sort_groups<T>(key: impl ToArg, options: SortOptions) -> Vec<T> {
                let n = options.get.len();
                options.apply(cmd("SORT").key(key)).grouped(n)
            }

            /// SORT that stores the result as a list at `destination` (`STORE`); returns its
            /// length.
            ///
            /// Redis 1.0.0+.
            fn sort_store(key: impl ToArg, destination: impl ToArg, options: SortOptions) -> u64 {
                options.apply(cmd("SORT").key(key)).arg("STORE").key(destination)
            }

            /// The read-only SORT (safe on replicas): no `STORE`.
            ///
            /// Redis 7.0.0+.
            fn sort_ro<T>(key: impl ToArg, options: SortOptions) -> Vec<T> {
                options.apply(cmd("SORT_RO").key(key))
            }

            /// Move keys to another server: one key is sent as MIGRATE's key, several after
            /// `KEYS` (3.0.6+). Replies `"OK"`, or `"NOKEY"` when no key was found.
            /// The credentials in `options` are never logged (the command's `Debug` shows its
            /// name only).
            ///
            /// Redis 2.6.0+.
            fn migrate(
                host: impl ToArg,
                port: u16,
                keys: impl ToArgs,
                destination_db: u64,
                timeout_ms: u64,
                options: MigrateOptions
            ) -> String {
                migrate_cmd(host, port, keys, destination_db, timeout_ms, options)
            }

            /// The internal encoding of the value at `key` (`embstr`, `listpack`, ...); `None`
            /// when missing.
            ///
            /// Redis 2.2.3+.
            fn object_encoding(key: impl ToArg) -> Option<String> {
                cmd("OBJECT ENCODING").key(key)
            }

            /// The logarithmic access frequency of `key`; `None` when missing. Needs an LFU
            /// `maxmemory-policy` (the server answers an error otherwise).
            ///
            /// Redis 4.0.0+.
            fn object_freq(key: impl ToArg) -> Option<u64> {
                cmd("OBJECT FREQ").key(key)
            }

            /// Seconds since `key` was last accessed; `None` when missing.
            ///
            /// Redis 2.2.3+.
            fn object_idletime(key: impl ToArg) -> Option<u64> {
                cmd("OBJECT IDLETIME").key(key)
            }

            /// The reference count of the value at `key`; `None` when missing.
            ///
            /// Redis 2.2.3+.
            fn object_refcount(key: impl ToArg) -> Option<u64> {
                cmd("OBJECT REFCOUNT").key(key)
            }

            /// The server's help text for OBJECT, one line per item.
            ///
            /// Redis 6.2.0+.
            fn object_help() -> Vec<String> {
                cmd("OBJECT HELP")
            }

            /// Wait until `numreplicas` replicas acknowledged this connection's writes, or
            /// `timeout_ms` passed (0: forever); returns how many did.
            ///
            /// Redis 3.0.0+.
            fn wait(numreplicas: u64, timeout_ms: u64) -> u64 {
                cmd("WAIT").arg(numreplicas).arg(timeout_ms).blocking_ms(timeout_ms)
            }

            /// Wait until this connection's writes are in the AOF of `numlocal` (0 or 1) local
            /// and `numreplicas` replica servers, or `timeout_ms` passed (0: forever); returns
            /// `(local, replicas)` that did.
            ///
            /// Redis 7.2.0+ / Valkey (not in Redis 7.0).
            fn waitaof(numlocal: u64, numreplicas: u64, timeout_ms: u64) -> (u64, u64) {
                cmd("WAITAOF")
                    .arg(numlocal)
                    .arg(numreplicas)
                    .arg(timeout_ms)
                    .blocking_ms(timeout_ms)
            }
        }
    };
}
pub(crate) use key_commands;
