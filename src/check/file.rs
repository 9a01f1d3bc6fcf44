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

use super::kinds::RawAssertion;
use super::{Assertion, Checkpoint};
use crate::diagnostic::{Diagnostic, Diagnostics};
use crate::yaml::message as yaml_message;
use serde::Deserialize;
use serde::de::{self, Deserializer, MapAccess, Visitor};
use std::collections::{BTreeMap, HashMap};
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
struct UniqueMap(Vec<(String, Vec<RawAssertion>)>);

impl<'de> Deserialize<'de> for UniqueMap {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = UniqueMap;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a map from step id to a list of assertions")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<UniqueMap, A::Error> {
                let mut out: Vec<(String, Vec<RawAssertion>)> = Vec::new();
                let mut seen = std::collections::HashSet::new();
                while let Some(key) = map.next_key::<String>()? {
                    if !seen.insert(key.clone()) {
                        return Err(de::Error::custom(format!(
                            "checkpoint `{key}` is defined twice: merge its assertions into one list"
                        )));
                    }
                    let value = map.next_value::<Vec<RawAssertion>>()?;
                    out.push((key, value));
                }
                Ok(UniqueMap(out))
            }
        }
        d.deserialize_map(V)
    }
}

/// A YAML error at its place in the file, with advice where the parser's words are cryptic.
fn located(path: &str, e: &serde_yaml::Error, line_offset: usize, column_offset: usize) -> Diagnostic {
    let (line, column) = e.location().map_or((1, 1), |l| (l.line(), l.column()));
    let mut message = yaml_message(e);
    if message.contains("mapping values are not allowed") {
        message.push_str(": a text with `: ` in it must be quoted (\"like: this\")");
    }
    Diagnostic::new(path, line + line_offset, column + column_offset, message)
}

