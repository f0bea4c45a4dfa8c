//! The URL parser: it reads the URL's structure (scheme, user info, host, port, path) and
//! hands every setting it finds to [`Options`] through the same code as
//! [`Options::param`], so a URL and the builders' setters cannot disagree.

use std::net::Ipv6Addr;
use std::path::PathBuf;

use percent_encoding::percent_decode_str;

use super::keys::{self, UrlKey};
use super::options::Options;
use super::{ConnectionAddr, DEFAULT_HOST, DEFAULT_PORT};

const SCHEMES_HINT: &str = "expected redis://, rediss://, unix:// or redis+unix://";

/// Said instead of a piece of the URL when that piece might be part of a badly encoded
/// password.
pub(super) const HIDDEN_AT: &str =
    "(not shown: the URL has an '@' outside its user info, so it may be part of a password; \
     percent-encode special characters in passwords, e.g. '@' as %40)";
const HIDDEN_AFTER_PASSWORD: &str =
    "(not shown: it follows a password parameter and may be part of it; \
     percent-encode '&' in passwords as %26)";

pub(super) type ParseResult<T> = std::result::Result<T, String>;

/// Why a piece of the URL is not quoted in an error, if it is not.
pub(super) type Hidden = Option<&'static str>;

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

/// A query value or piece of the URL, quoted for an error message unless hidden.
pub(super) fn quote(piece: &str, hidden: Hidden) -> String {
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

/// The characters a host name may have (an IPv6 address goes in brackets in a URL).
pub(super) fn check_host_chars(host: &str, hidden: Hidden) -> ParseResult<()> {
    if let Some(bad) = host
        .chars()
        .find(|c| !(c.is_ascii_alphanumeric() || matches!(c, '-' | '.' | '_')))
    {
        return Err(match hidden {
            Some(reason) => format!("invalid character in the host {reason}"),
            None => format!("invalid character {bad:?} in the host {host:?}"),
        });
    }
    Ok(())
}

pub(super) fn parse_port(s: &str, hidden: Hidden) -> ParseResult<u16> {
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

pub(super) fn parse_db(s: &str, hidden: Hidden) -> ParseResult<u32> {
    match s.parse::<u32>() {
        Ok(db) if s.bytes().all(|b| b.is_ascii_digit()) => Ok(db),
        _ => Err(format!(
            "{} (expected a database number such as 0 or 3)",
            quote(s, hidden)
        )),
    }
}

pub(super) fn parse_count(s: &str, hidden: Hidden) -> ParseResult<usize> {
    match s.parse::<usize>() {
        Ok(n) if s.bytes().all(|b| b.is_ascii_digit()) => Ok(n),
        _ => Err(format!("{} (expected a whole number)", quote(s, hidden))),
    }
}

/// Seconds as a float: finite and not negative.
pub(super) fn parse_secs(s: &str, hidden: Hidden) -> ParseResult<std::time::Duration> {
    let secs = s
        .parse::<f64>()
        .ok()
        .filter(|x| x.is_finite() && *x >= 0.0 && !s.starts_with(['+', '-']));
    match secs.map(std::time::Duration::try_from_secs_f64) {
        Some(Ok(d)) => Ok(d),
        Some(Err(_)) => Err(format!("{} is too large", quote(s, hidden))),
        None => Err(format!(
            "{} (expected seconds as a non-negative number, such as 5 or 0.5)",
            quote(s, hidden)
        )),
    }
}

/// The message for a zero connect/read/write timeout, from the URL and the setters alike.
pub(super) const ZERO_TIMEOUT: &str =
    "a timeout must be greater than zero (use 'none' for no timeout)";

/// A connect/read/write timeout: seconds greater than zero, or `none`.
pub(super) fn parse_timeout(s: &str, hidden: Hidden) -> ParseResult<Option<std::time::Duration>> {
    if s == "none" {
        return Ok(None);
    }
    let d = parse_secs(s, hidden)?;
    if d.is_zero() {
        return Err(ZERO_TIMEOUT.into());
    }
    Ok(Some(d))
}
