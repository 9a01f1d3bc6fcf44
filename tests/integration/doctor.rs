//! `dockerlearn doctor` on a healthy engine, a stopped one, one the user may not use,
//! one reached through DOCKER_HOST or DOCKER_CONTEXT, one that accepts and never answers,
//! a DOCKER_HOST that is a plain file, and with a lesson's port taken.

use crate::support::{EngineProxy, SilentEngine, Test, run_within};
use std::time::Duration;

fn doctor_json(test: Test) -> (i32, serde_json::Value) {
    let ran = test.args(["doctor", "--json"]).run();
    (ran.code, ran.json())
}

#[test]
fn a_healthy_engine_is_ready() {
    let ran = Test::new().remove_env("DOCKER_HOST").args(["doctor"]).run().code(0);
    assert!(ran.stdout.contains("engine    Docker Engine"), "{}", ran.stdout);
    assert!(ran.stdout.contains("(chosen by the default)"), "{}", ran.stdout);
    assert!(ran.stdout.contains("Ready: nothing blocks the course."), "{}", ran.stdout);
    let (code, report) = doctor_json(Test::new().remove_env("DOCKER_HOST"));
    assert_eq!(code, 0);
    assert!(report["engine"]["info"]["api_version"].as_str().unwrap().starts_with("1."));
    assert!(report["findings"].as_array().unwrap().iter().all(|f| f["severity"] != "blocker"));
}

#[test]
fn a_stopped_engine_blocks_and_says_how_to_start_it() {
    let proxy = EngineProxy::start();
    proxy.stop();
    let ran = Test::new().env("DOCKER_HOST", proxy.host()).args(["doctor"]).run().code(1);
    assert!(ran.stdout.contains("PROBLEM: the Docker engine is not running: nothing answers at"), "{}", ran.stdout);
    assert!(ran.stdout.contains("(chosen by DOCKER_HOST)"), "{}", ran.stdout);
    assert!(ran.stdout.contains("systemctl start docker"), "{}", ran.stdout);
    assert!(ran.stdout.contains("Not ready"), "{}", ran.stdout);
}

#[test]
fn docker_host_and_docker_context_choose_the_endpoint() {
    let proxy = EngineProxy::start();
    let (code, report) = doctor_json(Test::new().env("DOCKER_HOST", proxy.host()));
    assert_eq!(code, 0, "{report}");
    assert_eq!(report["endpoint"], proxy.host());
    assert_eq!(report["chosen_by"], "DOCKER_HOST");

    let config = tempfile::tempdir().unwrap();
    let out = std::process::Command::new("docker")
        .env("DOCKER_CONFIG", config.path())
        .args(["context", "create", "second", "--docker", &format!("host={}", proxy.host())])
        .output()
        .unwrap();
    assert!(out.status.success());
    let test =
        Test::new().remove_env("DOCKER_HOST").env("DOCKER_CONFIG", config.path()).env("DOCKER_CONTEXT", "second");
    let (code, report) = doctor_json(test);
    assert_eq!(code, 0, "{report}");
    assert_eq!(report["endpoint"], proxy.host());
    assert_eq!(report["chosen_by"], "DOCKER_CONTEXT (context `second`)");
}

#[test]
fn no_permission_on_the_socket_says_usermod() {
    let out = crate::support::as_nobody(&["doctor"]);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(1), "{stdout}");
    assert!(stdout.contains("PROBLEM: permission denied on /var/run/docker.sock"), "{stdout}");
    assert!(stdout.contains("sudo usermod -aG docker $USER"), "{stdout}");
}

#[test]
fn a_taken_port_is_reported() {
    let _names = crate::support::names(&["port-8080"]);
    // Taken by this test, or already by something else: taken either way.
    let listener = std::net::TcpListener::bind(("0.0.0.0", 8080)).ok();
    let (_, report) = doctor_json(Test::new().remove_env("DOCKER_HOST"));
    let taken = report["ports_in_use"].as_array().unwrap();
    assert!(taken.contains(&serde_json::json!(8080)), "{report}");
    let f =
        report["findings"].as_array().unwrap().iter().find(|f| f["problem"].as_str().unwrap().contains("port 8080"));
    assert!(f.is_some_and(|f| f["severity"] == "warning"), "{report}");
    drop(listener);
}

#[test]
fn an_engine_that_never_answers_is_reported_and_doctor_ends() {
    let silent = SilentEngine::start();
    let doctor = Test::new().env("DOCKER_HOST", silent.host()).args(["doctor"]);
    let ran = run_within(doctor.command(), Duration::from_secs(120)).code(1);
    let problem = ran.stdout.lines().find(|l| l.starts_with("PROBLEM: ")).unwrap_or_default();
    assert!(
        problem.contains(&format!("the Docker engine at {}", silent.host()))
            && problem.contains("did not answer within"),
        "{}",
        ran.stdout
    );
    assert!(ran.stdout.contains("Not ready"), "{}", ran.stdout);
}

#[test]
fn a_regular_file_as_docker_host_is_said_to_be_no_socket() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("docker.sock");
    std::fs::write(&file, "not a socket").unwrap();
    let host = format!("unix://{}", file.display());
    let ran = Test::new().env("DOCKER_HOST", &host).args(["doctor"]).run().code(1);
    let problem = format!("PROBLEM: {} (chosen by DOCKER_HOST) is a regular file, not a socket", file.display());
    assert!(ran.stdout.contains(&problem), "{}", ran.stdout);
    assert!(!ran.stdout.contains("systemctl"), "{}", ran.stdout);
    let sb = crate::support::Sandbox::new();
    let ran = sb.dl().env("DOCKER_HOST", &host).args(["check", "hello-world/run-it"]).run().code(3);
    assert!(ran.stderr.contains("is a regular file, not a socket"), "{}", ran.stderr);
    assert!(!ran.stdout.contains("systemctl") && !ran.stderr.contains("systemctl"), "{}", ran.stderr);
}
