//! The dispatcher: the command the user asked for, run with a context that loads what
//! it needs on demand (`commands::Ctx`). Each command lives in `commands/`.

use crate::cli::{Cli, Command};
use crate::commands::{self, Ctx, Refusal};
use std::process::ExitCode;

pub fn run(cli: Cli) -> anyhow::Result<ExitCode> {
    let ctx = Ctx::new(&cli);
    let default = Command::Start { lesson: None, join: None, name: None, ca: None };
    let ran = match cli.command.unwrap_or(default) {
        Command::Start { lesson, join, name, ca } => {
            commands::class::join_first(&ctx, join.as_deref(), name.as_deref(), ca.as_deref())
                .and_then(|()| commands::start::run(&ctx, lesson, false))
        }
        Command::Join { url, code, name, ca } => {
            commands::class::join(&ctx, &url, &code, name.as_deref(), ca.as_deref())
        }
        Command::Leave => commands::class::leave(&ctx),
        Command::Class { action } => commands::class::run(&ctx, action),
        Command::Sandbox => commands::start::run(&ctx, None, true),
        Command::List => commands::list::run(&ctx),
        Command::Show { lesson, solutions } => commands::show::run(&ctx, &lesson, solutions),
        Command::Check { target, json } => commands::check::run(&ctx, target.as_deref(), json),
        Command::Doctor { json } => commands::doctor::run(&ctx, json),
        Command::Prepare { only } => commands::prepare::run(&ctx, &only),
        Command::Kit { action } => commands::kit::run(&ctx, action),
        Command::Lint { dir } => commands::lint::run(&ctx, dir.as_deref()),
        Command::New { lesson, title, dir } => commands::new::run(&ctx, &lesson, title.as_deref(), dir.as_deref()),
        Command::Verify { dir, only, offline } => commands::verify::run(&ctx, dir.as_deref(), &only, offline),
        Command::Explain { command } => commands::explain::run(&ctx, &command),
        Command::Map { all } => commands::map::run(&ctx, all),
        Command::Clean { yes, dry_run } => commands::clean::run(&ctx, yes, dry_run),
    };
    match ran {
        Err(e) => match e.downcast::<Refusal>() {
            Ok(refusal) => {
                ctx.ui.error(&refusal.message);
                Ok(ExitCode::from(refusal.code))
            }
            Err(e) => Err(e),
        },
        ok => ok,
    }
}
