use std::process::ExitCode;

use clap::Parser;

fn main() -> ExitCode {
    llmx::install_panic_hook();
    llmx::sys::raise_open_file_limit();
    let cli = match llmx::cli::Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => {
            let _ = e.print();
            return ExitCode::from(e.exit_code().clamp(0, 255) as u8);
        }
    };
    match llmx::commands::run(cli) {
        Ok(exit) => ExitCode::from(exit as u8),
        Err(e) => {
            llmx::output::diag(format!("error: {e}"));
            ExitCode::from(e.exit() as u8)
        }
    }
}
