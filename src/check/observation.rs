//! What the engine reported for one checkpoint: plain data, judged by the kinds in
//! this module's siblings without any I/O. `engine` fills it; nothing here talks to
//! Docker, so the checking core is tested and reused without tokio or bollard.

use serde::Serialize;
use std::collections::HashMap;

/// What the engine reported, gathered for one checkpoint.
#[derive(Debug, Clone, Serialize)]
pub struct Observation {
    /// `Err` holds a one-line account of why the engine could not be asked.
    pub engine: Result<EngineInfo, String>,
    pub images: Vec<ImageInfo>,
    pub containers: Vec<ContainerInfo>,
    /// When the step began (nanoseconds since the Unix epoch): what "since this step
    /// began" is measured from.
    pub step_began: i64,
    /// Events since the step began, oldest first.
    pub events: Vec<EngineEvent>,
    /// The engine may have forgotten some of them: it keeps only its last 256 events,
    /// and no prompt followed this step's live.
    pub events_forgotten: bool,
    /// Images inspected, by the reference the checkpoint used.
    pub image_details: Vec<ImageDetails>,
    /// The volumes asked about that exist.
    pub volumes: Vec<String>,
    /// The networks asked about that exist.
    pub networks: Vec<String>,
    /// Every volume's name on the engine, read only when one asked about is missing:
    /// what a "did you mean" picks from.
    pub other_volumes: Vec<String>,
    /// Every network's name, likewise.
    pub other_networks: Vec<String>,
    /// Results of looks inside containers, by assertion index.
    pub probes: HashMap<usize, ProbeResult>,
    /// Containers that belong to a Compose project, whatever the scope.
    pub compose: Vec<ContainerInfo>,
    /// Networks and volumes that Compose created, by their project's own names.
    pub compose_resources: Vec<ComposeResource>,
    /// Host files asked about: path and content (None when absent).
    pub host_files: Vec<(String, Option<String>)>,
    /// The learner's folder, where relative paths of the host start.
    pub workdir: String,
    /// The learner's home folder, where `~/` paths start.
    pub home: String,
    /// `COMPOSE_PROJECT_NAME` where the learner works, when set: Compose names every
    /// project by it instead of by the folder.
    pub compose_project_name: Option<String>,
    /// How the containers in the events were made (command, mounts), by id: inspected
    /// live as they were created, or afterwards while they still existed. A container
    /// run with `--rm` is known here after it is gone.
    pub created: HashMap<String, ContainerDetails>,
    /// The `docker exec`s the learner's commands ran through dockerlearn's relay since
    /// the step began: what names an exec's command where the engine's events do not
    /// (Podman's).
    pub execs: Vec<ExecSeen>,
    /// Since when dockerlearn's relay has stood between the learner's commands and the
    /// engine (Unix nanoseconds): at the prompt and in `verify`, not for a one-off
    /// `dockerlearn check` from another terminal.
    pub relayed_since: Option<i64>,
}

impl Observation {
    /// An observation with nothing in it yet, for an engine reached at `engine`.
    pub fn empty(engine: Result<EngineInfo, String>) -> Observation {
        Observation {
            engine,
            step_began: 0,
            images: Vec::new(),
            containers: Vec::new(),
            events: Vec::new(),
            events_forgotten: false,
            image_details: Vec::new(),
            volumes: Vec::new(),
            networks: Vec::new(),
            other_volumes: Vec::new(),
            other_networks: Vec::new(),
            probes: HashMap::new(),
            compose: Vec::new(),
            compose_resources: Vec::new(),
            host_files: Vec::new(),
            workdir: String::new(),
            home: String::new(),
            compose_project_name: None,
            created: HashMap::new(),
            execs: Vec::new(),
            relayed_since: None,
        }
    }

    /// A path of the learner's machine as an assertion gives it (`notes.txt`, `.`,
    /// `~/dockerlearn/shop`, `/srv/site`), made absolute: relative paths start in the
    /// learner's folder, `~` in their home.
    pub fn host_path(&self, path: &str) -> String {
        host_path(path, &self.workdir, &self.home)
    }
}

/// `path` made absolute against `workdir` (relative) or `home` (`~`, `~/...`), with
/// `.` and `..` parts resolved and no trailing slash.
pub fn host_path(path: &str, workdir: &str, home: &str) -> String {
    let joined = if path == "~" {
        home.to_owned()
    } else if let Some(rest) = path.strip_prefix("~/") {
        format!("{}/{rest}", home.trim_end_matches('/'))
    } else if path.starts_with('/') {
        path.to_owned()
    } else {
        format!("{}/{path}", workdir.trim_end_matches('/'))
    };
    let mut parts: Vec<&str> = Vec::new();
    for part in joined.split('/') {
        match part {
            "" | "." => {}
            ".." => {
                parts.pop();
            }
            p => parts.push(p),
        }
    }
    format!("/{}", parts.join("/"))
}

