//! A fault-injecting TCP proxy, on std threads only, to put between the client under test
//! and a real server.
//!
//! ```ignore
//! let server = strictredis_test_kit::RedisServer::start();
//! let proxy = strictredis_test_kit::proxy::FaultProxy::start(server.port());
//! let r = strictredis::StrictRedis::from_url(&proxy.url()).unwrap();
//! proxy.close_after_bytes(3);          // the next reply is cut after 3 bytes
//! assert!(r.get::<Option<String>>("k").is_err());
//! ```
//!
//! Every link (one accepted client connection and its connection to the server) is served
//! by two threads, one per direction. Faults can be switched at any time and apply to every
//! link, open or future:
//!
//! | fault | effect |
//! |---|---|
//! | [`set_latency`](FaultProxy::set_latency) | each chunk, either way, waits this long before it is forwarded |
//! | [`stall`](FaultProxy::stall) | nothing is forwarded either way until the stall ends (no byte is lost) |
//! | [`reset_all`](FaultProxy::reset_all) | every open link is reset (RST to the client, close to the server) |
//! | [`close_after_bytes`](FaultProxy::close_after_bytes) | once: forward `n` more reply bytes, then close that link (cuts a reply mid-frame) |
//! | [`cut_replies`](FaultProxy::cut_replies) | while on: a reply is dropped and its link closed; the request did reach the server |
//! | [`drop_replies`](FaultProxy::drop_replies) | while on: server-to-client bytes are swallowed, the link stays open |
//! | [`replace_next_reply`](FaultProxy::replace_next_reply) | once: the next reply chunk is replaced by the given bytes (garbage, hostile frames) |
//! | [`inject_now`](FaultProxy::inject_now) | writes bytes to every open client now, unasked |
//! | [`refuse_next`](FaultProxy::refuse_next) | the next `n` connections are reset as soon as they are accepted |
//!
//! Dropping the proxy closes every link and stops its threads.
use std::io::{self, Read, Write};
use std::net::{Shutdown, SocketAddr, TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::thread::{self, JoinHandle};
use std::time::Duration;

/// How many bytes of each link's client-to-server stream are kept for inspection.
const CAPTURE: usize = 4096;

/// See the [module docs](self).
pub struct FaultProxy {
    port: u16,
    shared: Arc<Shared>,
    accept: Option<JoinHandle<()>>,
}

struct Shared {
    target: SocketAddr,
    faults: Mutex<Faults>,
    links: Mutex<Vec<Arc<Link>>>,
    stop: AtomicBool,
    accepted: AtomicUsize,
    next_id: AtomicU64,
    /// The first bytes each link's client sent (the TLS ClientHello, the first command).
    captured: Mutex<Vec<Vec<u8>>>,
}

#[derive(Default)]
struct Faults {
    latency: Duration,
    stall: bool,
    drop_replies: bool,
    cut_replies: bool,
    close_after: Option<usize>,
    replace_next: Option<Vec<u8>>,
    refuse: usize,
}

struct Link {
    id: u64,
    client: TcpStream,
    server: TcpStream,
    closed: AtomicBool,
}

impl Link {
    /// FIN both ways: the client reads what was forwarded, then EOF.
    fn close(&self) {
        self.closed.store(true, Ordering::SeqCst);
        let _ = self.client.shutdown(Shutdown::Both);
        let _ = self.server.shutdown(Shutdown::Both);
    }

    /// RST to the client (SO_LINGER 0; sent when the last handle to the socket goes).
    fn reset(&self) {
        self.closed.store(true, Ordering::SeqCst);
        let _ = socket2::SockRef::from(&self.client).set_linger(Some(Duration::ZERO));
        // SHUT_RD wakes the pump blocked reading the client without sending a FIN.
        let _ = self.client.shutdown(Shutdown::Read);
        let _ = self.server.shutdown(Shutdown::Both);
    }
}

impl FaultProxy {
    /// A proxy on a free loopback port that forwards to `127.0.0.1:target_port`.
    pub fn start(target_port: u16) -> FaultProxy {
        Self::start_to(SocketAddr::from(([127, 0, 0, 1], target_port)))
    }

    /// A proxy on a free loopback port that forwards to `target`.
    pub fn start_to(target: SocketAddr) -> FaultProxy {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind the proxy");
        let port = listener.local_addr().unwrap().port();
        let shared = Arc::new(Shared {
            target,
            faults: Mutex::new(Faults::default()),
            links: Mutex::new(Vec::new()),
            stop: AtomicBool::new(false),
            accepted: AtomicUsize::new(0),
            next_id: AtomicU64::new(0),
            captured: Mutex::new(Vec::new()),
        });
        let s = shared.clone();
        let accept = thread::Builder::new()
            .name(format!("proxy-accept-{port}"))
            .spawn(move || accept_loop(listener, s))
            .expect("spawn the proxy's accept thread");
        FaultProxy {
            port,
            shared,
            accept: Some(accept),
        }
    }

    /// The proxy's port.
    pub fn port(&self) -> u16 {
        self.port
    }

    /// `redis://127.0.0.1:<port>`.
    pub fn url(&self) -> String {
        format!("redis://127.0.0.1:{}", self.port)
    }

    fn faults(&self) -> MutexGuard<'_, Faults> {
        self.shared.faults()
    }

    /// Each chunk, either way, waits `d` before it is forwarded (`Duration::ZERO`: none).
    pub fn set_latency(&self, d: Duration) {
        self.faults().latency = d;
    }

    /// Stops (`true`) or resumes (`false`) forwarding either way; nothing is lost.
    pub fn stall(&self, on: bool) {
        self.faults().stall = on;
    }

    /// While on, server-to-client bytes are swallowed; links stay open.
    pub fn drop_replies(&self, on: bool) {
        self.faults().drop_replies = on;
    }

    /// While on, every reply is dropped and its link closed: the request reached the server
    /// (it answered), the client never learns the outcome.
    pub fn cut_replies(&self, on: bool) {
        self.faults().cut_replies = on;
    }

    /// Once: forward `n` more server-to-client bytes (on whichever link they come), then
    /// close that link.
    pub fn close_after_bytes(&self, n: usize) {
        self.faults().close_after = Some(n);
    }

    /// True while a [`close_after_bytes`](Self::close_after_bytes) has not fired yet.
    pub fn close_pending(&self) -> bool {
        self.faults().close_after.is_some()
    }

    /// Once: the next server-to-client chunk is replaced by `bytes`.
    pub fn replace_next_reply(&self, bytes: &[u8]) {
        self.faults().replace_next = Some(bytes.to_vec());
    }

    /// Writes `bytes` to every open link's client now.
    pub fn inject_now(&self, bytes: &[u8]) {
        for link in self.shared.links.lock().unwrap().iter() {
            let _ = (&link.client).write_all(bytes);
        }
    }

    /// The next `n` accepted connections are reset at once, without reaching the server.
    pub fn refuse_next(&self, n: usize) {
        self.faults().refuse = n;
    }

    /// Resets every open link now; returns once the resets have been sent.
    pub fn reset_all(&self) {
        let links: Vec<_> = self.shared.links.lock().unwrap().drain(..).collect();
        for l in &links {
            l.reset();
        }
        // The RST leaves when the last handle to the socket closes: wait for the link's two
        // threads to let go of theirs, then close ours.
        for l in links {
            let deadline = std::time::Instant::now() + Duration::from_secs(5);
            while Arc::strong_count(&l) > 1 && std::time::Instant::now() < deadline {
                thread::sleep(Duration::from_millis(1));
            }
        }
    }

    /// Closes (FIN) every open link now.
    pub fn close_all(&self) {
        let links: Vec<_> = self.shared.links.lock().unwrap().drain(..).collect();
        for l in links {
            l.close();
        }
    }

    /// Turns every fault off (open links stay as they are).
    pub fn heal(&self) {
        *self.faults() = Faults::default();
    }

    /// Links open now.
    pub fn links(&self) -> usize {
        self.shared
            .links
            .lock()
            .unwrap()
            .iter()
            .filter(|l| !l.closed.load(Ordering::SeqCst))
            .count()
    }

    /// Connections accepted so far (refused ones included).
    pub fn accepted(&self) -> usize {
        self.shared.accepted.load(Ordering::SeqCst)
    }

    /// The first bytes (up to 4 KiB) each link's client sent, oldest link first.
    pub fn client_bytes(&self) -> Vec<Vec<u8>> {
        self.shared.captured.lock().unwrap().clone()
    }
}

