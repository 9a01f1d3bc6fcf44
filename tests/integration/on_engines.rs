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
    walk_reaching(kind, lesson, "");
}

/// `walk`, the prompt reaching the engine as `reach` says (`KEY=VALUE` words, such as
/// `OVER_SSH`); empty for its own socket.
fn walk_reaching(kind: Kind, lesson: &str, reach: &str) {
    let engine = Engine::take(kind);
    let mut command = std::process::Command::new("docker");
    command.args(["exec", "-it", "-e", "TERM=xterm-256color", "-e", "COLUMNS=80", "-e", "SHELL=/bin/sh"]);
    for setting in reach.split_whitespace() {
        command.args(["-e", setting]);
    }
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

/// `podman build` names its image `localhost/test:pipeline`, and Podman finds it by
/// `test:pipeline`: so do the checks.
#[test]
fn an_image_podman_built_is_found_by_its_short_name() {
    let engine = Engine::take(Kind::Podman);
    engine.sh_ok(
        "mkdir -p ~/dockerlearn/pipeline && cd ~/dockerlearn/pipeline && \
         printf 'echo job finished successfully for day = $1\\n' > pipeline.sh && \
         printf 'FROM alpine:3.22\\nRUN mkdir -p /app/data\\nWORKDIR /app\\nCOPY pipeline.sh pipeline.sh\\nENTRYPOINT [\"sh\", \"pipeline.sh\"]\\n' > Dockerfile",
    );
    let before = engine.dl(&["check", "dockerfile/build"]);
    assert_eq!(before.code, 1, "{}\n{}", before.stdout, before.stderr);
    let built = engine.sh_ok("cd ~/dockerlearn/pipeline && podman build -q -t test:pipeline . >/dev/null && podman images --format '{{.Repository}}:{{.Tag}}'");
    assert!(built.lines().any(|l| l == "localhost/test:pipeline"), "{built}");
    let after = engine.dl(&["check", "dockerfile/build"]);
    assert_eq!(after.code, 0, "{}\n{}", after.stdout, after.stderr);
}

/// How a learner on this computer reaches the Docker 26 engine as a lab VM's: over ssh
/// (its sshd lets root in with the engine's own key) or over TLS (`dockerd --tlsverify`).
const OVER_SSH: &str = "DOCKER_HOST=ssh://root@127.0.0.1";
const OVER_TLS: &str = "DOCKER_HOST=tcp://127.0.0.1:2376 DOCKER_TLS_VERIFY=1 DOCKER_CERT_PATH=/root/tls";

/// `hello-world/run-it` fails before the step and passes after, the engine reached as `reach` says.
fn run_it_over(reach: &str) {
    let engine = Engine::take(Kind::Docker);
    let before = engine.sh(&format!("{reach} dockerlearn check hello-world/run-it"));
    assert_eq!(before.status.code(), Some(1), "{}", String::from_utf8_lossy(&before.stderr));
    engine.sh_ok(&format!("{reach} docker run hello-world"));
    let after = engine.sh(&format!("{reach} dockerlearn check hello-world/run-it"));
    assert_eq!(
        after.status.code(),
        Some(0),
        "{}\n{}",
        String::from_utf8_lossy(&after.stdout),
        String::from_utf8_lossy(&after.stderr)
    );
}

#[test]
fn a_checkpoint_over_ssh_to_a_docker_26_engine() {
    run_it_over(OVER_SSH);
}

#[test]
fn a_checkpoint_over_tls_to_a_docker_26_engine() {
    run_it_over(OVER_TLS);
}

#[test]
fn a_certificate_of_another_ca_is_told_at_once() {
    let engine = Engine::take(Kind::Docker);
    engine.sh_ok(
        "mkdir -p /root/tls-other && cd /root/tls-other && \
         openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj /CN=other-ca -keyout ca-key.pem -out ca.pem 2>/dev/null && \
         cp /root/tls/cert.pem /root/tls/key.pem .",
    );
    let began = std::time::Instant::now();
    let out = engine.sh(
        "DOCKER_HOST=tcp://127.0.0.1:2376 DOCKER_TLS_VERIFY=1 DOCKER_CERT_PATH=/root/tls-other dockerlearn check hello-world/run-it",
    );
    let said = format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
    let said = said.to_lowercase();
    assert!(!out.status.success(), "{said}");
    assert!(said.contains("certificate"), "{said}");
    assert!(began.elapsed() < std::time::Duration::from_secs(15), "took {:?}", began.elapsed());
}

#[test]
fn the_prompt_walks_hello_world_over_ssh_to_a_docker_26_engine() {
    walk_reaching(Kind::Docker, "hello-world", OVER_SSH);
}

#[test]
fn the_prompt_walks_hello_world_over_tls_to_a_docker_26_engine() {
    walk_reaching(Kind::Docker, "hello-world", OVER_TLS);
}
