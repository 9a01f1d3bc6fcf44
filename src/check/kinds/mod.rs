//! One file per kind, or per family of kinds: each holds the kind's YAML fields (a
//! flat struct with `deny_unknown_fields`, so errors keep their line and column), the
//! conversion into its domain type with the problems a YAML parser cannot see, what it
//! needs from the engine, its judgement and its wording.

mod any_of;
mod compose;
mod container;
mod engine;
mod event;
mod helper;
mod host_file;
mod image;
mod inspect;
mod output;
mod probe;
mod resource;

pub use any_of::AnyOfCheck;
pub use compose::{ComposeCheck, ComposeWanted};
pub use container::{ContainerCheck, NoContainerCheck};
pub use engine::EngineCheck;
pub use event::EventCheck;
pub use helper::HelperCheck;
pub use host_file::HostFileCheck;
pub use image::ImageCheck;
pub use inspect::{EnvCheck, MountCheck, PortCheck};
pub use output::OutputCheck;
pub use probe::{ExecCheck, FileCheck, HttpCheck};
pub use resource::{NetworkCheck, VolumeCheck};

use super::{Assertion, Check, Hints};
use serde::Deserialize;

/// An assertion as written in YAML: a map with a `kind`. The variant names, in snake
/// case, are the kinds' names; a unit test holds them equal to [`super::Kind`]'s.
#[derive(Debug, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub(crate) enum RawAssertion {
    Engine(engine::Raw),
    Image(image::Raw),
    Container(container::RawContainer),
    NoContainer(container::RawNoContainer),
    Event(event::Raw),
    Output(output::Raw),
    Port(inspect::RawPort),
    Env(inspect::RawEnv),
    Mount(inspect::RawMount),
    Http(probe::RawHttp),
    Exec(probe::RawExec),
    File(probe::RawFile),
    Volume(resource::RawVolume),
    Network(resource::RawNetwork),
    Compose(compose::Raw),
    HostFile(host_file::Raw),
    Helper(helper::Raw),
    AnyOf(any_of::Raw),
}

/// What converting one YAML assertion gives: the assertion, or every problem with it.
pub(crate) type Converted = Result<Assertion, Vec<String>>;

/// The assertion from its check and hints, or the problems found on the way.
fn assertion(check: Result<Check, Vec<String>>, hint: Option<String>, hints: Hints) -> Converted {
    check.map(|check| Assertion { hint, hints, check })
}

/// Collects problems: `Ok` only when there were none.
#[derive(Default)]
struct Problems(Vec<String>);

impl Problems {
    fn when(&mut self, cond: bool, problem: impl Into<String>) {
        if cond {
            self.0.push(problem.into());
        }
    }
    fn then<T>(self, value: impl FnOnce() -> T) -> Result<T, Vec<String>> {
        if self.0.is_empty() { Ok(value()) } else { Err(self.0) }
    }
    /// The value when there were no problems; a part that could not be read (None)
    /// always left a problem behind.
    fn build<T>(self, value: Option<T>) -> Result<T, Vec<String>> {
        match value {
            Some(v) if self.0.is_empty() => Ok(v),
            _ => Err(self.0),
        }
    }
}

impl RawAssertion {
    /// Converts once into the domain type; the problems say what to change.
    pub(crate) fn convert(self) -> Converted {
        match self {
            RawAssertion::Engine(r) => r.convert(),
            RawAssertion::Image(r) => r.convert(),
            RawAssertion::Container(r) => r.convert(),
            RawAssertion::NoContainer(r) => r.convert(),
            RawAssertion::Event(r) => r.convert(),
            RawAssertion::Output(r) => r.convert(),
            RawAssertion::Port(r) => r.convert(),
            RawAssertion::Env(r) => r.convert(),
            RawAssertion::Mount(r) => r.convert(),
            RawAssertion::Http(r) => r.convert(),
            RawAssertion::Exec(r) => r.convert(),
            RawAssertion::File(r) => r.convert(),
            RawAssertion::Volume(r) => r.convert(),
            RawAssertion::Network(r) => r.convert(),
            RawAssertion::Compose(r) => r.convert(),
            RawAssertion::HostFile(r) => r.convert(),
            RawAssertion::Helper(r) => r.convert(),
            RawAssertion::AnyOf(r) => r.convert(),
        }
    }
}

fn yes() -> bool {
    true
}

/// A container target from `name:` and `image:`, with the kind's name in the problem.
fn target(kind: &str, name: Option<String>, image: Option<String>, problems: &mut Problems) -> Option<super::Target> {
    match super::Target::from_fields(name, image) {
        Ok(t) => Some(t),
        Err(why) => {
            problems.0.push(format!("a `{kind}` assertion {why}"));
            None
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::Kind;

    #[test]
    fn yaml_names_are_the_kinds_names() {
        // Every kind parses under its own name, with its smallest example.
        for kind in Kind::all() {
            let fields = match kind {
                Kind::Engine => "",
                Kind::Image => "image: x\n",
                Kind::Container | Kind::NoContainer | Kind::Output => "name: x\n      contains: y\n",
                Kind::Event => "action: die\n",
                Kind::Port | Kind::Http => "name: x\n      container_port: 80\n",
                Kind::Env => "name: x\n      var: A\n",
                Kind::Mount => "name: x\n      destination: /d\n",
                Kind::Exec => "name: x\n      command: [ls]\n",
                Kind::File => "name: x\n      path: /f\n",
                Kind::Volume => "volume: v\n",
                Kind::Network => "network: n\n",
                Kind::Compose => "service: web\n",
                Kind::HostFile => "path: f\n",
                Kind::Helper => "image: busybox\n      command: [ls]\n",
                Kind::AnyOf => "assertions:\n        - kind: engine\n        - kind: volume\n          volume: v\n",
            };
            let fields = match kind {
                Kind::Container | Kind::NoContainer => "name: x\n",
                _ => fields,
            };
            let text = format!("format_version: 1\ncheckpoints:\n  s:\n    - kind: {}\n      {fields}", kind.name());
            let file = crate::check::parse("k.yaml", &text).unwrap_or_else(|e| panic!("{kind}: {e}"));
            assert_eq!(file.checkpoints["s"].assertions[0].check.kind(), kind);
        }
    }
}
