//! The REPL in a pseudo-terminal, driven as a learner would: reading, typing commands,
//! asking for hints, passing checkpoints, losing the engine, quitting and resuming,
//! `cd` lines, pasted bursts, and waits on an engine that never answers.

use crate::support::{EngineProxy, Image, Sandbox, SilentEngine, fixed_names};
use rexpect::session::{PtySession, spawn_command};

const TIMEOUT_MS: u64 = 20_000;

fn start(sb: &Sandbox, docker_host: Option<&str>, args: &[&str]) -> PtySession {
    let mut test = sb.dl().env("SHELL", "/bin/sh").env("TERM", "xterm-256color").args(["start"]).args(args);
    if let Some(host) = docker_host {
        test = test.env("DOCKER_HOST", host);
    } else {
        test = test.remove_env("DOCKER_HOST");
    }
    spawn_command(test.command(), Some(TIMEOUT_MS)).expect("the REPL starts in a pty")
}

#[test]
fn a_learner_walks_the_hello_world_lesson_quits_and_resumes() {
    let _image = Image::hello_world();
    let _names = fixed_names();
    let sb = Sandbox::new();
    let label = sb.label.clone();
    let mut p = start(&sb, None, &["hello-world"]);
    p.exp_string(": Hello, world").unwrap();
    p.exp_string("[hello-world 1/5] $").unwrap();

    p.send_line(":hint").unwrap();
    p.exp_string("Hint 1/2:").unwrap();
    p.send_line(":hint").unwrap();
    p.exp_string("Hint 2/2:").unwrap();
    p.exp_string("That was the last hint").unwrap();

    // Shell input that is not the step: a verdict that says "not yet".
    p.send_line("docker ps -a --filter label=none >/dev/null").unwrap();
    p.exp_string("Not yet: since this step began, a container from image `hello-world` exited with code 0.").unwrap();

    p.send_line(&format!("docker run --label {label} hello-world")).unwrap();
    p.exp_string("Hello from Docker!").unwrap();
    p.exp_string("Step complete.").unwrap();
    p.exp_string("[hello-world 2/5] $").unwrap();

    // Close but wrong, then right.
    p.send_line(&format!("docker run --label {label} --name helo hello-world")).unwrap();
    p.exp_string("did you mean `helo`?").unwrap();
    p.send_line(&format!("docker run --label {label} --name hello hello-world")).unwrap();
    p.exp_string("Step complete.").unwrap();
    p.exp_string("[hello-world 3/5] $").unwrap();

    p.send_line(":quit").unwrap();
    p.exp_string("Progress saved.").unwrap();
    p.exp_eof().unwrap();

    // Resume: straight back to step 3, whose check still sees the two containers.
    let mut p = start(&sb, None, &[]);
    p.exp_string("[hello-world 3/5] $").unwrap();
    p.send_line(":check").unwrap();
    p.exp_string("FAIL no container from image `hello-world` remains").unwrap();
    p.send_line(&format!("docker rm $(docker ps -aq --filter label={label})")).unwrap();
    p.exp_string("Step complete.").unwrap();
    p.exp_string("[hello-world 4/5] $").unwrap();
    // Ctrl-D saves and leaves.
    p.send_control('d').unwrap();
    p.exp_string("Progress saved.").unwrap();
    p.exp_eof().unwrap();

    let saved = std::fs::read_to_string(sb.data.path().join("progress.json")).unwrap();
    let saved: serde_json::Value = serde_json::from_str(&saved).unwrap();
    let lesson = &saved["courses"]["docker-basics"]["lessons"]["hello-world"];
    assert_eq!(lesson["passed"], serde_json::json!(["clean-up", "name-it", "run-it"]));
    assert_eq!(saved["courses"]["docker-basics"]["current"]["step"], "rm-flag");
}

