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
    let observation = runtime()?.block_on(engine.observe(&checkpoint.needs(), since, &check::Place::at(&workdir)));
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
    report_to_class(ctx, store.dir(), crate::class::protocol::StepRef::new(&cl.lesson.id, &step.id), &verdict);
    if let Err(e) = recorded {
        ctx.ui.error(&format!(
            "dockerlearn: the step passed, but the pass could not be recorded: {e}\nFix that (or pass --data-dir DIR) and run the check again."
        ));
        return Ok(ExitCode::from(EXIT_NOT_RECORDED));
    }
    Ok(verdict.exit_code())
}

/// In a class, the attempt goes to the outbox and one quick try is made to send it; a
/// server that does not answer at once gets it with the next report.
fn report_to_class(ctx: &Ctx, dir: &std::path::Path, step: crate::class::protocol::StepRef, verdict: &check::Verdict) {
    use crate::class::learner;
    let Ok(Some(outbox)) = learner::Outbox::existing(dir) else { return };
    let Ok(Some(m)) = outbox.membership() else { return };
    let event = learner::attempt(step, verdict);
    if let Err(e) = outbox.push(&event, progress::now() / 1_000_000) {
        ctx.ui.error(&format!("dockerlearn: the report for your class could not be kept: {e:#}"));
        return;
    }
    let sent = learner::client(&m).and_then(|c| {
        let c = c.with_timeout(std::time::Duration::from_secs(1));
        Ok(runtime()?.block_on(learner::flush(&c, &outbox))?)
    });
    if let Err(e) = sent {
        ctx.ui.error(&format!(
            "Class: not sent yet ({e:#}); {} report(s) wait and go with the next one.",
            outbox.waiting().unwrap_or(0)
        ));
    }
}
