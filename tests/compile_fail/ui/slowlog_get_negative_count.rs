fn main() -> Result<(), strictredis::Error> {
    let r = strictredis::StrictRedis::from_url("redis://127.0.0.1:6379/0")?;
    // SLOWLOG GET's count is a u64: a negative count does not compile.
    let _ = r.slowlog_get(Some(-1))?;
    Ok(())
}
