//! Gathering what a checkpoint needs from the engine into a `check::Observation`: the
//! lists, inspections, logs, looks inside containers and helper runs, all bounded in
//! time. What to gather comes from `check::Needs`; nothing here judges.

use super::{Engine, EngineError};
use crate::check::select::select_in;
use crate::check::{
    ComposeResource, ComposeResourceKind, ContainerDetails, ContainerInfo, ImageDetails, ImageInfo, MountInfo,
    MountType, Needs, Observation, Place, Probe, ProbeResult, PublishedPort, State, Target,
};
use bollard::Docker;
use bollard::query_parameters::{ListImagesOptions, LogsOptions};
use futures_util::StreamExt;
use std::collections::HashMap;

/// Seconds one whole observation may take, every request included.
const OBSERVE_SECS: u64 = 20;
/// Most volume or network names read for a "did you mean".
const MAX_OTHER_NAMES: usize = 1000;
/// Most log bytes kept per container.
const MAX_OUTPUT: usize = 64 * 1024;

impl Engine {
    async fn list_scoped(&self, docker: &Docker) -> Result<Vec<ContainerInfo>, EngineError> {
        let mut out: Vec<ContainerInfo> = Vec::new();
        for filters in self.scoped(HashMap::new()) {
            for c in self.containers(docker, Some(filters)).await? {
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
        obs.step_began = since;
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
        let list = |filters: HashMap<String, Vec<String>>| self.containers(&docker, Some(filters));
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
            obs.compose = compose?.into_iter().map(container_info).collect();
        }
        if let Some(events) = events {
            obs.events = events?;
            obs.events_forgotten = self.forgot_events_since(&docker, since).await;
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
        if obs.volumes.len() < needs.volumes.len() {
            // A missing volume's verdict names the nearest ones there are.
            // Only for a hint: a list that fails leaves the verdict without one.
            let listed = docker.list_volumes(None::<bollard::query_parameters::ListVolumesOptions>).await;
            let names = listed.ok().and_then(|l| l.volumes).unwrap_or_default().into_iter().map(|v| v.name);
            obs.other_volumes = names.take(MAX_OTHER_NAMES).collect();
        }
        for name in &needs.networks {
            match docker.inspect_network(name, None).await {
                Ok(_) => obs.networks.push(name.clone()),
                Err(bollard::errors::Error::DockerResponseServerError { status_code: 404, .. }) => {}
                Err(e) => return Err(self.classify(e)),
            }
        }
        if obs.networks.len() < needs.networks.len() {
            let listed = docker.list_networks(None::<bollard::query_parameters::ListNetworksOptions>).await;
            let names = listed.unwrap_or_default().into_iter().filter_map(|n| n.name);
            obs.other_networks = names.take(MAX_OTHER_NAMES).collect();
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
            created_nanos: inspect.created.as_deref().map_or(0, rfc3339_nanos),
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
                let port = p.host_port.unwrap_or_default();
                let machine = self.machine();
                let host = match super::host::reachable_address(&p.host_ip, port, machine.as_deref()) {
                    Ok(host) => host,
                    Err(why) => {
                        let url = format!("http://{}:{port}{}", p.host_ip, request.path);
                        return Ok(ProbeResult::Http { container: c.name.clone(), url, answer: Err(why) });
                    }
                };
                let (url, mut answer) = super::host::http(&host, port, request).await;
                if let (Err(why), Some(machine)) = (&mut answer, &machine) {
                    why.push_str(&super::host::remote_port_note(machine, port));
                }
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
        self.log_tail(docker, id, 500).await
    }

    /// The last `lines` lines a container printed (its first 64 KiB of them), stdout and
    /// stderr as they came; empty when it is gone (a container removed meanwhile has no
    /// logs: that is not an engine failure).
    pub(super) async fn log_tail(&self, docker: &Docker, id: &str, lines: usize) -> Result<String, EngineError> {
        let options = LogsOptions { stdout: true, stderr: true, tail: lines.to_string(), ..Default::default() };
        let mut stream = docker.logs(id, Some(options));
        let mut text = String::new();
        while let Some(chunk) = stream.next().await {
            match chunk {
                Ok(out) => text.push_str(&String::from_utf8_lossy(&out.into_bytes())),
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

pub(super) fn container_info(c: bollard::models::ContainerSummary) -> ContainerInfo {
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
        auto_remove: d.host_config.and_then(|h| h.auto_remove),
    }
}

/// `Exited (137) 3 seconds ago` → 137. Saves one inspect per container.
fn exit_code_from_status(status: &str) -> Option<i64> {
    let rest = status.strip_prefix("Exited (")?;
    rest[..rest.find(')')?].parse().ok()
}

/// `2026-12-05T21:50:24.141078765Z` as nanoseconds since the Unix epoch; 0 when unreadable.
fn rfc3339_nanos(text: &str) -> i64 {
    time::OffsetDateTime::parse(text, &time::format_description::well_known::Rfc3339)
        .map_or(0, |t| i64::try_from(t.unix_timestamp_nanos()).unwrap_or(0))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn exit_codes_are_read_from_status() {
        assert_eq!(exit_code_from_status("Exited (0) 5 seconds ago"), Some(0));
        assert_eq!(exit_code_from_status("Exited (137) About a minute ago"), Some(137));
        assert_eq!(exit_code_from_status("Up 3 minutes"), None);
    }

    #[test]
    fn image_times_are_read_with_their_nanoseconds() {
        assert_eq!(rfc3339_nanos("1970-01-01T00:00:01.000000002Z"), 1_000_000_002);
        // Podman gives the zone as an offset.
        assert_eq!(rfc3339_nanos("1970-01-01T01:00:01+01:00"), 1_000_000_000);
        assert_eq!(rfc3339_nanos("yesterday"), 0);
    }
}
