//! `dockerlearn verify`: proves a course works. For each step, in order, as a learner
//! would: the checkpoint must FAIL, the step's solution runs, the checkpoint must PASS.
//! A checkpoint that passes before its step cannot tell whether the step was done, so
//! it fails the lesson. Everything the solutions create is labelled through a `docker`
//! shim first on PATH, and removed afterwards; image tags that existed are left alone.
//! On a shared engine it starts only when no name the solutions use exists already
//! (`names`): what others made is never removed or re-pointed.

mod builds;
pub mod names;

use crate::check::{self, Checkpoint, Status, Verdict};
use crate::course::Course;
use crate::engine::recorder::Recorder;
use crate::engine::{Endpoint, EndpointSource, Engine, Scope};
use crate::explain::Knowledge;
use crate::progress;
use anyhow::Context as _;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};
use tokio::runtime::Runtime;

mod lesson_start;
pub use lesson_start::LessonStart;

/// The label every resource of one verify run carries.
pub const LABEL_KEY: &str = "org.dockerlearn.verify";
/// Most time one solution command may take.
const COMMAND_TIMEOUT: Duration = Duration::from_secs(300);

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StepOutcome {
    /// Failed before, passed after.
    Proven,
    /// A `.network` step whose checkpoint held before: its images were prepared (no
    /// registry needed, nothing to prove here).
    Prepared,
    /// A reading step: nothing to verify.
    Reading,
    /// A `.network` step not run because verify was told `--offline`.
    SkippedOffline,
    /// Passed before its solution ran.
    PassedBefore(String),
    /// Still failing after its solution ran.
    FailedAfter(String),
    /// The step has no solution to run.
    NoSolution,
    /// A solution command could not run or timed out.
    CommandFailed(String),
}

#[derive(Debug, Clone)]
pub struct StepReport {
    pub lesson: String,
    pub step: String,
    pub outcome: StepOutcome,
    pub elapsed: Duration,
    /// The solution's commands as they ran, shown under a failed step.
    pub ran: Vec<Ran>,
}

/// One solution command as it ran: its exit status and the end of what it printed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Ran {
    pub line: String,
    /// The exit code; `None` when it was stopped by a signal or never started.
    pub code: Option<i32>,
    /// Its last lines of output (stdout and stderr, as they came).
    pub tail: Vec<String>,
}

/// How many of a command's last lines of output a failed step shows.
const TAIL_LINES: usize = 6;

impl StepReport {
    pub fn ok(&self) -> bool {
        matches!(
            self.outcome,
            StepOutcome::Proven | StepOutcome::Reading | StepOutcome::Prepared | StepOutcome::SkippedOffline
        )
    }
}

/// A directory holding the `docker` shim, and the `PATH` that puts it first.
pub struct Shim {
    _dir: tempfile::TempDir,
    pub path_env: std::ffi::OsString,
    /// Where the shim keeps a copy of each build's output (see `builds`).
    pub builds_log: PathBuf,
}

impl Shim {
    /// A shim that labels with `label` what commands create, wrapping the `docker` on PATH.
    pub fn new(label: &str) -> anyhow::Result<Shim> {
        let real = find_on_path("docker")
            .ok_or_else(|| anyhow::anyhow!("the docker CLI is not on PATH: verify runs the solutions with it"))?;
        let dir = tempfile::tempdir()?;
        shim(dir.path(), &real, label)?;
        let mut path_env = std::ffi::OsString::from(dir.path());
        if let Some(p) = std::env::var_os("PATH") {
            path_env.push(":");
            path_env.push(p);
        }
        let builds_log = dir.path().join(BUILDS_LOG);
        Ok(Shim { _dir: dir, path_env, builds_log })
    }
}

/// The Compose project name of a verify run, so its Compose resources can be found.
pub fn compose_project(run_id: &str) -> String {
    format!("dlverify{}", run_id.replace(|c: char| !c.is_ascii_alphanumeric(), ""))
}

/// The shim's copy of the builds' output, beside it.
const BUILDS_LOG: &str = "builds.log";

