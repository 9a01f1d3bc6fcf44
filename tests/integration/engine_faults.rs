//! Engines that misbehave: one that answers `/_ping` and nothing else, one that accepts
//! connections and never answers. Neither may pass a checkpoint, and neither may hold
//! the learner: every engine call has a deadline.

use crate::support::Test;
use std::io::{BufRead, BufReader, Write};
use std::os::unix::net::UnixListener;
use std::time::{Duration, Instant};

/// A fake engine on a unix socket in a temporary directory; `answer` gets the request
/// line and returns the raw response, or None to keep silent.
struct FakeEngine {
    dir: tempfile::TempDir,
}

impl FakeEngine {
    fn start(answer: fn(&str) -> Option<String>) -> FakeEngine {
        let dir = tempfile::tempdir().unwrap();
        let listener = UnixListener::bind(dir.path().join("docker.sock")).unwrap();
        std::thread::spawn(move || {
            for stream in listener.incoming().flatten() {
                std::thread::spawn(move || {
                    let mut reader = BufReader::new(stream.try_clone().unwrap());
                    let mut stream = stream;
                    loop {
                        let mut request = String::new();
                        if reader.read_line(&mut request).unwrap_or(0) == 0 {
                            return;
                        }
                        let mut line = String::new();
                        while reader.read_line(&mut line).unwrap_or(0) > 0 && !line.trim().is_empty() {
                            line.clear();
                        }
                        match answer(&request) {
                            Some(response) => {
                                let _ = stream.write_all(response.as_bytes());
                            }
                            // Silent: hold the connection open without a word.
                            None => std::thread::sleep(Duration::from_secs(600)),
                        }
                    }
                });
            }
        });
        FakeEngine { dir }
    }

    fn host(&self) -> String {
        format!("unix://{}", self.dir.path().join("docker.sock").display())
    }
}

fn ping_only(request: &str) -> Option<String> {
    let body = if request.contains("/_ping") { "OK" } else { "{\"message\":\"page not found\"}" };
    let status = if request.contains("/_ping") { "200 OK" } else { "404 Not Found" };
    Some(format!(
        "HTTP/1.1 {status}\r\nApi-Version: 1.41\r\nServer: Docker/20.10.24 (linux)\r\nOstype: linux\r\nContent-Length: {}\r\n\r\n{body}",
        body.len()
    ))
}

fn silent(_: &str) -> Option<String> {
    None
}

/// Runs the test to its end, failing (not hanging) if it takes longer than `limit`.
fn run_within(test: Test, limit: Duration) -> (i32, String) {
    let mut child = test.command().stdout(std::process::Stdio::piped()).spawn().unwrap();
    let start = Instant::now();
    loop {
        if let Some(status) = child.try_wait().unwrap() {
            let mut out = String::new();
            std::io::Read::read_to_string(&mut child.stdout.take().unwrap(), &mut out).unwrap();
            return (status.code().unwrap_or(-1), out);
        }
        if start.elapsed() > limit {
            let _ = child.kill();
            panic!("dockerlearn still waits on the engine after {limit:?}");
        }
        std::thread::sleep(Duration::from_millis(50));
    }
}

#[test]
fn an_engine_that_only_answers_ping_does_not_pass_the_install_check() {
    let fake = FakeEngine::start(ping_only);
    let data = tempfile::tempdir().unwrap();
    let test = Test::new()
        .env("DOCKER_HOST", fake.host())
        .env("DOCKERLEARN_DATA_DIR", data.path())
        .args(["check", "install-check/engine-version"]);
    let (code, out) = run_within(test, Duration::from_secs(60));
    assert_eq!(code, 3, "{out}");
    assert!(out.contains("FAIL the Docker engine answers"), "{out}");
    assert!(out.contains("did not answer as expected"), "{out}");
}

#[test]
fn an_engine_that_never_answers_is_given_up_on_with_advice() {
    let fake = FakeEngine::start(silent);
    let data = tempfile::tempdir().unwrap();
    let test = Test::new()
        .env("DOCKER_HOST", fake.host())
        .env("DOCKERLEARN_DATA_DIR", data.path())
        .args(["check", "install-check/engine-version"]);
    let (code, out) = run_within(test, Duration::from_secs(60));
    assert_eq!(code, 3, "{out}");
    assert!(out.contains("accepted the connection but did not answer within 5 seconds"), "{out}");
    assert!(out.contains("restart it"), "{out}");
}
