//! The engine's events: read back for a step's window, or streamed live from the moment
//! a step begins. The live stream also inspects each container as it is created, so a
//! container run with `--rm` is still known by its command and mounts once it is gone.

use super::observe::container_details;
use super::witness::{ExecEnd, Witness};
use super::{Engine, EngineError};
use crate::check::{ContainerDetails, EngineEvent, EventObject, Observation};
use bollard::Docker;
use bollard::query_parameters::EventsOptions;
use futures_util::StreamExt;
use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError};

/// Most events read for one checkpoint or one command; the engine itself keeps only
/// its last 256.
pub(super) const MAX_EVENTS: usize = 2000;
/// How many events the Docker engine remembers for later queries.
const ENGINE_MEMORY: usize = 256;
/// Most containers inspected afterwards for one checkpoint (those the live stream missed).
const MAX_LATE_INSPECTIONS: usize = 20;
/// Most execs asked about for one checkpoint, whose end the relay has not seen yet.
const MAX_EXECS_ASKED: usize = 20;

/// A live event stream from one moment on. The engine keeps only its last 256 events
/// for later queries; a stream opened when a step begins keeps the step's own events
/// however busy the engine gets meanwhile.
pub(crate) struct Watch {
    since: i64,
    seen: Arc<Mutex<Seen>>,
    tasks: Vec<tokio::task::JoinHandle<()>>,
}

/// What the live stream has gathered.
#[derive(Default)]
struct Seen {
    events: std::collections::VecDeque<EngineEvent>,
    /// Containers as inspected when their `create` event came, by id.
    created: HashMap<String, ContainerDetails>,
}

impl Drop for Watch {
    fn drop(&mut self) {
        for t in &self.tasks {
            t.abort();
        }
    }
}

/// A live stream of every event from one moment on, for one command at the prompt.
pub struct Follow {
    seen: Arc<Mutex<Seen>>,
    task: tokio::task::JoinHandle<()>,
}

impl std::fmt::Debug for Follow {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let seen = self.seen.lock().unwrap_or_else(PoisonError::into_inner);
        f.debug_struct("Follow").field("events", &seen.events.len()).finish()
    }
}

impl Drop for Follow {
    fn drop(&mut self) {
        self.task.abort();
    }
}

impl Follow {
    /// Waits until the stream has delivered every event in `owed`, at most `limit`:
    /// some engines deliver their events a moment after the command that caused them has
    /// returned (Podman reads its event log file every quarter of a second). Returns the
    /// time of the newest owed event that came (0 when none did).
    pub async fn wait_for(&self, owed: &[crate::traffic::Owed], limit: std::time::Duration) -> i64 {
        let deadline = tokio::time::Instant::now() + limit;
        loop {
            let (all, newest) = {
                let seen = self.seen.lock().unwrap_or_else(PoisonError::into_inner);
                let events: Vec<(crate::narrate::Event, i64)> =
                    seen.events.iter().map(|e| (crate::narrate::Event::from(e), e.time_nano)).collect();
                let met = |o: &crate::traffic::Owed| events.iter().filter(|(e, _)| o.met_by(e)).map(|(_, t)| *t).max();
                let times: Vec<Option<i64>> = owed.iter().map(met).collect();
                (times.iter().all(Option::is_some), times.into_iter().flatten().max().unwrap_or(0))
            };
            if all || self.task.is_finished() || tokio::time::Instant::now() >= deadline {
                return newest;
            }
            tokio::time::sleep(std::time::Duration::from_millis(20)).await;
        }
    }

    /// The events gathered so far, up to `until` (Unix nanoseconds).
    pub(super) fn until(&self, until: i64) -> Vec<EngineEvent> {
        let seen = self.seen.lock().unwrap_or_else(PoisonError::into_inner);
        seen.events.iter().filter(|e| e.time_nano <= until).cloned().collect()
    }
}

/// What a live stream keeps once it holds its most events.
#[derive(Clone, Copy)]
enum Keep {
    /// A step's: the newest, which a check judges; containers inspected as created.
    Newest,
    /// A command's: the first, which the engine forgets first (it remembers the newest).
    First,
}

