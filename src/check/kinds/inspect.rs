//! Kinds judged from a container's inspection: `port` (published on the host), `env`
//! (a variable it was started with) and `mount` (a bind mount or volume at a path).

use super::{Converted, Hints, Problems, assertion, target};
use crate::check::select::{explain_missing, quoted_list, select};
use crate::check::{
    Check, ContainerDetails, ContainerInfo, Finding, MountInfo, MountType, Needs, Observation, Protocol, PublishedPort,
    Rule, Target,
};
use serde::Deserialize;

/// The targeted containers that were inspected, newest first; or why there are none.
fn inspected<'a>(
    target: &Target,
    obs: &'a Observation,
) -> Result<Vec<(&'a ContainerInfo, &'a ContainerDetails)>, String> {
    let found = select(target, obs);
    if found.is_empty() {
        return Err(explain_missing(target, obs));
    }
    let found: Vec<_> = found.into_iter().filter_map(|c| c.details.as_ref().map(|d| (c, d))).collect();
    if found.is_empty() {
        return Err("the container could not be inspected (it was removed meanwhile?)".to_owned());
    }
    Ok(found)
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawPort {
    #[serde(default)]
    name: Option<String>,
    #[serde(default)]
    image: Option<String>,
    container_port: u16,
    #[serde(default)]
    protocol: Protocol,
    #[serde(default)]
    host_port: Option<u16>,
    #[serde(default)]
    hint: Option<String>,
    #[serde(default)]
    hints: Hints,
}

impl RawPort {
    pub(super) fn convert(self) -> Converted {
        let mut p = Problems::default();
        let target = target("port", self.name, self.image, &mut p);
        let check = p.build(target.map(|target| {
            Check::Port(PortCheck {
                target,
                container_port: self.container_port,
                protocol: self.protocol,
                host_port: self.host_port,
            })
        }));
        assertion(check, self.hint, self.hints)
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct PortCheck {
    pub target: Target,
    /// The port inside the container.
    pub container_port: u16,
    pub protocol: Protocol,
    /// The port on the host; any host port when not given.
    pub host_port: Option<u16>,
}

impl Rule for PortCheck {
    fn needs(&self, _: usize, needs: &mut Needs) {
        needs.containers();
        needs.details_of.push(self.target.clone());
    }

    fn judge(&self, _: usize, obs: &Observation) -> Finding {
        let found = match inspected(&self.target, obs) {
            Ok(f) => f,
            Err(why) => return Finding::missing(why),
        };
        let fits = |p: &PublishedPort| {
            p.container_port == self.container_port && p.protocol == self.protocol && p.host_port.is_some()
        };
        for (c, d) in &found {
            if let Some(p) = d.ports.iter().find(|p| fits(p) && self.host_port.is_none_or(|h| p.host_port == Some(h))) {
                return Finding::pass(format!(
                    "container `{}` publishes {}/{} on host port {}",
                    c.name,
                    p.container_port,
                    p.protocol,
                    p.host_port.unwrap_or(0)
                ));
            }
        }
        let (c, d) = found[0];
        if let Some(p) = d.ports.iter().find(|p| fits(p)) {
            return Finding::fail(format!(
                "container `{}` publishes {}/{} on host port {}, not {}",
                c.name,
                p.container_port,
                p.protocol,
                p.host_port.unwrap_or(0),
                self.host_port.unwrap_or(0)
            ));
        }
        // IPv4 and IPv6 bindings of one port are one publication to the learner.
        let mut published: Vec<String> = d
            .ports
            .iter()
            .filter_map(|p| p.host_port.map(|h| format!("{h}->{}/{}", p.container_port, p.protocol)))
            .collect();
        published.dedup();
        if published.is_empty() {
            Finding::fail(format!(
                "container `{}` publishes no ports: remove it (`docker rm -f {}`) and create it again with `-p HOST:{}` (ports cannot be added to an existing container)",
                c.name, c.name, self.container_port
            ))
        } else {
            Finding::fail(format!(
                "container `{}` publishes only {} (host->container): in `-p HOST:CONTAINER` the container's port comes second",
                c.name,
                quoted_list(&published)
            ))
        }
    }

    fn describe(&self) -> String {
        let t = self.target.describe();
        match self.host_port {
            Some(h) => format!("{t} publishes its port {}/{} on host port {h}", self.container_port, self.protocol),
            None => format!("{t} publishes its port {}/{} on a port of the host", self.container_port, self.protocol),
        }
    }
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawEnv {
    #[serde(default)]
    name: Option<String>,
    #[serde(default)]
    image: Option<String>,
    var: String,
    #[serde(default)]
    value: Option<String>,
    #[serde(default)]
    hint: Option<String>,
    #[serde(default)]
    hints: Hints,
}

impl RawEnv {
    pub(super) fn convert(self) -> Converted {
        let mut p = Problems::default();
        let target = target("env", self.name, self.image, &mut p);
        p.when(self.var.is_empty() || self.var.contains('='), "`var` is a variable's name, without `=`");
        let (var, value) = (self.var, self.value);
        assertion(p.build(target.map(|target| Check::Env(EnvCheck { target, var, value }))), self.hint, self.hints)
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct EnvCheck {
    pub target: Target,
    /// The variable's name.
    pub var: String,
    /// Its value; any value when not given.
    pub value: Option<String>,
}

impl Rule for EnvCheck {
    fn needs(&self, _: usize, needs: &mut Needs) {
        needs.containers();
        needs.details_of.push(self.target.clone());
    }

    fn judge(&self, _: usize, obs: &Observation) -> Finding {
        let found = match inspected(&self.target, obs) {
            Ok(f) => f,
            Err(why) => return Finding::missing(why),
        };
        let prefix = format!("{}=", self.var);
        let value_of = |d: &ContainerDetails| d.env.iter().find_map(|e| e.strip_prefix(&prefix)).map(str::to_owned);
        for (c, d) in &found {
            if let Some(v) = value_of(d) {
                if self.value.as_ref().is_none_or(|want| *want == v) {
                    return Finding::pass(format!("container `{}` has {} set", c.name, self.var));
                }
            }
        }
        let (c, d) = found[0];
        match value_of(d) {
            Some(v) => Finding::fail(format!(
                "container `{}` has {}={v}, not {}",
                c.name,
                self.var,
                self.value.clone().unwrap_or_default()
            )),
            None => {
                let names: Vec<String> =
                    d.env.iter().filter_map(|e| e.split_once('=').map(|(k, _)| k.to_owned())).collect();
                Finding::fail(format!(
                    "container `{}` has no {} (it has {}): set it with `-e {}=...` when creating the container",
                    c.name,
                    self.var,
                    quoted_list(&names),
                    self.var
                ))
            }
        }
    }

    fn describe(&self) -> String {
        let t = self.target.describe();
        match &self.value {
            Some(v) => format!("{t} has {}={v} in its environment", self.var),
            None => format!("{t} has {} set in its environment", self.var),
        }
    }
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawMount {
    #[serde(default)]
    name: Option<String>,
    #[serde(default)]
    image: Option<String>,
    destination: String,
    #[serde(default, rename = "type")]
    mount_type: Option<MountType>,
    #[serde(default)]
    source: Option<String>,
    #[serde(default)]
    read_only: Option<bool>,
    #[serde(default)]
    propagation: Option<String>,
    #[serde(default)]
    hint: Option<String>,
    #[serde(default)]
    hints: Hints,
}

/// Bind propagation modes the engine accepts.
const PROPAGATIONS: &[&str] = &["rprivate", "private", "rshared", "shared", "rslave", "slave"];

impl RawMount {
    pub(super) fn convert(self) -> Converted {
        let mut p = Problems::default();
        let target = target("mount", self.name, self.image, &mut p);
        p.when(!self.destination.starts_with('/'), format!("`destination: {}` must be absolute", self.destination));
        if let Some(prop) = &self.propagation {
            p.when(
                !PROPAGATIONS.contains(&prop.as_str()),
                format!("`propagation: {prop}` is not one of {}", PROPAGATIONS.join(", ")),
            );
        }
        let check = p.build(target.map(|target| {
            Check::Mount(MountCheck {
                target,
                destination: self.destination,
                mount_type: self.mount_type,
                source: self.source,
                read_only: self.read_only,
                propagation: self.propagation,
            })
        }));
        assertion(check, self.hint, self.hints)
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct MountCheck {
    pub target: Target,
    /// Where it is mounted inside the container.
    pub destination: String,
    pub mount_type: Option<MountType>,
    /// For a volume, its name; for a bind mount, the host path, absolute or starting
    /// with `.` for the learner's folder (`.`, `./site`).
    pub source: Option<String>,
    pub read_only: Option<bool>,
    pub propagation: Option<String>,
}

fn norm(p: &str) -> &str {
    let t = p.trim_end_matches('/');
    if t.is_empty() { "/" } else { t }
}

impl MountCheck {
    /// Where and what: the mount this assertion is about, before its options.
    fn place_fits(&self, m: &MountInfo, obs: &Observation) -> bool {
        norm(&m.destination) == norm(&self.destination)
            && self.mount_type.is_none_or(|t| t == m.kind)
            && self.source.as_ref().is_none_or(|s| {
                if m.kind == MountType::Volume { m.name == *s } else { norm(&m.source) == obs.host_path(s) }
            })
    }

    fn options_fit(&self, m: &MountInfo) -> bool {
        self.read_only.is_none_or(|ro| ro == m.read_only)
            && self.propagation.as_ref().is_none_or(|p| *p == m.propagation)
    }
}

impl Rule for MountCheck {
    fn needs(&self, _: usize, needs: &mut Needs) {
        needs.containers();
        needs.details_of.push(self.target.clone());
    }

    fn judge(&self, _: usize, obs: &Observation) -> Finding {
        let found = match inspected(&self.target, obs) {
            Ok(f) => f,
            Err(why) => return Finding::missing(why),
        };
        for (c, d) in &found {
            if let Some(m) = d.mounts.iter().find(|m| self.place_fits(m, obs) && self.options_fit(m)) {
                return Finding::pass(format!(
                    "container `{}` has {} `{}` at `{}`",
                    c.name,
                    m.kind,
                    m.what(),
                    m.destination
                ));
            }
        }
        let (c, d) = found[0];
        if let Some(m) = d.mounts.iter().find(|m| self.place_fits(m, obs)) {
            let (mode, wanted) = if m.read_only { ("read-only", "`:ro` off") } else { ("writable", "`:ro`") };
            return Finding::fail(match &self.propagation {
                Some(p) if *p != m.propagation => format!(
                    "container `{}` mounts `{}` with propagation `{}`, not `{p}`",
                    c.name, m.destination, m.propagation
                ),
                _ => format!(
                    "container `{}` mounts `{}` {mode}: remove it (`docker rm -f {}`) and create it again with {wanted} (`-v SOURCE:{}:ro` makes it read-only)",
                    c.name, m.destination, c.name, self.destination
                ),
            });
        }
        if d.mounts.is_empty() {
            return Finding::fail(format!(
                "container `{}` has no mounts: remove it (`docker rm -f {}`) and create it again with `-v SOURCE:{}`",
                c.name, c.name, self.destination
            ));
        }
        let have: Vec<String> =
            d.mounts.iter().map(|m| format!("{} {} at {}", m.kind, m.what(), m.destination)).collect();
        Finding::fail(format!("container `{}` has {}", c.name, quoted_list(&have)))
    }

    fn describe(&self) -> String {
        let what = match (self.mount_type, &self.source) {
            (Some(t), Some(src)) => format!("a {t} mount of `{src}`"),
            (Some(t), None) => format!("a {t} mount"),
            (None, Some(src)) => format!("`{src}` mounted"),
            (None, None) => "something mounted".to_owned(),
        };
        let mut s = format!("{} has {what} at `{}`", self.target.describe(), self.destination);
        if let Some(ro) = self.read_only {
            s.push_str(if ro { ", read-only" } else { ", writable" });
        }
        if let Some(p) = &self.propagation {
            s.push_str(&format!(", with `{p}` propagation"));
        }
        s
    }
}
