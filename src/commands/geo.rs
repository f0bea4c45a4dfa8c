//! Geospatial commands: GEOADD, GEODIST, GEOPOS, GEOSEARCH and friends.
//!
//! Members are added as `(longitude, latitude, member)` triples. Searches return
//! [`GeoSearchResult`]s whatever WITHDIST / WITHHASH / WITHCOORD you ask for: the fields you
//! did not ask for are `None`.

use crate::args::ToArg;
use crate::cmd::Cmd;
use crate::error::Result;
use crate::from_value::FromValue;
use crate::value::Value;

/// The geo command table; see [the module docs](crate::commands).
macro_rules! geo_commands {
    ($emit:ident $($pre:tt)*) => {
        $crate::commands::geo::georadius_entries! { $emit [$($pre)*
            /// Add `(longitude, latitude, member)` triples to the geo index at `key`
            /// (a sorted set); returns how many members were added.
            ///
            /// Redis 3.2.0+.
            ///
            /// ```no_run
            /// # let r = strictredis::StrictRedis::from_url("redis://127.0.0.1/")?;
            /// let added: u64 = r.geoadd(
            ///     "sicily",
            ///     &[(13.361389, 38.115556, "Palermo"), (15.087269, 37.502669, "Catania")],
            /// )?;
            /// # Ok::<(), strictredis::Error>(())
            /// ```
            fn geoadd(key: impl ToArg, members: impl GeoMembers) -> u64 {
                geo_members(cmd("GEOADD").key(key), members)
            }

            /// GEOADD with NX / XX / CH; returns how many members were added (with CH: added
            /// or changed).
            ///
            /// Redis 6.2.0+.
            ///
            /// ```no_run
            /// use strictredis::commands::geo::GeoAddOptions;
            /// # let r = strictredis::StrictRedis::from_url("redis://127.0.0.1/")?;
            /// let changed: u64 = r.geoadd_options(
            ///     "sicily",
            ///     &[(13.36, 38.11, "Palermo")],
            ///     GeoAddOptions::default().xx().ch(),
            /// )?;
            /// # Ok::<(), strictredis::Error>(())
            /// ```
            fn geoadd_options(
                key: impl ToArg,
                members: impl GeoMembers,
                options: GeoAddOptions,
            ) -> u64 {
                geo_members(options.apply(cmd("GEOADD").key(key)), members)
            }

            /// The distance between two members, in `unit` (metres by default); `None` when
            /// either is missing.
            ///
            /// Redis 3.2.0+.
            ///
            /// ```no_run
            /// use strictredis::commands::geo::GeoUnit;
            /// # let r = strictredis::StrictRedis::from_url("redis://127.0.0.1/")?;
            /// let km: Option<f64> = r.geodist("sicily", "Palermo", "Catania", Some(GeoUnit::Km))?;
            /// # Ok::<(), strictredis::Error>(())
            /// ```
            fn geodist(
                key: impl ToArg,
                member1: impl ToArg,
                member2: impl ToArg,
                unit: Option<GeoUnit>,
            ) -> Option<f64> {
                cmd("GEODIST")
                    .key(key)
                    .arg(member1)
                    .arg(member2)
                    .opt_arg(unit.map(GeoUnit::as_str))
            }

            /// The 11-character geohash of each member; `None` for missing members.
            ///
            /// Redis 3.2.0+.
            fn geohash(key: impl ToArg, members: impl ToArgs) -> Vec<Option<String>> {
                cmd("GEOHASH").key(key).args(members)
            }

            /// The `(longitude, latitude)` of each member; `None` for missing members.
            ///
            /// Redis 3.2.0+.
            fn geopos(key: impl ToArg, members: impl ToArgs) -> Vec<Option<(f64, f64)>> {
                cmd("GEOPOS").key(key).args(members)
            }

        ]
        // GEORADIUS and GEORADIUSBYMEMBER, plain, read-only and storing: one shape each but
        // for the center (a point or a member).
        search {
            /// Members within `radius` of a point (deprecated since 6.2.0 for
            /// [`geosearch`](Self::geosearch)).
            ///
            /// Redis 3.2.0+.
            fn georadius(longitude: f64, latitude: f64) = georadius_head("GEORADIUS");

            /// The read-only GEORADIUS (deprecated since 6.2.0 for
            /// [`geosearch`](Self::geosearch)).
            ///
            /// Redis 3.2.10+.
            fn georadius_ro(longitude: f64, latitude: f64) = georadius_head("GEORADIUS_RO");

            /// Members within `radius` of another member (deprecated since 6.2.0 for
            /// [`geosearch`](Self::geosearch)).
            ///
            /// Redis 3.2.0+.
            fn georadiusbymember(member: impl ToArg)
                = georadiusbymember_head("GEORADIUSBYMEMBER");

            /// The read-only GEORADIUSBYMEMBER (deprecated since 6.2.0 for
            /// [`geosearch`](Self::geosearch)).
            ///
            /// Redis 3.2.10+.
            fn georadiusbymember_ro(member: impl ToArg)
                = georadiusbymember_head("GEORADIUSBYMEMBER_RO");
        }
        store {
            /// GEORADIUS with STORE (or STOREDIST with `options.storedist`): stores the
            /// members found in the sorted set `dest`; returns how many.
            ///
            /// Redis 3.2.0+.
            #[allow(clippy::too_many_arguments)]
            fn georadius_store(longitude: f64, latitude: f64) = georadius_head("GEORADIUS");

            /// GEORADIUSBYMEMBER with STORE (or STOREDIST with `options.storedist`); returns
            /// how many members were stored in `dest`.
            ///
            /// Redis 3.2.0+.
            fn georadiusbymember_store(member: impl ToArg)
                = georadiusbymember_head("GEORADIUSBYMEMBER");
        }
            /// Members inside a circle or a box around a member or a point, with their
            /// distance, geohash and coordinates as `options` asks.
            ///
            /// Redis 6.2.0+.
            ///
            /// ```no_run
            /// use strictredis::commands::geo::{GeoBy, GeoFrom, GeoSearchOptions, GeoSearchResult, GeoUnit};
            /// # let r = strictredis::StrictRedis::from_url("redis://127.0.0.1/")?;
            /// let near: Vec<GeoSearchResult> = r.geosearch(
            ///     "sicily",
            ///     GeoFrom::lonlat(15.0, 37.0),
            ///     GeoBy::Radius(200.0, GeoUnit::Km),
            ///     GeoSearchOptions::default().with_dist().with_coord().asc(),
            /// )?;
            /// for p in &near {
            ///     println!("{} at {:?} km", p.member, p.dist);
            /// }
            /// # Ok::<(), strictredis::Error>(())
            /// ```
            fn geosearch<M>(
                key: impl ToArg,
                from: GeoFrom,
                by: GeoBy,
                options: GeoSearchOptions,
            ) -> Vec<GeoSearchResult<M>> {
                options.apply_search(by.apply(from.apply(cmd("GEOSEARCH").key(key))))
            }

            /// GEOSEARCH with BYPOLYGON: members inside the polygon of `vertices`
            /// (`(longitude, latitude)` pairs); a Valkey extension.
            ///
            /// Valkey 9.0.0+.
            fn geosearch_bypolygon<M>(
                key: impl ToArg,
                vertices: &[(f64, f64)],
                options: GeoSearchOptions,
            ) -> Vec<GeoSearchResult<M>> {
                options.apply_search(geo_polygon(cmd("GEOSEARCH").key(key), vertices))
            }

            /// As [`geosearch`](Self::geosearch), but stores the members found in the sorted
            /// set `dest` (with their distances when `options.storedist`); returns how many.
            ///
            /// Redis 6.2.0+.
            fn geosearchstore(
                dest: impl ToArg,
                source: impl ToArg,
                from: GeoFrom,
                by: GeoBy,
                options: GeoSearchStoreOptions,
            ) -> u64 {
                options.apply_search(by.apply(from.apply(
                    cmd("GEOSEARCHSTORE").key(dest).key(source),
                )))
            }

            /// GEOSEARCHSTORE with BYPOLYGON; a Valkey extension.
            ///
            /// Valkey 9.0.0+.
            fn geosearchstore_bypolygon(
                dest: impl ToArg,
                source: impl ToArg,
                vertices: &[(f64, f64)],
                options: GeoSearchStoreOptions,
            ) -> u64 {
                options.apply_search(geo_polygon(
                    cmd("GEOSEARCHSTORE").key(dest).key(source),
                    vertices,
                ))
            }
        }
    };
}
pub(crate) use geo_commands;

