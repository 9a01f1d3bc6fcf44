//! The sandbox around one command at the prompt: before it, a look at the engine and
//! the guard's judgement; after it, what the command made is recorded (for `clean`)
//! and what changed is told. The prompt drives it; the judging, recording and telling
//! live in `guard`, `clean` and `narrate`.
//!
//! The prompt's commands reach the engine through a recording proxy (`DOCKER_HOST`
//! set to it), so only what they made and acted on is told and recorded, not what
//! other programs did on the same engine meanwhile (`traffic`). Without the proxy
//! (an engine that is not on a local socket), every change in the command's time is
//! taken for the learner's.

use crate::clean::{Ledger, created_by};
use crate::engine::recorder::{NotRecorded, Recorder};
use crate::engine::{Endpoint, Engine, EngineError, Follow, Scope};
use crate::explain::Knowledge;
use crate::guard::{self, Created, Warning};
use crate::narrate::{self, Facts};
use crate::snapshot::Snapshot;
use crate::traffic::Traffic;
use std::collections::BTreeSet;
use std::path::Path;

/// What the engine held just before a command.
#[derive(Debug)]
pub struct Before {
    /// Unix nanoseconds, just before the command started.
    pub since: i64,
    pub snapshot: Snapshot,
    /// The engine's events, streamed live while the command runs.
    follow: Option<Follow>,
    /// When the last command's changes were told, where `meanwhile` begins.
    told_until: Option<i64>,
}

/// Most execs asked about after one command, for how they ended.
const MAX_EXECS_ASKED: usize = 10;
/// Longest wait after a command for the events the engine owes for it.
const OWED_EVENTS_WAIT: std::time::Duration = std::time::Duration::from_millis(1500);

pub struct Sandbox {
    knowledge: Knowledge,
    ledger: Ledger,
    recorder: Option<Recorder>,
    /// Containers the prompt's commands worked on this session (through the proxy).
    session: std::sync::Mutex<BTreeSet<String>>,
    /// Until when the last command's changes were told (Unix nanoseconds).
    told_until: std::sync::Mutex<Option<i64>>,
}

impl Sandbox {
    /// Records go to `created.jsonl` in `data_dir`. Until `record` is called, every
    /// change on the engine while a command runs is taken for the command's.
    pub fn new(data_dir: &Path, knowledge: Knowledge) -> Sandbox {
        Sandbox {
            knowledge,
            ledger: Ledger::in_dir(data_dir),
            recorder: None,
            session: Default::default(),
            told_until: Default::default(),
        }
    }

    /// Puts the recording proxy in front of `endpoint`; commands must then run with
    /// `docker_host` as their `DOCKER_HOST`. Call it inside the runtime that runs while
    /// commands do. The error says why not, for the learner; the sandbox works without.
    pub fn record(&mut self, endpoint: &Endpoint) -> Result<(), NotRecorded> {
        self.recorder = Some(Recorder::start(endpoint)?);
        Ok(())
    }

    /// The `DOCKER_HOST` for the prompt's commands, when the proxy runs.
    pub fn docker_host(&self) -> Option<String> {
        self.recorder.as_ref().map(Recorder::host)
    }

    /// What the proxy saw the commands run, for the checks (`Engine::witnessed_by`).
    pub fn witness(&self) -> Option<crate::engine::witness::Witness> {
        self.recorder.as_ref().map(Recorder::witness)
    }

    /// The explanations `:explain` and the guard read.
    pub fn knowledge(&self) -> &Knowledge {
        &self.knowledge
    }

    /// What the learner made, as the guard counts it: every recorded id and name.
    pub fn created(&self) -> Created {
        let records = self.ledger.load().unwrap_or_default();
        Created::new(records.into_iter().flat_map(|r| [r.id, r.name]).filter(|s| !s.is_empty()))
    }

    /// The learner's containers, as the map draws them by default: those made from the
    /// prompt (recorded), and those its commands worked on this session.
    pub fn own_containers(&self) -> BTreeSet<String> {
        let mut own = self.ledger.containers().unwrap_or_default();
        own.extend(lock(&self.session).iter().cloned());
        own
    }

