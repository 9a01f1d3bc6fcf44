//! A course: the manifest (`lessons/course.yaml`), its lessons and their checks, loaded
//! from the copy embedded in the binary or from a directory (`--lessons DIR`), and
//! checked for consistency: every checked step has a checkpoint and every checkpoint a step.

use crate::check::{self, Checkpoint, ChecksFile};
use crate::diagnostic::{Diagnostic, Diagnostics};
use crate::lesson::{self, Lesson};
use serde::Deserialize;
use std::path::{Path, PathBuf};

/// The newest manifest format this build reads.
pub const FORMAT_VERSION: u32 = 1;
pub const MANIFEST: &str = "lessons/course.yaml";

mod embedded {
    include!(concat!(env!("OUT_DIR"), "/embedded.rs"));
}

/// The largest course file read: lessons are pages of prose, not data.
pub const MAX_FILE_BYTES: u64 = 4 * 1024 * 1024;

/// Where course files come from.
pub trait CourseFiles {
    /// The text of a file, by its path relative to the course root (`lessons/x.md`):
    /// `None` when there is no such file, a located problem when it cannot be read as
    /// text (not UTF-8, not a regular file, too large, unreadable).
    fn read(&self, rel: &str) -> Result<Option<String>, Diagnostic>;
    /// File names directly inside a directory of the course (`lessons`).
    fn list(&self, dir: &str) -> Vec<String>;
    /// How to name a file in messages.
    fn display(&self, rel: &str) -> String;
}

/// The course compiled into the binary.
pub struct Embedded;

impl CourseFiles for Embedded {
    fn read(&self, rel: &str) -> Result<Option<String>, Diagnostic> {
        Ok(embedded::FILES.iter().find(|(p, _)| *p == rel).map(|(_, t)| (*t).to_owned()))
    }
    fn list(&self, dir: &str) -> Vec<String> {
        let prefix = format!("{dir}/");
        embedded::FILES.iter().filter_map(|(p, _)| p.strip_prefix(&prefix)).map(str::to_owned).collect()
    }
    fn display(&self, rel: &str) -> String {
        rel.to_owned()
    }
}

/// A course directory: `DIR/lessons/course.yaml`, `DIR/lessons/*.md`, `DIR/checks/*.yaml`.
pub struct Directory(pub PathBuf);

impl CourseFiles for Directory {
    fn read(&self, rel: &str) -> Result<Option<String>, Diagnostic> {
        use std::io::Read;
        let path = self.0.join(rel);
        let shown = self.display(rel);
        let problem = |message: String| Diagnostic::whole_file(&shown, message);
        let meta = match std::fs::metadata(&path) {
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
            Err(e) => return Err(problem(format!("this file cannot be read: {e}"))),
            Ok(m) => m,
        };
        if !meta.is_file() {
            return Err(problem("this is not a regular file: a course file must be a plain text file".into()));
        }
        if meta.len() > MAX_FILE_BYTES {
            return Err(problem(format!(
                "this file is {} bytes, larger than the {} a course file may be: split it",
                meta.len(),
                MAX_FILE_BYTES
            )));
        }
        let mut bytes = Vec::new();
        let file = std::fs::File::open(&path).map_err(|e| problem(format!("this file cannot be read: {e}")))?;
        file.take(MAX_FILE_BYTES + 1)
            .read_to_end(&mut bytes)
            .map_err(|e| problem(format!("this file cannot be read: {e}")))?;
        String::from_utf8(bytes).map(Some).map_err(|e| {
            let good = &e.as_bytes()[..e.utf8_error().valid_up_to()];
            let line = good.iter().filter(|&&b| b == b'\n').count() + 1;
            let column = good.iter().rev().take_while(|&&b| b != b'\n').count() + 1;
            Diagnostic::new(
                &shown,
                line,
                column,
                "this file is not UTF-8 text (an invalid byte is here): save it as UTF-8",
            )
        })
    }
    fn list(&self, dir: &str) -> Vec<String> {
        let mut names: Vec<String> = std::fs::read_dir(self.0.join(dir))
            .map(|r| r.filter_map(|e| e.ok()).map(|e| e.file_name().to_string_lossy().into_owned()).collect())
            .unwrap_or_default();
        names.sort();
        names
    }
    fn display(&self, rel: &str) -> String {
        self.0.join(rel).display().to_string()
    }
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Manifest {
    #[allow(dead_code)]
    format_version: u32,
    id: String,
    title: String,
    #[serde(default)]
    welcome: String,
    lessons: Vec<String>,
}

/// A lesson with its checkpoints.
#[derive(Debug, Clone)]
pub struct CourseLesson {
    pub lesson: Lesson,
    pub checks: ChecksFile,
    /// The lesson file, for messages.
    pub path: String,
}

impl CourseLesson {
    pub fn checkpoint(&self, step: usize) -> Option<&Checkpoint> {
        let step = self.lesson.steps.get(step)?;
        self.checks.checkpoints.get(&step.id)
    }
}

#[derive(Debug, Clone)]
pub struct Course {
    pub id: String,
    pub title: String,
    pub welcome: String,
    pub lessons: Vec<CourseLesson>,
    /// `built-in` or the directory it came from.
    pub origin: String,
}

impl Course {
    pub fn find(&self, id: &str) -> Option<usize> {
        self.lessons.iter().position(|l| l.lesson.id == id)
    }

