//! `dockerlearn join`, `leave`, `start --join`, and `dockerlearn class ...`: the
//! learner joining a class and the instructor running one (serve, board, pacing,
//! messages, marks, export).

use super::{Ctx, EXIT_USAGE, refuse};
use crate::class::http::Client;
use crate::class::learner::{self, Outbox};
use crate::class::protocol::{Action, StepRef};
use crate::class::room::{Board, Outline, render_text};
use crate::class::server;
use crate::class::store::Sqlite;
use crate::cli::{ClassAction, ClassServer, ExportFormat};
use anyhow::Context as _;
use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Duration;

/// Where `class serve` leaves its address and the instructor's token for the other
/// `class` commands (readable by this user only).
const INSTRUCTOR_FILE: &str = "class-instructor.json";
const SERVER_DB: &str = "class-server.db";

#[derive(Serialize, Deserialize)]
struct InstructorFile {
    url: String,
    token: String,
    db: PathBuf,
}

/// `start --join URL CODE`: joins before the prompt opens.
pub fn join_first(ctx: &Ctx, joining: Option<&[String]>, name: Option<&str>, ca: Option<&Path>) -> anyhow::Result<()> {
    let Some([url, code]) = joining else { return Ok(()) };
    let code = join(ctx, url, code, name, ca)?;
    if code != ExitCode::SUCCESS {
        return Err(refuse(EXIT_USAGE, "dockerlearn: could not join the class (see above)"));
    }
    Ok(())
}

pub fn join(ctx: &Ctx, url: &str, code: &str, name: Option<&str>, ca: Option<&Path>) -> anyhow::Result<ExitCode> {
    let dir = ctx.store()?.dir().to_path_buf();
    let name = name.map_or_else(learner::default_name, str::to_owned);
    let joined = super::runtime()?
        .block_on(learner::join(&dir, url, code, &name, ca))
        .map_err(|e| refuse(EXIT_USAGE, format!("dockerlearn: could not join the class: {e:#}")))?;
    ctx.ui.line(&format!(
        "Joined the class at {} as {}. Your prompt reports to it from now on: `dockerlearn start`.",
        joined.url, joined.name
    ));
    if let Ok(course) = ctx.course() {
        if course.id != joined.course {
            ctx.ui.error(&format!(
                "Note: the class follows the course `{}`, and you have `{}`. Ask your instructor for their course folder and start with --lessons DIR.",
                joined.course, course.id
            ));
        }
    }
    Ok(ExitCode::SUCCESS)
}

pub fn leave(ctx: &Ctx) -> anyhow::Result<ExitCode> {
    let dir = ctx.store()?.dir();
    let Some(mut outbox) = Outbox::existing(dir)? else {
        ctx.ui.line("You are not in a class.");
        return Ok(ExitCode::SUCCESS);
    };
    let Some(m) = outbox.membership()? else {
        ctx.ui.line("You are not in a class.");
        return Ok(ExitCode::SUCCESS);
    };
    let dropped = outbox.leave()?;
    let unsent =
        if dropped > 0 { format!(" ({dropped} report(s) that had not reached it are dropped)") } else { String::new() };
    ctx.ui.line(&format!("Left the class at {}{unsent}. Your own progress stays.", m.url));
    Ok(ExitCode::SUCCESS)
}

