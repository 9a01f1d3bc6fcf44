//! How a text an assertion looks at must read: containing a piece, equal to a text
//! (surrounding white space aside), or matching a regular expression. Written in YAML
//! as one of `contains:`, `equals:` or `matches:`.

/// A compiled expectation on a text.
#[derive(Debug, Clone)]
pub enum TextMatch {
    Contains(String),
    Equals(String),
    Matches(regex::Regex),
}

impl PartialEq for TextMatch {
    fn eq(&self, other: &Self) -> bool {
        match (self, other) {
            (TextMatch::Contains(a), TextMatch::Contains(b)) | (TextMatch::Equals(a), TextMatch::Equals(b)) => a == b,
            (TextMatch::Matches(a), TextMatch::Matches(b)) => a.as_str() == b.as_str(),
            _ => false,
        }
    }
}

impl TextMatch {
    /// The expectation from the three optional YAML fields: at most one may be given.
    /// `Ok(None)` when none is.
    pub fn from_fields(
        contains: Option<String>,
        equals: Option<String>,
        matches: Option<String>,
    ) -> Result<Option<TextMatch>, String> {
        match (contains, equals, matches) {
            (None, None, None) => Ok(None),
            (Some(c), None, None) => Ok(Some(TextMatch::Contains(c))),
            (None, Some(e), None) => Ok(Some(TextMatch::Equals(e))),
            (None, None, Some(m)) => regex::Regex::new(&m)
                .map(|r| Some(TextMatch::Matches(r)))
                .map_err(|e| format!("`matches: {m}` is not a regular expression: {}", first_line(&e.to_string()))),
            _ => Err("give one of `contains:`, `equals:` and `matches:`, not several".to_owned()),
        }
    }

    pub fn holds(&self, text: &str) -> bool {
        match self {
            TextMatch::Contains(c) => text.contains(c.as_str()),
            TextMatch::Equals(e) => text.trim() == e.trim(),
            // The text without its last newline, so `$` ends the last line.
            TextMatch::Matches(r) => r.is_match(text.trim_end_matches(['\n', '\r'])),
        }
    }

    /// `contains "x"`, `is exactly "x"`, `matches /x/`: after "the output of ...".
    pub fn describe(&self) -> String {
        match self {
            TextMatch::Contains(c) => format!("contains \"{c}\""),
            TextMatch::Equals(e) => format!("is exactly \"{}\"", e.trim()),
            TextMatch::Matches(r) => format!("matches /{}/", r.as_str()),
        }
    }
}

fn first_line(s: &str) -> &str {
    s.lines().rev().find(|l| !l.trim().is_empty()).unwrap_or(s).trim()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_expectation_at_most() {
        assert_eq!(TextMatch::from_fields(None, None, None), Ok(None));
        assert!(TextMatch::from_fields(Some("a".into()), Some("b".into()), None).is_err());
        let bad = TextMatch::from_fields(None, None, Some("(".into())).unwrap_err();
        assert!(bad.contains("not a regular expression"), "{bad}");
    }

    #[test]
    fn texts_are_compared_as_said() {
        let equals = TextMatch::Equals("Hello".into());
        assert!(equals.holds("Hello\n") && !equals.holds("Hello world"));
        let contains = TextMatch::Contains("Hello".into());
        assert!(contains.holds("Hello world"));
        let matches = TextMatch::from_fields(None, None, Some(r"^\d{4}-\d{2}-\d{2}$".into())).unwrap().unwrap();
        assert!(matches.holds("2026-11-21") && !matches.holds("today"));
    }
}
