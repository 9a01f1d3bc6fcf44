//! What learners, the server and the instructor's tools say to each other, as JSON.
//! Every body from the network is size-limited before parsing and checked after it
//! (`validate`): unknown fields are refused, texts are bounded, names are printable.

use serde::{Deserialize, Serialize};

/// No request body is larger (a full batch of reports is about 30 KB).
pub const MAX_BODY: usize = 64 * 1024;
/// Reports one request may carry.
pub const MAX_BATCH: usize = 100;
/// A learner's name, in characters.
pub const MAX_NAME: usize = 40;
/// A message, a help request, an assertion's wording, in characters.
pub const MAX_TEXT: usize = 1000;
/// Failing assertions one attempt may report.
pub const MAX_FAILURES: usize = 20;
/// Lesson and step ids, in characters.
pub const MAX_ID: usize = 100;

/// A step of the course, by ids.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StepRef {
    pub lesson: String,
    pub step: String,
}

impl StepRef {
    pub fn new(lesson: &str, step: &str) -> StepRef {
        StepRef { lesson: lesson.to_owned(), step: step.to_owned() }
    }

    /// `LESSON/STEP`, as the instructor types it.
    pub fn parse(text: &str) -> Option<StepRef> {
        let (lesson, step) = text.split_once('/')?;
        (!lesson.is_empty() && !step.is_empty()).then(|| StepRef::new(lesson, step))
    }
}

impl std::fmt::Display for StepRef {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}/{}", self.lesson, self.step)
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct JoinRequest {
    pub code: String,
    pub name: String,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Joined {
    pub learner: u64,
    /// The learner's own token: it writes this learner's rows and nobody else's.
    pub token: String,
    pub name: String,
    /// The course the class follows (its id).
    pub course: String,
}

/// One thing a learner did, numbered by the learner's outbox.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Report {
    /// The outbox's number for it: the server stores each (learner, seq) once.
    pub seq: u64,
    /// When it happened, Unix milliseconds on the learner's clock.
    pub at: i64,
    pub event: Event,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case", deny_unknown_fields)]
pub enum Event {
    /// The learner's prompt shows this step.
    StepStarted {
        step: StepRef,
    },
    /// A checkpoint was judged: passed, or failed with the failing assertions.
    Attempt {
        step: StepRef,
        passed: bool,
        #[serde(default)]
        failures: Vec<Failure>,
    },
    Hint {
        step: StepRef,
        tier: u32,
    },
    Solution {
        step: StepRef,
    },
    /// `:raise [message]`: the learner asks for help.
    Help {
        step: StepRef,
        #[serde(default)]
        message: String,
    },
}

impl Event {
    pub fn step(&self) -> &StepRef {
        match self {
            Event::StepStarted { step }
            | Event::Attempt { step, .. }
            | Event::Hint { step, .. }
            | Event::Solution { step }
            | Event::Help { step, .. } => step,
        }
    }
}

/// A failing assertion, in the checkpoint's own words: what it expected and what it
/// found instead (its near-miss message).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Failure {
    pub expected: String,
    pub found: String,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Batch {
    pub reports: Vec<Report>,
}

/// The server's answer to a batch: how many were new, and the highest seq it holds.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Ack {
    pub stored: usize,
    pub up_to: u64,
}

