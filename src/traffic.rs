//! What one command asked of the engine, read from the requests and answers that the
//! recording proxy in front of the engine passed on: what it made (containers,
//! networks, volumes, images built, committed, imported, loaded, pulled or tagged) and
//! every object it acted on by id or name. From that, which of the engine's events are
//! the learner's, and what goes in the record for `clean`: on a shared engine, other
//! programs' objects made meanwhile are neither told nor recorded.
//!
//! Pure: the proxy (`engine::recorder`) feeds it calls and answer lines; the sandbox
//! asks it about events and snapshots.

mod owed;

pub use owed::Owed;

use crate::clean::{Kind, Record};
use crate::narrate::Event;
use crate::reference::ImageRef;
use crate::snapshot::{Mount, MountKind, Snapshot};
use std::collections::{BTreeSet, HashMap};

/// One request, as the proxy saw it: its method, its path without the API version
/// (`/containers/create`), in segments, and its query.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Call {
    method: String,
    segments: Vec<String>,
    query: Vec<(String, String)>,
}

impl Call {
    /// From a request's method, path and query (`/v1.41/containers/web/stop`, `t=5`).
    pub fn new(method: &str, path: &str, query: Option<&str>) -> Call {
        let mut segments: Vec<String> = path
            .split('/')
            .filter(|s| !s.is_empty())
            .map(|s| percent_encoding::percent_decode_str(s).decode_utf8_lossy().into_owned())
            .collect();
        let versioned = segments.first().is_some_and(|s| {
            s.strip_prefix('v')
                .is_some_and(|v| v.split('.').all(|n| !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit())))
        });
        if versioned {
            segments.remove(0);
        }
        let query = form_urlencoded::parse(query.unwrap_or_default().as_bytes()).into_owned().collect();
        Call { method: method.to_ascii_uppercase(), segments, query }
    }

    fn param(&self, key: &str) -> Option<&str> {
        self.query.iter().find(|(k, _)| k == key).map(|(_, v)| v.as_str()).filter(|v| !v.is_empty())
    }

    fn params<'a>(&'a self, key: &'a str) -> impl Iterator<Item = &'a str> + 'a {
        self.query.iter().filter(move |(k, _)| k == key).map(|(_, v)| v.as_str()).filter(|v| !v.is_empty())
    }

    fn is(&self, method: &str, path: &[&str]) -> bool {
        self.method == method
            && self.segments.len() == path.len()
            && self.segments.iter().zip(path).all(|(a, b)| a == b)
    }

    fn changes_something(&self) -> bool {
        !matches!(self.method.as_str(), "GET" | "HEAD")
    }

    /// Whether the answer's body tells what was made or removed, so the proxy reads it
    /// as it passes.
    /// `docker create` or `docker run`'s first request.
    pub fn creates_container(&self) -> bool {
        self.is("POST", &["containers", "create"])
    }

    /// `docker exec`'s first request (`POST /containers/{id}/exec`): the container, as
    /// the request names it.
    pub fn creates_exec(&self) -> Option<&str> {
        match self.segments.as_slice() {
            [containers, container, exec] if self.method == "POST" && containers == "containers" && exec == "exec" => {
                Some(container)
            }
            _ => None,
        }
    }

    /// An exec's start (`POST /exec/{id}/start`): the exec's id.
    pub fn starts_exec(&self) -> Option<&str> {
        match self.segments.as_slice() {
            [exec, id, start] if self.method == "POST" && exec == "exec" && start == "start" => Some(id),
            _ => None,
        }
    }

    pub fn answer_matters(&self) -> bool {
        let first = self.segments.first().map(String::as_str).unwrap_or_default();
        self.method == "POST"
            && (self.is("POST", &[first, "create"])
                || self.is("POST", &[first, "prune"])
                || self.is("POST", &["build"])
                || self.is("POST", &["commit"])
                || self.is("POST", &["images", "load"]))
            || (self.method == "DELETE" && first == "images")
            || owed::is_wait(self)
    }
}

/// `repo:tag` from a `repo` (or `fromImage`) and `tag` pair; `latest` when no tag.
fn reference(repo: &str, tag: Option<&str>) -> String {
    match tag {
        Some(t) if !repo.contains('@') => format!("{repo}:{t}"),
        _ => repo.to_owned(),
    }
}

