//! Checkpoints: the typed assertions a step must satisfy, what each needs to know
//! about the engine, and the verdict. This is the pure core: it owns the
//! `Observation` it judges and never talks to Docker (`engine` depends on it, never
//! the reverse).
//!
//! A checks file is read into flat YAML structs (`file`), then converted once into
//! the domain type [`Assertion`]. Each kind, or family of kinds, lives in one file
//! under `kinds/` holding its YAML fields, its conversion problems, what it needs
//! from the engine, its judgement and its wording.

pub mod eval;
pub mod file;
mod kinds;
pub mod observation;
pub mod select;
pub mod text;

pub use eval::eval;
pub use file::{ChecksFile, parse};
pub use kinds::{
    AnyOfCheck, ComposeCheck, ComposeWanted, ContainerCheck, EngineCheck, EnvCheck, EventCheck, ExecCheck, FileCheck,
    HelperCheck, HostFileCheck, HttpCheck, ImageCheck, MountCheck, NetworkCheck, NoContainerCheck, OutputCheck,
    PortCheck, VolumeCheck,
};
pub use observation::*;
pub use select::Target;
pub use text::TextMatch;

use serde::Serialize;
use std::process::ExitCode;
use strum::IntoEnumIterator;

/// Everything one step's checkpoint asserts. All must hold for the step to pass.
#[derive(Debug, Clone, PartialEq)]
pub struct Checkpoint {
    pub assertions: Vec<Assertion>,
    /// Line of the checkpoint's key in its checks file.
    pub line: usize,
}

/// One assertion, as the rest of the program sees it: what to check, and what to tell
/// the learner when it fails.
#[derive(Debug, Clone, PartialEq)]
pub struct Assertion {
    /// Said on any failure that has no hint of its own in `hints`.
    pub hint: Option<String>,
    /// Hints for one way of failing (the container is missing, not running, ...).
    pub hints: Hints,
    pub check: Check,
}

/// Why an assertion failed, in kinds a hint can be attached to.
#[derive(
    Debug,
    Clone,
    Copy,
    Default,
    PartialEq,
    Eq,
    Hash,
    Serialize,
    serde::Deserialize,
    strum::EnumIter,
    strum::IntoStaticStr,
    strum::Display,
)]
#[serde(rename_all = "snake_case")]
#[strum(serialize_all = "snake_case")]
pub enum Reason {
    /// What the assertion is about is not there: no such container, image, file, event.
    Missing,
    /// The container is there but not running.
    NotRunning,
    /// The container runs but does not publish the port.
    NotPublished,
    /// It is there, but not as expected (a state, a value, an answer).
    #[default]
    Mismatch,
}

/// Hints by way of failing: `hints: {missing: ..., not_running: ...}` in YAML.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Hints {
    #[serde(default)]
    pub missing: Option<String>,
    #[serde(default)]
    pub not_running: Option<String>,
    #[serde(default)]
    pub not_published: Option<String>,
    #[serde(default)]
    pub mismatch: Option<String>,
}

impl Hints {
    pub fn get(&self, reason: Reason) -> Option<&str> {
        match reason {
            Reason::Missing => self.missing.as_deref(),
            Reason::NotRunning => self.not_running.as_deref(),
            Reason::NotPublished => self.not_published.as_deref(),
            Reason::Mismatch => self.mismatch.as_deref(),
        }
    }
}

