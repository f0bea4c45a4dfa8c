fn main() -> Result<(), strictredis::Error> {
    let r = strictredis::StrictRedis::from_url("redis://127.0.0.1:6379/0")?;
    // CLIENT PAUSE's timeout is u64 milliseconds, not a string.
    r.client_pause("100", None)?;
    Ok(())
}
