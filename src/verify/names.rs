//! The engine-wide names a course's solutions use (containers, volumes, networks,
//! image tags), and which of them already exist. On a shared engine `verify` would
//! otherwise remove or re-point what others made under those names (`docker rm -f
//! pyserver`, `docker build -t whalesay`), so it refuses to start instead. Pure: the
//! commands are read through `explain`, the engine's holdings come as a `Snapshot`.

use crate::explain::knowledge::ArgKind;
use crate::explain::{self, Item, Knowledge, Parsed, values};
use crate::reference::ImageRef;
use crate::snapshot::{Snapshot, is_builtin_network};
use std::collections::BTreeSet;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Kind {
    Container,
    Volume,
    Network,
    Image,
}

impl Kind {
    fn noun(self) -> &'static str {
        match self {
            Kind::Container => "a container",
            Kind::Volume => "a volume",
            Kind::Network => "a network",
            Kind::Image => "an image tag",
        }
    }
}

/// One name a solution uses, and the lesson whose solution uses it first.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Name {
    pub kind: Kind,
    pub name: String,
    pub lesson: String,
}

/// The names that exist already, each worded with what to do.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{}", render(.0))]
pub struct Taken(pub Vec<Name>);

fn render(taken: &[Name]) -> String {
    let mut out = String::from(
        "verify would use these names, which exist on the engine already; it ran nothing, so nothing was touched:\n",
    );
    for n in taken {
        out.push_str(&format!(
            "  `{}` is {} that exists already (lesson {} uses it): remove or rename it, or run verify where it is absent\n",
            n.name,
            n.kind.noun(),
            n.lesson
        ));
    }
    out.push_str("A solution could remove or re-point them: verify runs only where every name it uses is free.");
    out
}

/// The names one solution command line uses: the ones it creates, and the ones it
/// acts on (removes, stops, runs in). A name written with `$` is the shell's and
/// cannot be known here; Compose's names are the run's own project.
pub fn used_by(knowledge: &Knowledge, line: &str) -> Vec<(Kind, String)> {
    let mut out = Vec::new();
    for words in explain::words::docker_commands(line) {
        out.extend(used_by_command(&explain::parse(knowledge, &words)));
    }
    out.retain(|(_, n)| !n.is_empty() && !n.contains('$'));
    out
}

/// The named volumes a command line mounts with `-v NAME:/x` or `--mount source=NAME`:
/// docker creates those itself, without the run's label, so `verify` creates them first.
pub fn mounted_volumes(knowledge: &Knowledge, line: &str) -> Vec<String> {
    let mut out = Vec::new();
    for words in explain::words::docker_commands(line) {
        let p = explain::parse(knowledge, &words);
        if matches!(p.name().as_str(), "run" | "create" | "container run" | "container create") {
            out.extend(mounts(&p).into_iter().filter(|n| !n.contains('$')));
        }
    }
    out
}

fn mounts(p: &Parsed<'_>) -> Vec<String> {
    let short = p.values("--volume").into_iter().filter_map(|v| values::named_volume(v, false));
    let long = p.values("--mount").into_iter().filter_map(|v| values::named_volume(v, true));
    short.chain(long).map(str::to_owned).collect()
}

fn used_by_command(p: &Parsed<'_>) -> Vec<(Kind, String)> {
    let mut out: Vec<(Kind, String)> = Vec::new();
    let args = p.args();
    let own = |v: &[&str], kind| v.iter().map(|a| (kind, a.to_string())).collect::<Vec<_>>();
    match p.name().as_str() {
        "run" | "create" | "container run" | "container create" => {
            out.extend(own(&p.values("--name"), Kind::Container));
            out.extend(mounts(p).into_iter().map(|v| (Kind::Volume, v)));
            let networks = p.values("--network");
            out.extend(
                networks
                    .into_iter()
                    .filter(|n| !is_builtin_network(n) && !n.contains(':'))
                    .map(|n| (Kind::Network, n.to_owned())),
            );
        }
        "build" | "image build" => out.extend(own(&p.values("--tag"), Kind::Image)),
        // The source of `tag` is expected to exist (often a lesson's image); the new name is the run's.
        "tag" | "image tag" | "commit" | "container commit" | "import" | "image import" => {
            out.extend(own(args.get(1..).unwrap_or_default(), Kind::Image));
        }
        "rmi" | "image rm" => out.extend(own(&args, Kind::Image)),
        "volume create" | "volume rm" | "volume inspect" => out.extend(own(&args, Kind::Volume)),
        "network create" | "network rm" | "network inspect" => out.extend(own(&args, Kind::Network)),
        "network connect" | "network disconnect" => out.extend(own(args.get(..1).unwrap_or_default(), Kind::Network)),
        _ => {}
    }
    // Containers a command acts on (`rm`, `stop`, `exec`, `commit`, `cp NAME:/x`).
    for item in &p.items {
        let Item::Arg { word, arg: Some(arg) } = item else { continue };
        match arg.kind {
            ArgKind::Container => out.push((Kind::Container, word.clone())),
            ArgKind::Copy => {
                if let Some((c, _)) = word.split_once(':').filter(|(c, _)| !c.contains('/') && !c.is_empty()) {
                    out.push((Kind::Container, c.to_owned()));
                }
            }
            _ => {}
        }
    }
    out
}

