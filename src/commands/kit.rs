//! `dockerlearn kit keygen|save|load FILE`: wires the arguments to `crate::kit` and its
//! progress to a bar.

use super::{Ctx, EXIT_NOT_PASSED, lesson_indexes, runtime};
use crate::cli::KitAction;
use crate::kit::{KitError, Tagged};
use crate::ui::progress::{Transfer, human_bytes};
use std::process::ExitCode;

pub fn run(ctx: &Ctx, action: KitAction) -> anyhow::Result<ExitCode> {
    let ui = &ctx.ui;
    let failed = |e: KitError| {
        ui.error(&format!("dockerlearn: {e}"));
        Ok(ExitCode::from(EXIT_NOT_PASSED))
    };
    match action {
        KitAction::Keygen { file } => match crate::kit::keygen(&file) {
            Ok((public_path, public)) => {
                ui.line(&format!(
                    "Wrote {} (secret: keep it to yourself) and {} (public key {public}).\nSign kits with `dockerlearn kit save KIT --sign {}`; learners load them with `dockerlearn kit load KIT --trust {public}`.",
                    file.display(),
                    public_path.display(),
                    file.display()
                ));
                Ok(ExitCode::SUCCESS)
            }
            Err(e) => failed(e),
        },
        KitAction::Save { file, only, sign } => {
            let course = ctx.course()?;
            let only = lesson_indexes(course, &only)?;
            let signer = match sign.as_deref().map(crate::kit::sign::signing_key).transpose() {
                Ok(s) => s,
                Err(e) => return failed(e.into()),
            };
            let images = crate::prepare::course_images(course, &only);
            let (rt, mut engine) = (runtime()?, ctx.engine_unscoped()?);
            let bar = Transfer::new("saving");
            let saved = rt.block_on(crate::kit::save(&mut engine, &course.id, &images, &file, signer.as_ref(), |n| {
                bar.position(n)
            }));
            bar.finish();
            let saved = match saved {
                Ok(s) => s,
                Err(e) => return failed(e),
            };
            for i in &saved.manifest.images {
                ui.line(&format!("  {}", i.reference));
            }
            let trust = signer
                .as_ref()
                .map_or(String::new(), |k| format!(" --trust {}", hex::encode(k.verifying_key().as_bytes())));
            ui.line(&format!(
                "Wrote {} ({}, {} images{}). On each machine: `dockerlearn kit load {}{trust}`.",
                file.display(),
                human_bytes(saved.file_bytes),
                saved.manifest.images.len(),
                if signer.is_some() { ", signed" } else { "" },
                file.display()
            ));
            Ok(ExitCode::SUCCESS)
        }
        KitAction::Load { file, trust, force } => {
            let trust = match trust.as_deref().map(crate::kit::sign::trusted_key).transpose() {
                Ok(t) => t,
                Err(e) => return failed(e.into()),
            };
            let options = crate::kit::LoadOptions { trust, force };
            let (rt, mut engine) = (runtime()?, ctx.engine_unscoped()?);
            let bar = Transfer::new("loading");
            let loaded = rt.block_on(crate::kit::load(&mut engine, &file, &options, |phase, done, total| {
                bar.update(phase, done, total)
            }));
            bar.finish();
            let loaded = match loaded {
                Ok(l) => l,
                Err(e) => return failed(e),
            };
            let mut left_alone = Vec::new();
            for (reference, tagged) in &loaded.tags {
                match tagged {
                    Tagged::Set | Tagged::Already => ui.line(&format!("  loaded  {reference}")),
                    Tagged::NotATag => ui.line(&format!("  loaded  {reference} (by its digest)")),
                    Tagged::Moved(from) => ui.line(&format!("  loaded  {reference} (the tag named {from} before)")),
                    Tagged::LeftAlone(other) => {
                        ui.line(&format!("  kept    {reference}: the tag names another image ({other}), left alone"));
                        left_alone.push(reference.as_str());
                    }
                }
            }
            if left_alone.is_empty() {
                ui.line(&format!(
                    "The kit is whole and its {} images are on the engine: the course is ready (`dockerlearn start`).",
                    loaded.manifest.images.len()
                ));
                return Ok(ExitCode::SUCCESS);
            }
            ui.error(&format!(
                "dockerlearn: the kit's images are loaded, but these tags already name other images and were left alone: {}.\nTo point them at the kit's images, run `dockerlearn kit load {} --force`.",
                left_alone.join(", "),
                file.display()
            ));
            Ok(ExitCode::from(EXIT_NOT_PASSED))
        }
    }
}
