//! The unit tests of `traffic`.

use super::*;
use crate::snapshot::{Container, Image, Mount, Network, Volume};

fn call(method: &str, target: &str) -> Call {
    let (path, query) = target.split_once('?').map_or((target, None), |(p, q)| (p, Some(q)));
    Call::new(method, path, query)
}

/// A call, its status and its answer's lines, as the proxy feeds them.
fn saw(t: &mut Traffic, method: &str, target: &str, status: u16, lines: &[&str]) {
    let c = call(method, target);
    t.requested(&c);
    t.answered(&c, status);
    if (200..300).contains(&status) && c.answer_matters() {
        for l in lines {
            t.answer_line(&c, l.as_bytes());
        }
    }
}

#[test]
fn a_volume_a_run_of_ours_made_by_mounting_it_is_ours() {
    let mut t = Traffic::default();
    t.make(Kind::Container, "c1", "");
    let events = vec![
        Event::of("volume", "create", "note-data", &[]),
        Event::of("volume", "mount", "note-data", &[("container", "c1")]),
        // Another program's container made and mounted its own volume meanwhile.
        Event::of("volume", "create", "theirs", &[]),
        Event::of("volume", "mount", "theirs", &[("container", "c2")]),
        // Mounted by ours, but it was there before: not made now.
        Event::of("volume", "mount", "old", &[("container", "c1")]),
    ];
    let before = Snapshot {
        volumes: vec![crate::snapshot::Volume { name: "old".into(), ..Default::default() }],
        ..Default::default()
    };
    let t = t.with_implicit_volumes(&events, &before);
    let volumes: Vec<&str> = t.made.iter().filter(|m| m.kind == Kind::Volume).map(|m| m.id.as_str()).collect();
    assert_eq!(volumes, ["note-data"]);
}

#[test]
fn a_buildkit_build_makes_the_tags_that_are_new() {
    let mut t = Traffic::default();
    t.requested(&call("POST", "/v1.43/session"));
    t.requested(&call("POST", "/v1.43/grpc"));
    assert!(t.built && t.buildkit);
    let image = |id: &str, tags: &[&str]| crate::snapshot::Image {
        id: id.into(),
        tags: tags.iter().map(|t| t.to_string()).collect(),
    };
    let before = Snapshot { images: vec![image("sha256:old", &["base:1"])], ..Default::default() };
    let after = Snapshot {
        images: vec![image("sha256:old", &["base:1"]), image("sha256:new", &["whalesay:latest"])],
        ..Default::default()
    };
    let t = t.with_buildkit_images(&before, &after);
    let records = t.records(&before, &after, 1);
    assert_eq!(records.len(), 1, "{records:?}");
    assert_eq!((records[0].id.as_str(), records[0].name.as_str()), ("sha256:new", "whalesay:latest"));
    // A classic build is read from its answer instead.
    let plain = Traffic::default().with_buildkit_images(&before, &after);
    assert!(plain.made.is_empty());
}

#[test]
fn calls_are_read_without_the_api_version() {
    let c = call("post", "/v1.41/containers/create?name=web%2D1");
    assert!(c.is("POST", &["containers", "create"]) && c.answer_matters());
    assert_eq!(c.param("name"), Some("web-1"));
    assert!(call("POST", "/build?t=a&t=b").answer_matters());
    assert!(!call("POST", "/v1.41/containers/abc/start").answer_matters());
    assert!(!call("GET", "/v1.41/containers/json").answer_matters());
    assert!(call("DELETE", "/v1.41/images/busybox:latest").answer_matters());
    assert_eq!(call("POST", "/v1.41/containers/web/exec").creates_exec(), Some("web"));
    assert_eq!(call("POST", "/v1.41/exec/e1/start").starts_exec(), Some("e1"));
    assert_eq!(call("GET", "/v1.41/exec/e1/json").starts_exec(), None);
    assert_eq!(call("POST", "/v1.41/containers/web/start").creates_exec(), None);
}

