//! The one list of URL keys. It feeds the URL parser (and [`Options::param`]), the redacted
//! URL writer behind `Debug`/[`Options::redacted_url`], and the table in the
//! [`Options`](super::Options) docs (a unit test checks that table against this list).

use std::fmt::Write as _;
use std::path::PathBuf;
use std::time::Duration;

use percent_encoding::{utf8_percent_encode, AsciiSet, CONTROLS};

use super::options::Options;
use super::values::{self, check_client_name, quote, Hidden, ParseResult};
use super::PoolConfig;
use super::RetryPolicy;
use super::{
    ConnectionAddr, Protocol, DEFAULT_CONNECT_TIMEOUT, DEFAULT_READ_TIMEOUT, DEFAULT_WRITE_TIMEOUT,
};

/// What a key's value looks like (for the docs).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Kind {
    /// A whole number.
    Count,
    /// Seconds (float).
    Seconds,
    /// Text.
    Text,
    /// `true`/`false`.
    Flag,
    /// A file name.
    File,
}

/// One URL key: its names, what it sets, and how it is written back.
pub(crate) struct UrlKey {
    /// The name written back, first; then the aliases the parser also accepts.
    pub names: &'static [&'static str],
    /// What the value looks like (the docs table, checked by a unit test).
    #[cfg_attr(not(test), allow(dead_code))]
    pub kind: Kind,
    /// One line for the docs (the docs table, checked by a unit test).
    #[cfg_attr(not(test), allow(dead_code))]
    pub doc: &'static str,
    /// The value is a password: never quoted, written back as `***`.
    pub secret: bool,
    /// Sets the value (already percent-decoded).
    pub set: fn(&mut Options, &str, Hidden) -> ParseResult<()>,
    /// The value to write back, or `None` when it is at its default.
    pub show: fn(&Options) -> Option<String>,
}

impl UrlKey {
    /// The setting's own name (the first name): aliases share it, and `ssl_cert_reqs`
    /// sets `insecure`.
    pub fn slot(&self) -> &'static str {
        match self.names[0] {
            "ssl_cert_reqs" => "insecure",
            name => name,
        }
    }
}

macro_rules! key {
    ($names:expr, $kind:ident, $doc:expr, set: $set:expr, show: $show:expr) => {
        key!($names, $kind, $doc, set: $set, show: $show, secret: false)
    };
    ($names:expr, $kind:ident, $doc:expr, set: $set:expr, show: $show:expr, secret: $secret:expr) => {
        UrlKey {
            names: $names,
            kind: Kind::$kind,
            doc: $doc,
            secret: $secret,
            set: $set,
            show: $show,
        }
    };
}

fn pool_default() -> PoolConfig {
    PoolConfig::default()
}

