//! Monitor (its docs are on the type).

use std::fmt;
use std::time::Duration;

use crate::cmd::cmd;
use crate::error::{Error, Result};
use crate::pool::{ConnectionPool, PooledConnection};
use crate::value::Value;

/// One command the server ran, as MONITOR reported it.
#[derive(Clone, PartialEq)]
pub struct MonitorEvent {
    /// When the server ran it: seconds since the Unix epoch, with microseconds.
    pub time: f64,
    /// The database it ran in.
    pub db: u32,
    /// Who sent it: `host:port`, `unix:/path/to.sock`, or `lua` for a script's call.
    pub client: String,
    /// The command's name and arguments, unescaped.
    pub args: Vec<Vec<u8>>,
}

impl MonitorEvent {
    /// The command's name (its first argument) as text, e.g. `"SET"`; `None` for an empty
    /// or non-UTF-8 name.
    pub fn command_name(&self) -> Option<&str> {
        self.args.first().and_then(|a| std::str::from_utf8(a).ok())
    }

    /// Parses one MONITOR line (`<time> [<db> <client>] "arg" "arg" ...`).
    pub fn parse(line: &[u8]) -> Result<MonitorEvent> {
        let bad = |why: &str| {
            Error::Protocol(format!(
                "not a MONITOR line ({why}): {:?}",
                String::from_utf8_lossy(&line[..line.len().min(64)])
            ))
        };
        let open = line
            .iter()
            .position(|&b| b == b'[')
            .ok_or_else(|| bad("no '['"))?;
        // The arguments start at the first quote; the client part ends at the last ']'
        // before it (an IPv6 address has brackets of its own).
        let args_at = line.iter().position(|&b| b == b'"').unwrap_or(line.len());
        let close = line[..args_at]
            .iter()
            .rposition(|&b| b == b']')
            .filter(|&c| c > open)
            .ok_or_else(|| bad("no ']'"))?;
        let time = std::str::from_utf8(&line[..open])
            .ok()
            .and_then(|t| t.trim().parse::<f64>().ok())
            .ok_or_else(|| bad("no time"))?;
        let inside = std::str::from_utf8(&line[open + 1..close]).map_err(|_| bad("client"))?;
        let (db, client) = inside.split_once(' ').unwrap_or((inside, ""));
        let db = db.parse::<u32>().map_err(|_| bad("no db"))?;
        let args = parse_args(&line[close + 1..]).ok_or_else(|| bad("arguments"))?;
        Ok(MonitorEvent {
            time,
            db,
            client: client.to_string(),
            args,
        })
    }
}

/// Commands whose arguments may carry a secret; `Debug` shows only their name. (The server
/// redacts most of them itself; this does not rely on it.)
const SECRET_BEARING: &[&str] = &["AUTH", "HELLO", "ACL", "MIGRATE", "CONFIG"];

impl fmt::Debug for MonitorEvent {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let name = self.command_name().unwrap_or("");
        let hidden = SECRET_BEARING.iter().any(|s| s.eq_ignore_ascii_case(name));
        let shown: Vec<String> = self
            .args
            .iter()
            .enumerate()
            .map(|(i, a)| match (i, hidden) {
                (0, _) | (_, false) => String::from_utf8_lossy(a).into_owned(),
                _ => "<hidden>".to_string(),
            })
            .collect();
        f.debug_struct("MonitorEvent")
            .field("time", &self.time)
            .field("db", &self.db)
            .field("client", &self.client)
            .field("args", &shown)
            .finish()
    }
}

/// The quoted arguments of a MONITOR line: `"a" "b\"c" "\x00"`, escapes as the server's
/// `sdscatrepr` writes them. `None` when the text is not that.
fn parse_args(mut s: &[u8]) -> Option<Vec<Vec<u8>>> {
    let mut out = Vec::new();
    loop {
        while let [b' ', rest @ ..] = s {
            s = rest;
        }
        match s {
            [] => return Some(out),
            [b'"', rest @ ..] => s = rest,
            _ => return None,
        }
        let mut arg = Vec::new();
        loop {
            match s {
                [b'"', rest @ ..] => {
                    s = rest;
                    break;
                }
                [b'\\', b'x', h, l, rest @ ..]
                    if h.is_ascii_hexdigit() && l.is_ascii_hexdigit() =>
                {
                    let hex = [*h, *l];
                    let text = std::str::from_utf8(&hex).ok()?;
                    arg.push(u8::from_str_radix(text, 16).ok()?);
                    s = rest;
                }
                [b'\\', c, rest @ ..] => {
                    arg.push(match c {
                        b'n' => b'\n',
                        b'r' => b'\r',
                        b't' => b'\t',
                        b'a' => 0x07,
                        b'b' => 0x08,
                        other => *other,
                    });
                    s = rest;
                }
                [c, rest @ ..] => {
                    arg.push(*c);
                    s = rest;
                }
                [] => return None,
            }
        }
        out.push(arg);
    }
}

