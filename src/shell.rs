//! The little shell syntax dockerlearn must understand: where one command of a lesson's
//! block ends (line continuations, heredocs), when the learner's input is not finished
//! yet (so the prompt asks for more), and how a command line splits into words.
//!
//! Words come from `shlex`. The command and completeness rules stay here: shlex and
//! shell-words split one line into words, but neither knows heredocs (a body that runs
//! to its delimiter line) or says whether typed input still lacks its end.

/// The heredoc delimiter a line opens (`cat > f <<'EOF'` → `EOF`), if any.
fn heredoc_delimiter(line: &str) -> Option<String> {
    let at = line.find("<<")?;
    let rest = line[at + 2..].trim_start_matches('-').trim_start();
    let word: String =
        rest.trim_start_matches(['\'', '"']).chars().take_while(|c| c.is_alphanumeric() || *c == '_').collect();
    (!word.is_empty()).then_some(word)
}

/// Splits a shell block into commands: one per line, except that `\` continues a line
/// and a heredoc runs to its delimiter. Blank lines and `#` comments between commands
/// are dropped.
pub fn split_commands(block: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut current = String::new();
    let mut heredoc: Option<String> = None;
    for line in block.lines() {
        if let Some(delim) = &heredoc {
            current.push('\n');
            current.push_str(line);
            if line.trim() == delim {
                heredoc = None;
                out.push(std::mem::take(&mut current));
            }
            continue;
        }
        let trimmed = line.trim();
        if current.is_empty() && (trimmed.is_empty() || trimmed.starts_with('#')) {
            continue;
        }
        if let Some(head) = trimmed.strip_suffix('\\') {
            current.push_str(head.trim_end());
            current.push(' ');
            continue;
        }
        current.push_str(trimmed);
        match heredoc_delimiter(trimmed) {
            Some(delim) => heredoc = Some(delim),
            None => out.push(std::mem::take(&mut current)),
        }
    }
    if !current.trim().is_empty() {
        out.push(current.trim().to_owned());
    }
    out
}

/// Whether typed input is a whole command: no trailing `\`, no open quote, every
/// heredoc closed. The prompt keeps reading lines until it is.
pub fn is_complete(input: &str) -> bool {
    if input.trim_end().ends_with('\\') {
        return false;
    }
    let mut lines = input.lines();
    let mut quote: Option<char> = None;
    while let Some(line) = lines.next() {
        if quote.is_none() {
            if let Some(delim) = heredoc_delimiter(line) {
                if !lines.by_ref().any(|l| l.trim() == delim) {
                    return false;
                }
                continue;
            }
        }
        let mut escaped = false;
        for c in line.chars() {
            match (quote, c) {
                (_, '\\') if quote != Some('\'') && !escaped => {
                    escaped = true;
                    continue;
                }
                (None, '\'' | '"') if !escaped => quote = Some(c),
                (Some(q), c) if c == q && !escaped => quote = None,
                _ => {}
            }
            escaped = false;
        }
    }
    quote.is_none()
}

/// Splits a command line into words as a POSIX shell would (quotes, escapes), with
/// `shlex`; a line that is not closed (an open quote) splits on whitespace instead.
pub fn words(line: &str) -> Vec<String> {
    shlex::split(line).unwrap_or_else(|| line.split_whitespace().map(str::to_owned).collect())
}

/// Input of several lines without the blanks at their ends. Text copied from a
/// terminal often carries them (a code block drawn to its full width), and a heredoc's
/// `EOF   ` would then not end it for the shell.
pub fn without_trailing_blanks(input: &str) -> String {
    if !input.contains('\n') {
        return input.to_owned();
    }
    input.lines().map(str::trim_end).collect::<Vec<_>>().join("\n")
}

