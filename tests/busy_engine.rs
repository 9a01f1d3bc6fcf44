//! Tests that make the shared engine busy on purpose, in a test binary of their own.
//! The engine remembers only its last 256 events, and several `integration` tests read
//! that memory (`dockerlearn check` from another terminal, say); cargo runs test
//! binaries one after another, so a burst of events made here never pushes theirs out.

// The helpers are shared with the `integration` binary, which uses all of them.
#![allow(dead_code)]

#[path = "integration/fixtures.rs"]
mod fixtures;
#[path = "integration/support.rs"]
mod support;

use support::{Image, LABEL_KEY, Shared, docker, run_id, sandbox_prompt};

/// The engine keeps only its last 256 events. On a busy engine another program makes
/// more than that while a long command runs: what the command did first is still told.
#[test]
fn a_busy_engine_does_not_hide_what_a_long_command_did_first() {
    let _busybox = Image::acquire("busybox:latest");
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
    support::wait_until("the command's container", std::time::Duration::from_secs(30), || {
        !docker(&["ps", "-aq", "--filter", &format!("name={name}")]).trim().is_empty()
    });
    // 320 events from another program while the command still runs.
    let xargs = |args: &str| {
        let mut child = std::process::Command::new("xargs")
            .args(["-P", "8", "-n", "20", "sh", "-c", args, "xargs"])
            .stdin(std::process::Stdio::piped())
            .stdout(std::process::Stdio::null())
            .spawn()
            .unwrap();
        std::io::Write::write_all(child.stdin.as_mut().unwrap(), churn.join("\n").as_bytes()).unwrap();
        drop(child.stdin.take());
        assert!(child.wait().unwrap().success(), "{args}");
    };
    xargs(&format!("for v; do docker volume create --label {label} \"$v\"; done"));
    xargs("docker volume rm \"$@\"");
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
