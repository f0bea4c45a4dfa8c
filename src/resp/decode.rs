//! A streaming, resumable RESP2/RESP3 decoder. Sans-IO: it only looks at byte slices.
//!
//! [`Decoder::decode`] takes bytes from the front of a buffer and says how many it consumed.
//! When the buffer ends in the middle of a reply, the decoder consumes all of it and keeps
//! what it has seen so far (a partial header line, the received part of a bulk payload, the
//! partially filled aggregates) so that the next call continues where this one stopped.
//! Nothing is ever parsed twice, so decoding is linear in the size of the reply however it
//! is split up.
//!
//! Every length and count the server sends is checked before it is used: nesting is limited
//! to [`MAX_DEPTH`] aggregates, bulk payloads to a configurable maximum
//! ([`DEFAULT_MAX_BULK_LEN`] by default), and aggregate counts never decide an allocation by
//! themselves (at most a few thousand slots are reserved up front; the rest grows as elements
//! actually arrive).

use std::fmt;

use crate::error::{Error, Result, ServerError};
use crate::value::Value;

/// The deepest nesting of aggregates (arrays, maps, sets, pushes, attributes) accepted.
///
/// An aggregate nested inside 1024 others (the 1025th level) is a protocol error.
pub const MAX_DEPTH: usize = 1024;

/// The default largest bulk string, blob error or verbatim string payload accepted, in bytes
/// (512 MiB, the largest value Redis itself stores).
pub const DEFAULT_MAX_BULK_LEN: usize = 512 * 1024 * 1024;

/// The longest header line of a non-text type (`:`, `$`, `*`, `,`, ...), in bytes.
const MAX_SHORT_LINE: usize = 64 * 1024;
/// The most bytes preallocated for a bulk payload before its data has arrived.
const BLOB_PREALLOC: usize = 1024 * 1024;
/// The most slots preallocated for an aggregate before its elements have arrived.
const AGGREGATE_PREALLOC: usize = 4096;
/// The largest aggregate count accepted (pairs, for maps and attributes).
const MAX_COUNT: i64 = i32::MAX as i64;

/// A partially received scalar.
#[derive(Default)]
enum Partial {
    /// Nothing held: the next byte starts a new element.
    #[default]
    None,
    /// A header or simple line whose `\r\n` has not arrived yet.
    Line {
        /// The type byte.
        kind: u8,
        /// The line so far, without the type byte and without any `\r`.
        line: Vec<u8>,
        /// True when the line's `\r` has been seen and only the `\n` is missing.
        cr: bool,
    },
    /// A `$`, `!` or `=` payload whose bytes (or trailing `\r\n`) have not all arrived.
    Blob {
        /// The type byte.
        kind: u8,
        /// The payload so far.
        data: Vec<u8>,
        /// The declared payload length.
        len: usize,
        /// How many bytes of the trailing `\r\n` have been seen.
        trailer: u8,
    },
}

/// A partially filled aggregate.
struct Frame {
    /// Elements still expected: keys and values count one each, and an attribute counts one
    /// more for the value it describes.
    remaining: usize,
    /// What has arrived so far.
    items: Items,
}

/// The elements of a partially filled aggregate, by aggregate type.
enum Items {
    Array(Vec<Value>),
    Set(Vec<Value>),
    Push(Vec<Value>),
    /// Pairs so far and a key waiting for its value.
    Map(Vec<(Value, Value)>, Option<Value>),
    /// Attribute pairs so far and a key waiting for its value.
    Attribute(Vec<(Value, Value)>, Option<Value>),
}

/// What parsing one element produced.
enum Step {
    /// The buffer ended; everything was consumed and the partial state is stored.
    NeedMore,
    /// A non-empty aggregate was opened (pushed on the stack).
    Opened,
    /// A complete value (a scalar or an empty aggregate).
    Value(Value),
}

/// A streaming RESP2/RESP3 decoder; see the [module docs](self).
///
/// One decoder belongs to one connection. After an error the connection must be discarded,
/// or the decoder [`reset`](Decoder::reset) before it is used again.
pub struct Decoder {
    max_bulk_len: usize,
    partial: Partial,
    stack: Vec<Frame>,
}

impl Default for Decoder {
    fn default() -> Self {
        Decoder::new()
    }
}

impl fmt::Debug for Decoder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let partial = match &self.partial {
            Partial::None => "none".to_owned(),
            Partial::Line { kind, line, .. } => {
                format!("line {:?}, {} bytes", char::from(*kind), line.len())
            }
            Partial::Blob {
                kind, data, len, ..
            } => format!(
                "payload {:?}, {} of {} bytes",
                char::from(*kind),
                data.len(),
                len
            ),
        };
        f.debug_struct("Decoder")
            .field("max_bulk_len", &self.max_bulk_len)
            .field("depth", &self.stack.len())
            .field("partial", &partial)
            .finish()
    }
}

impl Decoder {
    /// A fresh decoder accepting payloads up to [`DEFAULT_MAX_BULK_LEN`] bytes.
    pub fn new() -> Self {
        Decoder::with_max_bulk_len(DEFAULT_MAX_BULK_LEN)
    }

    /// A fresh decoder accepting bulk, blob error and verbatim payloads (and simple string,
    /// error and big number lines) up to `max_bulk_len` bytes.
    pub fn with_max_bulk_len(max_bulk_len: usize) -> Self {
        Decoder {
            max_bulk_len,
            partial: Partial::None,
            stack: Vec::new(),
        }
    }

