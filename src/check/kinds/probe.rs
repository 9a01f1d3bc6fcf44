//! Kinds that look inside a container: `http` (a request to its published port),
//! `exec` (a command run in it) and `file` (a file in it, running or not). The engine
//! makes the look and reports plain facts (`ProbeResult`); the wording is here.

use super::{Converted, Hints, Problems, assertion, target, yes};
use crate::check::select::explain_missing;
use crate::check::{
    Check, Finding, HttpMethod, HttpRequest, Needs, Observation, Probe, ProbeResult, Reason, Rule, Target, TextMatch,
};
use serde::Deserialize;

/// The text expectation from the three fields, or a problem.
fn text(
    p: &mut Problems,
    contains: Option<String>,
    equals: Option<String>,
    matches: Option<String>,
) -> Option<TextMatch> {
    TextMatch::from_fields(contains, equals, matches).unwrap_or_else(|why| {
        p.when(true, why);
        None
    })
}

/// The probe's result when there was a container to look in, or why there was none.
fn looked<'a>(
    target: &Target,
    index: usize,
    obs: &'a Observation,
    not_running: &str,
) -> Result<&'a ProbeResult, Finding> {
    match obs.probes.get(&index) {
        None => Err(Finding::fail("nothing was looked at (the engine did not report it)")),
        Some(ProbeResult::NoMatch) => Err(Finding::missing(explain_missing(target, obs))),
        Some(ProbeResult::NotRunning { container, state }) => {
            Err(Finding::failed(Reason::NotRunning, format!("container `{container}` is {state}: {not_running}")))
        }
        Some(ProbeResult::PortNotPublished { container, port }) => Err(Finding::failed(
            Reason::NotPublished,
            format!(
                "container `{container}` does not publish port {port} on the host: create it with `-p HOST:{port}`"
            ),
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
    #[serde(default)]
    method: HttpMethod,
    #[serde(default = "default_path")]
    path: String,
    #[serde(default)]
    body: Option<String>,
    #[serde(default = "default_status")]
    status: u16,
    #[serde(default)]
    contains: Option<String>,
    #[serde(default)]
    equals: Option<String>,
    #[serde(default)]
    matches: Option<String>,
    #[serde(default)]
    hint: Option<String>,
    #[serde(default)]
    hints: Hints,
}

impl RawHttp {
    pub(super) fn convert(self) -> Converted {
        let mut p = Problems::default();
        let target = target("http", self.name, self.image, &mut p);
        p.when(!self.path.starts_with('/'), format!("`path: {}` must start with `/`", self.path));
        p.when(!(100..=599).contains(&self.status), format!("`status: {}` is not an HTTP status", self.status));
        let page = text(&mut p, self.contains, self.equals, self.matches);
        p.when(
            self.method == HttpMethod::Head && page.is_some(),
            "a `HEAD` request gets no page: drop `contains:`/`equals:`/`matches:` or use `GET`",
        );
        p.when(
            self.body.is_some() && !matches!(self.method, HttpMethod::Post | HttpMethod::Put),
            "`body:` is sent with `method: POST` or `PUT`",
        );
        let request = HttpRequest { method: self.method, path: self.path, body: self.body };
        let check = p.build(target.map(|target| {
            Check::Http(HttpCheck { target, container_port: self.container_port, request, status: self.status, page })
        }));
        assertion(check, self.hint, self.hints)
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct HttpCheck {
    pub target: Target,
    /// The container's port; the request goes to the host port it is published on.
    pub container_port: u16,
    /// Several `http` assertions in one checkpoint are sent in their order: a
    /// sequence (a `POST`, then the `GET` that shows it).
    pub request: HttpRequest,
    pub status: u16,
    /// What the page must hold.
    pub page: Option<TextMatch>,
}

impl Rule for HttpCheck {
    fn needs(&self, index: usize, needs: &mut Needs) {
        needs.containers();
        needs.details_of.push(self.target.clone());
        let probe = Probe::Http { container_port: self.container_port, request: self.request.clone() };
        needs.probes.push((index, self.target.clone(), probe));
    }

    fn judge(&self, index: usize, obs: &Observation) -> Finding {
        let (container, url, answer) = match looked(&self.target, index, obs, "it must be running to answer") {
            Ok(ProbeResult::Http { container, url, answer }) => (container, url, answer),
            Ok(_) => return Finding::fail("the engine looked at something else"),
            Err(finding) => return finding,
        };
        let method = self.request.method;
        match answer {
            Err(why) => Finding::fail(format!("{method} {url} (container `{container}`) failed: {why}")),
            Ok((status, _)) if *status != self.status => {
                Finding::fail(format!("{method} {url} answered {status}, not {}", self.status))
            }
            Ok((status, body)) => match &self.page {
                Some(t) if !t.holds(body) => {
                    let start: String = body.trim().chars().take(80).collect();
                    Finding::fail(format!(
                        "{method} {url} answered {status} but its page does not match (it should be: {}); it begins: {start}",
                        t.describe()
                    ))
                }
                _ => Finding::pass(format!("{method} {url} answered {status}")),
            },
        }
    }

    fn describe(&self) -> String {
        let page = self.page.as_ref().map(|t| format!(", and a page that {}", t.describe())).unwrap_or_default();
        format!(
            "{} answers {} {} on its port {} with {}{page}",
            self.target.describe(),
            self.request.method,
            self.request.path,
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
    equals: Option<String>,
    #[serde(default)]
    matches: Option<String>,
    #[serde(default)]
    hint: Option<String>,
    #[serde(default)]
    hints: Hints,
}

impl RawExec {
    pub(super) fn convert(self) -> Converted {
        let mut p = Problems::default();
        let target = target("exec", self.name, self.image, &mut p);
        p.when(self.command.is_empty(), "`command` needs at least one word");
        let output = text(&mut p, self.contains, self.equals, self.matches);
        let check =
            p.build(target.map(|target| {
                Check::Exec(ExecCheck { target, command: self.command, exit_code: self.exit_code, output })
            }));
        assertion(check, self.hint, self.hints)
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct ExecCheck {
    pub target: Target,
    /// The command, word by word: `["getent", "hosts", "db"]`.
    pub command: Vec<String>,
    pub exit_code: i64,
    /// What it must print.
    pub output: Option<TextMatch>,
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
            Err(finding) => return finding,
        };
        let first: String = output.trim().lines().take(2).collect::<Vec<_>>().join(" / ");
        if exit_code != self.exit_code {
            return Finding::fail(format!("in container `{container}` it exited with {exit_code}: {first}"));
        }
        match &self.output {
            Some(t) if !t.holds(output) => Finding::fail(format!(
                "in container `{container}` it printed: {first} (its output should be: {})",
                t.describe()
            )),
            _ => Finding::pass(format!("in container `{container}`: {first}")),
        }
    }

    fn describe(&self) -> String {
        let out = self.output.as_ref().map(|t| format!(" and its output {}", t.describe())).unwrap_or_default();
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
    #[serde(default)]
    equals: Option<String>,
    #[serde(default)]
    matches: Option<String>,
    #[serde(default = "yes")]
    present: bool,
    #[serde(default)]
    hint: Option<String>,
    #[serde(default)]
    hints: Hints,
}

impl RawFile {
    pub(super) fn convert(self) -> Converted {
        let mut p = Problems::default();
        let target = target("file", self.name, self.image, &mut p);
        p.when(!self.path.starts_with('/'), format!("`path: {}` must be absolute inside the container", self.path));
        let absent_with_text =
            !self.present && (self.contains.is_some() || self.equals.is_some() || self.matches.is_some());
        p.when(absent_with_text, "`present: false` cannot go with what the file should hold");
        let content = text(&mut p, self.contains, self.equals, self.matches);
        let check = p.build(
            target.map(|target| Check::File(FileCheck { target, path: self.path, content, present: self.present })),
        );
        assertion(check, self.hint, self.hints)
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct FileCheck {
    pub target: Target,
    /// Absolute path inside the container.
    pub path: String,
    /// What the file must hold.
    pub content: Option<TextMatch>,
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
            Err(finding) => return finding,
        };
        let path = &self.path;
        if !self.present {
            return match content {
                Some(_) => Finding::fail(format!("container `{container}` has `{path}`, which should not be there")),
                None => Finding::pass(format!("container `{container}` has no `{path}`")),
            };
        }
        match (content, &self.content) {
            (None, _) => Finding::fail(format!("container `{container}` has no file `{path}`")),
            (Some(text), Some(t)) if !t.holds(text) => {
                let start: String = text.trim().chars().take(60).collect();
                Finding::fail(format!(
                    "`{path}` in container `{container}` does not match (it should be: {}); it begins: {start}",
                    t.describe()
                ))
            }
            (Some(_), _) => Finding::pass(format!("container `{container}` has `{path}`")),
        }
    }

    fn describe(&self) -> String {
        let t = self.target.describe();
        match (&self.content, self.present) {
            (_, false) => format!("{t} does not have the file `{}`", self.path),
            (Some(c), true) => format!("{t} has the file `{}`, whose content {}", self.path, c.describe()),
            (None, true) => format!("{t} has the file `{}`", self.path),
        }
    }
}
