//! One test binary for Redis Cluster and Sentinel (`cargo test --test cluster`), on the
//! test kit's real clusters and Sentinel setups.

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
