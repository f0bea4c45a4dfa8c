//! TLS for `rediss://` connections, over `rustls` (feature `tls`, on by default).
//!
//! By default the server's certificate chain is verified against the Mozilla root
//! certificates (`webpki-roots`), or against the CA file given as
//! [`TlsOptions::ca_file`](crate::config::TlsOptions::ca_file) instead; its name must match
//! the host the URL gives (a DNS name, sent as SNI, or an IP address). A client certificate
//! and key ([`TlsOptions::cert_file`](crate::config::TlsOptions::cert_file),
//! [`key_file`](crate::config::TlsOptions::key_file)) are presented when the server asks for
//! one (mutual TLS). Verification is skipped only when asked for explicitly
//! (`?insecure=true`, [`ConnectionAddr::TcpTls`](crate::ConnectionAddr::TcpTls)'s `insecure`): the handshake's signatures
//! are still checked, but anyone can then pose as the server.
//!
//! A certificate that does not verify, a file that cannot be read and a failed handshake
//! are [`Error::Tls`]; they are never retried.

#![cfg_attr(docsrs, doc(cfg(feature = "tls")))]

use std::io::{self, Read, Write};
use std::net::TcpStream;
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer, ServerName, UnixTime};
use rustls::{
    ClientConfig, ClientConnection, DigitallySignedStruct, RootCertStore, SignatureScheme,
};

use crate::config::TlsOptions;
use crate::error::{Error, Result, TlsError, TlsKind};

/// A TLS session over a TCP socket.
pub(crate) type TlsStream = rustls::StreamOwned<ClientConnection, TcpStream>;

fn provider() -> Arc<rustls::crypto::CryptoProvider> {
    Arc::new(rustls::crypto::ring::default_provider())
}

/// A CA, certificate or key file that could not be used, for the reason `why`.
fn file_problem(what: &str, path: &Path, why: impl std::fmt::Display) -> TlsError {
    let message = format!("cannot load the {what} {}: {why}", path.display());
    TlsError::new(TlsKind::Setup, message)
}

/// A CA, certificate or key file that could not be loaded, with the error that said so.
fn file_err<E>(what: &str, path: &Path, e: E) -> Error
where
    E: std::error::Error + Send + Sync + 'static,
{
    file_problem(what, path, &e).caused_by(e).into()
}

/// A setup failure with the rustls error behind it.
fn setup_err(what: &str, e: rustls::Error) -> Error {
    TlsError::new(TlsKind::Setup, format!("{what}: {e}"))
        .caused_by(e)
        .into()
}

/// The client configuration for one connection.
fn client_config(opts: &TlsOptions, insecure: bool) -> Result<ClientConfig> {
    let builder = ClientConfig::builder_with_provider(provider())
        .with_safe_default_protocol_versions()
        .map_err(|e| setup_err("no usable TLS protocol version", e))?;
    let builder = if insecure {
        builder
            .dangerous()
            .with_custom_certificate_verifier(Arc::new(NoVerification(provider())))
    } else {
        let mut roots = RootCertStore::empty();
        match &opts.ca_file {
            Some(path) => {
                let certs = CertificateDer::pem_file_iter(path)
                    .map_err(|e| file_err("CA file", path, e))?
                    .collect::<std::result::Result<Vec<_>, _>>()
                    .map_err(|e| file_err("CA file", path, e))?;
                let (added, _) = roots.add_parsable_certificates(certs);
                if added == 0 {
                    return Err(
                        file_problem("CA file", path, "it holds no usable certificate").into(),
                    );
                }
            }
            None => roots.extend(webpki_roots::TLS_SERVER_ROOTS.iter().cloned()),
        }
        builder.with_root_certificates(roots)
    };
    match &opts.cert_file {
        None => Ok(builder.with_no_client_auth()),
        Some(cert_path) => {
            let chain = CertificateDer::pem_file_iter(cert_path)
                .map_err(|e| file_err("client certificate", cert_path, e))?
                .collect::<std::result::Result<Vec<_>, _>>()
                .map_err(|e| file_err("client certificate", cert_path, e))?;
            if chain.is_empty() {
                let why = "it holds no certificate";
                return Err(file_problem("client certificate", cert_path, why).into());
            }
            // Without a key file, the key is looked for next to the certificate.
            let key_path = opts.key_file.as_deref().unwrap_or(cert_path);
            let key = PrivateKeyDer::from_pem_file(key_path)
                .map_err(|e| file_err("client key", key_path, e))?;
            builder
                .with_client_auth_cert(chain, key)
                .map_err(|e| setup_err("unusable client certificate or key", e))
        }
    }
}