impl Drop for FaultProxy {
    fn drop(&mut self) {
        self.shared.stop.store(true, Ordering::SeqCst);
        // Wake the accept loop.
        let _ = TcpStream::connect(("127.0.0.1", self.port));
        if let Some(t) = self.accept.take() {
            let _ = t.join();
        }
        self.close_all();
    }
}

impl Shared {
    fn faults(&self) -> MutexGuard<'_, Faults> {
        self.faults.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn forget(&self, id: u64) {
        self.links.lock().unwrap().retain(|l| l.id != id);
    }
}

fn accept_loop(listener: TcpListener, shared: Arc<Shared>) {
    for client in listener.incoming() {
        if shared.stop.load(Ordering::SeqCst) {
            return;
        }
        let Ok(client) = client else { continue };
        shared.accepted.fetch_add(1, Ordering::SeqCst);
        {
            let mut f = shared.faults();
            if f.refuse > 0 {
                f.refuse -= 1;
                let _ = socket2::SockRef::from(&client).set_linger(Some(Duration::ZERO));
                drop(client);
                continue;
            }
        }
        let server = match TcpStream::connect_timeout(&shared.target, Duration::from_secs(5)) {
            Ok(s) => s,
            Err(_) => {
                // The server is down: the client sees its connection reset.
                let _ = socket2::SockRef::from(&client).set_linger(Some(Duration::ZERO));
                continue;
            }
        };
        let _ = client.set_nodelay(true);
        let _ = server.set_nodelay(true);
        let link = Arc::new(Link {
            id: shared.next_id.fetch_add(1, Ordering::SeqCst),
            client,
            server,
            closed: AtomicBool::new(false),
        });
        let slot = {
            let mut captured = shared.captured.lock().unwrap();
            captured.push(Vec::new());
            captured.len() - 1
        };
        shared.links.lock().unwrap().push(link.clone());
        let pumps_left = Arc::new(AtomicUsize::new(2));
        for upstream in [true, false] {
            let (link, shared, left) = (link.clone(), shared.clone(), pumps_left.clone());
            let (from, to) = match (upstream, link.client.try_clone(), link.server.try_clone()) {
                (true, Ok(c), Ok(s)) => (c, s),
                (false, Ok(c), Ok(s)) => (s, c),
                _ => {
                    link.close();
                    continue;
                }
            };
            thread::spawn(move || {
                if upstream {
                    pump_up(from, to, &link, &shared, slot);
                } else {
                    pump_down(from, to, &link, &shared);
                }
                if left.fetch_sub(1, Ordering::SeqCst) == 1 {
                    shared.forget(link.id);
                }
            });
        }
    }
}