    /// A lesson by id (`volumes`) or by its number in the course (`6`).
    pub fn find_by_name(&self, name: &str) -> Option<usize> {
        self.find(name).or_else(|| {
            let n: usize = name.parse().ok()?;
            (1..=self.lessons.len()).contains(&n).then(|| n - 1)
        })
    }
}

/// The file of lesson `id`: `id.md` or `NN-id.md`.
fn lesson_file(names: &[String], id: &str) -> Option<String> {
    names
        .iter()
        .find(|n| {
            let Some(stem) = n.strip_suffix(".md") else {
                return false;
            };
            stem == id
                || stem.split_once('-').is_some_and(|(num, rest)| num.chars().all(|c| c.is_ascii_digit()) && rest == id)
        })
        .cloned()
}

/// Loads a course and checks that its parts agree. Returns every problem found.
pub fn load(files: &dyn CourseFiles, origin: &str) -> Result<Course, Diagnostics> {
    let (course, problems) = load_partial(files, origin);
    match course {
        Some(course) if problems.is_empty() => Ok(course),
        _ => Err(problems),
    }
}

/// Loads what can be loaded: the course with the lessons that parsed (none when the
/// manifest itself is broken), and every problem found on the way. `lint` uses it to
/// check the healthy lessons of a course that also has broken ones.
pub fn load_partial(files: &dyn CourseFiles, origin: &str) -> (Option<Course>, Diagnostics) {
    match load_inner(files, origin) {
        Ok(pair) => (Some(pair.0), pair.1),
        Err(problems) => (None, problems),
    }
}

fn load_inner(files: &dyn CourseFiles, origin: &str) -> Result<(Course, Diagnostics), Diagnostics> {
    let manifest_path = files.display(MANIFEST);
    let Some(text) = files.read(MANIFEST)? else {
        return Err(Diagnostic::whole_file(
            &manifest_path,
            "no course manifest here: a course directory holds lessons/course.yaml, lessons/*.md and checks/*.yaml (`dockerlearn new` makes one)",
        )
        .into());
    };
    let manifest = parse_manifest(&manifest_path, &text)?;
    let mut problems = Diagnostics::default();
    let names = files.list("lessons");
    let mut lessons = Vec::new();
    for (i, id) in manifest.lessons.iter().enumerate() {
        let nth = manifest.lessons[..i].iter().filter(|l| *l == id).count();
        let line = manifest_line(&text, id, nth);
        if manifest.lessons[..i].contains(id) {
            problems.push(Diagnostic::new(&manifest_path, line, 1, format!("lesson `{id}` is listed twice")));
            continue;
        }
        let Some(name) = lesson_file(&names, id) else {
            problems.push(Diagnostic::new(
                &manifest_path,
                line,
                1,
                format!("lesson `{id}` has no file: create lessons/{id}.md (or lessons/NN-{id}.md)"),
            ));
            continue;
        };
        let rel = format!("lessons/{name}");
        let path = files.display(&rel);
        let source = match files.read(&rel) {
            Ok(text) => text.unwrap_or_default(),
            Err(d) => {
                problems.push(d);
                continue;
            }
        };
        let lesson = match lesson::parse(&path, id, &source) {
            Ok(l) => l,
            Err(d) => {
                problems.extend(d);
                continue;
            }
        };
        if lesson.id != *id {
            problems.push(Diagnostic::new(
                &path,
                2,
                1,
                format!("front matter says `id: {}` but course.yaml lists this file as `{id}`", lesson.id),
            ));
        }
        let checks_rel = format!("checks/{id}.yaml");
        let checks_path = files.display(&checks_rel);
        let checks = match files.read(&checks_rel) {
            Ok(Some(t)) => match check::parse(&checks_path, &t) {
                Ok(c) => c,
                Err(d) => {
                    problems.extend(d);
                    continue;
                }
            },
            Ok(None) => ChecksFile::default(),
            Err(d) => {
                problems.push(d);
                continue;
            }
        };
        problems.extend(consistency(&lesson, &path, &checks, &checks_path));
        lessons.push(CourseLesson { lesson, checks, path });
    }
    for name in names.iter().filter(|n| n.ends_with(".md")) {
        if !manifest.lessons.iter().any(|id| lesson_file(std::slice::from_ref(name), id).is_some()) {
            problems.push(Diagnostic::whole_file(
                &files.display(&format!("lessons/{name}")),
                "this lesson is not in course.yaml: add its id to `lessons:` or move the file away",
            ));
        }
    }
    for name in files.list("checks").iter().filter(|n| n.ends_with(".yaml")) {
        let id = name.trim_end_matches(".yaml");
        if !manifest.lessons.iter().any(|l| l == id) {
            problems.push(Diagnostic::whole_file(
                &files.display(&format!("checks/{name}")),
                format!("no lesson `{id}` in course.yaml uses these checks"),
            ));
        }
    }
    let course = Course {
        id: manifest.id,
        title: manifest.title,
        welcome: manifest.welcome,
        lessons,
        origin: origin.to_owned(),
    };
    Ok((course, problems))
}

fn parse_manifest(path: &str, text: &str) -> Result<Manifest, Diagnostics> {
    #[derive(Deserialize)]
    struct VersionOnly {
        format_version: Option<u32>,
    }
    let located = |e: serde_yaml::Error| {
        let (line, column) = e.location().map_or((1, 1), |l| (l.line(), l.column()));
        Diagnostics::from(Diagnostic::new(path, line, column, crate::lesson::parse::yaml_message(&e)))
    };
    if let Some((line, column)) = crate::yaml::too_deep(text) {
        return Err(Diagnostic::new(path, line, column, crate::yaml::too_deep_message()).into());
    }
    match serde_yaml::from_str::<VersionOnly>(text).map_err(located)? {
        VersionOnly { format_version: None } => {
            return Err(Diagnostic::whole_file(
                path,
                format!("the manifest starts with `format_version: {FORMAT_VERSION}`"),
            )
            .into());
        }
        VersionOnly { format_version: Some(v) } if v > FORMAT_VERSION => {
            return Err(Diagnostic::whole_file(
                path,
                format!("this course has format_version {v}, and this dockerlearn reads up to {FORMAT_VERSION}: upgrade dockerlearn"),
            )
            .into());
        }
        _ => {}
    }
    serde_yaml::from_str(text).map_err(located)
}

/// The line of the `nth` (from 0) `- id` entry of the manifest.
fn manifest_line(text: &str, id: &str, nth: usize) -> usize {
    text.lines()
        .enumerate()
        .filter(|(_, l)| l.trim_start().strip_prefix('-').is_some_and(|r| r.trim() == id))
        .nth(nth)
        .map_or(1, |(i, _)| i + 1)
}

/// Steps and checkpoints must pair up one to one.
fn consistency(lesson: &Lesson, path: &str, checks: &ChecksFile, checks_path: &str) -> Diagnostics {
    let mut problems = Diagnostics::default();
    for step in &lesson.steps {
        let has = checks.checkpoints.contains_key(&step.id);
        if step.reading_only && has {
            problems.push(Diagnostic::new(
                path,
                step.line,
                1,
                format!(
                    "step `{}` is marked `.read` but {checks_path} has a checkpoint for it: remove one of the two",
                    step.id
                ),
            ));
        } else if !step.reading_only && !has {
            problems.push(Diagnostic::new(path, step.line, 1, format!(
                "step `{}` has no checkpoint: add `{}:` to {checks_path}, or mark the step reading-only with `{{#{} .read}}`",
                step.id, step.id, step.id
            )));
        }
    }
    for (id, cp) in &checks.checkpoints {
        if lesson.step_index(id).is_none() {
            problems.push(Diagnostic::new(
                checks_path,
                cp.line,
                1,
                format!(
                    "checkpoint `{id}` belongs to no step of lesson `{}`: is the step id spelled the same?",
                    lesson.id
                ),
            ));
        }
    }
    problems
}

/// Loads the built-in course, or the one in `dir`.
pub fn load_from(dir: Option<&Path>) -> Result<Course, Diagnostics> {
    match dir {
        None => load(&Embedded, "built-in"),
        Some(d) => load(&Directory(d.to_path_buf()), &d.display().to_string()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lesson_files_may_carry_a_number() {
        let names = vec!["01-install-check.md".to_owned(), "hello-world.md".to_owned(), "2x-a.md".to_owned()];
        assert_eq!(lesson_file(&names, "install-check").as_deref(), Some("01-install-check.md"));
        assert_eq!(lesson_file(&names, "hello-world").as_deref(), Some("hello-world.md"));
        assert_eq!(lesson_file(&names, "a"), None);
    }

    #[test]
    fn the_built_in_course_loads() {
        let course = load(&Embedded, "built-in").unwrap_or_else(|d| panic!("{d}"));
        assert!(course.lessons.len() >= 2);
        assert_eq!(course.lessons[0].lesson.id, "install-check");
    }

    #[test]
    fn a_file_that_is_not_text_is_named_for_what_it_is() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(dir.path().join("lessons")).unwrap();
        std::fs::write(dir.path().join("lessons/a.md"), b"---\ntitle: A\n---\nab\xffc\n").unwrap();
        let d = Directory(dir.path().to_path_buf()).read("lessons/a.md").unwrap_err();
        assert_eq!((d.line, d.column), (4, 3));
        assert!(d.message.contains("not UTF-8"), "{d}");
        assert_eq!(Directory(dir.path().to_path_buf()).read("lessons/none.md").unwrap(), None);
        let d = Directory(dir.path().to_path_buf()).read("lessons").unwrap_err();
        assert!(d.message.contains("not a regular file"), "{d}");
    }
}
