//! `dockerlearn prepare`: pulls the images the chosen lessons need, before class, with
//! a progress bar per layer; skips what is present; says per image what went wrong.
//! Also the one place that knows which images a set of lessons needs.

use crate::course::Course;
use crate::engine::{Engine, EngineError};
use crate::reference::ImageRef;
use indicatif::{MultiProgress, ProgressBar, ProgressStyle};
use std::collections::HashMap;

/// The images the lessons at `only` (all when empty) list in their front matter.
pub fn course_images(course: &Course, only: &[usize]) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for (i, cl) in course.lessons.iter().enumerate() {
        if !only.is_empty() && !only.contains(&i) {
            continue;
        }
        for image in &cl.lesson.images {
            let r = ImageRef::parse(image);
            if !out.iter().any(|o| ImageRef::parse(o).matches(&r)) {
                out.push(r.familiar());
            }
        }
    }
    out
}

/// Bytes to download for `image` on the engine's `os`/`arch`, read before pulling with
/// the docker CLI's own registry client (`docker manifest inspect --verbose`), which
/// already handles TLS, logins and mirrors. The error says why the size is unknown.
pub async fn download_size(image: &str, os: &str, arch: &str) -> Result<u64, String> {
    let run = tokio::process::Command::new("docker")
        .args(["manifest", "inspect", "--verbose", image])
        .stdin(std::process::Stdio::null())
        .output();
    let out = match tokio::time::timeout(std::time::Duration::from_secs(20), run).await {
        Err(_) => return Err("the registry did not answer within 20 seconds".to_owned()),
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

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Prepared {
    /// Already on the engine: size on disk.
    Present(u64),
    /// Pulled now: size on disk.
    Pulled(u64),
    Failed(String),
}

/// Pulls what is missing among `images`. Never stops at the first failure.
pub async fn prepare(
    engine: &mut Engine,
    images: &[String],
    bars: &MultiProgress,
) -> Result<Vec<(String, Prepared)>, EngineError> {
    use futures_util::StreamExt;
    let docker = engine.client().await?;
    let mut out = Vec::new();
    for image in images {
        if let Ok(i) = docker.inspect_image(image).await {
            out.push((image.clone(), Prepared::Present(i.size.unwrap_or_default() as u64)));
            continue;
        }
        // One bar for the image as a whole, one per layer below it.
        let total = bars.add(ProgressBar::new(0).with_message(format!("{image}: pulling")));
        total.set_style(
            ProgressStyle::with_template("{msg} {bar:30} {bytes}/{total_bytes} {bytes_per_sec}")
                .expect("a valid template")
                .progress_chars("=> "),
        );
        let mut sizes: HashMap<String, (u64, u64)> = HashMap::new();
        let options =
            bollard::query_parameters::CreateImageOptions { from_image: Some(image.clone()), ..Default::default() };
        let mut stream = docker.create_image(Some(options), None, None);
        let mut layers: HashMap<String, ProgressBar> = HashMap::new();
        let style = ProgressStyle::with_template("  {prefix} {bar:30} {bytes}/{total_bytes} {msg}")
            .expect("a valid template")
            .progress_chars("=> ");
        let mut failure = None;
        while let Some(event) = stream.next().await {
            match event {
                Ok(info) => {
                    if let Some(message) = info.error_detail.and_then(|d| d.message) {
                        failure = Some(message);
                        break;
                    }
                    let (Some(id), Some(detail)) = (info.id, info.progress_detail) else { continue };
                    let bar = layers.entry(id.clone()).or_insert_with(|| {
                        let b = bars.add(ProgressBar::new(0).with_style(style.clone()).with_prefix(id.clone()));
                        b.set_message(info.status.clone().unwrap_or_default());
                        b
                    });
                    let size = sizes.entry(id).or_default();
                    if let Some(t) = detail.total.filter(|t| *t > 0) {
                        bar.set_length(t as u64);
                        size.1 = t as u64;
                    }
                    if let Some(c) = detail.current {
                        bar.set_position(c as u64);
                        size.0 = c as u64;
                    }
                    total.set_length(sizes.values().map(|s| s.1).sum());
                    total.set_position(sizes.values().map(|s| s.0.min(s.1)).sum());
                    bar.set_message(info.status.unwrap_or_default());
                }
                Err(bollard::errors::Error::DockerResponseServerError { message, .. }) => {
                    failure = Some(message);
                    break;
                }
                Err(e) => return Err(engine.classify(e)),
            }
        }
        for bar in layers.values() {
            bar.finish_and_clear();
        }
        total.finish_and_clear();
        let result = match failure {
            Some(why) => Prepared::Failed(explain_pull_failure(&why)),
            None => match docker.inspect_image(image).await {
                Ok(i) => Prepared::Pulled(i.size.unwrap_or_default() as u64),
                Err(e) => Prepared::Failed(format!("pulled, but the engine cannot find it: {e}")),
            },
        };
        out.push((image.clone(), result));
    }
    Ok(out)
}

/// The engine's pull error, with what to do about the usual ones.
fn explain_pull_failure(why: &str) -> String {
    let lower = why.to_lowercase();
    if lower.contains("no such host")
        || lower.contains("dial tcp")
        || lower.contains("timeout")
        || lower.contains("i/o timeout")
    {
        format!(
            "the registry cannot be reached ({why}): check the network or proxy, or load the course's kit (`dockerlearn kit load FILE`)"
        )
    } else if lower.contains("manifest unknown") || lower.contains("not found") {
        format!("the registry has no such image or tag ({why}): check the name in the lesson")
    } else if lower.contains("schema 1") || lower.contains("schema version 1") {
        format!("the image is in a format this Docker no longer reads ({why})")
    } else if lower.contains("toomanyrequests") || lower.contains("rate limit") {
        format!("Docker Hub's download limit was reached ({why}): log in with `docker login`, or wait")
    } else {
        why.to_owned()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn images_of_lessons_are_listed_once() {
        let course = crate::course::load_from(None).unwrap();
        let all = course_images(&course, &[]);
        assert!(all.contains(&"nginx:alpine".to_owned()) && all.contains(&"busybox:latest".to_owned()), "{all:?}");
        assert_eq!(all.iter().filter(|i| i.starts_with("nginx")).count(), 1);
        let one = course_images(&course, &[course.find("hello-world").unwrap()]);
        assert_eq!(one, ["hello-world:latest"]);
    }

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

    #[test]
    fn pull_failures_say_what_to_do() {
        let e = explain_pull_failure(
            "Get \"https://registry-1.docker.io/v2/\": dial tcp: lookup registry-1.docker.io: no such host",
        );
        assert!(e.starts_with("the registry cannot be reached") && e.contains("kit load"), "{e}");
        assert!(explain_pull_failure("manifest unknown").contains("no such image or tag"));
    }
}
