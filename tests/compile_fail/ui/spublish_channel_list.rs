fn main() -> Result<(), strictredis::Error> {
    let r = strictredis::StrictRedis::from_url("redis://127.0.0.1:6379/0")?;
    // SPUBLISH posts to one shard channel.
    let _n: u64 = r.spublish(&["orders", "payments"], "message")?;
    Ok(())
}
