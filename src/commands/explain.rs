//! `dockerlearn explain COMMAND`: a docker command broken into its parts, in plain words.

use super::Ctx;
use std::process::ExitCode;

pub fn run(ctx: &Ctx, command: &[String]) -> anyhow::Result<ExitCode> {
    let knowledge = crate::explain::Knowledge::load(ctx.lessons_dir())?;
    // One argument is the whole line; several were split by the shell: rejoin them.
    let line = match command {
        [one] => one.clone(),
        words => crate::explain::shell_join(words),
    };
    ctx.ui.line(crate::explain::render_with(&knowledge, &line).trim_end());
    Ok(ExitCode::SUCCESS)
}
