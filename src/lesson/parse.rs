//! The lesson Markdown dialect. One parser constructor (`markdown_options`) serves every
//! part of the program so the REPL, `show` and the book read the same thing.
//!
//! ~~~text
//! ---                                 front matter (YAML): id, title, objectives,
//! title: Hello, world                 minutes, images, continues, folder
//! ---
//! Introduction prose.
//! ## Run a container {#run-it}        a step; its id names its checkpoint
//! ```sh run                           a command the learner is invited to run
//! docker run hello-world
//! ```
//! ### Hint                            hint tiers, in order
//! ### Solution                        what `:solution` shows and `verify` runs
//! ## Recap {#recap .read}             a reading-only step: no checkpoint
//! ~~~

use super::{Lesson, Solution, Step};
use crate::diagnostic::{Diagnostic, Diagnostics, LineIndex};
use pulldown_cmark::{CodeBlockKind, Event, HeadingLevel, Options, Parser, Tag, TagEnd};
use serde::Deserialize;

/// The Markdown extensions every part of dockerlearn parses lessons with.
pub fn markdown_options() -> Options {
    Options::ENABLE_HEADING_ATTRIBUTES | Options::ENABLE_TABLES | Options::ENABLE_STRIKETHROUGH
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct FrontMatter {
    #[serde(default)]
    id: Option<String>,
    title: String,
    #[serde(default)]
    objectives: Vec<String>,
    #[serde(default)]
    minutes: Option<u32>,
    #[serde(default)]
    images: Vec<String>,
    #[serde(default)]
    continues: bool,
    #[serde(default)]
    folder: Option<String>,
}

/// A fenced code block's info string, split the way mdBook splits it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FenceInfo {
    pub language: String,
    pub runnable: bool,
}

impl FenceInfo {
    pub fn parse(info: &str) -> FenceInfo {
        let mut tokens = info.split([' ', '\t', ',']).filter(|t| !t.is_empty());
        let language = tokens.next().unwrap_or("").to_owned();
        let runnable = tokens.any(|t| t == "run");
        FenceInfo { language, runnable }
    }
}

/// Parses one lesson. `path` is used in messages only; `fallback_id` is the id from the
/// file name, used when the front matter gives none. Returns every problem found.
pub fn parse(path: &str, fallback_id: &str, text: &str) -> Result<Lesson, Diagnostics> {
    let mut problems = Diagnostics::default();
    let index = LineIndex::new(text);
    let (front, body_start) = match split_front_matter(text) {
        Ok(parts) => parts,
        Err(d) => return Err(d.with_path(path).into()),
    };
    if let Some((line, column)) = crate::yaml::too_deep(front) {
        return Err(Diagnostic::new(path, line + 1, column, crate::yaml::too_deep_message()).into());
    }
    // Front matter starts on line 2, after the opening `---`.
    let folder_line = front.lines().position(|l| l.starts_with("folder:")).map_or(2, |i| i + 2);
    let front: Option<FrontMatter> = match serde_yaml::from_str(front) {
        Ok(f) => Some(f),
        Err(e) => {
            // Front matter starts on line 2, after the opening `---`.
            let (line, column) = e.location().map_or((1, 1), |l| (l.line() + 1, l.column()));
            problems.push(Diagnostic::new(path, line, column, format!("front matter: {}", yaml_message(&e))));
            None
        }
    };

    let body = &text[body_start..];
    let sections = sections(path, body, body_start, &index, &mut problems);
    let intro_end = sections.first().map_or(body.len(), |s| s.heading_start - body_start);
    let intro = body[..intro_end].trim().to_owned();

    let mut steps: Vec<Step> = Vec::new();
    for section in sections {
        if let Some(first) = steps.iter().find(|s| s.id == section.step.id) {
            problems.push(Diagnostic::new(
                path,
                section.step.line,
                1,
                format!(
                    "step id `{}` is used twice (first on line {}); step ids must be unique within a lesson",
                    section.step.id, first.line
                ),
            ));
        }
        steps.push(section.step);
    }
    if steps.is_empty() && problems.is_empty() {
        problems.push(Diagnostic::new(
            path,
            index.line_col(body_start).0,
            1,
            "this lesson has no steps: add a `## Title {#step-id}` heading for each step",
        ));
    }

    let Some(front) = front else {
        return Err(problems);
    };
    if let Some(folder) = &front.folder {
        let under_home = folder.strip_prefix("~/").is_some_and(|rest| {
            !rest.is_empty() && rest.split('/').all(|part| !part.is_empty() && part != "." && part != "..")
        });
        if !under_home {
            problems.push(Diagnostic::new(
                path,
                folder_line,
                1,
                format!("`folder: {folder}` must be a folder under the learner's home, like `~/dockerlearn/shop` (no `.` or `..` parts)"),
            ));
        }
    }
    let id = front.id.unwrap_or_else(|| fallback_id.to_owned());
    problems.into_result(Lesson {
        id,
        title: front.title,
        objectives: front.objectives,
        minutes: front.minutes,
        images: front.images,
        continues: front.continues,
        folder: front.folder,
        intro,
        steps,
    })
}

