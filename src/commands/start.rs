//! `dockerlearn start [LESSON]` and `dockerlearn sandbox`: the interactive prompt.

use super::{Ctx, lesson_index};
use crate::repl::{Parts, Repl};
use crate::sandbox::Sandbox;
use anyhow::Context as _;
use std::process::ExitCode;

/// The prompt, at the lesson (or where the learner left off), or in the sandbox first.
pub fn run(ctx: &Ctx, lesson: Option<String>, sandbox_first: bool) -> anyhow::Result<ExitCode> {
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
    let knowledge = crate::explain::Knowledge::load(ctx.lessons_dir())?;
    let sandbox = Sandbox::new(store.dir(), knowledge);
    let repl = Repl::new(course, progress, Parts { engine, engine_name, store, sandbox }, &ctx.ui, &rt);
    if sandbox_first {
        repl.run_sandbox()?
    } else {
        repl.run(lesson)?
    };
    Ok(ExitCode::SUCCESS)
}
