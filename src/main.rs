use clap::Parser;
use std::process::ExitCode;

fn main() -> ExitCode {
    let cli = dockerlearn::cli::Cli::parse();
    match dockerlearn::app::run(cli) {
        Ok(code) => code,
        Err(e) => {
            eprintln!("dockerlearn: {e:#}");
            ExitCode::from(2)
        }
    }
}
