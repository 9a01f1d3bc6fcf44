//! The interactive prompt: reads a line, runs it as a real shell command with the
//! terminal handed over (so `docker run -it ... sh` works), or as a `:` command for the
//! session, then performs the session's effects: show, evaluate against the engine, save.
//!
//! The whole line runs in the learner's shell, `cd` included; the shell then writes
//! its final directory to a temporary file, and the next line starts there. Lines that
//! arrive in one burst (a paste, typing ahead) stay in the line editor's buffer and
//! run in turn. Every wait on the engine says after a second what it waits for, and
//! Ctrl-C stops waiting.

mod editor;
mod tools;

use crate::check::{self, Verdict};
use crate::class::learner::{self, Link, Update};
use crate::class::protocol::{Event, Notice};
use crate::course::Course;
use crate::engine::Engine;
use crate::progress::{self, CourseProgress, Store};
use crate::sandbox::{self, Sandbox};
use crate::session::{CheckMode, Effect, Input, Meta, Session};
use crate::ui::Ui;
use std::path::{Path, PathBuf};
use std::time::Duration;
use tokio::runtime::Runtime;
use tokio::signal::unix::{Signal, SignalKind, signal};
use tools::Tool;

/// How long a wait on the engine lasts before the prompt says what it waits for.
const SAY_WAITING_AFTER: Duration = Duration::from_secs(1);
/// How long an automatic check waits before looking again at a verdict that may yet
/// change by itself (an event not yet published, a server not yet printing).
const LOOK_AGAIN_AFTER: Duration = Duration::from_millis(250);
/// How many times it looks again for a running container's output: ten, about 2.5 s.
const LOOKS_FOR_OUTPUT: usize = 10;
/// How long a Ctrl-C meant for the learner's command may take to reach the runtime.
const SIGNAL_GRACE: Duration = Duration::from_millis(15);

pub struct Repl<'c> {
    session: Session<'c>,
    engine: Engine,
    /// How the engine is named in "waiting for ..." (`the Docker engine at unix://...`).
    engine_name: String,
    ui: &'c Ui,
    store: Store,
    rt: &'c Runtime,
    cwd: PathBuf,
    /// The lesson whose folder the prompt went to, once per lesson (a resume included).
    folder_of: Option<usize>,
    quit: bool,
    /// Ctrl-C while dockerlearn itself waits (the terminal is not in raw mode then).
    interrupt: Option<Signal>,
    /// The guard, the record of what the learner made, and the telling of what changed.
    sandbox: Sandbox,
    /// At the sandbox's prompt: no lesson, and what each command changed is told.
    sandbox_mode: bool,
    /// Whether the lesson has been shown (a session that began in the sandbox has not).
    begun: bool,
    /// What the last command changed, for `:what`.
    last_told: Vec<String>,
    /// Why the last save failed; None once a save succeeds (each save writes it all).
    unsaved: Option<String>,
    /// The class this learner joined: reports go out, the instructor's word comes in.
    class: Option<Link>,
}

/// What the prompt hears, on one channel, while it waits for a line.
enum Heard {
    Read(editor::Read),
    /// The class sent news: read it from the link.
    Class,
}

/// How long a step that passed waits for the class's latest holds before moving on.
const FRESH_HOLDS: Duration = Duration::from_millis(800);

/// What the prompt works with, besides the course and the terminal.
pub struct Parts {
    /// The class link, when the learner joined one.
    pub class: Option<Link>,
    pub engine: Engine,
    /// How the engine is named in "waiting for ..." (`the Docker engine at unix://...`).
    pub engine_name: String,
    pub store: Store,
    pub sandbox: Sandbox,
}

impl<'c> Repl<'c> {
    pub fn new(course: &'c Course, progress: CourseProgress, parts: Parts, ui: &'c Ui, rt: &'c Runtime) -> Self {
        let Parts { class, engine, engine_name, store, sandbox } = parts;
        Repl {
            class,
            sandbox,
            sandbox_mode: false,
            begun: false,
            last_told: Vec::new(),
            session: Session::new(course, progress),
            engine,
            engine_name,
            ui,
            store,
            rt,
            cwd: std::env::current_dir().unwrap_or_else(|_| PathBuf::from(".")),
            folder_of: None,
            quit: false,
            interrupt: None,
            unsaved: None,
        }
    }

