//! RESP encoding into a caller's buffer. No I/O.

/// Appends `*len\r\n`.
#[inline]
pub fn write_array_header(out: &mut Vec<u8>, len: usize) {
    write_header(out, b'*', len);
}

/// Appends one bulk string: `$len\r\n` + data + `\r\n`, reserving the whole size first.
#[inline]
pub fn write_bulk(out: &mut Vec<u8>, data: &[u8]) {
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
