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
    /// A container publishes a port on the host.
    Port(PortAssertion),
    /// A container was started with an environment variable.
    Env(EnvAssertion),
    /// A container has a bind mount or volume at a path.
    Mount(MountAssertion),
    /// An HTTP request to a container's published port answers.
    Http(HttpAssertion),
    /// A command run inside a running container succeeds (and prints a text).
    Exec(ExecAssertion),
    /// A file exists inside a container (running or not), optionally containing a text.
    File(FileAssertion),
    /// A named volume exists.
    Volume(VolumeAssertion),
    /// A network exists, optionally with a container attached to it.
    Network(NetworkAssertion),
    /// A Compose service has running containers.
    Compose(ComposeAssertion),
    /// A file exists on the learner's machine, in the directory dockerlearn runs in.
    HostFile(HostFileAssertion),
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
    /// The image's working directory (`WORKDIR`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub workdir: Option<String>,
    /// The image's entrypoint, word by word (`ENTRYPOINT ["python", "app.py"]`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub entrypoint: Option<Vec<String>>,
    /// The image's default command, word by word.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cmd: Option<Vec<String>>,
    /// A text found in the image's history: a `RUN` line, a commit message.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub history_contains: Option<String>,
    /// A label, `key=value`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub label: Option<String>,
    /// `false` asserts the opposite: it is absent.
    #[serde(default = "yes", skip_serializing_if = "is_true")]
    pub present: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub hint: Option<String>,
}

impl ImageAssertion {
    /// Whether the assertion looks inside the image, not only at its presence.
    pub fn needs_details(&self) -> bool {
        self.workdir.is_some()
            || self.entrypoint.is_some()
            || self.cmd.is_some()
            || self.history_contains.is_some()
            || self.label.is_some()
    }
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
    /// The first word of the command it was created with (`echo` in `docker run busybox echo hi`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub command: Option<String>,
    /// The first word of its entrypoint (`bash` after `--entrypoint bash`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub entrypoint: Option<String>,
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
    /// What the event is about: `container` (the default), `image`, `network`, `volume`.
    #[serde(default = "default_event_type", rename = "type")]
    pub object: String,
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

fn yes() -> bool {
    true
}

fn is_true(b: &bool) -> bool {
    *b
}

fn default_event_type() -> String {
    "container".to_owned()
}

#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct PortAssertion {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub image: Option<String>,
    /// The port inside the container.
    pub container_port: u16,
    /// `tcp` (the default) or `udp`.
    #[serde(default = "default_protocol")]
    pub protocol: String,
    /// The port on the host; any host port when not given.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub host_port: Option<u16>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub hint: Option<String>,
}

fn default_protocol() -> String {
    "tcp".to_owned()
}

#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct EnvAssertion {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub image: Option<String>,
    /// The variable's name.
    pub var: String,
    /// Its value; any value when not given.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub value: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub hint: Option<String>,
}

/// Mount types as the engine names them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum MountType {
    Bind,
    Volume,
    Tmpfs,
}

