//! [`ClusterBuilder`]: seed nodes and every option, checked before any I/O.

use std::collections::HashMap;
use std::fmt;
use std::sync::atomic::AtomicUsize;
use std::sync::Arc;

use parking_lot::{Mutex, RwLock};

use super::topology::{NodeAddr, Topology};
use super::{Inner, ReadFrom, RedisCluster, DEFAULT_MAX_REDIRECTS};
use crate::config::{ConnectionAddr, ConnectionInfo, Options};
use crate::error::{Error, Result};

/// Builds a [`RedisCluster`]; see [`RedisCluster::builder`].
///
/// ```no_run
/// use std::time::Duration;
/// use strictredis::cluster::RedisCluster;
/// let c = RedisCluster::builder()
///     .node("redis://127.0.0.1:7000")
///     .node("redis://127.0.0.1:7001")
///     .password("secret")
///     .read_timeout(Some(Duration::from_millis(500)))
///     .max_connections(8)
///     .read_from_replicas(true)
///     .build()?;
/// # Ok::<(), strictredis::Error>(())
/// ```
#[derive(Clone, Default)]
pub struct ClusterBuilder {
    /// The seed nodes, each parsed when given (errors are reported by `build`).
    seeds: Vec<std::result::Result<ConnectionInfo, String>>,
    /// Every connection's settings: the first URL's, then the setters, in call order.
    opts: Options,
    read_from: ReadFrom,
    max_redirects: Option<usize>,
}

impl fmt::Debug for ClusterBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ClusterBuilder")
            .field("seeds", &self.seeds.len())
            .field("options", &self.opts)
            .field("read_from", &self.read_from)
            .finish()
    }
}

impl ClusterBuilder {
    /// Adds a seed node (`redis://host:port`, `rediss://` for TLS). The first URL's settings
    /// apply to every connection, as [`ClientBuilder::url`](crate::ClientBuilder::url)
    /// applies them: exactly what it names, over what was set before it and under what is
    /// set after. At least one is needed; errors in the URLs are reported by
    /// [`build`](Self::build).
    pub fn node(mut self, url: &str) -> Self {
        let first = self.seeds.is_empty();
        let parsed = if first {
            self.opts.apply_url(url).map(|()| self.opts.info.clone())
        } else {
            url.parse::<ConnectionInfo>()
        };
        self.seeds
            .push(parsed.map_err(crate::config::config_message));
        self
    }

    crate::config::builder_setters!(
        retry_default: "[`RetryPolicy::default`](crate::RetryPolicy::default) for opening \
                        connections to a node (redirections and cluster retries follow \
                        [`max_redirects`](Self::max_redirects))"
    );

    /// Where read-only commands (GET, MGET, HGETALL, ZRANGE, ..., as the command table
    /// says) go: [`ReadFrom::Primary`] (the default), [`ReadFrom::PreferReplica`] or
    /// [`ReadFrom::AzAffinity`]. Replicas are read over connections that sent `READONLY`,
    /// in turn; one that fails a read is passed over for a few seconds, and the primary
    /// serves the read when no replica is fit. Writes, and every command of a pipeline or
    /// transaction, go to primaries. Replies from replicas may lag behind the latest
    /// writes.
    ///
    /// ```no_run
    /// use strictredis::cluster::{ReadFrom, RedisCluster};
    /// let c = RedisCluster::builder()
    ///     .node("redis://127.0.0.1:7000")
    ///     .read_from(ReadFrom::PreferReplica)
    ///     .build()?;
    /// # Ok::<(), strictredis::Error>(())
    /// ```
    pub fn read_from(mut self, read_from: ReadFrom) -> Self {
        self.read_from = read_from;
        self
    }

    /// `read_from_replicas(true)` is [`read_from(ReadFrom::PreferReplica)`](Self::read_from),
    /// `false` is [`ReadFrom::Primary`] (the default).
    pub fn read_from_replicas(self, yes: bool) -> Self {
        self.read_from(if yes {
            ReadFrom::PreferReplica
        } else {
            ReadFrom::Primary
        })
    }

