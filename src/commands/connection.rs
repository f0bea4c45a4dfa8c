//! Connection commands: PING, AUTH, HELLO, SELECT and the CLIENT subcommands.
//!
//! Several of them change the state of the one connection they run on (AUTH, HELLO,
//! SELECT, CLIENT REPLY, CLIENT TRACKING, RESET, QUIT). Through [`StrictRedis`], which
//! checks a connection out of the pool for each call, that state lasts only for that
//! connection: the pool closes such a connection rather than hand it to the next caller.
//! Run them on a [`PooledConnection`] (from
//! [`get_connection`](crate::StrictRedis::get_connection)) to use the state.
//!
//! [`StrictRedis`]: crate::StrictRedis
//! [`PooledConnection`]: crate::PooledConnection

use std::collections::BTreeMap;
use std::fmt;

use crate::cmd::Cmd;
use crate::error::{Error, Result};
use crate::from_value::FromValue;
use crate::value::Value;

use super::server::ModuleInfo;
use crate::from_value::reply::reply_struct_fields;

/// A kind of client, as CLIENT LIST and CLIENT KILL filter them.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ClientType {
    /// `NORMAL`: ordinary clients.
    Normal,
    /// `MASTER`: the connection to this replica's primary.
    Master,
    /// `REPLICA`: replicas connected to this primary.
    Replica,
    /// `PUBSUB`: clients in subscribed mode.
    Pubsub,
}

impl ClientType {
    fn token(self) -> &'static str {
        match self {
            ClientType::Normal => "NORMAL",
            ClientType::Master => "MASTER",
            ClientType::Replica => "REPLICA",
            ClientType::Pubsub => "PUBSUB",
        }
    }
}

