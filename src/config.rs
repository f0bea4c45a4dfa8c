//! Connection settings: [`ConnectionInfo`] and the URL parser behind it.
//!
//! Accepted URL forms:
//!
//! * `redis://[[user][:password]@]host[:port][/db][?query]`
//! * `rediss://...` — the same, over TLS.
//! * `unix:///path/to.sock[?query]`, `redis+unix:///path/to.sock[?query]`,
//!   `unix://[user][:password]@/path/to.sock[?query]` and `unix:/path/to.sock[?query]`.
//!
//! The host may be an IPv6 literal in brackets (`redis://[::1]:6380`); a missing host means
//! `127.0.0.1` and a missing port means `6379`. User name, password, unix socket path and
//! query values are percent-decoded (`%40` is `@`); they must be UTF-8 after decoding.
//! Special characters in a password (`@ : / ? # & %`) should be percent-encoded.
//!
//! Query parameters (unknown names are an error, so typos are caught; when a name is repeated
//! the last one wins):
//!
//! | name | meaning |
//! |------|---------|
//! | `db` | database number (overrides the path) |
//! | `protocol` | `2` or `3` (RESP version) |
//! | `client_name`, `name` | name sent with `CLIENT SETNAME` |
//! | `username`, `password` | credentials (override the user info) |
//! | `connect_timeout` | seconds (float, > 0) or `none` |
//! | `read_timeout`, `socket_timeout` | seconds (float, > 0) or `none` |
//! | `write_timeout` | seconds (float, > 0) or `none` |
//! | `health_check_interval` | seconds (float, >= 0); `0` or `none` disables it |
//! | `min_connections`, `max_connections` | pool sizes (`max_connections` >= 1, >= min) |
//! | `pool_timeout` | seconds (float, >= 0) to wait for a free connection, or `none` (forever) |
//! | `max_retries` | retries of a failed connect or of a command that certainly did not run (see [`crate::retry`]); `0` turns retries off |
//! | `retry_backoff` | seconds (float, >= 0) of the first pause before a retry (doubled for each further one) |
//! | `insecure` | `true`/`false`/`1`/`0`/`yes`/`no`: skip certificate checks (`rediss://` only) |
//! | `ssl_cert_reqs` | `none` (= `insecure=true`) or `required` (`rediss://` only) |
//! | `ssl_ca_certs`, `ca_file` | CA bundle file (`rediss://` only) |
//! | `ssl_certfile`, `cert_file` | client certificate file (`rediss://` only) |
//! | `ssl_keyfile`, `key_file` | client key file (`rediss://` only, needs a certificate) |
//!
//! Every problem is reported as [`Error::Config`] before any I/O. Error messages never contain
//! the password, and no error repeats the whole URL.

use std::fmt::{self, Write as _};
use std::net::Ipv6Addr;
use std::path::PathBuf;
use std::str::FromStr;
use std::time::Duration;

use percent_encoding::{percent_decode_str, utf8_percent_encode, AsciiSet, CONTROLS};

use crate::error::{Error, Result};

/// The port used when a URL gives none.
pub const DEFAULT_PORT: u16 = 6379;

/// The host used when a URL gives none.
pub const DEFAULT_HOST: &str = "127.0.0.1";

/// The default [`ConnectionInfo::connect_timeout`]: 10 seconds.
pub const DEFAULT_CONNECT_TIMEOUT: Duration = Duration::from_secs(10);

/// Where to connect.
#[derive(Clone, PartialEq, Eq, Hash, Debug)]
pub enum ConnectionAddr {
    /// Plain TCP.
    Tcp {
        /// Host name or IP address (an IPv6 address without brackets).
        host: String,
        /// TCP port.
        port: u16,
    },
    /// TCP with TLS (`rediss://`).
    TcpTls {
        /// Host name or IP address (an IPv6 address without brackets); also the name the
        /// server certificate is checked against.
        host: String,
        /// TCP port.
        port: u16,
        /// Skip certificate verification (`?insecure=true` or `?ssl_cert_reqs=none`).
        insecure: bool,
    },
    /// A Unix domain socket.
    Unix(PathBuf),
}

impl fmt::Display for ConnectionAddr {
    /// `host:port`, `[::1]:port` for IPv6 hosts, or `unix:/path/to.sock`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ConnectionAddr::Tcp { host, port } | ConnectionAddr::TcpTls { host, port, .. } => {
                if host.contains(':') {
                    write!(f, "[{host}]:{port}")
                } else {
                    write!(f, "{host}:{port}")
                }
            }
            ConnectionAddr::Unix(path) => write!(f, "unix:{}", path.display()),
        }
    }
}

/// RESP protocol version.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug, Default)]
pub enum Protocol {
    /// RESP2, spoken by every Redis version (the default).
    #[default]
    Resp2,
    /// RESP3, negotiated with `HELLO 3` (Redis 6 and later).
    Resp3,
}

/// Pool size/timeout values given in a URL; `None` = not given (the pool's own default applies).
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug, Default)]
pub struct PoolOverrides {
    /// Connections the pool keeps open even when idle (`?min_connections=`).
    pub min_connections: Option<usize>,
    /// Most connections the pool opens at once, at least 1 (`?max_connections=`).
    pub max_connections: Option<usize>,
    /// How long to wait for a free connection (`?pool_timeout=`): `Some(None)` means wait
    /// forever (`pool_timeout=none`), `Some(Some(d))` at most `d` (zero: do not wait).
    pub pool_timeout: Option<Option<Duration>>,
    /// Retries of the pool's [`RetryPolicy`](crate::RetryPolicy) (`?max_retries=`).
    pub max_retries: Option<u32>,
    /// First pause of the pool's [`RetryPolicy`](crate::RetryPolicy) (`?retry_backoff=`).
    pub retry_backoff: Option<Duration>,
}

/// TLS options (used by `rediss://`), all optional.
#[derive(Clone, PartialEq, Eq, Hash, Debug, Default)]
pub struct TlsOptions {
    /// PEM file with the CA certificates to trust instead of the system roots.
    pub ca_file: Option<PathBuf>,
    /// PEM file with the client certificate (for mutual TLS).
    pub cert_file: Option<PathBuf>,
    /// PEM file with the client certificate's private key.
    pub key_file: Option<PathBuf>,
}

/// Everything needed to open one connection. `Debug` redacts the password.
///
/// Build one with [`ConnectionInfo::from_url`] (or `str::parse`), or start from
/// [`ConnectionInfo::default()`] and set fields.
#[derive(Clone, PartialEq, Eq)]
pub struct ConnectionInfo {
    /// Where to connect. Default: TCP `127.0.0.1:6379`.
    pub addr: ConnectionAddr,
    /// Database selected with `SELECT` after connecting. Default: 0.
    pub db: u32,
    /// ACL user name for `AUTH` (Redis 6+). Default: none.
    pub username: Option<String>,
    /// Password for `AUTH`. Default: none. Never shown by `Debug`, errors or
    /// [`ConnectionInfo::redacted_url`].
    pub password: Option<String>,
    /// Name set with `CLIENT SETNAME`. Default: none.
    pub client_name: Option<String>,
    /// RESP version. Default: [`Protocol::Resp2`].
    pub protocol: Protocol,
    /// Longest wait for the connection to be established; `None` = the OS's own limit.
    /// Default: `Some(10s)` ([`DEFAULT_CONNECT_TIMEOUT`]). Must not be zero.
    pub connect_timeout: Option<Duration>,
    /// Longest wait for a reply; `None` = block until it comes. Default: `None`.
    /// Must not be zero.
    pub read_timeout: Option<Duration>,
    /// Longest wait for a write to complete; `None` = block. Default: `None`.
    /// Must not be zero.
    pub write_timeout: Option<Duration>,
    /// When a pooled connection has been idle this long, it is checked with `PING` before
    /// use; `None` = never. Default: `None`.
    pub health_check_interval: Option<Duration>,
    /// Pool settings given in the URL. Default: none given.
    pub pool: PoolOverrides,
    /// TLS files for `rediss://`. Default: none (system roots, no client certificate).
    pub tls: TlsOptions,
}

