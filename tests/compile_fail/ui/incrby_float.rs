fn main() -> Result<(), strictredis::Error> {
    let r = strictredis::StrictRedis::from_url("redis://127.0.0.1:6379/0")?;
    r.incrby("counter", 1.5).map(|_| ())?;
    Ok(())
}
