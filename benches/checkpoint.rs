//! How fast a verdict comes back, against the local engine.
//!
//! 1. In-process: observe + evaluate one step's checkpoint, against one raw API round
//!    trip (bollard `ping`) on the same connection.
//! 2. Whole process: `dockerlearn check` against `docker ps -a`.
//!
//! Targets: a verdict within 2 ms in-process; `dockerlearn check` faster than one
//! `docker ps -a`. Run with `cargo bench --bench checkpoint`. It creates ten labelled
//! containers from a labelled fixture image and removes them (and the image) after.

use dockerlearn::check;
use dockerlearn::course;
use dockerlearn::engine::{Engine, Scope, context};
use std::process::Command;
use std::time::{Duration, Instant};

const LABEL: &str = "org.dockerlearn.test=bench";
const IMAGE: &str = "dockerlearn-bench-fixture:latest";

fn docker(args: &[&str]) -> String {
    let out = Command::new("docker").args(args).output().expect("docker runs");
    assert!(out.status.success(), "docker {args:?}: {}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8_lossy(&out.stdout).into_owned()
}

fn stats(mut samples: Vec<Duration>) -> String {
    samples.sort();
    let q = |f: f64| samples[((samples.len() - 1) as f64 * f) as usize];
    format!(
        "median {:>9.3} ms   p10 {:>9.3} ms   p90 {:>9.3} ms   (n={})",
        q(0.5).as_secs_f64() * 1e3,
        q(0.1).as_secs_f64() * 1e3,
        q(0.9).as_secs_f64() * 1e3,
        samples.len()
    )
}

fn time<F: FnMut()>(n: usize, mut f: F) -> Vec<Duration> {
    for _ in 0..n / 10 {
        f();
    }
    (0..n)
        .map(|_| {
            let t = Instant::now();
            f();
            t.elapsed()
        })
        .collect()
}

fn main() {
    if std::env::args().any(|a| a == "--list") {
        return;
    }
    let existed = Command::new("docker").args(["image", "inspect", IMAGE]).output().unwrap().status.success();
    assert!(!existed, "{IMAGE} exists already; it is not this bench's to use");
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(dir.path().join("bin")).unwrap();
    std::fs::copy("/bin/busybox", dir.path().join("bin/busybox")).expect("busybox-static is installed");
    let tar = dir.path().join("fs.tar");
    assert!(
        Command::new("tar").arg("-C").arg(dir.path()).args(["-cf"]).arg(&tar).arg("bin").status().unwrap().success()
    );
    docker(&[
        "import",
        "--change",
        &format!("LABEL {LABEL}"),
        "--change",
        r#"CMD ["/bin/busybox","echo","Hello from Docker!"]"#,
        tar.to_str().unwrap(),
        IMAGE,
    ]);
    for i in 0..10 {
        docker(&["run", "--label", LABEL, "--name", &format!("dl-bench-{i}"), IMAGE]);
    }

    let course = course::load_from(None).unwrap();
    let hello = &course.lessons[course.find("hello-world").unwrap()];
    // The three checkpoint families: events + logs, containers, engine.
    let mut targets: Vec<(String, check::Checkpoint)> = Vec::new();
    // Point the image-based assertions at the fixture, so real work is done.
    let text = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/checks/hello-world.yaml")).unwrap();
    let fixture = check::parse("hello-world.yaml", &text.replace("hello-world", IMAGE)).unwrap();
    for step in ["run-it", "name-it", "clean-up"] {
        assert!(hello.checks.checkpoints.contains_key(step), "the course still has hello-world/{step}");
        targets.push((format!("hello-world/{step}"), fixture.checkpoints[step].clone()));
    }
    let engine_cp = course.lessons[0].checks.checkpoints["engine-version"].clone();
    targets.push(("install-check/engine-version".into(), engine_cp));

    let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
    let endpoint = context::resolve_from_environment().unwrap();
    let mut engine = Engine::new(endpoint, Scope::label(LABEL));
    // The raw client, for the cost of the engine's own answers beside ours.
    let client = bollard::Docker::connect_with_local_defaults().expect("engine reachable");
    let since = dockerlearn::progress::now() - 60_000_000_000;

    println!("in-process, against the local engine");
    let ping = time(500, || {
        rt.block_on(client.ping()).unwrap();
    });
    println!("  one API round trip (ping)            {}", stats(ping));
    use bollard::query_parameters::{ListContainersOptions, ListImagesOptions};
    let list = time(300, || {
        let options = ListContainersOptions { all: true, ..Default::default() };
        rt.block_on(client.list_containers(Some(options))).unwrap();
    });
    println!("  list containers (raw)                {}", stats(list));
    let images = time(300, || {
        rt.block_on(client.list_images(None::<ListImagesOptions>)).unwrap();
    });
    println!("  list images (raw)                    {}", stats(images));
    for (name, cp) in &targets {
        let needs = cp.needs();
        let samples = time(300, || {
            let obs =
                rt.block_on(engine.observe(&needs, since, &dockerlearn::check::Place::at(std::path::Path::new("."))));
            let _ = check::eval(cp, &obs);
        });
        println!("  verdict {name:<29}{}", stats(samples));
    }
    let obs = rt.block_on(engine.observe(
        &targets[0].1.needs(),
        since,
        &dockerlearn::check::Place::at(std::path::Path::new(".")),
    ));
    let pure = time(2000, || {
        let _ = check::eval(&targets[0].1, &obs);
    });
    println!("  eval alone (no I/O)                  {}", stats(pure));

    println!("whole process");
    let bin = env!("CARGO_BIN_EXE_dockerlearn");
    let data = tempfile::tempdir().unwrap();
    let run = |cmd: &mut Command| {
        let out = cmd.output().unwrap();
        assert!(out.status.code().is_some());
    };
    let check_samples = time(40, || {
        run(Command::new(bin)
            .args(["check", "install-check/engine-version"])
            .env("DOCKERLEARN_DATA_DIR", data.path())
            .env("DOCKERLEARN_SCOPE", LABEL));
    });
    println!("  dockerlearn check engine-version      {}", stats(check_samples));
    let check_samples = time(40, || {
        run(Command::new(bin)
            .args(["check", "hello-world/clean-up"])
            .env("DOCKERLEARN_DATA_DIR", data.path())
            .env("DOCKERLEARN_SCOPE", LABEL));
    });
    println!("  dockerlearn check hello-world/clean-up{}", stats(check_samples));
    let ps = time(40, || run(Command::new("docker").args(["ps", "-a"])));
    println!("  docker ps -a                          {}", stats(ps));

    rm_runs_are_known(&course);

    for i in 0..10 {
        docker(&["rm", &format!("dl-bench-{i}")]);
    }
    docker(&["rmi", IMAGE]);
}

/// How many `docker run --rm` containers the live stream catches by their command
/// before the engine removes them, and what judging such a step costs.
fn rm_runs_are_known(course: &course::Course) {
    const RUNS: usize = 50;
    let rt = tokio::runtime::Builder::new_multi_thread().worker_threads(1).enable_all().build().unwrap();
    let endpoint = context::resolve_from_environment().unwrap();
    let mut engine = Engine::new(endpoint, Scope::label(LABEL));
    let since = dockerlearn::progress::now();
    rt.block_on(engine.watch(since, &[]));
    let started = Instant::now();
    for _ in 0..RUNS {
        docker(&["run", "--rm", "--label", LABEL, IMAGE, "/bin/busybox", "echo", "hi"]);
    }
    let per_run = started.elapsed() / RUNS as u32;
    assert!(course.find("whalesay").is_some(), "the course still has whalesay/command-args");
    let text = format!(
        "format_version: 1\ncheckpoints:\n  s:\n    - kind: event\n      action: die\n      image: {IMAGE}\n      command: echo\n"
    );
    let rm_cp = check::parse("bench.yaml", &text).unwrap().checkpoints["s"].clone();
    // The last inspection may still be on its way: a moment, as a learner's `:check` has.
    std::thread::sleep(Duration::from_millis(200));
    let place = dockerlearn::check::Place::at(std::path::Path::new("."));
    let obs = rt.block_on(engine.observe(&rm_cp.needs(), since, &place));
    let dies: Vec<_> = obs.events.iter().filter(|e| e.action == "die").collect();
    let known = dies.iter().filter(|e| obs.created.contains_key(&e.id)).count();
    println!("`--rm` runs known by their command (live stream inspects at create)");
    println!("  {known} of {} runs known, {:.0} ms per `docker run --rm`", dies.len(), per_run.as_secs_f64() * 1e3);
    assert!(check::eval(&rm_cp, &obs).passed(), "a --rm run of echo is judged by its command");
    let samples = time(100, || {
        let obs = rt.block_on(engine.observe(&rm_cp.needs(), since, &place));
        let _ = check::eval(&rm_cp, &obs);
    });
    println!("  verdict with `command:` ({RUNS} runs)   {}", stats(samples));
}
