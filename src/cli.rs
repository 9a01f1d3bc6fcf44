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
#[command(after_help = "\
Start with `dockerlearn start`. Inside, type :help for the prompt's own commands.

Examples:
  dockerlearn start                    the course, from where you left off
  dockerlearn start volumes            go to the volumes lesson
  dockerlearn sandbox                  try anything, and see what each command changed
  dockerlearn explain 'docker run -it --rm -p 8080:80 nginx'
  dockerlearn check --json             is the current step done? (from a second terminal)
  dockerlearn doctor                   what would stop the course here, and the fix
  dockerlearn clean --dry-run          what you made from the prompt, to remove")]
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
    /// Repeat it (or separate labels with commas) to look at containers with any of them.
    #[arg(long, global = true, env = "DOCKERLEARN_SCOPE", value_name = "KEY=VALUE", value_delimiter = ',')]
    pub scope: Vec<String>,

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
        /// Join a class first: the server's address and the class's code, as your
        /// instructor gave them (`--join http://10.0.0.5:7878 ABCD-EFGH`).
        #[arg(long, num_args = 2, value_names = ["URL", "CODE"])]
        join: Option<Vec<String>>,
        /// With --join: your name on the instructor's board (default: your login).
        #[arg(long, requires = "join")]
        name: Option<String>,
        /// With --join: trust this CA certificate (PEM) for an https server whose
        /// certificate your instructor made.
        #[arg(long, requires = "join", value_name = "FILE")]
        ca: Option<PathBuf>,
    },
    /// Join a class: your prompt then reports each step you reach, every check and
    /// the help you ask for (`:raise`) to your instructor's board.
    ///
    /// Reports wait on disk until the server has them, so nothing is lost when the
    /// network or the server is away. `dockerlearn leave` leaves the class.
    Join {
        /// The class server's address, e.g. `http://10.0.0.5:7878`.
        url: String,
        /// The class's join code (case, spaces and dashes do not matter).
        code: String,
        /// Your name on the board (default: your login).
        #[arg(long)]
        name: Option<String>,
        /// Trust this CA certificate (PEM) for an https server.
        #[arg(long, value_name = "FILE")]
        ca: Option<PathBuf>,
    },
    /// Leave the class you joined; your own progress stays.
    Leave,
    /// Run a class: a server your learners join, a live board, pacing and results.
    Class {
        #[command(subcommand)]
        action: ClassAction,
    },
    /// The prompt without a lesson: try any docker command, and after each one see what
    /// it changed in the engine (containers, ports, mounts, images, volumes, networks).
    ///
    /// Before a command that would remove or stop what you did not make here, it says
    /// what would go and asks. `:map` draws the engine, `:explain CMD` reads a command,
    /// `:sandbox` goes to the course; `dockerlearn clean` removes what you made.
    Sandbox,
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
    /// yet, 2 bad usage or course, 3 the engine could not be asked, 4 passed but the pass
    /// could not be recorded.
    Check {
        /// `LESSON` (its current step) or `LESSON/STEP`.
        target: Option<String>,
        /// Print the verdict as JSON.
        #[arg(long)]
        json: bool,
    },
    /// Find what would stop the course on this machine, and say how to fix it.
    ///
    /// Looks at the docker client, the engine (Docker Engine, Docker Desktop, rootless,
    /// Podman), which endpoint was chosen and why, API and engine versions, the image
    /// store, the builder `docker build` uses, Compose v2 or v1, free disk, the registry,
    /// and the ports the lessons publish, and says what the course shows differently on
    /// this engine. Exit status: 0 ready, 1 something blocks the course.
    Doctor {
        /// Print the report as JSON.
        #[arg(long)]
        json: bool,
    },
    /// Pull the images the lessons need, before class: present ones are skipped.
    ///
    /// Exit status: 0 when every image is there, 1 when some could not be pulled (the
    /// lessons whose images are present can still be followed).
    Prepare {
        /// Only the images of these lessons (ids or numbers); all lessons by default.
        #[arg(value_name = "LESSON")]
        only: Vec<String>,
    },
    /// The offline kit: every image a course needs in one file, for machines without
    /// network (or a classroom sharing one).
    Kit {
        #[command(subcommand)]
        action: KitAction,
    },
    /// Check a course's files without an engine: for authors, editors and CI.
    ///
    /// Reports every problem as `file:line:col: message`: YAML and Markdown errors,
    /// unknown assertion kinds, steps without checkpoints, checkpoints without steps,
    /// and images used by commands but not listed in a lesson's front matter.
    /// Exit status: 0 clean, 1 problems found.
    Lint {
        /// The course directory (default: --lessons, else the current directory if it
        /// holds a course, else the built-in course).
        dir: Option<PathBuf>,
    },
    /// Prove a course works against the engine: every checkpoint fails before its step
    /// and passes after the step's solution runs.
    ///
    /// Runs each lesson's steps in order, as a learner would, in a scratch directory.
    /// Everything the solutions create is labelled `org.dockerlearn.verify=<run>` and
    /// removed at the end, with what their builds leave unlabelled (a failed build's
    /// container and images, builder stages); image tags that existed before are left alone.
    /// Each lesson starts clean: what earlier lessons made is removed first, unless its
    /// front matter says `continues: true`.
    /// The images the lessons use must be present (see `dockerlearn list`); before each
    /// lesson, verify lists those missing and says to run `dockerlearn prepare LESSON`.
    /// Exit status: 0 every step proven (or skipped with --offline), 1 some step failed.
    Verify {
        /// The course directory (default as for `lint`).
        dir: Option<PathBuf>,
        /// Only these lessons (ids or numbers).
        #[arg(long = "lesson", value_name = "LESSON")]
        only: Vec<String>,
        /// Skip the steps marked `.network` (they download); the rest still verify.
        #[arg(long)]
        offline: bool,
    },
    /// Start a new lesson: writes lessons/NN-LESSON.md and checks/LESSON.yaml, which
    /// already lint clean, and adds the lesson to lessons/course.yaml.
    New {
        /// The new lesson's id: lowercase letters, digits and `-`.
        lesson: String,
        /// Its title (default: made from the id).
        #[arg(long)]
        title: Option<String>,
        /// The course directory (default: --lessons, else the current directory).
        #[arg(long)]
        dir: Option<PathBuf>,
    },
    /// Break a docker command into its parts, in plain words.
    ///
    /// Quote it as one argument, or put it after `--`:
    /// `dockerlearn explain 'docker run -it --rm -p 8888:8888 -v "$PWD":/work IMAGE'`.
    /// The words come from explain/docker.yaml, extended by the course's explain.yaml
    /// (with --lessons) and the file named by DOCKERLEARN_EXPLAIN.
    Explain {
        /// The command, e.g. `docker run -p 8080:80 nginx`.
        #[arg(required = true, trailing_var_arg = true, allow_hyphen_values = true, value_name = "COMMAND")]
        command: Vec<String>,
    },
    /// Draw your containers: the networks they share, their volumes and bind mounts,
    /// and the host ports that reach them.
    ///
    /// Yours are those made from dockerlearn's prompt (recorded in created.jsonl in the
    /// data directory); --all draws every container on the engine. With --scope, only
    /// containers carrying the label. Plain text with NO_COLOR or when the output is not
    /// a terminal.
    Map {
        /// Draw every container on the engine, not only yours.
        #[arg(long)]
        all: bool,
    },
    /// Remove what you made from dockerlearn's prompt: containers, images, volumes and
    /// networks it recorded as you made them (in created.jsonl in the data directory).
    ///
    /// Lists them and asks first. What existed before, or was made outside the prompt,
    /// is never touched. Exit status: 0 all removed, 1 some could not be.
    Clean {
        /// Remove without asking, for scripts.
        #[arg(long)]
        yes: bool,
        /// Only list what would be removed.
        #[arg(long)]
        dry_run: bool,
    },
}

