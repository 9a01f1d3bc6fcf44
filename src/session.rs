//! The learner's session as a pure state machine: inputs (a command finished, a verdict
//! arrived, the learner typed `:hint`) go in, effects (show this, evaluate that, save)
//! come out. No I/O and no clock: the REPL performs the effects and passes the time in.
//! Other front ends (a classroom dashboard, a sandbox) drive the same machine.

use crate::check::Verdict;
use crate::course::Course;
use crate::progress::{CourseProgress, Cursor};

/// Commands the learner gives the session itself, typed with a leading `:`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Meta {
    Help,
    Hint,
    Check,
    Next,
    Back,
    Solution,
    Reset,
    Lessons,
    /// Jump to a lesson by id or number.
    Lesson(String),
    Progress,
    Quit,
}

/// Every meta-command with its one-line help, in the order `:help` lists them.
pub const META_HELP: &[(&str, &str)] = &[
    (":hint", "a hint for this step; ask again for a stronger one"),
    (":check", "check this step now and show every assertion"),
    (":next", "move on (skips the step if its check has not passed)"),
    (":back", "go back one step"),
    (":solution", "show the commands that complete this step"),
    (":reset", "begin this step again (its events count from now)"),
    (":lessons", "list the lessons; `:lesson ID` jumps to one"),
    (":progress", "what you have done so far"),
    (":sandbox", "to the sandbox (try anything, see what changed) and back"),
    (":what", "what the last command changed in the engine"),
    (":map", "draw your containers, networks, volumes and ports"),
    (":explain CMD", "a docker command broken into its parts"),
    (":help", "this list"),
    (":quit", "save and leave (Ctrl-D does the same)"),
];

impl Meta {
    /// Parses `:hint`, `:lesson volumes`, ... `None` for anything else, which is shell input.
    pub fn parse(line: &str) -> Option<Result<Meta, String>> {
        let rest = line.trim().strip_prefix(':')?;
        let mut words = rest.split_whitespace();
        let word = words.next().unwrap_or("");
        let arg = words.next();
        Some(Ok(match (word, arg) {
            ("help" | "h" | "?", _) => Meta::Help,
            ("hint", _) => Meta::Hint,
            ("check" | "c", _) => Meta::Check,
            ("next" | "skip" | "n", _) => Meta::Next,
            ("back" | "b" | "prev", _) => Meta::Back,
            ("solution" | "solve", _) => Meta::Solution,
            ("reset", _) => Meta::Reset,
            ("lessons" | "list", None) => Meta::Lessons,
            ("lesson" | "lessons", Some(id)) => Meta::Lesson(id.to_owned()),
            ("lesson", None) => Meta::Lessons,
            ("progress" | "p", _) => Meta::Progress,
            ("quit" | "q" | "exit", _) => Meta::Quit,
            _ => {
                return Some(Err(format!("`:{word}` is not a dockerlearn command; type :help for the list")));
            }
        }))
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CheckMode {
    /// After a command: brief on failure.
    Auto,
    /// `:check`: every assertion shown.
    Explicit,
}

/// What happened, as the session is told it.
#[derive(Debug, Clone)]
pub enum Input {
    /// The session opens; `lesson` is what `start LESSON` asked for.
    Begin {
        lesson: Option<String>,
        now: i64,
    },
    /// A shell command the learner typed has finished.
    CommandFinished {
        now: i64,
    },
    /// The verdict of an `Effect::Evaluate`.
    Checked {
        verdict: Verdict,
        mode: CheckMode,
        now: i64,
    },
    Meta {
        meta: Meta,
        now: i64,
    },
}

/// Where the learner is: indexes into the course.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Position {
    pub lesson: usize,
    pub step: usize,
}

/// What the front end must do, in order.
#[derive(Debug, Clone, PartialEq)]
pub enum Effect {
    Welcome,
    LessonIntro {
        lesson: usize,
    },
    ShowStep {
        at: Position,
    },
    Hint {
        tier: usize,
        of: usize,
        text: String,
    },
    NoMoreHints,
    Solution {
        at: Position,
    },
    /// Evaluate the checkpoint at `at` for events since `since`, then send `Input::Checked`.
    Evaluate {
        at: Position,
        since: i64,
        mode: CheckMode,
    },
    Verdict {
        verdict: Verdict,
        mode: CheckMode,
    },
    /// A step's checkpoint passed: for classroom reports and celebrations.
    StepPassed {
        at: Position,
    },
    LessonComplete {
        lesson: usize,
    },
    CourseComplete,
    Notice(String),
    Help,
    Lessons,
    Progress,
    Save,
    Quit,
}

pub struct Session<'c> {
    course: &'c Course,
    at: Position,
    hint_tier: usize,
    progress: CourseProgress,
    finished: bool,
}

