//! Cluster commands.

/// The cluster command table; see [the module docs](crate::commands).
macro_rules! cluster_commands {
    ($emit:ident) => {
        $emit! {}
    };
}
pub(crate) use cluster_commands;
