//! Starter files: a course may ship the files a lesson starts from in `files/LESSON/`
//! beside `lessons/`, so its steps need not paste heredocs. They are copied into the
//! learner's working folder when a step of the lesson begins. A file already there is
//! never overwritten: the learner may have changed it, and their work comes first.

use crate::course::Course;
use std::io::Write;
use std::path::{Path, PathBuf};

/// What copying a lesson's starter files did, as paths relative to the working folder.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Copied {
    pub written: Vec<PathBuf>,
    /// Already there with other contents: left as they are.
    pub kept: Vec<PathBuf>,
}

impl Copied {
    /// What to tell the learner; `None` when nothing new was written.
    pub fn notice(&self, lesson: &str) -> Option<String> {
        if self.written.is_empty() {
            return None;
        }
        let list = |paths: &[PathBuf]| paths.iter().map(|p| p.display().to_string()).collect::<Vec<_>>().join(", ");
        let mut s = format!("The lesson's starter files are in your folder: {}.", list(&self.written));
        if !self.kept.is_empty() {
            s.push_str(&format!(
                " Kept your own {} (the lesson's version is in the course's files/{lesson}/).",
                list(&self.kept)
            ));
        }
        Some(s)
    }
}

/// The folder of a lesson's starter files, when the course is a directory and has one.
pub fn source(course: &Course, lesson: &str) -> Option<PathBuf> {
    if course.origin == "built-in" {
        return None;
    }
    let dir = Path::new(&course.origin).join("files").join(lesson);
    dir.is_dir().then_some(dir)
}

/// Copies every file under `from` into `into`, keeping the layout. A file that exists
/// with the same contents is left silently; with other contents, it is kept and named.
pub fn copy(from: &Path, into: &Path) -> std::io::Result<Copied> {
    let mut copied = Copied::default();
    copy_dir(from, into, Path::new(""), &mut copied)?;
    Ok(copied)
}

fn copy_dir(from: &Path, into: &Path, relative: &Path, copied: &mut Copied) -> std::io::Result<()> {
    let mut entries: Vec<_> = std::fs::read_dir(from.join(relative))?.collect::<Result<_, _>>()?;
    entries.sort_by_key(|e| e.file_name());
    for entry in entries {
        let rel = relative.join(entry.file_name());
        if entry.file_type()?.is_dir() {
            copy_dir(from, into, &rel, copied)?;
            continue;
        }
        let contents = std::fs::read(entry.path())?;
        let target = into.join(&rel);
        if let Some(parent) = target.parent() {
            std::fs::create_dir_all(parent)?;
        }
        // `create_new`: a file the learner made a moment ago is never replaced.
        match std::fs::OpenOptions::new().write(true).create_new(true).open(&target) {
            Ok(mut file) => {
                file.write_all(&contents)?;
                copied.written.push(rel);
            }
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {
                if std::fs::read(&target).ok().as_deref() != Some(&contents[..]) {
                    copied.kept.push(rel);
                }
            }
            Err(e) => return Err(e),
        }
    }
    Ok(())
}

/// Every text file under `from` (its path and contents), for `lint` to read the images
/// a shipped Dockerfile or compose file names.
pub fn texts(from: &Path) -> Vec<(PathBuf, String)> {
    let mut out = Vec::new();
    let Ok(entries) = std::fs::read_dir(from) else { return out };
    let mut entries: Vec<_> = entries.flatten().collect();
    entries.sort_by_key(|e| e.file_name());
    for entry in entries {
        let path = entry.path();
        if path.is_dir() {
            out.extend(texts(&path));
        } else if let Ok(text) = std::fs::read_to_string(&path) {
            out.push((path, text));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn copies_what_is_missing_and_never_overwrites_the_learners_edits() {
        let from = tempfile::tempdir().unwrap();
        std::fs::write(from.path().join("Dockerfile"), "FROM alpine\n").unwrap();
        std::fs::create_dir(from.path().join("site")).unwrap();
        std::fs::write(from.path().join("site/index.html"), "hello\n").unwrap();
        let into = tempfile::tempdir().unwrap();

        let first = copy(from.path(), into.path()).unwrap();
        assert_eq!(first.written, [PathBuf::from("Dockerfile"), PathBuf::from("site/index.html")]);
        assert!(first.notice("web").unwrap().contains("Dockerfile, site/index.html"));

        // Unchanged: nothing to do or say. Changed by the learner: kept.
        assert_eq!(copy(from.path(), into.path()).unwrap(), Copied::default());
        std::fs::write(into.path().join("Dockerfile"), "FROM busybox\n").unwrap();
        std::fs::remove_file(into.path().join("site/index.html")).unwrap();
        let again = copy(from.path(), into.path()).unwrap();
        assert_eq!(again.kept, [PathBuf::from("Dockerfile")]);
        assert_eq!(again.written, [PathBuf::from("site/index.html")]);
        assert_eq!(std::fs::read_to_string(into.path().join("Dockerfile")).unwrap(), "FROM busybox\n");
        assert!(again.notice("web").unwrap().contains("Kept your own Dockerfile"), "{:?}", again.notice("web"));
    }
}