/// Every URL key, in the order they are written back.
pub(crate) static KEYS: &[UrlKey] = &[
    key!(&["db"], Count, "database number (in the path, or here: not both)",
        set: |o, v, h| { o.info.db = values::parse_db(v, h)?; Ok(()) },
        show: |o| (o.info.db != 0).then(|| o.info.db.to_string())),
    key!(&["protocol"], Count, "`2` or `3` (RESP version)",
        set: |o, v, h| {
            o.info.protocol = match v {
                "2" => Protocol::Resp2,
                "3" => Protocol::Resp3,
                _ => return Err(format!("{} (expected 2 or 3)", quote(v, h))),
            };
            Ok(())
        },
        show: |o| (o.info.protocol == Protocol::Resp3).then(|| "3".to_string())),
    key!(&["client_name", "name"], Text, "name sent with `CLIENT SETNAME`",
        set: |o, v, h| { check_client_name(v, h)?; o.info.client_name = Some(v.to_string()); Ok(()) },
        show: |o| o.info.client_name.as_deref().map(encode_value)),
    key!(&["username"], Text, "ACL user name (in the user info, or here: not both)",
        set: |o, v, _| { o.info.username = (!v.is_empty()).then(|| v.to_string()); Ok(()) },
        show: |o| o.info.username.as_deref().map(encode_value)),
    key!(&["password"], Text, "password (in the user info, or here: not both); never shown",
        set: |o, v, _| { o.info.password = (!v.is_empty()).then(|| v.to_string()); Ok(()) },
        show: |o| o.info.password.as_ref().map(|_| "***".to_string()), secret: true),
    key!(&["connect_timeout"], Seconds, "seconds (> 0) or `none`",
        set: |o, v, h| { o.info.connect_timeout = values::parse_timeout(v, h)?; Ok(()) },
        show: |o| (o.info.connect_timeout != Some(DEFAULT_CONNECT_TIMEOUT))
            .then(|| fmt_opt_secs(o.info.connect_timeout))),
    key!(&["read_timeout", "socket_timeout"], Seconds, "seconds (> 0) or `none`",
        set: |o, v, h| { o.info.read_timeout = values::parse_timeout(v, h)?; Ok(()) },
        show: |o| (o.info.read_timeout != Some(DEFAULT_READ_TIMEOUT))
            .then(|| fmt_opt_secs(o.info.read_timeout))),
    key!(&["write_timeout"], Seconds, "seconds (> 0) or `none`",
        set: |o, v, h| { o.info.write_timeout = values::parse_timeout(v, h)?; Ok(()) },
        show: |o| (o.info.write_timeout != Some(DEFAULT_WRITE_TIMEOUT))
            .then(|| fmt_opt_secs(o.info.write_timeout))),
    key!(&["health_check_interval"], Seconds, "seconds (>= 0); `0` or `none` disables it",
        set: |o, v, h| {
            o.info.health_check_interval = if v == "none" {
                None
            } else {
                Some(values::parse_secs(v, h)?).filter(|d| !d.is_zero())
            };
            Ok(())
        },
        show: |o| o.info.health_check_interval.map(fmt_secs)),
    key!(&["min_connections"], Count, "connections opened eagerly and kept open (<= `max_connections`)",
        set: |o, v, h| { o.pool.min_size = values::parse_count(v, h)?; Ok(()) },
        show: |o| (o.pool.min_size != pool_default().min_size).then(|| o.pool.min_size.to_string())),
    key!(&["max_connections"], Count, "most connections open at once (>= 1)",
        set: |o, v, h| {
            let n = values::parse_count(v, h)?;
            if n == 0 {
                return Err("must be at least 1".to_string());
            }
            o.pool.max_size = n;
            Ok(())
        },
        show: |o| (o.pool.max_size != pool_default().max_size).then(|| o.pool.max_size.to_string())),
    key!(&["pool_timeout"], Seconds, "seconds (>= 0) to wait for a free connection, or `none` (forever)",
        set: |o, v, h| {
            o.pool.timeout = if v == "none" { None } else { Some(values::parse_secs(v, h)?) };
            Ok(())
        },
        show: |o| (o.pool.timeout != pool_default().timeout).then(|| fmt_opt_secs(o.pool.timeout))),
    key!(&["max_retries"], Count, "retries of a failed connect or of a command that certainly did not run (see [`RetryPolicy`](crate::RetryPolicy)); `0` turns retries off",
        set: |o, v, h| {
            let n = values::parse_count(v, h)?;
            o.pool.retry.max_retries = u32::try_from(n).map_err(|_| "too large".to_string())?;
            Ok(())
        },
        show: |o| (o.pool.retry.max_retries != RetryPolicy::default().max_retries)
            .then(|| o.pool.retry.max_retries.to_string())),
    key!(&["retry_backoff"], Seconds, "seconds (>= 0) of the first pause before a retry (doubled for each further one)",
        set: |o, v, h| { o.pool.retry.base_backoff = values::parse_secs(v, h)?; Ok(()) },
        show: |o| (o.pool.retry.base_backoff != RetryPolicy::default().base_backoff)
            .then(|| fmt_secs(o.pool.retry.base_backoff))),
    key!(&["insecure"], Flag, "`true`/`false`/`1`/`0`/`yes`/`no`: skip certificate checks (`rediss://` only)",
        set: |o, v, h| { let on = parse_flag(v, h)?; set_insecure(o, "insecure", on) },
        show: |o| matches!(o.info.addr, ConnectionAddr::TcpTls { insecure: true, .. })
            .then(|| "true".to_string())),
    key!(&["auto_pipeline"], Flag, "`true`/`false`/`1`/`0`/`yes`/`no`: share one connection between the threads' commands (see `ClientBuilder::auto_pipeline`)",
        set: |o, v, h| { o.auto_pipeline = parse_flag(v, h)?; Ok(()) },
        show: |o| o.auto_pipeline.then(|| "true".to_string())),
    key!(&["auto_pipeline_connections"], Count, "shared connections of `auto_pipeline` (1 to 64; default 2), per node on a cluster",
        set: |o, v, h| {
            let n = values::parse_count(v, h)?;
            if !(1..=super::AUTO_PIPELINE_MAX_CONNECTIONS).contains(&n) {
                return Err(format!("must be 1 to {}", super::AUTO_PIPELINE_MAX_CONNECTIONS));
            }
            o.auto_pipeline_connections = Some(n);
            Ok(())
        },
        show: |o| o.auto_pipeline_connections.map(|n| n.to_string())),
    key!(&["ssl_cert_reqs"], Text, "`none` (= `insecure=true`) or `required` (`rediss://` only; not with `insecure`)",
        set: |o, v, h| {
            let on = match v.to_ascii_lowercase().as_str() {
                "none" | "cert_none" => true,
                "required" | "cert_required" => false,
                _ => return Err(format!("{} (expected none or required)", quote(v, h))),
            };
            set_insecure(o, "ssl_cert_reqs", on)
        },
        show: |_| None),
    key!(&["ca_file", "ssl_ca_certs"], File, "CA bundle file (`rediss://` only)",
        set: |o, v, _| { let f = tls_file(o, "ca_file", v)?; o.info.tls.ca_file = f; Ok(()) },
        show: |o| o.info.tls.ca_file.as_ref().map(|p| show_file(p))),
    key!(&["cert_file", "ssl_certfile"], File, "client certificate file (`rediss://` only)",
        set: |o, v, _| { let f = tls_file(o, "cert_file", v)?; o.info.tls.cert_file = f; Ok(()) },
        show: |o| o.info.tls.cert_file.as_ref().map(|p| show_file(p))),
    key!(&["key_file", "ssl_keyfile"], File, "client key file (`rediss://` only, needs a certificate)",
        set: |o, v, _| { let f = tls_file(o, "key_file", v)?; o.info.tls.key_file = f; Ok(()) },
        show: |o| o.info.tls.key_file.as_ref().map(|p| show_file(p))),
];