/// What the recording proxy saw one command (or the commands since the last look) ask.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Traffic {
    /// What it made, in order: an id (a volume's name), with the name it was given.
    pub made: Vec<Made>,
    /// Ids (or their prefixes) and names of the objects it acted on.
    pub named: BTreeSet<String>,
    /// Whether it built an image (the build's temporary containers are its own).
    pub built: bool,
    /// The mounts of the containers it created, as they were created, by id: where a
    /// container that is gone now (`--rm`) kept its data.
    pub mounts: HashMap<String, Vec<Mount>>,
    /// Containers (an id, its prefix or a name, as the request gave it) the engine
    /// refused to start.
    pub failed_starts: BTreeSet<String>,
    /// The events the engine owes for what it answered (besides a `create` for each
    /// container made: see `owed`).
    owed: Vec<Owed>,
    /// Containers (as the request gave them) it asked to stop: `docker stop`, `restart`,
    /// `rm -f`.
    pub asked_to_stop: BTreeSet<String>,
    /// Its `docker exec`s: the container each was made in, as the request named it, by
    /// exec id.
    execs: HashMap<String, String>,
    /// The execs it started attached (their connection closes as they end).
    attached_execs: Vec<String>,
    /// The execs whose command could not start (126, 127): the engine owes no end for them.
    unstarted_execs: BTreeSet<String>,
    /// Whether it built with BuildKit (`docker build` since Docker 23 goes through
    /// buildx): the build talks over upgraded `/session` and `/grpc` connections that
    /// are passed through unread, so its tags are not in any answer.
    pub buildkit: bool,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Made {
    pub kind: Kind,
    /// A container's, network's or image's id; a volume's name; empty for an image
    /// known only by a reference it was given.
    pub id: String,
    /// A container's name; an image's reference (`web:v1`); empty when none was given.
    pub name: String,
}

impl Traffic {
    /// The mounts container `id` was created with.
    pub fn mounted(&mut self, id: &str, mounts: Vec<Mount>) {
        self.mounts.insert(id.to_owned(), mounts);
    }

    fn make(&mut self, kind: Kind, id: &str, name: &str) {
        let made = Made { kind, id: id.to_owned(), name: name.to_owned() };
        if !self.made.contains(&made) {
            self.made.push(made);
        }
    }

    /// A request on its way to the engine: the objects its path names.
    pub fn requested(&mut self, call: &Call) {
        if call.is("POST", &["build"]) {
            self.built = true;
        }
        if call.is("POST", &["session"]) || call.is("POST", &["grpc"]) {
            self.built = true;
            self.buildkit = true;
        }
        if !call.changes_something() {
            return;
        }
        let s: Vec<&str> = call.segments.iter().map(String::as_str).collect();
        let named = match s.as_slice() {
            ["containers" | "volumes" | "networks", "create" | "prune" | "json"] => None,
            ["containers" | "volumes" | "networks", object, ..] => Some((*object).to_owned()),
            ["images", "create" | "load" | "prune" | "search" | "get" | "json"] => None,
            ["images", rest @ ..] if !rest.is_empty() => {
                let action = matches!(rest.last(), Some(&("json" | "history" | "push" | "tag" | "get")));
                let name = if action && rest.len() > 1 { &rest[..rest.len() - 1] } else { rest };
                Some(name.join("/"))
            }
            ["commit"] => call.param("container").map(str::to_owned),
            _ => None,
        };
        self.named.extend(named);
    }

    /// The engine's answer to `call` began with `status`: what a successful call made
    /// that its request already names (a tag, a pull, a build's tags, a commit's).
    pub fn answered(&mut self, call: &Call, status: u16) {
        if let Some(exec) = call.starts_exec().filter(|_| status == 101) {
            self.attached_execs.push(exec.to_owned());
        }
        if status >= 400
            && call.method == "POST"
            && call.segments.len() == 3
            && call.segments[0] == "containers"
            && call.segments[2] == "start"
        {
            // The CLI prints the engine's reason; the narration says the start failed.
            self.failed_starts.insert(call.segments[1].clone());
        }
        if !(200..300).contains(&status) {
            return;
        }
        self.owed.extend(owed::owed(call, status));
        self.asked_to_stop.extend(owed::asks_to_stop(call, status).map(str::to_owned));
        let given: Vec<String> = if call.is("POST", &["build"]) {
            call.params("t").map(str::to_owned).collect()
        } else if call.is("POST", &["commit"])
            || call.is("POST", &["images", "create"]) && call.param("fromSrc").is_some()
        {
            call.param("repo").map(|r| reference(r, call.param("tag"))).into_iter().collect()
        } else if call.is("POST", &["images", "create"]) {
            call.param("fromImage").map(|r| reference(r, call.param("tag").or(Some("latest")))).into_iter().collect()
        } else if call.method == "POST"
            && call.segments.first().is_some_and(|s| s == "images")
            && call.segments.last().is_some_and(|s| s == "tag")
        {
            call.param("repo").map(|r| reference(r, call.param("tag").or(Some("latest")))).into_iter().collect()
        } else {
            Vec::new()
        };
        for r in given {
            self.make(Kind::Image, "", &r);
        }
    }

