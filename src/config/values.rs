//! The checks and parsers of single setting values (a port, a number of seconds, a client
//! name), shared by the URL parser, the URL key table and [`Options::validate`]: one rule
//! for a URL and a setter alike.
//!
//! [`Options::validate`]: super::Options::validate

pub(super) type ParseResult<T> = std::result::Result<T, String>;

/// Why a piece of the URL is not quoted in an error, if it is not.
pub(super) type Hidden = Option<&'static str>;

/// A query value or piece of the URL, quoted for an error message unless hidden.
pub(super) fn quote(piece: &str, hidden: Hidden) -> String {
    match hidden {
        Some(reason) => reason.to_string(),
        None => format!("{piece:?}"),
    }
}

/// The rule for client names, from the URL and the setters alike.
pub(super) fn check_client_name(v: &str, h: Hidden) -> ParseResult<()> {
    if v.is_empty() || v.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return Err(format!(
            "{} (a client name must be non-empty, without spaces)",
            quote(v, h)
        ));
    }
    Ok(())
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
