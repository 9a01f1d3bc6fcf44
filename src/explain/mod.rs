//! `dockerlearn explain` and the prompt's `:explain`: a docker command broken into its
//! parts in plain words — subcommand, each flag and its value, the image reference and
//! the command after it. Flags it does not know are said to be unknown, never guessed.
//!
//! The words come from a knowledge file (`explain/docker.yaml`, embedded), which
//! authors extend: see `knowledge`. Reading a command line lives in `words` and
//! `parse`; what values mean (`-p A:B`, `-v A:B`) in `values`.

pub mod knowledge;
pub mod parse;
pub mod values;
pub mod words;

pub use knowledge::Knowledge;
pub use parse::{Item, Parsed, parse};

use knowledge::ArgKind;

/// One part of a command and what it means.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Part {
    pub text: String,
    pub meaning: String,
    /// dockerlearn does not know this part.
    pub unknown: bool,
}

/// A command line explained: one list of parts per docker command in it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Explanation {
    pub commands: Vec<Vec<Part>>,
}

impl Explanation {
    /// The parts dockerlearn did not know, as written.
    pub fn unknown(&self) -> Vec<&str> {
        self.commands.iter().flatten().filter(|p| p.unknown).map(|p| p.text.as_str()).collect()
    }
}

/// Explains every docker command in a shell line.
pub fn explain(knowledge: &Knowledge, line: &str) -> Explanation {
    Explanation { commands: words::docker_commands(line).iter().map(|w| explain_words(knowledge, w)).collect() }
}

fn part(text: impl Into<String>, meaning: impl Into<String>) -> Part {
    Part { text: text.into(), meaning: meaning.into(), unknown: false }
}

fn unknown(text: impl Into<String>, meaning: impl Into<String>) -> Part {
    Part { text: text.into(), meaning: meaning.into(), unknown: true }
}

fn explain_words(knowledge: &Knowledge, words: &[String]) -> Vec<Part> {
    let parsed = parse(knowledge, words);
    let mut parts = Vec::new();
    let head = format!("docker {}", parsed.name()).trim_end().to_owned();
    match parsed.command {
        Some(c) => parts.push(part(head, &c.summary)),
        None if parsed.path.is_empty() => parts.push(part("docker", "the docker client, which asks the engine")),
        None => parts.push(part(head, "a group of commands")),
    }
    for item in &parsed.items {
        parts.push(match item {
            Item::Flag { written, flag: Some(f), value, .. } => {
                // `--name web`, or `--name=web` with its value already in it.
                let name = written.split([' ', '=']).next().unwrap_or_default();
                let also: Vec<&str> = f.names.iter().map(String::as_str).filter(|n| *n != name).collect();
                let mut text = match value {
                    Some(v) if !written.contains('=') => format!("{written} {v}"),
                    _ => written.clone(),
                };
                if !also.is_empty() {
                    text = format!("{text}   (also {})", also.join(", "));
                }
                let meaning = match (&f.value, value) {
                    (Some(kind), Some(v)) => match values::value(kind, v) {
                        Some(m) => format!("{}: {m}", f.text),
                        None => f.text.clone(),
                    },
                    _ => f.text.clone(),
                };
                part(text, meaning)
            }
            Item::Flag { written, value, .. } => unknown(
                format!("{written}{}", value.as_ref().map(|v| format!(" {v}")).unwrap_or_default()),
                format!("unknown to dockerlearn: see `docker {} --help` for what it does", parsed.name()),
            ),
            Item::Arg { word, arg: Some(a) } => part(word, arg_meaning(a.kind, &a.what, word)),
            Item::Arg { word, arg: None } => {
                unknown(word, "a word this command does not take, as dockerlearn knows it")
            }
            Item::Command { words, arg } => part(shell_join(words), arg.what.clone()),
            Item::EndOfFlags => {
                part("--", "the end of the flags: the words after it are not flags, even when they start with -")
            }
            Item::UnknownCommand { word, known } => {
                let hint = if known.is_empty() {
                    "see `docker --help`".to_owned()
                } else {
                    format!("known ones: {}", known.join(", "))
                };
                unknown(word, format!("a subcommand unknown to dockerlearn ({hint})"))
            }
        });
    }
    if let (Some(c), false) = (parsed.command, parsed.items.iter().any(|i| matches!(i, Item::Command { .. }))) {
        if c.args.iter().any(|a| a.kind == ArgKind::Command)
            && parsed.items.iter().any(|i| matches!(i, Item::Arg { .. }))
        {
            parts.push(part("(no command)", "the image's own default command runs"));
        }
    }
    parts
}

