//! What a learner reads when a shipped checkpoint fails on an engine that has nothing
//! yet (every assertion's expectation, what was found instead, and its hint), as
//! snapshots: a change to a checkpoint's wording shows up as a reviewed diff.

use dockerlearn::check::{self, EngineInfo, Observation};
use dockerlearn::{course, ui};

#[test]
fn verdicts_on_an_empty_engine_read_as_snapshotted() {
    let course = course::load_from(None).unwrap_or_else(|d| panic!("{d}"));
    let engine = EngineInfo {
        product: "Docker".into(),
        version: "28.2.2".into(),
        api_version: "1.50".into(),
        os: "linux".into(),
        endpoint: "unix:///var/run/docker.sock".into(),
        endpoint_source: "the default".into(),
    };
    for cl in &course.lessons {
        let mut text = String::new();
        for (i, step) in cl.lesson.steps.iter().enumerate() {
            let Some(cp) = cl.checkpoint(i) else { continue };
            // What the engine reports when there is nothing: no container to look in,
            // and helpers that find nothing to reach.
            let mut empty = Observation::empty(Ok(engine.clone()));
            let needs = cp.needs();
            for (index, _, _) in &needs.probes {
                empty.probes.insert(*index, check::ProbeResult::NoMatch);
            }
            for (index, _) in &needs.helpers {
                empty.probes.insert(*index, check::ProbeResult::Helper { exit_code: 1, output: String::new() });
            }
            text.push_str(&format!("## {}\n{}\n\n", step.id, ui::render_verdict(&check::eval(cp, &empty))));
        }
        insta::assert_snapshot!(format!("verdicts-{}", cl.lesson.id), text);
    }
}

#[test]
fn every_checked_step_has_a_solution_and_hints() {
    let course = course::load_from(None).unwrap();
    for cl in &course.lessons {
        for s in cl.lesson.steps.iter().filter(|s| !s.reading_only) {
            let sol = s.solution.as_ref().unwrap_or_else(|| panic!("{}/{} has no solution", cl.lesson.id, s.id));
            assert!(!sol.commands.is_empty(), "{}/{}: the solution runs nothing", cl.lesson.id, s.id);
            assert!(!s.hints.is_empty(), "{}/{} has no hint", cl.lesson.id, s.id);
        }
    }
}
