//! `dockerlearn map`: the learner's containers, networks, volumes and ports, drawn.

use super::{Ctx, EXIT_ENGINE, refuse, runtime};
use std::process::ExitCode;

pub fn run(ctx: &Ctx) -> anyhow::Result<ExitCode> {
    let mut engine = ctx.engine()?;
    let snapshot = runtime()?
        .block_on(engine.inventory(ctx.scope()))
        .map_err(|e| refuse(EXIT_ENGINE, format!("dockerlearn: {e}")))?;
    ctx.ui.drawing(&crate::map::render(&snapshot, ctx.ui.coloured()));
    Ok(ExitCode::SUCCESS)
}
