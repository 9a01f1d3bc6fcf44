//! The learner's progress: which steps passed, where they are, when each step began.
//! A versioned JSON file in the user's data directory, written atomically (a temp file
//! in the same directory, then renamed) after every change.
//!
//! Any number of processes may record progress at once (a prompt, `check` from other
//! terminals, a classroom client): every read-modify-write holds an advisory lock on a
//! lock file beside it, so no writer undoes another's. Readers need no lock, as the
//! rename means they see the old file or the new one, never half of one.
//!
//! Ids the course no longer has, and fields a later dockerlearn of the same format adds,
//! are kept. A file that cannot be read (damaged, not a regular file, far too big) is
//! set aside with a message, never silently lost, and never read without bound.

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use std::collections::{BTreeMap, BTreeSet};
use std::fs::{File, OpenOptions};
use std::io::{Read, Write};
use std::os::unix::fs::{FileTypeExt, OpenOptionsExt};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

pub const FORMAT_VERSION: u32 = 1;
const FILE_NAME: &str = "progress.json";
/// Held (flock) around every read-modify-write; never removed, so every writer locks
/// the same inode.
const LOCK_NAME: &str = ".progress.json.lock";
/// Temp files are `.progress.json.<random>.tmp`, renamed over the file once written.
const TEMP_PREFIX: &str = ".progress.json.";
const TEMP_SUFFIX: &str = ".tmp";
/// A temp file this old belongs to a writer that died before renaming it.
const STALE_AFTER: Duration = Duration::from_secs(60);
/// A progress file is a few kilobytes; one this big is not one.
const MAX_BYTES: u64 = 16 << 20;
/// How long a writer waits for another to finish before giving up with a message.
const LOCK_WAIT: Duration = Duration::from_secs(30);

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
    /// Fields this version does not know, written back as they were.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

