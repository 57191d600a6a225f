//! `bridge`: parse the command line, run the command, turn its outcome into an exit code.

use std::process::ExitCode;

use bridge_cli::cli::{Cli, Command};
use bridge_cli::exit::CliError;
use bridge_cli::{invoke, ticket};

/// One request at a time: a single-threaded runtime starts faster and is all a CLI needs.
#[tokio::main(flavor = "current_thread")]
async fn main() -> ExitCode {
    // Usage errors exit with clap's code 2; --help and --version exit 0.
    let cli = Cli::parse_checked();
    let outcome = match &cli.command {
        Command::Invoke(args) => invoke::run(args).await,
        Command::Ticket(args) => ticket::run(args).await,
    };
    match outcome {
        // The reader of stdout stopped reading (`bridge … | head`): nothing to report.
        Ok(()) | Err(CliError::StdoutClosed) => ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("error: {err}");
            ExitCode::from(err.exit_code())
        }
    }
}