#[test]
fn what_a_run_a_compose_up_and_a_removal_made_and_named() {
    let mut t = Traffic::default();
    saw(&mut t, "HEAD", "/_ping", 200, &[]);
    saw(&mut t, "POST", "/v1.41/volumes/create", 201, &[r#"{"Name":"notes","Driver":"local"}"#]);
    saw(&mut t, "POST", "/v1.41/networks/create", 201, &[r#"{"Id":"n1","Warning":""}"#]);
    saw(&mut t, "POST", "/v1.41/containers/create?name=web", 201, &[r#"{"Id":"c1","Warnings":[]}"#]);
    saw(&mut t, "POST", "/v1.41/containers/c1/start", 204, &[]);
    saw(&mut t, "POST", "/v1.41/containers/theirs/stop?t=1", 204, &[]);
    saw(&mut t, "GET", "/v1.41/containers/peeked/json", 200, &[]);
    saw(&mut t, "DELETE", "/v1.41/networks/oldnet", 204, &[]);
    saw(&mut t, "POST", "/v1.41/containers/create?name=failed", 409, &[r#"{"Id":"x"}"#]);
    let made: Vec<(Kind, &str, &str)> = t.made.iter().map(|m| (m.kind, m.id.as_str(), m.name.as_str())).collect();
    assert_eq!(made, [(Kind::Volume, "notes", "notes"), (Kind::Network, "n1", ""), (Kind::Container, "c1", "web")]);
    assert_eq!(t.named, BTreeSet::from(["c1".to_owned(), "oldnet".to_owned(), "theirs".to_owned()]));
}

#[test]
fn images_built_committed_imported_loaded_pulled_tagged_and_removed() {
    let mut t = Traffic::default();
    saw(
        &mut t,
        "POST",
        "/v1.41/build?t=site%3Av1&q=1",
        200,
        &[r#"{"stream":"Step 1/2 : FROM busybox"}"#, r#"{"aux":{"ID":"sha256:b1"}}"#],
    );
    saw(&mut t, "POST", "/v1.41/commit?container=web&repo=saved&tag=v2", 201, &[r#"{"Id":"sha256:c2"}"#]);
    saw(&mut t, "POST", "/v1.41/images/create?fromSrc=-&repo=root&tag=v3", 200, &[r#"{"status":"sha256:i3"}"#]);
    saw(
        &mut t,
        "POST",
        "/v1.41/images/load?quiet=1",
        200,
        &[r#"{"stream":"Loaded image: kit:v4\n"}"#, r#"{"stream":"Loaded image ID: sha256:l4\n"}"#],
    );
    saw(&mut t, "POST", "/v1.41/images/create?fromImage=python&tag=3.12-slim", 200, &[r#"{"status":"Pulling"}"#]);
    saw(&mut t, "POST", "/v1.41/images/busybox/tag?repo=quay.io%2Fme%2Fbox&tag=", 201, &[]);
    saw(&mut t, "DELETE", "/v1.41/images/old:v0", 200, &[r#"[{"Untagged":"old:v0"},{"Deleted":"sha256:d0"}]"#]);
    assert!(t.built);
    let images: Vec<(&str, &str)> =
        t.made.iter().filter(|m| m.kind == Kind::Image).map(|m| (m.id.as_str(), m.name.as_str())).collect();
    assert_eq!(
        images,
        [
            ("", "site:v1"),
            ("sha256:b1", ""),
            ("", "saved:v2"),
            ("sha256:c2", ""),
            ("", "root:v3"),
            ("sha256:i3", ""),
            ("", "kit:v4"),
            ("sha256:l4", ""),
            ("", "python:3.12-slim"),
            ("", "quay.io/me/box:latest"),
        ]
    );
    for named in ["web", "busybox", "old:v0", "sha256:d0"] {
        assert!(t.named.contains(named), "{named}: {:?}", t.named);
    }
}

#[test]
fn volumes_and_networks_owe_their_making_and_their_removal() {
    let mut t = Traffic::default();
    saw(&mut t, "POST", "/v1.41/volumes/create", 201, &[r#"{"Name":"v1","Driver":"local"}"#]);
    saw(&mut t, "POST", "/v1.41/networks/create", 201, &[r#"{"Id":"c7af5b47","Warning":""}"#]);
    saw(&mut t, "DELETE", "/v1.41/volumes/v1", 204, &[]);
    saw(&mut t, "DELETE", "/v1.41/networks/n1", 204, &[]);
    saw(&mut t, "DELETE", "/v1.41/networks/gone", 404, &[]);
    let owed: Vec<(&str, &str, String)> = t.owed().into_iter().map(|o| (o.kind, o.action, o.object)).collect();
    let o = |k, a, x: &str| (k, a, x.to_owned());
    assert_eq!(
        owed,
        [
            o("volume", "create", "v1"),
            o("network", "create", "c7af5b47"),
            o("volume", "destroy", "v1"),
            o("network", "destroy", "n1")
        ]
    );
    // A build owes an event about its image, whatever its action (Docker's `tag`,
    // Podman's `build`), by the id without `sha256:` too.
    saw(&mut t, "POST", "/v1.41/build?t=t3:1", 200, &[r#"{"aux":{"ID":"sha256:5ad4fce78f42"}}"#]);
    let built = t.owed().pop().unwrap();
    assert!(built.met_by(&Event::of("image", "build", "5ad4fce78f42", &[])));
    assert!(built.met_by(&Event::of("image", "tag", "sha256:5ad4fce78f42", &[("name", "t3:1")])));
    assert!(!built.met_by(&Event::of("image", "tag", "sha256:0000", &[])));
    // `docker build -q` on Podman: the id alone, as a stream line.
    let id = "8792cfa0fd5f5fbb0ffe4b8cb056d000ab88c8b98cefd874fcda2127a543e3cd";
    saw(&mut t, "POST", "/v1.41/build?t=t4:1&q=1", 200, &[&format!(r#"{{"stream":"{id}\n"}}"#)]);
    assert_eq!(t.owed().pop(), Some(Owed::of("image", "", id)));
    // As Podman sends them, once the engine reads them in Docker's words.
    assert!(Owed::of("volume", "create", "v1").met_by(&Event::of("volume", "create", "v1", &[("name", "v1")])));
    assert!(Owed::of("network", "destroy", "n1").met_by(&Event::of("network", "destroy", "c7af5b", &[("name", "n1")])));
}

#[test]
fn a_run_and_a_forced_removal_owe_their_events() {
    let mut t = Traffic::default();
    saw(&mut t, "POST", "/v1.41/containers/create?name=t1", 201, &[r#"{"Id":"c0ffee11"}"#]);
    saw(&mut t, "POST", "/v1.41/containers/c0ffee11/wait?condition=next-exit", 200, &[r#"{"StatusCode":0}"#]);
    saw(&mut t, "POST", "/v1.41/containers/c0ffee11/start", 204, &[]);
    saw(&mut t, "DELETE", "/v1.41/containers/old?force=1", 204, &[]);
    let owed: Vec<(&str, String)> = t.owed().into_iter().map(|o| (o.action, o.object)).collect();
    let object = |s: &str| s.to_owned();
    assert_eq!(
        owed,
        [
            ("create", object("c0ffee11")),
            ("die", object("c0ffee11")),
            ("start", object("c0ffee11")),
            ("destroy", object("old"))
        ]
    );
    assert_eq!(t.asked_to_stop, BTreeSet::from(["old".to_owned()]));
    // An exec run attached owes its end, unless its command could not start.
    saw(&mut t, "POST", "/v1.41/containers/web/exec", 201, &[]);
    t.answer_line(&call("POST", "/v1.41/containers/web/exec"), br#"{"Id":"x1"}"#);
    saw(&mut t, "POST", "/v1.41/exec/x1/start", 101, &[]);
    assert_eq!(t.owed().last(), Some(&Owed::container("exec_die", "web")));
    t.exec_ended("x1", 127);
    assert_eq!(t.owed().len(), 4);
    // A wait whose answer never came (the learner detached) owes nothing.
    let mut detached = Traffic::default();
    saw(&mut detached, "POST", "/containers/c1/wait?condition=next-exit", 200, &[]);
    assert!(detached.owed().is_empty());
}

#[test]
fn only_events_about_the_commands_objects_are_kept() {
    let mut t = Traffic::default();
    saw(&mut t, "POST", "/containers/create?name=web", 201, &[r#"{"Id":"c1"}"#]);
    saw(&mut t, "POST", "/networks/create", 201, &[r#"{"Id":"n1"}"#]);
    saw(&mut t, "POST", "/containers/3f2a/stop", 204, &[]);
    saw(&mut t, "POST", "/images/busybox/tag?repo=mine&tag=v1", 201, &[]);
    let after = Snapshot {
        containers: vec![Container {
            id: "c1".into(),
            mounts: vec![Mount {
                kind: MountKind::Volume,
                source: "data".into(),
                destination: "/data".into(),
                read_only: false,
            }],
            ..Container::default()
        }],
        ..Snapshot::default()
    };
    let events = [
        Event::of("volume", "create", "data", &[]),
        Event::of("volume", "create", "their-volume", &[]),
        Event::of("container", "create", "c1", &[("name", "web")]),
        Event::of("container", "create", "c9", &[("name", "theirs")]),
        Event::of("network", "create", "n1", &[("name", "appnet")]),
        Event::of("network", "create", "n9", &[("name", "their-net")]),
        Event::of("network", "connect", "bridge-id", &[("container", "c1"), ("name", "bridge")]),
        Event::of("network", "connect", "bridge-id", &[("container", "c9"), ("name", "bridge")]),
        Event::of("network", "connect", "n1", &[("container", "c9"), ("name", "appnet")]),
        Event::of("container", "die", "3f2a99", &[("name", "old")]),
        Event::of("image", "tag", "sha256:bb", &[("name", "mine:v1")]),
        Event::of("image", "tag", "sha256:ee", &[("name", "their:v1")]),
        Event::of("container", "create", "t1", &[("image", "sha256:bb"), ("name", "step")]),
    ];
    let kept: Vec<String> =
        t.keep(&events, &Snapshot::default(), &after).iter().map(|e| format!("{} {}", e.kind, e.id)).collect();
    assert_eq!(
        kept,
        ["volume data", "container c1", "network n1", "network bridge-id", "container 3f2a99", "image sha256:bb"]
    );
    t.built = true;
    assert_eq!(
        t.keep(&events, &Snapshot::default(), &after).len(),
        kept.len() + 1,
        "a build's step containers are its own"
    );
}

#[test]
fn records_are_what_it_made_that_was_not_there_before() {
    let mut t = Traffic::default();
    saw(&mut t, "POST", "/containers/create?name=web", 201, &[r#"{"Id":"c1"}"#]);
    saw(&mut t, "POST", "/networks/create", 201, &[r#"{"Id":"n1"}"#]);
    saw(&mut t, "POST", "/volumes/create", 201, &[r#"{"Name":"old"}"#]);
    saw(&mut t, "POST", "/build?t=site:v1", 200, &[r#"{"aux":{"ID":"sha256:b1"}}"#]);
    saw(&mut t, "POST", "/build", 200, &[r#"{"aux":{"ID":"sha256:b2"}}"#]);
    saw(&mut t, "POST", "/images/busybox/tag?repo=python&tag=3.12-slim", 201, &[]);
    let before = Snapshot {
        images: vec![Image { id: "sha256:aa".into(), tags: vec!["python:3.12-slim".into()] }],
        volumes: vec![Volume { name: "old".into(), ..Volume::default() }],
        ..Snapshot::default()
    };
    let mut after = before.clone();
    after.containers.push(Container {
        id: "c1".into(),
        name: "web".into(),
        mounts: vec![Mount {
            kind: MountKind::Volume,
            source: "anon".into(),
            destination: "/d".into(),
            read_only: false,
        }],
        ..Container::default()
    });
    after.volumes.push(Volume { name: "anon".into(), ..Volume::default() });
    after.networks.push(Network { id: "n1".into(), name: "appnet".into(), ..Network::default() });
    after.images.push(Image { id: "sha256:b1".into(), tags: vec!["site:v1".into()] });
    after.images.push(Image { id: "sha256:b2".into(), tags: vec![] });
    let records: Vec<(Kind, String, String)> =
        t.records(&before, &after, 5).into_iter().map(|r| (r.kind, r.id, r.name)).collect();
    assert_eq!(
        records,
        [
            (Kind::Container, "c1".into(), "web".into()),
            (Kind::Network, "n1".into(), "appnet".into()),
            (Kind::Image, "sha256:b1".into(), "site:v1".into()),
            (Kind::Image, "sha256:b2".into(), String::new()),
            (Kind::Volume, "anon".into(), "anon".into()),
        ]
    );
}