/// Reads the engine's events from `since` on into `seen`, at most `MAX_EVENTS` of them.
async fn gather(
    docker: Docker,
    since: i64,
    filters: Option<HashMap<String, Vec<String>>>,
    seen: Arc<Mutex<Seen>>,
    keep: Keep,
) {
    let options = EventsOptions { since: Some(unix_time_arg(since)), until: None, filters };
    let mut stream = docker.events(Some(options));
    while let Some(Ok(e)) = stream.next().await {
        let e = engine_event(e);
        if matches!(keep, Keep::Newest) && e.kind == "container" && e.action == "create" {
            // Not awaited here: the stream must keep up with the engine.
            let (docker, seen, id) = (docker.clone(), seen.clone(), e.id.clone());
            tokio::spawn(async move {
                if let Some(d) = inspect(&docker, &id).await {
                    let mut s = seen.lock().unwrap_or_else(PoisonError::into_inner);
                    if s.created.len() < MAX_EVENTS {
                        s.created.insert(id, d);
                    }
                }
            });
        }
        let mut s = seen.lock().unwrap_or_else(PoisonError::into_inner);
        match keep {
            Keep::Newest if s.events.len() >= MAX_EVENTS => {
                s.events.pop_front();
            }
            Keep::First if s.events.len() >= MAX_EVENTS => continue,
            _ => {}
        }
        s.events.push_back(e);
    }
}

/// Events from two readings of one window, oldest first, each once.
pub(super) fn merged(mut events: Vec<EngineEvent>) -> Vec<EngineEvent> {
    events.sort_by(|a, b| (a.time_nano, &a.kind, &a.id, &a.action).cmp(&(b.time_nano, &b.kind, &b.id, &b.action)));
    let mut out: Vec<EngineEvent> = Vec::with_capacity(events.len());
    for e in events {
        // Events alike up to their attributes (two containers joining one network in the
        // same nanosecond) are two; the same event read twice is one.
        let mut same_moment = out.iter().rev().take_while(|o| o.time_nano == e.time_nano);
        if !same_moment.any(|o| *o == e) {
            out.push(e);
        }
    }
    out
}

fn engine_event(e: bollard::models::EventMessage) -> EngineEvent {
    let actor = e.actor.unwrap_or_default();
    let kind = e.typ.map(|t| t.to_string()).unwrap_or_default();
    let action = docker_action(&kind, e.action.unwrap_or_default());
    let mut attributes = actor.attributes.unwrap_or_default();
    // Podman names an exec's exit code `containerExitCode`; Docker, `exitCode`.
    if let Some(code) = attributes.get("containerExitCode").filter(|_| !attributes.contains_key("exitCode")).cloned() {
        attributes.insert("exitCode".to_owned(), code);
    }
    // Podman names a network in `network` (its `name` left empty), and a volume only in
    // `name` (no id): Docker, in `name`, and by its name as the volume's id.
    if let Some(network) = attributes.get("network").filter(|_| kind == "network").cloned() {
        if attributes.get("name").is_none_or(String::is_empty) {
            attributes.insert("name".to_owned(), network);
        }
    }
    let mut id = actor.id.unwrap_or_default();
    // Podman names a built image only in `name` too.
    if id.is_empty() && matches!(kind.as_str(), "volume" | "image") {
        id = attributes.get("name").cloned().unwrap_or_default();
    }
    EngineEvent { kind, action, id, attributes, time_nano: e.time_nano.unwrap_or_default() }
}

/// An action in Docker's words. Podman's Docker-compatible API keeps some of its own:
/// `remove` for Docker's `destroy` (of a container, volume or network), `exec` and
/// `exec_died` for `exec_start` and `exec_die`, `died` (Podman 4) for `die`,
/// `loadfromarchive` for an image's `load`. Read here once, every reader of events
/// (checks, narration, the ledger) understands both engines.
fn docker_action(kind: &str, action: String) -> String {
    let docker = match (kind, action.as_str()) {
        ("container" | "volume" | "network", "remove") => "destroy",
        ("container", "died") => "die",
        ("container", "exec") => "exec_start",
        ("container", "exec_died") => "exec_die",
        ("image", "remove") => "delete",
        ("image", "loadfromarchive") => "load",
        _ => return action,
    };
    docker.to_owned()
}

/// `seconds.nanoseconds`, the form the events API takes for `since` and `until`.
pub(super) fn unix_time_arg(nanos: i64) -> String {
    format!("{}.{:09}", nanos.div_euclid(1_000_000_000), nanos.rem_euclid(1_000_000_000))
}

/// The container as it is now, when it still exists.
async fn inspect(docker: &Docker, id: &str) -> Option<ContainerDetails> {
    docker.inspect_container(id, None).await.ok().map(container_details)
}

