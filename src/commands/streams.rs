//! Stream commands: XADD, XRANGE, XREAD, consumer groups and their introspection.
//!
//! Entries come back as [`StreamEntry`], generic over the Rust types of field names and
//! values (both `String` unless you say otherwise). Structured replies (XPENDING, XINFO,
//! XAUTOCLAIM, XREAD) have their own types; each converts from the RESP2 form (flat arrays)
//! and the RESP3 form (maps) alike.
//!
//! # Consumer groups
//!
//! A consumer group from start to end: create it, read as one of its consumers,
//! acknowledge, and look at what is still pending.
//!
//! ```no_run
//! use strictredis::commands::streams::{
//!     PendingEntry, StreamReadReply, XGroupCreateOptions, XPendingOptions, XReadGroupOptions,
//! };
//! # let r = strictredis::StrictRedis::from_url("redis://127.0.0.1/")?;
//! r.xgroup_create("events", "workers", "$", XGroupCreateOptions::default().mkstream())?;
//! let read: StreamReadReply =
//!     r.xreadgroup("workers", "w1", &[("events", ">")], XReadGroupOptions::default())?;
//! for entry in read.entries_of("events").unwrap_or_default() {
//!     r.xack("events", "workers", &[entry.id.as_str()])?;
//! }
//! let pending: Vec<PendingEntry> =
//!     r.xpending_range("events", "workers", "-", "+", 10, XPendingOptions::default())?;
//! # Ok::<(), strictredis::Error>(())
//! ```

use std::borrow::Borrow;

use crate::args::{FieldValues, ToArg};
use crate::cmd::Cmd;
use crate::error::Result;
use crate::from_value::reply::{into_pairs, items_between, next_item, ReplyFields};
use crate::from_value::FromValue;
use crate::value::Value;

