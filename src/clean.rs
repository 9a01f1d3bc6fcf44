//! What the learner made from dockerlearn's prompt, and `dockerlearn clean`, which
//! removes exactly that. The record is `created.jsonl` in the data directory: one JSON
//! object a line (kind, id, name, time), appended as commands run, fed by the engine's
//! events of each command. What existed before a command, or was made outside the
//! prompt, is never recorded, so never removed.
//!
//! Pure parts: `created_by` (events + the engine before → records) and `plan`
//! (records + the engine now → removals). The file is read forgivingly: lines it
//! cannot read are skipped.

use crate::narrate::Event;
use crate::snapshot::Snapshot;
use serde::{Deserialize, Serialize};
use std::io::Write as _;
use std::path::{Path, PathBuf};

/// The record's file name in the data directory.
pub const FILE: &str = "created.jsonl";
/// The newest record format this build writes; newer lines are skipped.
pub const FORMAT_VERSION: u32 = 1;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Kind {
    Container,
    Network,
    Volume,
    Image,
}

impl Kind {
    pub fn word(self) -> &'static str {
        match self {
            Kind::Container => "container",
            Kind::Network => "network",
            Kind::Volume => "volume",
            Kind::Image => "image",
        }
    }
}

/// One object the learner made.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Record {
    #[serde(default = "version_one")]
    pub format_version: u32,
    pub kind: Kind,
    /// Container, network or image id; a volume's name.
    pub id: String,
    /// Container or network name; for an image, the tag the learner gave it (if any).
    #[serde(default)]
    pub name: String,
    /// Unix seconds.
    pub time: i64,
}

fn version_one() -> u32 {
    FORMAT_VERSION
}

impl Record {
    /// A record of this format, made at `time` (Unix seconds).
    pub fn new(kind: Kind, id: &str, name: &str, time: i64) -> Record {
        Record { format_version: FORMAT_VERSION, kind, id: id.to_owned(), name: name.to_owned(), time }
    }
}

/// What a command made, from its events and the engine before it: new containers,
/// networks and volumes, and images (or tags) that were not there before.
pub fn created_by(events: &[Event], before: &Snapshot, time: i64) -> Vec<Record> {
    let record = |kind, id: &str, name: &str| Record::new(kind, id, name, time);
    let mut out: Vec<Record> = Vec::new();
    for e in events {
        let name = e.attributes.get("name").map(String::as_str).unwrap_or_default();
        let r = match (e.kind.as_str(), e.action.as_str()) {
            ("container", "create") => Some(record(Kind::Container, &e.id, name)),
            ("network", "create") if !before.networks.iter().any(|n| n.id == e.id) => {
                Some(record(Kind::Network, &e.id, name))
            }
            ("volume", "create") if !before.volumes.iter().any(|v| v.name == e.id) => {
                Some(record(Kind::Volume, &e.id, &e.id))
            }
            ("image", "tag") if !before.images.iter().any(|i| i.tags.iter().any(|t| t == name)) => {
                Some(record(Kind::Image, &e.id, name))
            }
            ("image", "pull" | "import" | "load") => {
                // A pull names the reference; the others the image id.
                let id = if e.id.starts_with("sha256:") { e.id.as_str() } else { "" };
                let existed = before.images.iter().any(|i| i.id == id || i.is(&e.id));
                let tag = if name.starts_with("sha256:") { "" } else { name };
                (!existed).then(|| record(Kind::Image, if id.is_empty() { &e.id } else { id }, tag))
            }
            _ => None,
        };
        if let Some(r) = r.filter(|r| !out.iter().any(|o| o.kind == r.kind && o.id == r.id && o.name == r.name)) {
            out.push(r);
        }
    }
    out
}

/// One removal `clean` would do.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Removal {
    pub kind: Kind,
    /// What the engine is asked to remove: an id, a volume's name, an image's tag.
    pub target: String,
    /// How it is shown.
    pub shown: String,
}

