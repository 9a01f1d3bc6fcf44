//! Shell commands shown whole in a narrow terminal. A renderer that wraps a long
//! command breaks it for copying: the pasted second half runs as a command of its own.
//! So a command wider than the terminal is split here, at word boundaries, with ` \`
//! continuations: pasted into sh, the lines join back into the command as written.
//! Never inside quotes, a comment or a heredoc's body, where a backslash does not
//! continue a line; a word wider than the terminal stays whole on its own line.

use textwrap::core::display_width;

/// The lines of a shell code block, each split to fit `width` columns where it can:
/// one entry per line of `code`, holding its pieces (one when it is left as it is).
pub fn fit_block(code: &str, width: usize) -> Vec<Vec<String>> {
    let mut lexer = Lexer::default();
    code.lines()
        .map(|line| {
            let breaks = lexer.line(line);
            split_at(line, &breaks, width)
        })
        .collect()
}

/// Greedy: each piece takes as many words as fit with its ` \`.
fn split_at(line: &str, breaks: &[usize], width: usize) -> Vec<String> {
    let mut pieces = Vec::new();
    let mut start = 0;
    while display_width(&line[start..]) > width {
        let mut after_start = breaks.iter().copied().filter(|&b| b > start);
        let fitting = after_start.clone().rfind(|&b| display_width(&line[start..=b]) < width);
        let Some(b) = fitting.or_else(|| after_start.next()) else {
            break;
        };
        pieces.push(format!("{}\\", &line[start..=b]));
        start = b + 1;
    }
    pieces.push(line[start..].to_owned());
    pieces
}

/// What the shell is inside of at the end of a line, carried to the next.
#[derive(Default)]
struct Lexer {
    single: bool,
    double: bool,
    /// Heredoc delimiters whose bodies begin on the next line, in order.
    pending: Vec<(String, bool)>,
    /// The heredoc body being read: its delimiter, and whether tabs before it are allowed (`<<-`).
    body: Option<(String, bool)>,
}

impl Lexer {
    /// The byte offsets in `line` where a ` \` continuation may go: a blank outside
    /// quotes, comments and heredoc bodies, followed by more of the command.
    fn line(&mut self, line: &str) -> Vec<usize> {
        if let Some((delimiter, tabs)) = &self.body {
            let end = if *tabs { line.trim_start_matches('\t') } else { line };
            if end == delimiter {
                self.body = None;
                self.next_body();
            }
            return Vec::new();
        }
        let chars: Vec<(usize, char)> = line.char_indices().collect();
        let mut breaks = Vec::new();
        let mut i = 0;
        while i < chars.len() {
            let (at, c) = chars[i];
            let next = chars.get(i + 1).map(|&(_, c)| c);
            if self.single {
                self.single = c != '\'';
            } else if c == '\\' {
                i += 1; // the escaped character is part of the word
            } else if self.double {
                self.double = c != '"';
            } else if c == '\'' {
                self.single = true;
            } else if c == '"' {
                self.double = true;
            } else if c == '#' && (i == 0 || chars[i - 1].1.is_whitespace()) {
                break; // a comment: a backslash in it continues nothing
            } else if c == '<' && next == Some('<') && chars.get(i + 2).map(|&(_, c)| c) != Some('<') {
                i = self.heredoc(&chars, i + 2);
                continue;
            } else if c.is_whitespace() && next.is_some_and(|n| !n.is_whitespace()) && i > 0 {
                breaks.push(at);
            }
            i += 1;
        }
        if self.body.is_none() {
            self.next_body();
        }
        breaks
    }

    /// Reads a heredoc's delimiter starting at `i` (after `<<`); returns where the
    /// command goes on.
    fn heredoc(&mut self, chars: &[(usize, char)], mut i: usize) -> usize {
        let tabs = chars.get(i).is_some_and(|&(_, c)| c == '-');
        if tabs {
            i += 1;
        }
        while chars.get(i).is_some_and(|&(_, c)| c == ' ' || c == '\t') {
            i += 1;
        }
        let mut delimiter = String::new();
        while let Some(&(_, c)) = chars.get(i) {
            if c.is_whitespace() || matches!(c, ';' | '&' | '|' | '>' | '<' | ')') {
                break;
            }
            if !matches!(c, '\'' | '"' | '\\') {
                delimiter.push(c);
            }
            i += 1;
        }
        if !delimiter.is_empty() {
            self.pending.push((delimiter, tabs));
        }
        i
    }