/// The stream command table; see [the module docs](crate::commands). An entry followed by
/// `with JUSTID { /// docs  fn name -> Reply; }` declares the command's JUSTID form as well:
/// the same arguments, the same command with `JUSTID` last, another reply
/// ([`with_justid_forms`] writes it out).
macro_rules! stream_commands {
    ($emit:ident $($pre:tt)*) => {
        $crate::commands::streams::with_justid_forms! { [$emit [$($pre)*]] []
            /// Acknowledge `ids` in consumer group `group`: removes them from its pending
            /// entries list; returns how many were acknowledged.
            ///
            /// Redis 5.0.0+.
            fn xack(key: impl ToArg, group: impl ToArg, ids: impl ToArgs) -> u64 {
                cmd("XACK").key(key).arg(group).args(ids)
            }

            /// Append an entry with `fields` to the stream at `key` (created if missing) and
            /// return its ID. `id` is `"*"` for an ID the server picks, or an explicit one.
            ///
            /// Redis 5.0.0+.
            ///
            /// ```no_run
            /// # let r = strictredis::StrictRedis::from_url("redis://127.0.0.1/")?;
            /// let id: String = r.xadd("events", "*", &[("kind", "click"), ("x", "3")])?;
            /// # Ok::<(), strictredis::Error>(())
            /// ```
            fn xadd(key: impl ToArg, id: impl ToArg, fields: impl FieldValues) -> String {
                cmd("XADD").key(key).arg(id).field_values(fields)
            }

            /// XADD with options: NOMKSTREAM and trimming (MAXLEN / MINID, `=` / `~`,
            /// LIMIT). `None` when NOMKSTREAM is set and the stream does not exist.
            ///
            /// Redis 5.0.0+ (NOMKSTREAM, MINID and LIMIT: 6.2.0+).
            ///
            /// ```no_run
            /// use strictredis::commands::streams::{StreamTrim, XAddOptions};
            /// # let r = strictredis::StrictRedis::from_url("redis://127.0.0.1/")?;
            /// let opts = XAddOptions::default().trim(StreamTrim::maxlen(1000).approximate());
            /// let id: Option<String> = r.xadd_options("events", "*", &[("kind", "click")], opts)?;
            /// # Ok::<(), strictredis::Error>(())
            /// ```
            fn xadd_options(
                key: impl ToArg,
                id: impl ToArg,
                fields: impl FieldValues,
                options: XAddOptions,
            ) -> Option<String> {
                options.apply(cmd("XADD").key(key)).arg(id).field_values(fields)
            }

            /// Claim the pending entries of `group` idle for at least `min_idle_ms`, scanning
            /// from `start` (`"0-0"` for the beginning), for `consumer`; at most `count`
            /// (server default 100). Returns the cursor to continue from, the claimed
            /// entries and the IDs that no longer exist.
            ///
            /// Redis 6.2.0+.
            fn xautoclaim<F, V>(
                key: impl ToArg,
                group: impl ToArg,
                consumer: impl ToArg,
                min_idle_ms: u64,
                start: impl ToArg,
                count: Option<u64>,
            ) -> XAutoClaim<StreamEntry<F, V>> {
                cmd("XAUTOCLAIM")
                    .key(key)
                    .arg(group)
                    .arg(consumer)
                    .arg(min_idle_ms)
                    .arg(start)
                    .opt_token("COUNT", count)
            }
            with JUSTID {
                /// XAUTOCLAIM with JUSTID: as [`xautoclaim`](Self::xautoclaim) (the same
                /// arguments), but returns the claimed IDs only, and does not count as a
                /// delivery.
                ///
                /// Redis 6.2.0+.
                fn xautoclaim_justid -> XAutoClaim<String>;
            }

            /// Give `consumer` the pending entries `ids` of `group` that are idle for at
            /// least `min_idle_ms`; returns the claimed entries.
            ///
            /// Redis 5.0.0+.
            fn xclaim<F, V>(
                key: impl ToArg,
                group: impl ToArg,
                consumer: impl ToArg,
                min_idle_ms: u64,
                ids: impl ToArgs,
                options: XClaimOptions,
            ) -> Vec<StreamEntry<F, V>> {
                options.apply(
                    cmd("XCLAIM")
                        .key(key)
                        .arg(group)
                        .arg(consumer)
                        .arg(min_idle_ms)
                        .args(ids),
                )
            }
            with JUSTID {
                /// XCLAIM with JUSTID: as [`xclaim`](Self::xclaim) (the same arguments),
                /// but returns the claimed IDs only, and does not count as a delivery.
                ///
                /// Redis 5.0.0+.
                fn xclaim_justid -> Vec<String>;
            }

            /// Delete the entries `ids` from the stream; returns how many were deleted.
            ///
            /// Redis 5.0.0+.
            fn xdel(key: impl ToArg, ids: impl ToArgs) -> u64 {
                cmd("XDEL").key(key).args(ids)
            }

            /// Create consumer group `group` on the stream at `key`, starting after `id`
            /// (`"$"` for the stream's last entry, `"0"` for its beginning).
            ///
            /// Redis 5.0.0+ (ENTRIESREAD: 7.0.0+). The module's
            /// [consumer-group example](crate::commands::streams#consumer-groups) starts here.
            fn xgroup_create(
                key: impl ToArg,
                group: impl ToArg,
                id: impl ToArg,
                options: XGroupCreateOptions,
            ) -> () {
                options.apply(cmd("XGROUP CREATE").key(key).arg(group).arg(id))
            }

            /// Create `consumer` in `group`; `true` if it was created, `false` if it existed.
            ///
            /// Redis 6.2.0+.
            fn xgroup_createconsumer(
                key: impl ToArg,
                group: impl ToArg,
                consumer: impl ToArg,
            ) -> bool {
                cmd("XGROUP CREATECONSUMER").key(key).arg(group).arg(consumer)
            }

            /// Delete `consumer` from `group`; returns how many pending entries it had.
            ///
            /// Redis 5.0.0+.
            fn xgroup_delconsumer(
                key: impl ToArg,
                group: impl ToArg,
                consumer: impl ToArg,
            ) -> u64 {
                cmd("XGROUP DELCONSUMER").key(key).arg(group).arg(consumer)
            }

            /// Destroy consumer group `group`; `true` if it existed.
            ///
            /// Redis 5.0.0+.
            fn xgroup_destroy(key: impl ToArg, group: impl ToArg) -> bool {
                cmd("XGROUP DESTROY").key(key).arg(group)
            }

            /// The server's help text for XGROUP, one line per item.
            ///
            /// Redis 5.0.0+.
            fn xgroup_help() -> Vec<String> {
                cmd("XGROUP HELP")
            }

            /// Set the last delivered ID of `group` to `id` (`"$"` for the stream's last
            /// entry); `entries_read` sets its read counter (Redis 7.0.0+).
            ///
            /// Redis 5.0.0+.
            fn xgroup_setid(
                key: impl ToArg,
                group: impl ToArg,
                id: impl ToArg,
                entries_read: Option<u64>,
            ) -> () {
                cmd("XGROUP SETID")
                    .key(key)
                    .arg(group)
                    .arg(id)
                    .opt_token("ENTRIESREAD", entries_read)
            }

            /// The consumers of `group`, with their pending counts and idle times.
            ///
            /// Redis 5.0.0+.
            fn xinfo_consumers(key: impl ToArg, group: impl ToArg) -> Vec<XInfoConsumer> {
                cmd("XINFO CONSUMERS").key(key).arg(group)
            }

            /// The consumer groups of the stream at `key`.
            ///
            /// Redis 5.0.0+.
            fn xinfo_groups(key: impl ToArg) -> Vec<XInfoGroup> {
                cmd("XINFO GROUPS").key(key)
            }

            /// The server's help text for XINFO, one line per item.
            ///
            /// Redis 5.0.0+.
            fn xinfo_help() -> Vec<String> {
                cmd("XINFO HELP")
            }

            /// General information about the stream at `key`: length, last ID, first and
            /// last entries, number of groups.
            ///
            /// Redis 5.0.0+.
            ///
            /// ```no_run
            /// use strictredis::commands::streams::XInfoStream;
            /// # let r = strictredis::StrictRedis::from_url("redis://127.0.0.1/")?;
            /// let info: XInfoStream = r.xinfo_stream("events")?;
            /// println!("{} entries, last {}", info.length, info.last_generated_id);
            /// # Ok::<(), strictredis::Error>(())
            /// ```
            fn xinfo_stream<F, V>(key: impl ToArg) -> XInfoStream<F, V> {
                cmd("XINFO STREAM").key(key)
            }

            /// XINFO STREAM FULL: the stream with its entries, groups, consumers and pending
            /// entries; `count` limits the entries and PEL items listed (server default 10,
            /// 0 for all).
            ///
            /// Redis 6.0.0+.
            fn xinfo_stream_full<F, V>(
                key: impl ToArg,
                count: Option<u64>,
            ) -> XInfoStreamFull<F, V> {
                cmd("XINFO STREAM").key(key).arg("FULL").opt_token("COUNT", count)
            }

            /// The number of entries in the stream at `key` (0 if it does not exist).
            ///
            /// Redis 5.0.0+.
            fn xlen(key: impl ToArg) -> u64 {
                cmd("XLEN").key(key)
            }

            /// The summary form of XPENDING: how many entries of `group` are pending, their
            /// smallest and greatest IDs, and how many each consumer holds.
            ///
            /// Redis 5.0.0+.
            fn xpending(key: impl ToArg, group: impl ToArg) -> PendingSummary {
                cmd("XPENDING").key(key).arg(group)
            }

            /// The extended form of XPENDING: up to `count` pending entries of `group` with
            /// IDs in `start..=end` (`"-"`, `"+"` for the extremes), optionally only those
            /// idle for `IDLE` ms (Redis 6.2.0+) or held by one consumer. The module's
            /// [consumer-group example](crate::commands::streams#consumer-groups) ends with it.
            ///
            /// Redis 5.0.0+.
            fn xpending_range(
                key: impl ToArg,
                group: impl ToArg,
                start: impl ToArg,
                end: impl ToArg,
                count: u64,
                options: XPendingOptions,
            ) -> Vec<PendingEntry> {
                options.apply(cmd("XPENDING").key(key).arg(group), start, end, count)
            }

            /// The entries with IDs in `start..=end` (`"-"` and `"+"` for the extremes;
            /// `"(id"` excludes `id`, Redis 6.2.0+), oldest first, at most `count`.
            ///
            /// Redis 5.0.0+.
            ///
            /// ```no_run
            /// use strictredis::commands::streams::StreamEntry;
            /// # let r = strictredis::StrictRedis::from_url("redis://127.0.0.1/")?;
            /// let entries: Vec<StreamEntry> = r.xrange("events", "-", "+", Some(100))?;
            /// for e in &entries {
            ///     println!("{} kind={:?}", e.id, e.get("kind"));
            /// }
            /// # Ok::<(), strictredis::Error>(())
            /// ```
            fn xrange<F, V>(
                key: impl ToArg,
                start: impl ToArg,
                end: impl ToArg,
                count: Option<u64>,
            ) -> Vec<StreamEntry<F, V>> {
                cmd("XRANGE").key(key).arg(start).arg(end).opt_token("COUNT", count)
            }

            /// Read entries newer than the given IDs from one or more streams, given as
            /// `(key, id)` pairs (`"$"` for entries added from now on). With
            /// [`XReadOptions::block_ms`] the call waits up to that long for an entry; a wait
            /// that ends without one gives an empty reply.
            ///
            /// Redis 5.0.0+.
            ///
            /// ```no_run
            /// use strictredis::commands::streams::{StreamReadReply, XReadOptions};
            /// # let r = strictredis::StrictRedis::from_url("redis://127.0.0.1/")?;
            /// let opts = XReadOptions::default().count(10).block_ms(5000);
            /// let read: StreamReadReply = r.xread(&[("events", "$")], opts)?;
            /// for stream in &read.streams {
            ///     for e in &stream.entries {
            ///         println!("{}: {}", stream.key, e.id);
            ///     }
            /// }
            /// # Ok::<(), strictredis::Error>(())
            /// ```
            fn xread<F, V>(
                streams: impl FieldValues,
                options: XReadOptions,
            ) -> StreamReadReply<F, V> {
                streams_clause(options.apply(cmd("XREAD")), streams)
            }

            /// Read entries as `consumer` of `group`, from `(key, id)` pairs: `">"` for
            /// entries never delivered to the group, another ID for this consumer's own
            /// pending history. Blocks as [`xread`](Self::xread) with
            /// [`XReadGroupOptions::block_ms`].
            ///
            /// Redis 5.0.0+.
            ///
            /// ```no_run
            /// use strictredis::commands::streams::{StreamReadReply, XReadGroupOptions};
            /// # let r = strictredis::StrictRedis::from_url("redis://127.0.0.1/")?;
            /// let read: StreamReadReply =
            ///     r.xreadgroup("workers", "w1", &[("events", ">")], XReadGroupOptions::default())?;
            /// # Ok::<(), strictredis::Error>(())
            /// ```
            fn xreadgroup<F, V>(
                group: impl ToArg,
                consumer: impl ToArg,
                streams: impl FieldValues,
                options: XReadGroupOptions,
            ) -> StreamReadReply<F, V> {
                streams_clause(
                    options.apply(cmd("XREADGROUP").arg("GROUP").arg(group).arg(consumer)),
                    streams,
                )
            }

            /// The entries with IDs in `start..=end`, newest first (note the order of the
            /// bounds: `end` comes first, as in the command), at most `count`.
            ///
            /// Redis 5.0.0+.
            fn xrevrange<F, V>(
                key: impl ToArg,
                end: impl ToArg,
                start: impl ToArg,
                count: Option<u64>,
            ) -> Vec<StreamEntry<F, V>> {
                cmd("XREVRANGE").key(key).arg(end).arg(start).opt_token("COUNT", count)
            }

            /// Set the stream's last generated ID (an internal command, used by replication).
            ///
            /// Redis 5.0.0+ (ENTRIESADDED and MAXDELETEDID: 7.0.0+).
            fn xsetid(key: impl ToArg, last_id: impl ToArg, options: XSetIdOptions) -> () {
                options.apply(cmd("XSETID").key(key).arg(last_id))
            }

            /// Trim the stream (MAXLEN or MINID, exact or `~` approximate, with LIMIT);
            /// returns how many entries were deleted.
            ///
            /// Redis 5.0.0+ (MINID and LIMIT: 6.2.0+).
            ///
            /// ```no_run
            /// use strictredis::commands::streams::StreamTrim;
            /// # let r = strictredis::StrictRedis::from_url("redis://127.0.0.1/")?;
            /// let deleted: u64 = r.xtrim("events", StreamTrim::maxlen(1000))?;
            /// # Ok::<(), strictredis::Error>(())
            /// ```
            fn xtrim(key: impl ToArg, trim: StreamTrim) -> u64 {
                trim.apply(cmd("XTRIM").key(key))
            }
        }
    };
}
pub(crate) use stream_commands;

