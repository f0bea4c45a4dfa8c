//! Every geo command against a real server, with typed search results under RESP2 and
//! RESP3.

#![allow(clippy::needless_borrows_for_generic_args)]

use strictredis_test_kit as common;

use common::RedisServer;
use strictredis::commands::geo::{
    GeoAddOptions, GeoBy, GeoFrom, GeoSearchOptions, GeoSearchResult, GeoSearchStoreOptions,
    GeoUnit,
};
use strictredis::{cmd, Error, StrictRedis, Value};

const PALERMO: (f64, f64) = (13.361389, 38.115556);
const CATANIA: (f64, f64) = (15.087269, 37.502669);
const AGRIGENTO: (f64, f64) = (13.583333, 37.316667);

fn close(a: f64, b: f64, eps: f64) -> bool {
    (a - b).abs() <= eps
}

fn sicily(r: &StrictRedis) -> Result<(), Error> {
    let added = r.geoadd(
        "sicily",
        &[
            (PALERMO.0, PALERMO.1, "Palermo"),
            (CATANIA.0, CATANIA.1, "Catania"),
        ],
    )?;
    assert_eq!(added, 2);
    Ok(())
}

/// GEOSEARCH of `sicily` within 1 km of Palermo.
fn within_1km_of_palermo(
    r: &StrictRedis,
    opts: GeoSearchOptions,
) -> Result<Vec<GeoSearchResult>, Error> {
    r.geosearch(
        "sicily",
        GeoFrom::member("Palermo"),
        GeoBy::Radius(1.0, GeoUnit::Km),
        opts,
    )
}

/// Catania's score in the sorted set `key` is its distance from Palermo in km.
fn assert_palermo_catania(server: &RedisServer, key: &str) {
    let d: f64 = server.raw_cmd(&["ZSCORE", key, "Catania"]).parse().unwrap();
    assert!(close(d, 56.4413, 0.001), "{d}");
}

/// A client of `server` with Palermo, Catania and Agrigento in `sicily`.
fn three_cities(server: &RedisServer) -> Result<StrictRedis, Error> {
    let r = StrictRedis::from_url(&server.url())?;
    sicily(&r)?;
    r.geoadd("sicily", &[(AGRIGENTO.0, AGRIGENTO.1, "Agrigento")])?;
    Ok(r)
}

fn members(results: &[GeoSearchResult]) -> Vec<&str> {
    results.iter().map(|p| p.member.as_str()).collect()
}

