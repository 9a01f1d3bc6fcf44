//! Which command a container or an exec ran, judged on Podman 5 (see `engines`), whose
//! Docker API names neither in its events as Docker does: an exec's events carry no
//! command and no exec id, and a `--rm` container is often gone before its late `create`
//! event can be followed by a look at it. What dockerlearn's relay saw the learner's
//! commands ask (at the prompt, and for `verify`'s solutions) tells it instead: the wrong
//! command is refused, the right one accepted. And the sandbox tells a run and a forced
//! removal as they happened, although Podman's events arrive late.

use crate::engines::{Engine, Kind};
use crate::support::{course_dir, docker};
use rexpect::session::PtySession;

/// Where the test's course goes in the engine's container (cleared with the engine).
const COURSE: &str = "/tmp/dl-course";

/// How many times a `--rm` run is tried, wrong and right: the look at a `--rm` container
/// that follows its late event misses it about one time in four.
const RM_STEPS: usize = 4;

/// A lesson whose steps want a `--rm` container that ran `curl-ok`, then an exec in
/// `web` that ran `psql-ok`; the last step's solution is a wrong exec, for `verify` to
/// refuse.
fn course(wrong_last: bool) -> tempfile::TempDir {
    let mut md = String::from("---\ntitle: Commands\nimages: [busybox]\n---\nWhich command ran.\n");
    let mut checks = String::from("format_version: 1\ncheckpoints:\n");
    let rm_check =
        "    - kind: event\n      action: die\n      image: busybox\n      command: curl-ok\n      exit_code: 0\n";
    for i in 1..=RM_STEPS {
        md.push_str(&format!(
            "## Run it {{#rm-{i}}}\nRun it.\n### Solution\n```sh run\ndocker run --rm busybox sh -c 'echo curl-ok {i}'\n```\n"
        ));
        checks.push_str(&format!("  rm-{i}:\n{rm_check}"));
    }
    md.push_str(
        "## A server {#server}\nStart it.\n### Solution\n```sh run\ndocker run -d --name web busybox sleep 600\n```\n",
    );
    checks.push_str("  server:\n    - kind: container\n      name: web\n      state: running\n");
    let exec_check =
        "    - kind: event\n      action: exec_die\n      name: web\n      command: psql-ok\n      exit_code: 0\n";
    md.push_str("## Query {#query}\nQuery it.\n### Solution\n```sh run\ndocker exec web sh -c 'echo psql-ok'\n```\n");
    checks.push_str(&format!("  query:\n{exec_check}"));
    if wrong_last {
        md.push_str(
            "## A wrong rm run {#wrong-rm}\nRun it.\n### Solution\n```sh run\ndocker run --rm busybox sh -c 'echo wrong'\n```\n",
        );
        checks.push_str(&format!("  wrong-rm:\n{rm_check}"));
        md.push_str(
            "## A wrong query {#wrong-query}\nQuery it.\n### Solution\n```sh run\ndocker exec web sh -c 'echo wrong'\n```\n",
        );
        checks.push_str(&format!("  wrong-query:\n{exec_check}"));
    }
    course_dir(&[
        ("lessons/course.yaml", "format_version: 1\nid: t\ntitle: T\nlessons:\n  - commands\n"),
        ("lessons/commands.md", &md),
        ("checks/commands.yaml", &checks),
    ])
}

/// Copies a course into the engine's container, at `COURSE`.
fn put_course(engine: &Engine, dir: &tempfile::TempDir) {
    engine.sh_ok(&format!("rm -rf {COURSE}"));
    docker(&["cp", &dir.path().display().to_string(), &format!("{}:{COURSE}", engine.container)]);
}

/// dockerlearn's prompt in the engine's container, in a terminal wide enough that no
/// verdict is wrapped.
fn prompt(engine: &Engine, args: &[&str]) -> PtySession {
    let mut command = std::process::Command::new("docker");
    command.args(["exec", "-it", "-e", "TERM=xterm-256color", "-e", "COLUMNS=400", "-e", "SHELL=/bin/sh"]);
    command.args([engine.container.as_str(), "dockerlearn"]).args(args);
    rexpect::session::spawn_command(command, Some(30_000)).expect("dockerlearn starts in a pty")
}

