//! Every checkpoint of the hello-world lesson fails before its step and passes after,
//! against the real engine.

use crate::support::{Image, Sandbox, docker, fixed_names};

fn check(sb: &Sandbox, step: &str) -> crate::support::Ran {
    sb.dl().args(["check", &format!("hello-world/{step}"), "--json"]).run()
}

#[test]
fn run_it() {
    let _image = Image::hello_world();
    let sb = Sandbox::new();
    let before = check(&sb, "run-it").code(1);
    assert_eq!(before.json()["passed"], false);
    assert_eq!(before.json()["outcomes"][0]["found"], "no container `die` event since this step began");
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
    let _names = fixed_names();
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

#[test]
fn rm_flag() {
    let _image = Image::hello_world();
    let sb = Sandbox::new();
    // Without --rm the container stays: no removal, and one is left over.
    sb.run(&["hello-world"]);
    let ran = check(&sb, "rm-flag").code(1);
    assert_eq!(ran.json()["outcomes"][0]["status"], "fail");
    assert_eq!(ran.json()["outcomes"][1]["status"], "fail");
    // Removing it by hand, as a person would (a moment later), is not `--rm`.
    std::thread::sleep(std::time::Duration::from_millis(2100));
    for id in sb.container_ids() {
        docker(&["rm", &id]);
    }
    let by_hand = check(&sb, "rm-flag").code(1);
    let found = by_hand.json()["outcomes"][0]["found"].as_str().unwrap().to_owned();
    assert!(found.contains("done by hand"), "{found}");
    sb.run(&["--rm", "hello-world"]);
    check(&sb, "rm-flag").code(0);
}
