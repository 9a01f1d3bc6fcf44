//! `verify` across a course's lessons: `--offline` skips the steps that download, each
//! lesson is told which of its images are missing, each lesson starts clean unless
//! it says it continues the previous one, and what builds leave without the run's
//! label (a failed build's container and images, a builder stage) is removed.

use crate::support::{Image, Sandbox, Test, course_dir, docker, docker_status, run_id};

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

/// An image of the test's own, labelled with its sandbox's label: every image and
/// container a build makes FROM it inherits that label, so they can be counted.
/// Dropping it removes the containers and images carrying that label, newest first
/// (what a build left, should verify not have), and the base.
struct Base {
    name: String,
    label: String,
}

impl Drop for Base {
    fn drop(&mut self) {
        let filter = format!("label={}", self.label);
        for container in docker(&["ps", "-a", "-q", "--filter", &filter]).lines() {
            let _ = docker_status(&["rm", "-f", container]);
        }
        let ids = docker(&["images", "-a", "-q", "--no-trunc", "--filter", &filter]);
        let _ = docker_status(&["rmi", &self.name]);
        for id in ids.lines() {
            let _ = docker_status(&["rmi", id]);
        }
    }
}

#[test]
fn verify_removes_what_failed_and_multi_stage_builds_leave() {
    let _image = Image::acquire("busybox:latest");
    let sandbox = Sandbox::new();
    let id = run_id();
    let base = Base { name: format!("dl-buildleft-{id}:base"), label: sandbox.label.clone() };
    let made = format!("dl-buildleft-{id}-base");
    sandbox.run(&["--name", &made, "busybox:latest", "true"]);
    docker(&["commit", "--change", &format!("LABEL {}", sandbox.label), &made, &base.name]);
    docker(&["rm", &made]);
    let fail = format!("FROM {}\nRUN echo one > /one\nRUN exit 3\n", base.name);
    let stages = format!(
        "FROM {b} AS build\nRUN echo built > /artifact\nFROM {b}\nCOPY --from=build /artifact /artifact\n",
        b = base.name
    );
    let (failing, staged) = (format!("dl-buildleft-{id}:fail"), format!("dl-buildleft-{id}:stages"));
    let md = format!(
        "---\ntitle: Builds\nimages: [busybox]\n---\nIntro.\n\
         ## A build that fails {{#failing}}\n### Solution\n```sh run\ndocker build -f fail.Dockerfile -t {failing} .\n```\n\
         ## A build in stages {{#stages}}\n### Solution\n```sh run\ndocker build -f stages.Dockerfile -t {staged} .\n```\n\
         ## Run it {{#run}}\n### Solution\n```sh run\ndocker run --name dl-buildleft-{id} busybox true\n```\n"
    );
    let checks = format!(
        "format_version: 1\ncheckpoints:\n  failing:\n    - kind: image\n      image: {failing}\n  stages:\n    - kind: image\n      image: {staged}\n      max_layers: 3\n  run:\n    - kind: container\n      name: dl-buildleft-{id}\n"
    );
    let dir = course_dir(&[
        ("lessons/course.yaml", "format_version: 1\nid: t\ntitle: T\nlessons:\n  - builds\n"),
        ("lessons/builds.md", &md),
        ("checks/builds.yaml", &checks),
        ("files/builds/fail.Dockerfile", &fail),
        ("files/builds/stages.Dockerfile", &stages),
    ]);
    // Everything built FROM the base carries the sandbox's label; so does the base.
    let images = || docker(&["images", "-a", "-q", "--no-trunc", "--filter", &format!("label={}", sandbox.label)]);
    let containers = || {
        let by_label = docker(&["ps", "-a", "-q", "--filter", &format!("label={}", sandbox.label)]);
        let by_ancestor = docker(&["ps", "-a", "-q", "--filter", &format!("ancestor={}", base.name)]);
        by_label.lines().chain(by_ancestor.lines()).collect::<std::collections::BTreeSet<_>>().len()
    };
    let before = (images().lines().count(), containers());
    assert_eq!(before, (1, 0), "only the base, and no container");

    let ran = Test::new().args(["verify"]).args([dir.path()]).run().code(1);
    assert!(row(&ran.stdout, "builds", "failing").contains("FAIL"), "{}", ran.stdout);
    assert!(ran.stdout.contains("returned a non-zero code: 3"), "the failure is shown:\n{}", ran.stdout);
    assert!(row(&ran.stdout, "builds", "stages").contains("pass"), "{}", ran.stdout);
    assert!(row(&ran.stdout, "builds", "run").contains("pass"), "{}", ran.stdout);

    let after = (images().lines().count(), containers());
    eprintln!("images and containers from the base: before verify {before:?}, after {after:?}");
    assert_eq!(after, before, "verify left images or containers of its builds:\n{}", images());
    assert!(docker_status(&["image", "inspect", &base.name]).status.success(), "the base is not verify's to remove");
}