/// Hands the geo table to the emitter `$emit`: the entries written out in `[...]`, the
/// GEORADIUS family, then the rest. A `search` entry names its center's arguments and the
/// head it is sent with; `store` is the same with STORE `dest`.
macro_rules! georadius_entries {
    ($emit:ident [$($entries:tt)*]
        search { $($(#[$s_meta:meta])* fn $s:ident($($s_arg:ident: $s_ty:ty),*)
            = $s_head:ident($s_cmd:literal);)* }
        store { $($(#[$t_meta:meta])* fn $t:ident($($t_arg:ident: $t_ty:ty),*)
            = $t_head:ident($t_cmd:literal);)* }
        $($rest:tt)*
    ) => {
        $emit! { $($entries)*
            $(
                $(#[$s_meta])*
                fn $s<M>(
                    key: impl ToArg,
                    $($s_arg: $s_ty,)*
                    radius: f64,
                    unit: GeoUnit,
                    options: GeoSearchOptions,
                ) -> Vec<GeoSearchResult<M>> {
                    options.apply_radius($s_head($s_cmd, key, $($s_arg,)* radius, unit))
                }
            )*
            $(
                $(#[$t_meta])*
                fn $t(
                    key: impl ToArg,
                    $($t_arg: $t_ty,)*
                    radius: f64,
                    unit: GeoUnit,
                    dest: impl ToArg,
                    options: GeoSearchStoreOptions,
                ) -> u64 {
                    options.apply_radius($t_head($t_cmd, key, $($t_arg,)* radius, unit), dest)
                }
            )*
            $($rest)*
        }
    };
}
pub(crate) use georadius_entries;

// ---------------------------------------------------------------------------------------
// Arguments
// ---------------------------------------------------------------------------------------

/// `(longitude, latitude, member)` triples for GEOADD: a slice, array or `Vec` of them.
pub trait GeoMembers {
    /// Calls `f(longitude, latitude, member)` for each triple, in order.
    fn for_each_member(&self, f: &mut dyn FnMut(f64, f64, &[u8]));
}

macro_rules! seq_geo_members {
    ($(($($gen:tt)*) $t:ty;)*) => {$(
        impl<$($gen)*> GeoMembers for $t {
            fn for_each_member(&self, f: &mut dyn FnMut(f64, f64, &[u8])) {
                for (lon, lat, m) in self.iter() {
                    m.with_bytes(|b| f(*lon, *lat, b));
                }
            }
        }
    )*};
}
seq_geo_members! {
    (M: ToArg) [(f64, f64, M)];
    (M: ToArg) &[(f64, f64, M)];
    (M: ToArg, const N: usize) [(f64, f64, M); N];
    (M: ToArg, const N: usize) &[(f64, f64, M); N];
    (M: ToArg) Vec<(f64, f64, M)>;
    (M: ToArg) &Vec<(f64, f64, M)>;
}

/// `NAME key longitude latitude radius unit`: the head of GEORADIUS and GEORADIUS_RO.
pub(crate) fn georadius_head(
    name: &'static str,
    key: impl ToArg,
    longitude: f64,
    latitude: f64,
    radius: f64,
    unit: GeoUnit,
) -> Cmd {
    crate::cmd::cmd(name)
        .key(key)
        .arg(longitude)
        .arg(latitude)
        .arg(radius)
        .arg(unit.as_str())
}

/// `NAME key member radius unit`: the head of GEORADIUSBYMEMBER and GEORADIUSBYMEMBER_RO.
pub(crate) fn georadiusbymember_head(
    name: &'static str,
    key: impl ToArg,
    member: impl ToArg,
    radius: f64,
    unit: GeoUnit,
) -> Cmd {
    crate::cmd::cmd(name)
        .key(key)
        .arg(member)
        .arg(radius)
        .arg(unit.as_str())
}

pub(crate) fn geo_members(mut c: Cmd, members: impl GeoMembers) -> Cmd {
    members.for_each_member(&mut |lon, lat, m| {
        c.push_arg(lon).push_arg(lat).push_arg(m);
    });
    c
}

pub(crate) fn geo_polygon(c: Cmd, vertices: &[(f64, f64)]) -> Cmd {
    let mut c = c.arg("BYPOLYGON").arg(vertices.len());
    for (lon, lat) in vertices {
        c.push_arg(*lon).push_arg(*lat);
    }
    c
}

/// A distance unit.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum GeoUnit {
    /// Metres (`m`), the default.
    #[default]
    M,
    /// Kilometres (`km`).
    Km,
    /// Feet (`ft`).
    Ft,
    /// Miles (`mi`).
    Mi,
}

impl GeoUnit {
    /// The unit as the server spells it.
    pub fn as_str(self) -> &'static str {
        match self {
            GeoUnit::M => "m",
            GeoUnit::Km => "km",
            GeoUnit::Ft => "ft",
            GeoUnit::Mi => "mi",
        }
    }
}

/// GEOADD's condition: only add new members, or only update existing ones.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum GeoAddCondition {
    /// `NX`: only add new members, never update.
    Nx,
    /// `XX`: only update existing members, never add.
    Xx,
}

/// Options of [`geoadd_options`](crate::StrictRedis::geoadd_options).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct GeoAddOptions {
    /// `NX` or `XX`.
    pub condition: Option<GeoAddCondition>,
    /// `CH`: count changed members too, not only added ones.
    pub ch: bool,
}

