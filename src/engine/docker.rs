//! Talking to the engine through bollard: connecting (with version negotiation), turning
//! transport failures into errors that say what to do, and the few changes dockerlearn
//! makes itself (cleanup of what it labelled). Observations are gathered in `observe`,
//! events in `events`.

use super::Scope;
use super::bridge::Bridge;
use super::context::{ContextError, Endpoint};
use super::remote::{Remote, RemoteError};
use crate::check::EngineInfo;
use bollard::Docker;
use bollard::query_parameters::ListImagesOptions;
use std::collections::HashMap;
use std::sync::Arc;

/// The oldest engine API dockerlearn works with (Docker 1.12, 2016).
pub const MIN_API: (u32, u32) = (1, 24);
/// Seconds before a request to the engine is abandoned.
pub(super) const TIMEOUT_SECS: u64 = 30;
/// Seconds the first answer (`/_ping`) may take: an engine that accepts connections
/// and never answers must not hold the learner's prompt.
const PING_SECS: u64 = 5;

/// Why the engine could not be used. Each message ends with what to do.
#[derive(Debug, thiserror::Error)]
pub enum EngineError {
    #[error(transparent)]
    Context(#[from] ContextError),
    /// An engine on another machine (ssh, TLS) that could not be reached.
    #[error(transparent)]
    Remote(#[from] RemoteError),
    #[error(
        "the Docker engine is not running: nothing answers at {endpoint} (chosen by {chosen_by}).\n{}",
        start_advice()
    )]
    NotRunning { endpoint: String, chosen_by: String },
    #[error(
        "permission denied on {socket}: your user may not use the Docker engine.\nOn Linux: `sudo usermod -aG docker $USER`, then log out and in again (or run `newgrp docker`)."
    )]
    PermissionDenied { socket: String },
    #[error(
        "the Docker engine at {endpoint} speaks API {api}, older than the {}.{} dockerlearn needs.\nUpgrade Docker: https://docs.docker.com/engine/install/",
        MIN_API.0, MIN_API.1
    )]
    TooOld { endpoint: String, api: String },
    #[error("dockerlearn cannot use the endpoint {endpoint}: {why}")]
    Unsupported { endpoint: String, why: String },
    #[error(
        "the Docker engine at {endpoint} accepted the connection but did not answer within {seconds} seconds.\nIt may be starting, stuck or overloaded: restart it (`sudo systemctl restart docker`, or restart Docker Desktop), then try again."
    )]
    NoAnswer { endpoint: String, seconds: u64 },
    #[error("the Docker engine at {endpoint} did not answer as expected: {detail}")]
    Other { endpoint: String, detail: String },
}

fn start_advice() -> &'static str {
    if cfg!(target_os = "linux") {
        "Start it with `sudo systemctl start docker` (Docker Desktop: open it and wait until it says Running), then try again."
    } else {
        "Open Docker Desktop and wait until it says the engine is running, then try again."
    }
}

impl EngineError {
    /// The first line of the message, for places that have room for one.
    pub fn summary(&self) -> String {
        self.to_string().lines().next().unwrap_or_default().to_owned()
    }
}

/// A connection to one engine, made on first use and remade after the engine went away.
pub struct Engine {
    pub(super) endpoint: Endpoint,
    scope: Scope,
    pub(super) client: Option<(Docker, EngineInfo)>,
    /// Events streamed live since the current step began, when a front end asked.
    pub(super) watch: Option<super::events::Watch>,
    /// What the relay in front of the engine saw the learner's commands run, where one is.
    pub(super) witness: Option<super::witness::Witness>,
    /// The local socket that reaches an engine on another machine (ssh, TLS).
    bridge: Option<Arc<Bridge>>,
}

/// What `/_ping` says in its headers: enough to negotiate the API version and to
/// describe the engine, in one cheap round trip (`/version` makes the daemon run
/// `runc --version` and friends, and costs ten times as much).
#[derive(Debug, Default, PartialEq, Eq)]
struct Ping {
    api: Option<(usize, usize)>,
    /// `Docker/20.10.24+dfsg1 (linux)`, `Libpod/4.9.3 (linux)`.
    server: Option<String>,
    os: Option<String>,
}

