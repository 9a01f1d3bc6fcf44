//! `kind: engine`: the Docker engine answers, optionally with a recent enough API.

use super::{Converted, Problems, assertion};
use crate::check::{ApiVersion, Check, Finding, Needs, Observation, Rule};
use serde::Deserialize;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct Raw {
    /// Lowest engine API version accepted, e.g. `"1.24"`.
    #[serde(default)]
    min_api: Option<String>,
    #[serde(default)]
    hint: Option<String>,
}

impl Raw {
    pub(super) fn convert(self) -> Converted {
        let mut p = Problems::default();
        let min_api = match self.min_api.as_deref().map(|v| (v, ApiVersion::parse(v))) {
            Some((v, None)) => {
                p.when(true, format!("`min_api: {v}` is not an API version like \"1.24\""));
                None
            }
            Some((_, parsed)) => parsed,
            None => None,
        };
        assertion(p.then(|| Check::Engine(EngineCheck { min_api })), self.hint)
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct EngineCheck {
    pub min_api: Option<ApiVersion>,
}

impl Rule for EngineCheck {
    fn needs(&self, _: usize, needs: &mut Needs) {
        needs.engine = true;
    }

    fn judge(&self, _: usize, obs: &Observation) -> Finding {
        let info = match &obs.engine {
            Ok(info) => info,
            Err(why) => return Finding::fail(why.clone()),
        };
        let found = format!(
            "{} {} (API {}) at {}, chosen by {}",
            if info.product.is_empty() { "engine" } else { &info.product },
            info.version,
            info.api_version,
            info.endpoint,
            info.endpoint_source
        );
        let Some(min) = self.min_api else {
            return Finding::pass(found);
        };
        match ApiVersion::parse(&info.api_version) {
            Some(have) if have >= min => Finding::pass(found),
            Some(have) => Finding::fail(format!("{found}: API {have} is older than {min}; upgrade Docker")),
            None => Finding::fail(format!("{found}: the API version could not be read")),
        }
    }

    fn describe(&self) -> String {
        match &self.min_api {
            Some(v) => format!("the Docker engine answers, with API version {v} or newer"),
            None => "the Docker engine answers".to_owned(),
        }
    }
}
