//! Sorted set commands: scores, ranks, ranges by rank, score or name, pops and set algebra.
//!
//! Scores are `f64` everywhere. RESP3 sends them as doubles and RESP2 as bulk strings; both
//! convert to the same `f64` (`inf` and `-inf` included).

use crate::args::{with_f64_bytes, ScoreMembers, ToArg, ToArgs};
use crate::cmd::Cmd;

/// One end of a score range (`min`/`max` of ZCOUNT, ZRANGEBYSCORE, ZRANGE ... BYSCORE).
///
/// A plain `f64` converts into an inclusive bound, so `r.zcount("z", 1.0, 5.0)` works;
/// `ScoreBound::exclusive(1.0)` is `(1`, and the infinities are `-inf` / `+inf`
/// (`f64::NEG_INFINITY` and `f64::INFINITY` work too).
///
/// ```
/// use strictredis::commands::sorted_sets::ScoreBound;
/// let above_one = ScoreBound::exclusive(1.0);
/// let everything = (ScoreBound::NegInf, ScoreBound::PosInf);
/// let two: ScoreBound = 2.0.into();
/// # let _ = (above_one, everything, two);
/// ```
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum ScoreBound {
    /// The score itself is in range (`1.5`).
    Inclusive(f64),
    /// The score itself is not in range (`(1.5`).
    Exclusive(f64),
    /// `-inf`: below every score.
    NegInf,
    /// `+inf`: above every score.
    PosInf,
}

impl ScoreBound {
    /// An inclusive bound: `score` is in range.
    pub fn inclusive(score: f64) -> ScoreBound {
        ScoreBound::Inclusive(score)
    }

    /// An exclusive bound: `score` itself is out of range.
    pub fn exclusive(score: f64) -> ScoreBound {
        ScoreBound::Exclusive(score)
    }

    /// Appends the bound as one argument to `c`.
    #[doc(hidden)]
    pub fn apply(self, c: Cmd) -> Cmd {
        match self {
            ScoreBound::Inclusive(v) => with_f64_bytes(v, |b| c.arg(b)),
            ScoreBound::Exclusive(v) => with_f64_bytes(v, |b| {
                // A shortest round-trip f64 is at most 24 bytes; 40 leaves room for "(".
                let mut buf = [0u8; 40];
                let n = b.len().min(buf.len() - 1);
                buf[0] = b'(';
                buf[1..=n].copy_from_slice(&b[..n]);
                c.arg(&buf[..=n])
            }),
            ScoreBound::NegInf => c.arg("-inf"),
            ScoreBound::PosInf => c.arg("+inf"),
        }
    }
}

impl From<f64> for ScoreBound {
    fn from(score: f64) -> ScoreBound {
        ScoreBound::Inclusive(score)
    }
}

/// One end of a lexicographical range (ZRANGEBYLEX, ZLEXCOUNT, ZRANGE ... BYLEX): members
/// compared as bytes, for sorted sets whose members all have the same score.
///
/// ```
/// use strictredis::commands::sorted_sets::LexBound;
/// let from_b = LexBound::inclusive("b");    // [b
/// let before_d = LexBound::exclusive("d");  // (d
/// let all = (LexBound::Min, LexBound::Max); // - +
/// # let _ = (from_b, before_d, all);
/// ```
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum LexBound {
    /// `[member`: the member itself is in range.
    Inclusive(Vec<u8>),
    /// `(member`: the member itself is out of range.
    Exclusive(Vec<u8>),
    /// `-`: below every member.
    Min,
    /// `+`: above every member.
    Max,
}

impl LexBound {
    /// `[member`: the member itself is in range.
    pub fn inclusive(member: impl ToArg) -> LexBound {
        LexBound::Inclusive(member.with_bytes(<[u8]>::to_vec))
    }

    /// `(member`: the member itself is out of range.
    pub fn exclusive(member: impl ToArg) -> LexBound {
        LexBound::Exclusive(member.with_bytes(<[u8]>::to_vec))
    }

    /// Appends the bound as one argument to `c`.
    #[doc(hidden)]
    pub fn apply(self, c: Cmd) -> Cmd {
        let prefixed = |prefix: u8, m: Vec<u8>| {
            let mut b = Vec::with_capacity(m.len() + 1);
            b.push(prefix);
            b.extend_from_slice(&m);
            b
        };
        match self {
            LexBound::Inclusive(m) => c.arg(prefixed(b'[', m)),
            LexBound::Exclusive(m) => c.arg(prefixed(b'(', m)),
            LexBound::Min => c.arg("-"),
            LexBound::Max => c.arg("+"),
        }
    }
}

/// What a [`ZRange`] ranges over.
#[derive(Clone, Debug, PartialEq)]
enum ZRangeBy {
    Index(i64, i64),
    Score(ScoreBound, ScoreBound),
    Lex(LexBound, LexBound),
}