impl Default for ConnectionInfo {
    /// TCP to `127.0.0.1:6379`, db 0, no credentials, no client name, RESP2,
    /// a 10 second connect timeout, blocking reads and writes, no health checks,
    /// no pool overrides and no TLS files.
    fn default() -> Self {
        ConnectionInfo {
            addr: ConnectionAddr::Tcp {
                host: DEFAULT_HOST.to_string(),
                port: DEFAULT_PORT,
            },
            db: 0,
            username: None,
            password: None,
            client_name: None,
            protocol: Protocol::Resp2,
            connect_timeout: Some(DEFAULT_CONNECT_TIMEOUT),
            read_timeout: None,
            write_timeout: None,
            health_check_interval: None,
            pool: PoolOverrides::default(),
            tls: TlsOptions::default(),
        }
    }
}

impl fmt::Debug for ConnectionInfo {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ConnectionInfo")
            .field("addr", &self.addr)
            .field("db", &self.db)
            .field("username", &self.username)
            .field("password", &self.password.as_ref().map(|_| "***"))
            .field("client_name", &self.client_name)
            .field("protocol", &self.protocol)
            .field("connect_timeout", &self.connect_timeout)
            .field("read_timeout", &self.read_timeout)
            .field("write_timeout", &self.write_timeout)
            .field("health_check_interval", &self.health_check_interval)
            .field("pool", &self.pool)
            .field("tls", &self.tls)
            .finish()
    }
}

impl FromStr for ConnectionInfo {
    type Err = Error;

    /// Same as [`ConnectionInfo::from_url`].
    fn from_str(s: &str) -> Result<Self> {
        ConnectionInfo::from_url(s)
    }
}

impl ConnectionInfo {
    /// Parses a `redis://`, `rediss://`, `unix://` or `redis+unix://` URL (see the
    /// [module docs](self) for the forms and query parameters).
    ///
    /// # Errors
    ///
    /// [`Error::Config`] for anything malformed: unknown scheme, bad port, bad database
    /// number, unknown query parameter, bad number, `min_connections > max_connections`, ...
    /// The message never contains the password.
    pub fn from_url(url: &str) -> Result<Self> {
        let mut parser = UrlParser::default();
        match parser.parse(url) {
            Ok(info) => Ok(info),
            Err(msg) => Err(Error::Config(parser.scrub(msg))),
        }
    }

    /// True for `rediss://` ([`ConnectionAddr::TcpTls`]).
    pub fn is_tls(&self) -> bool {
        matches!(self.addr, ConnectionAddr::TcpTls { .. })
    }

    /// True for a Unix domain socket ([`ConnectionAddr::Unix`]).
    pub fn is_unix(&self) -> bool {
        matches!(self.addr, ConnectionAddr::Unix(_))
    }

    /// The settings written back as a URL, with the password replaced by `***`: safe for
    /// logs. Settings at their default are left out. Parsing the result gives back the same
    /// settings (with the password `***`).
    pub fn redacted_url(&self) -> String {
        let mut url = String::new();
        let mut params: Vec<(&str, String)> = Vec::new();
        let mut userinfo = String::new();
        if self.username.is_some() || self.password.is_some() {
            if let Some(user) = &self.username {
                userinfo.extend(utf8_percent_encode(user, COMPONENT));
            }
            if self.password.is_some() {
                userinfo.push_str(":***");
            }
            userinfo.push('@');
        }
        match &self.addr {
            ConnectionAddr::Tcp { host, port } | ConnectionAddr::TcpTls { host, port, .. } => {
                url.push_str(if self.is_tls() {
                    "rediss://"
                } else {
                    "redis://"
                });
                url.push_str(&userinfo);
                if host.contains(':') {
                    let _ = write!(url, "[{host}]");
                } else {
                    url.extend(utf8_percent_encode(host, COMPONENT));
                }
                let _ = write!(url, ":{port}");
                if self.db != 0 {
                    let _ = write!(url, "/{}", self.db);
                }
            }
            ConnectionAddr::Unix(path) => {
                let path = path.to_string_lossy();
                if path.starts_with('/') {
                    url.push_str("unix://");
                    url.push_str(&userinfo);
                } else {
                    // A relative path cannot follow user info: pass the credentials as
                    // query parameters instead.
                    url.push_str("unix:");
                    if let Some(user) = &self.username {
                        params.push(("username", encode_value(user)));
                    }
                    if self.password.is_some() {
                        params.push(("password", "***".to_string()));
                    }
                }
                url.extend(utf8_percent_encode(&path, PATH));
                if self.db != 0 {
                    params.push(("db", self.db.to_string()));
                }
            }
        }
        if self.protocol == Protocol::Resp3 {
            params.push(("protocol", "3".to_string()));
        }
        if let Some(name) = &self.client_name {
            params.push(("client_name", encode_value(name)));
        }
        if self.connect_timeout != Some(DEFAULT_CONNECT_TIMEOUT) {
            params.push(("connect_timeout", fmt_opt_secs(self.connect_timeout)));
        }
        if let Some(d) = self.read_timeout {
            params.push(("read_timeout", fmt_secs(d)));
        }
        if let Some(d) = self.write_timeout {
            params.push(("write_timeout", fmt_secs(d)));
        }
        if let Some(d) = self.health_check_interval {
            params.push(("health_check_interval", fmt_secs(d)));
        }
        if let Some(n) = self.pool.min_connections {
            params.push(("min_connections", n.to_string()));
        }
        if let Some(n) = self.pool.max_connections {
            params.push(("max_connections", n.to_string()));
        }
        if let Some(t) = self.pool.pool_timeout {
            params.push(("pool_timeout", fmt_opt_secs(t)));
        }
        if let Some(n) = self.pool.max_retries {
            params.push(("max_retries", n.to_string()));
        }
        if let Some(d) = self.pool.retry_backoff {
            params.push(("retry_backoff", fmt_secs(d)));
        }
        if let ConnectionAddr::TcpTls { insecure: true, .. } = self.addr {
            params.push(("insecure", "true".to_string()));
        }
        let files = [
            ("ca_file", &self.tls.ca_file),
            ("cert_file", &self.tls.cert_file),
            ("key_file", &self.tls.key_file),
        ];
        for (name, file) in files {
            if let Some(file) = file {
                params.push((name, encode_value(&file.to_string_lossy())));
            }
        }
        for (i, (name, value)) in params.iter().enumerate() {
            url.push(if i == 0 { '?' } else { '&' });
            url.push_str(name);
            url.push('=');
            url.push_str(value);
        }
        url
    }
}

/// Characters left as they are in user names and hosts: the URL "unreserved" set.
const COMPONENT: &AsciiSet = &percent_encoding::NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'.')
    .remove(b'_')
    .remove(b'~');

/// Unix socket paths: like [`COMPONENT`], but `/` stays.
const PATH: &AsciiSet = &COMPONENT.remove(b'/');

/// Query values: only what would break the query is encoded.
const QUERY_VALUE: &AsciiSet = &CONTROLS
    .add(b' ')
    .add(b'"')
    .add(b'#')
    .add(b'%')
    .add(b'&')
    .add(b'+')
    .add(b'<')
    .add(b'>')
    .add(b'=')
    .add(b'?')
    .add(b'@')
    .add(b'`')
    .add(b'{')
    .add(b'}');

