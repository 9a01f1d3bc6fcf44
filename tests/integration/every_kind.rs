//! The test course `tests/courses/every-kind`: its checkpoints use every kind of
//! assertion (the program's own list) and most of their fields, it lints clean, and
//! `verify` proves each of its steps against the engine: failed before the solution,
//! passed after.

use crate::support::{Image, Test, docker, names};
use dockerlearn::check::Kind;
use dockerlearn::course::Course;
use dockerlearn::reference::ImageRef;
use std::collections::BTreeSet;
use std::path::PathBuf;

fn course_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/courses/every-kind")
}

fn course() -> Course {
    dockerlearn::course::load_from(Some(&course_dir())).unwrap_or_else(|e| panic!("the course loads: {e}"))
}

/// The fixture images for the images the lessons' front matter lists.
fn fixture_images(course: &Course) -> Vec<Image> {
    let listed: BTreeSet<String> =
        course.lessons.iter().flat_map(|l| &l.lesson.images).map(|i| ImageRef::parse(i).familiar()).collect();
    listed
        .iter()
        .map(|wanted| {
            let name = crate::fixtures::NAMES.iter().find(|n| ImageRef::parse(n).familiar() == *wanted);
            Image::acquire(name.unwrap_or_else(|| panic!("no fixture for `{wanted}`")))
        })
        .collect()
}

/// Every kind an assertion of the course uses, the alternatives of `any_of` included.
fn kinds_used(course: &Course) -> BTreeSet<&'static str> {
    let mut used = BTreeSet::new();
    for cl in &course.lessons {
        for cp in cl.checks.checkpoints.values() {
            for a in &cp.assertions {
                used.insert(a.check.kind().name());
                used.extend(a.check.kinds().into_iter().map(Kind::name));
            }
        }
    }
    used
}

#[test]
fn the_every_kind_course_uses_every_kind_and_every_step_has_a_solution() {
    let course = course();
    let used = kinds_used(&course);
    let all: Vec<&str> = Kind::all().map(Kind::name).collect();
    let unused: Vec<&&str> = all.iter().filter(|k| !used.contains(**k)).collect();
    assert!(unused.is_empty(), "kinds the every-kind course does not use: {unused:?}");
    // And the fields the reference singles out, each at least once.
    let text: String = std::fs::read_dir(course_dir().join("checks"))
        .unwrap()
        .map(|e| std::fs::read_to_string(e.unwrap().path()).unwrap())
        .collect();
    for field in [
        "label: org.example.maintainer\n",
        "label: org.example.course=every-kind\n",
        "env: [",
        "exposed_ports: [",
        "entrypoint: [",
        "cmd: [",
        "user: ",
        "max_size_mb: ",
        "max_layers: ",
        "method: HEAD",
        "method: POST",
        "path: /",
        "volumes: [",
        "network: ek-net",
        "read_only: true",
        "read_only: false",
        "propagation: ",
        "source: ./site",
        "network: front",
        "volume: cache",
        "equals: ",
        "matches: ",
        "exit_code: 1",
        "action: exec_die",
        "type: image",
        "follows: die",
        "present: false",
        "state: absent",
        "command: exit 3",
        "project_directory: ~/",
        "path: ~/",
    ] {
        assert!(text.contains(field), "no checkpoint of the every-kind course has `{field}`");
    }
    assert!(course.lessons.iter().any(|cl| cl.lesson.folder.is_some()), "no lesson names its `folder:`");
    for cl in &course.lessons {
        for (i, step) in cl.lesson.steps.iter().enumerate() {
            let solution = step.solution.as_ref().map(|s| s.commands.len()).unwrap_or(0);
            assert!(solution > 0, "step {}/{} has no solution", cl.lesson.id, step.id);
            assert!(cl.checkpoint(i).is_some(), "step {}/{} has no checkpoint", cl.lesson.id, step.id);
        }
    }
    Test::new().args(["lint"]).args([course_dir()]).run().code(0).stdout_has("no problems found");
}

#[test]
fn verify_proves_every_step_of_the_every_kind_course() {
    let course = course();
    let _images = fixture_images(&course);
    // The course's names are fixed (`ek-web`, `every-kind/app:v1`): one run at a time.
    let _names = names(&["every-kind-course"]);
    let started = std::time::Instant::now();
    let ran = Test::new().args(["verify"]).args([course_dir()]).run();
    let elapsed = started.elapsed();
    let mut steps = 0;
    for cl in &course.lessons {
        for step in &cl.lesson.steps {
            let row = ran
                .stdout
                .lines()
                .find(|l| l.starts_with(&cl.lesson.id) && l.split_whitespace().nth(1) == Some(&step.id))
                .unwrap_or_else(|| panic!("no row for {}/{}:\n{}{}", cl.lesson.id, step.id, ran.stdout, ran.stderr));
            // `pass` is verify's word for: the checkpoint failed before, and passed after.
            assert_eq!(row.split_whitespace().nth(2), Some("pass"), "{row}\n{}", ran.stdout);
            assert!(row.ends_with("failed before, passed after"), "{row}");
            steps += 1;
        }
    }
    assert!(ran.stdout.contains(&format!("{steps} steps, 0 failed")), "{}", ran.stdout);
    assert_eq!(ran.code, 0, "{}{}", ran.stdout, ran.stderr);
    eprintln!("every-kind: {steps} steps proven in {:.1} s", elapsed.as_secs_f64());
    // What the solutions made is gone: their containers, and the images they built.
    let left = docker(&["ps", "-a", "--filter", "name=^/ek-", "--format", "{{.Names}}"]);
    assert_eq!(left.trim(), "", "verify left containers of the course behind");
    let tags = docker(&["images", "every-kind/app", "--format", "{{.Repository}}:{{.Tag}}"]);
    assert_eq!(tags.trim(), "", "verify left images of the course behind");
}
