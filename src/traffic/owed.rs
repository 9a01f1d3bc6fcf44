//! The events the engine owes for the requests it answered: a container created, started,
//! restarted, killed, stopped, waited for until it ended or was removed, removed. Some
//! engines deliver their events a moment after the command that caused them has returned
//! (Podman's file event log is read every quarter of a second): the sandbox waits for
//! what is owed, a bounded while, before it tells what changed.

use super::Call;
use crate::narrate::Event;

/// An event owed: of `kind`, with `action`, about `object` (an id, its prefix, or a name,
/// as the request or its answer gave it).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Owed {
    pub kind: &'static str,
    pub action: &'static str,
    pub object: String,
}

impl Owed {
    pub fn container(action: &'static str, object: &str) -> Owed {
        Owed::of("container", action, object)
    }

    pub fn of(kind: &'static str, action: &'static str, object: &str) -> Owed {
        Owed { kind, action, object: object.to_owned() }
    }

    /// Whether `e` is the event owed (of any action when `action` is empty). Image ids
    /// compare without their `sha256:`.
    pub fn met_by(&self, e: &Event) -> bool {
        let bare = |id: &str| id.strip_prefix("sha256:").unwrap_or(id).to_owned();
        let by_id = bare(&e.id) == bare(&self.object)
            || self.object.len() >= 4
                && self.object.bytes().all(|b| b.is_ascii_hexdigit())
                && e.id.starts_with(&self.object);
        e.kind == self.kind
            && (self.action.is_empty()
                || e.action == self.action
                || e.action.strip_prefix(self.action).is_some_and(|r| r.starts_with(':')))
            && (by_id || e.attributes.get("name") == Some(&self.object))
    }
}

/// The event a successful answer (`status`) to `call` owes, if any. A start of a
/// container already running (304), a stop of one already stopped, owe none.
pub(super) fn owed(call: &Call, status: u16) -> Option<Owed> {
    let s: Vec<&str> = call.segments.iter().map(String::as_str).collect();
    if let ("DELETE", ["volumes" | "networks", object], 200..=299) = (call.method.as_str(), s.as_slice(), status) {
        let kind = if s[0] == "volumes" { "volume" } else { "network" };
        return Some(Owed::of(kind, "destroy", object));
    }
    let action = match (call.method.as_str(), s.as_slice(), status) {
        ("POST", ["containers", _, "start"], 204) => "start",
        ("POST", ["containers", _, "restart"], 204) => "restart",
        ("POST", ["containers", _, "kill"], 204) => "kill",
        ("POST", ["containers", _, "stop"], 204) => "die",
        ("DELETE", ["containers", _], 200..=299) => "destroy",
        _ => return None,
    };
    Some(Owed::container(action, s[1]))
}

/// A wait's answer came (`docker run` waits for the end, with `--rm` the removal, of what
/// it started): the event it owes. Not owed when the answer never came (the learner
/// detached, or stopped waiting).
pub(super) fn waited(call: &Call) -> Option<Owed> {
    let action = match (call.method.as_str(), call.segments.as_slice(), call.param("condition")) {
        ("POST", [containers, _, wait], Some("next-exit")) if containers == "containers" && wait == "wait" => "die",
        ("POST", [containers, _, wait], Some("removed")) if containers == "containers" && wait == "wait" => "destroy",
        _ => return None,
    };
    Some(Owed::container(action, &call.segments[1]))
}

/// Whether `call` waits for a container (its answer is read for `waited`).
pub(super) fn is_wait(call: &Call) -> bool {
    matches!(call.segments.as_slice(), [containers, _, wait] if call.method == "POST" && containers == "containers" && wait == "wait")
}

/// Whether `call`, answered with `status`, asked the engine to stop a container: `docker
/// stop`, `docker restart`, `docker rm -f`. The container, as the request named it.
pub(super) fn asks_to_stop(call: &Call, status: u16) -> Option<&str> {
    let s: Vec<&str> = call.segments.iter().map(String::as_str).collect();
    let forced = matches!(call.param("force"), Some("1" | "true" | "True"));
    match (call.method.as_str(), s.as_slice()) {
        ("POST", ["containers", c, "stop" | "restart"]) if status == 204 => Some(c),
        ("DELETE", ["containers", c]) if forced && (200..300).contains(&status) => Some(c),
        _ => None,
    }
    .map(|_| call.segments[1].as_str())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn call(method: &str, target: &str) -> Call {
        let (path, query) = target.split_once('?').map_or((target, None), |(p, q)| (p, Some(q)));
        Call::new(method, path, query)
    }

    #[test]
    fn what_a_run_a_stop_and_a_removal_owe() {
        let owes = |method: &str, target: &str, status: u16| owed(&call(method, target), status);
        assert_eq!(owes("POST", "/v1.41/containers/web/start", 204), Some(Owed::container("start", "web")));
        assert_eq!(owes("POST", "/v1.41/containers/web/start", 304), None, "it was running already");
        assert_eq!(owes("POST", "/v1.41/containers/web/stop?t=1", 204), Some(Owed::container("die", "web")));
        assert_eq!(owes("POST", "/containers/3f2a/wait?condition=next-exit", 200), None, "not before its answer");
        let waited = |target: &str| waited(&call("POST", target));
        assert_eq!(waited("/containers/3f2a/wait?condition=next-exit"), Some(Owed::container("die", "3f2a")));
        assert_eq!(waited("/containers/3f2a/wait?condition=removed"), Some(Owed::container("destroy", "3f2a")));
        assert_eq!(waited("/containers/3f2a/wait"), None, "`docker wait` of one that has ended");
        assert_eq!(owes("DELETE", "/v1.41/containers/t1?force=1", 204), Some(Owed::container("destroy", "t1")));
        assert_eq!(owes("DELETE", "/v1.41/containers/t1", 404), None);
        assert_eq!(owes("GET", "/v1.41/containers/t1/json", 200), None);
    }

    #[test]
    fn an_owed_event_is_met_by_id_prefix_or_name() {
        let died = Event::of("container", "die", "3f2a99", &[("name", "web"), ("exitCode", "0")]);
        assert!(Owed::container("die", "3f2a").met_by(&died));
        assert!(Owed::container("die", "web").met_by(&died));
        assert!(!Owed::container("die", "we").met_by(&died));
        assert!(!Owed::container("destroy", "web").met_by(&died));
        let exec = Event::of("container", "exec_start: ls", "3f2a99", &[("name", "web")]);
        assert!(Owed::container("exec_start", "web").met_by(&exec));
    }

    #[test]
    fn stops_restarts_and_forced_removals_ask_a_container_to_stop() {
        let asks =
            |method: &str, target: &str, status: u16| asks_to_stop(&call(method, target), status).map(str::to_owned);
        assert_eq!(asks("POST", "/v1.41/containers/web/stop", 204).as_deref(), Some("web"));
        assert_eq!(asks("POST", "/v1.41/containers/web/restart?t=1", 204).as_deref(), Some("web"));
        assert_eq!(asks("DELETE", "/v1.41/containers/t1?force=1&v=1", 204).as_deref(), Some("t1"));
        assert_eq!(asks("DELETE", "/v1.41/containers/t1", 204), None, "a removal of a stopped one");
        assert_eq!(asks("POST", "/v1.41/containers/web/stop", 304), None);
        assert_eq!(asks("POST", "/v1.41/containers/web/kill", 204), None);
    }
}
