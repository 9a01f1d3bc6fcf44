//! The classroom end to end on loopback: a real `class serve`, learners as real
//! processes (`check` from second terminals, and a prompt in a pty) against the real
//! engine, the instructor's terminal commands, a server killed with SIGKILL and
//! started again, hostile requests, and the board in headless Chromium.

use crate::support::{Image, Sandbox, Test, wait_until};
use rexpect::session::spawn_command;
use std::io::BufRead;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// A class server on a free loopback port, with its own data directory.
struct Server {
    child: Child,
    data: tempfile::TempDir,
    url: String,
    code: String,
    token: String,
    port: u16,
    extra: Vec<String>,
}

impl Server {
    fn start() -> Server {
        Self::start_with("127.0.0.1:0", &[])
    }

    fn start_with(bind: &str, extra: &[&str]) -> Server {
        let data = tempfile::tempdir().unwrap();
        let (child, url, code, token) = Self::spawn(data.path(), bind, extra);
        let port = url.rsplit(':').next().unwrap().parse().unwrap();
        Server { child, data, url, code, token, port, extra: extra.iter().map(|s| s.to_string()).collect() }
    }

    /// What the server wrote on standard error.
    fn stderr(&self) -> String {
        std::fs::read_to_string(self.data.path().join("stderr")).unwrap_or_default()
    }

    /// Starts `class serve` and reads what it prints until the board's address.
    fn spawn(data: &Path, bind: &str, extra: &[&str]) -> (Child, String, String, String) {
        let stderr = std::fs::File::create(data.join("stderr")).unwrap();
        let mut child = Test::new()
            .args(["--data-dir"])
            .args([data])
            .args(["class", "serve", "--bind", bind])
            .args(extra)
            .command()
            .stdout(Stdio::piped())
            .stderr(stderr)
            .spawn()
            .expect("class serve starts");
        let mut lines = std::io::BufReader::new(child.stdout.take().unwrap()).lines();
        let (mut join, mut board) = (None, None);
        while board.is_none() {
            let line = lines.next().expect("class serve prints the board's address").unwrap();
            if let Some(rest) = line.trim().strip_prefix("dockerlearn start --join ") {
                join = Some(rest.to_owned());
            }
            if line.contains("/board#key=") {
                board = Some(line.trim().to_owned());
            }
        }
        // Keep reading so the server never blocks on a full pipe.
        std::thread::spawn(move || for _ in lines {});
        let join = join.expect("a join line");
        let (url, code) = join.split_once(' ').unwrap();
        let token = board.unwrap().split("#key=").nth(1).unwrap().to_owned();
        (child, url.to_owned(), code.to_owned(), token)
    }

    /// `kill -9`, as a crash would.
    fn kill(&mut self) {
        self.child.kill().unwrap();
        self.child.wait().unwrap();
    }

    /// Starts again on the same port with the same database.
    fn restart(&mut self) {
        let extra: Vec<&str> = self.extra.iter().map(String::as_str).collect();
        let (child, url, code, token) = Self::spawn(self.data.path(), &format!("127.0.0.1:{}", self.port), &extra);
        assert_eq!(code, self.code, "a restart keeps the class's join code");
        assert_eq!(token, self.token, "and the instructor's key");
        assert_eq!(url, self.url);
        self.child = child;
    }

    /// An instructor's command against this server.
    fn instructor(&self, args: &[&str]) -> crate::support::Ran {
        Test::new().args(["class"]).args(args).args(["--url", &self.url, "--token", &self.token]).run()
    }

    fn board(&self) -> serde_json::Value {
        let ran = self.instructor(&["board", "--json"]).code(0);
        ran.json()
    }

