//! Removing one object by id or name, for `dockerlearn clean`: a container (forced,
//! with its anonymous volumes), a network, a volume, an image tag or id (never forced);
//! and, for `verify`, one untagged image a build made, without its parents.

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
    /// Removes one untagged image by id, not forced and without pruning its parents:
    /// the parents may be build cache that other builds share. A tagged image is
    /// refused (what is named is not removed by id).
    pub async fn remove_untagged_image(&mut self, id: &str) -> Result<Removed, EngineError> {
        let docker = self.client().await?;
        let tags = match docker.inspect_image(id).await {
            Ok(image) => image.repo_tags.unwrap_or_default(),
            Err(bollard::errors::Error::DockerResponseServerError { status_code: 404, .. }) => {
                return Ok(Removed::Gone);
            }
            Err(e) => return Err(self.classify(e)),
        };
        if !tags.is_empty() {
            return Ok(Removed::Refused(format!("it is tagged {}", tags.join(", "))));
        }
        let options = RemoveImageOptions { force: false, noprune: true, ..Default::default() };
        match docker.remove_image(id, Some(options), None).await {
            Ok(_) => Ok(Removed::Done),
            Err(bollard::errors::Error::DockerResponseServerError { status_code: 404, .. }) => Ok(Removed::Gone),
            Err(bollard::errors::Error::DockerResponseServerError { message, .. }) => Ok(Removed::Refused(message)),
            Err(e) => Err(self.classify(e)),
        }
    }
}
