//! The non-interactive commands: list, show, check's targets and exit codes.

use crate::support::{Sandbox, Test};

#[test]
fn list_shows_every_lesson_with_progress() {
    let sb = Sandbox::new();
    let ran = sb.dl().args(["list"]).run().code(0);
    assert!(ran.stdout.starts_with("Docker, hands-on ("), "{}", ran.stdout);
    let course = dockerlearn::course::load_from(None).unwrap();
    for (i, l) in course.lessons.iter().enumerate() {
        let row = ran.stdout.lines().find(|r| r.contains(&format!(" {}. {}", i + 1, l.lesson.id)));
        let row = row.unwrap_or_else(|| panic!("no row for {}:\n{}", l.lesson.id, ran.stdout));
        assert!(row.contains(&l.lesson.title) && row.ends_with("not started"), "{row}");
    }
    // A step passed elsewhere shows in the list.
    sb.dl().args(["check", "install-check/engine-version"]).run().code(0);
    sb.dl().args(["list"]).run().code(0).stdout_has("install-check  Is Docker ready?");
    let ran = sb.dl().args(["list"]).run();
    let row = ran.stdout.lines().find(|r| r.contains("install-check")).unwrap().to_owned();
    assert!(row.ends_with("1/2 steps"), "{row}");
}

#[test]
fn show_prints_a_lesson_by_id_or_number() {
    let by_id = Test::new().args(["show", "hello-world"]).run().code(0);
    let by_number = Test::new().args(["show", "2"]).run().code(0);
    assert_eq!(by_id.stdout, by_number.stdout);
    assert!(by_id.stdout.contains("# Lesson 2/"));
    assert!(by_id.stdout.contains("## Step 1/5: Run your first container"));
    assert!(!by_id.stdout.contains("Hint 1/"), "hints stay hidden without --solutions");
    Test::new().args(["show", "hello-world", "--solutions"]).run().code(0).stdout_has("**Solution:**");
    Test::new().args(["show", "nope"]).run().code(2).stderr_has("there is no lesson `nope`");
}

#[test]
fn check_targets_are_validated() {
    let sb = Sandbox::new();
    sb.dl().args(["check", "hello-world/nope"]).run().code(2).stderr_has(
        "lesson `hello-world` has no step `nope`; its steps are: run-it, name-it, clean-up, rm-flag, recap",
    );
    sb.dl().args(["check", "ghost"]).run().code(2).stderr_has("there is no lesson `ghost`");
    sb.dl().args(["check", "install-check/context"]).run().code(0).stdout_has("reading step");
}

#[test]
fn help_teaches() {
    let ran = Test::new().args(["--help"]).run().code(0);
    for needle in ["start", "list", "show", "check", "--lessons", "--data-dir", "dockerlearn start"] {
        assert!(ran.stdout.contains(needle), "help lacks {needle}:\n{}", ran.stdout);
    }
    Test::new().args(["check", "--help"]).run().code(0).stdout_has("0 passed, 1 not passed yet");
}

#[test]
fn control_characters_in_arguments_are_never_echoed_raw() {
    let ran = Test::new().args(["show", "\u{1b}[31mX"]).run().code(2);
    assert!(!ran.stderr.contains('\u{1b}'), "{:?}", ran.stderr);
    assert!(ran.stderr.contains("there is no lesson `\\u{1b}[31mX`"), "{}", ran.stderr);
    let sb = Sandbox::new();
    let ran = sb.dl().args(["check", "\u{1b}]0;x\u{7}"]).run().code(2);
    assert!(!ran.stderr.contains(['\u{1b}', '\u{7}']), "{:?}", ran.stderr);
    assert!(ran.stderr.contains("\\u{1b}]0;x\\u{7}"), "{}", ran.stderr);
    let ran = sb.dl().args(["check", "hello-world/\u{1b}[2J"]).run().code(2);
    assert!(!ran.stderr.contains('\u{1b}'), "{:?}", ran.stderr);
}

