//! The one place that wires things together: course, progress store, engine, UI, and
//! the command the user asked for. Everything here is glue; behaviour lives elsewhere.

use crate::check::{self, Status};
use crate::cli::{Cli, Command};
use crate::course::{self, Course};
use crate::engine::{Engine, Scope, context};
use crate::progress::{self, Store};
use crate::reference::ImageRef;
use crate::repl::Repl;
use crate::session::Position;
use crate::ui::{self, Ui};
use anyhow::{Context as _, anyhow};
use serde::Serialize;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

/// Exit statuses, as `dockerlearn check --help` documents them.
pub const EXIT_NOT_PASSED: u8 = 1;
pub const EXIT_USAGE: u8 = 2;
pub const EXIT_ENGINE: u8 = 3;
pub const EXIT_NOT_RECORDED: u8 = 4;

pub fn run(cli: Cli) -> anyhow::Result<ExitCode> {
    let ui = Ui::for_stdout();
    // Authoring commands read the course themselves: they report its problems.
    match &cli.command {
        Some(Command::Lint { dir }) => {
            return lint(&ui, course_dir(dir.as_deref(), cli.lessons.as_deref()));
        }
        Some(Command::New { lesson, title, dir }) => {
            let dir = dir.clone().or(cli.lessons.clone()).unwrap_or_else(|| PathBuf::from("."));
            return new_lesson(&ui, &dir, lesson, title.as_deref());
        }
        Some(Command::Verify { dir, only }) => {
            return verify(&ui, course_dir(dir.as_deref(), cli.lessons.as_deref()), only);
        }
        _ => {}
    }
    let course = match course::load_from(cli.lessons.as_deref()) {
        Ok(c) => c,
        Err(problems) => {
            ui.error(&problems.to_string());
            ui.error(&format!(
                "dockerlearn: the course has {} problem(s), listed above with file:line:column. Fix them and try again.",
                problems.len()
            ));
            return Ok(ExitCode::from(EXIT_USAGE));
        }
    };
    let store = Store::new(match &cli.data_dir {
        Some(d) => d.clone(),
        None => Store::default_dir()
            .ok_or_else(|| anyhow!("no data directory could be found for your user: pass --data-dir DIR"))?,
    });
    let scope = Scope { labels: cli.scope.clone() };
    match cli.command.unwrap_or(Command::Start { lesson: None }) {
        Command::Start { lesson } => start(&course, &store, scope, ui, lesson),
        Command::List => {
            let progress = load_progress(&store, &course, &ui)?;
            ui.line(&format!("{} ({} lessons, {})", course.title, course.lessons.len(), course.origin));
            ui.line(&ui::lesson_table(&course, &progress, None));
            Ok(ExitCode::SUCCESS)
        }
        Command::Show { lesson, solutions } => {
            let Some(i) = course.find_by_name(&lesson) else {
                return unknown_lesson(&ui, &lesson);
            };
            ui.show_lesson(&course, i, solutions);
            Ok(ExitCode::SUCCESS)
        }
        Command::Check { target, json } => check(&course, &store, scope, &ui, target.as_deref(), json),
        Command::Doctor { json } => {
            let rt = runtime()?;
            let report = rt.block_on(crate::doctor::diagnose(context::resolve_from_environment(), &course));
            if json {
                ui.line(&serde_json::to_string_pretty(&report)?);
            } else {
                ui.line(&crate::doctor::render(&report));
            }
            Ok(if report.ready() { ExitCode::SUCCESS } else { ExitCode::from(EXIT_NOT_PASSED) })
        }
        Command::Prepare { only } => prepare(&course, &ui, &only),
        Command::Kit { action } => kit(&course, &ui, action),
        Command::Lint { .. } | Command::New { .. } | Command::Verify { .. } => {
            unreachable!("handled above")
        }
    }
}

fn lesson_indexes(course: &Course, ui: &Ui, names: &[String]) -> Result<Vec<usize>, ExitCode> {
    let mut out = Vec::new();
    for name in names {
        match course.find_by_name(name) {
            Some(i) => out.push(i),
            None => {
                let _ = unknown_lesson(ui, name);
                return Err(ExitCode::from(EXIT_USAGE));
            }
        }
    }
    Ok(out)
}

