//! The unit tests of `check::eval`.

use super::*;
use crate::check::select::{Target, select};
use crate::check::{
    ContainerDetails, ContainerInfo, EngineEvent, EngineInfo, ExecSeen, ImageInfo, MountInfo, MountType, ProbeResult,
    Protocol, PublishedPort, State, file,
};
use std::collections::HashMap;

fn obs() -> Observation {
    let engine = EngineInfo {
        product: "Docker".into(),
        version: "20.10.24".into(),
        api_version: "1.41".into(),
        os: "linux".into(),
        endpoint: "unix:///var/run/docker.sock".into(),
        endpoint_source: "the default".into(),
    };
    Observation {
        images: vec![
            ImageInfo { id: "sha256:aaa".into(), tags: vec!["hello-world:latest".into()] },
            ImageInfo { id: "sha256:bbb".into(), tags: vec!["python:3.11".into()] },
        ],
        containers: vec![],
        events: vec![],
        ..Observation::empty(Ok(engine))
    }
}

fn container(name: &str, image: &str, state: &str, code: Option<i64>, created: i64) -> ContainerInfo {
    ContainerInfo {
        id: format!("id-{name}"),
        name: name.into(),
        image: image.into(),
        image_id: if image.starts_with("hello") { "sha256:aaa".into() } else { "sha256:ccc".into() },
        state: State::from_engine(state),
        exit_code: code,
        created,
        output: None,
        labels: HashMap::new(),
        details: None,
    }
}

fn checkpoint(yaml: &str) -> Checkpoint {
    let text = format!("format_version: 1\ncheckpoints:\n  s:\n{yaml}");
    file::parse("t.yaml", &text).unwrap().checkpoints.remove("s").unwrap()
}

fn verdict(yaml: &str, o: &Observation) -> Verdict {
    eval(&checkpoint(yaml), o)
}

#[test]
fn engine_version_is_compared_numerically() {
    let mut o = obs();
    assert!(verdict("    - kind: engine\n      min_api: \"1.24\"\n", &o).passed());
    let v = verdict("    - kind: engine\n      min_api: \"1.100\"\n", &o);
    assert!(!v.passed());
    assert!(v.outcomes[0].found.contains("older than 1.100"), "{:?}", v);
    o.engine = Err("nothing listens at unix:///x".into());
    let v = verdict("    - kind: engine\n", &o);
    assert_eq!(v.outcomes[0].status, Status::Fail);
}

#[test]
fn unreachable_engine_makes_other_checks_unknown() {
    let mut o = obs();
    o.engine = Err("stopped".into());
    let v = verdict("    - kind: image\n      image: hello-world\n", &o);
    assert!(v.engine_unreachable());
    assert!(!v.passed());
}

#[test]
fn image_references_are_normalised() {
    let o = obs();
    for r in ["hello-world", "hello-world:latest", "docker.io/library/hello-world:latest"] {
        assert!(verdict(&format!("    - kind: image\n      image: {r}\n"), &o).passed(), "{r}");
    }
    let v = verdict("    - kind: image\n      image: python:3.12\n", &o);
    assert!(!v.passed());
    assert!(v.outcomes[0].found.contains("`3.11`"), "{}", v.outcomes[0].found);
}

#[test]
fn container_exit_code_mismatch_names_the_code() {
    let mut o = obs();
    let yaml = "    - kind: container\n      name: hello\n      exit_code: 0\n";
    assert!(!verdict(yaml, &o).passed());
    o.containers.push(container("hello", "hello-world", "exited", Some(1), 10));
    let v = verdict(yaml, &o);
    assert_eq!(
        v.outcomes[0].found,
        "container `hello` exited with code 1, not 0: look at `docker logs hello` to see why"
    );
    o.containers[0].exit_code = Some(0);
    assert!(verdict(yaml, &o).passed());
}

