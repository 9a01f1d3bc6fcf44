//! The command line. Doc comments here are the `--help` text: they teach.

use clap::{Parser, Subcommand};
use std::path::PathBuf;

/// Learn Docker by doing it: lessons in your terminal, checked against your real Docker engine.
///
/// Each step asks you to do something with Docker. You type real commands at the prompt;
/// after each one dockerlearn looks at the engine (containers, images, events) and tells
/// you whether the step is done, and if not, what it found instead.
#[derive(Debug, Parser)]
#[command(name = "dockerlearn", version, propagate_version = true)]
#[command(
    after_help = "Start with `dockerlearn start`. Inside, type :help for the prompt's own commands."
)]
pub struct Cli {
    /// Use the course in DIR (DIR/lessons/course.yaml, DIR/lessons/*.md, DIR/checks/*.yaml)
    /// instead of the built-in one.
    #[arg(long, global = true, env = "DOCKERLEARN_LESSONS", value_name = "DIR")]
    pub lessons: Option<PathBuf>,

    /// Keep progress and prompt history in DIR instead of your data directory
    /// (~/.local/share/dockerlearn on Linux).
    #[arg(long, global = true, env = "DOCKERLEARN_DATA_DIR", value_name = "DIR")]
    pub data_dir: Option<PathBuf>,

    /// Only look at containers and events carrying this label, e.g.
    /// `org.dockerlearn.class=monday`, so a shared engine's other containers do not count.
    #[arg(
        long,
        global = true,
        env = "DOCKERLEARN_SCOPE",
        value_name = "KEY=VALUE"
    )]
    pub scope: Option<String>,

    #[command(subcommand)]
    pub command: Option<Command>,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Start the course, or resume where you left off, in an interactive prompt.
    ///
    /// With LESSON (an id from `dockerlearn list`, or its number), go to that lesson.
    Start {
        /// The lesson to open, by id (`hello-world`) or number (`2`).
        lesson: Option<String>,
    },
    /// List the lessons and how far you are in each.
    List,
    /// Print a lesson, to read it or hand it out.
    Show {
        /// The lesson, by id or number.
        lesson: String,
        /// Include hints and solutions.
        #[arg(long)]
        solutions: bool,
    },
    /// Check one step against the engine, for scripts and second terminals.
    ///
    /// Without a target, checks the step you are on. Exit status: 0 passed, 1 not passed
    /// yet, 2 bad usage or course, 3 the engine could not be asked.
    Check {
        /// `LESSON` (its current step) or `LESSON/STEP`.
        target: Option<String>,
        /// Print the verdict as JSON.
        #[arg(long)]
        json: bool,
    },
}