#[test]
fn add_dist_hash_pos() -> Result<(), Error> {
    let server = RedisServer::start();
    let r = StrictRedis::from_url(&server.url())?;
    sicily(&r)?;
    assert_eq!(server.raw_cmd(&["ZCARD", "sicily"]), "2");

    // NX / XX / CH.
    let n = r.geoadd_options(
        "sicily",
        vec![(AGRIGENTO.0, AGRIGENTO.1, "Agrigento".to_string())],
        GeoAddOptions::default().xx(),
    )?;
    assert_eq!(n, 0, "XX never adds");
    assert_eq!(server.raw_cmd(&["ZSCORE", "sicily", "Agrigento"]), "(nil)");
    let n = r.geoadd_options(
        "sicily",
        &[
            (0.0, 0.0, "Palermo"),
            (AGRIGENTO.0, AGRIGENTO.1, "Agrigento"),
        ],
        GeoAddOptions::default().nx(),
    )?;
    assert_eq!(n, 1, "NX adds Agrigento, leaves Palermo alone");
    let n = r.geoadd_options(
        "sicily",
        &[(1.0, 1.0, "Moved"), (AGRIGENTO.0, AGRIGENTO.1, "Agrigento")],
        GeoAddOptions::default().ch(),
    )?;
    assert_eq!(n, 1, "CH counts the new one; Agrigento did not change");
    let n = r.geoadd_options(
        "sicily",
        &[(2.0, 2.0, "Moved")],
        GeoAddOptions::default().xx().ch(),
    )?;
    assert_eq!(n, 1, "XX CH counts the changed one");
    let err = r.geoadd("sicily", &[(200.0, 0.0, "Nowhere")]).unwrap_err();
    assert!(
        matches!(err, Error::Server(_)),
        "longitude out of range: {err:?}"
    );

    // GEODIST in each unit; None for a missing member.
    let m = r.geodist("sicily", "Palermo", "Catania", None)?.unwrap();
    assert!(close(m, 166274.1516, 0.001), "{m}");
    let m2 = r.geodist("sicily", "Palermo", "Catania", Some(GeoUnit::M))?;
    assert_eq!(m2, Some(m));
    let km = r
        .geodist("sicily", "Palermo", "Catania", Some(GeoUnit::Km))?
        .unwrap();
    assert!(close(km, 166.2742, 0.001), "{km}");
    let mi = r
        .geodist("sicily", "Palermo", "Catania", Some(GeoUnit::Mi))?
        .unwrap();
    assert!(close(mi, 103.3182, 0.001), "{mi}");
    let ft = r
        .geodist("sicily", "Palermo", "Catania", Some(GeoUnit::Ft))?
        .unwrap();
    assert!(close(ft, 545518.87, 0.01), "{ft}");
    assert_eq!(r.geodist("sicily", "Palermo", "Atlantis", None)?, None);
    assert_eq!(r.geodist("nokey", "a", "b", Some(GeoUnit::Km))?, None);

    // GEOHASH and GEOPOS keep the order of the request, None for missing members.
    let h = r.geohash("sicily", &["Palermo", "Atlantis", "Catania"])?;
    assert_eq!(
        h,
        [
            Some("sqc8b49rny0".to_string()),
            None,
            Some("sqdtr74hyu0".to_string())
        ]
    );
    let pos = r.geopos("sicily", &["Palermo", "Atlantis"])?;
    assert_eq!(pos.len(), 2);
    let (lon, lat) = pos[0].unwrap();
    assert!(
        close(lon, PALERMO.0, 1e-5) && close(lat, PALERMO.1, 1e-5),
        "{lon} {lat}"
    );
    assert_eq!(pos[1], None);
    assert_eq!(r.geopos("nokey", "x")?, [None]);
    Ok(())
}

