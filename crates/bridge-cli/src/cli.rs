//! The command line: every flag, its environment variable and its help text.

use std::path::PathBuf;
use std::time::Duration;

use clap::parser::ValueSource;
use clap::{ArgMatches, Args, CommandFactory, FromArgMatches, Parser, Subcommand, ValueEnum};
use job_store::JobStatus;
use reqwest::Url;
use serde_json::{Map, Value};

use crate::exit::EXIT_CODES_HELP;

#[derive(Debug, Parser)]
#[command(
    name = "bridge",
    version,
    about = "Talk to the webhook bridge: ask an agent on Amazon Bedrock AgentCore, or post a ticket.",
    long_about = "Talk to the webhook bridge from a terminal or a script.\n\n\
                  `bridge invoke` asks an agent and prints its answer on stdout as it streams in; \
                  `bridge ticket` posts a ticketing-system payload to a webhook route and prints \
                  the analysis. Diagnostics and ids go to stderr, so stdout carries only the answer.",
    after_help = EXIT_CODES_HELP
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Ask an agent (POST {url}/v1/agents/{agent}/invoke) and print its answer as it streams in.
    #[command(after_help = EXIT_CODES_HELP)]
    Invoke(InvokeArgs),
    /// Post a ticket to POST {url}/webhook/{source} and print the agent's analysis.
    #[command(after_help = EXIT_CODES_HELP)]
    Ticket(TicketArgs),
    /// Inspect and recover the deployed stack's asynchronous jobs (its jobs table and queues),
    /// with AWS credentials from the standard chain.
    #[command(subcommand)]
    Jobs(JobsCommand),
    /// Print a shell completion script for bash, zsh, fish, elvish or PowerShell, e.g.
    /// `bridge completions bash > ~/.local/share/bash-completion/completions/bridge`.
    Completions {
        /// The shell to complete for.
        #[arg(value_name = "SHELL")]
        shell: clap_complete::Shell,
    },
}

/// `bridge jobs …`. The names come from the stack's outputs (JobsTableName, JobsQueueUrl,
/// JobsDeadLetterQueueUrl) or their environment variables.
#[derive(Debug, Subcommand)]
pub enum JobsCommand {
    /// Print one job's record as JSON (status, attempts, error code, analysis, write-back).
    Get {
        /// The job id (job_ + 32 hex digits), as a 202 answer or GET /jobs/{id} names it.
        #[arg(value_name = "ID")]
        id: String,
        #[command(flatten)]
        table: JobsTable,
    },
    /// List jobs with a status, last updated within a window, newest first. Failed jobs are read
    /// from the table's failures index; other statuses scan the table.
    List {
        /// queued, running, succeeded or failed.
        #[arg(long, value_name = "STATUS", default_value = "failed", value_parser = parse_status)]
        status: JobStatus,
        /// How far back, e.g. 30m, 1h, 2days.
        #[arg(long, value_name = "DURATION", default_value = "1h", value_parser = parse_window)]
        since: Duration,
        #[command(flatten)]
        table: JobsTable,
    },
    /// Move the dead-letter queue's job messages back to the job queue, reopening their failed
    /// jobs so the worker runs them again; messages that are not jobs stay where they are.
    Redrive {
        /// The job queue's URL (output JobsQueueUrl).
        #[arg(long, env = "BRIDGE_JOBS_QUEUE_URL", value_name = "URL")]
        queue_url: String,
        /// The dead-letter queue's URL (output JobsDeadLetterQueueUrl).
        #[arg(long, env = "BRIDGE_DEAD_LETTER_QUEUE_URL", value_name = "URL")]
        dead_letter_queue_url: String,
        /// Move at most this many messages.
        #[arg(long, value_name = "N", default_value_t = 100)]
        max: usize,
        #[command(flatten)]
        table: JobsTable,
    },
}

/// The jobs table.
#[derive(Debug, Args)]
pub struct JobsTable {
    /// The jobs table's name (output JobsTableName).
    #[arg(long = "table", env = "BRIDGE_JOBS_TABLE", value_name = "NAME")]
    pub name: String,
}

fn parse_status(s: &str) -> Result<JobStatus, String> {
    JobStatus::parse(s).ok_or_else(|| "expected queued, running, succeeded or failed".into())
}

fn parse_window(s: &str) -> Result<Duration, String> {
    humantime::parse_duration(s).map_err(|e| format!("not a duration such as 30m or 2h ({e})"))
}

