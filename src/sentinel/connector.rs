//! The connector of a Sentinel client's pool, and the listener thread that hears about
//! failovers from the sentinels.
//!
//! A client from [`Sentinel::master_for`] starts one thread, named `sentinel:<name>`, when
//! it opens its first connection. The thread subscribes to `+switch-master` and
//! `+promoted-slave` on one sentinel (going on to the next one when that connection breaks,
//! or when a `PING` sent after a second of silence is not answered within the setup budget),
//! and asks it for the master's address each time it subscribes, so that nothing said while
//! it was not listening is missed. When a new master is announced, connections to the old
//! one are no longer handed out: idle ones are closed when the pool comes to them, those in
//! use are closed when released, and new connections go to the new master (after `ROLE`
//! there says `master`). The thread stops when the client's last clone is dropped: the
//! drop waits for it (about 100 ms at most, unless it is in the middle of a connect, which
//! the setup budget bounds).

use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{mpsc, Arc};
use std::thread::{self, JoinHandle};
use std::time::{Duration, Instant};

use parking_lot::Mutex;

use super::{open_for_setup, open_node, query, Sentinel, Want};
use crate::cmd::cmd;
use crate::config::{ConnectionAddr, ConnectionInfo};
use crate::connection::Connection;
use crate::error::Result;
use crate::from_value::reply::text;
use crate::pool::Connector;
use crate::value::Value;

/// The channels the listener subscribes to.
const CHANNELS: [&str; 2] = ["+switch-master", "+promoted-slave"];
/// How often the listener looks at its stop flag.
const POLL: Duration = Duration::from_millis(100);
/// Silence after which the listener checks its sentinel with a `PING`.
const QUIET: Duration = Duration::from_secs(1);
/// The pause before the listener tries the sentinels again when none could be reached.
const PAUSE: Duration = Duration::from_secs(1);

/// The master's address as last learned, shared by a connector and its listener.
#[derive(Default)]
struct Watch {
    known: Mutex<Known>,
    stop: AtomicBool,
}

#[derive(Default)]
struct Known {
    addr: Option<(String, u16)>,
    /// Counts changes of `addr`.
    generation: u64,
}

impl Watch {
    fn current(&self) -> (Option<(String, u16)>, u64) {
        let k = self.known.lock();
        (k.addr.clone(), k.generation)
    }

    /// The sentinels name `addr` as the master; true when that is news.
    fn announce(&self, addr: (String, u16)) -> bool {
        let mut k = self.known.lock();
        if k.addr.as_ref() == Some(&addr) {
            return false;
        }
        k.addr = Some(addr);
        k.generation += 1;
        true
    }

    /// A connect found `addr` to be the master: kept unless something changed since
    /// `seen` (an announcement is newer than what the connect was told).
    fn found(&self, addr: (String, u16), seen: u64) {
        let mut k = self.known.lock();
        if k.generation == seen && k.addr.as_ref() != Some(&addr) {
            k.addr = Some(addr);
            k.generation += 1;
        }
    }

    /// `addr` turned out not to be the master (any more).
    fn forget(&self, addr: &(String, u16)) {
        let mut k = self.known.lock();
        if k.addr.as_ref() == Some(addr) {
            k.addr = None;
            k.generation += 1;
        }
    }

    /// Whether a connection to `addr` may still be used: it goes to the master last
    /// learned (or none is known).
    fn leads_to_master(&self, addr: &ConnectionAddr) -> bool {
        let k = self.known.lock();
        match (&k.addr, addr) {
            (
                Some((h, p)),
                ConnectionAddr::Tcp { host, port } | ConnectionAddr::TcpTls { host, port, .. },
            ) => h == host && p == port,
            _ => true,
        }
    }
}

/// A running listener thread.
struct Listener {
    handle: JoinHandle<()>,
    /// Disconnected when the thread ends.
    done: mpsc::Receiver<()>,
}

/// Opens the connections of a [`Sentinel`] client's pool (when a failed command runs again
/// is the pool's retry policy: [`DEFAULT_RETRY`](super::DEFAULT_RETRY) unless the builder
/// says otherwise).
pub(super) struct ServiceConnector {
    sentinel: Sentinel,
    name: String,
    want: Want,
    watch: Arc<Watch>,
    listener: Mutex<Option<Listener>>,
    /// Picks replicas in turn.
    turn: AtomicUsize,
}

impl ServiceConnector {
    pub(super) fn new(sentinel: Sentinel, name: &str, want: Want) -> ServiceConnector {
        ServiceConnector {
            sentinel,
            name: name.to_string(),
            want,
            watch: Arc::default(),
            listener: Mutex::new(None),
            turn: AtomicUsize::new(0),
        }
    }

