//! Sentinel (placeholder).
