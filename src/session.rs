//! The learner's session as a pure state machine: inputs (a command finished, a verdict
//! arrived, the learner typed `:hint`) go in, effects (show this, evaluate that, save)
//! come out. No I/O and no clock: the REPL performs the effects and passes the time in.
//! Other front ends (a classroom dashboard, a sandbox) drive the same machine.

use crate::check::Verdict;
use crate::class::protocol::StepRef;
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
    /// `:raise [message]`: ask the instructor for help (in a class).
    Raise(String),
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
    (":map", "draw your containers, networks, volumes and ports (`:map all`: every container)"),
    (":explain CMD", "a docker command broken into its parts"),
    (":raise [MESSAGE]", "in a class: ask your instructor for help"),
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
        if word == "raise" {
            let message = rest.trim_start().strip_prefix("raise").unwrap_or("").trim();
            return Some(Ok(Meta::Raise(message.to_owned())));
        }
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
    /// The verdict of an `Effect::Evaluate` of the step at `at`.
    Checked {
        at: Position,
        verdict: Verdict,
        mode: CheckMode,
        now: i64,
    },
    Meta {
        meta: Meta,
        now: i64,
    },
    /// The instructor holds the class after these steps (all of them, as they are now).
    Holds {
        holds: Vec<StepRef>,
        now: i64,
    },
    /// The instructor marked a step done for this learner.
    Marked {
        step: StepRef,
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
        at: Position,
    },
    /// A step's checkpoint passed: for classroom reports and celebrations.
    StepPassed {
        at: Position,
    },
    LessonComplete {
        lesson: usize,
    },
    /// The last step of the last lesson is behind: `unfinished` names the lessons with
    /// steps not passed yet (skipped, or never reached), in course order.
    CourseComplete {
        unfinished: Vec<String>,
    },
    /// The step passed, but the instructor holds the class after it: wait here.
    Held {
        at: Position,
    },
    /// The instructor holds the class after the step at `at`, which the learner has
    /// not passed yet: said once, when the hold is new or the step begins.
    HoldAhead {
        at: Position,
    },
    /// `:raise`: ask the instructor for help with the step at `at`.
    Raise {
        at: Position,
        message: String,
    },
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
    /// Steps the instructor holds the class after.
    holds: Vec<StepRef>,
    /// Passed a held step: waiting for the instructor to release it.
    waiting: bool,
}

