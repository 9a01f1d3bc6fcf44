//! Everything dockerlearn prints. Markdown goes through termimad on a terminal and is
//! printed as written elsewhere (pipes, tests, `NO_COLOR`). Write errors are ignored so a
//! closed pipe (`dockerlearn show x | head`) ends quietly. Text that came from the user
//! (arguments, file names) is shown with its control characters escaped, so it cannot
//! drive the terminal. Progress bars live in `progress`.

mod command_lines;
pub mod progress;

use crate::check::{Outcome, Status, Verdict};
use crate::course::Course;
use crate::progress::CourseProgress;
use crate::session::{CheckMode, META_HELP, Position};
use std::io::{IsTerminal, Write};
use termimad::MadSkin;

/// The meta-commands that work in the sandbox.
/// What Ctrl-C does at the prompt, for both helps.
const CTRL_C: &str = "Ctrl-C goes to the running command: a container in the foreground gets it, and one that ignores it keeps the prompt waiting (stop it from another terminal: `docker stop NAME`)";

/// The prompt's commands that do something in the sandbox.
const SANDBOX_COMMANDS: &[&str] = &[":what", ":map", ":explain CMD", ":help", ":quit"];

/// Prints above the line being edited at the prompt.
pub type Printer = Box<dyn FnMut(String) + Send>;

pub struct Ui {
    skin: Option<MadSkin>,
    /// The Compose the learner has, for lessons that use it (found on first need).
    compose: std::cell::OnceCell<Option<crate::engine::tools::Compose>>,
    /// While the learner edits a line at the prompt, what is printed is gathered and
    /// goes above the line through the line editor (news from the class), not across it.
    above_prompt: std::cell::RefCell<Option<(Printer, String)>>,
}