    /// How many redirections and retries one command may go through before it fails with
    /// [`Error::Cluster`]. Defaults to [`DEFAULT_MAX_REDIRECTS`] (16).
    pub fn max_redirects(mut self, n: usize) -> Self {
        self.max_redirects = Some(n);
        self
    }

    /// Checks the settings ([`Options::validate`]), connects to the first seed node that
    /// answers and reads the topology from it.
    pub fn build(self) -> Result<RedisCluster> {
        let mut infos = Vec::with_capacity(self.seeds.len());
        for info in self.seeds {
            infos.push(info.map_err(Error::Config)?);
        }
        if infos.is_empty() {
            return Err(Error::Config(
                "a cluster client needs at least one node URL".into(),
            ));
        }
        self.opts.validate()?;
        let cache = match &self.opts.cache {
            Some(c) => Some(super::cache::ClusterCache::new(c)?),
            None => None,
        };
        let auto_pipeline = self
            .opts
            .auto_pipeline
            .then(|| self.opts.auto_pipeline_connections());
        let template = self.opts.info;
        let mut pool_config = self.opts.pool;
        let warm = pool_config.min_size;
        // Node pools open nothing when made (they are made under a lock); build warms them.
        pool_config.min_size = 0;
        let mut seeds = Vec::with_capacity(infos.len());
        for info in &infos {
            match &info.addr {
                ConnectionAddr::Tcp { host, port } | ConnectionAddr::TcpTls { host, port, .. } => {
                    seeds.push(NodeAddr {
                        host: host.clone(),
                        port: *port,
                    })
                }
                ConnectionAddr::Unix(_) => {
                    return Err(Error::Config(
                        "cluster nodes are reached over TCP, not unix sockets".into(),
                    ))
                }
            }
        }
        let cluster = RedisCluster {
            inner: Arc::new(Inner {
                template,
                seeds,
                pool_config,
                auto_pipeline,
                read_from: self.read_from,
                max_redirects: self.max_redirects.unwrap_or(DEFAULT_MAX_REDIRECTS),
                topology: RwLock::new(Arc::new(Topology::empty())),
                nodes: Mutex::new(HashMap::new()),
                last_refresh: Mutex::new(None),
                failed: Mutex::new(HashMap::new()),
                specs: RwLock::new(HashMap::new()),
                counter: AtomicUsize::new(0),
                clusterscan: std::sync::atomic::AtomicU8::new(super::scan::CLUSTERSCAN_UNKNOWN),
                cache,
            }),
        };
        cluster.refresh_topology()?;
        cluster.check_db()?;
        if let Some(c) = &cluster.inner.cache {
            // The first map's channels are open (or opening): entries may be served.
            c.cache.started();
        }
        if warm > 0 {
            let topo = cluster.topology();
            let primaries = topo.primaries().iter().map(|n| &n.pool);
            let replicas = topo.replicas().iter().filter_map(|n| n.ro_pool.as_ref());
            for pool in primaries.chain(replicas) {
                let opened = (0..warm).map(|_| pool.get()).collect::<Result<Vec<_>>>()?;
                drop(opened); // back to the idle queue
            }
        }
        Ok(cluster)
    }
}

impl RedisCluster {
    /// A database other than 0 needs a server that has numbered databases in cluster mode
    /// (Valkey 9+ with `cluster-databases` above the number): one connection to a primary
    /// SELECTs it now, so that a server that refuses it fails `build` with a clear
    /// [`Error::Config`] instead of every command later.
    fn check_db(&self) -> Result<()> {
        let db = self.inner.template.db;
        if db == 0 {
            return Ok(());
        }
        let topo = self.topology();
        let Some(primary) = topo.primaries().first() else {
            return Ok(());
        };
        match primary.pool.get() {
            Ok(_) => Ok(()),
            Err(Error::Server(e)) => Err(Error::Config(format!(
                "database {db} is not available on this cluster: {} answered SELECT {db} with \
                 '{e}' (numbered databases in cluster mode need Valkey 9+ with \
                 cluster-databases above {db}; Redis Cluster has only database 0)",
                primary.addr
            ))),
            Err(e) => Err(e),
        }
    }
}