impl GeoAddOptions {
    pub(crate) fn apply(self, c: Cmd) -> Cmd {
        let c = match self.condition {
            Some(GeoAddCondition::Nx) => c.arg("NX"),
            Some(GeoAddCondition::Xx) => c.arg("XX"),
            None => c,
        };
        c.arg_if(self.ch, "CH")
    }
}

crate::commands::setters! {
    GeoAddOptions {
        /// `NX`: only add new members.
        fn nx() => condition = Some(GeoAddCondition::Nx);
        /// `XX`: only update existing members.
        fn xx() => condition = Some(GeoAddCondition::Xx);
        /// `CH`: the reply counts changed members too.
        fn ch() => ch = true;
    }
}

/// The sort order of search results, by distance from the centre.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum GeoOrder {
    /// `ASC`: nearest first.
    Asc,
    /// `DESC`: farthest first.
    Desc,
}

impl GeoOrder {
    fn as_str(self) -> &'static str {
        match self {
            GeoOrder::Asc => "ASC",
            GeoOrder::Desc => "DESC",
        }
    }
}

/// Where a GEOSEARCH is centred.
#[derive(Clone, Debug, PartialEq)]
pub enum GeoFrom {
    /// `FROMMEMBER member`: at an existing member.
    Member(Vec<u8>),
    /// `FROMLONLAT longitude latitude`: at a point.
    LonLat(f64, f64),
}

