//! The cluster's shape: which node serves which slot, read from `CLUSTER SHARDS` (Redis 7+)
//! or `CLUSTER SLOTS` (older servers), and the slot map built from it.
//!
//! Parsing is pure (a [`Value`] in, [`ShardSpec`]s out) so that both reply forms, RESP2 and
//! RESP3, are unit-tested without a server.

use std::sync::Arc;

use crate::error::{Error, Result};
use crate::from_value::reply::{array_items as items, int, map_pairs, text};
use crate::value::Value;

use super::slots::SLOT_COUNT;
use super::Node;

/// A node's address as the cluster announces it.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub(crate) struct NodeAddr {
    pub host: String,
    pub port: u16,
}

impl NodeAddr {
    /// `host:port`, with brackets around an IPv6 host: the key of the node registry.
    pub fn key(&self) -> String {
        if self.host.contains(':') {
            format!("[{}]:{}", self.host, self.port)
        } else {
            format!("{}:{}", self.host, self.port)
        }
    }

    /// Parses the `host:port` of a MOVED or ASK redirection (`::1:7000` for IPv6, `:7000`
    /// when the server does not know its own endpoint: then `fallback_host` is used).
    pub fn parse(text: &str, fallback_host: &str) -> Option<NodeAddr> {
        let (host, port) = text.rsplit_once(':')?;
        let port: u16 = port.parse().ok()?;
        let host = host.trim_start_matches('[').trim_end_matches(']');
        let host = if host.is_empty() || host == "?" {
            fallback_host
        } else {
            host
        };
        Some(NodeAddr {
            host: host.to_string(),
            port,
        })
    }
}

/// One shard as a node described it: its slot ranges, its primary and its replicas.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct ShardSpec {
    pub ranges: Vec<(u16, u16)>,
    pub primary: NodeAddr,
    pub replicas: Vec<NodeAddr>,
}

fn slot(v: &Value) -> Option<u16> {
    int(v)
        .and_then(|i| u16::try_from(i).ok())
        .filter(|&s| s < SLOT_COUNT)
}

fn bad(what: &str) -> Error {
    Error::Protocol(format!("unexpected {what} reply"))
}

/// The announced host of a node: its endpoint, else its IP, else the host we asked.
fn pick_host(endpoint: Option<String>, ip: Option<String>, asked_host: &str) -> String {
    [endpoint, ip]
        .into_iter()
        .flatten()
        .find(|h| !h.is_empty() && h != "?")
        .unwrap_or_else(|| asked_host.to_string())
}

/// Parses a `CLUSTER SHARDS` reply. `asked_host` stands in for nodes that announce no
/// address; `tls` picks the `tls-port` of nodes that announce one.
pub(crate) fn parse_shards(reply: Value, asked_host: &str, tls: bool) -> Result<Vec<ShardSpec>> {
    let mut out = Vec::new();
    for shard in items(reply).ok_or_else(|| bad("CLUSTER SHARDS"))? {
        let mut ranges = Vec::new();
        let mut primary: Option<(NodeAddr, bool, i64)> = None;
        let mut replicas = Vec::new();
        for (k, v) in map_pairs(shard).ok_or_else(|| bad("CLUSTER SHARDS shard"))? {
            match k.as_bytes() {
                Some(b"slots") => {
                    let bounds = items(v).ok_or_else(|| bad("CLUSTER SHARDS slots"))?;
                    for pair in bounds.chunks(2) {
                        match pair {
                            [a, b] => ranges.push((
                                slot(a).ok_or_else(|| bad("CLUSTER SHARDS slot"))?,
                                slot(b).ok_or_else(|| bad("CLUSTER SHARDS slot"))?,
                            )),
                            _ => return Err(bad("CLUSTER SHARDS slots")),
                        }
                    }
                }
                Some(b"nodes") => {
                    for node in items(v).ok_or_else(|| bad("CLUSTER SHARDS nodes"))? {
                        let (mut ip, mut endpoint, mut port, mut tls_port) =
                            (None, None, None, None);
                        let (mut role, mut health) = (String::new(), String::from("online"));
                        let mut offset = 0i64;
                        for (k, v) in map_pairs(node).ok_or_else(|| bad("CLUSTER SHARDS node"))? {
                            match k.as_bytes() {
                                Some(b"ip") => ip = text(&v),
                                Some(b"endpoint") => endpoint = text(&v),
                                Some(b"port") => port = int(&v),
                                Some(b"tls-port") => tls_port = int(&v),
                                Some(b"role") => role = text(&v).unwrap_or_default(),
                                Some(b"health") => health = text(&v).unwrap_or_default(),
                                Some(b"replication-offset") => offset = int(&v).unwrap_or(0),
                                _ => {}
                            }
                        }
                        let port = if tls {
                            tls_port.or(port)
                        } else {
                            port.or(tls_port)
                        };
                        let Some(port) = port.and_then(|p| u16::try_from(p).ok()) else {
                            continue;
                        };
                        let addr = NodeAddr {
                            host: pick_host(endpoint, ip, asked_host),
                            port,
                        };
                        let online = health == "online";
                        if role == "master" {
                            // A failed former primary may still be listed: prefer one online.
                            // A former primary just resumed (after a SIGSTOP) may be online
                            // and still call itself master until it hears of its successor:
                            // prefer the one further along the replication stream, the new
                            // primary, which has taken writes since.
                            if primary.as_ref().is_none_or(|(_, was_online, was_offset)| {
                                (online, offset) > (*was_online, *was_offset)
                            }) {
                                primary = Some((addr, online, offset));
                            }
                        } else if online {
                            replicas.push(addr);
                        }
                    }
                }
                _ => {}
            }
        }
        if let (Some((primary, _, _)), false) = (primary, ranges.is_empty()) {
            out.push(ShardSpec {
                ranges,
                primary,
                replicas,
            });
        }
    }
    Ok(out)
}

