//! Bad input gets a clear message and loses nothing: malformed lessons and checks,
//! a corrupt progress file, an engine that stops mid-lesson.

use crate::support::{Sandbox, Test, course_dir};

const MANIFEST: &str = "format_version: 1\nid: broken\ntitle: Broken\nlessons:\n  - one\n";

#[test]
fn malformed_lesson_is_reported_with_file_line_and_column() {
    let dir = course_dir(&[
        ("lessons/course.yaml", MANIFEST),
        (
            "lessons/01-one.md",
            "---\ntitle: One\nminutes: ten\n---\nIntro\n## No id here\ntext\n## Fine {#fine}\n```sh run\ndocker ps\n",
        ),
        ("checks/one.yaml", "format_version: 1\ncheckpoints:\n  fine:\n    - kind: engine\n"),
    ]);
    let ran = Test::new().args(["list", "--lessons"]).arg_path(dir.path()).run().code(2);
    let file = dir.path().join("lessons/01-one.md").display().to_string();
    assert!(
        ran.stderr.contains(&format!("{file}:3:10: front matter: minutes: invalid type: string \"ten\"")),
        "{}",
        ran.stderr
    );
    assert!(
        ran.stderr.contains(&format!(
            "{file}:6:1: step heading `No id here` needs an id: write `## No id here {{#no-id-here}}`"
        )),
        "{}",
        ran.stderr
    );
    assert!(ran.stderr.contains(&format!("{file}:9:1: this code block is never closed")), "{}", ran.stderr);
    assert!(ran.stderr.contains("the course has 3 problem(s)"), "{}", ran.stderr);
}

#[test]
fn unknown_assertion_kind_is_reported_in_the_checks_file() {
    let dir = course_dir(&[
        ("lessons/course.yaml", MANIFEST),
        ("lessons/one.md", "---\ntitle: One\n---\n## Do {#do}\nx\n"),
        ("checks/one.yaml", "format_version: 1\ncheckpoints:\n  do:\n    - kind: container_running\n      name: web\n"),
    ]);
    let ran = Test::new().args(["list", "--lessons"]).arg_path(dir.path()).run().code(2);
    let file = dir.path().join("checks/one.yaml").display().to_string();
    assert!(
        ran.stderr.contains(&format!(
            "{file}:4:13: checkpoints.do[0]: kind: unknown variant `container_running`, expected one of"
        )),
        "{}",
        ran.stderr
    );
}

#[test]
fn missing_and_orphan_checkpoints_are_reported() {
    let dir = course_dir(&[
        ("lessons/course.yaml", MANIFEST),
        ("lessons/one.md", "---\ntitle: One\n---\n## Do {#do}\nx\n## Read {#read .read}\ny\n"),
        ("checks/one.yaml", "format_version: 1\ncheckpoints:\n  dont:\n    - kind: engine\n"),
    ]);
    let ran = Test::new().env("DOCKERLEARN_LESSONS", dir.path()).args(["list"]).run().code(2);
    assert!(ran.stderr.contains("one.md:4:1: step `do` has no checkpoint"), "{}", ran.stderr);
    assert!(ran.stderr.contains("one.yaml:3:1: checkpoint `dont` belongs to no step"), "{}", ran.stderr);
}

#[test]
fn corrupt_progress_is_set_aside_with_a_message() {
    let sb = Sandbox::new();
    let path = sb.data.path().join("progress.json");
    std::fs::write(&path, "{\"format_version\": 1, \"courses\": {\"docker-basics\": ").unwrap();
    let ran = sb.dl().args(["list"]).run().code(0);
    assert!(ran.stderr.contains("could not be read"), "{}", ran.stderr);
    assert!(ran.stderr.contains("Nothing was deleted"), "{}", ran.stderr);
    let aside: Vec<String> = std::fs::read_dir(sb.data.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.starts_with("progress.json.corrupt-"))
        .collect();
    assert_eq!(aside.len(), 1);
    let kept = std::fs::read_to_string(sb.data.path().join(&aside[0])).unwrap();
    assert!(kept.contains("docker-basics"), "the damaged text is kept as it was");
}

#[test]
fn newer_progress_file_is_refused_untouched() {
    let sb = Sandbox::new();
    let path = sb.data.path().join("progress.json");
    std::fs::write(&path, "{\"format_version\": 99}").unwrap();
    sb.dl().args(["list"]).run().code(2).stderr_has("written by a newer dockerlearn");
    assert_eq!(std::fs::read_to_string(&path).unwrap(), "{\"format_version\": 99}");
}

trait ArgPath {
    fn arg_path(self, p: &std::path::Path) -> Test;
}

impl ArgPath for Test {
    fn arg_path(self, p: &std::path::Path) -> Test {
        self.args([p])
    }
}