impl Ui {
    /// Styled on a terminal unless `NO_COLOR` is set; plain otherwise.
    pub fn for_stdout() -> Ui {
        let styled = std::io::stdout().is_terminal() && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty());
        Ui { skin: styled.then(skin), compose: std::cell::OnceCell::new(), above_prompt: Default::default() }
    }

    /// Whether this terminal shows colour (a terminal, and `NO_COLOR` unset).
    pub fn coloured(&self) -> bool {
        self.skin.is_some()
    }

    /// Prints text dockerlearn drew itself, colour codes and all (a map, a diagram):
    /// nothing in it comes unescaped from the user.
    pub fn drawing(&self, text: &str) {
        self.out(&format!("{}\n", text.trim_end()));
    }

    /// Asks a yes/no question on the terminal; anything but `y` or `yes` is no.
    pub fn ask(&self, question: &str) -> bool {
        self.out(&format!("{} [y/N] ", escape_keeping_lines(question)));
        let mut answer = String::new();
        std::io::stdin().read_line(&mut answer).is_ok() && matches!(answer.trim(), "y" | "Y" | "yes")
    }

    /// From now until `printing_below`, output is gathered for `printer` (above the
    /// line being edited), which gets it at each `flush_above`.
    pub fn printing_above(&self, printer: Printer) {
        *self.above_prompt.borrow_mut() = Some((printer, String::new()));
    }

    /// Prints what was gathered above the line being edited, in one piece: the line
    /// editor redraws its prompt once, after it.
    pub fn flush_above(&self) {
        if let Some((print, gathered)) = self.above_prompt.borrow_mut().as_mut() {
            if !gathered.is_empty() {
                print(std::mem::take(gathered));
            }
        }
    }

    /// Output goes to stdout again; the printer is handed back.
    pub fn printing_below(&self) -> Option<Printer> {
        self.flush_above();
        self.above_prompt.borrow_mut().take().map(|(print, _)| print)
    }

    fn out(&self, text: &str) {
        if let Some((_, gathered)) = self.above_prompt.borrow_mut().as_mut() {
            gathered.push_str(text);
            return;
        }
        let mut out = std::io::stdout().lock();
        let _ = out.write_all(text.as_bytes());
        let _ = out.flush();
    }

    /// Prints plain text; control characters other than line breaks and tabs are escaped
    /// (paths and names in it may come from the user).
    pub fn line(&self, text: &str) {
        self.out(&format!("{}\n", escape_keeping_lines(text)));
    }

    fn compose(&self) -> Option<&crate::engine::tools::Compose> {
        self.compose.get_or_init(crate::engine::tools::compose).as_ref()
    }

    /// Lesson text as this learner must type it (`docker-compose` where only v1 exists).
    fn lesson_text(&self, text: &str) -> String {
        if text.contains("docker compose ") {
            crate::engine::tools::rewrite(text, self.compose())
        } else {
            text.to_owned()
        }
    }

    /// Prints Markdown: rendered on a terminal, as written otherwise. On a terminal a
    /// command wider than it is split with ` \` continuations and printed unwrapped, so
    /// that it can be copied from the screen.
    pub fn markdown(&self, text: &str) {
        let shown = fences_for_display(&self.lesson_text(text), terminal_width());
        match &self.skin {
            Some(skin) => {
                let rendered = format!("{}", skin.term_text(&shown.markdown));
                self.out(&unwrapped_code(&rendered, &shown.unwrapped, Some(skin)));
            }
            None => {
                let text = unwrapped_code(&shown.markdown, &shown.unwrapped, None);
                self.out(&format!("{}\n", text.trim_end()));
            }
        }
    }

    /// Prints to stderr; control characters other than line breaks and tabs are escaped.
    pub fn error(&self, text: &str) {
        if let Some((_, gathered)) = self.above_prompt.borrow_mut().as_mut() {
            gathered.push_str(&format!("{}\n", escape_keeping_lines(text)));
            return;
        }
        let _ = writeln!(std::io::stderr(), "{}", escape_keeping_lines(text));
    }

    /// The result of `dockerlearn check`, as text or as JSON.
    pub fn check_result(&self, report: &CheckReport<'_>, step_title: &str, json: bool) -> anyhow::Result<()> {
        if json {
            self.line(&serde_json::to_string_pretty(report)?);
        } else {
            let state = if report.passed { "passed" } else { "not passed yet" };
            self.line(&format!("{}/{} ({step_title}): {state}", report.lesson, report.step));
            self.line(&render_verdict_outcomes(report.outcomes));
        }
        Ok(())
    }

    pub fn welcome(&self, course: &Course) {
        self.markdown(&format!("# {}\n\n{}", course.title, course.welcome.trim()));
        self.help_line();
    }

    fn help_line(&self) {
        self.line("Type shell commands at the prompt as you would in a terminal. Commands for dockerlearn start with `:` (:help lists them).\n");
    }

    pub fn lesson_intro(&self, course: &Course, index: usize) {
        let l = &course.lessons[index].lesson;
        let mut md = format!("# Lesson {}/{}: {}\n\n", index + 1, course.lessons.len(), l.title);
        if let Some(m) = l.minutes {
            md.push_str(&format!("*About {m} minutes, {} steps.*\n\n", l.steps.len()));
        }
        if !l.objectives.is_empty() {
            md.push_str("You will:\n");
            for o in &l.objectives {
                md.push_str(&format!("* {o}\n"));
            }
            md.push('\n');
        }
        md.push_str(&l.intro);
        self.markdown(&md);
        let mentions_compose = l.steps.iter().any(|s| s.body.contains("docker compose "));
        if mentions_compose {
            self.line(&format!("\n{}", crate::engine::tools::describe(self.compose())));
        }
    }

    pub fn step(&self, course: &Course, at: Position) {
        let l = &course.lessons[at.lesson].lesson;
        let s = &l.steps[at.step];
        self.line("");
        self.markdown(&format!("## Step {}/{}: {}\n\n{}", at.step + 1, l.steps.len(), s.title, s.body));
        if s.reading_only {
            self.line("(Nothing to check here: type :next when you are ready.)");
        }
    }

    pub fn hint(&self, tier: usize, of: usize, text: &str) {
        self.markdown(&format!("**Hint {tier}/{of}:** {text}"));
        if tier < of {
            self.line("(Type :hint again for a stronger hint.)");
        } else {
            self.line("(That was the last hint. :solution shows the answer.)");
        }
    }

    pub fn no_more_hints(&self) {
        self.line("No more hints for this step. Type :solution to see the answer.");
    }

    pub fn solution(&self, course: &Course, at: Position) {
        let s = &course.lessons[at.lesson].lesson.steps[at.step];
        match &s.solution {
            Some(sol) => self.markdown(&format!("**Solution:**\n\n{}", sol.text)),
            None if s.reading_only => self.line("This step has nothing to solve: type :next."),
            None => self.line("This step has no written solution. Try :hint."),
        }
    }

    pub fn verdict(&self, verdict: &Verdict, mode: CheckMode) {
        if mode == CheckMode::Auto && !verdict.passed() {
            let Some(first) = verdict.first_failure() else {
                return;
            };
            if first.status == Status::Unknown {
                self.line(&format!(
                    "The engine did not answer: {}\n  Type :check once it runs again. Your progress is saved.",
                    indent(&first.found, 2)
                ));
            } else {
                let text = format!("Not yet: {}.\n  Found: {}", first.expected, sentence(&first.found));
                self.line(&self.lesson_text(&text));
                self.line("  (:check shows every assertion, :hint helps.)");
            }
            return;
        }
        self.line(&self.lesson_text(&render_verdict(verdict)));
    }

    pub fn step_passed(&self) {
        self.line("Step complete.");
    }

    pub fn lesson_complete(&self, course: &Course, index: usize) {
        self.line(&format!("\n*** Lesson complete: {} ***", course.lessons[index].lesson.title));
    }

    /// The end of the last lesson: the course is finished, or it says what is left.
    pub fn course_complete(&self, course: &Course, unfinished: &[String]) {
        if unfinished.is_empty() {
            self.line(&format!(
                "\nYou have finished {}. Well done!\nRevisit any lesson with :lesson ID, or type :quit.",
                course.title
            ));
        } else {
            self.line("\nThat was the last lesson of the course.");
            self.notice(&format!(
                "Not finished yet: {} ({} of {} lessons). `:lesson ID` goes to one, `:progress` shows each step.",
                unfinished.join(", "),
                unfinished.len(),
                course.lessons.len()
            ));
        }
    }

    /// A notice of the prompt's (a warning, a hint of what to do), wrapped to the
    /// terminal's width.
    pub fn notice(&self, text: &str) {
        self.told(text);
    }

    /// One line of what a command changed, wrapped to the terminal's width.
    pub fn told(&self, text: &str) {
        match terminal_width() {
            Some(width) => self.line(&wrap(text, width)),
            None => self.line(text),
        }
    }

    pub fn help(&self) {
        let mut s = String::from("dockerlearn commands (anything else runs in your shell):\n");
        let width = META_HELP.iter().map(|(c, _)| c.len()).max().unwrap_or(0);
        for (cmd, what) in META_HELP {
            s.push_str(&format!("  {cmd:<width$} {what}\n"));
        }
        s.push_str(CTRL_C);
        s.push_str("; Ctrl-D saves and leaves.");
        self.line(&s);
    }

    /// The sandbox's own commands: the lesson's are no use there.
    pub fn sandbox_help(&self) {
        let mut s = String::from("In the sandbox (anything else runs in your shell, and what it changed is told):\n");
        s.push_str(&format!("  {:<14} {}\n", ":sandbox", "to the course (your lesson's place is kept)"));
        for (cmd, what) in META_HELP.iter().filter(|(c, _)| SANDBOX_COMMANDS.contains(c)) {
            s.push_str(&format!("  {cmd:<14} {what}\n"));
        }
        s.push_str(CTRL_C);
        s.push_str("; Ctrl-D leaves.");
        self.line(&s);
    }

    pub fn lessons(&self, course: &Course, progress: &CourseProgress, current: Option<usize>) {
        self.line(&lesson_table(course, progress, current));
    }

    pub fn progress(&self, course: &Course, progress: &CourseProgress) {
        let (done, total) = course.lessons.iter().fold((0, 0), |(d, t), l| {
            let passed = l.lesson.steps.iter().filter(|s| progress.passed(&l.lesson.id, &s.id)).count();
            (d + passed, t + l.lesson.steps.len())
        });
        self.line(&format!("{done} of {total} steps done in {}.", course.title));
        self.line(&lesson_table(course, progress, None));
    }

    /// A whole lesson for reading (`dockerlearn show`).
    pub fn show_lesson(&self, course: &Course, index: usize, solutions: bool) {
        self.lesson_intro(course, index);
        let l = &course.lessons[index].lesson;
        for (i, s) in l.steps.iter().enumerate() {
            self.step(course, Position { lesson: index, step: i });
            for (t, h) in s.hints.iter().enumerate() {
                if solutions {
                    self.markdown(&format!("**Hint {}/{}:** {h}", t + 1, s.hints.len()));
                }
            }
            if solutions {
                self.solution(course, Position { lesson: index, step: i });
            }
        }
        if !solutions {
            self.line("\n(Hints and solutions are hidden: add --solutions to see them.)");
        }
    }
}