impl GeoFrom {
    /// `FROMMEMBER member`.
    pub fn member(member: impl ToArg) -> GeoFrom {
        GeoFrom::Member(member.with_bytes(<[u8]>::to_vec))
    }

    /// `FROMLONLAT longitude latitude`.
    pub fn lonlat(longitude: f64, latitude: f64) -> GeoFrom {
        GeoFrom::LonLat(longitude, latitude)
    }

    pub(crate) fn apply(self, c: Cmd) -> Cmd {
        match self {
            GeoFrom::Member(m) => c.arg("FROMMEMBER").arg(m),
            GeoFrom::LonLat(lon, lat) => c.arg("FROMLONLAT").arg(lon).arg(lat),
        }
    }
}

/// The shape of a GEOSEARCH area.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum GeoBy {
    /// `BYRADIUS radius unit`: a circle.
    Radius(f64, GeoUnit),
    /// `BYBOX width height unit`: an axis-aligned rectangle.
    Box(f64, f64, GeoUnit),
}

impl GeoBy {
    pub(crate) fn apply(self, c: Cmd) -> Cmd {
        match self {
            GeoBy::Radius(r, unit) => c.arg("BYRADIUS").arg(r).arg(unit.as_str()),
            GeoBy::Box(w, h, unit) => c.arg("BYBOX").arg(w).arg(h).arg(unit.as_str()),
        }
    }
}

/// The `COUNT n [ANY]` and `ASC|DESC` builders, and the `COUNT` clause, that the GEOSEARCH
/// and GEOSEARCHSTORE options share (both have `count`, `any` and `order` fields).
macro_rules! geo_limit_builders {
    ($ty:ident) => {
        impl $ty {
            /// `COUNT n`.
            pub fn count(mut self, n: u64) -> $ty {
                self.count = Some(n);
                self
            }

            /// `ANY` (needs [`count`](Self::count)).
            pub fn any(mut self) -> $ty {
                self.any = true;
                self
            }

            /// `ASC`: nearest first.
            pub fn asc(mut self) -> $ty {
                self.order = Some(GeoOrder::Asc);
                self
            }

            /// `DESC`: farthest first.
            pub fn desc(mut self) -> $ty {
                self.order = Some(GeoOrder::Desc);
                self
            }

            fn count_clause(self, c: Cmd) -> Cmd {
                match self.count {
                    Some(n) => c.arg("COUNT").arg(n).arg_if(self.any, "ANY"),
                    None => c,
                }
            }
        }
    };
}