/// The range of [`zrange_by`](crate::StrictRedis::zrange_by) and
/// [`zrangestore`](crate::StrictRedis::zrangestore): by rank, by score (`BYSCORE`) or by
/// name (`BYLEX`), optionally reversed (`REV`) and paged (`LIMIT`, with score and name
/// ranges only).
///
/// With [`rev`](ZRange::rev), `start` is the high end: `ZRange::by_score(10.0, 1.0).rev()`.
///
/// ```
/// use strictredis::commands::sorted_sets::{ScoreBound, ZRange};
/// let top3 = ZRange::by_index(0, 2).rev();
/// let page = ZRange::by_score(ScoreBound::exclusive(1.0), ScoreBound::PosInf).limit(0, 10);
/// # let _ = (top3, page);
/// ```
#[derive(Clone, Debug, PartialEq)]
pub struct ZRange {
    by: ZRangeBy,
    rev: bool,
    limit: Option<(u64, i64)>,
}

impl ZRange {
    /// Ranks `start` to `stop`, inclusive (negative counts from the end).
    pub fn by_index(start: i64, stop: i64) -> ZRange {
        ZRange::new(ZRangeBy::Index(start, stop))
    }

    /// Scores from `start` to `stop` (`BYSCORE`).
    pub fn by_score(start: impl Into<ScoreBound>, stop: impl Into<ScoreBound>) -> ZRange {
        ZRange::new(ZRangeBy::Score(start.into(), stop.into()))
    }

    /// Members from `start` to `stop` by name (`BYLEX`).
    pub fn by_lex(start: LexBound, stop: LexBound) -> ZRange {
        ZRange::new(ZRangeBy::Lex(start, stop))
    }

    fn new(by: ZRangeBy) -> ZRange {
        ZRange {
            by,
            rev: false,
            limit: None,
        }
    }

    /// Appends `start stop [BYSCORE|BYLEX] [REV] [LIMIT offset count]` to `c`.
    #[doc(hidden)]
    pub fn apply(self, c: Cmd) -> Cmd {
        let c = match self.by {
            ZRangeBy::Index(start, stop) => c.arg(start).arg(stop),
            ZRangeBy::Score(start, stop) => stop.apply(start.apply(c)).arg("BYSCORE"),
            ZRangeBy::Lex(start, stop) => stop.apply(start.apply(c)).arg("BYLEX"),
        };
        zset_limit(c.arg_if(self.rev, "REV"), self.limit)
    }
}

crate::commands::setters! {
    ZRange {
        /// Highest first (`REV`); `start` is then the high end of the range.
        fn rev() => rev = true;
        /// Skip `offset` matches and return at most `count` (negative: all the rest) (`LIMIT`;
        /// score and name ranges only).
        fn limit(offset: u64, count: i64) => limit = Some((offset, count));
    }
}

/// `NX` / `XX` of [`ZAddOptions`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ZAddCondition {
    /// `NX`: only add new members, never update existing ones.
    Nx,
    /// `XX`: only update existing members, never add new ones.
    Xx,
}

/// `GT` / `LT` of [`ZAddOptions`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ZAddComparison {
    /// `GT`: only update a score to a greater one.
    Gt,
    /// `LT`: only update a score to a lesser one.
    Lt,
}

/// The options of [`zadd_options`](crate::StrictRedis::zadd_options) and
/// [`zadd_incr`](crate::StrictRedis::zadd_incr).
///
/// ```
/// use strictredis::commands::sorted_sets::ZAddOptions;
/// // Update existing members only, to higher scores, and count the changed ones.
/// let opts = ZAddOptions::default().xx().gt().ch();
/// # let _ = opts;
/// ```
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct ZAddOptions {
    /// `NX` or `XX`.
    pub condition: Option<ZAddCondition>,
    /// `GT` or `LT` (Redis 6.2.0+).
    pub comparison: Option<ZAddComparison>,
    /// `CH`: count changed members too, not only added ones.
    pub ch: bool,
}

impl ZAddOptions {
    /// Appends `[NX|XX] [GT|LT] [CH]` to `c`.
    #[doc(hidden)]
    pub fn apply(self, c: Cmd) -> Cmd {
        let c = match self.condition {
            Some(ZAddCondition::Nx) => c.arg("NX"),
            Some(ZAddCondition::Xx) => c.arg("XX"),
            None => c,
        };
        let c = match self.comparison {
            Some(ZAddComparison::Gt) => c.arg("GT"),
            Some(ZAddComparison::Lt) => c.arg("LT"),
            None => c,
        };
        c.arg_if(self.ch, "CH")
    }
}

crate::commands::setters! {
    ZAddOptions {
        /// Only add new members (`NX`).
        fn nx() => condition = Some(ZAddCondition::Nx);
        /// Only update existing members (`XX`).
        fn xx() => condition = Some(ZAddCondition::Xx);
        /// Only update to a greater score (`GT`).
        fn gt() => comparison = Some(ZAddComparison::Gt);
        /// Only update to a lesser score (`LT`).
        fn lt() => comparison = Some(ZAddComparison::Lt);
        /// Count changed members as well as added ones (`CH`).
        fn ch() => ch = true;
    }
}

