//! What the recording proxy costs an ordinary command: `docker ps` run straight at the
//! engine against the same through the proxy the prompt puts in front of it, and one
//! raw API round trip (`GET /_ping`, a connection of its own) each way, and
//! `docker create` (which the proxy follows with an inspection of the new container
//! before it answers). Run with `cargo bench --bench proxy`. The containers it creates
//! are labelled `org.dockerlearn.bench` and removed at once; they never start.

use dockerlearn::engine::context;
use dockerlearn::engine::recorder::Recorder;
use std::io::{Read, Write};
use std::process::Command;
use std::time::{Duration, Instant};

const ROUNDS: usize = 40;

fn stats(mut samples: Vec<Duration>) -> String {
    samples.sort();
    let q = |f: f64| samples[((samples.len() - 1) as f64 * f) as usize];
    format!(
        "median {:>8.3} ms   p10 {:>8.3} ms   p90 {:>8.3} ms   (n={})",
        q(0.5).as_secs_f64() * 1e3,
        q(0.1).as_secs_f64() * 1e3,
        q(0.9).as_secs_f64() * 1e3,
        samples.len()
    )
}

fn docker_ps(host: &str) -> Duration {
    let t = Instant::now();
    let out = Command::new("docker").arg("ps").env("DOCKER_HOST", host).output().expect("docker runs");
    assert!(out.status.success(), "docker ps at {host}: {}", String::from_utf8_lossy(&out.stderr));
    t.elapsed()
}

fn ping(socket: &str) -> Duration {
    let t = Instant::now();
    let mut s = std::os::unix::net::UnixStream::connect(socket).expect("the socket answers");
    s.write_all(b"GET /_ping HTTP/1.1\r\nHost: docker\r\nConnection: close\r\n\r\n").unwrap();
    let mut answer = Vec::new();
    s.read_to_end(&mut answer).unwrap();
    assert!(answer.starts_with(b"HTTP/1.1 200"), "{}", String::from_utf8_lossy(&answer));
    t.elapsed()
}

fn main() {
    if std::env::args().any(|a| a == "--list") {
        return;
    }
    let endpoint = context::resolve_from_environment().expect("an engine endpoint");
    let rt = tokio::runtime::Builder::new_multi_thread().worker_threads(1).enable_all().build().unwrap();
    let recorder = {
        let _in = rt.enter();
        Recorder::start(&endpoint).expect("the engine is on a local socket")
    };
    let (direct, proxied) = (endpoint.host.clone(), recorder.host());
    let sockets = [direct.trim_start_matches("unix://").to_owned(), proxied.trim_start_matches("unix://").to_owned()];
    // Warm both paths (the CLI's binary, the engine's caches).
    for host in [&direct, &proxied] {
        docker_ps(host);
    }
    let (mut ps, mut ps_proxied, mut raw, mut raw_proxied) = (vec![], vec![], vec![], vec![]);
    for _ in 0..ROUNDS {
        ps.push(docker_ps(&direct));
        ps_proxied.push(docker_ps(&proxied));
        raw.push(ping(&sockets[0]));
        raw_proxied.push(ping(&sockets[1]));
    }
    println!("docker ps, direct         {}", stats(ps));
    println!("docker ps, through proxy  {}", stats(ps_proxied));
    println!("GET /_ping, direct        {}", stats(raw));
    println!("GET /_ping, through proxy {}", stats(raw_proxied));
    // Any image on the engine will do: the containers are created, never started.
    let images = Command::new("docker").args(["images", "-q"]).output().expect("docker runs");
    match String::from_utf8_lossy(&images.stdout).lines().next() {
        Some(image) => {
            let (mut create, mut create_proxied) = (vec![], vec![]);
            for _ in 0..ROUNDS / 4 {
                create.push(docker_create(&direct, image));
                create_proxied.push(docker_create(&proxied, image));
            }
            println!("docker create, direct     {}", stats(create));
            println!("docker create, via proxy  {}", stats(create_proxied));
        }
        None => println!("docker create: no image on the engine to create from, not measured"),
    }
    drop(recorder);
}

/// `docker create` at `host`; the container is removed straight after, untimed.
fn docker_create(host: &str, image: &str) -> Duration {
    let t = Instant::now();
    let out = Command::new("docker")
        // A command of its own: the image may have none.
        .args(["create", "--label", "org.dockerlearn.bench=proxy", image, "true"])
        .env("DOCKER_HOST", host)
        .output()
        .expect("docker runs");
    let took = t.elapsed();
    assert!(out.status.success(), "docker create at {host}: {}", String::from_utf8_lossy(&out.stderr));
    let id = String::from_utf8_lossy(&out.stdout).trim().to_owned();
    let removed = Command::new("docker").args(["rm", &id]).output().expect("docker runs");
    assert!(removed.status.success(), "docker rm {id}: {}", String::from_utf8_lossy(&removed.stderr));
    took
}
