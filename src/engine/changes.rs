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

    /// The last `lines` lines a container printed; empty when it is gone.
    pub async fn last_lines(&mut self, id: &str, lines: usize) -> Result<String, EngineError> {
        let docker = self.client().await?;
        self.log_tail(&docker, id, lines).await
    }
}
