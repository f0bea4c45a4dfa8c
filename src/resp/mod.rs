//! The RESP2/RESP3 codec. Sans-IO: functions and a state machine over byte buffers; nothing
//! here knows about sockets or pools.

pub mod decode;
pub mod encode;

pub use decode::{decode_one, Decoder, DEFAULT_MAX_BULK_LEN, MAX_DEPTH};
pub use encode::encode_value;
