//! Every path users import at v0.1.0 still compiles (issue 17): the crate root's
//! re-exports, `strictredis::commands::<group>::Type`, `strictredis::cluster::*`,
//! `strictredis::sentinel::*`, `strictredis::resp`, and the types of the other modules that
//! were public at v0.1.0 (private since 0.2.0: their types are named at the root). No server is needed: the file compiling is most of the test.
//!
//! The lists were enumerated once from the v0.1.0 sources (`git show v0.1.0:src/...`: every
//! column-0 `pub struct|enum|type|trait|fn|const` and `pub use` of each public module), so a
//! refactor that drops or renames one of them fails to build here. Moving this file (into a
//! test binary with modules, say) is fine; removing a line is not, unless the path it names
//! stays importable elsewhere under the same name and the CHANGELOG says so.
//! `scripts/semver-check.sh` checks the same surface and more against the tag.

// The crate root's re-exports.
mod root {
    pub use strictredis::{
        cmd, ClientBuilder, Cmd, Connection, ConnectionAddr, ConnectionInfo, ConnectionPool,
        Connector, Error, FieldValues, FromValue, Lock, LockGuard, Message, MessageKind, Pipeline,
        PoolConfig, PooledConnection, Protocol, PubSub, Result, RetryPolicy, ScanIter, ScanOptions,
        ScoreMembers, Script, ScriptInvocation, ScriptTarget, ServerError, StrictRedis, ToArg,
        ToArgs, Value,
    };
}

// `strictredis::commands::<group>::Type`: every pub struct, enum, type alias and trait of
// src/commands/*.rs at v0.1.0, and the groups' public constants.
mod commands_bitmaps {
    pub use strictredis::commands::bitmaps::{
        BitField, BitFieldOffset, BitFieldOverflow, BitFieldRo, BitFieldType, BitOp, BitRange,
        BitUnit,
    };
}
mod commands_cluster {
    pub use strictredis::commands::cluster::{
        ClusterFailoverMode, ClusterInfo, ClusterLink, ClusterNode, ClusterResetMode,
        ClusterScanOptions, ClusterSetSlot, ClusterShard, ClusterSlotRange, ClusterSlotStatsFilter,
        ClusterSlotStatsOrder, ShardNode, SlotMigration, SlotNode, SlotStats,
    };
}
mod commands_connection {
    pub use strictredis::commands::connection::{
        ClientFilter, ClientInfo, ClientList, ClientNotFilter, ClientPauseMode, ClientReplyMode,
        ClientSetInfoAttr, ClientTrackingOptions, ClientType, ClientUnblockMode, HelloOptions,
        HelloReply, TrackingInfo,
    };
}
mod commands_geo {
    pub use strictredis::commands::geo::{
        GeoAddCondition, GeoAddOptions, GeoBy, GeoFrom, GeoMembers, GeoOrder, GeoSearchOptions,
        GeoSearchResult, GeoSearchStoreOptions, GeoUnit,
    };
}
mod commands_hashes {
    pub use strictredis::commands::hashes::{
        HExpireCondition, HGetExExpiry, HScanOptions, HSetExCondition, HSetExExpiry,
        HSetExFieldCondition, HSetExOptions,
    };
}
mod commands_keys {
    pub use strictredis::commands::keys::{
        ExpireCondition, MigrateAuth, MigrateOptions, RestoreOptions, ScanOptions, SortOptions,
        SortOrder,
    };
}
mod commands_lists {
    pub use strictredis::commands::lists::{LInsertPosition, LPosOptions, ListDirection};
}
mod commands_scripting {
    pub use strictredis::commands::scripting::{
        FunctionEngineStats, FunctionInfo, FunctionLibrary, FunctionListOptions,
        FunctionRestorePolicy, FunctionStats, RunningFunction, ScriptDebugMode, ScriptFlushMode,
        NO_ARGS, NO_KEYS,
    };
}
mod commands_server {
    pub use strictredis::commands::server::{
        AclLogEntry, AclUser, BgsaveMode, CommandDoc, CommandDocArgument, CommandInfo,
        CommandListFilter, CommandLogEntry, CommandLogType, FailoverOptions, FlushMode, Info,
        LatencyHistogram, LatencyLatest, MemoryStats, ModuleInfo, ModuleLoadexOptions, ReplicaOf,
        Role, RoleReplica, ShutdownOptions, ShutdownSave, SlowlogEntry, NO_ARGS,
    };
}
mod commands_sets {
    pub use strictredis::commands::sets::SScanOptions;
}
mod commands_sorted_sets {
    pub use strictredis::commands::sorted_sets::{
        LexBound, ScoreBound, ZAddComparison, ZAddCondition, ZAddOptions, ZAggregate,
        ZCombineOptions, ZPopSide, ZRange, ZScanOptions,
    };
}
mod commands_streams {
    pub use strictredis::commands::streams::{
        PendingEntry, PendingSummary, StreamEntries, StreamEntry, StreamReadReply, StreamTrim,
        StreamTrimOperator, StreamTrimStrategy, XAddOptions, XAutoClaim, XClaimOptions,
        XGroupCreateOptions, XInfoConsumer, XInfoFullConsumer, XInfoFullConsumerPending,
        XInfoFullGroup, XInfoFullGroupPending, XInfoGroup, XInfoStream, XInfoStreamFull,
        XPendingOptions, XReadGroupOptions, XReadOptions, XSetIdOptions,
    };
}
mod commands_strings {
    pub use strictredis::commands::strings::{
        Exists, Expiry, GetExExpiry, LcsIdx, LcsMatch, MsetexOptions, SetOptions,
    };
}

