//! Authoring: lint finds every problem of a broken course at its file:line, verify
//! proves a course against the engine (and catches checkpoints that cannot fail), new
//! scaffolds lessons that pass both.

use crate::support::{Image, Test, course_dir, fixed_names};

const OK_CHECK: &str = "format_version: 1\ncheckpoints:\n  do:\n    - kind: image\n      image: hello-world\n";

fn lesson(title: &str, body: &str) -> String {
    format!("---\ntitle: {title}\nimages: [hello-world]\n---\nIntro.\n{body}")
}

#[test]
fn lint_reports_every_broken_lesson_with_file_and_line() {
    let good_step = "## Do {#do}\n```sh run\ndocker run hello-world\n```\n";
    let dir = course_dir(&[
        (
            "lessons/course.yaml",
            "format_version: 1\nid: broken\ntitle: Broken\nlessons:\n  - missing-check\n  - unknown-kind\n  - bad-yaml\n  - bad-fence\n  - dup-step\n  - unlisted-image\n  - unknown-kind\n",
        ),
        ("lessons/01-missing-check.md", &lesson("A", &format!("{good_step}## Other {{#other}}\ny\n"))),
        ("checks/missing-check.yaml", OK_CHECK),
        ("lessons/02-unknown-kind.md", &lesson("B", good_step)),
        ("checks/unknown-kind.yaml", "format_version: 1\ncheckpoints:\n  do:\n    - kind: port_open\n      port: 80\n"),
        ("lessons/03-bad-yaml.md", &lesson("C", good_step)),
        ("checks/bad-yaml.yaml", "format_version: 1\ncheckpoints:\n  do: [\n"),
        ("lessons/04-bad-fence.md", &lesson("D", "## Do {#do}\n```sh run\ndocker run hello-world\n")),
        ("checks/bad-fence.yaml", OK_CHECK),
        ("lessons/05-dup-step.md", &lesson("E", &format!("{good_step}## Again {{#do}}\nz\n"))),
        ("checks/dup-step.yaml", OK_CHECK),
        ("lessons/06-unlisted-image.md", &lesson("F", "## Do {#do}\n```sh run\ndocker run busybox echo hi\n```\n")),
        ("checks/unlisted-image.yaml", OK_CHECK),
    ]);
    let ran = Test::new().args(["lint"]).args([dir.path()]).run().code(1);
    let at = |file: &str, line: usize, message: &str| {
        let want = format!("{}:{line}:", dir.path().join(file).display());
        let found = ran.stdout.lines().any(|l| l.starts_with(&want) && l.contains(message));
        assert!(found, "expected `{want}… {message}` in:\n{}", ran.stdout);
    };
    at("lessons/course.yaml", 11, "lesson `unknown-kind` is listed twice");
    at("lessons/01-missing-check.md", 10, "step `other` has no checkpoint");
    at("checks/unknown-kind.yaml", 4, "unknown variant `port_open`");
    at("checks/bad-yaml.yaml", 4, "did not find expected node content");
    at("lessons/04-bad-fence.md", 7, "this code block is never closed");
    at("lessons/05-dup-step.md", 10, "step id `do` is used twice (first on line 6)");
    at("lessons/06-unlisted-image.md", 6, "runs image `busybox`, which the front matter does not list");
    at("lessons/06-unlisted-image.md", 2, "lists image `hello-world:latest`, but no command of the lesson uses it");
    assert_eq!(ran.stdout.lines().count(), 8, "exactly these problems:\n{}", ran.stdout);
    assert!(ran.stderr.contains("8 problem(s)"), "{}", ran.stderr);
}

/// One checks file with three different mistakes: each is reported at its own line
/// and column, and none hides the others.
#[test]
fn lint_reports_three_mistakes_of_one_checks_file_each_at_its_line() {
    let checks = "format_version: 1\ncheckpoints:\n  do:\n    - kind: container\n      nmae: web\n  again:\n    - kind: image\n      image: web\n      labels: [tier]\n  last:\n    - kind: output\n      name: web\n      contains: Listening on: 8080\n";
    let steps = "## Do {#do}\n```sh run\ndocker run hello-world\n```\n## Again {#again}\nx\n## Last {#last}\ny\n";
    let dir = course_dir(&[
        ("lessons/course.yaml", "format_version: 1\nid: three\ntitle: Three\nlessons:\n  - three\n"),
        ("lessons/01-three.md", &lesson("Three", steps)),
        ("checks/three.yaml", checks),
    ]);
    let ran = Test::new().args(["lint"]).args([dir.path()]).run().code(1);
    let file = dir.path().join("checks/three.yaml").display().to_string();
    let lines: Vec<&str> = ran.stdout.lines().filter(|l| l.starts_with(&file)).collect();
    assert_eq!(lines.len(), 3, "three problems, each once:\n{}", ran.stdout);
    assert!(lines[0].starts_with(&format!("{file}:5:7:")) && lines[0].contains("unknown field `nmae`"), "{lines:#?}");
    assert!(lines[1].starts_with(&format!("{file}:9:")) && lines[1].contains("labels"), "{lines:#?}");
    assert!(lines[2].starts_with(&format!("{file}:13:")) && lines[2].contains("must be quoted"), "{lines:#?}");
}

