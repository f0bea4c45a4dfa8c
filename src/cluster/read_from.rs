//! Read routing: where a read-only command goes ([`ReadFrom`]), which replicas are fit to
//! serve it now, and the availability zone each node reports.
//!
//! * Only a command the command table calls read-only, sent on its own (not inside a
//!   pipeline or transaction), is ever sent to a replica, over that replica's connections
//!   that sent `READONLY`.
//! * The eligible replicas of a shard are taken in turn (one counter for the client).
//! * A replica that failed a read (refused or broken connection, a timeout, `LOADING`,
//!   `MASTERDOWN`, a refused `READONLY`) is skipped for [`REPLICA_SKIP`]; replicas that
//!   `CLUSTER SHARDS` does not call online (failed, or loading: no replication offset yet)
//!   are not in the topology at all. With no eligible replica left the primary serves the
//!   read.
//! * [`ReadFrom::AzAffinity`] learns each node's zone once, on its first `READONLY`
//!   connection: `CONFIG GET availability-zone` goes in the same write as `READONLY` (no
//!   extra round trip, and none per command). A server without that setting (Redis, Valkey
//!   before 8) or one that refuses `CONFIG` has no zone: it counts as another zone.

use std::time::{Duration, Instant};

use parking_lot::Mutex;

use super::topology::Shard;
use super::{Node, RedisCluster};
use crate::cmd::{cmd, Cmd};
use crate::connection::Connection;
use crate::error::{Error, Result};
use crate::value::Value;

/// Where a cluster client sends read-only commands: see
/// [`ClusterBuilder::read_from`](super::ClusterBuilder::read_from).
///
/// ```no_run
/// use strictredis::cluster::{ReadFrom, RedisCluster};
/// let c = RedisCluster::builder()
///     .node("redis://127.0.0.1:7000")
///     .read_from(ReadFrom::AzAffinity("us-east-1a".into()))
///     .build()?;
/// # Ok::<(), strictredis::Error>(())
/// ```
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ReadFrom {
    /// Every command goes to the primary of its slot (the default).
    #[default]
    Primary,
    /// Read-only commands go to the replicas of their slot, in turn; the primary serves
    /// them when no replica is fit.
    PreferReplica,
    /// Read-only commands go to the replicas in this availability zone (the zone a Valkey
    /// 8+ node reports, its `availability-zone` setting), in turn; then to the other
    /// replicas; then to the primary.
    AzAffinity(String),
}

impl ReadFrom {
    /// True when read-only commands may go to replicas.
    pub(crate) fn uses_replicas(&self) -> bool {
        !matches!(self, ReadFrom::Primary)
    }

    /// The zone to prefer, for [`AzAffinity`](Self::AzAffinity).
    fn zone(&self) -> Option<&str> {
        match self {
            ReadFrom::AzAffinity(z) => Some(z),
            _ => None,
        }
    }
}

/// How long a replica that failed a read is passed over.
pub(crate) const REPLICA_SKIP: Duration = Duration::from_secs(5);

/// What the client knows of one node's fitness to serve reads and of its zone.
#[derive(Debug, Default)]
pub(crate) struct NodeState {
    /// Until when the node is passed over for reads.
    skip_until: Mutex<Option<Instant>>,
    /// `None`: not learnt yet; `Some(None)`: the node reports no zone.
    zone: Mutex<Option<Option<String>>>,
}

impl NodeState {
    /// The node failed a read: pass it over for [`REPLICA_SKIP`].
    pub(crate) fn skip(&self) {
        *self.skip_until.lock() = crate::time::deadline_in(Some(REPLICA_SKIP));
    }

    fn skipped(&self, now: Instant) -> bool {
        self.skip_until.lock().is_some_and(|until| now < until)
    }

    fn zone_known(&self) -> bool {
        self.zone.lock().is_some()
    }

    fn in_zone(&self, zone: &str) -> bool {
        matches!(&*self.zone.lock(), Some(Some(z)) if z == zone)
    }
}

