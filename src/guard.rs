//! The guard for destructive commands: before the prompt runs a command, would it
//! remove or stop containers, images, volumes or networks the learner did not create
//! in dockerlearn? Pure: it reads the command (through `explain::parse`) against a
//! `Snapshot` of the engine and the learner's `Created` set; the prompt asks.
//!
//! `$(docker ps ...)` stands for every container that `docker ps` would list there;
//! any other `$(...)` for every container. Ordinary commands are never flagged.

use crate::explain::{self, Knowledge, Parsed};
use crate::snapshot::{COMPOSE_PROJECT, Container, Snapshot, is_builtin_network};
use std::collections::BTreeSet;

/// What the learner created from dockerlearn's prompt: ids and names (image tags).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Created {
    pub refs: BTreeSet<String>,
}

impl Created {
    pub fn new<I: IntoIterator<Item = S>, S: Into<String>>(refs: I) -> Created {
        Created { refs: refs.into_iter().map(Into::into).collect() }
    }

    /// Whether any of an object's ids and names is the learner's (ids match by prefix).
    fn owns(&self, id: &str, names: &[&str]) -> bool {
        let id = id.trim_start_matches("sha256:");
        names.iter().any(|n| self.refs.contains(*n))
            || (!id.is_empty()
                && self.refs.iter().any(|r| {
                    let r = r.trim_start_matches("sha256:");
                    r.len() >= 12 && (id.starts_with(r) || r.starts_with(id))
                }))
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Effect {
    Stop,
    Remove,
}

/// One object the command would touch that the learner did not create.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Affected {
    pub effect: Effect,
    /// `container`, `image`, `volume`, `network`.
    pub kind: &'static str,
    pub name: String,
}

/// The guard's finding about one command line.
#[derive(Debug, Clone, PartialEq, Eq)]
#[must_use]
pub struct Warning {
    pub affected: Vec<Affected>,
}

impl Warning {
    /// What to tell the learner before asking whether to run the command anyway.
    pub fn render(&self) -> String {
        let mut out = String::from("This command would touch things you did not create in dockerlearn:\n");
        for a in &self.affected {
            let verb = match a.effect {
                Effect::Stop => "stop",
                Effect::Remove => "remove",
            };
            out.push_str(&format!("  {verb} {} {}\n", a.kind, a.name));
        }
        out.push_str(
            "They may belong to your other work. Run it only if you mean it; \
             `dockerlearn clean` removes just what you made here.",
        );
        out
    }
}

/// The commands that remove or stop things.
const DESTRUCTIVE: &[&str] = &[
    "rm",
    "container rm",
    "stop",
    "kill",
    "restart",
    "container stop",
    "container kill",
    "container restart",
    "container prune",
    "rmi",
    "image rm",
    "image prune",
    "system prune",
    "volume rm",
    "volume prune",
    "network rm",
    "network prune",
    "compose down",
    "compose rm",
    "compose stop",
    "compose kill",
];

/// Whether a line runs any command that removes or stops things: the prompt takes a
/// snapshot of the engine (and calls `judge`) only then, so other commands start at once.
pub fn may_destroy(knowledge: &Knowledge, line: &str) -> bool {
    explain::words::docker_commands(line)
        .iter()
        .any(|w| DESTRUCTIVE.contains(&explain::parse(knowledge, w).name().as_str()))
}

/// Judges a command line. `compose_project` is the project `docker compose` would use
/// here without `-p` (the current folder's name).
pub fn judge(
    knowledge: &Knowledge,
    line: &str,
    snapshot: &Snapshot,
    created: &Created,
    compose_project: &str,
) -> Option<Warning> {
    let mut affected = BTreeSet::new();
    for words in explain::words::docker_commands(line) {
        let parsed = explain::parse(knowledge, &words);
        affected.extend(effects(knowledge, &parsed, snapshot, created, compose_project));
    }
    (!affected.is_empty()).then(|| Warning { affected: affected.into_iter().collect() })
}

/// The compose project name for a folder, as Compose derives it.
pub fn compose_project_of(dir: &std::path::Path) -> String {
    let name = dir.file_name().map(|n| n.to_string_lossy().to_lowercase()).unwrap_or_default();
    name.chars().filter(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_')).collect()
}

fn effects(
    knowledge: &Knowledge,
    p: &Parsed<'_>,
    snap: &Snapshot,
    created: &Created,
    compose_project: &str,
) -> Vec<Affected> {
    let container = |effect, c: &Container| Affected { effect, kind: "container", name: c.name.clone() };
    let not_mine = |c: &&Container| !created.owns(&c.id, &[&c.name]);
    let named = |args: &[&str]| -> Vec<&Container> {
        let mut out: Vec<&Container> = Vec::new();
        for a in args {
            for c in containers_named(knowledge, a, snap) {
                if !out.iter().any(|o| o.id == c.id) {
                    out.push(c);
                }
            }
        }
        out
    };
    let mut out = Vec::new();
    match p.name().as_str() {
        "rm" | "container rm" => {
            out.extend(named(&p.args()).into_iter().filter(not_mine).map(|c| container(Effect::Remove, c)));
        }
        "stop" | "kill" | "restart" | "container stop" | "container kill" | "container restart" => {
            let running = named(&p.args()).into_iter().filter(|c| c.is_running());
            out.extend(running.filter(not_mine).map(|c| container(Effect::Stop, c)));
        }
        "container prune" => {
            let stopped = snap.containers.iter().filter(|c| !c.is_running());
            out.extend(stopped.filter(not_mine).map(|c| container(Effect::Remove, c)));
        }
        "rmi" | "image rm" => {
            for a in p.args() {
                for i in snap.images.iter().filter(|i| i.is(a)) {
                    let tags: Vec<&str> = i.tags.iter().map(String::as_str).collect();
                    if !created.owns(&i.id, &tags) {
                        out.push(Affected { effect: Effect::Remove, kind: "image", name: a.to_owned() });
                    }
                }
            }
        }
        "image prune" => out.extend(unused_images(snap, created, p.has("--all"))),
        "system prune" => {
            let stopped = snap.containers.iter().filter(|c| !c.is_running());
            out.extend(stopped.filter(not_mine).map(|c| container(Effect::Remove, c)));
            out.extend(unused_images(snap, created, p.has("--all")));
            out.extend(unused_networks(snap, created));
            if p.has("--volumes") {
                out.extend(unused_volumes(snap, created));
            }
        }
        "volume rm" => {
            for a in p.args() {
                if snap.volumes.iter().any(|v| v.name == a) && !created.owns("", &[a]) {
                    out.push(Affected { effect: Effect::Remove, kind: "volume", name: a.to_owned() });
                }
            }
        }
        "volume prune" => out.extend(unused_volumes(snap, created)),
        "network rm" => {
            for a in p.args() {
                for n in snap.networks.iter().filter(|n| n.is(a) && !is_builtin_network(&n.name)) {
                    if !created.owns(&n.id, &[&n.name]) {
                        out.push(Affected { effect: Effect::Remove, kind: "network", name: n.name.clone() });
                    }
                }
            }
        }
        "network prune" => out.extend(unused_networks(snap, created)),
        "compose down" | "compose rm" | "compose stop" | "compose kill" => {
            let project =
                p.values("--project-name").last().map(|s| s.to_string()).unwrap_or(compose_project.to_owned());
            let effect =
                if p.name() == "compose stop" || p.name() == "compose kill" { Effect::Stop } else { Effect::Remove };
            let of_project = snap.containers.iter().filter(|c| c.labels.get(COMPOSE_PROJECT) == Some(&project));
            out.extend(of_project.filter(not_mine).map(|c| container(effect, c)));
        }
        _ => {}
    }
    out
}

/// The containers an argument names: one by name or id, or for `$(docker ps ...)`
/// every container that listing would print (any other `$(...)`: every container).
fn containers_named<'s>(knowledge: &Knowledge, arg: &str, snap: &'s Snapshot) -> Vec<&'s Container> {
    let Some(inner) = explain::words::substituted(arg) else {
        return snap.containers.iter().filter(|c| c.is(arg)).collect();
    };
    let lists = explain::words::docker_commands(inner);
    let listing = lists.last().map(|w| explain::parse(knowledge, w));
    match listing {
        Some(ps) if matches!(ps.name().as_str(), "ps" | "container ls") => {
            let all = ps.has("--all");
            let filters = ps.values("--filter");
            snap.containers.iter().filter(|c| (all || c.is_running()) && filters.iter().all(|f| passes(c, f))).collect()
        }
        _ => snap.containers.iter().collect(),
    }
}

