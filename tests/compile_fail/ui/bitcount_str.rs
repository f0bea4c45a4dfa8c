fn main() -> Result<(), strictredis::Error> {
    let r = strictredis::StrictRedis::from_url("redis://127.0.0.1:6379/0")?;
    let _: u64 = r.bitcount("key", "0 -1")?;
    Ok(())
}
