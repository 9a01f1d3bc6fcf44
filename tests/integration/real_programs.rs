//! What the real programs do that stand-ins hid, each against the image built from
//! Debian's packages, and the lesson's checkpoint that must tell the right way from the
//! wrong one: Python's buffered output, SIGTERM ignored by a first process, PostgreSQL's
//! temporary start-up server, the anonymous volume Compose leaves, and nginx reading as
//! an unprivileged user.

use crate::support::{Image, Sandbox, docker, docker_status, fixed_names};
use std::time::{Duration, Instant};

/// Waits until `f` holds, or fails after `secs` seconds saying what was awaited.
#[track_caller]
fn wait_until(secs: u64, what: &str, mut f: impl FnMut() -> bool) {
    let deadline = Instant::now() + Duration::from_secs(secs);
    while !f() {
        assert!(Instant::now() < deadline, "gave up after {secs} s waiting for {what}");
        std::thread::sleep(Duration::from_millis(200));
    }
}

/// Takes `name`, which must be our image of the real program: another image of that
/// name (a registry's, or another test process's stand-in) proves nothing here.
#[track_caller]
fn real(name: &'static str) -> Image {
    let image = Image::acquire(name);
    assert!(
        crate::fixtures::is_fixture(name),
        "`{name}` on this engine is not the test image of the real program (another test process's stand-in, or an image of yours): run again when it is gone"
    );
    image
}

fn check(sb: &Sandbox, target: &str) -> serde_json::Value {
    let ran = sb.dl().args(["check", target, "--json"]).run();
    assert!(ran.code == 0 || ran.code == 1, "{}\n{}", ran.stdout, ran.stderr);
    ran.json()
}

/// `check` run in `dir`, the learner's folder.
fn check_in(sb: &Sandbox, target: &str, dir: &std::path::Path) -> serde_json::Value {
    let out = sb.dl().args(["check", target, "--json"]).command().current_dir(dir).output().unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    assert!(matches!(out.status.code(), Some(0 | 1)), "{stdout}\n{}", String::from_utf8_lossy(&out.stderr));
    serde_json::from_str(&stdout).unwrap_or_else(|e| panic!("not JSON ({e}):\n{stdout}"))
}

fn logs(name: &str) -> String {
    let out = docker_status(&["logs", name]);
    format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr))
}

fn exec_ok(name: &str, command: &[&str]) -> bool {
    let mut args = vec!["exec", name];
    args.extend_from_slice(command);
    docker_status(&args).status.success()
}

/// A request to Python's server from inside its container, answered.
fn python_serves(name: &str) -> bool {
    exec_ok(name, &["python", "-c", "import urllib.request; urllib.request.urlopen('http://127.0.0.1:8000/')"])
}

#[test]
fn python_in_the_background_logs_only_unbuffered_and_the_detach_step_says_so() {
    let _image = real("python:3.12-slim");
    let _names = fixed_names();
    let sb = Sandbox::new();

    // As the lesson once had it: the server runs and answers, its request log (stderr)
    // shows, but what it printed to stdout stays in Python's buffer.
    sb.run(&["-d", "--name", "pyserver", "python:3.12-slim", "python", "-m", "http.server", "8000"]);
    wait_until(60, "Python's server to answer", || python_serves("pyserver"));
    wait_until(10, "the request in the log", || logs("pyserver").contains("\"GET / HTTP/1.1\" 200"));
    assert!(!logs("pyserver").contains("Serving HTTP"), "{}", logs("pyserver"));
    let v = check(&sb, "pull-run/detach");
    assert_eq!(v["passed"], false, "{v}");
    assert!(v["outcomes"][1]["hint"].as_str().unwrap_or_default().contains("python -u"), "{v}");
    docker(&["rm", "-f", "pyserver"]);

    // The lesson's command.
    sb.run(&["-d", "--name", "pyserver", "python:3.12-slim", "python", "-u", "-m", "http.server", "8000"]);
    wait_until(60, "`Serving HTTP` in the log", || logs("pyserver").contains("Serving HTTP on 0.0.0.0 port 8000"));
    assert_eq!(check(&sb, "pull-run/detach")["passed"], true);
}