/// Writes out the entries of [`stream_commands`] for `$emit`, one at a time: an entry
/// followed by `with JUSTID { .. }` becomes two, the second with the first's arguments and
/// its command with `JUSTID` appended. The entries written so far ride in the second
/// bracket; at the end, `$emit` gets them all at once (as `method_names` needs).
macro_rules! with_justid_forms {
    ([$emit:ident [$($pre:tt)*]] [$($done:tt)*]) => {
        $emit! { $($pre)* $($done)* }
    };
    ($head:tt [$($done:tt)*]
        $(#[$meta:meta])* fn $name:ident $(<$($gen:ident),+>)?
        ($($arg:ident : $ty:ty),* $(,)?) -> $ret:ty $body:block
        with JUSTID { $(#[$jmeta:meta])* fn $jname:ident -> $jret:ty; }
        $($rest:tt)*
    ) => {
        $crate::commands::streams::with_justid_forms! { $head [$($done)*
            $(#[$meta])* fn $name $(<$($gen),+>)? ($($arg : $ty),*) -> $ret $body
            $(#[$jmeta])* fn $jname($($arg : $ty),*) -> $jret { ($body).arg("JUSTID") }
        ] $($rest)* }
    };
    ($head:tt [$($done:tt)*]
        $(#[$meta:meta])* fn $name:ident $(<$($gen:ident),+>)?
        ($($arg:ident : $ty:ty),* $(,)?) -> $ret:ty $body:block
        $($rest:tt)*
    ) => {
        $crate::commands::streams::with_justid_forms! { $head [$($done)*
            $(#[$meta])* fn $name $(<$($gen),+>)? ($($arg : $ty),*) -> $ret $body
        ] $($rest)* }
    };
}
pub(crate) use with_justid_forms;

// ---------------------------------------------------------------------------------------
// Arguments
// ---------------------------------------------------------------------------------------

/// Appends `STREAMS key1 key2 ... id1 id2 ...` from `(key, id)` pairs, marking the keys.
pub(crate) fn streams_clause(c: Cmd, streams: impl FieldValues) -> Cmd {
    let mut c = c.arg("STREAMS");
    streams.for_each_pair(&mut |key, _| {
        c = std::mem::take(&mut c).key(key);
    });
    streams.for_each_pair(&mut |_, id| {
        c.push_arg(id);
    });
    c
}

/// Which entries a trim removes: XTRIM's and XADD's `MAXLEN` / `MINID` clause.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum StreamTrimStrategy {
    /// `MAXLEN n`: keep the newest `n` entries.
    MaxLen(u64),
    /// `MINID id`: remove the entries with IDs lower than `id` (Redis 6.2.0+).
    MinId(String),
}

/// How exactly a trim is applied.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum StreamTrimOperator {
    /// `=`: trim exactly (the server's default).
    Exact,
    /// `~`: trim only whole radix tree nodes, which is cheaper; may keep a few more.
    Approximate,
}

/// A trim clause for [`xtrim`](crate::StrictRedis::xtrim) and [`XAddOptions::trim`]:
/// `MAXLEN|MINID [=|~] threshold [LIMIT count]`.
///
/// ```
/// use strictredis::commands::streams::StreamTrim;
/// let t = StreamTrim::maxlen(1000).approximate().limit(100);
/// let t = StreamTrim::minid("1700000000000-0");
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StreamTrim {
    /// MAXLEN or MINID with its threshold.
    pub strategy: StreamTrimStrategy,
    /// `=` or `~`; `None` sends neither (exact).
    pub operator: Option<StreamTrimOperator>,
    /// `LIMIT count`: at most this many entries evicted (only with `~`; Redis 6.2.0+).
    pub limit: Option<u64>,
}

impl StreamTrim {
    /// `MAXLEN n`: keep the newest `n` entries.
    pub fn maxlen(n: u64) -> StreamTrim {
        StreamTrim {
            strategy: StreamTrimStrategy::MaxLen(n),
            operator: None,
            limit: None,
        }
    }

    /// `MINID id`: evict the entries with IDs lower than `id` (Redis 6.2.0+).
    pub fn minid(id: impl Into<String>) -> StreamTrim {
        StreamTrim {
            strategy: StreamTrimStrategy::MinId(id.into()),
            operator: None,
            limit: None,
        }
    }

    pub(crate) fn apply(self, c: Cmd) -> Cmd {
        let c = match &self.strategy {
            StreamTrimStrategy::MaxLen(_) => c.arg("MAXLEN"),
            StreamTrimStrategy::MinId(_) => c.arg("MINID"),
        };
        let c = match self.operator {
            None => c,
            Some(StreamTrimOperator::Exact) => c.arg("="),
            Some(StreamTrimOperator::Approximate) => c.arg("~"),
        };
        let c = match &self.strategy {
            StreamTrimStrategy::MaxLen(n) => c.arg(*n),
            StreamTrimStrategy::MinId(id) => c.arg(id),
        };
        c.opt_token("LIMIT", self.limit)
    }
}

crate::commands::setters! {
    StreamTrim {
        /// Trim exactly (`=`).
        fn exact() => operator = Some(StreamTrimOperator::Exact);
        /// Trim approximately (`~`), the efficient form.
        fn approximate() => operator = Some(StreamTrimOperator::Approximate);
        /// `LIMIT count`: evict at most `count` entries (with [`approximate`](Self::approximate)).
        fn limit(count: u64) => limit = Some(count);
    }
}

/// Options of [`xadd_options`](crate::StrictRedis::xadd_options).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct XAddOptions {
    /// `NOMKSTREAM`: do not create a missing stream (the reply is then `None`; 6.2.0+).
    pub nomkstream: bool,
    /// Trim the stream in the same call.
    pub trim: Option<StreamTrim>,
}

impl XAddOptions {
    pub(crate) fn apply(self, c: Cmd) -> Cmd {
        let c = c.arg_if(self.nomkstream, "NOMKSTREAM");
        match self.trim {
            Some(t) => t.apply(c),
            None => c,
        }
    }
}

crate::commands::setters! {
    XAddOptions {
        /// Sets `NOMKSTREAM`.
        fn nomkstream() => nomkstream = true;
        /// Trims the stream as `trim` says.
        fn trim(trim: StreamTrim) => trim = Some(trim);
    }
}

/// Options of [`xread`](crate::StrictRedis::xread).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct XReadOptions {
    /// `COUNT n`: at most `n` entries per stream.
    pub count: Option<u64>,
    /// `BLOCK ms`: wait up to `ms` milliseconds for an entry (0: forever).
    pub block: Option<u64>,
}

impl XReadOptions {
    pub(crate) fn apply(self, c: Cmd) -> Cmd {
        let c = c.opt_token("COUNT", self.count);
        match self.block {
            Some(ms) => c.arg("BLOCK").arg(ms).blocking_ms(ms),
            None => c,
        }
    }
}

crate::commands::setters! {
    XReadOptions {
        /// At most `n` entries per stream.
        fn count(n: u64) => count = Some(n);
        /// Wait up to `ms` milliseconds for an entry when there is none (0: wait forever).
        fn block_ms(ms: u64) => block = Some(ms);
    }
}

/// Options of [`xreadgroup`](crate::StrictRedis::xreadgroup).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct XReadGroupOptions {
    /// `COUNT n`: at most `n` entries per stream.
    pub count: Option<u64>,
    /// `BLOCK ms`: wait up to `ms` milliseconds for an entry (0: forever).
    pub block: Option<u64>,
    /// `NOACK`: do not add the delivered entries to the pending entries list.
    pub noack: bool,
}

impl XReadGroupOptions {
    pub(crate) fn apply(self, c: Cmd) -> Cmd {
        let c = c.opt_token("COUNT", self.count);
        let c = match self.block {
            Some(ms) => c.arg("BLOCK").arg(ms).blocking_ms(ms),
            None => c,
        };
        c.arg_if(self.noack, "NOACK")
    }
}

crate::commands::setters! {
    XReadGroupOptions {
        /// At most `n` entries per stream.
        fn count(n: u64) => count = Some(n);
        /// Wait up to `ms` milliseconds for an entry when there is none (0: wait forever).
        fn block_ms(ms: u64) => block = Some(ms);
        /// Sets `NOACK`.
        fn noack() => noack = true;
    }
}

/// Options of [`xclaim`](crate::StrictRedis::xclaim).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct XClaimOptions {
    /// `IDLE ms`: set the entries' idle time.
    pub idle: Option<u64>,
    /// `TIME ms`: set the entries' last delivery time, as a Unix time in milliseconds.
    pub time: Option<u64>,
    /// `RETRYCOUNT n`: set the entries' delivery counter.
    pub retry_count: Option<u64>,
    /// `FORCE`: create pending entries for IDs that are not pending yet.
    pub force: bool,
    /// `LASTID id`: move the group's last delivered ID forward (internal use).
    pub last_id: Option<String>,
}

impl XClaimOptions {
    pub(crate) fn apply(self, c: Cmd) -> Cmd {
        c.opt_token("IDLE", self.idle)
            .opt_token("TIME", self.time)
            .opt_token("RETRYCOUNT", self.retry_count)
            .arg_if(self.force, "FORCE")
            .opt_token("LASTID", self.last_id)
    }
}

crate::commands::setters! {
    XClaimOptions {
        /// `IDLE ms`.
        fn idle(ms: u64) => idle = Some(ms);
        /// `TIME unix-time-ms`.
        fn time(unix_ms: u64) => time = Some(unix_ms);
        /// `RETRYCOUNT n`.
        fn retry_count(n: u64) => retry_count = Some(n);
        /// `FORCE`.
        fn force() => force = true;
        /// `LASTID id`.
        fn last_id(id: impl Into<String>) => last_id = Some(id.into());
    }
}

/// Filters of [`xpending_range`](crate::StrictRedis::xpending_range).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct XPendingOptions {
    /// `IDLE ms`: only entries idle for at least `ms` milliseconds (Redis 6.2.0+).
    pub idle: Option<u64>,
    /// Only the entries held by this consumer.
    pub consumer: Option<String>,
}

