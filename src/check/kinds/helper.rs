//! `kind: helper`: a container the checker runs itself, then removes: it looks at the
//! learner's work from outside, from a network (does `web` resolve and answer?) or with
//! a volume mounted (does the volume hold the file?). It never touches the learner's
//! containers, and it cannot pass before the learner made what it looks for.

use super::{Converted, Hints, Problems, assertion};
use crate::check::{Check, Finding, HelperRun, Needs, Observation, ProbeResult, Rule, TextMatch};
use serde::Deserialize;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct Raw {
    image: String,
    #[serde(default)]
    command: Vec<String>,
    #[serde(default)]
    network: Option<String>,
    #[serde(default)]
    volumes: Vec<String>,
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

impl Raw {
    pub(super) fn convert(self) -> Converted {
        let mut p = Problems::default();
        for v in &self.volumes {
            let parts: Vec<&str> = v.split(':').collect();
            let well_formed = matches!(parts.len(), 2 | 3)
                && !parts[0].is_empty()
                && !parts[0].contains('/')
                && parts[1].starts_with('/')
                && parts.get(2).is_none_or(|m| *m == "ro" || *m == "rw");
            p.when(
                !well_formed,
                format!("`volumes: {v}` must be `VOLUME:/path` or `VOLUME:/path:ro` (a named volume, not a host path)"),
            );
        }
        let output = TextMatch::from_fields(self.contains, self.equals, self.matches).unwrap_or_else(|why| {
            p.when(true, why);
            None
        });
        let run = HelperRun { image: self.image, command: self.command, network: self.network, volumes: self.volumes };
        let exit_code = self.exit_code;
        assertion(p.then(|| Check::Helper(HelperCheck { run, exit_code, output })), self.hint, self.hints)
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct HelperCheck {
    pub run: HelperRun,
    pub exit_code: i64,
    /// What it must print.
    pub output: Option<TextMatch>,
}

impl Rule for HelperCheck {
    fn needs(&self, index: usize, needs: &mut Needs) {
        needs.helpers.push((index, self.run.clone()));
    }

    fn judge(&self, index: usize, obs: &Observation) -> Finding {
        let (exit_code, output) = match obs.probes.get(&index) {
            Some(ProbeResult::Helper { exit_code, output }) => (*exit_code, output),
            Some(ProbeResult::HelperFailed(why)) => return Finding::missing(why.clone()),
            _ => return Finding::fail("the helper container was not run (the engine did not report it)"),
        };
        let first: String = output.trim().lines().take(2).collect::<Vec<_>>().join(" / ");
        let printed = if first.is_empty() { "nothing".to_owned() } else { first };
        if exit_code != self.exit_code {
            return Finding::fail(format!("it exited with {exit_code}, printing: {printed}"));
        }
        match &self.output {
            Some(t) if !t.holds(output) => {
                Finding::fail(format!("it printed: {printed} (its output should be: {})", t.describe()))
            }
            _ => Finding::pass(format!("it exited with {exit_code}: {printed}")),
        }
    }

    fn describe(&self) -> String {
        let mut s = match self.run.command.is_empty() {
            true => format!("a container of `{}`", self.run.image),
            false => format!("`{}` in a container of `{}`", self.run.command.join(" "), self.run.image),
        };
        if let Some(n) = &self.run.network {
            s.push_str(&format!(" on network `{n}`"));
        }
        if !self.run.volumes.is_empty() {
            s.push_str(&format!(" with {}", self.run.volumes.join(", ")));
        }
        s.push_str(&format!(" exits with {}", self.exit_code));
        if let Some(t) = &self.output {
            s.push_str(&format!(" and its output {}", t.describe()));
        }
        s
    }
}
