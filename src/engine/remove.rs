//! Removing one object by id or name, for `dockerlearn clean`: a container (forced,
//! with its anonymous volumes), a network, a volume, an image tag or id (never forced).

use super::{Engine, EngineError};
use crate::clean::Kind;
use bollard::query_parameters::{RemoveContainerOptions, RemoveImageOptions, RemoveVolumeOptions};

/// What became of one removal.
#[derive(Debug, Clone, PartialEq, Eq)]
#[must_use]
pub enum Removed {
    Done,
    /// It was already gone.
    Gone,
    /// The engine refused, with its reason (an image a container still uses, ...).
    Refused(String),
}

impl Engine {
    /// Removes one object; only an engine that cannot be reached is an error.
    pub async fn remove_object(&mut self, kind: Kind, target: &str) -> Result<Removed, EngineError> {
        let docker = self.client().await?;
        let result = match kind {
            Kind::Container => {
                let options = RemoveContainerOptions { force: true, v: true, link: false };
                docker.remove_container(target, Some(options)).await
            }
            Kind::Network => docker.remove_network(target).await,
            Kind::Volume => docker.remove_volume(target, Some(RemoveVolumeOptions { force: false })).await,
            Kind::Image => {
                let options = RemoveImageOptions { force: false, noprune: false, ..Default::default() };
                docker.remove_image(target, Some(options), None).await.map(|_| ())
            }
        };
        match result {
            Ok(()) => Ok(Removed::Done),
            Err(bollard::errors::Error::DockerResponseServerError { status_code: 404, .. }) => Ok(Removed::Gone),
            Err(bollard::errors::Error::DockerResponseServerError { message, .. }) => Ok(Removed::Refused(message)),
            Err(e) => Err(self.classify(e)),
        }
    }
}