impl Engine {
    /// Container events in scope, and unscoped events of the other types asked for.
    pub(super) async fn events(
        &self,
        docker: &Docker,
        since: i64,
        other_types: &[EventObject],
    ) -> Result<Vec<EngineEvent>, EngineError> {
        let until = crate::progress::now();
        let mut out = Vec::new();
        for filters in self.event_filters(other_types) {
            out.extend(self.events_of(docker, since, until, Some(filters)).await?);
        }
        if let Some(watch) = self.watch.as_ref().filter(|w| w.since == since) {
            out.extend(watch.seen.lock().unwrap_or_else(PoisonError::into_inner).events.iter().cloned());
        }
        Ok(merged(out))
    }

    /// Whether the engine may have forgotten events since `since`: no live stream was
    /// open for them, its memory is full, and the oldest event it remembers is newer.
    /// Only for a hint: an engine that does not answer is taken to remember.
    pub(super) async fn forgot_events_since(&self, docker: &Docker, since: i64) -> bool {
        if self.watch.as_ref().is_some_and(|w| w.since == since) {
            return false;
        }
        let Ok(remembered) = self.events_of(docker, 1, crate::progress::now(), None).await else { return false };
        remembered.len() >= ENGINE_MEMORY && remembered.first().is_some_and(|e| e.time_nano > since)
    }

    /// How the containers in `obs.events` were made, and which commands the execs the
    /// relay saw ran: what the relay saw as they were created, what the live stream
    /// inspected as they were created, and for the rest, an inspection now while they
    /// still exist.
    pub(super) async fn fill_created(&self, docker: &Docker, since: i64, obs: &mut Observation) {
        if let Some(w) = &self.witness {
            w.fill(since, obs);
            if self.ask_exec_ends(docker, w, obs).await {
                w.fill(since, obs);
            }
        }
        if let Some(watch) = self.watch.as_ref().filter(|w| w.since == since) {
            let seen = watch.seen.lock().unwrap_or_else(PoisonError::into_inner);
            for (id, d) in &seen.created {
                obs.created.entry(id.clone()).or_insert_with(|| d.clone());
            }
        }
        let mut missing: Vec<String> = Vec::new();
        for e in obs.events.iter().rev().filter(|e| e.kind == "container") {
            if !obs.created.contains_key(&e.id) && !missing.contains(&e.id) {
                missing.push(e.id.clone());
            }
        }
        missing.truncate(MAX_LATE_INSPECTIONS);
        let found = futures_util::future::join_all(missing.iter().map(|id| inspect(docker, id))).await;
        for (id, details) in missing.into_iter().zip(found) {
            if let Some(d) = details {
                obs.created.insert(id, d);
            }
        }
    }

    /// Asks the engine how the execs in `obs` that the relay has not seen end have
    /// ended (one started detached runs on after its start's answer), and tells the
    /// relay's witness: whether any had.
    async fn ask_exec_ends(&self, docker: &Docker, witness: &Witness, obs: &Observation) -> bool {
        let open: Vec<&str> = obs
            .execs
            .iter()
            .filter(|x| x.started != 0 && x.exit_code.is_none())
            .map(|x| x.id.as_str())
            .take(MAX_EXECS_ASKED)
            .collect();
        let asked = futures_util::future::join_all(open.iter().map(|id| docker.inspect_exec(id))).await;
        let now = crate::progress::now();
        let mut any = false;
        for (id, inspected) in open.into_iter().zip(asked) {
            if let Some(end) = inspected.ok().and_then(ExecEnd::read) {
                witness.exec_ended(id, now, end);
                any = true;
            }
        }
        any
    }

    /// Container events in scope, and the other types asked for (unscoped).
    fn event_filters(&self, other_types: &[EventObject]) -> Vec<HashMap<String, Vec<String>>> {
        let mut sets = self.scoped(HashMap::from([("type".to_owned(), vec!["container".to_owned()])]));
        if !other_types.is_empty() {
            let types = other_types.iter().map(|t| t.as_str().to_owned()).collect();
            sets.push(HashMap::from([("type".to_owned(), types)]));
        }
        sets
    }

    /// Streams events from `since` (a step's start) in the background until another
    /// step begins, so `observe` still sees them after the engine's own memory of the
    /// last 256 events has moved on, and inspects each container as it is created. Needs
    /// a runtime whose tasks run between calls (a multi-thread one); an engine that
    /// cannot be reached is simply not watched.
    pub async fn watch(&mut self, since: i64, other_types: &[EventObject]) {
        if self.watch.as_ref().is_some_and(|w| w.since == since) {
            return;
        }
        self.watch = None;
        let Ok(docker) = self.client().await else { return };
        let seen = Arc::new(Mutex::new(Seen::default()));
        let tasks = self
            .event_filters(other_types)
            .into_iter()
            .map(|filters| tokio::spawn(gather(docker.clone(), since, Some(filters), seen.clone(), Keep::Newest)))
            .collect();
        self.watch = Some(Watch { since, seen, tasks });
    }

