//! What the learner's commands ran, as dockerlearn's relay (`recorder`) saw them pass:
//! each container as it was created, inspected before the answer went back (so before a
//! `--rm` container could end and vanish), and each `docker exec`, its command and how
//! it ended. The relay's `Traffic` is taken after every command, for the narration; this
//! outlives it, for the checks of a step, which judge a container or an exec by the
//! command it ran where the engine's events do not say (Podman names no exec's command,
//! and tells of a new container late, when a `--rm` one may be gone).

use crate::check::{ContainerDetails, ExecSeen, Observation};
use std::collections::{HashMap, VecDeque};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

/// Most containers and execs kept: the oldest go first.
const MAX_KEPT: usize = 2000;

/// A handle on what the relay saw; its clones share it.
#[derive(Debug, Clone)]
pub struct Witness(Arc<Mutex<Seen>>);

#[derive(Debug, Default)]
struct Seen {
    /// When the relay began (Unix nanoseconds).
    since: i64,
    /// Containers as they were created, by id.
    created: HashMap<String, ContainerDetails>,
    /// The ids in `created`, oldest first.
    order: VecDeque<String>,
    /// Execs, oldest first.
    execs: VecDeque<ExecSeen>,
}

/// How an exec ended, as the engine tells of it (`GET /exec/{id}/json`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExecEnd {
    pub container: String,
    /// Its program, then its arguments.
    pub command: Vec<String>,
    pub exit_code: i64,
}

impl ExecEnd {
    /// The end the engine's inspection tells; None while the exec runs.
    pub fn read(inspected: bollard::models::ExecInspectResponse) -> Option<ExecEnd> {
        if inspected.running != Some(false) {
            return None;
        }
        let process = inspected.process_config.unwrap_or_default();
        let program = process.entrypoint.filter(|p| !p.is_empty());
        Some(ExecEnd {
            container: inspected.container_id.unwrap_or_default(),
            command: program.into_iter().chain(process.arguments.unwrap_or_default()).collect(),
            exit_code: inspected.exit_code?,
        })
    }
}

impl Witness {
    /// A relay that begins now (`since`, Unix nanoseconds).
    pub fn new(since: i64) -> Witness {
        Witness(Arc::new(Mutex::new(Seen { since, ..Seen::default() })))
    }

    fn seen(&self) -> MutexGuard<'_, Seen> {
        self.0.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Container `id`, as it was created.
    pub fn created(&self, id: &str, details: ContainerDetails) {
        let mut seen = self.seen();
        if seen.created.insert(id.to_owned(), details).is_none() {
            seen.order.push_back(id.to_owned());
        }
        while seen.order.len() > MAX_KEPT {
            if let Some(old) = seen.order.pop_front() {
                seen.created.remove(&old);
            }
        }
    }

    /// An exec made in `container` (as the request named it) to run `command`.
    pub fn exec_asked(&self, id: &str, container: &str, command: Vec<String>) {
        let mut seen = self.seen();
        seen.execs.push_back(ExecSeen {
            id: id.to_owned(),
            container: container.to_owned(),
            command,
            ..ExecSeen::default()
        });
        if seen.execs.len() > MAX_KEPT {
            seen.execs.pop_front();
        }
    }

    /// Exec `id` was started `at` (Unix nanoseconds).
    pub fn exec_started(&self, id: &str, at: i64) {
        if let Some(x) = self.seen().execs.iter_mut().find(|x| x.id == id && x.started == 0) {
            x.started = at;
        }
    }

    /// Exec `id` had ended by `at`, as the engine tells; the engine's word on its
    /// container and command replaces the request's.
    pub fn exec_ended(&self, id: &str, at: i64, end: ExecEnd) {
        if let Some(x) = self.seen().execs.iter_mut().find(|x| x.id == id) {
            if x.exit_code.is_none() {
                x.ended = at;
                x.exit_code = Some(end.exit_code);
            }
            if !end.container.is_empty() {
                x.container = end.container;
            }
            if !end.command.is_empty() {
                x.command = end.command;
            }
        }
    }

