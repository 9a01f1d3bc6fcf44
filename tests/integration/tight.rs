//! The shipped checkpoints hold against the real engine for the right attempt, `--rm`
//! included where the lesson allows it, and fail the lazy or wrong one: a `docker exec`
//! of a command that does not exist, an image not rebuilt, a file written without a
//! container, a run without its argument. Each test asks `dockerlearn check
//! LESSON/STEP` in a labelled scope, as a second terminal would.

use crate::support::{Image, Sandbox, docker, docker_status, fixed_names};
use std::path::Path;
use std::process::Command;

/// The verdict of `dockerlearn check TARGET --json`, asked from the folder `dir`.
pub(crate) fn check_in(sb: &Sandbox, target: &str, dir: &Path) -> serde_json::Value {
    let mut c = sb.dl().args(["check", target, "--json"]).command();
    c.current_dir(dir);
    let out = c.output().unwrap();
    let code = out.status.code().unwrap_or(-1);
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    assert!(code == 0 || code == 1, "{stdout}\n{}", String::from_utf8_lossy(&out.stderr));
    serde_json::from_str(&stdout).unwrap_or_else(|e| panic!("not JSON ({e}):\n{stdout}"))
}

pub(crate) fn passes(sb: &Sandbox, target: &str, dir: &Path) -> bool {
    check_in(sb, target, dir)["passed"] == true
}

/// Asks until the step passes (a server starting, an event reaching the log), at most
/// a deadline, and says what was found last.
#[track_caller]
pub(crate) fn passes_soon(sb: &Sandbox, target: &str, dir: &Path) {
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
    loop {
        let v = check_in(sb, target, dir);
        if v["passed"] == true {
            return;
        }
        assert!(std::time::Instant::now() < deadline, "{target} did not pass: {v}");
        std::thread::sleep(std::time::Duration::from_millis(200));
    }
}

/// A shell line with the sandbox's `docker`, labelling what `run` creates.
pub(crate) fn sh(sb: &Sandbox, dir: &Path, line: &str) {
    let shim = dockerlearn::verify::Shim::new(&sb.label).unwrap();
    // Wrong attempts may fail on purpose: the checkpoint judges the result, not the status.
    let ran = Command::new("/bin/sh").arg("-c").arg(line).current_dir(dir).env("PATH", &shim.path_env).status();
    assert!(ran.is_ok(), "`{line}` could not start: {ran:?}");
}

/// The learner begins `lesson/step` now: events before this are not the step's.
pub(crate) fn begin(sb: &Sandbox, lesson: &str, step: &str) {
    let progress = serde_json::json!({
        "format_version": 1,
        "courses": {"docker-basics": {"lessons": {lesson: {"started": {step: dockerlearn::progress::now()}}}}}
    });
    std::fs::write(sb.data.path().join("progress.json"), progress.to_string()).unwrap();
}

/// Removes the images carrying the sandbox's label, by id.
pub(crate) struct LabelledImages(pub(crate) String);

impl Drop for LabelledImages {
    fn drop(&mut self) {
        for id in docker(&["images", "-q", "--no-trunc", "--filter", &format!("label={}", self.0)]).lines() {
            let _ = docker_status(&["rmi", "-f", id]);
        }
    }
}

#[track_caller]
pub(crate) fn absent(reference: &str) {
    assert!(
        !docker_status(&["image", "inspect", reference]).status.success(),
        "`{reference}` exists on this engine and is not ours: remove it to run this test"
    );
}

#[test]
fn interactive_needs_python_left_with_code_3_and_rm() {
    let _image = Image::acquire("python:3.12-slim");
    let sb = Sandbox::new();
    let dir = tempfile::tempdir().unwrap();
    // Without -it Python reads no input and exits 0 at once: not the step.
    sh(&sb, dir.path(), "docker run --rm python:3.12-slim");
    assert!(!passes(&sb, "pull-run/interactive", dir.path()));
    sh(&sb, dir.path(), "echo 'exit(3)' | docker run -i --rm python:3.12-slim");
    passes_soon(&sb, "pull-run/interactive", dir.path());
}

