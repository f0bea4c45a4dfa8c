//! The options of the SCAN family (SCAN, HSCAN, SSCAN, ZSCAN and Valkey's CLUSTERSCAN), in
//! one place.
//!
//! Every command of the family takes `[MATCH pattern] [COUNT count]`, and some one more
//! filter or flag. The public types keep the fields each had at v0.1.0 (so struct literals
//! keep compiling); they are re-exported by their group's module
//! (`commands::keys::ScanOptions`, `commands::hashes::HScanOptions`, ...). One encoder,
//! [`ScanArgs::apply`], writes the arguments of all of them.

use crate::cmd::Cmd;

/// Everything a SCAN-family command can take, in the order the servers document it.
#[derive(Default)]
struct ScanArgs {
    pattern: Option<String>,
    count: Option<u64>,
    type_: Option<String>,
    slot: Option<u16>,
    novalues: bool,
    noscores: bool,
}

impl ScanArgs {
    /// Appends `[MATCH pattern] [COUNT count] [TYPE type] [SLOT slot] [NOVALUES] [NOSCORES]`.
    fn apply(self, c: Cmd) -> Cmd {
        c.opt_token("MATCH", self.pattern)
            .opt_token("COUNT", self.count)
            .opt_token("TYPE", self.type_)
            .opt_token("SLOT", self.slot)
            .arg_if(self.novalues, "NOVALUES")
            .arg_if(self.noscores, "NOSCORES")
    }
}

/// Declares `new`, `pattern` and `count` (and the crate's encoder) for a scan options type
/// whose pattern field is `pattern`; `$what` names what is scanned, for the docs.
macro_rules! scan_builders {
    ($ty:ident, $what:literal, |$o:ident| $args:expr) => {
        impl $ty {
            /// No options.
            pub fn new() -> $ty {
                $ty::default()
            }

            #[doc = concat!("Only ", $what, " matching the glob-style `pattern` (`MATCH`).")]
            pub fn pattern(mut self, pattern: impl Into<String>) -> $ty {
                self.pattern = Some(pattern.into());
                self
            }

            #[doc = concat!("A hint of how many ", $what, " to look at per call (`COUNT`).")]
            pub fn count(mut self, count: u64) -> $ty {
                self.count = Some(count);
                self
            }

            /// Appends the options to `c`.
            #[doc(hidden)]
            pub fn apply(self, c: Cmd) -> Cmd {
                let $o = self;
                $args.apply(c)
            }
        }
    };
}

/// The options of [`scan`](crate::StrictRedis::scan): `[MATCH pattern] [COUNT count] [TYPE
/// type]`. A plain struct: set the fields you need and take the rest from `Default`, or use
/// the builder methods.
///
/// ```
/// use strictredis::commands::keys::ScanOptions;
/// let opts = ScanOptions::new().pattern("user:*").count(100).type_("hash");
/// assert_eq!(opts.count, Some(100));
/// ```
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash)]
pub struct ScanOptions {
    /// `MATCH pattern`: only keys matching this glob-style pattern.
    pub pattern: Option<String>,
    /// `COUNT count`: a hint of how much work one call does.
    pub count: Option<u64>,
    /// `TYPE type`: only keys holding this type (`string`, `hash`, ...; Redis 6.0.0+).
    pub type_: Option<String>,
}

scan_builders!(ScanOptions, "keys", |o| ScanArgs {
    pattern: o.pattern,
    count: o.count,
    type_: o.type_,
    ..ScanArgs::default()
});

impl ScanOptions {
    /// Only keys of this type.
    pub fn type_(mut self, type_: impl Into<String>) -> ScanOptions {
        self.type_ = Some(type_.into());
        self
    }
}

/// The options of [`sscan`](crate::StrictRedis::sscan): `MATCH` and `COUNT`.
///
/// ```
/// use strictredis::commands::sets::SScanOptions;
/// let opts = SScanOptions::default().pattern("a*").count(100);
/// # let _ = opts;
/// ```
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash)]
pub struct SScanOptions {
    /// `MATCH pattern`: only members matching this glob-style pattern.
    pub pattern: Option<String>,
    /// `COUNT count`: a hint of how much work to do per call.
    pub count: Option<u64>,
}

