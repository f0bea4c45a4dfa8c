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

mod scalars;

use scalars::*;

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

#[cfg(test)]
mod tests;
