//! What `verify` does before each lesson: it says which of the lesson's images the
//! engine lacks (so a failed pull further down has its cause up front), and it removes
//! what earlier lessons' solutions made, so one lesson's names and ports do not collide
//! with the next's. A lesson whose front matter says `continues: true` keeps them.

use crate::course::CourseLesson;
use crate::engine::Engine;
use std::path::Path;
use tokio::runtime::Runtime;

/// What verify found before a lesson's first step.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LessonStart {
    pub lesson: String,
    /// The lesson's front-matter images the engine does not have.
    pub missing: Vec<String>,
}

impl LessonStart {
    /// The line shown before the lesson's steps; `None` when nothing is missing.
    pub fn notice(&self) -> Option<String> {
        (!self.missing.is_empty()).then(|| {
            format!(
                "Lesson `{}` needs images the engine does not have: {}. Its steps that use them will fail; run `dockerlearn prepare {}` (or load the course's kit) first.",
                self.lesson,
                self.missing.join(", "),
                self.lesson
            )
        })
    }
}

/// The lesson's listed images the engine lacks. An engine that does not answer is
/// reported by the steps themselves, so it lists nothing here.
pub(super) fn look(rt: &Runtime, engine: &mut Engine, cl: &CourseLesson) -> LessonStart {
    let images: Vec<String> = cl.lesson.images.iter().filter(|i| !crate::lint::is_reserved(i)).cloned().collect();
    let missing =
        if images.is_empty() { Vec::new() } else { rt.block_on(engine.missing_images(&images)).unwrap_or_default() };
    LessonStart { lesson: cl.lesson.id.clone(), missing }
}

/// Removes what the run's solutions made so far: labelled containers (with their
/// anonymous volumes), networks and volumes, the run's Compose project, the images
/// carrying the run's label (their tags first), then what the builds in `builds_log`
/// made without the label (intermediate containers, builder stages). Images that
/// existed before are not the run's and stay. Best effort: what cannot be removed now
/// is tried again later.
pub(super) fn remove_made(rt: &Runtime, engine: &mut Engine, label: &str, project: &str, builds_log: &Path) {
    let _ = rt.block_on(engine.remove_scoped());
    let _ = rt.block_on(engine.remove_labelled(&format!("com.docker.compose.project={project}")));
    if let Ok(ours) = rt.block_on(engine.labelled_image_tags(label)) {
        for (id, tags) in ours {
            for tag in &tags {
                let _ = rt.block_on(engine.untag(tag));
            }
            let _ = rt.block_on(engine.untag(&id));
        }
    }
    if let Ok(output) = std::fs::read_to_string(builds_log) {
        super::builds::remove(rt, engine, &super::builds::made_by(&output));
    }
}

/// Copies the lesson's starter files (`files/LESSON/`) into the step's working folder,
/// as the REPL does when a step begins; what a solution changed is kept.
pub(super) fn starter_files(
    course: &crate::course::Course,
    cl: &CourseLesson,
    work: &std::path::Path,
) -> Result<(), String> {
    let Some(from) = crate::starter::source(course, &cl.lesson.id) else { return Ok(()) };
    crate::starter::copy(&from, work)
        .map(|_| ())
        .map_err(|e| format!("the starter files in {} could not be copied: {e}", from.display()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_notice_names_the_missing_images_and_what_to_run() {
        let none = LessonStart { lesson: "web".into(), missing: vec![] };
        assert_eq!(none.notice(), None);
        let some = LessonStart { lesson: "web".into(), missing: vec!["nginx:1.27".into(), "redis:7".into()] };
        let notice = some.notice().unwrap();
        assert!(notice.contains("nginx:1.27, redis:7"), "{notice}");
        assert!(notice.contains("`dockerlearn prepare web`") && notice.contains("kit"), "{notice}");
    }
}
