//! `dockerlearn map`: the learner's containers, networks, volumes and ports, drawn;
//! `--all`: every container's.

use super::{Ctx, EXIT_ENGINE, refuse, runtime};
use std::process::ExitCode;

/// Yours (made from dockerlearn's prompt), or with `all` every container.
pub fn run(ctx: &Ctx, all: bool) -> anyhow::Result<ExitCode> {
    let mut engine = ctx.engine()?;
    let snapshot = runtime()?
        .block_on(engine.inventory(ctx.scope()))
        .map_err(|e| refuse(EXIT_ENGINE, format!("dockerlearn: {e}")))?;
    let drawn = if all {
        crate::map::render(&snapshot, ctx.ui.coloured())
    } else {
        let own = crate::clean::Ledger::in_dir(ctx.store()?.dir()).containers()?;
        crate::map::render_own(&snapshot, &own, "dockerlearn map --all", ctx.ui.coloured())
    };
    ctx.ui.drawing(&drawn);
    Ok(ExitCode::SUCCESS)
}