/// The `docker` shim: adds the run's label to whatever the solutions create.
fn shim(dir: &Path, real: &Path, label: &str) -> std::io::Result<()> {
    let script = format!(
        r#"#!/bin/sh
# Written by `dockerlearn verify`: labels what the lesson's solutions create.
real='{real}'
label='{label}'
log='{log}'
# A build's label reaches only its final image, so its output, which names every
# step's image, is kept for verify to remove them; --force-rm leaves no containers.
logged() {{
  {{ "$real" "$@"; echo $? > "$log.$$"; }} | tee -a "$log"
  status=$(cat "$log.$$"); rm -f "$log.$$"; exit "$status"
}}
case "$1" in
  run|create) sub=$1; shift; exec "$real" "$sub" --label "$label" "$@" ;;
  ps) shift; exec "$real" ps --filter "label=$label" "$@" ;;
  build) shift; logged build --force-rm --label "$label" "$@" ;;
  commit) shift; exec "$real" commit --change "LABEL $label" "$@" ;;
  import) shift; exec "$real" import --change "LABEL $label" "$@" ;;
  network|volume)
    if [ "$2" = create ]; then group=$1; shift 2; exec "$real" "$group" create --label "$label" "$@"; fi
    if [ "$2" = prune ]; then group=$1; shift 2; exec "$real" "$group" prune --filter "label=$label" "$@"; fi ;;
  system)
    if [ "$2" = prune ]; then shift 2; exec "$real" system prune --filter "label=$label" "$@"; fi ;;
  builder)
    if [ "$2" = build ]; then shift 2; logged builder build --force-rm --label "$label" "$@"; fi
    if [ "$2" = prune ]; then
      echo "dockerlearn verify: \`docker builder prune\` is refused: the build cache is shared with other work" >&2
      exit 1
    fi ;;
  container)
    case "$2" in
      run|create) sub=$2; shift 2; exec "$real" container "$sub" --label "$label" "$@" ;;
      ls|list|ps|prune) sub=$2; shift 2; exec "$real" container "$sub" --filter "label=$label" "$@" ;;
    esac ;;
  image)
    if [ "$2" = build ]; then shift 2; logged image build --force-rm --label "$label" "$@"; fi
    if [ "$2" = prune ]; then shift 2; exec "$real" image prune --filter "label=$label" "$@"; fi ;;
esac
exec "$real" "$@"
"#,
        real = real.display(),
        log = dir.join(BUILDS_LOG).display()
    );
    let path = dir.join("docker");
    std::fs::write(&path, script)?;
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755))
}

fn find_on_path(name: &str) -> Option<PathBuf> {
    std::env::var_os("PATH").and_then(|p| std::env::split_paths(&p).map(|d| d.join(name)).find(|p| p.is_file()))
}

/// A checkpoint made only of `engine` assertions holds whenever an engine runs: its
/// "before" is judged against an engine that is not there.
fn engine_only(cp: &Checkpoint) -> bool {
    cp.engine_only()
}

fn describe_failure(v: &Verdict) -> String {
    v.outcomes
        .iter()
        .filter(|o| o.status != Status::Pass)
        .map(|o| format!("{}: {}", o.expected, o.found))
        .collect::<Vec<_>>()
        .join("; ")
}

fn describe_pass(v: &Verdict) -> String {
    v.outcomes.iter().map(|o| format!("{} ({})", o.expected, o.found)).collect::<Vec<_>>().join("; ")
}

