//! Judging a checkpoint against an observation. Pure: the same observation always gives
//! the same verdict, and every failure says what was expected, what was found instead,
//! and what to try. Each kind's own judgement lives in `kinds/`.

use super::{Check, Checkpoint, Observation, Outcome, Status, Verdict};

/// Evaluates every assertion of a checkpoint.
pub fn eval(checkpoint: &Checkpoint, obs: &Observation) -> Verdict {
    let engine_reached = obs.engine.is_ok();
    let outcomes = checkpoint
        .assertions
        .iter()
        .enumerate()
        .map(|(index, a)| {
            let rule = a.check.rule();
            let (status, found, reason) = match &obs.engine {
                // Without an engine only the engine kind can be judged (it fails).
                Err(why) if a.check.kind() != super::Kind::Engine => (Status::Unknown, why.clone(), None),
                _ => {
                    let f = rule.judge(index, obs);
                    let reason = (!f.pass).then_some(f.reason);
                    (if f.pass { Status::Pass } else { Status::Fail }, f.found, reason)
                }
            };
            // The hint for this way of failing, else the assertion's own.
            let hint = reason.and_then(|r| a.hints.get(r)).map(str::to_owned).or_else(|| a.hint.clone());
            Outcome { kind: a.check.kind(), status, expected: rule.describe(), found, reason, hint }
        })
        .collect();
    Verdict { outcomes, engine_reached }
}

/// Whether a failed verdict may yet pass by itself: it fails only on what a container
/// printed, and that container is running (a server just started prints a moment
/// after `docker run -d` returns). Looking again a little later is then worth it.
pub fn awaits_output(checkpoint: &Checkpoint, obs: &Observation, verdict: &Verdict) -> bool {
    verdict.engine_reached
        && !verdict.passed()
        && checkpoint
            .assertions
            .iter()
            .zip(&verdict.outcomes)
            .filter(|(_, o)| o.status != Status::Pass)
            .all(|(a, _)| matches!(&a.check, Check::Output(c) if c.still_printing(obs)))
}

#[cfg(test)]
mod tests;