/// Where the bridge is and how long to wait for it.
#[derive(Debug, Args)]
pub struct Endpoint {
    /// Base URL of the bridge: the API Gateway stage (e.g. http://127.0.0.1:3000/prod) or a
    /// Lambda Function URL root (e.g. https://<id>.lambda-url.<region>.on.aws).
    #[arg(long, env = "BRIDGE_URL", value_name = "URL", value_parser = parse_base_url)]
    pub url: Url,

    /// API key, sent as the x-api-key header (required by the API Gateway stage).
    #[arg(
        long,
        env = "BRIDGE_API_KEY",
        value_name = "KEY",
        hide_env_values = true
    )]
    pub api_key: Option<String>,

    /// Give up after SECS seconds without receiving anything: waiting for the answer to start,
    /// or between two pieces of a streamed answer (heartbeats count as activity).
    #[arg(long, value_name = "SECS", default_value_t = 60,
          value_parser = clap::value_parser!(u64).range(1..))]
    pub timeout: u64,

    /// Also report heartbeats and ignored stream objects on stderr.
    #[arg(long, short)]
    pub verbose: bool,
}

#[derive(Debug, Args)]
pub struct InvokeArgs {
    /// The question or instruction for the agent (sent as "query").
    #[arg(value_name = "MESSAGE")]
    pub message: String,

    /// Which configured agent to ask.
    #[arg(long, value_name = "NAME", default_value = "default")]
    pub agent: String,

    /// Continue a conversation: the session id printed on stderr by an earlier call.
    #[arg(long, value_name = "ID")]
    pub session: Option<String>,

    /// Extra facts for the agent, as a JSON object (sent as "context"), e.g. '{"ticket":"INC1"}'.
    #[arg(long, value_name = "JSON", value_parser = parse_json_object)]
    pub context: Option<Map<String, Value>>,

    /// The end user the agent acts for (sent as "user_id").
    #[arg(long, value_name = "ID")]
    pub user_id: Option<String>,

    /// A user's bearer token (a JWT from the deployment's OIDC issuer or chat-auth secret): sent as
    /// `Authorization: Bearer` beside the API key, or as `x-chat-auth: Bearer` with --sigv4
    /// (SigV4 owns Authorization there). The agent then acts for the token's user.
    #[arg(long, value_name = "JWT", env = "BRIDGE_TOKEN", hide_env_values = true)]
    pub token: Option<String>,

    /// Sign the request with AWS SigV4 for a Lambda Function URL with AuthType AWS_IAM
    /// (service "lambda"). Credentials come from the standard AWS chain: AWS_ACCESS_KEY_ID,
    /// AWS_SECRET_ACCESS_KEY and AWS_SESSION_TOKEN, then profiles and roles. Conflicts with
    /// --api-key; no API key is sent, not even BRIDGE_API_KEY.
    #[arg(long)]
    pub sigv4: bool,

    /// Region to sign for with --sigv4 (default: AWS_REGION, then AWS_DEFAULT_REGION, then the
    /// profile's region).
    #[arg(long, value_name = "REGION", requires = "sigv4")]
    pub region: Option<String>,

    /// Print the whole JSON response instead of the answer text (buffered answers only; a
    /// streamed answer is printed as text either way).
    #[arg(long)]
    pub json: bool,

    #[command(flatten)]
    pub endpoint: Endpoint,
}

#[derive(Debug, Args)]
pub struct TicketArgs {
    /// The ticket: a vendor payload (any JSON), or an API Gateway REST proxy event such as
    /// events/servicenow-incident.json, whose body and headers are sent. "-" reads stdin.
    #[arg(value_name = "FILE")]
    pub file: PathBuf,

    /// The ticketing system the payload comes from (the route /webhook/{source}).
    #[arg(long, value_enum, value_name = "SOURCE")]
    pub source: Source,

    /// Event name sent in the source's event header: X-GitHub-Event for github (issues, ping),
    /// Sentry-Hook-Resource for sentry (event_alert, metric_alert, issue).
    #[arg(long, value_name = "NAME")]
    pub event: Option<String>,

    /// Print the whole JSON response instead of the analysis (or acknowledgement) text.
    #[arg(long)]
    pub json: bool,

    #[command(flatten)]
    pub endpoint: Endpoint,
}

/// The webhook routes the bridge serves.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Source {
    Servicenow,
    Jira,
    Zendesk,
    Pagerduty,
    Github,
    Alertmanager,
    Grafana,
    Sentry,
    Gitlab,
    Linear,
    Generic,
}

