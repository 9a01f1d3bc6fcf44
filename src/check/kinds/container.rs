//! `kind: container` and `kind: no_container`: a container exists (in a state, with
//! an exit code, a command or an entrypoint), or none is left.

use super::{Converted, Problems, assertion, target};
use crate::check::select::{explain_missing, quoted_list, select, state_of};
use crate::check::{Check, ContainerInfo, Finding, Needs, Observation, Rule, State, Target};
use serde::Deserialize;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawContainer {
    #[serde(default)]
    name: Option<String>,
    #[serde(default)]
    image: Option<String>,
    #[serde(default)]
    state: Option<State>,
    #[serde(default)]
    exit_code: Option<i64>,
    #[serde(default)]
    command: Option<String>,
    #[serde(default)]
    entrypoint: Option<String>,
    #[serde(default)]
    hint: Option<String>,
}

impl RawContainer {
    pub(super) fn convert(self) -> Converted {
        let mut p = Problems::default();
        let target = target("container", self.name, self.image, &mut p);
        p.when(
            self.exit_code.is_some() && self.state.is_some_and(|s| s != State::Exited),
            "`exit_code` only makes sense with `state: exited` (or no state)",
        );
        let check = p.build(target.map(|target| {
            Check::Container(ContainerCheck {
                target,
                state: self.state.or(self.exit_code.map(|_| State::Exited)),
                exit_code: self.exit_code,
                command: self.command,
                entrypoint: self.entrypoint,
            })
        }));
        assertion(check, self.hint)
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct ContainerCheck {
    pub target: Target,
    /// `exited` when an exit code is asked for.
    pub state: Option<State>,
    pub exit_code: Option<i64>,
    /// The first word of the command it was created with (`echo` in `docker run busybox echo hi`).
    pub command: Option<String>,
    /// The first word of its entrypoint (`bash` after `--entrypoint bash`).
    pub entrypoint: Option<String>,
}

/// The program's name: `/usr/bin/python3` → `python3`.
fn first_word(words: &[String]) -> String {
    words.first().map(|w| w.rsplit('/').next().unwrap_or(w).to_owned()).unwrap_or_default()
}

impl ContainerCheck {
    fn config_fits(&self, c: &ContainerInfo) -> bool {
        let Some(d) = &c.details else {
            return self.command.is_none() && self.entrypoint.is_none();
        };
        self.command.as_ref().is_none_or(|w| first_word(&d.cmd) == *w)
            && self.entrypoint.as_ref().is_none_or(|w| first_word(&d.entrypoint) == *w)
    }

    fn state_fits(&self, c: &ContainerInfo) -> bool {
        self.state.is_none_or(|s| c.state == s) && self.exit_code.is_none_or(|code| c.exit_code == Some(code))
    }
}

impl Rule for ContainerCheck {
    fn needs(&self, _: usize, needs: &mut Needs) {
        needs.containers();
        if self.command.is_some() || self.entrypoint.is_some() {
            needs.details_of.push(self.target.clone());
        }
    }

    fn judge(&self, _: usize, obs: &Observation) -> Finding {
        let candidates = select(&self.target, obs);
        let Some(&newest) = candidates.first() else {
            return Finding::fail(explain_missing(&self.target, obs));
        };
        let fitting: Vec<&ContainerInfo> = candidates.into_iter().filter(|c| self.config_fits(c)).collect();
        let Some(&c) = fitting.first() else {
            let d = newest.details.clone().unwrap_or_default();
            if let Some(w) = &self.entrypoint {
                return Finding::fail(format!(
                    "container `{}` has entrypoint `{}`, not `{w}`: `--entrypoint {w}` goes before the image name",
                    newest.name,
                    d.entrypoint.join(" ")
                ));
            }
            let w = self.command.as_deref().unwrap_or_default();
            return Finding::fail(format!("container `{}` runs `{}`, not `{w}`", newest.name, d.cmd.join(" ")));
        };
        if let Some(ok) = fitting.iter().find(|c| self.state_fits(c)) {
            return Finding::pass(format!("container `{}` {}", ok.name, state_of(ok)));
        }
        let mut found = format!("container `{}` {}", c.name, state_of(c));
        if fitting.len() > 1 {
            found.push_str(&format!(" (and {} more like it, none as expected)", fitting.len() - 1));
        }
        if let (Some(want), Some(got)) = (self.exit_code, c.exit_code) {
            if c.state == State::Exited && want != got {
                found.push_str(&format!(", not {want}: look at `docker logs {}` to see why", c.name));
            }
        }
        Finding::fail(found)
    }

    fn describe(&self) -> String {
        let mut s = self.target.describe();
        if let Some(e) = &self.entrypoint {
            s.push_str(&format!(" with entrypoint `{e}`"));
        }
        if let Some(c) = &self.command {
            s.push_str(&format!(" running `{c}`"));
        }
        match (self.state, self.exit_code) {
            (_, Some(code)) => s.push_str(&format!(" has exited with code {code}")),
            (Some(state), None) => s.push_str(&format!(" is {state}")),
            (None, None) => s.push_str(" exists"),
        }
        s
    }
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawNoContainer {
    #[serde(default)]
    name: Option<String>,
    #[serde(default)]
    image: Option<String>,
    #[serde(default)]
    hint: Option<String>,
}

impl RawNoContainer {
    pub(super) fn convert(self) -> Converted {
        let mut p = Problems::default();
        let target = target("no_container", self.name, self.image, &mut p);
        let check = p.build(target.map(|target| Check::NoContainer(NoContainerCheck { target })));
        assertion(check, self.hint)
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct NoContainerCheck {
    pub target: Target,
}

impl Rule for NoContainerCheck {
    fn needs(&self, _: usize, needs: &mut Needs) {
        needs.containers();
    }

    fn judge(&self, _: usize, obs: &Observation) -> Finding {
        let left = select(&self.target, obs);
        if left.is_empty() {
            return Finding::pass("none left");
        }
        let names: Vec<String> = left.iter().map(|c| format!("{} ({})", c.name, c.state)).collect();
        Finding::fail(format!("still there: {}", quoted_list(&names)))
    }

    fn describe(&self) -> String {
        format!("no {} remains", self.target.describe().trim_start_matches("a "))
    }
}