    /// The largest payload this decoder accepts, in bytes.
    pub fn max_bulk_len(&self) -> usize {
        self.max_bulk_len
    }

    /// Drops any partial reply, making the decoder as good as new.
    pub fn reset(&mut self) {
        self.partial = Partial::None;
        self.stack.clear();
    }

    /// True when no partial reply is held: the next byte fed starts a new reply.
    pub fn is_idle(&self) -> bool {
        matches!(self.partial, Partial::None) && self.stack.is_empty()
    }

    /// While a bulk, blob error or verbatim payload is partly received: the payload so far
    /// and how many of its bytes are still missing (the trailing `\r\n` not counted).
    ///
    /// A connection uses it to read a large payload straight from the socket into its final
    /// buffer; the bytes appended there count as received, so they must not be fed to
    /// [`decode`](Self::decode) again. The caller grows `data` no faster than the decoder
    /// does (never to the declared length up front) and never past the missing bytes.
    pub(crate) fn payload_in_progress(&mut self) -> Option<(&mut Vec<u8>, usize)> {
        match &mut self.partial {
            Partial::Blob { data, len, .. } if data.len() < *len => {
                let missing = *len - data.len();
                Some((data, missing))
            }
            _ => None,
        }
    }

    ///
    /// Returns how many bytes were consumed and, once a whole top-level value is complete,
    /// that value. Consumption stops right after the value's last byte, so whatever follows
    /// it stays in `buf`. When `buf` ends before the value does, all of `buf` is consumed and
    /// the partial reply is kept in the decoder: the caller drops the consumed bytes and calls
    /// again with the bytes that follow them (never with the same bytes again).
    ///
    /// # Errors
    ///
    /// [`Error::Protocol`] when the bytes are not valid RESP or exceed a limit. The decoder is
    /// then reset; the connection should be discarded, since its position in the stream is
    /// lost.
    pub fn decode(&mut self, buf: &[u8]) -> Result<(usize, Option<Value>)> {
        let result = self.decode_inner(buf);
        if result.is_err() {
            self.reset();
        }
        result
    }

    fn decode_inner(&mut self, buf: &[u8]) -> Result<(usize, Option<Value>)> {
        let mut pos = 0;
        loop {
            let step = if matches!(self.partial, Partial::None) {
                self.parse_element(buf, &mut pos)?
            } else {
                match std::mem::take(&mut self.partial) {
                    Partial::None => self.parse_element(buf, &mut pos)?,
                    Partial::Line { kind, line, cr } => {
                        self.resume_line(kind, line, cr, buf, &mut pos)?
                    }
                    Partial::Blob {
                        kind,
                        data,
                        len,
                        trailer,
                    } => self.resume_blob(kind, data, len, trailer, buf, &mut pos)?,
                }
            };
            match step {
                Step::NeedMore => return Ok((buf.len(), None)),
                Step::Opened => {}
                Step::Value(v) => {
                    if let Some(done) = self.complete(v) {
                        return Ok((pos, Some(done)));
                    }
                }
            }
        }
    }

    /// Adds a finished value to the innermost open aggregate, closing every aggregate it
    /// completes. Returns the top-level value once there is one.
    fn complete(&mut self, mut v: Value) -> Option<Value> {
        loop {
            let top = match self.stack.last_mut() {
                None => return Some(v),
                Some(top) => top,
            };
            top.remaining -= 1;
            let described = match &mut top.items {
                Items::Attribute(_, _) if top.remaining == 0 => Some(v),
                Items::Array(list) | Items::Set(list) | Items::Push(list) => {
                    list.push(v);
                    None
                }
                Items::Map(pairs, key) | Items::Attribute(pairs, key) => {
                    match key.take() {
                        None => *key = Some(v),
                        Some(k) => pairs.push((k, v)),
                    }
                    None
                }
            };
            if top.remaining != 0 {
                return None;
            }
            v = match self.stack.pop() {
                Some(frame) => frame.items.finish(described),
                // Unreachable: `top` was on the stack.
                None => return None,
            };
        }
    }

    /// Parses the element starting at `buf[*pos]`, with no partial state held.
    fn parse_element(&mut self, buf: &[u8], pos: &mut usize) -> Result<Step> {
        let start = *pos;
        let kind = match buf.get(start) {
            None => return Ok(Step::NeedMore),
            Some(&k) => k,
        };
        if kind == b'$' {
            if let Some(v) = self.whole_bulk(buf, pos) {
                return Ok(Step::Value(v));
            }
        }
        let limit = self.line_limit(kind)?;
        let body = start + 1;
        let window_end = buf.len().min(body.saturating_add(limit).saturating_add(1));
        let window = buf.get(body..window_end).unwrap_or(&[]);
        match memchr::memchr(b'\r', window) {
            Some(i) => {
                let cr = body + i;
                match buf.get(cr + 1) {
                    Some(b'\n') => {
                        *pos = cr + 2;
                        self.on_line(kind, &window[..i], buf, pos)
                    }
                    Some(_) => Err(missing_lf(kind)),
                    None => {
                        self.partial = Partial::Line {
                            kind,
                            line: window[..i].to_vec(),
                            cr: true,
                        };
                        *pos = buf.len();
                        Ok(Step::NeedMore)
                    }
                }
            }
            None if window.len() > limit => Err(line_too_long(kind, limit)),
            None => {
                self.partial = Partial::Line {
                    kind,
                    line: window.to_vec(),
                    cr: false,
                };
                *pos = buf.len();
                Ok(Step::NeedMore)
            }
        }
    }