fn encode_value(s: &str) -> String {
    utf8_percent_encode(s, QUERY_VALUE).to_string()
}

fn fmt_secs(d: Duration) -> String {
    d.as_secs_f64().to_string()
}

fn fmt_opt_secs(d: Option<Duration>) -> String {
    d.map_or_else(|| "none".to_string(), fmt_secs)
}

const SCHEMES_HINT: &str = "expected redis://, rediss://, unix:// or redis+unix://";

/// Said instead of a piece of the URL when that piece might be part of a badly encoded
/// password.
const HIDDEN_AT: &str =
    "(not shown: the URL has an '@' outside its user info, so it may be part of a password; \
     percent-encode special characters in passwords, e.g. '@' as %40)";
const HIDDEN_AFTER_PASSWORD: &str =
    "(not shown: it follows a password parameter and may be part of it; \
     percent-encode '&' in passwords as %26)";

type ParseResult<T> = std::result::Result<T, String>;

/// The URL parser. Errors are plain strings, turned into [`Error::Config`] after
/// [`UrlParser::scrub`].
#[derive(Default)]
struct UrlParser {
    /// Passwords seen so far (raw and decoded), so that no error can repeat them.
    secrets: Vec<String>,
    /// Set when pieces of the URL must not be quoted in errors (see [`HIDDEN_AT`]).
    hide_pieces: bool,
}

/// A query value or piece of the URL, quoted for an error message unless hidden.
fn quote(piece: &str, hidden: Option<&'static str>) -> String {
    match hidden {
        Some(reason) => reason.to_string(),
        None => format!("{piece:?}"),
    }
}

fn decode(s: &str, what: &str) -> ParseResult<String> {
    percent_decode_str(s)
        .decode_utf8()
        .map(|c| c.into_owned())
        .map_err(|_| format!("{what} is not valid UTF-8 after percent-decoding"))
}

fn non_empty(s: String) -> Option<String> {
    if s.is_empty() {
        None
    } else {
        Some(s)
    }
}

fn is_scheme(s: &str) -> bool {
    let mut chars = s.chars();
    chars.next().is_some_and(|c| c.is_ascii_alphabetic())
        && chars.all(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '-' | '.'))
}

fn split_query(s: &str) -> (&str, Option<&str>) {
    match s.find('?') {
        Some(i) => (&s[..i], Some(&s[i + 1..])),
        None => (s, None),
    }
}