// `strictredis::cluster::*` and `strictredis::sentinel::*`: everything public at v0.1.0.
mod cluster {
    pub use strictredis::cluster::{
        crc16, hash_tag, key_slot, ClusterBuilder, ClusterPipeline, ClusterScanIter, RedisCluster,
        DEFAULT_MAX_REDIRECTS, SLOT_COUNT,
    };
}
mod sentinel {
    pub use strictredis::sentinel::{Sentinel, SentinelBuilder, DEFAULT_MAX_RETRIES};
}

// `strictredis::resp`, the documented codec.
mod resp {
    pub use strictredis::resp::{
        decode_one, encode_value, Decoder, DEFAULT_MAX_BULK_LEN, MAX_DEPTH,
    };
}

// The types of the other public modules at v0.1.0. Those modules are private since 0.2.0
// (issue 10): each line names the root path that replaces the module path (CHANGELOG,
// "Removed"); a type is never dropped from here while v0.1.0 users can name it.
mod other_args {
    // was strictredis::args::*
    pub use strictredis::{FieldValues, ScoreMembers, ToArg, ToArgs};
}
mod other_client {
    // was strictredis::client::*
    pub use strictredis::{ClientBuilder, StrictRedis};
}
mod other_cmd {
    // was strictredis::cmd::*
    pub use strictredis::{cmd, ArgsIter, BlockingTimeout, Cmd};
}
#[allow(deprecated)]
mod other_config {
    // was strictredis::config::*
    pub use strictredis::{
        ConnectionAddr, ConnectionInfo, Options, PoolOverrides, Protocol, TlsOptions,
        DEFAULT_CONNECT_TIMEOUT, DEFAULT_HOST, DEFAULT_PORT, DEFAULT_READ_TIMEOUT,
        DEFAULT_WRITE_TIMEOUT,
    };
}
mod other_connection {
    // was strictredis::connection::*
    pub use strictredis::Connection;
}
mod other_error {
    // was strictredis::error::*
    pub use strictredis::{Error, Result, ServerError};
}
mod other_from_value {
    // was strictredis::from_value::*
    pub use strictredis::FromValue;
}
mod other_lock {
    // was strictredis::lock::*
    pub use strictredis::{Lock, LockGuard};
}
mod other_pipeline {
    // was strictredis::pipeline::*
    pub use strictredis::Pipeline;
}
mod other_pool {
    // was strictredis::pool::*
    pub use strictredis::{ConnectionPool, Connector, PoolConfig, PooledConnection};
}
mod other_pubsub {
    // was strictredis::pubsub::*
    pub use strictredis::{Listen, Message, MessageKind, PubSub};
}
mod other_retry {
    // was strictredis::retry::*
    pub use strictredis::{is_read_only, is_read_only_name, read_only_commands, RetryPolicy};
}
mod other_scan {
    // was strictredis::scan::*
    pub use strictredis::{ScanIter, ScanOptions};
}
mod other_script {
    // was strictredis::script::*
    pub use strictredis::{Script, ScriptInvocation, ScriptTarget};
}
mod other_value {
    // was strictredis::value::*
    pub use strictredis::Value;
}
mod other_resp_decode {
    pub use strictredis::resp::decode::Decoder;
}

/// A few of the paths above, used: each names the type users expect.
#[test]
fn public_paths_name_their_types() {
    use std::any::type_name;

    fn last(path: &str) -> &str {
        let base = path.split('<').next().unwrap_or(path);
        base.rsplit("::").next().unwrap_or(base)
    }

    let names = [
        type_name::<root::StrictRedis>(),
        type_name::<root::ConnectionInfo>(),
        type_name::<root::Value>(),
        type_name::<root::Error>(),
        type_name::<root::Pipeline>(),
        type_name::<root::ScanOptions>(),
        type_name::<commands_strings::SetOptions>(),
        type_name::<commands_keys::ScanOptions>(),
        type_name::<commands_streams::StreamEntry>(),
        type_name::<cluster::RedisCluster>(),
        type_name::<cluster::ClusterBuilder>(),
        type_name::<sentinel::Sentinel>(),
        type_name::<sentinel::SentinelBuilder>(),
        type_name::<resp::Decoder>(),
        type_name::<other_config::TlsOptions>(),
    ];
    let expected = [
        "StrictRedis",
        "ConnectionInfo",
        "Value",
        "Error",
        "Pipeline",
        "ScanOptions",
        "SetOptions",
        "ScanOptions",
        "StreamEntry",
        "RedisCluster",
        "ClusterBuilder",
        "Sentinel",
        "SentinelBuilder",
        "Decoder",
        "TlsOptions",
    ];
    for (name, want) in names.iter().zip(expected) {
        assert!(name.starts_with("strictredis::"), "{name}");
        assert_eq!(last(name), want, "{name}");
    }

    // Functions and constants users call by path.
    assert_eq!(cluster::key_slot(b"foo"), 12182);
    assert_eq!(cluster::SLOT_COUNT, 16384);
    assert_eq!(root::cmd("PING").name(), b"PING");
    let mut buf = Vec::new();
    resp::encode_value(&root::Value::Int(1), &mut buf);
    assert_eq!(buf, b":1\r\n");
}