/// Runs the TLS handshake over `tcp` to `host` (the name checked and sent as SNI), within
/// `timeout`.
pub(crate) fn connect(
    tcp: TcpStream,
    host: &str,
    insecure: bool,
    opts: &TlsOptions,
    timeout: Option<Duration>,
) -> Result<TlsStream> {
    let config = client_config(opts, insecure)?;
    let name = ServerName::try_from(host.to_string()).map_err(|e| {
        let message = format!("{host:?} is not a valid DNS name or IP address");
        Error::from(TlsError::new(TlsKind::Setup, message).caused_by(e))
    })?;
    let conn = ClientConnection::new(Arc::new(config), name)
        .map_err(|e| setup_err("cannot start a TLS session", e))?;
    let mut stream = rustls::StreamOwned::new(conn, tcp);
    stream.sock.set_read_timeout(timeout)?;
    stream.sock.set_write_timeout(timeout)?;
    while stream.conn.is_handshaking() {
        if let Err(e) = stream.conn.complete_io(&mut stream.sock) {
            return Err(handshake_error(e, host));
        }
    }
    Ok(stream)
}

/// A read or write error of a TLS session, as the transport seam returns it: a TLS alert
/// that says the server refused the session itself (a client certificate missing or not
/// trusted) is wrapped in a refusal [`TlsError`] (the rustls error its cause), which
/// becomes [`Error::Tls`], with nothing run. TLS
/// 1.3 servers send it after the handshake, so it can come at the first read. Any other
/// error is returned unchanged.
pub(crate) fn classify(e: io::Error) -> io::Error {
    let Some(text) = refusal(&e) else {
        return e;
    };
    let kind = e.kind();
    let mut refused = TlsError::new(TlsKind::Refused, text);
    if let Some(cause) = e.into_inner() {
        refused = refused.caused_by(cause);
    }
    io::Error::new(kind, refused)
}

fn refusal(e: &io::Error) -> Option<String> {
    use rustls::AlertDescription as A;
    let inner = e.get_ref()?.downcast_ref::<rustls::Error>()?;
    match inner {
        rustls::Error::AlertReceived(
            A::CertificateRequired
            | A::BadCertificate
            | A::UnknownCA
            | A::CertificateUnknown
            | A::CertificateRevoked
            | A::CertificateExpired
            | A::UnsupportedCertificate
            | A::AccessDenied
            | A::HandshakeFailure,
        ) => Some(format!("the server refused the TLS session: {inner}")),
        _ => None,
    }
}

fn handshake_error(e: io::Error, host: &str) -> Error {
    if !e.get_ref().is_some_and(|inner| inner.is::<rustls::Error>()) {
        return Error::from(e);
    }
    let message = format!("TLS handshake with {host} failed: {e}");
    let mut failed = TlsError::new(TlsKind::Handshake, message);
    if let Some(cause) = e.into_inner() {
        failed = failed.caused_by(cause);
    }
    failed.into()
}

/// Whether the peer sent anything on an idle session that the application would read
/// (data or a close): handshake messages such as TLS 1.3 session tickets are taken in and
/// do not count. Never blocks.
pub(crate) fn has_unexpected_input(s: &mut TlsStream) -> io::Result<bool> {
    s.sock.set_nonblocking(true)?;
    let r = take_pending(s);
    s.sock.set_nonblocking(false)?;
    r
}

