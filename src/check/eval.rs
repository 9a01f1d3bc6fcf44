//! Judging a checkpoint against an observation. Pure: the same observation always gives
//! the same verdict, and every failure says what was expected, what was found instead,
//! and what to try.

use super::{
    ApiVersion, Assertion, Checkpoint, ComposeAssertion, ContainerAssertion, EngineAssertion, EnvAssertion,
    EventAssertion, ExecAssertion, FileAssertion, HostFileAssertion, HttpAssertion, ImageAssertion, MountAssertion,
    NetworkAssertion, NoContainerAssertion, Outcome, OutputAssertion, PortAssertion, Selector, State, Status, Verdict,
};
use crate::engine::{ContainerDetails, ContainerInfo, EngineEvent, ImageInfo, Observation, ProbeResult};
use crate::reference::ImageRef;

/// Evaluates every assertion of a checkpoint.
pub fn eval(checkpoint: &Checkpoint, obs: &Observation) -> Verdict {
    Verdict { outcomes: checkpoint.assertions.iter().enumerate().map(|(i, a)| eval_one(i, a, obs)).collect() }
}

fn eval_one(index: usize, assertion: &Assertion, obs: &Observation) -> Outcome {
    let expected = describe(assertion);
    let hint = assertion.hint().map(str::to_owned);
    let outcome = |status: Status, found: String| Outcome {
        kind: assertion.kind(),
        status,
        expected: expected.clone(),
        found,
        hint: hint.clone(),
    };
    let info = match (&obs.engine, assertion) {
        (Ok(info), _) => info,
        (Err(why), Assertion::Engine(_)) => return outcome(Status::Fail, why.clone()),
        (Err(why), _) => {
            return outcome(Status::Unknown, why.clone());
        }
    };
    let (pass, found) = match assertion {
        Assertion::Engine(a) => engine(a, info),
        Assertion::Image(a) => image(a, obs),
        Assertion::Container(a) => container(a, obs),
        Assertion::NoContainer(a) => no_container(a, obs),
        Assertion::Event(a) => event(a, obs),
        Assertion::Output(a) => output(a, obs),
        Assertion::Port(a) => port(a, obs),
        Assertion::Env(a) => env(a, obs),
        Assertion::Mount(a) => mount(a, obs),
        Assertion::Http(a) => http(a, obs.probes.get(&index)),
        Assertion::Exec(a) => exec(a, obs.probes.get(&index)),
        Assertion::File(a) => file(a, obs.probes.get(&index)),
        Assertion::Volume(a) => match (obs.volumes.contains(&a.volume), a.present) {
            (true, true) => (true, format!("volume `{}` exists", a.volume)),
            (false, true) => (false, format!("there is no volume `{}` (`docker volume ls` lists them)", a.volume)),
            (true, false) => {
                (false, format!("volume `{}` is still there: `docker volume rm {}` removes it", a.volume, a.volume))
            }
            (false, false) => (true, format!("no volume `{}`", a.volume)),
        },
        Assertion::Network(a) => network(a, obs),
        Assertion::Compose(a) => compose(a, obs),
        Assertion::HostFile(a) => host_file(a, obs),
    };
    outcome(if pass { Status::Pass } else { Status::Fail }, found)
}

