//! `kind: compose`: a Compose service has a container in a state (running by
//! default), or none is left; or a network or volume of the project exists (or is
//! gone), named as the Compose file names it. Everything is found by Compose's
//! labels, so v1 (`proj_web_1`) and v2 (`proj-web-1`) are the same to it.

use super::{Converted, Hints, Problems, assertion};
use crate::check::select::{quoted_list, state_of};
use crate::check::{Check, ComposeResourceKind, ContainerInfo, Finding, Needs, Observation, Reason, Rule, State};
use serde::{Deserialize, Deserializer};

const COMPOSE_PROJECT: &str = "com.docker.compose.project";
const COMPOSE_SERVICE: &str = "com.docker.compose.service";

/// What the service's containers must be: in a state, or gone.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ComposeWanted {
    In(State),
    /// No container of the service is left (`docker compose down`).
    Absent,
}

impl Default for ComposeWanted {
    fn default() -> Self {
        ComposeWanted::In(State::Running)
    }
}

impl<'de> Deserialize<'de> for ComposeWanted {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let word = String::deserialize(d)?;
        if word == "absent" {
            return Ok(ComposeWanted::Absent);
        }
        word.parse().map(ComposeWanted::In).map_err(|_| {
            serde::de::Error::custom(format!(
                "`state: {word}` is not a container state: running, exited, created, paused, restarting, dead, or absent"
            ))
        })
    }
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct Raw {
    #[serde(default)]
    project: Option<String>,
    #[serde(default)]
    project_directory: Option<String>,
    #[serde(default)]
    service: Option<String>,
    #[serde(default)]
    network: Option<String>,
    #[serde(default)]
    volume: Option<String>,
    #[serde(default)]
    state: ComposeWanted,
    #[serde(default)]
    hint: Option<String>,
    #[serde(default)]
    hints: Hints,
}

