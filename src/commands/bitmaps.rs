//! Bitmap commands: bits of string values.

use std::fmt;

use crate::cmd::Cmd;

/// Whether a [`BitRange`] counts bytes or bits.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum BitUnit {
    /// `BYTE`: positions are byte indexes (the default).
    Byte,
    /// `BIT`: positions are bit indexes (Redis 7.0.0+).
    Bit,
}

/// The range BITCOUNT and BITPOS look at: `start [end [BYTE|BIT]]`, inclusive, negative
/// positions counting from the end.
///
/// ```
/// use strictredis::commands::bitmaps::BitRange;
/// let bytes = BitRange::new(0, -1);       // the whole value, in bytes
/// let bits = BitRange::bits(5, 30);        // bits 5..=30 (Redis 7.0.0+)
/// let tail = BitRange::starting_at(2);    // from byte 2 to the end
/// # let _ = (bytes, bits, tail);
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct BitRange {
    start: i64,
    end: Option<i64>,
    unit: Option<BitUnit>,
}

impl BitRange {
    /// Bytes `start..=end`, with no unit token (every server version).
    pub fn new(start: i64, end: i64) -> BitRange {
        BitRange {
            start,
            end: Some(end),
            unit: None,
        }
    }

    /// Bytes `start..=end`, with an explicit `BYTE` (Redis 7.0.0+).
    pub fn bytes(start: i64, end: i64) -> BitRange {
        BitRange {
            start,
            end: Some(end),
            unit: Some(BitUnit::Byte),
        }
    }

    /// Bits `start..=end` (`BIT`, Redis 7.0.0+).
    pub fn bits(start: i64, end: i64) -> BitRange {
        BitRange {
            start,
            end: Some(end),
            unit: Some(BitUnit::Bit),
        }
    }

    /// From byte `start` to the end: BITPOS on every version; BITCOUNT only on servers where
    /// `end` is optional (Redis/Valkey 8.0.0+).
    pub fn starting_at(start: i64) -> BitRange {
        BitRange {
            start,
            end: None,
            unit: None,
        }
    }

    /// The first position.
    pub fn start(&self) -> i64 {
        self.start
    }

    /// The last position, if given.
    pub fn end(&self) -> Option<i64> {
        self.end
    }

    /// The unit, if given.
    pub fn unit(&self) -> Option<BitUnit> {
        self.unit
    }

    /// Appends `start [end [BYTE|BIT]]`.
    #[doc(hidden)]
    pub fn apply(self, c: Cmd) -> Cmd {
        let c = c.arg(self.start).opt_arg(self.end);
        match self.unit {
            Some(BitUnit::Byte) => c.arg("BYTE"),
            Some(BitUnit::Bit) => c.arg("BIT"),
            None => c,
        }
    }
}

/// Appends an optional range.
pub(crate) fn bit_range_apply(c: Cmd, range: Option<BitRange>) -> Cmd {
    match range {
        Some(r) => r.apply(c),
        None => c,
    }
}

/// The operation of BITOP.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum BitOp {
    /// `AND` of every source.
    And,
    /// `OR` of every source.
    Or,
    /// `XOR` of every source.
    Xor,
    /// `NOT` of the single source.
    Not,
}

impl BitOp {
    /// The operation's token.
    pub fn as_str(self) -> &'static str {
        match self {
            BitOp::And => "AND",
            BitOp::Or => "OR",
            BitOp::Xor => "XOR",
            BitOp::Not => "NOT",
        }
    }
}

/// An integer type inside a bitmap, for BITFIELD: `i1`..`i64` or `u1`..`u63`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct BitFieldType {
    signed: bool,
    bits: u8,
}

impl BitFieldType {
    /// A signed integer of `bits` bits (1 to 64; the server rejects others).
    pub fn signed(bits: u8) -> BitFieldType {
        BitFieldType { signed: true, bits }
    }

    /// An unsigned integer of `bits` bits (1 to 63; the server rejects others).
    pub fn unsigned(bits: u8) -> BitFieldType {
        BitFieldType {
            signed: false,
            bits,
        }
    }

    /// Whether the type is signed.
    pub fn is_signed(&self) -> bool {
        self.signed
    }

    /// Its width in bits.
    pub fn bits(&self) -> u8 {
        self.bits
    }
}

impl fmt::Display for BitFieldType {
    /// `i8`, `u16`, ... as BITFIELD reads it.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}{}", if self.signed { 'i' } else { 'u' }, self.bits)
    }
}

/// Where a BITFIELD integer starts.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum BitFieldOffset {
    /// At this bit.
    Bit(u64),
    /// `#N`: at field `N` of the type's width (bit `N * width`).
    Field(u64),
}

impl From<u64> for BitFieldOffset {
    /// A plain number is a bit offset.
    fn from(bit: u64) -> BitFieldOffset {
        BitFieldOffset::Bit(bit)
    }
}

impl fmt::Display for BitFieldOffset {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            BitFieldOffset::Bit(b) => write!(f, "{b}"),
            BitFieldOffset::Field(n) => write!(f, "#{n}"),
        }
    }
}

