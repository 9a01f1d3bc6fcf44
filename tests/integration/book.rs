//! The book stays whole: every chapter is in SUMMARY.md and exists, links between
//! chapters (and their anchors) resolve, lesson pages include their lesson from just
//! after its front matter, and the assertion reference covers every kind with
//! examples that parse.

use dockerlearn::check;
use pulldown_cmark::{Event, Parser, Tag, TagEnd};
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

fn src() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("book/src")
}

fn chapters() -> Vec<PathBuf> {
    fn walk(dir: &Path, out: &mut Vec<PathBuf>) {
        for e in std::fs::read_dir(dir).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                walk(&p, out);
            } else if p.extension().is_some_and(|e| e == "md") && !p.ends_with("SUMMARY.md") {
                out.push(p);
            }
        }
    }
    let mut out = Vec::new();
    walk(&src(), &mut out);
    out.sort();
    out
}

fn links(text: &str) -> Vec<String> {
    Parser::new(text)
        .filter_map(|e| match e {
            Event::Start(Tag::Link { dest_url, .. }) => Some(dest_url.to_string()),
            _ => None,
        })
        .collect()
}

/// Heading ids as mdBook makes them: an explicit `{#id}`, or the text lowercased with
/// spaces as `-` and punctuation dropped.
fn anchors(text: &str) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    let mut current: Option<String> = None;
    for e in Parser::new_ext(text, dockerlearn::lesson::parse::markdown_options()) {
        match e {
            Event::Start(Tag::Heading { id: Some(id), .. }) => {
                out.insert(id.to_string());
            }
            Event::Start(Tag::Heading { id: None, .. }) => current = Some(String::new()),
            Event::Text(t) | Event::Code(t) => {
                if let Some(c) = current.as_mut() {
                    c.push_str(&t);
                }
            }
            Event::End(TagEnd::Heading(_)) => {
                if let Some(t) = current.take() {
                    let id: String = t
                        .trim()
                        .to_lowercase()
                        .chars()
                        .filter_map(|c| match c {
                            ' ' => Some('-'),
                            c if c.is_alphanumeric() || c == '-' || c == '_' => Some(c),
                            _ => None,
                        })
                        .collect();
                    out.insert(id);
                }
            }
            _ => {}
        }
    }
    out
}

#[test]
fn summary_lists_every_chapter_and_only_existing_ones() {
    let summary = std::fs::read_to_string(src().join("SUMMARY.md")).unwrap();
    let listed: BTreeSet<PathBuf> = links(&summary).iter().map(|l| src().join(l)).collect();
    for l in &listed {
        assert!(l.exists(), "SUMMARY.md lists {} which does not exist", l.display());
    }
    for c in chapters() {
        assert!(listed.contains(&c), "{} is not in SUMMARY.md", c.display());
    }
}

#[test]
fn links_between_chapters_resolve() {
    let mut broken = Vec::new();
    for chapter in chapters() {
        let text = std::fs::read_to_string(&chapter).unwrap();
        for link in links(&text) {
            if link.contains("://") || link.starts_with("mailto:") {
                continue;
            }
            let (file, anchor) = link.split_once('#').unwrap_or((&link, ""));
            let target = if file.is_empty() { chapter.clone() } else { chapter.parent().unwrap().join(file) };
            if !target.exists() {
                broken.push(format!("{}: {link} (no such file)", chapter.display()));
                continue;
            }
            if !anchor.is_empty() && target.extension().is_some_and(|e| e == "md") {
                let ids = anchors(&std::fs::read_to_string(&target).unwrap());
                if !ids.contains(anchor) {
                    broken.push(format!("{}: {link} (no heading #{anchor})", chapter.display()));
                }
            }
        }
    }
    assert!(broken.is_empty(), "broken links:\n{}", broken.join("\n"));
}

#[test]
fn lesson_pages_include_every_shipped_lesson_after_its_front_matter() {
    let course = dockerlearn::course::load_from(None).unwrap();
    for cl in &course.lessons {
        let page = src().join("lessons").join(format!("{}.md", cl.lesson.id));
        let text = std::fs::read_to_string(&page).unwrap_or_else(|_| panic!("no book page {}", page.display()));
        let directive = text.lines().find(|l| l.starts_with("{{#include")).expect("an include");
        let inner = directive.trim_start_matches("{{#include ").trim_end_matches("}}");
        let mut parts = inner.split(':');
        let path = page.parent().unwrap().join(parts.next().unwrap());
        let start: usize = parts.next().unwrap().parse().unwrap();
        let lesson = std::fs::read_to_string(&path).unwrap_or_else(|_| panic!("{directive}: no file"));
        let closing = lesson.lines().enumerate().skip(1).find(|(_, l)| l.trim_end() == "---").unwrap().0 + 1;
        assert_eq!(start, closing + 1, "{}: include should start at line {}", page.display(), closing + 1);
        assert!(text.starts_with(&format!("# {}. {}", course.find(&cl.lesson.id).unwrap() + 1, cl.lesson.title)));
    }
}

#[test]
fn the_assertion_reference_covers_every_kind_with_examples_that_parse() {
    // Each `## `kind`` section of the reference holds at least one example that parses
    // and uses that kind; every kind has its section.
    let text = std::fs::read_to_string(src().join("author/checks.md")).unwrap();
    let mut section: Option<String> = None;
    let mut proven: BTreeSet<String> = BTreeSet::new();
    let mut in_yaml = false;
    let mut block = String::new();
    for line in text.lines() {
        if let Some(title) = line.strip_prefix("## ") {
            section = title.split('`').nth(1).map(str::to_owned);
        } else if line.starts_with("```yaml") {
            in_yaml = true;
            block.clear();
        } else if in_yaml && line.starts_with("```") {
            in_yaml = false;
            let parsed = check::parse("checks.md example", &block).unwrap_or_else(|d| panic!("{d}\n{block}"));
            let kinds: BTreeSet<&str> =
                parsed.checkpoints.values().flat_map(|c| &c.assertions).map(|a| a.check.kind().name()).collect();
            if let Some(s) = section.as_ref().filter(|s| kinds.contains(s.as_str())) {
                proven.insert(s.clone());
            }
        } else if in_yaml {
            block.push_str(line);
            block.push('\n');
        }
    }
    for kind in check::Kind::all() {
        assert!(proven.contains(kind.name()), "checks.md has no section for `{kind}` with an example using it");
    }
}
