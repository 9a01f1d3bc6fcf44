//! The learner's side of a class: the membership (which server, which token), the
//! outbox of reports, and the sender that delivers them in the background.
//!
//! Both live in `class.db` in the data directory (SQLite, WAL), so the prompt and a
//! `check` from a second terminal add to one outbox at once, and nothing is lost when
//! dockerlearn or the server stops: a report leaves the outbox only when the server
//! has acknowledged it. The prompt never waits on the network to go on: it adds to
//! the outbox, and is told (`Link::on_news`) when the sender thread found something
//! (connection, holds, messages), even while the learner sits at the prompt. Only a
//! step that passed waits a moment (`Link::fresh`) for the latest holds, so a hold
//! the instructor just made is not passed by.

use super::http::{ClassError, Client};
use super::protocol::{Ack, Batch, Event, Failure, Inbox, InboxItem, MAX_BATCH, MAX_FAILURES, Report, StepRef};
use crate::check::Verdict;
use anyhow::Context as _;
use rusqlite::{Connection, OptionalExtension, params};
use std::path::{Path, PathBuf};
use std::sync::mpsc;
use std::time::Duration;

const FILE_NAME: &str = "class.db";
/// How often the sender looks for new reports and for the instructor's word.
const POLL: Duration = Duration::from_secs(1);
/// The longest pause between tries while the server does not answer.
const MAX_BACKOFF: Duration = Duration::from_secs(30);

/// The class this learner belongs to.
#[derive(Debug, Clone, PartialEq)]
pub struct Membership {
    pub url: String,
    pub learner: u64,
    pub token: String,
    pub name: String,
    pub course: String,
    /// A CA certificate to trust for this server, besides the system's.
    pub ca: Option<PathBuf>,
}

/// The outbox and membership file. Each process opens its own.
pub struct Outbox {
    conn: Connection,
}

const SCHEMA: &str = "
CREATE TABLE IF NOT EXISTS membership (
    one INTEGER PRIMARY KEY CHECK (one = 1), url TEXT NOT NULL, learner INTEGER NOT NULL,
    token TEXT NOT NULL, name TEXT NOT NULL, course TEXT NOT NULL, ca TEXT, inbox_seen INTEGER NOT NULL DEFAULT 0);
CREATE TABLE IF NOT EXISTS outbox (seq INTEGER PRIMARY KEY AUTOINCREMENT, at INTEGER NOT NULL, event TEXT NOT NULL);
";

pub fn path(data_dir: &Path) -> PathBuf {
    data_dir.join(FILE_NAME)
}

impl Outbox {
    /// Opens the file, when there is one: a learner who never joined has none.
    pub fn existing(data_dir: &Path) -> anyhow::Result<Option<Outbox>> {
        if !path(data_dir).exists() {
            return Ok(None);
        }
        Outbox::open(data_dir).map(Some)
    }

    pub fn open(data_dir: &Path) -> anyhow::Result<Outbox> {
        let file = path(data_dir);
        std::fs::create_dir_all(data_dir).with_context(|| format!("could not create {}", data_dir.display()))?;
        let open = || -> rusqlite::Result<Connection> {
            let conn = Connection::open(&file)?;
            super::store::tune(&conn)?;
            conn.execute_batch(SCHEMA)?;
            Ok(conn)
        };
        let conn = open().with_context(|| {
            format!("could not use {} (the class outbox): move it aside and join the class again", file.display())
        })?;
        // The token is in it: for this user only.
        use std::os::unix::fs::PermissionsExt;
        let _ = std::fs::set_permissions(&file, std::fs::Permissions::from_mode(0o600));
        Ok(Outbox { conn })
    }

    pub fn membership(&self) -> anyhow::Result<Option<Membership>> {
        Ok(self
            .conn
            .query_row("SELECT url, learner, token, name, course, ca FROM membership WHERE one = 1", [], |r| {
                Ok(Membership {
                    url: r.get(0)?,
                    learner: r.get::<_, i64>(1)? as u64,
                    token: r.get(2)?,
                    name: r.get(3)?,
                    course: r.get(4)?,
                    ca: r.get::<_, Option<String>>(5)?.map(PathBuf::from),
                })
            })
            .optional()?)
    }