#[test]
fn ctrl_c_stops_the_command_not_the_repl() {
    let sb = Sandbox::new();
    let mut p = start(&sb, None, &["hello-world"]);
    p.exp_string("[hello-world 1/5] $").unwrap();
    // The command's own output says it runs (the typed line reads `$((1))`).
    p.send_line("echo sleep-$((1))-started; sleep 30; echo slept-through").unwrap();
    p.exp_string("sleep-1-started").unwrap();
    p.send_control('c').unwrap();
    p.exp_string("Not yet:").unwrap();
    p.exp_string("[hello-world 1/5] $").unwrap();
    // The line editor has the terminal once it edits: Ctrl-A moves to the line's start
    // only there (a cooked terminal would echo `^A`).
    p.send("ab").unwrap();
    p.send_control('a').unwrap();
    p.send("X").unwrap();
    p.flush().unwrap();
    p.exp_string("Xab").unwrap();
    p.send_control('c').unwrap();
    p.exp_string("Type :quit or press Ctrl-D").unwrap();
    p.send_line(":frobnicate").unwrap();
    p.exp_string("`:frobnicate` is not a dockerlearn command").unwrap();
    p.send_line("exit").unwrap();
    p.exp_string("You are at the dockerlearn prompt").unwrap();
    p.send_line(":quit").unwrap();
    let rest = p.exp_eof().unwrap();
    assert!(!rest.contains("slept-through"));
}

#[test]
fn an_engine_that_stops_mid_lesson_loses_nothing() {
    let _image = Image::hello_world();
    let sb = Sandbox::new();
    let mut proxy = EngineProxy::start();
    let host = proxy.host();
    let mut p = start(&sb, Some(&host), &["hello-world"]);
    p.exp_string("[hello-world 1/5] $").unwrap();
    p.send_line(&format!("docker run --label {} hello-world", sb.label)).unwrap();
    p.exp_string("Step complete.").unwrap();
    p.exp_string("[hello-world 2/5] $").unwrap();

    proxy.stop();
    p.send_line(":check").unwrap();
    p.exp_string("Could not ask the engine: the Docker engine is not running").unwrap();
    p.exp_string("[hello-world 2/5] $").unwrap();
    p.send_line("docker ps").unwrap();
    p.exp_string("The engine did not answer").unwrap();
    p.exp_string("[hello-world 2/5] $").unwrap();

    proxy.restart();
    p.send_line(&format!("docker run --label {} --name dl-proxy-{} hello-world", sb.label, std::process::id()))
        .unwrap();
    p.exp_string("Not yet: a container named `hello`").unwrap();
    p.send_line(":quit").unwrap();
    p.exp_eof().unwrap();
    let saved = std::fs::read_to_string(sb.data.path().join("progress.json")).unwrap();
    assert!(saved.contains("\"run-it\""), "the step passed before the engine stopped is kept:\n{saved}");
}

#[test]
fn a_lesson_says_which_images_are_missing_before_its_first_step() {
    let sb = Sandbox::new();
    // Other tests tag the fixture meanwhile: wait until none holds it, and hold it off
    // until the prompt has looked. No name lock is taken first: walks hold the image
    // while they wait for one.
    let mut p = crate::fixtures::while_absent("postgres:16-alpine", std::time::Duration::from_secs(600), || {
        let mut p = start(&sb, None, &["services"]);
        p.exp_string("Not on your engine yet: postgres:16-alpine").unwrap();
        p.exp_string("dockerlearn prepare services").unwrap();
        p
    });
    p.exp_string("[services 1/5] $").unwrap();
    p.send_line(":quit").unwrap();
    p.exp_eof().unwrap();
}

#[test]
fn a_steps_events_survive_the_engines_short_memory() {
    let _image = Image::hello_world();
    let sb = Sandbox::new();
    let mut p = start(&sb, None, &["hello-world"]);
    p.exp_string("[hello-world 1/5] $").unwrap();
    // The step's event happens outside the prompt (a second terminal)...
    sb.run(&["hello-world"]);
    // ...then enough other activity that the engine forgets it: it keeps 256 events.
    let script = format!(
        "for i in $(seq 1 140); do docker create --label {} hello-world >/dev/null; done; docker rm $(docker ps -aq --filter label={} --filter status=created) >/dev/null",
        sb.label, sb.label
    );
    let flood = std::process::Command::new("sh").arg("-c").arg(&script).status().unwrap();
    assert!(flood.success());
    // A one-shot check can only ask the engine's memory, which no longer has it.
    let ran = sb.dl().args(["check", "hello-world/run-it", "--json"]).run().code(1);
    assert_eq!(ran.json()["outcomes"][0]["status"], "fail", "the engine still remembers: flood not big enough");
    // The prompt has streamed the step's events since it began.
    p.send_line(":check").unwrap();
    p.exp_string("PASS since this step began, a container from image `hello-world` exited with code 0").unwrap();
    p.exp_string("Step complete.").unwrap();
    p.send_line(":quit").unwrap();
    p.exp_eof().unwrap();
}