impl<'c> Session<'c> {
    pub fn new(course: &'c Course, progress: CourseProgress) -> Session<'c> {
        Session { course, at: Position { lesson: 0, step: 0 }, hint_tier: 0, progress, finished: false }
    }

    pub fn position(&self) -> Position {
        self.at
    }

    pub fn progress(&self) -> &CourseProgress {
        &self.progress
    }

    pub fn course(&self) -> &'c Course {
        self.course
    }

    /// True once the last step of the last lesson has passed or been skipped.
    pub fn finished(&self) -> bool {
        self.finished
    }

    fn lesson_id(&self, lesson: usize) -> &str {
        &self.course.lessons[lesson].lesson.id
    }

    fn step_id(&self, at: Position) -> &str {
        &self.course.lessons[at.lesson].lesson.steps[at.step].id
    }

    fn reading_only(&self) -> bool {
        self.course.lessons[self.at.lesson].lesson.steps[self.at.step].reading_only
    }

    /// The first step of `lesson` not yet passed (the first step if all are).
    fn resume_point(&self, lesson: usize) -> Position {
        Position { lesson, step: self.progress.first_open_step(&self.course.lessons[lesson].lesson) }
    }

    /// Where the learner stands in a step: its stored start time.
    pub fn step_started(&self) -> i64 {
        let lesson = self.lesson_id(self.at.lesson).to_owned();
        self.progress.started(&lesson, self.step_id(self.at)).unwrap_or(0)
    }

    pub fn handle(&mut self, input: Input) -> Vec<Effect> {
        match input {
            Input::Begin { lesson, now } => self.begin(lesson, now),
            Input::CommandFinished { .. } => {
                if self.finished || self.reading_only() {
                    Vec::new()
                } else {
                    vec![self.evaluate(CheckMode::Auto)]
                }
            }
            Input::Checked { verdict, mode, now } => self.checked(verdict, mode, now),
            Input::Meta { meta, now } => self.meta(meta, now),
        }
    }

    fn begin(&mut self, lesson: Option<String>, now: i64) -> Vec<Effect> {
        let mut effects = Vec::new();
        let requested = lesson.and_then(|id| self.course.find_by_name(&id).map(|i| (i, id)));
        let fresh = self.progress.current.is_none() && self.progress.lessons.is_empty();
        self.at = match (&requested, &self.progress.current) {
            (Some((i, _)), _) => self.resume_point(*i),
            (None, Some(Cursor { lesson, step })) => match self.course.find(lesson) {
                Some(li) => {
                    let si = self.course.lessons[li].lesson.step_index(step).unwrap_or(0);
                    Position { lesson: li, step: si }
                }
                // The course changed under the learner: start where they have not been.
                None => self.first_unfinished(),
            },
            (None, None) => self.first_unfinished(),
        };
        if fresh {
            effects.push(Effect::Welcome);
        }
        if self.at.step == 0 || requested.is_some() || fresh {
            effects.push(Effect::LessonIntro { lesson: self.at.lesson });
        }
        effects.extend(self.enter_step(now, false));
        effects
    }

    fn first_unfinished(&self) -> Position {
        (0..self.course.lessons.len())
            .map(|i| self.resume_point(i))
            .find(|p| {
                let l = &self.course.lessons[p.lesson].lesson;
                !self.progress.passed(&l.id, &l.steps[p.step].id)
            })
            .unwrap_or(Position { lesson: 0, step: 0 })
    }