/// What BITFIELD's SET and INCRBY do when a value does not fit its type.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum BitFieldOverflow {
    /// `WRAP` around (the default).
    #[default]
    Wrap,
    /// `SAT`urate at the type's minimum or maximum.
    Sat,
    /// `FAIL`: do nothing and reply nil for that operation.
    Fail,
}

impl BitFieldOverflow {
    /// The mode's token.
    pub fn as_str(self) -> &'static str {
        match self {
            BitFieldOverflow::Wrap => "WRAP",
            BitFieldOverflow::Sat => "SAT",
            BitFieldOverflow::Fail => "FAIL",
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Hash)]
enum BitFieldOp {
    Get(BitFieldType, BitFieldOffset),
    Set(BitFieldType, BitFieldOffset, i64),
    IncrBy(BitFieldType, BitFieldOffset, i64),
    Overflow(BitFieldOverflow),
}

/// The operations of one BITFIELD call, in order. Each GET, SET and INCRBY gives one reply
/// item; an `overflow` applies to the SETs and INCRBYs after it.
///
/// ```
/// use strictredis::commands::bitmaps::{BitField, BitFieldOffset, BitFieldOverflow, BitFieldType};
/// let ops = BitField::new()
///     .overflow(BitFieldOverflow::Sat)
///     .incrby(BitFieldType::unsigned(8), 0, 300)
///     .get(BitFieldType::signed(4), BitFieldOffset::Field(3));
/// assert_eq!(ops.len(), 2);
/// ```
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash)]
pub struct BitField {
    ops: Vec<BitFieldOp>,
}

impl BitField {
    /// No operations yet.
    pub fn new() -> BitField {
        BitField::default()
    }

    /// `GET type offset`: replies the integer.
    pub fn get(mut self, ty: BitFieldType, offset: impl Into<BitFieldOffset>) -> BitField {
        self.ops.push(BitFieldOp::Get(ty, offset.into()));
        self
    }

    /// `SET type offset value`: replies the previous integer.
    pub fn set(
        mut self,
        ty: BitFieldType,
        offset: impl Into<BitFieldOffset>,
        value: i64,
    ) -> BitField {
        self.ops.push(BitFieldOp::Set(ty, offset.into(), value));
        self
    }

    /// `INCRBY type offset increment`: replies the new integer.
    pub fn incrby(
        mut self,
        ty: BitFieldType,
        offset: impl Into<BitFieldOffset>,
        increment: i64,
    ) -> BitField {
        self.ops
            .push(BitFieldOp::IncrBy(ty, offset.into(), increment));
        self
    }

    /// `OVERFLOW WRAP|SAT|FAIL` for the SETs and INCRBYs that follow (no reply item).
    pub fn overflow(mut self, mode: BitFieldOverflow) -> BitField {
        self.ops.push(BitFieldOp::Overflow(mode));
        self
    }

    /// How many reply items the operations give (OVERFLOW gives none).
    pub fn len(&self) -> usize {
        self.ops
            .iter()
            .filter(|o| !matches!(o, BitFieldOp::Overflow(_)))
            .count()
    }

    /// True when no operation gives a reply item.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Appends the operations.
    #[doc(hidden)]
    pub fn apply(self, mut c: Cmd) -> Cmd {
        for op in self.ops {
            c = match op {
                BitFieldOp::Get(t, o) => c.arg("GET").arg(t.to_string()).arg(o.to_string()),
                BitFieldOp::Set(t, o, v) => {
                    c.arg("SET").arg(t.to_string()).arg(o.to_string()).arg(v)
                }
                BitFieldOp::IncrBy(t, o, v) => {
                    c.arg("INCRBY").arg(t.to_string()).arg(o.to_string()).arg(v)
                }
                BitFieldOp::Overflow(m) => c.arg("OVERFLOW").arg(m.as_str()),
            };
        }
        c
    }
}

/// The GETs of one BITFIELD_RO call, in order; each gives one reply item.
///
/// ```
/// use strictredis::commands::bitmaps::{BitFieldRo, BitFieldType};
/// let gets = BitFieldRo::new().get(BitFieldType::unsigned(8), 0).get(BitFieldType::signed(8), 8);
/// # let _ = gets;
/// ```
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash)]
pub struct BitFieldRo {
    gets: Vec<(BitFieldType, BitFieldOffset)>,
}

impl BitFieldRo {
    /// No GETs yet.
    pub fn new() -> BitFieldRo {
        BitFieldRo::default()
    }

    /// `GET type offset`.
    pub fn get(mut self, ty: BitFieldType, offset: impl Into<BitFieldOffset>) -> BitFieldRo {
        self.gets.push((ty, offset.into()));
        self
    }

    /// Appends the GETs.
    #[doc(hidden)]
    pub fn apply(self, mut c: Cmd) -> Cmd {
        for (t, o) in self.gets {
            c = c.arg("GET").arg(t.to_string()).arg(o.to_string());
        }
        c
    }
}