impl Default for Progress {
    fn default() -> Self {
        Progress { format_version: FORMAT_VERSION, courses: BTreeMap::new(), extra: Map::new() }
    }
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct CourseProgress {
    /// Where the learner is.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub current: Option<Cursor>,
    #[serde(default)]
    pub lessons: BTreeMap<String, LessonProgress>,
    #[serde(flatten)]
    pub extra: Map<String, Value>,
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
    #[serde(flatten)]
    pub extra: Map<String, Value>,
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
    /// passes are never lost; this side's cursor, start times and fields win.
    pub fn merge_from(&mut self, other: &CourseProgress) {
        keep_missing(&mut self.extra, &other.extra);
        for (id, theirs) in &other.lessons {
            let mine = self.lesson_mut(id);
            keep_missing(&mut mine.extra, &theirs.extra);
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

/// Adds the fields `mine` lacks from `theirs`.
fn keep_missing(mine: &mut Map<String, Value>, theirs: &Map<String, Value>) {
    for (k, v) in theirs {
        mine.entry(k.clone()).or_insert_with(|| v.clone());
    }
}

#[derive(Debug, thiserror::Error)]
pub enum ProgressError {
    #[error(
        "{} was written by a newer dockerlearn (format {found}, this one reads up to {FORMAT_VERSION}).\nUpgrade dockerlearn, or use another data directory with --data-dir.",
        path.display()
    )]
    Newer { path: PathBuf, found: u32 },
    /// The cause is part of the message (and not a `source`), so it is printed once.
    #[error("could not {action} {}: {cause}", path.display())]
    Io { action: &'static str, path: PathBuf, cause: std::io::Error },
    #[error(
        "another dockerlearn has been writing {} for {} s without finishing, so this one gave up.\nIf no other dockerlearn is running (or one is stopped, e.g. with Ctrl-Z), resume or end it and try again.",
        path.display(),
        LOCK_WAIT.as_secs()
    )]
    Locked { path: PathBuf },
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

/// What one look at the file found.
enum Found {
    Missing,
    Parsed(Progress),
    /// It is there but is no progress file this version can use: why.
    Unusable(String),
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

    fn io(&self, action: &'static str) -> impl FnOnce(std::io::Error) -> ProgressError {
        let path = self.path();
        move |cause| ProgressError::Io { action, path, cause }
    }

    /// Reads the progress; a file that cannot be used is set aside (under the lock, after
    /// a second look: a writer may have just replaced it) and loading starts afresh.
    pub fn load(&self) -> Result<Loaded, ProgressError> {
        let fresh = || Ok(Loaded { progress: Progress::default(), notice: None });
        match self.read()? {
            Found::Missing => return fresh(),
            Found::Parsed(progress) => return Ok(Loaded { progress, notice: None }),
            Found::Unusable(_) => {}
        }
        let _lock = self.lock()?;
        match self.read()? {
            Found::Missing => fresh(),
            Found::Parsed(progress) => Ok(Loaded { progress, notice: None }),
            Found::Unusable(why) => {
                let aside = self.set_aside()?;
                Ok(Loaded {
                    progress: Progress::default(),
                    notice: Some(format!(
                        "Your progress file could not be read ({why}), so it was set aside as {} and you start afresh.\nNothing was deleted: the file is still there if you want to repair it.",
                        aside.display()
                    )),
                })
            }
        }
    }

    /// One look at the file, in bounded time and memory whatever is at its path: the
    /// type is checked before opening (a FIFO or a device is never read), the open does
    /// not block, and at most `MAX_BYTES` are read.
    fn read(&self) -> Result<Found, ProgressError> {
        use std::io::ErrorKind::{NotADirectory, NotFound};
        let path = self.path();
        let meta = match std::fs::metadata(&path) {
            Ok(m) => m,
            // A data directory under a regular file holds no progress yet; writing says why not.
            Err(e) if matches!(e.kind(), NotFound | NotADirectory) => return Ok(Found::Missing),
            Err(cause) => return Err(ProgressError::Io { action: "read", path, cause }),
        };
        if let Some(why) = unusable(&meta) {
            return Ok(Found::Unusable(why));
        }
        let file = match OpenOptions::new().read(true).custom_flags(libc::O_NONBLOCK).open(&path) {
            Ok(f) => f,
            Err(e) if e.kind() == NotFound => return Ok(Found::Missing),
            Err(cause) => return Err(ProgressError::Io { action: "read", path, cause }),
        };
        // Swapped between the look and the open?
        if let Some(why) = file.metadata().ok().as_ref().and_then(unusable) {
            return Ok(Found::Unusable(why));
        }
        let mut bytes = Vec::new();
        file.take(MAX_BYTES + 1).read_to_end(&mut bytes).map_err(self.io("read"))?;
        if bytes.len() as u64 > MAX_BYTES {
            return Ok(Found::Unusable(format!("it holds more than {} MB", MAX_BYTES >> 20)));
        }
        #[derive(Deserialize)]
        struct Version {
            format_version: u32,
        }
        if let Ok(Version { format_version }) = serde_json::from_slice::<Version>(&bytes) {
            if format_version > FORMAT_VERSION {
                return Err(ProgressError::Newer { path, found: format_version });
            }
        }
        Ok(match serde_json::from_slice::<Progress>(&bytes) {
            Ok(p) => Found::Parsed(p),
            Err(e) => Found::Unusable(e.to_string()),
        })
    }

    /// Renames the file to a name no earlier set-aside copy has. Called under the lock,
    /// so no other writer picks the same name between the look and the rename.
    fn set_aside(&self) -> Result<PathBuf, ProgressError> {
        let stem = format!("{FILE_NAME}.corrupt-{}", now() / 1_000_000_000);
        let aside = (1..)
            .map(|n| self.dir.join(if n == 1 { stem.clone() } else { format!("{stem}-{n}") }))
            .find(|p| std::fs::symlink_metadata(p).is_err())
            .expect("an unused name");
        std::fs::rename(self.path(), &aside).map_err(self.io("set aside"))?;
        Ok(aside)
    }

    /// Takes the writers' lock, waiting for another writer to finish (a few
    /// milliseconds) but not forever. Released when the returned file is dropped.
    fn lock(&self) -> Result<File, ProgressError> {
        std::fs::create_dir_all(&self.dir).map_err(self.io("create the directory for"))?;
        let path = self.dir.join(LOCK_NAME);
        let io = |cause| ProgressError::Io { action: "lock", path: path.clone(), cause };
        // Non-blocking open: a FIFO put in its place makes an error, not a hang.
        let file = OpenOptions::new()
            .read(true)
            .write(true)
            .create(true)
            .truncate(false)
            .custom_flags(libc::O_NONBLOCK)
            .open(&path)
            .map_err(io)?;
        let deadline = Instant::now() + LOCK_WAIT;
        let mut pause = Duration::from_millis(1);
        loop {
            match rustix::fs::flock(&file, rustix::fs::FlockOperation::NonBlockingLockExclusive) {
                Ok(()) => return Ok(file),
                Err(e) if e == rustix::io::Errno::WOULDBLOCK && Instant::now() < deadline => {
                    std::thread::sleep(pause);
                    pause = (pause * 2).min(Duration::from_millis(20));
                }
                Err(e) if e == rustix::io::Errno::WOULDBLOCK => {
                    return Err(ProgressError::Locked { path: self.path() });
                }
                Err(e) => return Err(io(e.into())),
            }
        }
    }

    /// Writes atomically, under the lock: a reader sees the old file or the new one.
    fn write(&self, progress: &Progress) -> Result<(), ProgressError> {
        let mut json = serde_json::to_vec_pretty(progress).expect("progress serialises");
        json.push(b'\n');
        let mut tmp = tempfile::Builder::new()
            .prefix(TEMP_PREFIX)
            .suffix(TEMP_SUFFIX)
            .tempfile_in(&self.dir)
            .map_err(self.io("write"))?;
        tmp.write_all(&json).map_err(self.io("write"))?;
        tmp.as_file().sync_all().map_err(self.io("write"))?;
        tmp.persist(self.path()).map_err(|e| self.io("replace")(e.error))?;
        // The rename itself reaches the disk with the directory.
        if let Ok(dir) = File::open(&self.dir) {
            let _ = dir.sync_all();
        }
        Ok(())
    }

    /// Removes temp files that writers which died mid-write left behind. Only ours (by
    /// name), and only old ones, though under the lock no live writer has one open.
    fn clean_stale_temp_files(&self) {
        let Ok(entries) = std::fs::read_dir(&self.dir) else { return };
        for entry in entries.flatten() {
            let name = entry.file_name();
            let name = name.to_string_lossy();
            if !(name.starts_with(TEMP_PREFIX) && name.ends_with(TEMP_SUFFIX)) {
                continue;
            }
            let old = entry
                .metadata()
                .ok()
                .filter(std::fs::Metadata::is_file)
                .and_then(|m| m.modified().ok())
                .and_then(|t| t.elapsed().ok())
                .is_some_and(|age| age > STALE_AFTER);
            if old {
                let _ = std::fs::remove_file(entry.path());
            }
        }
    }

    /// Load, change, save, holding the writers' lock throughout: the one way progress is
    /// recorded, so any number of terminals and processes never undo each other. A file
    /// that cannot be read is set aside first, as `load` does.
    pub fn update(&self, course: &str, change: impl FnOnce(&mut CourseProgress)) -> Result<Progress, ProgressError> {
        let _lock = self.lock()?;
        self.clean_stale_temp_files();
        let mut progress = match self.read()? {
            Found::Missing => Progress::default(),
            Found::Parsed(p) => p,
            Found::Unusable(_) => {
                self.set_aside()?;
                Progress::default()
            }
        };
        change(progress.courses.entry(course.to_owned()).or_default());
        progress.format_version = FORMAT_VERSION;
        self.write(&progress)?;
        Ok(progress)
    }
}

/// Why a file with this metadata is not read as a progress file.
fn unusable(meta: &std::fs::Metadata) -> Option<String> {
    let t = meta.file_type();
    let what = if t.is_file() {
        if meta.len() > MAX_BYTES {
            return Some(format!("it holds {} MB, more than a progress file ever does", meta.len() >> 20));
        }
        return None;
    } else if t.is_dir() {
        "a directory"
    } else if t.is_fifo() {
        "a FIFO"
    } else if t.is_socket() {
        "a socket"
    } else if t.is_char_device() || t.is_block_device() {
        "a device"
    } else {
        "not a file"
    };
    Some(format!("it is {what}, not a regular file"))
}

#[cfg(test)]
mod tests;
