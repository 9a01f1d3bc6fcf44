//! Finding the docker commands inside a shell line: `a && docker x | y; docker z`,
//! `docker rm $(docker ps -aq)`. Words keep `$(...)` whole, because what a
//! substitution stands for (every container) matters to explaining and guarding.

/// Splits a line into words like the shell (quotes removed), but keeps each `$(...)`
/// as one word, written as typed.
pub fn words(line: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut cur = String::new();
    let mut has = false;
    let mut quote: Option<char> = None;
    let mut chars = line.chars().peekable();
    while let Some(c) = chars.next() {
        match (quote, c) {
            (Some(q), c) if c == q => quote = None,
            (Some('"'), '$') if chars.peek() == Some(&'(') => cur.push_str(&substitution(&mut chars)),
            (Some(_), c) => cur.push(c),
            (None, '\'' | '"') => {
                quote = Some(c);
                has = true;
            }
            (None, '\\') => {
                if let Some(n) = chars.next() {
                    cur.push(n);
                }
            }
            (None, '$') if chars.peek() == Some(&'(') => cur.push_str(&substitution(&mut chars)),
            (None, c) if c.is_whitespace() => {
                if has || !cur.is_empty() {
                    out.push(std::mem::take(&mut cur));
                    has = false;
                }
            }
            (None, c) => cur.push(c),
        }
    }
    if has || !cur.is_empty() {
        out.push(cur);
    }
    out
}

/// Reads `(...)` after a `$`, balanced, and returns `$(...)` as written.
fn substitution(chars: &mut std::iter::Peekable<std::str::Chars<'_>>) -> String {
    let mut s = String::from("$");
    let mut depth = 0;
    for c in chars.by_ref() {
        s.push(c);
        match c {
            '(' => depth += 1,
            ')' => {
                depth -= 1;
                if depth == 0 {
                    break;
                }
            }
            _ => {}
        }
    }
    s
}

/// The inside of a `$(...)` word, if it is one.
pub fn substituted(word: &str) -> Option<&str> {
    word.strip_prefix("$(")?.strip_suffix(')').map(str::trim)
}

/// Every `$(...)` within a word (`"$(pwd)":/x` has one).
pub fn substitutions_in(word: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut rest = word;
    while let Some(at) = rest.find("$(") {
        let mut chars = rest[at + 1..].chars().peekable();
        let sub = substitution(&mut chars);
        rest = &rest[at + sub.len().min(rest.len() - at)..];
        if let Some(inner) = substituted(&sub) {
            out.push(inner.to_owned());
        }
    }
    out
}

/// The simple commands of a line, split at `&&`, `||`, `;`, `|` and newlines outside
/// quotes and substitutions (the `&` of `2>&1` and `&>` redirects, it splits nothing).
/// A heredoc's body is data, not commands: only its first line counts.
pub fn simple_commands(text: &str) -> Vec<String> {
    let first_line_only = text.lines().next().is_some_and(|l| l.contains("<<"));
    let text = if first_line_only { text.lines().next().unwrap_or_default() } else { text };
    let mut out = Vec::new();
    let mut cur = String::new();
    let mut quote: Option<char> = None;
    let mut depth = 0usize;
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        match (quote, c) {
            (Some(q), c) if c == q => quote = None,
            (None, '\'' | '"') => quote = Some(c),
            (None, '(') => depth += 1,
            (None, ')') => depth = depth.saturating_sub(1),
            (None, '&') if cur.ends_with('>') || chars.peek() == Some(&'>') => {}
            (None, ';' | '|' | '&' | '\n') if depth == 0 => {
                if matches!(c, '|' | '&') && chars.peek() == Some(&c) {
                    chars.next();
                }
                out.push(std::mem::take(&mut cur));
                continue;
            }
            _ => {}
        }
        cur.push(c);
    }
    out.push(cur);
    out.into_iter().map(|s| s.trim().to_owned()).filter(|s| !s.is_empty()).collect()
}

/// The docker commands a line runs, its substitutions' included, as word lists
/// (`docker-compose` counts as `docker compose`).
pub fn docker_commands(text: &str) -> Vec<Vec<String>> {
    let mut out = Vec::new();
    for command in simple_commands(text) {
        let words = without_redirections(words(&command));
        for w in &words {
            for inner in substitutions_in(w) {
                out.extend(docker_commands(&inner));
            }
        }
        match words.first().map(String::as_str) {
            Some("docker") => out.push(words),
            Some("docker-compose") => {
                let mut w = vec!["docker".to_owned(), "compose".to_owned()];
                w.extend(words.into_iter().skip(1));
                out.push(w);
            }
            _ => {}
        }
    }
    out
}

/// The words without the shell's redirections (`> file`, `2>&1`, `2>/dev/null`): they
/// are the shell's, not the command's arguments.
fn without_redirections(words: Vec<String>) -> Vec<String> {
    let mut out = Vec::new();
    let mut words = words.into_iter();
    while let Some(w) = words.next() {
        let op = w.trim_start_matches(|c: char| c.is_ascii_digit());
        if !(op.starts_with('>') || op.starts_with('<') || op.starts_with("&>")) {
            out.push(w);
            continue;
        }
        // The target is the next word unless it is written on (`>f`, `2>&1`).
        if op.trim_start_matches(['>', '<', '&']).is_empty() {
            words.next();
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn substitutions_stay_one_word() {
        assert_eq!(
            words(r#"docker rm -f $(docker ps -aq --filter "name=a b") "$PWD":/w"#),
            ["docker", "rm", "-f", r#"$(docker ps -aq --filter "name=a b")"#, "$PWD:/w"]
        );
    }

    #[test]
    fn lines_split_into_docker_commands() {
        let found = docker_commands("cd x && docker ps -a | grep y; docker rm $(docker ps -q)\ndocker-compose up -d");
        let found: Vec<String> = found.iter().map(|w| w.join(" ")).collect();
        assert_eq!(found, ["docker ps -a", "docker ps -q", "docker rm $(docker ps -q)", "docker compose up -d"]);
    }

    #[test]
    fn redirections_are_the_shells() {
        let found = docker_commands("docker logs web 2>&1 | grep x; docker rm old 2>/dev/null && docker ps > ps.txt");
        let found: Vec<String> = found.iter().map(|w| w.join(" ")).collect();
        assert_eq!(found, ["docker logs web", "docker rm old", "docker ps"]);
        assert_eq!(docker_commands("docker logs web &> all.txt")[0], ["docker", "logs", "web"]);
    }

    #[test]
    fn heredoc_bodies_are_not_commands() {
        assert!(docker_commands("cat > f <<'EOF'\ndocker run x\nEOF").is_empty());
    }
}