#[test]
fn an_exec_of_a_missing_command_is_not_the_step() {
    let _image = Image::acquire("python:3.12-slim");
    let _names = fixed_names();
    let sb = Sandbox::new();
    let dir = tempfile::tempdir().unwrap();
    sb.run(&["-d", "--name", "pyserver", "python:3.12-slim", "python", "-u", "-m", "http.server", "8000"]);
    // Exits 127: the engine reports it in the exec_die event.
    sh(&sb, dir.path(), "docker exec pyserver nosuchcommand");
    let v = check_in(&sb, "pull-run/logs-exec", dir.path());
    assert_eq!(v["passed"], false, "{v}");
    sh(&sb, dir.path(), "docker exec pyserver python --version");
    passes_soon(&sb, "pull-run/logs-exec", dir.path());
}

#[test]
fn dockerignore_needs_a_rebuild_and_accepts_it() {
    let _image = Image::acquire("alpine:3.22");
    let _names = fixed_names();
    absent("test:pipeline");
    let sb = Sandbox::new();
    let _images = LabelledImages(sb.label.clone());
    let folder = sb.folder("pipeline");
    let d = folder.as_path();
    std::fs::write(d.join("pipeline.sh"), "echo job finished successfully for day = $1\n").unwrap();
    std::fs::write(d.join("secret.env"), "API_KEY=do-not-ship\n").unwrap();
    // The old image, as the step before left it: only the script copied.
    std::fs::write(
        d.join("Dockerfile"),
        "FROM alpine:3.22\nWORKDIR /app\nCOPY pipeline.sh pipeline.sh\nENTRYPOINT [\"sh\", \"pipeline.sh\"]\n",
    )
    .unwrap();
    sh(&sb, d, "docker build -q -t test:pipeline .");
    begin(&sb, "dockerfile", "dockerignore");
    // The lazy attempt: the new files written, the listing run, no rebuild.
    std::fs::write(d.join(".dockerignore"), "secret.env\n").unwrap();
    std::fs::write(
        d.join("Dockerfile"),
        "FROM alpine:3.22\nWORKDIR /app\nCOPY . .\nENTRYPOINT [\"sh\", \"pipeline.sh\"]\n",
    )
    .unwrap();
    let listing = "docker run --name ignore-check --entrypoint ls test:pipeline -a";
    sh(&sb, d, listing);
    let v = check_in(&sb, "dockerfile/dockerignore", d);
    assert_eq!(v["passed"], false, "{v}");
    assert_eq!(v["outcomes"][2]["status"], "fail", "{v}");
    assert!(v["outcomes"][2]["found"].as_str().unwrap().contains("/app/Dockerfile"), "{v}");
    // The wrong attempt: rebuilt without `.dockerignore`, the secret ships.
    std::fs::remove_file(d.join(".dockerignore")).unwrap();
    sh(&sb, d, "docker build -q -t test:pipeline . && docker rm ignore-check");
    sh(&sb, d, listing);
    let v = check_in(&sb, "dockerfile/dockerignore", d);
    assert_eq!(v["passed"], false, "{v}");
    assert_eq!(v["outcomes"][0]["status"], "fail", "{v}");
    assert_eq!(v["outcomes"][3]["status"], "fail", "{v}");
    // The rebuild the step asks for.
    std::fs::write(d.join(".dockerignore"), "secret.env\n").unwrap();
    sh(&sb, d, "docker build -q -t test:pipeline . && docker rm ignore-check");
    sh(&sb, d, listing);
    passes_soon(&sb, "dockerfile/dockerignore", d);
}

