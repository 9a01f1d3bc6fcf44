//! One docker command's words, read the way docker reads them: which subcommand,
//! which flags with which values (`-p X`, `--name=X`, `-it`, `--`), which arguments.
//! The guard reads commands through this too, so both agree on what a word is.

use super::knowledge::{Arg, ArgKind, Command, Flag, Knowledge};

/// A docker command, read.
#[derive(Debug, Clone)]
pub struct Parsed<'k> {
    /// The subcommand's words (`volume`, `create`); empty when none was recognised.
    pub path: Vec<String>,
    pub command: Option<&'k Command>,
    pub items: Vec<Item<'k>>,
}

#[derive(Debug, Clone)]
pub enum Item<'k> {
    /// A flag as written (`-i` from `-it`), what it is (None: unknown) and its value.
    Flag { written: String, name: String, flag: Option<&'k Flag>, value: Option<String> },
    /// A word after the flags, and what the command takes there (None: one too many).
    Arg { word: String, arg: Option<&'k Arg> },
    /// The command for inside the container, after the image.
    Command { words: Vec<String>, arg: &'k Arg },
    /// `--`: what follows is not flags.
    EndOfFlags,
    /// A word that names no subcommand dockerlearn knows.
    UnknownCommand { word: String, known: Vec<String> },
}

impl Parsed<'_> {
    /// The flags given, by any of their names: (canonical first name, value).
    pub fn flags(&self) -> impl Iterator<Item = (&str, Option<&str>)> {
        self.items.iter().filter_map(|i| match i {
            Item::Flag { flag: Some(f), value, .. } => Some((f.names[0].as_str(), value.as_deref())),
            _ => None,
        })
    }

    /// Whether a flag was given, by any of its names (`-a` finds `--all`).
    pub fn has(&self, name: &str) -> bool {
        self.items.iter().any(|i| matches!(i, Item::Flag { flag: Some(f), .. } if f.names.iter().any(|n| n == name)))
    }

    /// The values of a flag, by any of its names.
    pub fn values(&self, name: &str) -> Vec<&str> {
        self.items
            .iter()
            .filter_map(|i| match i {
                Item::Flag { flag: Some(f), value: Some(v), .. } if f.names.iter().any(|n| n == name) => {
                    Some(v.as_str())
                }
                _ => None,
            })
            .collect()
    }

    /// The arguments (words after the flags, not the container's command).
    pub fn args(&self) -> Vec<&str> {
        self.items
            .iter()
            .filter_map(|i| match i {
                Item::Arg { word, .. } => Some(word.as_str()),
                _ => None,
            })
            .collect()
    }

    /// `volume rm` for `docker volume rm x`.
    pub fn name(&self) -> String {
        self.path.join(" ")
    }

    /// Flags and subcommands dockerlearn does not know, as written.
    pub fn unknown(&self) -> Vec<String> {
        self.items
            .iter()
            .filter_map(|i| match i {
                Item::Flag { written, flag: None, .. } => Some(written.clone()),
                Item::UnknownCommand { word, .. } => Some(word.clone()),
                _ => None,
            })
            .collect()
    }
}

/// Reads `words` (starting with `docker`).
pub fn parse<'k>(knowledge: &'k Knowledge, words: &[String]) -> Parsed<'k> {
    let mut parsed = Parsed { path: Vec::new(), command: None, items: Vec::new() };
    let mut rest = words.iter().skip(1).cloned().peekable();
    let mut positional = 0usize;
    let mut flags_done = false;
    while let Some(word) = rest.next() {
        let path = parsed.name();
        let choosing = parsed.command.is_none() || (positional == 0 && knowledge.is_group(&path));
        // After the image (or container) of run/exec, every word is the command's.
        let args = parsed.command.map(|c| c.args.as_slice()).unwrap_or_default();
        if let Some(a) = args.get(positional).filter(|a| a.kind == ArgKind::Command && positional > 0) {
            let mut words = vec![word];
            words.extend(rest.by_ref());
            parsed.items.push(Item::Command { words, arg: a });
            break;
        }
        if !flags_done && word == "--" {
            flags_done = true;
            parsed.items.push(Item::EndOfFlags);
            continue;
        }
        if !flags_done && word.starts_with('-') && word.len() > 1 {
            read_flag(parsed.command, &word, &mut rest, &mut parsed.items);
            continue;
        }
        if choosing {
            let candidate = if path.is_empty() { word.clone() } else { format!("{path} {word}") };
            if knowledge.command(&candidate).is_some() || knowledge.is_group(&candidate) {
                parsed.path.push(word);
                parsed.command = knowledge.command(&candidate);
                continue;
            }
            if parsed.command.is_none() || parsed.command.is_some_and(|c| c.args.is_empty()) {
                let known = if path.is_empty() { Vec::new() } else { knowledge.subcommands(&path) };
                parsed.items.push(Item::UnknownCommand { word, known: known.iter().map(|s| s.to_string()).collect() });
                // Nothing after an unknown command can be read with confidence.
                for w in rest.by_ref() {
                    parsed.items.push(Item::Arg { word: w, arg: None });
                }
                break;
            }
        }
        let arg = args.get(positional).or_else(|| args.last().filter(|a| a.many));
        positional += 1;
        match arg {
            Some(a) if a.kind == ArgKind::Command => {
                let mut words = vec![word];
                words.extend(rest.by_ref());
                parsed.items.push(Item::Command { words, arg: a });
            }
            _ => parsed.items.push(Item::Arg { word, arg }),
        }
    }
    parsed
}

