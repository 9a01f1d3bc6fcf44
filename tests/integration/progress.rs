//! The progress file under pressure, through the real binary: many processes (a prompt
//! and `check`s) recording passes at once lose none; a save that fails is said, and
//! reflected in the exit status; whatever sits at the progress file's path, nothing hangs.

use crate::support::{Sandbox, Test, course_dir};
use rexpect::process::WaitStatus;
use rexpect::session::spawn_command;
use std::path::Path;
use std::time::{Duration, Instant};

/// Passes recorded by `check` processes at once, one step each.
const CHECKS: usize = 48;
/// Passes recorded by the prompt meanwhile.
const REPL_STEPS: usize = 24;

/// A lesson of `steps` steps whose checkpoints ask only that the engine answers, so each
/// passes at once and every pass is a distinct step.
fn engine_lesson(title: &str, steps: usize) -> (String, String) {
    let mut md = format!("---\ntitle: {title}\n---\nSteps that pass when the engine answers.\n");
    let mut checks = String::from("format_version: 1\ncheckpoints:\n");
    for i in 1..=steps {
        md.push_str(&format!("## Step {i} {{#s{i}}}\nAsk the engine.\n```sh run\ndocker version\n```\n"));
        checks.push_str(&format!("  s{i}:\n    - kind: engine\n"));
    }
    (md, checks)
}

/// A course of two such lessons: `a` for the `check`s, `r` for the prompt.
fn two_lesson_course() -> tempfile::TempDir {
    let (a_md, a_checks) = engine_lesson("Checked", CHECKS);
    let (r_md, r_checks) = engine_lesson("Prompted", REPL_STEPS);
    course_dir(&[
        ("lessons/course.yaml", "format_version: 1\nid: busy\ntitle: Busy\nlessons:\n  - a\n  - r\n"),
        ("lessons/01-a.md", &a_md),
        ("checks/a.yaml", &a_checks),
        ("lessons/02-r.md", &r_md),
        ("checks/r.yaml", &r_checks),
    ])
}

fn passed(data: &Path, lesson: &str) -> Vec<String> {
    let text = std::fs::read_to_string(data.join("progress.json")).unwrap();
    let saved: serde_json::Value = serde_json::from_str(&text).unwrap();
    let list = saved["courses"]["busy"]["lessons"][lesson]["passed"].as_array().cloned().unwrap_or_default();
    list.iter().map(|v| v.as_str().unwrap().to_owned()).collect()
}

fn prompt(sb: &Sandbox, course: &Path, data: &Path, args: &[&str]) -> rexpect::session::PtySession {
    let test = sb
        .dl()
        .env("DOCKERLEARN_DATA_DIR", data)
        .env("DOCKERLEARN_LESSONS", course)
        .env("SHELL", "/bin/sh")
        .env("TERM", "xterm-256color")
        .args(["start"])
        .args(args);
    spawn_command(test.command(), Some(30_000)).expect("the REPL starts in a pty")
}

#[test]
fn a_prompt_and_many_checks_at_once_lose_no_pass() {
    let course = two_lesson_course();
    let sb = Sandbox::new();
    let mut p = prompt(&sb, course.path(), sb.data.path(), &["r"]);
    p.exp_string(&format!("[r 1/{REPL_STEPS}] $")).unwrap();

    // Every `check` process starts at once, while the prompt records its own passes.
    let checks: Vec<_> = (1..=CHECKS)
        .map(|i| {
            sb.dl()
                .env("DOCKERLEARN_LESSONS", course.path())
                .args(["check", &format!("a/s{i}")])
                .command()
                .stdout(std::process::Stdio::piped())
                .stderr(std::process::Stdio::piped())
                .spawn()
                .unwrap()
        })
        .collect();
    for i in 1..=REPL_STEPS {
        p.send_line(":check").unwrap();
        p.exp_string("Step complete.").unwrap();
        if i < REPL_STEPS {
            p.exp_string(&format!("[r {}/{REPL_STEPS}] $", i + 1)).unwrap();
        }
    }
    for child in checks {
        let out = child.wait_with_output().unwrap();
        assert!(out.status.success(), "a check failed: {}", String::from_utf8_lossy(&out.stderr));
    }
    p.send_line(":quit").unwrap();
    p.exp_string("Progress saved.").unwrap();
    p.exp_eof().unwrap();

    let (a, r) = (passed(sb.data.path(), "a"), passed(sb.data.path(), "r"));
    eprintln!(
        "{} processes at once: {} of {CHECKS} check passes and {} of {REPL_STEPS} prompt passes kept",
        CHECKS + 1,
        a.len(),
        r.len()
    );
    assert_eq!((a.len(), r.len()), (CHECKS, REPL_STEPS), "passes lost: a {a:?}, r {r:?}");
}

