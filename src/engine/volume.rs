//! Creating a named volume with a label, for `verify`: docker creates the volumes that
//! `-v NAME:/x` names without any label, and cleanup finds the run's things by label.

use super::{Engine, EngineError};
use bollard::models::VolumeCreateRequest;
use std::collections::HashMap;

impl Engine {
    /// Creates volume `name` carrying `label` (`key=value`), unless one of that name
    /// exists (then it is left as it is). Returns whether it was created.
    pub async fn create_labelled_volume(&mut self, name: &str, label: &str) -> Result<bool, EngineError> {
        let docker = self.client().await?;
        match docker.inspect_volume(name).await {
            Ok(_) => return Ok(false),
            Err(bollard::errors::Error::DockerResponseServerError { status_code: 404, .. }) => {}
            Err(e) => return Err(self.classify(e)),
        }
        let (key, value) = label.split_once('=').unwrap_or((label, ""));
        let request = VolumeCreateRequest {
            name: Some(name.to_owned()),
            labels: Some(HashMap::from([(key.to_owned(), value.to_owned())])),
            ..Default::default()
        };
        docker.create_volume(request).await.map_err(|e| self.classify(e))?;
        Ok(true)
    }
}
