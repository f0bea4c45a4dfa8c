//! `rediss://` against a real `redis-server` that speaks only TLS (`--port 0 --tls-port`),
//! with certificates made by the test (`rcgen`): a valid chain, a wrong host name, an
//! untrusted CA, `insecure`, client certificates (mTLS) required, and faults over TLS.
#![cfg(feature = "tls")]

use strictredis_test_kit as common;

use std::path::PathBuf;
use std::time::Duration;

use common::proxy::FaultProxy;
use common::{wait_until, RawReply, RedisServer};
use rcgen::{BasicConstraints, CertificateParams, CertifiedIssuer, DnType, IsCa, KeyPair};
use strictredis::{cmd, Error, RetryPolicy, StrictRedis};

/// Certificates and keys, as PEM files in a temporary directory.
struct Pki {
    dir: tempfile::TempDir,
}

impl Pki {
    fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    /// `ca.pem` (trusted by the server and the tests), `other-ca.pem` (trusted by nobody),
    /// `server.pem`/`server.key` (localhost and 127.0.0.1, by ca), `wrong.pem`/`wrong.key`
    /// (redis.example only, by ca), `untrusted.pem`/`untrusted.key` (localhost, by other-ca),
    /// `client.pem`/`client.key` (by ca) and `rogue-client.pem`/`.key` (by other-ca).
    fn new() -> Pki {
        let dir = tempfile::Builder::new()
            .prefix("strictredis-tls-")
            .tempdir()
            .unwrap();
        let pki = Pki { dir };
        let ca = pki.ca("strictredis test CA", "ca.pem");
        let other = pki.ca("someone else's CA", "other-ca.pem");
        pki.leaf(&ca, &["localhost", "127.0.0.1"], "server");
        pki.leaf(&ca, &["redis.example"], "wrong");
        pki.leaf(&other, &["localhost", "127.0.0.1"], "untrusted");
        pki.leaf(&ca, &["client.example"], "client");
        pki.leaf(&other, &["client.example"], "rogue-client");
        pki
    }

    fn ca(&self, name: &str, file: &str) -> CertifiedIssuer<'static, KeyPair> {
        let mut params = CertificateParams::new(Vec::<String>::new()).unwrap();
        params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
        params.distinguished_name.push(DnType::CommonName, name);
        let ca = CertifiedIssuer::self_signed(params, KeyPair::generate().unwrap()).unwrap();
        std::fs::write(self.path(file), ca.pem()).unwrap();
        ca
    }

    fn leaf(&self, ca: &CertifiedIssuer<'static, KeyPair>, names: &[&str], stem: &str) {
        let names: Vec<String> = names.iter().map(|s| s.to_string()).collect();
        let mut params = CertificateParams::new(names).unwrap();
        params.distinguished_name.push(DnType::CommonName, stem);
        let key = KeyPair::generate().unwrap();
        let cert = params.signed_by(&key, ca).unwrap();
        std::fs::write(self.path(&format!("{stem}.pem")), cert.pem()).unwrap();
        std::fs::write(self.path(&format!("{stem}.key")), key.serialize_pem()).unwrap();
    }
}

/// A `redis-server` listening only on a TLS port (the kit talks to it over its unix socket).
struct TlsServer {
    server: RedisServer,
    port: u16,
}

impl TlsServer {
    /// Serves `stem.pem`/`stem.key` of `pki`; clients must present a certificate signed by
    /// `ca.pem` when `auth_clients`.
    fn start(pki: &Pki, stem: &str, auth_clients: bool) -> TlsServer {
        let path = |name: &str| pki.path(name).display().to_string();
        let server = RedisServer::start_tls(&[
            "--tls-cert-file",
            &path(&format!("{stem}.pem")),
            "--tls-key-file",
            &path(&format!("{stem}.key")),
            "--tls-ca-cert-file",
            &path("ca.pem"),
            "--tls-auth-clients",
            if auth_clients { "yes" } else { "no" },
        ]);
        let port = server.port();
        TlsServer { server, port }
    }