    /// Streams every event from `since` (a command's start at the prompt) in the
    /// background until the returned `Follow` is dropped, keeping the first
    /// `MAX_EVENTS`: what a long command did first is kept while other programs make
    /// many events meanwhile (the engine's own memory, read afterwards, holds the last
    /// 256). None when the engine cannot be reached.
    pub async fn follow(&mut self, since: i64) -> Option<Follow> {
        let docker = self.client().await.ok()?;
        let seen = Arc::new(Mutex::new(Seen::default()));
        let task = tokio::spawn(gather(docker, since, None, seen.clone(), Keep::First));
        Some(Follow { seen, task })
    }

    /// Ends the live stream: the step now shown looks at no events.
    pub fn stop_watch(&mut self) {
        self.watch = None;
    }

    pub(super) async fn events_of(
        &self,
        docker: &Docker,
        since: i64,
        until: i64,
        filters: Option<HashMap<String, Vec<String>>>,
    ) -> Result<Vec<EngineEvent>, EngineError> {
        let options = EventsOptions { since: Some(unix_time_arg(since)), until: Some(unix_time_arg(until)), filters };
        let mut stream = docker.events(Some(options));
        let mut out = Vec::new();
        while let Some(e) = stream.next().await {
            out.push(engine_event(e.map_err(|e| self.classify(e))?));
            if out.len() >= MAX_EVENTS {
                break;
            }
        }
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn podmans_actions_are_read_in_dockers_words() {
        let read = |kind: &str, action: &str| docker_action(kind, action.to_owned());
        assert_eq!(read("container", "remove"), "destroy");
        assert_eq!(read("volume", "remove"), "destroy");
        assert_eq!(read("network", "remove"), "destroy");
        assert_eq!(read("container", "died"), "die");
        assert_eq!(read("container", "exec"), "exec_start");
        assert_eq!(read("container", "exec_died"), "exec_die");
        assert_eq!(read("image", "remove"), "delete");
        assert_eq!(read("image", "loadfromarchive"), "load");
        // Docker's own words pass as they are, commands and all.
        assert_eq!(read("container", "exec_start: ls /"), "exec_start: ls /");
        assert_eq!(read("container", "destroy"), "destroy");
        assert_eq!(read("image", "tag"), "tag");
    }

    #[test]
    fn podmans_volumes_and_networks_are_named_as_dockers() {
        let message = |typ, id: &str, attributes: &[(&str, &str)]| bollard::models::EventMessage {
            typ: Some(typ),
            action: Some("create".into()),
            actor: Some(bollard::models::EventActor {
                id: Some(id.into()),
                attributes: Some(attributes.iter().map(|(k, v)| ((*k).to_owned(), (*v).to_owned())).collect()),
            }),
            ..Default::default()
        };
        let v = engine_event(message(bollard::models::EventMessageTypeEnum::VOLUME, "", &[("name", "v1")]));
        assert_eq!(v.id, "v1");
        let n = engine_event(message(
            bollard::models::EventMessageTypeEnum::NETWORK,
            "c7af5b",
            &[("name", ""), ("network", "n1")],
        ));
        assert_eq!((n.id.as_str(), n.attr("name")), ("c7af5b", "n1"));
        // Docker's own stay as they are.
        let d = engine_event(message(bollard::models::EventMessageTypeEnum::NETWORK, "abc", &[("name", "shop")]));
        assert_eq!(d.attr("name"), "shop");
    }

    #[test]
    fn podmans_exec_exit_code_is_read_as_dockers() {
        let message = bollard::models::EventMessage {
            typ: Some(bollard::models::EventMessageTypeEnum::CONTAINER),
            action: Some("exec_died".into()),
            actor: Some(bollard::models::EventActor {
                id: Some("c1".into()),
                attributes: Some(HashMap::from([("containerExitCode".to_owned(), "3".to_owned())])),
            }),
            ..Default::default()
        };
        let e = engine_event(message);
        assert_eq!((e.action.as_str(), e.attr("exitCode")), ("exec_die", "3"));
    }

    #[test]
    fn event_times_keep_nanoseconds() {
        assert_eq!(unix_time_arg(1_700_000_000_123_456_789), "1700000000.123456789");
        assert_eq!(unix_time_arg(5), "0.000000005");
    }
}
