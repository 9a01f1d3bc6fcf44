//! `verify` across a course's lessons: `--offline` skips the steps that download, each
//! lesson is told which of its images are missing, and each lesson starts clean unless
//! it says it continues the previous one.

use crate::support::{Image, Test, course_dir, run_id};

/// A course of `lessons` (id, Markdown) with one checks file each.
fn course(lessons: &[(&str, String, String)]) -> tempfile::TempDir {
    let list: String = lessons.iter().map(|(id, _, _)| format!("  - {id}\n")).collect();
    let manifest = format!("format_version: 1\nid: t\ntitle: T\nlessons:\n{list}");
    let mut files = vec![("lessons/course.yaml".to_owned(), manifest)];
    for (id, md, checks) in lessons {
        files.push((format!("lessons/{id}.md"), md.clone()));
        files.push((format!("checks/{id}.yaml"), checks.clone()));
    }
    let refs: Vec<(&str, &str)> = files.iter().map(|(p, t)| (p.as_str(), t.as_str())).collect();
    course_dir(&refs)
}

/// A step whose solution makes a container named `name` and whose checkpoint wants it.
fn makes(step: &str, name: &str) -> (String, String) {
    (
        format!("## Make {step} {{#{step}}}\n### Solution\n```sh run\ndocker run --name {name} hello-world\n```\n"),
        format!("  {step}:\n    - kind: container\n      name: {name}\n"),
    )
}

fn row<'a>(out: &'a str, lesson: &str, step: &str) -> &'a str {
    out.lines()
        .find(|l| l.starts_with(lesson) && l.split_whitespace().nth(1) == Some(step))
        .unwrap_or_else(|| panic!("no row for {lesson}/{step}:\n{out}"))
}

#[test]
fn verify_offline_skips_network_steps_and_verifies_the_rest() {
    let _image = Image::hello_world();
    let id = run_id();
    let absent = format!("dl-offline-{id}:1");
    let (later, later_check) = makes("later", &format!("dl-offline-{id}"));
    let md = format!(
        "---\ntitle: Offline\n---\nIntro.\n## Pull {{#pull .network}}\n### Solution\n```sh run\ndocker pull {absent}\n```\n{later}"
    );
    let checks =
        format!("format_version: 1\ncheckpoints:\n  pull:\n    - kind: image\n      image: {absent}\n{later_check}");
    let dir = course(&[("offline", md, checks)]);
    let ran = Test::new().args(["verify", "--offline"]).args([dir.path()]).run().code(0);
    let pull = row(&ran.stdout, "offline", "pull");
    assert!(pull.contains("skip") && pull.contains("skipped: needs the network (--offline)"), "{}", ran.stdout);
    assert!(row(&ran.stdout, "offline", "later").contains("pass"), "{}", ran.stdout);
    assert!(ran.stdout.contains("2 steps, 0 failed, 1 skipped (--offline)"), "{}", ran.stdout);
    // Without --offline the download is tried, and fails.
    let online = Test::new().args(["verify"]).args([dir.path()]).run().code(1);
    assert!(row(&online.stdout, "offline", "pull").contains("FAIL"), "{}", online.stdout);
}

#[test]
fn verify_lists_a_lessons_missing_images_before_its_steps() {
    let id = run_id();
    let absent = format!("dl-absent-{id}:1");
    let md = format!(
        "---\ntitle: Absent\nimages: [{absent}]\n---\nIntro.\n## Run {{#run}}\n### Solution\n```sh run\ndocker run --pull never --name dl-absent-{id} {absent}\n```\n"
    );
    let checks =
        format!("format_version: 1\ncheckpoints:\n  run:\n    - kind: container\n      name: dl-absent-{id}\n");
    let dir = course(&[("absent", md, checks)]);
    let ran = Test::new().args(["verify"]).args([dir.path()]).run().code(1);
    let notice = ran
        .stdout
        .find("Lesson `absent` needs images the engine does not have: ")
        .unwrap_or_else(|| panic!("{}", ran.stdout));
    let first_step = ran.stdout.find("FAIL absent/run").unwrap_or_else(|| panic!("{}", ran.stdout));
    assert!(notice < first_step, "the notice comes before the steps:\n{}", ran.stdout);
    assert!(ran.stdout.contains(&absent) && ran.stdout.contains("`dockerlearn prepare absent`"), "{}", ran.stdout);
    // The failing step is reported as before, with how its solution ran.
    assert!(row(&ran.stdout, "absent", "run").contains("FAIL"), "{}", ran.stdout);
    assert!(ran.stdout.contains("exit 125"), "{}", ran.stdout);
}

#[test]
fn verify_starts_each_lesson_clean_unless_it_continues() {
    let _image = Image::hello_world();
    let id = run_id();
    let name = format!("dl-same-{id}");
    let lesson = |title: &str, front: &str, steps: &[(String, String)]| {
        let md: String = steps.iter().map(|(m, _)| m.as_str()).collect();
        let checks: String = steps.iter().map(|(_, c)| c.as_str()).collect();
        (format!("---\ntitle: {title}\n{front}---\nIntro.\n{md}"), format!("format_version: 1\ncheckpoints:\n{checks}"))
    };
    let (first, first_checks) = lesson("First", "images: [hello-world]\n", &[makes("make", &name)]);
    let (second, second_checks) = lesson("Second", "images: [hello-world]\n", &[makes("make", &name)]);
    // The third goes on from the second: it renames the container the second made.
    let renamed = format!("{name}-renamed");
    let rename = (
        format!("## Rename {{#rename}}\n### Solution\n```sh run\ndocker rename {name} {renamed}\n```\n"),
        format!("  rename:\n    - kind: container\n      name: {renamed}\n"),
    );
    let (third, third_checks) = lesson("Third", "continues: true\n", &[rename]);
    let dir =
        course(&[("first", first, first_checks), ("second", second, second_checks), ("third", third, third_checks)]);
    Test::new().args(["lint"]).args([dir.path()]).run().code(0);
    let ran = Test::new().args(["verify"]).args([dir.path()]).run().code(0);
    for (lesson, step) in [("first", "make"), ("second", "make"), ("third", "rename")] {
        assert!(row(&ran.stdout, lesson, step).contains("pass"), "{}", ran.stdout);
    }
    let left = crate::support::docker(&["ps", "-aq", "--filter", &format!("name={name}")]);
    assert_eq!(left.trim(), "", "verify left the lessons' containers behind");
}
