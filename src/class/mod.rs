//! The classroom: learners' prompts report what they do to the instructor's server,
//! which keeps the class in SQLite and shows it live on a board.
//!
//! ```text
//! learner prompt ── session effects ──> outbox (class.db, durable) ──HTTP──> class serve
//!      ^                                                                 │ room (pure) + store (SQLite, WAL)
//!      └──── inbox: holds, messages, marks <── poll ────────────────────┤
//! instructor browser <── server-sent events ── board page ──────────────┘
//! ```
//!
//! The learner never waits on the network: reports go to a durable outbox and a
//! background sender delivers them with retry; the server deduplicates by
//! (learner, seq), so a resend after a crash or an outage counts once.
//!
//! `protocol` is the wire format both sides share; `room` is the pure model of the
//! class and the board derived from it; `store` keeps what arrived (one trait, SQLite
//! behind it); `server` is the HTTP side; `learner` is the prompt's side (membership,
//! outbox, sender, inbox); `http` is the client both the learner and the instructor's
//! terminal commands use.

pub mod http;
pub mod learner;
pub mod protocol;
pub mod room;
pub mod server;
pub mod store;
pub mod token;