/// Runs `line` at the prompt (`[commands N/M] $`) and returns what came until the next
/// prompt; while that lacks `want`, asks `:check` again a few times (Podman's events
/// arrive a moment late), returning everything shown.
fn until_shown(p: &mut PtySession, line: &str, want: &str) -> String {
    p.send_line(line).unwrap();
    let (mut shown, _) = p.exp_regex(r"\[commands \d+/\d+\] \$").unwrap();
    for _ in 0..10 {
        if shown.contains(want) {
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(300));
        p.send_line(":check").unwrap();
        let (more, _) = p.exp_regex(r"\[commands \d+/\d+\] \$").unwrap();
        shown.push_str(&more);
    }
    shown
}

/// At the prompt: a wrong `--rm` run is refused by its command, the right one passes,
/// each time; a wrong exec is refused by its command, a command the container lacks
/// too, and the right exec passes.
#[test]
fn at_the_prompt_on_podman_a_rm_run_and_an_exec_are_judged_by_their_commands() {
    let engine = Engine::take(Kind::Podman);
    put_course(&engine, &course(false));
    let mut p = prompt(&engine, &["start", "commands", "--lessons", COURSE]);
    p.exp_string("[commands 1/").unwrap();
    for i in 1..=RM_STEPS {
        let refused = until_shown(&mut p, "docker run --rm busybox sh -c 'echo wrong'", "its command was");
        assert!(
            refused.contains("Not yet:") || refused.contains("FAIL"),
            "rm-{i}: a wrong --rm run was not refused:\n{refused}"
        );
        assert!(
            refused.contains("its command was `sh -c echo wrong`, without `curl-ok`"),
            "rm-{i}: the refusal does not name the command that ran:\n{refused}"
        );
        let right = until_shown(&mut p, &format!("docker run --rm busybox sh -c 'echo curl-ok {i}'"), "Step complete.");
        assert!(right.contains("Step complete."), "rm-{i}: the right --rm run did not pass:\n{right}");
    }
    let server = until_shown(&mut p, "docker run -d --name web busybox sleep 600", "Step complete.");
    assert!(server.contains("Step complete."), "{server}");
    let refused = until_shown(&mut p, "docker exec web sh -c 'echo wrong'", "its command was");
    assert!(
        refused.contains("its command was `sh -c echo wrong`, without `psql-ok`"),
        "a wrong exec was not refused by its command:\n{refused}"
    );
    assert!(!refused.contains("Step complete."), "a wrong exec passed:\n{refused}");
    let missing = until_shown(&mut p, "docker exec web psql-ok", "Not yet:");
    assert!(!missing.contains("Step complete."), "an exec of a command the container lacks passed:\n{missing}");
    let right = until_shown(&mut p, "docker exec web sh -c 'echo psql-ok'", "Step complete.");
    assert!(right.contains("Step complete."), "the right exec did not pass:\n{right}");
    assert!(right.contains("running `sh -c echo psql-ok`"), "the pass names the exec's command:\n{right}");
    assert!(right.contains("Lesson complete"), "{right}");
    p.send_line(":quit").unwrap();
    p.exp_eof().unwrap();
}

/// The row of `commands/STEP` in verify's table, with the solution's log under it.
fn row(out: &str, step: &str) -> String {
    let lines: Vec<&str> = out.lines().collect();
    let at = lines
        .iter()
        .position(|l| l.starts_with("commands") && l.split_whitespace().nth(1) == Some(step))
        .unwrap_or_else(|| panic!("no row for commands/{step}:\n{out}"));
    let log = lines[at + 1..].iter().take_while(|l| l.starts_with("    ")).count();
    lines[at..=at + log].join("\n")
}

