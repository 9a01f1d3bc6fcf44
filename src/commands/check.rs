//! `dockerlearn check [LESSON[/STEP]]`: one step judged against the engine, for scripts
//! and second terminals; a pass is recorded in the progress file.

use super::{Ctx, EXIT_NOT_RECORDED, EXIT_USAGE, refuse, runtime, target};
use crate::check;
use crate::progress;
use crate::ui::CheckReport;
use std::process::ExitCode;

pub fn run(ctx: &Ctx, target: Option<&str>, json: bool) -> anyhow::Result<ExitCode> {
    let course = ctx.course()?;
    let store = ctx.store()?;
    let progress = ctx.progress()?;
    let at = target::resolve(course, &progress, target).map_err(|m| refuse(EXIT_USAGE, format!("dockerlearn: {m}")))?;
    let cl = &course.lessons[at.lesson];
    let step = &cl.lesson.steps[at.step];
    let Some(checkpoint) = cl.checkpoint(at.step) else {
        ctx.ui.line(&format!("{}/{} is a reading step: there is nothing to check.", cl.lesson.id, step.id));
        return Ok(ExitCode::SUCCESS);
    };
    let now = progress::now();
    // Events count from when the step began; a step never begun looks back one hour.
    let since = progress.started(&cl.lesson.id, &step.id).unwrap_or(now - 3_600_000_000_000);
    let mut engine = ctx.engine()?;
    let workdir = std::env::current_dir().unwrap_or_default();
    let observation = runtime()?.block_on(engine.observe(&checkpoint.needs(), since, &workdir));
    let verdict = check::eval(checkpoint, &observation);
    let mut recorded = Ok(());
    if verdict.passed() {
        let (lesson, step_id) = (cl.lesson.id.clone(), step.id.clone());
        recorded = store
            .update(&course.id, |c| {
                let l = c.lesson_mut(&lesson);
                l.passed.insert(step_id.clone());
                l.skipped.remove(&step_id);
            })
            .map(drop);
    }
    let report = CheckReport {
        course: &course.id,
        lesson: &cl.lesson.id,
        step: &step.id,
        passed: verdict.passed(),
        outcomes: &verdict.outcomes,
    };
    ctx.ui.check_result(&report, &step.title, json)?;
    if let Err(e) = recorded {
        ctx.ui.error(&format!(
            "dockerlearn: the step passed, but the pass could not be recorded: {e}\nFix that (or pass --data-dir DIR) and run the check again."
        ));
        return Ok(ExitCode::from(EXIT_NOT_RECORDED));
    }
    Ok(verdict.exit_code())
}
