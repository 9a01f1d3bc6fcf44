//! `kind: host_file`: a file on the learner's own machine (a Dockerfile written, a file
//! copied out of a container), in the folder they work in or in one the lesson names
//! under their home (`~/dockerlearn/shop/compose.yaml`), which a second terminal finds
//! as well.

use super::{Converted, Hints, Problems, assertion};
use crate::check::{Check, Finding, Needs, Observation, Rule, TextMatch};
use serde::Deserialize;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct Raw {
    path: String,
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
        p.when(
            self.path.starts_with('/') || self.path.split('/').any(|part| part == ".."),
            format!(
                "`path: {}` must be relative to the learner's folder or start with `~/` (their home), without `..`",
                self.path
            ),
        );
        let text = TextMatch::from_fields(self.contains, self.equals, self.matches).unwrap_or_else(|why| {
            p.when(true, why);
            None
        });
        assertion(p.then(|| Check::HostFile(HostFileCheck { path: self.path, text })), self.hint, self.hints)
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct HostFileCheck {
    /// Relative to the learner's folder, or from their home (`~/...`).
    pub path: String,
    /// What the file must hold, when anything.
    pub text: Option<TextMatch>,
}

impl Rule for HostFileCheck {
    fn needs(&self, _: usize, needs: &mut Needs) {
        needs.host_files.push(self.path.clone());
    }

    fn judge(&self, _: usize, obs: &Observation) -> Finding {
        let path = &self.path;
        match obs.host_files.iter().find(|(p, _)| p == path).and_then(|(_, c)| c.as_ref()) {
            None if path.starts_with("~/") => {
                let folder = path.rsplit_once('/').map(|(d, _)| d).unwrap_or("~");
                Finding::missing(format!("there is no file `{path}` (`ls {folder}` shows what is there)"))
            }
            None => Finding::missing(format!(
                "there is no file `{path}` in your directory (type `pwd` to see where you are, `ls` to see what is there)"
            )),
            Some(content) => match &self.text {
                Some(t) if !t.holds(content) => Finding::fail(match t {
                    TextMatch::Contains(c) => format!("`{path}` does not contain \"{c}\""),
                    TextMatch::Equals(e) => format!("`{path}` is not exactly \"{}\"", e.trim()),
                    TextMatch::Matches(r) => format!("`{path}` does not match /{}/", r.as_str()),
                }),
                _ => Finding::pass(format!("`{path}` is there")),
            },
        }
    }

    fn describe(&self) -> String {
        let place = if self.path.starts_with("~/") { "" } else { " in your directory" };
        match &self.text {
            Some(t) => format!("the file `{}`{place} {}", self.path, t.describe()),
            None => format!("the file `{}` exists{place}", self.path),
        }
    }
}