/// How ZUNION, ZINTER and their STORE forms combine the scores of a member found in several
/// sets.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ZAggregate {
    /// `SUM` (the server's default).
    Sum,
    /// `MIN`: the lowest score.
    Min,
    /// `MAX`: the highest score.
    Max,
}

impl ZAggregate {
    /// The token sent to the server.
    pub fn token(self) -> &'static str {
        match self {
            ZAggregate::Sum => "SUM",
            ZAggregate::Min => "MIN",
            ZAggregate::Max => "MAX",
        }
    }
}

/// The options of [`zunion`](crate::StrictRedis::zunion), [`zinter`](crate::StrictRedis::zinter)
/// and their STORE forms: `WEIGHTS` and `AGGREGATE`.
///
/// ```
/// use strictredis::commands::sorted_sets::{ZAggregate, ZCombineOptions};
/// let opts = ZCombineOptions::default().weights(&[1.0, 0.5]).aggregate(ZAggregate::Max);
/// # let _ = opts;
/// ```
#[derive(Clone, Debug, Default, PartialEq)]
pub struct ZCombineOptions {
    /// `WEIGHTS`: one factor per input set, by which its scores are multiplied (empty: all 1).
    pub weights: Vec<f64>,
    /// `AGGREGATE`: how the scores of one member are combined.
    pub aggregate: Option<ZAggregate>,
}

impl ZCombineOptions {
    /// Appends `[WEIGHTS w...] [AGGREGATE a]` to `c`.
    #[doc(hidden)]
    pub fn apply(self, c: Cmd) -> Cmd {
        let c = if self.weights.is_empty() {
            c
        } else {
            c.arg("WEIGHTS").args(self.weights)
        };
        c.opt_token("AGGREGATE", self.aggregate.map(ZAggregate::token))
    }
}

crate::commands::setters! {
    ZCombineOptions {
        /// One weight per input set, in the order of the keys.
        fn weights(weights: &[f64]) => weights = weights.to_vec();
        /// How scores are combined.
        fn aggregate(aggregate: ZAggregate) => aggregate = Some(aggregate);
    }
}

/// Which end ZMPOP and BZMPOP pop from.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ZPopSide {
    /// `MIN`: the lowest scores.
    Min,
    /// `MAX`: the highest scores.
    Max,
}

impl ZPopSide {
    /// The token sent to the server.
    pub fn token(self) -> &'static str {
        match self {
            ZPopSide::Min => "MIN",
            ZPopSide::Max => "MAX",
        }
    }
}

pub use super::scan_options::ZScanOptions;

/// `[LIMIT offset count]`.
pub(crate) fn zset_limit(c: Cmd, limit: Option<(u64, i64)>) -> Cmd {
    match limit {
        Some((offset, count)) => c.arg("LIMIT").arg(offset).arg(count),
        None => c,
    }
}

/// `name key min max` with score bounds.
pub(crate) fn zset_score_range(
    name: &str,
    key: impl ToArg,
    min: impl Into<ScoreBound>,
    max: impl Into<ScoreBound>,
) -> Cmd {
    let c = min.into().apply(crate::cmd::cmd(name).key(key));
    max.into().apply(c)
}

/// `name key min max` with lex bounds.
pub(crate) fn zset_lex_range(name: &str, key: impl ToArg, min: LexBound, max: LexBound) -> Cmd {
    max.apply(min.apply(crate::cmd::cmd(name).key(key)))
}

/// `numkeys key... [WEIGHTS ...] [AGGREGATE ...]` appended to `c`.
pub(crate) fn zset_combine(c: Cmd, keys: impl ToArgs, options: ZCombineOptions) -> Cmd {
    options.apply(c.numkeys(keys))
}

/// `ZADD key [options] score member...`.
pub(crate) fn zset_add(key: impl ToArg, members: impl ScoreMembers, options: ZAddOptions) -> Cmd {
    options
        .apply(crate::cmd::cmd("ZADD").key(key))
        .score_members(members)
}

