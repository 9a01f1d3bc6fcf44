//! Property tests: the lesson and checks parsers never panic, whatever they are given.
//! Inputs are random text built from the dialect's own tokens, and random edits of the
//! shipped lessons (the shapes authors actually produce).

use dockerlearn::{check, course, lesson};
use proptest::prelude::*;

const TOKENS: &[&str] = &[
    "---\n",
    "title: T\n",
    "## ",
    "### Hint\n",
    "### Solution\n",
    "{#id}",
    "{#x .read}",
    "{#}",
    "{.read}",
    "```sh run\n",
    "```\n",
    "~~~\n",
    "```",
    "docker run x\n",
    "\\\n",
    "\n",
    " ",
    "é",
    "\t",
    "# ",
    "> ",
    "- kind: ",
    "container\n",
    "checkpoints:\n",
    "format_version: 1\n",
    "  ",
    ":",
    "[",
    "]",
    "{",
    "}",
    "exit_code: zero\n",
    "'",
    "\"",
    "\r\n",
    "\u{0}",
    "<!-- -->",
    "|",
    "*",
];

fn tokens() -> impl Strategy<Value = String> {
    prop::collection::vec(prop::sample::select(TOKENS), 0..80).prop_map(|t| t.concat())
}

fn shipped() -> Vec<(String, String)> {
    let course = course::Embedded;
    use course::CourseFiles;
    let mut out = Vec::new();
    for dir in ["lessons", "checks"] {
        for name in course.list(dir) {
            let rel = format!("{dir}/{name}");
            out.push((rel.clone(), course.read(&rel).unwrap().unwrap()));
        }
    }
    out
}

/// Applies edits (position as a fraction of the length, what to do) to a text.
fn mutate(text: &str, edits: &[(f64, u8, &str)]) -> String {
    let mut s: Vec<char> = text.chars().collect();
    for (at, op, token) in edits {
        let i = ((s.len() as f64) * at) as usize;
        let i = i.min(s.len());
        let replacement: Vec<char> = match op % 3 {
            0 => token.chars().collect(),
            1 => {
                s.drain(i..(i + 7).min(s.len()));
                Vec::new()
            }
            _ => s[i..(i + 40).min(s.len())].to_vec(),
        };
        s.splice(i..i, replacement);
    }
    s.into_iter().collect()
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 3000, ..ProptestConfig::default() })]

    #[test]
    fn lesson_parser_never_panics(text in tokens()) {
        let _ = lesson::parse("f.md", "f", &text);
    }

    #[test]
    fn checks_parser_never_panics(text in tokens()) {
        let _ = check::parse("f.yaml", &text);
    }

    #[test]
    fn edited_shipped_files_never_panic(
        file in 0usize..100,
        edits in prop::collection::vec((0.0f64..1.0, any::<u8>(), prop::sample::select(TOKENS)), 1..8),
    ) {
        let files = shipped();
        let (rel, text) = &files[file % files.len()];
        let edited = mutate(text, &edits);
        if rel.ends_with(".md") {
            if let Err(problems) = lesson::parse(rel, "f", &edited) {
                // Every problem points inside the file.
                let lines = edited.lines().count().max(1) + 1;
                for p in problems.iter() {
                    prop_assert!(p.line >= 1 && p.line <= lines, "{p} beyond {lines} lines");
                }
            }
        } else {
            let _ = check::parse(rel, &edited);
        }
    }
}