#[test]
fn near_misses_are_named() {
    let mut o = obs();
    o.containers.push(container("helo", "hello-world", "exited", Some(0), 1));
    let v = verdict("    - kind: container\n      name: hello\n", &o);
    assert!(v.outcomes[0].found.contains("did you mean `helo`"), "{}", v.outcomes[0].found);
    o.containers.push(container("web", "python:3.11", "running", None, 2));
    let v = verdict("    - kind: container\n      name: web\n      image: python:3.12\n", &o);
    assert!(v.outcomes[0].found.contains("not `python:3.12`"), "{}", v.outcomes[0].found);
}

#[test]
fn a_missing_event_says_when_the_engine_forgot_the_steps_events() {
    let mut o = obs();
    let yaml = "    - kind: event\n      action: destroy\n      name: web\n";
    let v = verdict(yaml, &o);
    assert_eq!(v.outcomes[0].found, "no container `destroy` event since this step began");
    o.events_forgotten = true;
    let v = verdict(yaml, &o);
    assert!(v.outcomes[0].found.contains("remembers only its last 256 events"), "{}", v.outcomes[0].found);
    assert!(v.outcomes[0].found.contains("while dockerlearn's prompt is open"), "{}", v.outcomes[0].found);
}

#[test]
fn near_volumes_networks_and_images_are_named() {
    let mut o = obs();
    o.other_volumes = vec!["notes-data".into(), "pgdata".into()];
    o.other_networks = vec!["bridge".into(), "shop-net".into()];
    let v = verdict("    - kind: volume\n      volume: notesdata\n", &o);
    assert_eq!(v.outcomes[0].found, "there is no volume `notesdata`; did you mean `notes-data`?");
    let v = verdict("    - kind: volume\n      volume: logs\n", &o);
    assert_eq!(v.outcomes[0].found, "there is no volume `logs` (`docker volume ls` lists them)");
    let v = verdict("    - kind: network\n      network: shopnet\n", &o);
    assert_eq!(v.outcomes[0].found, "there is no network `shopnet`; did you mean `shop-net`?");
    let v = verdict("    - kind: network\n      network: backend\n", &o);
    assert!(v.outcomes[0].found.contains("docker network create backend"), "{}", v.outcomes[0].found);
    let v = verdict("    - kind: image\n      image: helloworld\n", &o);
    assert_eq!(
        v.outcomes[0].found,
        "there is no image `helloworld:latest` on this engine; did you mean `hello-world:latest`?"
    );
}

#[test]
fn container_image_matches_by_reference_or_id() {
    let mut o = obs();
    o.containers.push(container("a", "docker.io/library/hello-world", "exited", Some(0), 1));
    o.containers.push(container("b", "sha256:aaa", "exited", Some(0), 2));
    let sel = Target::Image("hello-world".into());
    let names: Vec<&str> = select(&sel, &o).iter().map(|c| c.name.as_str()).collect();
    assert_eq!(names, ["b", "a"]);
}

#[test]
fn no_container_lists_what_is_left() {
    let mut o = obs();
    let yaml = "    - kind: no_container\n      image: hello-world\n";
    assert!(verdict(yaml, &o).passed());
    o.containers.push(container("hello", "hello-world", "exited", Some(0), 1));
    let v = verdict(yaml, &o);
    assert_eq!(v.outcomes[0].found, "still there: `hello (exited)`");
}

fn die(name: &str, image: &str, code: &str) -> EngineEvent {
    EngineEvent {
        kind: "container".into(),
        action: "die".into(),
        id: format!("id-{name}"),
        attributes: HashMap::from([
            ("name".to_owned(), name.to_owned()),
            ("image".to_owned(), image.to_owned()),
            ("exitCode".to_owned(), code.to_owned()),
        ]),
        time_nano: 1,
    }
}