/// What `dockerlearn check --json` prints.
#[derive(serde::Serialize)]
pub struct CheckReport<'a> {
    pub course: &'a str,
    pub lesson: &'a str,
    pub step: &'a str,
    pub passed: bool,
    pub outcomes: &'a [Outcome],
}

/// User-provided text made safe to print on one line: control characters (escape
/// sequences, bells, line breaks) are shown escaped, as `\u{1b}`.
pub fn escape(text: &str) -> std::borrow::Cow<'_, str> {
    if !text.chars().any(char::is_control) {
        return text.into();
    }
    text.chars()
        .map(|c| if c.is_control() { c.escape_default().to_string() } else { c.to_string() })
        .collect::<String>()
        .into()
}

/// As `escape`, but line breaks and tabs stay: for whole messages.
/// The width of the terminal on stdout; None when stdout is not a terminal or the
/// terminal does not say (then text is printed unwrapped).
fn terminal_width() -> Option<usize> {
    let out = std::io::stdout();
    if !out.is_terminal() {
        return None;
    }
    rustix::termios::tcgetwinsize(&out).ok().map(|w| usize::from(w.ws_col)).filter(|w| *w >= 20)
}

/// `text` wrapped to `width` columns, line by line: a continued line is indented two
/// more than its first, and words are never broken (a URL or a path stays whole).
pub fn wrap(text: &str, width: usize) -> String {
    let mut out: Vec<String> = Vec::new();
    for line in text.lines() {
        let indent = &line[..line.len() - line.trim_start().len()];
        let rest = format!("{indent}  ");
        let options = textwrap::Options::new(width)
            .initial_indent(indent)
            .subsequent_indent(&rest)
            .break_words(false)
            .word_separator(textwrap::WordSeparator::AsciiSpace)
            .word_splitter(textwrap::WordSplitter::NoHyphenation)
            .wrap_algorithm(textwrap::WrapAlgorithm::FirstFit);
        let wrapped = textwrap::wrap(line.trim_start(), options);
        if wrapped.is_empty() {
            out.push(String::new());
        }
        out.extend(wrapped.into_iter().map(|l| l.into_owned()));
    }
    out.join("\n")
}