    fn learner<'b>(&self, board: &'b serde_json::Value, name: &str) -> &'b serde_json::Value {
        board["learners"]
            .as_array()
            .unwrap()
            .iter()
            .find(|l| l["name"] == name)
            .unwrap_or_else(|| panic!("{name} is on the board: {board}"))
    }

    /// The state of `name`'s cell for `step` ('P', 'F', ...).
    fn cell(&self, name: &str, step: &str) -> char {
        let board = self.board();
        let i = board["steps"].as_array().unwrap().iter().position(|s| s["id"] == step).expect("a step of the course");
        self.learner(&board, name)["cells"].as_str().unwrap().chars().nth(i).unwrap()
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn join(sb: &Sandbox, server: &Server, name: &str) {
    sb.dl().args(["join", &server.url, &server.code, "--name", name]).run().code(0).stdout_has("Joined the class");
}

#[test]
fn learners_checks_reach_the_board_with_their_failures_grouped() {
    let _image = Image::hello_world();
    let server = Server::start();
    let (ana, ben, cy) = (Sandbox::new(), Sandbox::new(), Sandbox::new());
    join(&ana, &server, "ana");
    join(&ben, &server, "ben");
    join(&cy, &server, "cy");
    ana.run(&["hello-world"]);
    ana.dl().args(["check", "hello-world/run-it"]).run().code(0);
    ben.dl().args(["check", "hello-world/run-it"]).run().code(1);
    cy.dl().args(["check", "hello-world/run-it"]).run().code(1);

    assert_eq!(server.cell("ana", "hello-world/run-it"), 'P');
    assert_eq!(server.cell("ben", "hello-world/run-it"), 'F');
    let board = server.board();
    let step = board["steps"].as_array().unwrap().iter().find(|s| s["id"] == "hello-world/run-it").unwrap();
    assert_eq!(step["passed"], 1);
    // ben and cy fail the same way: one cause, both names, in the assertion's words.
    let cause = &board["causes"][0];
    assert_eq!(cause["step"], "hello-world/run-it");
    assert_eq!(cause["learners"], serde_json::json!(["ben", "cy"]), "{board}");
    assert!(cause["found"].as_str().unwrap().contains("no container"), "{cause}");

    // A learner's detail: the last verdict with its failing assertion.
    let ben_id = server.learner(&board, "ben")["id"].as_u64().unwrap();
    let detail: serde_json::Value = agent()
        .get(&format!("{}/api/learners/{ben_id}", server.url))
        .header("Authorization", &format!("Bearer {}", server.token))
        .call()
        .unwrap()
        .into_body()
        .read_json()
        .unwrap();
    assert_eq!(detail["recent"][0]["passed"], false, "{detail}");
    assert_eq!(detail["recent"][0]["failures"][0]["found"], cause["found"], "{detail}");

    // The terminal board says the same, and the export has a row per learner and step.
    let text = server.instructor(&["board"]).code(0).stdout;
    assert!(text.contains("2 on hello-world/run-it"), "{text}");
    let csv = server.instructor(&["export", "--format", "csv"]).code(0).stdout;
    assert!(csv.starts_with("learner,learner_id,step,passed_at,marked,attempts,hints,solution\n"), "{csv}");
    let ana_row = csv.lines().find(|l| l.starts_with("ana,")).unwrap();
    assert!(ana_row.contains(",hello-world/run-it,") && ana_row.ends_with(",false,1,0,false"), "{ana_row}");
    assert!(!ana_row.contains(",hello-world/run-it,,"), "ana's row has her pass time: {ana_row}");
    let json = server.instructor(&["export", "--format", "json"]).code(0).json();
    assert_eq!(json.as_array().unwrap().len(), 3);
}

/// Sends empty lines until `text` appears: the prompt reads the class's news (holds,
/// messages, marks) each time it comes round.
fn until(p: &mut rexpect::session::PtySession, text: &str) {
    // The prompt shows what the class sent when it next reads a line: Enter, then a
    // look at what came for a moment, and again.
    let start = Instant::now();
    let mut seen = String::new();
    while start.elapsed() < Duration::from_secs(30) {
        p.send_line("").unwrap();
        let tick = Instant::now();
        while tick.elapsed() < Duration::from_secs(2) {
            match p.try_read() {
                Some(c) => {
                    seen.push(c);
                    if seen.ends_with(text) {
                        return;
                    }
                }
                None => std::thread::sleep(Duration::from_millis(20)),
            }
        }
    }
    panic!("waited 30 s for `{text}`; the prompt printed:\n{seen}");
}

#[test]
fn a_prompt_in_a_class_is_held_released_messaged_marked_and_raises_a_hand() {
    let _image = Image::hello_world();
    let server = Server::start();
    let sb = Sandbox::new();
    server.instructor(&["hold", "hello-world/run-it"]).code(0).stdout_has("Holding the class after hello-world/run-it");
    let test = sb.dl().env("SHELL", "/bin/sh").env("TERM", "xterm-256color").remove_env("DOCKER_HOST").args([
        "start",
        "hello-world",
        "--join",
        &server.url,
        &server.code,
        "--name",
        "dee",
    ]);
    let mut p = spawn_command(test.command(), Some(30_000)).expect("the prompt starts");
    p.exp_string("Joined the class").unwrap();
    p.exp_string("Class: connected to").unwrap();
    p.exp_string("Your instructor will hold the class after this step.").unwrap();
    p.exp_string("[hello-world 1/5] $").unwrap();

    // The step passes, and the prompt waits there.
    p.send_line(&format!("docker run --label {} hello-world", sb.label)).unwrap();
    p.exp_string("Step complete.").unwrap();
    p.exp_string("holds the class here").unwrap();
    p.exp_string("[hello-world 1/5] $").unwrap();
    p.send_line(":next").unwrap();
    p.exp_string("holds the class after this step").unwrap();
    wait_until("dee's pass on the board", Duration::from_secs(10), || server.cell("dee", "hello-world/run-it") == 'P');

    // A hand raised reaches the help queue, with its words.
    p.send_line(":raise which container was it?").unwrap();
    p.exp_string("you are in their help queue").unwrap();
    wait_until("dee in the help queue", Duration::from_secs(10), || {
        server.board()["help"]
            .as_array()
            .unwrap()
            .iter()
            .any(|h| h["name"] == "dee" && h["message"] == "which container was it?")
    });

    server.instructor(&["message", "Five minutes left", "--to", "dee"]).code(0);
    until(&mut p, "Message from your instructor: Five minutes left");
    server.instructor(&["release", "hello-world/run-it"]).code(0);
    until(&mut p, "released the class");
    p.exp_string("[hello-world 2/5] $").unwrap();

    // Marked done by the instructor: the prompt moves on and the help queue empties.
    server.instructor(&["mark", "dee", "hello-world/name-it"]).code(0);
    until(&mut p, "Your instructor marked hello-world/name-it as done.");
    p.exp_string("[hello-world 3/5] $").unwrap();
    assert_eq!(server.cell("dee", "hello-world/name-it"), 'M');

    // Hints reach the board too.
    p.send_line(":hint").unwrap();
    p.exp_string("Hint 1/").unwrap();
    p.send_line(":quit").unwrap();
    p.exp_string("Progress saved.").unwrap();
    p.exp_eof().unwrap();
    wait_until("the hint on the board", Duration::from_secs(5), || {
        let b = server.board();
        server.learner(&b, "dee")["hints"] == 1
    });
}

/// A prompt in the class, started in a pty: joining as `name`, or (None) resumed.
fn class_prompt(sb: &Sandbox, server: &Server, name: Option<&str>) -> rexpect::session::PtySession {
    let test = sb.dl().env("SHELL", "/bin/sh").env("TERM", "xterm-256color").remove_env("DOCKER_HOST");
    let test = match name {
        Some(name) => test.args(["start", "hello-world", "--join", &server.url, &server.code, "--name", name]),
        None => test.args(["start"]),
    };
    spawn_command(test.command(), Some(30_000)).expect("the prompt starts")
}

/// Reads for `how_long` without sending anything, and returns what the prompt printed.
fn read_for(p: &mut rexpect::session::PtySession, how_long: Duration) -> String {
    let start = Instant::now();
    let mut seen = String::new();
    while start.elapsed() < how_long {
        match p.try_read() {
            Some(c) => seen.push(c),
            None => std::thread::sleep(Duration::from_millis(20)),
        }
    }
    seen
}

/// Issue 18: a hold made while the learner sits at the prompt holds their very next
/// pass; the release, and news, arrive at the prompt without Enter; a hold is said
/// once, and only for the step in hand; a learner who comes back to a held step they
/// passed reads that the class is held here.
#[test]
fn a_hold_made_at_the_prompt_holds_the_next_pass_and_news_arrives_without_enter() {
    let _image = Image::hello_world();
    let server = Server::start();
    let sb = Sandbox::new();
    let mut p = class_prompt(&sb, &server, Some("eve"));
    p.exp_string("Class: connected to").unwrap();
    p.exp_string("[hello-world 1/5] $").unwrap();

    // The hold, and at once the command that passes the step.
    server.instructor(&["hold", "hello-world/run-it"]).code(0);
    p.send_line(&format!("docker run --label {} hello-world", sb.label)).unwrap();
    p.exp_string("Step complete.").unwrap();
    let before = p.exp_string("[hello-world 1/5] $").unwrap();
    assert!(before.contains("holds the class here"), "the pass was held:\n{before}");
    assert!(!before.contains("[hello-world 2/5]"), "{before}");

    // Another hold elsewhere: nothing is said about this step again.
    server.instructor(&["hold", "hello-world/clean-up"]).code(0);
    let quiet = read_for(&mut p, Duration::from_secs(3));
    assert!(!quiet.contains("will hold"), "said again, or for another step:\n{quiet}");

    // The release reaches the learner sitting at the prompt, Enter untouched.
    server.instructor(&["message", "Nearly there"]).code(0);
    p.exp_string("Message from your instructor: Nearly there").unwrap();
    server.instructor(&["release", "hello-world/run-it"]).code(0);
    p.exp_string("released the class").unwrap();
    p.exp_string("[hello-world 2/5] $").unwrap();
    p.send_line(":quit").unwrap();
    p.exp_eof().unwrap();

    // Held again at run-it, which eve passed: coming back there, she waits.
    server.instructor(&["hold", "hello-world/run-it"]).code(0);
    let mut p = class_prompt(&sb, &server, None);
    p.exp_string("[hello-world 2/5] $").unwrap();
    p.send_line(":back").unwrap();
    p.exp_string("[hello-world 1/5] $").unwrap();
    p.send_line(&format!("docker run --label {} hello-world", sb.label)).unwrap();
    p.exp_string("holds the class here").unwrap();
    p.send_line(":quit").unwrap();
    p.exp_eof().unwrap();
    let mut p = class_prompt(&sb, &server, None);
    let resumed = p.exp_string("[hello-world 1/5] $").unwrap();
    assert!(resumed.contains("holds the class here"), "{resumed}");
    assert!(!resumed.contains("will hold"), "{resumed}");
    p.send_line(":quit").unwrap();
    p.exp_eof().unwrap();
}

/// How many reports the board has counted.
fn reports(server: &Server) -> u64 {
    server.board()["reports"].as_u64().unwrap()
}

#[test]
fn a_server_killed_mid_class_loses_no_report() {
    let _image = Image::hello_world();
    let mut server = Server::start();
    let sb = Sandbox::new();
    join(&sb, &server, "eve");
    for _ in 0..3 {
        sb.dl().args(["check", "hello-world/run-it"]).run().code(1);
    }
    let before = reports(&server);
    assert_eq!(before, 3);

    server.kill();
    // The learner goes on; the reports wait on disk.
    for n in 1..=3 {
        sb.dl().args(["check", "hello-world/run-it"]).run().code(1).stderr_has(&format!("{n} report(s) wait"));
    }
    server.restart();
    assert_eq!(reports(&server), 3, "the database kept what had arrived");
    sb.run(&["hello-world"]);
    sb.dl().args(["check", "hello-world/run-it"]).run().code(0);
    let after = reports(&server);
    assert_eq!(after, 7, "the three that waited, and the new one");
    assert_eq!(server.cell("eve", "hello-world/run-it"), 'P');
}

fn agent() -> ureq::Agent {
    ureq::Agent::config_builder()
        .http_status_as_error(false)
        .timeout_global(Some(Duration::from_secs(10)))
        .build()
        .into()
}

fn post(url: &str, token: Option<&str>, body: &str) -> u16 {
    let mut req = agent().post(url).content_type("application/json");
    if let Some(t) = token {
        req = req.header("Authorization", &format!("Bearer {t}"));
    }
    req.send(body).unwrap().status().as_u16()
}

fn get(url: &str, token: Option<&str>) -> u16 {
    let mut req = agent().get(url);
    if let Some(t) = token {
        req = req.header("Authorization", &format!("Bearer {t}"));
    }
    req.call().unwrap().status().as_u16()
}

fn join_token(server: &Server, name: &str) -> String {
    let body = serde_json::json!({ "code": server.code, "name": name }).to_string();
    let res = agent().post(&format!("{}/api/join", server.url)).content_type("application/json").send(&body).unwrap();
    assert_eq!(res.status().as_u16(), 200);
    let v: serde_json::Value = res.into_body().read_json().unwrap();
    v["token"].as_str().unwrap().to_owned()
}

#[test]
fn hostile_requests_are_refused_and_others_still_served() {
    let server = Server::start();
    let u = |path: &str| format!("{}{path}", server.url);
    let ana = join_token(&server, "ana");
    let ben = join_token(&server, "ben");
    let report = |seq: u64| {
        format!(
            r#"{{"reports":[{{"seq":{seq},"at":1,"event":{{"kind":"attempt","step":{{"lesson":"hello-world","step":"run-it"}},"passed":true}}}}]}}"#
        )
    };

    assert_eq!(post(&u("/api/join"), None, r#"{"code":"WRONG-CODE","name":"mallory"}"#), 403);
    assert_eq!(post(&u("/api/join"), None, &format!(r#"{{"code":"{}","name":"\u001b[2J"}}"#, server.code)), 422);
    assert_eq!(post(&u("/api/reports"), Some(&ana), "{not json"), 400);
    assert_eq!(post(&u("/api/reports"), Some(&ana), r#"{"reports":[],"admin":true}"#), 422);
    let huge = format!(r#"{{"reports":[],"pad":"{}"}}"#, "x".repeat(200_000));
    assert_eq!(post(&u("/api/reports"), Some(&ana), &huge), 413);
    assert_eq!(post(&u("/api/reports"), None, &report(1)), 401);
    assert_eq!(post(&u("/api/reports"), Some("0000"), &report(1)), 401);
    // The instructor's endpoints: without a token, and with a learner's.
    assert_eq!(get(&u("/api/board"), None), 401);
    assert_eq!(get(&u("/api/board"), Some(&ana)), 403);
    assert_eq!(get(&u("/api/export?format=csv"), Some(&ana)), 403);
    assert_eq!(post(&u("/api/actions"), Some(&ana), r#"{"kind":"release"}"#), 403);
    assert_eq!(get(&u("/api/learners/2"), Some(&ana)), 403);

    // A learner's token writes that learner's rows only.
    assert_eq!(post(&u("/api/reports"), Some(&ana), &report(1)), 200);
    assert_eq!(server.cell("ana", "hello-world/run-it"), 'P');
    assert_eq!(server.cell("ben", "hello-world/run-it"), '-');

    // A flood from one client is slowed down; the others are still answered.
    let flood = std::thread::spawn({
        let url = u("/api/inbox");
        let ana = ana.clone();
        move || (0..300).map(|_| get(&url, Some(&ana))).filter(|s| *s == 429).count()
    });
    let mut ben_ok = 0;
    for _ in 0..20 {
        if get(&u("/api/inbox"), Some(&ben)) == 200 {
            ben_ok += 1;
        }
    }
    let refused = flood.join().unwrap();
    assert!(refused > 100, "the flood was slowed: {refused} of 300 refused");
    assert_eq!(ben_ok, 20, "ben was answered throughout the flood");
    assert_eq!(get(&u("/api/health"), None), 200);
}

#[test]
fn beyond_loopback_plain_http_is_warned_about() {
    let server = Server::start_with("0.0.0.0:0", &[]);
    assert!(server.stderr().contains("Warning: traffic is plain HTTP"), "{}", server.stderr());
    let local = Server::start();
    assert!(local.stderr().is_empty(), "no warning on loopback: {}", local.stderr());
}

/// A CA of the test's own and a certificate it signed for localhost and 127.0.0.1.
fn certificates(dir: &Path) -> (PathBuf, PathBuf, PathBuf) {
    let run = |args: &[&str]| {
        let out = Command::new("openssl").args(args).current_dir(dir).output().expect(
            "openssl makes the test's certificates. Run: apt-get install busybox-static mmdebstrap chromium chromium-driver openssl",
        );
        assert!(out.status.success(), "openssl {args:?}: {}", String::from_utf8_lossy(&out.stderr));
    };
    run(&[
        "req",
        "-x509",
        "-newkey",
        "rsa:2048",
        "-nodes",
        "-keyout",
        "ca.key",
        "-out",
        "ca.pem",
        "-days",
        "2",
        "-subj",
        "/CN=dockerlearn test CA",
    ]);
    run(&[
        "req",
        "-newkey",
        "rsa:2048",
        "-nodes",
        "-keyout",
        "server.key",
        "-out",
        "server.csr",
        "-subj",
        "/CN=localhost",
    ]);
    std::fs::write(dir.join("ext"), "subjectAltName=DNS:localhost,IP:127.0.0.1\nbasicConstraints=CA:FALSE\n").unwrap();
    run(&[
        "x509",
        "-req",
        "-in",
        "server.csr",
        "-CA",
        "ca.pem",
        "-CAkey",
        "ca.key",
        "-CAcreateserial",
        "-out",
        "server.pem",
        "-days",
        "2",
        "-extfile",
        "ext",
    ]);
    (dir.join("ca.pem"), dir.join("server.pem"), dir.join("server.key"))
}

#[test]
fn a_class_over_tls() {
    let _image = Image::hello_world();
    let certs = tempfile::tempdir().unwrap();
    let (ca, cert, key) = certificates(certs.path());
    let (cert, key) = (cert.display().to_string(), key.display().to_string());
    let server = Server::start_with("127.0.0.1:0", &["--tls-cert", &cert, "--tls-key", &key]);
    assert!(server.url.starts_with("https://localhost:"), "{}", server.url);
    let sb = Sandbox::new();
    // A certificate the learner's system does not trust is refused, saying why.
    let refused = sb.dl().args(["join", &server.url, &server.code]).run().code(2);
    assert!(refused.stderr.contains("certificate"), "{}", refused.stderr);
    let ca = ca.display().to_string();
    sb.dl().args(["join", &server.url, &server.code, "--name", "gus", "--ca", &ca]).run().code(0);
    sb.run(&["hello-world"]);
    sb.dl().args(["check", "hello-world/run-it"]).run().code(0);
    let board = Test::new()
        .args(["class", "board", "--json", "--url", &server.url, "--token", &server.token, "--ca", &ca])
        .run()
        .code(0)
        .json();
    assert_eq!(board["learners"][0]["name"], "gus");
    assert_eq!(board["learners"][0]["passed"], 1);
}

#[test]
fn the_board_page_in_headless_chromium_shows_a_pass_live() {
    let _image = Image::hello_world();
    let (chromium, driver) = browser();
    let server = Server::start();
    let sb = Sandbox::new();
    join(&sb, &server, "fay");
    sb.dl().args(["check", "hello-world/run-it"]).run().code(1);

    let wd = WebDriver::start(&driver, &chromium);
    wd.open(&format!("{}/board#key={}", server.url, server.token));
    let cell = r#"return (document.querySelector('tr[data-learner] td[data-step="hello-world/run-it"]') || {dataset: {}}).dataset.state || null"#;
    wd.wait_for(cell, "failing");
    assert_eq!(wd.script("return document.getElementById('status').textContent"), "Live");
    assert!(wd.script("return document.body.innerText").contains("Where the room fails"));

    sb.run(&["hello-world"]);
    sb.dl().args(["check", "hello-world/run-it"]).run().code(0);
    let passed_at = Instant::now();
    wd.wait_for(cell, "passed");
    let shown_after = passed_at.elapsed();
    eprintln!("the board showed the pass {} ms after `check` returned", shown_after.as_millis());

    let shot = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("class-board.png");
    wd.screenshot(&shot);
    eprintln!("screenshot: {}", shot.display());
    // The page without the key says what to do, and shows no class.
    wd.open(&format!("{}/board", server.url));
    wd.script("sessionStorage.clear(); location.reload(); return ''");
    wd.wait_for(
        "return document.getElementById('status').textContent.startsWith('No instructor key') ? 'said' : null",
        "said",
    );
}

/// Debian's chromium and its WebDriver, or a failure saying how to get them.
fn browser() -> (String, String) {
    let find = |names: &[&str]| names.iter().map(|n| format!("/usr/bin/{n}")).find(|p| Path::new(p).exists());
    let chromium = find(&["chromium", "chromium-browser"]);
    let driver = find(&["chromedriver"]);
    match (chromium, driver) {
        (Some(c), Some(d)) => (c, d),
        _ => panic!(
            "the board test drives Debian's Chromium and its WebDriver. Run: apt-get install busybox-static mmdebstrap chromium chromium-driver openssl"
        ),
    }
}

/// A WebDriver session on a chromedriver of our own.
struct WebDriver {
    driver: Child,
    base: String,
    session: String,
}

impl WebDriver {
    fn start(driver: &str, chromium: &str) -> WebDriver {
        let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
        let child = Command::new(driver)
            .arg(format!("--port={port}"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("chromedriver starts");
        let base = format!("http://127.0.0.1:{port}");
        wait_until("chromedriver to listen", Duration::from_secs(20), || {
            agent().get(&format!("{base}/status")).call().is_ok()
        });
        let profile = tempfile::tempdir().unwrap().keep();
        let caps = serde_json::json!({"capabilities": {"alwaysMatch": {
            "browserName": "chrome",
            "goog:chromeOptions": {"binary": chromium, "args": [
                "--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                "--window-size=1280,800", format!("--user-data-dir={}", profile.display())]}}}});
        let res = agent().post(&format!("{base}/session")).send_json(&caps).unwrap();
        let v: serde_json::Value = res.into_body().read_json().unwrap();
        let session = v["value"]["sessionId"].as_str().unwrap_or_else(|| panic!("a WebDriver session: {v}")).to_owned();
        WebDriver { driver: child, base, session }
    }

    fn call(&self, path: &str, body: serde_json::Value) -> serde_json::Value {
        let url = format!("{}/session/{}{path}", self.base, self.session);
        let res = agent().post(&url).send_json(&body).unwrap();
        let v: serde_json::Value = res.into_body().read_json().unwrap();
        v["value"].clone()
    }

    fn open(&self, url: &str) {
        self.call("/url", serde_json::json!({ "url": url }));
    }

    fn script(&self, js: &str) -> String {
        let v = self.call("/execute/sync", serde_json::json!({ "script": js, "args": [] }));
        v.as_str().map(str::to_owned).unwrap_or_else(|| v.to_string())
    }

    /// Waits until `js` returns `want`, checking every 20 ms.
    fn wait_for(&self, js: &str, want: &str) {
        let mut last = String::new();
        let start = Instant::now();
        while start.elapsed() < Duration::from_secs(15) {
            last = self.script(js);
            if last == want {
                return;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        panic!("waited 15 s for the page to give {want:?}; it gave {last:?}");
    }

    fn screenshot(&self, path: &Path) {
        let url = format!("{}/session/{}/screenshot", self.base, self.session);
        let v: serde_json::Value = agent().get(&url).call().unwrap().into_body().read_json().unwrap();
        use base64::Engine as _;
        let png = base64::engine::general_purpose::STANDARD.decode(v["value"].as_str().unwrap()).unwrap();
        std::fs::write(path, png).unwrap();
    }
}

impl Drop for WebDriver {
    fn drop(&mut self) {
        let _ = agent().delete(&format!("{}/session/{}", self.base, self.session)).call();
        let _ = self.driver.kill();
        let _ = self.driver.wait();
    }
}