/// Every name the lessons' solutions use, once each, with the first lesson using it.
pub fn used_by_lessons<'a>(
    knowledge: &Knowledge,
    lessons: impl IntoIterator<Item = (&'a str, Vec<String>)>,
) -> Vec<Name> {
    let mut seen = BTreeSet::new();
    let mut out = Vec::new();
    for (lesson, commands) in lessons {
        for line in &commands {
            for (kind, name) in used_by(knowledge, line) {
                if seen.insert((kind, name.clone())) {
                    out.push(Name { kind, name, lesson: lesson.to_owned() });
                }
            }
        }
    }
    out
}

/// Which of `names` the engine holds already (by exact name; tags as references, so
/// `whalesay` is `whalesay:latest`). Empty: verify may start.
pub fn taken(names: &[Name], snap: &Snapshot) -> Vec<Name> {
    let exists = |n: &Name| match n.kind {
        Kind::Container => snap.containers.iter().any(|c| c.name == n.name),
        Kind::Volume => snap.volumes.iter().any(|v| v.name == n.name),
        Kind::Network => snap.networks.iter().any(|x| x.name == n.name),
        Kind::Image => {
            let wanted = ImageRef::parse(&n.name);
            snap.images.iter().any(|i| i.tags.iter().any(|t| ImageRef::parse(t) == wanted))
        }
    };
    names.iter().filter(|n| exists(n)).cloned().collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::snapshot::{Container, Image, Network, Volume};

    fn used(line: &str) -> Vec<String> {
        used_by(&Knowledge::builtin(), line).iter().map(|(k, n)| format!("{k:?} {n}")).collect()
    }

    #[test]
    fn names_come_from_every_form() {
        assert_eq!(
            used("docker run -d --name pyserver python:3.12-slim python -m http.server"),
            ["Container pyserver"]
        );
        assert_eq!(
            used("docker run --name=a -v notes:/data -v \"$PWD\":/work -v /anon alpine"),
            ["Container a", "Volume notes"]
        );
        assert_eq!(
            used("docker run --mount type=volume,source=v1,target=/d --mount type=bind,src=/x,dst=/y alpine"),
            ["Volume v1"]
        );
        assert_eq!(used("docker run -d --network appnet --network host busybox"), ["Network appnet"]);
        assert_eq!(used("docker rm -f pyserver pyshell"), ["Container pyserver", "Container pyshell"]);
        assert_eq!(used("docker rm $(docker ps -aq --filter ancestor=hello-world)"), Vec::<String>::new());
        assert_eq!(used("docker stop -t 2 web && docker exec web ls"), ["Container web", "Container web"]);
        assert_eq!(used("docker cp reader:/data/answer answer.txt"), ["Container reader"]);
        assert_eq!(
            used("docker volume create notes-data; docker volume rm notes-data"),
            ["Volume notes-data", "Volume notes-data"]
        );
        assert_eq!(used("docker network create appnet"), ["Network appnet"]);
        assert_eq!(used("docker build -t whalesay . 2>&1"), ["Image whalesay"]);
        assert_eq!(used("docker tag mytools:v1 localhost:5000/mytools:v1"), ["Image localhost:5000/mytools:v1"]);
        assert_eq!(used("docker commit -m 'add curl' tools mytools:v1"), ["Image mytools:v1", "Container tools"]);
        assert_eq!(used("docker import tools-fs.tar mytools:flat"), ["Image mytools:flat"]);
        assert_eq!(used("docker rmi mytools:v1"), ["Image mytools:v1"]);
        assert_eq!(used("docker pull python:3.12-slim && docker run --rm -v $VOL:/x busybox"), Vec::<String>::new());
        assert_eq!(used("echo hi > notes.txt"), Vec::<String>::new());
        assert_eq!(
            mounted_volumes(&Knowledge::builtin(), "docker run --rm -v notes-data:/data -v \"$PWD\":/w alpine"),
            ["notes-data"]
        );
    }

    #[test]
    fn only_names_that_exist_are_taken() {
        let snap = Snapshot {
            containers: vec![Container { id: "abc".into(), name: "pyserver".into(), ..Container::default() }],
            images: vec![Image { id: "sha256:1".into(), tags: vec!["whalesay:latest".into()] }],
            volumes: vec![Volume { name: "notes-data".into(), ..Volume::default() }],
            networks: vec![Network { id: "n".into(), name: "appnet".into(), ..Network::default() }],
        };
        let lessons = [
            ("pull-run", vec!["docker run -d --name pyserver busybox".to_owned(), "docker rm -f pyserver".to_owned()]),
            (
                "dockerfile",
                vec!["docker build -t whalesay .".to_owned(), "docker run --name whale whalesay".to_owned()],
            ),
            ("volumes", vec!["docker volume create notes-data".to_owned()]),
            ("networks", vec!["docker network create appnet".to_owned(), "docker run --name abc busybox".to_owned()]),
        ];
        let names = used_by_lessons(&Knowledge::builtin(), lessons);
        assert_eq!(names.len(), 6, "{names:?}");
        let taken = taken(&names, &snap);
        let shown: Vec<String> = taken.iter().map(|n| format!("{:?} {} {}", n.kind, n.name, n.lesson)).collect();
        assert_eq!(
            shown,
            [
                "Container pyserver pull-run",
                "Image whalesay dockerfile",
                "Volume notes-data volumes",
                "Network appnet networks"
            ]
        );
        let text = Taken(taken).to_string();
        assert!(
            text.contains("`pyserver` is a container that exists already (lesson pull-run uses it): remove or rename it, or run verify where it is absent"),
            "{text}"
        );
    }
}