/// Whether a container passes a `docker ps --filter` (unknown filters pass everything).
fn passes(c: &Container, filter: &str) -> bool {
    let (key, value) = filter.split_once('=').unwrap_or((filter, ""));
    match key {
        "name" => c.name.contains(value),
        "id" => c.id.starts_with(value),
        "ancestor" => {
            let wanted = crate::reference::ImageRef::parse(value);
            crate::reference::ImageRef::parse(&c.image) == wanted || c.image == value
        }
        "status" => c.state == value,
        "label" => match value.split_once('=') {
            Some((k, v)) => c.labels.get(k).is_some_and(|x| x == v),
            None => c.labels.contains_key(value),
        },
        "network" => c.networks.iter().any(|n| n == value),
        "volume" => c.mounts.iter().any(|m| m.source == value || m.destination == value),
        _ => true,
    }
}

fn unused_images(snap: &Snapshot, created: &Created, all: bool) -> Vec<Affected> {
    snap.images
        .iter()
        .filter(|i| (all || i.tags.is_empty()) && !snap.image_in_use(i))
        .filter(|i| !created.owns(&i.id, &i.tags.iter().map(String::as_str).collect::<Vec<_>>()))
        .map(|i| Affected {
            effect: Effect::Remove,
            kind: "image",
            name: i.tags.first().cloned().unwrap_or_else(|| short_id(&i.id)),
        })
        .collect()
}