/// The assertion in plain words, as the learner reads it.
pub fn describe(assertion: &Assertion) -> String {
    match assertion {
        Assertion::Engine(a) => match &a.min_api {
            Some(v) => format!("the Docker engine answers, with API version {v} or newer"),
            None => "the Docker engine answers".to_owned(),
        },
        Assertion::Image(a) if !a.present => format!("image `{}` is gone", a.image),
        Assertion::Image(a) => {
            let mut parts = Vec::new();
            if let Some(w) = &a.workdir {
                parts.push(format!("working directory `{w}`"));
            }
            if let Some(e) = &a.entrypoint {
                parts.push(format!("entrypoint `{}`", e.join(" ")));
            }
            if let Some(c) = &a.cmd {
                parts.push(format!("command `{}`", c.join(" ")));
            }
            if let Some(l) = &a.label {
                parts.push(format!("label `{l}`"));
            }
            if let Some(h) = &a.history_contains {
                parts.push(format!("\"{h}\" in its history"));
            }
            if parts.is_empty() {
                format!("image `{}` is present", a.image)
            } else {
                format!("image `{}` is present, with {}", a.image, parts.join(", "))
            }
        }
        Assertion::Container(a) => {
            let mut s = describe_selector(&Selector { name: a.name.clone(), image: a.image.clone() });
            if let Some(e) = &a.entrypoint {
                s.push_str(&format!(" with entrypoint `{e}`"));
            }
            if let Some(c) = &a.command {
                s.push_str(&format!(" running `{c}`"));
            }
            match (a.state, a.exit_code) {
                (_, Some(code)) => s.push_str(&format!(" has exited with code {code}")),
                (Some(state), None) => s.push_str(&format!(" is {}", state.as_str())),
                (None, None) => s.push_str(" exists"),
            }
            s
        }
        Assertion::NoContainer(a) => {
            let sel = Selector { name: a.name.clone(), image: a.image.clone() };
            format!("no {} remains", describe_selector(&sel).trim_start_matches("a "))
        }
        Assertion::Event(a) => {
            let sel = describe_selector(&Selector { name: a.name.clone(), image: a.image.clone() });
            let what = match (a.action.as_str(), a.exit_code) {
                ("die", Some(code)) => format!("exited with code {code}"),
                ("die", None) => "exited".to_owned(),
                ("destroy", _) if a.follows.as_deref() == Some("die") => "was removed as soon as it exited".to_owned(),
                ("destroy", _) => "was removed".to_owned(),
                ("start", _) => "started".to_owned(),
                ("create", _) => "was created".to_owned(),
                ("stop", _) => "was stopped".to_owned(),
                ("kill", _) => "was killed".to_owned(),
                (other, _) => format!("had a `{other}` event"),
            };
            format!("since this step began, {sel} {what}")
        }
        Assertion::Output(a) => {
            let sel = describe_selector(&Selector { name: a.name.clone(), image: a.image.clone() });
            format!("the output of {sel} contains \"{}\"", a.contains)
        }
        Assertion::Port(a) => {
            let sel = describe_selector(&Selector { name: a.name.clone(), image: a.image.clone() });
            match a.host_port {
                Some(h) => format!("{sel} publishes port {}/{} on host port {h}", a.container_port, a.protocol),
                None => format!("{sel} publishes port {}/{} on the host", a.container_port, a.protocol),
            }
        }
        Assertion::Env(a) => {
            let sel = describe_selector(&Selector { name: a.name.clone(), image: a.image.clone() });
            match &a.value {
                Some(v) => format!("{sel} has {}={v} in its environment", a.var),
                None => format!("{sel} has {} set in its environment", a.var),
            }
        }
        Assertion::Mount(a) => {
            let sel = describe_selector(&Selector { name: a.name.clone(), image: a.image.clone() });
            let what = match (a.mount_type, &a.source) {
                (Some(t), Some(src)) => format!("a {} mount of `{src}`", t.as_str()),
                (Some(t), None) => format!("a {} mount", t.as_str()),
                (None, Some(src)) => format!("`{src}` mounted"),
                (None, None) => "something mounted".to_owned(),
            };
            format!("{sel} has {what} at `{}`", a.destination)
        }
        Assertion::Http(a) => {
            let sel = describe_selector(&Selector { name: a.name.clone(), image: a.image.clone() });
            let body = a.contains.as_ref().map(|c| format!(" and \"{c}\" in the page")).unwrap_or_default();
            format!("{sel} answers GET {} on its port {} with {}{body}", a.path, a.container_port, a.status)
        }
        Assertion::Exec(a) => {
            let sel = describe_selector(&Selector { name: a.name.clone(), image: a.image.clone() });
            let out = a.contains.as_ref().map(|c| format!(" and prints \"{c}\"")).unwrap_or_default();
            format!("`{}` run in {sel} exits with {}{out}", a.command.join(" "), a.exit_code)
        }
        Assertion::File(a) if !a.present => {
            let sel = describe_selector(&Selector { name: a.name.clone(), image: a.image.clone() });
            format!("{sel} does not have the file `{}`", a.path)
        }
        Assertion::File(a) => {
            let sel = describe_selector(&Selector { name: a.name.clone(), image: a.image.clone() });
            match &a.contains {
                Some(c) => format!("{sel} has the file `{}` containing \"{c}\"", a.path),
                None => format!("{sel} has the file `{}`", a.path),
            }
        }
        Assertion::Volume(a) if !a.present => format!("volume `{}` is gone", a.volume),
        Assertion::Volume(a) => format!("volume `{}` exists", a.volume),
        Assertion::Network(a) if !a.present => format!("network `{}` is gone", a.network),
        Assertion::Network(a) => match &a.container {
            Some(c) => format!("container `{c}` is attached to network `{}`", a.network),
            None => format!("network `{}` exists", a.network),
        },
        Assertion::Compose(a) => {
            let project = a.project.as_ref().map(|p| format!(" of project `{p}`")).unwrap_or_default();
            if a.state == "absent" {
                format!("no container of Compose service `{}`{project} remains", a.service)
            } else {
                format!("Compose service `{}`{project} has a {} container", a.service, a.state)
            }
        }
        Assertion::HostFile(a) => match &a.contains {
            Some(c) => format!("the file `{}` in your directory contains \"{c}\"", a.path),
            None => format!("the file `{}` exists in your directory", a.path),
        },
    }
}

fn describe_selector(sel: &Selector) -> String {
    match (&sel.name, &sel.image) {
        (Some(n), Some(i)) => format!("a container named `{n}` from image `{i}`"),
        (Some(n), None) => format!("a container named `{n}`"),
        (None, Some(i)) => format!("a container from image `{i}`"),
        (None, None) => "a container".to_owned(),
    }
}

fn engine(a: &EngineAssertion, info: &crate::engine::EngineInfo) -> (bool, String) {
    let found = format!(
        "{} {} (API {}) at {}, chosen by {}",
        if info.product.is_empty() { "engine" } else { &info.product },
        info.version,
        info.api_version,
        info.endpoint,
        info.endpoint_source
    );
    let Some(min) = a.min_api.as_deref().and_then(ApiVersion::parse) else {
        return (true, found);
    };
    match ApiVersion::parse(&info.api_version) {
        Some(have) if have >= min => (true, found),
        Some(have) => (false, format!("{found}: API {have} is older than {min}; upgrade Docker")),
        None => (false, format!("{found}: the API version could not be read")),
    }
}

/// Ids of the local images that `wanted` names.
fn image_ids(wanted: &ImageRef, images: &[ImageInfo]) -> Vec<String> {
    images.iter().filter(|i| i.tags.iter().any(|t| ImageRef::parse(t).matches(wanted))).map(|i| i.id.clone()).collect()
}

fn short_id(id: &str) -> &str {
    let id = id.strip_prefix("sha256:").unwrap_or(id);
    &id[..id.len().min(12)]
}

fn image(a: &ImageAssertion, obs: &Observation) -> (bool, String) {
    let images = &obs.images;
    let wanted = ImageRef::parse(&a.image);
    if !a.present {
        return match image_ids(&wanted, images).first() {
            Some(id) => (
                false,
                format!("image `{wanted}` is still there ({}): `docker rmi {}` removes it", short_id(id), a.image),
            ),
            None => (true, format!("no image `{wanted}`")),
        };
    }
    if let Some(id) = image_ids(&wanted, images).first() {
        if !a.needs_details() {
            return (true, format!("image `{}` is present ({})", wanted, short_id(id)));
        }
        let Some(d) = obs.image_details.iter().find(|d| d.reference == a.image) else {
            return (false, format!("image `{wanted}` could not be inspected"));
        };
        return image_config(a, d);
    }
    let same_repo: Vec<String> = images
        .iter()
        .flat_map(|i| &i.tags)
        .map(|t| ImageRef::parse(t))
        .filter(|r| r.repository() == wanted.repository())
        .filter_map(|r| r.tag)
        .collect();
    if same_repo.is_empty() {
        (false, format!("there is no image `{wanted}` on this engine"))
    } else {
        (
            false,
            format!(
                "there is no `{wanted}`, but `{}` has the tag(s) {}: check the tag you used",
                wanted.familiar().split(':').next().unwrap_or_default(),
                quoted_list(&same_repo)
            ),
        )
    }
}