/// Parses a `CLUSTER SLOTS` reply: `[[start, end, [host, port, id, ...], replicas...], ...]`.
pub(crate) fn parse_slots(reply: Value, asked_host: &str) -> Result<Vec<ShardSpec>> {
    let mut out: Vec<ShardSpec> = Vec::new();
    for entry in items(reply).ok_or_else(|| bad("CLUSTER SLOTS"))? {
        let entry = items(entry).ok_or_else(|| bad("CLUSTER SLOTS entry"))?;
        if entry.len() < 3 {
            return Err(bad("CLUSTER SLOTS entry"));
        }
        let start = slot(&entry[0]).ok_or_else(|| bad("CLUSTER SLOTS slot"))?;
        let end = slot(&entry[1]).ok_or_else(|| bad("CLUSTER SLOTS slot"))?;
        let mut nodes = Vec::new();
        for node in entry.into_iter().skip(2) {
            let node = items(node).ok_or_else(|| bad("CLUSTER SLOTS node"))?;
            let host = node.first().and_then(text);
            let port = node
                .get(1)
                .and_then(int)
                .and_then(|p| u16::try_from(p).ok())
                .ok_or_else(|| bad("CLUSTER SLOTS node port"))?;
            nodes.push(NodeAddr {
                host: pick_host(None, host, asked_host),
                port,
            });
        }
        let mut nodes = nodes.into_iter();
        let primary = nodes.next().ok_or_else(|| bad("CLUSTER SLOTS entry"))?;
        match out.iter_mut().find(|s| s.primary == primary) {
            Some(shard) => shard.ranges.push((start, end)),
            None => out.push(ShardSpec {
                ranges: vec![(start, end)],
                primary,
                replicas: nodes.collect(),
            }),
        }
    }
    Ok(out)
}

/// The marker for a slot no known node serves.
pub(crate) const NO_SHARD: u16 = u16::MAX;

/// A shard with the nodes (and their pools) that serve it.
#[derive(Clone)]
pub(crate) struct Shard {
    pub primary: Node,
    pub replicas: Vec<Node>,
}

/// The slot map: for each slot, the index of its shard.
#[derive(Clone)]
pub(crate) struct Topology {
    pub slots: Arc<[u16]>,
    pub shards: Vec<Shard>,
    /// The primaries serving at least one slot, sorted by address (computed once).
    primaries: Vec<Node>,
    /// Their replicas, sorted by address.
    replicas: Vec<Node>,
}

impl Topology {
    /// A map where no slot has an owner yet.
    pub fn empty() -> Topology {
        Topology {
            slots: vec![NO_SHARD; SLOT_COUNT as usize].into(),
            shards: Vec::new(),
            primaries: Vec::new(),
            replicas: Vec::new(),
        }
    }