impl XPendingOptions {
    pub(crate) fn apply(self, c: Cmd, start: impl ToArg, end: impl ToArg, count: u64) -> Cmd {
        c.opt_token("IDLE", self.idle)
            .arg(start)
            .arg(end)
            .arg(count)
            .opt_arg(self.consumer)
    }
}

crate::commands::setters! {
    XPendingOptions {
        /// Only entries idle for at least `ms` milliseconds.
        fn idle(ms: u64) => idle = Some(ms);
        /// Only entries held by `consumer`.
        fn consumer(consumer: impl Into<String>) => consumer = Some(consumer.into());
    }
}

/// Options of [`xgroup_create`](crate::StrictRedis::xgroup_create).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct XGroupCreateOptions {
    /// `MKSTREAM`: create the stream (empty) if it does not exist.
    pub mkstream: bool,
    /// `ENTRIESREAD n`: the group's read counter (Redis 7.0.0+).
    pub entries_read: Option<u64>,
}

impl XGroupCreateOptions {
    pub(crate) fn apply(self, c: Cmd) -> Cmd {
        c.arg_if(self.mkstream, "MKSTREAM")
            .opt_token("ENTRIESREAD", self.entries_read)
    }
}

crate::commands::setters! {
    XGroupCreateOptions {
        /// Sets `MKSTREAM`.
        fn mkstream() => mkstream = true;
        /// Sets `ENTRIESREAD n`.
        fn entries_read(n: u64) => entries_read = Some(n);
    }
}

