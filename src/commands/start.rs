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
    let mut engine = ctx.engine()?;
    let engine_name = format!("the Docker engine at {}", ctx.endpoint()?.host);
    let store = ctx.store()?.clone();
    let knowledge = crate::explain::Knowledge::load(ctx.lessons_dir())?;
    let mut sandbox = Sandbox::new(store.dir(), knowledge);
    let recording = {
        let _in_runtime = rt.enter();
        sandbox.record(ctx.endpoint()?)
    };
    if let Err(why) = recording {
        ctx.ui.notice(&why.to_string());
    }
    if let Some(witness) = sandbox.witness() {
        // Checks judge the containers and execs of the learner's commands by what it saw.
        engine.witnessed_by(witness);
    }
    if let Some(machine) = engine.machine() {
        ctx.ui.notice(&crate::engine::remote::machine_notice(&machine));
    }
    let class = class_link(ctx, store.dir());
    let repl = Repl::new(course, progress, Parts { class, engine, engine_name, store, sandbox }, &ctx.ui, &rt);
    if sandbox_first {
        repl.run_sandbox()?
    } else {
        repl.run(lesson)?
    };
    Ok(ExitCode::SUCCESS)
}

/// The link to the class the learner joined, if any. A broken outbox is said and the
/// prompt goes on without the class.
fn class_link(ctx: &Ctx, dir: &std::path::Path) -> Option<crate::class::learner::Link> {
    let linked = crate::class::learner::Outbox::existing(dir).and_then(|outbox| {
        let Some(m) = outbox.and_then(|o| o.membership().transpose()).transpose()? else { return Ok(None) };
        crate::class::learner::Link::start(dir, m).map(Some)
    });
    linked.unwrap_or_else(|e| {
        ctx.ui.error(&format!("dockerlearn: the class cannot be reached from here: {e:#}"));
        None
    })
}
