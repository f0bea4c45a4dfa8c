fn main() -> Result<(), strictredis::Error> {
    let r = strictredis::StrictRedis::from_url("redis://127.0.0.1:6379/0")?;
    r.rpush("l", &[1u8, 2u8]).map(|_| ())?;
    Ok(())
}