fn quoted_list(items: &[String]) -> String {
    let shown: Vec<String> = items.iter().take(5).map(|s| format!("`{s}`")).collect();
    let more = items.len().saturating_sub(5);
    if more > 0 { format!("{} and {more} more", shown.join(", ")) } else { shown.join(", ") }
}

/// Whether a container was made from the image `wanted` names.
fn from_image(c: &ContainerInfo, wanted: &ImageRef, ids: &[String]) -> bool {
    ImageRef::parse(&c.image).matches(wanted) || ids.iter().any(|id| *id == c.image_id || *id == c.image)
}

/// The containers a selector names, newest first.
pub fn select<'a>(sel: &Selector, obs: &'a Observation) -> Vec<&'a ContainerInfo> {
    select_in(sel, &obs.containers, &obs.images)
}

pub fn select_in<'a>(sel: &Selector, containers: &'a [ContainerInfo], images: &[ImageInfo]) -> Vec<&'a ContainerInfo> {
    let wanted = sel.image.as_deref().map(ImageRef::parse);
    let ids = wanted.as_ref().map(|w| image_ids(w, images)).unwrap_or_default();
    let mut out: Vec<&ContainerInfo> = containers
        .iter()
        .filter(|c| sel.name.as_ref().is_none_or(|n| c.name == *n))
        .filter(|c| wanted.as_ref().is_none_or(|w| from_image(c, w, &ids)))
        .collect();
    out.sort_by_key(|c| std::cmp::Reverse(c.created));
    out
}

fn state_of(c: &ContainerInfo) -> String {
    match (c.state.as_str(), c.exit_code) {
        ("exited", Some(code)) => format!("exited with code {code}"),
        (state, _) => format!("is {state}"),
    }
}

/// Why no container matched a selector, naming the nearest thing that exists.
pub fn explain_missing(sel: &Selector, obs: &Observation) -> String {
    if let Some(name) = &sel.name {
        if let Some(c) = obs.containers.iter().find(|c| c.name == *name) {
            if let Some(image) = &sel.image {
                return format!("container `{name}` exists but was made from image `{}`, not `{image}`", c.image);
            }
        }
        let near: Vec<String> = obs
            .containers
            .iter()
            .filter(|c| edit_distance(&c.name, name) <= 2 || c.name.contains(name.as_str()))
            .map(|c| c.name.clone())
            .collect();
        if !near.is_empty() {
            return format!("there is no container named `{name}`; did you mean {}?", quoted_list(&near));
        }
        return format!("there is no container named `{name}`{}", others(obs));
    }
    if let Some(image) = &sel.image {
        let wanted = ImageRef::parse(image);
        let same_repo: Vec<String> = obs
            .containers
            .iter()
            .filter(|c| ImageRef::parse(&c.image).repository() == wanted.repository())
            .map(|c| format!("{} ({})", c.name, c.image))
            .collect();
        if !same_repo.is_empty() {
            return format!("no container from `{wanted}`, but some from another tag: {}", quoted_list(&same_repo));
        }
        return format!("there is no container from image `{wanted}`{}", others(obs));
    }
    "there are no containers".to_owned()
}

fn others(obs: &Observation) -> String {
    if obs.containers.is_empty() {
        return " (there are no containers at all)".to_owned();
    }
    let names: Vec<String> = obs.containers.iter().map(|c| format!("{} ({})", c.name, c.image)).collect();
    format!(" (found: {})", quoted_list(&names))
}

fn container(a: &ContainerAssertion, obs: &Observation) -> (bool, String) {
    let sel = Selector { name: a.name.clone(), image: a.image.clone() };
    let candidates = select(&sel, obs);
    if candidates.is_empty() {
        return (false, explain_missing(&sel, obs));
    }
    let wanted_state = a.state.or(a.exit_code.map(|_| State::Exited));
    let first_word =
        |words: &[String]| words.first().map(|w| w.rsplit('/').next().unwrap_or(w).to_owned()).unwrap_or_default();
    let config_fits = |c: &ContainerInfo| {
        let Some(d) = &c.details else {
            return a.command.is_none() && a.entrypoint.is_none();
        };
        a.command.as_ref().is_none_or(|w| first_word(&d.cmd) == *w)
            && a.entrypoint.as_ref().is_none_or(|w| first_word(&d.entrypoint) == *w)
    };
    if !candidates.iter().any(|c| config_fits(c)) {
        let c = candidates[0];
        let d = c.details.clone().unwrap_or_default();
        let mut found = String::new();
        if let Some(w) = &a.command {
            found = format!("container `{}` runs `{}`, not `{w}`", c.name, d.cmd.join(" "));
        }
        if let Some(w) = &a.entrypoint {
            found = format!(
                "container `{}` has entrypoint `{}`, not `{w}`: `--entrypoint {w}` goes before the image name",
                c.name,
                d.entrypoint.join(" ")
            );
        }
        return (false, found);
    }
    let candidates: Vec<&ContainerInfo> = candidates.into_iter().filter(|c| config_fits(c)).collect();
    let fits = |c: &ContainerInfo| {
        wanted_state.is_none_or(|s| c.state == s.as_str()) && a.exit_code.is_none_or(|code| c.exit_code == Some(code))
    };
    if let Some(c) = candidates.iter().find(|c| fits(c)) {
        return (true, format!("container `{}` {}", c.name, state_of(c)));
    }
    let c = candidates[0];
    let mut found = format!("container `{}` {}", c.name, state_of(c));
    if candidates.len() > 1 {
        found.push_str(&format!(" (and {} more like it, none as expected)", candidates.len() - 1));
    }
    if let (Some(want), Some(got)) = (a.exit_code, c.exit_code) {
        if c.state == "exited" && want != got {
            found.push_str(&format!(", not {want}: look at `docker logs {}` to see why", c.name));
        }
    }
    (false, found)
}