/// Options of [`xsetid`](crate::StrictRedis::xsetid).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct XSetIdOptions {
    /// `ENTRIESADDED n`: the count of entries ever added (Redis 7.0.0+).
    pub entries_added: Option<u64>,
    /// `MAXDELETEDID id`: the greatest ID ever deleted (Redis 7.0.0+).
    pub max_deleted_id: Option<String>,
}

impl XSetIdOptions {
    pub(crate) fn apply(self, c: Cmd) -> Cmd {
        c.opt_token("ENTRIESADDED", self.entries_added)
            .opt_token("MAXDELETEDID", self.max_deleted_id)
    }
}

crate::commands::setters! {
    XSetIdOptions {
        /// Sets `ENTRIESADDED n`.
        fn entries_added(n: u64) => entries_added = Some(n);
        /// Sets `MAXDELETEDID id`.
        fn max_deleted_id(id: impl Into<String>) => max_deleted_id = Some(id.into());
    }
}

// ---------------------------------------------------------------------------------------
// Replies
// ---------------------------------------------------------------------------------------

/// One stream entry: its ID and its field/value pairs, in the order they were added.
///
/// `F` and `V` are the Rust types of field names and values (`String` by default; use
/// `Vec<u8>` for binary data, or any [`FromValue`] type such as `i64`).
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct StreamEntry<F = String, V = String> {
    /// The entry's ID, `<ms>-<seq>`.
    pub id: String,
    /// The entry's fields and values. Empty for an entry that was deleted while pending
    /// (XREADGROUP of a consumer's history shows those with no fields).
    pub fields: Vec<(F, V)>,
}

