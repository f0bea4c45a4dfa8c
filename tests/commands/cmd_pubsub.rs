//! The pub/sub commands that need no subscribed connection: PUBLISH, SPUBLISH and PUBSUB's
//! introspection, against a real server with raw subscribers.

#![allow(clippy::needless_borrows_for_generic_args)]

use strictredis_test_kit as common;

use std::io::{Read, Write};
use std::net::TcpStream;
use std::time::{Duration, Instant};

use common::{wait_until, RedisServer};
use strictredis::{Error, StrictRedis};

/// A raw connection that sent one subscribe command (`SUBSCRIBE`, `PSUBSCRIBE`,
/// `SSUBSCRIBE`) for `names`, independent of the crate under test.
struct Subscriber {
    stream: TcpStream,
    seen: Vec<u8>,
}

impl Subscriber {
    fn new(server: &RedisServer, command: &str, names: &[&str]) -> Subscriber {
        let mut stream = TcpStream::connect(("127.0.0.1", server.port())).unwrap();
        stream
            .set_read_timeout(Some(Duration::from_millis(200)))
            .unwrap();
        let mut req = format!(
            "*{}\r\n${}\r\n{command}\r\n",
            names.len() + 1,
            command.len()
        );
        for n in names {
            req.push_str(&format!("${}\r\n{n}\r\n", n.len()));
        }
        stream.write_all(req.as_bytes()).unwrap();
        Subscriber {
            stream,
            seen: Vec::new(),
        }
    }

    /// Reads until `needle` has arrived (or panics after a generous timeout).
    fn expect(&mut self, needle: &str) {
        let deadline = Instant::now() + Duration::from_secs(20);
        let mut buf = [0u8; 4096];
        while !String::from_utf8_lossy(&self.seen).contains(needle) {
            assert!(
                Instant::now() < deadline,
                "never received {needle:?}; got {:?}",
                String::from_utf8_lossy(&self.seen)
            );
            match self.stream.read(&mut buf) {
                Ok(0) => panic!("subscriber connection closed"),
                Ok(n) => self.seen.extend_from_slice(&buf[..n]),
                Err(e)
                    if matches!(
                        e.kind(),
                        std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut
                    ) => {}
                Err(e) => panic!("subscriber read failed: {e}"),
            }
        }
    }
}

/// Waits until the server reports `expected` (raw `PUBSUB ...` reply text).
fn wait_for(server: &RedisServer, args: &[&str], expected: &str) {
    assert!(
        wait_until(Duration::from_secs(20), || server.raw_cmd(args) == expected),
        "{args:?} never became {expected:?}: {:?}",
        server.raw_cmd(args)
    );
}

#[test]
fn publish_and_introspect_channels() -> Result<(), Error> {
    let server = RedisServer::start();
    let r = StrictRedis::from_url(&server.url())?;

    assert_eq!(r.publish("news", "nobody listens")?, 0);
    assert!(r.pubsub_channels::<String>(None)?.is_empty());
    assert_eq!(r.pubsub_numpat()?, 0);
    assert_eq!(r.pubsub_numsub(&["news"])?, [("news".to_string(), 0)]);

    let mut a = Subscriber::new(&server, "SUBSCRIBE", &["news", "sport"]);
    let mut b = Subscriber::new(&server, "SUBSCRIBE", &["news"]);
    let mut p = Subscriber::new(&server, "PSUBSCRIBE", &["n*", "x*"]);
    wait_for(&server, &["PUBSUB", "NUMSUB", "news"], "news\n2");
    wait_for(&server, &["PUBSUB", "NUMPAT"], "2");

    assert_eq!(
        r.publish("news", "hello")?,
        3,
        "two subscribers and one pattern"
    );
    a.expect("hello");
    b.expect("hello");
    p.expect("hello");
    assert_eq!(r.publish(b"sport".as_slice(), vec![0u8, 1, 2])?, 1);

    let mut channels: Vec<String> = r.pubsub_channels(None)?;
    channels.sort();
    assert_eq!(channels, ["news", "sport"]);
    let matching: Vec<Vec<u8>> = r.pubsub_channels(Some("n*"))?;
    assert_eq!(matching, [b"news".to_vec()]);
    assert!(r.pubsub_channels::<String>(Some("zzz*"))?.is_empty());
    assert_eq!(r.pubsub_numpat()?, 2);
    assert_eq!(
        r.pubsub_numsub(&["news", "sport", "none"])?,
        [
            ("news".to_string(), 2),
            ("sport".to_string(), 1),
            ("none".to_string(), 0)
        ]
    );
    assert_eq!(r.pubsub_numsub("sport")?, [("sport".to_string(), 1)]);

    let help = r.pubsub_help()?;
    assert!(help.iter().any(|l| l.contains("NUMSUB")), "{help:?}");

    // RESP3 sends NUMSUB as a map: the same pairs come out.
    let r3 = StrictRedis::from_url(&format!("{}?protocol=3", server.url()))?;
    assert_eq!(
        r3.pubsub_numsub(&["news", "sport"])?,
        r.pubsub_numsub(&["news", "sport"])?
    );
    let mut c3: Vec<String> = r3.pubsub_channels(None)?;
    c3.sort();
    assert_eq!(c3, channels);
    assert_eq!(r3.pubsub_numpat()?, 2);

    // Queued in a pipeline like any other command.
    let mut pipe = r.pipeline();
    pipe.publish("news", "piped").pubsub_numpat();
    let (n, pats): (u64, u64) = pipe.execute()?;
    assert_eq!((n, pats), (3, 2));
    a.expect("piped");
    Ok(())
}

#[test]
fn shard_channels() -> Result<(), Error> {
    let server = RedisServer::start();
    let r = StrictRedis::from_url(&server.url())?;

    assert_eq!(r.spublish("orders", "none yet")?, 0);
    assert!(r.pubsub_shardchannels::<String>(None)?.is_empty());

    let mut s = Subscriber::new(&server, "SSUBSCRIBE", &["orders"]);
    let _t = Subscriber::new(&server, "SSUBSCRIBE", &["orders"]);
    let _u = Subscriber::new(&server, "SSUBSCRIBE", &["payments"]);
    wait_for(&server, &["PUBSUB", "SHARDNUMSUB", "orders"], "orders\n2");
    wait_for(
        &server,
        &["PUBSUB", "SHARDNUMSUB", "payments"],
        "payments\n1",
    );

    assert_eq!(r.spublish("orders", "order-1")?, 2);
    s.expect("order-1");
    // A plain PUBLISH does not reach shard subscribers.
    assert_eq!(r.publish("orders", "plain")?, 0);

    let mut shard: Vec<String> = r.pubsub_shardchannels(None)?;
    shard.sort();
    assert_eq!(shard, ["orders", "payments"]);
    let only: Vec<String> = r.pubsub_shardchannels(Some("pay*"))?;
    assert_eq!(only, ["payments"]);
    assert!(
        r.pubsub_channels::<String>(None)?.is_empty(),
        "not plain channels"
    );
    assert_eq!(
        r.pubsub_shardnumsub(&["orders", "payments", "none"])?,
        [
            ("orders".to_string(), 2),
            ("payments".to_string(), 1),
            ("none".to_string(), 0)
        ]
    );
    let r3 = StrictRedis::from_url(&format!("{}?protocol=3", server.url()))?;
    assert_eq!(
        r3.pubsub_shardnumsub(&["orders"])?,
        [("orders".to_string(), 2)]
    );
    Ok(())
}
