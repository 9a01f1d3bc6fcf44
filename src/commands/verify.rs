//! `dockerlearn verify [DIR]`: every checkpoint fails before its step and passes after
//! the step's solution, against the engine.

use super::{Ctx, EXIT_NOT_PASSED, EXIT_USAGE, lesson_indexes, refuse};
use crate::course;
use anyhow::Context as _;
use std::path::Path;
use std::process::ExitCode;

pub fn run(ctx: &Ctx, dir: Option<&Path>, only: &[String], offline: bool) -> anyhow::Result<ExitCode> {
    let dir = ctx.authoring_dir(dir);
    let course = course::load_from(dir.as_deref()).map_err(|problems| {
        refuse(
            EXIT_USAGE,
            format!("{problems}\ndockerlearn: fix these problems first (`dockerlearn lint` lists them)."),
        )
    })?;
    let indexes = lesson_indexes(&course, only)?;
    // Multi-thread: the live event stream of a step keeps running while a solution's
    // command runs (it inspects the containers `--rm` removes again at once).
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .context("could not start the async runtime")?;
    let endpoint = ctx.endpoint()?.clone();
    let verifier = crate::verify::Verifier { course: &course, endpoint, rt: &rt, offline };
    let on_lesson = |start: &crate::verify::LessonStart| {
        if let Some(notice) = start.notice() {
            ctx.ui.line(&notice);
        }
    };
    let reports = verifier
        .run(&indexes, on_lesson, |r| {
            let mark = if r.ok() { "ok  " } else { "FAIL" };
            ctx.ui.line(&format!("{mark} {}/{} ({} ms)", r.lesson, r.step, r.elapsed.as_millis()));
        })
        .map_err(|e| match e.downcast::<crate::verify::names::Taken>() {
            Ok(taken) => refuse(EXIT_NOT_PASSED, format!("dockerlearn: {taken}")),
            Err(e) => e,
        })?;
    ctx.ui.line("");
    ctx.ui.line(&crate::verify::table(&reports));
    Ok(if reports.iter().all(|r| r.ok()) { ExitCode::SUCCESS } else { ExitCode::from(EXIT_NOT_PASSED) })
}
