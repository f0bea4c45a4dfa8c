fn main() -> Result<(), strictredis::Error> {
    let r = strictredis::StrictRedis::from_url("redis://127.0.0.1:6379/0")?;
    // Slots are u16 numbers, not strings.
    r.cluster_addslots(&["1", "2"])?;
    Ok(())
}
