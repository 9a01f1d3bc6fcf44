//! What dockerlearn knows about docker's commands and flags: `explain/docker.yaml`,
//! embedded in the binary, with an author's file merged over it.

use serde::Deserialize;
use std::collections::BTreeMap;
use std::path::Path;

/// The newest knowledge-file format this build reads.
pub const FORMAT_VERSION: u32 = 1;
/// The environment variable naming an extra knowledge file.
pub const ENV: &str = "DOCKERLEARN_EXPLAIN";
/// The extra knowledge file a course directory may hold.
pub const COURSE_FILE: &str = "explain.yaml";

const BUILTIN: &str = include_str!("../../explain/docker.yaml");

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct File {
    format_version: u32,
    commands: BTreeMap<String, Command>,
}

/// One command (`run`, `volume create`).
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Command {
    #[serde(default)]
    pub summary: String,
    /// Another command this one is a second name of (`container ls` → `ps`).
    #[serde(default)]
    pub same_as: Option<String>,
    #[serde(default)]
    pub args: Vec<Arg>,
    #[serde(default)]
    pub flags: Vec<Flag>,
}

/// A word after the flags.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Arg {
    pub kind: ArgKind,
    pub what: String,
    #[serde(default)]
    pub many: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ArgKind {
    Image,
    /// The rest of the line is a command for inside the container.
    Command,
    Container,
    /// `CONTAINER:PATH` or a host path.
    Copy,
    Text,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Flag {
    pub names: Vec<String>,
    /// What the flag's value is, when it takes one (`port`, `volume`, `env`, `mount`, ...).
    #[serde(default)]
    pub value: Option<String>,
    pub text: String,
}

/// The merged knowledge.
#[derive(Debug, Clone)]
pub struct Knowledge {
    commands: BTreeMap<String, Command>,
}

impl Knowledge {
    /// The knowledge shipped in the binary.
    pub fn builtin() -> Knowledge {
        let file: File = serde_yaml::from_str(BUILTIN).expect("explain/docker.yaml is valid (a unit test reads it)");
        Knowledge { commands: file.commands }
    }

    /// The built-in knowledge, with `DIR/explain.yaml` of a course directory and the
    /// file named by `DOCKERLEARN_EXPLAIN` merged over it, when they exist.
    pub fn load(course_dir: Option<&Path>) -> anyhow::Result<Knowledge> {
        let mut k = Knowledge::builtin();
        let mut extra: Vec<std::path::PathBuf> = course_dir.map(|d| d.join(COURSE_FILE)).into_iter().collect();
        extra.extend(std::env::var_os(ENV).map(Into::into));
        for path in extra.iter().filter(|p| p.exists()) {
            let text =
                std::fs::read_to_string(path).map_err(|e| anyhow::anyhow!("cannot read {}: {e}", path.display()))?;
            k.merge(&text).map_err(|e| anyhow::anyhow!("{}: {e}. Fix the file, or remove it.", path.display()))?;
        }
        Ok(k)
    }

    /// Merges a knowledge file over this one: a command it names gets its summary and
    /// args (when given) and its flags added, replacing flags with a name in common.
    pub fn merge(&mut self, yaml: &str) -> Result<(), String> {
        let file: File = serde_yaml::from_str(yaml).map_err(|e| e.to_string())?;
        if file.format_version > FORMAT_VERSION {
            return Err(format!(
                "format_version {} is newer than this dockerlearn reads ({FORMAT_VERSION}); upgrade dockerlearn",
                file.format_version
            ));
        }
        for (name, new) in file.commands {
            let old = self.commands.entry(name).or_default();
            if !new.summary.is_empty() {
                old.summary = new.summary;
            }
            if new.same_as.is_some() {
                old.same_as = new.same_as;
            }
            if !new.args.is_empty() {
                old.args = new.args;
            }
            for flag in new.flags {
                old.flags.retain(|f| !f.names.iter().any(|n| flag.names.contains(n)));
                old.flags.push(flag);
            }
        }
        Ok(())
    }

    /// A command by its words after `docker` (`volume create`), following `same_as`.
    pub fn command(&self, path: &str) -> Option<&Command> {
        let c = self.commands.get(path)?;
        match &c.same_as {
            Some(other) => self.commands.get(other).or(Some(c)),
            None => Some(c),
        }
    }

    /// Whether `path` has subcommands (`volume`, `compose`).
    pub fn is_group(&self, path: &str) -> bool {
        let prefix = format!("{path} ");
        self.commands.keys().any(|k| k.starts_with(&prefix))
    }

    /// The subcommands of a group, for messages.
    pub fn subcommands(&self, path: &str) -> Vec<&str> {
        let prefix = format!("{path} ");
        self.commands.keys().filter_map(|k| k.strip_prefix(&prefix)).filter(|s| !s.contains(' ')).collect()
    }
}

impl Command {
    pub fn flag(&self, name: &str) -> Option<&Flag> {
        self.flags.iter().find(|f| f.names.iter().any(|n| n == name))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_builtin_file_reads_and_aliases_resolve() {
        let k = Knowledge::builtin();
        assert!(k.command("run").unwrap().flag("-p").is_some());
        assert!(k.command("create").unwrap().flag("--publish").is_some(), "anchors are shared");
        assert_eq!(k.command("container ls").unwrap().summary, k.command("ps").unwrap().summary);
        assert!(k.is_group("volume") && k.is_group("image") && !k.is_group("run"));
    }

    #[test]
    fn an_authors_file_adds_and_replaces() {
        let mut k = Knowledge::builtin();
        k.merge(
            "format_version: 1\ncommands:\n  run:\n    flags:\n      - {names: [--rm], text: gone after}\n      - {names: [--gpus], value: text, text: use GPUs}\n  scout:\n    summary: look for vulnerabilities\n",
        )
        .unwrap();
        assert_eq!(k.command("run").unwrap().flag("--rm").unwrap().text, "gone after");
        assert!(k.command("run").unwrap().flag("--gpus").is_some());
        assert!(k.command("run").unwrap().flag("-p").is_some());
        assert_eq!(k.command("scout").unwrap().summary, "look for vulnerabilities");
        assert!(k.merge("format_version: 9\ncommands: {}\n").unwrap_err().contains("upgrade"));
    }
}