/// Where the learner works, as the checker needs to know it: the folder relative host
/// paths start in, the home folder `~` means, and Compose's project name override.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Place {
    pub workdir: std::path::PathBuf,
    pub home: std::path::PathBuf,
    pub compose_project_name: Option<String>,
}

impl Place {
    /// A path as an assertion or a lesson gives it (`notes.txt`, `~/dockerlearn/shop`),
    /// made absolute for this place (see `host_path`).
    pub fn path(&self, path: &str) -> std::path::PathBuf {
        host_path(path, &self.workdir.to_string_lossy(), &self.home.to_string_lossy()).into()
    }

    /// The learner at `workdir`, with this process's `HOME` and `COMPOSE_PROJECT_NAME`.
    pub fn at(workdir: &std::path::Path) -> Place {
        Place {
            workdir: workdir.to_path_buf(),
            home: std::env::var_os("HOME").map(Into::into).unwrap_or_else(|| workdir.to_path_buf()),
            compose_project_name: std::env::var("COMPOSE_PROJECT_NAME").ok().filter(|n| !n.is_empty()),
        }
    }
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct EngineInfo {
    /// `Docker`, or `Libpod` for Podman's Docker API.
    pub product: String,
    pub version: String,
    pub api_version: String,
    pub os: String,
    /// Where the engine was reached, e.g. `unix:///var/run/docker.sock`.
    pub endpoint: String,
    /// How that endpoint was chosen, e.g. `DOCKER_HOST`.
    pub endpoint_source: String,
}

impl EngineInfo {
    /// Podman's Docker-compatible API (its `/_ping` says `Server: Libpod/...`).
    pub fn is_podman(&self) -> bool {
        self.product.eq_ignore_ascii_case("libpod") || self.product.eq_ignore_ascii_case("podman")
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ImageInfo {
    pub id: String,
    /// `repo:tag` as the engine lists them.
    pub tags: Vec<String>,
}

/// Container states as the engine names them.
#[derive(
    Debug,
    Clone,
    Copy,
    Default,
    PartialEq,
    Eq,
    Hash,
    Serialize,
    serde::Deserialize,
    strum::EnumString,
    strum::IntoStaticStr,
    strum::Display,
)]
#[serde(rename_all = "lowercase")]
#[strum(serialize_all = "lowercase")]
pub enum State {
    #[default]
    Created,
    Running,
    Paused,
    Restarting,
    Removing,
    Exited,
    Dead,
}

impl State {
    /// The engine's word for a state; Podman's `stopped` and `configured` map to ours.
    pub fn from_engine(word: &str) -> State {
        match word {
            "stopped" => State::Exited,
            "configured" | "initialized" => State::Created,
            other => other.parse().unwrap_or(State::Dead),
        }
    }
    pub fn as_str(self) -> &'static str {
        self.into()
    }
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct ContainerInfo {
    pub id: String,
    /// Without the leading `/`.
    pub name: String,
    /// The image as the container was created from it (what the user typed, or an id).
    pub image: String,
    pub image_id: String,
    pub state: State,
    /// Known once the container has exited.
    pub exit_code: Option<i64>,
    /// Unix seconds.
    pub created: i64,
    /// The container's logs, when a checkpoint asked for them.
    pub output: Option<String>,
    pub labels: HashMap<String, String>,
    /// Filled when a checkpoint asked about ports, env, mounts or networks.
    pub details: Option<ContainerDetails>,
}

/// What inspecting a container adds to the list's summary.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct ContainerDetails {
    pub env: Vec<String>,
    pub ports: Vec<PublishedPort>,
    pub mounts: Vec<MountInfo>,
    /// Names of the networks it is attached to.
    pub networks: Vec<String>,
    pub cmd: Vec<String>,
    pub entrypoint: Vec<String>,
    /// Made with `--rm` (the engine removes it when it ends); None when not known.
    pub auto_remove: Option<bool>,
}

/// A `docker exec` as dockerlearn's relay saw it: asked for, started, and, once its
/// connection closed, as the engine tells of it.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct ExecSeen {
    pub id: String,
    /// The container's id, as the engine tells of the exec; until then, the id or name
    /// the request gave.
    pub container: String,
    /// The command, as the engine holds it (its program, then its arguments); until
    /// then, as the request gave it.
    pub command: Vec<String>,
    /// When the relay passed its start on (Unix nanoseconds; 0 if it saw none).
    pub started: i64,
    /// When it had ended, as the relay found it after the start's connection closed
    /// (Unix nanoseconds; 0 while unknown).
    pub ended: i64,
    /// Known once it has ended.
    pub exit_code: Option<i64>,
}

