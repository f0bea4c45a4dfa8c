//! Cursor iterators: [`ScanIter`] (its docs are on the type).

use std::fmt;
use std::marker::PhantomData;

use crate::args::ToArg;
use crate::cmd::{cmd, Cmd};
use crate::error::{Error, Result};
use crate::from_value::reply::into_items;
use crate::from_value::FromValue;
use crate::pool::ConnectionPool;
use crate::value::Value;

/// The options of a keyspace scan (`MATCH`, `COUNT`, `TYPE`), shared with the single-page
/// [`scan`](crate::StrictRedis::scan) command method; see [`StrictRedis::scan_iter_with`](crate::StrictRedis::scan_iter_with).
pub use crate::commands::keys::ScanOptions;

/// What is being scanned: the keyspace, or the elements of one key.
#[derive(Clone)]
pub(crate) enum Source {
    Keys,
    Hash(Vec<u8>),
    Set(Vec<u8>),
    SortedSet(Vec<u8>),
}

/// A lazy iterator over the items of a `SCAN`-family command.
///
/// Made by [`StrictRedis::scan_iter`](crate::StrictRedis::scan_iter) and friends. Yields `Result<T>`.
///
/// Cursor iterators over `SCAN`, `HSCAN`, `SSCAN` and `ZSCAN`, as redis-py's
/// `scan_iter` and friends.
///
/// The iterators are lazy: a page is fetched (one pool checkout, one round trip) only when
/// the items of the previous one are used up, and iteration ends when the server hands back
/// cursor `0`. Each item is a `Result`: an item that does not convert into the type asked
/// for (a non-UTF-8 key asked as `String`) is yielded as its `Err` and the iteration goes
/// on; a failed page is yielded as an `Err`, after which the iterator ends.
///
/// SCAN's guarantee holds, no more: an element present from the start to the end of the
/// iteration is returned; one added or removed meanwhile may or may not be; and when the
/// keyspace changes (a rehash), an element may be returned more than once.
///
/// ```no_run
/// # let r = strictredis::StrictRedis::from_url("redis://127.0.0.1/")?;
/// for key in r.scan_iter::<String>(Some("user:*"), Some(500)) {
///     let key = key?;
/// }
/// for pair in r.hscan_iter::<String, i64>("scores", None, None) {
///     let (field, value) = pair?;
/// }
/// # Ok::<(), strictredis::Error>(())
/// ```
pub struct ScanIter<T> {
    pool: ConnectionPool,
    source: Source,
    options: ScanOptions,
    /// The cursor of the next page; `None` once the server answered cursor 0.
    cursor: Option<Vec<u8>>,
    page: PageItems,
    /// A cluster's keyed scan: where to start again after its node failed it, and how
    /// many more times it may.
    relocate: Option<(Relocate, u32)>,
    _item: PhantomData<fn() -> T>,
}

/// Asked with the error of a failed page (a cluster's `MOVED`, a node gone): the pool to
/// scan again on, from cursor 0 (a cursor means nothing on another node), or `None` to
/// yield the error. It may pause first (a slot migrating).
pub(crate) type Relocate = std::sync::Arc<dyn Fn(&Error) -> Option<ConnectionPool> + Send + Sync>;

/// The items of one page, converted one by one as they are taken: an item that does not
/// convert (a non-UTF-8 key asked as `String`) is that item's `Err`, and the iteration goes
/// on with the next one.
pub(crate) struct PageItems {
    items: std::vec::IntoIter<Value>,
    /// HSCAN and ZSCAN pages are flat `[field, value, ...]`: two items make one.
    pairs: bool,
}

impl PageItems {
    pub(crate) fn new(items: Vec<Value>, pairs: bool) -> PageItems {
        PageItems {
            items: items.into_iter(),
            pairs,
        }
    }

    /// How many items are left (pairs counted once).
    pub(crate) fn len(&self) -> usize {
        if self.pairs {
            self.items.len().div_ceil(2)
        } else {
            self.items.len()
        }
    }

    /// The next item, converted into `T`.
    pub(crate) fn next_item<T: FromValue>(&mut self) -> Option<Result<T>> {
        let first = self.items.next()?;
        if !self.pairs {
            return Some(T::from_value(first));
        }
        Some(match self.items.next() {
            Some(second) => T::from_value(Value::Array(vec![first, second])),
            None => Err(Error::Type(
                "a SCAN page of pairs has an odd number of items".into(),
            )),
        })
    }
}

