//! `dockerlearn clean`: removes exactly what the learner made from dockerlearn's
//! prompt, as recorded while they made it; never what existed before.

use super::{Ctx, EXIT_NOT_PASSED, runtime};
use crate::clean::{Ledger, plan, render_plan};
use crate::engine::Scope;
use crate::engine::remove::Removed;
use anyhow::Context as _;
use std::process::ExitCode;

pub fn run(ctx: &Ctx, yes: bool, dry_run: bool) -> anyhow::Result<ExitCode> {
    let ledger = Ledger::in_dir(ctx.store()?.dir());
    let records = ledger.load().with_context(|| format!("reading {}", ledger.path().display()))?;
    let rt = runtime()?;
    let mut engine = ctx.engine_unscoped()?;
    let everything = Scope::everything();
    let todo = plan(&records, &rt.block_on(engine.inventory(&everything))?);
    ctx.ui.line(&render_plan(&todo));
    if todo.is_empty() {
        return Ok(ExitCode::SUCCESS);
    }
    if dry_run {
        ctx.ui.line("Dry run: nothing removed. Run `dockerlearn clean` to remove them.");
        return Ok(ExitCode::SUCCESS);
    }
    if !yes && !ctx.ui.ask("Remove them?") {
        ctx.ui.line("Nothing removed. (In scripts, pass --yes.)");
        return Ok(ExitCode::SUCCESS);
    }
    let mut removed = 0;
    for r in &todo {
        match rt.block_on(engine.remove_object(r.kind, &r.target))? {
            Removed::Done | Removed::Gone => removed += 1,
            Removed::Refused(why) => ctx.ui.error(&format!("could not remove {} {}: {why}", r.kind.word(), r.shown)),
        }
    }
    // Keep the records of what is still there, so a later clean can try again.
    let now = rt.block_on(engine.inventory(&everything))?;
    let left: Vec<_> = records.into_iter().filter(|r| !plan(std::slice::from_ref(r), &now).is_empty()).collect();
    ledger.replace(&left).with_context(|| format!("writing {}", ledger.path().display()))?;
    ctx.ui.line(&format!("Removed {removed} of {}.", todo.len()));
    Ok(if removed == todo.len() { ExitCode::SUCCESS } else { ExitCode::from(EXIT_NOT_PASSED) })
}
