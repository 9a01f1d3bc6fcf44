//! Narration from the real engine's events: run, stop, rm, build, volume and network
//! commands are told with the right objects. The events are read with `docker events`
//! for each command's time window; the snapshot after it with `Engine::inventory`.

use crate::support::{Image, LABEL_KEY, docker, docker_status, run_id};
use dockerlearn::engine::{Engine, Scope, context};
use dockerlearn::narrate::{Event, Facts, failed_containers, narrate};
use std::collections::BTreeMap;

fn now_nanos() -> i64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_nanos() as i64
}

fn docker_time(nanos: i64) -> String {
    format!("{}.{:09}", nanos / 1_000_000_000, nanos % 1_000_000_000)
}

/// Runs one docker command and returns the engine's events while it ran that `keep`
/// keeps (read with `docker events` for the command's time window).
#[track_caller]
pub fn events_during(args: &[&str], ok: bool, keep: impl Fn(&Event) -> bool) -> Vec<Event> {
    events_of("docker", args, ok, keep)
}

/// As `events_during`, for any program (`docker-compose`).
#[track_caller]
pub fn events_of(program: &str, args: &[&str], ok: bool, keep: impl Fn(&Event) -> bool) -> Vec<Event> {
    let since = now_nanos();
    let out = std::process::Command::new(program).args(args).output().expect("the program runs");
    assert_eq!(out.status.success(), ok, "{program} {}: {}", args.join(" "), String::from_utf8_lossy(&out.stderr));
    let until = now_nanos() + 1_000_000;
    let raw =
        docker(&["events", "--since", &docker_time(since), "--until", &docker_time(until), "--format", "{{json .}}"]);
    raw.lines()
        .map(|l| serde_json::from_str::<serde_json::Value>(l).unwrap())
        .map(|v| Event {
            kind: v["Type"].as_str().unwrap_or_default().to_owned(),
            action: v["Action"].as_str().unwrap_or_default().to_owned(),
            id: v["Actor"]["ID"].as_str().unwrap_or_default().to_owned(),
            attributes: serde_json::from_value::<BTreeMap<String, String>>(v["Actor"]["Attributes"].clone())
                .unwrap_or_default(),
        })
        .filter(|e| keep(e))
        .collect()
}

/// Runs one docker command and narrates its events, keeping those about `ours`.
struct Narrator {
    ours: Vec<String>,
    engine: Engine,
    rt: tokio::runtime::Runtime,
    scope: Scope,
}

impl Narrator {
    #[track_caller]
    fn run(&mut self, args: &[&str], ok: bool) -> Vec<String> {
        self.run_program("docker", args, ok)
    }

    #[track_caller]
    fn run_program(&mut self, program: &str, args: &[&str], ok: bool) -> Vec<String> {
        let before = self.rt.block_on(self.engine.inventory(&self.scope)).unwrap();
        let ours = self.ours.clone();
        let events = events_of(program, args, ok, |e| {
            let label = e.attributes.get(LABEL_KEY).is_some_and(|l| *l == format!("{}-narrate", run_id()));
            label || ours.iter().any(|o| e.id == *o || e.attributes.get("name") == Some(o))
        });
        // Images are deleted without their labels: follow them by id.
        self.ours.extend(events.iter().filter(|e| e.kind == "image").map(|e| e.id.clone()));
        let after = self.rt.block_on(self.engine.inventory(&self.scope)).unwrap();
        let mut facts = Facts { before, after, ..Facts::default() };
        for id in failed_containers(&events) {
            // A container already removed has no logs to show.
            let logs = docker_status(&["logs", &id]);
            facts.last_lines.insert(id.clone(), String::from_utf8_lossy(&logs.stdout).into_owned());
        }
        narrate(&events, &facts)
    }
}

#[track_caller]
fn told(lines: &[String], needle: &str) {
    assert!(lines.iter().any(|l| l.contains(needle)), "the narration lacks {needle:?}:\n{}", lines.join("\n"));
}

