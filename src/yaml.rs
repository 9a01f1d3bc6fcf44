//! What every YAML file of a course goes through before its parser: a bound on flow
//! nesting (`[[[[…` a hundred thousand deep takes the parser minutes), and the parser's
//! messages without their own location, which callers report as `file:line:col`.

/// Deepest flow nesting (`[`, `{`) a course file may use; real files use two or three.
pub const MAX_DEPTH: usize = 64;

/// Line and column where flow nesting first goes deeper than [`MAX_DEPTH`], found in
/// one pass. Quoted text and comments do not count.
pub fn too_deep(text: &str) -> Option<(usize, usize)> {
    let mut depth = 0usize;
    let (mut line, mut column) = (1, 0);
    let mut quote: Option<char> = None;
    let mut comment = false;
    let mut previous = '\n';
    for c in text.chars() {
        column += 1;
        match (quote, c) {
            (_, '\n') => {
                line += 1;
                column = 0;
                comment = false;
            }
            _ if comment => {}
            (Some(q), c) if c == q => quote = None,
            (Some(_), _) => {}
            (None, '#') if previous.is_whitespace() => comment = true,
            (None, '"' | '\'') if depth > 0 || matches!(previous, ' ' | ':' | '-' | '\n' | '[' | '{' | ',') => {
                quote = Some(c)
            }
            (None, '[' | '{') => {
                depth += 1;
                if depth > MAX_DEPTH {
                    return Some((line, column));
                }
            }
            (None, ']' | '}') => depth = depth.saturating_sub(1),
            _ => {}
        }
        previous = c;
    }
    None
}

/// The message for a nesting found too deep.
pub fn too_deep_message() -> String {
    format!("YAML nested more than {MAX_DEPTH} levels deep (`[` or `{{`): a course file never needs that many")
}

/// The parser's message, without its own " at line X column Y" (callers place it).
pub fn message(e: &serde_yaml::Error) -> String {
    let s = e.to_string();
    match s.find(" at line ") {
        Some(i) => s[..i].to_owned(),
        None => s,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn deep_flow_nesting_is_found_where_it_starts() {
        let deep = format!("a: {}{}", "[".repeat(100_000), "]".repeat(100_000));
        assert_eq!(too_deep(&deep), Some((1, 3 + MAX_DEPTH + 1)));
        assert_eq!(too_deep("a: [1, [2, {b: 3}]]\nc: \"[[[[\" # [[[[\n"), None);
        let quoted = format!("a: '{}'\n", "[".repeat(200));
        assert_eq!(too_deep(&quoted), None);
    }
}