#[test]
fn events_match_action_image_and_exit_code() {
    let mut o = obs();
    let yaml = "    - kind: event\n      action: die\n      image: hello-world\n      exit_code: 0\n";
    let v = verdict(yaml, &o);
    assert_eq!(v.outcomes[0].found, "no container `die` event since this step began");
    o.events.push(die("x", "hello-world", "1"));
    let v = verdict(yaml, &o);
    assert!(v.outcomes[0].found.contains("x from hello-world exited with code 1"), "{:?}", v);
    o.events.push(die("y", "docker.io/library/hello-world:latest", "0"));
    assert!(verdict(yaml, &o).passed());
}

#[test]
fn host_paths_start_in_the_folder_or_the_home() {
    let mut o = obs();
    o.workdir = "/work/here/".into();
    o.home = "/home/u".into();
    assert_eq!(o.host_path("notes.txt"), "/work/here/notes.txt");
    assert_eq!(o.host_path("."), "/work/here");
    assert_eq!(o.host_path("./site/"), "/work/here/site");
    assert_eq!(o.host_path("~"), "/home/u");
    assert_eq!(o.host_path("~/dockerlearn/shop"), "/home/u/dockerlearn/shop");
    assert_eq!(o.host_path("/srv//www/../site"), "/srv/site");
    assert_eq!(o.host_path("../../.."), "/");
}

#[test]
fn a_project_directory_is_the_project_compose_ran_there() {
    let mut o = obs();
    o.home = "/home/u".into();
    let compose = |project: &str, dir: &str| {
        let mut c = container(&format!("{project}-web-1"), "nginx:alpine", "running", None, 1);
        c.labels = HashMap::from([
            ("com.docker.compose.project".to_owned(), project.to_owned()),
            ("com.docker.compose.service".to_owned(), "web".to_owned()),
            ("com.docker.compose.project.working_dir".to_owned(), dir.to_owned()),
        ]);
        c
    };
    let yaml = "    - kind: compose\n      service: web\n      project_directory: ~/dockerlearn/shop\n";
    // Called `shop`, but started in another folder.
    o.compose = vec![compose("shop", "/home/u/work/shop")];
    assert!(!verdict(yaml, &o).passed());
    // Started in the folder, under the name its file gives it.
    o.compose = vec![compose("store", "/home/u/dockerlearn/shop/")];
    assert!(verdict(yaml, &o).passed());
    // Compose v1 without the label: by the folder's name, as v1 writes it.
    let mut v1 = compose("shop", "");
    v1.labels.remove("com.docker.compose.project.working_dir");
    o.compose = vec![v1];
    assert!(verdict(yaml, &o).passed());
    // Where COMPOSE_PROJECT_NAME is set, that name and no other.
    o.compose_project_name = Some("dlverify1".into());
    assert!(!verdict(yaml, &o).passed());
    o.compose[0].labels.insert("com.docker.compose.project".into(), "dlverify1".into());
    assert!(verdict(yaml, &o).passed());
}

#[test]
fn a_command_is_read_from_how_the_container_was_created() {
    let mut o = obs();
    let yaml = "    - kind: event\n      action: die\n      image: busybox\n      command: echo\n      exit_code: 0\n";
    o.events.push(die("gone", "busybox", "0"));
    let v = verdict(yaml, &o);
    assert!(v.outcomes[0].found.contains("its command cannot be read any more"), "{v:?}");
    let details =
        |cmd: &[&str]| ContainerDetails { cmd: cmd.iter().map(|s| s.to_string()).collect(), ..Default::default() };
    o.created.insert("id-gone".into(), details(&["true"]));
    let v = verdict(yaml, &o);
    assert_eq!(v.outcomes[0].found, "container `gone` had a `die` event, but its command was `true`, without `echo`");
    o.created.insert("id-gone".into(), details(&["echo", "Hello", "there!"]));
    let v = verdict(yaml, &o);
    assert!(v.passed(), "{v:?}");
    assert!(v.outcomes[0].found.contains("running `echo Hello there!`"), "{v:?}");
}