impl<F, V> StreamEntry<F, V> {
    /// The value of the first field equal to `field`.
    pub fn get<Q>(&self, field: &Q) -> Option<&V>
    where
        F: Borrow<Q>,
        Q: PartialEq + ?Sized,
    {
        self.fields
            .iter()
            .find(|(f, _)| f.borrow() == field)
            .map(|(_, v)| v)
    }
}

impl<F: FromValue, V: FromValue> FromValue for StreamEntry<F, V> {
    fn from_value(v: Value) -> Result<Self> {
        let mut it = items_between(v, 2, 2, "a stream entry")?;
        let id: String = next_item(&mut it)?;
        let fields = match it.next().unwrap_or(Value::Nil) {
            Value::Nil => Vec::new(),
            f => into_pairs(f, "stream entry fields")?
                .into_iter()
                .map(|(f, v)| Ok((F::from_value(f)?, V::from_value(v)?)))
                .collect::<Result<Vec<_>>>()?,
        };
        Ok(StreamEntry { id, fields })
    }
}

/// The entries read from one stream by XREAD / XREADGROUP.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StreamEntries<F = String, V = String> {
    /// The stream's key (a key that is not UTF-8 makes the conversion fail with
    /// [`Error::Type`](crate::Error::Type)).
    pub key: String,
    /// The entries read, oldest first.
    pub entries: Vec<StreamEntry<F, V>>,
}

/// The reply of XREAD and XREADGROUP: for each stream that had entries, its key and
/// entries. Empty when a blocking read timed out.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StreamReadReply<F = String, V = String> {
    /// One item per stream that had entries, in the order of the request.
    pub streams: Vec<StreamEntries<F, V>>,
}

impl<F, V> StreamReadReply<F, V> {
    /// True when no stream had entries (a blocking read that timed out).
    pub fn is_empty(&self) -> bool {
        self.streams.iter().all(|s| s.entries.is_empty())
    }

    /// The entries read from the stream `key`, if any.
    pub fn entries_of(&self, key: &str) -> Option<&[StreamEntry<F, V>]> {
        self.streams
            .iter()
            .find(|s| s.key == key)
            .map(|s| s.entries.as_slice())
    }
}

impl<F, V> Default for StreamReadReply<F, V> {
    fn default() -> Self {
        StreamReadReply {
            streams: Vec::new(),
        }
    }
}

impl<F: FromValue, V: FromValue> FromValue for StreamReadReply<F, V> {
    /// RESP2: an array of `[key, entries]` pairs; RESP3: a map of key to entries; nil
    /// (a timed-out BLOCK) is empty.
    fn from_value(v: Value) -> Result<Self> {
        let streams = into_pairs(v, "StreamReadReply")?
            .into_iter()
            .map(|(k, e)| {
                Ok(StreamEntries {
                    key: String::from_value(k)?,
                    entries: Vec::from_value(e)?,
                })
            })
            .collect::<Result<Vec<_>>>()?;
        Ok(StreamReadReply { streams })
    }
}

/// The summary form of XPENDING.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct PendingSummary {
    /// How many entries are pending in the group.
    pub count: u64,
    /// The smallest pending ID (`None` when nothing is pending).
    pub min_id: Option<String>,
    /// The greatest pending ID (`None` when nothing is pending).
    pub max_id: Option<String>,
    /// Each consumer that holds pending entries, with how many.
    pub consumers: Vec<(String, u64)>,
}

impl FromValue for PendingSummary {
    fn from_value(v: Value) -> Result<Self> {
        let mut it = items_between(v, 4, 4, "PendingSummary")?;
        Ok(PendingSummary {
            count: next_item(&mut it)?,
            min_id: next_item(&mut it)?,
            max_id: next_item(&mut it)?,
            consumers: next_item::<Option<Vec<(String, u64)>>>(&mut it)?.unwrap_or_default(),
        })
    }
}

crate::from_value::reply::reply_struct! {
    /// One item of the extended form of XPENDING.
    #[derive(Clone, Debug, PartialEq, Eq)]
    pub struct PendingEntry: positional {
        /// The entry's ID.
        id: String,
        /// The consumer that holds it.
        consumer: String,
        /// Milliseconds since it was last delivered.
        idle_ms: u64,
        /// How many times it was delivered.
        deliveries: u64,
    }
}

/// The reply of XAUTOCLAIM: `E` is [`StreamEntry`], or `String` with JUSTID.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct XAutoClaim<E> {
    /// The cursor to pass as `start` next time; `"0-0"` when the scan is complete.
    pub next_id: String,
    /// The claimed entries (or IDs).
    pub claimed: Vec<E>,
    /// IDs that were pending but no longer exist in the stream; the server removed them
    /// from the pending list (Redis 7.0.0+; empty before).
    pub deleted: Vec<String>,
}

impl<E: FromValue> FromValue for XAutoClaim<E> {
    fn from_value(v: Value) -> Result<Self> {
        let mut it = items_between(v, 2, 3, "XAutoClaim")?;
        Ok(XAutoClaim {
            next_id: next_item(&mut it)?,
            claimed: next_item(&mut it)?,
            deleted: next_item::<Option<Vec<String>>>(&mut it)?.unwrap_or_default(),
        })
    }
}