/// Declares [`ClientFilter`] and [`ClientNotFilter`] from one list of the filters: `only`
/// are CLIENT KILL's positive filters that have no `NOT-` form, `both` the ones that have;
/// each is an `Option` written as `TOKEN value` when set.
macro_rules! client_filters {
    (
        only: { $($(#[$odoc:meta])* $ofield:ident: $oty:ty => $otoken:literal,)* }
        both: { $($(#[$bdoc:meta])* $bfield:ident: $bty:ty => $btoken:literal,)* }
    ) => {
        /// Which clients CLIENT LIST shows or CLIENT KILL closes; every field set must match.
        /// The default matches every client (CLIENT KILL then needs at least one field).
        ///
        /// Redis 7.0 knows `ids` and `client_type` for CLIENT LIST, and `ids` (one),
        /// `client_type`, `user`, `addr`, `laddr`, `skipme` for CLIENT KILL; the others are
        /// Valkey's (8.0 to 9.0).
        ///
        /// ```
        /// use strictredis::commands::connection::{ClientFilter, ClientType};
        /// let normal_clients = ClientFilter { client_type: Some(ClientType::Normal), ..Default::default() };
        /// ```
        #[derive(Clone, Debug, Default, PartialEq, Eq)]
        pub struct ClientFilter {
            /// `ID id...`: clients with these ids.
            pub ids: Vec<u64>,
            /// `TYPE`: clients of one kind.
            pub client_type: Option<ClientType>,
            /// `SKIPME yes|no` (CLIENT KILL): whether the calling client is spared (default
            /// yes).
            pub skipme: Option<bool>,
            $($(#[$odoc])* pub $ofield: Option<$oty>,)*
            $($(#[$bdoc])* pub $bfield: Option<$bty>,)*
            /// The `NOT-...` filters: clients that do *not* match these (Valkey 9.0.0+).
            pub not: ClientNotFilter,
        }

        /// The negated filters of [`ClientFilter`] (`NOT-ID`, `NOT-TYPE`, ...; Valkey 9.0.0+).
        #[derive(Clone, Debug, Default, PartialEq, Eq)]
        pub struct ClientNotFilter {
            /// `NOT-ID id...`.
            pub ids: Vec<u64>,
            /// `NOT-TYPE`.
            pub client_type: Option<ClientType>,
            $(#[doc = concat!("`NOT-", $btoken, "`.")] pub $bfield: Option<$bty>,)*
        }

        impl ClientFilter {
            pub(crate) fn apply(self, mut c: Cmd) -> Cmd {
                if !self.ids.is_empty() {
                    c = c.arg("ID").args(self.ids);
                }
                c = c
                    .opt_token("TYPE", self.client_type.map(ClientType::token))
                    .opt_token("SKIPME", self.skipme.map(|s| if s { "YES" } else { "NO" }));
                $(c = c.opt_token($otoken, self.$ofield);)*
                $(c = c.opt_token($btoken, self.$bfield);)*
                let n = self.not;
                if !n.ids.is_empty() {
                    c = c.arg("NOT-ID").args(n.ids);
                }
                c = c.opt_token("NOT-TYPE", n.client_type.map(ClientType::token));
                $(c = c.opt_token(concat!("NOT-", $btoken), n.$bfield);)*
                c
            }
        }
    };
}

client_filters! {
    only: {
        /// `MAXAGE seconds`: clients connected at least this long (CLIENT KILL, Valkey 8.0+).
        maxage: u64 => "MAXAGE",
        /// `IDLE seconds`: clients idle at least this long.
        idle: u64 => "IDLE",
    }
    both: {
        /// `USER`: clients authenticated as this user.
        user: String => "USER",
        /// `ADDR ip:port`: the client at this address.
        addr: String => "ADDR",
        /// `LADDR ip:port`: clients connected to this local address.
        laddr: String => "LADDR",
        /// `NAME`: clients with this name.
        name: String => "NAME",
        /// `FLAGS`: clients with these flags (letters as in CLIENT LIST).
        flags: String => "FLAGS",
        /// `LIB-NAME`: clients of this library.
        lib_name: String => "LIB-NAME",
        /// `LIB-VER`: clients of this library version.
        lib_ver: String => "LIB-VER",
        /// `DB`: clients on this database.
        db: u32 => "DB",
        /// `CAPA`: clients with this capability.
        capa: String => "CAPA",
        /// `IP`: clients from this IP address.
        ip: String => "IP",
    }
}

/// Which commands CLIENT PAUSE holds back.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ClientPauseMode {
    /// `WRITE`: only commands that may write (Redis 6.2.0+).
    Write,
    /// `ALL`: every command (the default).
    All,
}

/// What CLIENT REPLY turns the server's replies to.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ClientReplyMode {
    /// `ON`: reply to every command (the default); answers `OK`.
    On,
    /// `OFF`: reply to nothing until `ON`.
    Off,
    /// `SKIP`: send no reply for the next command.
    Skip,
}

/// How CLIENT UNBLOCK ends the other client's wait.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ClientUnblockMode {
    /// `TIMEOUT`: as if the command timed out (the default).
    Timeout,
    /// `ERROR`: with an `-UNBLOCKED` error.
    Error,
}

/// The attribute CLIENT SETINFO sets.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ClientSetInfoAttr {
    /// `LIB-NAME`: the client library's name.
    LibName,
    /// `LIB-VER`: the client library's version.
    LibVer,
}

/// Options of CLIENT TRACKING.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ClientTrackingOptions {
    /// `REDIRECT id`: send invalidations to this other client.
    pub redirect: Option<u64>,
    /// `PREFIX p` (each): in broadcast mode, track only keys with these prefixes.
    pub prefixes: Vec<String>,
    /// `BCAST`: broadcast mode, invalidations for every key (under the prefixes).
    pub bcast: bool,
    /// `OPTIN`: track keys only of commands right after `CLIENT CACHING YES`.
    pub optin: bool,
    /// `OPTOUT`: track keys except of commands right after `CLIENT CACHING NO`.
    pub optout: bool,
    /// `NOLOOP`: no invalidations for keys this client modified itself.
    pub noloop: bool,
}

impl ClientTrackingOptions {
    pub(crate) fn apply(self, mut c: Cmd) -> Cmd {
        c = c.opt_token("REDIRECT", self.redirect);
        for p in self.prefixes {
            c = c.arg("PREFIX").arg(p);
        }
        c.arg_if(self.bcast, "BCAST")
            .arg_if(self.optin, "OPTIN")
            .arg_if(self.optout, "OPTOUT")
            .arg_if(self.noloop, "NOLOOP")
    }
}

/// The optional parts of HELLO. Its `Debug` never shows the password.
#[derive(Clone, Default, PartialEq, Eq)]
pub struct HelloOptions {
    /// `AUTH username password`.
    pub auth: Option<(String, String)>,
    /// `SETNAME name`.
    pub setname: Option<String>,
}

impl fmt::Debug for HelloOptions {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("HelloOptions")
            .field(
                "auth",
                &self.auth.as_ref().map(|(user, _)| (user, "<redacted>")),
            )
            .field("setname", &self.setname)
            .finish()
    }
}

pub(crate) fn hello_cmd(protover: Option<u32>, options: HelloOptions) -> Cmd {
    let mut c = crate::cmd::cmd("HELLO").opt_arg(protover);
    if let Some((user, password)) = options.auth {
        c = c.arg("AUTH").arg(user).arg(password);
    }
    c.opt_token("SETNAME", options.setname)
}

pub(crate) fn on_off(on: bool) -> &'static str {
    if on {
        "ON"
    } else {
        "OFF"
    }
}

// ---------------------------------------------------------------------------------------
// Typed replies.
// ---------------------------------------------------------------------------------------

/// One client connection, as CLIENT INFO and CLIENT LIST describe it.
///
/// The common fields are typed (0 or empty when a server version does not send them);
/// every field as sent, known or not, is in [`fields`](Self::fields).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ClientInfo {
    /// Unique client id.
    pub id: u64,
    /// Address of the client, `ip:port` (or a socket path).
    pub addr: String,
    /// Local address the client connected to (Redis 6.2.0+).
    pub laddr: String,
    /// The socket's file descriptor (-1 for internal clients).
    pub fd: i64,
    /// The name set with CLIENT SETNAME (empty when none).
    pub name: String,
    /// Seconds since the connection was made.
    pub age: u64,
    /// Seconds since the last command.
    pub idle: u64,
    /// Client flags, one letter each (`N` normal, `P` pub/sub, `x` in MULTI, ...).
    pub flags: String,
    /// The selected database.
    pub db: u32,
    /// Channel subscriptions.
    pub sub: u64,
    /// Pattern subscriptions.
    pub psub: u64,
    /// Commands queued in MULTI (-1 when not in MULTI).
    pub multi: i64,
    /// The last command run (`client|list`).
    pub cmd: String,
    /// The authenticated user (Redis 6.0.0+).
    pub user: String,
    /// Client id of the tracking redirection (-1 when none; Redis 6.2.0+).
    pub redir: i64,
    /// The RESP version the client speaks (Redis 7.0.0+; 0 when not sent).
    pub resp: u32,
    /// Every field, as sent.
    pub fields: BTreeMap<String, String>,
}

impl ClientInfo {
    /// Parses one CLIENT LIST line (`id=3 addr=127.0.0.1:50000 ... resp=2`).
    pub fn parse(line: &str) -> Result<ClientInfo> {
        let mut c = ClientInfo {
            fd: -1,
            multi: -1,
            redir: -1,
            ..ClientInfo::default()
        };
        for part in line.split(' ').filter(|p| !p.is_empty()) {
            let (k, v) = part
                .split_once('=')
                .ok_or_else(|| Error::Type(format!("client info field without '=': {part:?}")))?;
            fn num<T: std::str::FromStr>(k: &str, v: &str) -> Result<T> {
                v.parse().map_err(|_| {
                    Error::Type(format!("client info field {k}={v:?} is not a number"))
                })
            }
            match k {
                "id" => c.id = num(k, v)?,
                "addr" => c.addr = v.to_string(),
                "laddr" => c.laddr = v.to_string(),
                "fd" => c.fd = num(k, v)?,
                "name" => c.name = v.to_string(),
                "age" => c.age = num(k, v)?,
                "idle" => c.idle = num(k, v)?,
                "flags" => c.flags = v.to_string(),
                "db" => c.db = num(k, v)?,
                "sub" => c.sub = num(k, v)?,
                "psub" => c.psub = num(k, v)?,
                "multi" => c.multi = num(k, v)?,
                "cmd" => c.cmd = v.to_string(),
                "user" => c.user = v.to_string(),
                "redir" => c.redir = num(k, v)?,
                "resp" => c.resp = num(k, v)?,
                _ => {}
            }
            c.fields.insert(k.to_string(), v.to_string());
        }
        if !c.fields.contains_key("id") {
            return Err(Error::Type(format!(
                "client info line without an id: {:?}",
                &line[..line.len().min(80)]
            )));
        }
        Ok(c)
    }

    /// A field by its name (`qbuf`, `tot-mem`, `lib-name`, ...), as sent.
    pub fn get(&self, field: &str) -> Option<&str> {
        self.fields.get(field).map(String::as_str)
    }
}

impl FromValue for ClientInfo {
    fn from_value(v: Value) -> Result<Self> {
        ClientInfo::parse(String::from_value(v)?.trim())
    }
}

/// The reply of CLIENT LIST: one [`ClientInfo`] per connection. Derefs to
/// `Vec<ClientInfo>`.
///
/// ```no_run
/// # let r = strictredis::StrictRedis::from_url("redis://127.0.0.1/")?;
/// let clients = r.client_list(Default::default())?;
/// let worker = clients.iter().find(|c| c.name == "worker-1");
/// let all: Vec<_> = clients.into_vec();
/// # Ok::<(), strictredis::Error>(())
/// ```
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ClientList(pub Vec<ClientInfo>);

impl ClientList {
    /// The clients, as a `Vec`.
    pub fn into_vec(self) -> Vec<ClientInfo> {
        self.0
    }
}

impl std::ops::Deref for ClientList {
    type Target = Vec<ClientInfo>;
    fn deref(&self) -> &Vec<ClientInfo> {
        &self.0
    }
}

impl IntoIterator for ClientList {
    type Item = ClientInfo;
    type IntoIter = std::vec::IntoIter<ClientInfo>;
    fn into_iter(self) -> Self::IntoIter {
        self.0.into_iter()
    }
}

impl<'a> IntoIterator for &'a ClientList {
    type Item = &'a ClientInfo;
    type IntoIter = std::slice::Iter<'a, ClientInfo>;
    fn into_iter(self) -> Self::IntoIter {
        self.0.iter()
    }
}

impl FromValue for ClientList {
    fn from_value(v: Value) -> Result<Self> {
        String::from_value(v)?
            .lines()
            .map(str::trim)
            .filter(|l| !l.is_empty())
            .map(ClientInfo::parse)
            .collect::<Result<_>>()
            .map(ClientList)
    }
}

/// The reply of CLIENT TRACKINGINFO.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct TrackingInfo {
    /// `off`, `on`, `bcast`, `optin`, `optout`, `caching-yes`, `caching-no`, `noloop`,
    /// `broken_redirect`.
    pub flags: Vec<String>,
    /// Client id invalidations are redirected to: -1 when tracking is off, 0 when not
    /// redirecting.
    pub redirect: i64,
    /// The broadcast prefixes.
    pub prefixes: Vec<String>,
}

reply_struct_fields!(TrackingInfo {
    "flags" => flags,
    "redirect" => redirect,
    "prefixes" => prefixes,
});

/// The reply of HELLO: what the server says about itself and this connection.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct HelloReply {
    /// `redis` or `valkey`.
    pub server: String,
    /// The server's version.
    pub version: String,
    /// The protocol now spoken on the connection (2 or 3).
    pub proto: u32,
    /// This connection's client id.
    pub id: u64,
    /// `standalone`, `cluster` or `sentinel`.
    pub mode: String,
    /// `master` or `replica`.
    pub role: String,
    /// The loaded modules.
    pub modules: Vec<ModuleInfo>,
}

reply_struct_fields!(HelloReply {
    "server" => server,
    "version" => version,
    "proto" => proto,
    "id" => id,
    "mode" => mode,
    "role" => role,
    "modules" => modules,
});

/// The connection command table; see [the module docs](crate::commands).
macro_rules! connection_commands {
    ($emit:ident $($pre:tt)*) => {
        $emit! { $($pre)*
            /// Authenticate this connection: as `username`, or with the `requirepass`
            /// password when `None`.
            ///
            /// Redis 1.0.0+ (with a username: 6.0.0+).
            fn auth(username: Option<&str>, password: impl ToArg) -> () {
                cmd("AUTH").opt_arg(username).arg(password)
            }

            /// In tracking mode `OPTIN`/`OPTOUT`: whether to track the keys of the next
            /// command (`CLIENT CACHING YES|NO`).
            ///
            /// Redis 6.0.0+.
            fn client_caching(yes: bool) -> () {
                cmd("CLIENT CACHING").arg(if yes { "YES" } else { "NO" })
            }

            /// Declare client capabilities, such as `redirect` (Valkey).
            ///
            /// Valkey 8.0.0+ (not in Redis).
            fn client_capa(capabilities: impl ToArgs) -> () {
                cmd("CLIENT CAPA").args(capabilities)
            }

            /// The name of this connection, `None` when it has none.
            ///
            /// Redis 2.6.9+.
            fn client_getname() -> Option<String> {
                cmd("CLIENT GETNAME")
            }

            /// The client id tracking invalidations are redirected to: -1 when tracking is
            /// off, 0 when not redirecting.
            ///
            /// Redis 6.0.0+.
            fn client_getredir() -> i64 {
                cmd("CLIENT GETREDIR")
            }

            /// Help text of the CLIENT subcommands.
            ///
            /// Redis 5.0.0+.
            fn client_help() -> Vec<String> {
                cmd("CLIENT HELP")
            }

            /// This connection's client id.
            ///
            /// Redis 5.0.0+.
            fn client_id() -> i64 {
                cmd("CLIENT ID")
            }

            /// Mark this client as an import source while the server is in import mode.
            ///
            /// Valkey 8.1.0+ (not in Redis).
            fn client_import_source(on: bool) -> () {
                cmd("CLIENT IMPORT-SOURCE").arg(on_off(on))
            }

            /// This connection, as CLIENT LIST would show it.
            ///
            /// Redis 6.2.0+.
            ///
            /// ```no_run
            /// # let r = strictredis::StrictRedis::from_url("redis://127.0.0.1/")?;
            /// let me = r.client_info()?;
            /// println!("client {} on db {}", me.id, me.db);
            /// # Ok::<(), strictredis::Error>(())
            /// ```
            fn client_info() -> ClientInfo {
                cmd("CLIENT INFO")
            }

            /// Close the connections a filter selects; returns how many.
            ///
            /// Redis 2.8.12+ (filters).
            fn client_kill(filter: ClientFilter) -> u64 {
                filter.apply(cmd("CLIENT KILL"))
            }

            /// The server's client connections (those a filter selects), parsed.
            ///
            /// Redis 2.4.0+ (`TYPE` 5.0.0+, `ID` 6.2.0+, the other filters Valkey 8.1+).
            ///
            /// ```no_run
            /// # let r = strictredis::StrictRedis::from_url("redis://127.0.0.1/")?;
            /// let clients = r.client_list(Default::default())?;
            /// for c in &clients {
            ///     println!("{} {} idle {}s", c.id, c.addr, c.idle);
            /// }
            /// # Ok::<(), strictredis::Error>(())
            /// ```
            fn client_list(filter: ClientFilter) -> ClientList {
                filter.apply(cmd("CLIENT LIST"))
            }

            /// Whether this connection is exempt from client eviction.
            ///
            /// Redis 7.0.0+.
            fn client_no_evict(on: bool) -> () {
                cmd("CLIENT NO-EVICT").arg(on_off(on))
            }

            /// Whether this connection's commands leave keys' LRU/LFU untouched.
            ///
            /// Redis 7.2.0+ / Valkey.
            fn client_no_touch(on: bool) -> () {
                cmd("CLIENT NO-TOUCH").arg(on_off(on))
            }

            /// Hold back the commands of every client (or only writes) for `timeout_ms`.
            ///
            /// Redis 3.0.0+ (`WRITE`/`ALL`: 6.2.0+).
            fn client_pause(timeout_ms: u64, mode: Option<ClientPauseMode>) -> () {
                cmd("CLIENT PAUSE").arg(timeout_ms).opt_arg(mode.map(|m| match m {
                    ClientPauseMode::Write => "WRITE",
                    ClientPauseMode::All => "ALL",
                }))
            }

            /// Turn the server's replies to this connection on, off, or off for the next
            /// command. With `Off` and `Skip` nothing comes back (the method returns at
            /// once): use them on a [`Connection`](crate::Connection) or
            /// [`PooledConnection`](crate::PooledConnection), outside pipelines.
            ///
            /// Redis 3.2.0+.
            fn client_reply(mode: ClientReplyMode) -> () {
                cmd("CLIENT REPLY").arg(match mode {
                    ClientReplyMode::On => "ON",
                    ClientReplyMode::Off => "OFF",
                    ClientReplyMode::Skip => "SKIP",
                })
            }

            /// Set the library name or version CLIENT LIST shows for this connection.
            ///
            /// Redis 7.2.0+ / Valkey.
            fn client_setinfo(attr: ClientSetInfoAttr, value: impl ToArg) -> () {
                cmd("CLIENT SETINFO")
                    .arg(match attr {
                        ClientSetInfoAttr::LibName => "LIB-NAME",
                        ClientSetInfoAttr::LibVer => "LIB-VER",
                    })
                    .arg(value)
            }

            /// Name this connection (no spaces); an empty name removes it.
            ///
            /// Redis 2.6.9+.
            fn client_setname(name: impl ToArg) -> () {
                cmd("CLIENT SETNAME").arg(name)
            }

            /// Turn server-assisted client-side caching on or off for this connection.
            ///
            /// Redis 6.0.0+.
            fn client_tracking(on: bool, options: ClientTrackingOptions) -> () {
                options.apply(cmd("CLIENT TRACKING").arg(on_off(on)))
            }

            /// This connection's client-side caching state.
            ///
            /// Redis 6.2.0+.
            fn client_trackinginfo() -> TrackingInfo {
                cmd("CLIENT TRACKINGINFO")
            }

            /// Wake another client blocked in BLPOP & co; false when it was not blocked.
            ///
            /// Redis 5.0.0+.
            fn client_unblock(client_id: u64, mode: Option<ClientUnblockMode>) -> bool {
                cmd("CLIENT UNBLOCK").arg(client_id).opt_arg(mode.map(|m| match m {
                    ClientUnblockMode::Timeout => "TIMEOUT",
                    ClientUnblockMode::Error => "ERROR",
                }))
            }

            /// Let paused clients run again.
            ///
            /// Redis 6.2.0+.
            fn client_unpause() -> () {
                cmd("CLIENT UNPAUSE")
            }

            /// The server echoes `message` back.
            ///
            /// Redis 1.0.0+.
            fn echo<T>(message: impl ToArg) -> T {
                cmd("ECHO").arg(message)
            }

            /// Handshake: switch this connection to protocol `protover` (2 or 3),
            /// optionally authenticating and naming it, and describe the server.
            ///
            /// Redis 6.0.0+.
            fn hello(protover: Option<u32>, options: HelloOptions) -> HelloReply {
                hello_cmd(protover, options)
            }

            /// Ask the server for `PONG`.
            ///
            /// Redis 1.0.0+.
            fn ping() -> String {
                cmd("PING")
            }

            /// Ask the server to close this connection (after replying `OK`).
            ///
            /// Redis 1.0.0+ (deprecated in Valkey 7.2+: just close the connection).
            fn quit() -> () {
                cmd("QUIT")
            }

            /// `RESET`: end MULTI, WATCH, subscriptions, tracking and authentication, go back
            /// to database 0 and RESP2; returns `RESET`. A pooled connection that was reset
            /// is closed rather than reused (it may have dropped the pool's authentication).
            ///
            /// Redis 6.2.0+.
            fn reset() -> String {
                cmd("RESET")
            }

            /// Select the database this connection works on.
            ///
            /// On a [`PooledConnection`](crate::PooledConnection) this lasts until the
            /// connection goes back to the pool, which then closes it rather than hand out
            /// a connection on another database; through
            /// [`StrictRedis`](crate::StrictRedis) it affects one call only. To work on
            /// another database, prefer a client whose URL names it (`redis://host/2`).
            ///
            /// Redis 1.0.0+.
            ///
            /// ```no_run
            /// # let r = strictredis::StrictRedis::from_url("redis://127.0.0.1/")?;
            /// let mut conn = r.get_connection()?;
            /// conn.select(2)?;
            /// let v: Option<String> = conn.get("key-in-db-2")?;
            /// # Ok::<(), strictredis::Error>(())
            /// ```
            fn select(index: u32) -> () {
                cmd("SELECT").arg(index)
            }
        }
    };
}
pub(crate) use connection_commands;

#[cfg(test)]
mod tests {
    use super::*;

    const LINE: &str = "id=5 addr=127.0.0.1:5000 laddr=127.0.0.1:6379 fd=7 name=me age=3 \
        idle=1 flags=N db=2 sub=0 psub=0 ssub=0 multi=-1 qbuf=26 cmd=client|info user=default \
        redir=-1 resp=3 lib-name=";

    #[test]
    fn parses_client_lines() {
        let c = ClientInfo::parse(LINE).unwrap();
        assert_eq!(c.id, 5);
        assert_eq!(c.name, "me");
        assert_eq!(c.db, 2);
        assert_eq!(c.resp, 3);
        assert_eq!(c.get("qbuf"), Some("26"));
        assert_eq!(c.get("lib-name"), Some(""));
        let list =
            ClientList::from_value(Value::Bulk(format!("{LINE}\n{LINE}\n").into_bytes())).unwrap();
        assert_eq!(list.len(), 2);
        assert!(ClientInfo::parse("id=x").is_err());
        assert!(ClientInfo::parse("garbage").is_err());
        assert!(ClientInfo::parse("addr=1").is_err());
        assert!(ClientList::from_value(Value::Int(3)).is_err());
    }

    #[test]
    fn hello_options_hide_the_password() {
        let o = HelloOptions {
            auth: Some(("app".into(), "hunter2-canary".into())),
            setname: None,
        };
        let shown = format!("{o:?}");
        assert!(shown.contains("app") && !shown.contains("hunter2"));
    }

    #[test]
    fn filters_write_their_tokens() {
        let f = ClientFilter {
            ids: vec![1, 2],
            client_type: Some(ClientType::Pubsub),
            skipme: Some(false),
            not: ClientNotFilter {
                name: Some("x".into()),
                ..Default::default()
            },
            ..Default::default()
        };
        let c = f.apply(crate::cmd::cmd("CLIENT KILL"));
        let args: Vec<_> = c.args_iter().collect();
        assert_eq!(
            args,
            vec![
                &b"CLIENT"[..],
                b"KILL",
                b"ID",
                b"1",
                b"2",
                b"TYPE",
                b"PUBSUB",
                b"SKIPME",
                b"NO",
                b"NOT-NAME",
                b"x"
            ]
        );
    }
}
