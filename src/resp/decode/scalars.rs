//! The pieces of one reply the decoder turns into values: blob payloads, numbers in
//! header lines, and the protocol errors with a short, printable snippet of what came.

use crate::error::{Error, Result, ServerError};
use crate::value::Value;

/// The value of a complete payload that is still in the caller's buffer.
pub(super) fn blob_from_slice(kind: u8, payload: &[u8]) -> Result<Value> {
    Ok(match kind {
        b'$' => Value::Bulk(payload.to_vec()),
        b'!' => Value::Error(ServerError::new(text(payload))),
        _ => {
            let format = verbatim_format(payload)?;
            Value::Verbatim {
                format,
                text: payload[4..].to_vec(),
            }
        }
    })
}

/// The value of a complete payload that was gathered across buffers.
pub(super) fn blob_from_vec(kind: u8, mut payload: Vec<u8>) -> Result<Value> {
    Ok(match kind {
        b'$' => Value::Bulk(payload),
        b'!' => Value::Error(ServerError::new(text_from_vec(payload))),
        _ => {
            let format = verbatim_format(&payload)?;
            payload.drain(..4);
            Value::Verbatim {
                format,
                text: payload,
            }
        }
    })
}

/// The format of a verbatim string payload (`txt:...`), checked.
pub(super) fn verbatim_format(payload: &[u8]) -> Result<String> {
    match payload.get(..4) {
        Some([a, b, c, b':']) => match std::str::from_utf8(&[*a, *b, *c]) {
            Ok(s) => Ok(s.to_owned()),
            Err(_) => Err(bad_line("verbatim string format", &payload[..3])),
        },
        _ => Err(bad_line(
            "verbatim string (expected a 3-byte format and ':')",
            payload,
        )),
    }
}

/// Text of a line; invalid UTF-8 is replaced rather than rejected, since servers echo
/// arbitrary user bytes in error messages.
pub(super) fn text(bytes: &[u8]) -> String {
    // `+OK`, by far the commonest line, needs no check; other valid UTF-8 is checked in
    // one pass, and only invalid bytes take the replacing walk.
    if bytes == b"OK" {
        return String::from("OK");
    }
    match std::str::from_utf8(bytes) {
        Ok(s) => s.to_owned(),
        Err(_) => String::from_utf8_lossy(bytes).into_owned(),
    }
}

/// Like [`text`], reusing the vector when it is valid UTF-8.
pub(super) fn text_from_vec(bytes: Vec<u8>) -> String {
    match String::from_utf8(bytes) {
        Ok(s) => s,
        Err(e) => String::from_utf8_lossy(e.as_bytes()).into_owned(),
    }
}

/// Parses a decimal `i64` with an optional sign, by hand.
pub(super) fn parse_i64(line: &[u8]) -> Option<i64> {
    let (negative, digits) = match line.split_first() {
        Some((b'-', rest)) => (true, rest),
        Some((b'+', rest)) => (false, rest),
        _ => (false, line),
    };
    if digits.is_empty() {
        return None;
    }
    let mut n: u64 = 0;
    for &b in digits {
        let d = b.wrapping_sub(b'0');
        if d > 9 {
            return None;
        }
        n = n.checked_mul(10)?.checked_add(u64::from(d))?;
    }
    if negative {
        const MIN_MAGNITUDE: u64 = 1 << 63;
        match n.cmp(&MIN_MAGNITUDE) {
            std::cmp::Ordering::Less => Some(-(n as i64)),
            std::cmp::Ordering::Equal => Some(i64::MIN),
            std::cmp::Ordering::Greater => None,
        }
    } else {
        i64::try_from(n).ok()
    }
}

/// Parses a length or count: digits, or `-` and digits; no `+`.
pub(super) fn parse_len(line: &[u8]) -> Option<i64> {
    if line.first() == Some(&b'+') {
        return None;
    }
    parse_i64(line)
}

pub(super) fn type_name(kind: u8) -> &'static str {
    match kind {
        b'+' => "simple string",
        b'-' => "error",
        b':' => "integer",
        b'$' => "bulk string",
        b'*' => "array",
        b'_' => "null",
        b',' => "double",
        b'#' => "boolean",
        b'!' => "blob error",
        b'=' => "verbatim string",
        b'(' => "big number",
        b'%' => "map",
        b'~' => "set",
        b'>' => "push",
        b'|' => "attribute",
        _ => "unknown",
    }
}

/// Shows at most 40 bytes of a bad line.
pub(super) fn snippet(line: &[u8]) -> String {
    const MAX: usize = 40;
    let shown = String::from_utf8_lossy(&line[..line.len().min(MAX)]);
    if line.len() > MAX {
        format!("{shown:?}...")
    } else {
        format!("{shown:?}")
    }
}

pub(super) fn bad_line(what: &str, line: &[u8]) -> Error {
    Error::Protocol(format!("invalid {what}: {}", snippet(line)))
}

pub(super) fn missing_lf(kind: u8) -> Error {
    Error::Protocol(format!(
        "{} line: '\\r' not followed by '\\n'",
        type_name(kind)
    ))
}

pub(super) fn line_too_long(kind: u8, limit: usize) -> Error {
    Error::Protocol(format!(
        "{} line longer than {limit} bytes without '\\r\\n'",
        type_name(kind)
    ))
}

pub(super) fn bad_trailer(kind: u8) -> Error {
    Error::Protocol(format!(
        "{} payload not followed by '\\r\\n'",
        type_name(kind)
    ))
}