/// Where the instructor's commands find the server: by default the address and token
/// that `class serve` wrote in the data directory.
#[derive(Debug, clap::Args)]
pub struct ClassServer {
    /// The server's address (default: the one `class serve` on this machine wrote).
    #[arg(long, value_name = "URL")]
    pub url: Option<String>,
    /// The instructor's token (default: the one `class serve` on this machine wrote).
    #[arg(long, env = "DOCKERLEARN_CLASS_TOKEN", hide_env_values = true, value_name = "TOKEN")]
    pub token: Option<String>,
    /// Trust this CA certificate (PEM) for an https server.
    #[arg(long, value_name = "FILE")]
    pub ca: Option<PathBuf>,
}

#[derive(Debug, Subcommand)]
pub enum ClassAction {
    /// Serve a class: learners join with the printed command; the board's address
    /// (with your key) is printed too. The class is kept in SQLite, so stopping or
    /// restarting the server loses nothing; a restart keeps the join code.
    ///
    /// Listens on loopback unless --bind says otherwise. Beyond loopback, traffic is
    /// plain HTTP unless you give --tls-cert and --tls-key.
    Serve {
        /// Address and port to listen on: `0.0.0.0:7878` lets the room's machines join.
        #[arg(long, default_value = "127.0.0.1:7878", value_name = "ADDR:PORT")]
        bind: std::net::SocketAddr,
        /// The class database (default: class-server.db in the data directory).
        #[arg(long, value_name = "FILE")]
        db: Option<PathBuf>,
        /// TLS certificate chain (PEM), for https.
        #[arg(long, requires = "tls_key", value_name = "FILE")]
        tls_cert: Option<PathBuf>,
        /// TLS private key (PEM), for https.
        #[arg(long, requires = "tls_cert", value_name = "FILE")]
        tls_key: Option<PathBuf>,
        /// A learner with no progress for this many minutes shows as stuck.
        #[arg(long, default_value_t = 5, value_name = "MINUTES")]
        stuck_after: u64,
    },
    /// The board in the terminal: each step's share of the room, who is stuck, the
    /// help queue and the room's failures grouped by cause.
    Board {
        #[command(flatten)]
        server: ClassServer,
        /// Print the board as JSON.
        #[arg(long)]
        json: bool,
    },
    /// Hold the class after a step: learners who pass it wait for you.
    Hold {
        /// `LESSON/STEP`, e.g. `volumes/bind-mount`.
        step: String,
        #[command(flatten)]
        server: ClassServer,
    },
    /// Release a hold (or every hold, without STEP).
    Release {
        step: Option<String>,
        #[command(flatten)]
        server: ClassServer,
    },
    /// Send a message to every learner, or to one with --to; it shows at their prompt.
    Message {
        text: String,
        /// The learner's name on the board.
        #[arg(long, value_name = "NAME")]
        to: Option<String>,
        #[command(flatten)]
        server: ClassServer,
    },
    /// Mark a step done for a learner you helped.
    Mark {
        /// The learner's name on the board.
        name: String,
        /// `LESSON/STEP`.
        step: String,
        #[command(flatten)]
        server: ClassServer,
    },
    /// The results: learner, step, passed at, attempts, hints, as CSV or JSON.
    Export {
        #[arg(long, value_enum, default_value = "csv")]
        format: ExportFormat,
        /// Write to FILE instead of standard output.
        #[arg(long, short, value_name = "FILE")]
        output: Option<PathBuf>,
        #[command(flatten)]
        server: ClassServer,
    },
}

