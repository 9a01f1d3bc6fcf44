//! The narration's unit tests: events and facts in, the lines a learner reads out.

use super::*;
use crate::snapshot::{Mount, Port, Volume};

fn container_events(id: &str, name: &str, image: &str, actions: &[&str], exit: &str) -> Vec<Event> {
    actions
        .iter()
        .map(|a| {
            let mut attrs = vec![("name", name), ("image", image)];
            if *a == "die" {
                attrs.push(("exitCode", exit));
            }
            Event::of("container", a, id, &attrs)
        })
        .collect()
}

#[test]
fn a_server_started_with_a_port_and_a_volume() {
    let mut events = vec![Event::of("volume", "create", "site", &[("driver", "local")])];
    events.extend(container_events("c1", "web", "nginx:alpine", &["create", "start"], ""));
    events.push(Event::of("network", "connect", "n1", &[("container", "c1"), ("name", "bridge")]));
    let web = Container {
        id: "c1".into(),
        name: "web".into(),
        state: "running".into(),
        ports: vec![
            Port { host_ip: "0.0.0.0".into(), host_port: 8080, container_port: 80, protocol: "tcp".into() },
            Port { host_ip: "::".into(), host_port: 8080, container_port: 80, protocol: "tcp".into() },
            Port { host_ip: "127.0.0.1".into(), host_port: 5432, container_port: 5432, protocol: "tcp".into() },
        ],
        networks: vec!["bridge".into(), "shop".into()],
        mounts: vec![
            Mount {
                kind: MountKind::Volume,
                source: "site".into(),
                destination: "/usr/share/nginx/html".into(),
                read_only: false,
            },
            Mount {
                kind: MountKind::Bind,
                source: "/home/ada/conf".into(),
                destination: "/etc/nginx/conf.d".into(),
                read_only: true,
            },
        ],
        ..Container::default()
    };
    let after = Snapshot {
        containers: vec![web],
        volumes: vec![Volume {
            name: "site".into(),
            mountpoint: "/var/lib/docker/volumes/site/_data".into(),
            ..Volume::default()
        }],
        ..Snapshot::default()
    };
    let facts = Facts { after, ..Facts::default() };
    assert_eq!(
        narrate(&events, &facts),
        [
            "created volume site (on the engine's machine at /var/lib/docker/volumes/site/_data)",
            "container web: created from nginx:alpine, started",
            "  port 8080 on your computer reaches port 80/tcp in web: open http://localhost:8080",
            "  port 5432 on your computer (only from this computer) reaches port 5432/tcp in web: open http://localhost:5432",
            "  /usr/share/nginx/html in web is kept in volume site",
            "  /etc/nginx/conf.d in web is the folder /home/ada/conf on your computer, read-only",
            "  on network shop: containers there reach it by the name web",
        ]
    );
}

#[test]
fn a_failed_container_tells_its_exit_code_and_last_lines() {
    let events = container_events("c2", "db", "postgres:16-alpine", &["create", "start", "die"], "1");
    assert_eq!(failed_containers(&events), ["c2"]);
    let facts = Facts {
        last_lines: HashMap::from([(
            "c2".to_owned(),
            "a\nb\nc\nd\ne\nError: superuser password is not specified.\n".to_owned(),
        )]),
        ..Facts::default()
    };
    let told = narrate(&events, &facts);
    assert_eq!(told[0], "container db: created from postgres:16-alpine, started, failed (exit code 1)");
    assert_eq!(
        told[1],
        "  its last lines:\n    b\n    c\n    d\n    e\n    Error: superuser password is not specified."
    );
    assert_eq!(told.len(), 2, "a container that is gone has no ports to tell: {told:?}");
}