    /// Starts the listener thread unless it runs already.
    fn ensure_listener(&self) {
        let mut slot = self.listener.lock();
        if slot.is_some() || self.watch.stop.load(Ordering::Relaxed) {
            return;
        }
        let (tx, done) = mpsc::channel::<()>();
        let (sentinel, name, watch) =
            (self.sentinel.clone(), self.name.clone(), self.watch.clone());
        let spawned = thread::Builder::new()
            .name(format!("sentinel:{}", self.name))
            .spawn(move || {
                let _done = tx;
                listen(&sentinel, &name, &watch);
            });
        match spawned {
            Ok(handle) => *slot = Some(Listener { handle, done }),
            // Without it, failovers are still followed on READONLY and failed connects.
            Err(e) => log::warn!("no listener thread for {:?}: {e}", self.name),
        }
    }

    fn connect_master(&self, info: &ConnectionInfo) -> Result<Connection> {
        self.ensure_listener();
        let (known, _) = self.watch.current();
        if let Some(addr) = known {
            let mut node = info.clone();
            node.addr = self.sentinel.node_info(&addr.0, addr.1).addr;
            match open_node(&node) {
                Ok((conn, role)) if role == "master" => return Ok(conn),
                Ok((conn, _)) => conn.close(),
                Err(_) => {}
            }
            self.watch.forget(&addr);
        }
        let (_, seen) = self.watch.current();
        let (conn, addr) = self.sentinel.connect_master(&self.name, info)?;
        log::debug!("master of {:?} is {}:{}", self.name, addr.0, addr.1);
        self.watch.found(addr, seen);
        Ok(conn)
    }

    fn connect_replica(&self, template: &ConnectionInfo) -> Result<Connection> {
        let mut candidates = self.sentinel.discover_replicas(&self.name)?;
        if !candidates.is_empty() {
            let start = self.turn.fetch_add(1, Ordering::Relaxed) % candidates.len();
            candidates.rotate_left(start);
        }
        let mut errors = Vec::new();
        for (host, port) in candidates {
            let mut node = template.clone();
            node.addr = self.sentinel.node_info(&host, port).addr;
            match open_node(&node) {
                Ok((conn, role)) if role == "slave" => return Ok(conn),
                Ok((conn, role)) => {
                    conn.close();
                    errors.push(format!("{host}:{port} is a {role}"));
                }
                Err(e) => errors.push(format!("{host}:{port}: {e}")),
            }
        }
        // No replica to be had: read from the master, as redis-py does.
        log::debug!(
            "no replica of {:?} reachable ({}); using the master",
            self.name,
            errors.join("; ")
        );
        self.sentinel
            .connect_master(&self.name, template)
            .map(|(c, _)| c)
    }
}

impl Connector for ServiceConnector {
    fn connect(&self, info: &ConnectionInfo) -> Result<Connection> {
        match self.want {
            Want::Master => self.connect_master(info),
            Want::Replica => self.connect_replica(info),
        }
    }

    fn still_valid(&self, conn: &Connection) -> bool {
        self.want == Want::Replica || self.watch.leads_to_master(conn.addr())
    }
}

/// A [`ServiceConnector`] shared by a pool and the cache's invalidation channel.
pub(super) struct Shared(pub(super) std::sync::Arc<ServiceConnector>);

impl Connector for Shared {
    fn connect(&self, info: &ConnectionInfo) -> Result<Connection> {
        self.0.connect(info)
    }

    fn still_valid(&self, conn: &Connection) -> bool {
        self.0.still_valid(conn)
    }
}

impl Drop for ServiceConnector {
    fn drop(&mut self) {
        self.watch.stop.store(true, Ordering::Relaxed);
        if let Some(l) = self.listener.get_mut().take() {
            l.handle.thread().unpark();
            // The thread looks at the flag every POLL; a connect in progress may take
            // up to the setup budget, and then the thread ends on its own.
            match l.done.recv_timeout(Duration::from_secs(1)) {
                Err(mpsc::RecvTimeoutError::Disconnected) => {
                    let _ = l.handle.join();
                }
                _ => log::debug!("the listener of {:?} ends on its own", self.name),
            }
        }
    }
}

/// The listener thread's loop: one sentinel after the other, until stopped.
fn listen(sentinel: &Sentinel, name: &str, watch: &Watch) {
    while !watch.stop.load(Ordering::Relaxed) {
        let mut heard = false;
        for info in sentinel.sentinel_list() {
            if watch.stop.load(Ordering::Relaxed) {
                return;
            }
            match subscribe(&info) {
                Ok(conn) => {
                    heard = true;
                    catch_up(&info, name, watch);
                    follow(conn, &info, name, watch);
                }
                Err(e) => log::debug!("listener of {name:?}: {}: {e}", info.addr),
            }
        }
        if !heard {
            thread::park_timeout(PAUSE);
        }
    }
}

fn subscribe(info: &ConnectionInfo) -> Result<Connection> {
    let (mut conn, _) = open_for_setup(info)?;
    let mut c = cmd("SUBSCRIBE");
    for ch in CHANNELS {
        c = c.arg(ch);
    }
    conn.send(&c)?;
    // A message cut short is read to its end under the setup budget.
    conn.set_read_timeout(info.connect_timeout)?;
    Ok(conn)
}

