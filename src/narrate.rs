//! What one command changed in the engine, told in plain words: containers created,
//! started, exited (with the exit code, and the last lines a failed one printed),
//! ports published and the URL to open, mounts and where the data lives on the host,
//! images pulled, built, tagged, removed, volumes and networks made or removed.
//!
//! Told from the engine's events of the command and a `Snapshot` taken after it —
//! never from the command's text, which may not do what it says. Pure.

use crate::snapshot::{Container, Mount, MountKind, Snapshot};
use std::collections::{BTreeMap, BTreeSet, HashMap};

/// One engine event, as narration needs it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Event {
    /// `container`, `image`, `volume`, `network`.
    pub kind: String,
    pub action: String,
    /// The object's id (a volume's name).
    pub id: String,
    pub attributes: BTreeMap<String, String>,
}

impl From<&crate::check::EngineEvent> for Event {
    fn from(e: &crate::check::EngineEvent) -> Event {
        Event {
            kind: e.kind.clone(),
            action: e.action.clone(),
            id: e.id.clone(),
            attributes: e.attributes.iter().map(|(k, v)| (k.clone(), v.clone())).collect(),
        }
    }
}

/// What narration knows beside the events.
#[derive(Debug, Clone, Default)]
pub struct Facts {
    /// The engine before the command: the names of what it removed.
    pub before: Snapshot,
    /// The engine after the command: containers' ports and mounts, volumes' places.
    pub after: Snapshot,
    /// The last lines printed by containers that failed, by container id.
    pub last_lines: HashMap<String, String>,
    /// The mounts containers had when they were created, by id: where a container
    /// that is gone now (`--rm`) kept its data.
    pub mounts_when_created: HashMap<String, Vec<Mount>>,
    /// Containers the engine refused to start (an id, its prefix, or a name).
    pub failed_starts: BTreeSet<String>,
    /// How execs without an `exec_die` event ended, by exec id: the engine sends none
    /// for a command it could not start.
    pub exec_ends: HashMap<String, ExecEnd>,
}

/// An exec as the engine tells of it afterwards.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ExecEnd {
    pub running: bool,
    pub exit_code: Option<i64>,
}

/// The execs among `events` whose end no event tells: their ids, to ask the engine.
pub fn execs_without_end(events: &[Event]) -> Vec<String> {
    let ended: BTreeSet<&str> = events
        .iter()
        .filter(|e| e.action == "exec_die")
        .filter_map(|e| e.attributes.get("execID"))
        .map(String::as_str)
        .collect();
    let mut out: Vec<String> = Vec::new();
    for e in events.iter().filter(|e| e.action.starts_with("exec_start")) {
        if let Some(id) = e.attributes.get("execID").filter(|id| !ended.contains(id.as_str())) {
            if !out.contains(id) {
                out.push(id.clone());
            }
        }
    }
    out
}

/// How many of a failed container's last lines are told.
const LAST_LINES: usize = 5;
/// How many of its last lines are read: an error line among them is told too, since a
/// program often explains itself above its last lines (PostgreSQL's missing password).
pub const LINES_READ: usize = 30;
/// Most lines told from an error line on; beyond that, the error line, `…`, the last lines.
const FROM_ERROR: usize = 12;

/// The lines of a failed container's output worth telling: the last few, and the last
/// line that reads as an error when it is above them.
fn told_tail(output: &str) -> Vec<&str> {
    let all: Vec<&str> = output.lines().collect();
    let last = all.len().saturating_sub(LAST_LINES);
    let erring = |l: &&str| {
        let l = l.to_ascii_lowercase();
        ["error", "fatal", "panic", "exception"].iter().any(|w| l.contains(w))
    };
    match all[..last].iter().rposition(erring) {
        Some(i) if all.len() - i <= FROM_ERROR => all[i..].to_vec(),
        Some(i) => [&all[i..=i], &["…"][..], &all[last..]].concat(),
        None => all[last..].to_vec(),
    }
}

/// Container ids whose exit code was not 0, so the caller can fetch their last lines.
pub fn failed_containers(events: &[Event]) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for e in events.iter().filter(|e| e.kind == "container" && e.action == "die") {
        if e.attributes.get("exitCode").is_some_and(|c| c != "0") && !out.contains(&e.id) {
            out.push(e.id.clone());
        }
    }
    out
}