#[derive(Debug, Clone, Copy, clap::ValueEnum)]
pub enum ExportFormat {
    Csv,
    Json,
}

#[derive(Debug, Subcommand)]
pub enum KitAction {
    /// Write the images of the course (or of some lessons) into FILE.
    Save {
        file: PathBuf,
        /// Only the images of these lessons (ids or numbers).
        #[arg(long = "lesson", value_name = "LESSON")]
        only: Vec<String>,
        /// Sign the kit with this secret key (made by `dockerlearn kit keygen`), so
        /// learners can check with `kit load --trust` that it comes from you.
        #[arg(long, value_name = "KEYFILE")]
        sign: Option<PathBuf>,
    },
    /// Check FILE whole, then load its images into the engine.
    ///
    /// The kit is read once into a private copy and checked against its sha256, which
    /// catches a truncated or damaged copy before anything is loaded; only the images its
    /// manifest lists are loaded, and only with the ids it records. Tags that already
    /// name another image are left alone (see --force). The sha256 guards against
    /// accidents only: to know who made a kit, load it with --trust.
    Load {
        file: PathBuf,
        /// Refuse the kit unless it is signed by this public key (a `.pub` file from
        /// `dockerlearn kit keygen`, or its 64 hex digits).
        #[arg(long, value_name = "PUBKEY")]
        trust: Option<String>,
        /// Move tags that already name another image to the kit's image.
        #[arg(long)]
        force: bool,
    },
    /// Make a key pair for signing kits.
    ///
    /// Writes FILE, the secret key (keep it to yourself; sign with `kit save --sign FILE`),
    /// and FILE.pub, the public key (hand it out; learners load with `--trust FILE.pub`).
    /// Existing files are never overwritten.
    Keygen { file: PathBuf },
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_command_line_is_consistent() {
        use clap::CommandFactory;
        super::Cli::command().debug_assert();
    }
}