#[test]
fn an_io_error_says_its_cause_once() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("file");
    std::fs::write(&file, "").unwrap();
    // The step passes (the engine answers), but its pass cannot be written down.
    let ran = Test::new()
        .args(["check", "install-check/engine-version", "--data-dir"])
        .args([file.join("data")])
        .remove_env("DOCKER_HOST")
        .run()
        .code(4);
    assert_eq!(ran.stderr.matches("Not a directory").count(), 1, "{}", ran.stderr);
    assert!(ran.stderr.contains("the pass could not be recorded"), "{}", ran.stderr);
}

#[test]
fn commands_load_only_what_they_need() {
    // An unusable data directory and an unusable engine address: commands that need
    // neither still work, and those that do say which one is wrong.
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("file");
    std::fs::write(&file, "").unwrap();
    let broken = |t: Test| {
        t.args(["--data-dir"]).args([file.join("data")]).env("DOCKER_HOST", format!("unix://{}", file.display()))
    };
    broken(Test::new()).args(["show", "hello-world"]).run().code(0).stdout_has("# Lesson 2/");
    broken(Test::new()).args(["lint"]).run().code(0).stdout_has("no problems found");
    // Reading finds no progress there; writing says why it cannot.
    broken(Test::new()).args(["list"]).run().code(0).stdout_has("not started");
    Test::new()
        .args(["--data-dir"])
        .args([file.join("data")])
        .remove_env("DOCKER_HOST")
        .args(["check", "install-check/engine-version"])
        .run()
        .code(4)
        .stderr_has("Not a directory");
    let check =
        Test::new().args(["--data-dir"]).args([dir.path()]).env("DOCKER_HOST", format!("unix://{}", file.display()));
    check.args(["check", "hello-world/run-it"]).run().code(3).stderr_has("is a regular file, not a socket");
}

/// The help a user reads, as they read it: the top level, and the classroom's.
#[test]
fn help_pages_read_as_snapshots() {
    for (name, args) in [
        ("help", vec!["--help"]),
        ("help-class", vec!["class", "--help"]),
        ("help-class-serve", vec!["class", "serve", "--help"]),
        ("help-join", vec!["join", "--help"]),
    ] {
        // Wrapped at a fixed width, whatever the terminal running the tests.
        let ran = Test::new()
            .env("COLUMNS", "100")
            .remove_env("DOCKERLEARN_DATA_DIR")
            .remove_env("DOCKERLEARN_SCOPE")
            .remove_env("DOCKERLEARN_CLASS_TOKEN")
            .args(&args)
            .run()
            .code(0);
        insta::assert_snapshot!(name, ran.stdout);
    }
}

/// What `doctor` says when nothing answers at the engine's socket: the problem and its
/// fix (the lines about the client, Compose and the network depend on the machine).
#[test]
fn doctor_says_what_to_do_when_the_engine_is_not_running() {
    let dir = tempfile::tempdir().unwrap();
    let socket = dir.path().join("docker.sock");
    let ran = Test::new().env("DOCKER_HOST", format!("unix://{}", socket.display())).args(["doctor"]).run().code(1);
    let problem: String = ran
        .stdout
        .lines()
        .skip_while(|l| !l.starts_with("PROBLEM:"))
        .take(2)
        .collect::<Vec<_>>()
        .join("\n")
        .replace(&socket.display().to_string(), "[socket]");
    insta::assert_snapshot!("doctor-engine-not-running", problem);
}

#[test]
fn a_step_typed_wrong_to_class_hold_gets_a_did_you_mean() {
    let data = tempfile::tempdir().unwrap();
    Test::new()
        .env("DOCKERLEARN_DATA_DIR", data.path())
        .args(["class", "hold", "hello-world/nameit"])
        .run()
        .code(2)
        .stderr_has("`hello-world/nameit` is not a step of this course; did you mean `hello-world/name-it`?");
}