/// The sorted set command table; see [the module docs](crate::commands).
macro_rules! sorted_set_commands {
    ($emit:ident $($pre:tt)*) => {
        $emit! { $($pre)*
            /// Pop up to `count` (default 1) members with their scores from the first
            /// non-empty sorted set of `keys`, waiting up to `timeout` seconds (0: forever):
            /// `(key, [(member, score)])`, or `None` when the time ran out.
            ///
            /// Redis 7.0.0+.
            fn bzmpop<K, M>(
                timeout: f64,
                keys: impl ToArgs,
                side: ZPopSide,
                count: Option<u64>,
            ) -> Option<(K, Vec<(M, f64)>)> {
                cmd("BZMPOP")
                    .arg(timeout)
                    .numkeys(keys)
                    .arg(side.token())
                    .opt_token("COUNT", count)
                    .blocking_secs(timeout)
            }

            /// Pop the highest-scored member of the first non-empty sorted set of `keys`,
            /// waiting up to `timeout` seconds (0: forever): `(key, member, score)`, or `None`
            /// when the time ran out.
            ///
            /// Redis 5.0.0+ (fractional timeout: 6.0.0+).
            fn bzpopmax<K, M>(keys: impl ToArgs, timeout: f64) -> Option<(K, M, f64)> {
                cmd("BZPOPMAX").keys(keys).arg(timeout).blocking_secs(timeout)
            }

            /// Pop the lowest-scored member of the first non-empty sorted set of `keys`,
            /// waiting up to `timeout` seconds (0: forever): `(key, member, score)`, or `None`
            /// when the time ran out.
            ///
            /// Redis 5.0.0+ (fractional timeout: 6.0.0+).
            ///
            /// ```no_run
            /// # let r = strictredis::StrictRedis::from_url("redis://127.0.0.1/")?;
            /// let next: Option<(String, String, f64)> = r.bzpopmin(&["tasks"], 1.5)?;
            /// # Ok::<(), strictredis::Error>(())
            /// ```
            fn bzpopmin<K, M>(keys: impl ToArgs, timeout: f64) -> Option<(K, M, f64)> {
                cmd("BZPOPMIN").keys(keys).arg(timeout).blocking_secs(timeout)
            }

            /// Add `(member, score)` pairs to the sorted set at `key`; returns how many were
            /// new.
            ///
            /// Redis 1.2.0+.
            ///
            /// ```no_run
            /// # let r = strictredis::StrictRedis::from_url("redis://127.0.0.1/")?;
            /// let added: u64 = r.zadd("z", &[("a", 1.0), ("b", 2.5)])?;
            /// # Ok::<(), strictredis::Error>(())
            /// ```
            fn zadd(key: impl ToArg, members: impl ScoreMembers) -> u64 {
                cmd("ZADD")
                    .key(key)
                    .score_members(members)
                    .reply_locally_below(4, LocalReply::Int(0))
            }

            /// Add or update `(member, score)` pairs under `NX`/`XX`/`GT`/`LT`; returns how
            /// many were added (with `CH`: added or changed).
            ///
            /// Redis 3.0.2+ (`GT`/`LT`: 6.2.0+).
            ///
            /// ```no_run
            /// use strictredis::commands::sorted_sets::ZAddOptions;
            /// # let r = strictredis::StrictRedis::from_url("redis://127.0.0.1/")?;
            /// let opts = ZAddOptions::default().gt().ch();
            /// let changed: u64 = r.zadd_options("z", &[("a", 3.0)], opts)?;
            /// # Ok::<(), strictredis::Error>(())
            /// ```
            fn zadd_options(
                key: impl ToArg,
                members: impl ScoreMembers,
                options: ZAddOptions,
            ) -> u64 {
                zset_add(key, members, options)
            }

            /// Add `increment` to the score of `member` (`ZADD ... INCR`); the new score, or
            /// `None` when `NX`/`XX`/`GT`/`LT` stopped the update.
            ///
            /// Redis 3.0.2+.
            ///
            /// ```no_run
            /// use strictredis::commands::sorted_sets::ZAddOptions;
            /// # let r = strictredis::StrictRedis::from_url("redis://127.0.0.1/")?;
            /// let score: Option<f64> = r.zadd_incr("z", "a", 1.0, ZAddOptions::default().xx())?;
            /// # Ok::<(), strictredis::Error>(())
            /// ```
            fn zadd_incr(
                key: impl ToArg,
                member: impl ToArg,
                increment: f64,
                options: ZAddOptions,
            ) -> Option<f64> {
                options
                    .apply(cmd("ZADD").key(key))
                    .arg("INCR")
                    .arg(increment)
                    .arg(member)
            }

            /// The number of members of the sorted set at `key` (0 when it does not exist).
            ///
            /// Redis 1.2.0+.
            fn zcard(key: impl ToArg) -> u64 {
                cmd("ZCARD").key(key)
            }

            /// The number of members with a score between `min` and `max` (an `f64` is an
            /// inclusive bound; see [`ScoreBound`] for exclusive and infinite ones).
            ///
            /// Redis 2.0.0+.
            ///
            /// ```no_run
            /// use strictredis::commands::sorted_sets::ScoreBound;
            /// # let r = strictredis::StrictRedis::from_url("redis://127.0.0.1/")?;
            /// let n: u64 = r.zcount("z", ScoreBound::exclusive(1.0), ScoreBound::PosInf)?;
            /// let m: u64 = r.zcount("z", 1.0, 5.0)?;
            /// # Ok::<(), strictredis::Error>(())
            /// ```
            fn zcount(
                key: impl ToArg,
                min: impl Into<ScoreBound>,
                max: impl Into<ScoreBound>,
            ) -> u64 {
                zset_score_range("ZCOUNT", key, min, max)
            }

            /// The members of the first sorted set that are in none of the others.
            ///
            /// Redis 6.2.0+.
            fn zdiff<T>(keys: impl ToArgs) -> T {
                cmd("ZDIFF").numkeys(keys)
            }

            /// Like [`zdiff`](crate::StrictRedis::zdiff), with scores.
            ///
            /// Redis 6.2.0+.
            fn zdiff_withscores<M>(keys: impl ToArgs) -> Vec<(M, f64)> {
                cmd("ZDIFF").numkeys(keys).arg("WITHSCORES")
            }

            /// Store the difference of `keys` at `destination`; returns its size.
            ///
            /// Redis 6.2.0+.
            fn zdiffstore(destination: impl ToArg, keys: impl ToArgs) -> u64 {
                cmd("ZDIFFSTORE").key(destination).numkeys(keys)
            }

            /// Add `increment` to the score of `member` (a new member starts at 0); returns
            /// the new score.
            ///
            /// Redis 1.2.0+.
            fn zincrby(key: impl ToArg, increment: f64, member: impl ToArg) -> f64 {
                cmd("ZINCRBY").key(key).arg(increment).arg(member)
            }

            /// The members found in every one of the sorted sets `keys`.
            ///
            /// Redis 6.2.0+.
            fn zinter<T>(keys: impl ToArgs, options: ZCombineOptions) -> T {
                zset_combine(cmd("ZINTER"), keys, options)
            }

            /// Like [`zinter`](crate::StrictRedis::zinter), with the combined scores.
            ///
            /// Redis 6.2.0+.
            ///
            /// ```no_run
            /// use strictredis::commands::sorted_sets::{ZAggregate, ZCombineOptions};
            /// # let r = strictredis::StrictRedis::from_url("redis://127.0.0.1/")?;
            /// let both: Vec<(String, f64)> = r.zinter_withscores(
            ///     &["z1", "z2"],
            ///     ZCombineOptions::default().weights(&[1.0, 2.0]).aggregate(ZAggregate::Max),
            /// )?;
            /// # Ok::<(), strictredis::Error>(())
            /// ```
            fn zinter_withscores<M>(keys: impl ToArgs, options: ZCombineOptions) -> Vec<(M, f64)> {
                zset_combine(cmd("ZINTER"), keys, options).arg("WITHSCORES")
            }

            /// The size of the intersection of the sorted sets, counting no further than
            /// `limit` when given (0: no limit).
            ///
            /// Redis 7.0.0+.
            fn zintercard(keys: impl ToArgs, limit: Option<u64>) -> u64 {
                cmd("ZINTERCARD").numkeys(keys).opt_token("LIMIT", limit)
            }

            /// Store the intersection of `keys` at `destination`; returns its size.
            ///
            /// Redis 2.0.0+.
            fn zinterstore(
                destination: impl ToArg,
                keys: impl ToArgs,
                options: ZCombineOptions,
            ) -> u64 {
                zset_combine(cmd("ZINTERSTORE").key(destination), keys, options)
            }

            /// The number of members between `min` and `max` by name (for a sorted set whose
            /// scores are all equal).
            ///
            /// Redis 2.8.9+.
            fn zlexcount(key: impl ToArg, min: LexBound, max: LexBound) -> u64 {
                zset_lex_range("ZLEXCOUNT", key, min, max)
            }

            /// Pop up to `count` (default 1) members with their scores from the first
            /// non-empty sorted set of `keys`: `(key, [(member, score)])`, or `None` when all
            /// are empty.
            ///
            /// Redis 7.0.0+.
            fn zmpop<K, M>(
                keys: impl ToArgs,
                side: ZPopSide,
                count: Option<u64>,
            ) -> Option<(K, Vec<(M, f64)>)> {
                cmd("ZMPOP").numkeys(keys).arg(side.token()).opt_token("COUNT", count)
            }

            /// The scores of `members`, in order; `None` for a missing member.
            ///
            /// Redis 6.2.0+.
            fn zmscore(key: impl ToArg, members: impl ToArgs) -> Vec<Option<f64>> {
                cmd("ZMSCORE").key(key).args(members).reply_locally_below(3, LocalReply::EmptyArray)
            }

            /// Remove and return up to `count` (default 1) members with the highest scores,
            /// highest first.
            ///
            /// Redis 5.0.0+.
            fn zpopmax<M>(key: impl ToArg, count: Option<u64>) -> Vec<(M, f64)> {
                cmd("ZPOPMAX").key(key).opt_arg(count)
            }

            /// Remove and return up to `count` (default 1) members with the lowest scores,
            /// lowest first.
            ///
            /// Redis 5.0.0+.
            fn zpopmin<M>(key: impl ToArg, count: Option<u64>) -> Vec<(M, f64)> {
                cmd("ZPOPMIN").key(key).opt_arg(count)
            }

            /// One random member; `None` (with `Option<T>`) when the sorted set does not
            /// exist.
            ///
            /// Redis 6.2.0+.
            fn zrandmember<T>(key: impl ToArg) -> T {
                cmd("ZRANDMEMBER").key(key)
            }

            /// Up to `count` distinct random members; a negative `count` returns exactly
            /// `-count` members, possibly repeated.
            ///
            /// Redis 6.2.0+.
            fn zrandmember_count<T>(key: impl ToArg, count: i64) -> T {
                cmd("ZRANDMEMBER").key(key).arg(count)
            }

            /// Like [`zrandmember_count`](crate::StrictRedis::zrandmember_count), with scores.
            ///
            /// Redis 6.2.0+.
            fn zrandmember_withscores<M>(key: impl ToArg, count: i64) -> Vec<(M, f64)> {
                cmd("ZRANDMEMBER").key(key).arg(count).arg("WITHSCORES")
            }

            /// Members from rank `start` to `stop` (inclusive; negative counts from the end),
            /// lowest score first.
            ///
            /// Redis 1.2.0+.
            fn zrange<T>(key: impl ToArg, start: i64, stop: i64) -> T {
                cmd("ZRANGE").key(key).arg(start).arg(stop)
            }

            /// Members from rank `start` to `stop`, with their scores, lowest score first.
            ///
            /// Redis 1.2.0+.
            fn zrange_withscores<M>(key: impl ToArg, start: i64, stop: i64) -> Vec<(M, f64)> {
                cmd("ZRANGE").key(key).arg(start).arg(stop).arg("WITHSCORES")
            }

            /// `ZRANGE` with every option: by rank, score or name, reversed, paged; see
            /// [`ZRange`].
            ///
            /// Redis 1.2.0+ (`BYSCORE`, `BYLEX`, `REV`, `LIMIT`: 6.2.0+).
            ///
            /// ```no_run
            /// use strictredis::commands::sorted_sets::{ScoreBound, ZRange};
            /// # let r = strictredis::StrictRedis::from_url("redis://127.0.0.1/")?;
            /// // The ten best scores above 50, best first.
            /// let range = ZRange::by_score(ScoreBound::PosInf, ScoreBound::exclusive(50.0))
            ///     .rev()
            ///     .limit(0, 10);
            /// let best: Vec<String> = r.zrange_by("scores", range)?;
            /// # Ok::<(), strictredis::Error>(())
            /// ```
            fn zrange_by<T>(key: impl ToArg, range: ZRange) -> T {
                range.apply(cmd("ZRANGE").key(key))
            }

            /// Like [`zrange_by`](crate::StrictRedis::zrange_by), with scores.
            ///
            /// Redis 1.2.0+ (`BYSCORE`, `BYLEX`, `REV`, `LIMIT`: 6.2.0+).
            fn zrange_by_withscores<M>(key: impl ToArg, range: ZRange) -> Vec<(M, f64)> {
                range.apply(cmd("ZRANGE").key(key)).arg("WITHSCORES")
            }

            /// Members between `min` and `max` by name, optionally paged by
            /// `limit = Some((offset, count))`. Deprecated by Redis since 6.2.0: use
            /// [`zrange_by`](crate::StrictRedis::zrange_by) with [`ZRange::by_lex`].
            ///
            /// Redis 2.8.9+.
            fn zrangebylex<T>(
                key: impl ToArg,
                min: LexBound,
                max: LexBound,
                limit: Option<(u64, i64)>,
            ) -> T {
                zset_limit(zset_lex_range("ZRANGEBYLEX", key, min, max), limit)
            }

            /// Members with a score between `min` and `max`, lowest first, optionally paged by
            /// `limit = Some((offset, count))`. Deprecated by Redis since 6.2.0: use
            /// [`zrange_by`](crate::StrictRedis::zrange_by) with [`ZRange::by_score`].
            ///
            /// Redis 1.0.5+.
            fn zrangebyscore<T>(
                key: impl ToArg,
                min: impl Into<ScoreBound>,
                max: impl Into<ScoreBound>,
                limit: Option<(u64, i64)>,
            ) -> T {
                zset_limit(zset_score_range("ZRANGEBYSCORE", key, min, max), limit)
            }

            /// Like [`zrangebyscore`](crate::StrictRedis::zrangebyscore), with scores.
            ///
            /// Redis 2.0.0+.
            fn zrangebyscore_withscores<M>(
                key: impl ToArg,
                min: impl Into<ScoreBound>,
                max: impl Into<ScoreBound>,
                limit: Option<(u64, i64)>,
            ) -> Vec<(M, f64)> {
                zset_limit(
                    zset_score_range("ZRANGEBYSCORE", key, min, max).arg("WITHSCORES"),
                    limit,
                )
            }

            /// Store the members of `source` in `range` at `destination`; returns how many.
            ///
            /// Redis 6.2.0+.
            fn zrangestore(destination: impl ToArg, source: impl ToArg, range: ZRange) -> u64 {
                range.apply(cmd("ZRANGESTORE").key(destination).key(source))
            }

            /// The rank of `member`, lowest score first (0 the lowest); `None` when the member
            /// or the key does not exist.
            ///
            /// Redis 2.0.0+.
            fn zrank(key: impl ToArg, member: impl ToArg) -> Option<u64> {
                cmd("ZRANK").key(key).arg(member)
            }

            /// The rank of `member` with its score; `None` when it does not exist.
            ///
            /// Redis 7.2.0+ (Valkey 7.2.0+).
            fn zrank_withscore(key: impl ToArg, member: impl ToArg) -> Option<(u64, f64)> {
                cmd("ZRANK").key(key).arg(member).arg("WITHSCORE")
            }

            /// Remove `members`; returns how many were there.
            ///
            /// Redis 1.2.0+ (several members: 2.4.0+).
            fn zrem(key: impl ToArg, members: impl ToArgs) -> u64 {
                cmd("ZREM").key(key).args(members).reply_locally_below(3, LocalReply::Int(0))
            }

            /// Remove the members between `min` and `max` by name; returns how many went.
            ///
            /// Redis 2.8.9+.
            fn zremrangebylex(key: impl ToArg, min: LexBound, max: LexBound) -> u64 {
                zset_lex_range("ZREMRANGEBYLEX", key, min, max)
            }

            /// Remove the members from rank `start` to `stop` (inclusive; negative counts from
            /// the end); returns how many went.
            ///
            /// Redis 2.0.0+.
            fn zremrangebyrank(key: impl ToArg, start: i64, stop: i64) -> u64 {
                cmd("ZREMRANGEBYRANK").key(key).arg(start).arg(stop)
            }

            /// Remove the members with a score between `min` and `max`; returns how many went.
            ///
            /// Redis 1.2.0+.
            fn zremrangebyscore(
                key: impl ToArg,
                min: impl Into<ScoreBound>,
                max: impl Into<ScoreBound>,
            ) -> u64 {
                zset_score_range("ZREMRANGEBYSCORE", key, min, max)
            }

            /// Members from rank `start` to `stop`, highest score first. Deprecated by Redis
            /// since 6.2.0: use [`zrange_by`](crate::StrictRedis::zrange_by) with
            /// [`ZRange::rev`].
            ///
            /// Redis 1.2.0+.
            fn zrevrange<T>(key: impl ToArg, start: i64, stop: i64) -> T {
                cmd("ZREVRANGE").key(key).arg(start).arg(stop)
            }

            /// Like [`zrevrange`](crate::StrictRedis::zrevrange), with scores.
            ///
            /// Redis 1.2.0+.
            fn zrevrange_withscores<M>(key: impl ToArg, start: i64, stop: i64) -> Vec<(M, f64)> {
                cmd("ZREVRANGE").key(key).arg(start).arg(stop).arg("WITHSCORES")
            }

            /// Members between `max` and `min` by name, highest first, optionally paged.
            /// Deprecated by Redis since 6.2.0: use
            /// [`zrange_by`](crate::StrictRedis::zrange_by).
            ///
            /// Redis 2.8.9+.
            fn zrevrangebylex<T>(
                key: impl ToArg,
                max: LexBound,
                min: LexBound,
                limit: Option<(u64, i64)>,
            ) -> T {
                zset_limit(zset_lex_range("ZREVRANGEBYLEX", key, max, min), limit)
            }

            /// Members with a score between `max` and `min`, highest first, optionally paged.
            /// Deprecated by Redis since 6.2.0: use
            /// [`zrange_by`](crate::StrictRedis::zrange_by).
            ///
            /// Redis 2.2.0+.
            fn zrevrangebyscore<T>(
                key: impl ToArg,
                max: impl Into<ScoreBound>,
                min: impl Into<ScoreBound>,
                limit: Option<(u64, i64)>,
            ) -> T {
                zset_limit(zset_score_range("ZREVRANGEBYSCORE", key, max, min), limit)
            }

            /// Like [`zrevrangebyscore`](crate::StrictRedis::zrevrangebyscore), with scores.
            ///
            /// Redis 2.2.0+.
            fn zrevrangebyscore_withscores<M>(
                key: impl ToArg,
                max: impl Into<ScoreBound>,
                min: impl Into<ScoreBound>,
                limit: Option<(u64, i64)>,
            ) -> Vec<(M, f64)> {
                zset_limit(
                    zset_score_range("ZREVRANGEBYSCORE", key, max, min).arg("WITHSCORES"),
                    limit,
                )
            }

            /// The rank of `member`, highest score first (0 the highest); `None` when the
            /// member or the key does not exist.
            ///
            /// Redis 2.0.0+.
            fn zrevrank(key: impl ToArg, member: impl ToArg) -> Option<u64> {
                cmd("ZREVRANK").key(key).arg(member)
            }

            /// The reverse rank of `member` with its score; `None` when it does not exist.
            ///
            /// Redis 7.2.0+ (Valkey 7.2.0+).
            fn zrevrank_withscore(key: impl ToArg, member: impl ToArg) -> Option<(u64, f64)> {
                cmd("ZREVRANK").key(key).arg(member).arg("WITHSCORE")
            }

            /// One step of an incremental iteration over the sorted set at `key`: the next
            /// cursor (0 when done) and a batch of members with scores (members only with
            /// `NOSCORES`).
            ///
            /// Redis 2.8.0+ (`NOSCORES`: Valkey 8.0+).
            fn zscan<T>(key: impl ToArg, cursor: u64, options: ZScanOptions) -> (u64, T) {
                options.apply(cmd("ZSCAN").key(key).arg(cursor))
            }

            /// The score of `member`; `None` when the member or the key does not exist.
            ///
            /// Redis 1.2.0+.
            fn zscore(key: impl ToArg, member: impl ToArg) -> Option<f64> {
                cmd("ZSCORE").key(key).arg(member)
            }

            /// The members found in any of the sorted sets `keys`.
            ///
            /// Redis 6.2.0+.
            fn zunion<T>(keys: impl ToArgs, options: ZCombineOptions) -> T {
                zset_combine(cmd("ZUNION"), keys, options)
            }

            /// Like [`zunion`](crate::StrictRedis::zunion), with the combined scores.
            ///
            /// Redis 6.2.0+.
            fn zunion_withscores<M>(keys: impl ToArgs, options: ZCombineOptions) -> Vec<(M, f64)> {
                zset_combine(cmd("ZUNION"), keys, options).arg("WITHSCORES")
            }

            /// Store the union of `keys` at `destination`; returns its size.
            ///
            /// Redis 2.0.0+.
            fn zunionstore(
                destination: impl ToArg,
                keys: impl ToArgs,
                options: ZCombineOptions,
            ) -> u64 {
                zset_combine(cmd("ZUNIONSTORE").key(destination), keys, options)
            }
        }
    };
}
pub(crate) use sorted_set_commands;

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cmd::cmd;

    use crate::commands::test_args as args;

    #[test]
    fn score_bounds() {
        let c = ScoreBound::exclusive(1.5).apply(cmd("X"));
        let c = ScoreBound::inclusive(-2.0).apply(c);
        let c = ScoreBound::NegInf.apply(ScoreBound::PosInf.apply(c));
        let c = ScoreBound::from(f64::INFINITY).apply(c);
        let c = ScoreBound::exclusive(f64::NEG_INFINITY).apply(c);
        assert_eq!(
            args(&c),
            ["X", "(1.5", "-2", "+inf", "-inf", "inf", "(-inf"]
        );
        let tiny = ScoreBound::exclusive(f64::MIN).apply(cmd("X"));
        assert_eq!(args(&tiny)[1], "(-1.7976931348623157e308");
    }

    #[test]
    fn lex_bounds() {
        let c = LexBound::inclusive("a").apply(cmd("X"));
        let c = LexBound::exclusive(&b"\xff"[..]).apply(c);
        let c = LexBound::Max.apply(LexBound::Min.apply(c));
        let got: Vec<&[u8]> = c.args_iter().collect();
        assert_eq!(got, [&b"X"[..], b"[a", b"(\xff", b"-", b"+"]);
    }

    #[test]
    fn ranges_and_options() {
        let c = ZRange::by_score(ScoreBound::PosInf, 2.0)
            .rev()
            .limit(1, -1)
            .apply(cmd("ZRANGE").key("z"));
        assert_eq!(
            args(&c),
            ["ZRANGE", "z", "+inf", "2", "BYSCORE", "REV", "LIMIT", "1", "-1"]
        );
        let c = ZRange::by_index(0, -1).apply(cmd("ZRANGE").key("z"));
        assert_eq!(args(&c), ["ZRANGE", "z", "0", "-1"]);
        let c =
            ZRange::by_lex(LexBound::Min, LexBound::inclusive("c")).apply(cmd("ZRANGE").key("z"));
        assert_eq!(args(&c), ["ZRANGE", "z", "-", "[c", "BYLEX"]);

        let c = ZAddOptions::default()
            .ch()
            .lt()
            .xx()
            .apply(cmd("ZADD").key("z"));
        assert_eq!(args(&c), ["ZADD", "z", "XX", "LT", "CH"]);
        assert_eq!(args(&ZAddOptions::default().apply(cmd("ZADD"))), ["ZADD"]);

        let c = ZCombineOptions::default()
            .aggregate(ZAggregate::Min)
            .weights(&[1.0, 2.5]);
        let c = zset_combine(cmd("ZUNION"), ["a", "b"], c);
        assert_eq!(
            args(&c),
            [
                "ZUNION",
                "2",
                "a",
                "b",
                "WEIGHTS",
                "1",
                "2.5",
                "AGGREGATE",
                "MIN"
            ]
        );
        assert_eq!(c.key_args().count(), 2);

        let c = ZScanOptions::default()
            .noscores()
            .count(5)
            .pattern("m*")
            .apply(cmd("ZSCAN"));
        assert_eq!(args(&c), ["ZSCAN", "MATCH", "m*", "COUNT", "5", "NOSCORES"]);
    }
}