    /// Joins `m`'s class: what was waiting for another class is dropped.
    pub fn join(&mut self, m: &Membership) -> anyhow::Result<()> {
        let tx = self.conn.transaction()?;
        tx.execute("DELETE FROM outbox", [])?;
        tx.execute(
            "INSERT OR REPLACE INTO membership (one, url, learner, token, name, course, ca, inbox_seen) VALUES (1, ?1, ?2, ?3, ?4, ?5, ?6, 0)",
            params![m.url, m.learner as i64, m.token, m.name, m.course, m.ca.as_ref().map(|p| p.display().to_string())],
        )?;
        tx.commit()?;
        Ok(())
    }

    /// Leaves the class; returns how many reports were still waiting (now dropped).
    pub fn leave(&mut self) -> anyhow::Result<u64> {
        let waiting = self.waiting()?;
        let tx = self.conn.transaction()?;
        tx.execute("DELETE FROM outbox", [])?;
        tx.execute("DELETE FROM membership", [])?;
        tx.commit()?;
        Ok(waiting)
    }

    /// Adds a report; it waits here until the server has it.
    pub fn push(&self, event: &Event, at: i64) -> anyhow::Result<u64> {
        self.conn
            .execute("INSERT INTO outbox (at, event) VALUES (?1, ?2)", params![at, serde_json::to_string(event)?])?;
        Ok(self.conn.last_insert_rowid() as u64)
    }

    /// The oldest reports not yet acknowledged.
    pub fn pending(&self, limit: usize) -> anyhow::Result<Vec<Report>> {
        let mut stmt = self.conn.prepare_cached("SELECT seq, at, event FROM outbox ORDER BY seq LIMIT ?1")?;
        let rows =
            stmt.query_map([limit as i64], |r| Ok((r.get::<_, i64>(0)?, r.get::<_, i64>(1)?, r.get::<_, String>(2)?)))?;
        let mut out = Vec::new();
        for row in rows {
            let (seq, at, event) = row?;
            // A row this version cannot read would block the rest forever: drop it.
            match serde_json::from_str(&event) {
                Ok(event) => out.push(Report { seq: seq as u64, at, event }),
                Err(_) => {
                    self.conn.execute("DELETE FROM outbox WHERE seq = ?1", [seq])?;
                }
            }
        }
        Ok(out)
    }

    /// The server holds everything up to `up_to`.
    pub fn acked(&self, up_to: u64) -> anyhow::Result<()> {
        self.conn.execute("DELETE FROM outbox WHERE seq <= ?1", [up_to as i64])?;
        Ok(())
    }

    pub fn waiting(&self) -> anyhow::Result<u64> {
        Ok(self.conn.query_row("SELECT COUNT(*) FROM outbox", [], |r| r.get::<_, i64>(0))? as u64)
    }

    fn inbox_seen(&self) -> anyhow::Result<u64> {
        Ok(self.conn.query_row("SELECT inbox_seen FROM membership WHERE one = 1", [], |r| r.get::<_, i64>(0))? as u64)
    }

    fn set_inbox_seen(&self, id: u64) -> anyhow::Result<()> {
        self.conn.execute("UPDATE membership SET inbox_seen = MAX(inbox_seen, ?1) WHERE one = 1", [id as i64])?;
        Ok(())
    }
}