pub fn run(ctx: &Ctx, action: ClassAction) -> anyhow::Result<ExitCode> {
    match action {
        ClassAction::Serve { bind, db, tls_cert, tls_key, stuck_after } => {
            serve(ctx, bind, db, tls_cert.zip(tls_key), Duration::from_secs(stuck_after * 60))
        }
        ClassAction::Board { server, json } => {
            let board = board(ctx, &server)?;
            if json {
                ctx.ui.line(&serde_json::to_string_pretty(&board)?);
            } else {
                ctx.ui.line(render_text(&board).trim_end());
            }
            Ok(ExitCode::SUCCESS)
        }
        ClassAction::Hold { step, server } => {
            let step = course_step(ctx, &step)?;
            act(ctx, &server, &Action::Hold { step: step.clone() })?;
            ctx.ui.line(&format!("Holding the class after {step}: learners who pass it wait for you. `dockerlearn class release {step}` lets them on."));
            Ok(ExitCode::SUCCESS)
        }
        ClassAction::Release { step, server } => {
            let step = step.map(|s| course_step(ctx, &s)).transpose()?;
            act(ctx, &server, &Action::Release { step: step.clone() })?;
            match step {
                Some(s) => ctx.ui.line(&format!("Released {s}: learners waiting there move on.")),
                None => ctx.ui.line("Released every hold."),
            }
            Ok(ExitCode::SUCCESS)
        }
        ClassAction::Message { text, to, server } => {
            let to_id = to.as_deref().map(|n| learner_id(ctx, &server, n)).transpose()?;
            act(ctx, &server, &Action::Message { to: to_id, text })?;
            ctx.ui.line(&format!(
                "Sent to {}: it shows at their prompt within a second.",
                to.as_deref().unwrap_or("everyone")
            ));
            Ok(ExitCode::SUCCESS)
        }
        ClassAction::Mark { name, step, server } => {
            let step = course_step(ctx, &step)?;
            let learner = learner_id(ctx, &server, &name)?;
            act(ctx, &server, &Action::Mark { learner, step: step.clone() })?;
            ctx.ui.line(&format!("Marked {step} done for {name}."));
            Ok(ExitCode::SUCCESS)
        }
        ClassAction::Export { format, output, server } => {
            let query = match format {
                ExportFormat::Csv => "csv",
                ExportFormat::Json => "json",
            };
            let client = instructor_client(ctx, &server)?;
            let text = super::runtime()?
                .block_on(client.get_text(&format!("/api/export?format={query}")))
                .map_err(|e| refuse(EXIT_USAGE, format!("dockerlearn: {e}")))?;
            match output {
                Some(path) => {
                    std::fs::write(&path, &text).with_context(|| format!("could not write {}", path.display()))?;
                    ctx.ui.line(&format!("Wrote the results to {}.", path.display()));
                }
                None => ctx.ui.line(text.trim_end()),
            }
            Ok(ExitCode::SUCCESS)
        }
    }
}

fn serve(
    ctx: &Ctx,
    bind: std::net::SocketAddr,
    db: Option<PathBuf>,
    tls: Option<(PathBuf, PathBuf)>,
    stuck_after: Duration,
) -> anyhow::Result<ExitCode> {
    let course = ctx.course()?;
    let data = ctx.store()?.dir().to_path_buf();
    let db = db.unwrap_or_else(|| data.join(SERVER_DB));
    let instructor_path = data.join(INSTRUCTOR_FILE);
    let kept = read_instructor_file(&instructor_path).filter(|f| f.db == db).map(|f| f.token);
    let tls = tls.map(|(cert, key)| server::tls_config(&cert, &key)).transpose()?;
    let store = Sqlite::open(&db)?;
    let rt = tokio::runtime::Builder::new_multi_thread().enable_all().build().context("could not start the runtime")?;
    rt.block_on(async {
        let running = server::start(server::Config {
            bind,
            store: Box::new(store),
            outline: Outline::of(course),
            stuck_after,
            limits: server::Limits::default(),
            tls,
            instructor_token: kept.clone(),
        })
        .await?;
        let scheme = if running.tls { "https" } else { "http" };
        let port = running.addr.port();
        let local_host = if running.tls {
            "localhost".to_owned()
        } else if running.addr.ip().is_unspecified() {
            "127.0.0.1".to_owned()
        } else {
            running.addr.ip().to_string()
        };
        let local = format!("{scheme}://{}", host_port(&local_host, port));
        let token = running.new_instructor_token.clone().or(kept).expect("a token, kept or new");
        write_instructor_file(&instructor_path, &InstructorFile { url: local.clone(), token: token.clone(), db: db.clone() })?;
        let ip = running.addr.ip();
        let for_learners = if ip.is_loopback() {
            local.clone()
        } else if ip.is_unspecified() {
            format!("{scheme}://THIS-MACHINE:{port}")
        } else {
            format!("{scheme}://{}", host_port(&ip.to_string(), port))
        };
        ctx.ui.line(&format!("Class server for \"{}\" on {scheme}://{} (the class is kept in {}).", course.title, running.addr, db.display()));
        if ip.is_loopback() {
            ctx.ui.line("Only this machine can reach it: pass --bind 0.0.0.0:7878 to let the room's machines join.");
        } else if !running.tls {
            ctx.ui.error("Warning: traffic is plain HTTP, so anyone on this network can read it (tokens included). For HTTPS pass --tls-cert FILE --tls-key FILE.");
        }
        if ip.is_unspecified() {
            ctx.ui.line("(THIS-MACHINE below is this machine's address on the room's network.)");
        }
        ctx.ui.line(&format!("\nLearners join with:\n  dockerlearn start --join {for_learners} {}\n", running.join_code));
        ctx.ui.line(&format!(
            "The board (this address holds your key: keep it to yourself):\n  {local}/board#key={token}\n"
        ));
        ctx.ui.line("Here: `dockerlearn class board`, `class hold LESSON/STEP`, `class release`, `class message TEXT`, `class mark NAME LESSON/STEP`, `class export`. Ctrl-C stops the server; start it again to go on.");
        tokio::select! {
            _ = tokio::signal::ctrl_c() => {}
            _ = running.serve => {}
        }
        ctx.ui.line(&format!("Class server stopped. Everything is kept in {}.", db.display()));
        Ok::<_, anyhow::Error>(())
    })?;
    Ok(ExitCode::SUCCESS)
}