    fn next_body(&mut self) {
        if !self.pending.is_empty() {
            self.body = Some(self.pending.remove(0));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const POSTGRES: &str =
        "docker run --name some-postgres -e POSTGRES_PASSWORD=mysecretpassword -d -p 5432:5432 --rm postgres:16-alpine";

    /// What sh makes of the lines: a backslash before a line break joins them.
    fn joined(lines: &[String]) -> String {
        lines.join("\n").replace("\\\n", "")
    }

    #[test]
    fn a_long_command_is_split_at_words_and_joins_back_whole() {
        let pieces = &fit_block(POSTGRES, 80)[0];
        assert!(pieces.len() > 1, "{pieces:?}");
        for (i, p) in pieces.iter().enumerate() {
            assert!(display_width(p) <= 80, "wider than 80: {p:?}");
            if i + 1 < pieces.len() {
                assert!(p.ends_with(" \\"), "{p:?}");
            }
        }
        assert_eq!(joined(pieces), POSTGRES);
        let words = shlex::split(&pieces.join("\n")).unwrap();
        assert_eq!(words, shlex::split(POSTGRES).unwrap());
        assert_eq!(
            pieces,
            &[
                "docker run --name some-postgres -e POSTGRES_PASSWORD=mysecretpassword -d -p \\",
                "5432:5432 --rm postgres:16-alpine",
            ]
        );
    }

    /// The words sh gives `docker` for `script` (docker being a function that prints them).
    fn words_sh_runs(script: &str) -> String {
        let script = format!("docker() {{ printf '[%s]' \"$@\"; }}\n{script}\n");
        let out = std::process::Command::new("/bin/sh").arg("-c").arg(script).output().unwrap();
        assert!(out.status.success(), "{out:?}");
        String::from_utf8(out.stdout).unwrap()
    }

    #[test]
    fn sh_runs_the_split_lines_as_the_one_command() {
        let quoted = r#"docker exec some-postgres psql -U postgres -c "select version();" --tuples-only --no-align"#;
        for command in [POSTGRES, quoted] {
            let pieces = fit_block(command, 40).remove(0);
            assert!(pieces.len() > 1, "{pieces:?}");
            assert_eq!(words_sh_runs(&pieces.join("\n")), words_sh_runs(command), "{pieces:?}");
        }
    }

    #[test]
    fn a_command_that_fits_is_left_as_it_is() {
        assert_eq!(fit_block("docker ps -a", 80), vec![vec!["docker ps -a".to_owned()]]);
        assert_eq!(fit_block(POSTGRES, 200), vec![vec![POSTGRES.to_owned()]]);
    }

    #[test]
    fn quoted_strings_comments_and_heredoc_bodies_are_not_split() {
        let quoted =
            r#"docker exec db psql -U postgres -c "select one, two, three from a_table where x = 'y'" --quiet"#;
        let pieces = &fit_block(quoted, 40)[0];
        assert_eq!(joined(pieces), quoted);
        assert!(pieces.iter().any(|p| p.starts_with("\"select one") || p.contains(" -c \"select one")), "{pieces:?}");
        assert!(pieces.iter().all(|p| p.matches('"').count() % 2 == 0), "a quote was split: {pieces:?}");
        assert_eq!(shlex::split(&pieces.join("\n")), shlex::split(quoted));

        let comment = "echo hi # and a comment that goes on well past the width of the terminal";
        assert_eq!(
            fit_block(comment, 30)[0],
            vec!["echo hi \\", "# and a comment that goes on well past the width of the terminal"]
        );

        let heredoc = "cat <<'EOF' > a-file-with-a-long-name.txt\nthe body of the heredoc is long and stays as it is\nEOF\necho after the heredoc a long line is split";
        let fitted = fit_block(heredoc, 30);
        assert_eq!(fitted[0], vec!["cat <<'EOF' > \\", "a-file-with-a-long-name.txt"]);
        assert_eq!(fitted[1], vec!["the body of the heredoc is long and stays as it is"]);
        assert_eq!(fitted[2], vec!["EOF"]);
        assert!(fitted[3].len() > 1, "{:?}", fitted[3]);
    }

    #[test]
    fn a_word_wider_than_the_terminal_stays_whole() {
        let long = format!("docker pull registry.example.com/{}", "x".repeat(60));
        let pieces = &fit_block(&long, 30)[0];
        assert_eq!(pieces, &["docker pull \\".to_owned(), format!("registry.example.com/{}", "x".repeat(60))]);
    }
}