#[test]
fn the_shipped_course_lints_clean() {
    Test::new().args(["lint"]).run().code(0).stdout_has("no problems found");
    let repo = env!("CARGO_MANIFEST_DIR");
    Test::new().args(["lint", repo]).run().code(0).stdout_has("no problems found");
}

#[test]
fn verify_proves_the_shipped_course() {
    let _images = Image::all();
    let _names = fixed_names();
    let ran = Test::new().args(["verify"]).run().code(0);
    let course = dockerlearn::course::load_from(None).unwrap();
    for cl in &course.lessons {
        for s in &cl.lesson.steps {
            let row =
                ran.stdout.lines().find(|l| l.starts_with(&cl.lesson.id) && l.split_whitespace().nth(1) == Some(&s.id));
            let row = row.unwrap_or_else(|| panic!("no row for {}/{}:\n{}", cl.lesson.id, s.id, ran.stdout));
            // A `.network` step's images are prepared here, so it holds before: `prep`.
            let expected = if s.reading_only {
                "read"
            } else if s.needs_network {
                "prep"
            } else {
                "pass"
            };
            assert_eq!(row.split_whitespace().nth(2), Some(expected), "{row}");
        }
    }
    assert!(ran.stdout.contains(" steps, 0 failed"), "{}", ran.stdout);
    // The steps proven above (failed before, passed after) use every kind of assertion.
    let mut proven = std::collections::BTreeSet::new();
    for cl in &course.lessons {
        for (i, s) in cl.lesson.steps.iter().enumerate() {
            for a in cl.checkpoint(i).filter(|_| !s.needs_network).map(|c| &c.assertions[..]).unwrap_or_default() {
                proven.insert(a.check.kind().name());
                if let dockerlearn::check::Check::AnyOf(any) = &a.check {
                    proven.extend(any.alternatives.iter().map(|alt| alt.check.kind().name()));
                }
            }
        }
    }
    let unproven: Vec<&str> =
        dockerlearn::check::Kind::all().map(|k| k.name()).filter(|k| !proven.contains(k)).collect();
    assert!(unproven.is_empty(), "kinds no proven step of the shipped course uses: {unproven:?}");
    // Nothing of the run is left: no labelled containers.
    let left = crate::support::docker(&["ps", "-aq", "--filter", "label=org.dockerlearn.verify"]);
    assert_eq!(left.trim(), "", "verify left containers behind");
}

#[test]
fn verify_fails_a_checkpoint_that_passes_before_its_step() {
    let _image = Image::hello_world();
    let dir = course_dir(&[
        ("lessons/course.yaml", "format_version: 1\nid: weak\ntitle: Weak\nlessons:\n  - weak\n"),
        (
            "lessons/weak.md",
            &lesson(
                "Weak",
                "## Look {#look}\n```sh run\ndocker run --rm hello-world\n```\n### Solution\n```sh run\ndocker run --rm hello-world\n```\n## Named {#named}\n### Solution\n```sh run\ndocker run --rm hello-world\n```\n",
            ),
        ),
        (
            "checks/weak.yaml",
            "format_version: 1\ncheckpoints:\n  look:\n    - kind: image\n      image: hello-world\n  named:\n    - kind: container\n      name: never-made\n",
        ),
    ]);
    let ran = Test::new().args(["verify"]).args([dir.path()]).run().code(1);
    let row = |step: &str| {
        ran.stdout.lines().find(|l| l.starts_with("weak") && l.contains(&format!(" {step} "))).unwrap().to_owned()
    };
    assert!(
        row("look").contains("FAIL") && row("look").contains("passes before its step: image `hello-world` is present"),
        "{}",
        ran.stdout
    );
    assert!(row("named").contains("FAIL") && row("named").contains("fails after its solution: a container named `never-made` exists: there is no container named `never-made`"), "{}", ran.stdout);
    assert!(ran.stdout.contains("2 steps, 2 failed"), "{}", ran.stdout);
}

