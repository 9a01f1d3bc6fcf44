//! `tcp://` engines spoken to with TLS, set up as the docker CLI sets it up (see
//! `context::Tls`): the CA in `ca.pem` alone is trusted when given (else the system's
//! roots), `cert.pem`/`key.pem` are shown when the engine asks, and without verification
//! any certificate is taken. rustls's failures become `RemoteError`s that say which
//! certificate is wrong and what to do.

use super::context::Tls;
use super::remote::RemoteError;
use rustls::pki_types::{CertificateDer, PrivateKeyDer, ServerName};
use std::sync::Arc;
use tokio::net::TcpStream;

/// Seconds the TCP connection, and then the handshake, may take.
pub const CONNECT_SECS: u64 = 10;

/// A TLS engine's address and how to speak to it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TlsTarget {
    /// A name, or an address (IPv6 without brackets).
    pub host: String,
    pub port: u16,
    pub tls: Tls,
}

impl TlsTarget {
    /// `tcp://HOST[:PORT]`; without a port, 2376 (the CLI's default for TLS).
    pub fn parse(endpoint: &str, tls: Tls) -> Result<TlsTarget, String> {
        let rest = endpoint.strip_prefix("tcp://").ok_or("it is not a tcp:// address")?;
        let authority = rest.split('/').next().unwrap_or_default();
        let (host, port) = match authority.strip_prefix('[') {
            Some(v6) => {
                let (host, after) = v6.split_once(']').ok_or("its IPv6 address lacks a `]`")?;
                (host, after.strip_prefix(':'))
            }
            None => match authority.rsplit_once(':') {
                Some((h, p)) => (h, Some(p)),
                None => (authority, None),
            },
        };
        if host.is_empty() {
            return Err("it names no host".to_owned());
        }
        let port = match port {
            Some(p) => p.parse().map_err(|_| format!("`{p}` is not a port"))?,
            None => 2376,
        };
        Ok(TlsTarget { host: host.to_owned(), port, tls })
    }

    /// `host:port`, as messages show it.
    pub fn address(&self) -> String {
        if self.host.contains(':') {
            format!("[{}]:{}", self.host, self.port)
        } else {
            format!("{}:{}", self.host, self.port)
        }
    }

    /// The client side of TLS, from the files the CLI would read.
    pub fn config(&self) -> Result<Arc<rustls::ClientConfig>, RemoteError> {
        use rustls::pki_types::pem::PemObject;
        let dir = self.tls.dir.display().to_string();
        let bad = |why: String| RemoteError::TlsFiles { dir: dir.clone(), why };
        let provider = Arc::new(rustls::crypto::ring::default_provider());
        let builder = rustls::ClientConfig::builder_with_provider(provider.clone())
            .with_safe_default_protocol_versions()
            .map_err(|e| bad(e.to_string()))?;
        let builder = if !self.tls.verify {
            builder.dangerous().with_custom_certificate_verifier(Arc::new(TakeAny(provider)))
        } else {
            let mut roots = rustls::RootCertStore::empty();
            match &self.tls.ca {
                Some(ca) => {
                    let certs = CertificateDer::pem_file_iter(ca).map_err(|e| bad(format!("{}: {e}", ca.display())))?;
                    for cert in certs {
                        let cert = cert.map_err(|e| bad(format!("{}: {e}", ca.display())))?;
                        roots.add(cert).map_err(|e| bad(format!("{}: {e}", ca.display())))?;
                    }
                    if roots.is_empty() {
                        return Err(bad(format!("{} holds no certificate", ca.display())));
                    }
                }
                None => {
                    for cert in rustls_native_certs::load_native_certs().certs {
                        let _ = roots.add(cert);
                    }
                }
            }
            builder.with_root_certificates(roots)
        };
        let config = match (&self.tls.cert, &self.tls.key) {
            (Some(cert), Some(key)) => {
                let certs: Result<Vec<_>, _> =
                    CertificateDer::pem_file_iter(cert).map_err(|e| bad(format!("{}: {e}", cert.display())))?.collect();
                let certs = certs.map_err(|e| bad(format!("{}: {e}", cert.display())))?;
                let key = PrivateKeyDer::from_pem_file(key).map_err(|e| bad(format!("{}: {e}", key.display())))?;
                builder.with_client_auth_cert(certs, key).map_err(|e| bad(format!("cert.pem and key.pem: {e}")))?
            }
            _ => builder.with_no_client_auth(),
        };
        let mut config = config;
        // Every connection makes a full handshake: some TLS terminators (socat, OpenSSL
        // without a session id context) refuse a resumed session when they verify clients.
        config.resumption = rustls::client::Resumption::disabled();
        Ok(Arc::new(config))
    }

