//! The class as the instructor sees it: a pure model fed with what arrived (learners'
//! reports and the instructor's actions, in the order they happened) and read as a
//! board. No I/O and no clock: the server passes the time in. A restart rebuilds the
//! room by replaying the store, so the store is the truth and this is a view of it.

use super::protocol::{Action, Event, Failure, InboxItem, Notice, Report, StepRef};
use crate::course::Course;
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet, HashMap, VecDeque};

/// How many verdicts a learner's detail keeps.
const RECENT: usize = 10;
/// Failed attempts at one step that make a learner stuck.
const STUCK_FAILURES: u32 = 3;

/// The course's steps in order, as the board's columns.
#[derive(Debug, Clone, Serialize)]
pub struct Outline {
    pub course: String,
    pub title: String,
    pub steps: Vec<OutlineStep>,
}

#[derive(Debug, Clone, Serialize)]
pub struct OutlineStep {
    #[serde(flatten)]
    pub step: StepRef,
    pub title: String,
    pub lesson_title: String,
    /// A reading step: nothing to check.
    pub reading: bool,
}

impl Outline {
    pub fn of(course: &Course) -> Outline {
        let steps = course
            .lessons
            .iter()
            .flat_map(|cl| {
                cl.lesson.steps.iter().map(move |s| OutlineStep {
                    step: StepRef::new(&cl.lesson.id, &s.id),
                    title: s.title.clone(),
                    lesson_title: cl.lesson.title.clone(),
                    reading: s.reading_only,
                })
            })
            .collect();
        Outline { course: course.id.clone(), title: course.title.clone(), steps }
    }
}