/// The bitmap command table; see [the module docs](crate::commands).
macro_rules! bitmap_commands {
    ($emit:ident $($pre:tt)*) => {
        $emit! { $($pre)*
            /// The bit at `offset` of the value at `key` (false past the end or when missing).
            ///
            /// Redis 2.2.0+.
            fn getbit(key: impl ToArg, offset: u64) -> bool {
                cmd("GETBIT").key(key).arg(offset)
            }

            /// Set or clear the bit at `offset` (zero-padding the value as needed); returns the
            /// bit's previous value.
            ///
            /// Redis 2.2.0+.
            ///
            /// ```no_run
            /// # let r = strictredis::StrictRedis::from_url("redis://127.0.0.1/")?;
            /// let was: bool = r.setbit("seen", 42, true)?;
            /// # Ok::<(), strictredis::Error>(())
            /// ```
            fn setbit(key: impl ToArg, offset: u64, value: bool) -> bool {
                cmd("SETBIT").key(key).arg(offset).arg(u64::from(value))
            }

            /// How many bits are set in the value at `key`, or in a range of it.
            ///
            /// Redis 2.6.0+ (`BYTE`/`BIT` units 7.0.0+).
            ///
            /// ```no_run
            /// # let r = strictredis::StrictRedis::from_url("redis://127.0.0.1/")?;
            /// use strictredis::commands::bitmaps::BitRange;
            /// let all = r.bitcount("seen", None)?;
            /// let first_byte = r.bitcount("seen", Some(BitRange::new(0, 0)))?;
            /// # Ok::<(), strictredis::Error>(())
            /// ```
            fn bitcount(key: impl ToArg, range: Option<BitRange>) -> u64 {
                bit_range_apply(cmd("BITCOUNT").key(key), range)
            }

            /// The position of the first bit equal to `bit`, in the whole value or a range; -1
            /// when none is found.
            ///
            /// Redis 2.8.7+ (`BYTE`/`BIT` units 7.0.0+).
            fn bitpos(key: impl ToArg, bit: bool, range: Option<BitRange>) -> i64 {
                bit_range_apply(cmd("BITPOS").key(key).arg(u64::from(bit)), range)
            }

            /// Combine the values at `keys` bit by bit into `destkey`; returns its length in
            /// bytes.
            ///
            /// Redis 2.6.0+.
            fn bitop(operation: BitOp, destkey: impl ToArg, keys: impl ToArgs) -> u64 {
                cmd("BITOP").arg(operation.as_str()).key(destkey).keys(keys)
            }

            /// Read, write and increment integers inside a bitmap: one reply item per GET, SET
            /// and INCRBY, `None` where `OVERFLOW FAIL` stopped a write.
            ///
            /// Redis 3.2.0+.
            ///
            /// ```no_run
            /// # let r = strictredis::StrictRedis::from_url("redis://127.0.0.1/")?;
            /// use strictredis::commands::bitmaps::{BitField, BitFieldOverflow, BitFieldType};
            /// let u8_ = BitFieldType::unsigned(8);
            /// let out = r.bitfield("counters", BitField::new()
            ///     .overflow(BitFieldOverflow::Fail)
            ///     .incrby(u8_, 0, 1)
            ///     .get(u8_, 0))?;
            /// # Ok::<(), strictredis::Error>(())
            /// ```
            fn bitfield(key: impl ToArg, operations: BitField) -> Vec<Option<i64>> {
                operations.apply(cmd("BITFIELD").key(key))
            }

            /// The read-only BITFIELD (safe on replicas): GETs only.
            ///
            /// Redis 6.0.0+.
            fn bitfield_ro(key: impl ToArg, gets: BitFieldRo) -> Vec<i64> {
                gets.apply(cmd("BITFIELD_RO").key(key))
            }
        }
    };
}
pub(crate) use bitmap_commands;

#[cfg(test)]
mod tests {
    use super::*;

    use crate::commands::test_args as args;

    #[test]
    fn bitfield_encodes_in_order() {
        let c = BitField::new()
            .get(BitFieldType::signed(8), 0)
            .overflow(BitFieldOverflow::Sat)
            .set(BitFieldType::unsigned(4), BitFieldOffset::Field(2), 15)
            .incrby(BitFieldType::signed(64), 64u64, -1)
            .apply(crate::cmd::cmd("BITFIELD").key("k"));
        assert_eq!(
            args(&c),
            [
                "BITFIELD", "k", "GET", "i8", "0", "OVERFLOW", "SAT", "SET", "u4", "#2", "15",
                "INCRBY", "i64", "64", "-1"
            ]
        );
    }

    #[test]
    fn ranges_encode() {
        let c = |r: BitRange| args(&r.apply(crate::cmd::cmd("BITCOUNT").key("k")));
        assert_eq!(c(BitRange::new(0, -1)), ["BITCOUNT", "k", "0", "-1"]);
        assert_eq!(c(BitRange::bits(1, 9)), ["BITCOUNT", "k", "1", "9", "BIT"]);
        assert_eq!(
            c(BitRange::bytes(1, 9)),
            ["BITCOUNT", "k", "1", "9", "BYTE"]
        );
        assert_eq!(c(BitRange::starting_at(-2)), ["BITCOUNT", "k", "-2"]);
    }
}
