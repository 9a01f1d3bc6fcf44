//! What changed while one command ran: the engine's events of a time window (every
//! kind, every object) and the last lines a container printed, for narration and
//! for recording what the learner made.

use super::events::{Follow, merged};
use super::{Engine, EngineError};
use crate::narrate::Event;

impl Engine {
    /// The events from `since` to `until` (Unix nanoseconds), oldest first: what the
    /// engine still remembers, and what `follow` gathered live (the engine keeps only its
    /// last 256 events, so on a busy engine a long command's first ones are gone from it).
    pub async fn events_between(
        &mut self,
        since: i64,
        until: i64,
        follow: Option<&Follow>,
    ) -> Result<Vec<Event>, EngineError> {
        let docker = self.client().await?;
        let mut events = self.events_of(&docker, since, until, None).await?;
        if let Some(f) = follow {
            events.extend(f.until(until));
        }
        Ok(merged(events).iter().map(Event::from).collect())
    }

    /// The container events from `since` to `until`, oldest first, as the engine
    /// remembers them (a window between two commands, which no live stream followed).
    pub async fn container_events_between(&mut self, since: i64, until: i64) -> Result<Vec<Event>, EngineError> {
        let docker = self.client().await?;
        let filters = std::collections::HashMap::from([("type".to_owned(), vec!["container".to_owned()])]);
        let events = self.events_of(&docker, since, until, Some(filters)).await?;
        Ok(events.iter().map(Event::from).collect())
    }

    /// How exec `id` ended, or that it still runs; None when the engine no longer knows it.
    pub async fn exec_end(&mut self, id: &str) -> Option<crate::narrate::ExecEnd> {
        let docker = self.client().await.ok()?;
        let e = docker.inspect_exec(id).await.ok()?;
        Some(crate::narrate::ExecEnd { running: e.running.unwrap_or(false), exit_code: e.exit_code })
    }

    /// The last `lines` lines a container printed; empty when it is gone.
    pub async fn last_lines(&mut self, id: &str, lines: usize) -> Result<String, EngineError> {
        let docker = self.client().await?;
        self.log_tail(&docker, id, lines).await
    }
}