#[test]
fn an_exec_is_known_by_the_command_of_its_exec_start() {
    let mut o = obs();
    let yaml = "    - kind: event\n      action: exec_die\n      name: db\n      command: psql\n      exit_code: 0\n";
    let exec = |action: &str, exec_id: &str, code: Option<&str>| {
        let mut e = die("db", "postgres", code.unwrap_or_default());
        if code.is_none() {
            e.attributes.remove("exitCode");
        }
        e.action = action.into();
        e.attributes.insert("execID".into(), exec_id.into());
        e
    };
    // pg_isready ended 0, psql ended 1: neither is a psql that succeeded.
    o.events = vec![
        exec("exec_start: pg_isready -h 127.0.0.1", "e1", None),
        exec("exec_die", "e1", Some("0")),
        exec("exec_start: psql -U postgres -c select nosuch;", "e2", None),
        exec("exec_die", "e2", Some("1")),
    ];
    let v = verdict(yaml, &o);
    assert!(v.outcomes[0].found.contains("its command was `pg_isready -h 127.0.0.1`, without `psql`"), "{v:?}");
    o.events.push(exec("exec_start: psql -U postgres -c select 1;", "e3", None));
    o.events.push(exec("exec_die", "e3", Some("0")));
    assert!(verdict(yaml, &o).passed());
    // Docker always names it: a command that cannot be found there is not accepted.
    o.events = vec![exec("exec_die", "lost", Some("0"))];
    assert!(!verdict(yaml, &o).passed());
}

/// Podman's exec events (read as `exec_start` and `exec_die`) name neither the command
/// nor the exec: at 10 s a wrong exec in `db` ended 0, at 20 s a `psql` ended 0.
fn podman_execs() -> Observation {
    let mut o = obs();
    if let Ok(info) = o.engine.as_mut() {
        info.product = "Libpod".into();
    }
    let exec = |action: &str, code: Option<&str>, at: i64| {
        let mut e = die("db", "postgres", code.unwrap_or_default());
        if code.is_none() {
            e.attributes.remove("exitCode");
        }
        e.action = action.into();
        e.time_nano = at * 1_000_000_000;
        e
    };
    o.events = vec![
        exec("exec_start", None, 10),
        exec("exec_die", Some("0"), 10),
        exec("exec_start", None, 20),
        exec("exec_die", Some("0"), 20),
    ];
    o
}

/// An exec as the relay saw it, in container `db` from `at` s to half a second later.
fn relayed(id: &str, command: &[&str], code: i64, at: i64) -> ExecSeen {
    ExecSeen {
        id: id.into(),
        container: "id-db".into(),
        command: command.iter().map(|s| s.to_string()).collect(),
        started: at * 1_000_000_000,
        ended: at * 1_000_000_000 + 500_000_000,
        exit_code: Some(code),
    }
}

const PSQL: &str =
    "    - kind: event\n      action: exec_die\n      name: db\n      command: psql\n      exit_code: 0\n";

#[test]
fn on_podman_an_exec_is_known_by_what_the_relay_saw() {
    let mut o = podman_execs();
    o.relayed_since = Some(1);
    o.execs = vec![relayed("x1", &["sh", "-c", "echo wrong"], 0, 10)];
    // The wrong one went through the relay; the one at 20 s did not (another terminal).
    let v = verdict(PSQL, &o);
    assert!(!v.passed(), "{v:?}");
    assert!(v.outcomes[0].found.contains("did not go through dockerlearn's prompt"), "{v:?}");
    o.events.truncate(2);
    let v = verdict(PSQL, &o);
    assert_eq!(
        v.outcomes[0].found,
        "container `db` had a `exec_die` event, but its command was `sh -c echo wrong`, without `psql`"
    );
    // The right one through the relay too: each event is paired with its own exec.
    o = podman_execs();
    o.relayed_since = Some(1);
    o.execs =
        vec![relayed("x1", &["sh", "-c", "echo wrong"], 0, 10), relayed("x2", &["psql", "-c", "select 1"], 0, 20)];
    let v = verdict(PSQL, &o);
    assert!(v.passed(), "{v:?}");
    assert!(v.outcomes[0].found.contains("running `psql -c select 1`"), "{v:?}");
    // A relayed exec with another exit code is another exec.
    o.execs[1].exit_code = Some(2);
    assert!(!verdict(PSQL, &o).passed());
    // By the name the request gave, before the engine told its container's id.
    o.execs[1].exit_code = None;
    o.execs[1].container = "db".into();
    o.execs[1].ended = 0;
    assert!(verdict(PSQL, &o).passed());
}