/// Waits while the proxy is stalled; false when the link closed meanwhile.
fn wait_stall(link: &Link, shared: &Shared) -> bool {
    loop {
        if link.closed.load(Ordering::SeqCst) || shared.stop.load(Ordering::SeqCst) {
            return false;
        }
        let (stalled, latency) = {
            let f = shared.faults();
            (f.stall, f.latency)
        };
        if !stalled {
            if !latency.is_zero() {
                thread::sleep(latency);
            }
            return true;
        }
        thread::sleep(Duration::from_millis(2));
    }
}

fn read_chunk(from: &mut TcpStream, buf: &mut [u8]) -> io::Result<usize> {
    loop {
        match from.read(buf) {
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            r => return r,
        }
    }
}

/// The next chunk to forward, read after any stall (and latency) and forwarded after
/// another: `None` when the link closed meanwhile, `Some(0)` when the sender closed or the
/// read failed.
fn next_chunk(from: &mut TcpStream, buf: &mut [u8], link: &Link, shared: &Shared) -> Option<usize> {
    if !wait_stall(link, shared) {
        return None;
    }
    let n = read_chunk(from, buf).unwrap_or(0);
    if n > 0 && !wait_stall(link, shared) {
        return None;
    }
    Some(n)
}

/// What a pump does after a chunk.
enum Step {
    /// On to the next chunk.
    Next,
    /// The write failed: end as when the sender closes.
    End,
    /// A fault closed the link: stop at once.
    Stop,
}