impl UrlParser {
    fn hidden(&self) -> Option<&'static str> {
        if self.hide_pieces {
            Some(HIDDEN_AT)
        } else {
            None
        }
    }

    fn add_secret(&mut self, raw: &str) {
        if !raw.is_empty() {
            self.secrets.push(raw.to_string());
            let decoded = percent_decode_str(raw).decode_utf8_lossy().into_owned();
            if decoded != raw {
                self.secrets.push(decoded);
            }
        }
    }

    /// Last line of defence: an error message that still contains a password is replaced.
    fn scrub(&self, msg: String) -> String {
        let leaks = self
            .secrets
            .iter()
            .any(|s| s.chars().count() >= 3 && msg.contains(s.as_str()));
        if leaks {
            "invalid URL (details not shown because they would reveal the password)".to_string()
        } else {
            msg
        }
    }

    fn parse(&mut self, input: &str) -> ParseResult<ConnectionInfo> {
        let s = input.trim();
        if s.is_empty() {
            return Err(format!("empty URL ({SCHEMES_HINT})"));
        }
        let Some(colon) = s.find(':') else {
            return Err(format!("URL has no scheme ({SCHEMES_HINT})"));
        };
        let scheme = &s[..colon];
        let rest = &s[colon + 1..];
        match scheme.to_ascii_lowercase().as_str() {
            "redis" => self.parse_tcp(rest, false),
            "rediss" => self.parse_tcp(rest, true),
            "unix" | "redis+unix" => self.parse_unix(rest),
            _ if is_scheme(scheme) => Err(format!(
                "unsupported URL scheme {scheme:?} ({SCHEMES_HINT})"
            )),
            _ => Err(format!("URL has no scheme ({SCHEMES_HINT})")),
        }
    }

    fn parse_tcp(&mut self, rest: &str, tls: bool) -> ParseResult<ConnectionInfo> {
        let Some(rest) = rest.strip_prefix("//") else {
            let scheme = if tls { "rediss" } else { "redis" };
            return Err(format!(
                "a {scheme} URL needs '//' after the scheme: {scheme}://host:port/db"
            ));
        };
        let (head, query) = split_query(rest);
        // The host and path cannot contain '@', so the last '@' before the query ends the
        // user info, even when a password has an unencoded '@', '/' or '#' in it.
        let (userinfo, hostpath) = match head.rfind('@') {
            Some(at) => (Some(&head[..at]), &head[at + 1..]),
            None => (None, head),
        };
        if let Some(userinfo) = userinfo {
            if let Some(i) = userinfo.find(':') {
                self.add_secret(&userinfo[i + 1..]);
            }
        }
        if query.is_some_and(|q| q.contains('@')) {
            // Either a query value has an '@' or a password has an unencoded '?': pieces of
            // the URL may be pieces of the password.
            self.hide_pieces = true;
        }
        if hostpath.contains('#') || query.is_some_and(|q| q.contains('#')) {
            return Err(
                "URL fragments ('#...') are not supported; percent-encode '#' as %23".to_string(),
            );
        }
        let mut info = ConnectionInfo::default();
        if let Some(userinfo) = userinfo {
            self.userinfo(userinfo, &mut info)?;
        }
        let (hostport, path) = match hostpath.find('/') {
            Some(i) => (&hostpath[..i], &hostpath[i + 1..]),
            None => (hostpath, ""),
        };
        let (host, port) = self.host_port(hostport)?;
        info.addr = if tls {
            ConnectionAddr::TcpTls {
                host,
                port,
                insecure: false,
            }
        } else {
            ConnectionAddr::Tcp { host, port }
        };
        if !path.is_empty() {
            info.db = parse_db(path, self.hidden())
                .map_err(|e| format!("invalid database number in the URL path: {e}"))?;
        }
        if let Some(query) = query {
            self.query(query, &mut info)?;
        }
        Ok(info)
    }

    fn parse_unix(&mut self, rest: &str) -> ParseResult<ConnectionInfo> {
        let (head, query) = split_query(rest);
        let (userinfo, path) = match head.strip_prefix("//") {
            None => (None, head),
            Some(r) if r.starts_with('/') => (None, r),
            Some(r) => match r.rfind("@/") {
                Some(at) => (Some(&r[..at]), &r[at + 1..]),
                None => {
                    let (authority, path) = match r.find('/') {
                        Some(i) => (&r[..i], &r[i..]),
                        None => (r, ""),
                    };
                    if !authority.is_empty() && !authority.eq_ignore_ascii_case("localhost") {
                        return Err("a unix socket URL takes no host: use unix:///path/to.sock \
                                    or unix://user:password@/path/to.sock"
                            .to_string());
                    }
                    (None, path)
                }
            },
        };
        if let Some(userinfo) = userinfo {
            if let Some(i) = userinfo.find(':') {
                self.add_secret(&userinfo[i + 1..]);
            }
        }
        if query.is_some_and(|q| q.contains('@')) {
            self.hide_pieces = true;
        }
        if path.contains('#') || query.is_some_and(|q| q.contains('#')) {
            return Err(
                "URL fragments ('#...') are not supported; percent-encode '#' as %23".to_string(),
            );
        }
        let mut info = ConnectionInfo::default();
        if let Some(userinfo) = userinfo {
            self.userinfo(userinfo, &mut info)?;
        }
        let path = decode(path, "the unix socket path")?;
        if path.is_empty() || path == "/" {
            return Err("the unix socket URL has an empty path: use unix:///path/to.sock".into());
        }
        info.addr = ConnectionAddr::Unix(PathBuf::from(path));
        if let Some(query) = query {
            self.query(query, &mut info)?;
        }
        Ok(info)
    }

    fn userinfo(&mut self, userinfo: &str, info: &mut ConnectionInfo) -> ParseResult<()> {
        let (user, password) = match userinfo.find(':') {
            Some(i) => (&userinfo[..i], Some(&userinfo[i + 1..])),
            None => (userinfo, None),
        };
        info.username = non_empty(decode(user, "the user name")?);
        info.password = match password {
            Some(p) => non_empty(decode(p, "the password")?),
            None => None,
        };
        Ok(())
    }

    fn host_port(&self, hostport: &str) -> ParseResult<(String, u16)> {
        let hidden = self.hidden();
        if let Some(bracketed) = hostport.strip_prefix('[') {
            let Some(close) = bracketed.find(']') else {
                return Err("the IPv6 host has no closing ']': use redis://[::1]:6379".into());
            };
            let host = &bracketed[..close];
            if host.parse::<Ipv6Addr>().is_err() {
                return Err(format!(
                    "invalid IPv6 address {} in brackets",
                    quote(host, hidden)
                ));
            }
            let after = &bracketed[close + 1..];
            let port = if after.is_empty() {
                DEFAULT_PORT
            } else if let Some(port) = after.strip_prefix(':') {
                parse_port(port, hidden)?
            } else {
                return Err("unexpected characters after ']' in the host: use [::1]:6379".into());
            };
            return Ok((host.to_string(), port));
        }
        let (host, port) = match hostport.find(':') {
            Some(i) => (&hostport[..i], Some(&hostport[i + 1..])),
            None => (hostport, None),
        };
        if let Some(bad) = host
            .chars()
            .find(|c| !(c.is_ascii_alphanumeric() || matches!(c, '-' | '.' | '_')))
        {
            return Err(match hidden {
                Some(reason) => format!("invalid character in the host {reason}"),
                None => format!("invalid character {bad:?} in the host {host:?}"),
            });
        }
        let host = if host.is_empty() { DEFAULT_HOST } else { host };
        let port = match port {
            Some(p) => parse_port(p, hidden)?,
            None => DEFAULT_PORT,
        };
        Ok((host.to_string(), port))
    }

    fn query(&mut self, query: &str, info: &mut ConnectionInfo) -> ParseResult<()> {
        // Values are only quoted in errors when they cannot be pieces of a password.
        let mut hidden = self.hidden();
        let mut insecure: Option<bool> = None;
        let mut tls_only: Option<&'static str> = None;
        for pair in query.split('&') {
            if pair.is_empty() {
                continue;
            }
            let Some(eq) = pair.find('=') else {
                return Err(format!(
                    "query parameter {} has no value (expected name=value)",
                    quote(pair, hidden)
                ));
            };
            let (raw_key, raw_value) = (&pair[..eq], &pair[eq + 1..]);
            let key = decode(raw_key, "a query parameter name")?;
            if key == "password" {
                self.add_secret(raw_value);
                info.password = non_empty(decode(raw_value, "the password")?);
                hidden = hidden.or(Some(HIDDEN_AFTER_PASSWORD));
                continue;
            }
            let Some(name) = KNOWN_KEYS.iter().copied().find(|k| *k == key) else {
                return Err(format!(
                    "unknown query parameter {} (known: {}, password)",
                    quote(&key, hidden),
                    KNOWN_KEYS.join(", ")
                ));
            };
            let value = decode(raw_value, &format!("the value of query parameter '{name}'"))?;
            let bad = |e: String| format!("invalid value for query parameter '{name}': {e}");
            match name {
                "db" => info.db = parse_db(&value, hidden).map_err(bad)?,
                "protocol" => {
                    info.protocol = match value.as_str() {
                        "2" => Protocol::Resp2,
                        "3" => Protocol::Resp3,
                        _ => {
                            return Err(bad(format!("{} (expected 2 or 3)", quote(&value, hidden))))
                        }
                    }
                }
                "client_name" | "name" => {
                    if value.is_empty()
                        || value.chars().any(|c| c.is_whitespace() || c.is_control())
                    {
                        return Err(bad(format!(
                            "{} (a client name must be non-empty, without spaces)",
                            quote(&value, hidden)
                        )));
                    }
                    info.client_name = Some(value);
                }
                "username" => info.username = non_empty(value),
                "connect_timeout" => {
                    info.connect_timeout = parse_timeout(&value, hidden).map_err(bad)?
                }
                "read_timeout" | "socket_timeout" => {
                    info.read_timeout = parse_timeout(&value, hidden).map_err(bad)?
                }
                "write_timeout" => {
                    info.write_timeout = parse_timeout(&value, hidden).map_err(bad)?
                }
                "health_check_interval" => {
                    info.health_check_interval = if value == "none" {
                        None
                    } else {
                        Some(parse_secs(&value, hidden).map_err(bad)?).filter(|d| !d.is_zero())
                    }
                }
                "min_connections" => {
                    info.pool.min_connections = Some(parse_count(&value, hidden).map_err(bad)?)
                }
                "max_connections" => {
                    let n = parse_count(&value, hidden).map_err(bad)?;
                    if n == 0 {
                        return Err(bad("must be at least 1".to_string()));
                    }
                    info.pool.max_connections = Some(n);
                }
                "pool_timeout" => {
                    info.pool.pool_timeout = Some(if value == "none" {
                        None
                    } else {
                        Some(parse_secs(&value, hidden).map_err(bad)?)
                    })
                }
                "max_retries" => {
                    let n = parse_count(&value, hidden).map_err(bad)?;
                    info.pool.max_retries =
                        Some(u32::try_from(n).map_err(|_| bad("too large".to_string()))?);
                }
                "retry_backoff" => {
                    info.pool.retry_backoff = Some(parse_secs(&value, hidden).map_err(bad)?)
                }
                "insecure" => {
                    tls_only = tls_only.or(Some(name));
                    insecure = Some(match value.to_ascii_lowercase().as_str() {
                        "true" | "1" | "yes" | "on" => true,
                        "false" | "0" | "no" | "off" => false,
                        _ => {
                            return Err(bad(format!(
                                "{} (expected true or false)",
                                quote(&value, hidden)
                            )))
                        }
                    });
                }
                "ssl_cert_reqs" => {
                    tls_only = tls_only.or(Some(name));
                    insecure = Some(match value.to_ascii_lowercase().as_str() {
                        "none" | "cert_none" => true,
                        "required" | "cert_required" => false,
                        _ => {
                            return Err(bad(format!(
                                "{} (expected none or required)",
                                quote(&value, hidden)
                            )))
                        }
                    });
                }
                "ssl_ca_certs" | "ca_file" | "ssl_certfile" | "cert_file" | "ssl_keyfile"
                | "key_file" => {
                    tls_only = tls_only.or(Some(name));
                    if value.is_empty() {
                        return Err(bad("the file name is empty".to_string()));
                    }
                    let file = Some(PathBuf::from(value));
                    match name {
                        "ssl_ca_certs" | "ca_file" => info.tls.ca_file = file,
                        "ssl_certfile" | "cert_file" => info.tls.cert_file = file,
                        _ => info.tls.key_file = file,
                    }
                }
                _ => unreachable_key(name)?,
            }
        }
        if let (Some(min), Some(max)) = (info.pool.min_connections, info.pool.max_connections) {
            if min > max {
                return Err(format!(
                    "min_connections ({min}) is greater than max_connections ({max})"
                ));
            }
        }
        if info.tls.key_file.is_some() && info.tls.cert_file.is_none() {
            return Err("a TLS key file was given without a certificate file (cert_file)".into());
        }
        match &mut info.addr {
            ConnectionAddr::TcpTls { insecure: flag, .. } => {
                if let Some(insecure) = insecure {
                    *flag = insecure;
                }
            }
            _ => {
                if let Some(name) = tls_only {
                    return Err(format!(
                        "query parameter '{name}' only applies to TLS (rediss://) URLs"
                    ));
                }
            }
        }
        Ok(())
    }
}