/// One line per thing that changed, in the order it happened; empty when nothing did.
pub fn narrate(events: &[Event], facts: &Facts) -> Vec<String> {
    let mut lines = Vec::new();
    let told_volumes: Vec<&str> = events
        .iter()
        .filter(|e| e.kind == "volume" && e.action == "create" && !facts.before.volumes.iter().any(|v| v.name == e.id))
        .map(|e| e.id.as_str())
        .collect();
    let mut told_containers: Vec<&str> = Vec::new();
    let mut temporary = 0;
    for e in events {
        match e.kind.as_str() {
            "container" if !told_containers.contains(&e.id.as_str()) => {
                let story: Vec<&Event> = events.iter().filter(|x| x.kind == "container" && x.id == e.id).collect();
                if is_build_step(&story) {
                    temporary += 1;
                } else {
                    lines.extend(container_story(&e.id, &story, facts, &told_volumes));
                }
                told_containers.push(&e.id);
            }
            "image" => lines.extend(image_line(e, facts)),
            "volume" => lines.extend(match e.action.as_str() {
                // The engine also reports `create` when `-v name:/x` finds the volume there.
                "create" if facts.before.volumes.iter().any(|v| v.name == e.id) => None,
                "create" => Some(format!("created volume {}{}", e.id, volume_place(&e.id, facts))),
                "destroy" => Some(format!("removed volume {} and the data in it", e.id)),
                _ => None,
            }),
            "network" => lines.extend(network_line(e, events, facts)),
            _ => {}
        }
    }
    if temporary > 0 {
        lines.push(format!("{temporary} temporary container(s) ran the build's steps and were removed"));
    }
    // `docker start` of a container the engine cannot start: no event tells of it.
    for c in facts.after.containers.iter().filter(|c| refused_start(&c.id, &c.name, facts)) {
        if !told_containers.contains(&c.id.as_str()) {
            lines.push(format!("container {}: could not start (the error above says why)", c.name));
        }
    }
    lines
}

/// Containers a build runs for its steps: made from an image id, created and removed.
fn is_build_step(story: &[&Event]) -> bool {
    let image = story.iter().find_map(|e| e.attributes.get("image"));
    image.is_some_and(|i| i.starts_with("sha256:"))
        && story.iter().any(|e| e.action == "create")
        && story.iter().any(|e| e.action == "destroy")
}

fn name_of(id: &str, story: &[&Event], facts: &Facts) -> String {
    story
        .iter()
        .find_map(|e| e.attributes.get("name").cloned())
        .or_else(|| facts.after.containers.iter().find(|c| c.id == id).map(|c| c.name.clone()))
        .unwrap_or_else(|| id.chars().take(12).collect())
}

