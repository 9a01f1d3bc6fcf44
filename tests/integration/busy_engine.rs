//! Tests that make the shared engine busy on purpose: bursts of events from "another
//! program". The engine remembers only its last 256 events, and other tests read that
//! memory (`dockerlearn check` from another terminal, say): each burst holds
//! `EventMemory::alone()`, so it never pushes out what they read.

use crate::support::{EventMemory, Image, LABEL_KEY, Sandbox, Shared, docker, run_id, sandbox_prompt};

/// The engine keeps only its last 256 events. On a busy engine another program makes
/// more than that while a long command runs: what the command did first is still told.
#[test]
fn a_busy_engine_does_not_hide_what_a_long_command_did_first() {
    // Locks in the order every test takes them: images, names, then the event memory.
    let _busybox = Image::acquire("busybox:latest");
    let _alone = EventMemory::alone();
    let id = format!("{}-busy", run_id());
    let label = format!("{LABEL_KEY}={id}");
    let name = format!("dl-busy-{id}");
    let churn: Vec<String> = (0..160).map(|i| format!("dl-busy-{i}-{id}")).collect();
    let _made = Shared { label: label.clone(), networks: vec![], volumes: churn.clone(), compose: None };
    let data = tempfile::tempdir().unwrap();
    let go_on = data.path().join("go-on");
    let mut p = sandbox_prompt(data.path());
    p.send_line(&format!(
        "docker run -d --label {label} --name {name} busybox:latest sleep 600 >/dev/null; until [ -e {} ]; do sleep 0.1; done; echo ran-$((40+2))",
        go_on.display()
    ))
    .unwrap();
    crate::support::wait_until("the command's container", std::time::Duration::from_secs(30), || {
        !docker(&["ps", "-aq", "--filter", &format!("name={name}")]).trim().is_empty()
    });
    // 320 events from another program while the command still runs.
    make_and_remove_volumes(&churn, &label);
    std::fs::write(&go_on, "").unwrap();
    p.exp_string("ran-42").unwrap();
    let told = p.exp_string("[sandbox] $").unwrap();
    assert!(
        told.contains(&format!("container {name}: created from busybox:latest, started")),
        "the container made first is told:\n{told}"
    );
    assert!(!told.contains("dl-busy-0-"), "another program's volumes are not told:\n{told}");
    p.send_line(":quit").unwrap();
    p.exp_eof().unwrap();
}

/// `dockerlearn check` from another terminal, with no prompt open, reads the step's
/// events from the engine's memory. When other programs have pushed them out, the
/// verdict says so and what to do, instead of a bare "not yet".
#[test]
fn a_check_says_when_the_engine_has_forgotten_the_steps_events() {
    let _busybox = Image::acquire("busybox:latest");
    // The every-kind course's names are fixed (`ek-once`): one test at a time.
    let _names = crate::support::names(&["every-kind-course"]);
    let _alone = EventMemory::alone();
    let sb = Sandbox::beside_a_burst();
    let course = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/courses/every-kind");
    let progress = serde_json::json!({
        "format_version": 1,
        "courses": {"every-kind": {"lessons": {"containers": {"started": {"remove": dockerlearn::progress::now()}}}}}
    });
    std::fs::write(sb.data.path().join("progress.json"), progress.to_string()).unwrap();
    let check = || {
        let ran = sb.dl().args(["check", "containers/remove", "--json", "--lessons"]).args([&course]).run();
        serde_json::from_str::<serde_json::Value>(&ran.stdout).unwrap_or_else(|e| panic!("{e}: {}", ran.stdout))
    };
    sb.run(&["--name", "ek-once", "busybox:latest", "true"]);
    docker(&["rm", "ek-once"]);
    let v = check();
    assert_eq!(v["passed"], true, "the step is done: {v}");

    let id = format!("{}-forgotten", run_id());
    let churn: Vec<String> = (0..160).map(|i| format!("dl-forgotten-{i}-{id}")).collect();
    let _made = Shared { label: sb.label.clone(), networks: vec![], volumes: churn.clone(), compose: None };
    make_and_remove_volumes(&churn, &sb.label);
    let v = check();
    assert_eq!(v["passed"], false, "the removal is no longer in the engine's memory: {v}");
    assert!(v.to_string().contains("remembers only its last 256 events"), "the verdict says why: {v}");
}

/// Another program's burst of events: each volume made, then removed, 20 to a `docker`
/// call, 8 calls at once.
fn make_and_remove_volumes(names: &[String], label: &str) {
    let xargs = |args: &str| {
        let mut child = std::process::Command::new("xargs")
            .args(["-P", "8", "-n", "20", "sh", "-c", args, "xargs"])
            .stdin(std::process::Stdio::piped())
            .stdout(std::process::Stdio::null())
            .spawn()
            .unwrap();
        std::io::Write::write_all(child.stdin.as_mut().unwrap(), names.join("\n").as_bytes()).unwrap();
        drop(child.stdin.take());
        assert!(child.wait().unwrap().success(), "{args}");
    };
    xargs(&format!("for v; do docker volume create --label {label} \"$v\"; done"));
    xargs("docker volume rm \"$@\"");
}