/// Forwards chunks from `from` through `on_chunk` (which writes them to `to`, or not) until
/// one side ends. True when the sender closed or a write failed (the caller passes the close
/// on), false when the link was closed meanwhile.
fn pump(
    mut from: TcpStream,
    to: &mut TcpStream,
    link: &Link,
    shared: &Shared,
    mut on_chunk: impl FnMut(&[u8], &mut TcpStream) -> Step,
) -> bool {
    let mut buf = vec![0u8; 64 * 1024];
    loop {
        let Some(n) = next_chunk(&mut from, &mut buf, link, shared) else {
            return false;
        };
        if n == 0 {
            return true;
        }
        match on_chunk(&buf[..n], to) {
            Step::Next => {}
            Step::End => return true,
            Step::Stop => return false,
        }
    }
}

/// Writes `bytes`: [`Step::Next`], or [`Step::End`] when the write fails.
fn forward(to: &mut TcpStream, bytes: &[u8]) -> Step {
    match to.write_all(bytes) {
        Ok(()) => Step::Next,
        Err(_) => Step::End,
    }
}

/// Client to server.
fn pump_up(from: TcpStream, mut to: TcpStream, link: &Link, shared: &Shared, slot: usize) {
    let ended = pump(from, &mut to, link, shared, |chunk, to| {
        {
            let mut captured = shared.captured.lock().unwrap();
            if let Some(c) = captured.get_mut(slot) {
                let keep = CAPTURE.saturating_sub(c.len()).min(chunk.len());
                c.extend_from_slice(&chunk[..keep]);
            }
        }
        forward(to, chunk)
    });
    if ended && !link.closed.load(Ordering::SeqCst) {
        // The client closed its side: pass the FIN on.
        let _ = to.shutdown(Shutdown::Write);
    }
}

/// Server to client, where the reply faults apply.
fn pump_down(from: TcpStream, mut to: TcpStream, link: &Link, shared: &Shared) {
    let ended = pump(from, &mut to, link, shared, |chunk, to| {
        let n = chunk.len();
        let mut f = shared.faults();
        if f.drop_replies {
            return Step::Next;
        }
        if f.cut_replies {
            drop(f);
            link.close();
            return Step::Stop;
        }
        if let Some(bytes) = f.replace_next.take() {
            drop(f);
            return forward(to, &bytes);
        }
        if let Some(left) = f.close_after {
            let take = left.min(n);
            if take == n && left > n {
                f.close_after = Some(left - n);
            } else {
                f.close_after = None;
                drop(f);
                let _ = to.write_all(&chunk[..take]);
                link.close();
                return Step::Stop;
            }
        }
        drop(f);
        forward(to, chunk)
    });
    if ended && !link.closed.load(Ordering::SeqCst) {
        // The server closed: pass it on.
        link.close();
    }
}
