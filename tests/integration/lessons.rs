//! The parsed form of every shipped lesson and checks file, as snapshots: a change to a
//! lesson shows up as a reviewed diff.

use dockerlearn::course;

#[test]
fn shipped_lessons_parse_as_snapshotted() {
    let course = course::load_from(None).unwrap_or_else(|d| panic!("{d}"));
    for cl in &course.lessons {
        insta::assert_yaml_snapshot!(format!("lesson-{}", cl.lesson.id), cl.lesson);
        insta::assert_yaml_snapshot!(format!("checks-{}", cl.lesson.id), cl.checks.checkpoints);
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
