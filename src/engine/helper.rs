//! Helper containers: what a `kind: helper` assertion runs to look at the learner's
//! work from outside (from a network, with a volume). Made with a label of their own,
//! outside any scope, bounded in time and output, and always removed.

use crate::check::{HelperRun, ProbeResult};
use bollard::Docker;
use bollard::errors::Error;
use bollard::models::{ContainerCreateBody, HostConfig};
use bollard::query_parameters::{LogsOptions, RemoveContainerOptions};
use futures_util::StreamExt;
use std::collections::HashMap;
use std::time::Duration;

/// The label every helper container carries, so a crashed checker's leftovers can be found.
pub const LABEL: &str = "org.dockerlearn.helper";
/// Most time a helper may run.
const LIMIT: Duration = Duration::from_secs(20);
/// Most output kept.
const MAX_OUTPUT: usize = 64 * 1024;

/// Runs the helper to its end and removes it. Transport failures are the caller's to
/// classify; what the learner can fix (a missing image or network) is the result.
pub(super) async fn run(docker: &Docker, run: &HelperRun) -> Result<ProbeResult, Error> {
    // Binding a named volume that does not exist would create it: the check would make
    // what the learner is asked to make (and leave it behind, unrecorded).
    for bind in &run.volumes {
        let name = bind.split(':').next().unwrap_or_default();
        match docker.inspect_volume(name).await {
            Ok(_) => {}
            Err(Error::DockerResponseServerError { status_code: 404, .. }) => {
                return Ok(ProbeResult::HelperFailed(format!(
                    "there is no volume `{name}` (`docker volume ls` lists them)"
                )));
            }
            Err(e) => return Err(e),
        }
    }
    let body = ContainerCreateBody {
        image: Some(run.image.clone()),
        cmd: (!run.command.is_empty()).then(|| run.command.clone()),
        labels: Some(HashMap::from([(LABEL.to_owned(), "1".to_owned())])),
        host_config: Some(HostConfig {
            network_mode: run.network.clone(),
            binds: (!run.volumes.is_empty()).then(|| run.volumes.clone()),
            ..Default::default()
        }),
        ..Default::default()
    };
    let id = match docker.create_container(None, body).await {
        Ok(c) => c.id,
        Err(Error::DockerResponseServerError { status_code: 404, .. }) => {
            return Ok(ProbeResult::HelperFailed(format!(
                "the image `{}` the check runs is not on this engine: `dockerlearn prepare` (or `docker pull {}`) brings it",
                run.image, run.image
            )));
        }
        Err(e) => return Err(e),
    };
    let result = finish(docker, &id, run).await;
    let remove = RemoveContainerOptions { force: true, v: true, link: false };
    let _ = docker.remove_container(&id, Some(remove)).await;
    result
}

async fn finish(docker: &Docker, id: &str, run: &HelperRun) -> Result<ProbeResult, Error> {
    match docker.start_container(id, None).await {
        Ok(()) => {}
        // The engine answered: what it refused (no such network, no such program in
        // the image) is the check's finding, not a broken engine.
        Err(Error::DockerResponseServerError { status_code, message }) if status_code < 500 => {
            let what = match &run.network {
                Some(n) if status_code == 404 && message.contains("network") => format!("there is no network `{n}`"),
                _ => format!("the helper could not start: {}", message.trim()),
            };
            return Ok(ProbeResult::HelperFailed(what));
        }
        Err(e) => return Err(e),
    }
    let waited = tokio::time::timeout(LIMIT, docker.wait_container(id, None).next()).await;
    let exit_code = match waited {
        Err(_) => {
            return Ok(ProbeResult::HelperFailed(format!("the helper did not finish within {} s", LIMIT.as_secs())));
        }
        Ok(None) => -1,
        Ok(Some(Ok(r))) => r.status_code,
        // bollard reports a non-zero exit as an error carrying the code.
        Ok(Some(Err(Error::DockerContainerWaitError { code, .. }))) => code,
        Ok(Some(Err(e))) => return Err(e),
    };
    let options = LogsOptions { stdout: true, stderr: true, ..Default::default() };
    let mut logs = docker.logs(id, Some(options));
    let mut output = String::new();
    while let Some(Ok(chunk)) = logs.next().await {
        output.push_str(&String::from_utf8_lossy(&chunk.into_bytes()));
        if output.len() > MAX_OUTPUT {
            break;
        }
    }
    Ok(ProbeResult::Helper { exit_code, output })
}