#[test]
fn geosearch_with_distances_and_coordinates() -> Result<(), Error> {
    let server = RedisServer::start();
    let r = three_cities(&server)?;

    // No WITH options: members only.
    let plain: Vec<GeoSearchResult> = r.geosearch(
        "sicily",
        GeoFrom::lonlat(15.0, 37.0),
        GeoBy::Radius(200.0, GeoUnit::Km),
        GeoSearchOptions::default().asc(),
    )?;
    assert_eq!(members(&plain), ["Catania", "Agrigento", "Palermo"]);
    assert!(plain
        .iter()
        .all(|p| p.dist.is_none() && p.hash.is_none() && p.coord.is_none()));

    // Everything.
    let full: Vec<GeoSearchResult> = r.geosearch(
        "sicily",
        GeoFrom::lonlat(15.0, 37.0),
        GeoBy::Radius(200.0, GeoUnit::Km),
        GeoSearchOptions::default()
            .with_dist()
            .with_coord()
            .with_hash()
            .desc(),
    )?;
    assert_eq!(members(&full), ["Palermo", "Agrigento", "Catania"]);
    let p = &full[0];
    assert!(close(p.dist.unwrap(), 190.4424, 0.001), "{p:?}");
    assert_eq!(p.hash, Some(3479099956230698));
    let (lon, lat) = p.coord.unwrap();
    assert!(
        close(lon, PALERMO.0, 1e-5) && close(lat, PALERMO.1, 1e-5),
        "{p:?}"
    );
    assert!(close(full[2].dist.unwrap(), 56.4413, 0.001));

    // Only one extra: it lands in the right field whichever it is.
    let only_hash: Vec<GeoSearchResult> =
        within_1km_of_palermo(&r, GeoSearchOptions::default().with_hash())?;
    assert_eq!(members(&only_hash), ["Palermo"]);
    assert_eq!(only_hash[0].hash, Some(3479099956230698));
    assert_eq!((only_hash[0].dist, only_hash[0].coord), (None, None));
    let only_coord: Vec<GeoSearchResult> =
        within_1km_of_palermo(&r, GeoSearchOptions::default().with_coord())?;
    assert!(only_coord[0].coord.is_some() && only_coord[0].dist.is_none());

    // BYBOX from a member, with COUNT and ANY; bytes as the member type.
    let boxed: Vec<GeoSearchResult<Vec<u8>>> = r.geosearch(
        "sicily",
        GeoFrom::member(b"Catania".as_slice()),
        GeoBy::Box(400.0, 400.0, GeoUnit::Km),
        GeoSearchOptions::default().with_dist().count(2).asc(),
    )?;
    assert_eq!(boxed.len(), 2);
    assert_eq!(boxed[0].member, b"Catania".to_vec());
    assert_eq!(boxed[0].dist, Some(0.0));
    let any: Vec<GeoSearchResult> = r.geosearch(
        "sicily",
        GeoFrom::member("Catania"),
        GeoBy::Box(400.0, 400.0, GeoUnit::Km),
        GeoSearchOptions::default().count(1).any(),
    )?;
    assert_eq!(any.len(), 1);

    let err = r
        .geosearch::<String>(
            "sicily",
            GeoFrom::member("Atlantis"),
            GeoBy::Radius(1.0, GeoUnit::Km),
            GeoSearchOptions::default(),
        )
        .unwrap_err();
    assert!(matches!(err, Error::Server(_)), "{err:?}");

    // GEOSEARCHSTORE: geohash scores, then distances.
    let n = r.geosearchstore(
        "near",
        "sicily",
        GeoFrom::lonlat(15.0, 37.0),
        GeoBy::Radius(100.0, GeoUnit::Km),
        GeoSearchStoreOptions::default(),
    )?;
    assert_eq!(n, 1);
    assert_eq!(server.raw_cmd(&["ZRANGE", "near", "0", "-1"]), "Catania");
    assert_eq!(
        server.raw_cmd(&["ZSCORE", "near", "Catania"]),
        "3479447370796909"
    );
    let n = r.geosearchstore(
        "dists",
        "sicily",
        GeoFrom::lonlat(15.0, 37.0),
        GeoBy::Radius(200.0, GeoUnit::Km),
        GeoSearchStoreOptions::default().storedist().asc().count(2),
    )?;
    assert_eq!(n, 2);
    assert_eq!(
        server.raw_cmd(&["ZRANGE", "dists", "0", "-1"]),
        "Catania\nAgrigento"
    );
    assert_palermo_catania(&server, "dists");
    let n = r.geosearchstore(
        "one",
        "sicily",
        GeoFrom::member("Palermo"),
        GeoBy::Box(1000.0, 1000.0, GeoUnit::Km),
        GeoSearchStoreOptions::default().count(1).any().desc(),
    )?;
    assert_eq!(n, 1);
    Ok(())
}

#[test]
fn georadius_family() -> Result<(), Error> {
    let server = RedisServer::start();
    let r = three_cities(&server)?;

    let opts = GeoSearchOptions::default().with_dist().with_coord().asc();
    let a: Vec<GeoSearchResult> = r.georadius("sicily", 15.0, 37.0, 200.0, GeoUnit::Km, opts)?;
    let b: Vec<GeoSearchResult> = r.georadius_ro("sicily", 15.0, 37.0, 200.0, GeoUnit::Km, opts)?;
    assert_eq!(a, b);
    assert_eq!(members(&a), ["Catania", "Agrigento", "Palermo"]);
    assert!(close(a[0].dist.unwrap(), 56.4413, 0.001));
    assert!(a[0].coord.is_some() && a[0].hash.is_none());
    // The same search with GEOSEARCH gives the same results.
    let c: Vec<GeoSearchResult> = r.geosearch(
        "sicily",
        GeoFrom::lonlat(15.0, 37.0),
        GeoBy::Radius(200.0, GeoUnit::Km),
        opts,
    )?;
    assert_eq!(a, c);

    let by_member: Vec<GeoSearchResult> = r.georadiusbymember(
        "sicily",
        "Agrigento",
        100.0,
        GeoUnit::Km,
        GeoSearchOptions::default().with_hash().count(5).desc(),
    )?;
    assert_eq!(members(&by_member), ["Palermo", "Agrigento"]);
    assert_eq!(by_member[0].hash, Some(3479099956230698));
    let by_member_ro: Vec<GeoSearchResult> = r.georadiusbymember_ro(
        "sicily",
        "Agrigento",
        100.0,
        GeoUnit::Km,
        GeoSearchOptions::default().count(1).asc(),
    )?;
    assert_eq!(members(&by_member_ro), ["Agrigento"]);

    let store_within_200km = |dest: &str, opts: GeoSearchStoreOptions| {
        r.georadius_store("sicily", 15.0, 37.0, 200.0, GeoUnit::Km, dest, opts)
    };
    let n = store_within_200km("stored", GeoSearchStoreOptions::default())?;
    assert_eq!(n, 3);
    assert_eq!(server.raw_cmd(&["ZCARD", "stored"]), "3");
    let n = store_within_200km(
        "stored-dist",
        GeoSearchStoreOptions::default().storedist().count(1).asc(),
    )?;
    assert_eq!(n, 1);
    assert_palermo_catania(&server, "stored-dist");
    let n = r.georadiusbymember_store(
        "sicily",
        "Palermo",
        10.0,
        GeoUnit::Mi,
        "by-member",
        GeoSearchStoreOptions::default(),
    )?;
    assert_eq!(n, 1);
    assert_eq!(
        server.raw_cmd(&["ZRANGE", "by-member", "0", "-1"]),
        "Palermo"
    );
    let n = r.georadiusbymember_store(
        "sicily",
        "Palermo",
        200.0,
        GeoUnit::Km,
        "by-member-dist",
        GeoSearchStoreOptions::default().storedist().desc(),
    )?;
    assert_eq!(n, 3);
    assert_eq!(
        server.raw_cmd(&["ZSCORE", "by-member-dist", "Palermo"]),
        "0"
    );
    Ok(())
}

