//! `kind: output`: what a container printed (its logs) contains a text.

use super::{Converted, Problems, assertion, target};
use crate::check::select::{explain_missing, select};
use crate::check::{Check, Finding, Needs, Observation, Rule, Target};
use serde::Deserialize;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct Raw {
    #[serde(default)]
    name: Option<String>,
    #[serde(default)]
    image: Option<String>,
    contains: String,
    #[serde(default)]
    hint: Option<String>,
}

impl Raw {
    pub(super) fn convert(self) -> Converted {
        let mut p = Problems::default();
        let target = target("output", self.name, self.image, &mut p);
        let contains = self.contains;
        assertion(p.build(target.map(|target| Check::Output(OutputCheck { target, contains }))), self.hint)
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct OutputCheck {
    pub target: Target,
    pub contains: String,
}

impl Rule for OutputCheck {
    fn needs(&self, _: usize, needs: &mut Needs) {
        needs.containers();
        needs.output_of.push(self.target.clone());
    }

    fn judge(&self, _: usize, obs: &Observation) -> Finding {
        let candidates = select(&self.target, obs);
        let Some(newest) = candidates.first() else {
            return Finding::fail(explain_missing(&self.target, obs));
        };
        if let Some(c) = candidates.iter().find(|c| c.output.as_deref().is_some_and(|o| o.contains(&self.contains))) {
            return Finding::pass(format!("container `{}` printed it", c.name));
        }
        let printed = newest.output.as_deref().unwrap_or("").trim();
        if printed.is_empty() {
            Finding::fail(format!("container `{}` printed nothing", newest.name))
        } else {
            let first: Vec<&str> = printed.lines().take(3).collect();
            Finding::fail(format!("container `{}` printed: {}", newest.name, first.join(" / ")))
        }
    }

    fn describe(&self) -> String {
        format!("the output of {} contains \"{}\"", self.target.describe(), self.contains)
    }
}