#[test]
fn a_line_with_cd_runs_whole_and_the_prompt_follows_it() {
    let sb = Sandbox::new();
    let dir = tempfile::tempdir().unwrap();
    let dir = dir.path().canonicalize().unwrap();
    let mut p = start(&sb, None, &["hello-world"]);
    p.exp_string("[hello-world 1/5] $").unwrap();
    p.send_line(&format!("cd {} && echo \"in-$(pwd -P)\"", dir.display())).unwrap();
    p.exp_string(&format!("in-{}", dir.display())).unwrap();
    p.exp_string("[hello-world 1/5] $").unwrap();
    // A `cd` anywhere in the line moves the prompt, as in a shell.
    p.send_line("mkdir sub && cd sub").unwrap();
    p.exp_string("[hello-world 1/5] $").unwrap();
    p.send_line("echo \"now-$(pwd -P)\"").unwrap();
    p.exp_string(&format!("now-{}/sub", dir.display())).unwrap();
    p.send_line(":quit").unwrap();
    p.exp_eof().unwrap();
}

#[test]
fn lines_that_arrive_in_one_burst_all_run_in_order() {
    let sb = Sandbox::new();
    let mut p = start(&sb, None, &["hello-world"]);
    p.exp_string("[hello-world 1/5] $").unwrap();
    // A paste without bracketed paste: three lines in one write.
    p.send("echo burst-$((1+1))\necho burst-$((2+1))\necho burst-$((3+1))\n").unwrap();
    p.exp_string("burst-2").unwrap();
    p.exp_string("burst-3").unwrap();
    p.exp_string("burst-4").unwrap();
    p.exp_string("[hello-world 1/5] $").unwrap();
    // Typed ahead while a command runs: the next line waits its turn.
    p.send_line("sleep 1; echo ahead-$((5+1))").unwrap();
    p.send_line("echo ahead-$((6+1))").unwrap();
    p.exp_string("ahead-6").unwrap();
    p.exp_string("ahead-7").unwrap();
    p.exp_string("[hello-world 1/5] $").unwrap();
    p.send_line(":quit").unwrap();
    p.exp_eof().unwrap();
}

#[test]
fn waits_on_a_silent_engine_say_so_and_ctrl_c_stops_them() {
    let sb = Sandbox::new();
    let silent = SilentEngine::start();
    let mut p = start(&sb, Some(&silent.host()), &["hello-world"]);
    // Before the first step: the lesson's images, then the step's event stream.
    for _ in 0..2 {
        p.exp_string(&format!("Waiting for the Docker engine at {}", silent.host())).unwrap();
        p.exp_string("(Ctrl-C to stop waiting)").unwrap();
        p.send_control('c').unwrap();
        p.exp_string("Stopped waiting for the Docker engine").unwrap();
    }
    p.exp_string("[hello-world 1/5] $").unwrap();
    p.send_line(":check").unwrap();
    p.exp_string("(Ctrl-C to stop waiting)").unwrap();
    p.send_control('c').unwrap();
    p.exp_string("The step was not checked: type :check to look again.").unwrap();
    p.exp_string("[hello-world 1/5] $").unwrap();
    p.send_line(":quit").unwrap();
    p.exp_eof().unwrap();
}