impl<T> fmt::Debug for ScanIter<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let command = match &self.source {
            Source::Keys => "SCAN",
            Source::Hash(_) => "HSCAN",
            Source::Set(_) => "SSCAN",
            Source::SortedSet(_) => "ZSCAN",
        };
        f.debug_struct("ScanIter")
            .field("command", &command)
            .field("options", &self.options)
            .field(
                "cursor",
                &self.cursor.as_deref().map(String::from_utf8_lossy),
            )
            .field("buffered", &self.page.len())
            .finish()
    }
}

impl<T: FromValue> ScanIter<T> {
    pub(crate) fn new(pool: ConnectionPool, source: Source, options: ScanOptions) -> ScanIter<T> {
        ScanIter {
            pool,
            source,
            options,
            cursor: Some(b"0".to_vec()),
            page: PageItems::new(Vec::new(), false),
            relocate: None,
            _item: PhantomData,
        }
    }

    /// Scans again from 0 on the pool `relocate` gives after a failed page, at most
    /// `tries` times: items may then be returned twice, none present throughout is missed.
    pub(crate) fn relocating(mut self, relocate: Relocate, tries: u32) -> ScanIter<T> {
        self.relocate = Some((relocate, tries));
        self
    }

    /// The command that fetches the page at `cursor`.
    fn page_cmd(&self, cursor: &[u8]) -> Cmd {
        let c = match &self.source {
            Source::Keys => cmd("SCAN"),
            Source::Hash(k) => cmd("HSCAN").key(k),
            Source::Set(k) => cmd("SSCAN").key(k),
            Source::SortedSet(k) => cmd("ZSCAN").key(k),
        };
        let c = c
            .arg(cursor)
            .opt_token("MATCH", self.options.pattern.as_deref())
            .opt_token("COUNT", self.options.count);
        match self.source {
            Source::Keys => c.opt_token("TYPE", self.options.type_.as_deref()),
            _ => c,
        }
    }

    /// Fetches the next page; `Ok(false)` when there is none.
    fn fetch(&mut self) -> Result<bool> {
        let Some(cursor) = self.cursor.take() else {
            return Ok(false);
        };
        let c = self.page_cmd(&cursor);
        let reply: Value = match self.pool.get().and_then(|mut conn| conn.execute_command(c)) {
            Ok(v) => v,
            Err(e) => {
                let again = match &mut self.relocate {
                    Some((relocate, tries)) if *tries > 0 => {
                        *tries -= 1;
                        relocate(&e)
                    }
                    _ => None,
                };
                let Some(pool) = again else {
                    return Err(e);
                };
                self.pool = pool;
                self.cursor = Some(b"0".to_vec());
                self.page = PageItems::new(Vec::new(), false);
                return Ok(true);
            }
        };
        let (next, items) = split_page(reply)?;
        if next != b"0" {
            self.cursor = Some(next);
        }
        let pairs = matches!(self.source, Source::Hash(_) | Source::SortedSet(_));
        self.page = PageItems::new(items, pairs);
        Ok(true)
    }

    /// True once the server has answered cursor 0 and the last page is used up.
    pub fn is_finished(&self) -> bool {
        self.cursor.is_none() && self.page.len() == 0
    }
}

/// `[cursor, [items...]]` into the cursor's digits and the items.
fn split_page(reply: Value) -> Result<(Vec<u8>, Vec<Value>)> {
    let mut parts = into_items(reply, "a SCAN page")?.into_iter();
    let (Some(cursor), Some(items), None) = (parts.next(), parts.next(), parts.next()) else {
        return Err(Error::Type(
            "a SCAN page is not [cursor, items] (two elements)".into(),
        ));
    };
    let cursor = match cursor {
        Value::Int(i) if i >= 0 => i.to_string().into_bytes(),
        v => Vec::<u8>::from_value(v)?,
    };
    if cursor.is_empty() || !cursor.iter().all(u8::is_ascii_digit) {
        return Err(Error::Type(format!(
            "SCAN cursor {:?} is not a number",
            String::from_utf8_lossy(&cursor)
        )));
    }
    Ok((cursor, into_items(items, "SCAN page items")?))
}

impl<T: FromValue> Iterator for ScanIter<T> {
    type Item = Result<T>;