/// Parses a checks file, reporting every problem with its line and column.
pub fn parse(path: &str, text: &str) -> Result<ChecksFile, Diagnostics> {
    // Read the version alone first, so a newer file is refused for what it is rather
    // than for the fields this build does not know.
    if let Some((line, column)) = crate::yaml::too_deep(text) {
        return Err(Diagnostic::new(path, line, column, crate::yaml::too_deep_message()).into());
    }
    let layout = Layout::scan(text);
    match serde_yaml::from_str::<VersionOnly>(text) {
        Err(e) => return Err(every_error(path, text, &layout, &e)),
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
    let raw: Raw = match serde_yaml::from_str(text) {
        // The first error alone hides the others: read each assertion on its own.
        Ok(raw) => raw,
        Err(e) => return Err(every_error(path, text, &layout, &e)),
    };
    let mut problems = Diagnostics::default();
    let mut checkpoints = BTreeMap::new();
    for (id, raws) in raw.checkpoints.0 {
        let line = layout.key_line(&id);
        if raws.is_empty() {
            problems.push(Diagnostic::new(path, line, 1, format!(
                "checkpoint `{id}` has no assertions: a check that cannot fail is a defect; mark the step `.read` instead"
            )));
        }
        let mut assertions: Vec<Assertion> = Vec::new();
        for (i, r) in raws.into_iter().enumerate() {
            match r.convert() {
                Ok(a) => assertions.push(a),
                Err(found) => {
                    let (at, column) = layout.item(&id, i).unwrap_or((line, 1));
                    for p in found {
                        problems.push(Diagnostic::new(path, at, column, format!("checkpoint `{id}`: {p}")));
                    }
                }
            }
        }
        checkpoints.insert(id, Checkpoint { assertions, line });
    }
    problems.into_result(ChecksFile { checkpoints })
}

/// When the whole file does not parse: every assertion parsed on its own, so each
/// problem is reported at its own line, and one mistake does not hide the next.
fn every_error(path: &str, text: &str, layout: &Layout, whole: &serde_yaml::Error) -> Diagnostics {
    let lines: Vec<&str> = text.lines().collect();
    let mut found = Diagnostics::default();
    let mut covered = false;
    let whole_line = whole.location().map_or(1, |l| l.line());
    for (start, end, indent, at) in layout.items() {
        let (start, end, indent) = (*start, *end, *indent);
        // The item's lines, its dash turned into a space: a map of its own.
        let item: Vec<String> = lines[start - 1..end]
            .iter()
            .enumerate()
            .map(|(i, l)| {
                let l = l.get(indent..).unwrap_or("");
                if i == 0 { format!(" {}", &l[1.min(l.len())..]) } else { l.to_owned() }
            })
            .collect();
        if let Err(e) = serde_yaml::from_str::<RawAssertion>(&item.join("\n")) {
            let mut d = at_unknown_field(located(path, &e, start - 1, indent), &lines, start, end);
            d.message = format!("checkpoints.{at}: {}", d.message);
            found.push(d);
        }
        covered |= (start..=end).contains(&whole_line);
    }
    if !covered || found.is_empty() {
        found.0.insert(0, located(path, whole, 0, 0));
    }
    found
}

/// The YAML parser places an unknown field at the start of its map: move the message
/// to the field's own line and column, between lines `start` and `end`.
fn at_unknown_field(mut d: Diagnostic, lines: &[&str], start: usize, end: usize) -> Diagnostic {
    let Some(field) = d.message.strip_prefix("unknown field `").and_then(|r| r.split('`').next()) else {
        return d;
    };
    let field_line = (start..=end).find(|&n| {
        let t = lines[n - 1].trim_start().trim_start_matches("- ");
        t.strip_prefix(field).is_some_and(|r| r.trim_start().starts_with(':'))
    });
    if let Some(n) = field_line {
        d.line = n;
        d.column = lines[n - 1].find(field).map_or(1, |c| c + 1);
    }
    d
}

/// Where things are in a block-style checks file, from one pass over its lines: the
/// line of each checkpoint's key and of each of its `- ` items. Messages found after
/// parsing point there.
#[derive(Debug, Default)]
struct Layout {
    keys: HashMap<String, usize>,
    /// (line, column) of each item's dash, by checkpoint id.
    items: HashMap<String, Vec<(usize, usize)>>,
    /// Every item: first line, last line, indent of its dash, and `id[index]`.
    spans: Vec<(usize, usize, usize, String)>,
}

impl Layout {
    fn scan(text: &str) -> Layout {
        let mut layout = Layout::default();
        let mut in_checkpoints = false;
        let mut key_indent = None;
        let mut current: Option<String> = None;
        // The item still open, and the last line with content seen.
        let mut open: Option<usize> = None;
        let mut last_content = 0;
        for (i, line) in text.lines().enumerate() {
            let n = i + 1;
            let trimmed = line.trim_start();
            if trimmed.is_empty() || trimmed.starts_with('#') {
                continue;
            }
            let indent = line.len() - trimmed.len();
            let is_item = trimmed.starts_with("- ") || trimmed == "-";
            let starts_something = indent == 0
                || (in_checkpoints && !is_item && key_indent.is_none_or(|k| indent <= k))
                || (is_item && current.as_ref().is_some_and(|id| layout.item_indent(id).is_none_or(|f| f == indent)));
            if starts_something {
                if let Some(o) = open.take() {
                    layout.spans[o].1 = last_content;
                }
            }
            if indent == 0 {
                in_checkpoints = trimmed.starts_with("checkpoints:");
                current = None;
            } else if in_checkpoints && !is_item && key_indent.is_none_or(|k| indent <= k) {
                key_indent = Some(indent);
                let key = trimmed.split(':').next().unwrap_or("").trim().trim_matches('"').trim_matches('\'');
                layout.keys.entry(key.to_owned()).or_insert(n);
                current = Some(key.to_owned());
            } else if starts_something && is_item {
                if let Some(id) = &current {
                    let items = layout.items.entry(id.clone()).or_default();
                    layout.spans.push((n, n, indent, format!("{id}[{}]", items.len())));
                    items.push((n, indent + 1));
                    open = Some(layout.spans.len() - 1);
                }
            }
            last_content = n;
        }
        if let Some(o) = open {
            layout.spans[o].1 = last_content;
        }
        layout
    }

    /// The indent of a checkpoint's first item, once it has one.
    fn item_indent(&self, key: &str) -> Option<usize> {
        self.items.get(key)?.first().map(|(_, c)| c - 1)
    }

    fn key_line(&self, key: &str) -> usize {
        self.keys.get(key).copied().unwrap_or(1)
    }

    /// Line and column of the `index`-th item of a checkpoint.
    fn item(&self, key: &str, index: usize) -> Option<(usize, usize)> {
        self.items.get(key)?.get(index).copied()
    }

    fn items(&self) -> impl Iterator<Item = &(usize, usize, usize, String)> + '_ {
        self.spans.iter()
    }
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
        assert!(e.starts_with("c.yaml:5:7:") && e.contains("unknown field `nmae`"), "{e}");
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
    fn semantic_problems_point_at_the_assertion() {
        let e = first_error("format_version: 1\ncheckpoints:\n  x:\n    - kind: output\n      contains: hi\n");
        assert_eq!(
            e,
            "c.yaml:4:5: checkpoint `x`: a `output` assertion needs `name:` or `image:` to say which containers it is about"
        );
        let e = first_error("format_version: 1\ncheckpoints:\n  x: []\n");
        assert!(e.contains("cannot fail"), "{e}");
    }

    #[test]
    fn every_problem_is_reported_at_its_own_line() {
        let text = "format_version: 1\ncheckpoints:\n  a:\n    - kind: container\n      nmae: x\n  b:\n    - kind: volume\n      volume: y\n      exposed_ports: [http]\n  c:\n    - kind: engine\n    - kind: output\n      name: z\n      contains: k: v\n";
        let found: Vec<String> = parse("c.yaml", text).unwrap_err().0.iter().map(|d| d.to_string()).collect();
        assert_eq!(found.len(), 3, "{found:#?}");
        assert!(found[0].starts_with("c.yaml:5:7: checkpoints.a[0]: unknown field `nmae`"), "{found:#?}");
        assert!(found[1].starts_with("c.yaml:9:7: checkpoints.b[0]: unknown field `exposed_ports`"), "{found:#?}");
        assert!(found[2].starts_with("c.yaml:14:") && found[2].contains("must be quoted"), "{found:#?}");
        // A problem found after parsing is reported with the others once the YAML reads.
        let fixed = text.replace("nmae", "name").replace("k: v", "\"k: v\"").replace("volume", "image");
        let found = parse("c.yaml", &fixed).unwrap_err().0;
        assert!(
            found[0].to_string().starts_with("c.yaml:7:5: checkpoint `b`: `exposed_ports: http` is not a port"),
            "{found:?}"
        );
    }

    #[test]
    fn lines_are_found_in_one_pass_over_many_checkpoints() {
        let mut text = String::from("format_version: 1\ncheckpoints:\n");
        for i in 0..20_000 {
            text.push_str(&format!("  s{i}:\n    - kind: engine\n"));
        }
        let file = parse("c.yaml", &text).unwrap();
        assert_eq!(file.checkpoints["s19999"].line, 3 + 2 * 19_999);
    }
}
