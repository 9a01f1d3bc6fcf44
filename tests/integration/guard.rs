//! The guard never stops a command of the shipped lessons, on an engine where the
//! learner made everything those lessons make and someone else's work runs beside it.

use dockerlearn::explain::{Knowledge, parse, words::docker_commands};
use dockerlearn::guard::{Created, judge, may_destroy};
use dockerlearn::snapshot::{COMPOSE_PROJECT, Container, Image, Mount, MountKind, Network, Snapshot, Volume};

/// Every command of the shipped lessons: run blocks and solutions.
fn lesson_commands() -> Vec<(String, String)> {
    let course = dockerlearn::course::load_from(None).unwrap();
    let mut out = Vec::new();
    for l in &course.lessons {
        for step in &l.lesson.steps {
            let solution = step.solution.iter().flat_map(|s| s.commands.iter());
            for c in step.commands.iter().chain(solution) {
                out.push((format!("{}/{}", l.lesson.id, step.id), c.clone()));
            }
        }
    }
    out
}

/// The engine after the learner ran every lesson command: each named container,
/// built, committed, tagged or imported image, volume and network is theirs. Beside
/// them, someone else's running database with its volume and network, and the course's
/// images, which were there before.
fn engine_and_created(knowledge: &Knowledge, commands: &[(String, String)]) -> (Snapshot, Created) {
    let mut snap = Snapshot::default();
    let mut created = Created::default();
    let course = dockerlearn::course::load_from(None).unwrap();
    for (n, image) in course.lessons.iter().flat_map(|l| l.lesson.images.iter()).enumerate() {
        snap.images.push(Image { id: format!("sha256:{n:064x}"), tags: vec![image.clone()] });
    }
    for (_, line) in commands {
        for words in docker_commands(line) {
            let p = parse(knowledge, &words);
            let args = p.args();
            let mut made: Vec<String> = Vec::new();
            match p.name().as_str() {
                "run" | "create" => {
                    let name = p.values("--name").last().map(|s| s.to_string()).unwrap_or("eager_bell".into());
                    snap.containers.push(Container {
                        id: format!("{:064x}", snap.containers.len() + 1),
                        name: name.clone(),
                        image: args.first().unwrap_or(&"").to_string(),
                        state: "exited".into(),
                        ..Container::default()
                    });
                    made.push(name);
                    for v in p.values("--volume") {
                        if let Some((source, _)) =
                            v.split_once(':').filter(|(s, _)| !s.contains('/') && !s.starts_with('$'))
                        {
                            made.push(source.to_owned());
                            snap.volumes.push(Volume { name: source.to_owned(), ..Volume::default() });
                        }
                    }
                }
                "build" => made.extend(p.values("--tag").iter().map(|s| s.to_string())),
                "commit" | "import" | "tag" => made.extend(args.get(1).map(|s| s.to_string())),
                "volume create" => {
                    made.extend(args.iter().map(|s| s.to_string()));
                    snap.volumes.extend(args.iter().map(|a| Volume { name: a.to_string(), ..Volume::default() }));
                }
                "network create" => {
                    made.extend(args.iter().map(|s| s.to_string()));
                    snap.networks.extend(args.iter().map(|a| Network {
                        id: format!("net-{a}"),
                        name: a.to_string(),
                        ..Network::default()
                    }));
                }
                "compose up" => {
                    let mut c = Container {
                        id: "c".repeat(64),
                        name: "lesson-db-1".into(),
                        state: "running".into(),
                        ..Container::default()
                    };
                    c.labels.insert(COMPOSE_PROJECT.into(), "lesson".into());
                    made.push(c.id.clone());
                    snap.containers.push(c);
                }
                _ => {}
            }
            if matches!(p.name().as_str(), "build" | "commit" | "import" | "tag") {
                for (n, tag) in made.iter().enumerate() {
                    snap.images.push(Image {
                        id: format!("sha256:{:064x}", 1000 + snap.images.len() + n),
                        tags: vec![tag.clone()],
                    });
                }
            }
            created.refs.extend(made);
        }
    }
    let mut theirs = Container {
        id: "f".repeat(64),
        name: "their-db".into(),
        image: "postgres:16-alpine".into(),
        state: "running".into(),
        networks: vec!["their-net".into()],
        ..Container::default()
    };
    theirs.mounts.push(Mount {
        kind: MountKind::Volume,
        source: "their-data".into(),
        destination: "/var/lib/postgresql/data".into(),
        read_only: false,
    });
    snap.containers.push(theirs);
    snap.volumes.push(Volume { name: "their-data".into(), ..Volume::default() });
    snap.networks.push(Network { id: "e".repeat(64), name: "their-net".into(), ..Network::default() });
    (snap, created)
}

#[test]
fn the_guard_never_stops_a_lesson_command() {
    let knowledge = Knowledge::builtin();
    let commands = lesson_commands();
    let (snap, created) = engine_and_created(&knowledge, &commands);
    assert!(snap.containers.len() > 10 && created.refs.len() > 15, "the lessons made little: {created:?}");
    let mut stopped = Vec::new();
    for (at, line) in &commands {
        if let Some(w) = judge(&knowledge, line, &snap, &created, "lesson") {
            stopped.push(format!("{at}: `{line}`\n{}", w.render()));
        }
    }
    assert!(stopped.is_empty(), "the guard would stop lesson commands:\n{}", stopped.join("\n"));
    // The same engine, but nothing is the learner's: the lessons' removals are caught.
    let caught = commands.iter().filter(|(_, l)| judge(&knowledge, l, &snap, &Created::default(), "lesson").is_some());
    assert!(caught.count() >= 10, "without a record of what the learner made, removals must be flagged");
    // The cheap pre-check never lets a flagged command through.
    for (at, line) in &commands {
        if judge(&knowledge, line, &snap, &Created::default(), "lesson").is_some() {
            assert!(may_destroy(&knowledge, line), "{at}: `{line}` is flagged but may_destroy says no");
        }
    }
}
