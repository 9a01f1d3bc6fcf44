//! `dockerlearn list`: the lessons and how far the learner is in each.

use super::Ctx;
use crate::ui;
use std::process::ExitCode;

pub fn run(ctx: &Ctx) -> anyhow::Result<ExitCode> {
    let course = ctx.course()?;
    let progress = ctx.progress()?;
    ctx.ui.line(&format!("{} ({} lessons, {})", course.title, course.lessons.len(), course.origin));
    ctx.ui.line(&ui::lesson_table(course, &progress, None));
    Ok(ExitCode::SUCCESS)
}