/// Every query parameter name except `password`, which is handled apart.
const KNOWN_KEYS: &[&str] = &[
    "db",
    "protocol",
    "client_name",
    "name",
    "username",
    "connect_timeout",
    "read_timeout",
    "socket_timeout",
    "write_timeout",
    "health_check_interval",
    "min_connections",
    "max_connections",
    "pool_timeout",
    "max_retries",
    "retry_backoff",
    "insecure",
    "ssl_cert_reqs",
    "ssl_ca_certs",
    "ca_file",
    "ssl_certfile",
    "cert_file",
    "ssl_keyfile",
    "key_file",
];

/// Reports a name in [`KNOWN_KEYS`] that `UrlParser::query` forgot to handle (a bug), without
/// panicking.
fn unreachable_key(name: &str) -> ParseResult<()> {
    Err(format!("query parameter '{name}' is not supported"))
}

fn parse_port(s: &str, hidden: Option<&'static str>) -> ParseResult<u16> {
    if s.is_empty() {
        return Err("missing port number after ':' in the URL".into());
    }
    match s.parse::<u16>() {
        Ok(port) if port != 0 && s.bytes().all(|b| b.is_ascii_digit()) => Ok(port),
        _ => Err(format!(
            "invalid port {} in the URL: expected a number from 1 to 65535",
            quote(s, hidden)
        )),
    }
}

fn parse_db(s: &str, hidden: Option<&'static str>) -> ParseResult<u32> {
    match s.parse::<u32>() {
        Ok(db) if s.bytes().all(|b| b.is_ascii_digit()) => Ok(db),
        _ => Err(format!(
            "{} (expected a database number such as 0 or 3)",
            quote(s, hidden)
        )),
    }
}

fn parse_count(s: &str, hidden: Option<&'static str>) -> ParseResult<usize> {
    match s.parse::<usize>() {
        Ok(n) if s.bytes().all(|b| b.is_ascii_digit()) => Ok(n),
        _ => Err(format!("{} (expected a whole number)", quote(s, hidden))),
    }
}

/// Seconds as a float: finite and not negative.
fn parse_secs(s: &str, hidden: Option<&'static str>) -> ParseResult<Duration> {
    let secs = s
        .parse::<f64>()
        .ok()
        .filter(|x| x.is_finite() && *x >= 0.0 && !s.starts_with(['+', '-']));
    match secs.map(Duration::try_from_secs_f64) {
        Some(Ok(d)) => Ok(d),
        Some(Err(_)) => Err(format!("{} is too large", quote(s, hidden))),
        None => Err(format!(
            "{} (expected seconds as a non-negative number, such as 5 or 0.5)",
            quote(s, hidden)
        )),
    }
}

/// A connect/read/write timeout: seconds greater than zero, or `none`.
fn parse_timeout(s: &str, hidden: Option<&'static str>) -> ParseResult<Option<Duration>> {
    if s == "none" {
        return Ok(None);
    }
    let d = parse_secs(s, hidden)?;
    if d.is_zero() {
        return Err("a timeout must be greater than zero (use 'none' for no timeout)".into());
    }
    Ok(Some(d))
}

#[cfg(test)]
mod tests {
    use super::*;

    const CANARY: &str = "Canary-P4ss";

    fn parse(url: &str) -> ConnectionInfo {
        match ConnectionInfo::from_url(url) {
            Ok(info) => info,
            Err(e) => panic!("{url:?} should parse, got: {e}"),
        }
    }

    fn err(url: &str) -> String {
        match ConnectionInfo::from_url(url) {
            Ok(info) => panic!("{url:?} should fail, got {info:?}"),
            Err(Error::Config(msg)) => msg,
            Err(e) => panic!("{url:?} should give a config error, got {e:?}"),
        }
    }

    fn tcp(host: &str, port: u16) -> ConnectionAddr {
        ConnectionAddr::Tcp {
            host: host.to_string(),
            port,
        }
    }

    fn secs(x: f64) -> Duration {
        Duration::from_secs_f64(x)
    }

    #[test]
    fn defaults() {
        let info = ConnectionInfo::default();
        assert_eq!(info.addr, tcp("127.0.0.1", 6379));
        assert_eq!(info.db, 0);
        assert_eq!(info.username, None);
        assert_eq!(info.password, None);
        assert_eq!(info.client_name, None);
        assert_eq!(info.protocol, Protocol::Resp2);
        assert_eq!(info.connect_timeout, Some(Duration::from_secs(10)));
        assert_eq!(info.read_timeout, None);
        assert_eq!(info.write_timeout, None);
        assert_eq!(info.health_check_interval, None);
        assert_eq!(info.pool, PoolOverrides::default());
        assert_eq!(info.tls, TlsOptions::default());
        assert!(!info.is_tls());
        assert!(!info.is_unix());
    }

    #[test]
    fn simple_tcp_forms() {
        assert_eq!(parse("redis://localhost").addr, tcp("localhost", 6379));
        assert_eq!(parse("redis://localhost:6380").addr, tcp("localhost", 6380));
        assert_eq!(parse("redis://example.com:1/").addr, tcp("example.com", 1));
        assert_eq!(
            parse("redis://10.0.0.1:65535/2").addr,
            tcp("10.0.0.1", 65535)
        );
        assert_eq!(parse("REDIS://Host").addr, tcp("Host", 6379));
        assert_eq!(parse("  redis://h \n").addr, tcp("h", 6379));
        assert_eq!(
            parse("redis://my_host-1.local").addr,
            tcp("my_host-1.local", 6379)
        );
        assert_eq!(parse("redis://h"), parse("redis://h:6379/0"));
        assert_eq!(parse("redis://h:6379/0?").addr, tcp("h", 6379));
        assert_eq!(
            "redis://h:7000".parse::<ConnectionInfo>().unwrap().addr,
            tcp("h", 7000)
        );
    }

    #[test]
    fn missing_host_means_localhost() {
        assert_eq!(parse("redis://").addr, tcp("127.0.0.1", 6379));
        assert_eq!(parse("redis:///3").db, 3);
        assert_eq!(parse("redis://:6380").addr, tcp("127.0.0.1", 6380));
        assert_eq!(parse("redis://:pw@").addr, tcp("127.0.0.1", 6379));
        assert_eq!(parse("redis://:pw@").password.as_deref(), Some("pw"));
    }

    #[test]
    fn ipv6_hosts() {
        assert_eq!(parse("redis://[::1]:6380").addr, tcp("::1", 6380));
        assert_eq!(parse("redis://[::1]").addr, tcp("::1", 6379));
        assert_eq!(
            parse("redis://[2001:db8::7]/4").addr,
            tcp("2001:db8::7", 6379)
        );
        assert_eq!(parse("redis://[2001:db8::7]/4").db, 4);
        assert_eq!(parse("redis://u:p@[::1]:7000").addr, tcp("::1", 7000));
        assert!(err("redis://[::1").contains("']'"));
        assert!(err("redis://[nope]:1").contains("IPv6"));
        assert!(err("redis://[]").contains("IPv6"));
        assert!(err("redis://[::1]x").contains("']'"));
        assert!(err("redis://[::1]:").contains("port"));
        assert!(err("redis://[::1]:0").contains("port"));
        assert!(err("redis://::1").contains("port"));
    }