/// Where a partial diagnostic's path is filled in later.
trait WithPath {
    fn with_path(self, path: &str) -> Diagnostic;
}

impl WithPath for (usize, usize, String) {
    fn with_path(self, path: &str) -> Diagnostic {
        Diagnostic::new(path, self.0, self.1, self.2)
    }
}

fn split_front_matter(text: &str) -> Result<(&str, usize), (usize, usize, String)> {
    let missing =
        "a lesson starts with front matter: a `---` line, YAML with at least `title:`, and another `---` line";
    let Some(rest) = text.strip_prefix("---\n").or_else(|| text.strip_prefix("---\r\n")) else {
        return Err((1, 1, missing.to_owned()));
    };
    let mut offset = text.len() - rest.len();
    for line in rest.split_inclusive('\n') {
        if line.trim_end() == "---" {
            let yaml_end = offset;
            return Ok((&text[text.len() - rest.len()..yaml_end], offset + line.len()));
        }
        offset += line.len();
    }
    Err((1, 1, "the front matter opened on line 1 is never closed: add a `---` line after it".to_owned()))
}

pub(crate) use crate::yaml::message as yaml_message;

struct Section {
    heading_start: usize,
    step: Step,
}

#[derive(Debug, PartialEq, Clone, Copy)]
enum Part {
    Body,
    Hint,
    Solution,
}

/// A part of the current step: its kind and the byte range of its text.
struct PartRange {
    part: Part,
    start: usize,
    end: Option<usize>,
}

/// Walks the body once, cutting it at `##` headings into steps and at `### Hint` /
/// `### Solution` headings into their parts.
fn sections(path: &str, body: &str, base: usize, index: &LineIndex, problems: &mut Diagnostics) -> Vec<Section> {
    let at = |offset: usize| index.line_col(base + offset);
    let mut out: Vec<Section> = Vec::new();
    let mut parts: Vec<PartRange> = Vec::new();
    let mut blocks: Vec<(usize, FenceInfo, String)> = Vec::new();
    let mut heading: Option<(HeadingLevel, usize, Option<String>, Vec<String>)> = None;
    let mut heading_text = String::new();
    let mut code: Option<(FenceInfo, String, usize)> = None;

    for (event, range) in Parser::new_ext(body, markdown_options()).into_offset_iter() {
        match event {
            Event::Start(Tag::Heading { level, id, classes, .. }) => {
                heading = Some((
                    level,
                    range.start,
                    id.map(|s| s.to_string()),
                    classes.iter().map(|c| c.to_string()).collect(),
                ));
                heading_text.clear();
            }
            Event::End(TagEnd::Heading(_)) => {
                let Some((level, start, id, classes)) = heading.take() else {
                    continue;
                };
                let title = heading_text.trim().to_owned();
                let (line, column) = at(start);
                let mut problem = |message: String| {
                    problems.push(Diagnostic::new(path, line, column, message));
                };
                match level {
                    HeadingLevel::H2 => {
                        close_step(body, out.last_mut(), &mut parts, &mut blocks, start);
                        let id = match id {
                            Some(id) if is_valid_id(&id) => id,
                            Some(id) => {
                                problem(format!("step id `{id}` may use only lowercase letters, digits and `-`"));
                                id
                            }
                            None => {
                                problem(format!(
                                    "step heading `{title}` needs an id: write `## {title} {{#{}}}`",
                                    slug(&title)
                                ));
                                slug(&title)
                            }
                        };
                        for class in classes.iter().filter(|c| !matches!(c.as_str(), "read" | "network")) {
                            problem(format!(
                                "unknown step class `.{class}`: use `.read` (a reading-only step) or `.network` (the step downloads)"
                            ));
                        }
                        out.push(Section {
                            heading_start: base + start,
                            step: Step {
                                id,
                                title,
                                body: String::new(),
                                commands: Vec::new(),
                                hints: Vec::new(),
                                solution: None,
                                reading_only: classes.iter().any(|c| c == "read"),
                                needs_network: classes.iter().any(|c| c == "network"),
                                line,
                            },
                        });
                        parts.push(PartRange { part: Part::Body, start: range.end, end: None });
                    }
                    HeadingLevel::H3 if !out.is_empty() => {
                        let lower = title.to_lowercase();
                        let part = if lower == "hint" || lower.starts_with("hint ") {
                            Part::Hint
                        } else if lower == "solution" {
                            Part::Solution
                        } else {
                            continue;
                        };
                        if part == Part::Solution && parts.iter().any(|p| p.part == Part::Solution) {
                            problem("this step already has a `### Solution`: merge the two".to_owned());
                        }
                        if let Some(previous) = parts.last_mut() {
                            previous.end = Some(start);
                        }
                        parts.push(PartRange { part, start: range.end, end: None });
                    }
                    _ => {}
                }
            }
            Event::Text(t) | Event::Code(t) if heading.is_some() => heading_text.push_str(&t),
            Event::Start(Tag::CodeBlock(CodeBlockKind::Fenced(info))) => {
                if !fence_closed(&body[range.clone()]) {
                    let (line, column) = at(range.start);
                    problems.push(Diagnostic::new(
                        path,
                        line,
                        column,
                        "this code block is never closed: add a line with ``` after its last line",
                    ));
                }
                code = Some((FenceInfo::parse(&info), String::new(), range.start));
            }
            Event::Text(t) if code.is_some() => {
                if let Some((_, s, _)) = code.as_mut() {
                    s.push_str(&t);
                }
            }
            Event::End(TagEnd::CodeBlock) => {
                if let Some((info, text, start)) = code.take() {
                    let shell = matches!(info.language.as_str(), "sh" | "bash" | "shell" | "console");
                    if info.runnable && !shell {
                        let (line, column) = at(start);
                        problems.push(Diagnostic::new(
                            path,
                            line,
                            column,
                            format!("only shell blocks can be `run`: write ```sh run, not ```{} run", info.language),
                        ));
                    }
                    blocks.push((start, info, text));
                }
            }
            _ => {}
        }
    }
    close_step(body, out.last_mut(), &mut parts, &mut blocks, body.len());
    for section in &out {
        for (i, hint) in section.step.hints.iter().enumerate() {
            if hint.is_empty() {
                problems.push(Diagnostic::new(
                    path,
                    section.step.line,
                    1,
                    format!(
                        "hint {} of step `{}` is empty: write the hint under its `### Hint` heading",
                        i + 1,
                        section.step.id
                    ),
                ));
            }
        }
    }
    out
}

