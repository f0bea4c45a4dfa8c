fn main() -> Result<(), strictredis::Error> {
    let r = strictredis::StrictRedis::from_url("redis://127.0.0.1:6379/0")?;
    // XADD's fields are (field, value) pairs, not a flat list.
    let _id: String = r.xadd("stream", "*", &["field", "value"])?;
    Ok(())
}