    #[test]
    fn tls_urls() {
        let info = parse("rediss://cache.example.com");
        assert!(info.is_tls());
        assert_eq!(
            info.addr,
            ConnectionAddr::TcpTls {
                host: "cache.example.com".into(),
                port: 6379,
                insecure: false
            }
        );
        for q in [
            "insecure=true",
            "insecure=1",
            "insecure=YES",
            "ssl_cert_reqs=none",
        ] {
            let info = parse(&format!("rediss://h:6390?{q}"));
            assert_eq!(
                info.addr,
                ConnectionAddr::TcpTls {
                    host: "h".into(),
                    port: 6390,
                    insecure: true
                },
                "{q}"
            );
        }
        for q in [
            "insecure=false",
            "insecure=0",
            "insecure=no",
            "ssl_cert_reqs=required",
        ] {
            let info = parse(&format!("rediss://h?{q}"));
            assert!(
                matches!(
                    info.addr,
                    ConnectionAddr::TcpTls {
                        insecure: false,
                        ..
                    }
                ),
                "{q}"
            );
        }
        assert_eq!(
            parse("rediss://h?insecure=true&insecure=false").addr,
            ConnectionAddr::TcpTls {
                host: "h".into(),
                port: 6379,
                insecure: false
            }
        );
        let info = parse(
            "rediss://h?ssl_ca_certs=/etc/ca.pem&ssl_certfile=/c.pem&ssl_keyfile=/k%20ey.pem",
        );
        assert_eq!(info.tls.ca_file, Some(PathBuf::from("/etc/ca.pem")));
        assert_eq!(info.tls.cert_file, Some(PathBuf::from("/c.pem")));
        assert_eq!(info.tls.key_file, Some(PathBuf::from("/k ey.pem")));
        let info = parse("rediss://h?ca_file=ca.pem&cert_file=c.pem&key_file=k.pem");
        assert_eq!(info.tls.ca_file, Some(PathBuf::from("ca.pem")));
        assert_eq!(info.tls.cert_file, Some(PathBuf::from("c.pem")));
        assert_eq!(info.tls.key_file, Some(PathBuf::from("k.pem")));

        assert!(err("rediss://h?insecure=maybe").contains("insecure"));
        assert!(err("rediss://h?ssl_cert_reqs=optional").contains("ssl_cert_reqs"));
        assert!(err("rediss://h?key_file=k.pem").contains("cert_file"));
        assert!(err("rediss://h?ca_file=").contains("ca_file"));
        // TLS options on plain connections are most likely a mistake.
        assert!(err("redis://h?insecure=true").contains("rediss://"));
        assert!(err("redis://h?ca_file=/x").contains("ca_file"));
        assert!(err("unix:///s?ssl_cert_reqs=none").contains("ssl_cert_reqs"));
    }

    #[test]
    fn db_from_path_and_query() {
        assert_eq!(parse("redis://h/3").db, 3);
        assert_eq!(parse("redis://h/").db, 0);
        assert_eq!(parse("redis://h").db, 0);
        assert_eq!(parse("redis://h:1/15").db, 15);
        assert_eq!(parse("redis://h/3?db=5").db, 5);
        assert_eq!(parse("redis://h?db=1&db=2").db, 2);
        assert_eq!(parse("redis://h/4294967295").db, u32::MAX);
        for bad in ["x", "-1", "+1", "3/", "3/4", "1.5", "4294967296", " 1"] {
            let msg = err(&format!("redis://h/{bad}"));
            assert!(msg.contains("database"), "{bad}: {msg}");
        }
        assert!(err("redis://h?db=x").contains("'db'"));
        assert!(err("redis://h?db=").contains("'db'"));
    }

    #[test]
    fn userinfo_forms() {
        let info = parse("redis://:secret@h");
        assert_eq!(info.username, None);
        assert_eq!(info.password.as_deref(), Some("secret"));
        let info = parse("redis://user:secret@h:1/2");
        assert_eq!(info.username.as_deref(), Some("user"));
        assert_eq!(info.password.as_deref(), Some("secret"));
        assert_eq!(info.addr, tcp("h", 1));
        assert_eq!(info.db, 2);
        let info = parse("redis://user@h");
        assert_eq!(info.username.as_deref(), Some("user"));
        assert_eq!(info.password, None);
        let info = parse("redis://:@h");
        assert_eq!((info.username, info.password), (None, None));
        let info = parse("redis://@h");
        assert_eq!((info.username, info.password), (None, None));
        // Only the first ':' separates user and password.
        let info = parse("redis://u:a:b@h");
        assert_eq!(info.password.as_deref(), Some("a:b"));
    }

    #[test]
    fn percent_decoding() {
        let info = parse("redis://us%40er:p%40ss%3Aw%2Fo%25rd@h");
        assert_eq!(info.username.as_deref(), Some("us@er"));
        assert_eq!(info.password.as_deref(), Some("p@ss:w/o%rd"));
        let info = parse("redis://:%C3%A9t%C3%A9@h");
        assert_eq!(info.password.as_deref(), Some("été"));
        // '+' is not a space in URLs.
        assert_eq!(parse("redis://:a+b@h").password.as_deref(), Some("a+b"));
        let info = parse("redis://h?client_name=my%2Dapp&username=a%20b&password=x%26y");
        assert_eq!(info.client_name.as_deref(), Some("my-app"));
        assert_eq!(info.username.as_deref(), Some("a b"));
        assert_eq!(info.password.as_deref(), Some("x&y"));
        assert!(err("redis://%FF:pw@h").contains("user name"));
        assert!(err("redis://:%FF@h").contains("password"));
        assert!(err("redis://h?client_name=%FF").contains("client_name"));
        assert!(err("unix:///tmp/%FF").contains("path"));
    }

    #[test]
    fn unencoded_special_characters_in_passwords() {
        // The last '@' before the query ends the user info.
        let info = parse("redis://u:p@ss/w#rd@h:7/1");
        assert_eq!(info.password.as_deref(), Some("p@ss/w#rd"));
        assert_eq!(info.addr, tcp("h", 7));
        assert_eq!(info.db, 1);
    }

    #[test]
    fn unix_forms() {
        let path = ConnectionAddr::Unix(PathBuf::from("/path/to.sock"));
        for url in [
            "unix:///path/to.sock",
            "redis+unix:///path/to.sock",
            "unix:/path/to.sock",
            "UNIX:///path/to.sock",
            "unix://localhost/path/to.sock",
        ] {
            let info = parse(url);
            assert_eq!(info.addr, path, "{url}");
            assert!(info.is_unix());
            assert!(!info.is_tls());
            assert_eq!(info.db, 0);
        }
        let info = parse("unix:///path/to.sock?db=1&password=pw");
        assert_eq!(info.addr, path);
        assert_eq!(info.db, 1);
        assert_eq!(info.password.as_deref(), Some("pw"));
        let info = parse("redis+unix:///path/to.sock?db=1");
        assert_eq!(info.db, 1);
        let info = parse("unix://user:pass@/path/to.sock?db=2");
        assert_eq!(info.addr, path);
        assert_eq!(info.username.as_deref(), Some("user"));
        assert_eq!(info.password.as_deref(), Some("pass"));
        assert_eq!(info.db, 2);
        let info = parse("unix://:pass@/path/to.sock");
        assert_eq!(info.password.as_deref(), Some("pass"));
        let info = parse("unix:///run/redis@main/redis%20x.sock");
        assert_eq!(
            info.addr,
            ConnectionAddr::Unix(PathBuf::from("/run/redis@main/redis x.sock"))
        );
        assert_eq!(
            parse("unix:rel.sock").addr,
            ConnectionAddr::Unix("rel.sock".into())
        );

        for bad in [
            "unix://",
            "unix:",
            "unix:///?db=1",
            "redis+unix://?db=1",
            "unix:?db=1",
        ] {
            assert!(err(bad).contains("empty path"), "{bad}");
        }
        assert!(err("unix://somehost/x.sock").contains("no host"));
        assert!(err("unix:///s?db=x").contains("'db'"));
        assert!(err("unix:///s#frag").contains("'#"));
    }

