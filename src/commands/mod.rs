//! One module per command, each with `run(&Ctx, ...) -> anyhow::Result<ExitCode>`, and
//! the context they share. `Ctx` loads the course, the progress store and the engine's
//! endpoint the first time a command asks for them, so `lint` never opens the
//! progress file and `show` never looks for an engine.

pub mod check;
pub mod class;
pub mod clean;
pub mod doctor;
pub mod explain;
pub mod kit;
pub mod lint;
pub mod list;
pub mod map;
pub mod new;
pub mod prepare;
pub mod show;
pub mod start;
pub mod target;
pub mod verify;

use crate::cli::Cli;
use crate::course::{self, Course};
use crate::engine::{Endpoint, Engine, Scope, context};
use crate::progress::{CourseProgress, Store};
use crate::ui::{self, Ui};
use anyhow::{Context as _, anyhow};
use std::cell::OnceCell;
use std::path::{Path, PathBuf};

/// Exit statuses, as `dockerlearn check --help` documents them; the verdict's own rule
/// is `Verdict::exit_code`.
pub use crate::check::exit::{ENGINE as EXIT_ENGINE, NOT_PASSED as EXIT_NOT_PASSED, USAGE as EXIT_USAGE};
/// `check`: the step passed, but the pass could not be written down.
pub const EXIT_NOT_RECORDED: u8 = 4;

/// A refusal already worded for the user (a lesson that does not exist, a course with
/// problems): printed as it is, and the command ends with `code`.
#[derive(Debug, thiserror::Error)]
#[error("{message}")]
pub struct Refusal {
    pub code: u8,
    pub message: String,
}

pub fn refuse(code: u8, message: impl Into<String>) -> anyhow::Error {
    Refusal { code, message: message.into() }.into()
}

/// What the commands share: the global options, the UI, and what is loaded on demand.
pub struct Ctx {
    pub ui: Ui,
    lessons: Option<PathBuf>,
    data_dir: Option<PathBuf>,
    scope: Scope,
    course: OnceCell<Course>,
    store: OnceCell<Store>,
    endpoint: OnceCell<Endpoint>,
}

impl Ctx {
    pub fn new(cli: &Cli) -> Ctx {
        Ctx {
            ui: Ui::for_stdout(),
            lessons: cli.lessons.clone(),
            data_dir: cli.data_dir.clone(),
            scope: Scope { labels: cli.scope.clone() },
            course: OnceCell::new(),
            store: OnceCell::new(),
            endpoint: OnceCell::new(),
        }
    }

    /// The course (`--lessons` or the built-in one); its problems end the command.
    pub fn course(&self) -> anyhow::Result<&Course> {
        if let Some(c) = self.course.get() {
            return Ok(c);
        }
        let loaded = course::load_from(self.lessons.as_deref()).map_err(|problems| {
            refuse(
                EXIT_USAGE,
                format!(
                    "{problems}\ndockerlearn: the course has {} problem(s), listed above with file:line:column. Fix them and try again.",
                    problems.len()
                ),
            )
        })?;
        Ok(self.course.get_or_init(|| loaded))
    }

    pub fn store(&self) -> anyhow::Result<&Store> {
        if let Some(s) = self.store.get() {
            return Ok(s);
        }
        let dir = match &self.data_dir {
            Some(d) => d.clone(),
            None => Store::default_dir()
                .ok_or_else(|| anyhow!("no data directory could be found for your user: pass --data-dir DIR"))?,
        };
        Ok(self.store.get_or_init(|| Store::new(dir)))
    }

    /// The learner's progress in this course; a notice about the file is printed.
    pub fn progress(&self) -> anyhow::Result<CourseProgress> {
        let course = self.course()?;
        let loaded = self.store()?.load()?;
        if let Some(notice) = loaded.notice {
            self.ui.error(&notice);
        }
        Ok(loaded.progress.courses.get(&course.id).cloned().unwrap_or_default())
    }

    /// The engine's endpoint, chosen as the docker CLI chooses it; when it cannot be
    /// worked out, the engine cannot be asked (exit status 3).
    pub fn endpoint(&self) -> anyhow::Result<&Endpoint> {
        if let Some(e) = self.endpoint.get() {
            return Ok(e);
        }
        let endpoint =
            context::resolve_from_environment().map_err(|e| refuse(EXIT_ENGINE, format!("dockerlearn: {e}")))?;
        Ok(self.endpoint.get_or_init(|| endpoint))
    }

    /// The engine, looking only at what `--scope` allows. It connects on first use.
    pub fn engine(&self) -> anyhow::Result<Engine> {
        Ok(Engine::new(self.endpoint()?.clone(), self.scope.clone()))
    }

    /// The engine, looking at everything (for images: pulling, saving, loading).
    pub fn engine_unscoped(&self) -> anyhow::Result<Engine> {
        Ok(Engine::new(self.endpoint()?.clone(), Scope::everything()))
    }

    /// `--lessons`, when given: a course of the user's.
    pub fn lessons_dir(&self) -> Option<&Path> {
        self.lessons.as_deref()
    }

    /// What `--scope` lets commands see.
    pub fn scope(&self) -> &Scope {
        &self.scope
    }

    /// The course an authoring command works on: the argument, `--lessons`, the current
    /// directory if it holds a course, or (None) the built-in one.
    pub fn authoring_dir(&self, arg: Option<&Path>) -> Option<PathBuf> {
        arg.or(self.lessons.as_deref()).map(Path::to_path_buf).or_else(|| {
            let here = PathBuf::from(".");
            here.join(course::MANIFEST).exists().then_some(here)
        })
    }

    /// Where `new` writes: the argument, `--lessons`, else the current directory.
    pub fn new_lesson_dir(&self, arg: Option<&Path>) -> PathBuf {
        arg.or(self.lessons.as_deref()).map_or_else(|| PathBuf::from("."), Path::to_path_buf)
    }
}

/// A lesson of `course` by id or number, or a refusal naming what was asked for.
pub fn lesson_index(course: &Course, name: &str) -> anyhow::Result<usize> {
    course.find_by_name(name).ok_or_else(|| refuse(EXIT_USAGE, unknown_lesson(name)))
}

/// Lessons by id or number (`--lesson a --lesson 2`), in the order given.
pub fn lesson_indexes(course: &Course, names: &[String]) -> anyhow::Result<Vec<usize>> {
    names.iter().map(|n| lesson_index(course, n)).collect()
}

pub fn unknown_lesson(name: &str) -> String {
    format!("dockerlearn: there is no lesson `{}`. `dockerlearn list` shows them.", ui::escape(name))
}

/// A runtime on this thread, for commands that ask the engine a few things in turn.
pub fn runtime() -> anyhow::Result<tokio::runtime::Runtime> {
    tokio::runtime::Builder::new_current_thread().enable_all().build().context("could not start the async runtime")
}
