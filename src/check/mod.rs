//! Checkpoints: the typed assertions a step must satisfy, what each needs to know
//! about the engine, and the verdict. Evaluation (`eval`) is a pure function of an
//! `Observation`, so it is tested without Docker; `engine` gathers the observation.

pub mod eval;
pub mod file;

pub use eval::eval;
pub use file::{ChecksFile, parse};

use serde::{Deserialize, Serialize};

/// Everything one step's checkpoint asserts. All must hold for the step to pass.
#[derive(Debug, Clone, Serialize)]
pub struct Checkpoint {
    pub assertions: Vec<Assertion>,
    /// Line of the checkpoint's key in its checks file.
    pub line: usize,
}

/// One assertion about the engine's state, written in YAML as a map with a `kind`.
/// Every kind takes an optional `hint`: what to tell the learner when it fails.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Assertion {
    /// The engine answers, optionally with at least a given API version.
    Engine(EngineAssertion),
    /// An image is present locally (`hello-world` = `docker.io/library/hello-world:latest`).
    Image(ImageAssertion),
    /// A container matching name and/or image exists, optionally in a state or with an exit code.
    Container(ContainerAssertion),
    /// No container matching name and/or image exists.
    NoContainer(NoContainerAssertion),
    /// Since the step began, the engine reported an event (a container from an image exited 0).
    Event(EventAssertion),
    /// The output (logs) of a matching container contains a text.
    Output(OutputAssertion),
}

#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct EngineAssertion {
    /// Lowest engine API version accepted, e.g. `"1.24"`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub min_api: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub hint: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct ImageAssertion {
    pub image: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub hint: Option<String>,
}

/// Which containers an assertion is about: by name, by image, or both.
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash, Deserialize, Serialize)]
pub struct Selector {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub image: Option<String>,
}

/// Container states as the engine names them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum State {
    Created,
    Running,
    Paused,
    Restarting,
    Exited,
    Dead,
}

impl State {
    pub fn as_str(self) -> &'static str {
        match self {
            State::Created => "created",
            State::Running => "running",
            State::Paused => "paused",
            State::Restarting => "restarting",
            State::Exited => "exited",
            State::Dead => "dead",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct ContainerAssertion {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub image: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub state: Option<State>,
    /// Implies `state: exited`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub exit_code: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub hint: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct NoContainerAssertion {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub image: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub hint: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct EventAssertion {
    /// The engine's action name: `create`, `start`, `die`, `stop`, `destroy`, ...
    pub action: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub image: Option<String>,
    /// Only for `die`: the exit code the container ended with.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub exit_code: Option<i64>,
    /// The event must come soon after another action of the same container, e.g.
    /// `destroy` following `die` within moments is what `docker run --rm` does; a
    /// `docker rm` typed by hand comes later.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub follows: Option<String>,
    /// How soon, with `follows`; 2000 when not given.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub within_ms: Option<u64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub hint: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct OutputAssertion {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub image: Option<String>,
    pub contains: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub hint: Option<String>,
}

/// Every assertion kind, as written in YAML (the book has a section for each).
pub const KINDS: &[&str] = &[
    "engine",
    "image",
    "container",
    "no_container",
    "event",
    "output",
];

impl Assertion {
    /// The kind's name as written in YAML.
    pub fn kind(&self) -> &'static str {
        match self {
            Assertion::Engine(_) => "engine",
            Assertion::Image(_) => "image",
            Assertion::Container(_) => "container",
            Assertion::NoContainer(_) => "no_container",
            Assertion::Event(_) => "event",
            Assertion::Output(_) => "output",
        }
    }

    pub fn hint(&self) -> Option<&str> {
        match self {
            Assertion::Engine(a) => a.hint.as_deref(),
            Assertion::Image(a) => a.hint.as_deref(),
            Assertion::Container(a) => a.hint.as_deref(),
            Assertion::NoContainer(a) => a.hint.as_deref(),
            Assertion::Event(a) => a.hint.as_deref(),
            Assertion::Output(a) => a.hint.as_deref(),
        }
    }

    /// The containers the assertion is about, for kinds that select containers.
    pub fn selector(&self) -> Option<Selector> {
        let (name, image) = match self {
            Assertion::Container(a) => (&a.name, &a.image),
            Assertion::NoContainer(a) => (&a.name, &a.image),
            Assertion::Event(a) => (&a.name, &a.image),
            Assertion::Output(a) => (&a.name, &a.image),
            Assertion::Engine(_) | Assertion::Image(_) => return None,
        };
        Some(Selector {
            name: name.clone(),
            image: image.clone(),
        })
    }

    /// Problems a YAML parser cannot see: fields that must go together.
    pub fn problems(&self) -> Vec<String> {
        let mut out = Vec::new();
        if let Some(sel) = self.selector() {
            if sel.name.is_none() && sel.image.is_none() {
                out.push(format!(
                    "a `{}` assertion needs `name:` or `image:` to say which containers it is about",
                    self.kind()
                ));
            }
        }
        match self {
            Assertion::Container(a)
                if a.exit_code.is_some() && a.state.is_some_and(|s| s != State::Exited) =>
            {
                out.push("`exit_code` only makes sense with `state: exited` (or no state)".into());
            }
            Assertion::Event(a) => {
                if a.exit_code.is_some() && a.action != "die" {
                    out.push("`exit_code` is only reported on `action: die` events".into());
                }
                if a.within_ms.is_some() && a.follows.is_none() {
                    out.push(
                        "`within_ms` goes with `follows:` (the action this event must follow)"
                            .into(),
                    );
                }
            }
            Assertion::Engine(a) => {
                if let Some(v) = &a.min_api {
                    if ApiVersion::parse(v).is_none() {
                        out.push(format!(
                            "`min_api: {v}` is not an API version like \"1.24\""
                        ));
                    }
                }
            }
            _ => {}
        }
        out
    }
}

/// What a checkpoint needs the engine to report. The engine gathers only this.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Needs {
    pub engine: bool,
    pub images: bool,
    pub containers: bool,
    pub events: bool,
    /// Containers whose output is needed, found by these selectors.
    pub output_of: Vec<Selector>,
}

