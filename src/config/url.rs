//! The URL parser: it reads the URL's structure (scheme, user info, host, port, path) and
//! hands every setting it finds to [`Options`] through the same code as
//! [`Options::param`], so a URL and the builders' setters cannot disagree.

use std::net::Ipv6Addr;
use std::path::PathBuf;

use percent_encoding::percent_decode_str;

use super::keys::{self, UrlKey};
use super::options::Options;
use super::values::{self, check_host_chars, parse_port, quote, Hidden, ParseResult, ZERO_TIMEOUT};
use super::{ConnectionAddr, DEFAULT_HOST, DEFAULT_PORT};
use crate::error::{Error, Result};

const SCHEMES_HINT: &str = "expected redis://, rediss://, unix:// or redis+unix://";

/// Said instead of a piece of the URL when that piece might be part of a badly encoded
/// password.
pub(super) const HIDDEN_AT: &str =
    "(not shown: the URL has an '@' outside its user info, so it may be part of a password; \
     percent-encode special characters in passwords, e.g. '@' as %40)";
const HIDDEN_AFTER_PASSWORD: &str =
    "(not shown: it follows a password parameter and may be part of it; \
     percent-encode '&' in passwords as %26)";

/// The URL parser. Errors are plain strings, turned into [`crate::Error::Config`] after
/// [`UrlParser::scrub`].
#[derive(Default)]
pub(super) struct UrlParser {
    /// Passwords seen so far (raw and decoded), so that no error can repeat them.
    secrets: Vec<String>,
    /// Set when pieces of the URL must not be quoted in errors (see [`HIDDEN_AT`]).
    hide_pieces: bool,
    /// The settings this URL named so far, and where: duplicates are refused.
    seen: Vec<(&'static str, String)>,
    /// Settings not to take from this URL (a Sentinel's credentials are its own).
    skip: &'static [&'static str],
}

