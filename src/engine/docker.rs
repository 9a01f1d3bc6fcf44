//! Talking to the engine through bollard: connecting (with version negotiation), turning
//! transport failures into errors that say what to do, and gathering observations.

use super::context::{ContextError, Endpoint};
use super::{EngineFacts, Scope};
use crate::check::select::select_in;
use crate::check::{
    ComposeResource, ComposeResourceKind, ContainerDetails, ContainerInfo, EngineInfo, ImageDetails, ImageInfo,
    MountInfo, MountType, Needs, Observation, Place, Probe, ProbeResult, PublishedPort, State, Target,
};
use bollard::Docker;
use bollard::query_parameters::{ListContainersOptions, ListImagesOptions, LogsOptions};
use futures_util::StreamExt;
use std::collections::HashMap;

/// The oldest engine API dockerlearn works with (Docker 1.12, 2016).
pub const MIN_API: (u32, u32) = (1, 24);
/// Seconds before a request to the engine is abandoned.
const TIMEOUT_SECS: u64 = 30;
/// Seconds the first answer (`/_ping`) may take: an engine that accepts connections
/// and never answers must not hold the learner's prompt.
const PING_SECS: u64 = 5;
/// Seconds one whole observation may take, every request included.
const OBSERVE_SECS: u64 = 20;
/// Most log bytes kept per container.
const MAX_OUTPUT: usize = 64 * 1024;

/// Why the engine could not be used. Each message ends with what to do.
#[derive(Debug, thiserror::Error)]
pub enum EngineError {
    #[error(transparent)]
    Context(#[from] ContextError),
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
    endpoint: Endpoint,
    scope: Scope,
    client: Option<(Docker, EngineInfo)>,
    /// Events streamed live since the current step began, when a front end asked.
    pub(super) watch: Option<super::events::Watch>,
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
        Engine { endpoint, scope, client: None, watch: None }
    }

    /// Connects and negotiates the API version, reusing the connection once made.
    pub(super) async fn client(&mut self) -> Result<Docker, EngineError> {
        Ok(self.connected().await?.0)
    }

    async fn connected(&mut self) -> Result<(Docker, EngineInfo), EngineError> {
        if let Some(c) = &self.client {
            return Ok(c.clone());
        }
        let made = self.connect().await?;
        self.client = Some(made.clone());
        Ok(made)
    }

