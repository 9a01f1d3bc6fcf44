//! Kinds that look inside a container: `http` (a request to its published port),
//! `exec` (a command run in it) and `file` (a file in it, running or not). The engine
//! makes the look and reports plain facts (`ProbeResult`); the wording is here.

use super::{Converted, Problems, assertion, target, yes};
use crate::check::select::explain_missing;
use crate::check::{Check, Finding, Needs, Observation, Probe, ProbeResult, Rule, Target};
use serde::Deserialize;

/// The probe's result when there was a container to look in, or why there was none.
fn looked<'a>(
    target: &Target,
    index: usize,
    obs: &'a Observation,
    not_running: &str,
) -> Result<&'a ProbeResult, String> {
    match obs.probes.get(&index) {
        None => Err("nothing was looked at (the engine did not report it)".to_owned()),
        Some(ProbeResult::NoMatch) => Err(explain_missing(target, obs)),
        Some(ProbeResult::NotRunning { container, state }) => {
            Err(format!("container `{container}` is {state}: {not_running}"))
        }
        Some(ProbeResult::PortNotPublished { container, port }) => Err(format!(
            "container `{container}` does not publish port {port} on the host: create it with `-p HOST:{port}`"
        )),
        Some(r) => Ok(r),
    }
}

fn default_path() -> String {
    "/".to_owned()
}