/// The removals for the recorded objects that still exist, in an order the engine
/// accepts: containers, then networks and volumes, then images.
pub fn plan(records: &[Record], now: &Snapshot) -> Vec<Removal> {
    let mut out: Vec<Removal> = Vec::new();
    for r in records {
        let removal = match r.kind {
            Kind::Container => now.containers.iter().find(|c| c.id == r.id).map(|c| (c.id.clone(), c.name.clone())),
            Kind::Network => now.networks.iter().find(|n| n.id == r.id).map(|n| (n.id.clone(), n.name.clone())),
            Kind::Volume => now.volumes.iter().find(|v| v.name == r.id).map(|v| (v.name.clone(), v.name.clone())),
            Kind::Image => {
                let tagged = |i: &&crate::snapshot::Image| i.tags.contains(&r.name);
                match r.name.is_empty() {
                    // A tag the learner gave: removed only while it still names something.
                    false => now.images.iter().find(tagged).map(|_| (r.name.clone(), r.name.clone())),
                    true => now.images.iter().find(|i| i.id == r.id).map(|i| (i.id.clone(), short(&i.id))),
                }
            }
        };
        if let Some((target, shown)) = removal {
            let removal = Removal { kind: r.kind, target, shown };
            if !out.contains(&removal) {
                out.push(removal);
            }
        }
    }
    out.sort_by_key(|r| r.kind);
    out
}

fn short(id: &str) -> String {
    id.trim_start_matches("sha256:").chars().take(12).collect()
}

/// The record file of a data directory.
#[derive(Debug, Clone)]
pub struct Ledger {
    path: PathBuf,
}