    /// Shows the step at `self.at` and records when it began (unless it had begun
    /// before and `restart` is false: resuming keeps the original start).
    fn enter_step(&mut self, now: i64, restart: bool) -> Vec<Effect> {
        self.hint_tier = 0;
        let lesson = self.lesson_id(self.at.lesson).to_owned();
        let step = self.step_id(self.at).to_owned();
        let started = &mut self.progress.lesson_mut(&lesson).started;
        if restart || !started.contains_key(&step) {
            started.insert(step.clone(), now);
        }
        self.progress.current = Some(Cursor { lesson, step });
        vec![Effect::ShowStep { at: self.at }, Effect::Save]
    }

    fn evaluate(&self, mode: CheckMode) -> Effect {
        Effect::Evaluate { at: self.at, since: self.step_started(), mode }
    }

    fn checked(&mut self, verdict: Verdict, mode: CheckMode, now: i64) -> Vec<Effect> {
        if !verdict.passed() {
            return vec![Effect::Verdict { verdict, mode }];
        }
        let at = self.at;
        let lesson = self.lesson_id(at.lesson).to_owned();
        let step = self.step_id(at).to_owned();
        let entry = self.progress.lesson_mut(&lesson);
        entry.passed.insert(step.clone());
        entry.skipped.remove(&step);
        let mut effects = vec![Effect::Verdict { verdict, mode }, Effect::StepPassed { at }];
        effects.extend(self.advance(now));
        effects
    }

    /// Moves to the next step, through lesson and course ends.
    fn advance(&mut self, now: i64) -> Vec<Effect> {
        let lessons = &self.course.lessons;
        let mut effects = Vec::new();
        if self.at.step + 1 < lessons[self.at.lesson].lesson.steps.len() {
            self.at.step += 1;
        } else {
            effects.push(Effect::LessonComplete { lesson: self.at.lesson });
            if self.at.lesson + 1 < lessons.len() {
                self.at = Position { lesson: self.at.lesson + 1, step: 0 };
                effects.push(Effect::LessonIntro { lesson: self.at.lesson });
            } else {
                self.finished = true;
                effects.push(Effect::CourseComplete);
                effects.push(Effect::Save);
                return effects;
            }
        }
        effects.extend(self.enter_step(now, false));
        effects
    }

