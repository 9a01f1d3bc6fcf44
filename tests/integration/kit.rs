//! `prepare` with no registry, and the offline kit: save, remove the images, load, and
//! the lessons' checkpoints pass again; a damaged kit is refused with nothing loaded.

use crate::support::{Image, Sandbox, Test, docker_status, fixed_names};

fn exists(image: &str) -> bool {
    docker_status(&["image", "inspect", image]).status.success()
}

#[test]
fn prepare_without_a_registry_names_each_image_and_fails() {
    let _names = fixed_names();
    if exists("busybox:latest") {
        eprintln!("skipped: busybox:latest exists, so prepare would not need the registry");
        return;
    }
    let ran = Test::new().args(["prepare", "whalesay"]).run().code(1);
    assert!(ran.stdout.contains("to pull  busybox:latest (download size unknown: "), "{}", ran.stdout);
    assert!(ran.stdout.contains("FAILED   busybox:latest: the registry cannot be reached"), "{}", ran.stdout);
    assert!(ran.stdout.contains("None of these lessons has all its images yet."), "{}", ran.stdout);
    let _image = Image::acquire("busybox:latest");
    let ran = Test::new().args(["prepare", "whalesay"]).run().code(0);
    assert!(ran.stdout.contains("present  busybox:latest"), "{}", ran.stdout);
}

#[test]
fn a_kit_carries_the_images_to_an_engine_without_them() {
    let _names = fixed_names();
    if exists("hello-world:latest") {
        eprintln!("skipped: hello-world:latest exists on this engine and is not ours to remove");
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let kit = dir.path().join("course.kit");
    {
        let _image = Image::hello_world();
        let ran = Test::new().args(["kit", "save"]).args([&kit]).args(["--lesson", "hello-world"]).run().code(0);
        assert!(ran.stdout.contains("  hello-world:latest") && ran.stdout.contains("1 images"), "{}", ran.stdout);
    }
    // The fixture is gone, as on a machine that never had it.
    assert!(!exists("hello-world:latest"));

    // A damaged kit is refused and loads nothing.
    let bytes = std::fs::read(&kit).unwrap();
    let mut altered = bytes.clone();
    altered[bytes.len() / 3] ^= 0xff;
    let bad = dir.path().join("altered.kit");
    std::fs::write(&bad, &altered).unwrap();
    let ran = Test::new().args(["kit", "load"]).args([&bad]).run().code(1);
    assert!(ran.stderr.contains("is damaged") && ran.stderr.contains("nothing was loaded"), "{}", ran.stderr);
    let short = dir.path().join("short.kit");
    std::fs::write(&short, &bytes[..bytes.len() / 2]).unwrap();
    let ran = Test::new().args(["kit", "load"]).args([&short]).run().code(1);
    assert!(ran.stderr.contains("truncated"), "{}", ran.stderr);
    assert!(!exists("hello-world:latest"), "nothing half-loaded");

    // The whole kit loads, and the lesson works again.
    let ran = Test::new().args(["kit", "load"]).args([&kit]).run().code(0);
    assert!(
        ran.stdout.contains("loaded  hello-world:latest") && ran.stdout.contains("the course is ready"),
        "{}",
        ran.stdout
    );
    let _adopted = Image::adopt("hello-world:latest");
    let sb = Sandbox::new();
    sb.dl().args(["check", "hello-world/run-it"]).run().code(1);
    sb.run(&["hello-world"]);
    sb.dl().args(["check", "hello-world/run-it"]).run().code(0);
}

#[test]
fn saving_a_kit_of_missing_images_says_what_to_do() {
    let _names = fixed_names();
    if exists("python:3.12-slim") {
        eprintln!("skipped: python:3.12-slim exists");
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let kit = dir.path().join("k.kit");
    let ran = Test::new().args(["kit", "save"]).args([&kit]).args(["--lesson", "pull-run"]).run().code(1);
    assert!(ran.stderr.contains("not on this engine") && ran.stderr.contains("python:3.12-slim"), "{}", ran.stderr);
    assert!(!kit.exists() && !kit.with_extension("partial").exists());
}