    fn url(&self, host: &str, query: &str) -> String {
        format!("rediss://{host}:{}?{query}", self.port)
    }

    /// One command over the unix socket: its reply as text, integers as `:N`.
    fn raw(&self, args: &[&str]) -> String {
        match self.server.raw_reply(args) {
            RawReply::Int(n) => format!(":{n}"),
            other => other.to_string(),
        }
    }
}

fn files(pki: &Pki, ca: Option<&str>, client: Option<&str>) -> String {
    let mut q = Vec::new();
    if let Some(ca) = ca {
        q.push(format!("ca_file={}", pki.path(ca).display()));
    }
    if let Some(c) = client {
        q.push(format!(
            "cert_file={}",
            pki.path(&format!("{c}.pem")).display()
        ));
        q.push(format!(
            "key_file={}",
            pki.path(&format!("{c}.key")).display()
        ));
    }
    q.join("&")
}

/// A fault proxy in front of `server`, and the `rediss://localhost` URL through it that
/// trusts the test CA.
fn behind_a_proxy(pki: &Pki, server: &TlsServer) -> (FaultProxy, String) {
    let proxy = FaultProxy::start(server.port);
    let url = format!(
        "rediss://localhost:{}?{}",
        proxy.port(),
        files(pki, Some("ca.pem"), None)
    );
    (proxy, url)
}

fn client(url: &str) -> StrictRedis {
    StrictRedis::builder()
        .url(url)
        .unwrap()
        .read_timeout(Some(Duration::from_secs(5)))
        .connect_timeout(Duration::from_secs(5))
        .build()
        .unwrap()
}

fn roundtrip(r: &StrictRedis, tag: &str) {
    let key = format!("tls:{tag}");
    r.set(&key, &key).unwrap();
    assert_eq!(r.get::<String>(&key).unwrap(), key);
}

fn tls_error(e: &Error, needle: &str) {
    assert!(matches!(e, Error::Tls(_)), "{e:?}");
    assert!(e.to_string().contains(needle), "{needle:?} not in: {e}");
}

#[test]
fn a_valid_certificate_verifies_by_name_and_by_ip() {
    let pki = Pki::new();
    let server = TlsServer::start(&pki, "server", false);
    let ca = files(&pki, Some("ca.pem"), None);
    for host in ["localhost", "127.0.0.1"] {
        let r = client(&server.url(host, &ca));
        roundtrip(&r, host);
        assert_eq!(r.ping().unwrap(), "PONG");
    }
    assert_eq!(server.raw(&["GET", "tls:localhost"]), "tls:localhost");
}

#[test]
fn sni_carries_the_host_name() {
    let pki = Pki::new();
    let server = TlsServer::start(&pki, "server", false);
    let (proxy, url) = behind_a_proxy(&pki, &server);
    roundtrip(&client(&url), "sni");
    let hello = &proxy.client_bytes()[0];
    assert_eq!(hello[0], 0x16, "a TLS handshake record");
    assert!(
        hello.windows(9).any(|w| w == b"localhost"),
        "the ClientHello names the server"
    );
    // What went over the wire is not the plain command.
    assert!(!hello.windows(3).any(|w| w == b"SET"));
}

#[test]
fn a_wrong_host_name_is_refused() {
    let pki = Pki::new();
    let server = TlsServer::start(&pki, "wrong", false);
    let r = client(&server.url("localhost", &files(&pki, Some("ca.pem"), None)));
    let e = r.ping().unwrap_err();
    tls_error(&e, "not valid for name \"localhost\"");
    // No retry of a certificate failure, and no connection left open.
    assert_eq!(r.pool().size(), 0);
    // The same server, asked for by the name in its certificate, is fine: only the name
    // was wrong. (redis.example is not resolvable, so this is checked with insecure.)
    let r = client(&server.url("localhost", "insecure=true"));
    roundtrip(&r, "wrong-name-insecure");
}