crate::from_value::reply::reply_struct! {
    /// One item of XINFO CONSUMERS.
    #[derive(Clone, Debug, PartialEq, Eq)]
    pub struct XInfoConsumer: keyed {
        /// The consumer's name.
        name: String = req("name"),
        /// How many entries it has pending.
        pending: u64 = req("pending"),
        /// Milliseconds since it last interacted with the server.
        idle_ms: u64 = req("idle"),
        /// Milliseconds since its last successful read or claim; `None` on servers that do
        /// not report it (before Redis 7.2) and when it never had one (`-1`).
        inactive_ms: Option<u64> = count("inactive"),
    }
}

crate::from_value::reply::reply_struct! {
    /// One item of XINFO GROUPS.
    #[derive(Clone, Debug, PartialEq, Eq)]
    pub struct XInfoGroup: keyed {
        /// The group's name.
        name: String = req("name"),
        /// How many consumers it has.
        consumers: u64 = req("consumers"),
        /// How many entries are pending (delivered, not acknowledged).
        pending: u64 = req("pending"),
        /// The ID of the last entry delivered to the group.
        last_delivered_id: String = req("last-delivered-id"),
        /// How many entries the group has read (Redis 7.0.0+; `None` when unknown).
        entries_read: Option<u64> = count("entries-read"),
        /// How many entries are still waiting for delivery (Redis 7.0.0+; `None` when unknown:
        /// nil on newer servers, `-1` on Redis 7.0).
        lag: Option<u64> = count("lag"),
    }
}