/// Opens a connection for reads from a replica: `READONLY`, and, when the node's zone is
/// still to be learnt, `CONFIG GET availability-zone` in the same write. A refused
/// `READONLY` fails the connection (and the caller passes the node over).
pub(crate) fn open_read_only(
    info: &crate::config::ConnectionInfo,
    state: &NodeState,
    learn_zone: bool,
) -> Result<Connection> {
    let mut conn = Connection::open(info)?;
    let mut steps: Vec<Cmd> = vec![cmd("READONLY")];
    let learn = learn_zone && !state.zone_known();
    if learn {
        steps.push(cmd("CONFIG").arg("GET").arg("availability-zone"));
    }
    let replies = crate::connection::exchange::exchange(&mut conn, &steps).map_err(|b| b.error)?;
    let mut replies = replies.into_iter();
    if let Some(Value::Error(e)) = replies.next() {
        return Err(Error::Server(e));
    }
    if learn {
        *state.zone.lock() = Some(replies.next().and_then(zone_of_config_reply));
    }
    Ok(conn)
}

/// The zone in a `CONFIG GET availability-zone` reply (`[name, value]`, or a map in
/// RESP3); `None` for no such setting, an empty one, or an error.
pub(crate) fn zone_of_config_reply(reply: Value) -> Option<String> {
    let value = match reply.strip_attributes() {
        Value::Array(mut items) if items.len() == 2 => items.pop(),
        Value::Map(mut pairs) if pairs.len() == 1 => pairs.pop().map(|(_, v)| v),
        _ => None,
    }?;
    let zone = value
        .as_bytes()
        .map(|b| String::from_utf8_lossy(b).into_owned())?;
    (!zone.is_empty()).then_some(zone)
}

