//! The shipped course against the real engine, beyond `verify`: the download step that
//! verify cannot prove offline, messages for steps done "wrong but close", and whole
//! lessons walked in the REPL, one per assertion family.

use crate::support::{Image, Sandbox, docker, docker_status, fixed_names};
use dockerlearn::course;
use rexpect::session::spawn_command;

fn check(sb: &Sandbox, target: &str) -> serde_json::Value {
    let ran = sb.dl().args(["check", target, "--json"]).run();
    assert!(ran.code == 0 || ran.code == 1, "{}\n{}", ran.stdout, ran.stderr);
    ran.json()
}

fn found(v: &serde_json::Value, i: usize) -> String {
    v["outcomes"][i]["found"].as_str().unwrap_or_default().to_owned()
}

#[test]
fn pull_step_fails_without_the_image_and_passes_with_it() {
    let sb = Sandbox::new();
    // Other tests tag the fixture meanwhile: wait until none holds it, and hold it off.
    // No name lock is taken first: walks hold the image while they wait for one.
    let before = crate::fixtures::while_absent("python:3.12-slim", std::time::Duration::from_secs(600), || {
        check(&sb, "pull-run/pull")
    });
    assert_eq!(before["passed"], false);
    assert_eq!(found(&before, 0), "there is no image `python:3.12-slim` on this engine");
    // The registry is out of reach here: the fixture stands in for what the pull brings.
    let _image = Image::acquire("python:3.12-slim");
    assert_eq!(check(&sb, "pull-run/pull")["passed"], true);
}

#[test]
fn a_missing_tag_names_the_tags_there_are() {
    let _image = Image::acquire("alpine:3.22");
    let dir = crate::support::course_dir(&[
        ("lessons/course.yaml", "format_version: 1\nid: t\ntitle: T\nlessons:\n  - t\n"),
        (
            "lessons/t.md",
            "---\ntitle: T\nimages: [alpine:3.21]\n---\n## Pull {#pull}\n```sh run\ndocker pull alpine:3.21\n```\n",
        ),
        ("checks/t.yaml", "format_version: 1\ncheckpoints:\n  pull:\n    - kind: image\n      image: alpine:3.21\n"),
    ]);
    let sb = Sandbox::new();
    let ran = sb.dl().env("DOCKERLEARN_LESSONS", dir.path()).args(["check", "t/pull", "--json"]).run().code(1);
    // Other runs may hold other tags of `alpine` meanwhile: ours is among those named.
    let said = found(&ran.json(), 0);
    assert!(said.starts_with("there is no `alpine:3.21`, but `alpine` has the tag(s) "), "{said}");
    assert!(said.contains("`3.22`") && said.ends_with(": check the tag you used"), "{said}");
}

#[test]
fn a_port_published_the_wrong_way_round_is_named() {
    let _image = Image::acquire("nginx:alpine");
    let _names = fixed_names();
    let sb = Sandbox::new();
    sb.run(&["-d", "--name", "web", "-p", "8080:8081", "nginx:alpine"]);
    let v = check(&sb, "services/web");
    assert_eq!(
        found(&v, 0),
        "container `web` publishes only `8080->8081/tcp` (host->container): in `-p HOST:CONTAINER` the container's port comes second"
    );
    docker(&["rm", "-f", "web"]);
    sb.run(&["-d", "--name", "web", "-p", "8080:80", "nginx:alpine"]);
    let mut v = check(&sb, "services/web");
    for _ in 0..20 {
        if v["passed"] == true {
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(200));
        v = check(&sb, "services/web");
    }
    assert_eq!(v["passed"], true, "{v}");
}

#[test]
fn a_volume_at_the_wrong_path_and_a_missing_password_are_named() {
    let _alpine = Image::acquire("alpine:3.22");
    let _postgres = Image::acquire("postgres:16-alpine");
    let _names = fixed_names();
    let sb = Sandbox::new();
    docker(&["volume", "create", "--label", &sb.label, "notes-data"]);
    sb.run(&["--name", "reader", "-v", "notes-data:/srv", "alpine:3.22", "true"]);
    let v = check(&sb, "volumes/read-back");
    assert_eq!(found(&v, 0), "container `reader` has `volume notes-data at /srv`");
    docker(&["rm", "reader"]);
    docker(&["volume", "rm", "notes-data"]);

    // The database exits at once without a password: its exit code says so.
    let out = std::process::Command::new("docker")
        .args(["run", "--label", &sb.label, "--name", "some-postgres", "-d", "-p", "5432:5432", "postgres:16-alpine"])
        .output()
        .unwrap();
    assert!(out.status.success());
    crate::support::wait_until("some-postgres to exit", std::time::Duration::from_secs(30), || {
        docker(&["inspect", "-f", "{{.State.Status}}", "some-postgres"]).trim() == "exited"
    });
    let v = check(&sb, "services/database");
    assert_eq!(found(&v, 0), "container `some-postgres` exited with code 1");
    assert!(found(&v, 1).starts_with("container `some-postgres` has no POSTGRES_PASSWORD"), "{}", found(&v, 1));
}

