//! The boundaries the code keeps, read from its source: `engine` is the one module that
//! talks to Docker, the checking core does no I/O, and no two modules depend on each
//! other in a circle.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

fn sources(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            sources(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

/// Every source file under src/, by its path relative to src/, without its unit tests.
fn code() -> BTreeMap<String, String> {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut files = Vec::new();
    sources(&src, &mut files);
    files
        .into_iter()
        .map(|f| {
            let text = std::fs::read_to_string(&f).unwrap();
            let code = match text.find("#[cfg(test)]\nmod tests") {
                Some(i) => text[..i].to_owned(),
                None => text,
            };
            (f.strip_prefix(&src).unwrap().to_string_lossy().into_owned(), code)
        })
        .collect()
}

/// The top-level module a file belongs to: `engine/docker.rs` → `engine`.
fn module(rel: &str) -> String {
    rel.split('/').next().unwrap().trim_end_matches(".rs").to_owned()
}

#[test]
fn only_the_engine_module_talks_to_docker() {
    let mut offenders = Vec::new();
    for (rel, code) in code() {
        if rel.starts_with("engine/") {
            continue;
        }
        for needle in ["bollard::", "bollard ::", "Command::new(\"docker\")", "Command::new(\"docker-compose\")"] {
            if code.contains(needle) {
                offenders.push(format!("src/{rel} uses `{needle}`"));
            }
        }
    }
    assert!(offenders.is_empty(), "only src/engine/ may talk to Docker:\n{}", offenders.join("\n"));
}

#[test]
fn the_checking_core_does_no_io() {
    let pure = ["check", "lesson", "session", "diagnostic", "reference", "yaml", "shell"];
    // The classroom's wire format and its model of the room, which the session uses.
    let pure_files = ["class/protocol.rs", "class/room.rs"];
    let mut offenders = Vec::new();
    for (rel, code) in code() {
        if !pure.contains(&module(&rel).as_str()) && !pure_files.contains(&rel.as_str()) {
            continue;
        }
        for needle in ["tokio::", "bollard::", "crate::engine", "std::process::Command", "std::net::", "std::fs::"] {
            if code.contains(needle) {
                offenders.push(format!("src/{rel} uses `{needle}`"));
            }
        }
        // `use crate::{engine, ..}` too.
        if code.split("crate::").skip(1).any(|part| first_segments(part).iter().any(|m| m == "engine")) {
            offenders.push(format!("src/{rel} imports `crate::engine`"));
        }
    }
    assert!(offenders.is_empty(), "the pure core does no I/O:\n{}", offenders.join("\n"));
}

/// The modules a path after `crate::` names: `engine::Engine` → engine;
/// `{check::eval, engine}` → check, engine.
fn first_segments(after: &str) -> Vec<String> {
    let ident = |s: &str| -> String { s.chars().take_while(|c| c.is_ascii_alphanumeric() || *c == '_').collect() };
    let Some(group) = after.strip_prefix('{') else {
        return vec![ident(after)].into_iter().filter(|s| !s.is_empty()).collect();
    };
    // Items of the group at its own depth, each named by its first segment.
    let (mut depth, mut items, mut start) = (0usize, Vec::new(), 0);
    for (i, c) in group.char_indices() {
        match c {
            '{' => depth += 1,
            '}' if depth == 0 => {
                items.push(&group[start..i]);
                break;
            }
            '}' => depth -= 1,
            ',' if depth == 0 => {
                items.push(&group[start..i]);
                start = i + 1;
            }
            _ => {}
        }
    }
    items.into_iter().map(|item| ident(item.trim())).filter(|s| !s.is_empty() && s != "self").collect()
}

#[test]
fn grouped_imports_name_every_module() {
    assert_eq!(first_segments("engine::Engine;"), ["engine"]);
    assert_eq!(first_segments("{check::{self, eval}, engine, ui::Ui};"), ["check", "engine", "ui"]);
}

#[test]
fn modules_depend_on_each_other_without_a_cycle() {
    let mut graph: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for (rel, code) in code() {
        let from = module(&rel);
        if from == "main" || from == "lib" {
            continue;
        }
        let deps = graph.entry(from.clone()).or_default();
        for part in code.split("crate::").skip(1) {
            for to in first_segments(part) {
                if to != from {
                    deps.insert(to);
                }
            }
        }
    }
    // Depth-first search, reporting the first circle found.
    fn visit(
        node: &str,
        graph: &BTreeMap<String, BTreeSet<String>>,
        path: &mut Vec<String>,
        done: &mut BTreeSet<String>,
    ) -> Option<Vec<String>> {
        if let Some(i) = path.iter().position(|p| p == node) {
            let mut circle = path[i..].to_vec();
            circle.push(node.to_owned());
            return Some(circle);
        }
        if done.contains(node) {
            return None;
        }
        path.push(node.to_owned());
        for next in graph.get(node).into_iter().flatten() {
            if let Some(c) = visit(next, graph, path, done) {
                return Some(c);
            }
        }
        path.pop();
        done.insert(node.to_owned());
        None
    }
    let mut done = BTreeSet::new();
    for node in graph.keys() {
        if let Some(circle) = visit(node, &graph, &mut Vec::new(), &mut done) {
            panic!("modules depend on each other in a circle: {}", circle.join(" -> "));
        }
    }
    assert!(graph.contains_key("engine") && graph["engine"].contains("check"), "engine depends on check: {graph:?}");
    assert!(!graph["check"].contains("engine"), "check never depends on engine");
}
