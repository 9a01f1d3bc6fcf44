//! The sandbox around one command at the prompt: before it, a look at the engine and
//! the guard's judgement; after it, what the command made is recorded (for `clean`)
//! and what changed is told. The prompt drives it; the judging, recording and telling
//! live in `guard`, `clean` and `narrate`.

use crate::clean::{Ledger, created_by};
use crate::engine::{Engine, EngineError, Scope};
use crate::explain::Knowledge;
use crate::guard::{self, Created, Warning};
use crate::narrate::{self, Facts};
use crate::snapshot::Snapshot;
use std::path::Path;

/// What the engine held just before a command.
#[derive(Debug, Clone)]
pub struct Before {
    /// Unix nanoseconds, just before the command started.
    pub since: i64,
    pub snapshot: Snapshot,
}

pub struct Sandbox {
    knowledge: Knowledge,
    ledger: Ledger,
}

impl Sandbox {
    /// Records go to `created.jsonl` in `data_dir`.
    pub fn new(data_dir: &Path, knowledge: Knowledge) -> Sandbox {
        Sandbox { knowledge, ledger: Ledger::in_dir(data_dir) }
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

    /// Looks at the engine before `line` runs in `cwd`, and judges it. The warning,
    /// when there is one, is for the learner to confirm before the command runs.
    pub async fn before(
        &self,
        engine: &mut Engine,
        line: &str,
        cwd: &Path,
    ) -> Result<(Before, Option<Warning>), EngineError> {
        let snapshot = engine.inventory(&Scope::everything()).await?;
        let warning = if guard::may_destroy(&self.knowledge, line) {
            let project = guard::compose_project_of(cwd);
            guard::judge(&self.knowledge, line, &snapshot, &self.created(), &project)
        } else {
            None
        };
        Ok((Before { since: crate::progress::now(), snapshot }, warning))
    }

    /// After the command: records what it made and tells what changed, one line each.
    pub async fn after(&self, engine: &mut Engine, before: Before) -> anyhow::Result<Vec<String>> {
        // The engine stamps events as it sends them; a millisecond covers the last one.
        let until = crate::progress::now() + 1_000_000;
        let events = engine.events_between(before.since, until).await?;
        self.ledger.append(&created_by(&events, &before.snapshot, until / 1_000_000_000))?;
        let after = engine.inventory(&Scope::everything()).await?;
        let mut facts = Facts { before: before.snapshot, after, ..Facts::default() };
        for id in narrate::failed_containers(&events) {
            facts.last_lines.insert(id.clone(), engine.last_lines(&id, narrate::LAST_LINES).await?);
        }
        Ok(narrate::narrate(&events, &facts))
    }
}