#[test]
fn stops_kills_execs_and_refused_starts_say_what_happened() {
    let with = |mut e: Event, k: &str, v: &str| {
        e.attributes.insert(k.into(), v.into());
        e
    };
    let at =
        |id: &str, name: &str, action: &str| Event::of("container", action, id, &[("name", name), ("image", "nginx")]);
    // `docker stop`: asked, and it went.
    let stop = vec![
        with(at("a", "web", "kill"), "signal", "15"),
        with(at("a", "web", "die"), "exitCode", "0"),
        at("a", "web", "stop"),
    ];
    assert_eq!(narrate(&stop, &Facts::default()), ["container web: stopped when asked (exit code 0)"]);
    // `docker stop` of one that ignores SIGTERM: killed after the timeout.
    let ignored = vec![
        with(at("b", "py", "kill"), "signal", "15"),
        with(at("b", "py", "kill"), "signal", "9"),
        with(at("b", "py", "die"), "exitCode", "137"),
        at("b", "py", "stop"),
    ];
    assert_eq!(
        narrate(&ignored, &Facts::default()),
        ["container py: did not stop when asked, so it was killed (exit code 137: killed)"]
    );
    // `docker exec` that failed, and one that did not.
    let exec = vec![
        with(at("c", "db", "exec_start: cat /nope"), "execID", "x1"),
        with(with(at("c", "db", "exec_die"), "execID", "x1"), "exitCode", "1"),
    ];
    assert_eq!(
        narrate(&exec, &Facts::default()),
        ["container db: a command ran in it (exec) and failed (exit code 1)"]
    );
    // A start the engine refused (a taken port): said, and the network noise is not.
    let refused = vec![
        at("d1234567", "webx", "create"),
        Event::of("network", "connect", "n1", &[("name", "bridge"), ("container", "d1234567")]),
        Event::of("network", "disconnect", "n1", &[("name", "bridge"), ("container", "d1234567")]),
    ];
    let facts = Facts { failed_starts: BTreeSet::from(["webx".to_owned()]), ..Facts::default() };
    assert_eq!(
        narrate(&refused, &facts),
        ["container webx: created from nginx, but could not start (the error above says why)"]
    );
}

#[test]
fn an_error_above_the_last_lines_is_told_with_them() {
    let postgres = "init\nError: Database is uninitialized and superuser password is not specified.\n  You must specify POSTGRES_PASSWORD\n  a\n  b\n  c\n  d\n  https://www.postgresql.org/docs/current/auth-trust.html";
    assert_eq!(told_tail(postgres)[0], "Error: Database is uninitialized and superuser password is not specified.");
    assert_eq!(told_tail(postgres).len(), 7);
    let far: String = std::iter::once("fatal: no config".to_owned())
        .chain((0..20).map(|i| format!("line {i}")))
        .collect::<Vec<_>>()
        .join("\n");
    assert_eq!(told_tail(&far), ["fatal: no config", "…", "line 15", "line 16", "line 17", "line 18", "line 19"]);
    assert_eq!(told_tail("a\nb\nc\nd\ne\nf"), ["b", "c", "d", "e", "f"], "no error line: the last five");
}

#[test]
fn an_exec_that_could_not_run_and_a_start_that_later_worked() {
    let at = |id: &str, name: &str, action: &str, attrs: &[(&str, &str)]| {
        let mut all = vec![("name", name), ("image", "busybox")];
        all.extend_from_slice(attrs);
        Event::of("container", action, id, &all)
    };
    let exec = vec![at("c", "box", "exec_start: nosuchcmd", &[("execID", "x9")])];
    assert_eq!(execs_without_end(&exec), ["x9"]);
    let facts = Facts {
        exec_ends: HashMap::from([("x9".to_owned(), ExecEnd { running: false, exit_code: Some(126) })]),
        ..Facts::default()
    };
    assert_eq!(
        narrate(&exec, &facts),
        ["container box: a command could not run in it (exec, exit code 126: the error above says why)"]
    );
    // Refused once, then started under the same name: it started.
    let retried = vec![at("d", "web", "create", &[]), at("d", "web", "start", &[])];
    let facts = Facts { failed_starts: BTreeSet::from(["web".to_owned()]), ..Facts::default() };
    assert_eq!(narrate(&retried, &facts), ["container web: created from busybox, started"]);
}

#[test]
fn a_removed_container_names_the_anonymous_volume_it_leaves() {
    let anonymous = "3d4fe71df7b7a1b2c3d4e5f60718293a4b5c6d7e8f9012345678901234994df0";
    let events = container_events("c7", "keep", "busybox", &["destroy"], "");
    let mut facts = Facts::default();
    facts.before.containers.push(Container {
        id: "c7".into(),
        name: "keep".into(),
        mounts: vec![Mount {
            kind: MountKind::Volume,
            source: anonymous.into(),
            destination: "/cache".into(),
            read_only: false,
        }],
        ..Container::default()
    });
    facts.after.volumes.push(Volume { name: anonymous.into(), ..Volume::default() });
    assert_eq!(
        narrate(&events, &facts),
        [
            "container keep: removed".to_owned(),
            format!(
                "  its anonymous volume 3d4fe71df7b7… (at /cache in keep) stays: `docker volume rm {anonymous}` removes it"
            ),
        ]
    );
    facts.after.volumes.clear();
    assert_eq!(narrate(&events, &facts).len(), 1, "removed with it (`rm -v`, `--rm`): nothing to say");
}

