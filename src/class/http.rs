//! The client side of the class server's HTTP API, for the learner's sender and the
//! instructor's terminal commands: JSON in and out, a bearer token, a deadline on every
//! request, and TLS through rustls with the system's roots plus an optional CA file
//! (for a server with a certificate of the instructor's own).

use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper::{Method, Request, StatusCode, Uri};
use hyper_util::client::legacy::Client as Hyper;
use hyper_util::client::legacy::connect::HttpConnector;
use serde::Serialize;
use serde::de::DeserializeOwned;
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

/// No answer the server gives is larger (an export of a big class is a few MB).
const MAX_ANSWER: usize = 64 << 20;

#[derive(Debug, thiserror::Error)]
pub enum ClassError {
    /// No answer: the server is down, the address is wrong, or the network is away.
    #[error("the class server at {url} does not answer: {why}")]
    Unreachable { url: String, why: String },
    /// An answer that refuses: the server's own words.
    #[error("the class server refused ({status}): {message}")]
    Refused { status: u16, message: String },
    #[error("the class server's answer could not be read: {0}")]
    Garbled(String),
}

impl ClassError {
    pub fn status(&self) -> Option<u16> {
        match self {
            ClassError::Refused { status, .. } => Some(*status),
            _ => None,
        }
    }
}

#[derive(Clone)]
pub struct Client {
    hyper: Hyper<hyper_rustls::HttpsConnector<HttpConnector>, Full<Bytes>>,
    base: String,
    token: Option<String>,
    timeout: Duration,
}

/// Checks that `url` is an http(s) address and returns it without a trailing `/`.
pub fn base_url(url: &str) -> anyhow::Result<String> {
    let trimmed = url.trim().trim_end_matches('/');
    let uri: Uri =
        trimmed.parse().map_err(|_| anyhow::anyhow!("`{trimmed}` is not an address like http://HOST:PORT"))?;
    match (uri.scheme_str(), uri.host()) {
        (Some("http" | "https"), Some(_)) => Ok(trimmed.to_owned()),
        _ => anyhow::bail!("`{trimmed}` is not an address like http://HOST:PORT (or https://)"),
    }
}

fn tls(ca: Option<&Path>) -> anyhow::Result<rustls::ClientConfig> {
    use anyhow::Context as _;
    use rustls_pki_types::CertificateDer;
    use rustls_pki_types::pem::PemObject;
    let mut roots = rustls::RootCertStore::empty();
    for cert in rustls_native_certs::load_native_certs().certs {
        let _ = roots.add(cert);
    }
    if let Some(ca) = ca {
        for cert in CertificateDer::pem_file_iter(ca).with_context(|| format!("could not read {}", ca.display()))? {
            roots
                .add(cert.with_context(|| format!("{} holds a damaged certificate", ca.display()))?)
                .with_context(|| format!("{} holds a certificate rustls cannot use", ca.display()))?;
        }
    }
    Ok(rustls::ClientConfig::builder_with_provider(Arc::new(rustls::crypto::ring::default_provider()))
        .with_safe_default_protocol_versions()?
        .with_root_certificates(roots)
        .with_no_client_auth())
}

impl Client {
    /// A client of the server at `base` (see `base_url`), trusting `ca` besides the
    /// system's roots.
    pub fn new(base: &str, ca: Option<&Path>) -> anyhow::Result<Client> {
        let base = base_url(base)?;
        let connector =
            hyper_rustls::HttpsConnectorBuilder::new().with_tls_config(tls(ca)?).https_or_http().enable_http1().build();
        let hyper = Hyper::builder(hyper_util::rt::TokioExecutor::new())
            .pool_idle_timeout(Duration::from_secs(30))
            .build(connector);
        Ok(Client { hyper, base, token: None, timeout: Duration::from_secs(5) })
    }

    pub fn with_token(mut self, token: &str) -> Client {
        self.token = Some(token.to_owned());
        self
    }

    pub fn with_timeout(mut self, timeout: Duration) -> Client {
        self.timeout = timeout;
        self
    }

    pub fn base(&self) -> &str {
        &self.base
    }

    pub async fn get<T: DeserializeOwned>(&self, path: &str) -> Result<T, ClassError> {
        let bytes = self.send(Method::GET, path, None).await?;
        serde_json::from_slice(&bytes).map_err(|e| ClassError::Garbled(e.to_string()))
    }

    pub async fn get_text(&self, path: &str) -> Result<String, ClassError> {
        let bytes = self.send(Method::GET, path, None).await?;
        String::from_utf8(bytes.to_vec()).map_err(|e| ClassError::Garbled(e.to_string()))
    }

    pub async fn post<B: Serialize, T: DeserializeOwned>(&self, path: &str, body: &B) -> Result<T, ClassError> {
        let json = serde_json::to_vec(body).expect("requests serialise");
        let bytes = self.send(Method::POST, path, Some(json)).await?;
        serde_json::from_slice(&bytes).map_err(|e| ClassError::Garbled(e.to_string()))
    }

    async fn send(&self, method: Method, path: &str, body: Option<Vec<u8>>) -> Result<Bytes, ClassError> {
        let url = format!("{}{path}", self.base);
        let unreachable = |why: String| ClassError::Unreachable { url: self.base.clone(), why };
        let mut req = Request::builder().method(method).uri(&url).header("user-agent", "dockerlearn");
        if let Some(t) = &self.token {
            req = req.header("authorization", format!("Bearer {t}"));
        }
        if body.is_some() {
            req = req.header("content-type", "application/json");
        }
        let req = req.body(Full::new(Bytes::from(body.unwrap_or_default()))).map_err(|e| unreachable(e.to_string()))?;
        let work = async {
            let res = self.hyper.request(req).await.map_err(|e| unreachable(error_text(&e)))?;
            let status = res.status();
            let limited = http_body_util::Limited::new(res.into_body(), MAX_ANSWER);
            let bytes = limited.collect().await.map_err(|e| unreachable(e.to_string()))?.to_bytes();
            Ok::<_, ClassError>((status, bytes))
        };
        let (status, bytes) = tokio::time::timeout(self.timeout, work)
            .await
            .map_err(|_| unreachable(format!("no answer within {} s", self.timeout.as_secs_f32())))??;
        if status.is_success() {
            return Ok(bytes);
        }
        Err(refusal(status, &bytes))
    }
}

fn refusal(status: StatusCode, bytes: &[u8]) -> ClassError {
    #[derive(serde::Deserialize)]
    struct Said {
        error: String,
    }
    let message = serde_json::from_slice::<Said>(bytes)
        .map(|s| s.error)
        .unwrap_or_else(|_| String::from_utf8_lossy(bytes).trim().chars().take(300).collect());
    ClassError::Refused { status: status.as_u16(), message }
}

/// hyper's error with its causes: "client error (Connect): tcp connect error: Connection refused".
fn error_text(e: &dyn std::error::Error) -> String {
    let mut text = e.to_string();
    let mut source = e.source();
    while let Some(s) = source {
        text.push_str(": ");
        text.push_str(&s.to_string());
        source = s.source();
    }
    text
}

#[cfg(test)]
mod tests {
    #[test]
    fn only_http_addresses_are_servers() {
        assert_eq!(super::base_url("http://127.0.0.1:7878/").unwrap(), "http://127.0.0.1:7878");
        assert!(super::base_url("https://class.example:443").is_ok());
        assert!(super::base_url("127.0.0.1:7878").is_err());
        assert!(super::base_url("ftp://x").is_err());
    }
}