impl MountType {
    pub fn as_str(self) -> &'static str {
        match self {
            MountType::Bind => "bind",
            MountType::Volume => "volume",
            MountType::Tmpfs => "tmpfs",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct MountAssertion {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub image: Option<String>,
    /// Where it is mounted inside the container.
    pub destination: String,
    #[serde(default, rename = "type", skip_serializing_if = "Option::is_none")]
    pub mount_type: Option<MountType>,
    /// For a volume, its name; for a bind mount, the host path.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub hint: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct HttpAssertion {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub image: Option<String>,
    /// The container's port; the request goes to the host port it is published on.
    pub container_port: u16,
    #[serde(default = "default_path")]
    pub path: String,
    #[serde(default = "default_status")]
    pub status: u16,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub contains: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub hint: Option<String>,
}

fn default_path() -> String {
    "/".to_owned()
}

fn default_status() -> u16 {
    200
}

#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct ExecAssertion {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub image: Option<String>,
    /// The command, word by word: `["getent", "hosts", "db"]`.
    pub command: Vec<String>,
    #[serde(default)]
    pub exit_code: i64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub contains: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub hint: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct FileAssertion {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub image: Option<String>,
    /// Absolute path inside the container.
    pub path: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub contains: Option<String>,
    /// `false` asserts the opposite: it is absent.
    #[serde(default = "yes", skip_serializing_if = "is_true")]
    pub present: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub hint: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct VolumeAssertion {
    /// The volume's name.
    pub volume: String,
    /// `false` asserts the opposite: it is absent.
    #[serde(default = "yes", skip_serializing_if = "is_true")]
    pub present: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub hint: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct NetworkAssertion {
    /// The network's name.
    pub network: String,
    /// A container (by name) that must be attached to it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub container: Option<String>,
    /// `false` asserts the opposite: it is absent.
    #[serde(default = "yes", skip_serializing_if = "is_true")]
    pub present: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub hint: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct ComposeAssertion {
    /// The Compose project (by default the directory's name); any project when not given.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub project: Option<String>,
    pub service: String,
    /// `running` (the default) or another container state; `absent` for none at all.
    #[serde(default = "default_compose_state")]
    pub state: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub hint: Option<String>,
}

fn default_compose_state() -> String {
    "running".to_owned()
}

#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct HostFileAssertion {
    /// Relative to the directory dockerlearn runs in (the prompt's, after `cd`).
    pub path: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub contains: Option<String>,
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
pub const KINDS: &[&str] = &["engine", "image", "container", "no_container", "event", "output"];

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
            Assertion::Port(_) => "port",
            Assertion::Env(_) => "env",
            Assertion::Mount(_) => "mount",
            Assertion::Http(_) => "http",
            Assertion::Exec(_) => "exec",
            Assertion::File(_) => "file",
            Assertion::Volume(_) => "volume",
            Assertion::Network(_) => "network",
            Assertion::Compose(_) => "compose",
            Assertion::HostFile(_) => "host_file",
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
            Assertion::Port(a) => a.hint.as_deref(),
            Assertion::Env(a) => a.hint.as_deref(),
            Assertion::Mount(a) => a.hint.as_deref(),
            Assertion::Http(a) => a.hint.as_deref(),
            Assertion::Exec(a) => a.hint.as_deref(),
            Assertion::File(a) => a.hint.as_deref(),
            Assertion::Volume(a) => a.hint.as_deref(),
            Assertion::Network(a) => a.hint.as_deref(),
            Assertion::Compose(a) => a.hint.as_deref(),
            Assertion::HostFile(a) => a.hint.as_deref(),
        }
    }

    /// The containers the assertion is about, for kinds that select containers.
    pub fn selector(&self) -> Option<Selector> {
        let (name, image) = match self {
            // Image, network and volume events are not about containers.
            Assertion::Event(a) if a.object != "container" => return None,
            Assertion::Container(a) => (&a.name, &a.image),
            Assertion::NoContainer(a) => (&a.name, &a.image),
            Assertion::Event(a) => (&a.name, &a.image),
            Assertion::Output(a) => (&a.name, &a.image),
            Assertion::Port(a) => (&a.name, &a.image),
            Assertion::Env(a) => (&a.name, &a.image),
            Assertion::Mount(a) => (&a.name, &a.image),
            Assertion::Http(a) => (&a.name, &a.image),
            Assertion::Exec(a) => (&a.name, &a.image),
            Assertion::File(a) => (&a.name, &a.image),
            Assertion::Engine(_)
            | Assertion::Image(_)
            | Assertion::Volume(_)
            | Assertion::Network(_)
            | Assertion::Compose(_)
            | Assertion::HostFile(_) => return None,
        };
        Some(Selector { name: name.clone(), image: image.clone() })
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
            Assertion::Container(a) if a.exit_code.is_some() && a.state.is_some_and(|s| s != State::Exited) => {
                out.push("`exit_code` only makes sense with `state: exited` (or no state)".into());
            }
            Assertion::Event(a) => {
                if a.exit_code.is_some() && a.action != "die" {
                    out.push("`exit_code` is only reported on `action: die` events".into());
                }
                if a.within_ms.is_some() && a.follows.is_none() {
                    out.push("`within_ms` goes with `follows:` (the action this event must follow)".into());
                }
            }
            Assertion::Exec(a) if a.command.is_empty() => {
                out.push("`command` needs at least one word".into());
            }
            Assertion::File(a) if !a.path.starts_with('/') => {
                out.push(format!("`path: {}` must be absolute inside the container", a.path));
            }
            Assertion::HostFile(a) if a.path.starts_with('/') || a.path.contains("..") => {
                out.push(format!("`path: {}` must be relative to the learner's directory, without `..`", a.path));
            }
            Assertion::Image(a) if !a.present && a.needs_details() => {
                out.push("`present: false` cannot go with fields about the image's contents".into());
            }
            Assertion::Network(a) if !a.present && a.container.is_some() => {
                out.push("`present: false` cannot go with `container:`".into());
            }
            Assertion::Image(a) => {
                if let Some(label) = &a.label {
                    if !label.contains('=') {
                        out.push(format!("`label: {label}` must be written `key=value`"));
                    }
                }
            }
            Assertion::Engine(a) => {
                if let Some(v) = &a.min_api {
                    if ApiVersion::parse(v).is_none() {
                        out.push(format!("`min_api: {v}` is not an API version like \"1.24\""));
                    }
                }
            }
            _ => {}
        }
        out
    }
}

/// A look inside a container that one assertion asks for, by its index in the checkpoint.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Probe {
    Exec { command: Vec<String> },
    File { path: String },
    Http { container_port: u16, path: String },
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
    /// Containers to inspect (ports, env, mounts, networks), found by these selectors.
    pub details_of: Vec<Selector>,
    /// Images to inspect, as referenced.
    pub image_details: Vec<String>,
    pub volumes: Vec<String>,
    pub networks: Vec<String>,
    /// Looks inside containers: (assertion index, selector, what).
    pub probes: Vec<(usize, Selector, Probe)>,
    /// Compose-labelled containers, whatever the scope.
    pub compose: bool,
    /// Event types other than `container` (those are not scoped: images carry no scope).
    pub other_events: Vec<String>,
    /// Files on the learner's machine, relative to their directory.
    pub host_files: Vec<String>,
}