impl Checkpoint {
    pub fn needs(&self) -> Needs {
        let mut n = Needs::default();
        for a in &self.assertions {
            match a {
                Assertion::Engine(_) => n.engine = true,
                Assertion::Image(_) => n.images = true,
                Assertion::Container(_) | Assertion::NoContainer(_) => {
                    n.containers = true;
                    n.images = true;
                }
                Assertion::Event(_) => {
                    n.events = true;
                    n.images = true;
                }
                Assertion::Output(o) => {
                    n.containers = true;
                    n.images = true;
                    n.output_of.push(Selector {
                        name: o.name.clone(),
                        image: o.image.clone(),
                    });
                }
            }
        }
        n
    }
}

/// An engine API version, `1.41`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct ApiVersion(pub u32, pub u32);

impl ApiVersion {
    pub fn parse(s: &str) -> Option<ApiVersion> {
        let (major, minor) = s.trim().split_once('.')?;
        Some(ApiVersion(major.parse().ok()?, minor.parse().ok()?))
    }
}

impl std::fmt::Display for ApiVersion {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}.{}", self.0, self.1)
    }
}

/// How one assertion fared.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    Pass,
    Fail,
    /// Could not be checked: the engine did not answer.
    Unknown,
}

/// One assertion's result: what was expected, what was found, what to do.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Outcome {
    pub kind: &'static str,
    pub status: Status,
    /// What the assertion expects, in plain words.
    pub expected: String,
    /// What the engine showed instead (or, on a pass, what satisfied it).
    pub found: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub hint: Option<String>,
}

/// A checkpoint's verdict: every assertion's outcome, in order.
#[must_use]
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Verdict {
    pub outcomes: Vec<Outcome>,
}

impl Verdict {
    pub fn passed(&self) -> bool {
        self.outcomes.iter().all(|o| o.status == Status::Pass)
    }
    /// True when nothing could be checked because the engine did not answer.
    pub fn engine_unreachable(&self) -> bool {
        self.outcomes.iter().any(|o| o.status == Status::Unknown)
    }
    pub fn first_failure(&self) -> Option<&Outcome> {
        self.outcomes.iter().find(|o| o.status != Status::Pass)
    }
}