/// Transport protocols of a port, as the engine writes them after the slash (`80/tcp`).
#[derive(
    Debug,
    Clone,
    Copy,
    Default,
    PartialEq,
    Eq,
    Hash,
    Serialize,
    serde::Deserialize,
    strum::EnumString,
    strum::IntoStaticStr,
    strum::Display,
)]
#[serde(rename_all = "lowercase")]
#[strum(serialize_all = "lowercase")]
pub enum Protocol {
    #[default]
    Tcp,
    Udp,
    Sctp,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PublishedPort {
    pub container_port: u16,
    pub protocol: Protocol,
    /// None when exposed but not published.
    pub host_port: Option<u16>,
    /// The host address it is published on (`0.0.0.0`, `::`, `127.0.0.1`, ...).
    pub host_ip: String,
}

/// Mount types as the engine names them.
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    Hash,
    Serialize,
    serde::Deserialize,
    strum::EnumString,
    strum::IntoStaticStr,
    strum::Display,
)]
#[serde(rename_all = "lowercase")]
#[strum(serialize_all = "lowercase")]
pub enum MountType {
    Bind,
    Volume,
    Tmpfs,
    Npipe,
    Cluster,
}

impl MountType {
    pub fn as_str(self) -> &'static str {
        self.into()
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct MountInfo {
    pub kind: MountType,
    /// Host path (bind) or the volume's path on the engine's machine.
    pub source: String,
    pub destination: String,
    /// The volume's name (volumes only).
    pub name: String,
    /// Mounted read-only (`:ro`, `readonly`).
    pub read_only: bool,
    /// Bind propagation (`rprivate`, `shared`, ...), empty when the engine gives none.
    pub propagation: String,
}

impl MountInfo {
    /// What the learner named: the volume, or the host path of a bind mount.
    pub fn what(&self) -> &str {
        if self.kind == MountType::Volume { &self.name } else { &self.source }
    }
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct ImageDetails {
    pub reference: String,
    pub id: String,
    pub workdir: String,
    pub entrypoint: Vec<String>,
    pub cmd: Vec<String>,
    pub labels: HashMap<String, String>,
    /// Each layer's `created_by` and comment, newest first.
    pub history: Vec<String>,
    /// `KEY=VALUE`, as `ENV` set them.
    pub env: Vec<String>,
    /// `8000/tcp`, as `EXPOSE` declared them.
    pub exposed_ports: Vec<String>,
    /// `USER`; empty for root.
    pub user: String,
    /// Bytes on disk.
    pub size: i64,
    /// File system layers.
    pub layers: usize,
    /// When it was made (built, committed, loaded as built), in nanoseconds since the
    /// Unix epoch by the engine's clock; 0 when the engine does not say.
    pub created_nanos: i64,
}

/// A network or volume Compose made: the name in the project's file, and the
/// engine's own name for it (`myapp_default`, `myapp_db-data`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ComposeResource {
    /// `network` or `volume`.
    pub kind: ComposeResourceKind,
    pub project: String,
    /// As the Compose file names it (`default`, `db-data`).
    pub name: String,
    pub engine_name: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, strum::Display)]
#[strum(serialize_all = "lowercase")]
pub enum ComposeResourceKind {
    Network,
    Volume,
}

/// What a look inside a container found. Plain facts: the wording is the judge's.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub enum ProbeResult {
    /// No container matches the assertion's target.
    NoMatch,
    /// The newest matching container is not running, and the probe needs it running.
    NotRunning {
        container: String,
        state: State,
    },
    /// The running container does not publish the port on the host.
    PortNotPublished {
        container: String,
        port: u16,
    },
    Exec {
        container: String,
        exit_code: i64,
        output: String,
    },
    File {
        container: String,
        content: Option<String>,
    },
    Http {
        container: String,
        url: String,
        answer: Result<(u16, String), String>,
    },
    /// A helper container ran to its end.
    Helper {
        exit_code: i64,
        output: String,
    },
    /// A helper container could not run (its image is missing, its network does not exist).
    HelperFailed(String),
}

/// Kinds of objects the engine reports events about.
#[derive(
    Debug,
    Clone,
    Copy,
    Default,
    PartialEq,
    Eq,
    Hash,
    Serialize,
    serde::Deserialize,
    strum::EnumString,
    strum::IntoStaticStr,
    strum::Display,
)]
#[serde(rename_all = "lowercase")]
#[strum(serialize_all = "lowercase")]
pub enum EventObject {
    #[default]
    Container,
    Image,
    Network,
    Volume,
}

impl EventObject {
    pub fn as_str(self) -> &'static str {
        self.into()
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct EngineEvent {
    /// `container`, `image`, `network`, ... as the engine wrote it.
    pub kind: String,
    pub action: String,
    pub id: String,
    pub attributes: HashMap<String, String>,
    pub time_nano: i64,
}

impl EngineEvent {
    pub fn attr(&self, key: &str) -> &str {
        self.attributes.get(key).map(String::as_str).unwrap_or("")
    }
}
