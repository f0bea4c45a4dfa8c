use strictredis::commands::lists::LPosOptions;

fn main() -> Result<(), strictredis::Error> {
    let r = strictredis::StrictRedis::from_url("redis://127.0.0.1:6379/0")?;
    let _: Option<u64> = r.lpos("l", "x", LPosOptions::default().rank("1"))?;
    Ok(())
}
