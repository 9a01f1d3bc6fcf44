//! `kind: event`: since the step began, the engine reported an event: a container
//! from an image exited 0, was removed right after it exited (`--rm`), an exec ended,
//! an image was pulled. Events, not state: they prove something happened even when
//! what it made is gone.

use super::{Converted, Hints, Problems, assertion};
use crate::check::select::{image_ids, quoted_list};
use crate::check::{
    Check, EngineEvent, EngineInfo, EventObject, ExecSeen, Finding, ImageInfo, Needs, Observation, Rule,
};
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

/// Whether the container of `e` is known to have been made without `--rm`.
fn made_without_rm(e: &EngineEvent, obs: &Observation) -> bool {
    obs.created.get(&e.id).is_some_and(|d| d.auto_remove == Some(false))
}

fn action_matches(wanted: &str, got: &str) -> bool {
    // Exec actions carry the command (`exec_start: ls /`). Podman's words arrive as
    // Docker's (the engine reads them so).
    wanted == got || got.strip_prefix(wanted).is_some_and(|r| r.starts_with(':'))
}

impl EventCheck {
    /// Whether `e` comes soon enough after the `follows` action of the same container,
    /// and, for a removal, from the engine's own `--rm` where how the container was made
    /// is known (`docker run … && docker rm x` is quick too, but typed).
    fn follows_in_time(&self, e: &EngineEvent, obs: &Observation) -> bool {
        let Some((before, within_ms)) = &self.follows else {
            return true;
        };
        if short_action(&e.action) == "destroy" && made_without_rm(e, obs) {
            return false;
        }
        let window = *within_ms as i64 * 1_000_000;
        obs.events.iter().any(|p| {
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

    /// Whether the command of `e` (see `command_of`) contains the wanted text. Where an
    /// exec's command cannot be known at all (see `exec_command_unknowable`) it is not
    /// checked: failing a learner who did the step right is worse.
    fn command_fits(&self, e: &EngineEvent, obs: &Observation) -> bool {
        let Some(wanted) = &self.command else { return true };
        match command_of(e, obs) {
            Some(c) => c.contains(wanted.as_str()),
            None => exec_command_unknowable(e, obs),
        }
    }
}

/// Podman's Docker API names neither an exec's command nor its id in its events: there
/// only dockerlearn's relay, which saw the exec asked for, can tell its command. Where no
/// relay stood between the learner's commands and the engine when the exec ran (a
/// one-off `dockerlearn check` from another terminal), nothing can.
fn exec_command_unknowable(e: &EngineEvent, obs: &Observation) -> bool {
    e.action.starts_with("exec_")
        && obs.engine.as_ref().is_ok_and(EngineInfo::is_podman)
        && obs.relayed_since.is_none_or(|since| e.time_nano < since)
}

/// How far from the times the relay saw an exec start and end its events may be
/// stamped: the engine stamps them as it notices, a moment before or after.
const EXEC_SLACK_NANOS: i64 = 2_000_000_000;

/// The exec the relay saw that an `exec_*` event is about: by the exec id the event
/// names (Docker's); where it names none (Podman's), the exec in the same container whose
/// run the event's time falls in, with the same exit code once both are known, the one
/// nearest in time when several are.
fn relayed_exec<'o>(e: &EngineEvent, obs: &'o Observation) -> Option<&'o ExecSeen> {
    let exec_id = e.attr("execID");
    if !exec_id.is_empty() {
        return obs.execs.iter().find(|x| x.id == exec_id);
    }
    let ending = e.action.starts_with("exec_die");
    let code = e.attr("exitCode").parse::<i64>().ok();
    let container = |x: &ExecSeen| {
        let named = x.container.trim_start_matches('/');
        !named.is_empty() && (e.id.starts_with(named) || e.attr("name") == named)
    };
    obs.execs
        .iter()
        .filter(|x| container(x))
        .filter(|x| x.started == 0 || e.time_nano >= x.started - EXEC_SLACK_NANOS)
        .filter(|x| x.ended == 0 || e.time_nano <= x.ended + EXEC_SLACK_NANOS)
        .filter(|x| !ending || code.is_none() || x.exit_code.is_none() || x.exit_code == code)
        .min_by_key(|x| {
            let at = if ending && x.ended != 0 { x.ended } else { x.started };
            (e.time_nano - at).abs()
        })
}

/// The command line behind an event: for `exec_*` events the command `docker exec` ran
/// (the engine names it in the `exec_start` action of the same exec; else the relay saw
/// it), otherwise the container's entrypoint and command as it was created. None when it
/// cannot be known: a container that is gone and was not seen live, an exec on Podman
/// that did not go through the relay.
fn command_of(e: &EngineEvent, obs: &Observation) -> Option<String> {
    if e.action.starts_with("exec_") {
        if let Some(command) = e.action.strip_prefix("exec_start: ") {
            return Some(command.to_owned());
        }
        let exec = e.attr("execID");
        let named = obs
            .events
            .iter()
            .filter(|s| s.id == e.id && !exec.is_empty() && s.attr("execID") == exec)
            .find_map(|s| s.action.strip_prefix("exec_start: ").map(str::to_owned));
        return named.or_else(|| relayed_exec(e, obs).map(|x| x.command.join(" ")));
    }
    let d = obs.created.get(&e.id)?;
    Some(d.entrypoint.iter().chain(&d.cmd).map(String::as_str).collect::<Vec<_>>().join(" "))
}

/// Said of an exec that passes unchecked where its command cannot be known.
const UNCHECKED_EXEC: &str = "which command it ran is not checked here: Podman does not say, and only dockerlearn's prompt sees it (run it there to have it checked)";

/// Said after a missing event when the engine has forgotten some of the step's.
const FORGOTTEN: &str = ". The engine remembers only its last 256 events and has forgotten some since this step began (other programs are busy on it): do the step again while dockerlearn's prompt is open, which follows the events as they happen";

impl Rule for EventCheck {
    fn needs(&self, _: usize, needs: &mut Needs) {
        needs.events = true;
        // A removal that must be the engine's own `--rm`: how the container was made.
        needs.created |= self.command.is_some() || (self.follows.is_some() && self.action == "destroy");
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
        if let Some(e) = fitting.iter().rev().find(|e| self.follows_in_time(e, obs)) {
            let of = format!("`{}` of {} `{}`", e.action, self.object, e.attr("name"));
            return Finding::pass(match command_of(e, obs).filter(|_| self.command.is_some()) {
                Some(c) => format!("{of}, running `{c}`"),
                None if self.command.is_some() => format!("{of}; {UNCHECKED_EXEC}"),
                None => of,
            });
        }
        if let (Some(wanted), Some(e)) = (&self.command, fitting_but_command.last()) {
            return Finding::fail(match command_of(e, obs) {
                Some(c) => format!(
                    "container `{}` had a `{}` event, but its command was `{c}`, without `{wanted}`",
                    e.attr("name"),
                    short_action(&e.action)
                ),
                None if e.action.starts_with("exec_") => format!(
                    "a `docker exec` in container `{}` ended, but the engine does not say which command it ran, and it did not go through dockerlearn's prompt, which would have seen it: run it at the prompt",
                    e.attr("name"),
                ),
                None => format!(
                    "container `{}` had a `{}` event, but it is gone, and its command cannot be read any more: run it again from dockerlearn's prompt, or without `--rm`",
                    e.attr("name"),
                    short_action(&e.action)
                ),
            });
        }
        if let Some(e) = fitting.last().filter(|e| self.follows.is_some() && made_without_rm(e, obs)) {
            return Finding::fail(format!(
                "container `{}` was removed by a `docker rm`, not by the engine: it was made without `--rm`",
                e.attr("name"),
            ));
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
                (true, code) => {
                    let of = command_of(e, obs).map(|c| format!(" of `{c}`")).unwrap_or_default();
                    let ended = code.map(|c| format!(" ended with code {c}")).unwrap_or_default();
                    format!("a `docker exec`{of} in {}{ended}", e.attr("name"))
                }
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