impl Ledger {
    pub fn in_dir(data_dir: &Path) -> Ledger {
        Ledger { path: data_dir.join(FILE) }
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Every record this build can read; none when there is no file yet.
    pub fn load(&self) -> std::io::Result<Vec<Record>> {
        let text = match std::fs::read_to_string(&self.path) {
            Ok(t) => t,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
            Err(e) => return Err(e),
        };
        Ok(text
            .lines()
            .filter_map(|l| serde_json::from_str::<Record>(l).ok())
            .filter(|r| r.format_version <= FORMAT_VERSION)
            .collect())
    }

    /// The ids of the recorded containers.
    pub fn containers(&self) -> std::io::Result<std::collections::BTreeSet<String>> {
        Ok(self.load()?.into_iter().filter(|r| r.kind == Kind::Container).map(|r| r.id).collect())
    }

    /// Adds records at the end of the file (made if missing).
    pub fn append(&self, records: &[Record]) -> std::io::Result<()> {
        if records.is_empty() {
            return Ok(());
        }
        if let Some(dir) = self.path.parent() {
            std::fs::create_dir_all(dir)?;
        }
        let mut text = String::new();
        for r in records {
            text.push_str(&serde_json::to_string(r).map_err(std::io::Error::other)?);
            text.push('\n');
        }
        let mut f = std::fs::OpenOptions::new().create(true).append(true).open(&self.path)?;
        f.write_all(text.as_bytes())
    }

    /// Replaces the file with `records`, atomically (a temporary file renamed over it).
    pub fn replace(&self, records: &[Record]) -> std::io::Result<()> {
        let dir = self.path.parent().unwrap_or(Path::new("."));
        std::fs::create_dir_all(dir)?;
        let mut tmp = tempfile::NamedTempFile::new_in(dir)?;
        for r in records {
            writeln!(tmp, "{}", serde_json::to_string(r).map_err(std::io::Error::other)?)?;
        }
        tmp.persist(&self.path).map_err(|e| e.error)?;
        Ok(())
    }
}

/// What `clean` lists before asking.
pub fn render_plan(plan: &[Removal]) -> String {
    if plan.is_empty() {
        return "Nothing to clean: nothing made from dockerlearn's prompt is left on the engine.".to_owned();
    }
    let mut out = format!("Made from dockerlearn's prompt and still there ({}):\n", plan.len());
    for r in plan {
        out.push_str(&format!("  {:<9} {}\n", r.kind.word(), r.shown));
    }
    out.trim_end().to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::snapshot::{Container, Image, Network, Volume};

    fn ev(kind: &str, action: &str, id: &str, name: &str) -> Event {
        let named = [("name", name)];
        Event::of(kind, action, id, if name.is_empty() { &[] } else { &named })
    }

    fn before() -> Snapshot {
        Snapshot {
            images: vec![Image { id: "sha256:aaa".into(), tags: vec!["python:3.12-slim".into()] }],
            volumes: vec![Volume { name: "old".into(), ..Volume::default() }],
            networks: vec![Network { id: "n-old".into(), name: "oldnet".into(), ..Network::default() }],
            ..Snapshot::default()
        }
    }

    #[test]
    fn only_what_is_new_is_recorded() {
        let events = [
            ev("container", "create", "c1", "web"),
            ev("container", "start", "c1", "web"),
            ev("volume", "create", "old", ""),
            ev("volume", "create", "notes", ""),
            ev("network", "create", "n-new", "appnet"),
            ev("network", "create", "n-old", "oldnet"),
            ev("image", "pull", "python:3.12-slim", "python:3.12-slim"),
            ev("image", "tag", "sha256:bbb", "whalesay:latest"),
            ev("image", "tag", "sha256:aaa", "python:3.12-slim"),
            ev("image", "import", "sha256:ccc", "sha256:ccc"),
        ];
        let made: Vec<(Kind, String, String)> =
            created_by(&events, &before(), 7).into_iter().map(|r| (r.kind, r.id, r.name)).collect();
        assert_eq!(
            made,
            [
                (Kind::Container, "c1".into(), "web".into()),
                (Kind::Volume, "notes".into(), "notes".into()),
                (Kind::Network, "n-new".into(), "appnet".into()),
                (Kind::Image, "sha256:bbb".into(), "whalesay:latest".into()),
                (Kind::Image, "sha256:ccc".into(), String::new()),
            ]
        );
    }

    #[test]
    fn the_plan_removes_what_is_still_there_containers_first() {
        let records = created_by(
            &[
                ev("image", "tag", "sha256:bbb", "whalesay:latest"),
                ev("volume", "create", "notes", ""),
                ev("container", "create", "c1", "web"),
                ev("container", "create", "gone", "old"),
            ],
            &Snapshot::default(),
            1,
        );
        let now = Snapshot {
            containers: vec![Container { id: "c1".into(), name: "web".into(), ..Container::default() }],
            images: vec![Image { id: "sha256:bbb".into(), tags: vec!["whalesay:latest".into()] }],
            volumes: vec![Volume { name: "notes".into(), ..Volume::default() }],
            ..Snapshot::default()
        };
        let shown: Vec<String> =
            plan(&records, &now).iter().map(|r| format!("{} {}", r.kind.word(), r.target)).collect();
        assert_eq!(shown, ["container c1", "volume notes", "image whalesay:latest"]);
        assert!(render_plan(&plan(&records, &now)).contains("  container web"));
        assert!(render_plan(&[]).starts_with("Nothing to clean"));
    }

    #[test]
    fn the_ledger_appends_replaces_and_skips_what_it_cannot_read() {
        let dir = tempfile::tempdir().unwrap();
        let ledger = Ledger::in_dir(dir.path());
        assert!(ledger.load().unwrap().is_empty());
        let r = created_by(&[ev("container", "create", "c1", "web")], &Snapshot::default(), 1);
        ledger.append(&r).unwrap();
        std::fs::write(
            ledger.path(),
            std::fs::read_to_string(ledger.path()).unwrap()
                + "garbage\n{\"format_version\":9,\"kind\":\"volume\",\"id\":\"x\",\"time\":1}\n",
        )
        .unwrap();
        ledger.append(&r).unwrap();
        assert_eq!(ledger.load().unwrap(), [r[0].clone(), r[0].clone()]);
        ledger.replace(&[]).unwrap();
        assert!(ledger.load().unwrap().is_empty());
    }
}
