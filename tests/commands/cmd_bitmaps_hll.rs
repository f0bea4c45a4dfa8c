//! Every bitmap and HyperLogLog command against a real server: BITFIELD with each overflow
//! mode, ranges in bytes and bits, BITOP, and the HyperLogLog family; and the same calls over
//! RESP3.

#![allow(clippy::needless_borrows_for_generic_args)]

use crate::util::{client, same_over_resp2_and_resp3};
use strictredis_test_kit as common;

use common::RedisServer;
use strictredis::commands::bitmaps::{
    BitField, BitFieldOffset, BitFieldOverflow, BitFieldRo, BitFieldType, BitOp, BitRange,
};
use strictredis::StrictRedis;

#[test]
fn getbit_setbit_bitcount_bitpos() {
    let server = RedisServer::start();
    let r = client(&server);
    assert!(!r.getbit("missing", 100).unwrap());
    assert!(!r.setbit("b", 7, true).unwrap(), "previous bit");
    assert!(r.setbit("b", 7, true).unwrap());
    assert!(r.getbit("b", 7).unwrap());
    assert!(!r.getbit("b", 6).unwrap());
    assert!(!r.getbit("b", 10_000).unwrap(), "past the end");
    assert!(r.setbit("b", 7, false).unwrap());

    // "foobar": the Redis docs' example, 26 bits set.
    r.set("s", "foobar").unwrap();
    assert_eq!(r.bitcount("s", None).unwrap(), 26);
    assert_eq!(r.bitcount("s", Some(BitRange::new(0, 0))).unwrap(), 4);
    assert_eq!(r.bitcount("s", Some(BitRange::new(1, 1))).unwrap(), 6);
    assert_eq!(r.bitcount("s", Some(BitRange::bytes(1, 1))).unwrap(), 6);
    assert_eq!(r.bitcount("s", Some(BitRange::bits(5, 30))).unwrap(), 17);
    assert_eq!(r.bitcount("missing", None).unwrap(), 0);

    // "\xff\xf0\x00": first 0 at bit 12, first 1 at bit 0.
    r.set("p", b"\xff\xf0\x00".as_slice()).unwrap();
    assert_eq!(r.bitpos("p", false, None).unwrap(), 12);
    assert_eq!(r.bitpos("p", true, None).unwrap(), 0);
    assert_eq!(
        r.bitpos("p", true, Some(BitRange::starting_at(2))).unwrap(),
        -1
    );
    assert_eq!(
        r.bitpos("p", false, Some(BitRange::new(0, 0))).unwrap(),
        -1,
        "no 0 within an explicit range of ones"
    );
    assert_eq!(r.bitpos("p", true, Some(BitRange::bits(2, 10))).unwrap(), 2);
    assert_eq!(r.bitpos("missing", true, None).unwrap(), -1);
}

#[test]
fn bitop() {
    let server = RedisServer::start();
    let r = client(&server);
    r.set("a", b"\x0f\xff".as_slice()).unwrap();
    r.set("b", b"\xf0".as_slice()).unwrap();
    let get = |k: &str| -> Vec<u8> { r.get(k).unwrap() };

    assert_eq!(r.bitop(BitOp::And, "and", &["a", "b"]).unwrap(), 2);
    assert_eq!(get("and"), b"\x00\x00");
    assert_eq!(r.bitop(BitOp::Or, "or", &["a", "b"]).unwrap(), 2);
    assert_eq!(get("or"), b"\xff\xff");
    assert_eq!(r.bitop(BitOp::Xor, "xor", &["a", "b"]).unwrap(), 2);
    assert_eq!(get("xor"), b"\xff\xff");
    assert_eq!(r.bitop(BitOp::Not, "not", "b").unwrap(), 1);
    assert_eq!(get("not"), b"\x0f");
    let err = r.bitop(BitOp::Not, "not", &["a", "b"]).unwrap_err();
    assert!(err.is_server(), "NOT takes one key: {err}");
}