impl Ping {
    fn parse(head: &str) -> Ping {
        let mut ping = Ping::default();
        for line in head.lines().skip(1) {
            let Some((name, value)) = line.split_once(':') else {
                continue;
            };
            let value = value.trim().to_owned();
            match name.trim().to_ascii_lowercase().as_str() {
                "api-version" => {
                    ping.api = value.split_once('.').and_then(|(a, b)| Some((a.parse().ok()?, b.parse().ok()?)));
                }
                "server" => ping.server = Some(value),
                "ostype" => ping.os = Some(value),
                _ => {}
            }
        }
        ping
    }
}

impl Engine {
    pub fn new(endpoint: Endpoint, scope: Scope) -> Engine {
        Engine { endpoint, scope, client: None, watch: None, bridge: None, witness: None }
    }

    /// The learner's commands reach the engine through the relay `witness` listens to
    /// (the prompt's, or `verify`'s): checks judge the containers and execs they ran by
    /// what it saw.
    pub fn witnessed_by(&mut self, witness: super::witness::Witness) {
        self.witness = Some(witness);
    }

    /// What bollard and raw requests speak to: the endpoint, or for a remote engine the
    /// local socket of its bridge (open once `connect` ran).
    pub(super) fn transport(&self) -> String {
        match &self.bridge {
            Some(bridge) => format!("unix://{}", bridge.socket().display()),
            None => self.endpoint.host.clone(),
        }
    }

    /// The machine the engine runs on, when it is not this one (see `remote::engine_machine`):
    /// its published ports open there, and its bind mounts are its folders.
    pub fn machine(&self) -> Option<String> {
        super::remote::engine_machine(&self.endpoint.host)
    }

    /// Connects and negotiates the API version, reusing the connection once made.
    pub(super) async fn client(&mut self) -> Result<Docker, EngineError> {
        Ok(self.connected().await?.0)
    }

    /// What the learner's commands need in their environment on this engine. On Podman
    /// `docker build` goes through buildx, which asks for a BuildKit that Podman does
    /// not serve: `DOCKER_BUILDKIT=0` has the docker CLI (and Compose) use the engine's
    /// own builder. A setting of the learner's own is kept.
    pub async fn command_env(&mut self) -> Vec<(&'static str, &'static str)> {
        let podman = self.connected().await.is_ok_and(|(_, info)| info.is_podman());
        if podman && std::env::var_os("DOCKER_BUILDKIT").is_none() { vec![("DOCKER_BUILDKIT", "0")] } else { vec![] }
    }

    pub(super) async fn connected(&mut self) -> Result<(Docker, EngineInfo), EngineError> {
        if let Some(c) = &self.client {
            return Ok(c.clone());
        }
        let made = self.connect().await?;
        self.client = Some(made.clone());
        Ok(made)
    }

    async fn connect(&mut self) -> Result<(Docker, EngineInfo), EngineError> {
        let remote = Remote::of(&self.endpoint)?;
        if let (Some(remote), None) = (&remote, &self.bridge) {
            self.bridge = Some(Bridge::open(remote)?);
        }
        let host = self.transport();
        let host = host.as_str();
        let unsupported = |why: &str| EngineError::Unsupported { endpoint: host.to_owned(), why: why.to_owned() };
        let is_tcp = host.starts_with("tcp://") || host.starts_with("http://");
        if let (Some(path), None) = (host.strip_prefix("unix://"), &self.bridge) {
            if let Some(problem) = super::context::unix_socket_problem(&self.endpoint) {
                return Err(problem.into());
            }
            if !std::path::Path::new(path).exists() {
                return Err(self.not_running());
            }
        } else if !(is_tcp || host.starts_with("unix://") || host.starts_with("npipe://") && cfg!(windows)) {
            return Err(unsupported("only unix://, tcp://, ssh:// and (on Windows) npipe:// endpoints are supported"));
        }
        let seconds = remote.as_ref().map_or(PING_SECS, Remote::first_answer_secs);
        let ping = self.ping(host, seconds).await?;
        let mut info = self.info_without_version();
        if let Some(server) = &ping.server {
            let product = server.split_whitespace().next().unwrap_or(server);
            let (name, version) = product.split_once('/').unwrap_or((product, ""));
            info.product = name.to_owned();
            info.version = version.to_owned();
        }
        info.os = ping.os.clone().unwrap_or_default();
        // Speak the engine's API version, or bollard's newest if the engine is newer.
        let newest = bollard::API_DEFAULT_VERSION;
        let version = match ping.api {
            Some((major, minor)) if (major, minor) < (newest.major_version, newest.minor_version) => {
                bollard::ClientVersion { major_version: major, minor_version: minor }
            }
            _ => bollard::ClientVersion { major_version: newest.major_version, minor_version: newest.minor_version },
        };
        let docker = if let Some(path) = host.strip_prefix("unix://") {
            Docker::connect_with_unix(path, TIMEOUT_SECS, &version)
        } else if is_tcp {
            Docker::connect_with_http(host, TIMEOUT_SECS, &version)
        } else {
            Docker::connect_with_host(host)
        };
        let mut docker = docker.map_err(|e| self.classify(e))?;
        if ping.api.is_none() {
            // No version header (very old engines, some proxies): ask the slow way.
            docker = docker.negotiate_version().await.map_err(|e| self.classify(e))?;
        }
        let v = docker.client_version();
        info.api_version = format!("{}.{}", v.major_version, v.minor_version);
        if (v.major_version as u32, v.minor_version as u32) < MIN_API {
            return Err(EngineError::TooOld { endpoint: self.endpoint.host.clone(), api: info.api_version });
        }
        Ok((docker, info))
    }