#[test]
fn new_scaffolds_a_lesson_that_lints_and_verifies() {
    let _image = Image::hello_world();
    let dir = tempfile::tempdir().unwrap();
    Test::new().args(["new", "volumes", "--dir"]).args([dir.path()]).run().code(0).stdout_has("Started a course");
    Test::new().args(["new", "second-one", "--title", "The second one", "--dir"]).args([dir.path()]).run().code(0);
    assert!(dir.path().join("lessons/02-second-one.md").exists());
    Test::new().args(["lint"]).args([dir.path()]).run().code(0);
    Test::new().args(["new", "Bad Id", "--dir"]).args([dir.path()]).run().code(2).stderr_has("cannot be a lesson id");
    let ran = Test::new().args(["verify", "--lesson", "volumes"]).args([dir.path()]).run().code(0);
    assert!(ran.stdout.contains("volumes") && ran.stdout.contains("run-a-container  pass"), "{}", ran.stdout);
    Test::new().env("DOCKERLEARN_LESSONS", dir.path()).args(["list"]).run().code(0).stdout_has("second-one");
}

#[test]
fn a_title_in_yaml_syntax_still_makes_a_lesson_that_lints() {
    let dir = tempfile::tempdir().unwrap();
    let title = "Volumes: keep data #1 \"for real\"";
    Test::new().args(["new", "keep-data", "--title", title, "--dir"]).args([dir.path()]).run().code(0);
    Test::new().args(["lint"]).args([dir.path()]).run().code(0).stdout_has("no problems found");
    let shown = Test::new().args(["show", "keep-data", "--lessons"]).args([dir.path()]).run().code(0);
    assert!(shown.stdout.contains(&format!("# Lesson 1/1: {title}")), "{}", shown.stdout);
}

#[test]
fn verify_shows_how_a_failed_solution_ran() {
    let id = crate::support::run_id();
    let (typo, missing) = (format!("dl-typo-{id}"), format!("dl-missing-{id}"));
    let body = format!(
        "---\ntitle: Broken\n---\nIntro.\n## Typo {{#typo}}\n### Solution\n```sh run\ndokcer run --name {typo} hello-world\n```\n\
         ## Missing image {{#missing}}\n### Solution\n```sh run\necho pulling nothing\ndocker run --pull never --name {missing} dl-no-such-image:1\n```\n"
    );
    let checks = format!(
        "format_version: 1\ncheckpoints:\n  typo:\n    - kind: container\n      name: {typo}\n  missing:\n    - kind: container\n      name: {missing}\n"
    );
    let dir = course_dir(&[
        ("lessons/course.yaml", "format_version: 1\nid: broken\ntitle: Broken\nlessons:\n  - broken\n"),
        ("lessons/broken.md", &body),
        ("checks/broken.yaml", &checks),
    ]);
    let ran = Test::new().args(["verify"]).args([dir.path()]).run().code(1);
    let table = &ran.stdout[ran.stdout.find("lesson ").expect("the table")..];
    let mut settings = insta::Settings::clone_current();
    settings.add_filter(&id.replace('-', "\\-"), "[run]");
    settings.add_filter(r" +\d+ms", "  [t]ms");
    settings.bind(|| insta::assert_snapshot!(table));
}

/// Twenty things made under names the shipped solutions use, removed when the test ends.
struct Existing {
    containers: Vec<&'static str>,
    tags: Vec<&'static str>,
    volume: &'static str,
    network: &'static str,
}

impl Existing {
    /// Each one's name and what identifies it (id; for a tag, its image's id; for a volume, its creation time).
    fn state(&self) -> Vec<(String, String)> {
        let inspect = |args: &[&str]| {
            let out = crate::support::docker_status(args);
            let id = String::from_utf8_lossy(&out.stdout).trim().to_owned();
            if out.status.success() { id } else { "(gone)".to_owned() }
        };
        let mut s = Vec::new();
        for c in &self.containers {
            s.push((format!("container {c}"), inspect(&["container", "inspect", "-f", "{{.Id}}", c])));
        }
        for t in &self.tags {
            s.push((format!("tag {t}"), inspect(&["image", "inspect", "-f", "{{.Id}}", t])));
        }
        let volume = inspect(&["volume", "inspect", "-f", "{{.CreatedAt}}", self.volume]);
        s.push((format!("volume {}", self.volume), volume));
        s.push((format!("network {}", self.network), inspect(&["network", "inspect", "-f", "{{.Id}}", self.network])));
        s
    }
}

