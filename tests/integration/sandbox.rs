//! The sandbox around commands, against the real engine: the guard warns before
//! removing a container the session did not make and lets the session's own through;
//! what a command made is recorded and told.

use crate::support::{Image, LABEL_KEY, docker, docker_status, run_id};
use dockerlearn::clean::{Kind, Ledger};
use dockerlearn::engine::{Engine, context};
use dockerlearn::explain::Knowledge;
use dockerlearn::sandbox::Sandbox;

struct Made {
    label: String,
    network: String,
}

impl Drop for Made {
    fn drop(&mut self) {
        for c in docker(&["ps", "-aq", "--filter", &format!("label={}", self.label)]).lines() {
            let _ = docker_status(&["rm", "-f", c]);
        }
        let _ = docker_status(&["network", "rm", &self.network]);
    }
}

#[test]
fn the_sandbox_guards_records_and_tells() {
    let _busybox = Image::acquire("busybox:latest");
    let id = format!("{}-sandbox", run_id());
    let label = format!("{LABEL_KEY}={id}");
    let (net, web, theirs) = (format!("dl-sb-net-{id}"), format!("dl-sb-web-{id}"), format!("dl-sb-theirs-{id}"));
    let _made = Made { label: label.clone(), network: net.clone() };
    docker(&["run", "-d", "--label", &label, "--name", &theirs, "busybox:latest", "sleep", "600"]);

    let data = tempfile::tempdir().unwrap();
    let sandbox = Sandbox::new(data.path(), Knowledge::builtin());
    let mut engine = Engine::new(context::resolve_from_environment().unwrap(), Default::default());
    let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
    let cwd = std::env::current_dir().unwrap();
    let mut run = |line: &str| -> (Option<String>, Vec<String>) {
        let (before, warning) = rt.block_on(sandbox.before(&mut engine, line, &cwd)).unwrap();
        if warning.is_none() {
            let ok = std::process::Command::new("sh").arg("-c").arg(line).status().unwrap();
            assert!(ok.success(), "{line}");
        }
        let told = rt.block_on(sandbox.after(&mut engine, before)).unwrap();
        (warning.map(|w| w.render()), told)
    };

    let (warning, told) = run(&format!("docker network create {net} >/dev/null"));
    assert!(warning.is_none());
    assert!(told.contains(&format!("created network {net}")), "{told:?}");
    let (warning, told) = run(&format!(
        "docker run -d --label {label} --name {web} --network {net} -p 8000 busybox:latest sleep 600 >/dev/null"
    ));
    assert!(warning.is_none());
    assert!(
        told.iter().any(|l| l.starts_with(&format!("container {web}: created from busybox:latest, started"))),
        "{told:?}"
    );
    assert!(told.iter().any(|l| l.contains("reaches port 8000/tcp") && l.contains("http://localhost:")), "{told:?}");

    // Someone else's container: the guard names it, and it is not run.
    let (warning, _) = run(&format!("docker rm -f {theirs}"));
    let warning = warning.expect("removing a container the session did not make is flagged");
    assert!(warning.contains(&format!("remove container {theirs}")), "{warning}");
    assert!(docker_status(&["inspect", &theirs]).status.success());
    // The session's own: runs without a word.
    let (warning, told) = run(&format!("docker rm -f {web} >/dev/null"));
    assert!(warning.is_none(), "{warning:?}");
    assert!(told.iter().any(|l| l.starts_with(&format!("container {web}:")) && l.ends_with("removed")), "{told:?}");

    let records = Ledger::in_dir(data.path()).load().unwrap();
    assert!(records.iter().any(|r| r.kind == Kind::Network && r.name == net), "{records:?}");
    assert!(records.iter().any(|r| r.kind == Kind::Container && r.name == web), "{records:?}");
    assert!(!records.iter().any(|r| r.name == theirs), "made before the session: never recorded");
}

/// The sandbox's prompt, in a pty, as a learner meets it: narration after each command,
/// `:what`, `:map`, `:explain`, the guard's question, and the way back to the course.
#[test]
fn a_learner_plays_in_the_sandbox_and_goes_back_to_the_course() {
    use rexpect::session::spawn_command;
    let _busybox = Image::acquire("busybox:latest");
    let id = format!("{}-prompt", run_id());
    let label = format!("{LABEL_KEY}={id}");
    let (net, theirs, mine) = (format!("dl-sbp-net-{id}"), format!("dl-sbp-theirs-{id}"), format!("dl-sbp-mine-{id}"));
    let _made = Made { label: label.clone(), network: net.clone() };
    // Someone else's container: the guard must ask before removing it.
    docker(&["run", "-d", "--label", &label, "--name", &theirs, "busybox:latest", "sleep", "600"]);
    let data = tempfile::tempdir().unwrap();
    let test = crate::support::Test::new()
        .env("DOCKERLEARN_DATA_DIR", data.path())
        .env("SHELL", "/bin/sh")
        .env("TERM", "xterm-256color")
        .remove_env("DOCKER_HOST")
        .args(["sandbox"]);
    let mut p = spawn_command(test.command(), Some(30_000)).expect("the sandbox starts in a pty");
    p.exp_string("[sandbox] $").unwrap();

    p.send_line(&format!("docker network create --label {label} {net}")).unwrap();
    p.exp_string(&format!("created network {net}")).unwrap();
    p.exp_string("[sandbox] $").unwrap();
    p.send_line(&format!(
        "docker run -d --label {label} --name {mine} --network {net} -p 127.0.0.1::80 busybox:latest httpd -f -p 80"
    ))
    .unwrap();
    p.exp_string(&format!("container {mine}: ")).unwrap();
    p.exp_string("open http://localhost:").unwrap();
    p.exp_string("[sandbox] $").unwrap();
    p.send_line(":what").unwrap();
    p.exp_string(&format!("container {mine}: ")).unwrap();

    p.send_line(":explain docker run -p 8080:80 nginx").unwrap();
    p.exp_string("host").unwrap();
    p.exp_string("[sandbox] $").unwrap();
    p.send_line(":map").unwrap();
    p.exp_string(&mine).unwrap();
    p.exp_string("[sandbox] $").unwrap();

    // Removing what is not the learner's asks first; "no" leaves it.
    p.send_line(&format!("docker rm -f {theirs}")).unwrap();
    p.exp_string("Run it anyway? [y/N]").unwrap();
    p.send_line("n").unwrap();
    p.exp_string("Not run.").unwrap();
    p.exp_string("[sandbox] $").unwrap();
    assert!(docker_status(&["inspect", &theirs]).status.success(), "the guard kept someone else's container");
    // What the learner made goes without a question.
    p.send_line(&format!("docker rm -f {mine}")).unwrap();
    p.exp_string(&format!("container {mine}: ")).unwrap();
    p.exp_string("[sandbox] $").unwrap();

    p.send_line(":hint").unwrap();
    p.exp_string("`:sandbox` to go back to the course").unwrap();
    // Help in the sandbox lists what works there, not the lesson's commands.
    p.send_line(":help").unwrap();
    let listed = p.exp_string("Ctrl-D leaves.").unwrap();
    assert!(listed.contains(":map") && listed.contains(":explain CMD"), "{listed}");
    assert!(!listed.contains(":hint") && !listed.contains(":solution"), "{listed}");
    p.send_line(":sandbox").unwrap();
    p.exp_string("Back to the course.").unwrap();
    p.exp_string("[install-check 1/").unwrap();
    p.send_line(":quit").unwrap();
    p.exp_eof().unwrap();
}