fn no_container(a: &NoContainerAssertion, obs: &Observation) -> (bool, String) {
    let sel = Selector { name: a.name.clone(), image: a.image.clone() };
    let left = select(&sel, obs);
    if left.is_empty() {
        return (true, "none left".to_owned());
    }
    let names: Vec<String> = left.iter().map(|c| format!("{} ({})", c.name, c.state)).collect();
    (false, format!("still there: {}", quoted_list(&names)))
}

fn action_matches(wanted: &str, got: &str) -> bool {
    // Podman says `died` where Docker says `die`; exec actions carry the command
    // (`exec_start: ls /`).
    wanted == got || (wanted == "die" && got == "died") || got.strip_prefix(wanted).is_some_and(|r| r.starts_with(':'))
}

/// Default for `within_ms` with `follows`.
pub const FOLLOWS_WITHIN_MS: u64 = 2000;

/// Whether `e` comes soon enough after the `follows` action of the same container.
fn follows_in_time(a: &EventAssertion, e: &EngineEvent, events: &[EngineEvent]) -> bool {
    let Some(before) = &a.follows else {
        return true;
    };
    let window = a.within_ms.unwrap_or(FOLLOWS_WITHIN_MS) as i64 * 1_000_000;
    events.iter().any(|p| {
        p.id == e.id && action_matches(before, &p.action) && (0..=window).contains(&(e.time_nano - p.time_nano))
    })
}

fn event_fits(a: &EventAssertion, e: &EngineEvent, images: &[ImageInfo]) -> bool {
    if e.kind != a.object || !action_matches(&a.action, &e.action) {
        return false;
    }
    let attr = |k: &str| e.attributes.get(k).map(String::as_str).unwrap_or("");
    if a.object == "image" {
        // Image events name the image in the actor id (`python:3.12-slim`) or `name`.
        return a.image.as_ref().is_none_or(|image| {
            let wanted = ImageRef::parse(image);
            [e.id.as_str(), attr("name")].iter().any(|r| !r.is_empty() && ImageRef::parse(r).matches(&wanted))
        });
    }
    if a.name.as_ref().is_some_and(|n| n != attr("name")) {
        return false;
    }
    if let Some(image) = &a.image {
        let wanted = ImageRef::parse(image);
        let ids = image_ids(&wanted, images);
        let got = attr("image");
        if !(ImageRef::parse(got).matches(&wanted) || ids.iter().any(|id| id == got)) {
            return false;
        }
    }
    a.exit_code.is_none_or(|code| attr("exitCode").parse::<i64>().ok() == Some(code))
}

fn event(a: &EventAssertion, obs: &Observation) -> (bool, String) {
    let fitting: Vec<&EngineEvent> = obs.events.iter().filter(|e| event_fits(a, e, &obs.images)).collect();
    if let Some(e) = fitting.iter().rev().find(|e| follows_in_time(a, e, &obs.events)) {
        let name = e.attributes.get("name").cloned().unwrap_or_default();
        return (true, format!("`{}` of container `{name}`", e.action));
    }
    if let (Some(e), Some(before)) = (fitting.last(), &a.follows) {
        let name = e.attributes.get("name").cloned().unwrap_or_default();
        return (
            false,
            format!(
                "container `{name}` had a `{}` event, but not within {} ms of its `{before}`: it was done by hand, not by the engine",
                e.action,
                a.within_ms.unwrap_or(FOLLOWS_WITHIN_MS)
            ),
        );
    }
    let similar: Vec<String> = obs
        .events
        .iter()
        .rev()
        .filter(|e| e.kind == a.object && action_matches(&a.action, &e.action))
        .take(3)
        .map(|e| {
            let attr = |k: &str| e.attributes.get(k).cloned().unwrap_or_default();
            match e.attributes.get("exitCode") {
                Some(code) => format!("{} from {} exited with code {code}", attr("name"), attr("image")),
                None => format!("{} from {}", attr("name"), attr("image")),
            }
        })
        .collect();
    if similar.is_empty() {
        (false, format!("no container `{}` event since this step began", a.action))
    } else {
        (false, format!("only other `{}` events since this step began: {}", a.action, quoted_list(&similar)))
    }
}

fn output(a: &OutputAssertion, obs: &Observation) -> (bool, String) {
    let sel = Selector { name: a.name.clone(), image: a.image.clone() };
    let candidates = select(&sel, obs);
    if candidates.is_empty() {
        return (false, explain_missing(&sel, obs));
    }
    if let Some(c) = candidates.iter().find(|c| c.output.as_deref().is_some_and(|o| o.contains(&a.contains))) {
        return (true, format!("container `{}` printed it", c.name));
    }
    let c = candidates[0];
    let printed = c.output.as_deref().unwrap_or("").trim();
    if printed.is_empty() {
        (false, format!("container `{}` printed nothing", c.name))
    } else {
        let first: Vec<&str> = printed.lines().take(3).collect();
        (false, format!("container `{}` printed: {}", c.name, first.join(" / ")))
    }
}

fn image_config(a: &ImageAssertion, d: &crate::engine::ImageDetails) -> (bool, String) {
    let name = &a.image;
    if let Some(w) = &a.workdir {
        if d.workdir.trim_end_matches('/') != w.trim_end_matches('/') {
            let have = if d.workdir.is_empty() { "none (/)".to_owned() } else { format!("`{}`", d.workdir) };
            return (false, format!("image `{name}` has working directory {have}, not `{w}`: check `WORKDIR`"));
        }
    }
    if let Some(e) = &a.entrypoint {
        if d.entrypoint != *e {
            return (false, format!("image `{name}` has entrypoint {:?}, not {e:?}: check `ENTRYPOINT`", d.entrypoint));
        }
    }
    if let Some(c) = &a.cmd {
        if d.cmd != *c {
            return (false, format!("image `{name}` has command {:?}, not {c:?}: check `CMD`", d.cmd));
        }
    }
    if let Some(label) = &a.label {
        let (k, v) = label.split_once('=').unwrap_or((label, ""));
        match d.labels.get(k) {
            Some(have) if have == v => {}
            Some(have) => {
                return (false, format!("image `{name}` has label {k}={have}, not {k}={v}"));
            }
            None => return (false, format!("image `{name}` has no label `{k}`")),
        }
    }
    if let Some(h) = &a.history_contains {
        if !d.history.iter().any(|line| line.contains(h.as_str())) {
            let recent: Vec<String> = d.history.iter().take(3).map(|l| l.chars().take(60).collect()).collect();
            return (
                false,
                format!("\"{h}\" is not in the history of image `{name}`; its newest layers: {}", quoted_list(&recent)),
            );
        }
    }
    (true, format!("image `{name}` ({}) is as expected", short_id(&d.id)))
}

