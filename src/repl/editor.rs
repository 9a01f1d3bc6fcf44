//! The line editor's helper: completion of `:` commands and the step's suggested
//! commands, and input that is not finished yet (a heredoc, an open quote, a trailing
//! `\`) continued on the next line, as a shell would.

use crate::session::META_HELP;
use rustyline::completion::Completer;
use rustyline::highlight::Highlighter;
use rustyline::hint::Hinter;
use rustyline::validate::{ValidationContext, ValidationResult, Validator};
use rustyline::{Context, Helper};

/// Completes `:` commands and the current step's suggested commands.
#[derive(Default)]
pub(super) struct Completion {
    pub(super) suggested: Vec<String>,
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
