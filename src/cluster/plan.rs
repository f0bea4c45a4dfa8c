//! Where a command goes: the routing plans (one node, split per slot, fan-out, SCAN).

use std::borrow::Cow;

use super::pipeline::{Job, Merge, Plan};
use super::routing::{self, Agg, KeySpec, Name, Policy};
use super::{
    common_slot, cross_slot_error, key_slot, primary_only, Node, RedisCluster, Target,
    SCAN_NODE_SHIFT, SLOT_COUNT,
};
use crate::cmd::{cmd, Cmd};
use crate::error::{Error, Result};
use crate::from_value::FromValue;
use crate::value::Value;

impl RedisCluster {
    /// Works out where a command goes: the slow path of [`request`](Self::request), and
    /// every pipeline command.
    pub(crate) fn plan<'a>(&self, cmd: &'a Cmd) -> Result<Plan<'a>> {
        let mut keys = cmd.key_args();
        if let Some(first) = keys.next() {
            let slot = key_slot(first);
            if keys.all(|k| key_slot(k) == slot) {
                return Ok(Plan::single(cmd, self.slot_target(slot, cmd)));
            }
        }
        let name = Name::of(cmd);
        let args: Vec<&[u8]> = cmd.args_iter().collect();
        let positions = if cmd.has_keys() {
            routing::marked_key_positions(cmd)
        } else {
            if let Some(policy) = routing::keyless_policy(&name) {
                return self.plan_keyless(policy, cmd, &args);
            }
            match self.key_spec(&name)? {
                None => Vec::new(),
                Some(spec) => match routing::key_positions(spec, cmd) {
                    Some(p) => p,
                    None => {
                        let keys = self.server_keys(cmd)?;
                        return Ok(
                            match common_slot(keys.iter().map(Vec::as_slice), &cmd.display_name())?
                            {
                                Some(slot) => Plan::single(cmd, self.slot_target(slot, cmd)),
                                None => Plan::single(cmd, Target::AnyPrimary),
                            },
                        );
                    }
                },
            }
        };
        let slots: Vec<u16> = positions
            .iter()
            .map(|&i| key_slot(args.get(i).copied().unwrap_or_default()))
            .collect();
        match slots.first() {
            None => return Ok(Plan::single(cmd, Target::AnyPrimary)),
            Some(&first) if slots.iter().all(|&s| s == first) => {
                return Ok(Plan::single(cmd, self.slot_target(first, cmd)))
            }
            Some(_) => {}
        }
        match routing::split_kind(&name) {
            Some(kind) => self.plan_split(kind, &args, &positions, &slots),
            None => Err(cross_slot_error(&cmd.display_name(), &slots)),
        }
    }

    /// [`plan`](Self::plan) for a command of a pipeline: every job on a primary, whatever
    /// [`ReadFrom`](super::ReadFrom) says, so that a pipeline's reads see its own writes.
    pub(crate) fn plan_on_primaries<'a>(&self, cmd: &'a Cmd) -> Result<Plan<'a>> {
        let mut plan = self.plan(cmd)?;
        for job in &mut plan.jobs {
            job.target = primary_only(&job.target);
        }
        Ok(plan)
    }

    fn plan_split<'a>(
        &self,
        kind: routing::SplitKind,
        args: &[&[u8]],
        positions: &[usize],
        slots: &[u16],
    ) -> Result<Plan<'a>> {
        let name = String::from_utf8_lossy(args[0]).into_owned();
        // Keys grouped by slot, each group in the caller's order.
        let mut groups: Vec<(u16, Vec<usize>)> = Vec::new();
        for (ord, &slot) in slots.iter().enumerate() {
            match groups.iter_mut().find(|(s, _)| *s == slot) {
                Some((_, g)) => g.push(ord),
                None => groups.push((slot, vec![ord])),
            }
        }
        let mut jobs = Vec::with_capacity(groups.len());
        let mut parts = Vec::with_capacity(groups.len());
        for (slot, ords) in groups {
            let mut part = Cmd::new(&name);
            for &ord in &ords {
                let at = positions[ord];
                part = part.key(args[at]);
                if kind == routing::SplitKind::Pairs {
                    let value = args
                        .get(at + 1)
                        .ok_or_else(|| Error::Config(format!("{name}: a key without a value")))?;
                    part = part.arg(*value);
                }
            }
            let target = self.slot_target(slot, &part);
            jobs.push(Job {
                cmd: Cow::Owned(part),
                target,
            });
            parts.push(ords);
        }
        Ok(Plan {
            jobs,
            merge: Merge::Split {
                kind,
                parts,
                total: positions.len(),
            },
        })
    }

    fn plan_keyless<'a>(&self, policy: Policy, cmd: &'a Cmd, args: &[&[u8]]) -> Result<Plan<'a>> {
        let fan_out = |nodes: Vec<Node>, agg| -> Result<Plan<'a>> {
            if nodes.is_empty() {
                return Err(Error::no_node("no node is known to serve any slot"));
            }
            Ok(Plan {
                jobs: nodes
                    .into_iter()
                    .map(|n| Job {
                        cmd: Cow::Borrowed(cmd),
                        target: Target::Node(n),
                    })
                    .collect(),
                merge: Merge::Agg(agg),
            })
        };
        match policy {
            Policy::AnyPrimary => Ok(Plan::single(cmd, Target::AnyPrimary)),
            Policy::AllPrimaries(Agg::FirstNonNil) => {
                // RANDOMKEY: each call starts at another primary, so that the key is not
                // always the first primary's.
                let mut nodes = self.topology().primaries().to_vec();
                if !nodes.is_empty() {
                    let turn = self.next_turn() % nodes.len();
                    nodes.rotate_left(turn);
                }
                fan_out(nodes, Agg::FirstNonNil)
            }
            Policy::AllPrimaries(agg) => fan_out(self.topology().primaries().to_vec(), agg),
            Policy::AllNodes(agg) => {
                let topo = self.topology();
                let mut nodes = topo.primaries().to_vec();
                nodes.extend_from_slice(topo.replicas());
                fan_out(nodes, agg)
            }
            Policy::SlotArg(i) => {
                let slot = args
                    .get(i)
                    .and_then(|a| std::str::from_utf8(a).ok())
                    .and_then(|a| a.parse::<u16>().ok())
                    .filter(|&s| s < SLOT_COUNT);
                Ok(match slot {
                    Some(slot) => Plan::single(
                        cmd,
                        Target::Slot {
                            slot,
                            replica: false,
                        },
                    ),
                    None => Plan::single(cmd, Target::AnyPrimary),
                })
            }
            Policy::Scan => self.plan_scan(cmd, args),
        }
    }

    /// SCAN over the whole cluster: the cursor's top 16 bits index the primaries (sorted by
    /// address), the rest is that node's own cursor.
    fn plan_scan<'a>(&self, cmd: &'a Cmd, args: &[&[u8]]) -> Result<Plan<'a>> {
        let Some(cursor) = args
            .get(1)
            .and_then(|a| std::str::from_utf8(a).ok())
            .and_then(|a| a.parse::<u64>().ok())
        else {
            // Let a node say what is wrong with it.
            return Ok(Plan::single(cmd, Target::AnyPrimary));
        };
        let topo = self.topology();
        let primaries = topo.primaries();
        let index = (cursor >> SCAN_NODE_SHIFT) as usize;
        let Some(node) = primaries.get(index) else {
            return Err(Error::cluster(format!(
                "SCAN cursor {cursor} names primary #{index}, but the cluster has {} primaries \
                 now (the topology changed during the scan): start again from 0",
                primaries.len()
            )));
        };
        let mut part = Cmd::new("SCAN").arg(cursor & ((1u64 << SCAN_NODE_SHIFT) - 1));
        for a in &args[2..] {
            part = part.arg(*a);
        }
        Ok(Plan {
            jobs: vec![Job {
                cmd: Cow::Owned(part),
                target: Target::Node(node.clone()),
            }],
            merge: Merge::Scan {
                index,
                count: primaries.len(),
            },
        })
    }

    /// Key positions of a command whose keys were not marked: the static table, else
    /// `COMMAND INFO` (asked once per command name). `None` for a command the server does
    /// not know.
    fn key_spec(&self, name: &Name) -> Result<Option<KeySpec>> {
        if let Some(spec) = routing::static_key_spec(name) {
            return Ok(Some(spec));
        }
        let info_name = name.info_name();
        if let Some(spec) = self.inner.specs.read().get(&info_name) {
            return Ok(*spec);
        }
        let reply = self.run_one(
            &Target::AnyPrimary,
            &cmd("COMMAND").arg("INFO").arg(info_name.as_str()),
        )?;
        let spec = match reply {
            Value::Array(mut items) if items.len() == 1 => {
                items.pop().and_then(routing::key_spec_from_info)
            }
            _ => None,
        };
        self.inner.specs.write().insert(info_name, spec);
        Ok(spec)
    }

    /// The keys of a command whose key positions depend on its arguments, from
    /// `COMMAND GETKEYS`. A command the server finds no keys in has none.
    fn server_keys(&self, c: &Cmd) -> Result<Vec<Vec<u8>>> {
        let mut ask = cmd("COMMAND").arg("GETKEYS");
        for a in c.args_iter() {
            ask = ask.arg(a);
        }
        match self.run_one(&Target::AnyPrimary, &ask) {
            Ok(v) => Vec::<Vec<u8>>::from_value(v),
            Err(Error::Server(_)) => Ok(Vec::new()),
            Err(e) => Err(e),
        }
    }

    /// The slot every key of `cmd` is in (`None`: no keys), for transactions.
    pub(crate) fn slot_of(&self, cmd: &Cmd) -> Result<Option<u16>> {
        if cmd.has_keys() {
            return common_slot(cmd.key_args(), &cmd.display_name());
        }
        let name = Name::of(cmd);
        match routing::keyless_policy(&name) {
            Some(Policy::AnyPrimary) => return Ok(None),
            Some(Policy::SlotArg(_)) => return Ok(None),
            // RANDOMKEY in a transaction: a key of the transaction's node, as before.
            Some(Policy::AllPrimaries(Agg::FirstNonNil)) => return Ok(None),
            Some(_) => {
                return Err(Error::cluster(format!(
                    "{} runs on several nodes and cannot be part of a cluster transaction",
                    cmd.display_name()
                )))
            }
            None => {}
        }
        let keys: Vec<Vec<u8>> = match self.key_spec(&name)? {
            None => Vec::new(),
            Some(spec) => match routing::key_positions(spec, cmd) {
                Some(p) => p
                    .into_iter()
                    .filter_map(|i| cmd.nth_arg(i).map(<[u8]>::to_vec))
                    .collect(),
                None => self.server_keys(cmd)?,
            },
        };
        common_slot(keys.iter().map(Vec::as_slice), &cmd.display_name())
    }
}
