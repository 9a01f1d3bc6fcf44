//! `kind: host_file`: a file on the learner's own machine, in the directory they work
//! in (a Dockerfile written, a file copied out of a container).

use super::{Converted, Problems, assertion};
use crate::check::{Check, Finding, Needs, Observation, Rule};
use serde::Deserialize;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct Raw {
    path: String,
    #[serde(default)]
    contains: Option<String>,
    #[serde(default)]
    hint: Option<String>,
}

impl Raw {
    pub(super) fn convert(self) -> Converted {
        let mut p = Problems::default();
        p.when(
            self.path.starts_with('/') || self.path.split('/').any(|part| part == ".."),
            format!("`path: {}` must be relative to the learner's directory, without `..`", self.path),
        );
        assertion(p.then(|| Check::HostFile(HostFileCheck { path: self.path, contains: self.contains })), self.hint)
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct HostFileCheck {
    /// Relative to the learner's directory.
    pub path: String,
    pub contains: Option<String>,
}

impl Rule for HostFileCheck {
    fn needs(&self, _: usize, needs: &mut Needs) {
        needs.host_files.push(self.path.clone());
    }

    fn judge(&self, _: usize, obs: &Observation) -> Finding {
        let path = &self.path;
        match obs.host_files.iter().find(|(p, _)| p == path).and_then(|(_, c)| c.as_ref()) {
            None => Finding::fail(format!(
                "there is no file `{path}` in your directory (type `pwd` to see where you are, `ls` to see what is there)"
            )),
            Some(text) => match &self.contains {
                Some(c) if !text.contains(c.as_str()) => Finding::fail(format!("`{path}` does not contain \"{c}\"")),
                _ => Finding::pass(format!("`{path}` is there")),
            },
        }
    }

    fn describe(&self) -> String {
        match &self.contains {
            Some(c) => format!("the file `{}` in your directory contains \"{c}\"", self.path),
            None => format!("the file `{}` exists in your directory", self.path),
        }
    }
}