#[test]
fn narration_names_what_each_command_changed() {
    let _busybox = Image::acquire("busybox:latest");
    let id = run_id();
    let label = format!("{LABEL_KEY}={id}-narrate");
    let (vol, net, srv, bad, tag) = (
        format!("dl-narr-vol-{id}"),
        format!("dl-narr-net-{id}"),
        format!("dl-narr-srv-{id}"),
        format!("dl-narr-bad-{id}"),
        format!("dl-narr-img-{id}:v1"),
    );
    let scope = Scope::label(label.clone());
    let engine = Engine::new(context::resolve_from_environment().unwrap(), Scope::everything());
    let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
    let mut n = Narrator { ours: vec![vol.clone(), net.clone(), tag.clone()], engine, rt, scope };
    let _cleanup = Cleanup { label: label.clone(), names: vec![net.clone(), vol.clone()], image: tag.clone() };

    told(
        &n.run(&["volume", "create", "--label", &label, &vol], true),
        &format!("created volume {vol} (on the engine's machine at /"),
    );
    told(&n.run(&["network", "create", "--label", &label, &net], true), &format!("created network {net}"));
    let mount = format!("{vol}:/data");
    let lines = n.run(
        &[
            "run",
            "-d",
            "--label",
            &label,
            "--name",
            &srv,
            "--network",
            &net,
            "-p",
            "8000",
            "-v",
            &mount,
            "busybox:latest",
            "sleep",
            "600",
        ],
        true,
    );
    told(&lines, &format!("container {srv}: created from busybox:latest, started"));
    told(&lines, &format!("reaches port 8000/tcp in {srv}: open http://localhost:"));
    told(&lines, &format!("/data in {srv} is kept in volume {vol} (on the engine's machine at /"));

    let lines =
        n.run(&["run", "--label", &label, "--name", &bad, "busybox:latest", "sh", "-c", "echo boom; exit 3"], false);
    told(&lines, &format!("container {bad}: created from busybox:latest, started, failed (exit code 3)"));
    told(&lines, "    boom");

    told(
        &n.run(&["stop", "-t", "1", &srv], true),
        &format!("container {srv}: did not stop when asked, so it was killed (exit code 137: killed)"),
    );
    let lines = n.run(&["rm", &srv, &bad], true);
    told(&lines, &format!("container {srv}: removed"));
    told(&lines, &format!("container {bad}: removed"));
    told(&n.run(&["network", "rm", &net], true), &format!("removed network {net}"));
    told(&n.run(&["volume", "rm", &vol], true), &format!("removed volume {vol} and the data in it"));

    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("Dockerfile"),
        format!("FROM busybox:latest\nLABEL {LABEL_KEY}={id}-narrate\nRUN echo hi > /hi\n"),
    )
    .unwrap();
    let lines = n.run(&["build", "-q", "-t", &tag, dir.path().to_str().unwrap()], true);
    told(&lines, &format!("is now named {tag}"));
    told(&n.run(&["rmi", &tag], true), &format!("({tag})"));

    // Compose: a project's network and container, up then down.
    let project = format!("dlnarr{}", id.replace('-', ""));
    let file = dir.path().join("compose.yaml");
    let labels = format!("    labels:\n      {LABEL_KEY}: \"{id}-narrate\"\n");
    std::fs::write(
        &file,
        format!("version: \"3\"\nservices:\n  app:\n    image: busybox:latest\n    command: sleep 600\n{labels}networks:\n  default:\n{labels}"),
    )
    .unwrap();
    let network = format!("{project}_default");
    n.ours.push(network.clone());
    let _compose = ComposeDown { file: file.clone(), project: project.clone() };
    let compose = |verb: &str| {
        vec!["-f".to_owned(), file.to_str().unwrap().to_owned(), "-p".to_owned(), project.clone(), verb.to_owned()]
    };
    let mut up = compose("up");
    up.push("-d".into());
    let lines = n.run_program("docker-compose", &up.iter().map(String::as_str).collect::<Vec<_>>(), true);
    told(&lines, &format!("created network {network}"));
    told(&lines, &format!("container {project}_app_1: created from busybox:latest, started"));
    let mut down = compose("down");
    down.extend(["-t".to_owned(), "1".to_owned()]);
    let lines = n.run_program("docker-compose", &down.iter().map(String::as_str).collect::<Vec<_>>(), true);
    told(&lines, &format!("container {project}_app_1: "));
    told(&lines, "removed");
    told(&lines, &format!("removed network {network}"));
}

/// Takes a Compose project down, whatever happened.
struct ComposeDown {
    file: std::path::PathBuf,
    project: String,
}

impl Drop for ComposeDown {
    fn drop(&mut self) {
        let _ = std::process::Command::new("docker-compose")
            .args(["-f", self.file.to_str().unwrap(), "-p", &self.project, "down"])
            .output();
    }
}

/// Removes what the test made, whatever happened: containers by label, then the
/// network and volume by name, then the image it built.
struct Cleanup {
    label: String,
    names: Vec<String>,
    image: String,
}

impl Drop for Cleanup {
    fn drop(&mut self) {
        for c in docker(&["ps", "-aq", "--filter", &format!("label={}", self.label)]).lines() {
            let _ = docker_status(&["rm", "-f", c]);
        }
        let _ = docker_status(&["network", "rm", &self.names[0]]);
        let _ = docker_status(&["volume", "rm", &self.names[1]]);
        let _ = docker_status(&["rmi", &self.image]);
    }
}