/// The selected containers that were inspected, newest first; or why there are none.
fn inspected<'a>(
    sel: &Selector,
    obs: &'a Observation,
) -> Result<Vec<(&'a ContainerInfo, &'a ContainerDetails)>, String> {
    let found = select(sel, obs);
    if found.is_empty() {
        return Err(explain_missing(sel, obs));
    }
    Ok(found.into_iter().filter_map(|c| c.details.as_ref().map(|d| (c, d))).collect())
}

fn port(a: &PortAssertion, obs: &Observation) -> (bool, String) {
    let sel = Selector { name: a.name.clone(), image: a.image.clone() };
    let found = match inspected(&sel, obs) {
        Ok(f) => f,
        Err(why) => return (false, why),
    };
    let fits = |p: &crate::engine::PublishedPort| {
        p.container_port == a.container_port && p.protocol == a.protocol && p.host_port.is_some()
    };
    for (c, d) in &found {
        if let Some(p) = d.ports.iter().find(|p| fits(p) && a.host_port.is_none_or(|h| p.host_port == Some(h))) {
            return (
                true,
                format!(
                    "container `{}` publishes {}/{} on host port {}",
                    c.name,
                    p.container_port,
                    p.protocol,
                    p.host_port.unwrap_or(0)
                ),
            );
        }
    }
    let Some((c, d)) = found.first() else {
        return (false, "the container could not be inspected".into());
    };
    if let Some(p) = d.ports.iter().find(|p| fits(p)) {
        return (
            false,
            format!(
                "container `{}` publishes {}/{} on host port {}, not {}",
                c.name,
                p.container_port,
                p.protocol,
                p.host_port.unwrap_or(0),
                a.host_port.unwrap_or(0)
            ),
        );
    }
    // IPv4 and IPv6 bindings of one port are one publication to the learner.
    let mut published: Vec<String> = d
        .ports
        .iter()
        .filter_map(|p| p.host_port.map(|h| format!("{h}->{}/{}", p.container_port, p.protocol)))
        .collect();
    published.dedup();
    if published.is_empty() {
        (
            false,
            format!(
                "container `{}` publishes no ports: create it again with `-p HOST:{}` (ports cannot be added to an existing container)",
                c.name, a.container_port
            ),
        )
    } else {
        (
            false,
            format!(
                "container `{}` publishes only {} (host->container): in `-p HOST:CONTAINER` the container's port comes second",
                c.name,
                quoted_list(&published)
            ),
        )
    }
}

fn env(a: &EnvAssertion, obs: &Observation) -> (bool, String) {
    let sel = Selector { name: a.name.clone(), image: a.image.clone() };
    let found = match inspected(&sel, obs) {
        Ok(f) => f,
        Err(why) => return (false, why),
    };
    let prefix = format!("{}=", a.var);
    for (c, d) in &found {
        if let Some(v) = d.env.iter().find_map(|e| e.strip_prefix(&prefix)) {
            if a.value.as_ref().is_none_or(|want| want == v) {
                return (true, format!("container `{}` has {} set", c.name, a.var));
            }
        }
    }
    let Some((c, d)) = found.first() else {
        return (false, "the container could not be inspected".into());
    };
    match d.env.iter().find_map(|e| e.strip_prefix(&prefix)) {
        Some(v) => {
            (false, format!("container `{}` has {}={v}, not {}", c.name, a.var, a.value.clone().unwrap_or_default()))
        }
        None => {
            let names: Vec<String> =
                d.env.iter().filter_map(|e| e.split_once('=').map(|(k, _)| k.to_owned())).collect();
            (
                false,
                format!(
                    "container `{}` has no {} (it has {}): set it with `-e {}=...` when creating the container",
                    c.name,
                    a.var,
                    quoted_list(&names),
                    a.var
                ),
            )
        }
    }
}

fn mount(a: &MountAssertion, obs: &Observation) -> (bool, String) {
    let sel = Selector { name: a.name.clone(), image: a.image.clone() };
    let found = match inspected(&sel, obs) {
        Ok(f) => f,
        Err(why) => return (false, why),
    };
    let norm = |p: &str| p.trim_end_matches('/').to_owned();
    let source_fits = |m: &crate::engine::MountInfo| {
        a.source.as_ref().is_none_or(|s| if m.kind == "volume" { m.name == *s } else { norm(&m.source) == norm(s) })
    };
    for (c, d) in &found {
        if let Some(m) = d.mounts.iter().find(|m| {
            norm(&m.destination) == norm(&a.destination)
                && a.mount_type.is_none_or(|t| t.as_str() == m.kind)
                && source_fits(m)
        }) {
            let what = if m.kind == "volume" { m.name.clone() } else { m.source.clone() };
            return (true, format!("container `{}` has {} `{what}` at `{}`", c.name, m.kind, m.destination));
        }
    }
    let Some((c, d)) = found.first() else {
        return (false, "the container could not be inspected".into());
    };
    if d.mounts.is_empty() {
        return (
            false,
            format!("container `{}` has no mounts: create it again with `-v SOURCE:{}`", c.name, a.destination),
        );
    }
    let have: Vec<String> = d
        .mounts
        .iter()
        .map(|m| {
            let what = if m.kind == "volume" { m.name.clone() } else { m.source.clone() };
            format!("{} {what} at {}", m.kind, m.destination)
        })
        .collect();
    (false, format!("container `{}` has {}", c.name, quoted_list(&have)))
}

fn probe_container(result: Option<&ProbeResult>) -> Result<&ProbeResult, String> {
    match result {
        None => Err("nothing was looked at (the engine did not report it)".to_owned()),
        Some(ProbeResult::NoContainer(why)) => Err(why.clone()),
        Some(r) => Ok(r),
    }
}