#[test]
fn python_as_the_first_process_ignores_sigterm_and_is_killed() {
    let _image = real("python:3.12-slim");
    let sb = Sandbox::new();
    let exit_code = |id: &str| docker(&["inspect", "-f", "{{.State.ExitCode}}", id]).trim().to_owned();

    let id = sb.run(&["-d", "python:3.12-slim", "python", "-u", "-m", "http.server", "8000"]);
    let id = id.trim();
    wait_until(60, "Python's server to answer", || python_serves(id));
    docker(&["stop", "-t", "1", id]);
    assert_eq!(exit_code(id), "137", "killed after the wait, as the lesson says");

    // `--init` passes the signal on: Python, no longer the first process, ends at once.
    let id = sb.run(&["-d", "--init", "python:3.12-slim", "python", "-u", "-m", "http.server", "8000"]);
    let id = id.trim();
    wait_until(60, "Python's server to answer", || python_serves(id));
    docker(&["stop", "-t", "30", id]);
    assert_eq!(exit_code(id), "143", "ended by SIGTERM");
}

#[test]
fn postgres_answers_on_its_socket_before_it_is_ready_and_the_checkpoint_waits_for_tcp() {
    let _image = real("postgres:16-alpine");
    let _names = fixed_names();
    let sb = Sandbox::new();
    // An init script holds the image's temporary server until the test lets it go.
    let init = tempfile::tempdir().unwrap();
    std::fs::write(init.path().join("hold.sh"), "while [ ! -e /tmp/go ]; do sleep 0.1; done\n").unwrap();
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(init.path(), std::fs::Permissions::from_mode(0o755)).unwrap();
    let mount = format!("{}:/docker-entrypoint-initdb.d:ro", init.path().display());
    sb.run(&[
        "-d",
        "--rm",
        "--name",
        "some-postgres",
        "-e",
        "POSTGRES_PASSWORD=mysecretpassword",
        "-p",
        "5432",
        "-v",
        &mount,
        "postgres:16-alpine",
    ]);
    wait_until(120, "the temporary server", || {
        logs("some-postgres").contains("running /docker-entrypoint-initdb.d/hold.sh")
    });

    // The socket says ready; TCP does not, and neither does the checkpoint.
    let socket = docker_status(&["exec", "some-postgres", "pg_isready", "-U", "postgres"]);
    assert!(String::from_utf8_lossy(&socket.stdout).contains("accepting connections"));
    let tcp = docker_status(&["exec", "some-postgres", "pg_isready", "-h", "127.0.0.1", "-U", "postgres"]);
    assert!(String::from_utf8_lossy(&tcp.stdout).contains("no response"), "{tcp:?}");
    let v = check(&sb, "services/database");
    assert_eq!(v["passed"], false, "{v}");
    assert_eq!(v["outcomes"][3]["status"], "fail", "{v}");

    // Set free, the image stops the temporary server and starts the real one.
    docker(&["exec", "some-postgres", "touch", "/tmp/go"]);
    wait_until(60, "the checkpoint to pass", || check(&sb, "services/database")["passed"] == true);
    assert!(logs("some-postgres").contains("PostgreSQL init process complete; ready for start up."));
    // Once it passes, the next step's query works at once.
    let out = docker(&["exec", "some-postgres", "psql", "-U", "postgres", "-c", "select version();"]);
    assert!(out.contains("PostgreSQL"), "{out}");
    docker(&["stop", "some-postgres"]);
}

#[test]
fn postgres_without_a_password_refuses_with_the_official_message() {
    let _image = real("postgres:16-alpine");
    let sb = Sandbox::new();
    let id = sb.run(&["-d", "postgres:16-alpine"]);
    let id = id.trim();
    wait_until(60, "the container to exit", || docker(&["inspect", "-f", "{{.State.Status}}", id]).trim() == "exited");
    assert_eq!(docker(&["inspect", "-f", "{{.State.ExitCode}}", id]).trim(), "1");
    let log = logs(id);
    assert!(log.contains("Error: Database is uninitialized and superuser password is not specified."), "{log}");
    assert!(log.contains("\"-e POSTGRES_PASSWORD=password\""), "{log}");
    docker(&["rm", "-v", id]);
}