/// Asks the sentinel for the master's address: what was announced while nobody listened.
fn catch_up(info: &ConnectionInfo, name: &str, watch: &Watch) {
    let c = cmd("SENTINEL").arg("GET-MASTER-ADDR-BY-NAME").arg(name);
    if let Ok(Value::Array(items)) = query(info, &c) {
        if let [h, p] = &items[..] {
            if let (Some(h), Some(p)) = (text(h), text(p).and_then(|p| p.parse::<u16>().ok())) {
                if watch.announce((h.clone(), p)) {
                    crate::observe::failover(name, &h, p, &info.addr);
                }
            }
        }
    }
}

/// Reads the subscription until the connection breaks, the sentinel stops answering, or
/// the listener is stopped.
fn follow(mut conn: Connection, info: &ConnectionInfo, name: &str, watch: &Watch) {
    let budget = info
        .connect_timeout
        .unwrap_or(crate::config::DEFAULT_CONNECT_TIMEOUT);
    let mut heard_at = Instant::now();
    let mut ping_at: Option<Instant> = None;
    while !watch.stop.load(Ordering::Relaxed) {
        match conn.read_value_timeout(POLL) {
            Ok(Some(v)) => {
                heard_at = Instant::now();
                ping_at = None;
                if let Some(addr) = announced(v, name) {
                    if watch.announce(addr.clone()) {
                        crate::observe::failover(name, &addr.0, addr.1, &info.addr);
                    }
                }
            }
            Ok(None) => match ping_at {
                Some(at) if at.elapsed() >= budget => break,
                Some(_) => {}
                None if heard_at.elapsed() >= QUIET => {
                    if conn.send(&cmd("PING")).is_err() {
                        break;
                    }
                    ping_at = Some(Instant::now());
                }
                None => {}
            },
            Err(_) => break,
        }
    }
    log::debug!("listener of {name:?}: leaving {}", info.addr);
    conn.close();
}

/// The new master's address in a `+switch-master` or `+promoted-slave` message about
/// `name`.
fn announced(v: Value, name: &str) -> Option<(String, u16)> {
    let (Value::Array(items) | Value::Push(items)) = v.strip_attributes() else {
        return None;
    };
    let [kind, channel, payload] = &items[..] else {
        return None;
    };
    if text(kind)? != "message" {
        return None;
    }
    let payload = text(payload)?;
    let t: Vec<&str> = payload.split(' ').collect();
    let (host, port) = match (text(channel)?.as_str(), &t[..]) {
        // <name> <old ip> <old port> <new ip> <new port>
        ("+switch-master", [n, _, _, h, p]) if *n == name => (h, p),
        // slave <ip:port> <ip> <port> @ <name> <master ip> <master port>
        ("+promoted-slave", ["slave", _, h, p, "@", n, _, _]) if *n == name => (h, p),
        _ => return None,
    };
    Some((host.to_string(), port.parse().ok()?))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn message(channel: &str, payload: &str) -> Value {
        let bulk = |s: &str| Value::Bulk(s.as_bytes().to_vec());
        Value::Array(vec![bulk("message"), bulk(channel), bulk(payload)])
    }

    #[test]
    fn reads_announcements() {
        let addr = |h: &str, p: u16| Some((h.to_string(), p));
        assert_eq!(
            announced(
                message("+switch-master", "mymaster 127.0.0.1 6380 127.0.0.2 6381"),
                "mymaster"
            ),
            addr("127.0.0.2", 6381)
        );
        let promoted = "slave 127.0.0.1:7001 127.0.0.1 7001 @ mymaster 127.0.0.1 7000";
        assert_eq!(
            announced(message("+promoted-slave", promoted), "mymaster"),
            addr("127.0.0.1", 7001)
        );
        assert_eq!(
            announced(message("+promoted-slave", promoted), "other"),
            None
        );
        assert_eq!(
            announced(message("+switch-master", "mymaster 1 2 3 x"), "mymaster"),
            None
        );
        assert_eq!(announced(Value::Nil, "mymaster"), None);
    }

    #[test]
    fn watch_keeps_the_newest_word() {
        let w = Watch::default();
        let a = ("127.0.0.1".to_string(), 1);
        let b = ("127.0.0.1".to_string(), 2);
        let tcp = |port| ConnectionAddr::Tcp {
            host: "127.0.0.1".into(),
            port,
        };
        assert!(w.leads_to_master(&tcp(1)));
        let (_, seen) = w.current();
        assert!(w.announce(b.clone()));
        // A connect that started before the announcement does not undo it.
        w.found(a.clone(), seen);
        assert_eq!(w.current().0, Some(b.clone()));
        assert!(!w.leads_to_master(&tcp(1)) && w.leads_to_master(&tcp(2)));
        w.forget(&b);
        assert!(w.leads_to_master(&tcp(1)));
        let (_, seen) = w.current();
        w.found(a.clone(), seen);
        assert_eq!(w.current().0, Some(a));
    }
}
