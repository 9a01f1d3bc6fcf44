//! `dockerlearn show LESSON`: a whole lesson, to read or hand out.

use super::{Ctx, lesson_index};
use std::process::ExitCode;

pub fn run(ctx: &Ctx, lesson: &str, solutions: bool) -> anyhow::Result<ExitCode> {
    let course = ctx.course()?;
    let index = lesson_index(course, lesson)?;
    ctx.ui.show_lesson(course, index, solutions);
    Ok(ExitCode::SUCCESS)
}