    /// The common case of a bulk string that lies whole in `buf` (`$`, digits, `\r\n`,
    /// payload, `\r\n`): parsed in one pass. Anything else (a sign, a length over the
    /// limit or of more than 18 digits, a missing byte, a bad trailer) returns `None` and is
    /// left to the general path, which gives the same result or the same error.
    #[inline]
    fn whole_bulk(&self, buf: &[u8], pos: &mut usize) -> Option<Value> {
        let start = *pos;
        let mut i = start + 1;
        let mut len: usize = 0;
        while let Some(&b) = buf.get(i) {
            let d = b.wrapping_sub(b'0');
            if d > 9 {
                break;
            }
            len = len * 10 + usize::from(d);
            i += 1;
            if i - start > 18 {
                return None;
            }
        }
        if i == start + 1 || buf.get(i..i + 2) != Some(b"\r\n") || len > self.max_bulk_len {
            return None;
        }
        let payload = i + 2;
        let end = payload.checked_add(len)?;
        if buf.get(end..end.checked_add(2)?) != Some(b"\r\n") {
            return None;
        }
        *pos = end + 2;
        Some(Value::Bulk(buf[payload..end].to_vec()))
    }

    /// The longest line accepted after type byte `kind`; an error for unknown type bytes.
    fn line_limit(&self, kind: u8) -> Result<usize> {
        match kind {
            b'+' | b'-' | b'(' => Ok(self.max_bulk_len),
            b':' | b'$' | b'*' | b'_' | b',' | b'#' | b'!' | b'=' | b'%' | b'~' | b'>' | b'|' => {
                Ok(MAX_SHORT_LINE)
            }
            other => Err(Error::Protocol(format!(
                "unknown RESP type byte {:?}",
                char::from(other)
            ))),
        }
    }

    /// Continues a header or simple line that an earlier buffer ended in.
    fn resume_line(
        &mut self,
        kind: u8,
        mut line: Vec<u8>,
        mut cr: bool,
        buf: &[u8],
        pos: &mut usize,
    ) -> Result<Step> {
        if !cr {
            let limit = self.line_limit(kind)?;
            let room = limit.saturating_sub(line.len());
            let rest = buf.get(*pos..).unwrap_or(&[]);
            let window = &rest[..rest.len().min(room.saturating_add(1))];
            match memchr::memchr(b'\r', window) {
                Some(i) => {
                    line.extend_from_slice(&window[..i]);
                    *pos += i + 1;
                    cr = true;
                }
                None if window.len() > room => return Err(line_too_long(kind, limit)),
                None => {
                    line.extend_from_slice(window);
                    *pos = buf.len();
                }
            }
        }
        if cr {
            match buf.get(*pos) {
                Some(b'\n') => {
                    *pos += 1;
                    return self.on_line(kind, &line, buf, pos);
                }
                Some(_) => return Err(missing_lf(kind)),
                None => {}
            }
        }
        self.partial = Partial::Line { kind, line, cr };
        Ok(Step::NeedMore)
    }

    /// Handles a complete line (without type byte and `\r\n`); `*pos` is just past it.
    fn on_line(&mut self, kind: u8, line: &[u8], buf: &[u8], pos: &mut usize) -> Result<Step> {
        let value = match kind {
            b'+' => Value::Simple(text(line)),
            b'-' => Value::Error(ServerError::new(text(line))),
            b':' => match parse_i64(line) {
                Some(n) => Value::Int(n),
                None => return Err(bad_line("integer", line)),
            },
            b'_' if line.is_empty() => Value::Nil,
            b'_' => return Err(bad_line("null", line)),
            b'#' => match line {
                b"t" => Value::Boolean(true),
                b"f" => Value::Boolean(false),
                _ => return Err(bad_line("boolean", line)),
            },
            b',' => match std::str::from_utf8(line).ok().and_then(|s| s.parse().ok()) {
                Some(d) => Value::Double(d),
                None => return Err(bad_line("double", line)),
            },
            b'(' => {
                let digits = match line.first() {
                    Some(b'-' | b'+') => &line[1..],
                    _ => line,
                };
                if digits.is_empty() || !digits.iter().all(u8::is_ascii_digit) {
                    return Err(bad_line("big number", line));
                }
                Value::BigNumber(text(line))
            }
            b'$' | b'!' | b'=' => {
                let len = parse_len(line).ok_or_else(|| bad_line("length", line))?;
                if len == -1 && kind == b'$' {
                    Value::Nil
                } else {
                    let len = usize::try_from(len).map_err(|_| bad_line("length", line))?;
                    if len > self.max_bulk_len {
                        return Err(Error::Protocol(format!(
                            "{} payload of {len} bytes exceeds the limit of {} bytes",
                            type_name(kind),
                            self.max_bulk_len
                        )));
                    }
                    return self.start_blob(kind, len, buf, pos);
                }
            }
            b'*' | b'~' | b'>' | b'%' | b'|' => {
                let count = parse_len(line).ok_or_else(|| bad_line("count", line))?;
                if count == -1 && kind == b'*' {
                    Value::Nil
                } else {
                    if !(0..=MAX_COUNT).contains(&count) {
                        return Err(bad_line("count", line));
                    }
                    if self.stack.len() >= MAX_DEPTH {
                        return Err(Error::Protocol(format!(
                            "aggregates nested deeper than {MAX_DEPTH} levels"
                        )));
                    }
                    // In range 0..=i32::MAX, so it fits in usize and doubling cannot overflow
                    // on 32- or 64-bit targets.
                    let count = count as usize;
                    let prealloc = count.min(AGGREGATE_PREALLOC);
                    let (items, remaining) = match kind {
                        b'*' => (Items::Array(Vec::with_capacity(prealloc)), count),
                        b'~' => (Items::Set(Vec::with_capacity(prealloc)), count),
                        b'>' => (Items::Push(Vec::with_capacity(prealloc)), count),
                        b'%' => (Items::Map(Vec::with_capacity(prealloc), None), count * 2),
                        _ => (
                            Items::Attribute(Vec::with_capacity(prealloc), None),
                            count * 2 + 1,
                        ),
                    };
                    if remaining == 0 {
                        items.finish(None)
                    } else {
                        self.stack.push(Frame { remaining, items });
                        return Ok(Step::Opened);
                    }
                }
            }
            other => {
                return Err(Error::Protocol(format!(
                    "unknown RESP type byte {:?}",
                    char::from(other)
                )))
            }
        };
        Ok(Step::Value(value))
    }

