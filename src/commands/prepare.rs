//! `dockerlearn prepare [LESSON...]`: what must be downloaded and how much, then the
//! pulls, then which lessons can go ahead.

use super::{Ctx, EXIT_NOT_PASSED, lesson_indexes, runtime};
use crate::engine::registry;
use crate::prepare::Prepared;
use crate::reference::ImageRef;
use crate::ui::progress::human_bytes;
use std::process::ExitCode;

pub fn run(ctx: &Ctx, lessons: &[String]) -> anyhow::Result<ExitCode> {
    let course = ctx.course()?;
    let only = lesson_indexes(course, lessons)?;
    let images = crate::prepare::course_images(course, &only);
    let rt = runtime()?;
    let mut engine = ctx.engine_unscoped()?;
    let ui = &ctx.ui;
    // What must be downloaded, and how much, before anything is.
    let missing = rt.block_on(engine.missing_images(&images))?;
    if !missing.is_empty() {
        let (os, arch) = rt.block_on(engine.platform())?;
        let mut total = 0;
        let mut known = true;
        for image in &missing {
            match rt.block_on(registry::download_size(image, &os, &arch)) {
                Ok(size) => {
                    total += size;
                    ui.line(&format!("  to pull  {image} ({} to download)", human_bytes(size)));
                }
                Err(why) => {
                    known = false;
                    ui.line(&format!("  to pull  {image} (download size unknown: {why})"));
                }
            }
        }
        if known {
            ui.line(&format!("Downloading {} in all.", human_bytes(total)));
        }
    }
    let results = rt.block_on(crate::prepare::prepare(&mut engine, &images))?;
    let mut disk = 0;
    let mut failed = Vec::new();
    for (image, result) in &results {
        match result {
            Prepared::Present(size) => {
                disk += size;
                ui.line(&format!("  present  {image}"));
            }
            Prepared::Pulled(size) => {
                disk += size;
                ui.line(&format!("  pulled   {image} ({})", human_bytes(*size)));
            }
            Prepared::Failed(why) => {
                failed.push(image.clone());
                ui.line(&format!("  FAILED   {image}: {why}"));
            }
        }
    }
    ui.line(&format!("{} images, {} on disk.", results.len(), human_bytes(disk)));
    if failed.is_empty() {
        ui.line("Every lesson has its images.");
        return Ok(ExitCode::SUCCESS);
    }
    // Among the lessons asked for, those whose images are all there can go ahead.
    let ready: Vec<&str> = course
        .lessons
        .iter()
        .enumerate()
        .filter(|(i, _)| only.is_empty() || only.contains(i))
        .filter(|(_, l)| {
            !l.lesson.images.iter().any(|i| failed.iter().any(|f| ImageRef::parse(f).matches(&ImageRef::parse(i))))
        })
        .map(|(_, l)| l.lesson.id.as_str())
        .collect();
    if ready.is_empty() {
        ui.line("None of these lessons has all its images yet.");
    } else {
        ui.line(&format!("Lessons that have their images all the same: {}.", ready.join(", ")));
    }
    Ok(ExitCode::from(EXIT_NOT_PASSED))
}
