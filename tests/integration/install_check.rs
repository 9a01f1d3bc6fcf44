//! Lesson 1 against the real engine, and against an engine that is not there.

use crate::support::{EngineProxy, Sandbox};

#[test]
fn engine_version_fails_without_an_engine_and_passes_with_one() {
    let sb = Sandbox::new();
    let proxy = EngineProxy::start();
    proxy.stop();
    let ran = sb
        .dl()
        .env("DOCKER_HOST", proxy.host())
        .args(["check", "install-check/engine-version"])
        .run()
        .code(3)
        .stdout_has("FAIL the Docker engine answers")
        .stdout_has("the Docker engine is not running")
        .stdout_has("(chosen by DOCKER_HOST)");
    assert!(ran.stdout.contains("systemctl start docker"), "says how to start it:\n{}", ran.stdout);

    sb.dl()
        .remove_env("DOCKER_HOST")
        .args(["check", "install-check/engine-version"])
        .run()
        .code(0)
        .stdout_has("PASS the Docker engine answers, with API version 1.24 or newer")
        .stdout_has("API 1.");
}

#[test]
fn docker_context_variable_is_followed() {
    let sb = Sandbox::new();
    let proxy = EngineProxy::start();
    let config = tempfile::tempdir().unwrap();
    // Create a context the way the docker CLI does, pointing at the proxy.
    let out = std::process::Command::new("docker")
        .env("DOCKER_CONFIG", config.path())
        .args(["context", "create", "classroom", "--docker", &format!("host={}", proxy.host())])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let ran = sb
        .dl()
        .env("DOCKER_CONFIG", config.path())
        .env("DOCKER_CONTEXT", "classroom")
        .remove_env("DOCKER_HOST")
        .args(["check", "install-check/engine-version", "--json"])
        .run()
        .code(0);
    let found = ran.json()["outcomes"][0]["found"].as_str().unwrap().to_owned();
    assert!(found.contains(&proxy.host()), "{found}");
    assert!(found.contains("DOCKER_CONTEXT (context `classroom`)"), "{found}");
}

#[test]
fn permission_denied_says_how_to_fix_it() {
    let out = crate::support::as_nobody(&["check", "install-check/engine-version"]);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(3), "{stdout}\n{}", String::from_utf8_lossy(&out.stderr));
    assert!(stdout.contains("permission denied on /var/run/docker.sock"), "{stdout}");
    assert!(stdout.contains("usermod -aG docker"), "{stdout}");
}