fn container_story(id: &str, story: &[&Event], facts: &Facts, told_volumes: &[&str]) -> Vec<String> {
    let name = name_of(id, story, facts);
    let image = story.iter().find_map(|e| e.attributes.get("image")).cloned().unwrap_or_default();
    let mut steps: Vec<String> = Vec::new();
    let mut lines = Vec::new();
    let mut started = false;
    let refused = refused_start(id, &name, facts) && !story.iter().any(|e| e.action == "start");
    // `docker stop` logs `stop` after the container's end; a kill with signal 9 (the
    // engine writes signals as numbers) is what it did when asking was not enough.
    let asked = story.iter().any(|e| e.action == "stop");
    let forced = story.iter().any(|e| e.action == "kill" && e.attributes.get("signal").is_some_and(|s| s == "9"));
    for e in story {
        let step = match e.action.as_str() {
            "create" if refused && facts.after.containers.iter().any(|c| c.id == id) => format!(
                "created from {image}, but could not start (the error above says why); it stays, created: `docker rm {name}` removes it"
            ),
            "create" if refused => format!("created from {image}, but could not start (the error above says why)"),
            "create" => format!("created from {image}"),
            "start" => {
                started = true;
                "started".to_owned()
            }
            "restart" => "restarted".to_owned(),
            // `docker stop` reports kill, die, then stop: the die has told it.
            "stop" if story.iter().any(|x| x.action == "die") => continue,
            "stop" => "stopped".to_owned(),
            "kill" => continue,
            "oom" => "ran out of memory".to_owned(),
            "pause" => "paused".to_owned(),
            "unpause" => "unpaused".to_owned(),
            "die" => {
                let code = e.attributes.get("exitCode").map(String::as_str).unwrap_or("?");
                match code {
                    // `docker stop` asks (SIGTERM), then kills after its timeout.
                    _ if asked && forced => {
                        format!("did not stop when asked, so it was killed (exit code {code}: killed)")
                    }
                    "0" if asked => "stopped when asked (exit code 0)".to_owned(),
                    "0" => "finished (exit code 0: success)".to_owned(),
                    "137" => "was killed (exit code 137: killed)".to_owned(),
                    "143" => "stopped when asked (exit code 143)".to_owned(),
                    c if asked => format!("stopped when asked (exit code {c})"),
                    c => format!("failed (exit code {c})"),
                }
            }
            "destroy" => "removed".to_owned(),
            "rename" => format!("renamed to {}", e.attributes.get("name").cloned().unwrap_or_default()),
            "commit" => format!(
                "saved as the image {}",
                e.attributes.get("imageRef").or(e.attributes.get("imageID")).cloned().unwrap_or_default()
            ),
            "export" => "its files were exported".to_owned(),
            "archive-path" | "extract-to-dir" => "files copied".to_owned(),
            a if a.starts_with("exec_start") => {
                let exec = e.attributes.get("execID");
                let died = exec.and_then(|x| {
                    story.iter().find(|d| d.action == "exec_die" && d.attributes.get("execID") == Some(x))
                });
                let code = died.and_then(|d| d.attributes.get("exitCode")).and_then(|c| c.parse::<i64>().ok());
                let end = exec.and_then(|x| facts.exec_ends.get(x));
                match (code, end) {
                    (None, Some(ExecEnd { running: true, .. })) => "a command is running in it (exec)".to_owned(),
                    (None, Some(ExecEnd { exit_code: Some(c @ (126 | 127)), .. })) => {
                        format!("a command could not run in it (exec, exit code {c}: the error above says why)")
                    }
                    (Some(c), _) | (None, Some(&ExecEnd { exit_code: Some(c), .. })) if c != 0 => {
                        format!("a command ran in it (exec) and failed (exit code {c})")
                    }
                    _ => "a command ran in it (exec)".to_owned(),
                }
            }
            _ => continue,
        };
        if steps.last() != Some(&step) {
            steps.push(step);
        }
    }
    if steps.is_empty() {
        return lines;
    }
    lines.push(format!("container {name}: {}", steps.join(", ")));
    if let Some(output) = facts.last_lines.get(id) {
        let tail = told_tail(output);
        if !tail.is_empty() {
            lines.push(format!(
                "  its last lines:\n{}",
                tail.iter().map(|l| format!("    {l}")).collect::<Vec<_>>().join("\n")
            ));
        }
    }
    if story.iter().any(|e| e.action == "destroy") {
        lines.extend(anonymous_volumes_left(id, &name, facts));
    }
    let now = facts.after.containers.iter().find(|c| c.id == id);
    match (started, now) {
        (true, Some(c)) => lines.extend(reach(c, facts, told_volumes)),
        (true, None) => lines.extend(kept_after(&name, facts.mounts_when_created.get(id), facts)),
        _ => {}
    }
    lines
}

/// The anonymous volumes (nameless, the image's `VOLUME`s or a bare `-v /path`) a
/// removed container leaves behind: `docker rm` without `-v` keeps them, unnamed.
fn anonymous_volumes_left(id: &str, name: &str, facts: &Facts) -> Vec<String> {
    let Some(gone) = facts.before.containers.iter().find(|c| c.id == id) else { return Vec::new() };
    gone.mounts
        .iter()
        .filter(|m| m.kind == MountKind::Volume && is_anonymous(&m.source))
        .filter(|m| facts.after.volumes.iter().any(|v| v.name == m.source))
        .map(|m| {
            let short: String = m.source.chars().take(12).collect();
            format!(
                "  its anonymous volume {short}… (at {} in {name}) stays: `docker volume rm {}` removes it",
                m.destination, m.source
            )
        })
        .collect()
}

/// Whether the engine refused to start container `id` (named `name`) as the command
/// asked for it by name or by an id prefix.
fn refused_start(id: &str, name: &str, facts: &Facts) -> bool {
    facts.failed_starts.iter().any(|s| s == name || (s.len() >= 4 && id.starts_with(s.as_str())))
}

/// A volume the engine named itself: 64 hexadecimal digits.
fn is_anonymous(volume: &str) -> bool {
    volume.len() == 64 && volume.bytes().all(|b| b.is_ascii_hexdigit())
}

