//! `dockerlearn doctor`: the report of what would stop the course on this machine.

use super::{Ctx, EXIT_NOT_PASSED, runtime};
use crate::engine::context;
use std::process::ExitCode;

pub fn run(ctx: &Ctx, json: bool) -> anyhow::Result<ExitCode> {
    let course = ctx.course()?;
    let report = runtime()?.block_on(crate::doctor::diagnose(context::resolve_from_environment(), course));
    if json {
        ctx.ui.line(&serde_json::to_string_pretty(&report)?);
    } else {
        ctx.ui.line(&crate::doctor::render(&report));
    }
    Ok(if report.ready() { ExitCode::SUCCESS } else { ExitCode::from(EXIT_NOT_PASSED) })
}