    /// One `GET /_ping` over the endpoint's own transport (`host`), read raw for its
    /// headers, within `seconds`.
    async fn ping(&self, host: &str, seconds: u64) -> Result<Ping, EngineError> {
        use tokio::io::{AsyncReadExt, AsyncWriteExt};
        if host.starts_with("npipe://") {
            return Ok(Ping::default());
        }
        let request = b"GET /_ping HTTP/1.1\r\nHost: docker\r\nUser-Agent: dockerlearn\r\nConnection: close\r\n\r\n";
        let exchange = async {
            let mut head = Vec::new();
            let mut buf = [0u8; 2048];
            macro_rules! talk {
                ($stream:expr) => {{
                    let mut s = $stream;
                    // Connected: a reset now is a server that hung up on us, not one that is not there.
                    let hung_up = |e: std::io::Error| match e.kind() {
                        std::io::ErrorKind::ConnectionReset | std::io::ErrorKind::BrokenPipe => Ok(0),
                        _ => Err(e),
                    };
                    s.write_all(request).await.or_else(|e| hung_up(e).map(|_| ()))?;
                    loop {
                        let n = s.read(&mut buf).await.or_else(hung_up)?;
                        head.extend_from_slice(&buf[..n]);
                        if n == 0 || head.windows(4).any(|w| w == b"\r\n\r\n") || head.len() > 64 * 1024 {
                            break;
                        }
                    }
                }};
            }
            if let Some(path) = host.strip_prefix("unix://") {
                talk!(tokio::net::UnixStream::connect(path).await?);
            } else {
                let addr = host.trim_start_matches("tcp://").trim_start_matches("http://").trim_end_matches('/');
                talk!(tokio::net::TcpStream::connect(addr).await?);
            }
            Ok::<Vec<u8>, std::io::Error>(head)
        };
        let head = match tokio::time::timeout(std::time::Duration::from_secs(seconds), exchange).await {
            Ok(Ok(head)) => head,
            Ok(Err(e)) => {
                if let Some(failure) = self.bridge_failure() {
                    return Err(failure);
                }
                return Err(self.classify_io(&e).unwrap_or_else(|| self.other(e.to_string())));
            }
            Err(_) => return Err(self.bridge_failure().unwrap_or_else(|| self.no_answer(seconds))),
        };
        if let (true, Some(failure)) = (head.is_empty(), self.bridge_failure()) {
            return Err(failure);
        }
        let address = host.trim_start_matches("tcp://").trim_start_matches("http://").trim_end_matches('/');
        if speaks_tls(&head) {
            return Err(RemoteError::WantsTls { address: address.to_owned() }.into());
        }
        if head.is_empty() && !host.starts_with("unix://") {
            return Err(RemoteError::HungUp { address: address.to_owned() }.into());
        }
        let head = String::from_utf8_lossy(&head);
        if !head.starts_with("HTTP/") {
            // Quote what came back when it is words (a remote login shell's refusal, say).
            let first = head.lines().next().unwrap_or_default().trim();
            let said = if !first.is_empty() && first.chars().all(|c| !c.is_control()) {
                format!(" (it said \"{}\")", first.chars().take(200).collect::<String>())
            } else {
                String::new()
            };
            return Err(
                self.other(format!("what answers there does not speak HTTP{said}: is it really a Docker engine?"))
            );
        }
        Ok(Ping::parse(head.split("\r\n\r\n").next().unwrap_or_default()))
    }

