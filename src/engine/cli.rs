//! The docker CLI and its plugins, run as child processes for what only they know: the
//! client's own version, its buildx plugin, and which Compose is installed. Each run has
//! a deadline and is killed when it passes, so a client that blocks (on an engine that
//! accepts and never answers, a plugin that hangs) cannot hang dockerlearn.

use super::tools::Compose;
use std::io::Read;
use std::process::{Command, Stdio};
use std::time::Duration;
use wait_timeout::ChildExt;

/// How long a version query may take. They read no network and finish in milliseconds.
pub const DEADLINE: Duration = Duration::from_secs(10);

/// Why a CLI query gave no answer.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CliError {
    #[error("`{command}` could not be run: {why}")]
    NotRun { command: String, why: String },
    #[error("`{command}` did not finish within {} seconds and was stopped", seconds)]
    TimedOut { command: String, seconds: u64 },
    #[error("`{command}` failed: {stderr}")]
    Failed { command: String, stderr: String },
}

/// Runs `program args` with stdin closed and returns its trimmed stdout when it exits
/// successfully within `deadline`.
pub fn output(program: &str, args: &[&str], deadline: Duration) -> Result<String, CliError> {
    let command = std::iter::once(program).chain(args.iter().copied()).collect::<Vec<_>>().join(" ");
    let mut child = Command::new(program)
        .args(args)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| CliError::NotRun { command: command.clone(), why: e.to_string() })?;
    // Read both pipes while waiting, so a chatty child cannot block on a full pipe.
    let drain = |pipe: Option<Box<dyn Read + Send>>| {
        std::thread::spawn(move || {
            let mut text = Vec::new();
            if let Some(mut p) = pipe {
                let _ = p.read_to_end(&mut text);
            }
            String::from_utf8_lossy(&text).trim().to_owned()
        })
    };
    let stdout = drain(child.stdout.take().map(|p| Box::new(p) as Box<dyn Read + Send>));
    let stderr = drain(child.stderr.take().map(|p| Box::new(p) as Box<dyn Read + Send>));
    let status = match child.wait_timeout(deadline) {
        Ok(Some(status)) => status,
        Ok(None) => {
            let _ = child.kill();
            let _ = child.wait();
            return Err(CliError::TimedOut { command, seconds: deadline.as_secs() });
        }
        Err(e) => return Err(CliError::NotRun { command, why: e.to_string() }),
    };
    let out = stdout.join().unwrap_or_default();
    if status.success() {
        Ok(out)
    } else {
        let stderr = stderr.join().unwrap_or_default();
        Err(CliError::Failed { command, stderr: stderr.lines().last().unwrap_or("").to_owned() })
    }
}

/// The docker client's version, from `docker --version`, which never asks the engine.
pub fn client_version() -> Result<String, CliError> {
    let text = output("docker", &["--version"], DEADLINE)?;
    Ok(parse_client_version(&text).unwrap_or(text))
}

/// `Docker version 20.10.24+dfsg1, build 297e128` → `20.10.24+dfsg1`.
fn parse_client_version(text: &str) -> Option<String> {
    let rest = text.trim().strip_prefix("Docker version ")?;
    Some(rest.split(',').next()?.trim().to_owned()).filter(|v| !v.is_empty())
}

/// The docker CLI's buildx plugin's version (`docker buildx version`), if it has one.
pub fn buildx() -> Option<String> {
    let text = output("docker", &["buildx", "version"], DEADLINE).ok()?;
    super::kind::parse_buildx_version(&text)
}

/// Compose v2 (`docker compose`), else v1 (`docker-compose`), else None.
pub fn compose() -> Option<Compose> {
    if let Some(v) = output("docker", &["compose", "version", "--short"], DEADLINE).ok().filter(|v| !v.is_empty()) {
        return Some(Compose { command: "docker compose", version: v });
    }
    output("docker-compose", &["version", "--short"], DEADLINE)
        .ok()
        .filter(|v| !v.is_empty())
        .map(|v| Compose { command: "docker-compose", version: v })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_client_version_is_read_from_its_banner() {
        assert_eq!(parse_client_version("Docker version 20.10.24+dfsg1, build 297e128\n").unwrap(), "20.10.24+dfsg1");
        assert_eq!(parse_client_version("podman version 4.9.3"), None);
    }

    #[test]
    fn a_child_past_its_deadline_is_stopped() {
        let e = output("sleep", &["30"], Duration::from_millis(100)).unwrap_err();
        assert!(matches!(e, CliError::TimedOut { .. }), "{e}");
        assert_eq!(output("sh", &["-c", "echo hi"], DEADLINE).unwrap(), "hi");
        let e = output("sh", &["-c", "echo oops >&2; exit 3"], DEADLINE).unwrap_err();
        assert_eq!(e.to_string(), "`sh -c echo oops >&2; exit 3` failed: oops");
        assert!(matches!(output("no-such-program-here", &[], DEADLINE), Err(CliError::NotRun { .. })));
    }
}