/// Fills the step's body, hints and solution from the parts seen since its heading.
fn close_step(
    body: &str,
    section: Option<&mut Section>,
    parts: &mut Vec<PartRange>,
    blocks: &mut Vec<(usize, FenceInfo, String)>,
    end: usize,
) {
    if let Some(section) = section {
        for p in parts.iter() {
            let stop = p.end.unwrap_or(end).min(body.len());
            let start = p.start.min(stop);
            let text = body[start..stop].trim().to_owned();
            let commands: Vec<String> = blocks
                .iter()
                .filter(|(offset, info, _)| *offset >= start && *offset < stop && info.runnable)
                .flat_map(|(_, _, code)| crate::shell::split_commands(code))
                .collect();
            let step = &mut section.step;
            match p.part {
                Part::Body => {
                    step.body = text;
                    step.commands = commands;
                }
                Part::Hint => step.hints.push(text),
                Part::Solution => step.solution = Some(Solution { text, commands }),
            }
        }
    }
    parts.clear();
    blocks.clear();
}

/// Whether a fenced block's source ends with a closing fence of its own kind.
fn fence_closed(raw: &str) -> bool {
    let mut lines = raw.lines();
    let Some(open) = lines.next().map(str::trim_start) else {
        return true;
    };
    let marker = open.chars().next().unwrap_or('`');
    let width = open.chars().take_while(|&c| c == marker).count();
    lines.any(|l| {
        let l = l.trim();
        l.chars().take_while(|&c| c == marker).count() >= width && l.chars().all(|c| c == marker)
    })
}

pub(crate) fn is_valid_id(id: &str) -> bool {
    !id.is_empty()
        && id.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
        && !id.starts_with('-')
}

/// A suggested id for a title: `Run it again!` → `run-it-again`.
pub fn slug(title: &str) -> String {
    let mut s = String::new();
    for c in title.chars() {
        if c.is_ascii_alphanumeric() {
            s.push(c.to_ascii_lowercase());
        } else if !s.ends_with('-') && !s.is_empty() {
            s.push('-');
        }
    }
    s.trim_end_matches('-').to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn folder_is_one_under_the_learners_home() {
        let lesson = |front: &str| parse("l.md", "l", &format!("---\ntitle: T\n{front}---\n## Do {{#do}}\nx\n"));
        assert_eq!(lesson("folder: ~/dockerlearn/shop\n").unwrap().folder.as_deref(), Some("~/dockerlearn/shop"));
        assert_eq!(lesson("").unwrap().folder, None);
        for wrong in ["/tmp/shop", "shop", "~/", "~/dockerlearn/../etc", "~/a//b"] {
            let problems = lesson(&format!("folder: {wrong}\n")).unwrap_err().to_string();
            assert!(problems.contains(":3:1:") && problems.contains("under the learner's home"), "{wrong}: {problems}");
        }
    }

    #[test]
    fn continues_is_read_from_the_front_matter_and_must_be_a_boolean() {
        let lesson = |front: &str| parse("l.md", "l", &format!("---\ntitle: T\n{front}---\n## Do {{#do}}\nx\n"));
        assert!(!lesson("").unwrap().continues);
        assert!(lesson("continues: true\n").unwrap().continues);
        let problems = lesson("continues: later\n").unwrap_err().to_string();
        assert!(problems.starts_with("l.md:3:"), "{problems}");
        assert!(problems.contains("expected a boolean"), "{problems}");
    }
}
