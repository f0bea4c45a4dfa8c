//! RESP encoding into a caller's buffer. No I/O.

use crate::value::Value;

/// Appends `*len\r\n`.
#[inline]
pub fn write_array_header(out: &mut Vec<u8>, len: usize) {
    write_header(out, b'*', len);
}

/// Appends one bulk string: `$len\r\n` + data + `\r\n`, reserving the whole size first.
#[inline]
pub fn write_bulk(out: &mut Vec<u8>, data: &[u8]) {
    let n = data.len();
    if n < 100 {
        // Most arguments (names, keys, small values) are short: two digits at most.
        let head: &[u8] = if n < 10 {
            &[b'$', b'0' + n as u8, b'\r', b'\n']
        } else {
            &[
                b'$',
                b'0' + (n / 10) as u8,
                b'0' + (n % 10) as u8,
                b'\r',
                b'\n',
            ]
        };
        out.reserve(head.len() + n + 2);
        out.extend_from_slice(head);
        out.extend_from_slice(data);
        out.extend_from_slice(b"\r\n");
        return;
    }
    let mut len = itoa::Buffer::new();
    let len = len.format(data.len()).as_bytes();
    out.reserve(1 + len.len() + 2 + data.len() + 2);
    out.push(b'$');
    out.extend_from_slice(len);
    out.extend_from_slice(b"\r\n");
    out.extend_from_slice(data);
    out.extend_from_slice(b"\r\n");
}

/// Appends `<prefix><n>\r\n`.
#[inline]
pub(crate) fn write_header(out: &mut Vec<u8>, prefix: u8, n: usize) {
    let mut buf = itoa::Buffer::new();
    let s = buf.format(n).as_bytes();
    out.reserve(1 + s.len() + 2);
    out.push(prefix);
    out.extend_from_slice(s);
    out.extend_from_slice(b"\r\n");
}

/// Appends `v` as RESP3.
///
/// Every variant gets its own RESP3 type: [`Value::Simple`] as `+`, [`Value::Error`] as `-`
/// (or as a `!` blob error when its text contains `\r` or `\n`), [`Value::Double`] as `,`
/// with the shortest text that parses back to the same number (`inf`, `-inf`, `nan` for the
/// non-finite ones), [`Value::Nil`] as `_`, [`Value::BigNumber`] as `(`, and so on;
/// [`Value::Attribute`] is written as `|n` with its pairs followed by the value it describes.
///
/// The output decodes back to an equal value with [`Decoder`](super::Decoder), except for
/// values RESP cannot carry, which are written as they are and then fail to decode (or decode
/// differently):
/// - a [`Value::Simple`] whose text contains `\r` or `\n`;
/// - a [`Value::BigNumber`] that is not an optional sign followed by decimal digits;
/// - a [`Value::Verbatim`] whose format is not exactly three bytes;
/// - a [`Value::Double`] NaN, which decodes to NaN, never equal to itself;
/// - aggregates nested deeper than [`MAX_DEPTH`](super::MAX_DEPTH).
///
/// Error texts may contain anything (they switch to `!`), as may bulk and verbatim payloads.
/// The encoder recurses once per nesting level.
pub fn encode_value(v: &Value, out: &mut Vec<u8>) {
    match v {
        Value::Nil => out.extend_from_slice(b"_\r\n"),
        Value::Int(n) => {
            let mut buf = itoa::Buffer::new();
            write_line(out, b':', buf.format(*n).as_bytes());
        }
        Value::Bulk(data) => write_bulk(out, data),
        Value::Simple(s) => write_line(out, b'+', s.as_bytes()),
        Value::Error(e) => {
            let text = e.text().as_bytes();
            if memchr::memchr2(b'\r', b'\n', text).is_some() {
                write_blob(out, b'!', text);
            } else {
                write_line(out, b'-', text);
            }
        }
        Value::Array(items) => write_list(out, b'*', items),
        Value::Double(d) => {
            if d.is_nan() {
                out.extend_from_slice(b",nan\r\n");
            } else if d.is_infinite() {
                let text: &[u8] = if *d > 0.0 { b"inf" } else { b"-inf" };
                write_line(out, b',', text);
            } else {
                let mut buf = ryu::Buffer::new();
                write_line(out, b',', buf.format_finite(*d).as_bytes());
            }
        }
        Value::Boolean(b) => out.extend_from_slice(if *b { b"#t\r\n" } else { b"#f\r\n" }),
        Value::BigNumber(digits) => write_line(out, b'(', digits.as_bytes()),
        Value::Verbatim { format, text } => {
            let mut len = itoa::Buffer::new();
            let len = len.format(format.len() + 1 + text.len()).as_bytes();
            out.reserve(1 + len.len() + 2 + format.len() + 1 + text.len() + 2);
            out.push(b'=');
            out.extend_from_slice(len);
            out.extend_from_slice(b"\r\n");
            out.extend_from_slice(format.as_bytes());
            out.push(b':');
            out.extend_from_slice(text);
            out.extend_from_slice(b"\r\n");
        }
        Value::Map(pairs) => {
            write_header(out, b'%', pairs.len());
            write_pairs(out, pairs);
        }
        Value::Set(items) => write_list(out, b'~', items),
        Value::Push(items) => write_list(out, b'>', items),
        Value::Attribute { attributes, value } => {
            write_header(out, b'|', attributes.len());
            write_pairs(out, attributes);
            encode_value(value, out);
        }
    }
}

/// Appends `<prefix><text>\r\n`.
#[inline]
fn write_line(out: &mut Vec<u8>, prefix: u8, text: &[u8]) {
    out.reserve(1 + text.len() + 2);
    out.push(prefix);
    out.extend_from_slice(text);
    out.extend_from_slice(b"\r\n");
}

/// Appends `<prefix><len>\r\n` + data + `\r\n`.
fn write_blob(out: &mut Vec<u8>, prefix: u8, data: &[u8]) {
    write_header(out, prefix, data.len());
    out.reserve(data.len() + 2);
    out.extend_from_slice(data);
    out.extend_from_slice(b"\r\n");
}

fn write_list(out: &mut Vec<u8>, prefix: u8, items: &[Value]) {
    write_header(out, prefix, items.len());
    for item in items {
        encode_value(item, out);
    }
}

fn write_pairs(out: &mut Vec<u8>, pairs: &[(Value, Value)]) {
    for (k, v) in pairs {
        encode_value(k, out);
        encode_value(v, out);
    }
}
