//! Where a class is kept: learners, every report that arrived, every instructor
//! action. One trait, so a server store (PostgreSQL, for a course served by several
//! instances) can stand beside the embedded one; `Sqlite` is that embedded one: one
//! file in WAL mode, each request one transaction, so a crash or `kill -9` of the
//! server loses nothing it has answered.

use super::protocol::{Action, Report};
use super::token::Digest32;
use anyhow::Context as _;
use rusqlite::{Connection, OptionalExtension, params};
use std::path::Path;
use std::sync::Mutex;

/// A class's fixed facts, made when the store is first opened.
#[derive(Debug, Clone)]
pub struct Setup {
    pub join_code: String,
    pub instructor: Digest32,
    pub course: String,
}

#[derive(Debug, Clone)]
pub struct LearnerRow {
    pub id: u64,
    pub name: String,
    pub token: Digest32,
    pub joined: i64,
}

/// What happened, as replayed into a room after a restart.
#[derive(Debug, Clone)]
pub enum Entry {
    Report { learner: u64, report: Report },
    Action { id: u64, action: Action, at: i64 },
}

pub trait ClassStore: Send + Sync {
    /// The class's setup, made from `fresh` when the store is new. A store made for
    /// another course is refused.
    fn setup(&self, fresh: Setup) -> anyhow::Result<Setup>;
    /// Replaces the instructor's token (its digest), when the old one is lost.
    fn set_instructor(&self, digest: &Digest32) -> anyhow::Result<()>;
    fn add_learner(&self, name: &str, token: &Digest32, at: i64) -> anyhow::Result<u64>;
    fn learners(&self) -> anyhow::Result<Vec<LearnerRow>>;
    /// Stores each report once per (learner, seq), several learners' batches in one
    /// transaction; says for each batch which reports were new, and the highest seq
    /// now held for its learner.
    fn append(&self, batches: &[(u64, &[Report])], received: i64) -> anyhow::Result<Vec<(Vec<bool>, u64)>>;
    /// Records an instructor's action; its id orders the learners' inboxes.
    fn act(&self, action: &Action, at: i64) -> anyhow::Result<u64>;
    /// Everything, in the order it happened, for rebuilding the room.
    fn history(&self) -> anyhow::Result<Vec<Entry>>;
    fn report_count(&self) -> anyhow::Result<u64>;
}

pub struct Sqlite {
    conn: Mutex<Connection>,
}

const SCHEMA: &str = "
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS learners (
    id INTEGER PRIMARY KEY, name TEXT NOT NULL, token BLOB NOT NULL UNIQUE, joined INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS reports (
    learner INTEGER NOT NULL, seq INTEGER NOT NULL, at INTEGER NOT NULL, received INTEGER NOT NULL,
    body TEXT NOT NULL, PRIMARY KEY (learner, seq)) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS actions (id INTEGER PRIMARY KEY, at INTEGER NOT NULL, body TEXT NOT NULL);
";

/// The schema's version, in `meta`; a newer one than this binary knows is refused.
const SCHEMA_VERSION: u32 = 1;

impl Sqlite {
    pub fn open(path: &Path) -> anyhow::Result<Sqlite> {
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir).with_context(|| format!("could not create {}", dir.display()))?;
        }
        let conn =
            Connection::open(path).with_context(|| format!("could not open the class database {}", path.display()))?;
        Self::prepare(conn).with_context(|| format!("could not use the class database {}", path.display()))
    }

    fn prepare(conn: Connection) -> anyhow::Result<Sqlite> {
        tune(&conn)?;
        conn.execute_batch(SCHEMA)?;
        let version: Option<String> =
            conn.query_row("SELECT value FROM meta WHERE key = 'schema'", [], |r| r.get(0)).optional()?;
        match version.as_deref().map(str::parse::<u32>) {
            None => {
                conn.execute("INSERT INTO meta VALUES ('schema', ?1)", [SCHEMA_VERSION.to_string()])?;
            }
            Some(Ok(v)) if v <= SCHEMA_VERSION => {}
            Some(_) => anyhow::bail!(
                "it was made by a newer dockerlearn (schema {}); use that version, or another --db file",
                version.unwrap_or_default()
            ),
        }
        Ok(Sqlite { conn: Mutex::new(conn) })
    }

    fn conn(&self) -> std::sync::MutexGuard<'_, Connection> {
        // A panic while holding it left no half-done transaction behind (SQLite rolls
        // it back), so the connection is still good.
        self.conn.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}