    /// One connection to the engine, TLS done, within the time limits.
    pub async fn dial(
        &self,
        config: Arc<rustls::ClientConfig>,
    ) -> Result<tokio_rustls::client::TlsStream<TcpStream>, RemoteError> {
        let limit = std::time::Duration::from_secs(CONNECT_SECS);
        let address = self.address();
        let tcp = match tokio::time::timeout(limit, TcpStream::connect((self.host.as_str(), self.port))).await {
            Ok(Ok(tcp)) => tcp,
            Ok(Err(e)) => return Err(RemoteError::TcpUnreachable { address, detail: e.to_string() }),
            Err(_) => {
                let detail = format!("no connection within {CONNECT_SECS} seconds");
                return Err(RemoteError::TcpUnreachable { address, detail });
            }
        };
        let name = ServerName::try_from(self.host.clone())
            .map_err(|e| RemoteError::TlsFailed { address: address.clone(), detail: e.to_string() })?;
        let handshake = tokio_rustls::TlsConnector::from(config).connect(name, tcp);
        match tokio::time::timeout(limit, handshake).await {
            Ok(Ok(stream)) => Ok(stream),
            Ok(Err(e)) => Err(self.failure(&e)),
            Err(_) => Err(RemoteError::TlsTimeout { address, seconds: CONNECT_SECS }),
        }
    }

    /// What a failed handshake or read means. With TLS 1.3 the engine refuses a client
    /// certificate after the handshake, so the first read tells it.
    pub fn failure(&self, e: &std::io::Error) -> RemoteError {
        use rustls::{AlertDescription as Alert, CertificateError as Cert, Error as Tls};
        let address = self.address();
        let detail = e.to_string();
        let Some(tls) = e.get_ref().and_then(|inner| inner.downcast_ref::<Tls>()) else {
            return match e.kind() {
                std::io::ErrorKind::UnexpectedEof | std::io::ErrorKind::ConnectionReset => {
                    RemoteError::NotTls { address, detail: "the connection was closed during the handshake".into() }
                }
                _ => RemoteError::TlsFailed { address, detail },
            };
        };
        match tls {
            Tls::InvalidCertificate(Cert::UnknownIssuer | Cert::BadSignature) => {
                let ca = self.tls.ca.as_ref().map_or("the system's CAs".to_owned(), |p| p.display().to_string());
                RemoteError::UnknownCa { address, ca }
            }
            Tls::InvalidCertificate(
                Cert::Expired | Cert::ExpiredContext { .. } | Cert::NotValidYet | Cert::NotValidYetContext { .. },
            ) => RemoteError::Expired { address },
            Tls::InvalidCertificate(Cert::NotValidForName | Cert::NotValidForNameContext { .. }) => {
                RemoteError::WrongName { host: self.host.clone(), detail }
            }
            Tls::InvalidCertificate(_) => RemoteError::BadServerCertificate { address, detail },
            Tls::AlertReceived(
                Alert::BadCertificate
                | Alert::UnknownCA
                | Alert::CertificateRequired
                | Alert::CertificateUnknown
                | Alert::UnsupportedCertificate
                | Alert::CertificateExpired
                | Alert::CertificateRevoked
                | Alert::AccessDenied
                | Alert::DecryptError,
            ) => {
                let detail = match (&self.tls.cert, tls) {
                    (None, _) => "dockerlearn has none to show: there is no cert.pem".to_owned(),
                    (Some(cert), Tls::AlertReceived(alert)) => format!("{}: {alert:?}", cert.display()),
                    (Some(cert), _) => cert.display().to_string(),
                };
                RemoteError::ClientCertificateRefused { address, detail }
            }
            Tls::InvalidMessage(_) | Tls::InappropriateMessage { .. } | Tls::InappropriateHandshakeMessage { .. } => {
                RemoteError::NotTls { address, detail }
            }
            _ => RemoteError::TlsFailed { address, detail },
        }
    }
}