scan_builders!(SScanOptions, "members", |o| ScanArgs {
    pattern: o.pattern,
    count: o.count,
    ..ScanArgs::default()
});

/// The options of [`hscan`](crate::StrictRedis::hscan): `MATCH`, `COUNT` and (Valkey 8.0+)
/// `NOVALUES`.
///
/// ```
/// use strictredis::commands::hashes::HScanOptions;
/// let opts = HScanOptions::default().pattern("user:*").count(100);
/// # let _ = opts;
/// ```
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash)]
pub struct HScanOptions {
    /// `MATCH pattern`: only fields matching this glob-style pattern.
    pub pattern: Option<String>,
    /// `COUNT count`: a hint of how much work to do per call.
    pub count: Option<u64>,
    /// `NOVALUES`: return field names only (Valkey 8.0+).
    pub novalues: bool,
}

scan_builders!(HScanOptions, "fields", |o| ScanArgs {
    pattern: o.pattern,
    count: o.count,
    novalues: o.novalues,
    ..ScanArgs::default()
});

impl HScanOptions {
    /// Field names only, without values (`NOVALUES`, Valkey 8.0+).
    pub fn novalues(mut self) -> Self {
        self.novalues = true;
        self
    }
}

/// The options of [`zscan`](crate::StrictRedis::zscan): `MATCH`, `COUNT` and (Valkey 8.0+)
/// `NOSCORES`.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash)]
pub struct ZScanOptions {
    /// `MATCH pattern`: only members matching this glob-style pattern.
    pub pattern: Option<String>,
    /// `COUNT count`: a hint of how much work to do per call.
    pub count: Option<u64>,
    /// `NOSCORES`: return members only (Valkey 8.0+).
    pub noscores: bool,
}

scan_builders!(ZScanOptions, "members", |o| ScanArgs {
    pattern: o.pattern,
    count: o.count,
    noscores: o.noscores,
    ..ScanArgs::default()
});

impl ZScanOptions {
    /// Members only, without scores (`NOSCORES`, Valkey 8.0+).
    pub fn noscores(mut self) -> Self {
        self.noscores = true;
        self
    }
}

/// Options of Valkey's CLUSTERSCAN.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash)]
pub struct ClusterScanOptions {
    /// `MATCH pattern`: only keys matching this glob pattern.
    pub match_pattern: Option<String>,
    /// `COUNT n`: about this many keys per call.
    pub count: Option<u64>,
    /// `TYPE type`: only keys of this type (`string`, `hash`, ...).
    pub type_: Option<String>,
    /// `SLOT n`: only this slot.
    pub slot: Option<u16>,
}

impl ClusterScanOptions {
    pub(crate) fn apply(self, c: Cmd) -> Cmd {
        ScanArgs {
            pattern: self.match_pattern,
            count: self.count,
            type_: self.type_,
            slot: self.slot,
            ..ScanArgs::default()
        }
        .apply(c)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cmd::cmd;

    use crate::commands::test_args as args;

    #[test]
    fn every_type_writes_its_arguments_in_order() {
        let c = ScanOptions::new()
            .type_("hash")
            .count(10)
            .pattern("u:*")
            .apply(cmd("SCAN").arg(0u64));
        assert_eq!(
            args(&c),
            ["SCAN", "0", "MATCH", "u:*", "COUNT", "10", "TYPE", "hash"]
        );
        let c = SScanOptions::new().count(3).apply(cmd("SSCAN"));
        assert_eq!(args(&c), ["SSCAN", "COUNT", "3"]);
        let c = ClusterScanOptions {
            match_pattern: Some("k*".into()),
            slot: Some(7),
            ..ClusterScanOptions::default()
        }
        .apply(cmd("CLUSTERSCAN").arg("0"));
        assert_eq!(args(&c), ["CLUSTERSCAN", "0", "MATCH", "k*", "SLOT", "7"]);
        assert_eq!(args(&ScanOptions::new().apply(cmd("SCAN"))), ["SCAN"]);
    }
}
