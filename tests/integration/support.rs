//! Test helpers: the `Test` builder for CLI runs, labelled scopes, fixture images built
//! locally (no registry is reachable), and a socket proxy that can stop "the engine".

use std::collections::HashMap;
use std::ffi::OsString;
use std::os::unix::net::{UnixListener, UnixStream};
use std::path::PathBuf;
use std::process::{Command, Output};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, OnceLock};

pub const LABEL_KEY: &str = "org.dockerlearn.test";

pub fn bin() -> &'static str {
    env!("CARGO_BIN_EXE_dockerlearn")
}

/// One id for this test process, part of every label it sets.
pub fn run_id() -> &'static str {
    static ID: OnceLock<String> = OnceLock::new();
    ID.get_or_init(|| {
        let nanos = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_nanos();
        format!("{}-{}", std::process::id(), nanos % 1_000_000_000)
    })
}

/// A `docker` CLI call that must succeed.
#[track_caller]
pub fn docker(args: &[&str]) -> String {
    let out = Command::new("docker").args(args).output().expect("docker CLI runs");
    assert!(out.status.success(), "docker {} failed: {}", args.join(" "), String::from_utf8_lossy(&out.stderr));
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// A `docker` CLI call that may fail.
pub fn docker_status(args: &[&str]) -> Output {
    Command::new("docker").args(args).output().expect("docker CLI runs")
}

/// Waits until `condition` holds, checking every 20 ms; fails the test, saying what it
/// waited for, when it does not hold within `limit`.
#[track_caller]
pub fn wait_until(what: &str, limit: std::time::Duration, mut condition: impl FnMut() -> bool) {
    let start = std::time::Instant::now();
    while !condition() {
        assert!(start.elapsed() < limit, "waited {limit:?} for {what}");
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
}

/// Holds names that are global on the engine (a lesson's container `hello`, port
/// 8080) for one test, across every test process on this machine: a file lock per
/// name, taken in order so two tests never wait on each other.
pub struct Names(#[allow(dead_code)] Vec<std::fs::File>);

pub fn names(list: &[&str]) -> Names {
    let mut sorted: Vec<String> =
        list.iter().map(|n| n.replace(|c: char| !c.is_ascii_alphanumeric() && c != '-', "_")).collect();
    sorted.sort();
    sorted.dedup();
    Names(sorted.iter().map(|n| flocked(n, rustix::fs::FlockOperation::LockExclusive)).collect())
}

/// The lock file `name`, shared by every test process on this machine, held as `how`.
fn flocked(name: &str, how: rustix::fs::FlockOperation) -> std::fs::File {
    let dir = std::env::temp_dir().join("dockerlearn-test-names");
    std::fs::create_dir_all(&dir).unwrap();
    let f = std::fs::File::create(dir.join(name)).unwrap();
    rustix::fs::flock(&f, how).unwrap();
    f
}

/// The engine remembers only its last 256 events, for every program on it, and a
/// one-off `dockerlearn check` (or `docker events --since`) reads that memory. Tests
/// that may read it hold this lock shared, across every test process on this machine;
/// a test that floods the engine with events holds it alone.
pub struct EventMemory(#[allow(dead_code)] std::fs::File);

impl EventMemory {
    pub fn shared() -> EventMemory {
        EventMemory(flocked("engine-event-memory", rustix::fs::FlockOperation::LockShared))
    }

    pub fn alone() -> EventMemory {
        EventMemory(flocked("engine-event-memory", rustix::fs::FlockOperation::LockExclusive))
    }
}

/// The names the shipped lessons' solutions use, for tests that walk whole lessons:
/// the lock of all of them, which `names` takes one by one.
pub fn fixed_names() -> Names {
    names(&["shipped-course-names"])
}

/// A labelled scope and a private data directory for one test. Dropping it removes
/// every container carrying its label.
pub struct Sandbox {
    pub label: String,
    pub data: tempfile::TempDir,
    /// Its checks may read the engine's memory of events: no burst meanwhile.
    _memory: Option<EventMemory>,
}

impl Sandbox {
    pub fn new() -> Sandbox {
        Sandbox::holding(Some(EventMemory::shared()))
    }

    /// A sandbox for a test that makes a burst of events itself, holding
    /// `EventMemory::alone` already.
    pub fn beside_a_burst() -> Sandbox {
        Sandbox::holding(None)
    }

    fn holding(memory: Option<EventMemory>) -> Sandbox {
        static N: AtomicUsize = AtomicUsize::new(0);
        let n = N.fetch_add(1, Ordering::SeqCst);
        let label = format!("{LABEL_KEY}={}-{n}", run_id());
        Sandbox { label, data: tempfile::tempdir().unwrap(), _memory: memory }
    }

    /// `docker run` with this sandbox's label added.
    #[track_caller]
    pub fn run(&self, args: &[&str]) -> String {
        let mut all = vec!["run", "--label", &self.label];
        all.extend_from_slice(args);
        docker(&all)
    }

    /// The dockerlearn binary, scoped to this sandbox, with the sandbox's data directory
    /// as its home too: the lessons' `~/dockerlearn/...` folders are made there.
    pub fn dl(&self) -> Test {
        Test::new()
            .env("DOCKERLEARN_SCOPE", &self.label)
            .env("DOCKERLEARN_DATA_DIR", self.data.path())
            .env("HOME", self.data.path())
    }

    /// The folder a lesson names for the learner's work, `~/dockerlearn/NAME` under the
    /// sandbox's home, made if it is not there yet.
    pub fn folder(&self, name: &str) -> PathBuf {
        let dir = self.data.path().join("dockerlearn").join(name);
        std::fs::create_dir_all(&dir).unwrap();
        dir
    }

    pub fn container_ids(&self) -> Vec<String> {
        docker(&["ps", "-aq", "--filter", &format!("label={}", self.label)]).lines().map(str::to_owned).collect()
    }
}

impl Drop for Sandbox {
    fn drop(&mut self) {
        let ids = self.container_ids();
        if !ids.is_empty() {
            // `-v`: with the anonymous volumes images declare (PostgreSQL's data).
            let mut args = vec!["rm", "-f", "-v"];
            args.extend(ids.iter().map(String::as_str));
            let _ = docker_status(&args);
        }
    }
}

/// A run of the dockerlearn binary, built up then checked.
pub struct Test {
    args: Vec<OsString>,
    env: HashMap<String, OsString>,
    removed: Vec<String>,
}

pub struct Ran {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

impl Test {
    pub fn new() -> Test {
        Test { args: Vec::new(), env: HashMap::new(), removed: Vec::new() }
            .env("NO_COLOR", "1")
            .remove_env("DOCKERLEARN_LESSONS")
    }

    pub fn args<I: IntoIterator<Item = S>, S: AsRef<std::ffi::OsStr>>(mut self, args: I) -> Test {
        self.args.extend(args.into_iter().map(|a| a.as_ref().to_owned()));
        self
    }

    pub fn env(mut self, key: &str, value: impl AsRef<std::ffi::OsStr>) -> Test {
        self.env.insert(key.to_owned(), value.as_ref().to_owned());
        self
    }

    pub fn remove_env(mut self, key: &str) -> Test {
        self.removed.push(key.to_owned());
        self
    }

    pub fn command(&self) -> Command {
        let mut c = Command::new(bin());
        c.args(&self.args);
        for k in &self.removed {
            c.env_remove(k);
        }
        c.envs(&self.env);
        c
    }

    #[track_caller]
    pub fn run(self) -> Ran {
        let out = self.command().output().expect("dockerlearn runs");
        Ran {
            code: out.status.code().unwrap_or(-1),
            stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
        }
    }
}

impl Ran {
    #[track_caller]
    pub fn code(self, expected: i32) -> Ran {
        assert_eq!(self.code, expected, "exit status\nstdout:\n{}\nstderr:\n{}", self.stdout, self.stderr);
        self
    }

    #[track_caller]
    pub fn stdout_has(self, needle: &str) -> Ran {
        assert!(self.stdout.contains(needle), "stdout lacks {needle:?}:\n{}\nstderr:\n{}", self.stdout, self.stderr);
        self
    }

    #[track_caller]
    pub fn stderr_has(self, needle: &str) -> Ran {
        assert!(self.stderr.contains(needle), "stderr lacks {needle:?}:\n{}", self.stderr);
        self
    }

    pub fn json(&self) -> serde_json::Value {
        serde_json::from_str(&self.stdout).unwrap_or_else(|e| panic!("not JSON ({e}):\n{}", self.stdout))
    }
}

/// A fixture image (see `fixtures`), built locally because nothing can be pulled.
/// Shared by the tests that use it; its tag is removed when the last of them is done,
/// and only if it is a fixture's (an image that existed before is used as it is).
pub struct Image {
    name: &'static str,
}

struct ImageState {
    users: usize,
    created: bool,
}

fn images() -> &'static Mutex<HashMap<&'static str, ImageState>> {
    static M: OnceLock<Mutex<HashMap<&'static str, ImageState>>> = OnceLock::new();
    M.get_or_init(|| Mutex::new(HashMap::new()))
}

impl Image {
    /// `hello-world:latest` printing the real image's greeting.
    pub fn hello_world() -> Image {
        Image::acquire("hello-world:latest")
    }

    /// Every image the shipped course uses.
    pub fn all() -> Vec<Image> {
        crate::fixtures::NAMES.iter().map(|n| Image::acquire(n)).collect()
    }

    pub fn acquire(name: &'static str) -> Image {
        // A first build takes minutes: outside the lock, so other images stay available.
        crate::fixtures::build(name);
        let mut all = images().lock().unwrap_or_else(|e| e.into_inner());
        let state = all.entry(name).or_insert(ImageState { users: 0, created: false });
        if state.users == 0 {
            state.created = crate::fixtures::acquire(name);
        }
        state.users += 1;
        Image { name }
    }
}

impl Drop for Image {
    fn drop(&mut self) {
        let mut all = images().lock().unwrap_or_else(|e| e.into_inner());
        let state = all.get_mut(self.name).expect("acquired");
        state.users -= 1;
        if state.users == 0 && state.created {
            // Only our own tag, and only once no other test process uses it.
            crate::fixtures::release(self.name);
            state.created = false;
        }
    }
}

/// A Unix socket that forwards to the real engine until stopped: the engine "going
/// away" mid-lesson without touching the real daemon.
pub struct EngineProxy {
    pub path: PathBuf,
    stopped: Arc<AtomicBool>,
    _dir: tempfile::TempDir,
}

impl EngineProxy {
    pub fn start() -> EngineProxy {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("engine.sock");
        let stopped = Arc::new(AtomicBool::new(false));
        let proxy = EngineProxy { path: path.clone(), stopped: stopped.clone(), _dir: dir };
        proxy.listen();
        proxy
    }

    pub fn host(&self) -> String {
        format!("unix://{}", self.path.display())
    }

    fn listen(&self) {
        let listener = UnixListener::bind(&self.path).unwrap();
        let stopped = self.stopped.clone();
        std::thread::spawn(move || {
            for conn in listener.incoming() {
                if stopped.load(Ordering::SeqCst) {
                    break;
                }
                let Ok(client) = conn else { continue };
                let Ok(engine) = UnixStream::connect("/var/run/docker.sock") else {
                    continue;
                };
                let (mut c2, mut e2) = (client.try_clone().unwrap(), engine.try_clone().unwrap());
                let (mut c1, mut e1) = (client, engine);
                std::thread::spawn(move || {
                    let _ = std::io::copy(&mut c1, &mut e1);
                    let _ = e1.shutdown(std::net::Shutdown::Write);
                });
                std::thread::spawn(move || {
                    let _ = std::io::copy(&mut e2, &mut c2);
                    let _ = c2.shutdown(std::net::Shutdown::Write);
                });
            }
        });
    }

    /// The engine "stops": its socket disappears.
    pub fn stop(&self) {
        self.stopped.store(true, Ordering::SeqCst);
        let _ = std::fs::remove_file(&self.path);
        // Wake the accept loop so it sees the flag.
        let _ = UnixStream::connect(&self.path);
    }

    /// The engine "starts" again at the same address.
    pub fn restart(&mut self) {
        self.stopped.store(false, Ordering::SeqCst);
        let _ = std::fs::remove_file(&self.path);
        self.listen();
    }
}

impl Drop for EngineProxy {
    fn drop(&mut self) {
        self.stop();
    }
}

/// Runs the binary as the unprivileged user `nobody` (with `setpriv`), from a copy in
/// a directory it may read, with no access to the engine's socket. Only root can
/// switch user: the tests that need it fail, saying so, anywhere else.
#[track_caller]
pub fn as_nobody(args: &[&str]) -> Output {
    let root = Command::new("id").arg("-u").output().map(|o| o.stdout == b"0\n").unwrap_or(false);
    assert!(
        root,
        "this test runs dockerlearn as the user `nobody`, which only root can do: run the tests as root (CI does), or leave it out with `--skip no_permission`"
    );
    let dir = tempfile::tempdir().unwrap();
    std::fs::set_permissions(dir.path(), std::os::unix::fs::PermissionsExt::from_mode(0o777)).unwrap();
    let copy = dir.path().join("dockerlearn");
    std::fs::copy(bin(), &copy).unwrap();
    Command::new("setpriv")
        .args(["--reuid=65534", "--regid=65534", "--clear-groups"])
        .arg(&copy)
        .args(args)
        .env("HOME", dir.path())
        .env("DOCKERLEARN_DATA_DIR", dir.path())
        .env("NO_COLOR", "1")
        .env_remove("DOCKER_HOST")
        .output()
        .unwrap()
}

/// A course directory written from (relative path, text) pairs.
pub fn course_dir(files: &[(&str, &str)]) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    for (path, text) in files {
        let p = dir.path().join(path);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, text).unwrap();
    }
    dir
}

/// A Unix socket that accepts connections and never answers: an engine that hangs.
/// Connections are held open for the life of the test process.
pub struct SilentEngine {
    pub path: PathBuf,
    _dir: tempfile::TempDir,
}

impl SilentEngine {
    pub fn start() -> SilentEngine {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("silent.sock");
        let listener = UnixListener::bind(&path).unwrap();
        std::thread::spawn(move || {
            let mut held = Vec::new();
            for conn in listener.incoming().flatten() {
                held.push(conn);
            }
        });
        SilentEngine { path, _dir: dir }
    }

    pub fn host(&self) -> String {
        format!("unix://{}", self.path.display())
    }
}

/// Runs `command` to its end, or fails the test if it has not ended within `limit`
/// (it is killed then): for commands that must not hang, without timing them.
#[track_caller]
pub fn run_within(mut command: Command, limit: std::time::Duration) -> Ran {
    use std::process::Stdio;
    use wait_timeout::ChildExt;
    let mut child = command.stdin(Stdio::null()).stdout(Stdio::piped()).stderr(Stdio::piped()).spawn().unwrap();
    if child.wait_timeout(limit).unwrap().is_none() {
        let _ = child.kill();
        let _ = child.wait();
        panic!("{command:?} was still running after {} seconds: it hangs", limit.as_secs());
    }
    let out = child.wait_with_output().unwrap();
    Ran {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

/// `inner` run in a terminal `columns` wide (set with `stty` on the pty it is given).
pub fn with_columns(columns: u16, inner: Command) -> Command {
    let mut c = Command::new("sh");
    c.arg("-c").arg(format!("stty cols {columns} rows 40 && exec \"$@\"")).arg("sh");
    c.arg(inner.get_program()).args(inner.get_args());
    for (k, v) in inner.get_envs() {
        match v {
            Some(v) => c.env(k, v),
            None => c.env_remove(k),
        };
    }
    c
}

/// What a shared-engine test made, removed by id or name when it ends: containers by
/// label, then the networks and volumes it named.
pub struct Shared {
    pub label: String,
    pub networks: Vec<String>,
    pub volumes: Vec<String>,
    pub compose: Option<(std::path::PathBuf, String)>,
}

impl Drop for Shared {
    fn drop(&mut self) {
        if let Some((file, project)) = &self.compose {
            let _ = std::process::Command::new("docker-compose")
                .args(["-f", file.to_str().unwrap(), "-p", project, "down", "-t", "1"])
                .output();
        }
        for c in docker(&["ps", "-aq", "--filter", &format!("label={}", self.label)]).lines() {
            let _ = docker_status(&["rm", "-f", c]);
        }
        for n in &self.networks {
            let _ = docker_status(&["network", "rm", n]);
        }
        for v in &self.volumes {
            let _ = docker_status(&["volume", "rm", v]);
        }
    }
}

/// `dockerlearn sandbox` with a data directory of its own, on the local engine.
pub fn sandbox_test(data: &std::path::Path) -> Test {
    Test::new()
        .env("DOCKERLEARN_DATA_DIR", data)
        .env("SHELL", "/bin/sh")
        .env("TERM", "xterm-256color")
        .remove_env("DOCKER_HOST")
        .remove_env("DOCKERLEARN_SCOPE")
        .args(["sandbox"])
}

/// The sandbox's prompt in a pty, with a data directory of its own.
pub fn sandbox_prompt(data: &std::path::Path) -> rexpect::session::PtySession {
    let mut p = rexpect::session::spawn_command(sandbox_test(data).command(), Some(30_000))
        .expect("the sandbox starts in a pty");
    p.exp_string("[sandbox] $").unwrap();
    p
}

/// Runs `line` at the prompt and returns what was printed after it ran: its own output's
/// end is marked, since the line editor may redraw the prompt as the line is typed.
pub fn told_after(p: &mut rexpect::session::PtySession, line: &str) -> String {
    p.send_line(&format!("{line}; echo ran-$((40+2))")).unwrap();
    p.exp_string("ran-42").unwrap();
    p.exp_string("[sandbox] $").unwrap()
}