fn decode(s: &str, what: &str) -> ParseResult<String> {
    percent_decode_str(s)
        .decode_utf8()
        .map(|c| c.into_owned())
        .map_err(|_| format!("{what} is not valid UTF-8 after percent-decoding"))
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
    /// A parser that leaves the settings in `skip` (slot names) alone.
    pub(super) fn skipping(skip: &'static [&'static str]) -> UrlParser {
        UrlParser {
            skip,
            ..UrlParser::default()
        }
    }

    fn hidden(&self) -> Hidden {
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
    pub(super) fn scrub(&self, msg: String) -> String {
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

    /// Sets `key` (a name or alias of the URL key list) from `value`, found at `place`;
    /// refuses a setting that this URL already gave.
    fn set(
        &mut self,
        opts: &mut Options,
        key: &UrlKey,
        value: &str,
        place: String,
        hidden: Hidden,
    ) -> ParseResult<()> {
        if let Some((_, before)) = self.seen.iter().find(|(slot, _)| *slot == key.slot()) {
            return Err(format!(
                "the URL gives '{}' twice ({before} and {place}); give it once",
                key.slot()
            ));
        }
        self.seen.push((key.slot(), place));
        if self.skip.contains(&key.slot()) {
            return Ok(());
        }
        (key.set)(opts, value, hidden)
    }

    /// Applies the URL's settings to `opts`: exactly those the URL names.
    pub(super) fn parse(&mut self, input: &str, opts: &mut Options) -> ParseResult<()> {
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
            "redis" => self.parse_tcp(rest, false, opts),
            "rediss" => self.parse_tcp(rest, true, opts),
            "unix" | "redis+unix" => self.parse_unix(rest, opts),
            _ if is_scheme(scheme) => Err(format!(
                "unsupported URL scheme {scheme:?} ({SCHEMES_HINT})"
            )),
            _ => Err(format!("URL has no scheme ({SCHEMES_HINT})")),
        }
    }

    fn parse_tcp(&mut self, rest: &str, tls: bool, opts: &mut Options) -> ParseResult<()> {
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
        self.note_secrets(userinfo, query);
        if hostpath.contains('#') || query.is_some_and(|q| q.contains('#')) {
            return Err(
                "URL fragments ('#...') are not supported; percent-encode '#' as %23".to_string(),
            );
        }
        let (hostport, path) = match hostpath.find('/') {
            Some(i) => (&hostpath[..i], &hostpath[i + 1..]),
            None => (hostpath, ""),
        };
        let (host, port) = self.host_port(hostport)?;
        // The scheme always says the transport; host and port only when the URL has them.
        let (old_host, old_port) = match &opts.info.addr {
            ConnectionAddr::Tcp { host, port } | ConnectionAddr::TcpTls { host, port, .. } => {
                (host.clone(), *port)
            }
            ConnectionAddr::Unix(_) => (DEFAULT_HOST.to_string(), DEFAULT_PORT),
        };
        let host = host.unwrap_or(old_host);
        let port = port.unwrap_or(old_port);
        opts.info.addr = if tls {
            ConnectionAddr::TcpTls {
                host,
                port,
                insecure: false,
            }
        } else {
            ConnectionAddr::Tcp { host, port }
        };
        if let Some(userinfo) = userinfo {
            self.userinfo(userinfo, opts)?;
        }
        if !path.is_empty() {
            let hidden = self.hidden();
            self.set(opts, keys::find("db"), path, "the path".into(), hidden)
                .map_err(|e| {
                    if e.starts_with("the URL gives") {
                        e
                    } else {
                        format!("invalid database number in the URL path: {e}")
                    }
                })?;
        }
        if let Some(query) = query {
            self.query(query, opts)?;
        }
        Ok(())
    }

    fn note_secrets(&mut self, userinfo: Option<&str>, query: Option<&str>) {
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
    }

    fn parse_unix(&mut self, rest: &str, opts: &mut Options) -> ParseResult<()> {
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
        self.note_secrets(userinfo, query);
        if path.contains('#') || query.is_some_and(|q| q.contains('#')) {
            return Err(
                "URL fragments ('#...') are not supported; percent-encode '#' as %23".to_string(),
            );
        }
        let path = decode(path, "the unix socket path")?;
        if path.is_empty() || path == "/" {
            return Err("the unix socket URL has an empty path: use unix:///path/to.sock".into());
        }
        opts.info.addr = ConnectionAddr::Unix(PathBuf::from(path));
        if let Some(userinfo) = userinfo {
            self.userinfo(userinfo, opts)?;
        }
        if let Some(query) = query {
            self.query(query, opts)?;
        }
        Ok(())
    }

    /// `user:password`: each part sets its setting when it is not empty.
    fn userinfo(&mut self, userinfo: &str, opts: &mut Options) -> ParseResult<()> {
        let (user, password) = match userinfo.find(':') {
            Some(i) => (&userinfo[..i], Some(&userinfo[i + 1..])),
            None => (userinfo, None),
        };
        let user = decode(user, "the user name")?;
        if !user.is_empty() {
            self.set(
                opts,
                keys::find("username"),
                &user,
                "the user info".into(),
                None,
            )?;
        }
        if let Some(p) = password {
            let p = decode(p, "the password")?;
            if !p.is_empty() {
                self.set(
                    opts,
                    keys::find("password"),
                    &p,
                    "the user info".into(),
                    None,
                )?;
            }
        }
        Ok(())
    }

    /// The host (`None` when empty) and port (`None` when not given).
    fn host_port(&self, hostport: &str) -> ParseResult<(Option<String>, Option<u16>)> {
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
                None
            } else if let Some(port) = after.strip_prefix(':') {
                Some(parse_port(port, hidden)?)
            } else {
                return Err("unexpected characters after ']' in the host: use [::1]:6379".into());
            };
            return Ok((Some(host.to_string()), port));
        }
        let (host, port) = match hostport.find(':') {
            Some(i) => (&hostport[..i], Some(&hostport[i + 1..])),
            None => (hostport, None),
        };
        check_host_chars(host, hidden)?;
        let port = match port {
            Some(p) => Some(parse_port(p, hidden)?),
            None => None,
        };
        Ok(((!host.is_empty()).then(|| host.to_string()), port))
    }

    fn query(&mut self, query: &str, opts: &mut Options) -> ParseResult<()> {
        // Values are only quoted in errors when they cannot be pieces of a password.
        let mut hidden = self.hidden();
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
            let name = decode(raw_key, "a query parameter name")?;
            let Some(key) = keys::lookup(&name) else {
                return Err(format!(
                    "unknown query parameter {} (known: {})",
                    quote(&name, hidden),
                    keys::names().collect::<Vec<_>>().join(", ")
                ));
            };
            if key.secret {
                self.add_secret(raw_value);
            }
            let value = decode(raw_value, &format!("the value of query parameter '{name}'"))?;
            let place = format!("query parameter '{name}'");
            if key.secret {
                self.set(opts, key, &value, place, None)?;
                hidden = hidden.or(Some(HIDDEN_AFTER_PASSWORD));
                continue;
            }
            self.set(opts, key, &value, place, hidden).map_err(|e| {
                if e.starts_with("the URL gives") || e.contains("only applies to TLS") {
                    e
                } else {
                    format!("invalid value for query parameter '{name}': {e}")
                }
            })?;
        }
        Ok(())
    }
}

// The URL-facing methods of `Options`: here, above the key table and the value parsers
// they use.
impl Options {
    /// The defaults, then everything `url` names; checked as [`build`] checks.
    ///
    /// [`build`]: crate::ClientBuilder::build
    ///
    /// # Errors
    ///
    /// [`Error::Config`], whose message never contains the password.
    pub fn from_url(url: &str) -> Result<Options> {
        let mut o = Options::default();
        o.apply_url(url)?;
        o.validate()?;
        Ok(o)
    }

    /// Sets exactly the settings `url` names (see the order rules above); on an error
    /// nothing is changed. Cross-checks (`min_connections <= max_connections`, ...) wait for
    /// [`validate`](Self::validate).
    pub fn apply_url(&mut self, url: &str) -> Result<()> {
        self.apply_url_with(url, UrlParser::default())
    }

