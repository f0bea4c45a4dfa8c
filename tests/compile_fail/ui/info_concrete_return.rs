fn main() -> Result<(), strictredis::Error> {
    let r = strictredis::StrictRedis::from_url("redis://127.0.0.1:6379/0")?;
    // INFO's reply is the typed Info, not a caller-chosen type.
    let _s: String = r.info()?;
    Ok(())
}