impl RedisCluster {
    /// The node to serve a read-only command of `shard`, and whether to use its `READONLY`
    /// pool: an eligible replica (same zone first under `AzAffinity`), in turn, else the
    /// primary.
    pub(super) fn pick_reader(&self, shard: &Shard) -> (Node, bool) {
        let now = Instant::now();
        let zone = self.inner.read_from.zone();
        if zone.is_some() {
            // Learn the zones not known yet (once per node: its first READONLY connection,
            // kept in the pool for the reads to come).
            for r in &shard.replicas {
                if !r.state.zone_known() && !r.state.skipped(now) {
                    if let Some(pool) = &r.ro_pool {
                        if let Err(e) = pool.get() {
                            log::debug!("cluster replica {} unreachable: {e}", r.addr);
                            r.state.skip();
                        }
                    }
                }
            }
        }
        let fit = |r: &&Node| !r.state.skipped(now);
        let pick = |tier: &[&Node]| -> Option<Node> {
            if tier.is_empty() {
                return None;
            }
            let i = self.next_turn();
            Some(tier[i % tier.len()].clone())
        };
        let eligible: Vec<&Node> = shard.replicas.iter().filter(fit).collect();
        let chosen = match zone {
            Some(z) => {
                let near: Vec<&Node> = eligible
                    .iter()
                    .copied()
                    .filter(|r| r.state.in_zone(z))
                    .collect();
                pick(&near).or_else(|| pick(&eligible))
            }
            None => pick(&eligible),
        };
        match chosen {
            Some(n) => (n, true),
            None => (shard.primary.clone(), false),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::topology::NodeAddr;
    use super::super::{Inner, Topology};
    use super::*;
    use std::collections::HashMap;
    use std::sync::atomic::AtomicUsize;
    use std::sync::Arc;

    /// A client that has never connected (its node pools open nothing until used).
    fn offline(read_from: ReadFrom) -> RedisCluster {
        RedisCluster {
            inner: Arc::new(Inner {
                template: crate::config::ConnectionInfo::default(),
                seeds: Vec::new(),
                pool_config: crate::pool::PoolConfig::default(),
                auto_pipeline: None,
                read_from,
                max_redirects: 1,
                topology: parking_lot::RwLock::new(Arc::new(Topology::empty())),
                nodes: Mutex::new(HashMap::new()),
                last_refresh: Mutex::new(None),
                failed: Mutex::new(HashMap::new()),
                specs: parking_lot::RwLock::new(HashMap::new()),
                counter: AtomicUsize::new(0),
                clusterscan: std::sync::atomic::AtomicU8::new(
                    super::super::scan::CLUSTERSCAN_UNKNOWN,
                ),
                cache: None,
            }),
        }
    }

    /// A shard on ports 1 (the primary) and 2, 3, ... (replicas in `zones`, all known).
    fn shard(c: &RedisCluster, zones: &[Option<&str>]) -> Shard {
        let node = |port| {
            c.node(&NodeAddr {
                host: "127.0.0.1".into(),
                port,
            })
            .unwrap()
        };
        let replicas: Vec<Node> = (2..).zip(zones).map(|(p, _)| node(p)).collect();
        for (r, z) in replicas.iter().zip(zones) {
            *r.state.zone.lock() = Some(z.map(str::to_string));
        }
        Shard {
            primary: node(1),
            replicas,
        }
    }

    fn picks(c: &RedisCluster, s: &Shard, n: usize) -> Vec<(u16, bool)> {
        (0..n)
            .map(|_| {
                let (node, ro) = c.pick_reader(s);
                (node.addr.rsplit(':').next().unwrap().parse().unwrap(), ro)
            })
            .collect()
    }

    #[test]
    fn prefer_replica_takes_the_fit_replicas_in_turn_then_the_primary() {
        let c = offline(ReadFrom::PreferReplica);
        let s = shard(&c, &[None, None]);
        let got = picks(&c, &s, 4);
        let twos = got.iter().filter(|p| **p == (2, true)).count();
        let threes = got.iter().filter(|p| **p == (3, true)).count();
        assert_eq!((twos, threes), (2, 2), "{got:?}");
        s.replicas[0].state.skip();
        assert_eq!(picks(&c, &s, 3), vec![(3, true); 3]);
        s.replicas[1].state.skip();
        assert_eq!(picks(&c, &s, 2), vec![(1, false); 2]);
        let alone = shard(&c, &[]);
        assert_eq!(picks(&c, &alone, 1), vec![(1, false)]);
    }

    #[test]
    fn az_affinity_prefers_its_zone_then_other_replicas_then_the_primary() {
        let c = offline(ReadFrom::AzAffinity("a".into()));
        let s = shard(&c, &[Some("b"), Some("a"), None, Some("a")]);
        let got = picks(&c, &s, 6);
        assert!(
            got.iter().all(|p| *p == (3, true) || *p == (5, true)),
            "{got:?}"
        );
        assert!(
            got.contains(&(3, true)) && got.contains(&(5, true)),
            "{got:?}"
        );
        s.replicas[1].state.skip();
        s.replicas[3].state.skip();
        let got = picks(&c, &s, 4);
        assert!(
            got.iter().all(|p| *p == (2, true) || *p == (4, true)),
            "{got:?}"
        );
        s.replicas[0].state.skip();
        s.replicas[2].state.skip();
        assert_eq!(picks(&c, &s, 2), vec![(1, false); 2]);
    }

    #[test]
    fn zones_from_config_replies() {
        let bulk = |s: &str| Value::Bulk(s.as_bytes().to_vec());
        assert_eq!(
            zone_of_config_reply(Value::Array(vec![bulk("availability-zone"), bulk("z1")])),
            Some("z1".into())
        );
        assert_eq!(
            zone_of_config_reply(Value::Map(vec![(bulk("availability-zone"), bulk("z2"))])),
            Some("z2".into())
        );
        assert_eq!(
            zone_of_config_reply(Value::Array(vec![bulk("availability-zone"), bulk("")])),
            None
        );
        assert_eq!(zone_of_config_reply(Value::Array(vec![])), None);
        assert_eq!(zone_of_config_reply(Value::Nil), None);
    }

    #[test]
    fn skipping_expires() {
        let s = NodeState::default();
        let now = Instant::now();
        assert!(!s.skipped(now));
        s.skip();
        assert!(s.skipped(Instant::now()));
        let later = Instant::now().checked_add(REPLICA_SKIP + Duration::from_millis(1));
        assert!(!s.skipped(later.expect("a representable instant")));
        assert!(!s.zone_known());
        *s.zone.lock() = Some(Some("z".into()));
        assert!(s.in_zone("z") && !s.in_zone("y"));
    }

    #[test]
    fn read_from_defaults_to_primary() {
        assert_eq!(ReadFrom::default(), ReadFrom::Primary);
        assert!(!ReadFrom::Primary.uses_replicas());
        assert!(ReadFrom::PreferReplica.uses_replicas());
        assert_eq!(ReadFrom::AzAffinity("a".into()).zone(), Some("a"));
    }
}