/// Every kind of assertion. The YAML name of each is its [`Kind`], in snake case.
#[derive(Debug, Clone, PartialEq, strum::EnumDiscriminants)]
#[strum_discriminants(name(Kind), vis(pub))]
#[strum_discriminants(derive(strum::EnumIter, strum::IntoStaticStr, strum::Display, Hash, Serialize))]
#[strum_discriminants(strum(serialize_all = "snake_case"), serde(rename_all = "snake_case"))]
pub enum Check {
    /// The engine answers, optionally with at least a given API version.
    Engine(EngineCheck),
    /// An image is present locally (`hello-world` = `docker.io/library/hello-world:latest`).
    Image(ImageCheck),
    /// A container matching name and/or image exists, optionally in a state or with an exit code.
    Container(ContainerCheck),
    /// No container matching name and/or image exists.
    NoContainer(NoContainerCheck),
    /// Since the step began, the engine reported an event (a container from an image exited 0).
    Event(EventCheck),
    /// The output (logs) of a matching container contains a text.
    Output(OutputCheck),
    /// A container publishes a port on the host.
    Port(PortCheck),
    /// A container was started with an environment variable.
    Env(EnvCheck),
    /// A container has a bind mount or volume at a path.
    Mount(MountCheck),
    /// An HTTP request to a container's published port answers.
    Http(HttpCheck),
    /// A command run inside a running container succeeds (and prints a text).
    Exec(ExecCheck),
    /// A file exists inside a container (running or not), optionally containing a text.
    File(FileCheck),
    /// A named volume exists.
    Volume(VolumeCheck),
    /// A network exists, optionally with a container attached to it.
    Network(NetworkCheck),
    /// A Compose service has running containers.
    Compose(ComposeCheck),
    /// A container the checker runs itself (on a network, with a volume) exits as expected.
    Helper(HelperCheck),
    /// Any one of several assertions holds: every correct way of doing a step.
    AnyOf(AnyOfCheck),
    /// A file exists on the learner's machine, in the directory they work in.
    HostFile(HostFileCheck),
}

impl Kind {
    /// Every kind, in the order the reference documents them.
    pub fn all() -> impl Iterator<Item = Kind> {
        Kind::iter()
    }
    /// The kind's name as written in YAML.
    pub fn name(self) -> &'static str {
        self.into()
    }
}

/// What every kind knows: what to ask the engine, how to judge what it said, and how
/// to say what it expects. Implemented once per kind in `kinds/`.
pub(crate) trait Rule {
    /// Adds what this assertion (at `index` in its checkpoint) needs the engine to report.
    fn needs(&self, index: usize, needs: &mut Needs);
    /// Whether the observation satisfies the assertion, and what was found.
    fn judge(&self, index: usize, obs: &Observation) -> Finding;
    /// The assertion in plain words, as the learner reads it.
    fn describe(&self) -> String;
}

/// One judgement: pass or not, what the engine showed (or what satisfied it), and on
/// a failure, which way it failed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Finding {
    pub pass: bool,
    pub found: String,
    pub reason: Reason,
}

impl Finding {
    pub fn pass(found: impl Into<String>) -> Finding {
        Finding { pass: true, found: found.into(), reason: Reason::Mismatch }
    }
    /// There, but not as expected.
    pub fn fail(found: impl Into<String>) -> Finding {
        Finding::failed(Reason::Mismatch, found)
    }
    /// Not there at all.
    pub fn missing(found: impl Into<String>) -> Finding {
        Finding::failed(Reason::Missing, found)
    }
    pub fn failed(reason: Reason, found: impl Into<String>) -> Finding {
        Finding { pass: false, found: found.into(), reason }
    }
}

impl Check {
    pub fn kind(&self) -> Kind {
        self.into()
    }

    pub(crate) fn rule(&self) -> &dyn Rule {
        match self {
            Check::Engine(c) => c,
            Check::Image(c) => c,
            Check::Container(c) => c,
            Check::NoContainer(c) => c,
            Check::Event(c) => c,
            Check::Output(c) => c,
            Check::Port(c) => c,
            Check::Env(c) => c,
            Check::Mount(c) => c,
            Check::Http(c) => c,
            Check::Exec(c) => c,
            Check::File(c) => c,
            Check::Volume(c) => c,
            Check::Network(c) => c,
            Check::Compose(c) => c,
            Check::HostFile(c) => c,
            Check::Helper(c) => c,
            Check::AnyOf(c) => c,
        }
    }

    /// The assertion in plain words.
    pub fn describe(&self) -> String {
        self.rule().describe()
    }

    /// Its kind, and those of the alternatives of an `any_of`.
    pub fn kinds(&self) -> Vec<Kind> {
        match self {
            Check::AnyOf(any) => any.alternatives.iter().flat_map(|a| a.check.kinds()).collect(),
            other => vec![other.kind()],
        }
    }
}

/// A look inside a container that one assertion asks for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Probe {
    Exec { command: Vec<String> },
    File { path: String },
    Http { container_port: u16, request: HttpRequest },
}

/// A container the checker runs itself to look at the learner's work from outside:
/// from a network (name resolution, a server's answer) or with a volume mounted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HelperRun {
    pub image: String,
    /// Empty: the image's own command.
    pub command: Vec<String>,
    pub network: Option<String>,
    /// `volume:/path` or `volume:/path:ro`.
    pub volumes: Vec<String>,
}

