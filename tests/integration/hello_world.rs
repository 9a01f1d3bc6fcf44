//! Every checkpoint of the hello-world lesson fails before its step and passes after,
//! against the real engine.

use crate::support::{Image, Sandbox, docker, names};

fn check(sb: &Sandbox, step: &str) -> crate::support::Ran {
    sb.dl().args(["check", &format!("hello-world/{step}"), "--json"]).run()
}

#[test]
fn run_it() {
    let _image = Image::hello_world();
    let sb = Sandbox::new();
    let before = check(&sb, "run-it").code(1);
    assert_eq!(before.json()["passed"], false);
    // On a busy engine the verdict adds that the engine forgot some events: a fact of
    // the shared engine, not of this step.
    let found = before.json()["outcomes"][0]["found"].as_str().unwrap().to_owned();
    assert!(found.starts_with("no container `die` event since this step began"), "{found}");
    let out = sb.run(&["hello-world"]);
    assert!(out.contains("Hello from Docker!"));
    let after = check(&sb, "run-it").code(0);
    assert_eq!(after.json()["passed"], true);
}

#[test]
fn run_it_fails_when_the_container_fails() {
    let _image = Image::hello_world();
    let sb = Sandbox::new();
    // Close but wrong: the container runs another command and exits non-zero.
    let out = std::process::Command::new("docker")
        .args(["run", "--label", &sb.label, "hello-world", "/bin/busybox", "false"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let ran = check(&sb, "run-it").code(1);
    let found = ran.json()["outcomes"][0]["found"].as_str().unwrap().to_owned();
    assert!(found.contains("exited with code 1"), "{found}");
}

#[test]
fn name_it_and_clean_up() {
    let _image = Image::hello_world();
    // `hello` is a name the shipped course uses: verify's runs must not see it.
    let _shipped = crate::support::fixed_names();
    let _names = names(&["hello", "helo"]);
    let sb = Sandbox::new();

    check(&sb, "name-it").code(1);
    sb.run(&["--name", "helo", "hello-world"]);
    let near = check(&sb, "name-it").code(1);
    assert_eq!(near.json()["outcomes"][0]["found"], "there is no container named `hello`; did you mean `helo`?");
    sb.run(&["--name", "hello", "hello-world"]);
    check(&sb, "name-it").code(0);

    // clean-up: both containers are still there, then removed.
    let left = check(&sb, "clean-up").code(1);
    let found = left.json()["outcomes"][0]["found"].as_str().unwrap().to_owned();
    assert!(
        found.starts_with("still there:") && found.contains("hello (exited)") && found.contains("helo (exited)"),
        "{found}"
    );
    docker(&["rm", "hello"]);
    check(&sb, "clean-up").code(1);
    docker(&["rm", "helo"]);
    check(&sb, "clean-up").code(0);
}

/// The hello-world lesson as shipped, with `--rm`'s window (`within_ms`) set: the
/// test waits out that window, not the lesson's two seconds.
fn hello_world_with_window(ms: u64) -> tempfile::TempDir {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    let lesson = std::fs::read_to_string(root.join("lessons/02-hello-world.md")).unwrap();
    let checks = std::fs::read_to_string(root.join("checks/hello-world.yaml")).unwrap();
    assert!(checks.contains("      follows: die\n"), "the rm-flag checkpoint still uses `follows: die`");
    let checks = checks.replace("      follows: die\n", &format!("      follows: die\n      within_ms: {ms}\n"));
    let manifest = "format_version: 1\nid: windowed\ntitle: Windowed\nlessons: [hello-world]\n";
    crate::support::course_dir(&[
        ("lessons/course.yaml", manifest),
        ("lessons/02-hello-world.md", &lesson),
        ("checks/hello-world.yaml", &checks),
    ])
}

#[test]
fn rm_flag() {
    let _image = Image::hello_world();
    let sb = Sandbox::new();
    let course = hello_world_with_window(400);
    let check = |sb: &Sandbox| {
        sb.dl().args(["check", "hello-world/rm-flag", "--json", "--lessons"]).args([course.path()]).run()
    };
    // Without --rm the container stays: no removal, and one is left over.
    sb.run(&["hello-world"]);
    let exited = std::time::Instant::now();
    let ran = check(&sb).code(1);
    assert_eq!(ran.json()["outcomes"][0]["status"], "fail");
    assert_eq!(ran.json()["outcomes"][1]["status"], "fail");
    // Removing it by hand, as a person would (a moment later), is not `--rm`.
    let window = std::time::Duration::from_millis(400);
    crate::support::wait_until("the --rm window to pass", 10 * window, || exited.elapsed() > window);
    for id in sb.container_ids() {
        docker(&["rm", &id]);
    }
    let by_hand = check(&sb).code(1);
    let found = by_hand.json()["outcomes"][0]["found"].as_str().unwrap().to_owned();
    assert!(found.contains("done by hand"), "{found}");
    sb.run(&["--rm", "hello-world"]);
    check(&sb).code(0);
}
