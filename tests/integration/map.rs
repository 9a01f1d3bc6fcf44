//! `dockerlearn map` against the real engine: a labelled network with two containers
//! from the busybox fixture, a volume and a published port, made at the sandbox's
//! prompt, drawn with their names; a container made outside the prompt is drawn only
//! with `--all` (`:map all`).

use crate::support::{Image, Sandbox, docker, docker_status, run_id};
use crate::support::{sandbox_prompt, told_after};

/// A network and a volume this test made, removed (by name) when it ends, after the
/// containers on them (which the sandbox removes too, but later).
struct Made {
    label: String,
    network: String,
    volume: String,
}

impl Drop for Made {
    fn drop(&mut self) {
        let ids = docker(&["ps", "-aq", "--filter", &format!("label={}", self.label)]);
        for id in ids.lines() {
            let _ = docker_status(&["rm", "-f", id]);
        }
        let _ = docker_status(&["network", "rm", &self.network]);
        let _ = docker_status(&["volume", "rm", &self.volume]);
    }
}

#[test]
fn the_map_draws_a_network_its_containers_a_volume_and_a_port() {
    let _busybox = Image::acquire("busybox:latest");
    let sb = Sandbox::new();
    let id = run_id();
    let label = &sb.label;
    let made = Made { label: label.clone(), network: format!("dl-map-net-{id}"), volume: format!("dl-map-data-{id}") };
    let (server, client, theirs) =
        (format!("dl-map-server-{id}"), format!("dl-map-client-{id}"), format!("dl-map-theirs-{id}"));
    let (net, vol) = (&made.network, &made.volume);
    let mut p = sandbox_prompt(sb.data.path());
    for line in [
        format!("docker network create --label {label} {net}"),
        format!("docker volume create --label {label} {vol}"),
        format!(
            "docker run -d --name {server} --label {label} --network {net} -p 8000 -v {vol}:/data busybox:latest sleep 600"
        ),
        format!("docker run -d --name {client} --label {label} --network {net} busybox:latest sleep 600"),
    ] {
        told_after(&mut p, &line);
    }
    // Made outside the prompt, on the same network: not the learner's.
    sb.run(&["-d", "--name", &theirs, "--network", net, "busybox:latest", "sleep", "600"]);
    p.send_line(":map").unwrap();
    let drawn = p.exp_string("`:map all` draws them.").unwrap();
    assert!(drawn.contains(&server) && !drawn.contains(&theirs), "{drawn}");
    p.send_line(":map all").unwrap();
    // Drawn by name under the network: the learner's first, then the other.
    let drawn = p.exp_string(&theirs).unwrap();
    assert!(drawn.contains(&server), "{drawn}");
    p.exp_string("[sandbox] $").unwrap();
    p.send_line(":quit").unwrap();
    p.exp_eof().unwrap();

    let host_port = docker(&["port", &server, "8000/tcp"]);
    let host_port = host_port.lines().next().and_then(|l| l.rsplit(':').next()).unwrap().trim().to_owned();
    let ran = sb.dl().args(["map"]).run().code(0);
    let mut settings = insta::Settings::clone_current();
    settings.add_filter(&regex_escape(id), "[run]");
    settings.add_filter(&format!("port {host_port} "), "port [host port] ");
    settings.add_filter(&format!("localhost:{host_port}"), "localhost:[host port]");
    settings.bind(|| insta::assert_snapshot!(ran.stdout));
    for needle in [net, vol, &server, &client] {
        assert!(ran.stdout.contains(needle.as_str()), "the map lacks {needle}:\n{}", ran.stdout);
    }
    assert!(!ran.stdout.contains(&theirs), "a container made outside the prompt is not the learner's:\n{}", ran.stdout);
    assert!(ran.stdout.contains(&format!("host port {host_port} ──▶ 8000/tcp")), "{}", ran.stdout);
    assert!(!ran.stdout.contains('\u{1b}'), "NO_COLOR means plain");
    let all = sb.dl().args(["map", "--all"]).run().code(0);
    for needle in [&server, &client, &theirs] {
        assert!(all.stdout.contains(needle.as_str()), "--all lacks {needle}:\n{}", all.stdout);
    }
}

fn regex_escape(s: &str) -> String {
    s.chars().map(|c| if c.is_ascii_alphanumeric() { c.to_string() } else { format!("\\{c}") }).collect()
}

/// In a lesson, the map draws the containers the lesson has the learner make even when
/// they were made in another terminal; another container stays for `:map all`.
#[test]
fn in_a_lesson_the_map_draws_the_lessons_containers_made_anywhere() {
    let _busybox = Image::acquire("busybox:latest");
    // The every-kind course's names are fixed (`ek-web`): one test at a time.
    let _names = crate::support::names(&["every-kind-course"]);
    let sb = Sandbox::new();
    let theirs = format!("dl-map-other-{}", run_id());
    // Made from another terminal: the lesson's `ek-web`, and one the lesson never names.
    sb.run(&["-d", "--name", "ek-web", "busybox:latest", "sleep", "600"]);
    sb.run(&["-d", "--name", &theirs, "busybox:latest", "sleep", "600"]);
    let course = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/courses/every-kind");
    let test = sb.dl().env("SHELL", "/bin/sh").env("TERM", "xterm-256color").remove_env("DOCKER_HOST").args([
        "start",
        "containers",
        "--lessons",
        course.to_str().unwrap(),
    ]);
    let mut p = rexpect::session::spawn_command(test.command(), Some(30_000)).expect("the prompt starts");
    p.exp_string("[containers 1/").unwrap();
    p.send_line(":map").unwrap();
    let drawn = p.exp_string("`:map all` draws them.").unwrap();
    assert!(drawn.contains("ek-web"), "the lesson's container is drawn:\n{drawn}");
    assert!(!drawn.contains(&theirs), "another container is not:\n{drawn}");
    p.send_line(":quit").unwrap();
    p.exp_eof().unwrap();
}
