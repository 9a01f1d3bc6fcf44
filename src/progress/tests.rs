//! The store against damaged files, odd file types, crashed and concurrent writers.

use super::*;

#[test]
fn round_trip_and_unknown_fields_kept() {
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
    let loaded = store.load().unwrap().progress;
    assert_eq!(loaded.courses, saved.courses);
    assert_eq!(loaded.extra["future"], 1);
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
    assert_eq!(set_aside(dir.path()).len(), 1);
}

/// The names of the set-aside copies in `dir`.
fn set_aside(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.starts_with("progress.json.corrupt-"))
        .collect();
    names.sort();
    names
}

#[test]
fn two_files_set_aside_in_one_second_are_both_kept() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::new(dir.path().to_path_buf());
    for text in ["first damaged file", "second damaged file", "third"] {
        std::fs::write(store.path(), text).unwrap();
        assert!(store.load().unwrap().notice.is_some());
    }
    let names = set_aside(dir.path());
    assert_eq!(names.len(), 3, "{names:?}");
    let kept: BTreeSet<String> = names.iter().map(|n| std::fs::read_to_string(dir.path().join(n)).unwrap()).collect();
    assert_eq!(kept, BTreeSet::from(["first damaged file".into(), "second damaged file".into(), "third".into()]));
}

/// Runs `f` on another thread and fails the test if it has not finished by the
/// deadline: what it guards against is a hang.
fn within_deadline<T: Send + 'static>(f: impl FnOnce() -> T + Send + 'static) -> T {
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let _ = tx.send(f());
    });
    rx.recv_timeout(Duration::from_secs(20)).expect("still blocked after 20 s")
}

#[test]
fn a_fifo_in_place_of_the_file_is_set_aside_without_blocking() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::new(dir.path().to_path_buf());
    let fifo = std::ffi::CString::new(store.path().as_os_str().as_encoded_bytes()).unwrap();
    // SAFETY: a valid NUL-terminated path.
    assert_eq!(unsafe { libc::mkfifo(fifo.as_ptr(), 0o644) }, 0);
    let s = store.clone();
    let loaded = within_deadline(move || s.load().map(|l| l.notice));
    let notice = loaded.unwrap().unwrap();
    assert!(notice.contains("a FIFO, not a regular file"), "{notice}");
    assert_eq!(set_aside(dir.path()).len(), 1);
    let s = store.clone();
    within_deadline(move || s.update("c", |c| _ = c.lesson_mut("l").passed.insert("s".into()))).unwrap();
    assert!(store.load().unwrap().progress.courses["c"].passed("l", "s"));
}

#[test]
fn a_device_or_a_huge_file_is_never_read_whole() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::new(dir.path().to_path_buf());
    std::os::unix::fs::symlink("/dev/zero", store.path()).unwrap();
    let s = store.clone();
    let notice = within_deadline(move || s.load().map(|l| l.notice)).unwrap().unwrap();
    assert!(notice.contains("a device, not a regular file"), "{notice}");
    // A sparse file: big on paper, no disk used.
    let huge = File::create(store.path()).unwrap();
    huge.set_len(64 << 20).unwrap();
    let notice = store.load().unwrap().notice.unwrap();
    assert!(notice.contains("holds 64 MB"), "{notice}");
    assert_eq!(set_aside(dir.path()).len(), 2);
}

#[test]
fn unknown_fields_are_written_back_at_every_level() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::new(dir.path().to_path_buf());
    let text = r#"{"format_version": 1, "owner": {"name": "ana"},
        "courses": {"c": {"badge": "gold", "lessons": {"l": {"passed": ["a"], "notes": ["x"]}}}}}"#;
    std::fs::write(store.path(), text).unwrap();
    store.update("c", |c| _ = c.lesson_mut("l").passed.insert("b".into())).unwrap();
    let saved: Value = serde_json::from_str(&std::fs::read_to_string(store.path()).unwrap()).unwrap();
    assert_eq!(saved["owner"]["name"], "ana");
    assert_eq!(saved["courses"]["c"]["badge"], "gold");
    assert_eq!(saved["courses"]["c"]["lessons"]["l"]["notes"], serde_json::json!(["x"]));
    assert_eq!(saved["courses"]["c"]["lessons"]["l"]["passed"], serde_json::json!(["a", "b"]));
    // A prompt that loaded the file before those fields appeared keeps them too.
    let mut mine = CourseProgress::default();
    mine.merge_from(&store.load().unwrap().progress.courses["c"]);
    assert_eq!(mine.extra["badge"], "gold");
    assert_eq!(mine.lessons["l"].extra["notes"], serde_json::json!(["x"]));
}

#[test]
fn writers_in_parallel_lose_no_update() {
    let dir = tempfile::tempdir().unwrap();
    let (writers, each) = (8, 25);
    let threads: Vec<_> = (0..writers)
        .map(|w| {
            // Its own Store and its own lock file handle, as a separate process has.
            let store = Store::new(dir.path().to_path_buf());
            std::thread::spawn(move || {
                for i in 0..each {
                    store.update("c", |c| _ = c.lesson_mut(&format!("l{w}")).passed.insert(format!("s{i}"))).unwrap();
                }
            })
        })
        .collect();
    for t in threads {
        t.join().unwrap();
    }
    let progress = Store::new(dir.path().to_path_buf()).load().unwrap().progress;
    let passes: usize = progress.courses["c"].lessons.values().map(|l| l.passed.len()).sum();
    assert_eq!(passes, writers * each);
}

#[test]
fn temp_files_of_writers_that_died_are_cleaned_and_others_left() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::new(dir.path().to_path_buf());
    let old = SystemTime::now() - Duration::from_secs(600);
    let make = |name: &str, mtime: SystemTime| {
        let f = File::create(dir.path().join(name)).unwrap();
        f.set_modified(mtime).unwrap();
    };
    make(".progress.json.4242.tmp", old);
    make(".progress.json.abc123.tmp", old);
    make(".progress.json.fresh.tmp", SystemTime::now());
    make("notes.tmp", old);
    store.update("c", |c| c.current = None).unwrap();
    let mut left: Vec<String> =
        std::fs::read_dir(dir.path()).unwrap().map(|e| e.unwrap().file_name().to_string_lossy().into()).collect();
    left.sort();
    assert_eq!(left, [".progress.json.fresh.tmp", ".progress.json.lock", "notes.tmp", "progress.json"]);
}

#[test]
fn a_newer_file_appearing_makes_the_update_fail() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::new(dir.path().to_path_buf());
    store.update("c", |c| c.current = None).unwrap();
    std::fs::write(store.path(), "{\"format_version\": 2}").unwrap();
    let err = store.update("c", |c| c.current = None).unwrap_err();
    assert!(matches!(err, ProgressError::Newer { found: 2, .. }), "{err}");
    assert_eq!(std::fs::read_to_string(store.path()).unwrap(), "{\"format_version\": 2}");
}

#[test]
fn a_directory_that_cannot_be_made_is_reported_on_writing() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("file"), "").unwrap();
    let store = Store::new(dir.path().join("file").join("data"));
    assert_eq!(store.load().unwrap().progress, Progress::default());
    let err = store.update("c", |c| c.current = None).unwrap_err().to_string();
    assert!(err.starts_with("could not create the directory for") && err.contains("Not a directory"), "{err}");
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