fn host_port(host: &str, port: u16) -> String {
    if host.contains(':') { format!("[{host}]:{port}") } else { format!("{host}:{port}") }
}

fn read_instructor_file(path: &Path) -> Option<InstructorFile> {
    serde_json::from_slice(&std::fs::read(path).ok()?).ok()
}

fn write_instructor_file(path: &Path, file: &InstructorFile) -> anyhow::Result<()> {
    use std::io::Write as _;
    use std::os::unix::fs::PermissionsExt as _;
    let dir = path.parent().unwrap_or(Path::new("."));
    std::fs::create_dir_all(dir)?;
    let mut tmp = tempfile::NamedTempFile::new_in(dir)?;
    tmp.as_file().set_permissions(std::fs::Permissions::from_mode(0o600))?;
    tmp.write_all(&serde_json::to_vec_pretty(file)?)?;
    tmp.persist(path).with_context(|| format!("could not write {}", path.display()))?;
    Ok(())
}

fn instructor_client(ctx: &Ctx, server: &ClassServer) -> anyhow::Result<Client> {
    let file = ctx.store().ok().and_then(|s| read_instructor_file(&s.dir().join(INSTRUCTOR_FILE)));
    let url = server.url.clone().or_else(|| file.as_ref().map(|f| f.url.clone()));
    let token = server.token.clone().or_else(|| file.as_ref().map(|f| f.token.clone()));
    let (Some(url), Some(token)) = (url, token) else {
        return Err(refuse(
            EXIT_USAGE,
            "dockerlearn: no class server is known here. Start one with `dockerlearn class serve`, or pass --url URL --token TOKEN (the key in the board's address).",
        ));
    };
    Ok(Client::new(&url, server.ca.as_deref())?.with_token(&token))
}

fn board(ctx: &Ctx, server: &ClassServer) -> anyhow::Result<Board> {
    let client = instructor_client(ctx, server)?;
    super::runtime()?.block_on(client.get("/api/board")).map_err(|e| refuse(EXIT_USAGE, format!("dockerlearn: {e}")))
}

fn act(ctx: &Ctx, server: &ClassServer, action: &Action) -> anyhow::Result<()> {
    let client = instructor_client(ctx, server)?;
    super::runtime()?
        .block_on(client.post::<_, serde_json::Value>("/api/actions", action))
        .map_err(|e| refuse(EXIT_USAGE, format!("dockerlearn: {e}")))?;
    Ok(())
}

fn learner_id(ctx: &Ctx, server: &ClassServer, name: &str) -> anyhow::Result<u64> {
    let board = board(ctx, server)?;
    let found: Vec<&crate::class::room::BoardLearner> =
        board.learners.iter().filter(|l| l.name.eq_ignore_ascii_case(name)).collect();
    match found[..] {
        [one] => Ok(one.id),
        [] => Err(refuse(
            EXIT_USAGE,
            format!(
                "dockerlearn: no learner is called `{}` on the board (`dockerlearn class board` lists them)",
                crate::ui::escape(name)
            ),
        )),
        _ => Err(refuse(
            EXIT_USAGE,
            format!(
                "dockerlearn: several learners are called `{}`: ask them to join again with distinct --name",
                crate::ui::escape(name)
            ),
        )),
    }
}

/// `LESSON/STEP` of this course, or a refusal saying what it has.
fn course_step(ctx: &Ctx, text: &str) -> anyhow::Result<StepRef> {
    let course = ctx.course()?;
    let every: Vec<String> = course
        .lessons
        .iter()
        .flat_map(|l| l.lesson.steps.iter().map(move |s| format!("{}/{}", l.lesson.id, s.id)))
        .collect();
    let near = crate::check::select::near_names(text, every.iter().map(String::as_str));
    let bad = || {
        refuse(
            EXIT_USAGE,
            if near.is_empty() {
                format!(
                    "dockerlearn: `{}` is not a step of this course: write LESSON/STEP (`dockerlearn show LESSON` lists a lesson's step ids)",
                    crate::ui::escape(text)
                )
            } else {
                format!(
                    "dockerlearn: `{}` is not a step of this course{}",
                    crate::ui::escape(text),
                    crate::check::select::did_you_mean(&near)
                )
            },
        )
    };
    let step = StepRef::parse(text).ok_or_else(bad)?;
    let lesson = course.find(&step.lesson).ok_or_else(bad)?;
    course.lessons[lesson].lesson.step_index(&step.step).ok_or_else(bad)?;
    Ok(step)
}
