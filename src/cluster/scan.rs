//! SCAN over the whole cluster: [`RedisCluster::scan_iter`] and its iterator.

use std::fmt;
use std::marker::PhantomData;

use super::RedisCluster;
use crate::cmd::cmd;
use crate::error::Result;
use crate::from_value::FromValue;
use crate::scan::{opts, PageItems, ScanOptions};
use crate::value::Value;

impl RedisCluster {
    /// Iterates over every key of every primary matching `pattern` (all keys with `None`),
    /// with SCAN and its `COUNT` hint; keys are not repeated unless they move between nodes
    /// during the scan.
    ///
    /// ```no_run
    /// # let c = strictredis::cluster::RedisCluster::from_urls(&["redis://127.0.0.1:7000"])?;
    /// for key in c.scan_iter::<String>(Some("user:*"), None) {
    ///     let key = key?;
    /// }
    /// # Ok::<(), strictredis::Error>(())
    /// ```
    pub fn scan_iter<T: FromValue>(
        &self,
        pattern: Option<&str>,
        count: Option<u64>,
    ) -> ClusterScanIter<T> {
        self.scan_iter_options(opts(pattern, count))
    }

    /// The iterator of [`scan_iter`](Self::scan_iter) and
    /// [`scan_iter_with`](Self::scan_iter_with).
    pub(crate) fn scan_iter_options<T: FromValue>(
        &self,
        options: ScanOptions,
    ) -> ClusterScanIter<T> {
        ClusterScanIter {
            cluster: self.clone(),
            options,
            cursor: Some(0),
            buffer: PageItems::new(Vec::new(), false),
            _t: PhantomData,
        }
    }
}

/// Iterator over the keys of every primary; see [`RedisCluster::scan_iter`].
pub struct ClusterScanIter<T> {
    cluster: RedisCluster,
    options: ScanOptions,
    /// The next cursor to ask for; `None` once the scan is complete.
    cursor: Option<u64>,
    buffer: PageItems,
    _t: PhantomData<fn() -> T>,
}

impl<T> fmt::Debug for ClusterScanIter<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ClusterScanIter")
            .field("options", &self.options)
            .field("cursor", &self.cursor)
            .finish()
    }
}

impl<T: FromValue> Iterator for ClusterScanIter<T> {
    type Item = Result<T>;

    fn next(&mut self) -> Option<Result<T>> {
        loop {
            if let Some(item) = self.buffer.next_item() {
                return Some(item);
            }
            let cursor = self.cursor?;
            let c = cmd("SCAN")
                .arg(cursor)
                .opt_token("MATCH", self.options.pattern.as_deref())
                .opt_token("COUNT", self.options.count)
                .opt_token("TYPE", self.options.type_.as_deref());
            // Each key converts as it is taken: one that does not is its own `Err`.
            match self.cluster.execute_command::<(u64, Vec<Value>)>(c) {
                Ok((next, keys)) => {
                    self.cursor = (next != 0).then_some(next);
                    self.buffer = PageItems::new(keys, false);
                }
                Err(e) => {
                    self.cursor = None;
                    return Some(Err(e));
                }
            }
        }
    }
}