#[test]
fn on_podman_without_a_relay_an_execs_command_is_not_checked_and_says_so() {
    let mut o = podman_execs();
    let v = verdict(PSQL, &o);
    assert!(v.passed(), "{v:?}");
    assert!(v.outcomes[0].found.contains("which command it ran is not checked here"), "{v:?}");
    // Execs that ran before a relay began, likewise; one that failed does not count.
    o.relayed_since = Some(30_000_000_000);
    assert!(verdict(PSQL, &o).passed());
    for e in o.events.iter_mut().filter(|e| e.action == "exec_die") {
        e.attributes.insert("exitCode".into(), "1".into());
    }
    assert!(!verdict(PSQL, &o).passed());
    // On Docker the events always name it: an exec whose command is unknown fails.
    let mut docker = podman_execs();
    docker.engine = obs().engine;
    assert!(!verdict(PSQL, &docker).passed());
}

#[test]
fn follows_needs_the_same_container_soon_after() {
    let mut o = obs();
    let yaml = "    - kind: event\n      action: destroy\n      image: hello-world\n      follows: die\n";
    let mut gone = die("x", "hello-world", "0");
    gone.action = "destroy".into();
    gone.time_nano = 5_000_000_000;
    let mut died = die("x", "hello-world", "0");
    died.time_nano = 1_000_000_000;
    o.events = vec![died.clone(), gone.clone()];
    let v = verdict(yaml, &o);
    assert!(v.outcomes[0].found.contains("not within 2000 ms of its `die`"), "{:?}", v);
    died.time_nano = 4_900_000_000;
    o.events = vec![died.clone(), gone.clone()];
    assert!(verdict(yaml, &o).passed());
    died.id = "other".into();
    o.events = vec![died, gone];
    assert!(!verdict(yaml, &o).passed());
}

#[test]
fn a_removal_typed_right_after_is_not_the_engines_own() {
    // `docker run --name x hello-world && docker rm x`: as quick as `--rm`, but typed.
    let mut o = obs();
    let yaml = "    - kind: event\n      action: destroy\n      image: hello-world\n      follows: die\n";
    let mut gone = die("x", "hello-world", "0");
    gone.action = "destroy".into();
    gone.time_nano = 1_050_000_000;
    let mut died = die("x", "hello-world", "0");
    died.time_nano = 1_000_000_000;
    o.events = vec![died, gone];
    let made = |auto_remove| ContainerDetails { auto_remove, ..Default::default() };
    o.created.insert("id-x".into(), made(Some(false)));
    let v = verdict(yaml, &o);
    assert!(!v.passed());
    assert!(
        v.outcomes[0].found.contains("was removed by a `docker rm`, not by the engine: it was made without `--rm`"),
        "{v:?}"
    );
    o.created.insert("id-x".into(), made(Some(true)));
    assert!(verdict(yaml, &o).passed());
    // How it was made is not known (gone before anything saw it): the time decides.
    o.created.clear();
    assert!(verdict(yaml, &o).passed());
}

#[test]
fn output_is_searched_in_matching_containers() {
    let mut o = obs();
    let yaml = "    - kind: output\n      image: hello-world\n      contains: Hello from Docker!\n";
    let mut c = container("h", "hello-world", "exited", Some(0), 1);
    c.output = Some("something else\n".into());
    o.containers.push(c);
    let v = verdict(yaml, &o);
    assert_eq!(v.outcomes[0].found, "container `h` printed: something else");
    o.containers[0].output = Some("\nHello from Docker!\n".into());
    assert!(verdict(yaml, &o).passed());
}

