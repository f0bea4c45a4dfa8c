//! One test binary for Redis Cluster and Sentinel (`cargo test --test cluster`), on the
//! test kit's real clusters and Sentinel setups.

mod autopipe_cluster;
mod cluster;
mod cluster_batch;
mod cluster_hangs;
mod cluster_resilience;
mod cluster_soak;
mod edges;
mod load;
mod one_face;
mod sentinel;
mod sentinel_failover;

use std::sync::{Mutex, MutexGuard};

/// One fault-heavy test at a time in this binary: each starts a cluster or a Sentinel
/// setup, puts it under load and asserts how fast it recovers; two of them at once on a
/// 2-core machine would measure each other. The light tests still run beside them.
pub fn heavy() -> MutexGuard<'static, ()> {
    static LOCK: Mutex<()> = Mutex::new(());
    LOCK.lock().unwrap_or_else(|e| e.into_inner())
}
