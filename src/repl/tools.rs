//! The prompt's own tools, beside the lesson's meta-commands: `:sandbox` there and back,
//! `:what` the last command changed, `:map` of the learner's containers, `:explain`.

use super::Repl;
use crate::progress;
use crate::session::Input;

/// The prompt's own tools, beside the lesson's meta-commands.
pub(super) enum Tool {
    /// `:sandbox`: to the sandbox, or back to the lesson.
    Sandbox,
    /// `:what`: what the last command changed.
    What,
    /// `:map`: the learner's containers drawn; `:map all`: every container.
    Map { all: bool },
    /// `:explain CMD`: a command in plain words.
    Explain(String),
}

impl Tool {
    pub(super) fn parse(line: &str) -> Option<Tool> {
        let rest = line.trim().strip_prefix(':')?;
        let (word, arg) = rest.split_once(char::is_whitespace).unwrap_or((rest, ""));
        Some(match word {
            "sandbox" => Tool::Sandbox,
            "what" => Tool::What,
            "map" => Tool::Map { all: arg.trim() == "all" },
            "explain" => Tool::Explain(arg.trim().to_owned()),
            _ => return None,
        })
    }
}

impl Repl<'_> {
    pub(super) fn tool(&mut self, tool: Tool) {
        match tool {
            Tool::Sandbox if self.sandbox_mode => {
                self.sandbox_mode = false;
                self.ui.notice(if self.begun { "Back to the course." } else { "To the course." });
                if self.begun {
                    let at = self.session.position();
                    self.ui.step(self.session.course(), at);
                } else {
                    self.begun = true;
                    self.step_effects(Input::Begin { lesson: None, now: progress::now() });
                }
            }
            Tool::Sandbox => {
                self.sandbox_mode = true;
                self.ui.notice(
                    "The sandbox: try anything; after each command dockerlearn tells what changed. Your lesson waits: `:sandbox` goes back to it.",
                );
            }
            Tool::What if self.last_told.is_empty() => {
                self.ui.notice("Nothing changed in the engine with the last command.");
            }
            Tool::What => {
                for l in &self.last_told {
                    self.ui.told(l);
                }
            }
            Tool::Map { all } => {
                let scope = crate::engine::Scope::everything();
                let engine = &mut self.engine;
                let looked =
                    Self::wait(self.rt, self.ui, &mut self.interrupt, &self.engine_name, engine.inventory(&scope));
                match looked {
                    Some(Ok(snapshot)) if all => self.ui.drawing(&crate::map::render(&snapshot, self.ui.coloured())),
                    Some(Ok(snapshot)) => {
                        // The lesson's own containers are the learner's, wherever they made them.
                        let mut own = self.sandbox.own_containers();
                        let names = self.lesson_names_of(|k| k == crate::verify::names::Kind::Container);
                        own.extend(
                            snapshot.containers.iter().filter(|c| names.contains(&c.name)).map(|c| c.id.clone()),
                        );
                        self.ui.drawing(&crate::map::render_own(&snapshot, &own, ":map all", self.ui.coloured()))
                    }
                    Some(Err(e)) => self.ui.error(&format!("{e}")),
                    None => {}
                }
            }
            Tool::Explain(cmd) if cmd.is_empty() => {
                self.ui.notice("Type `:explain` and a command: `:explain docker run -it --rm busybox sh`.");
            }
            Tool::Explain(cmd) => self.ui.line(crate::explain::render_with(self.sandbox.knowledge(), &cmd).trim_end()),
        }
    }
}