#[test]
fn hints_travel_with_failures() {
    let v = verdict("    - kind: image\n      image: nope\n      hint: Build it first.\n", &obs());
    assert_eq!(v.outcomes[0].hint.as_deref(), Some("Build it first."));
}

#[test]
fn present_false_asserts_absence() {
    let mut o = obs();
    let gone = |y: &str, o: &Observation| verdict(y, o).passed();
    assert!(!gone("    - kind: image\n      image: hello-world\n      present: false\n", &o));
    assert!(gone("    - kind: image\n      image: nope\n      present: false\n", &o));
    assert!(gone("    - kind: volume\n      volume: data\n      present: false\n", &o));
    o.volumes.push("data".into());
    let v = verdict("    - kind: volume\n      volume: data\n      present: false\n", &o);
    assert!(v.outcomes[0].found.contains("docker volume rm data"), "{v:?}");
    assert!(gone("    - kind: network\n      network: appnet\n      present: false\n", &o));
    o.networks.push("appnet".into());
    assert!(!gone("    - kind: network\n      network: appnet\n      present: false\n", &o));
    let file = "    - kind: file\n      name: c\n      path: /app/secret.env\n      present: false\n";
    o.probes.insert(0, ProbeResult::File { container: "c".into(), content: Some("KEY=1".into()) });
    assert!(!gone(file, &o));
    o.probes.insert(0, ProbeResult::File { container: "c".into(), content: None });
    assert!(gone(file, &o));
}

#[test]
fn ports_mounts_and_env_name_the_difference() {
    let mut o = obs();
    let mut c = container("web", "nginx:alpine", "running", None, 1);
    c.details = Some(ContainerDetails {
        env: vec!["PATH=/bin".into(), "POSTGRES_PASSWORD=x".into()],
        ports: vec![PublishedPort {
            container_port: 8080,
            protocol: Protocol::Tcp,
            host_port: Some(80),
            host_ip: "0.0.0.0".into(),
        }],
        mounts: vec![MountInfo {
            kind: MountType::Bind,
            source: "/home/u/site".into(),
            destination: "/work".into(),
            name: String::new(),
            read_only: false,
            propagation: "rprivate".into(),
        }],
        ..Default::default()
    });
    o.containers.push(c);
    let v = verdict("    - kind: port\n      name: web\n      container_port: 80\n", &o);
    assert!(v.outcomes[0].found.contains("publishes only `80->8080/tcp`"), "{v:?}");
    assert!(v.outcomes[0].found.contains("container's port comes second"), "{v:?}");
    let v = verdict("    - kind: mount\n      name: web\n      destination: /home/jovyan/work\n", &o);
    assert_eq!(v.outcomes[0].found, "container `web` has `bind /home/u/site at /work`");
    let v = verdict("    - kind: env\n      name: web\n      var: POSTGRES_PASSWORD\n      value: y\n", &o);
    assert_eq!(v.outcomes[0].found, "container `web` has POSTGRES_PASSWORD=x, not y");
    assert!(verdict("    - kind: env\n      name: web\n      var: POSTGRES_PASSWORD\n", &o).passed());
    assert!(verdict("    - kind: mount\n      name: web\n      destination: /work/\n      type: bind\n", &o).passed());
}

#[test]
fn output_can_be_exact_or_a_pattern() {
    let mut o = obs();
    let mut c = container("h", "hello-world", "exited", Some(0), 1);
    c.output = Some("2026-11-21\n".into());
    o.containers.push(c);
    assert!(verdict("    - kind: output\n      name: h\n      equals: \"2026-11-21\"\n", &o).passed());
    assert!(!verdict("    - kind: output\n      name: h\n      equals: \"2026-11\"\n", &o).passed());
    let pattern = "    - kind: output\n      name: h\n      matches: '^\\d{4}-\\d{2}-\\d{2}$'\n";
    let v = verdict(pattern, &o);
    assert!(v.passed(), "{v:?}");
    assert!(v.outcomes[0].expected.contains("matches /"), "{v:?}");
}

