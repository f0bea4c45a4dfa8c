//! Pub/sub subscribers through faults.

use std::time::Duration;

use strictredis::RetryPolicy;
use strictredis_test_kit::proxy::FaultProxy;
use strictredis_test_kit::{wait_until, RedisServer};

use super::util::*;

#[test]
fn pubsub_over_faults_gets_only_its_own_messages_in_order() {
    let _ports = shared_ports();
    use strictredis::MessageKind;
    let server = RedisServer::start();
    let proxy = FaultProxy::start(server.port());
    let r = client(&proxy.url(), Duration::from_secs(2), RetryPolicy::default());
    let publisher = client(&server.url(), Duration::from_secs(2), RetryPolicy::none());
    let mut ps = r.pubsub().ignore_subscribe_messages(true);
    ps.subscribe("ps:a").unwrap();
    ps.psubscribe("ps:p.*").unwrap();
    let seed = seed();
    let mut rng = Rng::new(seed);
    let (mut seq, mut last_a, mut last_p) = (0u64, 0u64, 0u64);
    let (mut received, mut errors) = (0u64, 0u64);
    let mut read_all = |ps: &mut strictredis::PubSub, last_a: &mut u64, last_p: &mut u64| loop {
        match ps.get_message(Duration::from_millis(100)) {
            Ok(None) => return,
            Ok(Some(m)) => {
                assert!(
                    matches!(m.kind(), MessageKind::Message | MessageKind::PMessage),
                    "{m:?}"
                );
                let payload = m.payload_str().unwrap().to_string();
                let channel = m.channel_str().unwrap().to_string();
                let (prefix, n) = payload.rsplit_once(':').unwrap();
                let n: u64 = n.parse().unwrap();
                assert_eq!(prefix, channel, "seed {seed}: a message of another channel");
                let last: &mut u64 = match m.pattern() {
                    None => {
                        assert_eq!(channel, "ps:a");
                        &mut *last_a
                    }
                    Some(p) => {
                        assert_eq!(p, b"ps:p.*");
                        &mut *last_p
                    }
                };
                assert!(
                    n > *last,
                    "seed {seed}: {payload} after {last}: repeated or reordered"
                );
                *last = n;
                received += 1;
            }
            Err(e) => {
                assert!(e.is_connection_error(), "{e:?}");
                errors += 1;
            }
        }
    };
    for round in 0..40 {
        match round % 5 {
            0 => proxy.close_after_bytes(rng.below(60) as usize),
            1 => proxy.replace_next_reply(b"\x00garbage\r\n"),
            2 => proxy.reset_all(),
            3 => proxy.close_all(),
            _ => {}
        }
        for _ in 0..5 {
            seq += 1;
            publisher.publish("ps:a", format!("ps:a:{seq}")).unwrap();
            publisher
                .publish("ps:p.x", format!("ps:p.x:{seq}"))
                .unwrap();
            publisher
                .publish("ps:other", format!("ps:other:{seq}"))
                .unwrap();
        }
        read_all(&mut ps, &mut last_a, &mut last_p);
    }
    proxy.heal();
    // After the faults, a message published now arrives.
    assert!(wait_until(Duration::from_secs(10), || {
        seq += 1;
        publisher.publish("ps:a", format!("ps:a:{seq}")).unwrap();
        read_all(&mut ps, &mut last_a, &mut last_p);
        last_a == seq
    }));
    println!(
        "pub/sub through 40 faults: {received} messages, all of their channel and in order, \
         {errors} errors, seed {seed}"
    );
    assert!(received > 0);
    drop(ps);
    // The subscribed connection was never pooled.
    assert_eq!(r.pool().free_size(), 0);
}