fn unused_volumes(snap: &Snapshot, created: &Created) -> Vec<Affected> {
    snap.volumes
        .iter()
        .filter(|v| !snap.volume_in_use(&v.name) && !created.owns("", &[&v.name]))
        .map(|v| Affected { effect: Effect::Remove, kind: "volume", name: v.name.clone() })
        .collect()
}

fn unused_networks(snap: &Snapshot, created: &Created) -> Vec<Affected> {
    snap.networks
        .iter()
        .filter(|n| !is_builtin_network(&n.name) && !snap.network_in_use(&n.name))
        .filter(|n| !created.owns(&n.id, &[&n.name]))
        .map(|n| Affected { effect: Effect::Remove, kind: "network", name: n.name.clone() })
        .collect()
}

fn short_id(id: &str) -> String {
    id.trim_start_matches("sha256:").chars().take(12).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::snapshot::{Image, Mount, MountKind, Network, Volume};

    fn engine() -> Snapshot {
        let c = |id: &str, name: &str, image: &str, state: &str| Container {
            id: id.into(),
            name: name.into(),
            image: image.into(),
            state: state.into(),
            ..Container::default()
        };
        let mut db = c("aaaa1111", "their-db", "postgres:15", "running");
        db.mounts.push(Mount {
            kind: MountKind::Volume,
            source: "their-data".into(),
            destination: "/d".into(),
            read_only: false,
        });
        db.networks.push("their-net".into());
        let mut app = c("cccc3333", "their-app", "busybox", "exited");
        app.labels.insert(COMPOSE_PROJECT.into(), "shop".into());
        Snapshot {
            containers: vec![db, c("bbbb2222", "mine", "hello-world", "exited"), app],
            images: vec![
                Image { id: "sha256:1111".into(), tags: vec!["postgres:15".into()] },
                Image { id: "sha256:2222".into(), tags: vec!["mytools:v1".into()] },
                Image { id: "sha256:3333".into(), tags: vec![] },
                Image { id: "sha256:4444".into(), tags: vec!["hello-world:latest".into()] },
            ],
            volumes: vec![
                Volume { name: "their-data".into(), ..Volume::default() },
                Volume { name: "old-data".into(), ..Volume::default() },
                Volume { name: "notes".into(), ..Volume::default() },
            ],
            networks: vec![
                Network { id: "n1".into(), name: "bridge".into(), ..Network::default() },
                Network { id: "n2".into(), name: "their-net".into(), ..Network::default() },
                Network { id: "n3".into(), name: "old-net".into(), ..Network::default() },
                Network { id: "n4".into(), name: "appnet".into(), ..Network::default() },
            ],
        }
    }

    fn flagged(line: &str) -> Vec<String> {
        let created = Created::new(["mine", "bbbb2222", "mytools:v1", "notes", "appnet"]);
        let w = judge(&Knowledge::builtin(), line, &engine(), &created, "lesson");
        let affected = w.map(|w| w.affected).unwrap_or_default();
        affected.iter().map(|a| format!("{:?} {} {}", a.effect, a.kind, a.name)).collect()
    }

    #[test]
    fn fires_on_destructive_commands() {
        assert_eq!(
            flagged("docker rm -f $(docker ps -aq)"),
            ["Remove container their-app", "Remove container their-db"]
        );
        assert_eq!(flagged("docker rm -f $(docker ps -q)"), ["Remove container their-db"]);
        // hello-world is used by a container, so prune keeps it.
        assert_eq!(
            flagged("docker system prune -a"),
            ["Remove container their-app", "Remove image 3333", "Remove network old-net"]
        );
        assert_eq!(flagged("docker volume prune -f"), ["Remove volume old-data"]);
        assert_eq!(flagged("docker container prune"), ["Remove container their-app"]);
        assert_eq!(flagged("docker image prune -a"), ["Remove image 3333"]);
        assert_eq!(flagged("docker rmi postgres:15"), ["Remove image postgres:15"]);
        assert_eq!(flagged("docker stop their-db"), ["Stop container their-db"]);
        assert_eq!(flagged("docker kill aaaa"), ["Stop container their-db"]);
        assert_eq!(flagged("docker network rm old-net"), ["Remove network old-net"]);
        assert_eq!(flagged("docker volume rm their-data"), ["Remove volume their-data"]);
        assert_eq!(flagged("docker compose -p shop down"), ["Remove container their-app"]);
        assert_eq!(flagged("cd x && docker-compose --project-name shop down -v"), ["Remove container their-app"]);
    }

    #[test]
    fn only_removing_commands_need_a_look_at_the_engine() {
        let k = Knowledge::builtin();
        assert!(may_destroy(&k, "cd x && docker rm -f $(docker ps -aq)"));
        assert!(may_destroy(&k, "docker-compose down"));
        assert!(!may_destroy(&k, "docker run --rm -p 8080:80 nginx"));
        assert!(!may_destroy(&k, "docker ps -aq"));
    }

    #[test]
    fn leaves_ordinary_and_own_commands_alone() {
        for line in [
            "docker ps -a",
            "docker run -d --name web -p 8080:80 nginx",
            "docker rm mine",
            "docker rm $(docker ps -aq --filter ancestor=hello-world)",
            "docker rmi mytools:v1",
            "docker rmi ghost:1",
            "docker stop their-app",
            "docker volume rm notes",
            "docker network rm appnet bridge",
            "docker compose down",
            "echo docker rm -f their-db",
        ] {
            assert!(flagged(line).is_empty(), "{line}: {:?}", flagged(line));
        }
    }

    #[test]
    fn the_warning_says_what_and_what_to_do() {
        let w = judge(&Knowledge::builtin(), "docker rm -f their-db", &engine(), &Created::default(), "x").unwrap();
        assert_eq!(
            w.render(),
            "This command would touch things you did not create in dockerlearn:\n  remove container their-db\n\
             They may belong to your other work. Run it only if you mean it; `dockerlearn clean` removes just what you made here."
        );
    }
}
