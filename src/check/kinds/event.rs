//! `kind: event`: since the step began, the engine reported an event: a container
//! from an image exited 0, was removed right after it exited (`--rm`), an exec ended,
//! an image was pulled. Events, not state: they prove something happened even when
//! what it made is gone.

use super::{Converted, Problems, assertion};
use crate::check::select::{image_ids, quoted_list};
use crate::check::{Check, EngineEvent, EventObject, Finding, ImageInfo, Needs, Observation, Rule};
use crate::reference::ImageRef;
use serde::Deserialize;

/// Default for `within_ms` with `follows`.
pub const FOLLOWS_WITHIN_MS: u64 = 2000;

/// Actions whose events carry the exit code.
const ENDINGS: &[&str] = &["die", "exec_die"];

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct Raw {
    action: String,
    #[serde(default)]
    name: Option<String>,
    #[serde(default)]
    image: Option<String>,
    #[serde(default)]
    exit_code: Option<i64>,
    #[serde(default, rename = "type")]
    object: EventObject,
    #[serde(default)]
    follows: Option<String>,
    #[serde(default)]
    within_ms: Option<u64>,
    #[serde(default)]
    hint: Option<String>,
}

impl Raw {
    pub(super) fn convert(self) -> Converted {
        let mut p = Problems::default();
        p.when(
            self.exit_code.is_some() && !ENDINGS.contains(&self.action.as_str()),
            "`exit_code` is only reported on `action: die` and `action: exec_die` events",
        );
        p.when(
            self.within_ms.is_some() && self.follows.is_none(),
            "`within_ms` goes with `follows:` (the action this event must follow)",
        );
        p.when(
            self.object != EventObject::Container && (self.name.is_some() || self.follows.is_some()),
            "`name:` and `follows:` are about containers: they go with `type: container` (the default)",
        );
        let follows = self.follows.map(|action| (action, self.within_ms.unwrap_or(FOLLOWS_WITHIN_MS)));
        let check = p.then(|| {
            Check::Event(EventCheck {
                action: self.action,
                object: self.object,
                name: self.name,
                image: self.image,
                exit_code: self.exit_code,
                follows,
            })
        });
        assertion(check, self.hint)
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct EventCheck {
    /// The engine's action name: `create`, `start`, `die`, `destroy`, `exec_die`, `pull`, ...
    pub action: String,
    /// What the event is about.
    pub object: EventObject,
    pub name: Option<String>,
    pub image: Option<String>,
    /// Only for `die` and `exec_die`: the exit code.
    pub exit_code: Option<i64>,
    /// The event must come within so many milliseconds after another action of the
    /// same container: `destroy` following `die` at once is what `docker run --rm`
    /// does; a `docker rm` typed by hand comes later.
    pub follows: Option<(String, u64)>,
}

fn action_matches(wanted: &str, got: &str) -> bool {
    // Podman says `died` where Docker says `die`; exec actions carry the command
    // (`exec_start: ls /`).
    wanted == got || (wanted == "die" && got == "died") || got.strip_prefix(wanted).is_some_and(|r| r.starts_with(':'))
}

impl EventCheck {
    /// Whether `e` comes soon enough after the `follows` action of the same container.
    fn follows_in_time(&self, e: &EngineEvent, events: &[EngineEvent]) -> bool {
        let Some((before, within_ms)) = &self.follows else {
            return true;
        };
        let window = *within_ms as i64 * 1_000_000;
        events.iter().any(|p| {
            p.id == e.id && action_matches(before, &p.action) && (0..=window).contains(&(e.time_nano - p.time_nano))
        })
    }

    fn fits(&self, e: &EngineEvent, images: &[ImageInfo]) -> bool {
        if e.kind != self.object.as_str() || !action_matches(&self.action, &e.action) {
            return false;
        }
        if self.object == EventObject::Image {
            // Image events name the image in the actor id (`python:3.12-slim`) or `name`.
            return self.image.as_ref().is_none_or(|image| {
                let wanted = ImageRef::parse(image);
                [e.id.as_str(), e.attr("name")].iter().any(|r| !r.is_empty() && ImageRef::parse(r).matches(&wanted))
            });
        }
        if self.name.as_ref().is_some_and(|n| n != e.attr("name")) {
            return false;
        }
        if let Some(image) = &self.image {
            let wanted = ImageRef::parse(image);
            let got = e.attr("image");
            if !(ImageRef::parse(got).matches(&wanted) || image_ids(&wanted, images).iter().any(|id| id == got)) {
                return false;
            }
        }
        self.exit_code.is_none_or(|code| e.attr("exitCode").parse::<i64>().ok() == Some(code))
    }
}

impl Rule for EventCheck {
    fn needs(&self, _: usize, needs: &mut Needs) {
        needs.events = true;
        if self.object == EventObject::Container {
            needs.containers();
        } else if !needs.other_events.contains(&self.object) {
            needs.images = true;
            needs.other_events.push(self.object);
        }
    }

    fn judge(&self, _: usize, obs: &Observation) -> Finding {
        let fitting: Vec<&EngineEvent> = obs.events.iter().filter(|e| self.fits(e, &obs.images)).collect();
        if let Some(e) = fitting.iter().rev().find(|e| self.follows_in_time(e, &obs.events)) {
            return Finding::pass(format!("`{}` of {} `{}`", e.action, self.object, e.attr("name")));
        }
        if let (Some(e), Some((before, within_ms))) = (fitting.last(), &self.follows) {
            return Finding::fail(format!(
                "container `{}` had a `{}` event, but not within {within_ms} ms of its `{before}`: it was done by hand, not by the engine",
                e.attr("name"),
                e.action,
            ));
        }
        let similar: Vec<String> = obs
            .events
            .iter()
            .rev()
            .filter(|e| e.kind == self.object.as_str() && action_matches(&self.action, &e.action))
            .take(3)
            .map(|e| match e.attributes.get("exitCode") {
                Some(code) => format!("{} from {} exited with code {code}", e.attr("name"), e.attr("image")),
                None => format!("{} from {}", e.attr("name"), e.attr("image")),
            })
            .collect();
        if similar.is_empty() {
            Finding::fail(format!("no {} `{}` event since this step began", self.object, self.action))
        } else {
            Finding::fail(format!(
                "only other `{}` events since this step began: {}",
                self.action,
                quoted_list(&similar)
            ))
        }
    }

    fn describe(&self) -> String {
        if self.object != EventObject::Container {
            let what = self.image.as_ref().map(|i| format!(" `{i}`")).unwrap_or_default();
            return format!("since this step began, {}{what} had a `{}` event", self.object, self.action);
        }
        let target = match (&self.name, &self.image) {
            (Some(n), Some(i)) => format!("a container named `{n}` from image `{i}`"),
            (Some(n), None) => format!("a container named `{n}`"),
            (None, Some(i)) => format!("a container from image `{i}`"),
            (None, None) => "a container".to_owned(),
        };
        let soon = self.follows.as_ref().is_some_and(|(a, _)| a == "die");
        let what = match (self.action.as_str(), self.exit_code) {
            ("die", Some(code)) => format!("exited with code {code}"),
            ("die", None) => "exited".to_owned(),
            ("exec_die", Some(code)) => format!("ran a command (`docker exec`) that exited with code {code}"),
            ("exec_die", None) => "ran a command (`docker exec`) to its end".to_owned(),
            ("destroy", _) if soon => "was removed as soon as it exited".to_owned(),
            ("destroy", _) => "was removed".to_owned(),
            ("start", _) => "started".to_owned(),
            ("create", _) => "was created".to_owned(),
            ("stop", _) => "was stopped".to_owned(),
            ("kill", _) => "was killed".to_owned(),
            (other, _) => format!("had a `{other}` event"),
        };
        format!("since this step began, {target} {what}")
    }
}
