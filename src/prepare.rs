//! `dockerlearn prepare`: pulls the images the chosen lessons need, before class, with
//! a progress bar per layer (drawn by `ui::progress`); skips what is present; says per
//! image what went wrong. The engine does the pulling (`engine::registry`).
//! Also the one place that knows which images a set of lessons needs.

use crate::course::Course;
use crate::engine::{Engine, EngineError};
use crate::reference::ImageRef;
use crate::ui::progress::Pull;

/// The images the lessons at `only` (all when empty) list in their front matter.
pub fn course_images(course: &Course, only: &[usize]) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for (i, cl) in course.lessons.iter().enumerate() {
        if !only.is_empty() && !only.contains(&i) {
            continue;
        }
        for image in cl.lesson.images.iter().filter(|i| !crate::lint::is_reserved(i)) {
            let r = ImageRef::parse(image);
            if !out.iter().any(|o| ImageRef::parse(o).matches(&r)) {
                out.push(r.familiar());
            }
        }
    }
    out
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Prepared {
    /// Already on the engine: size on disk.
    Present(u64),
    /// Pulled now: size on disk.
    Pulled(u64),
    Failed(String),
}

/// Pulls what is missing among `images`, with a progress bar per layer. Never stops at
/// the first failure; fails only when the engine cannot be used at all.
pub async fn prepare(engine: &mut Engine, images: &[String]) -> Result<Vec<(String, Prepared)>, EngineError> {
    let mut out = Vec::new();
    for image in images {
        if let Some(size) = engine.image_size(image).await? {
            out.push((image.clone(), Prepared::Present(size)));
            continue;
        }
        let mut bars = Pull::new(image);
        let pulled = engine.pull(image, |p| bars.layer(p)).await;
        bars.finish();
        let result = match pulled? {
            Err(why) => Prepared::Failed(explain_pull_failure(&why)),
            Ok(()) => match engine.image_size(image).await {
                Ok(Some(size)) => Prepared::Pulled(size),
                Ok(None) => Prepared::Failed("pulled, but the engine cannot find it".to_owned()),
                Err(e) => Prepared::Failed(format!("pulled, but the engine cannot find it: {}", e.summary())),
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
    fn pull_failures_say_what_to_do() {
        let e = explain_pull_failure(
            "Get \"https://registry-1.docker.io/v2/\": dial tcp: lookup registry-1.docker.io: no such host",
        );
        assert!(e.starts_with("the registry cannot be reached") && e.contains("kit load"), "{e}");
        assert!(explain_pull_failure("manifest unknown").contains("no such image or tag"));
    }
}