impl<'c> Session<'c> {
    pub fn new(course: &'c Course, progress: CourseProgress) -> Session<'c> {
        Session {
            course,
            at: Position { lesson: 0, step: 0 },
            hint_tier: 0,
            progress,
            finished: false,
            holds: Vec::new(),
            waiting: false,
        }
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
                if self.finished || self.reading_only() || self.waiting {
                    Vec::new()
                } else {
                    vec![self.evaluate(CheckMode::Auto)]
                }
            }
            // A verdict on a step the learner has left (the instructor marked it, or
            // released them, while it was being judged) judges nothing any more.
            Input::Checked { at, .. } if at != self.at => Vec::new(),
            Input::Checked { verdict, mode, now, .. } => self.checked(verdict, mode, now),
            Input::Meta { meta, now } => self.meta(meta, now),
            Input::Holds { holds, now } => self.holds(holds, now),
            Input::Marked { step, now } => self.marked(step, now),
        }
    }

    /// The position of a step of the course, by ids.
    pub fn find_step(&self, step: &StepRef) -> Option<Position> {
        let lesson = self.course.find(&step.lesson)?;
        let index = self.course.lessons[lesson].lesson.step_index(&step.step)?;
        Some(Position { lesson, step: index })
    }

    /// The step at `at`, by ids.
    pub fn step_ref(&self, at: Position) -> StepRef {
        StepRef::new(self.lesson_id(at.lesson), self.step_id(at))
    }

    /// The instructor's holds as they are now: a release moves a waiting learner on; a
    /// new hold on a step already passed (a learner who came back to it) waits there;
    /// a new hold on the step in hand is said once.
    fn holds(&mut self, holds: Vec<StepRef>, now: i64) -> Vec<Effect> {
        let was_held = self.held(self.at);
        self.holds = holds;
        let held = self.held(self.at);
        if self.finished {
            return Vec::new();
        }
        if self.waiting && !held {
            self.waiting = false;
            let mut effects = vec![Effect::Notice("The instructor released the class: on to the next step.".into())];
            effects.extend(self.advance(now));
            return effects;
        }
        if self.waiting || !held {
            return Vec::new();
        }
        let here = self.step_ref(self.at);
        if self.progress.passed(&here.lesson, &here.step) {
            self.waiting = true;
            return vec![Effect::Held { at: self.at }, Effect::Save];
        }
        if was_held { Vec::new() } else { vec![Effect::HoldAhead { at: self.at }] }
    }

    fn held(&self, at: Position) -> bool {
        let here = self.step_ref(at);
        self.holds.contains(&here)
    }

    /// Whether the learner has passed a held step and waits for the instructor.
    pub fn waiting(&self) -> bool {
        self.waiting
    }

    fn marked(&mut self, step: StepRef, now: i64) -> Vec<Effect> {
        let Some(at) = self.find_step(&step) else { return Vec::new() };
        let entry = self.progress.lesson_mut(&step.lesson);
        entry.passed.insert(step.step.clone());
        entry.skipped.remove(&step.step);
        let mut effects = vec![Effect::Notice(format!("Your instructor marked {step} as done."))];
        if at == self.at && !self.waiting && !self.finished {
            effects.push(Effect::StepPassed { at });
            effects.extend(self.after_pass(at, now));
        } else {
            effects.push(Effect::Save);
        }
        effects
    }

    /// After the step at `at` passed: wait when it is held, else move on.
    fn after_pass(&mut self, at: Position, now: i64) -> Vec<Effect> {
        if self.held(at) {
            self.waiting = true;
            return vec![Effect::Held { at }, Effect::Save];
        }
        self.advance(now)
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
        let mut effects = vec![Effect::ShowStep { at: self.at }];
        if self.held(self.at) {
            effects.push(Effect::HoldAhead { at: self.at });
        }
        effects.push(Effect::Save);
        effects
    }

    fn evaluate(&self, mode: CheckMode) -> Effect {
        Effect::Evaluate { at: self.at, since: self.step_started(), mode }
    }

    fn checked(&mut self, verdict: Verdict, mode: CheckMode, now: i64) -> Vec<Effect> {
        let at = self.at;
        if !verdict.passed() {
            return vec![Effect::Verdict { verdict, mode, at }];
        }
        let lesson = self.lesson_id(at.lesson).to_owned();
        let step = self.step_id(at).to_owned();
        let entry = self.progress.lesson_mut(&lesson);
        entry.passed.insert(step.clone());
        entry.skipped.remove(&step);
        let mut effects = vec![Effect::Verdict { verdict, mode, at }, Effect::StepPassed { at }];
        if self.waiting {
            // Checked again while waiting at a held step.
            effects.push(Effect::Held { at });
            return effects;
        }
        effects.extend(self.after_pass(at, now));
        effects
    }

    /// The lessons that have a step not passed, in course order.
    fn unfinished(&self) -> Vec<String> {
        self.course
            .lessons
            .iter()
            .filter(|l| l.lesson.steps.iter().any(|s| !self.progress.passed(&l.lesson.id, &s.id)))
            .map(|l| l.lesson.id.clone())
            .collect()
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
                effects.push(Effect::CourseComplete { unfinished: self.unfinished() });
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
                if step.reading_only {
                    return vec![Effect::Notice("This step is for reading: type :next when you have read it.".into())];
                }
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
            Meta::Next if self.held(self.at) => vec![Effect::Notice(
                "The instructor holds the class after this step: wait for them before moving on (the prompt says when)."
                    .into(),
            )],
            Meta::Raise(message) => vec![Effect::Raise { at: self.at, message }],
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
                    return vec![Effect::CourseComplete { unfinished: self.unfinished() }];
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
                self.waiting = false;
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
                    self.waiting = false;
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
        let e = s.handle(Input::Checked { at: s.position(), verdict: verdict(false), mode: CheckMode::Auto, now: 7 });
        assert_eq!(e, vec![Effect::Verdict { verdict: verdict(false), mode: CheckMode::Auto, at: at(0, 0) }]);
        let e = s.handle(Input::Checked { at: s.position(), verdict: verdict(true), mode: CheckMode::Auto, now: 8 });
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
        let e =
            s.handle(Input::Checked { at: s.position(), verdict: verdict(true), mode: CheckMode::Explicit, now: 2 });
        // The skipped step of lesson one is still to do: the course says so.
        assert!(e.contains(&Effect::CourseComplete { unfinished: vec!["one".into()] }), "{e:?}");
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
    fn a_held_step_waits_for_the_instructor_then_moves_on() {
        let c = course();
        let mut s = Session::new(&c, CourseProgress::default());
        let _ = s.handle(Input::Begin { lesson: None, now: 0 });
        let held = vec![StepRef::new("one", "do")];
        assert_eq!(s.handle(Input::Holds { holds: held.clone(), now: 1 }), vec![Effect::HoldAhead { at: at(0, 0) }]);
        let e = s.handle(Input::Meta { meta: Meta::Next, now: 2 });
        assert!(matches!(&e[..], [Effect::Notice(n)] if n.contains("holds the class")), "no skipping past a hold");
        let e = s.handle(Input::Checked { at: s.position(), verdict: verdict(true), mode: CheckMode::Auto, now: 3 });
        assert_eq!(e[1], Effect::StepPassed { at: at(0, 0) });
        assert_eq!(e[2], Effect::Held { at: at(0, 0) });
        assert_eq!(s.position(), at(0, 0));
        assert!(s.waiting());
        assert!(s.handle(Input::CommandFinished { now: 4 }).is_empty(), "no checks while waiting");
        // Holds elsewhere only: this one is released, and the learner moves on.
        let e = s.handle(Input::Holds { holds: vec![StepRef::new("two", "again")], now: 5 });
        assert!(matches!(&e[0], Effect::Notice(n) if n.contains("released")));
        assert_eq!(s.position(), at(0, 1));
        assert!(!s.waiting());
    }

    #[test]
    fn a_hold_on_the_step_in_hand_is_said_once() {
        let c = course();
        let mut s = Session::new(&c, CourseProgress::default());
        let _ = s.handle(Input::Begin { lesson: None, now: 0 });
        let holds = |s: &mut Session, h: &[(&str, &str)]| {
            s.handle(Input::Holds { holds: h.iter().map(|(l, st)| StepRef::new(l, st)).collect(), now: 1 })
        };
        assert_eq!(holds(&mut s, &[("one", "do")]), vec![Effect::HoldAhead { at: at(0, 0) }]);
        // Another hold added elsewhere: the list comes again, the step in hand is not new.
        assert!(holds(&mut s, &[("one", "do"), ("two", "again")]).is_empty());
        // A hold on another step only: nothing to say here.
        let mut t = Session::new(&c, CourseProgress::default());
        let _ = t.handle(Input::Begin { lesson: None, now: 0 });
        assert!(holds(&mut t, &[("two", "again")]).is_empty());
        // Reaching a held step says it as the step begins.
        let _ = t.handle(Input::Meta { meta: Meta::Lesson("two".into()), now: 2 });
        let e = t.handle(Input::Meta { meta: Meta::Reset, now: 3 });
        assert!(e.contains(&Effect::HoldAhead { at: at(1, 0) }), "{e:?}");
    }

    #[test]
    fn a_learner_back_at_a_held_step_already_passed_waits_there() {
        let c = course();
        let mut s = Session::new(&c, CourseProgress::default());
        let _ = s.handle(Input::Begin { lesson: None, now: 0 });
        let _ = s.handle(Input::Holds { holds: vec![StepRef::new("one", "do")], now: 1 });
        let _ = s.handle(Input::Checked { at: at(0, 0), verdict: verdict(true), mode: CheckMode::Auto, now: 2 });
        assert!(s.waiting());
        // Resumed: the session learns the holds after it begins.
        let mut again = Session::new(&c, s.progress().clone());
        let _ = again.handle(Input::Begin { lesson: None, now: 3 });
        assert_eq!(again.position(), at(0, 0));
        let e = again.handle(Input::Holds { holds: vec![StepRef::new("one", "do")], now: 4 });
        assert_eq!(e, vec![Effect::Held { at: at(0, 0) }, Effect::Save]);
        assert!(again.waiting());
    }

    #[test]
    fn a_verdict_on_a_step_left_meanwhile_moves_nothing() {
        let c = course();
        let mut s = Session::new(&c, CourseProgress::default());
        let _ = s.handle(Input::Begin { lesson: None, now: 0 });
        let _ = s.handle(Input::Marked { step: StepRef::new("one", "do"), now: 1 });
        assert_eq!(s.position(), at(0, 1));
        let e = s.handle(Input::Checked { at: at(0, 0), verdict: verdict(true), mode: CheckMode::Auto, now: 2 });
        assert!(e.is_empty(), "{e:?}");
        assert_eq!(s.position(), at(0, 1));
    }

    #[test]
    fn a_step_marked_by_the_instructor_passes() {
        let c = course();
        let mut s = Session::new(&c, CourseProgress::default());
        let _ = s.handle(Input::Begin { lesson: None, now: 0 });
        let e = s.handle(Input::Marked { step: StepRef::new("one", "do"), now: 1 });
        assert!(matches!(&e[0], Effect::Notice(n) if n.contains("marked one/do")));
        assert_eq!(e[1], Effect::StepPassed { at: at(0, 0) });
        assert_eq!(s.position(), at(0, 1));
        assert!(s.progress().passed("one", "do"));
        // A step elsewhere is recorded without moving the learner.
        let e = s.handle(Input::Marked { step: StepRef::new("two", "again"), now: 2 });
        assert_eq!(e.last(), Some(&Effect::Save));
        assert_eq!(s.position(), at(0, 1));
        assert!(s.handle(Input::Marked { step: StepRef::new("nope", "x"), now: 3 }).is_empty());
    }

    #[test]
    fn raise_carries_the_whole_message() {
        assert_eq!(Meta::parse(":raise my port is taken"), Some(Ok(Meta::Raise("my port is taken".into()))));
        assert_eq!(Meta::parse(":raise"), Some(Ok(Meta::Raise(String::new()))));
    }

    #[test]
    fn meta_commands_parse_and_shell_input_does_not() {
        assert_eq!(Meta::parse(":hint"), Some(Ok(Meta::Hint)));
        assert_eq!(Meta::parse("  :lesson volumes "), Some(Ok(Meta::Lesson("volumes".into()))));
        assert!(Meta::parse(":frobnicate").unwrap().is_err());
        assert_eq!(Meta::parse("docker ps"), None);
    }
}