fn arg_meaning(kind: ArgKind, what: &str, word: &str) -> String {
    if let Some(inner) = words::substituted(word) {
        return format!("{what}: every one that `{inner}` prints, put here by the shell");
    }
    match kind {
        ArgKind::Image => format!("{what}: {}", values::image(word)),
        ArgKind::Copy => format!("{what}: {}", values::copy_end(word)),
        ArgKind::Container | ArgKind::Text | ArgKind::Command => what.to_owned(),
    }
}

/// Words joined back into a line, quoting those with spaces.
pub fn shell_join(words: &[String]) -> String {
    let quoted: Vec<String> = words
        .iter()
        .map(|w| if w.is_empty() || w.contains(char::is_whitespace) { format!("'{w}'") } else { w.clone() })
        .collect();
    quoted.join(" ")
}

/// The explanation as text that fits 80 columns: each part, then its meaning indented.
pub fn render_explanation(line: &str, e: &Explanation) -> String {
    if e.commands.is_empty() {
        return format!("`{}` runs no docker command: dockerlearn explains docker commands.\n", line.trim());
    }
    let options = textwrap::Options::new(80)
        .initial_indent("      ")
        .subsequent_indent("      ")
        .word_separator(textwrap::WordSeparator::AsciiSpace);
    let mut out = String::new();
    for (i, parts) in e.commands.iter().enumerate() {
        if i > 0 {
            out.push('\n');
        }
        for p in parts {
            out.push_str(&format!("  {}{}\n", p.text, if p.unknown { "   (unknown)" } else { "" }));
            out.push_str(&textwrap::fill(&p.meaning, &options));
            out.push('\n');
        }
    }
    let unknown = e.unknown();
    if !unknown.is_empty() {
        out.push_str(&format!(
            "\ndockerlearn does not know {}: it explains only what its knowledge file (explain/docker.yaml) holds.\n",
            unknown.iter().map(|u| format!("`{u}`")).collect::<Vec<_>>().join(", ")
        ));
    }
    out
}

/// Explains a line as typed after `explain`: `docker` may be left out.
pub fn render_with(knowledge: &Knowledge, cmd: &str) -> String {
    let first = cmd.split_whitespace().next().unwrap_or_default();
    let line = if first.is_empty() || first == "docker" || first == "docker-compose" || cmd.contains("docker ") {
        cmd.to_owned()
    } else {
        format!("docker {cmd}")
    };
    render_explanation(&line, &explain(knowledge, &line))
}

/// `:explain CMD` at the prompt: the built-in knowledge with `DOCKERLEARN_EXPLAIN`'s
/// file merged over it (an unreadable file is reported, the built-in one used).
pub fn render(cmd: &str) -> String {
    match Knowledge::load(None) {
        Ok(k) => render_with(&k, cmd),
        Err(e) => format!("{e:#}\n{}", render_with(&Knowledge::builtin(), cmd)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn shown(line: &str) -> String {
        render_explanation(line, &explain(&Knowledge::builtin(), line))
    }

    #[test]
    fn the_jupyter_line() {
        insta::assert_snapshot!(shown(
            r#"docker run -it --rm -p 8888:8888 -v "$PWD":/home/jovyan/work quay.io/jupyter/minimal-notebook"#
        ));
    }

    #[test]
    fn a_substitution_and_an_exec() {
        insta::assert_snapshot!(shown("docker rm -f $(docker ps -aq --filter ancestor=hello-world)"));
        insta::assert_snapshot!(shown(
            "docker exec -it -e PGUSER=postgres some-postgres psql -c 'select 1' && docker cp notes.txt reader:/tmp/n"
        ));
    }

    #[test]
    fn a_value_given_with_equals_is_shown_once() {
        let text = shown("docker run --name=web -d nginx");
        assert!(text.contains("  --name=web\n"), "{text}");
        assert!(!text.contains("--name=web web") && !text.contains("(also --name)"), "{text}");
        assert!(shown("docker run --name web nginx").contains("  --name web\n"));
    }

    #[test]
    fn unknown_flags_are_said_unknown() {
        let e = explain(&Knowledge::builtin(), "docker run --frobnicate -p 80 busybox");
        assert_eq!(e.unknown(), ["--frobnicate"]);
        let text = render_explanation("docker run --frobnicate -p 80 busybox", &e);
        assert!(text.contains("--frobnicate   (unknown)"), "{text}");
        assert!(shown("docker frob").contains("a subcommand unknown to dockerlearn"));
        assert!(shown("ls -l").contains("runs no docker command"));
        assert_eq!(render("ps -a"), shown("docker ps -a"), "`docker` may be left out");
    }

    #[test]
    fn lines_fit_80_columns() {
        let text = shown(
            "docker run -d --name web -p 127.0.0.1:8080:80 --mount type=bind,source=$PWD,target=/usr/share/nginx/html,readonly nginx:alpine",
        );
        for line in text.lines().filter(|l| l.starts_with("      ")) {
            assert!(line.chars().count() <= 80, "{line}");
        }
    }
}