    /// One line of a successful answer's body (JSON: an object, a stream's message, a
    /// list): the ids it tells of.
    pub fn answer_line(&mut self, call: &Call, line: &[u8]) {
        let Ok(v) = serde_json::from_slice::<serde_json::Value>(line) else { return };
        let text = |key: &str| v.get(key).and_then(|x| x.as_str()).filter(|s| !s.is_empty());
        let first = call.segments.first().map(String::as_str).unwrap_or_default();
        if owed::is_wait(call) {
            if v.get("StatusCode").is_some() {
                self.owed.extend(owed::waited(call));
            }
        } else if let Some(container) = call.creates_exec() {
            if let Some(id) = text("Id") {
                self.execs.insert(id.to_owned(), container.to_owned());
            }
        } else if call.is("POST", &["containers", "create"]) {
            if let Some(id) = text("Id") {
                self.make(Kind::Container, id, call.param("name").unwrap_or_default());
            }
        } else if call.is("POST", &["networks", "create"]) {
            if let Some(id) = text("Id") {
                self.make(Kind::Network, id, "");
                self.owed.push(Owed::of("network", "create", id));
            }
        } else if call.is("POST", &["volumes", "create"]) {
            if let Some(name) = text("Name") {
                self.make(Kind::Volume, name, name);
                self.owed.push(Owed::of("volume", "create", name));
            }
        } else if call.is("POST", &["commit"]) {
            if let Some(id) = text("Id") {
                self.make(Kind::Image, id, "");
            }
        } else if call.is("POST", &["build"]) {
            // `aux.ID`, or with `-q` a `stream` of the id alone.
            let quiet = text("stream").map(str::trim).filter(|s| {
                let hex = s.strip_prefix("sha256:").unwrap_or(s);
                hex.len() == 64 && hex.bytes().all(|b| b.is_ascii_hexdigit())
            });
            if let Some(id) = v.pointer("/aux/ID").and_then(|x| x.as_str()).or(quiet) {
                self.make(Kind::Image, id, "");
                // Docker tags the new image, Podman says it built it: an event either way.
                self.owed.push(Owed::of("image", "", id));
            }
        } else if call.is("POST", &["images", "create"]) && call.param("fromSrc").is_some() {
            if let Some(id) = text("status").filter(|s| s.starts_with("sha256:")) {
                self.make(Kind::Image, id, "");
            }
        } else if call.is("POST", &["images", "load"]) {
            let said = text("stream").unwrap_or_default().trim();
            if let Some(id) = said.strip_prefix("Loaded image ID: ") {
                self.make(Kind::Image, id, "");
            } else if let Some(r) = said.strip_prefix("Loaded image: ") {
                self.make(Kind::Image, "", r);
            }
        } else if call.method == "DELETE" && first == "images" || call.is("POST", &["images", "prune"]) {
            let list = v.get("ImagesDeleted").unwrap_or(&v);
            for item in list.as_array().into_iter().flatten() {
                for key in ["Untagged", "Deleted"] {
                    self.named.extend(item.get(key).and_then(|x| x.as_str()).map(str::to_owned));
                }
            }
        } else if call.is("POST", &[first, "prune"]) {
            for key in ["ContainersDeleted", "VolumesDeleted", "NetworksDeleted"] {
                let ids = v.get(key).and_then(|x| x.as_array()).into_iter().flatten();
                self.named.extend(ids.filter_map(|x| x.as_str()).map(str::to_owned));
            }
        }
    }