impl Drop for Existing {
    fn drop(&mut self) {
        let mut rm = vec!["rm", "-f"];
        rm.extend(&self.containers);
        let _ = crate::support::docker_status(&rm);
        let mut rmi = vec!["rmi"];
        rmi.extend(&self.tags);
        let _ = crate::support::docker_status(&rmi);
        let _ = crate::support::docker_status(&["volume", "rm", self.volume]);
        let _ = crate::support::docker_status(&["network", "rm", self.network]);
    }
}

#[test]
fn verify_leaves_what_existed_under_the_courses_names() {
    let _image = Image::hello_world();
    let _names = fixed_names();
    let label = format!("{}={}", crate::support::LABEL_KEY, crate::support::run_id());
    let existing = Existing {
        containers: vec![
            "hello",
            "whale",
            "pyshell",
            "pyserver",
            "some-postgres",
            "web",
            "writer",
            "reader",
            "tools",
            "registry",
            "notebook",
            "jupyter",
            "server",
            "webdev",
        ],
        tags: vec!["whalesay", "mytools:v1", "test:pipeline", "mynotebook:v1"],
        volume: "notes-data",
        network: "appnet",
    };
    for c in &existing.containers {
        crate::support::docker(&["create", "--label", &label, "--name", c, "hello-world"]);
    }
    // The tags point at an image of the test's own, labelled.
    let base = format!("dl-isolate-{}", crate::support::run_id());
    crate::support::docker(&["create", "--label", &label, "--name", &base, "hello-world"]);
    let id = crate::support::docker(&["commit", "--change", &format!("LABEL {label}"), &base]);
    crate::support::docker(&["rm", &base]);
    for t in &existing.tags {
        crate::support::docker(&["tag", id.trim(), t]);
    }
    crate::support::docker(&["volume", "create", "--label", &label, existing.volume]);
    crate::support::docker(&["network", "create", "--label", &label, existing.network]);
    let before = existing.state();
    assert_eq!(before.len(), 20);
    assert!(before.iter().all(|(_, id)| id != "(gone)"), "{before:?}");

    let ran = Test::new().args(["verify"]).run().code(1);
    let said = format!("{}{}", ran.stdout, ran.stderr);
    let mut refused = 0;
    for (what, _) in &before {
        let (kind, name) = what.split_once(' ').unwrap();
        let noun = match kind {
            "tag" => "an image tag",
            "container" => "a container",
            "volume" => "a volume",
            _ => "a network",
        };
        let line = format!("`{name}` is {noun} that exists already");
        assert!(said.contains(&line), "verify does not say `{line}`:\n{said}");
        refused += 1;
    }
    assert!(said.contains("remove or rename it, or run verify where it is absent"), "{said}");
    assert!(!said.contains("ok  ") && !said.contains(" steps, "), "verify ran steps:\n{said}");

    let after = existing.state();
    let same = before.iter().zip(&after).filter(|(b, a)| b == a).count();
    assert_eq!(after, before, "verify changed what existed before it");
    eprintln!("{same} of {} pre-existing things left as they were; {refused} names refused", before.len());
}

#[test]
fn verify_removes_the_volumes_its_solutions_make_with_dash_v() {
    let _image = Image::hello_world();
    let volume = format!("dl-implicit-{}", crate::support::run_id());
    let dir = course_dir(&[
        ("lessons/course.yaml", "format_version: 1\nid: keep\ntitle: Keep\nlessons:\n  - keep\n"),
        (
            "lessons/keep.md",
            &lesson(
                "Keep",
                &format!(
                    "## Keep {{#keep}}\n### Solution\n```sh run\ndocker run --rm -v {volume}:/data hello-world\n```\n"
                ),
            ),
        ),
        (
            "checks/keep.yaml",
            &format!("format_version: 1\ncheckpoints:\n  keep:\n    - kind: volume\n      volume: {volume}\n"),
        ),
    ]);
    let ran = Test::new().args(["verify"]).args([dir.path()]).run();
    let left = crate::support::docker_status(&["volume", "inspect", &volume]).status.success();
    if left {
        let _ = crate::support::docker_status(&["volume", "rm", &volume]);
    }
    assert!(!left, "verify left the volume `{volume}` that `-v {volume}:/data` made:\n{}", ran.stdout);
    assert_eq!(ran.code, 0, "{}{}", ran.stdout, ran.stderr);
}