    /// The prompt without a lesson: every command's changes told, `:sandbox` to the course.
    pub fn run_sandbox(mut self) -> anyhow::Result<()> {
        self.sandbox_mode = true;
        self.ui.notice(
            "The sandbox: run any docker command; after each one dockerlearn tells what changed in the engine. `:map` draws it, `:explain CMD` reads a command, `dockerlearn clean` removes what you made here. `:sandbox` goes to the course, `:quit` leaves.",
        );
        self.run_loop(None)
    }

    pub fn run(self, lesson: Option<String>) -> anyhow::Result<()> {
        self.run_loop(lesson)
    }

    fn run_loop(mut self, lesson: Option<String>) -> anyhow::Result<()> {
        // One channel for all the prompt hears: the lines the editor reads and news
        // from the class, which arrives while the learner sits at the prompt.
        let (events, heard) = std::sync::mpsc::channel::<Heard>();
        let mut reader = editor::Reader::start(self.store.dir().join("history"), events.clone(), Heard::Read)?;
        if let Some(link) = &self.class {
            let events = events.clone();
            link.on_news(move || {
                let _ = events.send(Heard::Class);
            });
        }
        drop(events);

        // From here on Ctrl-C reaches the running command (same process group) and the
        // prompt (as a key), but no longer ends dockerlearn itself; while dockerlearn
        // waits, it stops the wait. After the editor: it installs a SIGINT handler of
        // its own, which this one chains to rather than being replaced by.
        let _guard = self.rt.enter();
        self.interrupt = Some(signal(SignalKind::interrupt())?);
        drop(_guard);

        // The connection line first; holds and marks once the session knows its step.
        let (connection, news): (Vec<Update>, Vec<Update>) = match &self.class {
            Some(link) => link
                .first_round(std::time::Duration::from_millis(1500))
                .into_iter()
                .partition(|u| matches!(u, Update::Connection { .. })),
            None => Default::default(),
        };
        self.class_updates(connection);
        if !self.sandbox_mode {
            self.begun = true;
            self.step_effects(Input::Begin { lesson, now: progress::now() });
        }
        self.class_updates(news);
        while !self.quit {
            if let Some(updates) = self.class.as_ref().map(Link::updates) {
                self.class_updates(updates);
            }
            let prompt = self.prompt();
            reader.ask(prompt.clone(), self.current_commands());
            // While the line is edited, news is printed above it and the prompt follows.
            if let Some(printer) = reader.printer.take() {
                self.ui.printing_above(printer);
            }
            let read = loop {
                match heard.recv() {
                    Ok(Heard::Read(read)) => break read,
                    Ok(Heard::Class) => {
                        if let Some(updates) = self.class.as_ref().map(Link::updates) {
                            self.class_updates(updates);
                        }
                        reader.prompt_changed(self.prompt());
                        self.ui.flush_above();
                    }
                    Err(_) => break editor::Read::Eof,
                }
            };
            reader.printer = self.ui.printing_below();
            match read {
                editor::Read::Line(line) if line.is_empty() => {}
                editor::Read::Line(line) => self.line(&line),
                editor::Read::Interrupted => {
                    self.ui.notice("(Ctrl-C) Type :quit or press Ctrl-D to leave; your progress is saved.");
                }
                editor::Read::Eof => {
                    self.step_effects(Input::Meta { meta: Meta::Quit, now: progress::now() });
                }
                editor::Read::Failed(e) => return Err(e.into()),
            }
        }
        drop(reader);
        if let Some(link) = self.class.take() {
            let waiting = link.finish(std::time::Duration::from_secs(2));
            if waiting > 0 {
                self.ui.notice(&format!(
                    "{waiting} report(s) have not reached the class server yet; they are kept and go with your next `dockerlearn start` or `check`."
                ));
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
        if let Some(tool) = Tool::parse(line) {
            return self.tool(tool);
        }
        match Meta::parse(line) {
            Some(Ok(Meta::Quit)) if !self.begun => {
                self.ui.notice("Come back with `dockerlearn sandbox`, or `dockerlearn start` for the course.");
                self.quit = true;
            }
            Some(Ok(Meta::Help)) if self.sandbox_mode => self.ui.sandbox_help(),
            // Leaving works wherever the learner is; the lesson's place is saved.
            Some(Ok(meta @ Meta::Quit)) => self.step_effects(Input::Meta { meta, now }),
            Some(Ok(_)) if self.sandbox_mode => {
                self.ui.notice("That is for lessons: type `:sandbox` to go back to the course.");
            }
            Some(Ok(meta)) => self.step_effects(Input::Meta { meta, now }),
            Some(Err(message)) => self.ui.notice(&message),
            None => {
                let Some(before) = self.look_before(line) else { return };
                if let Some(b) = before.as_ref().filter(|_| self.sandbox_mode) {
                    self.tell_meanwhile(b);
                }
                if let Some(relay) = self.sandbox.docker_host() {
                    let relay = relay.strip_prefix("unix://").unwrap_or(&relay);
                    if let Some(how) = crate::shell::names_its_own_engine(line, relay) {
                        self.ui.notice(&format!(
                            "This command reaches an engine its own way ({how}), around dockerlearn's relay: what it makes is not told here, nor recorded for `dockerlearn clean`."
                        ));
                    }
                }
                self.shell(line);
                self.tell_after(before);
                if !self.sandbox_mode {
                    self.step_effects(Input::CommandFinished { now: progress::now() });
                }
            }
        }
    }

    /// A look at the engine before a command, and the guard's question when the command
    /// would remove or stop what the learner did not make here. `None`: the learner
    /// chose not to run it. An engine that cannot be asked leaves the command unguarded.
    fn look_before(&mut self, line: &str) -> Option<Option<sandbox::Before>> {
        // Only a command the guard may question needs them.
        let lesson_names =
            if crate::guard::may_destroy(self.sandbox.knowledge(), line) { self.lesson_names() } else { Vec::new() };
        let (sandbox, engine) = (&self.sandbox, &mut self.engine);
        let looked = Self::wait(self.rt, self.ui, &mut self.interrupt, &self.engine_name, async {
            sandbox.before(engine, line, &self.cwd, &lesson_names).await
        });
        match looked {
            Some(Ok((before, Some(warning)))) => {
                self.ui.notice(&warning.render());
                if !self.ui.ask("Run it anyway?") {
                    self.ui.notice("Not run.");
                    return None;
                }
                Some(Some(before))
            }
            Some(Ok((before, None))) => Some(Some(before)),
            Some(Err(_)) | None => Some(None),
        }
    }

    /// In the sandbox, before a command runs: what happened to the learner's containers
    /// since the last one.
    fn tell_meanwhile(&mut self, before: &sandbox::Before) {
        let (sandbox, engine) = (&self.sandbox, &mut self.engine);
        let told =
            Self::wait(self.rt, self.ui, &mut self.interrupt, &self.engine_name, sandbox.meanwhile(engine, before));
        let lines = told.unwrap_or_default();
        if !lines.is_empty() {
            self.ui.notice("Since your last command:");
            for l in &lines {
                self.ui.told(l);
            }
        }
    }

    /// Records what the command made and keeps what changed for `:what`; in the sandbox,
    /// tells it at once.
    fn tell_after(&mut self, before: Option<sandbox::Before>) {
        let Some(before) = before else {
            self.last_told.clear();
            return;
        };
        let (sandbox, engine) = (&self.sandbox, &mut self.engine);
        let told = Self::wait(self.rt, self.ui, &mut self.interrupt, &self.engine_name, sandbox.after(engine, before));
        self.last_told = match told {
            Some(Ok(lines)) => lines,
            _ => Vec::new(),
        };
        if self.sandbox_mode {
            for l in &self.last_told {
                self.ui.told(l);
            }
        }
    }

    fn prompt(&self) -> String {
        if self.sandbox_mode {
            return "[sandbox] $ ".to_owned();
        }
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

    /// Runs a learner's line in their shell, in the foreground, with the terminal, in
    /// the prompt's directory; afterwards the prompt is where the line's `cd` left it.
    fn shell(&mut self, line: &str) {
        let line = &crate::shell::without_trailing_blanks(line);
        if matches!(line.split_whitespace().collect::<Vec<_>>()[..], ["exit" | "logout"]) {
            self.ui.notice("You are at the dockerlearn prompt, not in a container. Type :quit to leave dockerlearn.");
            return;
        }
        let shell = std::env::var("SHELL").ok().filter(|s| !s.is_empty() && Path::new(s).exists());
        let shell = shell.unwrap_or_else(|| "/bin/sh".to_owned());
        // The shell reports its last directory in a file of ours, when it is one whose
        // syntax we know (`pwd -P >"$VAR"` reads the same in POSIX shells and fish).
        let name = Path::new(&shell).file_name().and_then(|n| n.to_str()).unwrap_or("");
        let known = matches!(name, "sh" | "bash" | "dash" | "zsh" | "ksh" | "mksh" | "ash" | "fish");
        let pwd_file = if known { tempfile::NamedTempFile::new().ok() } else { None };
        let mut command = std::process::Command::new(&shell);
        command.current_dir(&self.cwd);
        if let Some(host) = self.sandbox.docker_host() {
            // Through the recording proxy: what the line makes is told apart from others' work.
            // The proxy's socket is local and plain, even when the engine is reached over TLS.
            command.env("DOCKER_HOST", host).env_remove("DOCKER_TLS_VERIFY").env_remove("DOCKER_TLS");
        }
        command.envs(self.rt.block_on(self.engine.command_env()));
        match &pwd_file {
            Some(f) => {
                command.arg("-c").arg(format!("{line}\npwd -P >\"$DOCKERLEARN_PWD\"")).env("DOCKERLEARN_PWD", f.path())
            }
            None => command.arg("-c").arg(line),
        };
        if let Err(e) = command.status() {
            self.ui.error(&format!("could not run {shell}: {e}"));
            return;
        }
        let last = pwd_file.and_then(|f| std::fs::read_to_string(f.path()).ok());
        if let Some(dir) = last.map(|t| PathBuf::from(t.trim_end_matches('\n'))).filter(|d| d.is_dir()) {
            self.cwd = dir;
        }
    }

    /// Waits for `work` on the engine. After a second it says what it waits for; Ctrl-C
    /// stops waiting (None).
    fn wait<T>(
        rt: &Runtime,
        ui: &Ui,
        interrupt: &mut Option<Signal>,
        what: &str,
        work: impl std::future::Future<Output = T>,
    ) -> Option<T> {
        rt.block_on(async {
            // A Ctrl-C that stopped the learner's command came before this wait. Its
            // notice may still be on its way to the runtime: give it a moment.
            if let Some(i) = interrupt.as_mut() {
                while let Ok(Some(())) = tokio::time::timeout(SIGNAL_GRACE, i.recv()).await {}
            }
            let interrupted = async {
                match interrupt.as_mut() {
                    Some(i) => i.recv().await,
                    None => std::future::pending().await,
                }
            };
            let mut said = false;
            let say = tokio::time::sleep(SAY_WAITING_AFTER);
            tokio::pin!(work, interrupted, say);
            loop {
                tokio::select! {
                    out = &mut work => return Some(out),
                    _ = &mut interrupted => {
                        ui.notice(&format!("Stopped waiting for {what}."));
                        return None;
                    }
                    _ = &mut say, if !said => {
                        said = true;
                        ui.notice(&format!("Waiting for {what}... (Ctrl-C to stop waiting)"));
                        ui.flush_above();
                    }
                }
            }
        })
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

    /// What the class sender found: the connection line, holds, messages, marks.
    fn class_updates(&mut self, updates: Vec<Update>) {
        for update in updates {
            match update {
                Update::Connection { connected: true, waiting, .. } => {
                    let m = self.class.as_ref().map(Link::membership);
                    let (url, name) = m.map(|m| (m.url.clone(), m.name.clone())).unwrap_or_default();
                    let sent =
                        if waiting > 0 { format!(" ({waiting} report(s) still on their way)") } else { String::new() };
                    self.ui.notice(&format!("Class: connected to {url} as {name}{sent}."));
                }
                Update::Connection { connected: false, waiting, why } => {
                    let why = why.map(|w| format!(" ({w})")).unwrap_or_default();
                    self.ui.notice(&format!(
                        "Class: not connected{why}. Carry on: {waiting} report(s) wait on disk and are sent when the server answers."
                    ));
                }
                Update::Holds(holds) => self.step_effects(Input::Holds { holds, now: progress::now() }),
                Update::Item(item) => match item.notice {
                    Notice::Message { text } => self.ui.notice(&format!("Message from your instructor: {text}")),
                    Notice::Marked { step } => self.step_effects(Input::Marked { step, now: progress::now() }),
                },
            }
        }
    }

    /// The report an effect makes to the class, if any.
    fn class_event(&self, effect: &Effect) -> Option<Event> {
        let s = &self.session;
        Some(match effect {
            Effect::ShowStep { at } => Event::StepStarted { step: s.step_ref(*at) },
            Effect::Verdict { verdict, at, .. } => learner::attempt(s.step_ref(*at), verdict),
            Effect::Hint { tier, .. } => Event::Hint { step: s.step_ref(s.position()), tier: *tier as u32 },
            Effect::Solution { at } => Event::Solution { step: s.step_ref(*at) },
            Effect::Raise { at, message } => Event::Help { step: s.step_ref(*at), message: message.clone() },
            _ => return None,
        })
    }

    fn perform(&mut self, effect: Effect) -> Option<Input> {
        if let (Some(link), Some(event)) = (&self.class, self.class_event(&effect)) {
            if let Err(why) = link.report(&event) {
                self.ui.error(&format!("Could not keep a report for the class: {why}"));
            }
        }
        let course = self.session.course();
        match effect {
            Effect::Welcome => self.ui.welcome(course),
            Effect::LessonIntro { lesson } => {
                self.ui.lesson_intro(course, lesson);
                self.announce_missing_images(lesson);
            }
            Effect::ShowStep { at } => {
                if self.folder_of != Some(at.lesson) {
                    self.go_to_lesson_folder(at.lesson);
                }
                self.write_starter_files(at.lesson);
                let course = self.session.course();
                self.ui.step(course, at);
                self.watch_events(at);
            }
            Effect::Hint { tier, of, text } => self.ui.hint(tier, of, &text),
            Effect::NoMoreHints => self.ui.no_more_hints(),
            Effect::Solution { at } => self.ui.solution(course, at),
            Effect::Evaluate { at, since, mode } => {
                let checkpoint = course.lessons[at.lesson].checkpoint(at.step)?;
                let Some(verdict) = self.evaluate(checkpoint, since, mode) else {
                    self.ui.notice("The step was not checked: type :check to look again.");
                    return None;
                };
                // Before a pass moves the learner on: the instructor may have held
                // this step a moment ago.
                if verdict.passed() {
                    if let Some(updates) = self.class.as_ref().map(|l| l.fresh(FRESH_HOLDS)) {
                        self.class_updates(updates);
                    }
                }
                return Some(Input::Checked { at, verdict, mode, now: progress::now() });
            }
            Effect::Verdict { verdict, mode, .. } => self.ui.verdict(&verdict, mode),
            Effect::HoldAhead { .. } => self.ui.notice("Your instructor will hold the class after this step."),
            Effect::Held { .. } => self.ui.notice(
                "Your instructor holds the class here: wait for them before the next step. Keep trying things if you like; the prompt moves on when they release it.",
            ),
            Effect::Raise { .. } if self.class.is_none() => self.ui.notice(
                "You are not in a class, so nobody is asked. `dockerlearn join URL CODE` joins one; `:hint` helps on your own.",
            ),
            Effect::Raise { .. } => {
                self.ui.notice("Your instructor has been asked for help: you are in their help queue.")
            }
            Effect::StepPassed { .. } => self.ui.step_passed(),
            Effect::LessonComplete { lesson } => self.ui.lesson_complete(course, lesson),
            Effect::CourseComplete { unfinished } => self.ui.course_complete(course, &unfinished),
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
        let Some(checkpoint) = self.session.course().lessons[at.lesson].checkpoint(at.step) else {
            self.engine.stop_watch();
            return;
        };
        let needs = checkpoint.needs();
        if !needs.events {
            self.engine.stop_watch();
        } else {
            let since = self.session.step_started();
            let what = format!("{} to stream its events", self.engine_name);
            Self::wait(self.rt, self.ui, &mut self.interrupt, &what, self.engine.watch(since, &needs.other_events));
        }
    }

    /// The names the current lesson's commands and solutions make or act on (none in
    /// the sandbox), as the guard counts them the learner's.
    fn lesson_names(&self) -> Vec<String> {
        self.lesson_names_of(|_| true)
    }

    /// The lesson's names of one kind, or of every kind.
    fn lesson_names_of(&self, kind: impl Fn(crate::verify::names::Kind) -> bool) -> Vec<String> {
        if self.sandbox_mode {
            return Vec::new();
        }
        let l = &self.session.course().lessons[self.session.position().lesson].lesson;
        let commands =
            l.steps.iter().flat_map(|s| s.commands.iter().chain(s.solution.iter().flat_map(|x| &x.commands)));
        let used = crate::verify::names::used_by_lessons(
            self.sandbox.knowledge(),
            [(l.id.as_str(), commands.cloned().collect())],
        );
        used.into_iter().filter(|n| kind(n.kind)).map(|n| n.name).collect()
    }

    /// The folder the lesson names (`folder: ~/dockerlearn/shop`), made absolute.
    fn lesson_folder(&self, lesson: usize) -> Option<PathBuf> {
        let folder = self.session.course().lessons[lesson].lesson.folder.as_deref()?;
        Some(check::Place::at(&self.cwd).path(folder))
    }

    /// A lesson that names its folder is worked in there: when its first step shows (at
    /// its start, or on resuming it), the folder is made and the prompt goes into it,
    /// saying so (the learner's other terminals need a `cd`). A prompt already inside
    /// the folder stays where it is.
    fn go_to_lesson_folder(&mut self, lesson: usize) {
        self.folder_of = Some(lesson);
        let Some(dir) = self.lesson_folder(lesson) else { return };
        let shown = self.session.course().lessons[lesson].lesson.folder.clone().unwrap_or_default();
        if let Err(e) = std::fs::create_dir_all(&dir) {
            self.ui.error(&format!(
                "Could not make the lesson's folder {}: {e}. Make it by hand (`mkdir -p {shown}`), or check the permissions of its parent.",
                dir.display()
            ));
            return;
        }
        if !self.cwd.starts_with(&dir) {
            self.cwd = dir;
            self.ui.notice(&format!(
                "This lesson works in {shown}: the prompt is there now. In another terminal, `cd {shown}` first."
            ));
        }
    }

    /// Copies the lesson's starter files into the lesson's folder (or, when it names
    /// none, the prompt's) when a step begins, never over a file that is already there,
    /// and says what it wrote.
    fn write_starter_files(&mut self, lesson: usize) {
        let course = self.session.course();
        let id = &course.lessons[lesson].lesson.id;
        let Some(from) = crate::starter::source(course, id) else { return };
        let into = self.lesson_folder(lesson).unwrap_or_else(|| self.cwd.clone());
        match crate::starter::copy(&from, &into) {
            Ok(copied) => {
                if let Some(notice) = copied.notice(id) {
                    self.ui.notice(&notice);
                }
            }
            Err(e) => self.ui.error(&format!(
                "Could not copy the lesson's starter files from {} into {}: {e}. Copy them by hand, or check the folder's permissions.",
                from.display(),
                into.display()
            )),
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
        let what = format!("{} to list its images", self.engine_name);
        let asked = Self::wait(self.rt, self.ui, &mut self.interrupt, &what, self.engine.missing_images(&l.images));
        let Some(Ok(missing)) = asked else { return };
        if !missing.is_empty() {
            self.ui.notice(&format!(
                "Not on your engine yet: {}. The first command that uses them downloads them, which needs the network; to get them now, run `dockerlearn prepare {}` (or load the course's kit).",
                missing.join(", "),
                l.id
            ));
        }
    }

    /// The checkpoint's verdict, or None when the learner stopped waiting for it.
    fn evaluate(&mut self, checkpoint: &check::Checkpoint, since: i64, mode: CheckMode) -> Option<Verdict> {
        let needs = checkpoint.needs();
        let what = self.engine_name.clone();
        let place = check::Place::at(&self.cwd);
        let waits_for_event = checkpoint.waits_for_events();
        let mut pause = Duration::ZERO;
        for look in 0.. {
            let observe = self.engine.observe(&needs, since, &place);
            let later = async {
                tokio::time::sleep(pause).await;
                observe.await
            };
            let observed = Self::wait(self.rt, self.ui, &mut self.interrupt, &what, later)?;
            let verdict = check::eval(checkpoint, &observed);
            if mode != CheckMode::Auto || verdict.passed() || verdict.engine_unreachable() || look >= LOOKS_FOR_OUTPUT {
                return Some(verdict);
            }
            // The engine publishes an event a moment after the command that caused it
            // may return: look once more. A server just started prints a moment after
            // `docker run -d` returns: look again while it runs and has not printed it.
            let again = (waits_for_event && look == 0) || check::eval::awaits_output(checkpoint, &observed, &verdict);
            if !again {
                return Some(verdict);
            }
            pause = LOOK_AGAIN_AFTER;
        }
        unreachable!("the loop returns")
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