/// How a line names an engine of its own, going around the `DOCKER_HOST` the prompt
/// gives its commands: `docker -H …`, `docker --context …`, `DOCKER_HOST=… docker`,
/// `DOCKER_CONTEXT=…`, or the engine's socket itself (`curl --unix-socket
/// /var/run/docker.sock …`; `relay` is the socket the prompt gives, which is not
/// around itself). None for a line that leaves the engine to the environment.
pub fn names_its_own_engine(line: &str, relay: &str) -> Option<String> {
    let words = words(line);
    let engine_socket = |w: &str| w.contains("docker") && w.ends_with(".sock") && w != relay;
    if words.windows(2).any(|w| w[0] == "--unix-socket" && engine_socket(&w[1]))
        || words.iter().any(|w| w.strip_prefix("--unix-socket=").is_some_and(engine_socket))
    {
        return Some("`--unix-socket`".to_owned());
    }
    // Where each simple command begins: the start, and after `&&`, `||`, `;`, `|`.
    let mut at_start = true;
    let mut in_docker = false;
    for word in &words {
        let separator = matches!(word.as_str(), "&&" | "||" | ";" | "|" | "&") || word.ends_with(';');
        if separator {
            (at_start, in_docker) = (true, false);
            continue;
        }
        if at_start {
            if let Some((var, _)) = word.split_once('=') {
                if matches!(var, "DOCKER_HOST" | "DOCKER_CONTEXT") {
                    return Some(format!("`{var}=`"));
                }
                continue;
            }
            at_start = false;
            in_docker = word == "docker";
            continue;
        }
        if !in_docker {
            continue;
        }
        match word.as_str() {
            "-H" | "--host" | "-c" | "--context" => return Some(format!("`{word}`")),
            w if w.starts_with("--host=") || w.starts_with("--context=") => {
                return Some(format!("`{}`", w.split('=').next().unwrap_or(w)));
            }
            w if w.starts_with("-H") && w.len() > 2 => return Some("`-H`".to_owned()),
            // Global options end where the subcommand begins.
            w if !w.starts_with('-') => in_docker = false,
            _ => {}
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pasted_lines_lose_the_blanks_at_their_ends() {
        let pasted = "cat > f <<'EOF'   \nhello   \nEOF    ";
        assert_eq!(without_trailing_blanks(pasted), "cat > f <<'EOF'\nhello\nEOF");
        assert_eq!(without_trailing_blanks("echo 'a  '  "), "echo 'a  '  ", "one line is run as typed");
    }

    const RELAY: &str = "/tmp/dockerlearn-relay-7-x/docker.sock";

    #[test]
    fn a_line_that_names_its_own_engine_is_found() {
        assert_eq!(names_its_own_engine("docker -H tcp://box:2375 ps", RELAY).as_deref(), Some("`-H`"));
        assert_eq!(names_its_own_engine("docker --context=remote run busybox", RELAY).as_deref(), Some("`--context`"));
        assert_eq!(
            names_its_own_engine("DOCKER_HOST=ssh://me@box docker ps", RELAY).as_deref(),
            Some("`DOCKER_HOST=`")
        );
        assert_eq!(names_its_own_engine("cd x && docker -c remote ps", RELAY).as_deref(), Some("`-c`"));
        assert_eq!(
            names_its_own_engine("docker run -H busybox", RELAY),
            None,
            "after the subcommand, -H is the command's"
        );
        assert_eq!(names_its_own_engine("docker exec -c x sh -c 'ls'", RELAY), None);
        assert_eq!(names_its_own_engine("docker ps", RELAY), None);
        assert_eq!(names_its_own_engine("echo DOCKER_HOST", RELAY), None);
        let curl = "curl -s --unix-socket /var/run/docker.sock http://localhost/containers/json";
        assert_eq!(names_its_own_engine(curl, RELAY).as_deref(), Some("`--unix-socket`"));
        assert_eq!(
            names_its_own_engine("curl --unix-socket=/run/docker.sock x", RELAY).as_deref(),
            Some("`--unix-socket`")
        );
        assert_eq!(names_its_own_engine("curl --unix-socket /run/other.sock http://x/", RELAY), None);
        assert_eq!(
            names_its_own_engine(&format!("curl --unix-socket {RELAY} http://x/"), RELAY),
            None,
            "the relay's own"
        );
    }

    #[test]
    fn heredocs_and_continuations_stay_one_command() {
        let block = "# make a file\ncat > f.txt <<'EOF'\nhello\n  world\nEOF\ndocker run \\\n  --rm busybox\n\nls\n";
        assert_eq!(
            split_commands(block),
            ["cat > f.txt <<'EOF'\nhello\n  world\nEOF", "docker run --rm busybox", "ls"]
        );
    }

    #[test]
    fn input_is_complete_only_when_closed() {
        assert!(is_complete("docker ps"));
        assert!(!is_complete("docker run \\"));
        assert!(!is_complete("echo 'unclosed"));
        assert!(is_complete("echo \"it's fine\""));
        assert!(!is_complete("cat > f <<EOF\nline"));
        assert!(is_complete("cat > f <<EOF\nline\nEOF"));
        assert!(is_complete("echo a\\'b"));
    }

    #[test]
    fn quotes_group_words() {
        assert_eq!(words("a 'b c' \"d e\"f ''"), ["a", "b c", "d ef", ""]);
    }
}