/// Sends what waits, in batches, until nothing does.
pub async fn flush(client: &Client, outbox: &Outbox) -> Result<(), FlushError> {
    loop {
        let pending = outbox.pending(MAX_BATCH).map_err(FlushError::Local)?;
        if pending.is_empty() {
            return Ok(());
        }
        let full = pending.len() == MAX_BATCH;
        let ack: Ack = client.post("/api/reports", &Batch { reports: pending }).await.map_err(FlushError::Server)?;
        outbox.acked(ack.up_to).map_err(FlushError::Local)?;
        if !full {
            return Ok(());
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum FlushError {
    #[error(transparent)]
    Server(ClassError),
    #[error("the class outbox: {0:#}")]
    Local(anyhow::Error),
}

pub fn client(m: &Membership) -> anyhow::Result<Client> {
    Ok(Client::new(&m.url, m.ca.as_deref())?.with_token(&m.token))
}

/// Joins the class at `url` with its code; the membership is written to the data dir.
pub async fn join(data_dir: &Path, url: &str, code: &str, name: &str, ca: Option<&Path>) -> anyhow::Result<Membership> {
    let client = Client::new(url, ca)?;
    let joined: super::protocol::Joined = client
        .post("/api/join", &super::protocol::JoinRequest { code: code.to_owned(), name: name.to_owned() })
        .await
        .map_err(|e| match e.status() {
            Some(403) => {
                anyhow::anyhow!("{e}\nCheck the code your instructor gave (letters and digits; case does not matter).")
            }
            _ => anyhow::anyhow!("{e}"),
        })?;
    let m = Membership {
        url: client.base().to_owned(),
        learner: joined.learner,
        token: joined.token,
        name: joined.name,
        course: joined.course,
        ca: ca.map(Path::to_path_buf),
    };
    Outbox::open(data_dir)?.join(&m)?;
    Ok(m)
}

/// What one round of the sender found, for the prompt's next turn.
#[derive(Debug, Clone, PartialEq)]
pub enum Update {
    /// The connection changed: whether the server answered, how many reports still
    /// wait, and why not.
    Connection {
        connected: bool,
        waiting: u64,
        why: Option<String>,
    },
    /// The holds changed (all of them, as they are now).
    Holds(Vec<StepRef>),
    Item(InboxItem),
}

/// The prompt's link to its class: reports go in, updates come out.
pub struct Link {
    membership: Membership,
    outbox: Outbox,
    wake: Option<mpsc::Sender<()>>,
    updates: mpsc::Receiver<Update>,
    /// One message per round the sender completed.
    rounds: mpsc::Receiver<()>,
    done: mpsc::Receiver<()>,
    /// Called from the sender's thread after a round that found something.
    news: Notify,
}

type Notify = std::sync::Arc<std::sync::Mutex<Option<Box<dyn Fn() + Send>>>>;

impl Link {
    /// Starts the sender thread for `membership`'s class.
    pub fn start(data_dir: &Path, membership: Membership) -> anyhow::Result<Link> {
        let outbox = Outbox::open(data_dir)?;
        let (wake_tx, wake_rx) = mpsc::channel();
        let (updates_tx, updates_rx) = mpsc::channel();
        let (done_tx, done_rx) = mpsc::channel();
        let (rounds_tx, rounds_rx) = mpsc::channel();
        let client = client(&membership)?;
        let sender_box = Outbox::open(data_dir)?;
        let news: Notify = Default::default();
        let told = news.clone();
        std::thread::Builder::new().name("class sender".into()).spawn(move || {
            sender(client, sender_box, wake_rx, updates_tx, rounds_tx, told);
            let _ = done_tx.send(());
        })?;
        Ok(Link {
            membership,
            outbox,
            wake: Some(wake_tx),
            updates: updates_rx,
            rounds: rounds_rx,
            done: done_rx,
            news,
        })
    }

    /// `tell` is called (on the sender's thread) whenever there are updates to read.
    pub fn on_news(&self, tell: impl Fn() + Send + 'static) {
        *self.news.lock().unwrap_or_else(|p| p.into_inner()) = Some(Box::new(tell));
    }

    /// Asks the server now and waits up to `limit` for its answer: the holds as they
    /// are at this moment, before a passed step moves the learner on. Returns what was
    /// found (since the last call), the answer or not.
    pub fn fresh(&self, limit: Duration) -> Vec<Update> {
        while self.rounds.try_recv().is_ok() {}
        if let Some(w) = &self.wake {
            let _ = w.send(());
        }
        let _ = self.rounds.recv_timeout(limit);
        self.updates()
    }

    pub fn membership(&self) -> &Membership {
        &self.membership
    }

    /// Adds a report and nudges the sender. A report that cannot even be written down
    /// is lost, and said so.
    pub fn report(&self, event: &Event) -> Result<(), String> {
        let at = crate::progress::now() / 1_000_000;
        self.outbox.push(event, at).map_err(|e| format!("{e:#}"))?;
        if let Some(w) = &self.wake {
            let _ = w.send(());
        }
        Ok(())
    }

    /// What the sender found since the last call.
    pub fn updates(&self) -> Vec<Update> {
        self.updates.try_iter().collect()
    }

    /// Waits up to `limit` for the sender's first round, and returns all it found.
    pub fn first_round(&self, limit: Duration) -> Vec<Update> {
        match self.rounds.recv_timeout(limit) {
            Ok(()) => self.updates(),
            Err(_) => Vec::new(),
        }
    }

    /// Stops the sender after one last try to deliver what waits (bounded in time).
    pub fn finish(mut self, limit: Duration) -> u64 {
        drop(self.wake.take());
        let _ = self.done.recv_timeout(limit);
        self.outbox.waiting().unwrap_or(0)
    }
}

fn sender(
    client: Client,
    outbox: Outbox,
    wake: mpsc::Receiver<()>,
    updates: mpsc::Sender<Update>,
    rounds: mpsc::Sender<()>,
    news: Notify,
) {
    let Ok(rt) = tokio::runtime::Builder::new_current_thread().enable_all().build() else { return };
    let mut said: Option<bool> = None;
    let mut holds: Option<Vec<StepRef>> = None;
    let mut backoff = POLL;
    loop {
        let result: Result<Inbox, String> = rt.block_on(async {
            flush(&client, &outbox).await.map_err(|e| e.to_string())?;
            let seen = outbox.inbox_seen().map_err(|e| format!("{e:#}"))?;
            client.get::<Inbox>(&format!("/api/inbox?after={seen}")).await.map_err(|e| e.to_string())
        });
        let connected = result.is_ok();
        let waiting = outbox.waiting().unwrap_or(0);
        let mut found = said != Some(connected);
        match result {
            Ok(inbox) => {
                backoff = POLL;
                if said != Some(true) {
                    let _ = updates.send(Update::Connection { connected: true, waiting, why: None });
                }
                if holds.as_ref() != Some(&inbox.holds) {
                    holds = Some(inbox.holds.clone());
                    let _ = updates.send(Update::Holds(inbox.holds));
                    found = true;
                }
                found |= !inbox.items.is_empty();
                for item in inbox.items {
                    let id = item.id;
                    if updates.send(Update::Item(item)).is_ok() {
                        let _ = outbox.set_inbox_seen(id);
                    }
                }
            }
            Err(why) => {
                backoff = (backoff * 2).min(MAX_BACKOFF);
                if said != Some(false) {
                    let _ = updates.send(Update::Connection { connected: false, waiting, why: Some(why) });
                }
            }
        }
        said = Some(connected);
        let _ = rounds.send(());
        if found {
            if let Some(tell) = news.lock().unwrap_or_else(|p| p.into_inner()).as_ref() {
                tell();
            }
        }
        match wake.recv_timeout(backoff) {
            Ok(()) => {
                // Several reports in a row: send them together.
                while wake.try_recv().is_ok() {}
                if !connected {
                    // Retrying at once would only hammer a server that is away.
                    std::thread::sleep(POLL.min(backoff));
                }
            }
            Err(mpsc::RecvTimeoutError::Timeout) => {}
            Err(mpsc::RecvTimeoutError::Disconnected) => {
                let _ = rt.block_on(flush(&client, &outbox));
                return;
            }
        }
    }
}

/// The report an attempt makes: passed, or the failing assertions in their own words.
pub fn attempt(step: StepRef, verdict: &Verdict) -> Event {
    let failures = verdict
        .outcomes
        .iter()
        .filter(|o| o.status != crate::check::Status::Pass)
        .take(MAX_FAILURES)
        .map(|o| Failure { expected: clip(&o.expected), found: clip(&o.found) })
        .collect();
    Event::Attempt { step, passed: verdict.passed(), failures }
}

fn clip(text: &str) -> String {
    text.chars().take(super::protocol::MAX_TEXT).collect()
}

/// A learner's default name: their login.
pub fn default_name() -> String {
    std::env::var("USER").ok().filter(|u| !u.is_empty()).unwrap_or_else(|| "learner".to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn membership() -> Membership {
        Membership {
            url: "http://127.0.0.1:9".into(),
            learner: 4,
            token: "t".into(),
            name: "ana".into(),
            course: "c".into(),
            ca: None,
        }
    }

    #[test]
    fn reports_wait_in_order_until_acknowledged_by_two_writers() {
        let dir = tempfile::tempdir().unwrap();
        let mut a = Outbox::open(dir.path()).unwrap();
        a.join(&membership()).unwrap();
        let b = Outbox::open(dir.path()).unwrap();
        let ev = Event::Solution { step: StepRef::new("l", "s") };
        let s1 = a.push(&ev, 1).unwrap();
        let s2 = b.push(&ev, 2).unwrap();
        assert!(s2 > s1);
        assert_eq!(a.pending(10).unwrap().iter().map(|r| r.seq).collect::<Vec<_>>(), vec![s1, s2]);
        b.acked(s1).unwrap();
        assert_eq!(a.waiting().unwrap(), 1);
        assert_eq!(b.membership().unwrap(), Some(membership()));
        assert_eq!(a.leave().unwrap(), 1);
        assert_eq!(b.membership().unwrap(), None);
    }
}