fn escape_keeping_lines(text: &str) -> std::borrow::Cow<'_, str> {
    if !text.chars().any(|c| c.is_control() && c != '\n' && c != '\t') {
        return text.into();
    }
    text.split('\n')
        .map(|line| line.split('\t').map(|p| escape(p).into_owned()).collect::<Vec<_>>().join("\t"))
        .collect::<Vec<_>>()
        .join("\n")
        .into()
}

/// An error and its causes on one line, each cause said once: a message that already
/// quotes its source (`could not read f: Not a directory`) is not followed by it again.
pub fn error_chain(e: &anyhow::Error) -> String {
    let mut out = String::new();
    for cause in e.chain() {
        let text = cause.to_string();
        if out.contains(&text) {
            continue;
        }
        if !out.is_empty() {
            out.push_str(": ");
        }
        out.push_str(&text);
    }
    out
}

/// One line per assertion: a mark, what was expected, and what was found.
pub fn render_verdict(verdict: &Verdict) -> String {
    render_verdict_outcomes(&verdict.outcomes)
}

fn render_verdict_outcomes(outcomes: &[Outcome]) -> String {
    let mut s = String::new();
    // An engine that cannot be asked is said once, not under every assertion.
    if let Some(problem) = outcomes.iter().find(|o| o.status == Status::Unknown) {
        s.push_str(&format!(
            "  Could not ask the engine: {}
",
            indent(&problem.found, 2)
        ));
    }
    for o in outcomes {
        let mark = match o.status {
            Status::Pass => "PASS",
            Status::Fail => "FAIL",
            Status::Unknown => "----",
        };
        s.push_str(&format!("  {mark} {}\n", o.expected));
        if o.status != Status::Unknown {
            s.push_str(&format!("       {}\n", indent(&o.found, 7)));
        }
        if o.status == Status::Fail {
            if let Some(h) = &o.hint {
                s.push_str(&format!("       hint: {h}\n"));
            }
        }
    }
    s.trim_end().to_owned()
}