    /// Starts a payload of `len` bytes at `buf[*pos]`.
    fn start_blob(&mut self, kind: u8, len: usize, buf: &[u8], pos: &mut usize) -> Result<Step> {
        let start = *pos;
        if let Some(end) = start.checked_add(len) {
            if let Some(trailer) = buf.get(end..end.saturating_add(2)) {
                if trailer.len() == 2 {
                    if trailer != b"\r\n" {
                        return Err(bad_trailer(kind));
                    }
                    *pos = end + 2;
                    return blob_from_slice(kind, &buf[start..end]).map(Step::Value);
                }
            }
        }
        let data = Vec::with_capacity(len.min(BLOB_PREALLOC));
        self.resume_blob(kind, data, len, 0, buf, pos)
    }

    /// Continues a payload: `data` holds what arrived so far.
    fn resume_blob(
        &mut self,
        kind: u8,
        mut data: Vec<u8>,
        len: usize,
        mut trailer: u8,
        buf: &[u8],
        pos: &mut usize,
    ) -> Result<Step> {
        let rest = buf.get(*pos..).unwrap_or(&[]);
        let need = len - data.len();
        if need > 0 {
            let take = need.min(rest.len());
            if data.capacity() - data.len() < take {
                // Grow geometrically, but never past the declared length.
                data.reserve_exact(take.max(need.min(data.capacity())));
            }
            data.extend_from_slice(&rest[..take]);
            *pos += take;
        }
        if data.len() == len {
            while trailer < 2 {
                match buf.get(*pos) {
                    None => break,
                    Some(&b) => {
                        let expected = if trailer == 0 { b'\r' } else { b'\n' };
                        if b != expected {
                            return Err(bad_trailer(kind));
                        }
                        trailer += 1;
                        *pos += 1;
                    }
                }
            }
            if trailer == 2 {
                return blob_from_vec(kind, data).map(Step::Value);
            }
        }
        self.partial = Partial::Blob {
            kind,
            data,
            len,
            trailer,
        };
        Ok(Step::NeedMore)
    }
}

impl Items {
    /// The finished aggregate; `described` is an attribute's value.
    fn finish(self, described: Option<Value>) -> Value {
        match self {
            Items::Array(list) => Value::Array(list),
            Items::Set(list) => Value::Set(list),
            Items::Push(list) => Value::Push(list),
            Items::Map(pairs, _) => Value::Map(pairs),
            Items::Attribute(attributes, _) => Value::Attribute {
                attributes,
                value: Box::new(described.unwrap_or(Value::Nil)),
            },
        }
    }
}

/// Decodes one value from a complete buffer with a fresh decoder.
///
/// Returns the value and the number of bytes it took, or `None` if `buf` ends before the
/// value does.
///
/// # Errors
///
/// [`Error::Protocol`] when the bytes are not valid RESP.
pub fn decode_one(buf: &[u8]) -> Result<Option<(Value, usize)>> {
    match Decoder::new().decode(buf)? {
        (used, Some(v)) => Ok(Some((v, used))),
        (_, None) => Ok(None),
    }
}