#[test]
fn run_with_arg_refuses_a_run_without_the_date_or_with_another() {
    let _image = Image::acquire("alpine:3.22");
    let _names = fixed_names();
    absent("test:pipeline");
    let sb = Sandbox::new();
    let _images = LabelledImages(sb.label.clone());
    let folder = sb.folder("pipeline");
    let d = folder.as_path();
    std::fs::write(
        d.join("pipeline.sh"),
        "day=\"${1:?give the day to process, e.g. 2021-01-15}\"\necho \"job finished successfully for day = $day\"\n",
    )
    .unwrap();
    std::fs::write(
        d.join("Dockerfile"),
        "FROM alpine:3.22\nWORKDIR /app\nCOPY pipeline.sh pipeline.sh\nENTRYPOINT [\"sh\", \"pipeline.sh\"]\n",
    )
    .unwrap();
    sh(&sb, d, "docker build -q -t test:pipeline .");
    sh(&sb, d, "docker run --rm test:pipeline");
    assert!(!passes(&sb, "dockerfile/run-with-arg", d));
    sh(&sb, d, "docker run --name pipeline-run test:pipeline 2021-01-14");
    assert!(!passes(&sb, "dockerfile/run-with-arg", d));
    docker(&["rm", "pipeline-run"]);
    sh(&sb, d, "docker run --name pipeline-run test:pipeline 2021-01-15");
    passes_soon(&sb, "dockerfile/run-with-arg", d);
}

#[test]
fn client_passes_only_after_the_learners_own_request() {
    let _images = [Image::acquire("nginx:alpine"), Image::acquire("busybox:latest")];
    let _names = fixed_names();
    let sb = Sandbox::new();
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    docker(&["network", "create", "--label", &sb.label, "appnet"]);
    struct Net;
    impl Drop for Net {
        fn drop(&mut self) {
            let _ = docker_status(&["rm", "-f", "server", "client"]);
            let _ = docker_status(&["network", "rm", "appnet"]);
        }
    }
    let _net = Net;
    sb.run(&["-d", "--name", "server", "--network", "appnet", "nginx:alpine"]);
    sb.run(&["-d", "--name", "client", "--network", "appnet", "busybox", "sleep", "600"]);
    // The server answers by name, but the learner has not asked it yet.
    assert!(!passes(&sb, "networks/client", d));
    sh(&sb, d, "docker exec client nosuchcommand");
    assert!(!passes(&sb, "networks/client", d));
    // A command of the learner's that succeeds, but asks nobody.
    sh(&sb, d, "docker exec client true");
    assert!(!passes(&sb, "networks/client", d));
    // nginx may take a moment to listen: ask as a learner would, until it answers.
    sh(&sb, d, "for i in $(seq 50); do docker exec client wget -qO- http://server && break; sleep 0.2; done");
    passes_soon(&sb, "networks/client", d);
}

#[test]
fn notes_must_be_written_by_a_container_in_the_learners_folder() {
    let _image = Image::acquire("alpine:3.22");
    let _names = fixed_names();
    let sb = Sandbox::new();
    let folder = sb.folder("volumes");
    let d = folder.as_path();
    sh(&sb, d, "echo 'written in a container' > notes.txt && docker run --rm alpine:3.22 true");
    assert!(!passes(&sb, "volumes/bind-mount", d));
    std::fs::remove_file(d.join("notes.txt")).unwrap();
    // A container that wrote into another folder is not the step either.
    let elsewhere = tempfile::tempdir().unwrap();
    sh(
        &sb,
        elsewhere.path(),
        "docker run --name writer -v \"$PWD\":/work -w /work alpine:3.22 sh -c 'echo \"written in a container\" > notes.txt'",
    );
    assert!(!passes(&sb, "volumes/bind-mount", d));
    docker(&["rm", "writer"]);
    // The right folder mounted, the file there from before, but the container wrote nothing.
    std::fs::write(d.join("notes.txt"), "written in a container\n").unwrap();
    sh(&sb, d, "docker run --name writer -v \"$PWD\":/work -w /work alpine:3.22 true");
    assert!(!passes(&sb, "volumes/bind-mount", d));
    docker(&["rm", "writer"]);
    std::fs::remove_file(d.join("notes.txt")).unwrap();
    sh(
        &sb,
        d,
        "docker run --name writer -v \"$PWD\":/work -w /work alpine:3.22 sh -c 'echo \"written in a container\" > notes.txt'",
    );
    passes_soon(&sb, "volumes/bind-mount", d);
    // Asked from any other folder, as from a second terminal: the same verdict.
    passes_soon(&sb, "volumes/bind-mount", elsewhere.path());
}