/// Takes any certificate: TLS without verification (`DOCKER_TLS`, `SkipTLSVerify`).
/// Signatures are still checked, so the connection is private to whoever answered.
#[derive(Debug)]
struct TakeAny(Arc<rustls::crypto::CryptoProvider>);

impl rustls::client::danger::ServerCertVerifier for TakeAny {
    fn verify_server_cert(
        &self,
        _: &CertificateDer<'_>,
        _: &[CertificateDer<'_>],
        _: &ServerName<'_>,
        _: &[u8],
        _: rustls::pki_types::UnixTime,
    ) -> Result<rustls::client::danger::ServerCertVerified, rustls::Error> {
        Ok(rustls::client::danger::ServerCertVerified::assertion())
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &rustls::DigitallySignedStruct,
    ) -> Result<rustls::client::danger::HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls12_signature(message, cert, dss, &self.0.signature_verification_algorithms)
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &rustls::DigitallySignedStruct,
    ) -> Result<rustls::client::danger::HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls13_signature(message, cert, dss, &self.0.signature_verification_algorithms)
    }

    fn supported_verify_schemes(&self) -> Vec<rustls::SignatureScheme> {
        self.0.signature_verification_algorithms.supported_schemes()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tls() -> Tls {
        Tls {
            verify: true,
            ca: Some("/certs/ca.pem".into()),
            cert: Some("/certs/cert.pem".into()),
            key: None,
            dir: "/certs".into(),
        }
    }

    #[test]
    fn addresses_take_the_tls_port_by_default() {
        let t = TlsTarget::parse("tcp://labvm", tls()).unwrap();
        assert_eq!((t.host.as_str(), t.port), ("labvm", 2376));
        let t = TlsTarget::parse("tcp://[fd00::2]:2377/", tls()).unwrap();
        assert_eq!((t.host.as_str(), t.port, t.address()), ("fd00::2", 2377, "[fd00::2]:2377".to_owned()));
        assert!(TlsTarget::parse("tcp://:2376", tls()).is_err());
        assert!(TlsTarget::parse("tcp://box:http", tls()).unwrap_err().contains("not a port"));
    }

    #[test]
    fn handshake_failures_say_which_certificate() {
        use rustls::{AlertDescription, CertificateError, Error};
        let t = TlsTarget::parse("tcp://127.0.0.1:2376", tls()).unwrap();
        let io = |e: Error| std::io::Error::new(std::io::ErrorKind::InvalidData, e);
        let unknown = t.failure(&io(Error::InvalidCertificate(CertificateError::UnknownIssuer)));
        assert!(matches!(&unknown, RemoteError::UnknownCa { ca, .. } if ca == "/certs/ca.pem"), "{unknown}");
        let expired = t.failure(&io(Error::InvalidCertificate(CertificateError::Expired)));
        assert!(matches!(expired, RemoteError::Expired { .. }));
        let name = t.failure(&io(Error::InvalidCertificate(CertificateError::NotValidForName)));
        assert!(matches!(name, RemoteError::WrongName { .. }));
        let refused = t.failure(&io(Error::AlertReceived(AlertDescription::UnknownCA)));
        assert!(
            matches!(&refused, RemoteError::ClientCertificateRefused { detail, .. } if detail.contains("cert.pem"))
        );
        let plain = t.failure(&io(Error::InvalidMessage(rustls::InvalidMessage::InvalidContentType)));
        assert!(matches!(plain, RemoteError::NotTls { .. }));
        let closed = t.failure(&std::io::Error::from(std::io::ErrorKind::UnexpectedEof));
        assert!(matches!(closed, RemoteError::NotTls { .. }));
    }

    #[test]
    fn missing_files_are_named() {
        let dir = tempfile::tempdir().unwrap();
        let tls =
            Tls { verify: true, ca: Some(dir.path().join("ca.pem")), cert: None, key: None, dir: dir.path().into() };
        std::fs::write(dir.path().join("ca.pem"), "not a certificate").unwrap();
        let err = TlsTarget::parse("tcp://box", tls).unwrap().config().unwrap_err();
        assert!(matches!(&err, RemoteError::TlsFiles { why, .. } if why.contains("holds no certificate")), "{err}");
    }
}
