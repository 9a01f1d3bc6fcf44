//! The learner's progress: which steps passed, where they are, when each step began.
//! A versioned JSON file in the user's data directory, written atomically (temp file +
//! rename) after every change. Ids the course no longer has are kept and ignored; a file
//! that cannot be read is set aside with a message, never silently lost.

use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::{SystemTime, UNIX_EPOCH};

pub const FORMAT_VERSION: u32 = 1;
const FILE_NAME: &str = "progress.json";

/// Unix time in nanoseconds: the one clock progress and events are compared on.
pub fn now() -> i64 {
    SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |d| d.as_nanos() as i64)
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Progress {
    pub format_version: u32,
    /// By course id, so an instructor's course does not overwrite the built-in one's.
    #[serde(default)]
    pub courses: BTreeMap<String, CourseProgress>,
}

impl Default for Progress {
    fn default() -> Self {
        Progress { format_version: FORMAT_VERSION, courses: BTreeMap::new() }
    }
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct CourseProgress {
    /// Where the learner is.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub current: Option<Cursor>,
    #[serde(default)]
    pub lessons: BTreeMap<String, LessonProgress>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Cursor {
    pub lesson: String,
    pub step: String,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct LessonProgress {
    /// Steps whose checkpoint passed (or reading steps that were read).
    #[serde(default)]
    pub passed: BTreeSet<String>,
    /// Steps the learner moved past without passing.
    #[serde(default, skip_serializing_if = "BTreeSet::is_empty")]
    pub skipped: BTreeSet<String>,
    /// When each step was last begun, Unix nanoseconds: events count from here.
    #[serde(default)]
    pub started: BTreeMap<String, i64>,
}

impl CourseProgress {
    pub fn lesson(&self, id: &str) -> Option<&LessonProgress> {
        self.lessons.get(id)
    }
    pub fn lesson_mut(&mut self, id: &str) -> &mut LessonProgress {
        self.lessons.entry(id.to_owned()).or_default()
    }
    pub fn passed(&self, lesson: &str, step: &str) -> bool {
        self.lesson(lesson).is_some_and(|l| l.passed.contains(step))
    }
    /// The first step of `lesson` not yet passed (the first step if all are).
    pub fn first_open_step(&self, lesson: &crate::lesson::Lesson) -> usize {
        lesson.steps.iter().position(|s| !self.passed(&lesson.id, &s.id)).unwrap_or(0)
    }

    pub fn started(&self, lesson: &str, step: &str) -> Option<i64> {
        self.lesson(lesson).and_then(|l| l.started.get(step).copied())
    }

    /// Folds in what another writer (a `check` from a second terminal) recorded:
    /// passes are never lost; this side's cursor and start times win.
    pub fn merge_from(&mut self, other: &CourseProgress) {
        for (id, theirs) in &other.lessons {
            let mine = self.lesson_mut(id);
            mine.passed.extend(theirs.passed.iter().cloned());
            for (step, t) in &theirs.started {
                mine.started.entry(step.clone()).or_insert(*t);
            }
            for s in &theirs.skipped {
                if !mine.passed.contains(s) {
                    mine.skipped.insert(s.clone());
                }
            }
        }
        for lesson in self.lessons.values_mut() {
            let passed = lesson.passed.clone();
            lesson.skipped.retain(|s| !passed.contains(s));
        }
        if self.current.is_none() {
            self.current = other.current.clone();
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum ProgressError {
    #[error(
        "{} was written by a newer dockerlearn (format {found}, this one reads up to {FORMAT_VERSION}).\nUpgrade dockerlearn, or use another data directory with --data-dir.",
        path.display()
    )]
    Newer { path: PathBuf, found: u32 },
    #[error("could not {action} {}: {source}", path.display())]
    Io { action: &'static str, path: PathBuf, source: std::io::Error },
}

/// The progress file and how to read and write it.
#[derive(Debug, Clone)]
pub struct Store {
    dir: PathBuf,
}

/// What loading found, with a message when a damaged file was set aside.
pub struct Loaded {
    pub progress: Progress,
    pub notice: Option<String>,
}

impl Store {
    pub fn new(dir: PathBuf) -> Store {
        Store { dir }
    }

    /// The platform's data directory (XDG on Linux), or `dir` when given.
    pub fn default_dir() -> Option<PathBuf> {
        directories::ProjectDirs::from("org", "dockerlearn", "dockerlearn").map(|d| d.data_dir().to_path_buf())
    }

    pub fn dir(&self) -> &Path {
        &self.dir
    }

    pub fn path(&self) -> PathBuf {
        self.dir.join(FILE_NAME)
    }

    pub fn load(&self) -> Result<Loaded, ProgressError> {
        let path = self.path();
        let bytes = match std::fs::read(&path) {
            Ok(b) => b,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                return Ok(Loaded { progress: Progress::default(), notice: None });
            }
            Err(source) => {
                return Err(ProgressError::Io { action: "read", path, source });
            }
        };
        #[derive(Deserialize)]
        struct Version {
            format_version: u32,
        }
        if let Ok(Version { format_version }) = serde_json::from_slice::<Version>(&bytes) {
            if format_version > FORMAT_VERSION {
                return Err(ProgressError::Newer { path, found: format_version });
            }
        }
        match serde_json::from_slice::<Progress>(&bytes) {
            Ok(progress) => Ok(Loaded { progress, notice: None }),
            Err(e) => {
                let aside = self.dir.join(format!("{FILE_NAME}.corrupt-{}", now() / 1_000_000_000));
                std::fs::rename(&path, &aside).map_err(|source| ProgressError::Io {
                    action: "set aside",
                    path: path.clone(),
                    source,
                })?;
                Ok(Loaded {
                    progress: Progress::default(),
                    notice: Some(format!(
                        "Your progress file could not be read ({e}), so it was set aside as {} and you start afresh.\nNothing was deleted: the file is still there if you want to repair it.",
                        aside.display()
                    )),
                })
            }
        }
    }

    /// Writes atomically: a reader sees the old file or the new one, never half of one.
    pub fn save(&self, progress: &Progress) -> Result<(), ProgressError> {
        let path = self.path();
        let io = |action: &'static str| {
            let path = path.clone();
            move |source| ProgressError::Io { action, path, source }
        };
        std::fs::create_dir_all(&self.dir).map_err(io("create the directory for"))?;
        let tmp = self.dir.join(format!(".{FILE_NAME}.{}.tmp", std::process::id()));
        let mut json = serde_json::to_vec_pretty(progress).expect("progress serialises");
        json.push(b'\n');
        let mut f = std::fs::File::create(&tmp).map_err(io("write"))?;
        f.write_all(&json).map_err(io("write"))?;
        f.sync_all().map_err(io("write"))?;
        drop(f);
        std::fs::rename(&tmp, &path).map_err(io("replace"))?;
        Ok(())
    }

    /// Load, change, save: the way every writer records progress, so two terminals
    /// working on the same course do not undo each other.
    pub fn update(&self, course: &str, change: impl FnOnce(&mut CourseProgress)) -> Result<Progress, ProgressError> {
        let mut progress = self.load()?.progress;
        change(progress.courses.entry(course.to_owned()).or_default());
        progress.format_version = FORMAT_VERSION;
        self.save(&progress)?;
        Ok(progress)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip_and_unknown_fields_ignored() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::new(dir.path().join("sub"));
        assert_eq!(store.load().unwrap().progress, Progress::default());
        let saved = store
            .update("basics", |c| {
                c.lesson_mut("hello-world").passed.insert("run-it".into());
                c.current = Some(Cursor { lesson: "hello-world".into(), step: "name-it".into() });
            })
            .unwrap();
        assert_eq!(store.load().unwrap().progress, saved);
        let text = std::fs::read_to_string(store.path()).unwrap().replace("\"courses\"", "\"future\": 1, \"courses\"");
        std::fs::write(store.path(), text).unwrap();
        assert_eq!(store.load().unwrap().progress, saved);
    }

    #[test]
    fn corrupt_file_is_set_aside_not_lost() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::new(dir.path().to_path_buf());
        std::fs::write(store.path(), "{\"format_version\": 1, \"courses\": {").unwrap();
        let loaded = store.load().unwrap();
        let notice = loaded.notice.unwrap();
        assert!(notice.contains("set aside"), "{notice}");
        assert_eq!(loaded.progress, Progress::default());
        let aside: Vec<_> = std::fs::read_dir(dir.path()).unwrap().map(|e| e.unwrap().file_name()).collect();
        assert_eq!(aside.len(), 1);
        assert!(aside[0].to_string_lossy().starts_with("progress.json.corrupt-"));
    }

    #[test]
    fn newer_format_is_refused_and_left_alone() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::new(dir.path().to_path_buf());
        std::fs::write(store.path(), "{\"format_version\": 9}").unwrap();
        let err = store.load().err().unwrap();
        assert!(err.to_string().contains("newer dockerlearn"), "{err}");
        assert!(store.path().exists());
    }

    #[test]
    fn merge_keeps_every_pass() {
        let mut mine = CourseProgress::default();
        mine.lesson_mut("a").skipped.insert("s2".into());
        let mut theirs = CourseProgress::default();
        theirs.lesson_mut("a").passed.insert("s2".into());
        theirs.lesson_mut("b").passed.insert("s1".into());
        mine.merge_from(&theirs);
        assert!(mine.passed("a", "s2") && mine.passed("b", "s1"));
        assert!(mine.lesson("a").unwrap().skipped.is_empty());
    }
}