/// Declares a reply struct of XINFO STREAM: the fields that the plain and the FULL form
/// share, then `$extra` fields, each read from the reply by its key (`req`: must be there,
/// `opt`: `None` when missing, `list`: empty when missing).
macro_rules! stream_info {
    ($(#[$meta:meta])* $name:ident {
        $($(#[$fdoc:meta])* $field:ident: $ty:ty = $how:ident($key:literal),)*
    }) => {
        $(#[$meta])*
        #[derive(Clone, Debug, PartialEq, Eq)]
        pub struct $name<F = String, V = String> {
            /// How many entries the stream holds.
            pub length: u64,
            /// Keys of the underlying radix tree.
            pub radix_tree_keys: u64,
            /// Nodes of the underlying radix tree.
            pub radix_tree_nodes: u64,
            /// The ID of the last entry added.
            pub last_generated_id: String,
            /// The greatest ID ever deleted (Redis 7.0.0+).
            pub max_deleted_entry_id: Option<String>,
            /// How many entries were ever added (Redis 7.0.0+).
            pub entries_added: Option<u64>,
            /// The first entry's ID as recorded by the server (Redis 7.0.0+).
            pub recorded_first_entry_id: Option<String>,
            $($(#[$fdoc])* pub $field: $ty,)*
        }

        impl<F: FromValue, V: FromValue> FromValue for $name<F, V> {
            fn from_value(v: Value) -> Result<Self> {
                let mut f = ReplyFields::new(v, stringify!($name))?;
                Ok($name {
                    length: f.req("length")?,
                    radix_tree_keys: f.req("radix-tree-keys")?,
                    radix_tree_nodes: f.req("radix-tree-nodes")?,
                    last_generated_id: f.req("last-generated-id")?,
                    max_deleted_entry_id: f.opt("max-deleted-entry-id")?,
                    entries_added: f.opt("entries-added")?,
                    recorded_first_entry_id: f.opt("recorded-first-entry-id")?,
                    $($field: stream_info!(@read f, $how, $key),)*
                })
            }
        }
    };
    (@read $f:ident, req, $key:literal) => { $f.req($key)? };
    (@read $f:ident, opt, $key:literal) => { $f.opt($key)? };
    (@read $f:ident, list, $key:literal) => { $f.opt($key)?.unwrap_or_default() };
}

stream_info! {
    /// The reply of XINFO STREAM.
    XInfoStream {
        /// How many consumer groups the stream has.
        groups: u64 = req("groups"),
        /// The first entry, `None` for an empty stream.
        first_entry: Option<StreamEntry<F, V>> = opt("first-entry"),
        /// The last entry, `None` for an empty stream.
        last_entry: Option<StreamEntry<F, V>> = opt("last-entry"),
    }
}

stream_info! {
    /// The reply of XINFO STREAM FULL.
    XInfoStreamFull {
        /// The entries, oldest first (at most COUNT of them).
        entries: Vec<StreamEntry<F, V>> = list("entries"),
        /// The consumer groups, in full.
        groups: Vec<XInfoFullGroup> = list("groups"),
    }
}

crate::from_value::reply::reply_struct! {
    /// A consumer group as XINFO STREAM FULL describes it.
    #[derive(Clone, Debug, PartialEq, Eq)]
    pub struct XInfoFullGroup: keyed {
        /// The group's name.
        name: String = req("name"),
        /// The ID of the last entry delivered to the group.
        last_delivered_id: String = req("last-delivered-id"),
        /// How many entries the group has read (Redis 7.0.0+).
        entries_read: Option<u64> = count("entries-read"),
        /// How many entries still wait for delivery (Redis 7.0.0+).
        lag: Option<u64> = count("lag"),
        /// How many entries are pending in the group.
        pel_count: u64 = req("pel-count"),
        /// The pending entries (at most COUNT of them).
        pending: Vec<XInfoFullGroupPending> = list("pending"),
        /// The group's consumers.
        consumers: Vec<XInfoFullConsumer> = list("consumers"),
    }
}

crate::from_value::reply::reply_struct! {
    /// A pending entry of a group, as XINFO STREAM FULL lists it.
    #[derive(Clone, Debug, PartialEq, Eq)]
    pub struct XInfoFullGroupPending: positional {
        /// The entry's ID.
        id: String,
        /// The consumer that holds it.
        consumer: String,
        /// When it was last delivered, Unix time in milliseconds.
        delivery_time_ms: u64,
        /// How many times it was delivered.
        delivery_count: u64,
    }
}

crate::from_value::reply::reply_struct! {
    /// A consumer as XINFO STREAM FULL describes it.
    #[derive(Clone, Debug, PartialEq, Eq)]
    pub struct XInfoFullConsumer: keyed {
        /// The consumer's name.
        name: String = req("name"),
        /// When it last interacted with the server, Unix time in milliseconds.
        seen_time_ms: u64 = req("seen-time"),
        /// When it last read or claimed successfully, Unix time in milliseconds (Redis
        /// 7.2+; `None` before, or when it never did).
        active_time_ms: Option<u64> = count("active-time"),
        /// How many entries it has pending.
        pel_count: u64 = req("pel-count"),
        /// Its pending entries (at most COUNT of them).
        pending: Vec<XInfoFullConsumerPending> = list("pending"),
    }
}

crate::from_value::reply::reply_struct! {
    /// A pending entry of a consumer, as XINFO STREAM FULL lists it.
    #[derive(Clone, Debug, PartialEq, Eq)]
    pub struct XInfoFullConsumerPending: positional {
        /// The entry's ID.
        id: String,
        /// When it was last delivered, Unix time in milliseconds.
        delivery_time_ms: u64,
        /// How many times it was delivered.
        delivery_count: u64,
    }
}

#[cfg(test)]
#[allow(clippy::needless_borrows_for_generic_args)]
mod tests {
    use super::*;
    use crate::cmd::cmd;
    use crate::error::Error;

    use crate::from_value::reply::bulk;

    use crate::commands::test_args as args;

    #[test]
    fn unknown_counts_are_none_whether_nil_or_minus_one() {
        let group = |lag: Value, read: Value| {
            Value::Array(vec![
                bulk("name"),
                bulk("g"),
                bulk("consumers"),
                Value::Int(0),
                bulk("pending"),
                Value::Int(0),
                bulk("last-delivered-id"),
                bulk("0-0"),
                bulk("entries-read"),
                read,
                bulk("lag"),
                lag,
            ])
        };
        for (lag, read) in [(Value::Int(-1), Value::Int(-1)), (Value::Nil, Value::Nil)] {
            let g = XInfoGroup::from_value(group(lag, read)).unwrap();
            assert_eq!((g.lag, g.entries_read), (None, None));
        }
        let g = XInfoGroup::from_value(group(Value::Int(3), Value::Int(2))).unwrap();
        assert_eq!((g.lag, g.entries_read), (Some(3), Some(2)));
    }

    #[test]
    fn trim_clauses() {
        let c = StreamTrim::maxlen(10)
            .approximate()
            .limit(5)
            .apply(cmd("XTRIM").key("s"));
        assert_eq!(args(&c), ["XTRIM", "s", "MAXLEN", "~", "10", "LIMIT", "5"]);
        let c = StreamTrim::minid("5-0")
            .exact()
            .apply(cmd("XTRIM").key("s"));
        assert_eq!(args(&c), ["XTRIM", "s", "MINID", "=", "5-0"]);
        let c = XAddOptions::default()
            .nomkstream()
            .trim(StreamTrim::maxlen(3))
            .apply(cmd("XADD").key("s"));
        assert_eq!(args(&c), ["XADD", "s", "NOMKSTREAM", "MAXLEN", "3"]);
    }

    #[test]
    fn streams_clause_puts_keys_then_ids() {
        let c = streams_clause(
            XReadOptions::default()
                .count(2)
                .block_ms(100)
                .apply(cmd("XREAD")),
            &[("a", "0"), ("b", "$")],
        );
        assert_eq!(
            args(&c),
            ["XREAD", "COUNT", "2", "BLOCK", "100", "STREAMS", "a", "b", "0", "$"]
        );
        assert_eq!(c.key_args().count(), 2);
        assert!(c.blocking_timeout().is_some());
        let c = streams_clause(XReadOptions::default().apply(cmd("XREAD")), &[("a", "0")]);
        assert!(c.blocking_timeout().is_none());
    }

    #[test]
    fn entries_from_resp2_and_resp3_and_nil_fields() {
        let e = Value::Array(vec![
            bulk("1-1"),
            Value::Array(vec![bulk("a"), bulk("1"), bulk("b"), bulk("2")]),
        ]);
        let parsed: StreamEntry = FromValue::from_value(e).unwrap();
        assert_eq!(parsed.id, "1-1");
        assert_eq!(parsed.get("b").map(String::as_str), Some("2"));
        let gone: StreamEntry =
            FromValue::from_value(Value::Array(vec![bulk("2-1"), Value::Nil])).unwrap();
        assert!(gone.fields.is_empty());
        assert!(matches!(
            StreamEntry::<String, String>::from_value(bulk("x")),
            Err(Error::Type(_))
        ));
    }

    #[test]
    fn read_reply_from_both_protocols() {
        let entries = Value::Array(vec![Value::Array(vec![
            bulk("1-1"),
            Value::Array(vec![bulk("f"), bulk("v")]),
        ])]);
        let resp2 = Value::Array(vec![Value::Array(vec![bulk("s"), entries.clone()])]);
        let resp3 = Value::Map(vec![(bulk("s"), entries)]);
        let a: StreamReadReply = FromValue::from_value(resp2).unwrap();
        let b: StreamReadReply = FromValue::from_value(resp3).unwrap();
        assert_eq!(a, b);
        assert_eq!(a.entries_of("s").unwrap()[0].id, "1-1");
        let empty: StreamReadReply = FromValue::from_value(Value::Nil).unwrap();
        assert!(empty.is_empty());
    }

    #[test]
    fn pending_summary_when_empty() {
        let v = Value::Array(vec![Value::Int(0), Value::Nil, Value::Nil, Value::Nil]);
        let s: PendingSummary = FromValue::from_value(v).unwrap();
        assert_eq!(s, PendingSummary::default());
    }

    #[test]
    fn missing_field_is_a_type_error() {
        let v = Value::Map(vec![(bulk("name"), bulk("c"))]);
        let e = XInfoConsumer::from_value(v).unwrap_err();
        assert!(
            matches!(&e, Error::Type(m) if m.contains("pending")),
            "{e:?}"
        );
    }
}
