//! `kind: image`: an image is present (or gone), optionally configured as expected:
//! working directory, entrypoint, command, a label, a text in its history.

use super::{Converted, Hints, Problems, assertion, yes};
use crate::check::select::{did_you_mean, image_ids, near_names, quoted_list, short_id};
use crate::check::{Check, Finding, ImageDetails, Needs, Observation, Rule};
use crate::reference::ImageRef;
use serde::Deserialize;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct Raw {
    image: String,
    #[serde(default)]
    workdir: Option<String>,
    #[serde(default)]
    entrypoint: Option<Vec<String>>,
    #[serde(default)]
    cmd: Option<Vec<String>>,
    #[serde(default)]
    history_contains: Option<String>,
    #[serde(default)]
    label: Option<String>,
    #[serde(default)]
    env: Vec<String>,
    #[serde(default)]
    exposed_ports: Vec<PortWord>,
    #[serde(default)]
    user: Option<String>,
    #[serde(default)]
    max_size_mb: Option<u64>,
    #[serde(default)]
    max_layers: Option<usize>,
    #[serde(default)]
    built_since_step: bool,
    #[serde(default = "yes")]
    present: bool,
    #[serde(default)]
    hint: Option<String>,
    #[serde(default)]
    hints: Hints,
}

/// A port as written: `8000`, `8000/tcp`, `53/udp`.
#[derive(Debug, Deserialize)]
#[serde(untagged)]
pub(crate) enum PortWord {
    Number(u16),
    Text(String),
}

impl PortWord {
    fn shown(&self) -> String {
        match self {
            PortWord::Number(n) => n.to_string(),
            PortWord::Text(t) => t.clone(),
        }
    }

    /// `8000/tcp`, as the engine lists exposed ports; None when it is not a port.
    fn normalised(&self) -> Option<String> {
        match self {
            PortWord::Number(n) => Some(format!("{n}/tcp")),
            PortWord::Text(t) => {
                let (port, proto) = t.split_once('/').unwrap_or((t, "tcp"));
                let proto: crate::check::Protocol = proto.parse().ok()?;
                Some(format!("{}/{proto}", port.parse::<u16>().ok()?))
            }
        }
    }
}

/// `KEY=VALUE` or `KEY` alone (any value).
fn key_value(text: &str) -> (String, Option<String>) {
    match text.split_once('=') {
        Some((k, v)) => (k.to_owned(), Some(v.to_owned())),
        None => (text.to_owned(), None),
    }
}

impl Raw {
    pub(super) fn convert(self) -> Converted {
        let mut p = Problems::default();
        let label = self.label.as_deref().map(key_value);
        p.when(label.as_ref().is_some_and(|(k, _)| k.is_empty()), "`label:` needs a key: `key` or `key=value`");
        let mut exposed_ports = Vec::new();
        for word in &self.exposed_ports {
            match word.normalised() {
                Some(port) => exposed_ports.push(port),
                None => {
                    p.when(true, format!("`exposed_ports: {}` is not a port like `8000` or `53/udp`", word.shown()))
                }
            }
        }
        let config = ImageConfig {
            workdir: self.workdir,
            entrypoint: self.entrypoint,
            cmd: self.cmd,
            history_contains: self.history_contains,
            label,
            env: self.env.iter().map(|e| key_value(e)).collect(),
            exposed_ports,
            user: self.user,
            max_size_mb: self.max_size_mb,
            max_layers: self.max_layers,
            built_since_step: self.built_since_step,
        };
        p.when(
            !self.present && !config.is_empty(),
            "`present: false` cannot go with fields about the image's contents",
        );
        let image = self.image;
        let present = self.present;
        assertion(p.then(|| Check::Image(ImageCheck { image, present, config })), self.hint, self.hints)
    }
}

/// What an image's configuration must hold; every field optional.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ImageConfig {
    /// `WORKDIR`.
    pub workdir: Option<String>,
    /// `ENTRYPOINT`, word by word.
    pub entrypoint: Option<Vec<String>>,
    /// `CMD`, word by word.
    pub cmd: Option<Vec<String>>,
    /// A text in the history: a `RUN` line, a commit message.
    pub history_contains: Option<String>,
    /// A label's key, and its value when one is asked for.
    pub label: Option<(String, Option<String>)>,
    /// Variables `ENV` set: name, and value when one is asked for.
    pub env: Vec<(String, Option<String>)>,
    /// Ports `EXPOSE` declared, as `8000/tcp`.
    pub exposed_ports: Vec<String>,
    /// `USER`.
    pub user: Option<String>,
    /// At most this many megabytes (10^6 bytes) on disk.
    pub max_size_mb: Option<u64>,
    /// At most this many file system layers.
    pub max_layers: Option<usize>,
    /// Made (built, committed) since the step began: a rebuild, judged by the image
    /// itself, since engines differ in the events a build sends.
    pub built_since_step: bool,
}

