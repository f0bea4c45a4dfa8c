fn main() -> Result<(), strictredis::Error> {
    let r = strictredis::StrictRedis::from_url("redis://127.0.0.1:6379/0")?;
    // PFADD replies whether the estimate changed: a bool, not a count.
    let added: u64 = r.pfadd("hll", &["a", "b"])?;
    let _ = added;
    Ok(())
}