/// Where a container that is gone now kept its data: that data is still there.
fn kept_after(name: &str, mounts: Option<&Vec<Mount>>, facts: &Facts) -> Vec<String> {
    let mounts = mounts.map(Vec::as_slice).unwrap_or_default();
    mounts
        .iter()
        .filter_map(|m| match m.kind {
            MountKind::Bind if m.read_only => {
                Some(format!("  {} in {name} was the folder {} on your computer, read-only", m.destination, m.source))
            }
            MountKind::Bind => Some(format!(
                "  {} in {name} was the folder {} on your computer: whatever it wrote there stays",
                m.destination, m.source
            )),
            // `--rm` removes a container's anonymous volumes with it: only a volume that
            // is still on the engine kept the data.
            MountKind::Volume if facts.after.volumes.iter().any(|v| v.name == m.source) => Some(format!(
                "  {} in {name} was volume {}{}: its data is still there",
                m.destination,
                m.source,
                volume_place(&m.source, facts)
            )),
            MountKind::Volume | MountKind::Tmpfs => None,
        })
        .collect()
}

/// How to reach a started container and where its data lives; `told_volumes` were
/// made by the command, their place told already.
fn reach(c: &Container, facts: &Facts, told_volumes: &[&str]) -> Vec<String> {
    let mut lines = Vec::new();
    let mut seen = Vec::new();
    for p in &c.ports {
        if seen.contains(&(p.host_port, p.container_port)) {
            continue;
        }
        seen.push((p.host_port, p.container_port));
        let (only, host) = match p.host_ip.as_str() {
            "" | "0.0.0.0" | "::" => (String::new(), "localhost".to_owned()),
            "127.0.0.1" | "::1" => (" (only from this computer)".to_owned(), "localhost".to_owned()),
            ip => (format!(" (only at its address {ip})"), ip.to_owned()),
        };
        let url = if p.protocol == "tcp" { format!(": open http://{host}:{}", p.host_port) } else { String::new() };
        lines.push(format!(
            "  port {} on your computer{only} reaches port {}/{} in {}{url}",
            p.host_port, p.container_port, p.protocol, c.name
        ));
    }
    for m in &c.mounts {
        let read_only = if m.read_only { ", read-only" } else { "" };
        lines.push(match m.kind {
            MountKind::Bind => {
                format!("  {} in {} is the folder {} on your computer{read_only}", m.destination, c.name, m.source)
            }
            // A volume made by this command had its place told as it was made.
            MountKind::Volume if told_volumes.contains(&m.source.as_str()) => {
                format!("  {} in {} is kept in volume {}{read_only}", m.destination, c.name, m.source)
            }
            MountKind::Volume => format!(
                "  {} in {} is kept in volume {}{}{read_only}",
                m.destination,
                c.name,
                m.source,
                volume_place(&m.source, facts)
            ),
            MountKind::Tmpfs => format!("  {} in {} is in memory only", m.destination, c.name),
        });
    }
    for n in c.networks.iter().filter(|n| !matches!(n.as_str(), "bridge" | "host" | "none")) {
        lines.push(format!("  on network {n}: containers there reach it by the name {}", c.name));
    }
    lines
}

fn volume_place(name: &str, facts: &Facts) -> String {
    match facts.after.volumes.iter().find(|v| v.name == name && !v.mountpoint.is_empty()) {
        Some(v) => format!(" (on the engine's machine at {})", v.mountpoint),
        None => String::new(),
    }
}

fn image_line(e: &Event, facts: &Facts) -> Option<String> {
    let name = e.attributes.get("name").cloned().unwrap_or_else(|| e.id.clone());
    let short = |s: &str| s.trim_start_matches("sha256:").chars().take(12).collect::<String>();
    Some(match e.action.as_str() {
        "pull" => format!("pulled image {name}"),
        "tag" => format!("image {} is now named {name}", short(&e.id)),
        "untag" if name.starts_with("sha256:") => return None,
        "untag" => format!("the name {name} was removed from image {}", short(&e.id)),
        "delete" => match facts.before.images.iter().find(|i| i.id == e.id).filter(|i| !i.tags.is_empty()) {
            Some(i) => format!("deleted image {} ({})", short(&e.id), i.tags.join(", ")),
            None => format!("deleted image {}", short(&e.id)),
        },
        "import" => format!("imported a file system as image {}", short(&e.id)),
        "load" => format!("loaded image {}", short(&e.id)),
        "save" => format!("saved image {name} to a file"),
        "push" => format!("pushed image {name}"),
        _ => return None,
    })
}