    async fn connect(&self) -> Result<(Docker, EngineInfo), EngineError> {
        let host = self.endpoint.host.as_str();
        let unsupported = |why: &str| EngineError::Unsupported { endpoint: host.to_owned(), why: why.to_owned() };
        let is_tcp = host.starts_with("tcp://") || host.starts_with("http://");
        if let Some(path) = host.strip_prefix("unix://") {
            if let Some(problem) = super::context::unix_socket_problem(&self.endpoint) {
                return Err(problem.into());
            }
            if !std::path::Path::new(path).exists() {
                return Err(self.not_running());
            }
        } else if is_tcp {
            if std::env::var_os("DOCKER_TLS_VERIFY").is_some_and(|v| !v.is_empty() && v != "0") {
                return Err(unsupported(
                    "TLS endpoints are not supported yet; use a local socket or an SSH tunnel to it",
                ));
            }
        } else if !(host.starts_with("npipe://") && cfg!(windows)) {
            return Err(unsupported("only unix://, tcp:// and (on Windows) npipe:// endpoints are supported"));
        }
        let ping = self.ping().await?;
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
            return Err(EngineError::TooOld { endpoint: host.to_owned(), api: info.api_version });
        }
        Ok((docker, info))
    }

    /// One `GET /_ping` over the endpoint's own transport, read raw for its headers.
    async fn ping(&self) -> Result<Ping, EngineError> {
        use tokio::io::{AsyncReadExt, AsyncWriteExt};
        let host = self.endpoint.host.as_str();
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
                    s.write_all(request).await?;
                    loop {
                        let n = s.read(&mut buf).await?;
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
        let head = match tokio::time::timeout(std::time::Duration::from_secs(PING_SECS), exchange).await {
            Ok(Ok(head)) => head,
            Ok(Err(e)) => {
                return Err(self.classify_io(&e).unwrap_or_else(|| self.other(e.to_string())));
            }
            Err(_) => return Err(self.no_answer(PING_SECS)),
        };
        let head = String::from_utf8_lossy(&head);
        if !head.starts_with("HTTP/") {
            return Err(self.other("what answers there does not speak HTTP: is it really a Docker engine?".into()));
        }
        Ok(Ping::parse(head.split("\r\n\r\n").next().unwrap_or_default()))
    }

    fn no_answer(&self, seconds: u64) -> EngineError {
        EngineError::NoAnswer { endpoint: self.endpoint.host.clone(), seconds }
    }

    fn other(&self, detail: String) -> EngineError {
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

    fn info_without_version(&self) -> EngineInfo {
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

    async fn list_scoped(&self, docker: &Docker) -> Result<Vec<ContainerInfo>, EngineError> {
        let mut out: Vec<ContainerInfo> = Vec::new();
        for filters in self.scoped(HashMap::new()) {
            let options = ListContainersOptions { all: true, filters: Some(filters), ..Default::default() };
            for c in docker.list_containers(Some(options)).await.map_err(|e| self.classify(e))? {
                let c = container_info(c);
                if !out.iter().any(|o| o.id == c.id) {
                    out.push(c);
                }
            }
        }
        Ok(out)
    }

    /// Asks the engine what a checkpoint needs, for a step that began at `since`
    /// (Unix nanoseconds), for a learner working at `place`. Never fails: an engine
    /// that cannot be asked is recorded in `Observation::engine`, and the connection is
    /// remade on the next call.
    pub async fn observe(&mut self, needs: &Needs, since: i64, place: &Place) -> Observation {
        let mut obs = Observation::empty(Ok(self.info_without_version()));
        obs.workdir = place.workdir.display().to_string();
        obs.home = place.home.display().to_string();
        obs.compose_project_name = place.compose_project_name.clone();
        obs.host_files = needs.host_files.iter().map(|p| (p.clone(), super::host::read_file(place, p))).collect();
        let deadline = std::time::Duration::from_secs(OBSERVE_SECS);
        let gathered = match tokio::time::timeout(deadline, self.gather(needs, since, &mut obs)).await {
            Ok(result) => result,
            Err(_) => Err(self.no_answer(OBSERVE_SECS)),
        };
        if let Err(e) = gathered {
            self.client = None;
            obs.engine = Err(e.to_string());
        }
        obs
    }

    async fn gather(&mut self, needs: &Needs, since: i64, obs: &mut Observation) -> Result<(), EngineError> {
        let (docker, info) = self.connected().await?;
        obs.engine = Ok(info);
        if needs.engine {
            // A real request, not only the cached connection: an engine that stopped
            // since, or something that answers `/_ping` and nothing else, must not pass.
            let nothing = HashMap::from([("reference".to_owned(), vec!["dockerlearn.invalid/none".to_owned()])]);
            let options = ListImagesOptions { filters: Some(nothing), ..Default::default() };
            docker.list_images(Some(options)).await.map_err(|e| self.classify(e))?;
        }
        let list = |filters: HashMap<String, Vec<String>>| {
            let options = ListContainersOptions { all: true, filters: Some(filters), ..Default::default() };
            docker.list_containers(Some(options))
        };
        let compose_filter = HashMap::from([("label".to_owned(), vec!["com.docker.compose.project".to_owned()])]);
        let (images, containers, events, compose) = tokio::join!(
            async { if needs.images { Some(docker.list_images(None::<ListImagesOptions>).await) } else { None } },
            async { if needs.containers { Some(self.list_scoped(&docker).await) } else { None } },
            async { if needs.events { Some(self.events(&docker, since, &needs.other_events).await) } else { None } },
            async { if needs.compose { Some(list(compose_filter).await) } else { None } },
        );
        if let Some(images) = images {
            obs.images = images
                .map_err(|e| self.classify(e))?
                .into_iter()
                .map(|i| ImageInfo {
                    id: i.id,
                    tags: i.repo_tags.into_iter().filter(|t| t != "<none>:<none>").collect(),
                })
                .collect();
        }
        if let Some(containers) = containers {
            obs.containers = containers?;
        }
        if let Some(compose) = compose {
            obs.compose = compose.map_err(|e| self.classify(e))?.into_iter().map(container_info).collect();
        }
        if let Some(events) = events {
            obs.events = events?;
            if needs.created {
                self.fill_created(&docker, since, obs).await;
            }
        }
        if needs.compose_resources {
            obs.compose_resources = self.compose_resources(&docker).await?;
        }
        self.fill_details(&docker, needs, obs).await
    }

    /// The networks and volumes Compose made, with the names its files give them.
    async fn compose_resources(&self, docker: &Docker) -> Result<Vec<ComposeResource>, EngineError> {
        const PROJECT: &str = "com.docker.compose.project";
        let filters = HashMap::from([("label".to_owned(), vec![PROJECT.to_owned()])]);
        let networks = docker
            .list_networks(Some(bollard::query_parameters::ListNetworksOptions { filters: Some(filters.clone()) }))
            .await
            .map_err(|e| self.classify(e))?;
        let volumes = docker
            .list_volumes(Some(bollard::query_parameters::ListVolumesOptions { filters: Some(filters) }))
            .await
            .map_err(|e| self.classify(e))?;
        let resource = |kind, labels: &HashMap<String, String>, engine_name: String, key: &str| ComposeResource {
            kind,
            project: labels.get(PROJECT).cloned().unwrap_or_default(),
            name: labels.get(key).cloned().unwrap_or_else(|| engine_name.clone()),
            engine_name,
        };
        let mut out: Vec<ComposeResource> = networks
            .into_iter()
            .map(|n| {
                let labels = n.labels.unwrap_or_default();
                resource(
                    ComposeResourceKind::Network,
                    &labels,
                    n.name.unwrap_or_default(),
                    "com.docker.compose.network",
                )
            })
            .collect();
        out.extend(
            volumes
                .volumes
                .unwrap_or_default()
                .into_iter()
                .map(|v| resource(ComposeResourceKind::Volume, &v.labels, v.name, "com.docker.compose.volume")),
        );
        Ok(out)
    }

    /// Exit codes the list did not give, logs, inspections and probes.
    async fn fill_details(&self, docker: &Docker, needs: &Needs, obs: &mut Observation) -> Result<(), EngineError> {
        for c in obs.containers.iter_mut().filter(|c| c.state == State::Exited && c.exit_code.is_none()) {
            if let Ok(details) = docker.inspect_container(&c.id, None).await {
                c.exit_code = details.state.and_then(|s| s.exit_code);
            }
        }
        let newest = |targets: &[Target], obs: &Observation| {
            let mut ids: Vec<String> = Vec::new();
            for target in targets {
                for c in select_in(target, &obs.containers, &obs.images).into_iter().take(3) {
                    if !ids.contains(&c.id) {
                        ids.push(c.id.clone());
                    }
                }
            }
            ids
        };
        let wanted = newest(&needs.output_of, obs);
        let logs = futures_util::future::join_all(wanted.iter().map(|id| self.logs(docker, id))).await;
        for (id, text) in wanted.iter().zip(logs) {
            if let Some(c) = obs.containers.iter_mut().find(|c| c.id == *id) {
                c.output = Some(text?);
            }
        }
        let inspect = newest(&needs.details_of, obs);
        let details = futures_util::future::join_all(inspect.iter().map(|id| docker.inspect_container(id, None))).await;
        for (id, d) in inspect.iter().zip(details) {
            // A container removed meanwhile simply has no details.
            if let (Ok(d), Some(c)) = (d, obs.containers.iter_mut().find(|c| c.id == *id)) {
                c.details = Some(container_details(d));
            }
        }
        for reference in &needs.image_details {
            if let Some(d) = self.image_details(docker, reference).await? {
                obs.image_details.push(d);
            }
        }
        for name in &needs.volumes {
            match docker.inspect_volume(name).await {
                Ok(_) => obs.volumes.push(name.clone()),
                Err(bollard::errors::Error::DockerResponseServerError { status_code: 404, .. }) => {}
                Err(e) => return Err(self.classify(e)),
            }
        }
        for name in &needs.networks {
            match docker.inspect_network(name, None).await {
                Ok(_) => obs.networks.push(name.clone()),
                Err(bollard::errors::Error::DockerResponseServerError { status_code: 404, .. }) => {}
                Err(e) => return Err(self.classify(e)),
            }
        }
        for (index, run) in &needs.helpers {
            let result = super::helper::run(docker, run).await.map_err(|e| self.classify(e))?;
            obs.probes.insert(*index, result);
        }
        for (index, sel, probe) in &needs.probes {
            let result = self.probe(docker, sel, probe, obs).await?;
            obs.probes.insert(*index, result);
        }
        Ok(())
    }

    async fn image_details(&self, docker: &Docker, reference: &str) -> Result<Option<ImageDetails>, EngineError> {
        let inspect = match docker.inspect_image(reference).await {
            Ok(i) => i,
            Err(bollard::errors::Error::DockerResponseServerError { status_code: 404, .. }) => return Ok(None),
            Err(e) => return Err(self.classify(e)),
        };
        let history = docker.image_history(reference).await.map_err(|e| self.classify(e))?;
        let config = inspect.config.unwrap_or_default();
        let mut lines: Vec<String> = Vec::new();
        if let Some(c) = inspect.comment.filter(|c| !c.is_empty()) {
            lines.push(c);
        }
        for h in history {
            lines.push(h.created_by);
            if !h.comment.is_empty() {
                lines.push(h.comment);
            }
        }
        let mut exposed_ports: Vec<String> = config.exposed_ports.unwrap_or_default().into_iter().collect();
        exposed_ports.sort();
        Ok(Some(ImageDetails {
            reference: reference.to_owned(),
            id: inspect.id.unwrap_or_default(),
            workdir: config.working_dir.unwrap_or_default(),
            entrypoint: config.entrypoint.unwrap_or_default(),
            cmd: config.cmd.unwrap_or_default(),
            labels: config.labels.unwrap_or_default(),
            history: lines,
            env: config.env.unwrap_or_default(),
            exposed_ports,
            user: config.user.unwrap_or_default(),
            size: inspect.size.unwrap_or_default(),
            layers: inspect.root_fs.and_then(|r| r.layers).map_or(0, |l| l.len()),
        }))
    }

    /// One look inside the newest matching container. Reports facts only: which
    /// container, or why none could be looked in; the wording is the checker's.
    async fn probe(
        &self,
        docker: &Docker,
        target: &Target,
        probe: &Probe,
        obs: &Observation,
    ) -> Result<ProbeResult, EngineError> {
        let candidates = select_in(target, &obs.containers, &obs.images);
        let Some(newest) = candidates.first() else {
            return Ok(ProbeResult::NoMatch);
        };
        let running = candidates.iter().find(|c| c.state == State::Running);
        let not_running = || ProbeResult::NotRunning { container: newest.name.clone(), state: newest.state };
        match probe {
            Probe::Exec { command } => {
                let Some(c) = running else { return Ok(not_running()) };
                let (exit_code, output) = self.exec(docker, &c.id, command).await?;
                Ok(ProbeResult::Exec { container: c.name.clone(), exit_code, output })
            }
            Probe::File { path } => {
                let content = self.read_container_file(docker, &newest.id, path).await?;
                Ok(ProbeResult::File { container: newest.name.clone(), content })
            }
            Probe::Http { container_port, request } => {
                let Some(c) = running else { return Ok(not_running()) };
                let published = c.details.as_ref().and_then(|d| {
                    d.ports.iter().find(|p| {
                        p.container_port == *container_port
                            && p.protocol == crate::check::Protocol::Tcp
                            && p.host_port.is_some()
                    })
                });
                let Some(p) = published else {
                    return Ok(ProbeResult::PortNotPublished { container: c.name.clone(), port: *container_port });
                };
                let host = super::host::reachable_address(&p.host_ip);
                let port = p.host_port.unwrap_or_default();
                let (url, answer) = super::host::http(&host, port, request).await;
                Ok(ProbeResult::Http { container: c.name.clone(), url, answer })
            }
        }
    }

    async fn exec(&self, docker: &Docker, id: &str, command: &[String]) -> Result<(i64, String), EngineError> {
        use bollard::exec::{StartExecOptions, StartExecResults};
        let config = bollard::models::ExecConfig {
            attach_stdout: Some(true),
            attach_stderr: Some(true),
            cmd: Some(command.to_vec()),
            ..Default::default()
        };
        let created = match docker.create_exec(id, config).await {
            Ok(c) => c,
            Err(bollard::errors::Error::DockerResponseServerError { message, .. }) => {
                return Ok((-1, message));
            }
            Err(e) => return Err(self.classify(e)),
        };
        let mut output = String::new();
        let started = docker
            .start_exec(&created.id, Some(StartExecOptions { detach: false, tty: false, output_capacity: None }))
            .await;
        match started {
            Ok(StartExecResults::Attached { output: mut stream, .. }) => {
                while let Some(chunk) = stream.next().await {
                    match chunk {
                        Ok(out) => output.push_str(&String::from_utf8_lossy(&out.into_bytes())),
                        Err(_) => break,
                    }
                    if output.len() > MAX_OUTPUT {
                        break;
                    }
                }
            }
            Ok(StartExecResults::Detached) => {}
            // The command does not exist in the image: the engine says so.
            Err(bollard::errors::Error::DockerResponseServerError { message, .. }) => {
                return Ok((127, message));
            }
            Err(e) => return Err(self.classify(e)),
        }
        let inspect = docker.inspect_exec(&created.id).await.map_err(|e| self.classify(e))?;
        Ok((inspect.exit_code.unwrap_or(-1), output))
    }

    /// A file's content through the archive API (works on stopped containers too).
    async fn read_container_file(&self, docker: &Docker, id: &str, path: &str) -> Result<Option<String>, EngineError> {
        let options = bollard::query_parameters::DownloadFromContainerOptions { path: path.to_owned() };
        let mut stream = docker.download_from_container(id, Some(options));
        let mut tar = Vec::new();
        while let Some(chunk) = stream.next().await {
            match chunk {
                Ok(bytes) => tar.extend_from_slice(&bytes),
                Err(bollard::errors::Error::DockerResponseServerError { status_code: 404, .. }) => return Ok(None),
                Err(e) => return Err(self.classify(e)),
            }
            if tar.len() > 4 * MAX_OUTPUT {
                break;
            }
        }
        Ok(super::host::first_tar_entry(&tar))
    }

    async fn logs(&self, docker: &Docker, id: &str) -> Result<String, EngineError> {
        let options = LogsOptions { stdout: true, stderr: true, tail: "500".to_owned(), ..Default::default() };
        let mut stream = docker.logs(id, Some(options));
        let mut text = String::new();
        while let Some(chunk) = stream.next().await {
            match chunk {
                Ok(out) => text.push_str(&String::from_utf8_lossy(&out.into_bytes())),
                // A container removed meanwhile has no logs; that is not an engine failure.
                Err(bollard::errors::Error::DockerResponseServerError { .. }) => break,
                Err(e) => return Err(self.classify(e)),
            }
            if text.len() > MAX_OUTPUT {
                break;
            }
        }
        Ok(text)
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

    /// The engine's own description of itself, for `doctor`.
    pub async fn facts(&mut self) -> Result<EngineFacts, EngineError> {
        let (docker, info) = self.connected().await?;
        let sys = docker.info().await.map_err(|e| self.classify(e))?;
        let operating_system = sys.operating_system.clone().unwrap_or_default();
        let security = sys.security_options.clone().unwrap_or_default();
        let kind = if info.product.eq_ignore_ascii_case("libpod") {
            "Podman"
        } else if operating_system.contains("Docker Desktop") {
            "Docker Desktop"
        } else if security.iter().any(|o| o.contains("rootless")) {
            "rootless Docker"
        } else {
            "Docker Engine"
        };
        let driver_status = sys.driver_status.clone().unwrap_or_default();
        let containerd_image_store = driver_status.iter().any(|kv| {
            kv.first().is_some_and(|k| k == "driver-type") && kv.get(1).is_some_and(|v| v.contains("snapshotter"))
        });
        Ok(EngineFacts {
            info,
            kind: kind.to_owned(),
            operating_system,
            storage_driver: sys.driver.unwrap_or_default(),
            containerd_image_store,
            root_dir: sys.docker_root_dir.unwrap_or_default(),
            containers: sys.containers.unwrap_or_default(),
            images: sys.images.unwrap_or_default(),
        })
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
        let containers = docker
            .list_containers(Some(ListContainersOptions {
                all: true,
                filters: Some(filters.clone()),
                ..Default::default()
            }))
            .await
            .map_err(|e| self.classify(e))?;
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

fn container_info(c: bollard::models::ContainerSummary) -> ContainerInfo {
    let state = State::from_engine(&c.state.map(|s| s.to_string()).unwrap_or_default());
    let exit_code = if state == State::Exited { c.status.as_deref().and_then(exit_code_from_status) } else { None };
    ContainerInfo {
        labels: c.labels.clone().unwrap_or_default(),
        details: None,
        id: c.id.unwrap_or_default(),
        name: c.names.unwrap_or_default().first().map(|n| n.trim_start_matches('/').to_owned()).unwrap_or_default(),
        image: c.image.unwrap_or_default(),
        image_id: c.image_id.unwrap_or_default(),
        state,
        exit_code,
        created: c.created.unwrap_or_default(),
        output: None,
    }
}

pub(super) fn container_details(d: bollard::models::ContainerInspectResponse) -> ContainerDetails {
    let config = d.config.unwrap_or_default();
    let settings = d.network_settings.unwrap_or_default();
    let mut ports = Vec::new();
    for (key, bindings) in settings.ports.unwrap_or_default() {
        let (port, protocol) = key.split_once('/').unwrap_or((&key, "tcp"));
        let Ok(container_port) = port.parse::<u16>() else {
            continue;
        };
        let Ok(protocol) = protocol.parse() else {
            continue;
        };
        let bindings = bindings.unwrap_or_default();
        if bindings.is_empty() {
            ports.push(PublishedPort { container_port, protocol, host_port: None, host_ip: String::new() });
        }
        for b in bindings {
            ports.push(PublishedPort {
                container_port,
                protocol,
                host_port: b.host_port.and_then(|p| p.parse().ok()),
                host_ip: b.host_ip.unwrap_or_default(),
            });
        }
    }
    ports.sort_by_key(|p| (p.container_port, p.host_port));
    let mounts = d
        .mounts
        .unwrap_or_default()
        .into_iter()
        .filter_map(|m| {
            Some(MountInfo {
                kind: m.typ?.to_string().parse::<MountType>().ok()?,
                source: m.source.unwrap_or_default(),
                destination: m.destination.unwrap_or_default(),
                name: m.name.unwrap_or_default(),
                read_only: m.rw == Some(false),
                propagation: m.propagation.unwrap_or_default(),
            })
        })
        .collect();
    let mut networks: Vec<String> = settings.networks.unwrap_or_default().into_keys().collect();
    networks.sort();
    ContainerDetails {
        env: config.env.unwrap_or_default(),
        ports,
        mounts,
        networks,
        cmd: config.cmd.unwrap_or_default(),
        entrypoint: config.entrypoint.unwrap_or_default(),
    }
}

/// `Exited (137) 3 seconds ago` → 137. Saves one inspect per container.
fn exit_code_from_status(status: &str) -> Option<i64> {
    let rest = status.strip_prefix("Exited (")?;
    rest[..rest.find(')')?].parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ping_headers_describe_the_engine() {
        let head = "HTTP/1.1 200 OK\r\nApi-Version: 1.41\r\nDocker-Experimental: false\r\nOstype: linux\r\nServer: Docker/20.10.24+dfsg1 (linux)\r\nContent-Length: 2";
        let ping = Ping::parse(head);
        assert_eq!(ping.api, Some((1, 41)));
        assert_eq!(ping.server.as_deref(), Some("Docker/20.10.24+dfsg1 (linux)"));
        assert_eq!(ping.os.as_deref(), Some("linux"));
        assert_eq!(Ping::parse("HTTP/1.1 404 Not Found\r\n"), Ping::default());
    }

    #[test]
    fn exit_codes_are_read_from_status() {
        assert_eq!(exit_code_from_status("Exited (0) 5 seconds ago"), Some(0));
        assert_eq!(exit_code_from_status("Exited (137) About a minute ago"), Some(137));
        assert_eq!(exit_code_from_status("Up 3 minutes"), None);
    }
}
