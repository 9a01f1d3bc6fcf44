//! `dockerlearn lint [DIR]`: a course's problems, without an engine.

use super::{Ctx, EXIT_NOT_PASSED};
use crate::course;
use std::path::Path;
use std::process::ExitCode;

pub fn run(ctx: &Ctx, dir: Option<&Path>) -> anyhow::Result<ExitCode> {
    let dir = ctx.authoring_dir(dir);
    let (problems, what) = match &dir {
        Some(d) => (crate::lint::lint(d), d.display().to_string()),
        None => match course::load_from(None) {
            Ok(c) => (crate::lint::lint_course(&c), "the built-in course".to_owned()),
            Err(p) => (p, "the built-in course".to_owned()),
        },
    };
    for p in problems.iter() {
        ctx.ui.line(&p.to_string());
    }
    if problems.is_empty() {
        ctx.ui.line(&format!("{what}: no problems found"));
        Ok(ExitCode::SUCCESS)
    } else {
        ctx.ui.error(&format!("{what}: {} problem(s)", problems.len()));
        Ok(ExitCode::from(EXIT_NOT_PASSED))
    }
}
