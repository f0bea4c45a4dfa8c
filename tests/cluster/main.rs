//! One test binary for Redis Cluster and Sentinel (`cargo test --test cluster`), on the
//! test kit's real clusters and Sentinel setups.

mod autopipe_cluster;
mod cache;
mod cache_cluster;
mod cluster;
mod cluster_batch;
mod cluster_db;
mod cluster_hangs;
mod cluster_resilience;
mod cluster_soak;
mod credentials;
mod edges;
mod fan_out;
mod load;
mod migrateslots;
mod one_face;
mod read_from;
mod scale;
mod scan_failover;
mod sentinel;
mod sentinel_failover;
mod sharded_pubsub;

use std::sync::{Condvar, Mutex};

/// How many fault-heavy tests run at once in this process: `STRICTREDIS_HEAVY_TESTS`, else
/// two. Each starts its own cluster or Sentinel setup on its own ports, puts it under load and
/// asserts how fast it recovers (within the 5 s read timeout, say). Two at once pass on the
/// 2-core CI machine beside the suite's other jobs (this binary: 164 s instead of about
/// 270 s one at a time); beside seven other builds (load 20) their load threads timed out,
/// so `STRICTREDIS_HEAVY_TESTS=1` on a machine that is busy with other work. The light
/// tests run beside them, and the Sentinel failover soak runs in a process of its own,
/// alone (scripts/test.sh).
fn heavy_limit() -> usize {
    std::env::var("STRICTREDIS_HEAVY_TESTS")
        .ok()
        .and_then(|v| v.parse().ok())
        .filter(|&n| n > 0)
        .unwrap_or(2)
}

/// A permit to run one fault-heavy test ([`heavy`]); given back on drop.
pub struct Heavy(());

static RUNNING: Mutex<usize> = Mutex::new(0);
static FREED: Condvar = Condvar::new();

/// Waits for a permit to run one fault-heavy test (see [`heavy_limit`]).
pub fn heavy() -> Heavy {
    let limit = heavy_limit();
    let mut running = RUNNING.lock().unwrap_or_else(|e| e.into_inner());
    while *running >= limit {
        running = FREED.wait(running).unwrap_or_else(|e| e.into_inner());
    }
    *running += 1;
    Heavy(())
}

impl Drop for Heavy {
    fn drop(&mut self) {
        *RUNNING.lock().unwrap_or_else(|e| e.into_inner()) -= 1;
        FREED.notify_one();
    }
}