    /// Why the bridge's last connection failed, when the engine is reached through one.
    fn bridge_failure(&self) -> Option<EngineError> {
        self.bridge.as_ref()?.failure().map(EngineError::Remote)
    }

    pub(super) fn no_answer(&self, seconds: u64) -> EngineError {
        EngineError::NoAnswer { endpoint: self.endpoint.host.clone(), seconds }
    }

    pub(super) fn other(&self, detail: String) -> EngineError {
        EngineError::Other { endpoint: self.endpoint.host.clone(), detail }
    }

    fn not_running(&self) -> EngineError {
        EngineError::NotRunning { endpoint: self.endpoint.host.clone(), chosen_by: self.endpoint.source.to_string() }
    }

    fn classify_io(&self, io: &std::io::Error) -> Option<EngineError> {
        use std::io::ErrorKind;
        match io.kind() {
            ErrorKind::PermissionDenied => Some(EngineError::PermissionDenied {
                socket: self.endpoint.host.trim_start_matches("unix://").to_owned(),
            }),
            ErrorKind::NotFound | ErrorKind::ConnectionRefused | ErrorKind::ConnectionReset => Some(self.not_running()),
            _ => None,
        }
    }

    /// Maps a bollard failure to what the learner should do about it.
    pub(super) fn classify(&self, e: bollard::errors::Error) -> EngineError {
        // The engine's own refusals are its answers; the rest may be the bridge's failure.
        let answered = matches!(e, bollard::errors::Error::DockerResponseServerError { .. });
        if let (false, Some(failure)) = (answered, self.bridge_failure()) {
            return failure;
        }
        if let bollard::errors::Error::SocketNotFoundError(_) = e {
            return self.not_running();
        }
        let mut source: Option<&(dyn std::error::Error + 'static)> = Some(&e);
        while let Some(err) = source {
            if let Some(found) = err.downcast_ref::<std::io::Error>().and_then(|io| self.classify_io(io)) {
                return found;
            }
            source = err.source();
        }
        self.other(e.to_string())
    }

    pub(super) fn info_without_version(&self) -> EngineInfo {
        EngineInfo {
            endpoint: self.endpoint.host.clone(),
            endpoint_source: self.endpoint.source.to_string(),
            ..EngineInfo::default()
        }
    }

    /// One filter set per scope label (the engine ANDs labels; the scope ORs them).
    pub(super) fn scoped(&self, filters: HashMap<String, Vec<String>>) -> Vec<HashMap<String, Vec<String>>> {
        if self.scope.labels.is_empty() {
            return vec![filters];
        }
        self.scope
            .labels
            .iter()
            .map(|label| {
                let mut f = filters.clone();
                f.insert("label".to_owned(), vec![label.clone()]);
                f
            })
            .collect()
    }
}

/// What `Engine::remove_scoped` removed.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Removed {
    pub containers: usize,
    pub networks: usize,
    pub volumes: usize,
}

impl Engine {
    /// The engine's OS and architecture, as image manifests name them.
    pub async fn platform(&mut self) -> Result<(String, String), EngineError> {
        let docker = self.client().await?;
        let v = docker.version().await.map_err(|e| self.classify(e))?;
        Ok((v.os.unwrap_or_default(), v.arch.unwrap_or_default()))
    }

    /// Which of these image references the engine does not have.
    pub async fn missing_images(&mut self, references: &[String]) -> Result<Vec<String>, EngineError> {
        let docker = self.client().await?;
        let mut missing = Vec::new();
        for r in references {
            match docker.inspect_image(r).await {
                Ok(_) => {}
                Err(bollard::errors::Error::DockerResponseServerError { status_code: 404, .. }) => {
                    missing.push(r.clone())
                }
                Err(e) => return Err(self.classify(e)),
            }
        }
        Ok(missing)
    }

    /// The images carrying a label (`key=value`), dangling ones included: id and tags.
    pub async fn labelled_image_tags(&mut self, label: &str) -> Result<Vec<(String, Vec<String>)>, EngineError> {
        let docker = self.client().await?;
        let filters = HashMap::from([("label".to_owned(), vec![label.to_owned()])]);
        let options = ListImagesOptions { filters: Some(filters), ..Default::default() };
        let images = docker.list_images(Some(options)).await.map_err(|e| self.classify(e))?;
        Ok(images
            .into_iter()
            .map(|i| (i.id, i.repo_tags.into_iter().filter(|t| t != "<none>:<none>").collect()))
            .collect())
    }