fn http(a: &HttpAssertion, result: Option<&ProbeResult>) -> (bool, String) {
    let (container, url, answer) = match probe_container(result) {
        Ok(ProbeResult::Http { container, url, answer }) => (container, url, answer),
        Ok(_) => return (false, "unexpected probe".to_owned()),
        Err(why) => return (false, why),
    };
    match answer {
        Err(why) => (false, format!("GET {url} (container `{container}`) failed: {why}")),
        Ok((status, body)) => {
            if *status != a.status {
                return (false, format!("GET {url} answered {status}, not {}", a.status));
            }
            if let Some(c) = &a.contains {
                if !body.contains(c.as_str()) {
                    let start: String = body.trim().chars().take(80).collect();
                    return (
                        false,
                        format!("GET {url} answered {status} but the page lacks \"{c}\"; it begins: {start}"),
                    );
                }
            }
            (true, format!("GET {url} answered {status}"))
        }
    }
}

fn exec(a: &ExecAssertion, result: Option<&ProbeResult>) -> (bool, String) {
    let (container, exit_code, output) = match probe_container(result) {
        Ok(ProbeResult::Exec { container, exit_code, output }) => (container, *exit_code, output),
        Ok(_) => return (false, "unexpected probe".to_owned()),
        Err(why) => return (false, why),
    };
    let first: String = output.trim().lines().take(2).collect::<Vec<_>>().join(" / ");
    if exit_code != a.exit_code {
        return (false, format!("in container `{container}` it exited with {exit_code}: {first}"));
    }
    if let Some(c) = &a.contains {
        if !output.contains(c.as_str()) {
            return (false, format!("in container `{container}` it printed: {first}"));
        }
    }
    (true, format!("in container `{container}`: {first}"))
}

fn file(a: &FileAssertion, result: Option<&ProbeResult>) -> (bool, String) {
    let (container, content) = match probe_container(result) {
        Ok(ProbeResult::File { container, content }) => (container, content),
        Ok(_) => return (false, "unexpected probe".to_owned()),
        Err(why) => return (false, why),
    };
    if !a.present {
        return match content {
            Some(_) => (false, format!("container `{container}` has `{}`, which should not be there", a.path)),
            None => (true, format!("container `{container}` has no `{}`", a.path)),
        };
    }
    match (content, &a.contains) {
        (None, _) => (false, format!("container `{container}` has no file `{}`", a.path)),
        (Some(text), Some(c)) if !text.contains(c.as_str()) => {
            let start: String = text.trim().chars().take(60).collect();
            (false, format!("`{}` in container `{container}` lacks \"{c}\"; it begins: {start}", a.path))
        }
        (Some(_), _) => (true, format!("container `{container}` has `{}`", a.path)),
    }
}

fn network(a: &NetworkAssertion, obs: &Observation) -> (bool, String) {
    if !a.present {
        return if obs.networks.contains(&a.network) {
            (false, format!("network `{}` is still there: `docker network rm {}` removes it", a.network, a.network))
        } else {
            (true, format!("no network `{}`", a.network))
        };
    }
    if !obs.networks.contains(&a.network) {
        return (
            false,
            format!("there is no network `{}`: create it with `docker network create {}`", a.network, a.network),
        );
    }
    let Some(name) = &a.container else {
        return (true, format!("network `{}` exists", a.network));
    };
    let sel = Selector { name: Some(name.clone()), image: None };
    let found = match inspected(&sel, obs) {
        Ok(f) => f,
        Err(why) => return (false, why),
    };
    let Some((c, d)) = found.first() else {
        return (false, "the container could not be inspected".into());
    };
    if d.networks.contains(&a.network) {
        (true, format!("container `{}` is on `{}`", c.name, a.network))
    } else {
        (
            false,
            format!(
                "container `{}` is on {}, not `{}`: `docker network connect {} {}` adds it",
                c.name,
                quoted_list(&d.networks),
                a.network,
                a.network,
                c.name
            ),
        )
    }
}

const COMPOSE_PROJECT: &str = "com.docker.compose.project";
const COMPOSE_SERVICE: &str = "com.docker.compose.service";

fn compose(a: &ComposeAssertion, obs: &Observation) -> (bool, String) {
    let label = |c: &ContainerInfo, k: &str| c.labels.get(k).cloned().unwrap_or_default();
    let of_service: Vec<&ContainerInfo> = obs
        .compose
        .iter()
        .filter(|c| label(c, COMPOSE_SERVICE) == a.service)
        .filter(|c| a.project.as_ref().is_none_or(|p| label(c, COMPOSE_PROJECT) == *p))
        .collect();
    if a.state == "absent" {
        return if of_service.is_empty() {
            (true, "none left".to_owned())
        } else {
            let names: Vec<String> = of_service.iter().map(|c| format!("{} ({})", c.name, c.state)).collect();
            (false, format!("still there: {}", quoted_list(&names)))
        };
    }
    if let Some(c) = of_service.iter().find(|c| c.state == a.state) {
        return (true, format!("container `{}` of project `{}` is {}", c.name, label(c, COMPOSE_PROJECT), c.state));
    }
    if let Some(c) = of_service.first() {
        return (
            false,
            format!(
                "container `{}` of service `{}` {}: `docker compose logs {}` shows why",
                c.name,
                a.service,
                state_of(c),
                a.service
            ),
        );
    }
    let mut services: Vec<String> =
        obs.compose.iter().map(|c| format!("{}/{}", label(c, COMPOSE_PROJECT), label(c, COMPOSE_SERVICE))).collect();
    services.sort();
    services.dedup();
    if services.is_empty() {
        (
            false,
            "no Compose containers at all: run `docker compose up -d` in the directory with compose.yaml".to_owned(),
        )
    } else {
        (
            false,
            format!(
                "no container of service `{}`; Compose services here (project/service): {}",
                a.service,
                quoted_list(&services)
            ),
        )
    }
}