fn default_status() -> u16 {
    200
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawHttp {
    #[serde(default)]
    name: Option<String>,
    #[serde(default)]
    image: Option<String>,
    container_port: u16,
    #[serde(default = "default_path")]
    path: String,
    #[serde(default = "default_status")]
    status: u16,
    #[serde(default)]
    contains: Option<String>,
    #[serde(default)]
    hint: Option<String>,
}

impl RawHttp {
    pub(super) fn convert(self) -> Converted {
        let mut p = Problems::default();
        let target = target("http", self.name, self.image, &mut p);
        p.when(!self.path.starts_with('/'), format!("`path: {}` must start with `/`", self.path));
        p.when(!(100..=599).contains(&self.status), format!("`status: {}` is not an HTTP status", self.status));
        let check = p.build(target.map(|target| {
            Check::Http(HttpCheck {
                target,
                container_port: self.container_port,
                path: self.path,
                status: self.status,
                contains: self.contains,
            })
        }));
        assertion(check, self.hint)
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct HttpCheck {
    pub target: Target,
    /// The container's port; the request goes to the host port it is published on.
    pub container_port: u16,
    pub path: String,
    pub status: u16,
    pub contains: Option<String>,
}

impl Rule for HttpCheck {
    fn needs(&self, index: usize, needs: &mut Needs) {
        needs.containers();
        needs.details_of.push(self.target.clone());
        let probe = Probe::Http { container_port: self.container_port, path: self.path.clone() };
        needs.probes.push((index, self.target.clone(), probe));
    }

    fn judge(&self, index: usize, obs: &Observation) -> Finding {
        let (container, url, answer) = match looked(&self.target, index, obs, "it must be running to answer") {
            Ok(ProbeResult::Http { container, url, answer }) => (container, url, answer),
            Ok(_) => return Finding::fail("the engine looked at something else"),
            Err(why) => return Finding::fail(why),
        };
        match answer {
            Err(why) => Finding::fail(format!("GET {url} (container `{container}`) failed: {why}")),
            Ok((status, _)) if *status != self.status => {
                Finding::fail(format!("GET {url} answered {status}, not {}", self.status))
            }
            Ok((status, body)) => match &self.contains {
                Some(c) if !body.contains(c.as_str()) => {
                    let start: String = body.trim().chars().take(80).collect();
                    Finding::fail(format!("GET {url} answered {status} but the page lacks \"{c}\"; it begins: {start}"))
                }
                _ => Finding::pass(format!("GET {url} answered {status}")),
            },
        }
    }

    fn describe(&self) -> String {
        let body = self.contains.as_ref().map(|c| format!(" and \"{c}\" in the page")).unwrap_or_default();
        format!(
            "{} answers GET {} on its port {} with {}{body}",
            self.target.describe(),
            self.path,
            self.container_port,
            self.status
        )
    }
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawExec {
    #[serde(default)]
    name: Option<String>,
    #[serde(default)]
    image: Option<String>,
    command: Vec<String>,
    #[serde(default)]
    exit_code: i64,
    #[serde(default)]
    contains: Option<String>,
    #[serde(default)]
    hint: Option<String>,
}

impl RawExec {
    pub(super) fn convert(self) -> Converted {
        let mut p = Problems::default();
        let target = target("exec", self.name, self.image, &mut p);
        p.when(self.command.is_empty(), "`command` needs at least one word");
        let check = p.build(target.map(|target| {
            Check::Exec(ExecCheck { target, command: self.command, exit_code: self.exit_code, contains: self.contains })
        }));
        assertion(check, self.hint)
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct ExecCheck {
    pub target: Target,
    /// The command, word by word: `["getent", "hosts", "db"]`.
    pub command: Vec<String>,
    pub exit_code: i64,
    pub contains: Option<String>,
}

impl Rule for ExecCheck {
    fn needs(&self, index: usize, needs: &mut Needs) {
        needs.containers();
        needs.probes.push((index, self.target.clone(), Probe::Exec { command: self.command.clone() }));
    }

    fn judge(&self, index: usize, obs: &Observation) -> Finding {
        let not_running = "a command can only run in a running container (`docker start` it)";
        let (container, exit_code, output) = match looked(&self.target, index, obs, not_running) {
            Ok(ProbeResult::Exec { container, exit_code, output }) => (container, *exit_code, output),
            Ok(_) => return Finding::fail("the engine looked at something else"),
            Err(why) => return Finding::fail(why),
        };
        let first: String = output.trim().lines().take(2).collect::<Vec<_>>().join(" / ");
        if exit_code != self.exit_code {
            return Finding::fail(format!("in container `{container}` it exited with {exit_code}: {first}"));
        }
        match &self.contains {
            Some(c) if !output.contains(c.as_str()) => {
                Finding::fail(format!("in container `{container}` it printed: {first}"))
            }
            _ => Finding::pass(format!("in container `{container}`: {first}")),
        }
    }

    fn describe(&self) -> String {
        let out = self.contains.as_ref().map(|c| format!(" and prints \"{c}\"")).unwrap_or_default();
        format!("`{}` run in {} exits with {}{out}", self.command.join(" "), self.target.describe(), self.exit_code)
    }
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawFile {
    #[serde(default)]
    name: Option<String>,
    #[serde(default)]
    image: Option<String>,
    path: String,
    #[serde(default)]
    contains: Option<String>,
    #[serde(default = "yes")]
    present: bool,
    #[serde(default)]
    hint: Option<String>,
}

impl RawFile {
    pub(super) fn convert(self) -> Converted {
        let mut p = Problems::default();
        let target = target("file", self.name, self.image, &mut p);
        p.when(!self.path.starts_with('/'), format!("`path: {}` must be absolute inside the container", self.path));
        p.when(!self.present && self.contains.is_some(), "`present: false` cannot go with `contains:`");
        let check = p.build(target.map(|target| {
            Check::File(FileCheck { target, path: self.path, contains: self.contains, present: self.present })
        }));
        assertion(check, self.hint)
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct FileCheck {
    pub target: Target,
    /// Absolute path inside the container.
    pub path: String,
    pub contains: Option<String>,
    /// `false`: the file must be absent.
    pub present: bool,
}

impl Rule for FileCheck {
    fn needs(&self, index: usize, needs: &mut Needs) {
        needs.containers();
        needs.probes.push((index, self.target.clone(), Probe::File { path: self.path.clone() }));
    }

    fn judge(&self, index: usize, obs: &Observation) -> Finding {
        let (container, content) = match looked(&self.target, index, obs, "") {
            Ok(ProbeResult::File { container, content }) => (container, content),
            Ok(_) => return Finding::fail("the engine looked at something else"),
            Err(why) => return Finding::fail(why),
        };
        let path = &self.path;
        if !self.present {
            return match content {
                Some(_) => Finding::fail(format!("container `{container}` has `{path}`, which should not be there")),
                None => Finding::pass(format!("container `{container}` has no `{path}`")),
            };
        }
        match (content, &self.contains) {
            (None, _) => Finding::fail(format!("container `{container}` has no file `{path}`")),
            (Some(text), Some(c)) if !text.contains(c.as_str()) => {
                let start: String = text.trim().chars().take(60).collect();
                Finding::fail(format!("`{path}` in container `{container}` lacks \"{c}\"; it begins: {start}"))
            }
            (Some(_), _) => Finding::pass(format!("container `{container}` has `{path}`")),
        }
    }

    fn describe(&self) -> String {
        let t = self.target.describe();
        match (&self.contains, self.present) {
            (_, false) => format!("{t} does not have the file `{}`", self.path),
            (Some(c), true) => format!("{t} has the file `{}` containing \"{c}\"", self.path),
            (None, true) => format!("{t} has the file `{}`", self.path),
        }
    }
}