    /// [`apply_url`](Self::apply_url), leaving the settings named in `skip` alone.
    pub(crate) fn apply_url_skipping(
        &mut self,
        url: &str,
        skip: &'static [&'static str],
    ) -> Result<()> {
        self.apply_url_with(url, UrlParser::skipping(skip))
    }

    fn apply_url_with(&mut self, url: &str, mut parser: UrlParser) -> Result<()> {
        let mut next = self.clone();
        match parser.parse(url, &mut next) {
            Ok(()) => {
                *self = next;
                Ok(())
            }
            Err(msg) => Err(Error::Config(parser.scrub(msg))),
        }
    }

    /// Sets one setting by its URL key (`"db"`, `"read_timeout"`, `"max_connections"`, ...,
    /// aliases too), from its URL text (`"3"`, `"0.5"`, `"none"`): what the URL parser
    /// does for every query parameter.
    pub fn param(&mut self, key: &str, value: &str) -> Result<()> {
        let Some(k) = keys::lookup(key) else {
            return Err(Error::Config(format!(
                "unknown option {key:?} (known: {})",
                keys::names().collect::<Vec<_>>().join(", ")
            )));
        };
        (k.set)(self, value, None)
            .map_err(|e| Error::Config(format!("invalid value for '{key}': {e}")))
    }

    /// The settings written back as a URL (the keys of the [`Options`] docs), the
    /// password as `***`, settings at their default left out.
    pub fn redacted_url(&self) -> String {
        keys::redacted_url(self)
    }

    /// Checks every setting with the URL parser's rules, so that a setter accepts what a
    /// URL accepts and nothing more: no zero timeouts, port 1 to 65535, a non-empty host
    /// without spaces or NUL, a client name without spaces, no username without a password,
    /// `1 <= max_connections`,
    /// `min_connections <= max_connections`, `1 <= auto_pipeline_connections <= 64`, no TLS key file without a certificate.
    ///
    /// # Errors
    ///
    /// [`Error::Config`].
    pub fn validate(&self) -> Result<()> {
        self.check().map_err(Error::Config)
    }

    fn check(&self) -> ParseResult<()> {
        let info = &self.info;
        match &info.addr {
            ConnectionAddr::Tcp { host, port } | ConnectionAddr::TcpTls { host, port, .. } => {
                if host.is_empty() {
                    return Err("the host is empty".into());
                }
                if host.parse::<Ipv6Addr>().is_err() {
                    values::check_host_chars(host, None)?;
                }
                values::parse_port(&port.to_string(), None)?;
            }
            ConnectionAddr::Unix(path) => {
                if path.as_os_str().is_empty() {
                    return Err("the unix socket path is empty".into());
                }
            }
        }
        let timeouts = [
            ("connect_timeout", info.connect_timeout),
            ("read_timeout", info.read_timeout),
            ("write_timeout", info.write_timeout),
        ];
        for (name, t) in timeouts {
            if t.is_some_and(|d| d.is_zero()) {
                return Err(format!("invalid value for '{name}': {ZERO_TIMEOUT}"));
            }
        }
        if info.username.is_some() && info.password.is_none() {
            // AUTH needs both; sending none would run as the `default` user unnoticed.
            return Err(
                "a username was given without a password (AUTH needs both; for the \
                 `default` user without a password, give no username)"
                    .into(),
            );
        }
        if let Some(name) = &info.client_name {
            values::check_client_name(name, None)
                .map_err(|e| format!("invalid value for 'client_name': {e}"))?;
        }
        if let Some(name) = &info.lib_name {
            // The server's rule for CLIENT SETINFO: printable ASCII, no spaces.
            let bad = |v: &str| v.is_empty() || v.bytes().any(|b| !(b'!'..=b'~').contains(&b));
            if bad(name) || bad(&info.lib_version) {
                return Err(format!(
                    "invalid driver info {name:?} / {:?}: CLIENT SETINFO takes printable                      ASCII without spaces",
                    info.lib_version
                ));
            }
        }
        if self.pool.max_size == 0 {
            return Err("invalid value for 'max_connections': must be at least 1".into());
        }
        if self.pool.min_size > self.pool.max_size {
            return Err(format!(
                "min_connections ({}) is greater than max_connections ({})",
                self.pool.min_size, self.pool.max_size
            ));
        }
        if let Some(n) = self.auto_pipeline_connections {
            if !(1..=super::AUTO_PIPELINE_MAX_CONNECTIONS).contains(&n) {
                return Err(format!(
                    "invalid value for 'auto_pipeline_connections': must be 1 to {}",
                    super::AUTO_PIPELINE_MAX_CONNECTIONS
                ));
            }
        }
        if info.tls.key_file.is_some() && info.tls.cert_file.is_none() {
            return Err("a TLS key file was given without a certificate file (cert_file)".into());
        }
        Ok(())
    }
}
