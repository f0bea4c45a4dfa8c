use strictredis::commands::streams::{StreamReadReply, XReadGroupOptions};

fn main() -> Result<(), strictredis::Error> {
    let r = strictredis::StrictRedis::from_url("redis://127.0.0.1:6379/0")?;
    // BLOCK is whole milliseconds.
    let opts = XReadGroupOptions::default().block_ms(1.5);
    let _read: StreamReadReply = r.xreadgroup("group", "consumer", &[("stream", ">")], opts)?;
    Ok(())
}