impl Raw {
    pub(super) fn convert(self) -> Converted {
        let mut p = Problems::default();
        let what = match (self.service, self.network, self.volume) {
            (Some(s), None, None) => Some(ComposePart::Service(s)),
            (None, Some(n), None) => Some(ComposePart::Resource(ComposeResourceKind::Network, n)),
            (None, None, Some(v)) => Some(ComposePart::Resource(ComposeResourceKind::Volume, v)),
            _ => {
                p.when(true, "a `compose` assertion names one of `service:`, `network:` or `volume:`");
                None
            }
        };
        let resource_state = matches!(what, Some(ComposePart::Resource(..)))
            && !matches!(self.state, ComposeWanted::Absent | ComposeWanted::In(State::Running));
        p.when(resource_state, "a network or volume is there or `absent`: it has no other `state:`");
        p.when(
            self.project.is_some() && self.project_directory.is_some(),
            "give the project by `project:` (its name) or by `project_directory:` (the folder Compose runs in), not both",
        );
        let project = match (self.project, self.project_directory) {
            (Some(name), _) => Some(Project::Named(name)),
            (None, Some(dir)) => Some(Project::Directory(dir)),
            (None, None) => None,
        };
        let state = self.state;
        assertion(
            p.build(what.map(|what| Check::Compose(ComposeCheck { project, what, state }))),
            self.hint,
            self.hints,
        )
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct ComposeCheck {
    /// The Compose project; any project when not given.
    pub project: Option<Project>,
    pub what: ComposePart,
    pub state: ComposeWanted,
}

/// Which Compose project an assertion is about.
#[derive(Debug, Clone, PartialEq)]
pub enum Project {
    /// By its name, as `docker compose ls` shows it.
    Named(String),
    /// The project Compose makes when it runs in this folder of the learner's machine
    /// (`~/dockerlearn/shop`): named by `COMPOSE_PROJECT_NAME` where that is set, by the
    /// folder's name otherwise. A learner who works in the folder the lesson names
    /// gets it whatever terminal they run Compose in.
    Directory(String),
}

impl Project {
    /// The project as found in this observation: its names, and for a folder, the
    /// folder. Worked out once per judgement, then asked of every container.
    ///
    /// The names of a folder's project: any project whose containers Compose started
    /// there (its `working_dir` label), which covers a `name:` in the file and a
    /// `COMPOSE_PROJECT_NAME` in `.env`; else the name Compose would give it
    /// (`COMPOSE_PROJECT_NAME`, or the folder's name as v2 writes it, keeping `-` and
    /// `_`, or as v1 does, dropping them).
    fn resolve(&self, obs: &Observation) -> Resolved {
        let dir = match self {
            Project::Named(name) => return Resolved { names: vec![name.clone()], dir: None },
            Project::Directory(dir) => obs.host_path(dir),
        };
        let mut names: Vec<String> = obs
            .compose
            .iter()
            .filter(|c| working_dir(c).is_some_and(|w| w == dir))
            .map(|c| label(c, COMPOSE_PROJECT).to_owned())
            .collect();
        match &obs.compose_project_name {
            Some(name) => names.push(name.clone()),
            None => {
                let base = dir.rsplit('/').next().unwrap_or_default().to_lowercase();
                let v2: String = base.chars().filter(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_')).collect();
                names.push(v2.trim_start_matches(['-', '_']).to_owned());
                names.push(base.chars().filter(char::is_ascii_alphanumeric).collect());
            }
        }
        names.sort();
        names.dedup();
        Resolved { names, dir: Some(dir) }
    }

    /// How the project reads in a sentence.
    fn describe(&self) -> String {
        match self {
            Project::Named(name) => format!(" of project `{name}`"),
            Project::Directory(dir) => format!(" of the project in `{dir}`"),
        }
    }
}

/// A project resolved against one observation (see `Project::resolve`).
struct Resolved {
    names: Vec<String>,
    dir: Option<String>,
}

impl Resolved {
    /// Whether a container (or a resource) of the project `project` belongs to this one:
    /// by name, and for a folder, not started in another folder (`~/work/shop` is not
    /// `~/dockerlearn/shop`, though both are called `shop`).
    fn has(&self, project: &str, container: Option<&ContainerInfo>) -> bool {
        if !self.names.iter().any(|n| n == project) {
            return false;
        }
        match (&self.dir, container.and_then(working_dir)) {
            (Some(dir), Some(w)) => w == *dir,
            _ => true,
        }
    }
}

/// What of a Compose project the assertion is about.
#[derive(Debug, Clone, PartialEq)]
pub enum ComposePart {
    Service(String),
    /// A network or volume, by the name the Compose file gives it.
    Resource(ComposeResourceKind, String),
}

fn label<'a>(c: &'a ContainerInfo, key: &str) -> &'a str {
    c.labels.get(key).map(String::as_str).unwrap_or("")
}

/// The folder Compose ran in when it made the container, as both versions record it.
fn working_dir(c: &ContainerInfo) -> Option<String> {
    let dir = label(c, "com.docker.compose.project.working_dir");
    (!dir.is_empty()).then(|| crate::check::host_path(dir, "/", "/"))
}

impl Rule for ComposeCheck {
    fn needs(&self, _: usize, needs: &mut Needs) {
        match self.what {
            ComposePart::Service(_) => needs.compose = true,
            ComposePart::Resource(..) => needs.compose_resources = true,
        }
    }

    fn judge(&self, _: usize, obs: &Observation) -> Finding {
        match &self.what {
            ComposePart::Service(service) => self.judge_service(service, obs),
            ComposePart::Resource(kind, name) => self.judge_resource(*kind, name, obs),
        }
    }

