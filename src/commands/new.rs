//! `dockerlearn new LESSON`: a new lesson that lints clean, added to the course.

use super::Ctx;
use crate::course;
use std::path::Path;
use std::process::ExitCode;

pub fn run(ctx: &Ctx, id: &str, title: Option<&str>, dir: Option<&Path>) -> anyhow::Result<ExitCode> {
    let dir = ctx.new_lesson_dir(dir);
    let created = crate::scaffold::new_lesson(&dir, id, title)?;
    if created.manifest_created {
        ctx.ui.line(&format!("Started a course in {}", dir.join(course::MANIFEST).display()));
    }
    ctx.ui.line(&format!("Wrote {}\nWrote {}", created.lesson.display(), created.checks.display()));
    ctx.ui.line(&format!(
        "Next: edit them, then `dockerlearn lint {0}` and `dockerlearn verify {0} --lesson {id}`; try it with `dockerlearn --lessons {0} start {id}`.",
        dir.display()
    ));
    Ok(ExitCode::SUCCESS)
}