#[test]
fn an_untrusted_ca_is_refused() {
    let pki = Pki::new();
    let server = TlsServer::start(&pki, "untrusted", false);
    let e = client(&server.url("localhost", &files(&pki, Some("ca.pem"), None)))
        .ping()
        .unwrap_err();
    tls_error(&e, "UnknownIssuer");
    // Nor do the default roots (webpki-roots) trust a private CA.
    let e = client(&server.url("localhost", "")).ping().unwrap_err();
    tls_error(&e, "UnknownIssuer");
    // Trusting that CA explicitly works.
    let r = client(&server.url("localhost", &files(&pki, Some("other-ca.pem"), None)));
    roundtrip(&r, "other-ca");
}

#[test]
fn insecure_skips_verification_only_when_asked() {
    let pki = Pki::new();
    let server = TlsServer::start(&pki, "untrusted", false);
    for q in ["insecure=true", "ssl_cert_reqs=none"] {
        let r = client(&server.url("127.0.0.1", q));
        roundtrip(&r, q);
    }
    let info: strictredis::ConnectionInfo = server.url("127.0.0.1", "").parse().unwrap();
    assert!(matches!(
        info.addr,
        strictredis::ConnectionAddr::TcpTls {
            insecure: false,
            ..
        }
    ));
}

#[test]
fn mutual_tls_with_and_without_a_client_certificate() {
    let pki = Pki::new();
    let server = TlsServer::start(&pki, "server", true);
    let with = client(&server.url("localhost", &files(&pki, Some("ca.pem"), Some("client"))));
    roundtrip(&with, "mtls");
    // The key may also sit in the certificate file.
    let both = pki.path("client-both.pem");
    let pem = std::fs::read_to_string(pki.path("client.pem")).unwrap()
        + &std::fs::read_to_string(pki.path("client.key")).unwrap();
    std::fs::write(&both, pem).unwrap();
    let url = server.url(
        "localhost",
        &format!(
            "{}&cert_file={}",
            files(&pki, Some("ca.pem"), None),
            both.display()
        ),
    );
    roundtrip(&client(&url), "mtls-one-file");

    // Without a certificate the server refuses us: during the handshake (TLS 1.2) or with
    // an alert at the first read (TLS 1.3). Either way no command runs.
    let without = client(&server.url("localhost", &files(&pki, Some("ca.pem"), None)));
    let e = without.set("mtls:none", "x").unwrap_err();
    println!("mTLS without a client certificate: {e}");
    tls_error(&e, "Certificate");
    assert!(!e.is_ambiguous(), "the server refused the session: {e:?}");
    // A certificate from another CA is refused as well.
    let rogue = client(&server.url(
        "localhost",
        &files(&pki, Some("ca.pem"), Some("rogue-client")),
    ));
    assert!(rogue.set("mtls:rogue", "x").is_err());
    assert_eq!(server.raw(&["EXISTS", "mtls:none"]), ":0");
    assert_eq!(server.raw(&["EXISTS", "mtls:rogue"]), ":0");
}

#[test]
fn unreadable_tls_files_are_reported_with_their_path() {
    let pki = Pki::new();
    let server = TlsServer::start(&pki, "server", false);
    let missing = pki.path("missing.pem");
    let r = client(&server.url("localhost", &format!("ca_file={}", missing.display())));
    let e = r.ping().unwrap_err();
    tls_error(&e, "missing.pem");
    let not_pem = pki.path("not.pem");
    std::fs::write(&not_pem, "hello").unwrap();
    let e = client(&server.url("localhost", &format!("ca_file={}", not_pem.display())))
        .ping()
        .unwrap_err();
    tls_error(&e, "not.pem");
    let e = client(&server.url(
        "localhost",
        &format!(
            "{}&cert_file={}&key_file={}",
            files(&pki, Some("ca.pem"), None),
            pki.path("client.pem").display(),
            missing.display()
        ),
    ))
    .ping()
    .unwrap_err();
    tls_error(&e, "missing.pem");
}

