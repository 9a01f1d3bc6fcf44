//! `kind: compose`: a Compose service has a container in a state (running by
//! default), or none is left. Containers are found by Compose's labels, so v1
//! (`proj_web_1`) and v2 (`proj-web-1`) are the same to it.

use super::{Converted, assertion};
use crate::check::select::{quoted_list, state_of};
use crate::check::{Check, ContainerInfo, Finding, Needs, Observation, Rule, State};
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
    service: String,
    #[serde(default)]
    state: ComposeWanted,
    #[serde(default)]
    hint: Option<String>,
}

impl Raw {
    pub(super) fn convert(self) -> Converted {
        let check = ComposeCheck { project: self.project, service: self.service, state: self.state };
        assertion(Ok(Check::Compose(check)), self.hint)
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct ComposeCheck {
    /// The Compose project (by default the directory's name); any project when not given.
    pub project: Option<String>,
    pub service: String,
    pub state: ComposeWanted,
}

fn label<'a>(c: &'a ContainerInfo, key: &str) -> &'a str {
    c.labels.get(key).map(String::as_str).unwrap_or("")
}

impl Rule for ComposeCheck {
    fn needs(&self, _: usize, needs: &mut Needs) {
        needs.compose = true;
    }

    fn judge(&self, _: usize, obs: &Observation) -> Finding {
        let of_service: Vec<&ContainerInfo> = obs
            .compose
            .iter()
            .filter(|c| label(c, COMPOSE_SERVICE) == self.service)
            .filter(|c| self.project.as_ref().is_none_or(|p| label(c, COMPOSE_PROJECT) == p))
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
            return Finding::fail(format!(
                "container `{}` of service `{}` {}: `docker compose logs {}` shows why",
                c.name,
                self.service,
                state_of(c),
                self.service
            ));
        }
        let mut services: Vec<String> = obs
            .compose
            .iter()
            .map(|c| format!("{}/{}", label(c, COMPOSE_PROJECT), label(c, COMPOSE_SERVICE)))
            .collect();
        services.sort();
        services.dedup();
        if services.is_empty() {
            Finding::fail("no Compose containers at all: run `docker compose up -d` in the directory with compose.yaml")
        } else {
            Finding::fail(format!(
                "no container of service `{}`; Compose services here (project/service): {}",
                self.service,
                quoted_list(&services)
            ))
        }
    }

    fn describe(&self) -> String {
        let project = self.project.as_ref().map(|p| format!(" of project `{p}`")).unwrap_or_default();
        match self.state {
            ComposeWanted::Absent => format!("no container of Compose service `{}`{project} remains", self.service),
            ComposeWanted::In(state) => {
                format!("Compose service `{}`{project} has a {state} container", self.service)
            }
        }
    }
}
