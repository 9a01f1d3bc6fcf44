//! What the engine holds at one moment, as plain data: containers with their networks,
//! mounts and published ports, images, volumes, networks. The guard judges commands
//! against it and the map draws it; `engine::inventory` fills it.

use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// The label Compose puts on the containers of a project.
pub const COMPOSE_PROJECT: &str = "com.docker.compose.project";

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Snapshot {
    pub containers: Vec<Container>,
    pub images: Vec<Image>,
    pub volumes: Vec<Volume>,
    pub networks: Vec<Network>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Container {
    pub id: String,
    /// Without the leading `/`.
    pub name: String,
    /// The image as the container was created from it.
    pub image: String,
    /// `created`, `running`, `exited`, ...
    pub state: String,
    pub labels: BTreeMap<String, String>,
    /// Names of the networks it is attached to.
    pub networks: Vec<String>,
    pub mounts: Vec<Mount>,
    pub ports: Vec<Port>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum MountKind {
    Bind,
    Volume,
    Tmpfs,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Mount {
    pub kind: MountKind,
    /// The host path (bind) or the volume's name (volume); empty for tmpfs.
    pub source: String,
    /// The path inside the container.
    pub destination: String,
    pub read_only: bool,
}

/// A container port published on the host.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Port {
    /// `0.0.0.0` (every address) unless limited.
    pub host_ip: String,
    pub host_port: u16,
    pub container_port: u16,
    pub protocol: String,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Image {
    pub id: String,
    /// `repo:tag` as the engine lists them; empty for a dangling image.
    pub tags: Vec<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Volume {
    pub name: String,
    /// Where its data lives on the engine's machine.
    #[serde(default)]
    pub mountpoint: String,
    pub labels: BTreeMap<String, String>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Network {
    pub id: String,
    pub name: String,
    pub labels: BTreeMap<String, String>,
}

/// The networks every engine has, which cannot be removed. Podman names its default
/// network, Docker's `bridge`, `podman`.
pub fn is_builtin_network(name: &str) -> bool {
    matches!(name, "bridge" | "host" | "none" | "podman")
}

impl Container {
    pub fn is_running(&self) -> bool {
        matches!(self.state.as_str(), "running" | "restarting" | "paused")
    }

    /// Whether `reference` (a name, or an id or its prefix) names this container.
    pub fn is(&self, reference: &str) -> bool {
        let r = reference.trim_start_matches('/');
        !r.is_empty() && (self.name == r || self.id.starts_with(r))
    }
}

impl Image {
    /// Whether `reference` (`python:3.12`, `docker.io/library/python:3.12`, an id or its
    /// prefix) names this image.
    pub fn is(&self, reference: &str) -> bool {
        use crate::reference::ImageRef;
        let id = self.id.trim_start_matches("sha256:");
        let r = reference.trim_start_matches("sha256:");
        if r.len() >= 4 && r.chars().all(|c| c.is_ascii_hexdigit()) && id.starts_with(r) {
            return true;
        }
        let wanted = ImageRef::parse(reference);
        self.tags.iter().any(|t| ImageRef::parse(t) == wanted)
    }
}

impl Network {
    pub fn is(&self, reference: &str) -> bool {
        !reference.is_empty() && (self.name == reference || self.id.starts_with(reference))
    }
}

impl Snapshot {
    /// Whether some container uses the image (by tag or id).
    pub fn image_in_use(&self, image: &Image) -> bool {
        self.containers.iter().any(|c| image.is(&c.image))
    }

    pub fn volume_in_use(&self, name: &str) -> bool {
        self.containers.iter().any(|c| c.mounts.iter().any(|m| m.kind == MountKind::Volume && m.source == name))
    }

    pub fn network_in_use(&self, name: &str) -> bool {
        self.containers.iter().any(|c| c.networks.iter().any(|n| n == name))
    }
}