#[test]
fn the_committed_image_must_hold_curl_and_run_it() {
    let _image = Image::acquire("alpine:3.22");
    let _names = fixed_names();
    absent("mytools:v1");
    let sb = Sandbox::new();
    let _images = LabelledImages(sb.label.clone());
    let folder = sb.folder("commit-share");
    let d = folder.as_path();
    // A commit of a container without curl: not the step, whatever its message.
    sb.run(&["--name", "tools", "alpine:3.22", "true"]);
    sh(&sb, d, "docker commit -m 'add curl' tools mytools:v1");
    assert!(!passes(&sb, "commit-share/commit", d));
    docker(&["rm", "tools"]);
    sb.run(&["--name", "tools", "alpine:3.22", "apk", "add", "--no-cache", "curl"]);
    sh(&sb, d, "docker commit -m 'installed curl by hand' tools mytools:v1");
    passes_soon(&sb, "commit-share/commit", d);

    // Without `--rm` the container stays, and its command can be read.
    sh(&sb, d, "docker run mytools:v1 true > curl-version.txt");
    assert!(!passes(&sb, "commit-share/run-it", d));
    // The image's command is still the install (`apk add --no-cache curl`): its output
    // names curl, but curl did not run.
    sh(&sb, d, "docker run mytools:v1 > curl-version.txt");
    assert!(!passes(&sb, "commit-share/run-it", d));
    sh(&sb, d, "docker run mytools:v1 curl --version > curl-version.txt");
    passes_soon(&sb, "commit-share/run-it", d);
    docker(&["rm", "tools"]);
}

#[test]
fn command_args_needs_echo() {
    let _image = Image::acquire("busybox:latest");
    let sb = Sandbox::new();
    let dir = tempfile::tempdir().unwrap();
    assert!(!passes(&sb, "whalesay/command-args", dir.path()));
    // Another command of busybox that exits 0 is not the step.
    sh(&sb, dir.path(), "docker run busybox true");
    assert!(!passes(&sb, "whalesay/command-args", dir.path()));
    sh(&sb, dir.path(), "docker run busybox echo Hello there!");
    passes_soon(&sb, "whalesay/command-args", dir.path());
}

/// A container run with `--rm` is gone when a one-off `dockerlearn check` looks: the
/// verdict says its command cannot be read. The prompt inspects each container as it
/// is created, so there the same run passes, and `true` instead of `echo` does not.
#[test]
fn rm_runs_are_judged_by_their_command_at_the_prompt() {
    let _image = Image::acquire("busybox:latest");
    let sb = Sandbox::new();
    let dir = tempfile::tempdir().unwrap();
    begin(&sb, "whalesay", "command-args");
    sh(&sb, dir.path(), "docker run --rm busybox echo Hello there!");
    let v = check_in(&sb, "whalesay/command-args", dir.path());
    assert_eq!(v["passed"], false, "{v}");
    assert!(v.to_string().contains("its command cannot be read any more"), "{v}");

    let test = sb.dl().env("SHELL", "/bin/sh").env("TERM", "xterm-256color").args(["start", "whalesay"]);
    let mut p = rexpect::session::spawn_command(test.command(), Some(30_000)).expect("the REPL starts in a pty");
    p.exp_string("[whalesay 1/5] $").unwrap();
    p.send_line(":next").unwrap();
    p.exp_string("[whalesay 2/5] $").unwrap();
    p.send_line(&format!("docker run --rm --label {} busybox true", sb.label)).unwrap();
    p.exp_string("its command was `true`, without `echo`").unwrap();
    p.send_line(&format!("docker run --rm --label {} busybox echo Hello there!", sb.label)).unwrap();
    p.exp_string("Step complete.").unwrap();
    p.send_line(":quit").unwrap();
    p.exp_string("Progress saved.").unwrap();
}