/// A lesson that names its folder begins there: the prompt makes it and goes into it,
/// so the learner's `$PWD` is the folder the checks look at.
#[test]
fn a_lesson_that_names_its_folder_begins_there() {
    let _image = Image::acquire("alpine:3.22");
    let _names = fixed_names();
    let sb = Sandbox::new();
    let folder = sb.data.path().join("dockerlearn/volumes");
    assert!(!folder.exists());
    let mut p = start(&sb, None, &["volumes"]);
    p.exp_string("This lesson works in ~/dockerlearn/volumes: the prompt is there now.").unwrap();
    p.exp_string("[volumes 1/7] $").unwrap();
    p.send_line(":next").unwrap();
    p.exp_string("[volumes 2/7] $").unwrap();
    p.send_line("pwd").unwrap();
    p.exp_string(&folder.display().to_string()).unwrap();
    p.send_line(&format!(
        "docker run --label {} --name writer -v \"$PWD\":/work -w /work alpine:3.22 sh -c 'echo \"written in a container\" > notes.txt'",
        sb.label
    ))
    .unwrap();
    p.exp_string("Step complete.").unwrap();
    p.send_line(":quit").unwrap();
    p.exp_string("Progress saved.").unwrap();
    assert!(folder.join("notes.txt").is_file());
    // Resumed in the middle of the lesson, from another folder: back in the lesson's.
    let mut p = start(&sb, None, &[]);
    p.exp_string("This lesson works in ~/dockerlearn/volumes: the prompt is there now.").unwrap();
    p.exp_string("[volumes 3/7] $").unwrap();
    p.send_line("pwd").unwrap();
    p.exp_string(&folder.display().to_string()).unwrap();
    p.send_line(":quit").unwrap();
    p.exp_string("Progress saved.").unwrap();
}

/// The lesson's own names are the learner's, wherever they were made: removing the
/// lesson's volume made in another terminal is not questioned; a volume the lesson
/// does not name still is.
#[test]
fn the_guard_does_not_question_the_lessons_own_names() {
    let _names = fixed_names();
    let sb = Sandbox::new();
    let other = format!("dl-guard-{}", crate::support::run_id());
    struct Gone(String);
    impl Drop for Gone {
        fn drop(&mut self) {
            let _ = crate::support::docker_status(&["volume", "rm", "notes-data", &self.0]);
        }
    }
    let _gone = Gone(other.clone());
    assert!(!crate::support::docker_status(&["volume", "inspect", "notes-data"]).status.success());
    for v in ["notes-data", other.as_str()] {
        crate::support::docker(&["volume", "create", "--label", &sb.label, v]);
    }
    let mut p = start(&sb, None, &["volumes"]);
    p.exp_string("[volumes 1/7] $").unwrap();
    p.send_line(&format!("docker volume rm {other}")).unwrap();
    p.exp_string("Run it anyway?").unwrap();
    p.send_line("n").unwrap();
    p.exp_string("Not run.").unwrap();
    p.send_line("docker volume rm notes-data && echo removed-$((1+1))").unwrap();
    let before = p.exp_string("removed-2").unwrap();
    assert!(!before.contains("Run it anyway?"), "{before}");
    p.send_line(":quit").unwrap();
    p.exp_string("Progress saved.").unwrap();
}

/// In a terminal 80 columns wide, a suggested command wider than it is printed whole
/// with a ` \` continuation at a word boundary, so the screen's lines paste into sh as
/// the one command; the renderer does not wrap it. In colour and without.
#[test]
fn a_long_command_is_shown_whole_at_80_columns() {
    let postgres =
        "docker run --name some-postgres -e POSTGRES_PASSWORD=mysecretpassword -d -p 5432:5432 --rm postgres:16-alpine";
    let shown = "docker run --name some-postgres -e POSTGRES_PASSWORD=mysecretpassword -d -p \\\n5432:5432 --rm postgres:16-alpine\n";
    let escapes = regex::Regex::new("\u{1b}\\[[0-9;?]*[a-zA-Z]").unwrap();
    let sb = Sandbox::new();
    for colour in [false, true] {
        let mut test = sb.dl().env("TERM", "xterm-256color").args(["show", "services"]);
        if colour {
            test = test.remove_env("NO_COLOR");
        }
        let command = crate::support::with_columns(80, test.command());
        let mut p = spawn_command(command, Some(TIMEOUT_MS)).expect("show runs in a pty");
        let screen = p.exp_eof().unwrap();
        let plain = escapes.replace_all(&screen, "").replace('\r', "");
        assert!(plain.contains(shown), "colour {colour}: the postgres command is not shown whole:\n{plain}");
        let lines: Vec<&str> = plain.lines().collect();
        let at = lines.iter().position(|l| l.starts_with("docker run --name some-postgres")).unwrap();
        let pasted = format!("{}\n{}", lines[at], lines[at + 1]);
        assert_eq!(shlex::split(&pasted).unwrap(), shlex::split(postgres).unwrap());
    }
}