    /// Looks at the engine before `line` runs in `cwd`, and judges it. The warning,
    /// when there is one, is for the learner to confirm before the command runs.
    /// `lesson_names` are the names the current lesson has the learner make (its
    /// containers, volumes, networks and tags): the learner's even when made in another
    /// terminal, so its own clean-up is not questioned.
    pub async fn before(
        &self,
        engine: &mut Engine,
        line: &str,
        cwd: &Path,
        lesson_names: &[String],
    ) -> Result<(Before, Option<Warning>), EngineError> {
        let snapshot = engine.inventory(&Scope::everything()).await?;
        let warning = if guard::may_destroy(&self.knowledge, line) {
            let project = guard::compose_project_of(cwd);
            let mut created = self.created();
            created.refs.extend(lesson_names.iter().cloned());
            guard::judge(&self.knowledge, line, &snapshot, &created, &project)
        } else {
            None
        };
        if let Some(r) = &self.recorder {
            // What came through between commands (a job left in the background) is not this one's.
            r.take();
        }
        let since = crate::progress::now();
        // A command whose changes are not told after it (the engine did not answer)
        // leaves no mark: the next one's "meanwhile" would hold its doings.
        let told_until = lock(&self.told_until).take();
        let follow = engine.follow(since).await;
        Ok((Before { since, snapshot, follow, told_until }, warning))
    }

    /// What happened to the learner's containers between the last command and the one
    /// `before` looked before (one that was run with `-d` and failed, say), one line
    /// each: their ends, restarts and removals, the engine's own or another terminal's
    /// doing. Only for telling: an engine that does not answer tells nothing.
    pub async fn meanwhile(&self, engine: &mut Engine, before: &Before) -> Vec<String> {
        let Some(from) = before.told_until.filter(|from| *from < before.since) else { return Vec::new() };
        let own = self.own_containers();
        if own.is_empty() {
            return Vec::new();
        }
        let Ok(events) = engine.container_events_between(from, before.since).await else { return Vec::new() };
        let now = &before.snapshot;
        let events: Vec<_> = events
            .into_iter()
            .filter(|e| e.kind == "container" && own.contains(&e.id))
            .filter(|e| matches!(e.action.as_str(), "die" | "oom" | "restart" | "destroy" | "kill" | "stop"))
            .collect();
        let mut facts = Facts { before: now.clone(), after: now.clone(), ..Facts::default() };
        for id in narrate::failed_containers(&events) {
            if let Ok(lines) = engine.last_lines(&id, narrate::LINES_READ).await {
                facts.last_lines.insert(id, lines);
            }
        }
        narrate::narrate(&events, &facts)
    }

    /// After the command: records what it made and tells what changed, one line each.
    pub async fn after(&self, engine: &mut Engine, before: Before) -> anyhow::Result<Vec<String>> {
        // The engine stamps events as it sends them; a millisecond covers the last one.
        let mut until = crate::progress::now() + 1_000_000;
        let traffic = self.recorder.as_ref().map(Recorder::take);
        if let (Some(t), Some(f)) = (&traffic, &before.follow) {
            // What the engine owes for what it answered may still be on its way.
            until = until.max(f.wait_for(&t.owed(), OWED_EVENTS_WAIT).await);
        }
        *lock(&self.told_until) = Some(until);
        let events = engine.events_between(before.since, until, before.follow.as_ref()).await?;
        let after = engine.inventory(&Scope::everything()).await?;
        let time = until / 1_000_000_000;
        let (records, events, traffic) = match traffic {
            Some(t) => {
                let traffic =
                    t.with_buildkit_images(&before.snapshot, &after).with_implicit_volumes(&events, &before.snapshot);
                let kept = traffic.keep(&events, &before.snapshot, &after);
                let worked_on = kept.iter().filter(|e| e.kind == "container").map(|e| e.id.clone());
                lock(&self.session).extend(worked_on);
                (traffic.records(&before.snapshot, &after, time), kept, traffic)
            }
            None => (created_by(&events, &before.snapshot, time), events, Traffic::default()),
        };
        let mut facts = Facts {
            before: before.snapshot,
            after,
            mounts_when_created: traffic.mounts,
            failed_starts: traffic.failed_starts,
            asked_to_stop: traffic.asked_to_stop,
            ..Facts::default()
        };
        self.ledger.append(&records)?;
        for id in narrate::failed_containers(&events) {
            facts.last_lines.insert(id.clone(), engine.last_lines(&id, narrate::LINES_READ).await?);
        }
        for exec in narrate::execs_without_end(&events).into_iter().take(MAX_EXECS_ASKED) {
            if let Some(end) = engine.exec_end(&exec).await {
                facts.exec_ends.insert(exec, end);
            }
        }
        Ok(narrate::narrate(&events, &facts))
    }
}

fn lock<T>(m: &std::sync::Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
}
