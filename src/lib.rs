//! dockerlearn: Markdown lessons rendered in a terminal REPL, each step checked against
//! the learner's real Docker engine.
//!
//! Data flows one way: `course` loads lessons (`lesson`) and checkpoints (`check`);
//! `repl` feeds learner input to the pure `session`; `engine` observes Docker and
//! `check::eval` judges the observation; `ui` prints; `progress` remembers.
//! `app` hands each command to its module in `commands`.

pub mod app;
pub mod check;
pub mod class;
pub mod clean;
pub mod cli;
pub mod commands;
pub mod course;
pub mod diagnostic;
pub mod doctor;
pub mod engine;
pub mod explain;
pub mod guard;
pub mod kit;
pub mod lesson;
pub mod lint;
pub mod map;
pub mod narrate;
pub mod prepare;
pub mod progress;
pub mod reference;
pub mod repl;
pub mod sandbox;
pub mod scaffold;
pub mod session;
pub mod shell;
pub mod snapshot;
pub mod starter;
pub mod traffic;
pub mod ui;
pub mod verify;
pub mod yaml;