/// Reads one flag word (and its value, which may be the next word).
fn read_flag<'k>(
    command: Option<&'k Command>,
    word: &str,
    rest: &mut impl Iterator<Item = String>,
    items: &mut Vec<Item<'k>>,
) {
    let find = |name: &str| command.and_then(|c| c.flag(name));
    if let Some(long) = word.strip_prefix("--") {
        let (name, inline) = match long.split_once('=') {
            Some((n, v)) => (format!("--{n}"), Some(v.to_owned())),
            None => (word.to_owned(), None),
        };
        let flag = find(&name);
        let value = match (flag.and_then(|f| f.value.as_ref()), inline) {
            (_, Some(v)) => Some(v),
            (Some(_), None) => rest.next(),
            (None, None) => None,
        };
        items.push(Item::Flag { written: word.to_owned(), name, flag, value });
        return;
    }
    // Short flags, perhaps several in one word (`-it`), the last perhaps with its value.
    let chars: Vec<char> = word[1..].chars().collect();
    for (i, c) in chars.iter().enumerate() {
        let name = format!("-{c}");
        let flag = find(&name);
        let written = if chars.len() > 1 { format!("{name} (in {word})") } else { name.clone() };
        if flag.is_some_and(|f| f.value.is_some()) {
            let attached: String = chars[i + 1..].iter().collect();
            let attached = attached.strip_prefix('=').map(str::to_owned).unwrap_or(attached);
            let value = if attached.is_empty() { rest.next() } else { Some(attached) };
            items.push(Item::Flag { written, name, flag, value });
            return;
        }
        items.push(Item::Flag { written, name, flag, value: None });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read(k: &Knowledge, line: &str) -> Vec<String> {
        let words = super::super::words::words(line);
        parse(k, &words)
            .items
            .iter()
            .map(|i| match i {
                Item::Flag { written, flag, value, .. } => {
                    format!("{}{written}={}", if flag.is_some() { "" } else { "?" }, value.clone().unwrap_or_default())
                }
                Item::Arg { word, arg } => format!("{}arg {word}", if arg.is_some() { "" } else { "?" }),
                Item::Command { words, .. } => format!("cmd {}", words.join(" ")),
                Item::EndOfFlags => "--".into(),
                Item::UnknownCommand { word, .. } => format!("?command {word}"),
            })
            .collect()
    }

    #[test]
    fn flags_in_every_form() {
        let k = Knowledge::builtin();
        assert_eq!(
            read(&k, "docker run -it --name=web -p8080:80 -e A=1 --rm -x busybox -c 'echo -n hi'"),
            [
                "-i (in -it)=",
                "-t (in -it)=",
                "--name=web=web",
                "-p (in -p8080:80)=8080:80",
                "-e=A=1",
                "--rm=",
                "?-x=",
                "arg busybox",
                "cmd -c echo -n hi"
            ]
        );
    }

    #[test]
    fn subcommands_and_end_of_flags() {
        let k = Knowledge::builtin();
        let parsed = parse(&k, &super::super::words::words("docker volume rm -f -- -odd"));
        assert_eq!(parsed.name(), "volume rm");
        assert!(parsed.has("--force"));
        assert_eq!(parsed.args(), ["-odd"]);
        assert_eq!(read(&k, "docker volume frob x"), ["?command frob", "?arg x"]);
        assert_eq!(read(&k, "docker compose -f a.yml up -d"), ["-f=a.yml", "-d="]);
        assert_eq!(read(&k, "docker stop -t 2 a b"), ["-t=2", "arg a", "arg b"]);
    }
}