#[test]
fn idle_tls_connections_are_reused_and_stale_ones_replaced() {
    let pki = Pki::new();
    let server = TlsServer::start(&pki, "server", false);
    let r = StrictRedis::builder()
        .url(&server.url("localhost", &files(&pki, Some("ca.pem"), None)))
        .unwrap()
        .max_connections(1)
        .build()
        .unwrap();
    let id: i64 = r.execute_command(cmd("CLIENT").arg("ID")).unwrap();
    // Session tickets and other handshake records on the idle socket do not make it look
    // stale: the same connection comes back.
    let again: i64 = r.execute_command(cmd("CLIENT").arg("ID")).unwrap();
    assert_eq!(again, id);
    // The server closes it while idle: the next command gets a new one, and works.
    server.raw(&["CLIENT", "KILL", "ID", &id.to_string()]);
    assert!(wait_until(Duration::from_secs(5), || {
        server
            .raw(&["CLIENT", "LIST", "ID", &id.to_string()])
            .is_empty()
            || !server
                .raw(&["CLIENT", "LIST", "ID", &id.to_string()])
                .contains("id=")
    }));
    r.execute_command::<()>(cmd("SET").key("after-kill").arg("1"))
        .unwrap();
    let third: i64 = r.execute_command(cmd("CLIENT").arg("ID")).unwrap();
    assert_ne!(third, id);
}

#[test]
fn faults_over_tls_never_give_a_wrong_reply() {
    let pki = Pki::new();
    let server = TlsServer::start(&pki, "server", false);
    let (proxy, url) = behind_a_proxy(&pki, &server);
    let r = StrictRedis::builder()
        .url(&url)
        .unwrap()
        .read_timeout(Some(Duration::from_millis(200)))
        .retry_policy(RetryPolicy::none())
        .build()
        .unwrap();
    roundtrip(&r, "before");
    // A record cut in the middle.
    for cut in [1, 5, 20] {
        proxy.close_after_bytes(cut);
        assert!(r.get::<Option<String>>("tls:before").is_err());
        roundtrip(&r, &format!("cut{cut}"));
    }
    // Garbage instead of a record.
    proxy.replace_next_reply(b"\x17\x03\x03\x00\x05hello");
    assert!(r.get::<Option<String>>("tls:before").is_err());
    roundtrip(&r, "garbage");
    // A stalled reply times out; the late reply never reaches the next caller.
    proxy.stall(true);
    let e = r.get::<Option<String>>("tls:before").unwrap_err();
    assert!(e.is_timeout(), "{e:?}");
    proxy.stall(false);
    roundtrip(&r, "stall");
    // A write whose reply is lost is ambiguous, and applied once.
    proxy.cut_replies(true);
    assert!(r.incr("tls:n").unwrap_err().is_ambiguous());
    proxy.cut_replies(false);
    assert_eq!(r.incr("tls:n").unwrap(), 2);
}

#[test]
fn big_values_over_tls() {
    // Payloads larger than the connection's 64 KiB buffers take the direct read and the
    // vectored write paths; over TLS they must arrive byte for byte, replies in sync.
    let pki = Pki::new();
    let server = TlsServer::start(&pki, "server", false);
    let r = client(&server.url("localhost", &files(&pki, Some("ca.pem"), None)));
    for (i, n) in [65_537usize, 1 << 20, 3 * (1 << 20) + 5]
        .into_iter()
        .enumerate()
    {
        let v: Vec<u8> = (0..n).map(|j| ((j * 13 + i) % 251) as u8).collect();
        let key = format!("tls:big:{i}");
        r.set(&key, &v).unwrap();
        let got: Vec<u8> = r.get(&key).unwrap();
        assert!(got == v, "{n} bytes came back different");
        roundtrip(&r, &format!("after-big-{i}"));
    }
}
