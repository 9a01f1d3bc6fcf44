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

#[cfg(test)]
impl Event {
    /// An event for tests: its kind, action, object id and attributes.
    pub(crate) fn of(kind: &str, action: &str, id: &str, attributes: &[(&str, &str)]) -> Event {
        Event {
            kind: kind.into(),
            action: action.into(),
            id: id.into(),
            attributes: attributes.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect(),
        }
    }
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
    /// Containers the command asked to stop (`docker stop`, `restart`, `rm -f`), as it
    /// named them: Podman logs no `kill` or `stop` when it stops one so.
    pub asked_to_stop: BTreeSet<String>,
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
    // Podman logs neither when the command asked it to stop one (a `docker stop`, or a
    // `docker rm -f`, which Docker does with a kill instead).
    let killed = story.iter().any(|e| e.action == "kill");
    let asked = story.iter().any(|e| e.action == "stop") || (!killed && named_in(&facts.asked_to_stop, id, &name));
    let forced = story.iter().any(|e| e.action == "kill" && e.attributes.get("signal").is_some_and(|s| s == "9"));
    for (at, e) in story.iter().enumerate() {
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
                    _ if asked && (forced || code == "137") => {
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
                let died = match exec {
                    Some(x) => story.iter().find(|d| d.action == "exec_die" && d.attributes.get("execID") == Some(x)),
                    // Podman names no exec: its end is the next one before another begins.
                    None => story[at + 1..]
                        .iter()
                        .take_while(|d| !d.action.starts_with("exec_start"))
                        .find(|d| d.action == "exec_die"),
                };
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
    named_in(&facts.failed_starts, id, name)
}

/// Whether container `id`, named `name`, is among containers as a command named them:
/// by name, or by an id prefix.
fn named_in(named: &BTreeSet<String>, id: &str, name: &str) -> bool {
    named.iter().any(|s| s == name || (s.len() >= 4 && id.starts_with(s.as_str())))
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
    // On the default network (Docker's `bridge`, Podman's `podman`) no name is resolved.
    for n in c.networks.iter().filter(|n| !crate::snapshot::is_builtin_network(n)) {
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
        // Podman's word for a build; Docker tells of the tags a build made.
        "build" => format!("built image {}", short(&e.id)),
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
mod tests;
