//! `dockerlearn kit save|load FILE`: wires the arguments to `crate::kit` and its
//! progress to a bar.

use super::{Ctx, EXIT_NOT_PASSED, lesson_indexes, runtime};
use crate::cli::KitAction;
use crate::ui::progress::{Transfer, human_bytes};
use std::process::ExitCode;

pub fn run(ctx: &Ctx, action: KitAction) -> anyhow::Result<ExitCode> {
    let course = ctx.course()?;
    let ui = &ctx.ui;
    let rt = runtime()?;
    let mut engine = ctx.engine_unscoped()?;
    match action {
        KitAction::Save { file, only } => {
            let only = lesson_indexes(course, &only)?;
            let images = crate::prepare::course_images(course, &only);
            let bar = Transfer::new("saving");
            let saved = rt.block_on(crate::kit::save(&mut engine, &course.id, &images, &file, |n| bar.position(n)));
            bar.finish();
            let saved = match saved {
                Ok(s) => s,
                Err(e) => {
                    ui.error(&format!("dockerlearn: {e}"));
                    return Ok(ExitCode::from(EXIT_NOT_PASSED));
                }
            };
            for i in &saved.manifest.images {
                ui.line(&format!("  {}", i.reference));
            }
            ui.line(&format!(
                "Wrote {} ({}, {} images). On each machine: `dockerlearn kit load {}`.",
                file.display(),
                human_bytes(saved.file_bytes),
                saved.manifest.images.len(),
                file.display()
            ));
            Ok(ExitCode::SUCCESS)
        }
        KitAction::Load { file } => {
            let bar = Transfer::new("loading");
            let loaded =
                rt.block_on(crate::kit::load(&mut engine, &file, |phase, done, total| bar.update(phase, done, total)));
            bar.finish();
            match loaded {
                Ok(manifest) => {
                    for i in &manifest.images {
                        ui.line(&format!("  loaded  {}", i.reference));
                    }
                    ui.line(&format!(
                        "The kit is whole and its {} images are on the engine: the course is ready (`dockerlearn start`).",
                        manifest.images.len()
                    ));
                    Ok(ExitCode::SUCCESS)
                }
                Err(e) => {
                    ui.error(&format!("dockerlearn: {e}"));
                    Ok(ExitCode::from(EXIT_NOT_PASSED))
                }
            }
        }
    }
}
