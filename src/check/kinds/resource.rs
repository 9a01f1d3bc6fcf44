//! Engine objects other than containers: `volume` (a named volume exists, or is gone)
//! and `network` (a network exists, optionally with a container attached, or is gone).

use super::{Converted, Hints, Problems, assertion, yes};
use crate::check::select::{did_you_mean, explain_missing, near_names, quoted_list, select};
use crate::check::{Check, Finding, Needs, Observation, Rule, Target};
use serde::Deserialize;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawVolume {
    volume: String,
    #[serde(default = "yes")]
    present: bool,
    #[serde(default)]
    hint: Option<String>,
    #[serde(default)]
    hints: Hints,
}

impl RawVolume {
    pub(super) fn convert(self) -> Converted {
        assertion(Ok(Check::Volume(VolumeCheck { volume: self.volume, present: self.present })), self.hint, self.hints)
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct VolumeCheck {
    /// The volume's name.
    pub volume: String,
    /// `false`: the volume must be gone.
    pub present: bool,
}

impl Rule for VolumeCheck {
    fn needs(&self, _: usize, needs: &mut Needs) {
        needs.volumes.push(self.volume.clone());
    }

    fn judge(&self, _: usize, obs: &Observation) -> Finding {
        let v = &self.volume;
        match (obs.volumes.contains(v), self.present) {
            (true, true) => Finding::pass(format!("volume `{v}` exists")),
            (false, true) => match did_you_mean(&near_names(v, obs.other_volumes.iter().map(String::as_str))) {
                near if near.is_empty() => {
                    Finding::missing(format!("there is no volume `{v}` (`docker volume ls` lists them)"))
                }
                near => Finding::missing(format!("there is no volume `{v}`{near}")),
            },
            (true, false) => Finding::fail(format!("volume `{v}` is still there: `docker volume rm {v}` removes it")),
            (false, false) => Finding::pass(format!("no volume `{v}`")),
        }
    }

    fn describe(&self) -> String {
        if self.present {
            format!("volume `{}` exists", self.volume)
        } else {
            format!("volume `{}` is gone", self.volume)
        }
    }
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawNetwork {
    network: String,
    #[serde(default)]
    container: Option<String>,
    #[serde(default = "yes")]
    present: bool,
    #[serde(default)]
    hint: Option<String>,
    #[serde(default)]
    hints: Hints,
}

impl RawNetwork {
    pub(super) fn convert(self) -> Converted {
        let mut p = Problems::default();
        p.when(!self.present && self.container.is_some(), "`present: false` cannot go with `container:`");
        let check = p.then(|| {
            Check::Network(NetworkCheck {
                network: self.network,
                container: self.container.map(Target::Name),
                present: self.present,
            })
        });
        assertion(check, self.hint, self.hints)
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct NetworkCheck {
    /// The network's name.
    pub network: String,
    /// A container (by name) that must be attached to it.
    pub container: Option<Target>,
    /// `false`: the network must be gone.
    pub present: bool,
}

impl Rule for NetworkCheck {
    fn needs(&self, _: usize, needs: &mut Needs) {
        needs.networks.push(self.network.clone());
        if let Some(c) = &self.container {
            needs.containers();
            needs.details_of.push(c.clone());
        }
    }

    fn judge(&self, _: usize, obs: &Observation) -> Finding {
        let net = &self.network;
        let exists = obs.networks.contains(net);
        if !self.present {
            return if exists {
                Finding::fail(format!("network `{net}` is still there: `docker network rm {net}` removes it"))
            } else {
                Finding::pass(format!("no network `{net}`"))
            };
        }
        if !exists {
            let near = did_you_mean(&near_names(net, obs.other_networks.iter().map(String::as_str)));
            return Finding::missing(if near.is_empty() {
                format!("there is no network `{net}`: create it with `docker network create {net}`")
            } else {
                format!("there is no network `{net}`{near}")
            });
        }
        let Some(target) = &self.container else {
            return Finding::pass(format!("network `{net}` exists"));
        };
        let Some((c, d)) = select(target, obs).into_iter().find_map(|c| c.details.as_ref().map(|d| (c, d))) else {
            return Finding::missing(explain_missing(target, obs));
        };
        if d.networks.contains(net) {
            Finding::pass(format!("container `{}` is on `{net}`", c.name))
        } else {
            Finding::fail(format!(
                "container `{}` is on {}, not `{net}`: `docker network connect {net} {}` adds it",
                c.name,
                quoted_list(&d.networks),
                c.name
            ))
        }
    }

    fn describe(&self) -> String {
        let net = &self.network;
        match (&self.container, self.present) {
            (_, false) => format!("network `{net}` is gone"),
            (Some(c), true) => format!("container `{}` is attached to network `{net}`", c.name().unwrap_or_default()),
            (None, true) => format!("network `{net}` exists"),
        }
    }
}
