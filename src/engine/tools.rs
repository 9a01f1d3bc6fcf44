//! Which Docker tools the learner has beside the engine: Compose v2 (`docker compose`)
//! or v1 (`docker-compose`). Lessons are written for v2; where only v1 is installed,
//! what they show and what `verify` runs says `docker-compose` instead.

/// Looks for Compose v2, then v1 (run through `engine::cli`, with a deadline).
pub use super::cli::compose;

#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Compose {
    /// `docker compose` or `docker-compose`.
    pub command: &'static str,
    pub version: String,
}

/// Lesson text and commands as this learner must type them.
pub fn rewrite(text: &str, compose: Option<&Compose>) -> String {
    match compose {
        Some(c) if c.command == "docker-compose" => text.replace("docker compose ", "docker-compose "),
        _ => text.to_owned(),
    }
}

/// What to tell the learner about the Compose found.
pub fn describe(compose: Option<&Compose>) -> String {
    match compose {
        Some(c) if c.command == "docker compose" => format!("Compose v2 found (`docker compose`, {}).", c.version),
        Some(c) => format!(
            "Compose v1 found (`docker-compose`, {}): the commands below use `docker-compose`. Compose v2 (`docker compose`) replaced it; install the `docker-compose-plugin` package (Docker Desktop has it) when you can.",
            c.version
        ),
        None => "No Compose found: install Docker's `docker-compose-plugin` package (Docker Desktop has it) to follow this lesson.".to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn v1_rewrites_commands_and_v2_leaves_them() {
        let v1 = Compose { command: "docker-compose", version: "1.29.2".into() };
        let v2 = Compose { command: "docker compose", version: "2.29.0".into() };
        assert_eq!(
            rewrite("docker compose up -d && docker compose ps", Some(&v1)),
            "docker-compose up -d && docker-compose ps"
        );
        assert_eq!(rewrite("docker compose up -d", Some(&v2)), "docker compose up -d");
        assert!(describe(Some(&v1)).contains("Compose v1 found"));
        assert!(describe(None).contains("No Compose found"));
    }
}
