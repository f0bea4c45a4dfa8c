//! [`Commands`] and [`PipelineCommands`]: the command methods as traits, for code that is
//! generic over the client (one server or a cluster) or over the pipeline.
//!
//! Both are generated from the same tables as the inherent methods, so a command has the
//! same name, arguments and reply type everywhere. The inherent methods stay: nobody has to
//! import a trait to call `r.get(..)`, and with the trait in scope the inherent method is
//! still the one called (Rust prefers inherent methods), so nothing becomes ambiguous.

#[allow(unused_imports)]
use super::prelude::*;
use crate::error::Result;
use crate::from_value::FromValue;

/// Every command method, for code generic over [`StrictRedis`](crate::StrictRedis) and
/// [`RedisCluster`](crate::cluster::RedisCluster).
///
/// An implementor writes [`execute_command`](Commands::execute_command); every other method
/// has a default body that builds its command and hands it there.
///
/// ```no_run
/// use strictredis::{Commands, Result};
///
/// fn record<C: Commands>(c: &C, id: u64) -> Result<()> {
///     c.set(format!("job:{id}"), "done")?;
///     Ok(())
/// }
///
/// let r = strictredis::StrictRedis::from_url("redis://127.0.0.1/")?;
/// record(&r, 1)?;
/// let c = strictredis::cluster::RedisCluster::from_urls(&["redis://127.0.0.1:7000"])?;
/// record(&c, 2)?;
/// # Ok::<(), strictredis::Error>(())
/// ```
pub trait Commands {
    /// Runs any command and converts its reply into `T`: the one method every other method
    /// of the trait goes through.
    fn execute_command<T: FromValue>(&self, cmd: Cmd) -> Result<T>;

    crate::commands::with_command_groups!(trait_command_groups!(trait_methods;));
}

/// Every queue method of a pipeline, for code generic over
/// [`Pipeline`](crate::Pipeline) and [`ClusterPipeline`](crate::cluster::ClusterPipeline).
///
/// ```no_run
/// use strictredis::PipelineCommands;
///
/// fn queue_job<P: PipelineCommands>(p: &mut P, id: u64) {
///     p.set(format!("job:{id}"), "queued").rpush("jobs", id);
/// }
///
/// let r = strictredis::StrictRedis::from_url("redis://127.0.0.1/")?;
/// let mut p = r.pipeline();
/// queue_job(&mut p, 7);
/// let _: ((), u64) = p.execute()?;
/// # Ok::<(), strictredis::Error>(())
/// ```
pub trait PipelineCommands {
    /// Queues any command; every other queue method of the trait goes through it.
    fn queue(&mut self, cmd: Cmd) -> &mut Self;

    /// Sends what was queued and converts the replies (a tuple, a `Vec`, ...) into `T`.
    fn execute<T: FromValue>(&mut self) -> Result<T>;

    crate::commands::with_command_groups!(trait_command_groups!(trait_queue_methods;));
}
