//! `dockerlearn start [LESSON]`: the interactive prompt.

use super::{Ctx, lesson_index};
use crate::repl::Repl;
use anyhow::Context as _;
use std::process::ExitCode;

pub fn run(ctx: &Ctx, lesson: Option<String>) -> anyhow::Result<ExitCode> {
    let course = ctx.course()?;
    if let Some(name) = &lesson {
        lesson_index(course, name)?;
    }
    let progress = ctx.progress()?;
    // One worker thread keeps a step's event stream read while the prompt waits.
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .context("could not start the async runtime")?;
    let engine = ctx.engine()?;
    let engine_name = format!("the Docker engine at {}", ctx.endpoint()?.host);
    let store = ctx.store()?.clone();
    Repl::new(course, progress, engine, engine_name, store, &ctx.ui, &rt).run(lesson)?;
    Ok(ExitCode::SUCCESS)
}