    fn describe(&self) -> String {
        let project = self.project.as_ref().map(Project::describe).unwrap_or_default();
        match (&self.what, self.state) {
            (ComposePart::Service(s), ComposeWanted::Absent) => {
                format!("no container of Compose service `{s}`{project} remains")
            }
            (ComposePart::Service(s), ComposeWanted::In(state)) => {
                let article = if state == State::Exited { "an" } else { "a" };
                format!("Compose service `{s}`{project} has {article} {state} container")
            }
            (ComposePart::Resource(kind, name), ComposeWanted::Absent) => {
                format!("the Compose {kind} `{name}`{project} is gone")
            }
            (ComposePart::Resource(kind, name), _) => format!("the Compose {kind} `{name}`{project} exists"),
        }
    }
}

impl ComposeCheck {
    /// The project asked about, resolved against `obs`; None: any project.
    fn project_in(&self, obs: &Observation) -> Option<Resolved> {
        self.project.as_ref().map(|p| p.resolve(obs))
    }

    fn judge_resource(&self, kind: ComposeResourceKind, name: &str, obs: &Observation) -> Finding {
        let project = self.project_in(obs);
        let in_project = |p: &str| project.as_ref().is_none_or(|x| x.has(p, None));
        let of_kind: Vec<_> =
            obs.compose_resources.iter().filter(|r| r.kind == kind && in_project(&r.project)).collect();
        let found = of_kind.iter().find(|r| r.name == name);
        match (found, self.state) {
            (Some(r), ComposeWanted::Absent) => Finding::fail(format!(
                "{kind} `{}` of project `{}` is still there: `docker compose down{}` removes it",
                r.engine_name,
                r.project,
                if kind == ComposeResourceKind::Volume { " -v" } else { "" }
            )),
            (None, ComposeWanted::Absent) => Finding::pass(format!("no Compose {kind} `{name}`")),
            (Some(r), _) => Finding::pass(format!("{kind} `{}` of project `{}`", r.engine_name, r.project)),
            (None, _) => {
                let names: Vec<String> = of_kind.iter().map(|r| format!("{}/{}", r.project, r.name)).collect();
                if names.is_empty() {
                    Finding::fail(format!("no Compose project has made a {kind}: `docker compose up -d` makes them"))
                } else {
                    Finding::fail(format!(
                        "no Compose {kind} `{name}`; the projects' {kind}s (project/name): {}",
                        quoted_list(&names)
                    ))
                }
            }
        }
    }

    fn judge_service(&self, service: &str, obs: &Observation) -> Finding {
        let project = self.project_in(obs);
        let of_service: Vec<&ContainerInfo> = obs
            .compose
            .iter()
            .filter(|c| label(c, COMPOSE_SERVICE) == service)
            .filter(|c| project.as_ref().is_none_or(|p| p.has(label(c, COMPOSE_PROJECT), Some(c))))
            .collect();
        let state = match self.state {
            ComposeWanted::Absent if of_service.is_empty() => return Finding::pass("none left"),
            ComposeWanted::Absent => {
                let names: Vec<String> = of_service.iter().map(|c| format!("{} ({})", c.name, c.state)).collect();
                return Finding::fail(format!("still there: {}", quoted_list(&names)));
            }
            ComposeWanted::In(state) => state,
        };
        if let Some(c) = of_service.iter().find(|c| c.state == state) {
            return Finding::pass(format!(
                "container `{}` of project `{}` is {}",
                c.name,
                label(c, COMPOSE_PROJECT),
                c.state
            ));
        }
        if let Some(c) = of_service.first() {
            let reason = if state == State::Running { Reason::NotRunning } else { Reason::Mismatch };
            return Finding::failed(
                reason,
                format!(
                    "container `{}` of service `{service}` {}: `docker compose logs {service}` shows why",
                    c.name,
                    state_of(c),
                ),
            );
        }
        let mut services: Vec<String> = obs
            .compose
            .iter()
            .map(|c| format!("{}/{}", label(c, COMPOSE_PROJECT), label(c, COMPOSE_SERVICE)))
            .collect();
        services.sort();
        services.dedup();
        if services.is_empty() {
            Finding::missing(
                "no Compose containers at all: run `docker compose up -d` in the folder with compose.yaml (if it printed an error, fix the file first: `docker compose config` shows how Compose reads it)",
            )
        } else {
            Finding::fail(format!(
                "no container of service `{service}`; Compose services here (project/service): {}",
                quoted_list(&services)
            ))
        }
    }
}
