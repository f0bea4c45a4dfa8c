//! The hand-written helpers of [`RedisCluster`] that [`StrictRedis`](crate::StrictRedis)
//! has too, so that one program works on either: the [`Commands`] trait, scripts, locks,
//! the scan iterators of one key, and pub/sub.

use super::{ClusterPipeline, RedisCluster};
use crate::cmd::Cmd;
use crate::commands::{Commands, PipelineCommands};
use crate::error::Result;
use crate::from_value::FromValue;

/// The command methods for generic code: each one runs through
/// [`RedisCluster::execute_command`], routed by its keys.
impl Commands for RedisCluster {
    #[inline]
    fn execute_command<T: FromValue>(&self, cmd: Cmd) -> Result<T> {
        RedisCluster::execute_command(self, cmd)
    }
}

/// The queue methods for generic code: each one runs through [`ClusterPipeline::queue`].
impl PipelineCommands for ClusterPipeline {
    #[inline]
    fn queue(&mut self, cmd: Cmd) -> &mut Self {
        ClusterPipeline::queue(self, cmd)
    }

    #[inline]
    fn execute<T: FromValue>(&mut self) -> Result<T> {
        ClusterPipeline::execute(self)
    }
}