fn prepare(course: &Course, ui: &Ui, lessons: &[String]) -> anyhow::Result<ExitCode> {
    use crate::prepare::Prepared;
    let only = match lesson_indexes(course, ui, lessons) {
        Ok(o) => o,
        Err(code) => return Ok(code),
    };
    let images = crate::prepare::course_images(course, &only);
    let rt = runtime()?;
    let mut engine = engine(Scope::everything())?;
    // What must be downloaded, and how much, before anything is.
    let missing = rt.block_on(engine.missing_images(&images))?;
    if !missing.is_empty() {
        let (os, arch) = rt.block_on(engine.platform())?;
        let mut total = 0;
        let mut known = true;
        for image in &missing {
            match rt.block_on(crate::prepare::download_size(image, &os, &arch)) {
                Ok(size) => {
                    total += size;
                    ui.line(&format!("  to pull  {image} ({} to download)", crate::doctor::human_bytes(size)));
                }
                Err(why) => {
                    known = false;
                    ui.line(&format!("  to pull  {image} (download size unknown: {why})"));
                }
            }
        }
        if known {
            ui.line(&format!("Downloading {} in all.", crate::doctor::human_bytes(total)));
        }
    }
    let bars = indicatif::MultiProgress::new();
    let results = rt.block_on(crate::prepare::prepare(&mut engine, &images, &bars))?;
    let mut disk = 0;
    let mut failed = Vec::new();
    for (image, result) in &results {
        match result {
            Prepared::Present(size) => {
                disk += size;
                ui.line(&format!("  present  {image}"));
            }
            Prepared::Pulled(size) => {
                disk += size;
                ui.line(&format!("  pulled   {image} ({})", crate::doctor::human_bytes(*size)));
            }
            Prepared::Failed(why) => {
                failed.push(image.clone());
                ui.line(&format!("  FAILED   {image}: {why}"));
            }
        }
    }
    ui.line(&format!("{} images, {} on disk.", results.len(), crate::doctor::human_bytes(disk)));
    if failed.is_empty() {
        ui.line("Every lesson has its images.");
        return Ok(ExitCode::SUCCESS);
    }
    // Among the lessons asked for, those whose images are all there can go ahead.
    let ready: Vec<&str> = course
        .lessons
        .iter()
        .enumerate()
        .filter(|(i, _)| only.is_empty() || only.contains(i))
        .filter(|(_, l)| {
            !l.lesson.images.iter().any(|i| failed.iter().any(|f| ImageRef::parse(f).matches(&ImageRef::parse(i))))
        })
        .map(|(_, l)| l.lesson.id.as_str())
        .collect();
    if ready.is_empty() {
        ui.line("None of these lessons has all its images yet.");
    } else {
        ui.line(&format!("Lessons that have their images all the same: {}.", ready.join(", ")));
    }
    Ok(ExitCode::from(EXIT_NOT_PASSED))
}

fn bytes_bar(len: u64) -> indicatif::ProgressBar {
    let bar = indicatif::ProgressBar::new(len);
    bar.set_style(
        indicatif::ProgressStyle::with_template("  {msg:10} {bar:30} {bytes}/{total_bytes} {bytes_per_sec}")
            .expect("a valid template")
            .progress_chars("=> "),
    );
    bar
}