#[test]
fn a_removed_container_tells_where_its_data_stayed() {
    let events = container_events("c5", "writer", "busybox", &["create", "start", "die", "destroy"], "0");
    let mount = |kind, source: &str, destination: &str| Mount {
        kind,
        source: source.into(),
        destination: destination.into(),
        read_only: false,
    };
    let mut facts = Facts {
        mounts_when_created: HashMap::from([(
            "c5".to_owned(),
            vec![
                mount(MountKind::Bind, "/home/ada/dockerlearn/volumes", "/work"),
                mount(MountKind::Volume, "notes", "/data"),
                mount(MountKind::Volume, "3f2a9c", "/cache"),
                mount(MountKind::Tmpfs, "", "/tmp"),
                Mount { read_only: true, ..mount(MountKind::Bind, "/home/ada/conf", "/etc/app") },
            ],
        )]),
        ..Facts::default()
    };
    facts.after.volumes.push(Volume { name: "notes".into(), ..Volume::default() });
    assert_eq!(
        narrate(&events, &facts),
        [
            "container writer: created from busybox, started, finished (exit code 0: success), removed",
            "  /work in writer was the folder /home/ada/dockerlearn/volumes on your computer: whatever it wrote there stays",
            "  /data in writer was volume notes: its data is still there",
            "  /etc/app in writer was the folder /home/ada/conf on your computer, read-only",
        ]
    );
    let never_started = container_events("c5", "writer", "busybox", &["create", "destroy"], "0");
    assert_eq!(narrate(&never_started, &facts).len(), 1, "a container that never ran kept nothing");
}

#[test]
fn run_rm_stop_and_removal() {
    let mut events =
        container_events("c3", "hello", "hello-world", &["create", "attach", "start", "die", "destroy"], "0");
    events.extend(container_events("c4", "web", "nginx", &["kill", "die", "stop"], "143"));
    assert_eq!(
        narrate(&events, &Facts::default()),
        [
            "container hello: created from hello-world, started, finished (exit code 0: success), removed",
            "container web: stopped when asked (exit code 143)",
        ]
    );
}

#[test]
fn images_volumes_and_networks() {
    let events = vec![
        Event::of("image", "pull", "python:3.12-slim", &[("name", "python:3.12-slim")]),
        Event::of("container", "create", "t1", &[("image", "sha256:abc"), ("name", "x")]),
        Event::of("container", "destroy", "t1", &[("image", "sha256:abc"), ("name", "x")]),
        Event::of("image", "tag", "sha256:0123456789abcdef", &[("name", "whalesay:latest")]),
        Event::of("image", "untag", "sha256:0123456789abcdef", &[("name", "sha256:0123456789abcdef")]),
        Event::of("image", "untag", "sha256:0123456789abcdef", &[("name", "mytools:v1")]),
        Event::of("image", "delete", "sha256:0123456789abcdef", &[]),
        Event::of("network", "create", "n2", &[("name", "appnet"), ("type", "bridge")]),
        Event::of("network", "connect", "n2", &[("container", "c9"), ("name", "appnet")]),
        Event::of("network", "destroy", "n3", &[("name", "oldnet")]),
        Event::of("volume", "destroy", "notes-data", &[]),
    ];
    assert_eq!(
        narrate(&events, &Facts::default()),
        [
            "pulled image python:3.12-slim",
            "image 0123456789ab is now named whalesay:latest",
            "the name mytools:v1 was removed from image 0123456789ab",
            "deleted image 0123456789ab",
            "created network appnet",
            "container c9 connected to network appnet",
            "removed network oldnet",
            "removed volume notes-data and the data in it",
            "1 temporary container(s) ran the build's steps and were removed",
        ]
    );
}