    #[test]
    fn query_parameters() {
        let info = parse(
            "redis://h?protocol=3&client_name=app&connect_timeout=0.5&read_timeout=2\
             &write_timeout=1.25&health_check_interval=30&min_connections=2\
             &max_connections=20&pool_timeout=1.5&username=bob&password=pw",
        );
        assert_eq!(info.protocol, Protocol::Resp3);
        assert_eq!(info.client_name.as_deref(), Some("app"));
        assert_eq!(info.connect_timeout, Some(secs(0.5)));
        assert_eq!(info.read_timeout, Some(secs(2.0)));
        assert_eq!(info.write_timeout, Some(secs(1.25)));
        assert_eq!(info.health_check_interval, Some(secs(30.0)));
        assert_eq!(
            info.pool,
            PoolOverrides {
                min_connections: Some(2),
                max_connections: Some(20),
                pool_timeout: Some(Some(secs(1.5))),
                ..PoolOverrides::default()
            }
        );
        assert_eq!(info.username.as_deref(), Some("bob"));
        assert_eq!(info.password.as_deref(), Some("pw"));

        assert_eq!(parse("redis://h?protocol=2").protocol, Protocol::Resp2);
        assert_eq!(parse("redis://h?name=x").client_name.as_deref(), Some("x"));
        assert_eq!(
            parse("redis://h?socket_timeout=3").read_timeout,
            Some(secs(3.0))
        );
        assert_eq!(
            parse("redis://h?socket_timeout=3&read_timeout=4").read_timeout,
            Some(secs(4.0))
        );
        assert_eq!(
            parse("redis://h?connect_timeout=none").connect_timeout,
            None
        );
        assert_eq!(parse("redis://h?read_timeout=none").read_timeout, None);
        assert_eq!(
            parse("redis://h?health_check_interval=0").health_check_interval,
            None
        );
        assert_eq!(
            parse("redis://h?health_check_interval=none").health_check_interval,
            None
        );
        assert_eq!(
            parse("redis://h?pool_timeout=none").pool.pool_timeout,
            Some(None)
        );
        assert_eq!(
            parse("redis://h?pool_timeout=0").pool.pool_timeout,
            Some(Some(Duration::ZERO))
        );
        assert_eq!(
            parse("redis://h?min_connections=0").pool.min_connections,
            Some(0)
        );
        assert_eq!(
            parse("redis://h?min_connections=3").pool.max_connections,
            None
        );
        assert_eq!(
            parse("redis://h?connect_timeout=1e1").connect_timeout,
            Some(secs(10.0))
        );
        // Query credentials override the user info; empty ones clear them.
        let info = parse("redis://u:p@h?username=v&password=q");
        assert_eq!(info.username.as_deref(), Some("v"));
        assert_eq!(info.password.as_deref(), Some("q"));
        let info = parse("redis://u:p@h?password=");
        assert_eq!(info.password, None);
        // Empty pairs are ignored.
        assert_eq!(parse("redis://h?&db=2&&").db, 2);
        // Repeated keys: the last wins.
        assert_eq!(
            parse("redis://h?protocol=3&protocol=2").protocol,
            Protocol::Resp2
        );
    }

    #[test]
    fn bad_query_values() {
        for (q, name) in [
            ("protocol=1", "protocol"),
            ("protocol=resp3", "protocol"),
            ("client_name=", "client_name"),
            ("client_name=a%20b", "client_name"),
            ("connect_timeout=0", "connect_timeout"),
            ("read_timeout=0.0", "read_timeout"),
            ("write_timeout=0", "write_timeout"),
            ("socket_timeout=-1", "socket_timeout"),
            ("connect_timeout=abc", "connect_timeout"),
            ("connect_timeout=", "connect_timeout"),
            ("read_timeout=inf", "read_timeout"),
            ("read_timeout=NaN", "read_timeout"),
            ("read_timeout=1e300", "read_timeout"),
            ("health_check_interval=-0.5", "health_check_interval"),
            ("pool_timeout=-1", "pool_timeout"),
            ("pool_timeout=forever", "pool_timeout"),
            ("min_connections=-1", "min_connections"),
            ("min_connections=1.5", "min_connections"),
            ("max_connections=x", "max_connections"),
            ("max_connections=0", "max_connections"),
            ("max_connections=99999999999999999999999", "max_connections"),
        ] {
            let msg = err(&format!("redis://h?{q}"));
            assert!(msg.contains(&format!("'{name}'")), "{q}: {msg}");
        }
        let msg = err("redis://h?min_connections=5&max_connections=2");
        assert!(msg.contains("min_connections (5)"), "{msg}");
        assert!(err("redis://h?bogus=1").contains("\"bogus\""));
        assert!(err("redis://h?DB=1").contains("\"DB\""));
        assert!(err("redis://h?db").contains("no value"));
        assert!(err("redis://h?db=1#x").contains("'#"));
    }

    #[test]
    fn bad_schemes_and_ports() {
        assert!(err("http://h").contains("\"http\""));
        assert!(err("redis-sentinel://h").contains("scheme"));
        assert!(err("localhost").contains("no scheme"));
        assert!(err("//h:6379").contains("no scheme"));
        assert!(err("").contains("empty"));
        assert!(err("   ").contains("empty"));
        assert!(err("redis:h").contains("//"));
        assert!(err("redis://h:99999").contains("\"99999\""));
        assert!(err("redis://h:65536").contains("port"));
        assert!(err("redis://h:abc").contains("\"abc\""));
        assert!(err("redis://h:").contains("missing port"));
        assert!(err("redis://h:0").contains("port"));
        assert!(err("redis://h:+1").contains("port"));
        assert!(err("redis://h:1:2").contains("port"));
        assert!(err("redis://h%20x").contains("host"));
        assert!(err("redis://bad host").contains("host"));
        assert!(err("redis://h#x").contains("'#"));
    }

    #[test]
    fn display_addr() {
        assert_eq!(tcp("h", 1).to_string(), "h:1");
        assert_eq!(tcp("::1", 6379).to_string(), "[::1]:6379");
        let tls = ConnectionAddr::TcpTls {
            host: "h".into(),
            port: 2,
            insecure: true,
        };
        assert_eq!(tls.to_string(), "h:2");
        assert_eq!(
            ConnectionAddr::Unix("/tmp/r.sock".into()).to_string(),
            "unix:/tmp/r.sock"
        );
    }

    #[test]
    fn debug_redacts_password() {
        let info = parse(&format!("redis://user:{CANARY}@h"));
        let dbg = format!("{info:?}");
        assert!(!dbg.contains(CANARY), "{dbg}");
        assert!(dbg.contains("password: Some(\"***\")"), "{dbg}");
        assert!(dbg.contains("user"), "{dbg}");
        assert!(dbg.contains("addr: Tcp"), "{dbg}");
        let dbg = format!("{:#?}", ConnectionInfo::default());
        assert!(dbg.contains("password: None"), "{dbg}");
    }