impl Checkpoint {
    pub fn needs(&self) -> Needs {
        let mut n = Needs::default();
        for (i, a) in self.assertions.iter().enumerate() {
            let sel = a.selector();
            if sel.is_some() {
                n.containers = true;
                n.images = true;
            }
            match a {
                Assertion::Engine(_) => n.engine = true,
                Assertion::Image(img) => {
                    n.images = true;
                    if img.needs_details() {
                        n.image_details.push(img.image.clone());
                    }
                }
                Assertion::Container(c) => {
                    if c.command.is_some() || c.entrypoint.is_some() {
                        n.details_of.extend(sel);
                    }
                }
                Assertion::NoContainer(_) => {}
                Assertion::Event(e) => {
                    n.events = true;
                    if e.object != "container" && !n.other_events.contains(&e.object) {
                        n.other_events.push(e.object.clone());
                    }
                }
                Assertion::Output(_) => n.output_of.extend(sel),
                Assertion::Port(_) | Assertion::Env(_) | Assertion::Mount(_) => n.details_of.extend(sel),
                Assertion::Http(h) => {
                    let sel = sel.expect("http selects containers");
                    n.details_of.push(sel.clone());
                    n.probes.push((i, sel, Probe::Http { container_port: h.container_port, path: h.path.clone() }));
                }
                Assertion::Exec(e) => {
                    n.probes.push((
                        i,
                        sel.expect("exec selects containers"),
                        Probe::Exec { command: e.command.clone() },
                    ));
                }
                Assertion::File(f) => {
                    n.probes.push((i, sel.expect("file selects containers"), Probe::File { path: f.path.clone() }));
                }
                Assertion::Volume(v) => n.volumes.push(v.volume.clone()),
                Assertion::Network(net) => {
                    n.networks.push(net.network.clone());
                    if let Some(c) = &net.container {
                        n.containers = true;
                        n.details_of.push(Selector { name: Some(c.clone()), image: None });
                    }
                }
                Assertion::Compose(_) => n.compose = true,
                Assertion::HostFile(h) => n.host_files.push(h.path.clone()),
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
