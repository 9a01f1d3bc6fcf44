//! What changed while one command ran: the engine's events of a time window (every
//! kind, every object) and the last lines a container printed, for narration and
//! for recording what the learner made.

use super::events::{MAX_EVENTS, unix_time_arg as time_arg};
use super::{Engine, EngineError};
use crate::narrate::Event;
use bollard::query_parameters::EventsOptions;
use futures_util::StreamExt;

impl Engine {
    /// The events from `since` to `until` (Unix nanoseconds), oldest first.
    pub async fn events_between(&mut self, since: i64, until: i64) -> Result<Vec<Event>, EngineError> {
        let docker = self.client().await?;
        let options = EventsOptions { since: Some(time_arg(since)), until: Some(time_arg(until)), filters: None };
        let mut stream = docker.events(Some(options));
        let mut out = Vec::new();
        while let Some(e) = stream.next().await {
            let e = e.map_err(|e| self.classify(e))?;
            let actor = e.actor.unwrap_or_default();
            out.push(Event {
                kind: e.typ.map(|t| t.to_string()).unwrap_or_default(),
                action: e.action.unwrap_or_default(),
                id: actor.id.unwrap_or_default(),
                attributes: actor.attributes.unwrap_or_default().into_iter().collect(),
            });
            if out.len() >= MAX_EVENTS {
                break;
            }
        }
        Ok(out)
    }

    /// The last `lines` lines a container printed; empty when it is gone.
    pub async fn last_lines(&mut self, id: &str, lines: usize) -> Result<String, EngineError> {
        let docker = self.client().await?;
        self.log_tail(&docker, id, lines).await
    }
}