    /// After a BuildKit build, the tags that are new on the engine since the command
    /// began count as made by it: the build's answer, which would name them, is not
    /// read. (Another program tagging an image in that window would count too.)
    pub fn with_buildkit_images(mut self, before: &Snapshot, after: &Snapshot) -> Traffic {
        if !self.buildkit {
            return self;
        }
        for image in &after.images {
            let old = before.images.iter().find(|i| i.id == image.id);
            for tag in image.tags.iter().filter(|t| old.is_none_or(|o| !o.tags.contains(t))) {
                self.make(Kind::Image, "", tag);
            }
        }
        self
    }

    /// The named volumes the command's containers made by mounting them (`docker run
    /// -v notes:/data` creates `notes` when it is missing): the engine's `volume mount`
    /// event names the container, and a `create` of the same volume in the window, not
    /// on the engine before, makes it the command's.
    pub fn with_implicit_volumes(mut self, events: &[Event], before: &Snapshot) -> Traffic {
        let ours: BTreeSet<String> = self.made_ids(Kind::Container).map(str::to_owned).collect();
        let mounted: Vec<String> = events
            .iter()
            .filter(|e| e.kind == "volume" && e.action == "mount")
            .filter(|e| e.attributes.get("container").is_some_and(|c| ours.contains(c)))
            .map(|e| e.id.clone())
            .collect();
        for volume in mounted {
            let created = events.iter().any(|e| e.kind == "volume" && e.action == "create" && e.id == volume);
            if created && !before.volumes.iter().any(|v| v.name == volume) {
                self.make(Kind::Volume, &volume, &volume);
            }
        }
        self
    }

    /// How exec `id` ended, as the engine told the proxy once its connection closed.
    pub fn exec_ended(&mut self, id: &str, exit_code: i64) {
        if matches!(exit_code, 126 | 127) {
            self.unstarted_execs.insert(id.to_owned());
        }
    }

    /// Every event the engine owes for what the command asked: those its answers owe, a
    /// `create` for each container it made, and an `exec_die` for each exec it ran
    /// attached (but one whose command could not start).
    pub fn owed(&self) -> Vec<Owed> {
        let created = self.made_ids(Kind::Container).map(|id| Owed::container("create", id));
        let ended = self
            .attached_execs
            .iter()
            .filter(|x| !self.unstarted_execs.contains(*x))
            .filter_map(|x| self.execs.get(x))
            .map(|container| Owed::container("exec_die", container));
        created.chain(self.owed.iter().cloned()).chain(ended).collect()
    }

    fn made_ids(&self, kind: Kind) -> impl Iterator<Item = &str> {
        self.made.iter().filter(move |m| m.kind == kind && !m.id.is_empty()).map(|m| m.id.as_str())
    }

    /// Whether an id and name are an object the command made or named.
    fn names(&self, kind: Kind, id: &str, name: Option<&str>) -> bool {
        let id_only = id.trim_start_matches("sha256:");
        self.made_ids(kind).any(|m| m.trim_start_matches("sha256:") == id_only) || self.acted_on(id, name)
    }

    /// Whether the command acted on an object by its name (whole) or its id (by
    /// prefix, as the docker CLI accepts it).
    fn acted_on(&self, id: &str, name: Option<&str>) -> bool {
        let id = id.trim_start_matches("sha256:");
        self.named.iter().any(|r| {
            let hex = r.trim_start_matches("sha256:");
            let by_id =
                !hex.is_empty() && !id.is_empty() && hex.bytes().all(|b| b.is_ascii_hexdigit()) && id.starts_with(hex);
            by_id || name == Some(r.as_str())
        })
    }

    /// Whether an image event (its id, or the reference a pull names it by, and its
    /// `name`) is about an image the command made or named.
    fn names_image(&self, e: &Event) -> bool {
        let refs = self.made.iter().filter(|m| m.kind == Kind::Image).map(|m| m.name.as_str());
        let refs: Vec<ImageRef> =
            refs.chain(self.named.iter().map(String::as_str)).filter(|r| !r.is_empty()).map(ImageRef::parse).collect();
        let is_ref =
            |s: Option<&str>| s.is_some_and(|s| !s.starts_with("sha256:") && refs.contains(&ImageRef::parse(s)));
        self.names(Kind::Image, &e.id, None)
            || is_ref(Some(&e.id))
            || is_ref(e.attributes.get("name").map(String::as_str))
    }