/// How every class database is opened, the server's and the learners' outbox alike:
/// WAL, so readers never wait on the writer and several processes share one file;
/// NORMAL, so a commit is in the OS's hands when it returns, which survives the
/// process being killed; and a writer waits up to 5 s for another to finish.
pub fn tune(conn: &Connection) -> rusqlite::Result<()> {
    conn.busy_timeout(std::time::Duration::from_secs(5))?;
    conn.pragma_update(None, "journal_mode", "WAL")?;
    conn.pragma_update(None, "synchronous", "NORMAL")
}

fn meta(conn: &Connection, key: &str) -> rusqlite::Result<Option<String>> {
    conn.query_row("SELECT value FROM meta WHERE key = ?1", [key], |r| r.get(0)).optional()
}

fn digest_of(bytes: Vec<u8>) -> Digest32 {
    bytes.try_into().unwrap_or([0; 32])
}

impl ClassStore for Sqlite {
    fn setup(&self, fresh: Setup) -> anyhow::Result<Setup> {
        let mut conn = self.conn();
        let tx = conn.transaction()?;
        let found = (meta(&tx, "join_code")?, meta(&tx, "instructor")?, meta(&tx, "course")?);
        let setup = match found {
            (Some(join_code), Some(instructor), Some(course)) => {
                let instructor = hex::decode(instructor).map(digest_of).context("the instructor's token is damaged")?;
                Setup { join_code, instructor, course }
            }
            _ => {
                tx.execute("INSERT OR REPLACE INTO meta VALUES ('join_code', ?1)", [&fresh.join_code])?;
                tx.execute("INSERT OR REPLACE INTO meta VALUES ('instructor', ?1)", [hex::encode(fresh.instructor)])?;
                tx.execute("INSERT OR REPLACE INTO meta VALUES ('course', ?1)", [&fresh.course])?;
                fresh.clone()
            }
        };
        tx.commit()?;
        if setup.course != fresh.course {
            anyhow::bail!(
                "this class database belongs to the course `{}`, not `{}`: serve that course (--lessons), or pass another --db file",
                setup.course,
                fresh.course
            );
        }
        Ok(setup)
    }

    fn set_instructor(&self, digest: &Digest32) -> anyhow::Result<()> {
        self.conn().execute("INSERT OR REPLACE INTO meta VALUES ('instructor', ?1)", [hex::encode(digest)])?;
        Ok(())
    }

    fn add_learner(&self, name: &str, token: &Digest32, at: i64) -> anyhow::Result<u64> {
        let conn = self.conn();
        conn.execute("INSERT INTO learners (name, token, joined) VALUES (?1, ?2, ?3)", params![name, &token[..], at])?;
        Ok(conn.last_insert_rowid() as u64)
    }