    #[test]
    fn redacted_urls() {
        let cases = [
            ("redis://h", "redis://h:6379"),
            ("redis://", "redis://127.0.0.1:6379"),
            ("redis://u:pw@h:7/3", "redis://u:***@h:7/3"),
            ("redis://:pw@h", "redis://:***@h:6379"),
            ("redis://u@h", "redis://u@h:6379"),
            ("redis://a%40b:pw@[::1]:1", "redis://a%40b:***@[::1]:1"),
            (
                "rediss://h?insecure=true&ca_file=/a%20b.pem",
                "rediss://h:6379?insecure=true&ca_file=/a%20b.pem",
            ),
            ("unix:///tmp/r.sock?db=2", "unix:///tmp/r.sock?db=2"),
            ("unix://u:pw@/tmp/r.sock", "unix://u:***@/tmp/r.sock"),
            ("unix:r.sock?password=pw", "unix:r.sock?password=***"),
            (
                "redis://h?protocol=3&name=a&connect_timeout=none&read_timeout=0.5\
                 &write_timeout=2&health_check_interval=10&min_connections=1\
                 &max_connections=9&pool_timeout=none",
                "redis://h:6379?protocol=3&client_name=a&connect_timeout=none&read_timeout=0.5\
                 &write_timeout=2&health_check_interval=10&min_connections=1\
                 &max_connections=9&pool_timeout=none",
            ),
            (
                "redis://h?retry_backoff=0.05&max_retries=0",
                "redis://h:6379?max_retries=0&retry_backoff=0.05",
            ),
        ];
        for (url, want) in cases {
            let info = parse(url);
            assert_eq!(info.redacted_url(), want, "{url}");
            // Parsing the redacted URL gives the same settings, with the password `***`.
            let mut expected = info.clone();
            if expected.password.is_some() {
                expected.password = Some("***".into());
            }
            assert_eq!(parse(&info.redacted_url()), expected, "{url}");
        }
        // Hand-built values are encoded.
        let info = ConnectionInfo {
            username: Some("a b".into()),
            password: Some(CANARY.into()),
            client_name: Some("x&y".into()),
            ..ConnectionInfo::default()
        };
        let url = info.redacted_url();
        assert_eq!(url, "redis://a%20b:***@127.0.0.1:6379?client_name=x%26y");
        assert!(!url.contains(CANARY));
    }

    /// URLs containing the canary password, good and bad: the password must show up in no
    /// `Debug`, no error message and no redacted URL.
    #[test]
    fn password_never_leaks() {
        let good = [
            format!("redis://u:{CANARY}@h"),
            format!("redis://:{CANARY}@h:1/2?db=3"),
            format!("rediss://u:{CANARY}@h?insecure=true"),
            format!("unix://u:{CANARY}@/tmp/s.sock"),
            format!("unix:///tmp/s.sock?password={CANARY}"),
            format!("redis://h?password={CANARY}&db=1"),
            "redis://u:Canary%2DP4ss@h".to_string(),
            format!("redis://u:{CANARY}@h?client_name=a@b"),
        ];
        for url in &good {
            let info = parse(url);
            assert_eq!(info.password.as_deref(), Some(CANARY), "{url}");
            let dbg = format!("{info:?} {info:#?}");
            assert!(!dbg.contains(CANARY), "{url}: {dbg}");
            let red = info.redacted_url();
            assert!(!red.contains(CANARY), "{url}: {red}");
        }
        let bad = [
            format!("redis://u:{CANARY}@h:99999"),
            format!("redis://u:{CANARY}@h:abc"),
            format!("redis://u:{CANARY}@h:"),
            format!("redis://u:{CANARY}@h/x"),
            format!("redis://u:{CANARY}@h?bogus=1"),
            format!("redis://u:{CANARY}@h?db=x"),
            format!("redis://u:{CANARY}@h?min_connections=3&max_connections=1"),
            format!("redis://u:{CANARY}%FF@h"),
            format!("redis://u:%FF{CANARY}@h"),
            format!("redis://u:{CANARY}@h#frag"),
            format!("redis://u:{CANARY}@[::1"),
            format!("redis://u:{CANARY}@bad host"),
            format!("http://u:{CANARY}@h"),
            format!("u:{CANARY}@h"),
            format!("unix://u:{CANARY}@/tmp/s.sock?bogus=1"),
            format!("unix://u:{CANARY}@/"),
            format!("unix://u:{CANARY}@host/x"),
            format!("redis://h?password={CANARY}&bogus=1"),
            format!("redis://h?password={CANARY}%FF"),
            format!("redis://h?password={CANARY}&db=x"),
            // Unencoded special characters: parts of the password end up elsewhere.
            "redis://u:Canary?P4ss@h".to_string(),
            "redis://u:Can?ary-P4ss@h:1".to_string(),
            "redis://u:Canary-P4ss:1?x@h".to_string(),
            "redis://u:Ca/nary-P4ss?@h".to_string(),
            "redis://h?password=Can&ary-P4ss".to_string(),
            "redis://h?password=Can&ary-P4ss=1".to_string(),
            "redis://h?password=Can&db=ary-P4ss".to_string(),
            "redis://h?password=Can&read_timeout=ary-P4ss".to_string(),
            format!("redis://h:{CANARY}"),
            format!("redis://h/{CANARY}"),
            format!("redis://h?db={CANARY}"),
        ];
        for url in &bad {
            let result = ConnectionInfo::from_url(url);
            let Err(e) = result else {
                panic!("{url} should fail");
            };
            for shown in [e.to_string(), format!("{e:?}")] {
                for piece in [CANARY, "Canary", "P4ss", "ary-P4ss", "Can"] {
                    // Pieces are only checked for URLs where they are password pieces.
                    if url.contains("password=") || url.contains('@') {
                        assert!(!shown.contains(piece), "{url}: {shown}");
                    }
                }
            }
        }
    }

    #[test]
    fn weird_inputs_do_not_panic() {
        let inputs = [
            "",
            ":",
            "::",
            "redis:",
            "redis:/",
            "redis://",
            "redis://@",
            "redis://@@",
            "redis://:@:",
            "redis://[",
            "redis://[::1",
            "redis://[]:",
            "redis://]",
            "redis://h:",
            "redis://h/",
            "redis://h?",
            "redis://h?=",
            "redis://h?&",
            "redis://h?=&=",
            "redis://h?%",
            "redis://h?%zz=1",
            "redis://%",
            "redis://:%",
            "redis://:%F",
            "redis://h:%31",
            "redis://h/%31",
            "rediss://",
            "unix:",
            "unix:/",
            "unix://",
            "unix:///",
            "unix://@",
            "unix://@/",
            "unix://:@/",
            "unix:?",
            "redis+unix:",
            "rédis://h",
            "redis://hé",
            "redis://日本:6379",
            "redis://h:６３７９",
            "redis://h/３",
            "redis://h?db=３",
            "redis://h?connect_timeout=١",
            "redis://ü:é@h",
            "unix:///ü/é.sock",
            "\u{0}",
            "redis://\u{0}",
            "redis://h?\u{0}=1",
            "😀://h",
            "redis://😀@😀:😀/😀?😀=😀",
        ];
        for input in inputs {
            let _ = ConnectionInfo::from_url(input);
            if let Ok(info) = ConnectionInfo::from_url(input) {
                let _ = format!("{info:?} {}", info.addr);
                let _ = ConnectionInfo::from_url(&info.redacted_url());
            }
        }
        // Every prefix of a long URL.
        let url = "rediss://us%40er:pa%3Ass@[2001:db8::1]:6380/2?protocol=3&client_name=x\
                   &connect_timeout=1.5&pool_timeout=none&ca_file=/a.pem";
        for (i, _) in url.char_indices() {
            let _ = ConnectionInfo::from_url(&url[..i]);
            let _ = ConnectionInfo::from_url(&url[i..]);
        }
        assert!(parse(url).is_tls());
    }
}