    fn meta(&mut self, meta: Meta, now: i64) -> Vec<Effect> {
        let step = &self.course.lessons[self.at.lesson].lesson.steps[self.at.step];
        match meta {
            Meta::Help => vec![Effect::Help],
            Meta::Hint => {
                if step.hints.is_empty() {
                    return vec![Effect::Notice("This step has no hints. Type :solution to see the answer.".into())];
                }
                if self.hint_tier >= step.hints.len() {
                    return vec![Effect::NoMoreHints];
                }
                let tier = self.hint_tier;
                self.hint_tier += 1;
                vec![Effect::Hint { tier: tier + 1, of: step.hints.len(), text: step.hints[tier].clone() }]
            }
            Meta::Check => {
                if step.reading_only {
                    vec![Effect::Notice("This step has nothing to check: type :next when you have read it.".into())]
                } else {
                    vec![self.evaluate(CheckMode::Explicit)]
                }
            }
            Meta::Solution => vec![Effect::Solution { at: self.at }],
            Meta::Next => {
                let lesson = self.lesson_id(self.at.lesson).to_owned();
                let id = step.id.clone();
                let reading = step.reading_only;
                let entry = self.progress.lesson_mut(&lesson);
                let mut effects = Vec::new();
                if reading {
                    entry.passed.insert(id);
                } else if !entry.passed.contains(&id) {
                    entry.skipped.insert(id);
                    effects.push(Effect::Notice("Skipped. Come back to it with :back, or later with :lessons.".into()));
                }
                if self.finished {
                    return vec![Effect::CourseComplete];
                }
                effects.extend(self.advance(now));
                effects
            }
            Meta::Back => {
                if self.at.step > 0 {
                    self.at.step -= 1;
                } else if self.at.lesson > 0 {
                    self.at.lesson -= 1;
                    self.at.step = self.course.lessons[self.at.lesson].lesson.steps.len() - 1;
                } else {
                    return vec![Effect::Notice("This is the first step of the course.".into())];
                }
                self.finished = false;
                self.enter_step(now, false)
            }
            Meta::Reset => {
                let mut effects = vec![Effect::Notice(
                    "Step begun again: only what you do from now on counts for its events.".into(),
                )];
                effects.extend(self.enter_step(now, true));
                effects
            }
            Meta::Lessons => vec![Effect::Lessons],
            Meta::Lesson(name) => match self.course.find_by_name(&name) {
                Some(i) => {
                    self.at = self.resume_point(i);
                    self.finished = false;
                    let mut effects = vec![Effect::LessonIntro { lesson: i }];
                    effects.extend(self.enter_step(now, false));
                    effects
                }
                None => vec![Effect::Notice(format!("There is no lesson `{name}`. Type :lessons to see them."))],
            },
            Meta::Progress => vec![Effect::Progress],
            Meta::Quit => vec![Effect::Save, Effect::Quit],
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::check::{Outcome, Status};
    use crate::course::{self, Directory};

    /// A two-lesson course on disk: a checked step, a reading step; one checked step.
    fn course() -> Course {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        std::fs::create_dir_all(root.join("lessons")).unwrap();
        std::fs::create_dir_all(root.join("checks")).unwrap();
        std::fs::write(
            root.join("lessons/course.yaml"),
            "format_version: 1\nid: t\ntitle: T\nlessons:\n  - one\n  - two\n",
        )
        .unwrap();
        std::fs::write(
            root.join("lessons/01-one.md"),
            "---\ntitle: One\n---\nIntro.\n## Do it {#do}\nRun.\n### Hint\nFirst.\n### Hint\nSecond.\n### Solution\n```sh run\ndocker run x\n```\n## Read {#read .read}\nText.\n",
        )
        .unwrap();
        std::fs::write(root.join("lessons/02-two.md"), "---\ntitle: Two\n---\n## Again {#again}\nRun.\n").unwrap();
        let checks = "format_version: 1\ncheckpoints:\n  do:\n    - kind: image\n      image: x\n";
        std::fs::write(root.join("checks/one.yaml"), checks).unwrap();
        std::fs::write(root.join("checks/two.yaml"), checks.replace("do:", "again:")).unwrap();
        course::load(&Directory(root.to_path_buf()), "test").unwrap()
    }

    fn verdict(pass: bool) -> Verdict {
        Verdict {
            outcomes: vec![Outcome {
                kind: crate::check::Kind::Image,
                status: if pass { Status::Pass } else { Status::Fail },
                expected: "image `x` is present".into(),
                found: "no".into(),
                reason: None,
                hint: None,
            }],
            engine_reached: true,
        }
    }

    fn at(lesson: usize, step: usize) -> Position {
        Position { lesson, step }
    }

    #[test]
    fn a_fresh_learner_is_welcomed_at_the_first_step() {
        let c = course();
        let mut s = Session::new(&c, CourseProgress::default());
        let e = s.handle(Input::Begin { lesson: None, now: 5 });
        assert_eq!(
            e,
            vec![Effect::Welcome, Effect::LessonIntro { lesson: 0 }, Effect::ShowStep { at: at(0, 0) }, Effect::Save]
        );
        assert_eq!(s.step_started(), 5);
    }

    #[test]
    fn a_command_triggers_a_check_and_a_pass_advances() {
        let c = course();
        let mut s = Session::new(&c, CourseProgress::default());
        let _ = s.handle(Input::Begin { lesson: None, now: 5 });
        let e = s.handle(Input::CommandFinished { now: 6 });
        assert_eq!(e, vec![Effect::Evaluate { at: at(0, 0), since: 5, mode: CheckMode::Auto }]);
        let e = s.handle(Input::Checked { verdict: verdict(false), mode: CheckMode::Auto, now: 7 });
        assert_eq!(e, vec![Effect::Verdict { verdict: verdict(false), mode: CheckMode::Auto }]);
        let e = s.handle(Input::Checked { verdict: verdict(true), mode: CheckMode::Auto, now: 8 });
        assert_eq!(e[1], Effect::StepPassed { at: at(0, 0) });
        assert_eq!(e[2], Effect::ShowStep { at: at(0, 1) });
        assert!(s.progress().passed("one", "do"));
        // Reading steps are not checked after commands.
        assert!(s.handle(Input::CommandFinished { now: 9 }).is_empty());
    }

    #[test]
    fn hints_come_in_tiers_then_run_out() {
        let c = course();
        let mut s = Session::new(&c, CourseProgress::default());
        let _ = s.handle(Input::Begin { lesson: None, now: 0 });
        let hint = |s: &mut Session| s.handle(Input::Meta { meta: Meta::Hint, now: 1 });
        assert_eq!(hint(&mut s), vec![Effect::Hint { tier: 1, of: 2, text: "First.".into() }]);
        assert_eq!(hint(&mut s), vec![Effect::Hint { tier: 2, of: 2, text: "Second.".into() }]);
        assert_eq!(hint(&mut s), vec![Effect::NoMoreHints]);
    }

    #[test]
    fn next_skips_back_returns_and_the_course_completes() {
        let c = course();
        let mut s = Session::new(&c, CourseProgress::default());
        let _ = s.handle(Input::Begin { lesson: None, now: 0 });
        let meta = |s: &mut Session, m: Meta| s.handle(Input::Meta { meta: m, now: 1 });
        let e = meta(&mut s, Meta::Next);
        assert!(matches!(&e[0], Effect::Notice(n) if n.starts_with("Skipped")));
        assert!(s.progress().lesson("one").unwrap().skipped.contains("do"));
        let e = meta(&mut s, Meta::Next);
        assert_eq!(e[0], Effect::LessonComplete { lesson: 0 });
        assert!(s.progress().passed("one", "read"));
        let e = meta(&mut s, Meta::Back);
        assert_eq!(e[0], Effect::ShowStep { at: at(0, 1) });
        let _ = meta(&mut s, Meta::Next);
        let e = s.handle(Input::Checked { verdict: verdict(true), mode: CheckMode::Explicit, now: 2 });
        assert!(e.contains(&Effect::CourseComplete));
        assert!(s.finished());
    }

    #[test]
    fn resuming_keeps_position_and_start_time() {
        let c = course();
        let mut s = Session::new(&c, CourseProgress::default());
        let _ = s.handle(Input::Begin { lesson: None, now: 10 });
        let saved = s.progress().clone();
        let mut again = Session::new(&c, saved);
        let e = again.handle(Input::Begin { lesson: None, now: 99 });
        assert_eq!(e, vec![Effect::LessonIntro { lesson: 0 }, Effect::ShowStep { at: at(0, 0) }, Effect::Save]);
        assert_eq!(again.step_started(), 10);
        let _ = again.handle(Input::Meta { meta: Meta::Reset, now: 120 });
        assert_eq!(again.step_started(), 120);
    }

    #[test]
    fn lessons_are_reached_by_id_or_number() {
        let c = course();
        let mut s = Session::new(&c, CourseProgress::default());
        let _ = s.handle(Input::Begin { lesson: Some("2".into()), now: 0 });
        assert_eq!(s.position(), at(1, 0));
        let e = s.handle(Input::Meta { meta: Meta::Lesson("one".into()), now: 1 });
        assert_eq!(e[0], Effect::LessonIntro { lesson: 0 });
        let e = s.handle(Input::Meta { meta: Meta::Lesson("nine".into()), now: 1 });
        assert!(matches!(&e[0], Effect::Notice(n) if n.contains("no lesson")));
    }

    #[test]
    fn meta_commands_parse_and_shell_input_does_not() {
        assert_eq!(Meta::parse(":hint"), Some(Ok(Meta::Hint)));
        assert_eq!(Meta::parse("  :lesson volumes "), Some(Ok(Meta::Lesson("volumes".into()))));
        assert!(Meta::parse(":frobnicate").unwrap().is_err());
        assert_eq!(Meta::parse("docker ps"), None);
    }
}
