//! The only module that talks to Docker. `context` finds the endpoint the way the
//! docker CLI does; `docker` connects with bollard and gathers a `check::Observation`:
//! plain data that `check::eval` judges without any I/O; `recorder` stands between the
//! prompt's commands and the engine to see what they make; `remote` (with `bridge`,
//! `ssh`, `tls`) reaches an engine on another machine through a local socket. `engine` depends on `check`
//! (for what to gather and the records to fill), never the reverse.

mod api_floor;
pub mod archive;
pub mod bridge;
pub mod changes;
pub mod cli;
mod containers;
pub mod context;
pub mod docker;
mod events;
mod helper;
pub mod host;
pub mod inventory;
pub mod kind;
mod observe;
pub mod recorder;
pub mod registry;
pub mod remote;
pub mod remove;
pub mod socket_dir;
pub mod ssh;
pub mod tls;
pub mod tools;
pub mod volume;
pub mod witness;

pub use context::{Endpoint, EndpointSource};
pub use docker::{Engine, EngineError};
pub use events::Follow;
pub use remote::RemoteError;

use crate::check::EngineInfo;
use serde::Serialize;

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

/// What `dockerlearn doctor` reports about the engine itself.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct EngineFacts {
    pub info: EngineInfo,
    /// Docker Engine, Docker Desktop or Podman; its versions and image store.
    pub kind: kind::EngineKind,
    pub operating_system: String,
    /// Where the engine keeps its data, on the engine's machine.
    pub root_dir: String,
    pub containers: i64,
    pub images: i64,
}