/// Walks a whole lesson in the REPL as a learner: every solution command typed at the
/// prompt (through the labelling `docker` wrapper), `:next` on reading steps, and each
/// checkpoint seen to pass.
fn walk(lesson_id: &str) {
    let sb = Sandbox::new();
    let shim = dockerlearn::verify::Shim::new(&sb.label).unwrap();
    let project = dockerlearn::verify::compose_project(&format!("walk{}", std::process::id()));
    let compose = dockerlearn::engine::tools::compose();
    let work = tempfile::tempdir().unwrap();
    let _leftovers = Leftovers { label: sb.label.clone(), project: project.clone() };
    let mut command = sb
        .dl()
        .env("SHELL", "/bin/sh")
        .env("TERM", "xterm-256color")
        .env("PATH", &shim.path_env)
        .env("COMPOSE_PROJECT_NAME", &project)
        // Lessons work in `~/dockerlearn/...`: a home of the walk's own.
        .env("HOME", work.path())
        .env("DOCKERLEARN_SCOPE", format!("{},com.docker.compose.project={project}", sb.label))
        .args(["start", lesson_id])
        .command();
    command.current_dir(work.path());
    walk_with(command, lesson_id, compose.as_ref());
}

/// Walks `lesson_id` at the prompt `command` starts (`dockerlearn start LESSON`, in a
/// pty), typing each solution command as Compose `compose` wants it written.
pub fn walk_with(
    command: std::process::Command,
    lesson_id: &str,
    compose: Option<&dockerlearn::engine::tools::Compose>,
) {
    let course = course::load_from(None).unwrap();
    let lesson = &course.lessons[course.find(lesson_id).unwrap()].lesson;
    let mut p = spawn_command(command, Some(30_000)).unwrap();
    let total = lesson.steps.len();
    for (i, step) in lesson.steps.iter().enumerate() {
        let prompt = format!("[{lesson_id} {}/{total}] $", i + 1);
        p.exp_string(&prompt).unwrap_or_else(|e| panic!("{lesson_id}/{}: {e}", step.id));
        if step.reading_only {
            p.send_line(":next").unwrap();
            continue;
        }
        let commands = &step.solution.as_ref().unwrap().commands;
        let mut done = false;
        for c in commands {
            let typed = dockerlearn::engine::tools::rewrite(c, compose);
            p.send_line(&typed).unwrap();
            if typed.starts_with("cd ") {
                // The prompt's own `cd`: no command runs, so no verdict follows.
                continue;
            }
            // Every command is followed by exactly one verdict line.
            let (_, verdict) = p.exp_regex(r"Step complete\.|Not yet:|The engine did not answer").unwrap();
            if verdict.starts_with("Step complete") {
                // The rest of the step's commands only show things; the state is reached.
                done = true;
                break;
            }
        }
        // Servers take a moment; ask again as a learner would.
        for _ in 0..20 {
            if done {
                break;
            }
            std::thread::sleep(std::time::Duration::from_millis(300));
            p.send_line(":check").unwrap();
            let (_, verdict) = p.exp_regex(r"Step complete\.|  FAIL |  ---- ").unwrap();
            done = verdict.starts_with("Step complete");
        }
        assert!(done, "{lesson_id}/{} did not pass in the REPL", step.id);
    }
    p.exp_string("Lesson complete").unwrap();
    p.send_line(":quit").unwrap();
    p.exp_eof().unwrap();
}

/// Removes, even when a walk fails, what it left: the Compose project's containers and
/// networks, and whatever carries the sandbox's label.
struct Leftovers {
    label: String,
    project: String,
}

impl Drop for Leftovers {
    fn drop(&mut self) {
        let project = format!("label=com.docker.compose.project={}", self.project);
        let label = format!("label={}", self.label);
        for filter in [&project, &label] {
            for id in docker(&["ps", "-aq", "--filter", filter]).lines() {
                let _ = docker_status(&["rm", "-f", "-v", id]);
            }
            for id in docker(&["network", "ls", "-q", "--filter", filter]).lines() {
                let _ = docker_status(&["network", "rm", id]);
            }
            for v in docker(&["volume", "ls", "-q", "--filter", filter]).lines() {
                let _ = docker_status(&["volume", "rm", v]);
            }
        }
        for id in docker(&["images", "-q", "--filter", &label]).lines() {
            let _ = docker_status(&["rmi", "-f", id]);
        }
    }
}

#[test]
fn walk_services_ports_env_http_exec() {
    let _images = [Image::acquire("postgres:16-alpine"), Image::acquire("nginx:alpine")];
    let _names = fixed_names();
    walk("services");
}

#[test]
fn walk_volumes_mounts_files_host_files() {
    let _image = Image::acquire("alpine:3.22");
    let _names = fixed_names();
    walk("volumes");
}

#[test]
fn walk_hello_world() {
    let _image = Image::hello_world();
    let _names = fixed_names();
    walk("hello-world");
}

#[test]
fn walk_dockerfile_image_config() {
    let _images = [Image::acquire("alpine:3.22"), Image::acquire("python:3.12-slim")];
    let _names = fixed_names();
    walk("dockerfile");
}

#[test]
fn walk_networks() {
    let _images = [Image::acquire("nginx:alpine"), Image::acquire("busybox:latest")];
    let _names = fixed_names();
    walk("networks");
}

#[test]
fn walk_compose() {
    let _images = [Image::acquire("nginx:alpine"), Image::acquire("postgres:16-alpine"), Image::acquire("alpine:3.22")];
    let _names = fixed_names();
    walk("compose");
}

#[test]
fn walk_pull_run_events_and_entrypoints() {
    let _image = Image::acquire("python:3.12-slim");
    let _names = fixed_names();
    walk("pull-run");
}

#[test]
fn walk_commit_share_registry_push_pull() {
    let _images = [Image::acquire("alpine:3.22"), Image::acquire("registry:2")];
    let _names = fixed_names();
    walk("commit-share");
}

#[test]
fn walk_notebook() {
    let _image = Image::acquire(crate::fixtures::NOTEBOOK);
    let _names = fixed_names();
    walk("notebook");
}