fn take_pending(s: &mut TlsStream) -> io::Result<bool> {
    loop {
        match s.conn.read_tls(&mut s.sock) {
            Ok(0) => return Ok(true),
            Ok(_) => {
                let st = s
                    .conn
                    .process_new_packets()
                    .map_err(|e| io::Error::new(io::ErrorKind::InvalidData, e))?;
                if st.plaintext_bytes_to_read() > 0 || st.peer_has_closed() {
                    return Ok(true);
                }
            }
            Err(e) if e.kind() == io::ErrorKind::WouldBlock => break,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(e),
        }
    }
    // Answer anything the peer asked for (a key update), without blocking.
    while s.conn.wants_write() {
        match s.conn.write_tls(&mut s.sock) {
            Ok(_) => {}
            Err(e) if e.kind() == io::ErrorKind::WouldBlock => break,
            Err(e) => return Err(e),
        }
    }
    let mut probe = [0u8; 1];
    match s.conn.reader().read(&mut probe) {
        Ok(_) => Ok(true),
        Err(e) if e.kind() == io::ErrorKind::WouldBlock => Ok(false),
        Err(e) => Err(e),
    }
}

/// Sends close_notify (best effort) before the socket is shut down.
pub(crate) fn close(s: &mut TlsStream) {
    s.conn.send_close_notify();
    let _ = s.sock.set_write_timeout(Some(Duration::from_millis(100)));
    let _ = s.conn.write_tls(&mut s.sock);
    let _ = s.sock.flush();
}

/// `insecure`: any certificate is accepted; the handshake's signatures are still checked.
#[derive(Debug)]
struct NoVerification(Arc<rustls::crypto::CryptoProvider>);

impl ServerCertVerifier for NoVerification {
    fn verify_server_cert(
        &self,
        _end_entity: &CertificateDer<'_>,
        _intermediates: &[CertificateDer<'_>],
        _server_name: &ServerName<'_>,
        _ocsp_response: &[u8],
        _now: UnixTime,
    ) -> std::result::Result<ServerCertVerified, rustls::Error> {
        Ok(ServerCertVerified::assertion())
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> std::result::Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls12_signature(
            message,
            cert,
            dss,
            &self.0.signature_verification_algorithms,
        )
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> std::result::Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls13_signature(
            message,
            cert,
            dss,
            &self.0.signature_verification_algorithms,
        )
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.0.signature_verification_algorithms.supported_schemes()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_missing_ca_file_keeps_the_pem_error_as_source() {
        let opts = TlsOptions {
            ca_file: Some("/nonexistent/strictredis-ca.pem".into()),
            ..TlsOptions::default()
        };
        let Err(e) = client_config(&opts, false) else {
            panic!("a missing CA file was accepted")
        };
        let Error::Tls(t) = &e else { panic!("{e:?}") };
        assert!(t.is_setup(), "{t:?}");
        assert!(t
            .message()
            .starts_with("cannot load the CA file /nonexistent"));
        let cause = std::error::Error::source(t).expect("the cause");
        assert!(cause.is::<rustls::pki_types::pem::Error>(), "{cause:?}");
    }

    #[test]
    fn a_bad_host_name_keeps_its_error() {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
        let tcp = TcpStream::connect(listener.local_addr().expect("addr")).expect("connect");
        let timeout = Some(Duration::from_secs(1));
        let Err(e) = connect(tcp, "not a name!", false, &TlsOptions::default(), timeout) else {
            panic!("a bad name was accepted")
        };
        let Error::Tls(t) = &e else { panic!("{e:?}") };
        assert!(
            t.is_setup() && t.message().contains("not a valid DNS name"),
            "{t:?}"
        );
        let cause = std::error::Error::source(t).expect("the cause");
        assert!(
            cause.is::<rustls::pki_types::InvalidDnsNameError>(),
            "{cause:?}"
        );
    }
}