fn kit(course: &Course, ui: &Ui, action: crate::cli::KitAction) -> anyhow::Result<ExitCode> {
    use crate::cli::KitAction;
    use crate::kit::{KitError, Tagged};
    let failed = |e: KitError| {
        ui.error(&format!("dockerlearn: {e}"));
        Ok(ExitCode::from(EXIT_NOT_PASSED))
    };
    let connect = || anyhow::Ok((runtime()?, engine(Scope::everything())?));
    match action {
        KitAction::Keygen { file } => match crate::kit::keygen(&file) {
            Ok((public_path, public)) => {
                ui.line(&format!(
                    "Wrote {} (secret: keep it to yourself) and {} (public key {public}).\nSign kits with `dockerlearn kit save KIT --sign {}`; learners load them with `dockerlearn kit load KIT --trust {public}`.",
                    file.display(),
                    public_path.display(),
                    file.display()
                ));
                Ok(ExitCode::SUCCESS)
            }
            Err(e) => failed(e),
        },
        KitAction::Save { file, only, sign } => {
            let (rt, mut engine) = connect()?;
            let only = match lesson_indexes(course, ui, &only) {
                Ok(o) => o,
                Err(code) => return Ok(code),
            };
            let signer = match sign.as_deref().map(crate::kit::sign::signing_key).transpose() {
                Ok(s) => s,
                Err(e) => return failed(e.into()),
            };
            let images = crate::prepare::course_images(course, &only);
            let bar = bytes_bar(0);
            bar.set_message("saving");
            let saved = rt.block_on(crate::kit::save(&mut engine, &course.id, &images, &file, signer.as_ref(), |n| {
                bar.set_position(n)
            }));
            bar.finish_and_clear();
            let saved = match saved {
                Ok(s) => s,
                Err(e) => return failed(e),
            };
            for i in &saved.manifest.images {
                ui.line(&format!("  {}", i.reference));
            }
            let trust = signer
                .as_ref()
                .map_or(String::new(), |k| format!(" --trust {}", hex::encode(k.verifying_key().as_bytes())));
            ui.line(&format!(
                "Wrote {} ({}, {} images{}). On each machine: `dockerlearn kit load {}{trust}`.",
                file.display(),
                crate::doctor::human_bytes(saved.file_bytes),
                saved.manifest.images.len(),
                if signer.is_some() { ", signed" } else { "" },
                file.display()
            ));
            Ok(ExitCode::SUCCESS)
        }
        KitAction::Load { file, trust, force } => {
            let (rt, mut engine) = connect()?;
            let trust = match trust.as_deref().map(crate::kit::sign::trusted_key).transpose() {
                Ok(t) => t,
                Err(e) => return failed(e.into()),
            };
            let options = crate::kit::LoadOptions { trust, force };
            let bar = bytes_bar(0);
            let loaded = rt.block_on(crate::kit::load(&mut engine, &file, &options, |phase, done, total| {
                bar.set_message(phase.to_owned());
                if total > 0 {
                    bar.set_length(total);
                }
                bar.set_position(done);
            }));
            bar.finish_and_clear();
            let loaded = match loaded {
                Ok(l) => l,
                Err(e) => return failed(e),
            };
            let mut left_alone = Vec::new();
            for (reference, tagged) in &loaded.tags {
                match tagged {
                    Tagged::Set | Tagged::Already => ui.line(&format!("  loaded  {reference}")),
                    Tagged::NotATag => ui.line(&format!("  loaded  {reference} (by its digest)")),
                    Tagged::Moved(from) => ui.line(&format!("  loaded  {reference} (the tag named {from} before)")),
                    Tagged::LeftAlone(other) => {
                        ui.line(&format!("  kept    {reference}: the tag names another image ({other}), left alone"));
                        left_alone.push(reference.as_str());
                    }
                }
            }
            if left_alone.is_empty() {
                ui.line(&format!(
                    "The kit is whole and its {} images are on the engine: the course is ready (`dockerlearn start`).",
                    loaded.manifest.images.len()
                ));
                return Ok(ExitCode::SUCCESS);
            }
            ui.error(&format!(
                "dockerlearn: the kit's images are loaded, but these tags already name other images and were left alone: {}.\nTo point them at the kit's images, run `dockerlearn kit load {} --force`.",
                left_alone.join(", "),
                file.display()
            ));
            Ok(ExitCode::from(EXIT_NOT_PASSED))
        }
    }
}

/// The course an authoring command works on: the argument, `--lessons`, the current
/// directory if it holds a course, or (None) the built-in one.
fn course_dir(arg: Option<&Path>, lessons: Option<&Path>) -> Option<PathBuf> {
    arg.or(lessons).map(Path::to_path_buf).or_else(|| {
        let here = PathBuf::from(".");
        here.join(course::MANIFEST).exists().then_some(here)
    })
}