impl Source {
    pub fn as_str(self) -> &'static str {
        match self {
            Source::Servicenow => "servicenow",
            Source::Jira => "jira",
            Source::Zendesk => "zendesk",
            Source::Pagerduty => "pagerduty",
            Source::Github => "github",
            Source::Alertmanager => "alertmanager",
            Source::Grafana => "grafana",
            Source::Sentry => "sentry",
            Source::Gitlab => "gitlab",
            Source::Linear => "linear",
            Source::Generic => "generic",
        }
    }

    /// The header `--event` is sent in: where the source names its kind of event.
    pub fn event_header(self) -> &'static str {
        match self {
            Source::Sentry => "sentry-hook-resource",
            _ => "x-github-event",
        }
    }
}

impl Cli {
    /// Like `Cli::parse`, plus the one rule clap cannot express: `--api-key` and `--sigv4`
    /// conflict only when the key is given on the command line. A BRIDGE_API_KEY exported for
    /// the API Gateway stage must not make `--sigv4` unusable; it is simply not sent.
    pub fn parse_checked() -> Cli {
        Cli::from_matches(Cli::command().get_matches()).unwrap_or_else(|e| e.exit())
    }

    pub fn from_matches(matches: ArgMatches) -> Result<Cli, clap::Error> {
        if let Some(("invoke", invoke)) = matches.subcommand()
            && invoke.get_flag("sigv4")
            && invoke.value_source("api_key") == Some(ValueSource::CommandLine)
        {
            return Err(Cli::command().error(
                clap::error::ErrorKind::ArgumentConflict,
                "the argument '--sigv4' cannot be used with '--api-key <KEY>'",
            ));
        }
        Cli::from_arg_matches(&matches)
    }
}

fn parse_base_url(s: &str) -> Result<Url, String> {
    let url = Url::parse(s).map_err(|e| format!("not a URL ({e})"))?;
    if !matches!(url.scheme(), "http" | "https") {
        return Err("the URL must start with http:// or https://".into());
    }
    if url.scheme() == "https" && !cfg!(feature = "https") {
        return Err(
            "this build speaks plain http only (built with --no-default-features); \
                    cargo install --path crates/bridge-cli adds https:// URLs"
                .into(),
        );
    }
    if url.cannot_be_a_base() || url.query().is_some() {
        return Err("expected a base URL such as http://127.0.0.1:3000/prod".into());
    }
    Ok(url)
}

fn parse_json_object(s: &str) -> Result<Map<String, Value>, String> {
    match serde_json::from_str(s) {
        Ok(Value::Object(map)) => Ok(map),
        Ok(_) => Err("expected a JSON object, e.g. '{\"key\":\"value\"}'".into()),
        Err(e) => Err(format!("not valid JSON ({e})")),
    }
}

/// `base` plus path segments, each percent-encoded: an agent name cannot escape its segment.
pub fn endpoint_url(base: &Url, segments: &[&str]) -> Url {
    let mut url = base.clone();
    if let Ok(mut path) = url.path_segments_mut() {
        path.pop_if_empty().extend(segments);
    }
    url
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_command_line_definition_is_consistent() {
        Cli::command().debug_assert();
    }

    #[test]
    fn routes_are_appended_to_the_stage_path() {
        let stage = parse_base_url("http://127.0.0.1:3000/prod").unwrap();
        assert_eq!(
            endpoint_url(&stage, &["v1", "agents", "default", "invoke"]).as_str(),
            "http://127.0.0.1:3000/prod/v1/agents/default/invoke"
        );
        let root = Url::parse("https://x.lambda-url.us-east-1.on.aws/").unwrap();
        assert_eq!(
            endpoint_url(&root, &["webhook", "github"]).as_str(),
            "https://x.lambda-url.us-east-1.on.aws/webhook/github"
        );
        assert_eq!(
            endpoint_url(&stage, &["v1", "agents", "a/../b", "invoke"]).path(),
            "/prod/v1/agents/a%2F..%2Fb/invoke"
        );
    }

    #[test]
    fn context_must_be_a_json_object() {
        assert_eq!(parse_json_object(r#"{"a":1}"#).unwrap()["a"], 1);
        assert!(parse_json_object("[1]").is_err());
        assert!(parse_json_object("{").is_err());
        assert!(parse_base_url("ftp://x").is_err());
        assert_eq!(
            parse_base_url("https://x.example").is_ok(),
            cfg!(feature = "https")
        );
    }
}