    /// What the relay saw, for a check of a step that began at `since`: every container
    /// it saw created that the observation has not inspected otherwise, the execs it saw
    /// started since, and since when it has seen the learner's commands.
    pub fn fill(&self, since: i64, obs: &mut Observation) {
        let seen = self.seen();
        for (id, details) in &seen.created {
            obs.created.entry(id.clone()).or_insert_with(|| details.clone());
        }
        obs.execs = seen.execs.iter().filter(|x| x.started == 0 || x.started >= since).cloned().collect();
        obs.relayed_since = Some(seen.since);
    }
}

/// The command a `POST /containers/{id}/exec` asks to run: its body's `Cmd`.
pub fn exec_command(body: &[u8]) -> Option<Vec<String>> {
    #[derive(serde::Deserialize)]
    struct Asked {
        #[serde(rename = "Cmd")]
        cmd: Vec<String>,
    }
    serde_json::from_slice::<Asked>(body).ok().map(|a| a.cmd)
}

/// The id an answer names: `{"Id": "..."}`.
pub fn answered_id(body: &[u8]) -> Option<String> {
    let v = serde_json::from_slice::<serde_json::Value>(body).ok()?;
    v.get("Id").and_then(|i| i.as_str()).filter(|i| !i.is_empty()).map(str::to_owned)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn observed(w: &Witness, since: i64) -> Observation {
        let mut obs = Observation::empty(Err("not asked".into()));
        w.fill(since, &mut obs);
        obs
    }

    #[test]
    fn an_exec_is_known_from_its_request_then_from_the_engines_word() {
        let w = Witness::new(5);
        let asked = exec_command(br#"{"AttachStdout":true,"Cmd":["sh","-c","echo hi"],"Tty":false}"#).unwrap();
        w.exec_asked(&answered_id(br#"{"Id":"e1"}"#).unwrap(), "web", asked);
        w.exec_started("e1", 100);
        let obs = observed(&w, 50);
        assert_eq!(obs.relayed_since, Some(5));
        let x = &obs.execs[0];
        assert_eq!(
            (x.container.as_str(), x.command.join(" "), x.started, x.exit_code),
            ("web", "sh -c echo hi".into(), 100, None)
        );
        // Podman's inspection of it once its connection closed.
        let inspected: bollard::models::ExecInspectResponse = serde_json::from_str(
            r#"{"ContainerID":"c0ffee","ExitCode":3,"ID":"e1","Running":false,"ProcessConfig":{"arguments":["-c","echo hi; exit 3"],"entrypoint":"sh"}}"#,
        )
        .unwrap();
        w.exec_ended("e1", 200, ExecEnd::read(inspected).unwrap());
        let x = &observed(&w, 50).execs[0];
        assert_eq!(
            (x.container.as_str(), x.command.join(" "), x.ended, x.exit_code),
            ("c0ffee", "sh -c echo hi; exit 3".into(), 200, Some(3))
        );
        // A step that began after it does not see it.
        assert!(observed(&w, 150).execs.is_empty());
    }

    #[test]
    fn an_exec_still_running_has_not_ended() {
        let running: bollard::models::ExecInspectResponse = serde_json::from_str(
            r#"{"ExitCode":0,"Running":true,"ProcessConfig":{"entrypoint":"sleep","arguments":["9"]}}"#,
        )
        .unwrap();
        assert_eq!(ExecEnd::read(running), None);
        assert_eq!(exec_command(b"{\"Cmd\":\"not a list\"}"), None);
        assert_eq!(answered_id(b"{\"message\":\"no such container\"}"), None);
    }

    #[test]
    fn containers_seen_created_are_kept_up_to_a_bound() {
        let w = Witness::new(0);
        for i in 0..MAX_KEPT + 3 {
            w.created(&format!("c{i}"), ContainerDetails { cmd: vec![format!("run-{i}")], ..Default::default() });
        }
        let mut obs = Observation::empty(Err("not asked".into()));
        // What the step's own look found stays.
        obs.created.insert("c5".into(), ContainerDetails { cmd: vec!["seen live".into()], ..Default::default() });
        w.fill(0, &mut obs);
        assert_eq!(obs.created.len(), MAX_KEPT);
        assert!(!obs.created.contains_key("c0"), "the oldest went first");
        assert_eq!(obs.created["c5"].cmd, ["seen live"]);
        assert_eq!(obs.created[&format!("c{}", MAX_KEPT + 2)].cmd, [format!("run-{}", MAX_KEPT + 2)]);
    }
}