fn network_line(e: &Event, events: &[Event], facts: &Facts) -> Option<String> {
    let name = e.attributes.get("name").cloned().unwrap_or_else(|| e.id.clone());
    match e.action.as_str() {
        "create" => Some(format!("created network {name}")),
        "destroy" => Some(format!("removed network {name}")),
        "connect" | "disconnect" => {
            // Containers join their networks as they start and leave as they go:
            // told only when that is all that happened to them.
            let container = e.attributes.get("container")?;
            let refused =
                facts.after.containers.iter().any(|c| &c.id == container && refused_start(&c.id, &c.name, facts));
            let lifecycle = refused
                || events.iter().any(|x| {
                    x.kind == "container"
                        && &x.id == container
                        && matches!(x.action.as_str(), "create" | "start" | "die" | "destroy")
                });
            let verb = if e.action == "connect" { "connected to" } else { "disconnected from" };
            let who = facts.after.containers.iter().find(|c| &c.id == container).map(|c| c.name.clone());
            let who = who.unwrap_or_else(|| container.chars().take(12).collect());
            (!lifecycle).then(|| format!("container {who} {verb} network {name}"))
        }
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::snapshot::{Mount, Port, Volume};

    fn ev(kind: &str, action: &str, id: &str, attrs: &[(&str, &str)]) -> Event {
        Event {
            kind: kind.into(),
            action: action.into(),
            id: id.into(),
            attributes: attrs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect(),
        }
    }

    fn container_events(id: &str, name: &str, image: &str, actions: &[&str], exit: &str) -> Vec<Event> {
        actions
            .iter()
            .map(|a| {
                let mut attrs = vec![("name", name), ("image", image)];
                if *a == "die" {
                    attrs.push(("exitCode", exit));
                }
                ev("container", a, id, &attrs)
            })
            .collect()
    }

    #[test]
    fn a_server_started_with_a_port_and_a_volume() {
        let mut events = vec![ev("volume", "create", "site", &[("driver", "local")])];
        events.extend(container_events("c1", "web", "nginx:alpine", &["create", "start"], ""));
        events.push(ev("network", "connect", "n1", &[("container", "c1"), ("name", "bridge")]));
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
            |id: &str, name: &str, action: &str| ev("container", action, id, &[("name", name), ("image", "nginx")]);
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
            ev("network", "connect", "n1", &[("name", "bridge"), ("container", "d1234567")]),
            ev("network", "disconnect", "n1", &[("name", "bridge"), ("container", "d1234567")]),
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
            ev("container", action, id, &all)
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
            ev("image", "pull", "python:3.12-slim", &[("name", "python:3.12-slim")]),
            ev("container", "create", "t1", &[("image", "sha256:abc"), ("name", "x")]),
            ev("container", "destroy", "t1", &[("image", "sha256:abc"), ("name", "x")]),
            ev("image", "tag", "sha256:0123456789abcdef", &[("name", "whalesay:latest")]),
            ev("image", "untag", "sha256:0123456789abcdef", &[("name", "sha256:0123456789abcdef")]),
            ev("image", "untag", "sha256:0123456789abcdef", &[("name", "mytools:v1")]),
            ev("image", "delete", "sha256:0123456789abcdef", &[]),
            ev("network", "create", "n2", &[("name", "appnet"), ("type", "bridge")]),
            ev("network", "connect", "n2", &[("container", "c9"), ("name", "appnet")]),
            ev("network", "destroy", "n3", &[("name", "oldnet")]),
            ev("volume", "destroy", "notes-data", &[]),
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
        let events = vec![ev("image", "delete", "sha256:0123456789abcdef", &[])];
        let before = Snapshot {
            images: vec![crate::snapshot::Image {
                id: "sha256:0123456789abcdef".into(),
                tags: vec!["mytools:v1".into()],
            }],
            ..Snapshot::default()
        };
        let facts = Facts { before, ..Facts::default() };
        assert_eq!(narrate(&events, &facts), ["deleted image 0123456789ab (mytools:v1)"]);
    }

    #[test]
    fn a_volume_that_was_there_is_not_told_as_created() {
        // `docker run -v notes:/data` on an existing volume: the engine says `create`.
        let events = vec![ev("volume", "create", "notes", &[("driver", "local")])];
        let before =
            Snapshot { volumes: vec![Volume { name: "notes".into(), ..Volume::default() }], ..Snapshot::default() };
        assert!(narrate(&events, &Facts { before, ..Facts::default() }).is_empty());
    }

    #[test]
    fn nothing_changed_says_nothing() {
        assert!(narrate(&[], &Facts::default()).is_empty());
    }
}
