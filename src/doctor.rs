//! `dockerlearn doctor`: finds what stops a first Docker session before the learner
//! runs into it (no engine, no permission, a context pointing elsewhere, Podman, a
//! taken port, no registry, no disk) and says the fix for this platform. It also says
//! which engine, image store, builder and Compose it found, and what the course shows
//! differently there (`engines`).

mod engines;

use crate::course::Course;
use crate::engine::kind::{self, BuildSetup, Builder};
use crate::engine::tools::{self, Compose};
use crate::engine::{Endpoint, Engine, EngineFacts, Scope, cli, host};
use crate::ui::progress::human_bytes;
use serde::Serialize;
use std::time::Duration;

/// Where images come from when nothing else is configured.
const REGISTRY: (&str, u16) = ("registry-1.docker.io", 443);
/// How long the engine may take to describe itself. A healthy one answers in
/// milliseconds; one that accepts connections and never answers must not hang doctor.
const ENGINE_DEADLINE: Duration = Duration::from_secs(10);
/// Below this, pulling the course's images may fail part way.
const LOW_DISK: u64 = 5 * 1024 * 1024 * 1024;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Severity {
    /// The course cannot be followed until it is fixed.
    Blocker,
    /// Some lessons or steps will run into it.
    Warning,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Finding {
    pub severity: Severity,
    pub problem: String,
    pub fix: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct Report {
    /// The docker CLI's version, if it is installed.
    pub client: Option<String>,
    pub endpoint: String,
    pub chosen_by: String,
    pub engine: Option<EngineFacts>,
    /// What `docker build` uses against this engine.
    pub builder: Option<Builder>,
    pub compose: Option<Compose>,
    pub free_disk_bytes: Option<u64>,
    pub registry_reachable: bool,
    /// Host ports the course publishes that something already uses (on this computer,
    /// looked at only when the engine runs here).
    pub ports_in_use: Vec<u16>,
    /// The machine the engine runs on, when it is not this one.
    pub engine_machine: Option<String>,
    pub findings: Vec<Finding>,
}

impl Report {
    pub fn ready(&self) -> bool {
        !self.findings.iter().any(|f| f.severity == Severity::Blocker)
    }
}

fn finding(severity: Severity, problem: impl Into<String>, fix: impl Into<String>) -> Finding {
    Finding { severity, problem: problem.into(), fix: fix.into() }
}

/// Host ports the course's commands publish (`-p 8080:80`, `"8080:80"` in compose files).
pub fn course_ports(course: &Course) -> Vec<u16> {
    let mut ports: Vec<u16> = Vec::new();
    for cl in &course.lessons {
        for step in &cl.lesson.steps {
            let commands = step.commands.iter().chain(step.solution.iter().flat_map(|s| &s.commands));
            for c in commands {
                let words = crate::shell::words(&c.replace('\n', " "));
                for (i, w) in words.iter().enumerate() {
                    // `-p 8080:80`, `-dp 8080:80`, and `"8080:80"` under a compose file's `ports:`.
                    let takes_value = w == "-p"
                        || w == "--publish"
                        || (w.starts_with('-') && !w.starts_with("--") && w.ends_with('p') && w.len() > 2);
                    let spec = if takes_value {
                        words.get(i + 1).map(String::as_str)
                    } else if c.contains("ports:")
                        && w.contains(':')
                        && w.chars().next().is_some_and(|c| c.is_ascii_digit())
                    {
                        Some(w.as_str())
                    } else {
                        None
                    };
                    if let Some(port) = spec.and_then(|s| s.split(':').next()).and_then(|p| p.parse().ok()) {
                        if !ports.contains(&port) {
                            ports.push(port);
                        }
                    }
                }
            }
        }
    }
    ports.sort();
    ports
}

fn start_fix() -> &'static str {
    if cfg!(target_os = "linux") {
        "Start it: `sudo systemctl start docker` (and `sudo systemctl enable docker` to start it at boot). With Docker Desktop, open it and wait until it says Engine running."
    } else {
        "Open Docker Desktop and wait until it says Engine running."
    }
}

/// Looks at everything the course depends on.
pub async fn diagnose(endpoint: Result<Endpoint, crate::engine::context::ContextError>, course: &Course) -> Report {
    let mut findings = Vec::new();
    let client = cli::client_version().ok();
    if client.is_none() {
        findings.push(finding(
            Severity::Blocker,
            "the docker command is not installed (or not on PATH)",
            if cfg!(target_os = "linux") {
                "Install Docker Engine (https://docs.docker.com/engine/install/) or your distribution's `docker.io` package."
            } else {
                "Install Docker Desktop: https://docs.docker.com/desktop/"
            },
        ));
    }
    let (endpoint_text, chosen_by, engine) = match endpoint {
        Err(e) => {
            let message = e.to_string();
            let (problem, fix) = match message.split_once('\n') {
                Some((p, f)) => (p.to_owned(), f.to_owned()),
                None => (message.clone(), "Fix the Docker context as the message says.".to_owned()),
            };
            findings.push(finding(Severity::Blocker, problem, fix));
            (String::new(), String::new(), None)
        }
        Ok(endpoint) => {
            let text = (endpoint.host.clone(), endpoint.source.to_string());
            // A remote engine's own time limits (ssh's connection, a TLS handshake) come first.
            let deadline = match crate::engine::remote::Remote::of(&endpoint) {
                Ok(Some(remote)) => Duration::from_secs(remote.first_answer_secs() + 5),
                _ => ENGINE_DEADLINE,
            };
            let mut engine = Engine::new(endpoint, Scope::everything());
            match tokio::time::timeout(deadline, engine.facts()).await {
                Ok(Ok(facts)) => (text.0, text.1, Some(facts)),
                Err(_) => {
                    findings.push(finding(
                        Severity::Blocker,
                        format!(
                            "the Docker engine at {} accepts connections but did not answer within {} seconds",
                            text.0,
                            deadline.as_secs()
                        ),
                        "Something listens there but does not answer as an engine: restart the engine (`sudo systemctl restart docker`, or quit and reopen Docker Desktop), or point DOCKER_HOST at a Docker engine.",
                    ));
                    (text.0, text.1, None)
                }
                Ok(Err(e)) => {
                    let message = e.to_string();
                    let (problem, fix) = match message.split_once('\n') {
                        Some((p, f)) => (p.to_owned(), f.to_owned()),
                        None => (message.clone(), start_fix().to_owned()),
                    };
                    findings.push(finding(Severity::Blocker, problem, fix));
                    (text.0, text.1, None)
                }
            }
        }
    };
    let builder = engine.as_ref().map(|f| {
        let setup = BuildSetup {
            buildx: cli::buildx(),
            docker_buildkit: std::env::var("DOCKER_BUILDKIT").ok(),
            client: client.clone(),
        };
        kind::builder(&f.kind, &setup)
    });
    if let (Some(f), Some(b)) = (&engine, &builder) {
        findings.extend(engines::findings(f, b));
    }
    let compose = tools::compose();
    let uses_compose = course.lessons.iter().any(|l| l.lesson.steps.iter().any(|s| s.body.contains("docker compose ")));
    findings.extend(engines::compose_findings(compose.as_ref(), uses_compose));
    let free_disk = engine
        .as_ref()
        .filter(|_| chosen_by_local(&endpoint_text))
        .and_then(|f| host::free_bytes(std::path::Path::new(&f.root_dir)));
    if let Some(free) = free_disk {
        if free < LOW_DISK {
            findings.push(finding(
                Severity::Warning,
                format!("only {} free where the engine keeps images", human_bytes(free)),
                "Free some space: `docker system df` shows what Docker uses, `docker image prune` removes unused images.",
            ));
        }
    }
    let registry = host::reachable(REGISTRY.0, REGISTRY.1, Duration::from_secs(3)).await;
    if let Err(why) = &registry {
        findings.push(finding(
            Severity::Warning,
            format!("the registry ({}) cannot be reached: {why}", REGISTRY.0),
            "Images that are not here yet cannot be pulled: check the network or proxy, or load the course's image kit (`dockerlearn kit load FILE`).",
        ));
    }
    let engine_machine = crate::engine::remote::engine_machine(&endpoint_text);
    let ports_in_use: Vec<u16> = match &engine_machine {
        Some(_) => Vec::new(),
        None => course_ports(course).into_iter().filter(|p| host::port_in_use(*p)).collect(),
    };
    for p in &ports_in_use {
        findings.push(finding(
            Severity::Warning,
            format!("port {p} is already in use on this machine, and a lesson publishes it"),
            format!("Stop what uses it, or publish on another host port when the lesson does (`-p {}:...`).", p + 1),
        ));
    }
    Report {
        client,
        endpoint: endpoint_text,
        chosen_by,
        engine,
        builder,
        compose,
        free_disk_bytes: free_disk,
        registry_reachable: registry.is_ok(),
        ports_in_use,
        engine_machine,
        findings,
    }
}

fn chosen_by_local(endpoint: &str) -> bool {
    endpoint.starts_with("unix://") || endpoint.starts_with("npipe://")
}

/// The report as people read it.
pub fn render(r: &Report) -> String {
    let mut s = String::new();
    let line = |s: &mut String, k: &str, v: &str| s.push_str(&format!("  {k:<9} {v}\n"));
    line(&mut s, "client", &r.client.as_ref().map_or("not found".to_owned(), |v| format!("docker {v}")));
    let show = |s: &mut String, l: &engines::Line| {
        line(s, l.label, &l.value);
        if let Some(note) = &l.note {
            s.push_str(&format!("  {:<9} {note}\n", ""));
        }
    };
    match &r.engine {
        Some(f) => {
            let mut lines = engines::lines(f, r.builder.as_ref());
            let engine = lines.remove(0);
            show(&mut s, &engine);
            line(&mut s, "endpoint", &format!("{} (chosen by {})", r.endpoint, r.chosen_by));
            if let Some(m) = &r.engine_machine {
                line(
                    &mut s,
                    "machine",
                    &format!("{m}: ports it publishes open there, and its bind mounts are its folders"),
                );
            }
            for l in &lines {
                show(&mut s, l);
            }
        }
        None => line(&mut s, "engine", "not reachable"),
    }
    show(&mut s, &engines::compose_line(r.compose.as_ref()));
    if let Some(free) = r.free_disk_bytes {
        let root = r.engine.as_ref().map(|f| f.root_dir.as_str()).unwrap_or("");
        line(&mut s, "disk", &format!("{} free where the engine keeps its data ({root})", human_bytes(free)));
    }
    line(&mut s, "registry", if r.registry_reachable { "reachable" } else { "not reachable" });
    if !r.findings.is_empty() {
        s.push('\n');
        for f in &r.findings {
            let tag = match f.severity {
                Severity::Blocker => "PROBLEM",
                Severity::Warning => "warning",
            };
            s.push_str(&format!("{tag}: {}\n  fix: {}\n", f.problem, f.fix));
        }
    }
    s.push('\n');
    s.push_str(if r.ready() {
        "Ready: nothing blocks the course."
    } else {
        "Not ready: fix the problems above, then run `dockerlearn doctor` again."
    });
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A report as `diagnose` makes it on a healthy machine with this engine.
    fn report(fixture: &str, setup: BuildSetup, compose: Option<Compose>) -> Report {
        report_of(kind::fixtures::facts(fixture), setup, compose)
    }

    /// The same for an engine that answers as one fixture, with its versions changed.
    fn with_versions(fixture: &str, [version, api, min]: [&str; 3]) -> EngineFacts {
        let mut facts = kind::fixtures::facts(fixture);
        (facts.kind.version, facts.kind.api_version, facts.kind.min_api_version) =
            (version.into(), api.into(), min.into());
        facts
    }

    fn report_of(facts: EngineFacts, setup: BuildSetup, compose: Option<Compose>) -> Report {
        let builder = kind::builder(&facts.kind, &setup);
        let mut findings = engines::findings(&facts, &builder);
        findings.extend(engines::compose_findings(compose.as_ref(), true));
        Report {
            client: setup.client.clone(),
            endpoint: "unix:///var/run/docker.sock".into(),
            chosen_by: "the default".into(),
            engine: Some(facts),
            builder: Some(builder),
            compose,
            free_disk_bytes: None,
            registry_reachable: true,
            ports_in_use: vec![],
            engine_machine: None,
            findings,
        }
    }

    fn setup(buildx: Option<&str>, docker_buildkit: Option<&str>) -> BuildSetup {
        BuildSetup {
            buildx: buildx.map(str::to_owned),
            docker_buildkit: docker_buildkit.map(str::to_owned),
            client: Some("27.5.1".into()),
        }
    }

    fn v2() -> Option<Compose> {
        Some(Compose { command: "docker compose", version: "2.26.1".into() })
    }

    #[test]
    fn docker_engine_with_the_classic_store_buildkit_and_compose_v2() {
        let r = report("docker-26-overlay2", setup(Some("0.13.1"), None), v2());
        insta::assert_snapshot!(render(&r));
    }

    #[test]
    fn docker_engine_with_the_containerd_store_and_no_buildx() {
        let r = report("docker-26-containerd", setup(None, None), v2());
        insta::assert_snapshot!(render(&r));
    }

    #[test]
    fn docker_engine_29_with_its_api_floor_and_docker_buildkit_0() {
        let engine = with_versions("docker-26-containerd", ["29.0.0", "1.52", "1.44"]);
        let r = report_of(engine, setup(Some("0.29.1"), Some("0")), v2());
        insta::assert_snapshot!(render(&r));
    }

    #[test]
    fn docker_20_10_with_the_legacy_builder_and_compose_v1() {
        let engine = with_versions("docker-26-overlay2", ["20.10.24+dfsg1", "1.41", "1.12"]);
        let v1 = Some(Compose { command: "docker-compose", version: "1.29.2".into() });
        let client = BuildSetup { client: Some("20.10.24+dfsg1".into()), ..setup(None, None) };
        let r = report_of(engine, client, v1);
        insta::assert_snapshot!(render(&r));
    }

    #[test]
    fn docker_desktop() {
        let r = report("docker-desktop", setup(Some("0.20.1-desktop.2"), None), v2());
        insta::assert_snapshot!(render(&r));
    }

    #[test]
    fn podman_behind_a_docker_cli_with_buildx_and_no_insecure_local_registry() {
        let mut podman = kind::fixtures::facts("podman-5.4");
        podman.kind.local_registry_plain_http = false;
        let r = report_of(podman, setup(Some("0.13.1"), None), v2());
        insta::assert_snapshot!(render(&r));
    }

    #[test]
    fn podman_with_docker_buildkit_0() {
        let r = report("podman-5.4", setup(Some("0.13.1"), Some("0")), v2());
        insta::assert_snapshot!(render(&r));
        assert!(!render(&r).contains("classic"), "Podman's storage is its own");
    }

    #[test]
    fn the_course_ports_are_found_in_its_commands() {
        let course = crate::course::load_from(None).unwrap();
        let ports = course_ports(&course);
        for p in [5432, 8080] {
            assert!(ports.contains(&p), "{ports:?}");
        }
    }
}
