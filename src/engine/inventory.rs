//! What the engine holds, read into a `Snapshot` for the map and the guard: containers
//! (with their networks, mounts and published ports, which the engine's list already
//! carries), images, volumes and networks.

use super::{Engine, EngineError, Scope};
use crate::snapshot::{Container, Image, Mount, MountKind, Network, Port, Snapshot, Volume};
use bollard::query_parameters::{ListImagesOptions, ListNetworksOptions, ListVolumesOptions};
use std::collections::HashMap;

impl Engine {
    /// Everything on the engine, or with labels in `scope` only the containers,
    /// volumes and networks carrying one of them (images are always all listed: the
    /// guard must see those that existed before).
    pub async fn inventory(&mut self, scope: &Scope) -> Result<Snapshot, EngineError> {
        let docker = self.client().await?;
        let filter_sets: Vec<Option<HashMap<String, Vec<String>>>> = if scope.labels.is_empty() {
            vec![None]
        } else {
            scope.labels.iter().map(|l| Some(HashMap::from([("label".to_owned(), vec![l.clone()])]))).collect()
        };
        let mut snap = Snapshot::default();
        for filters in &filter_sets {
            for c in self.containers(&docker, filters.clone()).await? {
                let c = container(c);
                if !snap.containers.iter().any(|o| o.id == c.id) {
                    snap.containers.push(c);
                }
            }
            let options = ListVolumesOptions { filters: filters.clone() };
            let volumes = docker.list_volumes(Some(options)).await.map_err(|e| self.classify(e))?;
            for v in volumes.volumes.unwrap_or_default() {
                if !snap.volumes.iter().any(|o| o.name == v.name) {
                    snap.volumes.push(Volume {
                        name: v.name,
                        mountpoint: v.mountpoint,
                        labels: v.labels.into_iter().collect(),
                    });
                }
            }
            let options = ListNetworksOptions { filters: filters.clone() };
            for n in docker.list_networks(Some(options)).await.map_err(|e| self.classify(e))? {
                let n = Network {
                    id: n.id.unwrap_or_default(),
                    name: n.name.unwrap_or_default(),
                    labels: n.labels.unwrap_or_default().into_iter().collect(),
                };
                if !snap.networks.iter().any(|o| o.id == n.id) {
                    snap.networks.push(n);
                }
            }
        }
        let images = docker.list_images(None::<ListImagesOptions>).await.map_err(|e| self.classify(e))?;
        snap.images = images
            .into_iter()
            .map(|i| Image { id: i.id, tags: i.repo_tags.into_iter().filter(|t| t != "<none>:<none>").collect() })
            .collect();
        snap.containers.sort_by(|a, b| a.name.cmp(&b.name));
        Ok(snap)
    }
}

/// A mount as the engine lists it: a volume by its name, a folder by its path.
pub(super) fn mount(m: bollard::models::MountPoint) -> Mount {
    let kind = match m.typ.map(|t| t.to_string()).as_deref() {
        Some("bind") => MountKind::Bind,
        Some("tmpfs") => MountKind::Tmpfs,
        _ => MountKind::Volume,
    };
    let source = match kind {
        MountKind::Volume => m.name.unwrap_or_default(),
        _ => m.source.unwrap_or_default(),
    };
    Mount { kind, source, destination: m.destination.unwrap_or_default(), read_only: m.rw == Some(false) }
}

fn container(c: bollard::models::ContainerSummary) -> Container {
    let mut networks: Vec<String> =
        c.network_settings.and_then(|s| s.networks).unwrap_or_default().into_keys().collect();
    networks.sort();
    let mounts = c.mounts.unwrap_or_default().into_iter().map(mount).collect();
    let mut ports: Vec<Port> = c
        .ports
        .unwrap_or_default()
        .into_iter()
        .filter_map(|p| {
            Some(Port {
                host_ip: p.ip.unwrap_or_default(),
                host_port: p.public_port?,
                container_port: p.private_port,
                protocol: p.typ.map(|t| t.to_string()).unwrap_or_else(|| "tcp".to_owned()),
            })
        })
        .collect();
    ports.sort_by(|a, b| (a.container_port, a.host_port, &a.host_ip).cmp(&(b.container_port, b.host_port, &b.host_ip)));
    Container {
        id: c.id.unwrap_or_default(),
        name: c.names.unwrap_or_default().first().map(|n| n.trim_start_matches('/').to_owned()).unwrap_or_default(),
        image: c.image.unwrap_or_default(),
        state: c.state.map(|s| s.to_string()).unwrap_or_default(),
        labels: c.labels.unwrap_or_default().into_iter().collect(),
        networks,
        mounts,
        ports,
    }
}