    /// Builds the map from shard specs; `node` gives the registry's node for an address.
    pub fn build(
        specs: &[ShardSpec],
        mut node: impl FnMut(&NodeAddr) -> Result<Node>,
    ) -> Result<Topology> {
        let mut slots = vec![NO_SHARD; SLOT_COUNT as usize];
        let mut shards = Vec::with_capacity(specs.len());
        for spec in specs {
            let index = shards.len() as u16;
            for &(start, end) in &spec.ranges {
                for s in start..=end.min(SLOT_COUNT - 1) {
                    slots[s as usize] = index;
                }
            }
            shards.push(Shard {
                primary: node(&spec.primary)?,
                replicas: spec.replicas.iter().map(&mut node).collect::<Result<_>>()?,
            });
        }
        Ok(Topology {
            slots: slots.into(),
            shards,
            primaries: Vec::new(),
            replicas: Vec::new(),
        }
        .indexed())
    }

    /// The shard serving `slot`, if any.
    pub fn shard(&self, slot: u16) -> Option<&Shard> {
        match self.slots.get(slot as usize) {
            Some(&i) if i != NO_SHARD => self.shards.get(i as usize),
            _ => None,
        }
    }

    /// How many slots have an owner.
    pub fn covered(&self) -> usize {
        self.slots.iter().filter(|&&i| i != NO_SHARD).count()
    }

    /// This map with `slot` moved to the primary `node` (after a MOVED redirection).
    pub fn with_slot_moved(&self, slot: u16, node: Node) -> Topology {
        let mut next = self.clone();
        let index = match next.shards.iter().position(|s| s.primary.addr == node.addr) {
            Some(i) => i,
            None => {
                // The node may have been a replica (promoted since): it is one no more.
                for shard in &mut next.shards {
                    shard.replicas.retain(|r| r.addr != node.addr);
                }
                next.shards.push(Shard {
                    primary: node,
                    replicas: Vec::new(),
                });
                next.shards.len() - 1
            }
        };
        let mut slots = next.slots.to_vec();
        slots[slot as usize] = index as u16;
        next.slots = slots.into();
        next.indexed()
    }

    /// Every primary serving at least one slot, sorted by address.
    pub fn primaries(&self) -> &[Node] {
        &self.primaries
    }

    /// Every replica of a primary in [`primaries`](Self::primaries), sorted by address.
    pub fn replicas(&self) -> &[Node] {
        &self.replicas
    }

