//! Engines of the suite's own, as learners run them: Docker Engine 26 with the classic
//! image store, Docker Engine 26 with the containerd image store (BuildKit and Compose v2
//! on both), and Podman 5's Docker-compatible API, all from Debian 13's packages.
//!
//! Each runs in a container of the host's engine, in a network namespace of its own (never
//! the host's: an inner engine there rewrites the host's bridges), with the client side
//! inside it too: the dockerlearn binary under test (bind-mounted), the docker CLI,
//! Compose and buildx. Published ports and bind-mounted folders are then where a learner
//! would find them, on the same machine as the CLI.
//!
//! An engine starts once per test process, on first use, and ends with the process: the
//! container's entry holds the process's pipe and stops when it closes. Its data (the
//! course's images, loaded once with `docker save | docker load`) stays in a labelled
//! volume for the next run; what a test makes on it is removed before the next test
//! takes the engine. The engine is the suite's own, so a test there may use any of the
//! lesson's names and images: tests on one engine take turns, engines run side by side.

use crate::fixtures;
use crate::support::{LABEL_KEY, Ran, docker, docker_status, run_id};
use dockerlearn::reference::ImageRef;
use std::io::Write;
use std::process::{Child, Command, Output, Stdio};
use std::sync::{Mutex, MutexGuard, OnceLock};
use std::time::{Duration, Instant};

/// The kinds of engine the suite starts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// Docker Engine 26.1, classic image store (fuse-overlayfs), BuildKit, Compose v2.
    Docker,
    /// Docker Engine 26.1 with the containerd image store (the default from Engine 29).
    Containerd,
    /// Podman 5.4's Docker-compatible API, driven by the docker CLI.
    Podman,
}

impl Kind {
    fn word(self) -> &'static str {
        match self {
            Kind::Docker => "docker",
            Kind::Containerd => "containerd",
            Kind::Podman => "podman",
        }
    }

    fn index(self) -> usize {
        self as usize
    }

    /// Where the engine keeps its data in its container.
    fn data_dir(self) -> &'static str {
        match self {
            Kind::Podman => "/var/lib/containers",
            _ => "/var/lib/docker",
        }
    }

    /// `DOCKER_HOST` inside the container, where not the default socket.
    fn docker_host(self) -> Option<&'static str> {
        (self == Kind::Podman).then_some("unix:///run/podman/podman.sock")
    }
}

/// A running engine, held by one test at a time.
pub struct Engine {
    pub kind: Kind,
    /// The container the engine and its clients run in.
    pub container: String,
    _turn: MutexGuard<'static, ()>,
}

struct Running {
    container: String,
    /// The entry's standard input: the engine stops when it closes, with this process.
    _life: Child,
}

fn started() -> &'static [Mutex<Option<Running>>; 3] {
    static S: OnceLock<[Mutex<Option<Running>>; 3]> = OnceLock::new();
    S.get_or_init(|| [Mutex::new(None), Mutex::new(None), Mutex::new(None)])
}

fn turns() -> &'static [Mutex<()>; 3] {
    static T: [Mutex<()>; 3] = [Mutex::new(()), Mutex::new(()), Mutex::new(())];
    &T
}

impl Engine {
    /// The engine of `kind`, started (and its images loaded) on first use, cleared of
    /// what the previous test made, held until dropped.
    pub fn take(kind: Kind) -> Engine {
        let turn = turns()[kind.index()].lock().unwrap_or_else(|e| e.into_inner());
        let mut slot = started()[kind.index()].lock().unwrap_or_else(|e| e.into_inner());
        if slot.is_none() {
            *slot = Some(start(kind));
        }
        let container = slot.as_ref().expect("started").container.clone();
        drop(slot);
        let engine = Engine { kind, container, _turn: turn };
        engine.clear();
        engine
    }

    /// A command in the engine's container, as root in `/root`, with the engine's `DOCKER_HOST`.
    pub fn command(&self, args: &[&str]) -> Command {
        let mut c = Command::new("docker");
        c.args(["exec", "-i", "-e", "NO_COLOR=1", &self.container]);
        c.args(args);
        c
    }

    /// A shell script in the engine's container.
    pub fn sh(&self, script: &str) -> Output {
        self.command(&["sh", "-c", script]).output().expect("docker exec runs")
    }

