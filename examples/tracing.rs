//! Tracing: every command as a span with OpenTelemetry's database fields (`db.system.name`,
//! `db.operation.name`, `db.namespace`, `server.address`, `server.port`, `error.type`),
//! and the client's events, printed by `tracing-subscriber`'s fmt layer.
//!
//! ```text
//! cargo run --example tracing --features tracing
//! ```
//!
//! Built without the feature (as `.ci/run`'s examples step does), it says what to enable;
//! `.ci/run` runs it with the feature in its `all_features` step. `REDIS_URL` as in the
//! other examples (a throwaway server when nothing listens).

#[cfg(not(feature = "tracing"))]
fn main() {
    println!("this example needs the `tracing` feature:");
    println!("  cargo run --example tracing --features tracing");
}

#[cfg(feature = "tracing")]
mod support;

#[cfg(feature = "tracing")]
fn main() -> Result<(), Box<dyn std::error::Error>> {
    use strictredis::{cmd, StrictRedis, Value};
    use tracing_subscriber::fmt::format::FmtSpan;

    // Spans are printed when they close, with their fields; events at DEBUG and above.
    tracing_subscriber::fmt()
        .with_span_events(FmtSpan::CLOSE)
        .with_max_level(tracing::Level::DEBUG)
        .init();

    let redis = support::redis()?;
    let client = StrictRedis::builder()
        .url(redis.url())?
        // Arguments in `db.query.text` (never those of AUTH, HELLO, ACL SETUSER, ...).
        .trace_arguments(true)
        .build()?;

    client.set("greeting", "hello")?;
    let v: Option<String> = client.get("greeting")?;
    println!("GET greeting -> {v:?}");

    // A failed command: its span gets `error.type = WRONGTYPE`.
    let e = client.execute_command::<Value>(cmd("LPUSH").arg("greeting").arg("x"));
    println!("LPUSH greeting x -> {:?}", e.err().map(|e| e.to_string()));

    // A pipeline is one span: `db.operation.name = PIPELINE`, `db.operation.batch.size = 2`.
    let mut p = client.pipeline_without_transaction();
    p.get("greeting").ttl("greeting");
    let _: Vec<Value> = p.execute_raw()?;

    // A secret is never traced: the span shows `AUTH ?`.
    let _ = client.execute_command::<Value>(cmd("AUTH").arg("not-the-password"));
    Ok(())
}
