fn main() -> Result<(), strictredis::Error> {
    let r = strictredis::StrictRedis::from_url("redis://127.0.0.1:6379/0")?;
    // numkeys is counted from the key list; passing it as in redis-py does not compile.
    let _v: i64 = r.evalsha("sha", 1, &["key"], &["arg"])?;
    Ok(())
}