/// A connection in MONITOR mode; made by
/// [`StrictRedis::monitor`](crate::StrictRedis::monitor).
///
/// redis-py's `monitor()`: one connection that streams every command the server runs.
///
/// [`StrictRedis::monitor`](crate::StrictRedis::monitor) takes a connection from the pool and
/// sends `MONITOR`; from then on the server writes one line per command it runs, which
/// [`Monitor`] parses into a [`MonitorEvent`]:
///
/// ```text
/// 1700000000.123456 [0 127.0.0.1:53210] "SET" "key" "va\"lue"
/// ```
///
/// The connection can never carry a request again: it is closed, not pooled, when the
/// [`Monitor`] drops (the connection's state machine marks `MONITOR` as a change the pool
/// cannot undo).
///
/// ```no_run
/// use std::time::Duration;
/// # let r = strictredis::StrictRedis::from_url("redis://127.0.0.1/")?;
/// let mut m = r.monitor()?;
/// while let Some(ev) = m.next_command(Duration::from_secs(1))? {
///     println!("{} db{} {}: {:?}", ev.time, ev.db, ev.client, ev.command_name());
/// }
/// # Ok::<(), strictredis::Error>(())
/// ```
///
/// As an iterator it yields every event, each waiting as long as it takes; it ends after
/// the connection fails (that error is its last item).
pub struct Monitor {
    conn: Option<PooledConnection>,
}

impl fmt::Debug for Monitor {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Monitor")
            .field("connected", &self.conn.is_some())
            .finish()
    }
}

impl Monitor {
    /// Takes a connection from `pool` and sends `MONITOR`, waiting for its `OK`.
    pub fn start(pool: &ConnectionPool) -> Result<Monitor> {
        let mut conn = pool.get()?;
        conn.execute_command::<()>(cmd("MONITOR"))?;
        Ok(Monitor { conn: Some(conn) })
    }

    /// The next command the server ran, waiting up to `timeout`; `Ok(None)` when none came
    /// in time (redis-py's `next_command`, with a timeout). After a connection error every
    /// call fails: start a new [`Monitor`].
    pub fn next_command(&mut self, timeout: Duration) -> Result<Option<MonitorEvent>> {
        let conn = self
            .conn
            .as_mut()
            .ok_or_else(|| Error::Io(std::io::ErrorKind::NotConnected.into()))?;
        match conn.read_value_timeout(timeout) {
            Ok(None) => Ok(None),
            Ok(Some(v)) => event_of(v).map(Some),
            Err(e) => {
                if e.is_connection_error() {
                    self.conn = None;
                }
                Err(e)
            }
        }
    }
}

/// A MONITOR line, as a status reply (or, defensively, a bulk string).
fn event_of(v: Value) -> Result<MonitorEvent> {
    match v {
        Value::Simple(s) => MonitorEvent::parse(s.as_bytes()),
        Value::Bulk(b) | Value::Verbatim { text: b, .. } => MonitorEvent::parse(&b),
        Value::Error(e) => Err(Error::Server(e)),
        other => Err(Error::Type(format!(
            "a MONITOR line is a status reply, got {}",
            other.kind_name()
        ))),
    }
}

impl Iterator for Monitor {
    type Item = Result<MonitorEvent>;

    fn next(&mut self) -> Option<Result<MonitorEvent>> {
        self.conn.as_ref()?;
        loop {
            match self.next_command(Duration::MAX) {
                Ok(Some(ev)) => return Some(Ok(ev)),
                Ok(None) => continue,
                Err(e) => {
                    self.conn = None;
                    return Some(Err(e));
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_lines_with_quotes_escapes_and_every_client_form() {
        let ev = MonitorEvent::parse(
            br#"1700000000.123456 [3 127.0.0.1:53210] "SET" "k" "a\"b\\c\n\x00\xff""#,
        )
        .unwrap();
        assert_eq!(ev.time, 1_700_000_000.123456);
        assert_eq!(ev.db, 3);
        assert_eq!(ev.client, "127.0.0.1:53210");
        assert_eq!(
            ev.args,
            vec![
                b"SET".to_vec(),
                b"k".to_vec(),
                b"a\"b\\c\n\x00\xff".to_vec()
            ]
        );
        let lua = MonitorEvent::parse(br#"1.5 [0 lua] "get" "x""#).unwrap();
        assert_eq!(
            (lua.client.as_str(), lua.command_name()),
            ("lua", Some("get"))
        );
        let unix = MonitorEvent::parse(br#"2.0 [1 unix:/tmp/r.sock] "PING""#).unwrap();
        assert_eq!(unix.client, "unix:/tmp/r.sock");
        let ipv6 = MonitorEvent::parse(br#"2.0 [0 [::1]:6380] "PING" "]""#).unwrap();
        assert_eq!(ipv6.client, "[::1]:6380");
        assert_eq!(ipv6.args, vec![b"PING".to_vec(), b"]".to_vec()]);
    }

    #[test]
    fn bad_lines_are_errors_never_panics() {
        for line in [
            &b""[..],
            b"OK",
            b"1.0 [x 127.0.0.1:1] \"a\"",
            b"1.0 [0 c] \"unterminated",
            b"1.0 [0 c] bare",
            b"[0 c]",
            b"\xff\xfe [",
        ] {
            assert!(MonitorEvent::parse(line).is_err(), "{line:?}");
        }
    }

    #[test]
    fn debug_hides_the_arguments_of_secret_bearing_commands() {
        let ev = MonitorEvent::parse(br#"1.0 [0 c] "auth" "user" "s3cret""#).unwrap();
        let shown = format!("{ev:?}");
        assert!(!shown.contains("s3cret"), "{shown}");
        assert!(shown.contains("auth"));
    }
}
