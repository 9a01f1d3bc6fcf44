//! `kind: any_of`: any one of several assertions holds. For steps a learner can do
//! in more than one correct way: `docker run --rm` leaves an event where a plain
//! `docker run` leaves a container; a compose file may be `compose.yaml` or
//! `docker-compose.yml`.

use super::{Converted, Hints, Problems, RawAssertion, assertion};
use crate::check::{Assertion, Check, Finding, Kind, Needs, Observation, Rule};
use serde::Deserialize;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct Raw {
    assertions: Vec<RawAssertion>,
    #[serde(default)]
    hint: Option<String>,
    #[serde(default)]
    hints: Hints,
}

impl Raw {
    pub(super) fn convert(self) -> Converted {
        let mut p = Problems::default();
        p.when(self.assertions.len() < 2, "`any_of` needs two or more `assertions:` (one is the assertion itself)");
        let mut alternatives = Vec::new();
        for (i, raw) in self.assertions.into_iter().enumerate() {
            match raw.convert() {
                Ok(a) if a.check.kind() == Kind::AnyOf => {
                    p.when(true, format!("alternative {}: an `any_of` inside an `any_of` says nothing more", i + 1));
                }
                Ok(a) => alternatives.push(a),
                Err(found) => found.into_iter().for_each(|f| p.when(true, format!("alternative {}: {f}", i + 1))),
            }
        }
        assertion(p.then(|| Check::AnyOf(AnyOfCheck { alternatives })), self.hint, self.hints)
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct AnyOfCheck {
    pub alternatives: Vec<Assertion>,
}

/// Alternatives look inside containers under indexes of their own, past any real
/// assertion's: the checkpoint's index times this, plus the alternative's.
const SLOT: usize = 1000;

impl Rule for AnyOfCheck {
    fn needs(&self, index: usize, needs: &mut Needs) {
        for (i, a) in self.alternatives.iter().enumerate() {
            a.check.rule().needs(SLOT * (index + 1) + i, needs);
        }
    }

    fn judge(&self, index: usize, obs: &Observation) -> Finding {
        let findings: Vec<Finding> = self
            .alternatives
            .iter()
            .enumerate()
            .map(|(i, a)| a.check.rule().judge(SLOT * (index + 1) + i, obs))
            .collect();
        if let Some(pass) = findings.iter().find(|f| f.pass) {
            return pass.clone();
        }
        let why: Vec<String> = findings.iter().map(|f| f.found.clone()).collect();
        // The way the first alternative failed chooses the hint.
        Finding::failed(findings[0].reason, why.join("; nor: "))
    }

    fn describe(&self) -> String {
        let each: Vec<String> = self.alternatives.iter().map(|a| a.check.describe()).collect();
        format!("one of: {}", each.join("; or "))
    }
}