/// Ends a message with a full stop unless it already ends a sentence.
fn sentence(text: &str) -> String {
    let t = text.trim_end();
    if t.ends_with(['.', '?', '!', ':']) { t.to_owned() } else { format!("{t}.") }
}

fn indent(text: &str, by: usize) -> String {
    text.lines().collect::<Vec<_>>().join(&format!("\n{}", " ".repeat(by)))
}

/// The lessons with how far the learner got in each.
pub fn lesson_table(course: &Course, progress: &CourseProgress, current: Option<usize>) -> String {
    let width = course.lessons.iter().map(|l| l.lesson.id.len()).max().unwrap_or(0);
    let mut s = String::new();
    for (i, cl) in course.lessons.iter().enumerate() {
        let l = &cl.lesson;
        let passed = l.steps.iter().filter(|st| progress.passed(&l.id, &st.id)).count();
        let state = if passed == l.steps.len() {
            "done".to_owned()
        } else if passed == 0 {
            "not started".to_owned()
        } else {
            format!("{passed}/{} steps", l.steps.len())
        };
        let marker = if current == Some(i) { ">" } else { " " };
        let minutes = l.minutes.map(|m| format!("{m:>3} min")).unwrap_or_default();
        s.push_str(&format!("{marker}{:>2}. {:<width$}  {:<34} {minutes}  {state}\n", i + 1, l.id, l.title));
    }
    s.trim_end().to_owned()
}

/// Markdown ready for termimad, with the code lines it must not wrap taken out.
struct Displayed {
    markdown: String,
    /// Code lines printed as they are: the markdown holds `placeholder(i)` for line i.
    unwrapped: Vec<String>,
}

/// Stands for an unwrapped code line in the markdown given to termimad.
fn placeholder(i: usize) -> String {
    format!("\u{E000}{i}\u{E001}")
}

/// Code fences keep only their language, so `sh run` does not show; a runnable block
/// is announced instead. Given the terminal's `width`, a shell command wider than it is
/// split with ` \` continuations, and every code line that was split or is still too
/// wide is taken out of termimad's hands (it would wrap it anywhere).
fn fences_for_display(md: &str, width: Option<usize>) -> Displayed {
    let mut out = Displayed { markdown: String::new(), unwrapped: Vec::new() };
    let mut block: Option<(bool, Vec<&str>)> = None;
    for line in md.lines() {
        let t = line.trim_start();
        if !t.starts_with("```") {
            match &mut block {
                Some((_, code)) => code.push(line),
                None => {
                    out.markdown.push_str(line);
                    out.markdown.push('\n');
                }
            }
            continue;
        }
        match block.take() {
            None => {
                let info = crate::lesson::parse::FenceInfo::parse(t.trim_start_matches('`'));
                if info.runnable {
                    out.markdown.push_str("Try this at the prompt:\n\n");
                }
                out.markdown.push_str("```");
                if !info.runnable {
                    out.markdown.push_str(&info.language);
                }
                out.markdown.push('\n');
                let shell = info.runnable || matches!(info.language.as_str(), "sh" | "bash" | "shell" | "console");
                block = Some((shell, Vec::new()));
            }
            Some((shell, code)) => {
                out.code(&code, shell, width);
                out.markdown.push_str("```\n");
            }
        }
    }
    if let Some((shell, code)) = block {
        out.code(&code, shell, width);
    }
    out
}

impl Displayed {
    fn code(&mut self, code: &[&str], shell: bool, width: Option<usize>) {
        let Some(width) = width else {
            for line in code {
                self.markdown.push_str(line);
                self.markdown.push('\n');
            }
            return;
        };
        let fitted = if shell {
            command_lines::fit_block(&code.join("\n"), width)
        } else {
            code.iter().map(|l| vec![(*l).to_owned()]).collect()
        };
        for pieces in fitted {
            let whole = pieces.len() == 1 && textwrap::core::display_width(&pieces[0]) < width;
            for piece in pieces {
                if whole {
                    self.markdown.push_str(&piece);
                } else {
                    self.markdown.push_str(&placeholder(self.unwrapped.len()));
                    self.unwrapped.push(piece);
                }
                self.markdown.push('\n');
            }
        }
    }
}

