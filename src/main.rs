use clap::Parser;
use std::process::ExitCode;

fn main() -> ExitCode {
    let cli = dockerlearn::cli::Cli::parse();
    dockerlearn::app::run(cli).unwrap_or_else(|e| {
        dockerlearn::ui::Ui::for_stdout().error(&format!("dockerlearn: {}", dockerlearn::ui::error_chain(&e)));
        ExitCode::from(2)
    })
}
