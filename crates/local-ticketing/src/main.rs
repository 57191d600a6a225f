//! `local-ticketing`: the ServiceNow, GitHub, Jira, Slack, Teams (Power Automate), GitLab and
//! Linear write-back stubs, and the SNS subscriber endpoints, on loopback, for `make local`. Logs
//! each request; serves until Ctrl-C.

use std::path::PathBuf;

use anyhow::Context;
use clap::Parser;
use local_ticketing::{BasicCredentials, RunningTicketing, TicketingConfig};

/// Recording stubs of the ticket systems' write-back APIs.
///
/// The variables are prefixed so that a developer's real `GITHUB_TOKEN` is never picked up (or
/// printed by `--help`).
#[derive(Parser)]
#[command(version)]
struct Args {
    /// Address to listen on.
    #[arg(long, env = "LOCAL_TICKETING_ADDR", default_value = "127.0.0.1:9300")]
    addr: String,
    /// ServiceNow Basic auth username.
    #[arg(
        long,
        env = "LOCAL_TICKETING_SERVICENOW_USERNAME",
        default_value = "bridge"
    )]
    servicenow_username: String,
    /// ServiceNow Basic auth password.
    #[arg(
        long,
        env = "LOCAL_TICKETING_SERVICENOW_PASSWORD",
        hide_env_values = true,
        default_value = "local-servicenow-password"
    )]
    servicenow_password: String,
    /// GitHub token (`Authorization: Bearer …` or `token …`).
    #[arg(
        long,
        env = "LOCAL_TICKETING_GITHUB_TOKEN",
        hide_env_values = true,
        default_value = "local-github-token"
    )]
    github_token: String,
    /// Jira account email (Basic auth username).
    #[arg(
        long,
        env = "LOCAL_TICKETING_JIRA_EMAIL",
        default_value = "bridge@example.com"
    )]
    jira_email: String,
    /// Jira API token (Basic auth password).
    #[arg(
        long,
        env = "LOCAL_TICKETING_JIRA_API_TOKEN",
        hide_env_values = true,
        default_value = "local-jira-token"
    )]
    jira_api_token: String,
    /// Slack incoming-webhook token (the last segment of `/services/{team}/{channel}/{token}`).
    #[arg(
        long,
        env = "LOCAL_TICKETING_SLACK_TOKEN",
        hide_env_values = true,
        default_value = "local-slack-token"
    )]
    slack_token: String,
    /// Power Automate trigger signature (the Teams workflow URL's `sig` query parameter).
    #[arg(
        long,
        env = "LOCAL_TICKETING_TEAMS_SIG",
        hide_env_values = true,
        default_value = "local-teams-sig"
    )]
    teams_sig: String,
    /// GitLab token (`PRIVATE-TOKEN: …` or `Authorization: Bearer …`).
    #[arg(
        long,
        env = "LOCAL_TICKETING_GITLAB_TOKEN",
        hide_env_values = true,
        default_value = "local-gitlab-token"
    )]
    gitlab_token: String,
    /// Linear API key (`Authorization: <key>` or `Authorization: Bearer <key>`).
    #[arg(
        long,
        env = "LOCAL_TICKETING_LINEAR_API_KEY",
        hide_env_values = true,
        default_value = "lin_api_local"
    )]
    linear_api_key: String,
    /// PEM file served as SNS's signing certificate (`/SimpleNotificationService-*.pem`);
    /// without one those answer 404.
    #[arg(long, env = "LOCAL_TICKETING_SNS_CERTIFICATE_FILE")]
    sns_certificate_file: Option<PathBuf>,
    /// SNS subscription token (the `Token` of `/?Action=ConfirmSubscription`).
    #[arg(
        long,
        env = "LOCAL_TICKETING_SNS_SUBSCRIPTION_TOKEN",
        hide_env_values = true,
        default_value = "local-sns-token"
    )]
    sns_subscription_token: String,
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| "local_ticketing=info".into()),
        )
        .init();
    let args = Args::parse();
    let sns_certificate_pem = args
        .sns_certificate_file
        .as_ref()
        .map(|path| {
            std::fs::read_to_string(path).with_context(|| format!("cannot read {}", path.display()))
        })
        .transpose()?;
    let config = TicketingConfig {
        servicenow: BasicCredentials::new(args.servicenow_username, args.servicenow_password),
        github_token: args.github_token,
        jira: BasicCredentials::new(args.jira_email, args.jira_api_token),
        slack_token: args.slack_token,
        teams_sig: args.teams_sig,
        gitlab_token: args.gitlab_token,
        linear_api_key: args.linear_api_key,
        sns_certificate_pem,
        sns_subscription_token: args.sns_subscription_token,
    };
    let server = RunningTicketing::start(&args.addr, config).await?;
    println!("local-ticketing listening on {}", server.endpoint_url());
    tokio::select! {
        _ = server.wait() => {}
        _ = tokio::signal::ctrl_c() => {}
    }
    Ok(())
}
