fn main() -> Result<(), strictredis::Error> {
    let r = strictredis::StrictRedis::from_url("redis://127.0.0.1:6379/0")?;
    // The unit is a GeoUnit, not a string.
    let _d: Option<f64> = r.geodist("sicily", "Palermo", "Catania", Some("km"))?;
    Ok(())
}
