//! The shipped course on every engine learners run (see `engines`): `verify` proves each
//! checkpoint fails before its step and passes after, and lessons are walked in the
//! REPL, as a learner at that engine would.

use crate::engines::{Engine, Kind};

/// `dockerlearn verify` of the whole shipped course on `kind`: every step proven.
fn verify_course(kind: Kind) {
    let engine = Engine::take(kind);
    let began = std::time::Instant::now();
    let ran = engine.dl(&["verify"]);
    let _ = std::io::Write::write_fmt(
        &mut std::io::stderr(),
        format_args!("on_engines: verify on {kind:?}: {:.0} s\n", began.elapsed().as_secs_f64()),
    );
    assert!(
        ran.code == 0 && ran.stdout.contains(" steps, 0 failed"),
        "verify on {kind:?} (exit {}):\n{}\n{}",
        ran.code,
        ran.stdout,
        ran.stderr
    );
}

#[test]
fn verify_the_course_on_docker_26() {
    verify_course(Kind::Docker);
}

#[test]
fn verify_the_course_on_docker_26_with_the_containerd_store() {
    verify_course(Kind::Containerd);
}

#[test]
fn verify_the_course_on_podman_5() {
    verify_course(Kind::Podman);
}

/// Walks `lesson` at dockerlearn's prompt in the engine's container, in a terminal of
/// 80 columns, as a learner at that engine: Compose v2 (`docker compose`) and BuildKit
/// on Docker, Podman's own builder there.
fn walk(kind: Kind, lesson: &str) {
    let engine = Engine::take(kind);
    let mut command = std::process::Command::new("docker");
    command.args(["exec", "-it", "-e", "TERM=xterm-256color", "-e", "COLUMNS=80", "-e", "SHELL=/bin/sh"]);
    command.args([&engine.container, "dockerlearn", "start", lesson]);
    crate::course::walk_with(command, lesson, None);
}

#[test]
fn walk_hello_world_dockerfile_and_compose_on_docker_26() {
    for lesson in ["hello-world", "dockerfile", "compose"] {
        walk(Kind::Docker, lesson);
    }
}

#[test]
fn walk_hello_world_dockerfile_and_compose_on_the_containerd_store() {
    for lesson in ["hello-world", "dockerfile", "compose"] {
        walk(Kind::Containerd, lesson);
    }
}

#[test]
fn walk_hello_world_dockerfile_and_compose_on_podman_5() {
    for lesson in ["hello-world", "dockerfile", "compose"] {
        walk(Kind::Podman, lesson);
    }
}
