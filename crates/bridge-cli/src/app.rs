//! The `bridge` command from start to end: parse the command line, run the command, turn its
//! outcome into the exit code.

use std::io::Write;
use std::process::ExitCode;

use clap::CommandFactory;

use crate::cli::{Cli, Command};
use crate::exit::CliError;
use crate::terminal::terminal_safe;
use crate::{invoke, jobs, ticket};

/// Runs `bridge` with the process's arguments. Usage errors exit with clap's code 2 (`--help`
/// and `--version` with 0); a failed command prints `error: …` on stderr and exits with its
/// class's code (see `EXIT_CODES_HELP`).
pub async fn run() -> ExitCode {
    let cli = Cli::parse_checked();
    let outcome = match &cli.command {
        Command::Invoke(args) => invoke::run(args).await,
        Command::Ticket(args) => ticket::run(args).await,
        Command::Jobs(command) => jobs::run(command).await,
        Command::Completions { shell } => completions(*shell),
    };
    match outcome {
        // The reader of stdout stopped reading (`bridge … | head`): nothing to report.
        Ok(()) | Err(CliError::StdoutClosed) => ExitCode::SUCCESS,
        Err(err) => {
            // Messages quote the server (error envelopes, inline stream errors, body snippets).
            eprintln!("error: {}", terminal_safe(&err.to_string()));
            ExitCode::from(err.exit_code())
        }
    }
}

/// The completion script for `shell`, written whole (clap_complete would panic on a closed pipe).
fn completions(shell: clap_complete::Shell) -> Result<(), CliError> {
    let mut script = Vec::new();
    clap_complete::generate(shell, &mut Cli::command(), "bridge", &mut script);
    std::io::stdout()
        .lock()
        .write_all(&script)
        .map_err(CliError::stdout)
}
