fn main() -> Result<(), strictredis::Error> {
    let r = strictredis::StrictRedis::from_url("redis://127.0.0.1:6379/0")?;
    // ZSCORE's reply has a fixed shape: Option<f64>, not a caller-chosen type.
    let _s: String = r.zscore("z", "a")?;
    Ok(())
}
