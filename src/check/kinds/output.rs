//! `kind: output`: what a container printed (its logs) contains a text, is exactly a
//! text, or matches a regular expression.

use super::{Converted, Hints, Problems, assertion, target};
use crate::check::select::{explain_missing, select};
use crate::check::{Check, Finding, Needs, Observation, Rule, Target, TextMatch};
use serde::Deserialize;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct Raw {
    #[serde(default)]
    name: Option<String>,
    #[serde(default)]
    image: Option<String>,
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
        let target = target("output", self.name, self.image, &mut p);
        let text = match TextMatch::from_fields(self.contains, self.equals, self.matches) {
            Ok(Some(t)) => Some(t),
            Ok(None) => {
                p.when(true, "an `output` assertion needs `contains:`, `equals:` or `matches:`");
                None
            }
            Err(why) => {
                p.when(true, why);
                None
            }
        };
        let check = target.zip(text).map(|(target, text)| Check::Output(OutputCheck { target, text }));
        assertion(p.build(check), self.hint, self.hints)
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct OutputCheck {
    pub target: Target,
    /// What the output must hold.
    pub text: TextMatch,
}

impl OutputCheck {
    /// Whether the container it judges (the newest that matches) is running, so its
    /// output may still grow.
    pub fn still_printing(&self, obs: &Observation) -> bool {
        select(&self.target, obs).first().is_some_and(|c| c.state == crate::check::State::Running)
    }
}

impl Rule for OutputCheck {
    fn needs(&self, _: usize, needs: &mut Needs) {
        needs.containers();
        needs.output_of.push(self.target.clone());
    }

    fn judge(&self, _: usize, obs: &Observation) -> Finding {
        let candidates = select(&self.target, obs);
        let Some(newest) = candidates.first() else {
            return Finding::missing(explain_missing(&self.target, obs));
        };
        if let Some(c) = candidates.iter().find(|c| c.output.as_deref().is_some_and(|o| self.text.holds(o))) {
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
        format!("the output of {} {}", self.target.describe(), self.text.describe())
    }
}
