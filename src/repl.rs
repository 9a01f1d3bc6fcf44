//! The interactive prompt: reads a line, runs it as a real shell command with the
//! terminal handed over (so `docker run -it ... sh` works), or as a `:` command for the
//! session, then performs the session's effects: show, evaluate against the engine, save.

use crate::check::{self, Assertion, Verdict};
use crate::course::Course;
use crate::engine::Engine;
use crate::progress::{self, CourseProgress, Store};
use crate::session::{CheckMode, Effect, Input, META_HELP, Meta, Session};
use crate::ui::Ui;
use rustyline::completion::Completer;
use rustyline::error::ReadlineError;
use rustyline::highlight::Highlighter;
use rustyline::hint::Hinter;
use rustyline::history::FileHistory;
use rustyline::validate::{ValidationContext, ValidationResult, Validator};
use rustyline::{Context, Editor, Helper};
use std::path::PathBuf;
use tokio::runtime::Runtime;

/// Completes `:` commands and the current step's suggested commands.
#[derive(Default)]
struct Completion {
    suggested: Vec<String>,
}

impl Completer for Completion {
    type Candidate = String;
    fn complete(&self, line: &str, pos: usize, _: &Context<'_>) -> rustyline::Result<(usize, Vec<String>)> {
        let prefix = &line[..pos];
        let candidates: Vec<String> = if prefix.starts_with(':') {
            META_HELP.iter().map(|(c, _)| (*c).to_owned()).filter(|c| c.starts_with(prefix)).collect()
        } else {
            self.suggested.iter().filter(|c| c.starts_with(prefix)).cloned().collect()
        };
        Ok((0, candidates))
    }
}
impl Hinter for Completion {
    type Hint = String;
}
impl Highlighter for Completion {}
impl Validator for Completion {
    /// A heredoc, an open quote or a trailing `\` asks for more lines, as a shell would.
    fn validate(&self, ctx: &mut ValidationContext<'_>) -> rustyline::Result<ValidationResult> {
        let input = ctx.input();
        if input.trim_start().starts_with(':') || crate::shell::is_complete(input) {
            Ok(ValidationResult::Valid(None))
        } else {
            Ok(ValidationResult::Incomplete)
        }
    }
}
impl Helper for Completion {}

pub struct Repl<'c> {
    session: Session<'c>,
    engine: Engine,
    ui: Ui,
    store: Store,
    rt: &'c Runtime,
    cwd: PathBuf,
    quit: bool,
    /// Why the last save failed; None once a save succeeds (each save writes it all).
    unsaved: Option<String>,
}

impl<'c> Repl<'c> {
    pub fn new(
        course: &'c Course,
        progress: CourseProgress,
        engine: Engine,
        store: Store,
        ui: Ui,
        rt: &'c Runtime,
    ) -> Self {
        Repl {
            session: Session::new(course, progress),
            engine,
            ui,
            store,
            rt,
            cwd: std::env::current_dir().unwrap_or_else(|_| PathBuf::from(".")),
            quit: false,
            unsaved: None,
        }
    }

    pub fn run(mut self, lesson: Option<String>) -> anyhow::Result<()> {
        // From here on Ctrl-C reaches the running command (same process group) and the
        // prompt (as a key), but no longer ends dockerlearn itself.
        let _guard = self.rt.enter();
        let _signal = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::interrupt())?;
        drop(_guard);

        let mut editor: Editor<Completion, FileHistory> = Editor::new()?;
        editor.set_helper(Some(Completion::default()));
        let history = self.store.dir().join("history");
        let _ = editor.load_history(&history);