fn host_file(a: &HostFileAssertion, obs: &Observation) -> (bool, String) {
    match obs.host_files.iter().find(|(p, _)| *p == a.path).and_then(|(_, c)| c.as_ref()) {
        None => (
            false,
            format!(
                "there is no file `{}` in your directory (type `pwd` to see where you are, `ls` to see what is there)",
                a.path
            ),
        ),
        Some(text) => match &a.contains {
            Some(c) if !text.contains(c.as_str()) => (false, format!("`{}` does not contain \"{c}\"", a.path)),
            _ => (true, format!("`{}` is there", a.path)),
        },
    }
}

/// Levenshtein distance, for "did you mean" suggestions on short names.
fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut cur = vec![i + 1];
        for (j, cb) in b.iter().enumerate() {
            let cost = usize::from(ca != *cb);
            cur.push((prev[j] + cost).min(prev[j + 1] + 1).min(cur[j] + 1));
        }
        prev = cur;
    }
    prev[b.len()]
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::check::{Assertion as A, file};
    use crate::engine::EngineInfo;
    use std::collections::HashMap;

    fn obs() -> Observation {
        let engine = EngineInfo {
            product: "Docker".into(),
            version: "20.10.24".into(),
            api_version: "1.41".into(),
            os: "linux".into(),
            endpoint: "unix:///var/run/docker.sock".into(),
            endpoint_source: "the default".into(),
        };
        Observation {
            images: vec![
                ImageInfo { id: "sha256:aaa".into(), tags: vec!["hello-world:latest".into()] },
                ImageInfo { id: "sha256:bbb".into(), tags: vec!["python:3.11".into()] },
            ],
            containers: vec![],
            events: vec![],
            ..Observation::empty(Ok(engine))
        }
    }

    fn container(name: &str, image: &str, state: &str, code: Option<i64>, created: i64) -> ContainerInfo {
        ContainerInfo {
            id: format!("id-{name}"),
            name: name.into(),
            image: image.into(),
            image_id: if image.starts_with("hello") { "sha256:aaa".into() } else { "sha256:ccc".into() },
            state: state.into(),
            exit_code: code,
            created,
            output: None,
            labels: HashMap::new(),
            details: None,
        }
    }

    fn checkpoint(yaml: &str) -> Checkpoint {
        let text = format!("format_version: 1\ncheckpoints:\n  s:\n{yaml}");
        file::parse("t.yaml", &text).unwrap().checkpoints.remove("s").unwrap()
    }

    fn verdict(yaml: &str, o: &Observation) -> Verdict {
        eval(&checkpoint(yaml), o)
    }

    #[test]
    fn engine_version_is_compared_numerically() {
        let mut o = obs();
        assert!(verdict("    - kind: engine\n      min_api: \"1.24\"\n", &o).passed());
        let v = verdict("    - kind: engine\n      min_api: \"1.100\"\n", &o);
        assert!(!v.passed());
        assert!(v.outcomes[0].found.contains("older than 1.100"), "{:?}", v);
        o.engine = Err("nothing listens at unix:///x".into());
        let v = verdict("    - kind: engine\n", &o);
        assert_eq!(v.outcomes[0].status, Status::Fail);
    }

    #[test]
    fn unreachable_engine_makes_other_checks_unknown() {
        let mut o = obs();
        o.engine = Err("stopped".into());
        let v = verdict("    - kind: image\n      image: hello-world\n", &o);
        assert!(v.engine_unreachable());
        assert!(!v.passed());
    }

    #[test]
    fn image_references_are_normalised() {
        let o = obs();
        for r in ["hello-world", "hello-world:latest", "docker.io/library/hello-world:latest"] {
            assert!(verdict(&format!("    - kind: image\n      image: {r}\n"), &o).passed(), "{r}");
        }
        let v = verdict("    - kind: image\n      image: python:3.12\n", &o);
        assert!(!v.passed());
        assert!(v.outcomes[0].found.contains("`3.11`"), "{}", v.outcomes[0].found);
    }

    #[test]
    fn container_exit_code_mismatch_names_the_code() {
        let mut o = obs();
        let yaml = "    - kind: container\n      name: hello\n      exit_code: 0\n";
        assert!(!verdict(yaml, &o).passed());
        o.containers.push(container("hello", "hello-world", "exited", Some(1), 10));
        let v = verdict(yaml, &o);
        assert_eq!(
            v.outcomes[0].found,
            "container `hello` exited with code 1, not 0: look at `docker logs hello` to see why"
        );
        o.containers[0].exit_code = Some(0);
        assert!(verdict(yaml, &o).passed());
    }

    #[test]
    fn near_misses_are_named() {
        let mut o = obs();
        o.containers.push(container("helo", "hello-world", "exited", Some(0), 1));
        let v = verdict("    - kind: container\n      name: hello\n", &o);
        assert!(v.outcomes[0].found.contains("did you mean `helo`"), "{}", v.outcomes[0].found);
        o.containers.push(container("web", "python:3.11", "running", None, 2));
        let v = verdict("    - kind: container\n      name: web\n      image: python:3.12\n", &o);
        assert!(v.outcomes[0].found.contains("not `python:3.12`"), "{}", v.outcomes[0].found);
    }

    #[test]
    fn container_image_matches_by_reference_or_id() {
        let mut o = obs();
        o.containers.push(container("a", "docker.io/library/hello-world", "exited", Some(0), 1));
        o.containers.push(container("b", "sha256:aaa", "exited", Some(0), 2));
        let sel = Selector { name: None, image: Some("hello-world".into()) };
        let names: Vec<&str> = select(&sel, &o).iter().map(|c| c.name.as_str()).collect();
        assert_eq!(names, ["b", "a"]);
    }

    #[test]
    fn no_container_lists_what_is_left() {
        let mut o = obs();
        let yaml = "    - kind: no_container\n      image: hello-world\n";
        assert!(verdict(yaml, &o).passed());
        o.containers.push(container("hello", "hello-world", "exited", Some(0), 1));
        let v = verdict(yaml, &o);
        assert_eq!(v.outcomes[0].found, "still there: `hello (exited)`");
    }

    fn die(name: &str, image: &str, code: &str) -> EngineEvent {
        EngineEvent {
            kind: "container".into(),
            action: "die".into(),
            id: format!("id-{name}"),
            attributes: HashMap::from([
                ("name".to_owned(), name.to_owned()),
                ("image".to_owned(), image.to_owned()),
                ("exitCode".to_owned(), code.to_owned()),
            ]),
            time_nano: 1,
        }
    }

    #[test]
    fn events_match_action_image_and_exit_code() {
        let mut o = obs();
        let yaml = "    - kind: event\n      action: die\n      image: hello-world\n      exit_code: 0\n";
        let v = verdict(yaml, &o);
        assert_eq!(v.outcomes[0].found, "no container `die` event since this step began");
        o.events.push(die("x", "hello-world", "1"));
        let v = verdict(yaml, &o);
        assert!(v.outcomes[0].found.contains("x from hello-world exited with code 1"), "{:?}", v);
        o.events.push(die("y", "docker.io/library/hello-world:latest", "0"));
        assert!(verdict(yaml, &o).passed());
        let mut podman = die("z", "hello-world", "0");
        podman.action = "died".into();
        o.events = vec![podman];
        assert!(verdict(yaml, &o).passed());
    }

    #[test]
    fn follows_needs_the_same_container_soon_after() {
        let mut o = obs();
        let yaml = "    - kind: event\n      action: destroy\n      image: hello-world\n      follows: die\n";
        let mut gone = die("x", "hello-world", "0");
        gone.action = "destroy".into();
        gone.time_nano = 5_000_000_000;
        let mut died = die("x", "hello-world", "0");
        died.time_nano = 1_000_000_000;
        o.events = vec![died.clone(), gone.clone()];
        let v = verdict(yaml, &o);
        assert!(v.outcomes[0].found.contains("not within 2000 ms of its `die`"), "{:?}", v);
        died.time_nano = 4_900_000_000;
        o.events = vec![died.clone(), gone.clone()];
        assert!(verdict(yaml, &o).passed());
        died.id = "other".into();
        o.events = vec![died, gone];
        assert!(!verdict(yaml, &o).passed());
    }

    #[test]
    fn output_is_searched_in_matching_containers() {
        let mut o = obs();
        let yaml = "    - kind: output\n      image: hello-world\n      contains: Hello from Docker!\n";
        let mut c = container("h", "hello-world", "exited", Some(0), 1);
        c.output = Some("something else\n".into());
        o.containers.push(c);
        let v = verdict(yaml, &o);
        assert_eq!(v.outcomes[0].found, "container `h` printed: something else");
        o.containers[0].output = Some("\nHello from Docker!\n".into());
        assert!(verdict(yaml, &o).passed());
    }

    #[test]
    fn hints_travel_with_failures() {
        let v = verdict("    - kind: image\n      image: nope\n      hint: Build it first.\n", &obs());
        assert_eq!(v.outcomes[0].hint.as_deref(), Some("Build it first."));
        let _ = A::Engine(crate::check::EngineAssertion { min_api: None, hint: None });
    }

    #[test]
    fn present_false_asserts_absence() {
        let mut o = obs();
        let gone = |y: &str, o: &Observation| verdict(y, o).passed();
        assert!(!gone("    - kind: image\n      image: hello-world\n      present: false\n", &o));
        assert!(gone("    - kind: image\n      image: nope\n      present: false\n", &o));
        assert!(gone("    - kind: volume\n      volume: data\n      present: false\n", &o));
        o.volumes.push("data".into());
        let v = verdict("    - kind: volume\n      volume: data\n      present: false\n", &o);
        assert!(v.outcomes[0].found.contains("docker volume rm data"), "{v:?}");
        assert!(gone("    - kind: network\n      network: appnet\n      present: false\n", &o));
        o.networks.push("appnet".into());
        assert!(!gone("    - kind: network\n      network: appnet\n      present: false\n", &o));
        let file = "    - kind: file\n      name: c\n      path: /app/secret.env\n      present: false\n";
        o.probes.insert(0, ProbeResult::File { container: "c".into(), content: Some("KEY=1".into()) });
        assert!(!gone(file, &o));
        o.probes.insert(0, ProbeResult::File { container: "c".into(), content: None });
        assert!(gone(file, &o));
    }

    #[test]
    fn ports_mounts_and_env_name_the_difference() {
        let mut o = obs();
        let mut c = container("web", "nginx:alpine", "running", None, 1);
        c.details = Some(ContainerDetails {
            env: vec!["PATH=/bin".into(), "POSTGRES_PASSWORD=x".into()],
            ports: vec![crate::engine::PublishedPort {
                container_port: 8080,
                protocol: "tcp".into(),
                host_port: Some(80),
                host_ip: "0.0.0.0".into(),
            }],
            mounts: vec![crate::engine::MountInfo {
                kind: "bind".into(),
                source: "/home/u/site".into(),
                destination: "/work".into(),
                name: String::new(),
            }],
            ..Default::default()
        });
        o.containers.push(c);
        let v = verdict("    - kind: port\n      name: web\n      container_port: 80\n", &o);
        assert!(v.outcomes[0].found.contains("publishes only `80->8080/tcp`"), "{v:?}");
        assert!(v.outcomes[0].found.contains("container's port comes second"), "{v:?}");
        let v = verdict("    - kind: mount\n      name: web\n      destination: /home/jovyan/work\n", &o);
        assert_eq!(v.outcomes[0].found, "container `web` has `bind /home/u/site at /work`");
        let v = verdict("    - kind: env\n      name: web\n      var: POSTGRES_PASSWORD\n      value: y\n", &o);
        assert_eq!(v.outcomes[0].found, "container `web` has POSTGRES_PASSWORD=x, not y");
        assert!(verdict("    - kind: env\n      name: web\n      var: POSTGRES_PASSWORD\n", &o).passed());
        assert!(
            verdict("    - kind: mount\n      name: web\n      destination: /work/\n      type: bind\n", &o).passed()
        );
    }

    #[test]
    fn edit_distance_is_levenshtein() {
        assert_eq!(edit_distance("hello", "helo"), 1);
        assert_eq!(edit_distance("web", "db"), 2);
        assert_eq!(edit_distance("", "abc"), 3);
    }
}