#[test]
fn a_query_that_fails_is_not_the_step() {
    let _image = Image::acquire("postgres:16-alpine");
    let _names = fixed_names();
    let sb = Sandbox::new();
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    sb.run(&["-d", "--name", "some-postgres", "-e", "POSTGRES_PASSWORD=pw", "postgres:16-alpine"]);
    sh(&sb, d, "docker exec some-postgres nosuchcommand");
    assert!(!passes(&sb, "services/query", d));
    sh(
        &sb,
        d,
        "for i in $(seq 60); do docker exec some-postgres pg_isready -h 127.0.0.1 -U postgres >/dev/null && break; sleep 1; done",
    );
    // The readiness probe above succeeded, but it is not the database's client.
    assert!(!passes(&sb, "services/query", d));
    sh(&sb, d, "docker exec some-postgres psql -U postgres -c 'select nosuchcolumn;'");
    assert!(!passes(&sb, "services/query", d));
    sh(&sb, d, "docker exec some-postgres psql -U postgres -c 'select version();'");
    passes_soon(&sb, "services/query", d);
}

#[test]
fn the_whale_must_run_cowsay() {
    let _image = Image::acquire("busybox:latest");
    let _names = fixed_names();
    absent("whalesay");
    let sb = Sandbox::new();
    let _images = LabelledImages(sb.label.clone());
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    std::fs::write(d.join("cowsay"), "#!/bin/sh\necho \"< $* >\"\necho '              ## ## ##'\n").unwrap();
    std::fs::write(
        d.join("Dockerfile"),
        "FROM busybox\nCOPY cowsay /usr/local/bin/cowsay\nRUN chmod +x /usr/local/bin/cowsay\n",
    )
    .unwrap();
    sh(&sb, d, "docker build -q -t whalesay .");
    assert!(!passes(&sb, "whalesay/whale-says", d));
    // The image ran, but not its `cowsay`.
    sh(&sb, d, "docker run whalesay true");
    assert!(!passes(&sb, "whalesay/whale-says", d));
    sh(&sb, d, "docker run whalesay cowsay Hello there!");
    passes_soon(&sb, "whalesay/whale-says", d);
}

#[test]
fn compose_accepts_either_file_name() {
    let sb = Sandbox::new();
    let folder = sb.folder("shop");
    let d = folder.as_path();
    std::fs::write(d.join("docker-compose.yml"), "services:\n  web:\n    image: nginx:alpine\n").unwrap();
    assert!(!passes(&sb, "compose/write-compose", d));
    // The service mounts `db-data`, but the file never declares it: Compose refuses it.
    std::fs::write(
        d.join("docker-compose.yml"),
        "services:\n  db:\n    volumes:\n      - db-data:/var/lib/postgresql/data\n",
    )
    .unwrap();
    assert!(!passes(&sb, "compose/write-compose", d));
    std::fs::write(
        d.join("docker-compose.yml"),
        "services:\n  db:\n    volumes:\n      - db-data:/var/lib/postgresql/data\nvolumes:\n  db-data:\n",
    )
    .unwrap();
    assert!(passes(&sb, "compose/write-compose", d));
}

