//! The only module that talks to Docker. `context` finds the endpoint the way the
//! docker CLI does; `docker` connects with bollard and gathers an `Observation`: plain
//! data that `check::eval` judges without any I/O.

pub mod archive;
pub mod context;
pub mod docker;
pub mod host;
pub mod tools;

pub use context::{Endpoint, EndpointSource};
pub use docker::{Engine, EngineError};

use serde::Serialize;
use std::collections::HashMap;

/// Limits what dockerlearn looks at to containers and events carrying one of some
/// labels (`key=value`). Tests, `verify` and classrooms use it so they see only what
/// they created. No labels: everything.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Scope {
    pub labels: Vec<String>,
}

impl Scope {
    pub fn label(label: impl Into<String>) -> Scope {
        Scope { labels: vec![label.into()] }
    }
    pub fn everything() -> Scope {
        Scope::default()
    }
}

/// What the engine reported, gathered for one checkpoint.
#[derive(Debug, Clone, Serialize)]
pub struct Observation {
    /// `Err` holds a one-line account of why the engine could not be asked.
    pub engine: Result<EngineInfo, String>,
    pub images: Vec<ImageInfo>,
    pub containers: Vec<ContainerInfo>,
    /// Events since the step began, oldest first.
    pub events: Vec<EngineEvent>,
    /// Images inspected, by the reference the checkpoint used.
    pub image_details: Vec<ImageDetails>,
    /// The volumes asked about that exist.
    pub volumes: Vec<String>,
    /// The networks asked about that exist.
    pub networks: Vec<String>,
    /// Results of looks inside containers, by assertion index.
    pub probes: HashMap<usize, ProbeResult>,
    /// Containers that belong to a Compose project, whatever the scope.
    pub compose: Vec<ContainerInfo>,
    /// Host files asked about: path and content (None when absent).
    pub host_files: Vec<(String, Option<String>)>,
}

impl Observation {
    /// An observation with nothing in it yet, for an engine reached at `engine`.
    pub fn empty(engine: Result<EngineInfo, String>) -> Observation {
        Observation {
            engine,
            images: Vec::new(),
            containers: Vec::new(),
            events: Vec::new(),
            image_details: Vec::new(),
            volumes: Vec::new(),
            networks: Vec::new(),
            probes: HashMap::new(),
            compose: Vec::new(),
            host_files: Vec::new(),
        }
    }
}

/// What `dockerlearn doctor` reports about the engine itself.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct EngineFacts {
    pub info: EngineInfo,
    /// `Docker Engine`, `Docker Desktop`, `rootless Docker`, `Podman`.
    pub kind: String,
    pub operating_system: String,
    pub storage_driver: String,
    /// Whether images are kept in containerd's image store (Docker 29's default).
    pub containerd_image_store: bool,
    /// Where the engine keeps its data, on the engine's machine.
    pub root_dir: String,
    pub containers: i64,
    pub images: i64,
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
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PublishedPort {
    pub container_port: u16,
    pub protocol: String,
    /// None when exposed but not published.
    pub host_port: Option<u16>,
    pub host_ip: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct MountInfo {
    /// `bind`, `volume`, `tmpfs`.
    pub kind: String,
    /// Host path (bind) or the volume's path on the engine's machine.
    pub source: String,
    pub destination: String,
    /// The volume's name (volumes only).
    pub name: String,
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
}

/// What a look inside a container found.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub enum ProbeResult {
    /// No matching container to look in (or none running, for exec).
    NoContainer(String),
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

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ImageInfo {
    pub id: String,
    /// `repo:tag` as the engine lists them.
    pub tags: Vec<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct ContainerInfo {
    pub id: String,
    /// Without the leading `/`.
    pub name: String,
    /// The image as the container was created from it (what the user typed, or an id).
    pub image: String,
    pub image_id: String,
    /// `created`, `running`, `exited`, ...
    pub state: String,
    /// Known once the container has been inspected and has exited.
    pub exit_code: Option<i64>,
    /// Unix seconds.
    pub created: i64,
    /// The container's logs, when a checkpoint asked for them.
    pub output: Option<String>,
    pub labels: HashMap<String, String>,
    /// Filled when a checkpoint asked about ports, env, mounts or networks.
    pub details: Option<ContainerDetails>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct EngineEvent {
    /// `container`, `image`, `network`, ...
    pub kind: String,
    pub action: String,
    pub id: String,
    pub attributes: HashMap<String, String>,
    pub time_nano: i64,
}