/// Options of [`geosearch`](crate::StrictRedis::geosearch) and of the GEORADIUS family:
/// what each result carries, how many, in which order.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct GeoSearchOptions {
    /// `WITHCOORD`: fill [`GeoSearchResult::coord`].
    pub with_coord: bool,
    /// `WITHDIST`: fill [`GeoSearchResult::dist`] (in the search's unit).
    pub with_dist: bool,
    /// `WITHHASH`: fill [`GeoSearchResult::hash`].
    pub with_hash: bool,
    /// `COUNT n`: at most `n` results.
    pub count: Option<u64>,
    /// `ANY` (with `count`): stop at the first `n` matches found, not the nearest `n`.
    pub any: bool,
    /// `ASC` / `DESC` by distance.
    pub order: Option<GeoOrder>,
}

geo_limit_builders!(GeoSearchOptions);

impl GeoSearchOptions {
    fn with_clause(self, c: Cmd) -> Cmd {
        c.arg_if(self.with_coord, "WITHCOORD")
            .arg_if(self.with_dist, "WITHDIST")
            .arg_if(self.with_hash, "WITHHASH")
    }

    /// GEOSEARCH order: `[ASC|DESC] [COUNT n [ANY]] [WITH...]`.
    pub(crate) fn apply_search(self, c: Cmd) -> Cmd {
        let c = c.opt_arg(self.order.map(GeoOrder::as_str));
        self.with_clause(self.count_clause(c))
    }

    /// GEORADIUS order: `[WITH...] [COUNT n [ANY]] [ASC|DESC]`.
    pub(crate) fn apply_radius(self, c: Cmd) -> Cmd {
        let c = self.count_clause(self.with_clause(c));
        c.opt_arg(self.order.map(GeoOrder::as_str))
    }
}

crate::commands::setters! {
    GeoSearchOptions {
        /// `WITHCOORD`.
        fn with_coord() => with_coord = true;
        /// `WITHDIST`.
        fn with_dist() => with_dist = true;
        /// `WITHHASH`.
        fn with_hash() => with_hash = true;
    }
}

/// Options of [`geosearchstore`](crate::StrictRedis::geosearchstore) and of the STORE forms
/// of GEORADIUS.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct GeoSearchStoreOptions {
    /// `COUNT n`: at most `n` results.
    pub count: Option<u64>,
    /// `ANY` (with `count`): stop at the first `n` matches found.
    pub any: bool,
    /// `ASC` / `DESC` by distance.
    pub order: Option<GeoOrder>,
    /// `STOREDIST`: store each member's distance as its score, not its geohash.
    pub storedist: bool,
}

geo_limit_builders!(GeoSearchStoreOptions);

impl GeoSearchStoreOptions {
    /// GEOSEARCHSTORE order: `[ASC|DESC] [COUNT n [ANY]] [STOREDIST]`.
    pub(crate) fn apply_search(self, c: Cmd) -> Cmd {
        let c = self.count_clause(c.opt_arg(self.order.map(GeoOrder::as_str)));
        c.arg_if(self.storedist, "STOREDIST")
    }

    /// GEORADIUS order: `[COUNT n [ANY]] [ASC|DESC] STORE|STOREDIST dest`.
    pub(crate) fn apply_radius(self, c: Cmd, dest: impl ToArg) -> Cmd {
        let c = self
            .count_clause(c)
            .opt_arg(self.order.map(GeoOrder::as_str));
        c.arg(if self.storedist { "STOREDIST" } else { "STORE" })
            .key(dest)
    }
}

crate::commands::setters! {
    GeoSearchStoreOptions {
        /// `STOREDIST`: store distances as scores.
        fn storedist() => storedist = true;
    }
}

// ---------------------------------------------------------------------------------------
// Replies
// ---------------------------------------------------------------------------------------