/// A flag's value: `true`/`1`/`yes`/`on` or `false`/`0`/`no`/`off`, any case.
fn parse_flag(v: &str, h: Hidden) -> ParseResult<bool> {
    match v.to_ascii_lowercase().as_str() {
        "true" | "1" | "yes" | "on" => Ok(true),
        "false" | "0" | "no" | "off" => Ok(false),
        _ => Err(format!("{} (expected true or false)", quote(v, h))),
    }
}

/// The key with this name or alias.
pub(crate) fn lookup(name: &str) -> Option<&'static UrlKey> {
    KEYS.iter().find(|k| k.names.contains(&name))
}

/// The key with this name; only for names in [`KEYS`].
pub(super) fn find(name: &str) -> &'static UrlKey {
    lookup(name).unwrap_or(&KEYS[0])
}

/// Every name and alias, for error messages.
pub(super) fn names() -> impl Iterator<Item = &'static str> {
    KEYS.iter().flat_map(|k| k.names.iter().copied())
}

fn tls_only(o: &Options, name: &str) -> ParseResult<()> {
    if o.info.is_tls() {
        Ok(())
    } else {
        Err(format!(
            "query parameter '{name}' only applies to TLS (rediss://) URLs"
        ))
    }
}

fn set_insecure(o: &mut Options, name: &str, on: bool) -> ParseResult<()> {
    tls_only(o, name)?;
    if let ConnectionAddr::TcpTls { insecure, .. } = &mut o.info.addr {
        *insecure = on;
    }
    Ok(())
}

fn tls_file(o: &Options, name: &str, v: &str) -> ParseResult<Option<PathBuf>> {
    tls_only(o, name)?;
    if v.is_empty() {
        return Err("the file name is empty".to_string());
    }
    Ok(Some(PathBuf::from(v)))
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

fn show_file(p: &std::path::Path) -> String {
    encode_value(&p.to_string_lossy())
}

fn fmt_secs(d: Duration) -> String {
    d.as_secs_f64().to_string()
}

fn fmt_opt_secs(d: Option<Duration>) -> String {
    d.map_or_else(|| "none".to_string(), fmt_secs)
}

/// The settings as a URL, the password as `***`, settings at their default left out.
pub(super) fn redacted_url(o: &Options) -> String {
    let info = &o.info;
    let mut url = String::new();
    let mut params: Vec<(&str, String)> = Vec::new();
    let mut userinfo = String::new();
    if info.username.is_some() || info.password.is_some() {
        if let Some(user) = &info.username {
            userinfo.extend(utf8_percent_encode(user, COMPONENT));
        }
        if info.password.is_some() {
            userinfo.push_str(":***");
        }
        userinfo.push('@');
    }
    let mut in_query = vec!["db", "username", "password"];
    match &info.addr {
        ConnectionAddr::Tcp { host, port } | ConnectionAddr::TcpTls { host, port, .. } => {
            url.push_str(if info.is_tls() {
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
            if info.db != 0 {
                let _ = write!(url, "/{}", info.db);
            }
            in_query.clear();
        }
        ConnectionAddr::Unix(path) => {
            let path = path.to_string_lossy();
            if path.starts_with('/') {
                url.push_str("unix://");
                url.push_str(&userinfo);
                in_query = vec!["db"];
            } else {
                // A relative path cannot follow user info: the credentials go in the query.
                url.push_str("unix:");
                in_query = vec!["username", "password", "db"];
            }
            url.extend(utf8_percent_encode(&path, PATH));
        }
    }
    for name in &in_query {
        if let Some(v) = (find(name).show)(o) {
            params.push((name, v));
        }
    }
    for key in KEYS {
        if matches!(key.slot(), "db" | "username" | "password") {
            continue;
        }
        if let Some(v) = (key.show)(o) {
            params.push((key.slot(), v));
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

/// The docs table of the keys, as the [`Options`](super::Options) docs show it.
#[cfg(test)]
pub(super) fn doc_table() -> String {
    let mut out = String::from("/// | name | kind | meaning |\n/// |------|------|---------|\n");
    for k in KEYS {
        let names: Vec<String> = k.names.iter().map(|n| format!("`{n}`")).collect();
        let kind = match k.kind {
            Kind::Count => "number",
            Kind::Seconds => "seconds",
            Kind::Text => "text",
            Kind::Flag => "flag",
            Kind::File => "file",
        };
        let _ = writeln!(out, "/// | {} | {kind} | {} |", names.join(", "), k.doc);
    }
    out
}
