fn main() -> Result<(), strictredis::Error> {
    let r = strictredis::StrictRedis::from_url("redis://127.0.0.1:6379/0")?;
    let _: Option<(String, String)> = r.blpop(&["l"], "5")?;
    Ok(())
}