impl ImageConfig {
    fn is_empty(&self) -> bool {
        *self == ImageConfig::default()
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct ImageCheck {
    pub image: String,
    /// `false`: the image must be gone.
    pub present: bool,
    pub config: ImageConfig,
}

impl Rule for ImageCheck {
    fn needs(&self, _: usize, needs: &mut Needs) {
        needs.images = true;
        if !self.config.is_empty() {
            needs.image_details.push(self.image.clone());
        }
    }

    fn judge(&self, _: usize, obs: &Observation) -> Finding {
        let images = &obs.images;
        let wanted = ImageRef::parse(&self.image);
        let found = image_ids(&wanted, images);
        if !self.present {
            return match found.first() {
                Some(id) => Finding::fail(format!(
                    "image `{wanted}` is still there ({}): `docker rmi {}` removes it",
                    short_id(id),
                    self.image
                )),
                None => Finding::pass(format!("no image `{wanted}`")),
            };
        }
        if let Some(id) = found.first() {
            if self.config.is_empty() {
                return Finding::pass(format!("image `{wanted}` is present ({})", short_id(id)));
            }
            return match obs.image_details.iter().find(|d| d.reference == self.image) {
                Some(d) => self.judge_config(d, obs.step_began),
                None => Finding::fail(format!("image `{wanted}` could not be inspected")),
            };
        }
        let same_repo: Vec<String> = images
            .iter()
            .flat_map(|i| &i.tags)
            .map(|t| ImageRef::parse(t))
            .filter(|r| r.repository() == wanted.repository())
            .filter_map(|r| r.tag)
            .collect();
        if same_repo.is_empty() {
            // A typo in the name, the tag the same: `helloworld` for `hello-world`.
            let name = |r: &ImageRef| r.familiar().split(':').next().unwrap_or_default().to_owned();
            let same_tag: Vec<ImageRef> = images
                .iter()
                .flat_map(|i| &i.tags)
                .map(|t| ImageRef::parse(t))
                .filter(|r| r.tag == wanted.tag)
                .collect();
            let names: Vec<String> = same_tag.iter().map(name).collect();
            let near: Vec<String> = near_names(&name(&wanted), names.iter().map(String::as_str))
                .into_iter()
                .filter_map(|n| same_tag.iter().find(|r| name(r) == n).map(ImageRef::familiar))
                .collect();
            let near = did_you_mean(&near);
            Finding::missing(format!("there is no image `{wanted}` on this engine{near}"))
        } else {
            Finding::missing(format!(
                "there is no `{wanted}`, but `{}` has the tag(s) {}: check the tag you used",
                wanted.familiar().split(':').next().unwrap_or_default(),
                quoted_list(&same_repo)
            ))
        }
    }

    fn describe(&self) -> String {
        if !self.present {
            return format!("image `{}` is gone", self.image);
        }
        let c = &self.config;
        let mut parts = Vec::new();
        if let Some(w) = &c.workdir {
            parts.push(format!("working directory `{w}`"));
        }
        if let Some(e) = &c.entrypoint {
            parts.push(format!("entrypoint `{}`", e.join(" ")));
        }
        if let Some(cmd) = &c.cmd {
            parts.push(format!("command `{}`", cmd.join(" ")));
        }
        if let Some((k, v)) = &c.label {
            parts.push(match v {
                Some(v) => format!("label `{k}={v}`"),
                None => format!("a label `{k}`"),
            });
        }
        for (k, v) in &c.env {
            parts.push(match v {
                Some(v) => format!("`{k}={v}` in its environment"),
                None => format!("`{k}` set in its environment"),
            });
        }
        if !c.exposed_ports.is_empty() {
            parts.push(format!("port(s) {} exposed", c.exposed_ports.join(", ")));
        }
        if let Some(u) = &c.user {
            parts.push(format!("user `{u}`"));
        }
        if let Some(mb) = c.max_size_mb {
            parts.push(format!("at most {mb} MB"));
        }
        if let Some(n) = c.max_layers {
            parts.push(format!("at most {n} layers"));
        }
        if let Some(h) = &c.history_contains {
            parts.push(format!("\"{h}\" in its history"));
        }
        if c.built_since_step {
            parts.push("built since this step began".to_owned());
        }
        if parts.is_empty() {
            format!("image `{}` is present", self.image)
        } else {
            format!("image `{}` is present, with {}", self.image, parts.join(", "))
        }
    }
}

impl ImageCheck {
    fn judge_config(&self, d: &ImageDetails, step_began: i64) -> Finding {
        let name = &self.image;
        let c = &self.config;
        if let Some(w) = &c.workdir {
            if d.workdir.trim_end_matches('/') != w.trim_end_matches('/') {
                let have = if d.workdir.is_empty() { "none (/)".to_owned() } else { format!("`{}`", d.workdir) };
                return Finding::fail(format!(
                    "image `{name}` has working directory {have}, not `{w}`: check `WORKDIR`"
                ));
            }
        }
        if let Some(e) = &c.entrypoint {
            if d.entrypoint != *e {
                return Finding::fail(format!(
                    "image `{name}` has entrypoint {:?}, not {e:?}: check `ENTRYPOINT`",
                    d.entrypoint
                ));
            }
        }
        if let Some(cmd) = &c.cmd {
            if d.cmd != *cmd {
                return Finding::fail(format!("image `{name}` has command {:?}, not {cmd:?}: check `CMD`", d.cmd));
            }
        }
        if let Some((k, v)) = &c.label {
            match (d.labels.get(k), v) {
                (Some(have), Some(v)) if have != v => {
                    return Finding::fail(format!("image `{name}` has label {k}={have}, not {k}={v}"));
                }
                (Some(_), _) => {}
                (None, _) => {
                    let keys: Vec<String> = d.labels.keys().cloned().collect();
                    let have = if keys.is_empty() { "none".to_owned() } else { quoted_list(&keys) };
                    return Finding::fail(format!(
                        "image `{name}` has no label `{k}` (its labels: {have}): check `LABEL`"
                    ));
                }
            }
        }
        for (k, v) in &c.env {
            let prefix = format!("{k}=");
            match (d.env.iter().find_map(|e| e.strip_prefix(&prefix)), v) {
                (Some(have), Some(v)) if have != v => {
                    return Finding::fail(format!("image `{name}` sets {k}={have}, not {k}={v}: check `ENV`"));
                }
                (Some(_), _) => {}
                (None, _) => return Finding::fail(format!("image `{name}` does not set `{k}`: check `ENV`")),
            }
        }
        if let Some(port) = c.exposed_ports.iter().find(|p| !d.exposed_ports.contains(p)) {
            let have = if d.exposed_ports.is_empty() { "none".to_owned() } else { quoted_list(&d.exposed_ports) };
            return Finding::fail(format!("image `{name}` does not expose {port} (it exposes {have}): check `EXPOSE`"));
        }
        if let Some(u) = &c.user {
            if d.user != *u {
                let have = if d.user.is_empty() { "root (no `USER`)".to_owned() } else { format!("`{}`", d.user) };
                return Finding::fail(format!("image `{name}` runs as {have}, not `{u}`: check `USER`"));
            }
        }
        if let Some(mb) = c.max_size_mb {
            let have = d.size as f64 / 1e6;
            if have > mb as f64 {
                return Finding::fail(format!(
                    "image `{name}` is {have:.1} MB, more than {mb} MB: a smaller base image or a multi-stage build helps"
                ));
            }
        }
        if let Some(n) = c.max_layers {
            if d.layers > n {
                return Finding::fail(format!(
                    "image `{name}` has {} layers, more than {n}: each `RUN`, `COPY` and `ADD` adds one",
                    d.layers
                ));
            }
        }
        if c.built_since_step && d.created_nanos < step_began {
            return Finding::fail(format!(
                "image `{name}` ({}) was built before this step began: build it again with the change",
                short_id(&d.id)
            ));
        }
        if let Some(h) = &c.history_contains {
            if !d.history.iter().any(|line| line.contains(h.as_str())) {
                let recent: Vec<String> = d.history.iter().take(3).map(|l| l.chars().take(60).collect()).collect();
                return Finding::fail(format!(
                    "\"{h}\" is not in the history of image `{name}`; its newest layers: {}",
                    quoted_list(&recent)
                ));
            }
        }
        Finding::pass(format!("image `{name}` ({}) is as expected", short_id(&d.id)))
    }
}
