//! `dockerlearn new LESSON`: a new lesson and its checks file that already lint clean,
//! added to the course manifest (a course skeleton is made first where there is none).

use crate::course::MANIFEST;
use crate::lesson::parse::is_valid_id;
use anyhow::{Context, bail};
use std::path::{Path, PathBuf};

/// What was written, for the message to the author.
pub struct Created {
    pub lesson: PathBuf,
    pub checks: PathBuf,
    pub manifest_created: bool,
}

pub fn new_lesson(dir: &Path, id: &str, title: Option<&str>) -> anyhow::Result<Created> {
    if !is_valid_id(id) {
        bail!(
            "`{id}` cannot be a lesson id: use lowercase letters, digits and `-`, like `volumes` or `my-first-image`"
        );
    }
    let manifest = dir.join(MANIFEST);
    let manifest_created = !manifest.exists();
    if manifest_created {
        let lessons = dir.join("lessons");
        std::fs::create_dir_all(&lessons).with_context(|| format!("could not create {}", lessons.display()))?;
        let course_id = dir
            .canonicalize()
            .ok()
            .and_then(|d| d.file_name().map(|n| n.to_string_lossy().to_lowercase()))
            .map(|n| n.chars().map(|c| if c.is_ascii_alphanumeric() { c } else { '-' }).collect::<String>())
            .filter(|n| is_valid_id(n))
            .unwrap_or_else(|| "my-course".to_owned());
        std::fs::write(
            &manifest,
            format!(
                "format_version: 1\nid: {course_id}\ntitle: My Docker course\nwelcome: |\n  Welcome! Type the commands at the prompt; dockerlearn checks each step.\nlessons:\n"
            ),
        )?;
    }
    let text = std::fs::read_to_string(&manifest).with_context(|| format!("reading {}", manifest.display()))?;
    let listed = text.lines().filter(|l| l.trim_start().starts_with("- ")).count();
    if text.lines().any(|l| l.trim_start().strip_prefix("- ").is_some_and(|r| r.trim() == id)) {
        bail!("the course already has a lesson `{id}`");
    }
    let lesson = dir.join("lessons").join(format!("{:02}-{id}.md", listed + 1));
    let checks = dir.join("checks").join(format!("{id}.yaml"));
    for p in [&lesson, &checks] {
        if p.exists() {
            bail!("{} exists already: choose another id or move it away", p.display());
        }
    }
    let title = title.map(str::to_owned).unwrap_or_else(|| {
        let t = id.replace('-', " ");
        let mut c = t.chars();
        c.next().map(|f| f.to_uppercase().chain(c).collect()).unwrap_or_default()
    });
    let checks_dir = dir.join("checks");
    std::fs::create_dir_all(&checks_dir).with_context(|| format!("could not create {}", checks_dir.display()))?;
    std::fs::write(&lesson, lesson_template(id, &title))
        .with_context(|| format!("could not write {}", lesson.display()))?;
    std::fs::write(&checks, checks_template(id)).with_context(|| format!("could not write {}", checks.display()))?;
    let mut text = text;
    if !text.ends_with('\n') {
        text.push('\n');
    }
    if !text.lines().any(|l| l.trim_end() == "lessons:") {
        text.push_str("lessons:\n");
    }
    text.push_str(&format!("  - {id}\n"));
    std::fs::write(&manifest, text).with_context(|| format!("could not write {}", manifest.display()))?;
    Ok(Created { lesson, checks, manifest_created })
}

/// The new lesson's front matter, written by serde_yaml so any title is quoted as YAML
/// needs (`a: b`, `#1`, `"quoted"`).
#[derive(serde::Serialize)]
struct FrontMatter<'a> {
    title: &'a str,
    objectives: [&'a str; 1],
    minutes: u32,
    images: [&'a str; 1],
}

fn lesson_template(id: &str, title: &str) -> String {
    let front = FrontMatter {
        title,
        objectives: ["Say what the learner will be able to do afterwards"],
        minutes: 10,
        images: ["hello-world"],
    };
    let front = serde_yaml::to_string(&front).expect("plain strings and numbers serialize");
    format!(
        r#"---
{front}---

Introduce the lesson: why it matters and what the learner will do.

## Run a container {{#run-a-container}}

Tell the learner what to do and why. Commands in a `sh run` block are offered at
the prompt.

```sh run
docker run --name {id}-demo hello-world
```

### Hint

A gentle nudge: what to look at.

### Hint

A stronger one: nearly the answer.

### Solution

These commands are what `dockerlearn verify` runs to prove the step can be done.

```sh run
docker run --name {id}-demo hello-world
```

## Recap {{#recap .read}}

What the learner can do now, in three lines.
"#
    )
}

fn checks_template(id: &str) -> String {
    format!(
        r#"format_version: 1
checkpoints:
  run-a-container:
    - kind: container
      name: {id}-demo
      image: hello-world
      exit_code: 0
      hint: Run `docker run --name {id}-demo hello-world`.
"#
    )
}