fn lint(ui: &Ui, dir: Option<PathBuf>) -> anyhow::Result<ExitCode> {
    let (problems, what) = match &dir {
        Some(d) => (crate::lint::lint(d), d.display().to_string()),
        None => match course::load_from(None) {
            Ok(c) => (crate::lint::lint_course(&c), "the built-in course".to_owned()),
            Err(p) => (p, "the built-in course".to_owned()),
        },
    };
    for p in problems.iter() {
        ui.line(&p.to_string());
    }
    if problems.is_empty() {
        ui.line(&format!("{what}: no problems found"));
        Ok(ExitCode::SUCCESS)
    } else {
        ui.error(&format!("{what}: {} problem(s)", problems.len()));
        Ok(ExitCode::from(EXIT_NOT_PASSED))
    }
}

fn new_lesson(ui: &Ui, dir: &Path, id: &str, title: Option<&str>) -> anyhow::Result<ExitCode> {
    let created = crate::scaffold::new_lesson(dir, id, title)?;
    if created.manifest_created {
        ui.line(&format!("Started a course in {}", dir.join(course::MANIFEST).display()));
    }
    ui.line(&format!("Wrote {}\nWrote {}", created.lesson.display(), created.checks.display()));
    ui.line(&format!(
        "Next: edit them, then `dockerlearn lint {0}` and `dockerlearn verify {0} --lesson {id}`; try it with `dockerlearn --lessons {0} start {id}`.",
        dir.display()
    ));
    Ok(ExitCode::SUCCESS)
}

fn verify(ui: &Ui, dir: Option<PathBuf>, only: &[String]) -> anyhow::Result<ExitCode> {
    let course = match course::load_from(dir.as_deref()) {
        Ok(c) => c,
        Err(problems) => {
            ui.error(&problems.to_string());
            ui.error("dockerlearn: fix these problems first (`dockerlearn lint` lists them).");
            return Ok(ExitCode::from(EXIT_USAGE));
        }
    };
    let indexes = match lesson_indexes(&course, ui, only) {
        Ok(i) => i,
        Err(code) => return Ok(code),
    };
    let rt = runtime()?;
    let endpoint = context::resolve_from_environment()?;
    let verifier = crate::verify::Verifier { course: &course, endpoint, rt: &rt };
    let reports = verifier.run(&indexes, |r| {
        let mark = if r.ok() { "ok  " } else { "FAIL" };
        ui.line(&format!("{mark} {}/{} ({} ms)", r.lesson, r.step, r.elapsed.as_millis()));
    })?;
    ui.line("");
    ui.line(&crate::verify::table(&reports));
    Ok(if reports.iter().all(|r| r.ok()) { ExitCode::SUCCESS } else { ExitCode::from(EXIT_NOT_PASSED) })
}

fn runtime() -> anyhow::Result<tokio::runtime::Runtime> {
    tokio::runtime::Builder::new_current_thread().enable_all().build().context("could not start the async runtime")
}

fn engine(scope: Scope) -> anyhow::Result<Engine> {
    let endpoint = context::resolve_from_environment()?;
    Ok(Engine::new(endpoint, scope))
}

fn load_progress(store: &Store, course: &Course, ui: &Ui) -> anyhow::Result<progress::CourseProgress> {
    let loaded = store.load()?;
    if let Some(notice) = loaded.notice {
        ui.error(&notice);
    }
    Ok(loaded.progress.courses.get(&course.id).cloned().unwrap_or_default())
}

fn unknown_lesson(ui: &Ui, name: &str) -> anyhow::Result<ExitCode> {
    ui.error(&format!("dockerlearn: there is no lesson `{name}`. `dockerlearn list` shows them."));
    Ok(ExitCode::from(EXIT_USAGE))
}

fn start(course: &Course, store: &Store, scope: Scope, ui: Ui, lesson: Option<String>) -> anyhow::Result<ExitCode> {
    if let Some(name) = &lesson {
        if course.find_by_name(name).is_none() {
            return unknown_lesson(&ui, name);
        }
    }
    let progress = load_progress(store, course, &ui)?;
    // One worker thread keeps a step's event stream read while the prompt waits.
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .context("could not start the async runtime")?;
    let engine = engine(scope)?;
    Repl::new(course, progress, engine, store.clone(), ui, &rt).run(lesson)?;
    Ok(ExitCode::SUCCESS)
}

#[derive(Serialize)]
struct CheckReport<'a> {
    course: &'a str,
    lesson: &'a str,
    step: &'a str,
    passed: bool,
    outcomes: &'a [check::Outcome],
}

