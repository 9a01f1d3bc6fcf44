//! `kind: image`: an image is present (or gone), optionally configured as expected:
//! working directory, entrypoint, command, a label, a text in its history.

use super::{Converted, Problems, assertion, yes};
use crate::check::select::{image_ids, quoted_list, short_id};
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
    #[serde(default = "yes")]
    present: bool,
    #[serde(default)]
    hint: Option<String>,
}

impl Raw {
    pub(super) fn convert(self) -> Converted {
        let mut p = Problems::default();
        let label = match self.label {
            Some(l) => match l.split_once('=') {
                Some((k, v)) => Some((k.to_owned(), v.to_owned())),
                None => {
                    p.when(true, format!("`label: {l}` must be written `key=value`"));
                    None
                }
            },
            None => None,
        };
        let config = ImageConfig {
            workdir: self.workdir,
            entrypoint: self.entrypoint,
            cmd: self.cmd,
            history_contains: self.history_contains,
            label,
        };
        p.when(
            !self.present && !config.is_empty(),
            "`present: false` cannot go with fields about the image's contents",
        );
        let image = self.image;
        let present = self.present;
        assertion(p.then(|| Check::Image(ImageCheck { image, present, config })), self.hint)
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
    /// A label's key and value.
    pub label: Option<(String, String)>,
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
                Some(d) => self.judge_config(d),
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
            Finding::fail(format!("there is no image `{wanted}` on this engine"))
        } else {
            Finding::fail(format!(
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
            parts.push(format!("label `{k}={v}`"));
        }
        if let Some(h) = &c.history_contains {
            parts.push(format!("\"{h}\" in its history"));
        }
        if parts.is_empty() {
            format!("image `{}` is present", self.image)
        } else {
            format!("image `{}` is present, with {}", self.image, parts.join(", "))
        }
    }
}

impl ImageCheck {
    fn judge_config(&self, d: &ImageDetails) -> Finding {
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
            match d.labels.get(k) {
                Some(have) if have == v => {}
                Some(have) => return Finding::fail(format!("image `{name}` has label {k}={have}, not {k}={v}")),
                None => return Finding::fail(format!("image `{name}` has no label `{k}`")),
            }
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