/// An HTTP request a checkpoint makes to a published port.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HttpRequest {
    pub method: HttpMethod,
    pub path: String,
    /// Sent with `POST` and `PUT`.
    pub body: Option<String>,
}

/// The methods a check may use: `HEAD` has no side effect on the learner's app.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Deserialize, strum::IntoStaticStr, strum::Display)]
#[serde(rename_all = "UPPERCASE")]
#[strum(serialize_all = "UPPERCASE")]
pub enum HttpMethod {
    #[default]
    Get,
    Head,
    Post,
    Put,
    Delete,
}

/// What a checkpoint needs the engine to report. The engine gathers only this.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Needs {
    pub engine: bool,
    pub images: bool,
    pub containers: bool,
    pub events: bool,
    /// How the containers in the events were made (`Observation::created`).
    pub created: bool,
    /// Containers whose output is needed.
    pub output_of: Vec<Target>,
    /// Containers to inspect (ports, env, mounts, networks, command).
    pub details_of: Vec<Target>,
    /// Images to inspect, as referenced.
    pub image_details: Vec<String>,
    pub volumes: Vec<String>,
    pub networks: Vec<String>,
    /// Looks inside containers: (assertion index, target, what).
    pub probes: Vec<(usize, Target, Probe)>,
    /// Containers the checker runs itself, then removes: (assertion index, what to run).
    pub helpers: Vec<(usize, HelperRun)>,
    /// Compose-labelled containers, whatever the scope.
    pub compose: bool,
    /// Compose-labelled networks and volumes.
    pub compose_resources: bool,
    /// Event objects other than containers (those are not scoped: images carry no scope).
    pub other_events: Vec<EventObject>,
    /// Files on the learner's machine, relative to their directory.
    pub host_files: Vec<String>,
}

impl Needs {
    /// Containers (and the images they come from, to match by image) are listed.
    pub(crate) fn containers(&mut self) {
        self.containers = true;
        self.images = true;
    }
}

impl Checkpoint {
    pub fn needs(&self) -> Needs {
        let mut n = Needs::default();
        for (i, a) in self.assertions.iter().enumerate() {
            a.check.rule().needs(i, &mut n);
        }
        n
    }

    /// Only asks whether the engine answers: nothing a solution could change.
    pub fn engine_only(&self) -> bool {
        self.assertions.iter().all(|a| a.check.kinds().iter().all(|k| *k == Kind::Engine))
    }

    /// Judged from events, which the engine may deliver a moment after the command ends.
    pub fn waits_for_events(&self) -> bool {
        self.assertions.iter().any(|a| a.check.kinds().contains(&Kind::Event))
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
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
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
    pub kind: Kind,
    pub status: Status,
    /// What the assertion expects, in plain words.
    pub expected: String,
    /// What the engine showed instead (or, on a pass, what satisfied it).
    pub found: String,
    /// On a failure, which way it failed.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reason: Option<Reason>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub hint: Option<String>,
}

/// A checkpoint's verdict: every assertion's outcome, in order.
#[must_use]
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Verdict {
    pub outcomes: Vec<Outcome>,
    /// Whether the engine answered when the checkpoint was judged.
    #[serde(skip)]
    pub engine_reached: bool,
}

/// Exit statuses of commands that judge a checkpoint, as `dockerlearn check --help`
/// documents them.
pub mod exit {
    pub const PASSED: u8 = 0;
    pub const NOT_PASSED: u8 = 1;
    pub const USAGE: u8 = 2;
    pub const ENGINE: u8 = 3;
}

impl Verdict {
    pub fn passed(&self) -> bool {
        self.outcomes.iter().all(|o| o.status == Status::Pass)
    }
    /// True when the engine did not answer, so nothing could really be checked.
    pub fn engine_unreachable(&self) -> bool {
        !self.engine_reached
    }
    pub fn first_failure(&self) -> Option<&Outcome> {
        self.outcomes.iter().find(|o| o.status != Status::Pass)
    }
    /// 0 passed, 3 the engine could not be asked, 1 not passed yet.
    pub fn exit_code(&self) -> ExitCode {
        ExitCode::from(if self.passed() {
            exit::PASSED
        } else if self.engine_unreachable() {
            exit::ENGINE
        } else {
            exit::NOT_PASSED
        })
    }
}
