//! Images in and out of the engine as `docker save` archives, for the offline kit:
//! the save stream, the load stream, an image's id, and tagging. The kit decides what
//! is loaded and tagged; this file only makes the calls.

use super::{Engine, EngineError};
use bytes::Bytes;
use futures_util::{Stream, StreamExt};

/// Why a load did not happen.
#[derive(Debug, thiserror::Error)]
pub enum LoadError {
    #[error(transparent)]
    Engine(#[from] EngineError),
    /// The engine answered, and refused the archive: its words.
    #[error("{0}")]
    Refused(String),
}

impl Engine {
    /// The id (`sha256:…`) of the image a reference names, or None when there is none.
    pub async fn image_id(&mut self, reference: &str) -> Result<Option<String>, EngineError> {
        let docker = self.client().await?;
        match docker.inspect_image(reference).await {
            Ok(i) => Ok(i.id),
            Err(bollard::errors::Error::DockerResponseServerError { status_code: 404, .. }) => Ok(None),
            Err(e) => Err(self.classify(e)),
        }
    }

    /// The engine's `save` stream (what `docker save` writes) for these references.
    pub async fn save_images(
        &mut self,
        references: &[String],
    ) -> Result<impl Stream<Item = Result<Bytes, EngineError>> + '_, EngineError> {
        let docker = self.client().await?;
        let names: Vec<&str> = references.iter().map(String::as_str).collect();
        let stream = docker.export_images(&names);
        let this = &*self;
        Ok(stream.map(move |chunk| chunk.map_err(|e| this.classify(e))))
    }

    /// Sends a `save` archive to the engine's load endpoint and waits until the engine
    /// has taken it. The archive's own tags are applied by the engine: callers that
    /// want to choose the tags send an archive without any.
    pub async fn load_images<S>(&mut self, archive: S) -> Result<(), LoadError>
    where
        S: Stream<Item = Result<Bytes, std::io::Error>> + Send + 'static,
    {
        let docker = self.client().await?;
        let options = bollard::query_parameters::ImportImageOptions { quiet: true, platform: None };
        let mut answers = docker.import_image_stream(options, archive, None);
        while let Some(answer) = answers.next().await {
            match answer {
                Ok(info) => {
                    if let Some(e) = info.error_detail.and_then(|d| d.message) {
                        return Err(LoadError::Refused(e));
                    }
                }
                Err(bollard::errors::Error::DockerResponseServerError { message, .. }) => {
                    return Err(LoadError::Refused(message));
                }
                Err(e) => return Err(self.classify(e).into()),
            }
        }
        Ok(())
    }

    /// Points `repo:tag` at the image `id`, moving the tag if it named another image.
    pub async fn tag_image(&mut self, id: &str, repo: &str, tag: &str) -> Result<(), EngineError> {
        let docker = self.client().await?;
        let options =
            bollard::query_parameters::TagImageOptions { repo: Some(repo.to_owned()), tag: Some(tag.to_owned()) };
        docker.tag_image(id, Some(options)).await.map_err(|e| self.classify(e))
    }
}