/// Runs one solution command the way the REPL would, without a terminal, keeping its
/// exit status and the end of its output (stderr joined to stdout, in order); like at
/// the prompt, the next command starts where this one's `cd` left `cwd`.
/// `Err` when it could not start or ran past its deadline.
fn run_command(line: &str, cwd: &mut PathBuf, env: &[(&str, &std::ffi::OsStr)]) -> Result<Ran, (String, Ran)> {
    use std::io::Read;
    use std::sync::{Arc, Mutex};
    use wait_timeout::ChildExt;
    let mut ran = Ran { line: line.to_owned(), code: None, tail: Vec::new() };
    let pwd_file = match tempfile::NamedTempFile::new() {
        Ok(f) => f,
        Err(e) => return Err((format!("`{line}` could not start: {e}"), ran)),
    };
    let mut child = match Command::new("/bin/sh")
        .arg("-c")
        .arg(format!("exec 2>&1; {line}\nstatus=$?; pwd -P >\"$DOCKERLEARN_PWD\"; exit $status"))
        .current_dir(&*cwd)
        .env("PWD", &*cwd)
        .envs(env.iter().copied())
        .env("DOCKERLEARN_PWD", pwd_file.path())
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
    {
        Ok(child) => child,
        Err(e) => return Err((format!("`{line}` could not start: {e}"), ran)),
    };
    // Read while it runs. A server the command left in the background may keep the pipe
    // open: what has come by a moment after the command ends is what is shown.
    let output = Arc::new(Mutex::new((Vec::<u8>::new(), false)));
    if let Some(mut pipe) = child.stdout.take() {
        let output = output.clone();
        std::thread::spawn(move || {
            let mut buf = [0u8; 8192];
            loop {
                match pipe.read(&mut buf) {
                    Ok(0) | Err(_) => break,
                    Ok(n) => {
                        let mut o = output.lock().unwrap_or_else(|e| e.into_inner());
                        o.0.extend_from_slice(&buf[..n]);
                        // Only the end is shown: keep the buffer bounded.
                        if o.0.len() > 1 << 20 {
                            let cut = o.0.len() - (1 << 16);
                            o.0.drain(..cut);
                        }
                    }
                }
            }
            output.lock().unwrap_or_else(|e| e.into_inner()).1 = true;
        });
    }
    let status = child.wait_timeout(COMMAND_TIMEOUT);
    let timed_out = matches!(status, Ok(None));
    if timed_out {
        let _ = child.kill();
        let _ = child.wait();
    }
    let closed_by = Instant::now() + Duration::from_millis(500);
    while !output.lock().unwrap_or_else(|e| e.into_inner()).1 && Instant::now() < closed_by {
        std::thread::sleep(Duration::from_millis(10));
    }
    let last = std::fs::read_to_string(pwd_file.path()).ok();
    if let Some(dir) = last.map(|t| PathBuf::from(t.trim_end_matches('\n'))).filter(|d| d.is_dir()) {
        *cwd = dir;
    }
    let text = String::from_utf8_lossy(&output.lock().unwrap_or_else(|e| e.into_inner()).0).into_owned();
    let lines: Vec<&str> = text.lines().filter(|l| !l.trim().is_empty()).collect();
    ran.tail = lines[lines.len().saturating_sub(TAIL_LINES)..].iter().map(|l| l.to_string()).collect();
    match status {
        Ok(Some(status)) => {
            ran.code = status.code();
            Ok(ran)
        }
        Ok(None) => Err((
            format!(
                "`{line}` ran for more than {} s: solutions must finish on their own (use -d for servers)",
                COMMAND_TIMEOUT.as_secs()
            ),
            ran,
        )),
        Err(e) => Err((format!("`{line}`: {e}"), ran)),
    }
}

/// Where and how one step's solution runs.
struct StepContext<'a> {
    /// Where the learner would be: the folder the lesson's `cd`s led to, the lesson's
    /// own home folder, and the run's Compose project.
    place: &'a mut check::Place,
    env: &'a [(&'a str, &'a std::ffi::OsStr)],
    needs_network: bool,
    /// The run's label, for the volumes `-v NAME:/x` would make unlabelled.
    label: &'a str,
    knowledge: &'a Knowledge,
}

pub struct Verifier<'a> {
    pub course: &'a Course,
    pub endpoint: Endpoint,
    pub rt: &'a Runtime,
    /// Skip the `.network` steps (`verify --offline`) instead of running them.
    pub offline: bool,
}