#[derive(Debug, Clone, Default)]
struct StepState {
    started: Option<i64>,
    passed: Option<i64>,
    marked: bool,
    attempts: u32,
    /// Failed attempts since the step last passed.
    failing: u32,
    hints: u32,
    solution: bool,
    last_failures: Vec<Failure>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Verdict {
    pub step: StepRef,
    pub at: i64,
    pub passed: bool,
    pub failures: Vec<Failure>,
}

#[derive(Debug, Clone)]
struct Learner {
    name: String,
    last_seen: i64,
    /// The step the learner's prompt shows (an index into the outline).
    current: Option<usize>,
    steps: HashMap<usize, StepState>,
    recent: VecDeque<Verdict>,
    inbox: Vec<InboxItem>,
}

#[derive(Debug, Clone)]
struct Help {
    learner: u64,
    step: StepRef,
    message: String,
    since: i64,
}

pub struct Room {
    outline: Outline,
    index: HashMap<StepRef, usize>,
    learners: BTreeMap<u64, Learner>,
    holds: BTreeSet<StepRef>,
    help: Vec<Help>,
    /// Messages to everyone, by inbox id.
    broadcast: Vec<InboxItem>,
    stuck_after_ms: i64,
    reports: u64,
}

/// The board: what the page and `class board` show.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Board {
    pub course: String,
    pub title: String,
    /// Server time, Unix milliseconds.
    pub now: i64,
    pub steps: Vec<BoardStep>,
    /// Stuck learners first, then the rest by how far they are.
    pub learners: Vec<BoardLearner>,
    pub help: Vec<BoardHelp>,
    /// The room's current failures grouped by cause, largest group first.
    pub causes: Vec<Cause>,
    pub reports: u64,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct BoardStep {
    pub id: String,
    pub title: String,
    pub lesson_title: String,
    pub reading: bool,
    /// Learners past it (passed or marked).
    pub passed: usize,
    /// `passed` over the room's size.
    pub share: f64,
    /// Median seconds from start to pass, over those who passed it.
    pub median_secs: Option<f64>,
    pub held: bool,
}

/// A learner's row. `cells` has one character per step: `P` passed, `M` marked done by
/// the instructor, `F` tried and failing, `S` started, `-` not reached.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct BoardLearner {
    pub id: u64,
    pub name: String,
    pub at: Option<String>,
    pub cells: String,
    pub passed: usize,
    /// Why the learner looks stuck, when they do.
    pub stuck: Option<String>,
    pub idle_secs: i64,
    pub hints: u32,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct BoardHelp {
    pub learner: u64,
    pub name: String,
    pub step: String,
    pub message: String,
    pub waiting_secs: i64,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Cause {
    pub step: String,
    pub expected: String,
    pub found: String,
    pub learners: Vec<String>,
}

/// One learner's detail.
#[derive(Debug, Clone, Serialize)]
pub struct Detail {
    pub id: u64,
    pub name: String,
    pub at: Option<String>,
    pub recent: Vec<Verdict>,
    /// Hints taken, by step, and whether the solution was shown.
    pub help_used: Vec<HelpUsed>,
}

#[derive(Debug, Clone, Serialize)]
pub struct HelpUsed {
    pub step: String,
    pub hints: u32,
    pub solution: bool,
}

/// A row of the results export.
#[derive(Debug, Clone, Serialize)]
pub struct ResultRow {
    pub learner: String,
    pub learner_id: u64,
    pub step: String,
    /// Unix milliseconds; none when not passed.
    pub passed_at: Option<i64>,
    pub marked: bool,
    pub attempts: u32,
    pub hints: u32,
    pub solution: bool,
}

fn median(mut v: Vec<f64>) -> Option<f64> {
    if v.is_empty() {
        return None;
    }
    v.sort_by(f64::total_cmp);
    let n = v.len();
    Some(if n % 2 == 1 { v[n / 2] } else { (v[n / 2 - 1] + v[n / 2]) / 2.0 })
}

impl Room {
    pub fn new(outline: Outline, stuck_after_ms: i64) -> Room {
        let index = outline.steps.iter().enumerate().map(|(i, s)| (s.step.clone(), i)).collect();
        Room {
            outline,
            index,
            learners: BTreeMap::new(),
            holds: BTreeSet::new(),
            help: Vec::new(),
            broadcast: Vec::new(),
            stuck_after_ms,
            reports: 0,
        }
    }

    pub fn outline(&self) -> &Outline {
        &self.outline
    }

    pub fn joined(&mut self, id: u64, name: &str, at: i64) {
        self.learners.insert(
            id,
            Learner {
                name: name.to_owned(),
                last_seen: at,
                current: None,
                steps: HashMap::new(),
                recent: VecDeque::new(),
                inbox: Vec::new(),
            },
        );
    }

    pub fn has_learner(&self, id: u64) -> bool {
        self.learners.contains_key(&id)
    }

    /// A report that was stored for the first time. Steps the course does not have
    /// are counted but not drawn.
    pub fn report(&mut self, learner: u64, report: &Report) {
        self.reports += 1;
        let Some(l) = self.learners.get_mut(&learner) else { return };
        l.last_seen = l.last_seen.max(report.at);
        let step = report.event.step();
        let Some(&i) = self.index.get(step) else { return };
        let at = report.at;
        let state = l.steps.entry(i).or_default();
        match &report.event {
            Event::StepStarted { .. } => {
                l.current = Some(i);
                state.started = Some(state.started.map_or(at, |s| s.min(at)));
            }
            Event::Attempt { passed, failures, .. } => {
                // A check from a second terminal also says where the learner is.
                l.current.get_or_insert(i);
                state.attempts += 1;
                state.started.get_or_insert(at);
                if *passed {
                    state.passed.get_or_insert(at);
                    state.failing = 0;
                    state.last_failures.clear();
                    self.help.retain(|h| !(h.learner == learner && &h.step == step));
                } else {
                    state.failing += 1;
                    state.last_failures = failures.clone();
                }
                l.recent.push_back(Verdict { step: step.clone(), at, passed: *passed, failures: failures.clone() });
                if l.recent.len() > RECENT {
                    l.recent.pop_front();
                }
            }
            Event::Hint { tier, .. } => state.hints = state.hints.max(*tier),
            Event::Solution { .. } => state.solution = true,
            Event::Help { message, .. } => {
                self.help.retain(|h| h.learner != learner);
                self.help.push(Help { learner, step: step.clone(), message: message.clone(), since: at });
            }
        }
    }

    /// An instructor's action, stored with inbox id `id` at `at`.
    pub fn act(&mut self, id: u64, action: &Action, at: i64) {
        match action {
            Action::Hold { step } => {
                self.holds.insert(step.clone());
            }
            Action::Release { step: Some(step) } => {
                self.holds.remove(step);
            }
            Action::Release { step: None } => self.holds.clear(),
            Action::Message { to: None, text } => {
                self.broadcast.push(InboxItem { id, notice: Notice::Message { text: text.clone() } });
            }
            Action::Message { to: Some(to), text } => {
                if let Some(l) = self.learners.get_mut(to) {
                    l.inbox.push(InboxItem { id, notice: Notice::Message { text: text.clone() } });
                }
            }
            Action::Mark { learner, step } => {
                let Some(l) = self.learners.get_mut(learner) else { return };
                if let Some(&i) = self.index.get(step) {
                    let state = l.steps.entry(i).or_default();
                    state.marked = true;
                    state.passed.get_or_insert(at);
                    state.failing = 0;
                }
                l.inbox.push(InboxItem { id, notice: Notice::Marked { step: step.clone() } });
                self.help.retain(|h| !(h.learner == *learner && &h.step == step));
            }
            Action::Resolve { learner } => self.help.retain(|h| h.learner != *learner),
        }
    }

    pub fn holds(&self) -> Vec<StepRef> {
        self.holds.iter().cloned().collect()
    }

    /// What a learner has not yet seen: the holds now, and items after `after`.
    pub fn inbox(&self, learner: u64, after: u64) -> Vec<InboxItem> {
        let own = self.learners.get(&learner).map(|l| l.inbox.as_slice()).unwrap_or(&[]);
        let mut items: Vec<InboxItem> =
            own.iter().chain(self.broadcast.iter()).filter(|i| i.id > after).cloned().collect();
        items.sort_by_key(|i| i.id);
        items
    }

    fn step_name(&self, i: usize) -> String {
        self.outline.steps[i].step.to_string()
    }

    fn stuck(&self, l: &Learner, now: i64) -> Option<String> {
        let i = l.current?;
        let state = l.steps.get(&i)?;
        if state.passed.is_some() || self.outline.steps[i].reading {
            return None;
        }
        let name = self.step_name(i);
        if state.failing >= STUCK_FAILURES {
            return Some(format!("failed {name} {} times", state.failing));
        }
        let since = state.started?;
        let minutes = (now - since) / 60_000;
        (now - since >= self.stuck_after_ms).then(|| format!("on {name} for {minutes} min"))
    }

    pub fn board(&self, now: i64) -> Board {
        let n = self.learners.len();
        let steps = self
            .outline
            .steps
            .iter()
            .enumerate()
            .map(|(i, s)| {
                let passed: Vec<&StepState> =
                    self.learners.values().filter_map(|l| l.steps.get(&i)).filter(|st| st.passed.is_some()).collect();
                let times = passed
                    .iter()
                    .filter_map(|st| Some((st.passed? - st.started?) as f64 / 1000.0))
                    .filter(|t| *t >= 0.0)
                    .collect();
                BoardStep {
                    id: s.step.to_string(),
                    title: s.title.clone(),
                    lesson_title: s.lesson_title.clone(),
                    reading: s.reading,
                    passed: passed.len(),
                    share: if n == 0 { 0.0 } else { passed.len() as f64 / n as f64 },
                    median_secs: median(times),
                    held: self.holds.contains(&s.step),
                }
            })
            .collect();
        let mut learners: Vec<BoardLearner> = self
            .learners
            .iter()
            .map(|(id, l)| {
                let cells: String = (0..self.outline.steps.len())
                    .map(|i| match l.steps.get(&i) {
                        Some(st) if st.marked => 'M',
                        Some(st) if st.passed.is_some() => 'P',
                        Some(st) if st.failing > 0 => 'F',
                        Some(st) if st.started.is_some() => 'S',
                        _ => '-',
                    })
                    .collect();
                BoardLearner {
                    id: *id,
                    name: l.name.clone(),
                    at: l.current.map(|i| self.step_name(i)),
                    passed: cells.chars().filter(|c| matches!(c, 'P' | 'M')).count(),
                    cells,
                    stuck: self.stuck(l, now),
                    idle_secs: (now - l.last_seen).max(0) / 1000,
                    hints: l.steps.values().map(|s| s.hints).sum(),
                }
            })
            .collect();
        learners.sort_by(|a, b| {
            (a.stuck.is_none(), std::cmp::Reverse(a.passed), &a.name).cmp(&(
                b.stuck.is_none(),
                std::cmp::Reverse(b.passed),
                &b.name,
            ))
        });
        let help = self
            .help
            .iter()
            .map(|h| BoardHelp {
                learner: h.learner,
                name: self.learners.get(&h.learner).map_or_else(String::new, |l| l.name.clone()),
                step: h.step.to_string(),
                message: h.message.clone(),
                waiting_secs: (now - h.since).max(0) / 1000,
            })
            .collect();
        Board {
            course: self.outline.course.clone(),
            title: self.outline.title.clone(),
            now,
            steps,
            learners,
            help,
            causes: self.causes(),
            reports: self.reports,
        }
    }

    /// Each learner's current failure (the step they are on, not passed), grouped by
    /// the failing assertion and what it found.
    fn causes(&self) -> Vec<Cause> {
        let mut groups: BTreeMap<(usize, &Failure), Vec<&str>> = BTreeMap::new();
        for l in self.learners.values() {
            let Some(i) = l.current else { continue };
            let Some(st) = l.steps.get(&i) else { continue };
            if st.passed.is_some() {
                continue;
            }
            for f in &st.last_failures {
                groups.entry((i, f)).or_default().push(&l.name);
            }
        }
        let mut causes: Vec<Cause> = groups
            .into_iter()
            .map(|((i, f), names)| Cause {
                step: self.step_name(i),
                expected: f.expected.clone(),
                found: f.found.clone(),
                learners: names.into_iter().map(str::to_owned).collect(),
            })
            .collect();
        causes.sort_by(|a, b| b.learners.len().cmp(&a.learners.len()).then(a.step.cmp(&b.step)));
        causes
    }

    pub fn detail(&self, id: u64) -> Option<Detail> {
        let l = self.learners.get(&id)?;
        let mut help_used: Vec<(usize, HelpUsed)> = l
            .steps
            .iter()
            .filter(|(_, s)| s.hints > 0 || s.solution)
            .map(|(i, s)| (*i, HelpUsed { step: self.step_name(*i), hints: s.hints, solution: s.solution }))
            .collect();
        help_used.sort_by_key(|(i, _)| *i);
        Some(Detail {
            id,
            name: l.name.clone(),
            at: l.current.map(|i| self.step_name(i)),
            recent: l.recent.iter().rev().cloned().collect(),
            help_used: help_used.into_iter().map(|(_, h)| h).collect(),
        })
    }

    /// Every learner × every step they reached, in course order.
    pub fn results(&self) -> Vec<ResultRow> {
        let mut rows = Vec::new();
        for (id, l) in &self.learners {
            for i in 0..self.outline.steps.len() {
                let Some(s) = l.steps.get(&i) else { continue };
                rows.push(ResultRow {
                    learner: l.name.clone(),
                    learner_id: *id,
                    step: self.step_name(i),
                    passed_at: s.passed,
                    marked: s.marked,
                    attempts: s.attempts,
                    hints: s.hints,
                    solution: s.solution,
                });
            }
        }
        rows
    }
}

fn duration(secs: f64) -> String {
    if secs < 90.0 { format!("{secs:.0} s") } else { format!("{:.0} min", secs / 60.0) }
}

/// The board as plain text for `class board`: the help queue, who is stuck, the
/// room's failures by cause, the steps reached, and each learner's row.
pub fn render_text(b: &Board) -> String {
    let mut out = format!("{} — {} learner(s), {} report(s)\n", b.title, b.learners.len(), b.reports);
    out.push_str("\nHelp queue:\n");
    if b.help.is_empty() {
        out.push_str("  nobody is waiting\n");
    }
    for (i, h) in b.help.iter().enumerate() {
        let said = if h.message.is_empty() { String::new() } else { format!(": \"{}\"", h.message) };
        out.push_str(&format!("  {}. {} on {} for {}{said}\n", i + 1, h.name, h.step, duration(h.waiting_secs as f64)));
    }
    let stuck: Vec<&BoardLearner> = b.learners.iter().filter(|l| l.stuck.is_some()).collect();
    if !stuck.is_empty() {
        out.push_str("\nStuck:\n");
        for l in stuck {
            out.push_str(&format!("  {}: {}\n", l.name, l.stuck.as_deref().unwrap_or_default()));
        }
    }
    out.push_str("\nWhere the room fails:\n");
    if b.causes.is_empty() {
        out.push_str("  no failing step right now\n");
    }
    for c in &b.causes {
        out.push_str(&format!(
            "  {} on {}: expected {}; found {} ({})\n",
            c.learners.len(),
            c.step,
            c.expected,
            c.found,
            c.learners.join(", ")
        ));
    }
    // Steps up to the furthest any learner reached.
    let reached = b.learners.iter().filter_map(|l| l.cells.rfind(|c| c != '-')).max().map_or(0, |i| i + 1);
    out.push_str("\nSteps (learners past it, median time):\n");
    let width = b.steps.iter().take(reached.max(1)).map(|s| s.id.len()).max().unwrap_or(0);
    for s in b.steps.iter().take(reached.max(1)) {
        let median = s.median_secs.map(|m| format!(", median {}", duration(m))).unwrap_or_default();
        let held = if s.held { "  [held]" } else { "" };
        out.push_str(&format!(
            "  {:width$}  {}/{} ({:.0}%){median}{held}\n",
            s.id,
            s.passed,
            b.learners.len(),
            s.share * 100.0
        ));
    }
    out.push_str("\nLearners (P passed, M marked, F failing, S started):\n");
    let width = b.learners.iter().map(|l| l.name.chars().count()).max().unwrap_or(0);
    for l in &b.learners {
        let at = l.at.as_deref().unwrap_or("not started");
        let cells: String = l.cells.chars().take(reached.max(1)).collect();
        out.push_str(&format!("  {:width$}  {cells}  {} passed, at {at}\n", l.name, l.passed));
    }
    out
}

/// The results as CSV: a header, then a row per learner and step reached.
pub fn results_csv(rows: &[ResultRow]) -> String {
    fn field(s: &str) -> String {
        // Quote every field that could be read as a formula or split a row.
        if s.contains([',', '"', '\n', '\r']) || s.starts_with(['=', '+', '-', '@']) {
            format!("\"{}\"", s.replace('"', "\"\""))
        } else {
            s.to_owned()
        }
    }
    let mut out = String::from("learner,learner_id,step,passed_at,marked,attempts,hints,solution\n");
    for r in rows {
        let passed = r.passed_at.map(|t| t.to_string()).unwrap_or_default();
        out.push_str(&format!(
            "{},{},{},{},{},{},{},{}\n",
            field(&r.learner),
            r.learner_id,
            field(&r.step),
            passed,
            r.marked,
            r.attempts,
            r.hints,
            r.solution
        ));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn outline() -> Outline {
        let step = |l: &str, s: &str| OutlineStep {
            step: StepRef::new(l, s),
            title: s.to_owned(),
            lesson_title: l.to_owned(),
            reading: false,
        };
        Outline {
            course: "c".into(),
            title: "C".into(),
            steps: vec![step("a", "one"), step("a", "two"), step("b", "x")],
        }
    }

    fn attempt(seq: u64, at: i64, step: &str, passed: bool, found: &str) -> Report {
        let (lesson, step) = step.split_once('/').unwrap();
        Report {
            seq,
            at,
            event: Event::Attempt {
                step: StepRef::new(lesson, step),
                passed,
                failures: if passed {
                    vec![]
                } else {
                    vec![Failure { expected: "port 8080".into(), found: found.into() }]
                },
            },
        }
    }

    fn started(seq: u64, at: i64, step: &str) -> Report {
        Report { seq, at, event: Event::StepStarted { step: StepRef::parse(step).unwrap() } }
    }

    #[test]
    fn the_board_counts_passes_medians_and_groups_causes() {
        let mut room = Room::new(outline(), 300_000);
        room.joined(1, "ana", 0);
        room.joined(2, "ben", 0);
        room.joined(3, "cy", 0);
        room.report(1, &started(1, 0, "a/one"));
        room.report(1, &attempt(2, 10_000, "a/one", true, ""));
        room.report(2, &started(1, 0, "a/one"));
        room.report(2, &attempt(2, 30_000, "a/one", true, ""));
        room.report(1, &started(3, 10_000, "a/two"));
        room.report(2, &started(3, 30_000, "a/two"));
        room.report(1, &attempt(4, 11_000, "a/two", false, "the wrong way round"));
        room.report(2, &attempt(4, 31_000, "a/two", false, "the wrong way round"));
        room.report(3, &started(1, 0, "a/one"));
        room.report(3, &attempt(2, 1_000, "a/one", false, "nothing published"));
        let b = room.board(40_000);
        assert_eq!(b.steps[0].passed, 2);
        assert!((b.steps[0].share - 2.0 / 3.0).abs() < 1e-9);
        assert_eq!(b.steps[0].median_secs, Some(20.0));
        assert_eq!(b.causes[0].learners, vec!["ana", "ben"]);
        assert_eq!(b.causes[0].step, "a/two");
        assert_eq!(b.causes[1].learners, vec!["cy"]);
        let ana = b.learners.iter().find(|l| l.name == "ana").unwrap();
        assert_eq!(ana.cells, "PF-");
        assert_eq!(ana.at.as_deref(), Some("a/two"));
    }

    #[test]
    fn stuck_learners_come_first_with_the_reason() {
        let mut room = Room::new(outline(), 300_000);
        room.joined(1, "ana", 0);
        room.joined(2, "ben", 0);
        room.report(1, &started(1, 0, "a/one"));
        room.report(1, &attempt(2, 1_000, "a/one", true, ""));
        room.report(2, &started(1, 0, "a/one"));
        for seq in 2..5 {
            room.report(2, &attempt(seq, 1_000, "a/one", false, "no"));
        }
        let b = room.board(2_000);
        assert_eq!(b.learners[0].name, "ben");
        assert_eq!(b.learners[0].stuck.as_deref(), Some("failed a/one 3 times"));
        room.report(1, &started(3, 2_000, "a/two"));
        let b = room.board(2_000 + 360_000);
        let ana = b.learners.iter().find(|l| l.name == "ana").unwrap();
        assert_eq!(ana.stuck.as_deref(), Some("on a/two for 6 min"));
    }

    #[test]
    fn help_holds_messages_and_marks() {
        let mut room = Room::new(outline(), 300_000);
        room.joined(1, "ana", 0);
        room.joined(2, "ben", 0);
        let help = Report { seq: 1, at: 5, event: Event::Help { step: StepRef::new("a", "one"), message: "?".into() } };
        room.report(1, &help);
        assert_eq!(room.board(10).help.len(), 1);
        room.act(1, &Action::Hold { step: StepRef::new("a", "one") }, 6);
        room.act(2, &Action::Message { to: None, text: "break".into() }, 7);
        room.act(3, &Action::Message { to: Some(2), text: "just ben".into() }, 8);
        room.act(4, &Action::Mark { learner: 1, step: StepRef::new("a", "one") }, 9);
        assert!(room.board(10).help.is_empty(), "marking the step answers the request");
        assert_eq!(room.holds(), vec![StepRef::new("a", "one")]);
        let ana: Vec<u64> = room.inbox(1, 0).iter().map(|i| i.id).collect();
        assert_eq!(ana, vec![2, 4]);
        assert_eq!(room.inbox(2, 2).len(), 1);
        assert_eq!(room.board(10).learners.iter().find(|l| l.id == 1).unwrap().cells, "M--");
        room.act(5, &Action::Release { step: None }, 11);
        assert!(room.holds().is_empty());
    }

    #[test]
    fn results_export_as_csv_without_formulas() {
        let mut room = Room::new(outline(), 300_000);
        room.joined(1, "=cmd|x", 0);
        room.report(1, &attempt(1, 5, "a/one", true, ""));
        let csv = results_csv(&room.results());
        assert_eq!(csv.lines().nth(1), Some("\"=cmd|x\",1,a/one,5,false,1,0,false"));
    }
}