#[test]
fn cmd_entrypoint_needs_the_exec_form_and_the_replaced_cmd() {
    let _image = Image::acquire("alpine:3.22");
    let _names = fixed_names();
    absent("greet:1");
    let sb = Sandbox::new();
    let _images = LabelledImages(sb.label.clone());
    let folder = sb.folder("greet");
    let d = folder.as_path();
    // The shell form ignores the argument: "hello" alone, and the image's config differs.
    std::fs::write(d.join("Dockerfile"), "FROM alpine:3.22\nENTRYPOINT echo hello\nCMD [\"world\"]\n").unwrap();
    sh(&sb, d, "docker build -q -t greet:1 . && docker run --rm greet:1 Docker > greeting.txt");
    let v = check_in(&sb, "dockerfile/cmd-entrypoint", d);
    assert_eq!(v["passed"], false, "{v}");
    assert_eq!(std::fs::read_to_string(d.join("greeting.txt")).unwrap().trim(), "hello");
    std::fs::write(d.join("Dockerfile"), "FROM alpine:3.22\nENTRYPOINT [\"echo\", \"hello\"]\nCMD [\"world\"]\n")
        .unwrap();
    sh(&sb, d, "docker build -q -t greet:1 . && docker run --rm greet:1 Docker > greeting.txt");
    passes_soon(&sb, "dockerfile/cmd-entrypoint", d);
}

#[test]
fn python_job_needs_its_date() {
    let _image = Image::acquire("python:3.12-slim");
    let _names = fixed_names();
    absent("pyjob:1");
    let sb = Sandbox::new();
    let _images = LabelledImages(sb.label.clone());
    let folder = sb.folder("pyjob");
    let d = folder.as_path();
    std::fs::write(
        d.join("pipeline.py"),
        "import sys\n\nday = sys.argv[1]\nprint(f\"job finished successfully for day = {day}\")\n",
    )
    .unwrap();
    std::fs::write(
        d.join("Dockerfile"),
        "FROM python:3.12-slim\nWORKDIR /app\nCOPY pipeline.py pipeline.py\nENTRYPOINT [\"python\", \"pipeline.py\"]\n",
    )
    .unwrap();
    // Without the date: IndexError, exit 1, and the file holds no result.
    sh(&sb, d, "docker build -q -t pyjob:1 . && docker run --rm pyjob:1 > result.txt");
    assert!(!passes(&sb, "dockerfile/python-job", d));
    sh(&sb, d, "docker run --rm pyjob:1 2021-01-17 > result.txt");
    passes_soon(&sb, "dockerfile/python-job", d);
}

#[test]
fn tag_needs_the_registry_name() {
    let _image = Image::acquire("alpine:3.22");
    let _names = fixed_names();
    absent("mytools:v1");
    absent("localhost:5000/mytools:v1");
    let sb = Sandbox::new();
    let _images = LabelledImages(sb.label.clone());
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    sb.run(&["--name", "tools", "alpine:3.22", "true"]);
    sh(&sb, d, "docker commit tools mytools:v1 && docker tag mytools:v1 mytools:v2");
    assert!(!passes(&sb, "commit-share/tag", d));
    sh(&sb, d, "docker tag mytools:v1 localhost:5000/mytools:v1");
    passes_soon(&sb, "commit-share/tag", d);
    docker(&["rm", "tools"]);
}