impl Verifier<'_> {
    /// Fails with `names::Taken` when a name the chosen lessons' solutions use exists
    /// on the engine already; asks the engine, changes nothing.
    fn refuse_taken_names(&self, knowledge: &Knowledge, only: &[usize], engine: &mut Engine) -> anyhow::Result<()> {
        let lessons = self.course.lessons.iter().enumerate().filter(|(i, _)| only.is_empty() || only.contains(i));
        let used = names::used_by_lessons(
            knowledge,
            lessons.map(|(_, l)| {
                let commands = l.lesson.steps.iter().filter_map(|s| s.solution.as_ref());
                (l.lesson.id.as_str(), commands.flat_map(|s| s.commands.clone()).collect())
            }),
        );
        if used.is_empty() {
            return Ok(());
        }
        let snapshot = self
            .rt
            .block_on(engine.inventory(&Scope::everything()))
            .context("verify first looks for the names its solutions use")?;
        let taken = names::taken(&used, &snapshot);
        if taken.is_empty() { Ok(()) } else { Err(names::Taken(taken).into()) }
    }

    /// Verifies the lessons named (all when empty); `on_lesson` is told what was found
    /// before each lesson, `progress` each step.
    pub fn run(
        &self,
        only: &[usize],
        mut on_lesson: impl FnMut(&LessonStart),
        mut progress: impl FnMut(&StepReport),
    ) -> anyhow::Result<Vec<StepReport>> {
        let run_id = format!("{}-{}", std::process::id(), progress::now() / 1_000_000 % 1_000_000_000);
        let label = format!("{LABEL_KEY}={run_id}");
        let project = compose_project(&run_id);
        let compose_label = format!("com.docker.compose.project={project}");
        // Compose v1 does not go through the `docker` shim: its project label scopes it.
        let scope = Scope { labels: vec![label.clone(), compose_label.clone()] };
        let mut engine = Engine::new(self.endpoint.clone(), scope);
        let knowledge = Knowledge::builtin();
        self.refuse_taken_names(&knowledge, only, &mut engine)?;
        let mut nowhere = Engine::new(
            Endpoint::plain("unix:///nonexistent/dockerlearn-verify.sock", EndpointSource::Default),
            Scope::default(),
        );
        let shim = Shim::new(&label)?;
        // The solutions reach the engine through a relay of verify's own, as a learner's
        // commands do at the prompt: checks judge the containers and execs they ran by what
        // it saw. An engine that is not on a local socket is reached directly.
        let relay = {
            let _in_runtime = self.rt.enter();
            Recorder::start(&self.endpoint).ok()
        };
        if let Some(r) = &relay {
            engine.witnessed_by(r.witness());
        }
        let relay_host = relay.as_ref().map(|r| std::ffi::OsString::from(r.host()));
        let project_os = std::ffi::OsString::from(&project);
        let label_os = std::ffi::OsString::from(&label);
        // The solutions get a home of their own; the docker CLI keeps its configuration
        // (credentials, plugins such as Compose v2) from the real one.
        let docker_config = std::env::var_os("DOCKER_CONFIG").unwrap_or_else(|| {
            let home = std::env::var_os("HOME").unwrap_or_default();
            PathBuf::from(home).join(".docker").into_os_string()
        });
        // Podman behind a `docker` command keeps its storage and configuration under the
        // XDG folders of the real home: they stay where they are.
        let real_home = PathBuf::from(std::env::var_os("HOME").unwrap_or_default());
        let xdg = |key: &str, default: &str| {
            std::env::var_os(key).unwrap_or_else(|| real_home.join(default).into_os_string())
        };
        let (xdg_data, xdg_config) = (xdg("XDG_DATA_HOME", ".local/share"), xdg("XDG_CONFIG_HOME", ".config"));
        let engine_env = self.rt.block_on(engine.command_env());
        let mut env: Vec<(&str, &std::ffi::OsStr)> = vec![
            ("PATH", &shim.path_env),
            ("DOCKERLEARN_SCOPE", &label_os),
            ("COMPOSE_PROJECT_NAME", &project_os),
            ("DOCKER_CONFIG", &docker_config),
            ("XDG_DATA_HOME", &xdg_data),
            ("XDG_CONFIG_HOME", &xdg_config),
        ];
        env.extend(engine_env.iter().map(|(k, v)| (*k, std::ffi::OsStr::new(v))));
        if let Some(host) = &relay_host {
            env.push(("DOCKER_HOST", host));
        }
        let solutions = |l: &crate::course::CourseLesson| -> Vec<String> {
            l.lesson.steps.iter().filter_map(|s| s.solution.as_ref()).flat_map(|s| s.commands.clone()).collect()
        };
        let uses_compose =
            self.course.lessons.iter().any(|l| solutions(l).iter().any(|c| c.contains("docker compose ")));
        let compose = if uses_compose { crate::engine::tools::compose() } else { None };

        let mut reports = Vec::new();
        let result = (|| -> anyhow::Result<()> {
            // Each lesson's solutions run with a home folder of their own (`~/dockerlearn/...`
            // is made there, not in the real one), starting in it, as a learner's terminal
            // does; a lesson that goes on from the previous one keeps both.
            let mut home: Option<(tempfile::TempDir, check::Place)> = None;
            for (li, cl) in self.course.lessons.iter().enumerate() {
                if !only.is_empty() && !only.contains(&li) {
                    continue;
                }
                // Each lesson starts clean, unless it goes on from the previous one.
                if home.is_none() || !cl.lesson.continues {
                    if home.is_some() {
                        lesson_start::remove_made(self.rt, &mut engine, &label, &project, &shim.builds_log);
                    }
                    let dir = tempfile::tempdir()?;
                    // Resolved once (macOS's temp folder is behind a symlink), so `$PWD`,
                    // `~` and the engine's bind sources all read the same.
                    let root = dir.path().canonicalize()?;
                    let place =
                        check::Place { workdir: root.clone(), home: root, compose_project_name: Some(project.clone()) };
                    home = Some((dir, place));
                }
                let (_dir, place) = home.as_mut().expect("made above");
                // A lesson that names its folder begins in it, as at the prompt, and its
                // starter files go there whatever the solutions' `cd`s did.
                let folder = cl.lesson.folder.as_deref().map(|folder| place.path(folder));
                if let Some(folder) = &folder {
                    std::fs::create_dir_all(folder)?;
                    place.workdir = folder.clone();
                }
                let home_os = place.home.as_os_str().to_owned();
                let mut env = env.clone();
                env.push(("HOME", &home_os));
                on_lesson(&lesson_start::look(self.rt, &mut engine, cl));
                for (si, step) in cl.lesson.steps.iter().enumerate() {
                    if let Some(r) = &relay {
                        // Only its witness is read here: what it told the narration goes.
                        r.take();
                    }
                    let started = Instant::now();
                    let mut ran = Vec::new();
                    let starter_into = folder.clone().unwrap_or_else(|| place.workdir.clone());
                    let starter = lesson_start::starter_files(self.course, cl, &starter_into);
                    let outcome = match (cl.checkpoint(si), starter) {
                        (None, _) => StepOutcome::Reading,
                        (Some(_), _) if self.offline && step.needs_network => StepOutcome::SkippedOffline,
                        (Some(_), Err(why)) => StepOutcome::CommandFailed(why),
                        (Some(cp), Ok(())) => {
                            let commands: Vec<String> = step
                                .solution
                                .iter()
                                .flat_map(|s| &s.commands)
                                .map(|c| crate::engine::tools::rewrite(c, compose.as_ref()))
                                .collect();
                            let mut context = StepContext {
                                place,
                                env: &env,
                                needs_network: step.needs_network,
                                label: &label,
                                knowledge: &knowledge,
                            };
                            self.step(cp, &commands, &mut context, &mut engine, &mut nowhere, &mut ran)
                        }
                    };
                    let report = StepReport {
                        lesson: cl.lesson.id.clone(),
                        step: step.id.clone(),
                        outcome,
                        elapsed: started.elapsed(),
                        ran,
                    };
                    progress(&report);
                    reports.push(report);
                }
            }
            Ok(())
        })();
        // Clean up whatever happened above, failures included. Images this run made carry
        // its label (built, committed, imported, or loaded from a save of those); nothing
        // else is touched, even what others create on the engine meanwhile.
        lesson_start::remove_made(self.rt, &mut engine, &label, &project, &shim.builds_log);
        result?;
        Ok(reports)
    }

    fn step(
        &self,
        cp: &Checkpoint,
        commands: &[String],
        context: &mut StepContext,
        engine: &mut Engine,
        nowhere: &mut Engine,
        ran: &mut Vec<Ran>,
    ) -> StepOutcome {
        let needs = cp.needs();
        let since = progress::now();
        let before_engine = if engine_only(cp) { nowhere } else { &mut *engine };
        let before = check::eval(cp, &self.rt.block_on(before_engine.observe(&needs, since, context.place)));
        if before.passed() {
            return if context.needs_network {
                StepOutcome::Prepared
            } else {
                StepOutcome::PassedBefore(describe_pass(&before))
            };
        }
        if commands.is_empty() {
            return StepOutcome::NoSolution;
        }
        if needs.events {
            self.rt.block_on(engine.watch(since, &needs.other_events));
        } else {
            engine.stop_watch();
        }
        for line in commands {
            for volume in names::mounted_volumes(context.knowledge, line) {
                if let Err(e) = self.rt.block_on(engine.create_labelled_volume(&volume, context.label)) {
                    return StepOutcome::CommandFailed(format!("could not create volume `{volume}` first: {e}"));
                }
            }
            match run_command(line, &mut context.place.workdir, context.env) {
                Ok(r) => ran.push(r),
                Err((why, r)) => {
                    ran.push(r);
                    return StepOutcome::CommandFailed(why);
                }
            }
        }
        // Events reach the engine's log a moment after the command returns; servers
        // take a moment to answer.
        let mut after = check::eval(cp, &self.rt.block_on(engine.observe(&needs, since, context.place)));
        for _ in 0..15 {
            if after.passed() || after.engine_unreachable() {
                break;
            }
            std::thread::sleep(Duration::from_millis(200));
            after = check::eval(cp, &self.rt.block_on(engine.observe(&needs, since, context.place)));
        }
        if after.passed() { StepOutcome::Proven } else { StepOutcome::FailedAfter(describe_failure(&after)) }
    }
}

