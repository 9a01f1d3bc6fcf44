//! A lesson as the rest of the program sees it: front matter, an introduction and
//! ordered steps, each with prose, suggested commands, tiered hints and a solution.
//! The Markdown dialect and its rules live in `parse`.

pub mod parse;

pub use parse::parse;

use serde::Serialize;

/// One lesson, parsed from `lessons/<NN>-<id>.md`.
#[derive(Debug, Clone, Serialize)]
pub struct Lesson {
    pub id: String,
    pub title: String,
    pub objectives: Vec<String>,
    /// The author's estimate of how long the lesson takes.
    pub minutes: Option<u32>,
    /// Images the lesson's commands use, so they can be prepared before class.
    pub images: Vec<String>,
    /// The lesson goes on from the previous one: `verify` keeps what the previous
    /// lesson's solutions made (and its working folder) instead of starting clean.
    pub continues: bool,
    /// The folder the lesson's work lives in, under the learner's home
    /// (`~/dockerlearn/shop`): made when the lesson begins, the prompt goes there, and
    /// the starter files are copied into it.
    pub folder: Option<String>,
    /// Markdown shown before the first step.
    pub intro: String,
    pub steps: Vec<Step>,
}

/// One `##` section of a lesson: something the learner does, then a checkpoint.
#[derive(Debug, Clone, Serialize)]
pub struct Step {
    pub id: String,
    pub title: String,
    /// Prose and code shown for the step, without hints and solution.
    pub body: String,
    /// Commands from the step's ```` ```sh run ```` blocks, offered at the prompt.
    pub commands: Vec<String>,
    /// Hint tiers, gentlest first.
    pub hints: Vec<String>,
    pub solution: Option<Solution>,
    /// A reading-only step has no checkpoint: the learner moves on with `:next`.
    pub reading_only: bool,
    /// The step downloads from a registry (class `.network`): offline, `verify` accepts
    /// its checkpoint holding beforehand when the images were prepared.
    pub needs_network: bool,
    /// Line of the step's heading, for messages about it.
    pub line: usize,
}

/// What to do when stuck: prose plus the commands that complete the step.
#[derive(Debug, Clone, Serialize)]
pub struct Solution {
    pub text: String,
    /// The commands of the solution's runnable blocks, in order; `verify` runs them.
    pub commands: Vec<String>,
}

impl Lesson {
    pub fn step_index(&self, id: &str) -> Option<usize> {
        self.steps.iter().position(|s| s.id == id)
    }
}