#[test]
fn the_named_volume_must_hold_the_answer() {
    let _image = Image::acquire("alpine:3.22");
    let _names = fixed_names();
    let sb = Sandbox::new();
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    struct Volumes;
    impl Drop for Volumes {
        fn drop(&mut self) {
            let _ = docker_status(&["volume", "rm", "notes-data", "other-data", "notesdata"]);
        }
    }
    let _volumes = Volumes;
    assert!(!docker_status(&["volume", "inspect", "notes-data"]).status.success(), "`notes-data` exists already");
    // Checked before the volume exists: the check must not make it.
    assert!(!passes(&sb, "volumes/named-volume", d));
    assert!(
        !docker_status(&["volume", "inspect", "notes-data"]).status.success(),
        "the check created the volume the learner is asked to create"
    );
    // A typo: the verdict names the volume there is.
    assert!(!docker_status(&["volume", "inspect", "notesdata"]).status.success(), "`notesdata` exists already");
    docker(&["volume", "create", "--label", &sb.label, "notesdata"]);
    let v = check_in(&sb, "volumes/named-volume", d);
    assert!(v.to_string().contains("there is no volume `notes-data`; did you mean `notesdata`?"), "{v}");
    docker(&["volume", "create", "--label", &sb.label, "notes-data"]);
    docker(&["volume", "create", "--label", &sb.label, "other-data"]);
    // The volume exists and a container of the image ran: lazy, nothing was written.
    sh(&sb, d, "docker run --rm -v notes-data:/data alpine:3.22 true");
    assert!(!passes(&sb, "volumes/named-volume", d));
    // Written, but into another volume, and into the container's own files.
    sh(&sb, d, "docker run --rm -v other-data:/data alpine:3.22 sh -c 'echo 42 > /data/answer'");
    sh(&sb, d, "docker run --rm -v notes-data:/data alpine:3.22 sh -c 'echo 42 > /answer'");
    assert!(!passes(&sb, "volumes/named-volume", d));
    sh(&sb, d, "docker run --rm -v notes-data:/data alpine:3.22 sh -c 'echo 42 > /data/answer'");
    passes_soon(&sb, "volumes/named-volume", d);
}

/// `compose/up` is about the project in the lesson's folder: another project's `web`
/// on the same engine does not pass it, whichever folder the check runs in.
#[test]
fn compose_checks_the_project_of_the_lessons_folder() {
    let _image = Image::acquire("nginx:alpine");
    let _names = fixed_names();
    let Some(compose) = dockerlearn::engine::tools::compose() else {
        panic!(
            "neither `docker compose` nor `docker-compose` is installed: install one (apt-get install docker-compose)"
        );
    };
    let sb = Sandbox::new();
    let shop = sb.folder("shop");
    let other = sb.folder("othershop");
    let file = format!("services:\n  web:\n    image: nginx:alpine\n    labels:\n      - \"{}\"\n", sb.label);
    for dir in [&shop, &other] {
        std::fs::write(dir.join("compose.yaml"), &file).unwrap();
    }
    let compose_in = |dir: &Path, args: &str| {
        let line = dockerlearn::engine::tools::rewrite(&format!("docker compose {args}"), Some(&compose));
        let out = Command::new("sh")
            .arg("-c")
            .arg(&line)
            .current_dir(dir)
            .env_remove("COMPOSE_PROJECT_NAME")
            .output()
            .unwrap();
        assert!(out.status.success(), "{line}: {}", String::from_utf8_lossy(&out.stderr));
    };
    struct Down<'a>(Box<dyn Fn() + 'a>);
    impl Drop for Down<'_> {
        fn drop(&mut self) {
            (self.0)()
        }
    }
    let _down = Down(Box::new(|| {
        for dir in [&shop, &other] {
            let line = dockerlearn::engine::tools::rewrite("docker compose down -v", Some(&compose));
            let _ = Command::new("sh").arg("-c").arg(&line).current_dir(dir).output();
        }
    }));
    let web = |v: &serde_json::Value| v["outcomes"][0]["status"].as_str().unwrap_or_default().to_owned();
    let check = |dir: &Path| {
        let out = sb
            .dl()
            .remove_env("COMPOSE_PROJECT_NAME")
            .args(["check", "compose/up", "--json"])
            .command()
            .current_dir(dir)
            .output()
            .unwrap();
        serde_json::from_slice::<serde_json::Value>(&out.stdout).unwrap()
    };
    compose_in(&other, "up -d");
    let v = check(&shop);
    assert_eq!(web(&v), "fail", "another project's web passes: {v}");
    assert!(v["outcomes"][0]["found"].as_str().unwrap_or_default().contains("othershop/web"), "{v}");
    compose_in(&shop, "up -d");
    let v = check(&other);
    assert_eq!(web(&v), "pass", "the project of ~/dockerlearn/shop, checked from another folder: {v}");
}