    fn next(&mut self) -> Option<Result<T>> {
        loop {
            if let Some(item) = self.page.next_item() {
                return Some(item);
            }
            match self.fetch() {
                Ok(true) => continue,
                Ok(false) => return None,
                Err(e) => {
                    self.cursor = None;
                    return Some(Err(e));
                }
            }
        }
    }
}

impl<T: FromValue> std::iter::FusedIterator for ScanIter<T> {}

pub(crate) fn opts(pattern: Option<&str>, count: Option<u64>) -> ScanOptions {
    ScanOptions {
        pattern: pattern.map(str::to_string),
        count,
        type_: None,
    }
}

pub(crate) fn key_bytes(key: impl ToArg) -> Vec<u8> {
    key.with_bytes(<[u8]>::to_vec)
}

/// Declares `hscan_iter`, `sscan_iter` and `zscan_iter` on a client: `|$this, $key| $pool`
/// gives the pool that serves the key (its bytes), `$where` says where the scan runs (for
/// the docs).
macro_rules! keyed_scan_iters {
    ($where:literal, |$this:ident, $key:ident| $pool:expr $(, relocate: $relocate:expr)?) => {
        #[doc = concat!("The `(field, value)` pairs of the hash at `key` (HSCAN", $where, "), ")]
        /// optionally only the fields matching `pattern`; see [`ScanIter`](crate::ScanIter).
        pub fn hscan_iter<F: $crate::FromValue, V: $crate::FromValue>(
            &self,
            key: impl $crate::ToArg,
            pattern: Option<&str>,
            count: Option<u64>,
        ) -> $crate::ScanIter<(F, V)> {
            self.keyed_scan(key, pattern, count, $crate::scan::Source::Hash)
        }

        #[doc = concat!("The members of the set at `key` (SSCAN", $where, "), optionally only")]
        /// those matching `pattern`; see [`ScanIter`](crate::ScanIter).
        pub fn sscan_iter<T: $crate::FromValue>(
            &self,
            key: impl $crate::ToArg,
            pattern: Option<&str>,
            count: Option<u64>,
        ) -> $crate::ScanIter<T> {
            self.keyed_scan(key, pattern, count, $crate::scan::Source::Set)
        }

        #[doc = concat!("The `(member, score)` pairs of the sorted set at `key` (ZSCAN", $where, "),")]
        /// optionally only the members matching `pattern`; see [`ScanIter`](crate::ScanIter).
        pub fn zscan_iter<M: $crate::FromValue>(
            &self,
            key: impl $crate::ToArg,
            pattern: Option<&str>,
            count: Option<u64>,
        ) -> $crate::ScanIter<(M, f64)> {
            self.keyed_scan(key, pattern, count, $crate::scan::Source::SortedSet)
        }

        fn keyed_scan<T: $crate::FromValue>(
            &self,
            key: impl $crate::ToArg,
            pattern: Option<&str>,
            count: Option<u64>,
            source: fn(Vec<u8>) -> $crate::scan::Source,
        ) -> $crate::ScanIter<T> {
            let $this = self;
            let $key = $crate::scan::key_bytes(key);
            let pool = $pool;
            $(let (relocate, tries) = $relocate;)?
            let iter = $crate::ScanIter::new(pool, source($key), $crate::scan::opts(pattern, count));
            $(let iter = { let _ = stringify!($relocate); iter.relocating(relocate, tries) };)?
            iter
        }
    };
}
pub(crate) use keyed_scan_iters;

#[cfg(test)]
mod tests {
    use super::*;

    fn bulk(s: &str) -> Value {
        Value::Bulk(s.as_bytes().to_vec())
    }

    #[test]
    fn pages_split_into_cursor_and_items() {
        let v = Value::Array(vec![bulk("17"), Value::Array(vec![bulk("a"), bulk("b")])]);
        let (c, items) = split_page(v).unwrap();
        assert_eq!(c, b"17");
        assert_eq!(items.len(), 2);
    }

    #[test]
    fn bad_pages_are_type_errors() {
        for v in [
            Value::Int(3),
            Value::Array(vec![bulk("1")]),
            Value::Array(vec![bulk("x1"), Value::Array(vec![])]),
            Value::Array(vec![bulk("1"), Value::Array(vec![]), bulk("extra")]),
        ] {
            assert!(matches!(split_page(v), Err(Error::Type(_))));
        }
    }
}