#[test]
fn resp3_geosearch_gives_the_same_results() -> Result<(), Error> {
    let server = RedisServer::start();
    let r2 = StrictRedis::from_url(&server.url())?;
    let r3 = StrictRedis::from_url(&format!("{}?protocol=3", server.url()))?;
    sicily(&r2)?;
    let opts = GeoSearchOptions::default()
        .with_dist()
        .with_coord()
        .with_hash()
        .asc();
    let search = |r: &StrictRedis| -> Result<Vec<GeoSearchResult>, Error> {
        r.geosearch(
            "sicily",
            GeoFrom::lonlat(15.0, 37.0),
            GeoBy::Radius(200.0, GeoUnit::Km),
            opts,
        )
    };
    // RESP3 sends the coordinates as doubles, RESP2 as strings.
    let raw: Value = r3.execute_command(cmd("GEOPOS").arg("sicily").arg("Palermo"))?;
    assert!(
        matches!(&raw, Value::Array(a) if matches!(&a[0], Value::Array(c) if matches!(c[0], Value::Double(_)))),
        "{raw:?}"
    );
    let a = search(&r2)?;
    let b = search(&r3)?;
    assert_eq!(a, b);
    assert_eq!(a.len(), 2);
    assert!(a
        .iter()
        .all(|p| p.dist.is_some() && p.coord.is_some() && p.hash.is_some()));
    let d2 = r2.geodist("sicily", "Palermo", "Catania", Some(GeoUnit::Km))?;
    let d3 = r3.geodist("sicily", "Palermo", "Catania", Some(GeoUnit::Km))?;
    assert_eq!(d2, d3);
    assert_eq!(
        r2.geopos("sicily", &["Palermo", "x"])?,
        r3.geopos("sicily", &["Palermo", "x"])?
    );
    Ok(())
}

#[test]
fn valkey_searches_inside_a_polygon() -> Result<(), Error> {
    let server = RedisServer::start_valkey(&[]);
    let r = StrictRedis::from_url(&server.url())?;
    sicily(&r)?;
    r.geoadd("sicily", &[(2.35, 48.85, "Paris")])?;
    let square = [(12.0, 37.0), (16.0, 37.0), (16.0, 39.0), (12.0, 39.0)];
    let inside: Vec<GeoSearchResult> =
        r.geosearch_bypolygon("sicily", &square, GeoSearchOptions::default().with_coord())?;
    let mut names = members(&inside);
    names.sort();
    assert_eq!(names, ["Catania", "Palermo"]);
    assert!(inside.iter().all(|p| p.coord.is_some()));
    let n = r.geosearchstore_bypolygon(
        "in-square",
        "sicily",
        &square,
        GeoSearchStoreOptions::default(),
    )?;
    assert_eq!(n, 2);
    assert_eq!(server.raw_cmd(&["ZCARD", "in-square"]), "2");
    Ok(())
}