fn check(
    course: &Course,
    store: &Store,
    scope: Scope,
    ui: &Ui,
    target: Option<&str>,
    json: bool,
) -> anyhow::Result<ExitCode> {
    let progress = load_progress(store, course, ui)?;
    let at = match resolve_target(course, &progress, target) {
        Ok(at) => at,
        Err(message) => {
            ui.error(&format!("dockerlearn: {message}"));
            return Ok(ExitCode::from(EXIT_USAGE));
        }
    };
    let cl = &course.lessons[at.lesson];
    let step = &cl.lesson.steps[at.step];
    let Some(checkpoint) = cl.checkpoint(at.step) else {
        ui.line(&format!("{}/{} is a reading step: there is nothing to check.", cl.lesson.id, step.id));
        return Ok(ExitCode::SUCCESS);
    };
    let now = progress::now();
    // Events count from when the step began; a step never begun looks back one hour.
    let since = progress.started(&cl.lesson.id, &step.id).unwrap_or(now - 3_600_000_000_000);
    let rt = runtime()?;
    let mut engine = engine(scope)?;
    let observation =
        rt.block_on(engine.observe(&checkpoint.needs(), since, &std::env::current_dir().unwrap_or_default()));
    let verdict = check::eval(checkpoint, &observation);
    let passed = verdict.passed();
    let mut recorded = Ok(());
    if passed {
        let (lesson, step_id) = (cl.lesson.id.clone(), step.id.clone());
        recorded = store
            .update(&course.id, |c| {
                let l = c.lesson_mut(&lesson);
                l.passed.insert(step_id.clone());
                l.skipped.remove(&step_id);
            })
            .map(drop);
    }
    if json {
        let report = CheckReport {
            course: &course.id,
            lesson: &cl.lesson.id,
            step: &step.id,
            passed,
            outcomes: &verdict.outcomes,
        };
        ui.line(&serde_json::to_string_pretty(&report)?);
    } else {
        let state = if passed { "passed" } else { "not passed yet" };
        ui.line(&format!("{}/{} ({}): {state}", cl.lesson.id, step.id, step.title));
        ui.line(&ui::render_verdict(&verdict));
    }
    if let Err(e) = recorded {
        ui.error(&format!("dockerlearn: the step passed, but the pass could not be recorded: {e}\nFix that (or pass --data-dir DIR) and run the check again."));
        return Ok(ExitCode::from(EXIT_NOT_RECORDED));
    }
    Ok(if passed {
        ExitCode::SUCCESS
    } else if verdict.outcomes.iter().any(|o| o.status == Status::Unknown)
        || (verdict.outcomes.iter().all(|o| o.kind == "engine") && observation.engine.is_err())
    {
        ExitCode::from(EXIT_ENGINE)
    } else {
        ExitCode::from(EXIT_NOT_PASSED)
    })
}

/// `LESSON/STEP`, `LESSON` (its first step not yet passed), or the learner's current step.
fn resolve_target(
    course: &Course,
    progress: &progress::CourseProgress,
    target: Option<&str>,
) -> Result<Position, String> {
    match target {
        None => Ok(progress
            .current
            .as_ref()
            .and_then(|c| {
                let lesson = course.find(&c.lesson)?;
                Some(Position { lesson, step: course.lessons[lesson].lesson.step_index(&c.step)? })
            })
            .unwrap_or(Position { lesson: 0, step: 0 })),
        Some(t) => {
            let (lesson_name, step_name) = match t.split_once('/') {
                Some((l, s)) => (l, Some(s)),
                None => (t, None),
            };
            let lesson = course
                .find_by_name(lesson_name)
                .ok_or_else(|| format!("there is no lesson `{lesson_name}`. `dockerlearn list` shows them."))?;
            match step_name {
                None => Ok(Position { lesson, step: progress.first_open_step(&course.lessons[lesson].lesson) }),
                Some(s) => {
                    let l = &course.lessons[lesson].lesson;
                    let step = l.step_index(s).ok_or_else(|| {
                        let ids: Vec<&str> = l.steps.iter().map(|s| s.id.as_str()).collect();
                        format!("lesson `{}` has no step `{s}`; its steps are: {}", l.id, ids.join(", "))
                    })?;
                    Ok(Position { lesson, step })
                }
            }
        }
    }
}