    /// A shell script in the engine's container that must succeed; its output.
    #[track_caller]
    pub fn sh_ok(&self, script: &str) -> String {
        let out = self.sh(script);
        assert!(
            out.status.success(),
            "on {:?}: `{script}` failed:\n{}\n{}",
            self.kind,
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8_lossy(&out.stdout).into_owned()
    }

    /// The dockerlearn binary under test, run in the engine's container.
    pub fn dl(&self, args: &[&str]) -> Ran {
        let mut all = vec!["dockerlearn"];
        all.extend_from_slice(args);
        let out = self.command(&all).stdin(Stdio::null()).output().expect("docker exec runs");
        Ran {
            code: out.status.code().unwrap_or(-1),
            stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
        }
    }

    /// Removes everything but the course's images from the engine, and the lesson
    /// folders from its home: each test starts as a learner who has not begun.
    fn clear(&self) {
        self.sh_ok(
            "ids=$(docker ps -aq); [ -z \"$ids\" ] || docker rm -f -v $ids >/dev/null; \
             docker network prune -f >/dev/null; docker volume prune -af >/dev/null 2>&1 || docker volume prune -f >/dev/null; \
             rm -rf /root/dockerlearn /root/.local/share/dockerlearn /tmp/dl-*",
        );
        let listed = self.sh_ok("docker images --format '{{.Repository}}:{{.Tag}}'");
        let course: Vec<ImageRef> = fixtures::NAMES.iter().map(|n| ImageRef::parse(n)).collect();
        for tag in listed.lines().filter(|t| !t.contains("<none>")) {
            if !course.iter().any(|c| c.matches(&ImageRef::parse(tag))) {
                self.sh_ok(&format!("docker rmi -f '{tag}' >/dev/null"));
            }
        }
        self.sh_ok("docker image prune -f >/dev/null");
    }
}

/// The engine's container name for this test process.
fn container_name(kind: Kind) -> String {
    format!("dl-engine-{}-{}", kind.word(), run_id())
}

/// Starts the engine of `kind`: its image built first if need be, the engine answering,
/// the course's images loaded.
fn start(kind: Kind) -> Running {
    let began = Instant::now();
    let (image, _) = fixtures::cached_image(fixtures::ENGINES);
    sweep_ended();
    let name = container_name(kind);
    let volume = data_volume(kind);
    let label = format!("{LABEL_KEY}={}", run_id());
    let mut run = Command::new("docker");
    run.args(["run", "-i", "--rm", "--name", &name, "--label", &label, "--hostname", &format!("dl-{}", kind.word())]);
    // What an engine needs inside a container on this machine (DESIGN.md, "Engines
    // learners run"): every capability but CAP_SYS_RESOURCE, which the host withholds.
    run.args(["--cap-add", "ALL", "--cap-drop", "SYS_RESOURCE"]);
    run.args(["--security-opt", "seccomp=unconfined", "--security-opt", "apparmor=unconfined"]);
    run.args(["--security-opt", "systempaths=unconfined", "--device", "/dev/fuse", "--cgroupns", "host"]);
    run.args(["-v", "/sys/fs/cgroup:/sys/fs/cgroup:rw", "-e", "DOCKER_ALLOW_IPV6_ON_IPV4_INTERFACE=1"]);
    run.args(["-v", &format!("{volume}:{}", kind.data_dir())]);
    run.args(["-v", &format!("{}:/usr/local/bin/dockerlearn:ro", crate::support::bin())]);
    if let Some(host) = kind.docker_host() {
        run.args(["-e", &format!("DOCKER_HOST={host}")]);
    }
    run.args(["-e", "HOME=/root", "-w", "/root"]);
    run.args([&image, kind.word()]);
    let life = run.stdin(Stdio::piped()).stdout(Stdio::null()).stderr(Stdio::piped()).spawn().expect("docker run");
    let running = Running { container: name.clone(), _life: life };
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let out = docker_status(&["exec", &name, "docker", "version", "--format", "{{.Server.Version}}"]);
        if out.status.success() {
            break;
        }
        if Instant::now() > deadline {
            let log = docker_status(&["exec", &name, "cat", "/var/log/dl-engine.log"]);
            panic!(
                "the {kind:?} engine did not answer within 60 s:\n{}\n{}",
                String::from_utf8_lossy(&out.stderr),
                String::from_utf8_lossy(&log.stdout)
            );
        }
        std::thread::sleep(Duration::from_millis(200));
    }
    load_images(kind, &name);
    let _ = writeln!(
        std::io::stderr(),
        "engines: {kind:?} engine ready in {:.1} s ({name})",
        began.elapsed().as_secs_f64()
    );
    running
}

