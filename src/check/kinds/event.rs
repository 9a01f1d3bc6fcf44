//! `kind: event`: since the step began, the engine reported an event: a container
//! from an image exited 0, was removed right after it exited (`--rm`), an exec ended,
//! an image was pulled. Events, not state: they prove something happened even when
//! what it made is gone.

use super::{Converted, Hints, Problems, assertion};
use crate::check::select::{image_ids, quoted_list};
use crate::check::{Check, EngineEvent, EngineInfo, EventObject, Finding, ImageInfo, Needs, Observation, Rule};
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
    #[serde(default)]
    command: Option<String>,
    #[serde(default, rename = "type")]
    object: EventObject,
    #[serde(default)]
    follows: Option<String>,
    #[serde(default)]
    within_ms: Option<u64>,
    #[serde(default)]
    hint: Option<String>,
    #[serde(default)]
    hints: Hints,
}

impl Raw {
    pub(super) fn convert(self) -> Converted {
        let mut p = Problems::default();
        p.when(
            self.exit_code.is_some() && !ENDINGS.contains(&self.action.as_str()),
            "`exit_code` is only reported on `action: die` and `action: exec_die` events",
        );
        p.when(
            self.command.is_some() && self.object != EventObject::Container,
            "`command:` is about containers and the commands run in them: it goes with `type: container` (the default)",
        );
        p.when(
            self.command.as_ref().is_some_and(|c| c.trim().is_empty()),
            "`command:` is text the command line must contain: it cannot be empty",
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
                command: self.command,
                follows,
            })
        });
        assertion(check, self.hint, self.hints)
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
    /// Text the command line must contain: the container's entrypoint and command as
    /// it was created, or for `exec_*` events the command given to `docker exec`.
    pub command: Option<String>,
    /// The event must come within so many milliseconds after another action of the
    /// same container: `destroy` following `die` at once is what `docker run --rm`
    /// does; a `docker rm` typed by hand comes later.
    pub follows: Option<(String, u64)>,
}

/// `exec_start: ls /` → `exec_start`.
fn short_action(action: &str) -> &str {
    action.split_once(':').map_or(action, |(a, _)| a)
}

fn action_matches(wanted: &str, got: &str) -> bool {
    // Exec actions carry the command (`exec_start: ls /`). Podman's words arrive as
    // Docker's (the engine reads them so).
    wanted == got || got.strip_prefix(wanted).is_some_and(|r| r.starts_with(':'))
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

    /// Whether the command of `e` (see `command_of`) contains the wanted text. Podman
    /// names no command in its exec events: there an exec's command is not checked
    /// (failing a learner who did the step right is worse).
    fn command_fits(&self, e: &EngineEvent, obs: &Observation) -> bool {
        let Some(wanted) = &self.command else { return true };
        match command_of(e, obs) {
            Some(c) => c.contains(wanted.as_str()),
            None => e.action.starts_with("exec_") && names_no_exec_commands(obs),
        }
    }
}

/// Podman's Docker API reports `exec` and `exec_died` without the command.
fn names_no_exec_commands(obs: &Observation) -> bool {
    obs.engine.as_ref().is_ok_and(EngineInfo::is_podman)
}

/// The command line behind an event: for `exec_*` events the command `docker exec` ran
/// (the engine names it in the `exec_start` action of the same exec), otherwise the
/// container's entrypoint and command as it was created. None when it cannot be known:
/// a container that is gone and was not seen live.
fn command_of(e: &EngineEvent, obs: &Observation) -> Option<String> {
    if e.action.starts_with("exec_") {
        if let Some(command) = e.action.strip_prefix("exec_start: ") {
            return Some(command.to_owned());
        }
        let exec = e.attr("execID");
        return obs
            .events
            .iter()
            .filter(|s| s.id == e.id && !exec.is_empty() && s.attr("execID") == exec)
            .find_map(|s| s.action.strip_prefix("exec_start: ").map(str::to_owned));
    }
    let d = obs.created.get(&e.id)?;
    Some(d.entrypoint.iter().chain(&d.cmd).map(String::as_str).collect::<Vec<_>>().join(" "))
}

/// Said after a missing event when the engine has forgotten some of the step's.
const FORGOTTEN: &str = ". The engine remembers only its last 256 events and has forgotten some since this step began (other programs are busy on it): do the step again while dockerlearn's prompt is open, which follows the events as they happen";

impl Rule for EventCheck {
    fn needs(&self, _: usize, needs: &mut Needs) {
        needs.events = true;
        needs.created |= self.command.is_some();
        if self.object == EventObject::Container {
            needs.containers();
        } else if !needs.other_events.contains(&self.object) {
            needs.images = true;
            needs.other_events.push(self.object);
        }
    }

    fn judge(&self, _: usize, obs: &Observation) -> Finding {
        let fitting_but_command: Vec<&EngineEvent> = obs.events.iter().filter(|e| self.fits(e, &obs.images)).collect();
        let fitting: Vec<&EngineEvent> =
            fitting_but_command.iter().copied().filter(|e| self.command_fits(e, obs)).collect();
        if let Some(e) = fitting.iter().rev().find(|e| self.follows_in_time(e, &obs.events)) {
            return Finding::pass(match command_of(e, obs).filter(|_| self.command.is_some()) {
                Some(c) => format!("`{}` of {} `{}`, running `{c}`", e.action, self.object, e.attr("name")),
                None => format!("`{}` of {} `{}`", e.action, self.object, e.attr("name")),
            });
        }
        if let (Some(wanted), Some(e)) = (&self.command, fitting_but_command.last()) {
            return Finding::fail(match command_of(e, obs) {
                Some(c) => format!(
                    "container `{}` had a `{}` event, but its command was `{c}`, without `{wanted}`",
                    e.attr("name"),
                    short_action(&e.action)
                ),
                None => format!(
                    "container `{}` had a `{}` event, but it is gone, and its command cannot be read any more: run it again from dockerlearn's prompt, or without `--rm`",
                    e.attr("name"),
                    short_action(&e.action)
                ),
            });
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
            .map(|e| match (e.action.starts_with("exec_"), e.attributes.get("exitCode")) {
                (true, Some(code)) => format!("a `docker exec` in {} ended with code {code}", e.attr("name")),
                (true, None) => format!("a `docker exec` in {}", e.attr("name")),
                (false, Some(code)) => format!("{} from {} exited with code {code}", e.attr("name"), e.attr("image")),
                (false, None) => format!("{} from {}", e.attr("name"), e.attr("image")),
            })
            .collect();
        let exec = self.action.starts_with("exec_");
        let forgotten = if obs.events_forgotten { FORGOTTEN } else { "" };
        if similar.is_empty() && exec {
            Finding::missing(format!("no `docker exec` has ended since this step began{forgotten}"))
        } else if similar.is_empty() {
            Finding::missing(format!("no {} `{}` event since this step began{forgotten}", self.object, self.action))
        } else if exec {
            Finding::fail(format!("only other commands ran: {}{forgotten}", quoted_list(&similar)))
        } else {
            Finding::fail(format!(
                "only other `{}` events since this step began: {}{forgotten}",
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
        match &self.command {
            Some(c) if self.action.starts_with("exec_") => {
                format!("since this step began, {target} {what}, the command containing `{c}`")
            }
            Some(c) => format!("since this step began, {target} whose command contains `{c}` {what}"),
            None => format!("since this step began, {target} {what}"),
        }
    }
}
