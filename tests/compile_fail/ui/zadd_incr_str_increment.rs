use strictredis::commands::sorted_sets::ZAddOptions;

fn main() -> Result<(), strictredis::Error> {
    let r = strictredis::StrictRedis::from_url("redis://127.0.0.1:6379/0")?;
    let _: Option<f64> = r.zadd_incr("z", "member", "1", ZAddOptions::default())?;
    Ok(())
}