#[test]
fn image_configuration_names_what_differs() {
    let mut o = obs();
    o.images.push(ImageInfo { id: "sha256:ddd".into(), tags: vec!["app:1".into()] });
    o.image_details.push(crate::check::ImageDetails {
        reference: "app:1".into(),
        id: "sha256:ddd".into(),
        labels: HashMap::from([("maintainer".to_owned(), "me".to_owned())]),
        env: vec!["PORT=8000".into()],
        exposed_ports: vec!["8000/tcp".into()],
        user: "app".into(),
        size: 50_000_000,
        layers: 4,
        ..Default::default()
    });
    let image = |fields: &str| verdict(&format!("    - kind: image\n      image: app:1\n{fields}"), &o);
    assert!(image("      label: maintainer\n").passed());
    assert!(image("      env: [PORT=8000]\n      exposed_ports: [8000]\n      user: app\n").passed());
    assert!(image("      max_size_mb: 60\n      max_layers: 4\n").passed());
    let v = image("      env: [PORT=9000]\n");
    assert!(v.outcomes[0].found.contains("sets PORT=8000, not PORT=9000"), "{v:?}");
    let v = image("      exposed_ports: [53/udp]\n");
    assert!(v.outcomes[0].found.contains("does not expose 53/udp (it exposes `8000/tcp`)"), "{v:?}");
    let v = image("      user: root\n");
    assert!(v.outcomes[0].found.contains("runs as `app`, not `root`"), "{v:?}");
    let v = image("      max_size_mb: 10\n");
    assert!(v.outcomes[0].found.contains("50.0 MB, more than 10 MB"), "{v:?}");
    let v = image("      max_layers: 2\n");
    assert!(v.outcomes[0].found.contains("4 layers, more than 2"), "{v:?}");
    let v = image("      label: version\n");
    assert!(v.outcomes[0].found.contains("no label `version` (its labels: `maintainer`)"), "{v:?}");
}

#[test]
fn a_rebuild_is_judged_by_the_images_own_time() {
    let mut o = obs();
    o.step_began = 2_000;
    o.images.push(ImageInfo { id: "sha256:eee".into(), tags: vec!["app:1".into()] });
    let details = |created_nanos| crate::check::ImageDetails {
        reference: "app:1".into(),
        id: "sha256:eee".into(),
        created_nanos,
        ..Default::default()
    };
    let check = "    - kind: image\n      image: app:1\n      built_since_step: true\n";
    // Built before the step began: the lazy attempt (no rebuild) is refused.
    o.image_details.push(details(1_999));
    let v = verdict(check, &o);
    assert!(!v.passed());
    assert!(v.outcomes[0].found.contains("was built before this step began"), "{v:?}");
    assert!(v.outcomes[0].expected.contains("built since this step began"), "{v:?}");
    o.image_details[0] = details(2_000);
    assert!(verdict(check, &o).passed());
}

#[test]
fn mounts_are_judged_by_their_options_and_the_learners_folder() {
    let mut o = obs();
    o.workdir = "/home/u".into();
    let mut c = container("web", "nginx:alpine", "running", None, 1);
    c.details = Some(ContainerDetails {
        mounts: vec![MountInfo {
            kind: MountType::Bind,
            source: "/home/u/site".into(),
            destination: "/usr/share/nginx/html".into(),
            name: String::new(),
            read_only: false,
            propagation: "rprivate".into(),
        }],
        ..Default::default()
    });
    o.containers.push(c);
    let mount = |fields: &str, o: &Observation| {
        verdict(&format!("    - kind: mount\n      name: web\n      destination: /usr/share/nginx/html\n{fields}"), o)
    };
    assert!(mount("      source: ./site\n", &o).passed());
    assert!(!mount("      source: ./other\n", &o).passed());
    let v = mount("      read_only: true\n", &o);
    assert!(
        v.outcomes[0].found.contains("writable: remove it (`docker rm -f web`) and create it again with `:ro`"),
        "{v:?}"
    );
    o.containers[0].details.as_mut().unwrap().mounts[0].read_only = true;
    assert!(mount("      read_only: true\n      source: ./site\n", &o).passed());
}