/// Under a failed step: each solution command, its exit status, the end of its output.
fn solution_log(ran: &[Ran]) -> String {
    let mut s = String::new();
    for r in ran {
        let status = match r.code {
            Some(0) => "exit 0".to_owned(),
            Some(code) => format!("exit {code}"),
            None => "stopped".to_owned(),
        };
        let mut lines = r.line.lines();
        s.push_str(&format!("    $ {}\n", lines.next().unwrap_or_default()));
        for more in lines {
            s.push_str(&format!("      {more}\n"));
        }
        s.push_str(&format!("      {status}\n"));
        for l in &r.tail {
            s.push_str(&format!("      | {l}\n"));
        }
    }
    s
}

/// The summary table: one row per step; under a failed one, how its solution ran.
pub fn table(reports: &[StepReport]) -> String {
    let lw = reports.iter().map(|r| r.lesson.len()).max().unwrap_or(6).max(6);
    let sw = reports.iter().map(|r| r.step.len()).max().unwrap_or(4).max(4);
    let mut s = format!("{:<lw$}  {:<sw$}  {:<6}  {:>7}  detail\n", "lesson", "step", "result", "time");
    for r in reports {
        let (result, detail) = match &r.outcome {
            StepOutcome::Proven => ("pass", "failed before, passed after".to_owned()),
            StepOutcome::Reading => ("read", "reading step".to_owned()),
            StepOutcome::Prepared => ("prep", "downloads: its images were already present".to_owned()),
            StepOutcome::SkippedOffline => ("skip", "skipped: needs the network (--offline)".to_owned()),
            StepOutcome::PassedBefore(d) => ("FAIL", format!("passes before its step: {d}")),
            StepOutcome::FailedAfter(d) => ("FAIL", format!("fails after its solution: {d}")),
            StepOutcome::NoSolution => ("FAIL", "no solution commands to run".to_owned()),
            StepOutcome::CommandFailed(d) => ("FAIL", d.clone()),
        };
        s.push_str(&format!(
            "{:<lw$}  {:<sw$}  {result:<6}  {:>5}ms  {detail}\n",
            r.lesson,
            r.step,
            r.elapsed.as_millis()
        ));
        if !r.ok() {
            s.push_str(&solution_log(&r.ran));
        }
    }
    let failed = reports.iter().filter(|r| !r.ok()).count();
    s.push_str(&format!("{} steps, {} failed", reports.len(), failed));
    let skipped = reports.iter().filter(|r| r.outcome == StepOutcome::SkippedOffline).count();
    if skipped > 0 {
        s.push_str(&format!(", {skipped} skipped (--offline)"));
    }
    s
}

#[cfg(test)]
mod tests;
