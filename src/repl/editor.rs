//! The line editor's helper: completion of `:` commands and the step's suggested
//! commands, and input that is not finished yet (a heredoc, an open quote, a trailing
//! `\`) continued on the next line, as a shell would; and the line editor's own
//! thread, so the prompt hears the class while the learner sits at it.

use crate::session::META_HELP;
use rustyline::completion::Completer;
use rustyline::error::ReadlineError;
use rustyline::highlight::Highlighter;
use rustyline::hint::Hinter;
use rustyline::history::FileHistory;
use rustyline::validate::{ValidationContext, ValidationResult, Validator};
use rustyline::{Context, Editor, ExternalPrinter as _, Helper};
use std::borrow::Cow;
use std::path::PathBuf;
use std::sync::{Arc, Mutex, mpsc};

/// Completes `:` commands and the current step's suggested commands.
#[derive(Default)]
pub(super) struct Completion {
    pub(super) suggested: Vec<String>,
    /// The prompt as it is now: news that moved the learner while the line was being
    /// edited (a release) shows on the prompt at once.
    now: Arc<Mutex<Option<String>>>,
}

/// What the line editor read.
pub(super) enum Read {
    Line(String),
    Interrupted,
    Eof,
    Failed(ReadlineError),
}

/// The line editor on a thread of its own: asked for a line, it reads one while the
/// prompt's other news (the class) arrives on the same channel as the line does.
pub(super) struct Reader {
    asks: Option<mpsc::Sender<(String, Vec<String>)>>,
    thread: Option<std::thread::JoinHandle<()>>,
    prompt_now: Arc<Mutex<Option<String>>>,
    /// Prints above the line being edited; None when the input is not a terminal.
    pub(super) printer: Option<Box<dyn FnMut(String) + Send>>,
}

impl Reader {
    /// Starts the editor; each line read goes to `events` as `wrap(read)`.
    pub(super) fn start<E: Send + 'static>(
        history: PathBuf,
        events: mpsc::Sender<E>,
        wrap: fn(Read) -> E,
    ) -> anyhow::Result<Reader> {
        let (asks_tx, asks_rx) = mpsc::channel::<(String, Vec<String>)>();
        let (ready_tx, ready_rx) = mpsc::channel();
        let prompt_now = Arc::new(Mutex::new(None));
        let now = prompt_now.clone();
        let thread = std::thread::Builder::new().name("line editor".into()).spawn(move || {
            // The highlighter adds no colour; it is what shows the prompt as it is now,
            // and the editor calls it only with colours on (NO_COLOR turns them off).
            let config = rustyline::Config::builder().color_mode(rustyline::ColorMode::Forced).build();
            let made = Editor::<Completion, FileHistory>::with_config(config).map(|mut editor| {
                editor.set_helper(Some(Completion { suggested: Vec::new(), now }));
                let printer = editor.create_external_printer().ok().map(|mut p| {
                    Box::new(move |text: String| {
                        let _ = p.print(text);
                    }) as Box<dyn FnMut(String) + Send>
                });
                (editor, printer)
            });
            let mut editor = match made {
                Ok((editor, printer)) => {
                    let _ = ready_tx.send(Ok(printer));
                    editor
                }
                Err(e) => {
                    let _ = ready_tx.send(Err(e));
                    return;
                }
            };
            let _ = editor.load_history(&history);
            while let Ok((prompt, suggested)) = asks_rx.recv() {
                if let Some(h) = editor.helper_mut() {
                    h.suggested = suggested;
                    *h.now.lock().unwrap_or_else(|p| p.into_inner()) = None;
                }
                let read = match editor.readline(&prompt) {
                    Ok(line) => {
                        let line = line.trim().to_owned();
                        if !line.is_empty() {
                            let _ = editor.add_history_entry(&line);
                            if let Some(dir) = history.parent() {
                                let _ = std::fs::create_dir_all(dir);
                            }
                            let _ = editor.save_history(&history);
                        }
                        Read::Line(line)
                    }
                    Err(ReadlineError::Interrupted) => Read::Interrupted,
                    Err(ReadlineError::Eof) => Read::Eof,
                    Err(e) => Read::Failed(e),
                };
                if events.send(wrap(read)).is_err() {
                    return;
                }
            }
        })?;
        let printer = ready_rx.recv().map_err(|_| anyhow::anyhow!("the line editor did not start"))??;
        Ok(Reader { asks: Some(asks_tx), thread: Some(thread), prompt_now, printer })
    }

    /// Asks for the next line, after `prompt`, with the step's commands to complete.
    pub(super) fn ask(&self, prompt: String, suggested: Vec<String>) {
        if let Some(a) = &self.asks {
            let _ = a.send((prompt, suggested));
        }
    }

    /// The prompt changed while a line is being edited: it shows from the next redraw.
    pub(super) fn prompt_changed(&self, prompt: String) {
        *self.prompt_now.lock().unwrap_or_else(|p| p.into_inner()) = Some(prompt);
    }
}

impl Drop for Reader {
    /// Ends the editor's thread, which gives the terminal back as it was.
    fn drop(&mut self) {
        drop(self.asks.take());
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
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
impl Highlighter for Completion {
    /// The prompt as it is now. The editor places the cursor by the width of the prompt
    /// it was given, so a shorter one is padded to it.
    fn highlight_prompt<'b, 's: 'b, 'p: 'b>(&'s self, prompt: &'p str, _default: bool) -> Cow<'b, str> {
        match self.now.lock().unwrap_or_else(|p| p.into_inner()).as_ref() {
            Some(now) if now != prompt => {
                let pad = prompt.chars().count().saturating_sub(now.chars().count());
                Cow::Owned(format!("{now}{}", " ".repeat(pad)))
            }
            _ => Cow::Borrowed(prompt),
        }
    }
}
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