/// The volume that keeps an engine's data between runs. One test process uses it at a
/// time: another one, at the same moment, gets a volume of its own (removed with it).
fn data_volume(kind: Kind) -> String {
    static HELD: Mutex<Vec<std::fs::File>> = Mutex::new(Vec::new());
    let dir = std::env::temp_dir().join("dockerlearn-test-engines");
    std::fs::create_dir_all(&dir).unwrap();
    for slot in 0..4 {
        let f = std::fs::File::create(dir.join(format!("{}-{slot}.lock", kind.word()))).unwrap();
        if rustix::fs::flock(&f, rustix::fs::FlockOperation::NonBlockingLockExclusive).is_ok() {
            HELD.lock().unwrap_or_else(|e| e.into_inner()).push(f);
            let volume = format!("dockerlearn-test-engine-{}-{slot}", kind.word());
            if docker_status(&["volume", "inspect", &volume]).status.success() {
                return volume;
            }
            docker(&["volume", "create", "--label", &format!("{LABEL_KEY}=engine-data"), &volume]);
            return volume;
        }
    }
    panic!("four test processes already run {kind:?} engines on this machine");
}

/// Removes engine containers left by test processes that have ended (a killed run: the
/// `--rm` of a normal end removes them itself).
fn sweep_ended() {
    let out = docker(&["ps", "-a", "--filter", "name=^dl-engine-", "--format", "{{.Names}}"]);
    for name in out.lines() {
        let pid = name.rsplit('-').nth(1).and_then(|p| p.parse::<u32>().ok());
        let Some(pid) = pid else { continue };
        let cmdline = std::fs::read(format!("/proc/{pid}/cmdline")).unwrap_or_default();
        if !String::from_utf8_lossy(&cmdline).contains("integration") {
            let _ = docker_status(&["rm", "-f", name]);
        }
    }
}

/// Loads the course's images into the engine where it lacks them (by their recipe's
/// label), and gives them the lessons' names: the engine is the suite's own.
fn load_images(kind: Kind, container: &str) {
    let mut missing = Vec::new();
    for name in fixtures::NAMES {
        let (cache_ref, hash) = fixtures::cached_image(name);
        let format = format!("{{{{index .Config.Labels \"{}\"}}}}", fixtures::FIXTURE_LABEL);
        let there = docker_status(&["exec", container, "docker", "image", "inspect", "-f", &format, name]);
        if !(there.status.success() && String::from_utf8_lossy(&there.stdout).trim() == hash) {
            missing.push((cache_ref, *name));
        }
    }
    if missing.is_empty() {
        return;
    }
    let began = Instant::now();
    let refs: Vec<&str> = missing.iter().map(|(r, _)| r.as_str()).collect();
    let mut save = Command::new("docker").arg("save").args(&refs).stdout(Stdio::piped()).spawn().expect("docker save");
    let load = Command::new("docker")
        .args(["exec", "-i", container, "docker", "load", "-q"])
        .stdin(save.stdout.take().unwrap())
        .output()
        .expect("docker load");
    assert!(save.wait().unwrap().success(), "docker save of the course's images failed");
    assert!(
        load.status.success(),
        "docker load into the {kind:?} engine failed: {}",
        String::from_utf8_lossy(&load.stderr)
    );
    for (cache_ref, name) in &missing {
        let out = docker_status(&["exec", container, "docker", "tag", cache_ref, name]);
        assert!(out.status.success(), "tagging {name} on {kind:?}: {}", String::from_utf8_lossy(&out.stderr));
        let _ = docker_status(&["exec", container, "docker", "rmi", cache_ref]);
    }
    let _ = writeln!(
        std::io::stderr(),
        "engines: loaded {} image(s) into the {kind:?} engine in {:.1} s",
        missing.len(),
        began.elapsed().as_secs_f64()
    );
}