        self.step_effects(Input::Begin { lesson, now: progress::now() });
        while !self.quit {
            if let Some(h) = editor.helper_mut() {
                h.suggested = self.current_commands();
            }
            match editor.readline(&self.prompt()) {
                Ok(line) => {
                    let line = line.trim();
                    if line.is_empty() {
                        continue;
                    }
                    let _ = editor.add_history_entry(line);
                    let _ = std::fs::create_dir_all(self.store.dir());
                    let _ = editor.save_history(&history);
                    self.line(line);
                }
                Err(ReadlineError::Interrupted) => {
                    self.ui.notice("(Ctrl-C) Type :quit or press Ctrl-D to leave; your progress is saved.");
                }
                Err(ReadlineError::Eof) => {
                    self.step_effects(Input::Meta { meta: Meta::Quit, now: progress::now() });
                }
                Err(e) => return Err(e.into()),
            }
        }
        match self.unsaved.take() {
            None => Ok(()),
            Some(why) => Err(anyhow::anyhow!(
                "your progress could not be saved: {why}\nWhat you passed in this session is not recorded. Fix that (or pass --data-dir DIR), then `dockerlearn start` and `:check` the steps again."
            )),
        }
    }

    fn line(&mut self, line: &str) {
        let now = progress::now();
        match Meta::parse(line) {
            Some(Ok(meta)) => self.step_effects(Input::Meta { meta, now }),
            Some(Err(message)) => self.ui.notice(&message),
            None => {
                self.shell(line);
                self.step_effects(Input::CommandFinished { now: progress::now() });
            }
        }
    }

    fn prompt(&self) -> String {
        let at = self.session.position();
        let course = self.session.course();
        let lesson = &course.lessons[at.lesson].lesson;
        format!("[{} {}/{}] $ ", lesson.id, at.step + 1, lesson.steps.len())
    }

    fn current_commands(&self) -> Vec<String> {
        let at = self.session.position();
        let step = &self.session.course().lessons[at.lesson].lesson.steps[at.step];
        step.commands.clone()
    }

    /// Runs a learner's line in their shell, in the foreground, with the terminal.
    fn shell(&mut self, line: &str) {
        let mut words = line.split_whitespace();
        match (words.next(), words.next()) {
            (Some("cd"), dir) => {
                let target = match dir {
                    Some(d) => self.cwd.join(shellish_expand(d)),
                    None => directories::BaseDirs::new().map_or(self.cwd.clone(), |b| b.home_dir().to_path_buf()),
                };
                match std::fs::canonicalize(&target) {
                    Ok(p) if p.is_dir() => self.cwd = p,
                    _ => self.ui.notice(&format!("cd: no such directory: {}", target.display())),
                }
                return;
            }
            (Some("exit" | "logout"), None) => {
                self.ui
                    .notice("You are at the dockerlearn prompt, not in a container. Type :quit to leave dockerlearn.");
                return;
            }
            _ => {}
        }
        let shell = std::env::var("SHELL").ok().filter(|s| !s.is_empty() && std::path::Path::new(s).exists());
        let shell = shell.unwrap_or_else(|| "/bin/sh".to_owned());
        let status = std::process::Command::new(&shell).arg("-c").arg(line).current_dir(&self.cwd).status();
        if let Err(e) = status {
            self.ui.error(&format!("could not run {shell}: {e}"));
        }
    }

    /// Feeds one input to the session and performs the effects, including the ones
    /// that produce further inputs (an evaluation's verdict).
    fn step_effects(&mut self, input: Input) {
        let mut pending = vec![input];
        while let Some(input) = pending.pop() {
            for effect in self.session.handle(input) {
                if let Some(next) = self.perform(effect) {
                    pending.push(next);
                }
            }
        }
    }

    fn perform(&mut self, effect: Effect) -> Option<Input> {
        let course = self.session.course();
        match effect {
            Effect::Welcome => self.ui.welcome(course),
            Effect::LessonIntro { lesson } => {
                self.ui.lesson_intro(course, lesson);
                self.announce_missing_images(lesson);
            }
            Effect::ShowStep { at } => {
                self.ui.step(course, at);
                self.watch_events(at);
            }
            Effect::Hint { tier, of, text } => self.ui.hint(tier, of, &text),
            Effect::NoMoreHints => self.ui.no_more_hints(),
            Effect::Solution { at } => self.ui.solution(course, at),
            Effect::Evaluate { at, since, mode } => {
                let checkpoint = course.lessons[at.lesson].checkpoint(at.step)?;
                let verdict = self.evaluate(checkpoint, since, mode);
                return Some(Input::Checked { verdict, mode, now: progress::now() });
            }
            Effect::Verdict { verdict, mode } => self.ui.verdict(&verdict, mode),
            Effect::StepPassed { .. } => self.ui.step_passed(),
            Effect::LessonComplete { lesson } => self.ui.lesson_complete(course, lesson),
            Effect::CourseComplete => self.ui.course_complete(course),
            Effect::Notice(text) => self.ui.notice(&text),
            Effect::Help => self.ui.help(),
            Effect::Lessons => {
                self.ui.lessons(course, self.session.progress(), Some(self.session.position().lesson));
            }
            Effect::Progress => self.ui.progress(course, self.session.progress()),
            Effect::Save => self.save(),
            Effect::Quit => {
                // A failed save is reported by `run`'s error and exit status instead.
                if self.unsaved.is_none() {
                    self.ui.notice("Progress saved. Come back with `dockerlearn start`.");
                }
                self.quit = true;
            }
        }
        None
    }

    /// Starts the live event stream for a step whose checkpoint looks at events.
    fn watch_events(&mut self, at: crate::session::Position) {
        let Some(checkpoint) = self.session.course().lessons[at.lesson].checkpoint(at.step) else { return };
        let needs = checkpoint.needs();
        if needs.events {
            let since = self.session.step_started();
            self.rt.block_on(self.engine.watch(since, &needs.other_events));
        }
    }

    /// Says before the first step which of the lesson's images must still be downloaded,
    /// so a learner without network learns it now rather than from a failed pull.
    fn announce_missing_images(&mut self, lesson: usize) {
        let l = &self.session.course().lessons[lesson].lesson;
        if l.images.is_empty() {
            return;
        }
        // An engine that does not answer is reported by the step's own check.
        let Ok(missing) = self.rt.block_on(self.engine.missing_images(&l.images)) else { return };
        if !missing.is_empty() {
            self.ui.notice(&format!(
                "Not on your engine yet: {}. The first command that uses them downloads them, which needs the network; to get them now, run `dockerlearn prepare {}` (or load the course's kit).",
                missing.join(", "),
                l.id
            ));
        }
    }

    fn evaluate(&mut self, checkpoint: &check::Checkpoint, since: i64, mode: CheckMode) -> Verdict {
        let needs = checkpoint.needs();
        let mut verdict = check::eval(checkpoint, &self.rt.block_on(self.engine.observe(&needs, since, &self.cwd)));
        // The engine publishes an event a moment after the command that caused it may
        // return; look once more before saying "not yet".
        let waits_for_event = checkpoint.assertions.iter().any(|a| matches!(a, Assertion::Event(_)));
        if mode == CheckMode::Auto && !verdict.passed() && !verdict.engine_unreachable() && waits_for_event {
            std::thread::sleep(std::time::Duration::from_millis(250));
            verdict = check::eval(checkpoint, &self.rt.block_on(self.engine.observe(&needs, since, &self.cwd)));
        }
        verdict
    }

    fn save(&mut self) {
        let course_id = self.session.course().id.clone();
        let mine = self.session.progress().clone();
        let result = self.store.update(&course_id, |stored| {
            let mut merged = mine;
            merged.merge_from(stored);
            *stored = merged;
        });
        match result {
            Ok(_) => self.unsaved = None,
            Err(e) => {
                self.ui.error(&format!(
                    "Could not save your progress: {e:#}\n(It is kept in memory; dockerlearn tries again at the next step.)"
                ));
                self.unsaved = Some(e.to_string());
            }
        }
    }
}

/// `~` and `$HOME` in a `cd` argument, the two expansions learners use there.
fn shellish_expand(arg: &str) -> PathBuf {
    let home = directories::BaseDirs::new().map(|b| b.home_dir().to_path_buf());
    match (arg.strip_prefix('~').or_else(|| arg.strip_prefix("$HOME")), home) {
        (Some(rest), Some(home)) => home.join(rest.trim_start_matches('/')),
        _ => PathBuf::from(arg),
    }
}