/// One result of GEOSEARCH / GEORADIUS: the member, and whatever WITHDIST, WITHHASH and
/// WITHCOORD asked for.
#[derive(Clone, Debug, PartialEq)]
pub struct GeoSearchResult<M = String> {
    /// The member.
    pub member: M,
    /// Its distance from the centre, in the search's unit (`WITHDIST`).
    pub dist: Option<f64>,
    /// Its 52-bit geohash, the sorted set score (`WITHHASH`).
    pub hash: Option<i64>,
    /// Its `(longitude, latitude)` (`WITHCOORD`).
    pub coord: Option<(f64, f64)>,
}

impl<M: FromValue> FromValue for GeoSearchResult<M> {
    /// A bare member, or `[member, dist?, hash?, [lon, lat]?]` in that order; each extra is
    /// told apart by its type (a string or double is the distance, an integer the hash, an
    /// array the coordinates).
    fn from_value(v: Value) -> Result<Self> {
        match v.strip_attributes() {
            Value::Array(items) => {
                let mut it = items.into_iter();
                let member = M::from_value(it.next().unwrap_or(Value::Nil))?;
                let mut r = GeoSearchResult {
                    member,
                    dist: None,
                    hash: None,
                    coord: None,
                };
                for extra in it {
                    match extra {
                        Value::Int(h) => r.hash = Some(h),
                        v @ (Value::Array(_) | Value::Map(_)) => {
                            r.coord = Some(<(f64, f64)>::from_value(v)?);
                        }
                        v => r.dist = Some(f64::from_value(v)?),
                    }
                }
                Ok(r)
            }
            member => Ok(GeoSearchResult {
                member: M::from_value(member)?,
                dist: None,
                hash: None,
                coord: None,
            }),
        }
    }
}

#[cfg(test)]
#[allow(clippy::needless_borrows_for_generic_args)]
mod tests {
    use super::*;
    use crate::cmd::cmd;

    use crate::from_value::reply::bulk;

    use crate::commands::test_args as args;

    #[test]
    fn search_clauses() {
        let c = GeoSearchOptions::default()
            .with_dist()
            .with_coord()
            .count(3)
            .any()
            .desc()
            .apply_search(
                GeoBy::Radius(5.0, GeoUnit::Km)
                    .apply(GeoFrom::lonlat(1.5, 2.0).apply(cmd("GEOSEARCH").key("g"))),
            );
        assert_eq!(
            args(&c),
            [
                "GEOSEARCH",
                "g",
                "FROMLONLAT",
                "1.5",
                "2",
                "BYRADIUS",
                "5",
                "km",
                "DESC",
                "COUNT",
                "3",
                "ANY",
                "WITHCOORD",
                "WITHDIST"
            ]
        );
        let c = GeoSearchStoreOptions::default()
            .storedist()
            .apply_radius(cmd("GEORADIUS").key("g"), "dst");
        assert_eq!(args(&c), ["GEORADIUS", "g", "STOREDIST", "dst"]);
        assert_eq!(c.key_args().count(), 2);
        let c = geo_members(cmd("GEOADD").key("g"), &[(1.0, 2.0, "a")]);
        assert_eq!(args(&c), ["GEOADD", "g", "1", "2", "a"]);
        let c = geo_polygon(
            cmd("GEOSEARCH").key("g"),
            &[(1.0, 2.0), (3.0, 4.0), (5.0, 6.0)],
        );
        assert_eq!(args(&c)[2..4], ["BYPOLYGON", "3"]);
    }

    #[test]
    fn results_with_and_without_extras() {
        let bare: GeoSearchResult = FromValue::from_value(bulk("Palermo")).unwrap();
        assert_eq!(bare.member, "Palermo");
        assert_eq!((bare.dist, bare.hash, bare.coord), (None, None, None));
        let full = Value::Array(vec![
            bulk("Palermo"),
            bulk("190.4424"),
            Value::Int(3479099956230698),
            Value::Array(vec![Value::Double(13.36), Value::Double(38.11)]),
        ]);
        let full: GeoSearchResult = FromValue::from_value(full).unwrap();
        assert_eq!(full.dist, Some(190.4424));
        assert_eq!(full.hash, Some(3479099956230698));
        assert_eq!(full.coord, Some((13.36, 38.11)));
        let only_coord = Value::Array(vec![
            bulk("x"),
            Value::Array(vec![bulk("1.5"), bulk("2.5")]),
        ]);
        let only_coord: GeoSearchResult = FromValue::from_value(only_coord).unwrap();
        assert_eq!(
            (only_coord.dist, only_coord.coord),
            (None, Some((1.5, 2.5)))
        );
    }
}