/// `verify` runs its solutions through a relay of its own: each `--rm` run and the exec
/// are proven by their commands, and a wrong command is refused as such.
#[test]
fn verify_on_podman_judges_rm_runs_and_execs_by_their_commands() {
    let engine = Engine::take(Kind::Podman);
    put_course(&engine, &course(true));
    let ran = engine.dl(&["verify", COURSE]);
    let out = &ran.stdout;
    for i in 1..=RM_STEPS {
        assert!(row(out, &format!("rm-{i}")).contains(" pass "), "rm-{i}:\n{out}\n{}", ran.stderr);
    }
    assert!(row(out, "query").contains(" pass "), "{out}");
    let wrong_rm = row(out, "wrong-rm");
    assert!(
        wrong_rm.contains("FAIL") && wrong_rm.contains("its command was `sh -c echo wrong`, without `curl-ok`"),
        "{out}"
    );
    let wrong_query = row(out, "wrong-query");
    assert!(
        wrong_query.contains("FAIL") && wrong_query.contains("its command was `sh -c echo wrong`, without `psql-ok`"),
        "{out}"
    );
    assert!(out.contains("steps, 2 failed"), "{out}");
}

/// Runs `line` at the sandbox's prompt and returns what was told after it ran (its own
/// output's end is marked: the line editor may redraw the prompt as the line is typed).
fn told_after(p: &mut PtySession, line: &str) -> String {
    p.send_line(&format!("{line}; echo ran-$((40+2))")).unwrap();
    p.exp_string("ran-42").unwrap();
    p.exp_string("[sandbox] $").unwrap()
}

/// The sandbox on Podman tells a server's run as on Docker (created, started, its port),
/// a forced removal as a removal, and a failed exec with its exit code: Podman's events
/// reach dockerlearn a moment after the command has returned, and name no exec.
#[test]
fn the_sandbox_on_podman_tells_a_run_a_forced_removal_and_a_failed_exec() {
    let engine = Engine::take(Kind::Podman);
    let mut p = prompt(&engine, &["sandbox"]);
    p.exp_string("[sandbox] $").unwrap();
    let told = told_after(&mut p, "docker run --name t1 -d -p 8088:80 nginx:alpine");
    assert!(told.contains("container t1: created from docker.io/library/nginx:alpine, started"), "{told}");
    assert!(
        told.contains("port 8088 on your computer reaches port 80/tcp in t1: open http://localhost:8088"),
        "{told}"
    );
    let told = told_after(&mut p, "docker rm -f t1");
    assert!(told.contains("container t1: stopped when asked (exit code 0), removed"), "{told}");
    told_after(&mut p, "docker run -d --name t2 busybox sleep 600");
    let told = told_after(&mut p, "docker exec t2 sh -c 'exit 3'");
    assert!(told.contains("container t2: a command ran in it (exec) and failed (exit code 3)"), "{told}");
    // `sleep` as PID 1 ignores SIGTERM: the engine kills it after the second it was given.
    let told = told_after(&mut p, "docker stop -t 1 t2");
    assert!(told.contains("container t2: did not stop when asked, so it was killed (exit code 137"), "{told}");
    // Their events come after the command returns, as a container's do: waited for too.
    let told = told_after(&mut p, "docker volume create v1");
    assert!(told.contains("created volume v1"), "{told}");
    let told = told_after(&mut p, "docker network create n1");
    assert!(told.contains("created network n1"), "{told}");
    let told = told_after(&mut p, "docker network rm n1 && docker volume rm v1");
    assert!(told.contains("removed network n1") && told.contains("removed volume v1"), "{told}");
    // Podman says it built an image (a `build` event naming no tag), a moment later.
    let told = told_after(
        &mut p,
        "mkdir -p b && cd b && printf 'FROM busybox\\nRUN echo hi > /x\\n' > Dockerfile && docker build -q -t t3:1 . >/dev/null",
    );
    assert!(told.contains("built image "), "{told}");
    p.send_line(":quit").unwrap();
    p.exp_eof().unwrap();
}
