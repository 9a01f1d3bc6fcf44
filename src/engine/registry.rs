//! Images from a registry: how much a pull would download (asked before pulling) and
//! the pull itself, reported layer by layer to whoever shows progress.

use super::{Engine, EngineError};
use futures_util::StreamExt;

/// How long the registry may take to describe an image before its size is "unknown".
const MANIFEST_DEADLINE: std::time::Duration = std::time::Duration::from_secs(20);

/// One progress report of a pull: a layer's state and bytes so far.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct LayerProgress {
    pub layer: String,
    /// `Downloading`, `Extracting`, `Pull complete`, ...
    pub status: String,
    pub current: Option<u64>,
    pub total: Option<u64>,
}

/// Bytes to download for `image` on the engine's `os`/`arch`, read before pulling with
/// the docker CLI's own registry client (`docker manifest inspect --verbose`), which
/// already handles TLS, logins and mirrors. The error says why the size is unknown.
pub async fn download_size(image: &str, os: &str, arch: &str) -> Result<u64, String> {
    let run = tokio::process::Command::new("docker")
        .args(["manifest", "inspect", "--verbose", image])
        .stdin(std::process::Stdio::null())
        .kill_on_drop(true)
        .output();
    let out = match tokio::time::timeout(MANIFEST_DEADLINE, run).await {
        Err(_) => return Err(format!("the registry did not answer within {} seconds", MANIFEST_DEADLINE.as_secs())),
        Ok(Err(e)) => return Err(format!("the docker CLI could not run: {e}")),
        Ok(Ok(out)) => out,
    };
    if !out.status.success() {
        let why = String::from_utf8_lossy(&out.stderr).trim().lines().last().unwrap_or("").to_owned();
        return Err(why);
    }
    size_from_manifests(&String::from_utf8_lossy(&out.stdout), os, arch)
        .ok_or_else(|| "the registry's answer names no layers for this platform".to_owned())
}

/// Sums config and layer sizes in `docker manifest inspect --verbose` output: one
/// manifest, or a list with one per platform (the engine's platform is picked).
fn size_from_manifests(json: &str, os: &str, arch: &str) -> Option<u64> {
    let value: serde_json::Value = serde_json::from_str(json).ok()?;
    let entries: Vec<&serde_json::Value> = match &value {
        serde_json::Value::Array(list) => list.iter().collect(),
        one => vec![one],
    };
    let platform_of = |e: &serde_json::Value| {
        let p = &e["Descriptor"]["platform"];
        (p["os"].as_str().unwrap_or("").to_owned(), p["architecture"].as_str().unwrap_or("").to_owned())
    };
    let entry =
        entries.iter().find(|e| platform_of(e) == (os.to_owned(), arch.to_owned())).or_else(|| entries.first())?;
    let manifest = ["SchemaV2Manifest", "OCIManifest"].iter().map(|k| &entry[*k]).find(|m| m.is_object())?;
    let layers = manifest["layers"].as_array()?;
    let sizes = layers.iter().map(|l| l["size"].as_u64().unwrap_or(0)).sum::<u64>();
    Some(sizes + manifest["config"]["size"].as_u64().unwrap_or(0))
}

impl Engine {
    /// The size on disk of `image`, or None when the engine does not have it.
    pub async fn image_size(&mut self, image: &str) -> Result<Option<u64>, EngineError> {
        let docker = self.client().await?;
        match docker.inspect_image(image).await {
            Ok(i) => Ok(Some(i.size.unwrap_or_default().max(0) as u64)),
            Err(bollard::errors::Error::DockerResponseServerError { status_code: 404, .. }) => Ok(None),
            Err(e) => Err(self.classify(e)),
        }
    }

    /// Pulls `image`, reporting each layer's progress. The outer error: the engine
    /// could not be used; the inner one: the engine or registry refused the pull, in
    /// its own words.
    pub async fn pull(
        &mut self,
        image: &str,
        mut progress: impl FnMut(&LayerProgress),
    ) -> Result<Result<(), String>, EngineError> {
        let docker = self.client().await?;
        let options =
            bollard::query_parameters::CreateImageOptions { from_image: Some(image.to_owned()), ..Default::default() };
        let mut stream = docker.create_image(Some(options), None, None);
        while let Some(event) = stream.next().await {
            match event {
                Ok(info) => {
                    if let Some(message) = info.error_detail.and_then(|d| d.message) {
                        return Ok(Err(message));
                    }
                    let (Some(layer), Some(detail)) = (info.id, info.progress_detail) else { continue };
                    progress(&LayerProgress {
                        layer,
                        status: info.status.unwrap_or_default(),
                        current: detail.current.map(|c| c.max(0) as u64),
                        total: detail.total.filter(|t| *t > 0).map(|t| t as u64),
                    });
                }
                Err(bollard::errors::Error::DockerResponseServerError { message, .. }) => return Ok(Err(message)),
                Err(e) => return Err(self.classify(e)),
            }
        }
        Ok(Ok(()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn download_sizes_come_from_the_engines_platform() {
        let layer =
            |size: u64| serde_json::json!({"mediaType": "application/vnd.oci.image.layer.v1.tar+gzip", "size": size});
        let entry = |arch: &str, sizes: &[u64], key: &str| {
            serde_json::json!({
                "Ref": format!("docker.io/library/nginx:alpine@sha256:{arch}"),
                "Descriptor": {"mediaType": "x", "digest": "sha256:0", "size": 1, "platform": {"architecture": arch, "os": "linux"}},
                key: {"schemaVersion": 2, "config": {"size": 100}, "layers": sizes.iter().map(|s| layer(*s)).collect::<Vec<_>>()},
            })
        };
        let list = serde_json::json!([
            entry("arm64", &[1, 2], "OCIManifest"),
            entry("amd64", &[1000, 2000], "SchemaV2Manifest")
        ]);
        assert_eq!(size_from_manifests(&list.to_string(), "linux", "amd64"), Some(3100));
        assert_eq!(size_from_manifests(&list.to_string(), "linux", "arm64"), Some(103));
        let single = entry("amd64", &[5], "SchemaV2Manifest");
        assert_eq!(size_from_manifests(&single.to_string(), "linux", "riscv64"), Some(105));
        assert_eq!(size_from_manifests("not json", "linux", "amd64"), None);
    }
}