    /// The events that are about what the command made or acted on: its containers
    /// (and what happened to them on networks), the volumes they mount, its networks
    /// and images, and a build's temporary containers.
    pub fn keep(&self, events: &[Event], before: &Snapshot, after: &Snapshot) -> Vec<Event> {
        fn name(e: &Event) -> Option<&str> {
            e.attributes.get("name").map(String::as_str)
        }
        let mut containers: BTreeSet<&str> = self.made_ids(Kind::Container).collect();
        for e in events.iter().filter(|e| e.kind == "container") {
            let build_step = self.built && e.attributes.get("image").is_some_and(|i| i.starts_with("sha256:"));
            if build_step || self.names(Kind::Container, &e.id, name(e)) {
                containers.insert(&e.id);
            }
        }
        let mounted: BTreeSet<&str> = [before, after]
            .iter()
            .flat_map(|s| s.containers.iter())
            .filter(|c| containers.contains(c.id.as_str()))
            .flat_map(|c| c.mounts.iter().filter(|m| m.kind == MountKind::Volume).map(|m| m.source.as_str()))
            .collect();
        events
            .iter()
            .filter(|e| match e.kind.as_str() {
                "container" => containers.contains(e.id.as_str()),
                "image" => self.names_image(e),
                "volume" => {
                    mounted.contains(e.id.as_str())
                        || self.made_ids(Kind::Volume).any(|v| v == e.id)
                        || self.named.contains(&e.id)
                }
                // Another's container joining the command's network is theirs to tell;
                // joining a network the command acted on (`network connect`) is not.
                "network" => match e.attributes.get("container") {
                    Some(c) => containers.contains(c.as_str()) || self.acted_on(&e.id, name(e)),
                    None => self.names(Kind::Network, &e.id, name(e)),
                },
                _ => false,
            })
            .cloned()
            .collect()
    }

    /// The records for `clean`: what the command made that was not on the engine
    /// before, named as the engine names it after (`time` in Unix seconds).
    pub fn records(&self, before: &Snapshot, after: &Snapshot, time: i64) -> Vec<Record> {
        let record = |kind, id: &str, name: &str| Record::new(kind, id, name, time);
        let mut out: Vec<Record> = Vec::new();
        let mut push = |r: Record| {
            if !out.iter().any(|o| o.kind == r.kind && o.id == r.id && o.name == r.name) {
                out.push(r);
            }
        };
        for m in &self.made {
            match m.kind {
                Kind::Container => {
                    let now = after.containers.iter().find(|c| c.id == m.id).map(|c| c.name.as_str());
                    push(record(Kind::Container, &m.id, now.unwrap_or(&m.name)));
                }
                Kind::Network if !before.networks.iter().any(|n| n.id == m.id) => {
                    let now = after.networks.iter().find(|n| n.id == m.id).map(|n| n.name.as_str());
                    push(record(Kind::Network, &m.id, now.unwrap_or_default()));
                }
                Kind::Volume if !before.volumes.iter().any(|v| v.name == m.id) => {
                    push(record(Kind::Volume, &m.id, &m.id))
                }
                Kind::Image if !m.name.is_empty() => {
                    let wanted = ImageRef::parse(&m.name);
                    let tagged = |s: &Snapshot| {
                        s.images.iter().find_map(|i| {
                            i.tags.iter().find(|t| ImageRef::parse(t) == wanted).map(|t| (i.id.clone(), t.clone()))
                        })
                    };
                    if let (None, Some((id, tag))) = (tagged(before), tagged(after)) {
                        push(record(Kind::Image, &id, &tag));
                    }
                }
                Kind::Image => {
                    let new = !before.images.iter().any(|i| i.id == m.id);
                    // Known by a tag recorded beside it: removed by that tag.
                    let tag_of_it = self.made.iter().any(|t| {
                        t.kind == Kind::Image
                            && !t.name.is_empty()
                            && after.images.iter().any(|i| i.id == m.id && i.is(&t.name))
                    });
                    if new && !tag_of_it {
                        push(record(Kind::Image, &m.id, ""));
                    }
                }
                _ => {}
            }
        }
        // Volumes its containers made as they were created (`-v name:/data`, anonymous ones).
        for c in after.containers.iter().filter(|c| self.made_ids(Kind::Container).any(|id| id == c.id)) {
            for m in c.mounts.iter().filter(|m| m.kind == MountKind::Volume) {
                if !before.volumes.iter().any(|v| v.name == m.source)
                    && after.volumes.iter().any(|v| v.name == m.source)
                {
                    push(record(Kind::Volume, &m.source, &m.source));
                }
            }
        }
        out
    }
}

#[cfg(test)]
mod tests;