#[test]
fn bitfield_overflow_modes() {
    let server = RedisServer::start();
    let r = client(&server);
    let u8_ = BitFieldType::unsigned(8);
    let i8_ = BitFieldType::signed(8);

    // SET replies the old value, GET the current one.
    let out = r
        .bitfield("bf", BitField::new().set(u8_, 0, 250).get(u8_, 0))
        .unwrap();
    assert_eq!(out, [Some(0), Some(250)]);

    // WRAP (the default) and explicit.
    let out = r
        .bitfield("bf", BitField::new().incrby(u8_, 0, 10))
        .unwrap();
    assert_eq!(out, [Some(4)], "250 + 10 wraps to 4");
    let out = r
        .bitfield(
            "bf",
            BitField::new()
                .overflow(BitFieldOverflow::Wrap)
                .set(i8_, 8, 127)
                .incrby(i8_, 8, 1),
        )
        .unwrap();
    assert_eq!(out, [Some(0), Some(-128)]);

    // SAT stops at the type's bounds.
    let out = r
        .bitfield(
            "bf",
            BitField::new()
                .overflow(BitFieldOverflow::Sat)
                .incrby(u8_, 0, 1000)
                .incrby(i8_, 8, -1000),
        )
        .unwrap();
    assert_eq!(out, [Some(255), Some(-128)]);

    // FAIL does nothing and replies nil for that operation only.
    let out = r
        .bitfield(
            "bf",
            BitField::new()
                .overflow(BitFieldOverflow::Fail)
                .incrby(u8_, 0, 1)
                .incrby(u8_, 0, -5)
                .get(u8_, 0),
        )
        .unwrap();
    assert_eq!(out, [None, Some(250), Some(250)]);

    // `#N` offsets count in fields of the type's width; bitfield_ro reads them back.
    let out = r
        .bitfield(
            "bf2",
            BitField::new()
                .set(BitFieldType::unsigned(4), BitFieldOffset::Field(1), 9)
                .set(BitFieldType::signed(64), 64, -2),
        )
        .unwrap();
    assert_eq!(out, [Some(0), Some(0)]);
    let read = r
        .bitfield_ro(
            "bf2",
            BitFieldRo::new()
                .get(BitFieldType::unsigned(8), 0)
                .get(BitFieldType::signed(64), BitFieldOffset::Bit(64)),
        )
        .unwrap();
    assert_eq!(read, [9, -2]);
    let empty: Vec<Option<i64>> = r.bitfield("bf2", BitField::new()).unwrap();
    assert!(empty.is_empty());

    // A bad type is the server's error.
    let err = r
        .bitfield("bf", BitField::new().get(BitFieldType::unsigned(64), 0))
        .unwrap_err();
    assert!(err.is_server(), "{err}");
}

#[test]
fn hyperloglog() {
    let server = RedisServer::start();
    let r = client(&server);
    assert!(r.pfadd("h1", &["a", "b", "c"]).unwrap());
    assert!(!r.pfadd("h1", &["a", "b"]).unwrap(), "nothing new");
    assert!(r.pfadd("empty", &[] as &[&str]).unwrap(), "created");
    assert!(!r.pfadd("empty", &[] as &[&str]).unwrap());
    assert_eq!(r.pfcount("h1").unwrap(), 3);
    assert_eq!(r.pfcount("missing").unwrap(), 0);
    assert!(r.pfadd("h2", &["c", "d"]).unwrap());
    assert_eq!(r.pfcount(&["h1", "h2"]).unwrap(), 4);
    r.pfmerge("merged", &["h1", "h2"]).unwrap();
    assert_eq!(r.pfcount("merged").unwrap(), 4);
    r.pfmerge("merged", &[] as &[&str]).unwrap();
    assert_eq!(r.pfcount("merged").unwrap(), 4);

    let enc: String = r.pfdebug("ENCODING", "h1").unwrap();
    assert_eq!(enc, "sparse");
    let converted: bool = r.pfdebug("TODENSE", "h1").unwrap();
    assert!(converted);
    let enc: String = r.pfdebug("ENCODING", "h1").unwrap();
    assert_eq!(enc, "dense");
    let regs: Vec<u64> = r.pfdebug("GETREG", "h1").unwrap();
    assert_eq!(regs.len(), 16384);
    assert_eq!(regs.iter().filter(|&&v| v > 0).count(), 3);
    let err = r.pfdebug::<String>("ENCODING", "missing").unwrap_err();
    assert!(err.is_server());

    // PFSELFTEST runs for seconds in a debug build: longer than the default 5 s read
    // timeout, so it gets a read timeout of its own.
    let slow = StrictRedis::from_url(&format!("{}?read_timeout=120", server.url())).unwrap();
    slow.pfselftest().unwrap();
}

/// The replies of a handful of bitmap and HyperLogLog commands, as Rust values.
#[derive(Debug, PartialEq)]
struct Replies {
    setbit: bool,
    getbit: bool,
    bitcount: u64,
    bitpos: i64,
    bitfield: Vec<Option<i64>>,
    bitfield_ro: Vec<i64>,
    pfadd: bool,
    pfcount: u64,
}

fn run_handful(r: &StrictRedis) -> Replies {
    let u8_ = BitFieldType::unsigned(8);
    Replies {
        setbit: r.setbit("b", 3, true).unwrap(),
        getbit: r.getbit("b", 3).unwrap(),
        bitcount: r.bitcount("b", Some(BitRange::bits(0, 7))).unwrap(),
        bitpos: r.bitpos("b", true, None).unwrap(),
        bitfield: r
            .bitfield(
                "bf",
                BitField::new()
                    .overflow(BitFieldOverflow::Fail)
                    .incrby(u8_, 0, 300)
                    .incrby(u8_, 0, 3),
            )
            .unwrap(),
        bitfield_ro: r.bitfield_ro("bf", BitFieldRo::new().get(u8_, 0)).unwrap(),
        pfadd: r.pfadd("h", &["x", "y"]).unwrap(),
        pfcount: r.pfcount("h").unwrap(),
    }
}

#[test]
fn resp2_and_resp3_give_the_same_types() {
    let a = same_over_resp2_and_resp3(run_handful);
    assert_eq!(a.bitfield, [None, Some(3)]);
    assert_eq!(a.pfcount, 2);
}

#[test]
fn valkey_runs_them_too() {
    let server = RedisServer::start_valkey(&[]);
    let r = client(&server);
    let out = run_handful(&r);
    assert_eq!(out.bitpos, 3);
    assert_eq!(out.bitfield_ro, [3]);
}