/// What the instructor says to a learner, as the learner's prompt polls for it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Inbox {
    /// Steps the class is held after, now.
    pub holds: Vec<StepRef>,
    /// Messages and marks newer than the `after` the learner asked with.
    pub items: Vec<InboxItem>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct InboxItem {
    pub id: u64,
    pub notice: Notice,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case", deny_unknown_fields)]
pub enum Notice {
    Message {
        text: String,
    },
    /// The instructor marked a step done for this learner (after helping them).
    Marked {
        step: StepRef,
    },
}

/// What the instructor does, as the server records it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case", deny_unknown_fields)]
pub enum Action {
    /// Learners who pass `step` wait there until it is released.
    Hold {
        step: StepRef,
    },
    /// `step: None` releases every hold.
    Release {
        #[serde(default)]
        step: Option<StepRef>,
    },
    /// To one learner (`to`), or to all.
    Message {
        #[serde(default)]
        to: Option<u64>,
        text: String,
    },
    Mark {
        learner: u64,
        step: StepRef,
    },
    /// The instructor has helped: the learner leaves the help queue.
    Resolve {
        learner: u64,
    },
}

/// Why a body was refused, in words for the client.
pub type Invalid = String;

fn text(what: &str, value: &str, max: usize) -> Result<(), Invalid> {
    if value.chars().count() > max {
        return Err(format!("{what} is longer than {max} characters"));
    }
    Ok(())
}

fn id(what: &str, value: &str) -> Result<(), Invalid> {
    if value.is_empty() || value.len() > MAX_ID || !value.chars().all(|c| c.is_ascii_graphic()) {
        return Err(format!("{what} must be 1 to {MAX_ID} printable ASCII characters"));
    }
    Ok(())
}

impl StepRef {
    pub fn validate(&self) -> Result<(), Invalid> {
        id("the lesson id", &self.lesson)?;
        id("the step id", &self.step)
    }
}

/// A learner's name: 1 to 40 characters, none of them control characters.
pub fn validate_name(name: &str) -> Result<(), Invalid> {
    let trimmed = name.trim();
    if trimmed.is_empty() {
        return Err("the name is empty".into());
    }
    text("the name", trimmed, MAX_NAME)?;
    if trimmed.chars().any(char::is_control) {
        return Err("the name has control characters".into());
    }
    Ok(())
}

impl Batch {
    pub fn validate(&self) -> Result<(), Invalid> {
        if self.reports.len() > MAX_BATCH {
            return Err(format!("a batch holds at most {MAX_BATCH} reports"));
        }
        self.reports.iter().try_for_each(Report::validate)
    }
}

impl Report {
    pub fn validate(&self) -> Result<(), Invalid> {
        if self.seq == 0 {
            return Err("seq starts at 1".into());
        }
        self.event.step().validate()?;
        match &self.event {
            Event::Attempt { failures, .. } => {
                if failures.len() > MAX_FAILURES {
                    return Err(format!("an attempt reports at most {MAX_FAILURES} failures"));
                }
                failures.iter().try_for_each(|f| {
                    text("an expectation", &f.expected, MAX_TEXT)?;
                    text("a finding", &f.found, MAX_TEXT)
                })
            }
            Event::Help { message, .. } => text("the message", message, MAX_TEXT),
            Event::StepStarted { .. } | Event::Hint { .. } | Event::Solution { .. } => Ok(()),
        }
    }
}

impl Action {
    pub fn validate(&self) -> Result<(), Invalid> {
        match self {
            Action::Hold { step } | Action::Mark { step, .. } => step.validate(),
            Action::Release { step } => step.as_ref().map_or(Ok(()), StepRef::validate),
            Action::Message { text: t, .. } => {
                if t.trim().is_empty() {
                    return Err("the message is empty".into());
                }
                text("the message", t, MAX_TEXT)
            }
            Action::Resolve { .. } => Ok(()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reports_round_trip_and_unknown_fields_are_refused() {
        let r = Report {
            seq: 3,
            at: 7,
            event: Event::Attempt {
                step: StepRef::new("hello-world", "run-it"),
                passed: false,
                failures: vec![Failure { expected: "a".into(), found: "b".into() }],
            },
        };
        let json = serde_json::to_string(&r).unwrap();
        assert_eq!(serde_json::from_str::<Report>(&json).unwrap(), r);
        let extra = json.replacen("\"seq\"", "\"admin\":true,\"seq\"", 1);
        assert!(serde_json::from_str::<Report>(&extra).is_err());
        let extra_in_event = json.replacen("\"passed\"", "\"rm\":\"-rf\",\"passed\"", 1);
        assert!(serde_json::from_str::<Report>(&extra_in_event).is_err());
    }

    #[test]
    fn bodies_are_bounded() {
        let step = StepRef::new("l", "s");
        let long = "x".repeat(MAX_TEXT + 1);
        let help = Report { seq: 1, at: 0, event: Event::Help { step: step.clone(), message: long } };
        assert!(help.validate().is_err());
        let seq0 = Report { seq: 0, at: 0, event: Event::Solution { step: step.clone() } };
        assert!(seq0.validate().is_err());
        let bad_id = Report { seq: 1, at: 0, event: Event::Solution { step: StepRef::new("l\n", "s") } };
        assert!(bad_id.validate().is_err());
        let many = Batch { reports: vec![Report { seq: 1, at: 0, event: Event::Solution { step } }; MAX_BATCH + 1] };
        assert!(many.validate().is_err());
        assert!(validate_name("  ").is_err());
        assert!(validate_name("ana\u{1b}[2J").is_err());
        assert!(validate_name(&"n".repeat(MAX_NAME + 1)).is_err());
        assert!(validate_name("Ana María").is_ok());
    }

    #[test]
    fn steps_parse_from_lesson_slash_step() {
        assert_eq!(StepRef::parse("volumes/mount"), Some(StepRef::new("volumes", "mount")));
        assert_eq!(StepRef::parse("volumes"), None);
        assert_eq!(StepRef::parse("/x"), None);
    }
}
