//! `checks/<lesson>.yaml`: the checkpoints of one lesson, keyed by step id.
//!
//! ```yaml
//! format_version: 1
//! checkpoints:
//!   run-it:
//!     - kind: event
//!       action: die
//!       image: hello-world
//!       exit_code: 0
//!       hint: Type `docker run hello-world` at the prompt.
//! ```

use super::{Assertion, Checkpoint};
use crate::diagnostic::{Diagnostic, Diagnostics};
use crate::lesson::parse::yaml_message;
use serde::Deserialize;
use serde::de::{self, Deserializer, MapAccess, Visitor};
use std::collections::BTreeMap;
use std::fmt;

/// The newest checks file format this build reads.
pub const FORMAT_VERSION: u32 = 1;

/// A lesson's checkpoints, by step id.
#[derive(Debug, Clone, Default)]
pub struct ChecksFile {
    pub checkpoints: BTreeMap<String, Checkpoint>,
}

#[derive(Deserialize)]
struct VersionOnly {
    format_version: Option<u32>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Raw {
    #[allow(dead_code)]
    format_version: u32,
    #[serde(default)]
    checkpoints: UniqueMap,
}

/// A map that refuses a key given twice (YAML parsers keep the last silently).
#[derive(Default)]
struct UniqueMap(Vec<(String, Vec<Assertion>)>);

impl<'de> Deserialize<'de> for UniqueMap {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = UniqueMap;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a map from step id to a list of assertions")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<UniqueMap, A::Error> {
                let mut out: Vec<(String, Vec<Assertion>)> = Vec::new();
                while let Some(key) = map.next_key::<String>()? {
                    if out.iter().any(|(k, _)| *k == key) {
                        return Err(de::Error::custom(format!(
                            "checkpoint `{key}` is defined twice: merge its assertions into one list"
                        )));
                    }
                    let value = map.next_value::<Vec<Assertion>>()?;
                    out.push((key, value));
                }
                Ok(UniqueMap(out))
            }
        }
        d.deserialize_map(V)
    }
}

/// Parses a checks file, reporting every problem with its line and column.
pub fn parse(path: &str, text: &str) -> Result<ChecksFile, Diagnostics> {
    let located = |e: &serde_yaml::Error, prefix: &str| {
        let (line, column) = e.location().map_or((1, 1), |l| (l.line(), l.column()));
        Diagnostic::new(path, line, column, format!("{prefix}{}", yaml_message(e)))
    };
    // Read the version alone first, so a newer file is refused for what it is rather
    // than for the fields this build does not know.
    match serde_yaml::from_str::<VersionOnly>(text) {
        Err(e) => return Err(located(&e, "").into()),
        Ok(VersionOnly { format_version: None }) => {
            return Err(Diagnostic::whole_file(
                path,
                format!("a checks file starts with `format_version: {FORMAT_VERSION}`"),
            )
            .into());
        }
        Ok(VersionOnly { format_version: Some(v) }) if v > FORMAT_VERSION => {
            return Err(Diagnostic::whole_file(
                path,
                format!(
                    "this checks file has format_version {v}, and this dockerlearn reads up to {FORMAT_VERSION}: upgrade dockerlearn"
                ),
            )
            .into());
        }
        Ok(_) => {}
    }
    let raw: Raw = serde_yaml::from_str(text).map_err(|e| Diagnostics::from(located(&e, "")))?;
    let mut problems = Diagnostics::default();
    let mut checkpoints = BTreeMap::new();
    for (id, assertions) in raw.checkpoints.0 {
        let line = key_line(text, &id);
        if assertions.is_empty() {
            problems.push(Diagnostic::new(path, line, 1, format!(
                "checkpoint `{id}` has no assertions: a check that cannot fail is a defect; mark the step `.read` instead"
            )));
        }
        for a in &assertions {
            for p in a.problems() {
                problems.push(Diagnostic::new(path, line, 1, format!("checkpoint `{id}`: {p}")));
            }
        }
        checkpoints.insert(id, Checkpoint { assertions, line });
    }
    problems.into_result(ChecksFile { checkpoints })
}

/// The line where `key:` is written inside `checkpoints:`, for messages after parsing.
fn key_line(text: &str, key: &str) -> usize {
    text.lines()
        .position(|l| {
            let t = l.trim_start();
            l.len() > t.len()
                && (t.strip_prefix(key).is_some_and(|r| r.trim_start().starts_with(':'))
                    || t.strip_prefix(&format!("\"{key}\"")).is_some_and(|r| r.trim_start().starts_with(':')))
        })
        .map_or(1, |i| i + 1)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn first_error(text: &str) -> String {
        parse("c.yaml", text).unwrap_err().0[0].to_string()
    }

    #[test]
    fn parses_assertions_of_every_kind() {
        let text = "format_version: 1\ncheckpoints:\n  a:\n    - kind: engine\n      min_api: \"1.24\"\n    - kind: image\n      image: hello-world\n  b:\n    - kind: container\n      name: hello\n      exit_code: 0\n    - kind: no_container\n      image: hello-world\n    - kind: event\n      action: die\n      image: hello-world\n    - kind: output\n      image: hello-world\n      contains: Hello\n";
        let f = parse("c.yaml", text).unwrap();
        assert_eq!(f.checkpoints["a"].assertions.len(), 2);
        assert_eq!(f.checkpoints["b"].assertions.len(), 4);
        assert_eq!(f.checkpoints["b"].line, 8);
    }

    #[test]
    fn unknown_kind_and_field_are_located() {
        let e = first_error("format_version: 1\ncheckpoints:\n  a:\n    - kind: contaner\n");
        assert!(e.starts_with("c.yaml:4:"), "{e}");
        assert!(e.contains("unknown variant `contaner`"), "{e}");
        let e = first_error("format_version: 1\ncheckpoints:\n  a:\n    - kind: container\n      nmae: x\n");
        assert!(e.starts_with("c.yaml:4:5:") && e.contains("unknown field `nmae`"), "{e}");
    }

    #[test]
    fn duplicate_checkpoint_is_refused() {
        let e = first_error("format_version: 1\ncheckpoints:\n  a:\n    - kind: engine\n  a:\n    - kind: engine\n");
        assert!(e.contains("defined twice"), "{e}");
    }

    #[test]
    fn newer_format_is_refused_with_advice() {
        let e = first_error("format_version: 7\ncheckpoints: {}\nfuture: true\n");
        assert!(e.contains("upgrade dockerlearn"), "{e}");
    }

    #[test]
    fn semantic_problems_point_at_the_checkpoint() {
        let e = first_error("format_version: 1\ncheckpoints:\n  x:\n    - kind: output\n      contains: hi\n");
        assert_eq!(
            e,
            "c.yaml:3:1: checkpoint `x`: a `output` assertion needs `name:` or `image:` to say which containers it is about"
        );
        let e = first_error("format_version: 1\ncheckpoints:\n  x: []\n");
        assert!(e.contains("cannot fail"), "{e}");
    }
}