#[test]
fn a_deleted_image_is_named_from_before() {
    let events = vec![Event::of("image", "delete", "sha256:0123456789abcdef", &[])];
    let before = Snapshot {
        images: vec![crate::snapshot::Image { id: "sha256:0123456789abcdef".into(), tags: vec!["mytools:v1".into()] }],
        ..Snapshot::default()
    };
    let facts = Facts { before, ..Facts::default() };
    assert_eq!(narrate(&events, &facts), ["deleted image 0123456789ab (mytools:v1)"]);
}

#[test]
fn a_volume_that_was_there_is_not_told_as_created() {
    // `docker run -v notes:/data` on an existing volume: the engine says `create`.
    let events = vec![Event::of("volume", "create", "notes", &[("driver", "local")])];
    let before =
        Snapshot { volumes: vec![Volume { name: "notes".into(), ..Volume::default() }], ..Snapshot::default() };
    assert!(narrate(&events, &Facts { before, ..Facts::default() }).is_empty());
}

#[test]
fn nothing_changed_says_nothing() {
    assert!(narrate(&[], &Facts::default()).is_empty());
}

#[test]
fn podman_stops_what_a_command_asked_to_stop_without_a_kill_or_stop_event() {
    let at = |action: &str, code: Option<&str>| {
        let mut attrs = vec![("name", "t1"), ("image", "docker.io/library/nginx:alpine")];
        attrs.extend(code.map(|c| ("exitCode", c)));
        Event::of("container", action, "c0ffee11", &attrs)
    };
    // `docker rm -f t1` on Podman: its stop signal, nginx ends 0, then the removal.
    let removed = vec![at("die", Some("0")), at("destroy", None)];
    let asked = Facts { asked_to_stop: BTreeSet::from(["t1".to_owned()]), ..Facts::default() };
    assert_eq!(narrate(&removed, &asked), ["container t1: stopped when asked (exit code 0), removed"]);
    // One that ignores its stop signal is killed after the timeout.
    let ignored = vec![at("die", Some("137")), at("destroy", None)];
    assert_eq!(
        narrate(&ignored, &asked),
        ["container t1: did not stop when asked, so it was killed (exit code 137: killed), removed"]
    );
    // Docker's `rm -f` kills at once, and says so: not asked.
    let docker = vec![
        Event::of("container", "kill", "c0ffee11", &[("name", "t1"), ("signal", "9")]),
        at("die", Some("137")),
        at("destroy", None),
    ];
    assert_eq!(narrate(&docker, &asked), ["container t1: was killed (exit code 137: killed), removed"]);
    // By an id prefix, as `docker stop c0ff` names it.
    let by_id = Facts { asked_to_stop: BTreeSet::from(["c0ff".to_owned()]), ..Facts::default() };
    assert_eq!(narrate(&removed[..1], &by_id), ["container t1: stopped when asked (exit code 0)"]);
    // Not asked: it ended on its own.
    assert_eq!(narrate(&removed[..1], &Facts::default()), ["container t1: finished (exit code 0: success)"]);
}

#[test]
fn podmans_default_network_resolves_no_names_as_dockers_does_not() {
    let events = container_events("c1", "t1", "nginx:alpine", &["create", "start"], "");
    let on = |network: &str| Container {
        id: "c1".into(),
        name: "t1".into(),
        state: "running".into(),
        networks: vec![network.into()],
        ..Container::default()
    };
    for default in ["bridge", "podman"] {
        let facts =
            Facts { after: Snapshot { containers: vec![on(default)], ..Snapshot::default() }, ..Facts::default() };
        assert_eq!(narrate(&events, &facts), ["container t1: created from nginx:alpine, started"], "{default}");
    }
    let facts = Facts { after: Snapshot { containers: vec![on("shop")], ..Snapshot::default() }, ..Facts::default() };
    assert!(
        narrate(&events, &facts).contains(&"  on network shop: containers there reach it by the name t1".to_owned())
    );
}

#[test]
fn podmans_execs_name_no_exec_and_are_told_in_turn() {
    let at = |action: &str, code: Option<&str>| {
        let mut attrs = vec![("name", "t2"), ("image", "busybox")];
        attrs.extend(code.map(|c| ("exitCode", c)));
        Event::of("container", action, "c2", &attrs)
    };
    let events =
        vec![at("exec_start", None), at("exec_die", Some("3")), at("exec_start", None), at("exec_die", Some("0"))];
    assert_eq!(
        narrate(&events, &Facts::default()),
        ["container t2: a command ran in it (exec) and failed (exit code 3), a command ran in it (exec)"]
    );
}
