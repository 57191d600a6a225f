//! Exit codes and the error type every command returns.
//!
//! Scripts branch on the exit code, so each failure class has its own: a refused request (fix the
//! input, do not retry blindly) is told apart from a failing agent or server (maybe retry) and
//! from a transport problem (check the URL, the network, or what answered).

use reqwest::StatusCode;

/// The request succeeded and the answer was printed.
pub const SUCCESS: u8 = 0;
/// Bad command-line usage (clap's own code), an invalid `--context`, or an unreadable FILE.
pub const USAGE: u8 = 2;
/// The bridge or API Gateway refused the request (HTTP 4xx).
pub const REFUSED: u8 = 3;
/// The agent or the server failed (HTTP 5xx, or an error reported inside a stream).
pub const FAILED: u8 = 4;
/// No usable answer: could not connect, timed out, or the response was malformed.
pub const TRANSPORT: u8 = 5;

/// Shown after `--help` so the codes are documented where users look for them.
pub const EXIT_CODES_HELP: &str = "\
Exit codes:
  0  success: the answer is on stdout
  2  usage error: bad flags, invalid --context JSON, unreadable FILE
  3  request refused by the bridge or API Gateway (HTTP 4xx: bad input, missing or wrong key, unknown agent)
  4  agent or server failure (HTTP 5xx, or an error reported inside a streamed answer)
  5  could not connect, timed out, or the response was malformed or cut short";

/// A failure, already worded for the user; `main` prints it as `error: {message}`.
#[derive(Debug, thiserror::Error)]
pub enum CliError {
    /// Input the command cannot use (exit 2).
    #[error("{0}")]
    Usage(String),
    /// A 4xx answer (exit 3).
    #[error("{0}")]
    Refused(String),
    /// A 5xx answer or an inline stream error (exit 4).
    #[error("{0}")]
    Failed(String),
    /// Connection, timeout or protocol trouble (exit 5).
    #[error("{0}")]
    Transport(String),
    /// stdout's reader went away (`bridge … | head -1`): it has what it wanted, so this ends the
    /// command quietly with exit 0. (`cat` would be killed silently by SIGPIPE; Rust ignores
    /// SIGPIPE, so the write fails with EPIPE, which must not read as a failed request.)
    #[error("stdout was closed by its reader")]
    StdoutClosed,
}

impl CliError {
    pub fn exit_code(&self) -> u8 {
        match self {
            CliError::Usage(_) => USAGE,
            CliError::Refused(_) => REFUSED,
            CliError::Failed(_) => FAILED,
            CliError::Transport(_) => TRANSPORT,
            CliError::StdoutClosed => SUCCESS,
        }
    }

    /// A failed write of the answer: a closed pipe is the reader's choice, anything else (a full
    /// disk) means the answer was not delivered.
    pub fn stdout(err: std::io::Error) -> CliError {
        if err.kind() == std::io::ErrorKind::BrokenPipe {
            CliError::StdoutClosed
        } else {
            CliError::Transport(format!("cannot write the answer to stdout: {err}"))
        }
    }

    /// The error for an unsuccessful HTTP status: 4xx is the caller's problem, 5xx the server's.
    /// Anything else (a redirect, a 1xx) is not an answer this client understands.
    pub fn for_status(status: StatusCode, message: String) -> CliError {
        if status.is_client_error() {
            CliError::Refused(message)
        } else if status.is_server_error() {
            CliError::Failed(message)
        } else {
            CliError::Transport(message)
        }
    }

    /// A reqwest failure: all of them mean no usable answer arrived.
    pub fn transport(url: &str, err: &reqwest::Error) -> CliError {
        let what = if err.is_timeout() {
            "timed out"
        } else if err.is_connect() {
            "could not connect"
        } else {
            "request failed"
        };
        CliError::Transport(format!("{what}: {url}: {}", cause(err)))
    }
}

/// The useful part of a reqwest error: its top-level message ("error sending request for url
/// (…)") repeats the URL and hides the cause ("tcp connect error: Connection refused").
fn cause(err: &dyn std::error::Error) -> String {
    let mut parts = Vec::new();
    let mut source = err.source();
    while let Some(e) = source {
        let s = e.to_string();
        // hyper-util's wrapper ("client error (Connect)") says nothing the next source does not.
        if !s.starts_with("client error") {
            parts.push(s);
        }
        source = e.source();
    }
    if parts.is_empty() {
        err.to_string()
    } else {
        parts.join(": ")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn status_classes_map_to_distinct_exit_codes() {
        let code = |s: u16| CliError::for_status(StatusCode::from_u16(s).unwrap(), String::new());
        assert_eq!(code(400).exit_code(), REFUSED);
        assert_eq!(code(403).exit_code(), REFUSED);
        assert_eq!(code(404).exit_code(), REFUSED);
        assert_eq!(code(429).exit_code(), REFUSED);
        assert_eq!(code(500).exit_code(), FAILED);
        assert_eq!(code(502).exit_code(), FAILED);
        assert_eq!(code(504).exit_code(), FAILED);
        assert_eq!(code(302).exit_code(), TRANSPORT);
    }

    #[test]
    fn a_closed_stdout_is_quiet_and_a_full_disk_is_not() {
        use std::io::{Error, ErrorKind};
        assert!(matches!(
            CliError::stdout(Error::from(ErrorKind::BrokenPipe)),
            CliError::StdoutClosed
        ));
        let full = CliError::stdout(Error::from(ErrorKind::StorageFull));
        assert_eq!(full.exit_code(), TRANSPORT);
    }

    #[test]
    fn each_variant_has_its_documented_code() {
        assert_eq!(CliError::Usage(String::new()).exit_code(), 2);
        assert_eq!(CliError::Refused(String::new()).exit_code(), 3);
        assert_eq!(CliError::Failed(String::new()).exit_code(), 4);
        assert_eq!(CliError::Transport(String::new()).exit_code(), 5);
        assert_eq!(CliError::StdoutClosed.exit_code(), 0);
        for code in ["0 ", "2 ", "3 ", "4 ", "5 "] {
            assert!(EXIT_CODES_HELP.contains(code), "{code} is documented");
        }
    }
}