/// `docker run -d` returns before the server in it prints: the automatic check keeps
/// looking while the container runs and has not printed what the step asks, and the
/// step passes without `:check`.
#[test]
fn a_server_started_in_the_background_passes_once_it_prints() {
    let _image = Image::acquire("python:3.12-slim");
    let _names = fixed_names();
    let sb = Sandbox::new();
    let label = sb.label.clone();
    let progress = serde_json::json!({
        "format_version": 1,
        "courses": {"docker-basics": {"current": {"lesson": "pull-run", "step": "detach"}}}
    });
    std::fs::write(sb.data.path().join("progress.json"), progress.to_string()).unwrap();
    let mut p = start(&sb, None, &[]);
    p.exp_regex(r"\[pull-run \d+/\d+\] \$").unwrap();
    p.send_line(&format!(
        "docker run -d --label {label} --name pyserver python:3.12-slim python -u -m http.server 8000"
    ))
    .unwrap();
    let (_, said) = p.exp_regex(r"Step complete\.|Not yet:[^\r\n]*").unwrap();
    assert_eq!(said, "Step complete.", "the check did not wait for the server to print");
    p.send_line(":quit").unwrap();
    p.exp_eof().unwrap();
}

/// Lesson pull-run says how to see a container's exit code at the prompt: `echo $?` on
/// the same line (each line runs in a shell of its own, so a later line's `$?` is not
/// the container's). What it says must be what the prompt does.
#[test]
fn a_containers_exit_code_shows_with_echo_on_the_same_line() {
    let _image = Image::hello_world();
    let sb = Sandbox::new();
    let label = sb.label.clone();
    let mut p = start(&sb, None, &["pull-run"]);
    p.exp_regex(r"\[pull-run \d+/\d+\] \$").unwrap();
    p.send_line(&format!("docker run --rm --label {label} hello-world /bin/busybox sh -c 'exit 3'; echo \"code=$?\""))
        .unwrap();
    p.exp_string("code=3").unwrap();
    p.send_line("echo \"later=$?\"").unwrap();
    p.exp_string("later=0").unwrap();
    let lesson = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/lessons/04-pull-run.md")).unwrap();
    assert!(lesson.contains("docker run -it --rm python:3.12-slim; echo $?"), "the lesson says how");
    p.send_line(":quit").unwrap();
    p.exp_eof().unwrap();
}

/// `docker run --name x hello-world && docker rm x` removes the container as quickly as
/// `--rm` would, but by hand: the relay saw it made without `--rm`, so the step refuses it.
#[test]
fn a_removal_typed_right_after_the_run_does_not_pass_the_rm_step() {
    let _image = Image::hello_world();
    let sb = Sandbox::new();
    let label = sb.label.clone();
    let name = format!("dl-rm-{}", crate::support::run_id());
    let mut p = start(&sb, None, &["hello-world"]);
    for _ in 0..3 {
        p.exp_regex(r"\[hello-world \d/5\] \$").unwrap();
        p.send_line(":next").unwrap();
    }
    p.exp_string("[hello-world 4/5] $").unwrap();
    p.send_line(&format!("docker run --name {name} --label {label} hello-world >/dev/null && docker rm {name}"))
        .unwrap();
    p.exp_string("was removed by a `docker rm`, not by the engine").unwrap();
    p.exp_string("[hello-world 4/5] $").unwrap();
    p.send_line(&format!("docker run --rm --label {label} hello-world >/dev/null")).unwrap();
    p.exp_string("Step complete.").unwrap();
    p.send_line(":quit").unwrap();
    p.exp_eof().unwrap();
}