    fn learners(&self) -> anyhow::Result<Vec<LearnerRow>> {
        let conn = self.conn();
        let mut stmt = conn.prepare("SELECT id, name, token, joined FROM learners ORDER BY id")?;
        let rows = stmt.query_map([], |r| {
            Ok(LearnerRow {
                id: r.get::<_, i64>(0)? as u64,
                name: r.get(1)?,
                token: digest_of(r.get(2)?),
                joined: r.get(3)?,
            })
        })?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    fn append(&self, batches: &[(u64, &[Report])], received: i64) -> anyhow::Result<Vec<(Vec<bool>, u64)>> {
        let mut conn = self.conn();
        let tx = conn.transaction()?;
        let mut out = Vec::with_capacity(batches.len());
        {
            let mut insert = tx.prepare_cached(
                "INSERT OR IGNORE INTO reports (learner, seq, at, received, body) VALUES (?1, ?2, ?3, ?4, ?5)",
            )?;
            let mut highest = tx.prepare_cached("SELECT COALESCE(MAX(seq), 0) FROM reports WHERE learner = ?1")?;
            for (learner, reports) in batches {
                let mut new = Vec::with_capacity(reports.len());
                for r in *reports {
                    let body = serde_json::to_string(&r.event)?;
                    new.push(insert.execute(params![*learner as i64, r.seq as i64, r.at, received, body])? == 1);
                }
                let up_to: i64 = highest.query_row([*learner as i64], |r| r.get(0))?;
                out.push((new, up_to as u64));
            }
        }
        tx.commit()?;
        Ok(out)
    }

    fn act(&self, action: &Action, at: i64) -> anyhow::Result<u64> {
        let conn = self.conn();
        conn.execute("INSERT INTO actions (at, body) VALUES (?1, ?2)", params![at, serde_json::to_string(action)?])?;
        Ok(conn.last_insert_rowid() as u64)
    }

    fn history(&self) -> anyhow::Result<Vec<Entry>> {
        let conn = self.conn();
        let mut entries: Vec<(i64, Entry)> = Vec::new();
        let mut stmt = conn.prepare("SELECT learner, seq, at, body FROM reports ORDER BY at, learner, seq")?;
        let mut rows = stmt.query([])?;
        while let Some(r) = rows.next()? {
            let (learner, seq, at, body): (i64, i64, i64, String) = (r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?);
            let event = serde_json::from_str(&body).context("a stored report is damaged")?;
            entries
                .push((at, Entry::Report { learner: learner as u64, report: Report { seq: seq as u64, at, event } }));
        }
        let mut stmt = conn.prepare("SELECT id, at, body FROM actions ORDER BY id")?;
        let mut rows = stmt.query([])?;
        while let Some(r) = rows.next()? {
            let (id, at, body): (i64, i64, String) = (r.get(0)?, r.get(1)?, r.get(2)?);
            let action = serde_json::from_str(&body).context("a stored action is damaged")?;
            entries.push((at, Entry::Action { id: id as u64, action, at }));
        }
        // A stable sort keeps each kind's own order among equal times.
        entries.sort_by_key(|(at, _)| *at);
        Ok(entries.into_iter().map(|(_, e)| e).collect())
    }

    fn report_count(&self) -> anyhow::Result<u64> {
        let n: i64 = self.conn().query_row("SELECT COUNT(*) FROM reports", [], |r| r.get(0))?;
        Ok(n as u64)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::class::protocol::{Event, StepRef};

    fn setup(course: &str) -> Setup {
        Setup { join_code: "CODE".into(), instructor: [7; 32], course: course.into() }
    }

    #[test]
    fn reports_are_stored_once_and_survive_reopening() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("class.db");
        let store = Sqlite::open(&path).unwrap();
        assert_eq!(store.setup(setup("c")).unwrap().join_code, "CODE");
        let id = store.add_learner("ana", &[1; 32], 0).unwrap();
        let r = |seq| Report { seq, at: seq as i64, event: Event::Solution { step: StepRef::new("l", "s") } };
        assert_eq!(store.append(&[(id, &[r(1), r(2)])], 9).unwrap(), vec![(vec![true, true], 2)]);
        let other = store.add_learner("ben", &[2; 32], 0).unwrap();
        let both = store.append(&[(id, &[r(2), r(3)]), (other, &[r(1)])], 9).unwrap();
        assert_eq!(both, vec![(vec![false, true], 3), (vec![true], 1)]);
        store.act(&Action::Release { step: None }, 1).unwrap();
        drop(store);
        let again = Sqlite::open(&path).unwrap();
        let kept = again.setup(Setup { join_code: "OTHER".into(), ..setup("c") }).unwrap();
        assert_eq!(kept.join_code, "CODE", "a restart keeps the class's code");
        assert_eq!(again.report_count().unwrap(), 4);
        assert_eq!(again.history().unwrap().len(), 5);
        assert_eq!(again.learners().unwrap()[0].token, [1; 32]);
        assert!(again.setup(setup("other-course")).is_err());
    }
}