/// Waits for the prompt to end and returns its exit status.
fn exit_status(p: &mut rexpect::session::PtySession) -> i32 {
    match p.process().wait().unwrap() {
        WaitStatus::Exited(_, code) => code,
        other => panic!("the prompt did not exit normally: {other:?}"),
    }
}

#[test]
fn quitting_after_a_failed_save_says_so_and_fails() {
    let course = two_lesson_course();
    let sb = Sandbox::new();
    let mut p = prompt(&sb, course.path(), sb.data.path(), &["r"]);
    p.exp_string(&format!("[r 1/{REPL_STEPS}] $")).unwrap();
    p.send_line(":check").unwrap();
    p.exp_string("Step complete.").unwrap();
    p.exp_string(&format!("[r 2/{REPL_STEPS}] $")).unwrap();
    // A newer dockerlearn writes the file meanwhile: this one must not overwrite it.
    let newer = "{\"format_version\": 99}";
    std::fs::write(sb.data.path().join("progress.json"), newer).unwrap();
    p.send_line(":check").unwrap();
    p.exp_string("Could not save your progress").unwrap();
    p.send_line(":quit").unwrap();
    let rest = p.exp_eof().unwrap();
    assert!(!rest.contains("Progress saved."), "{rest}");
    assert!(rest.contains("your progress could not be saved") && rest.contains("newer dockerlearn"), "{rest}");
    assert_ne!(exit_status(&mut p), 0);
    assert_eq!(std::fs::read_to_string(sb.data.path().join("progress.json")).unwrap(), newer);
}

#[test]
fn an_unwritable_data_directory_fails_the_prompt_and_the_check() {
    let course = two_lesson_course();
    let sb = Sandbox::new();
    // Under a regular file, so no directory can be made there, even by root.
    let blocker = sb.data.path().join("file");
    std::fs::write(&blocker, "").unwrap();
    let data = blocker.join("data");

    let mut p = prompt(&sb, course.path(), &data, &["r"]);
    p.exp_string(&format!("[r 1/{REPL_STEPS}] $")).unwrap();
    p.send_line(":check").unwrap();
    p.exp_string("Step complete.").unwrap();
    p.send_line(":quit").unwrap();
    let rest = p.exp_eof().unwrap();
    assert!(!rest.contains("Progress saved."), "{rest}");
    assert!(rest.contains("your progress could not be saved"), "{rest}");
    assert_ne!(exit_status(&mut p), 0);

    let ran = sb
        .dl()
        .env("DOCKERLEARN_DATA_DIR", &data)
        .env("DOCKERLEARN_LESSONS", course.path())
        .args(["check", "a/s1"])
        .run()
        .code(4)
        .stdout_has("a/s1 (Step 1): passed");
    assert!(ran.stderr.contains("the step passed, but the pass could not be recorded"), "{}", ran.stderr);
    assert!(ran.stderr.contains("Not a directory"), "{}", ran.stderr);
}

/// Runs `test`, failing if it has not ended by the deadline (it would hang for ever).
fn run_within_deadline(test: Test) -> std::process::Output {
    let mut child =
        test.command().stdout(std::process::Stdio::piped()).stderr(std::process::Stdio::piped()).spawn().unwrap();
    let deadline = Instant::now() + Duration::from_secs(30);
    while child.try_wait().unwrap().is_none() {
        if Instant::now() > deadline {
            let _ = child.kill();
            panic!("still running after 30 s");
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    child.wait_with_output().unwrap()
}

#[test]
fn a_fifo_as_the_progress_file_is_set_aside_not_waited_on() {
    let course = two_lesson_course();
    let sb = Sandbox::new();
    let fifo = sb.data.path().join("progress.json");
    assert!(std::process::Command::new("mkfifo").arg(&fifo).status().unwrap().success());
    let out = run_within_deadline(sb.dl().env("DOCKERLEARN_LESSONS", course.path()).args(["list"]));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stderr}");
    assert!(stderr.contains("it is a FIFO, not a regular file") && stderr.contains("set aside"), "{stderr}");
    // And the next pass is recorded in a fresh file.
    sb.dl().env("DOCKERLEARN_LESSONS", course.path()).args(["check", "a/s1"]).run().code(0);
    assert_eq!(passed(sb.data.path(), "a"), ["s1"]);
}