/// termimad's output (or the markdown, printed as written) with each placeholder's
/// line replaced by its code line, styled as code and not wrapped.
fn unwrapped_code(rendered: &str, unwrapped: &[String], skin: Option<&MadSkin>) -> String {
    if unwrapped.is_empty() {
        return rendered.to_owned();
    }
    let mut next = 0;
    let mut out = String::new();
    for line in rendered.split_inclusive('\n') {
        if next < unwrapped.len() && line.contains(&placeholder(next)) {
            let end = if line.ends_with('\n') { "\n" } else { "" };
            match skin {
                Some(skin) => {
                    out.push_str(&format!("{}{end}", skin.code_block.compound_style.apply_to(&unwrapped[next])))
                }
                None => out.push_str(&format!("{}{end}", unwrapped[next])),
            }
            next += 1;
        } else {
            out.push_str(line);
        }
    }
    out
}

fn skin() -> MadSkin {
    let mut skin = MadSkin::default();
    skin.set_headers_fg(termimad::crossterm::style::Color::Cyan);
    skin.bold.set_fg(termimad::crossterm::style::Color::Yellow);
    skin
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn notices_wrap_by_words_and_keep_their_indent() {
        let told = "container web: created from nginx:alpine, started\n  port 8080 on your computer reaches port 80/tcp in web: open http://localhost:8080";
        assert_eq!(
            wrap(told, 40),
            "container web: created from\n  nginx:alpine, started\n  port 8080 on your computer reaches\n    port 80/tcp in web: open\n    http://localhost:8080"
        );
        let long = "/home/ada/a-very-long-folder-name-that-is-wider-than-the-terminal";
        assert_eq!(wrap(&format!("see {long}"), 30), format!("see\n  {long}"), "words are not broken");
        assert_eq!(wrap("a\n\nb", 30), "a\n\nb");
    }

    #[test]
    fn control_characters_from_the_user_are_escaped() {
        assert_eq!(escape("plain"), "plain");
        assert_eq!(escape("\u{1b}[31mX"), "\\u{1b}[31mX");
        assert_eq!(escape_keeping_lines("a\n\tb\u{7}"), "a\n\tb\\u{7}");
    }

    #[test]
    fn an_error_chain_says_each_cause_once() {
        let io = std::io::Error::new(std::io::ErrorKind::NotFound, "Not a directory");
        let e = anyhow::Error::new(io).context("could not read f: Not a directory");
        assert_eq!(error_chain(&e), "could not read f: Not a directory");
        let e = anyhow::anyhow!("inner").context("outer");
        assert_eq!(error_chain(&e), "outer: inner");
    }

    #[test]
    fn runnable_fences_are_announced() {
        let s = fences_for_display("Run:\n```sh run\ndocker ps\n```\n```text\nout\n```\n", None).markdown;
        assert_eq!(s, "Run:\nTry this at the prompt:\n\n```\ndocker ps\n```\n```text\nout\n```\n");
    }

    #[test]
    fn a_command_wider_than_the_terminal_is_split_and_kept_from_the_wrapper() {
        let md = "```sh run\ndocker run --name some-postgres -e POSTGRES_PASSWORD=mysecretpassword -d -p 5432:5432 --rm postgres:16-alpine\ndocker ps\n```\n";
        let shown = fences_for_display(md, Some(80));
        assert_eq!(
            shown.unwrapped,
            [
                "docker run --name some-postgres -e POSTGRES_PASSWORD=mysecretpassword -d -p \\",
                "5432:5432 --rm postgres:16-alpine"
            ]
        );
        let rendered =
            unwrapped_code(&format!("{}", skin().term_text(&shown.markdown)), &shown.unwrapped, Some(&skin()));
        let plain = regex::Regex::new("\u{1b}\\[[0-9;]*m").unwrap().replace_all(&rendered, "").into_owned();
        assert!(plain.contains("-d -p \\\n5432:5432 --rm postgres:16-alpine\n"), "{plain}");
        assert!(plain.contains("\ndocker ps"), "{plain}");
    }
}