/// The volume mounted at the database's data folder in `container`.
fn data_volume(container: &str) -> String {
    docker(&[
        "inspect",
        "-f",
        "{{range .Mounts}}{{if eq .Destination \"/var/lib/postgresql/data\"}}{{.Name}}{{end}}{{end}}",
        container,
    ])
    .trim()
    .to_owned()
}

#[test]
fn compose_down_leaves_the_database_volume_and_down_v_removes_it() {
    let _images = [real("postgres:16-alpine")];
    let Some(compose) = dockerlearn::engine::tools::compose() else {
        panic!(
            "neither `docker compose` nor `docker-compose` is installed: install one (apt-get install docker-compose)"
        );
    };
    let sb = Sandbox::new();
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("compose.yaml"),
        format!(
            "services:\n  db:\n    image: postgres:16-alpine\n    environment:\n      POSTGRES_PASSWORD: example\n    labels:\n      - \"{}\"\n",
            sb.label
        ),
    )
    .unwrap();
    let project = format!("dlreal{}", std::process::id());
    let compose_cmd = |args: &str| {
        let line = dockerlearn::engine::tools::rewrite(&format!("docker compose -p {project} {args}"), Some(&compose));
        let out = std::process::Command::new("sh").arg("-c").arg(&line).current_dir(dir.path()).output().unwrap();
        assert!(out.status.success(), "{line}: {}", String::from_utf8_lossy(&out.stderr));
    };
    let db = || docker(&["ps", "-aq", "--filter", &format!("label={}", sb.label)]).trim().to_owned();

    compose_cmd("up -d");
    let volume = data_volume(&db());
    assert!(!volume.is_empty(), "the image declares a volume for its data");
    compose_cmd("down");
    assert!(docker_status(&["volume", "inspect", &volume]).status.success(), "`down` leaves the volume");
    docker(&["volume", "rm", &volume]);

    compose_cmd("up -d");
    let volume = data_volume(&db());
    compose_cmd("down -v");
    assert!(!docker_status(&["volume", "inspect", &volume]).status.success(), "`down -v` removes it");
}

#[test]
fn nginx_reads_as_an_unprivileged_user_so_a_private_folder_gives_403() {
    let _image = real("nginx:alpine");
    let _names = fixed_names();
    let sb = Sandbox::new();
    use std::os::unix::fs::PermissionsExt;
    let site = sb.folder("mysite");
    std::fs::write(site.join("index.html"), "<h1>Hello from my folder</h1>\n").unwrap();
    std::fs::set_permissions(&site, std::fs::Permissions::from_mode(0o700)).unwrap();
    let mount = format!("{}:/usr/share/nginx/html:ro", site.display());
    sb.run(&[
        "-d",
        "--rm",
        "--name",
        "webdev",
        "-p",
        "80",
        "-v",
        &mount,
        "-w",
        "/usr/share/nginx/html",
        "nginx:alpine",
    ]);

    let mut v = check_in(&sb, "aliases/use-it", &site);
    wait_until(30, "nginx to answer", || {
        v = check_in(&sb, "aliases/use-it", &site);
        v["outcomes"][2]["found"].as_str().unwrap_or_default().contains("403")
    });
    assert!(v["outcomes"][2]["hint"].as_str().unwrap_or_default().contains("chmod a+rx ."), "{v}");

    // The lesson's fix, on the mounted folder: no restart needed.
    std::fs::set_permissions(&site, std::fs::Permissions::from_mode(0o755)).unwrap();
    let mut v = serde_json::Value::Null;
    let passed = Instant::now() + Duration::from_secs(30);
    while Instant::now() < passed {
        v = check_in(&sb, "aliases/use-it", &site);
        if v["passed"] == true {
            break;
        }
        std::thread::sleep(Duration::from_millis(200));
    }
    assert_eq!(v["passed"], true, "the page, in the learner's folder: {v}");
    docker(&["stop", "webdev"]);
}
