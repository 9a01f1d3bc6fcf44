//! The only module that talks to Docker. `context` finds the endpoint the way the
//! docker CLI does; `docker` connects with bollard and gathers an `Observation`: plain
//! data that `check::eval` judges without any I/O.

pub mod context;
pub mod docker;

pub use context::{Endpoint, EndpointSource};
pub use docker::{Engine, EngineError};

use serde::Serialize;
use std::collections::HashMap;

/// Limits what dockerlearn looks at to resources carrying one label (`key=value`).
/// Tests, `verify` and classrooms use it so they see only what they created.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Scope {
    pub label: Option<String>,
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
    /// When the step began, Unix nanoseconds (for messages).
    pub since: i64,
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
