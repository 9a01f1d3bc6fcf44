//! Starter files: what a course ships in `files/LESSON/` is in the learner's folder when
//! a step begins (and in verify's scratch folder), and a file the learner changed stays.

use crate::support::{Image, Sandbox, Test, course_dir, run_id};
use rexpect::session::spawn_command;

/// A lesson whose step builds the Dockerfile the course ships for it.
fn course(tag: &str) -> tempfile::TempDir {
    let md = format!(
        "---\ntitle: Starter\nimages: [hello-world]\n---\nIntro.\n## Build it {{#build}}\nThe Dockerfile is in your folder.\n### Solution\n```sh run\ndocker build -t {tag} .\n```\n"
    );
    let checks = format!("format_version: 1\ncheckpoints:\n  build:\n    - kind: image\n      image: {tag}\n");
    course_dir(&[
        ("lessons/course.yaml", "format_version: 1\nid: starter\ntitle: Starter\nlessons:\n  - starter\n"),
        ("lessons/starter.md", &md),
        ("checks/starter.yaml", &checks),
        ("files/starter/Dockerfile", "FROM hello-world\n"),
        ("files/starter/site/index.html", "hello\n"),
    ])
}

#[test]
fn verify_runs_a_solution_on_the_lessons_starter_files() {
    let _image = Image::hello_world();
    let tag = format!("dl-starter-{}", run_id());
    let dir = course(&tag);
    Test::new().args(["lint"]).args([dir.path()]).run().code(0);
    let ran = Test::new().args(["verify"]).args([dir.path()]).run().code(0);
    assert!(ran.stdout.contains("1 steps, 0 failed"), "{}", ran.stdout);
    // Its image carried verify's label and went with the run.
    let left = crate::support::docker(&["images", "-q", &tag]);
    assert_eq!(left.trim(), "", "verify left the image behind");
}

#[test]
fn a_step_begins_with_the_starter_files_and_keeps_the_learners_own() {
    let dir = course("dl-starter-unused");
    let work = tempfile::tempdir().unwrap();
    std::fs::write(work.path().join("Dockerfile"), "FROM busybox\n").unwrap();
    let sb = Sandbox::new();
    let mut command = sb
        .dl()
        .env("SHELL", "/bin/sh")
        .env("TERM", "xterm-256color")
        .args(["--lessons"])
        .args([dir.path()])
        .args(["start"])
        .command();
    command.current_dir(work.path());
    let mut p = spawn_command(command, Some(20_000)).expect("the REPL starts in a pty");
    p.exp_string("starter files are in your folder: site/index.html.").unwrap();
    p.exp_string("Kept your own Dockerfile").unwrap();
    p.send_line(":quit").unwrap();
    p.exp_eof().unwrap();
    assert_eq!(std::fs::read_to_string(work.path().join("site/index.html")).unwrap(), "hello\n");
    assert_eq!(std::fs::read_to_string(work.path().join("Dockerfile")).unwrap(), "FROM busybox\n");
}

#[test]
fn lint_reads_the_images_of_starter_files() {
    let dir = course("dl-starter-unused");
    std::fs::write(dir.path().join("files/starter/Dockerfile"), "# a comment\nFROM busybox AS build\nFROM build\n")
        .unwrap();
    let ran = Test::new().args(["lint"]).args([dir.path()]).run().code(1);
    let want = format!(
        "{}:2:1: this starter file uses image `busybox`",
        dir.path().join("files/starter/Dockerfile").display()
    );
    assert!(ran.stdout.contains(&want), "{}", ran.stdout);
    // `hello-world` is listed and no longer used by anything.
    assert!(ran.stdout.contains("lists image `hello-world:latest`, but no command"), "{}", ran.stdout);
}