    /// This map with its node lists computed.
    fn indexed(mut self) -> Topology {
        let mut used = vec![false; self.shards.len()];
        for &i in self.slots.iter() {
            if i != NO_SHARD {
                used[i as usize] = true;
            }
        }
        let serving: Vec<&Shard> = self
            .shards
            .iter()
            .zip(used)
            .filter(|(_, u)| *u)
            .map(|(s, _)| s)
            .collect();
        let mut primaries: Vec<Node> = serving.iter().map(|s| s.primary.clone()).collect();
        let mut replicas: Vec<Node> = serving
            .iter()
            .flat_map(|s| s.replicas.iter().cloned())
            .collect();
        for list in [&mut primaries, &mut replicas] {
            list.sort_by(|a, b| a.addr.cmp(&b.addr));
            list.dedup_by(|a, b| a.addr == b.addr);
        }
        self.primaries = primaries;
        self.replicas = replicas;
        self
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn bulk(s: &str) -> Value {
        Value::Bulk(s.as_bytes().to_vec())
    }

    fn node_resp2(ip: &str, port: i64, role: &str, health: &str) -> Value {
        node_at_offset(ip, port, role, health, 10)
    }

    fn node_at_offset(ip: &str, port: i64, role: &str, health: &str, offset: i64) -> Value {
        Value::Array(vec![
            bulk("id"),
            bulk("abc"),
            bulk("port"),
            Value::Int(port),
            bulk("ip"),
            bulk(ip),
            bulk("endpoint"),
            bulk(ip),
            bulk("role"),
            bulk(role),
            bulk("replication-offset"),
            Value::Int(offset),
            bulk("health"),
            bulk(health),
        ])
    }

    #[test]
    fn shards_resp2() {
        let reply = Value::Array(vec![
            Value::Array(vec![
                bulk("slots"),
                Value::Array(vec![Value::Int(0), Value::Int(5460)]),
                bulk("nodes"),
                Value::Array(vec![
                    node_resp2("127.0.0.1", 7000, "master", "online"),
                    node_resp2("127.0.0.1", 7003, "replica", "online"),
                    node_resp2("127.0.0.1", 7006, "replica", "fail"),
                ]),
            ]),
            Value::Array(vec![
                bulk("slots"),
                Value::Array(vec![
                    Value::Int(5461),
                    Value::Int(5470),
                    Value::Int(6000),
                    Value::Int(16383),
                ]),
                bulk("nodes"),
                Value::Array(vec![
                    node_resp2("127.0.0.1", 7001, "master", "fail"),
                    node_resp2("", 7002, "master", "online"),
                ]),
            ]),
            // A primary without slots is no shard of ours.
            Value::Array(vec![
                bulk("slots"),
                Value::Array(vec![]),
                bulk("nodes"),
                Value::Array(vec![node_resp2("127.0.0.1", 7009, "master", "online")]),
            ]),
        ]);
        let shards = parse_shards(reply, "10.0.0.1", false).unwrap();
        assert_eq!(shards.len(), 2);
        assert_eq!(shards[0].ranges, vec![(0, 5460)]);
        assert_eq!(shards[0].primary.key(), "127.0.0.1:7000");
        assert_eq!(shards[0].replicas.len(), 1);
        assert_eq!(shards[0].replicas[0].port, 7003);
        assert_eq!(shards[1].ranges, vec![(5461, 5470), (6000, 16383)]);
        // The online primary wins over the failed one; no endpoint means the asked host.
        assert_eq!(shards[1].primary.key(), "10.0.0.1:7002");
    }

    #[test]
    fn of_two_online_primaries_the_one_further_along_wins() {
        let shard = |nodes: Vec<Value>| {
            Value::Array(vec![Value::Array(vec![
                bulk("slots"),
                Value::Array(vec![Value::Int(0), Value::Int(16383)]),
                bulk("nodes"),
                Value::Array(nodes),
            ])])
        };
        for (a, b, want) in [(500, 900, 7001), (900, 500, 7000)] {
            let reply = shard(vec![
                node_at_offset("127.0.0.1", 7000, "master", "online", a),
                node_at_offset("127.0.0.1", 7001, "master", "online", b),
            ]);
            let shards = parse_shards(reply, "h", false).unwrap();
            assert_eq!(shards[0].primary.port, want);
        }
        // Online still beats failed, whatever the offsets.
        let reply = shard(vec![
            node_at_offset("127.0.0.1", 7000, "master", "online", 1),
            node_at_offset("127.0.0.1", 7001, "master", "fail", 900),
        ]);
        assert_eq!(
            parse_shards(reply, "h", false).unwrap()[0].primary.port,
            7000
        );
    }

    #[test]
    fn shards_resp3_map() {
        let node = Value::Map(vec![
            (bulk("port"), Value::Int(7000)),
            (bulk("ip"), bulk("::1")),
            (bulk("endpoint"), bulk("::1")),
            (bulk("role"), bulk("master")),
            (bulk("health"), bulk("online")),
        ]);
        let reply = Value::Array(vec![Value::Map(vec![
            (
                bulk("slots"),
                Value::Array(vec![Value::Int(0), Value::Int(16383)]),
            ),
            (bulk("nodes"), Value::Array(vec![node])),
        ])]);
        let shards = parse_shards(reply, "x", false).unwrap();
        assert_eq!(shards[0].primary.key(), "[::1]:7000");
    }

    #[test]
    fn slots_reply() {
        let entry = |a: i64, b: i64, ports: &[i64]| {
            let mut e = vec![Value::Int(a), Value::Int(b)];
            for p in ports {
                e.push(Value::Array(vec![
                    bulk("127.0.0.1"),
                    Value::Int(*p),
                    bulk("id"),
                ]));
            }
            Value::Array(e)
        };
        let reply = Value::Array(vec![
            entry(0, 100, &[7000, 7003]),
            entry(101, 200, &[7001]),
            entry(201, 16383, &[7000, 7003]),
        ]);
        let shards = parse_slots(reply, "h").unwrap();
        assert_eq!(shards.len(), 2);
        assert_eq!(shards[0].ranges, vec![(0, 100), (201, 16383)]);
        assert_eq!(shards[0].replicas[0].port, 7003);
        assert!(parse_slots(Value::Int(1), "h").is_err());
        assert!(parse_shards(Value::Array(vec![Value::Int(3)]), "h", false).is_err());
    }

    #[test]
    fn redirect_addresses() {
        assert_eq!(
            NodeAddr::parse("127.0.0.1:7001", "x").unwrap().key(),
            "127.0.0.1:7001"
        );
        assert_eq!(
            NodeAddr::parse("::1:7001", "x").unwrap().key(),
            "[::1]:7001"
        );
        assert_eq!(NodeAddr::parse(":7001", "h").unwrap().key(), "h:7001");
        assert!(NodeAddr::parse("nope", "h").is_none());
        assert!(NodeAddr::parse("h:99999", "h").is_none());
    }
}
