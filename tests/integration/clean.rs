//! `dockerlearn clean` against the real engine: beside twenty labelled objects that
//! existed before, a session makes five; clean lists and removes exactly those five.

use crate::narrate::events_during;
use crate::support::{Image, LABEL_KEY, Test, docker, docker_status, run_id};
use dockerlearn::clean::{Ledger, created_by};
use dockerlearn::engine::{Engine, Scope, context};

/// Everything this test made, removed by id or name when it ends.
struct Made {
    label: String,
    networks: Vec<String>,
    volumes: Vec<String>,
    images: Vec<String>,
}

impl Drop for Made {
    fn drop(&mut self) {
        for c in docker(&["ps", "-aq", "--filter", &format!("label={}", self.label)]).lines() {
            let _ = docker_status(&["rm", "-f", c]);
        }
        for n in &self.networks {
            let _ = docker_status(&["network", "rm", n]);
        }
        for v in &self.volumes {
            let _ = docker_status(&["volume", "rm", v]);
        }
        for i in &self.images {
            let _ = docker_status(&["rmi", i]);
        }
    }
}

fn exists(kind: &str, name: &str) -> bool {
    docker_status(&[kind, "inspect", name]).status.success()
}

#[test]
fn clean_removes_only_what_the_session_made() {
    let _busybox = Image::acquire("busybox:latest");
    let id = format!("{}-clean", run_id());
    let label = format!("{LABEL_KEY}={id}");
    let name = |what: &str, n: usize| format!("dl-clean-{what}{n}-{id}");
    let mut made = Made { label: label.clone(), networks: vec![], volumes: vec![], images: vec![] };
    let build_dir = tempfile::tempdir().unwrap();
    let build = |tag: &str, made: &mut Made| {
        std::fs::write(
            build_dir.path().join("Dockerfile"),
            format!("FROM busybox:latest\nLABEL {label} dl.tag={tag}\n"),
        )
        .unwrap();
        made.images.push(tag.to_owned());
        docker(&["build", "-q", "-t", tag, build_dir.path().to_str().unwrap()]);
    };

    // Twenty that existed before: five of each kind.
    let mut before = Vec::new();
    for n in 0..5 {
        let (net, vol, img, ctr) = (name("net", n), name("vol", n), format!("{}:v1", name("img", n)), name("ctr", n));
        made.networks.push(net.clone());
        made.volumes.push(vol.clone());
        docker(&["network", "create", "--label", &label, &net]);
        docker(&["volume", "create", "--label", &label, &vol]);
        build(&img, &mut made);
        docker(&["create", "--label", &label, "--name", &ctr, "busybox:latest", "true"]);
        before.extend([("network", net), ("volume", vol), ("image", img), ("container", ctr)]);
    }
    assert_eq!(before.len(), 20);

    // The session, recorded from its events as the prompt records them.
    let engine_at = context::resolve_from_environment().unwrap();
    let mut engine = Engine::new(engine_at, Scope::everything());
    let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
    let data = tempfile::tempdir().unwrap();
    let ledger = Ledger::in_dir(data.path());
    let (net, vol, img) = (name("snet", 0), name("svol", 0), format!("{}:v1", name("simg", 0)));
    let (web, job) = (name("sweb", 0), name("sjob", 0));
    made.networks.push(net.clone());
    made.volumes.push(vol.clone());
    made.images.push(img.clone());
    let ours = [net.clone(), vol.clone(), img.clone()];
    let keep = |e: &dockerlearn::narrate::Event| {
        e.attributes.get(LABEL_KEY) == Some(&id)
            || ours.iter().any(|o| e.id == *o || e.attributes.get("name") == Some(o))
    };
    let session: Vec<Vec<String>> = vec![
        vec!["network".into(), "create".into(), net.clone()],
        vec!["volume".into(), "create".into(), vol.clone()],
        vec![
            "run".into(),
            "-d".into(),
            "--label".into(),
            label.clone(),
            "--name".into(),
            web.clone(),
            "--network".into(),
            net.clone(),
            "-v".into(),
            format!("{vol}:/data"),
            "busybox:latest".into(),
            "sleep".into(),
            "600".into(),
        ],
        vec![
            "run".into(),
            "--label".into(),
            label.clone(),
            "--name".into(),
            job.clone(),
            "busybox:latest".into(),
            "true".into(),
        ],
    ];
    for args in &session {
        let before_it = rt.block_on(engine.inventory(&Scope::everything())).unwrap();
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        let events = events_during(&args, true, keep);
        ledger.append(&created_by(&events, &before_it, 0)).unwrap();
    }
    std::fs::write(build_dir.path().join("Dockerfile"), format!("FROM busybox:latest\nLABEL {label} dl.tag={img}\n"))
        .unwrap();
    let before_it = rt.block_on(engine.inventory(&Scope::everything())).unwrap();
    let events = events_during(&["build", "-q", "-t", &img, build_dir.path().to_str().unwrap()], true, keep);
    ledger.append(&created_by(&events, &before_it, 0)).unwrap();
    let session_objects =
        [("network", &net), ("volume", &vol), ("container", &web), ("container", &job), ("image", &img)];

    let dl = || Test::new().env("DOCKERLEARN_DATA_DIR", data.path()).remove_env("DOCKERLEARN_SCOPE");
    let dry = dl().args(["clean", "--dry-run"]).run().code(0);
    assert!(dry.stdout.contains("still there (5)"), "{}", dry.stdout);
    for (kind, name) in session_objects {
        assert!(dry.stdout.contains(&format!("{kind:<9} {name}")), "the list lacks {kind} {name}:\n{}", dry.stdout);
        assert!(exists(kind, name), "--dry-run removed {kind} {name}");
    }

    let ran = dl().args(["clean", "--yes"]).run().code(0);
    assert!(ran.stdout.contains("Removed 5 of 5."), "{}", ran.stdout);
    for (kind, name) in session_objects {
        assert!(!exists(kind, name), "clean left {kind} {name}");
    }
    let kept = before.iter().filter(|(kind, name)| exists(kind, name)).count();
    assert_eq!(kept, 20, "clean must leave all twenty objects that existed before");
    dl().args(["clean", "--yes"]).run().code(0).stdout_has("Nothing to clean");
}