    /// Removes one tag (the image goes only if nothing else names or uses it).
    pub async fn untag(&mut self, tag: &str) -> Result<(), EngineError> {
        let docker = self.client().await?;
        let options = bollard::query_parameters::RemoveImageOptions { force: false, noprune: false, platforms: None };
        docker.remove_image(tag, Some(options), None).await.map_err(|e| self.classify(e))?;
        Ok(())
    }

    /// Removes the containers (running or not, with their anonymous volumes), networks
    /// and volumes that carry the scope's label. Without a scope it removes nothing.
    pub async fn remove_scoped(&mut self) -> Result<Removed, EngineError> {
        let mut total = Removed::default();
        for label in self.scope.labels.clone() {
            let r = self.remove_labelled(&label).await?;
            total.containers += r.containers;
            total.networks += r.networks;
            total.volumes += r.volumes;
        }
        Ok(total)
    }

    /// Removes the containers, networks and volumes carrying a label (`key=value`).
    pub async fn remove_labelled(&mut self, label: &str) -> Result<Removed, EngineError> {
        let mut removed = Removed::default();
        let docker = self.client().await?;
        let filters = HashMap::from([("label".to_owned(), vec![label.to_owned()])]);
        let containers = self.containers(&docker, Some(filters.clone())).await?;
        for c in containers {
            let options = bollard::query_parameters::RemoveContainerOptions { force: true, v: true, link: false };
            if docker.remove_container(c.id.as_deref().unwrap_or_default(), Some(options)).await.is_ok() {
                removed.containers += 1;
            }
        }
        let networks = docker
            .list_networks(Some(bollard::query_parameters::ListNetworksOptions { filters: Some(filters.clone()) }))
            .await
            .map_err(|e| self.classify(e))?;
        for n in networks {
            if docker.remove_network(n.id.as_deref().unwrap_or_default()).await.is_ok() {
                removed.networks += 1;
            }
        }
        let volumes = docker
            .list_volumes(Some(bollard::query_parameters::ListVolumesOptions { filters: Some(filters) }))
            .await
            .map_err(|e| self.classify(e))?;
        for v in volumes.volumes.unwrap_or_default() {
            let options = bollard::query_parameters::RemoveVolumeOptions { force: false };
            if docker.remove_volume(&v.name, Some(options)).await.is_ok() {
                removed.volumes += 1;
            }
        }
        Ok(removed)
    }
}

/// Whether an answer to a plain HTTP request is a TLS server's: an alert record
/// (OpenSSL, rustls), or Go's "Client sent an HTTP request to an HTTPS server" (dockerd).
fn speaks_tls(answer: &[u8]) -> bool {
    matches!(answer, [0x15, 0x03, ..]) || String::from_utf8_lossy(answer).contains("HTTP request to an HTTPS server")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_tls_server_is_told_from_its_answer_to_plain_http() {
        assert!(speaks_tls(&[0x15, 0x03, 0x01, 0x00, 0x02, 0x02, 0x50]));
        assert!(speaks_tls(b"HTTP/1.0 400 Bad Request\r\n\r\nClient sent an HTTP request to an HTTPS server.\n"));
        assert!(!speaks_tls(b"HTTP/1.1 200 OK\r\nApi-Version: 1.41\r\n\r\nOK"));
        assert!(!speaks_tls(b""));
    }

    #[test]
    fn ping_headers_describe_the_engine() {
        let head = "HTTP/1.1 200 OK\r\nApi-Version: 1.41\r\nDocker-Experimental: false\r\nOstype: linux\r\nServer: Docker/20.10.24+dfsg1 (linux)\r\nContent-Length: 2";
        let ping = Ping::parse(head);
        assert_eq!(ping.api, Some((1, 41)));
        assert_eq!(ping.server.as_deref(), Some("Docker/20.10.24+dfsg1 (linux)"));
        assert_eq!(ping.os.as_deref(), Some("linux"));
        assert_eq!(Ping::parse("HTTP/1.1 404 Not Found\r\n"), Ping::default());
    }
}