#[test]
fn a_hint_can_belong_to_one_way_of_failing() {
    let mut o = obs();
    let yaml = "    - kind: exec\n      name: db\n      command: [psql, -c, select 1]\n      hint: Create the table.\n      hints:\n        missing: Start the database first.\n        not_running: It stopped; `docker logs db` says why.\n";
    o.probes.insert(0, ProbeResult::NoMatch);
    let v = verdict(yaml, &o);
    assert_eq!(v.outcomes[0].hint.as_deref(), Some("Start the database first."));
    assert_eq!(v.outcomes[0].reason, Some(crate::check::Reason::Missing));
    o.probes.insert(0, ProbeResult::NotRunning { container: "db".into(), state: State::Exited });
    assert_eq!(verdict(yaml, &o).outcomes[0].hint.as_deref(), Some("It stopped; `docker logs db` says why."));
    o.probes.insert(0, ProbeResult::Exec { container: "db".into(), exit_code: 1, output: "no table".into() });
    assert_eq!(verdict(yaml, &o).outcomes[0].hint.as_deref(), Some("Create the table."));
}

#[test]
fn any_of_passes_on_one_way_and_says_every_miss() {
    let mut o = obs();
    let yaml = "    - kind: any_of\n      assertions:\n        - kind: container\n          name: whale\n          exit_code: 0\n        - kind: event\n          action: die\n          image: hello-world\n          exit_code: 0\n      hints:\n        missing: Run it first.\n";
    let v = verdict(yaml, &o);
    assert!(!v.passed());
    assert!(v.outcomes[0].found.contains("there is no container named `whale`"), "{v:?}");
    assert!(v.outcomes[0].found.contains("; nor: no container `die` event"), "{v:?}");
    assert_eq!(v.outcomes[0].hint.as_deref(), Some("Run it first."));
    assert!(checkpoint(yaml).waits_for_events());
    o.events.push(die("x", "hello-world", "0"));
    assert!(verdict(yaml, &o).passed());
    let nested = file::parse(
        "t.yaml",
        "format_version: 1\ncheckpoints:\n  s:\n    - kind: any_of\n      assertions:\n        - kind: engine\n",
    );
    assert!(nested.unwrap_err().to_string().contains("two or more"));
}

#[test]
fn only_a_running_containers_silence_is_worth_waiting_for() {
    let mut o = obs();
    let running = "    - kind: container\n      name: web\n      state: running\n";
    let printed = "    - kind: output\n      name: web\n      contains: Serving HTTP\n";
    let both = checkpoint(&format!("{running}{printed}"));
    let mut c = container("web", "python:3.11", "running", None, 1);
    c.output = Some(String::new());
    o.containers.push(c);
    let v = eval(&both, &o);
    assert!(awaits_output(&both, &o, &v), "{v:?}");
    o.containers[0].output = Some("Serving HTTP on 0.0.0.0 port 8000\n".into());
    let v = eval(&both, &o);
    assert!(v.passed() && !awaits_output(&both, &o, &v), "a verdict that passed is said at once");
    o.containers[0].output = Some(String::new());
    o.containers[0].state = State::Exited;
    let v = eval(&both, &o);
    assert!(!awaits_output(&both, &o, &v), "an exited container prints no more");
    let other = checkpoint(&format!("{printed}    - kind: volume\n      volume: data\n"));
    o.containers[0].state = State::Running;
    let v = eval(&other, &o);
    assert!(!awaits_output(&other, &o, &v), "another assertion fails too: say it at once");
}
