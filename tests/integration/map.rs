//! `dockerlearn map` against the real engine: a labelled network with two containers
//! from the busybox fixture, a volume and a published port, drawn with their names.

use crate::support::{Image, Sandbox, docker, docker_status, run_id};

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
    let made =
        Made { label: sb.label.clone(), network: format!("dl-map-net-{id}"), volume: format!("dl-map-data-{id}") };
    docker(&["network", "create", "--label", &sb.label, &made.network]);
    docker(&["volume", "create", "--label", &sb.label, &made.volume]);
    let (server, client) = (format!("dl-map-server-{id}"), format!("dl-map-client-{id}"));
    let mount = format!("{}:/data", made.volume);
    sb.run(&[
        "-d",
        "--name",
        &server,
        "--network",
        &made.network,
        "-p",
        "8000",
        "-v",
        &mount,
        "busybox:latest",
        "sleep",
        "600",
    ]);
    sb.run(&["-d", "--name", &client, "--network", &made.network, "busybox:latest", "sleep", "600"]);
    let host_port = docker(&["port", &server, "8000/tcp"]);
    let host_port = host_port.lines().next().and_then(|l| l.rsplit(':').next()).unwrap().trim().to_owned();

    let ran = sb.dl().args(["map"]).run().code(0);
    let mut settings = insta::Settings::clone_current();
    settings.add_filter(&regex_escape(id), "[run]");
    settings.add_filter(&format!("port {host_port} "), "port [host port] ");
    settings.add_filter(&format!("localhost:{host_port}"), "localhost:[host port]");
    settings.bind(|| insta::assert_snapshot!(ran.stdout));
    for needle in [&made.network, &made.volume, &server, &client] {
        assert!(ran.stdout.contains(needle.as_str()), "the map lacks {needle}:\n{}", ran.stdout);
    }
    assert!(ran.stdout.contains(&format!("host port {host_port} ──▶ 8000/tcp")), "{}", ran.stdout);
    assert!(!ran.stdout.contains('\u{1b}'), "NO_COLOR means plain");
}

fn regex_escape(s: &str) -> String {
    s.chars().map(|c| if c.is_ascii_alphanumeric() { c.to_string() } else { format!("\\{c}") }).collect()
}