/// The value of a complete payload that is still in the caller's buffer.
fn blob_from_slice(kind: u8, payload: &[u8]) -> Result<Value> {
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
fn blob_from_vec(kind: u8, mut payload: Vec<u8>) -> Result<Value> {
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
fn verbatim_format(payload: &[u8]) -> Result<String> {
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
fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// Like [`text`], reusing the vector when it is valid UTF-8.
fn text_from_vec(bytes: Vec<u8>) -> String {
    match String::from_utf8(bytes) {
        Ok(s) => s,
        Err(e) => String::from_utf8_lossy(e.as_bytes()).into_owned(),
    }
}

/// Parses a decimal `i64` with an optional sign, by hand.
fn parse_i64(line: &[u8]) -> Option<i64> {
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
fn parse_len(line: &[u8]) -> Option<i64> {
    if line.first() == Some(&b'+') {
        return None;
    }
    parse_i64(line)
}

fn type_name(kind: u8) -> &'static str {
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
fn snippet(line: &[u8]) -> String {
    const MAX: usize = 40;
    let shown = String::from_utf8_lossy(&line[..line.len().min(MAX)]);
    if line.len() > MAX {
        format!("{shown:?}...")
    } else {
        format!("{shown:?}")
    }
}

fn bad_line(what: &str, line: &[u8]) -> Error {
    Error::Protocol(format!("invalid {what}: {}", snippet(line)))
}

fn missing_lf(kind: u8) -> Error {
    Error::Protocol(format!(
        "{} line: '\\r' not followed by '\\n'",
        type_name(kind)
    ))
}

fn line_too_long(kind: u8, limit: usize) -> Error {
    Error::Protocol(format!(
        "{} line longer than {limit} bytes without '\\r\\n'",
        type_name(kind)
    ))
}

fn bad_trailer(kind: u8) -> Error {
    Error::Protocol(format!(
        "{} payload not followed by '\\r\\n'",
        type_name(kind)
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn one(bytes: &[u8]) -> Value {
        match decode_one(bytes) {
            Ok(Some((v, used))) => {
                assert_eq!(used, bytes.len(), "consumed for {bytes:?}");
                v
            }
            other => panic!("{bytes:?}: {other:?}"),
        }
    }

    fn err(bytes: &[u8]) -> String {
        match decode_one(bytes) {
            Err(Error::Protocol(msg)) => msg,
            other => panic!("expected a protocol error for {bytes:?}, got {other:?}"),
        }
    }

    /// Feeds `bytes` in the given pieces, dropping consumed bytes, collecting all values.
    fn feed_pieces(d: &mut Decoder, pieces: &[&[u8]]) -> Result<Vec<Value>> {
        let mut out = Vec::new();
        let mut pending: Vec<u8> = Vec::new();
        for piece in pieces {
            pending.extend_from_slice(piece);
            loop {
                let (used, v) = d.decode(&pending)?;
                pending.drain(..used);
                match v {
                    Some(v) => out.push(v),
                    None => {
                        assert!(pending.is_empty(), "incomplete must consume everything");
                        break;
                    }
                }
            }
        }
        Ok(out)
    }

    fn bulk(s: &str) -> Value {
        Value::Bulk(s.as_bytes().to_vec())
    }

    #[test]
    fn bulk_fast_path_agrees_with_the_general_path() {
        assert_eq!(one(b"$3\r\nabc\r\n"), bulk("abc"));
        assert_eq!(one(b"$0\r\n\r\n"), bulk(""));
        assert_eq!(one(b"$007\r\nabcdefg\r\n"), bulk("abcdefg"));
        assert_eq!(one(b"$-1\r\n"), Value::Nil);
        assert_eq!(one(b"$4\r\na\r\nb\r\n"), bulk("a\r\nb"));
        assert!(err(b"$3\r\nabcX\r\n").contains("not followed by"));
        assert!(err(b"$+3\r\nabc\r\n").contains("length"));
        assert!(err(b"$3x\r\nabc\r\n").contains("length"));
        assert!(err(b"$99999999999999999999\r\n").contains("length"));
        let mut small = Decoder::with_max_bulk_len(2);
        assert!(small.decode(b"$3\r\nabc\r\n").is_err());
        // Split anywhere, the bytes still make the same values.
        let stream = b"*2\r\n$3\r\nabc\r\n$2\r\nde\r\n$1\r\nf\r\n";
        for cut in 0..stream.len() {
            let mut d = Decoder::new();
            let got = feed_pieces(&mut d, &[&stream[..cut], &stream[cut..]]).unwrap();
            assert_eq!(
                got,
                vec![Value::Array(vec![bulk("abc"), bulk("de")]), bulk("f")],
                "cut at {cut}"
            );
        }
    }

    #[test]
    fn scalars() {
        assert_eq!(one(b"+OK\r\n"), Value::Simple("OK".into()));
        assert_eq!(one(b"+\r\n"), Value::Simple(String::new()));
        assert_eq!(
            one(b"-ERR bad thing\r\n"),
            Value::Error(ServerError::new("ERR bad thing"))
        );
        assert_eq!(one(b":0\r\n"), Value::Int(0));
        assert_eq!(one(b":-42\r\n"), Value::Int(-42));
        assert_eq!(one(b":+7\r\n"), Value::Int(7));
        assert_eq!(one(b":9223372036854775807\r\n"), Value::Int(i64::MAX));
        assert_eq!(one(b":-9223372036854775808\r\n"), Value::Int(i64::MIN));
        assert_eq!(one(b"$5\r\nhello\r\n"), bulk("hello"));
        assert_eq!(one(b"$0\r\n\r\n"), bulk(""));
        assert_eq!(one(b"$4\r\na\r\nb\r\n"), bulk("a\r\nb"));
        assert_eq!(one(b"#t\r\n"), Value::Boolean(true));
        assert_eq!(one(b"#f\r\n"), Value::Boolean(false));
        assert_eq!(one(b",1.5\r\n"), Value::Double(1.5));
        assert_eq!(one(b",-3\r\n"), Value::Double(-3.0));
        assert_eq!(one(b",1e300\r\n"), Value::Double(1e300));
        assert_eq!(one(b",inf\r\n"), Value::Double(f64::INFINITY));
        assert_eq!(one(b",-inf\r\n"), Value::Double(f64::NEG_INFINITY));
        assert!(matches!(one(b",nan\r\n"), Value::Double(d) if d.is_nan()));
        assert_eq!(
            one(b"(3492890328409238509324850943850943825024385\r\n"),
            Value::BigNumber("3492890328409238509324850943850943825024385".into())
        );
        assert_eq!(one(b"(-12\r\n"), Value::BigNumber("-12".into()));
        assert_eq!(
            one(b"!21\r\nSYNTAX invalid syntax\r\n"),
            Value::Error(ServerError::new("SYNTAX invalid syntax"))
        );
        assert_eq!(
            one(b"=15\r\ntxt:Some string\r\n"),
            Value::Verbatim {
                format: "txt".into(),
                text: b"Some string".to_vec()
            }
        );
        assert_eq!(
            one(b"=4\r\nmkd:\r\n"),
            Value::Verbatim {
                format: "mkd".into(),
                text: Vec::new()
            }
        );
    }

    #[test]
    fn invalid_utf8_text_is_replaced() {
        assert_eq!(
            one(b"-ERR \xff\r\n"),
            Value::Error(ServerError::new("ERR \u{fffd}"))
        );
        assert_eq!(one(b"+a\xffb\r\n"), Value::Simple("a\u{fffd}b".into()));
    }

    #[test]
    fn nils() {
        assert_eq!(one(b"$-1\r\n"), Value::Nil);
        assert_eq!(one(b"*-1\r\n"), Value::Nil);
        assert_eq!(one(b"_\r\n"), Value::Nil);
    }

    #[test]
    fn aggregates() {
        assert_eq!(one(b"*0\r\n"), Value::Array(vec![]));
        assert_eq!(
            one(b"*3\r\n:1\r\n$1\r\na\r\n*-1\r\n"),
            Value::Array(vec![Value::Int(1), bulk("a"), Value::Nil])
        );
        assert_eq!(
            one(b"*2\r\n*1\r\n+x\r\n*0\r\n"),
            Value::Array(vec![
                Value::Array(vec![Value::Simple("x".into())]),
                Value::Array(vec![])
            ])
        );
        assert_eq!(
            one(b"%2\r\n+a\r\n:1\r\n+b\r\n%0\r\n"),
            Value::Map(vec![
                (Value::Simple("a".into()), Value::Int(1)),
                (Value::Simple("b".into()), Value::Map(vec![])),
            ])
        );
        assert_eq!(
            one(b"~2\r\n#t\r\n_\r\n"),
            Value::Set(vec![Value::Boolean(true), Value::Nil])
        );
        assert_eq!(
            one(b">3\r\n$7\r\nmessage\r\n$2\r\nch\r\n$2\r\nhi\r\n"),
            Value::Push(vec![bulk("message"), bulk("ch"), bulk("hi")])
        );
        assert_eq!(one(b"~0\r\n"), Value::Set(vec![]));
        assert_eq!(one(b">0\r\n"), Value::Push(vec![]));
    }

    #[test]
    fn attributes() {
        let v = one(
            b"|1\r\n+key-popularity\r\n%1\r\n$1\r\na\r\n,0.19\r\n*2\r\n:2039123\r\n:9543892\r\n",
        );
        assert_eq!(
            v,
            Value::Attribute {
                attributes: vec![(
                    Value::Simple("key-popularity".into()),
                    Value::Map(vec![(bulk("a"), Value::Double(0.19))])
                )],
                value: Box::new(Value::Array(vec![Value::Int(2039123), Value::Int(9543892)])),
            }
        );
        assert_eq!(
            one(b"|0\r\n:1\r\n"),
            Value::Attribute {
                attributes: vec![],
                value: Box::new(Value::Int(1))
            }
        );
        // An attribute inside an array, describing one element.
        assert_eq!(
            one(b"*2\r\n|1\r\n+a\r\n+b\r\n:1\r\n:2\r\n"),
            Value::Array(vec![
                Value::Attribute {
                    attributes: vec![(Value::Simple("a".into()), Value::Simple("b".into()))],
                    value: Box::new(Value::Int(1)),
                },
                Value::Int(2)
            ])
        );
    }

    #[test]
    fn protocol_errors() {
        let cases: &[&[u8]] = &[
            b"?x\r\n",
            b"\r\n",
            b"x",
            b":\r\n",
            b":12a\r\n",
            b":-\r\n",
            b":9223372036854775808\r\n",
            b":-9223372036854775809\r\n",
            b":1\rx",
            b"+OK\rx\r\n",
            b"$\r\n",
            b"$abc\r\n",
            b"$+5\r\nhello\r\n",
            b"$-2\r\n",
            b"$-1x\r\n",
            b"$9223372036854775807\r\n",
            b"$9223372036854775808\r\n",
            b"$5\r\nhelloXX",
            b"$5\r\nhello\rX",
            b"$5\r\nhello\n\r",
            b"*-5\r\n",
            b"*-2\r\n",
            b"*2147483648\r\n",
            b"*x\r\n",
            b"*\r\n",
            b"%4611686018427387904\r\n",
            b"%-1\r\n",
            b"~-1\r\n",
            b">-1\r\n",
            b"|-1\r\n",
            b"!-1\r\n",
            b"=-1\r\n",
            b"#x\r\n",
            b"#\r\n",
            b"#tt\r\n",
            b"_x\r\n",
            b",\r\n",
            b",abc\r\n",
            b", 1\r\n",
            b"(\r\n",
            b"(-\r\n",
            b"(12a\r\n",
            b"(1.5\r\n",
            b"=3\r\ntxt\r\n",
            b"=5\r\ntxtx1\r\n",
            b"=4\r\n\xff\xfe\xfd:\r\n",
            b"*1\r\n$2\r\nabc\r\n",
        ];
        for case in cases {
            let msg = err(case);
            assert!(!msg.is_empty());
        }
        assert!(err(b"$9223372036854775807\r\n").contains("exceeds"));
        assert!(err(b"?").contains("unknown RESP type"));
        assert!(err(b"$5\r\nhelloXX").contains("not followed"));
    }

    #[test]
    fn errors_are_found_when_split_too() {
        let cases: &[&[u8]] = &[b"$5\r\nhelloXX", b":1\rx", b"*-5\r\n", b"#x\r\n", b"?"];
        for case in cases {
            let mut d = Decoder::new();
            let pieces: Vec<&[u8]> = case.chunks(1).collect();
            assert!(matches!(
                feed_pieces(&mut d, &pieces),
                Err(Error::Protocol(_))
            ));
            assert!(d.is_idle(), "an error resets the decoder");
        }
    }

    #[test]
    fn long_lines_are_rejected() {
        let mut d = Decoder::with_max_bulk_len(100);
        let mut line = vec![b'+'];
        line.extend_from_slice(&[b'a'; 101]);
        line.extend_from_slice(b"\r\n");
        assert!(matches!(d.decode(&line), Err(Error::Protocol(_))));
        // The same, fed in pieces.
        let pieces: Vec<&[u8]> = line.chunks(7).collect();
        assert!(matches!(
            feed_pieces(&mut d, &pieces),
            Err(Error::Protocol(_))
        ));
        // At the limit it is fine.
        let mut ok = vec![b'+'];
        ok.extend_from_slice(&[b'a'; 100]);
        ok.extend_from_slice(b"\r\n");
        let pieces: Vec<&[u8]> = ok.chunks(7).collect();
        assert_eq!(
            feed_pieces(&mut d, &pieces).unwrap(),
            vec![Value::Simple("a".repeat(100))]
        );
        // Header lines are short.
        let mut hdr = b":".to_vec();
        hdr.resize(MAX_SHORT_LINE + 2, b'0');
        assert!(matches!(
            Decoder::new().decode(&hdr),
            Err(Error::Protocol(_))
        ));
        // Payloads over the limit.
        assert!(matches!(d.decode(b"$101\r\n"), Err(Error::Protocol(_))));
        assert!(matches!(d.decode(b"$100\r\n"), Ok((6, None))));
    }

    #[test]
    fn huge_counts_use_bounded_memory() {
        let mut d = Decoder::new();
        assert_eq!(d.decode(b"*2147483647\r\n").unwrap(), (13, None));
        assert_eq!(d.decode(b"%1073741823\r\n:1\r\n").unwrap(), (17, None));
        assert_eq!(d.decode(b"$536870912\r\nab").unwrap(), (14, None));
        match &d.partial {
            Partial::Blob { data, .. } => assert!(data.capacity() <= BLOB_PREALLOC),
            _ => panic!("expected a partial payload"),
        }
        assert!(!d.is_idle());
        d.reset();
        assert!(d.is_idle());
        assert_eq!(d.decode(b":1\r\n").unwrap(), (4, Some(Value::Int(1))));
    }

    #[test]
    fn two_replies_in_one_buffer() {
        let buf = b"+OK\r\n*1\r\n:2\r\n$3\r\nabc\r\n";
        let mut d = Decoder::new();
        assert_eq!(
            d.decode(buf).unwrap(),
            (5, Some(Value::Simple("OK".into())))
        );
        assert_eq!(
            d.decode(&buf[5..]).unwrap(),
            (8, Some(Value::Array(vec![Value::Int(2)])))
        );
        assert_eq!(d.decode(&buf[13..]).unwrap(), (9, Some(bulk("abc"))));
        assert_eq!(d.decode(&buf[22..]).unwrap(), (0, None));
        assert!(d.is_idle());
    }

    fn mix() -> (Vec<u8>, Vec<Value>) {
        let frames: Vec<(&[u8], Value)> = vec![
            (b"+OK\r\n", Value::Simple("OK".into())),
            (b"-ERR x\r\n", Value::Error(ServerError::new("ERR x"))),
            (b":-12\r\n", Value::Int(-12)),
            (b"$5\r\nhello\r\n", bulk("hello")),
            (b"$0\r\n\r\n", bulk("")),
            (b"$-1\r\n", Value::Nil),
            (b"*-1\r\n", Value::Nil),
            (b"_\r\n", Value::Nil),
            (b",2.5\r\n", Value::Double(2.5)),
            (b"#f\r\n", Value::Boolean(false)),
            (b"(123\r\n", Value::BigNumber("123".into())),
            (b"!3\r\nE x\r\n", Value::Error(ServerError::new("E x"))),
            (
                b"=6\r\ntxt:ab\r\n",
                Value::Verbatim {
                    format: "txt".into(),
                    text: b"ab".to_vec(),
                },
            ),
            (
                b"*3\r\n$1\r\na\r\n*0\r\n%1\r\n:1\r\n~1\r\n#t\r\n",
                Value::Array(vec![
                    bulk("a"),
                    Value::Array(vec![]),
                    Value::Map(vec![(
                        Value::Int(1),
                        Value::Set(vec![Value::Boolean(true)]),
                    )]),
                ]),
            ),
            (
                b">2\r\n+a\r\n|1\r\n+k\r\n+v\r\n$2\r\n\r\n\r\n",
                Value::Push(vec![
                    Value::Simple("a".into()),
                    Value::Attribute {
                        attributes: vec![(Value::Simple("k".into()), Value::Simple("v".into()))],
                        value: Box::new(bulk("\r\n")),
                    },
                ]),
            ),
        ];
        let mut bytes = Vec::new();
        let mut values = Vec::new();
        for (b, v) in frames {
            bytes.extend_from_slice(b);
            values.push(v);
        }
        (bytes, values)
    }

    #[test]
    fn resumes_at_every_split() {
        let (bytes, values) = mix();
        let mut d = Decoder::new();
        assert_eq!(feed_pieces(&mut d, &[&bytes]).unwrap(), values);
        for split in 0..=bytes.len() {
            let mut d = Decoder::new();
            let got = feed_pieces(&mut d, &[&bytes[..split], &bytes[split..]]).unwrap();
            assert_eq!(got, values, "split at {split}");
            assert!(d.is_idle());
        }
        for a in 0..bytes.len() {
            for b in a..bytes.len() {
                let mut d = Decoder::new();
                let got = feed_pieces(&mut d, &[&bytes[..a], &bytes[a..b], &bytes[b..]]).unwrap();
                assert_eq!(got, values, "splits at {a} and {b}");
            }
        }
    }

    #[test]
    fn byte_by_byte() {
        let (bytes, values) = mix();
        let mut d = Decoder::new();
        let pieces: Vec<&[u8]> = bytes.chunks(1).collect();
        assert_eq!(feed_pieces(&mut d, &pieces).unwrap(), values);
        // Each call with one byte consumes it (no reply ends early in this mix).
        let mut d = Decoder::new();
        let mut got = Vec::new();
        for b in &bytes {
            let (used, v) = d.decode(std::slice::from_ref(b)).unwrap();
            assert_eq!(used, 1);
            got.extend(v);
        }
        assert_eq!(got, values);
    }

    #[test]
    fn sixteen_mib_bulk_in_4k_pieces() {
        let len = 16 * 1024 * 1024;
        let mut bytes = format!("${len}\r\n").into_bytes();
        bytes.extend((0..len).map(|i| (i % 251) as u8));
        bytes.extend_from_slice(b"\r\n:1\r\n");
        let mut d = Decoder::new();
        let mut pending = &bytes[..];
        let mut got = Vec::new();
        let mut calls = 0;
        while !pending.is_empty() {
            let end = pending.len().min(4096);
            let (used, v) = d.decode(&pending[..end]).unwrap();
            pending = &pending[used..];
            calls += 1;
            got.extend(v);
        }
        assert!(calls >= len / 4096);
        assert_eq!(got.len(), 2);
        match &got[0] {
            Value::Bulk(b) => {
                assert_eq!(b.len(), len);
                assert!(b.capacity() <= len, "no over-allocation");
                assert!(b.iter().enumerate().all(|(i, &x)| x == (i % 251) as u8));
            }
            other => panic!("{other:?}"),
        }
        assert_eq!(got[1], Value::Int(1));
    }

    #[test]
    fn big_array_in_4k_pieces() {
        let n = 100_000;
        let mut bytes = format!("*{n}\r\n").into_bytes();
        for i in 0..n {
            let s = i.to_string();
            bytes.extend_from_slice(format!("${}\r\n{s}\r\n", s.len()).as_bytes());
        }
        let mut d = Decoder::new();
        let pieces: Vec<&[u8]> = bytes.chunks(4096).collect();
        let got = feed_pieces(&mut d, &pieces).unwrap();
        match &got[..] {
            [Value::Array(items)] => {
                assert_eq!(items.len(), n);
                assert_eq!(items[n - 1], bulk(&(n - 1).to_string()));
            }
            other => panic!("{:?}", other.len()),
        }
    }

    fn nested(depth: usize) -> Vec<u8> {
        let mut bytes = b"*1\r\n".repeat(depth);
        bytes.extend_from_slice(b":7\r\n");
        bytes
    }

    #[test]
    fn depth_limit() {
        let v = one(&nested(MAX_DEPTH));
        let mut depth = 0;
        let mut cur = &v;
        while let Value::Array(items) = cur {
            depth += 1;
            cur = &items[0];
        }
        assert_eq!(depth, MAX_DEPTH);
        assert_eq!(*cur, Value::Int(7));
        assert!(err(&nested(MAX_DEPTH + 1)).contains("nested"));
        // Empty aggregates and maps count too.
        let mut bytes = b"%1\r\n:1\r\n".repeat(MAX_DEPTH);
        bytes.extend_from_slice(b"*0\r\n");
        assert!(matches!(decode_one(&bytes), Err(Error::Protocol(_))));
        // Byte by byte as well.
        let bytes = nested(MAX_DEPTH);
        let pieces: Vec<&[u8]> = bytes.chunks(1).collect();
        assert_eq!(feed_pieces(&mut Decoder::new(), &pieces).unwrap(), vec![v]);
        // Dropping a deep value must not overflow the stack either (drop is recursive, but
        // 1024 levels are fine).
    }

    #[test]
    fn incomplete_returns_none() {
        for prefix in [
            &b"$5\r\nhel"[..],
            b"*2\r\n:1\r\n",
            b"+OK",
            b"+OK\r",
            b"",
            b"|1\r\n:1\r\n:2\r\n",
        ] {
            assert!(decode_one(prefix).unwrap().is_none(), "{prefix:?}");
        }
    }

    #[test]
    fn debug_is_short() {
        let mut d = Decoder::new();
        d.decode(b"*1\r\n$100\r\nabc").unwrap();
        let s = format!("{d:?}");
        assert!(s.contains("depth: 1") && s.contains("3 of 100"), "{s}");
    }
}
