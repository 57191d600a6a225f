//! Write-back credentials: where a source's ticket-system credentials (or, for sources with no
//! ticket of their own, the chat webhook the analysis goes to) are (`<SOURCE>_WRITE_BACK` inline
//! for local runs, `<SOURCE>_WRITE_BACK_REF` in AWS) and the JSON they are written in. Checked
//! when read, so a bad setting names its variable at cold start.

use serde_json::Value;
use ticket_prompt::Source;

use super::secret_ref::SecretRef;
use super::ticket_sink::{TicketPlace, required_field, ticket_place};
use super::transport::{SECURE_URL_RULE, is_secure_or_local};

/// The sources whose analyses the bridge writes back to their own ticket.
pub const TICKET_SOURCES: [Source; 5] = [
    Source::ServiceNow,
    Source::GitHub,
    Source::Jira,
    Source::GitLab,
    Source::Linear,
];

/// The sources whose analyses go to a chat channel (alerts: they have no ticket to write to).
pub const CHAT_SOURCES: [Source; 8] = [
    Source::Alertmanager,
    Source::Grafana,
    Source::Sentry,
    Source::Datadog,
    Source::NewRelic,
    Source::Dynatrace,
    Source::Splunk,
    Source::CloudWatch,
];

/// Whether the bridge can post `source`'s analyses: to its ticket, or (alerts) to a channel.
pub fn writes_back(source: Source) -> bool {
    TICKET_SOURCES.contains(&source) || CHAT_SOURCES.contains(&source)
}

/// Where a source's write-back credentials are.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum WriteBackSetting {
    /// `<SOURCE>_WRITE_BACK`: the credentials JSON itself (local runs).
    Inline(Credentials),
    /// `<SOURCE>_WRITE_BACK_REF`: a secret holding it, fetched on first use.
    Ref {
        /// The variable, for error messages.
        variable: &'static str,
        /// The secret.
        secret: SecretRef,
    },
}

/// Ticket-system credentials, as JSON in the configuration or secret:
/// ServiceNow `{"instance_url", "username", "password"}`, GitHub `{"token", "api_url"?}`,
/// Jira `{"base_url", "email", "api_token"}`, GitLab `{"token", "api_url"?}`, Linear
/// `{"api_key", "api_url"?}`; for alert sources `{"sink": "slack" | "teams", "webhook_url"}` or
/// `{"sink": "sns", "topic_arn"}` (published with the worker's role: no secret) or a new ticket:
/// `{"sink": "servicenow" | "jira" | "github" | "gitlab", …}`, the system's credentials as above
/// and where (`project_key` and `issue_type`?, `repository`, `project`).
/// `Debug` shows where and as whom, never the password, token or webhook URL (a configuration
/// dump or a panic message must not leak them; a chat webhook's URL is its credential).
#[derive(Clone, PartialEq, Eq)]
pub enum Credentials {
    /// Basic auth against the instance's Table API.
    ServiceNow {
        /// `https://<instance>.service-now.com`, without a trailing slash.
        instance_url: String,
        /// The integration user.
        username: String,
        /// Its password.
        password: String,
    },
    /// A token for the REST API.
    GitHub {
        /// `https://api.github.com` unless GitHub Enterprise.
        api_url: String,
        /// A personal access or app installation token.
        token: String,
    },
    /// Basic auth with an account e-mail and API token.
    Jira {
        /// `https://<site>.atlassian.net`, without a trailing slash.
        base_url: String,
        /// The integration account's e-mail.
        email: String,
        /// Its API token.
        api_token: String,
    },
    /// A token for GitLab's REST API (sent as `Authorization: Bearer`).
    GitLab {
        /// `https://gitlab.com` unless self-managed, without a trailing slash.
        api_url: String,
        /// A personal, project or group access token with the `api` scope.
        token: String,
    },
    /// An API key for Linear's GraphQL API.
    Linear {
        /// `https://api.linear.app` (the GraphQL endpoint is `/graphql` under it).
        api_url: String,
        /// A personal API key (sent bare in `Authorization`, as Linear takes it).
        api_key: String,
    },
    /// A Slack incoming webhook.
    Slack {
        /// `https://hooks.slack.com/services/…`: the URL is the credential.
        webhook_url: String,
    },
    /// A Microsoft Teams workflow webhook ("When a Teams webhook request is received").
    Teams {
        /// The workflow's HTTP URL, signed (`sig=`): the URL is the credential.
        webhook_url: String,
    },
    /// An Amazon SNS topic (e-mail, AWS Chatbot, anything subscribed), published to with the
    /// worker's role.
    Sns {
        /// `arn:<partition>:sns:<region>:<account>:<name>`.
        topic_arn: String,
    },
    /// Several sinks for one alert source (a JSON array of the sinks above), each posted once.
    Sinks(Vec<Credentials>),
    /// A new ticket for each alert: the ticket system's credentials, and where.
    NewTicket {
        /// The system's credentials (one of the ticket variants above).
        system: Box<Credentials>,
        /// The table, project or repository.
        place: TicketPlace,
    },
}

impl std::fmt::Debug for Credentials {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        const HIDDEN: &str = "<redacted>";
        let mut api = |name: &str, url: &str, secret: &str| {
            f.debug_struct(name)
                .field("api_url", &url)
                .field(secret, &HIDDEN)
                .finish()
        };
        match self {
            Credentials::ServiceNow {
                instance_url,
                username,
                ..
            } => f
                .debug_struct("ServiceNow")
                .field("instance_url", instance_url)
                .field("username", username)
                .field("password", &HIDDEN)
                .finish(),
            Credentials::GitHub { api_url, .. } => api("GitHub", api_url, "token"),
            Credentials::GitLab { api_url, .. } => api("GitLab", api_url, "token"),
            Credentials::Linear { api_url, .. } => api("Linear", api_url, "api_key"),
            Credentials::Jira {
                base_url, email, ..
            } => f
                .debug_struct("Jira")
                .field("base_url", base_url)
                .field("email", email)
                .field("api_token", &HIDDEN)
                .finish(),
            Credentials::Slack { .. } => f
                .debug_struct("Slack")
                .field("webhook_url", &HIDDEN)
                .finish(),
            Credentials::Teams { .. } => f
                .debug_struct("Teams")
                .field("webhook_url", &HIDDEN)
                .finish(),
            Credentials::Sns { topic_arn } => {
                f.debug_struct("Sns").field("topic_arn", topic_arn).finish()
            }
            Credentials::Sinks(sinks) => f.debug_list().entries(sinks).finish(),
            Credentials::NewTicket { system, place } => f
                .debug_struct("NewTicket")
                .field("system", system)
                .field("place", place)
                .finish(),
        }
    }
}

impl Credentials {
    /// Parses `json` for `source`. The error names missing fields, never values.
    pub fn parse(source: Source, json: &str) -> Result<Credentials, String> {
        let v: Value = serde_json::from_str(json)
            .map_err(|_| "must be a JSON object with the ticket system's credentials".to_owned())?;
        if let Value::Array(sinks) = &v {
            return sinks_list(source, sinks);
        }
        let field = |name: &str| required_field(&v, name);
        let base = |name: &str, default: Option<&str>| -> Result<String, String> {
            let url = match (field(name), default) {
                (Ok(u), _) => u,
                (Err(_), Some(d)) => d.to_owned(),
                (Err(e), None) => return Err(e),
            };
            // Basic credentials and tokens travel with every request: never in clear text,
            // except to a local stand-in.
            if !is_secure_or_local(&url) {
                return Err(format!("'{name}' {SECURE_URL_RULE}"));
            }
            Ok(url.trim_end_matches('/').to_owned())
        };
        if TICKET_SOURCES.contains(&source) && v.get("sink").is_some() {
            return Err(
                "'sink' is for the alert sources: this source writes back to its own tickets"
                    .into(),
            );
        }
        match source {
            Source::ServiceNow => Ok(Credentials::ServiceNow {
                instance_url: base("instance_url", None)?,
                username: field("username")?,
                password: field("password")?,
            }),
            Source::GitHub => Ok(Credentials::GitHub {
                api_url: base("api_url", Some("https://api.github.com"))?,
                token: field("token")?,
            }),
            Source::Jira => Ok(Credentials::Jira {
                base_url: base("base_url", None)?,
                email: field("email")?,
                api_token: field("api_token")?,
            }),
            Source::GitLab => Ok(Credentials::GitLab {
                api_url: base("api_url", Some("https://gitlab.com"))?,
                token: field("token")?,
            }),
            Source::Linear => Ok(Credentials::Linear {
                api_url: base("api_url", Some("https://api.linear.app"))?,
                api_key: field("api_key")?,
            }),
            source if CHAT_SOURCES.contains(&source) => match field("sink")?.as_str() {
                "slack" => Ok(Credentials::Slack {
                    webhook_url: base("webhook_url", None)?,
                }),
                "teams" => Ok(Credentials::Teams {
                    webhook_url: base("webhook_url", None)?,
                }),
                "sns" => {
                    let topic_arn = field("topic_arn")?;
                    if !is_topic_arn(&topic_arn) {
                        return Err(
                            "'topic_arn' must be an SNS topic ARN (arn:aws:sns:<region>:<account>:<name>)"
                                .into(),
                        );
                    }
                    Ok(Credentials::Sns { topic_arn })
                }
                sink => {
                    let place = ticket_place(sink, &v)?;
                    let system = match place {
                        TicketPlace::ServiceNowIncident => Source::ServiceNow,
                        TicketPlace::JiraProject { .. } => Source::Jira,
                        TicketPlace::GitHubRepository { .. } => Source::GitHub,
                        TicketPlace::GitLabProject { .. } => Source::GitLab,
                    };
                    Ok(Credentials::NewTicket {
                        system: Box::new(Credentials::parse(system, &without_sink(&v))?),
                        place,
                    })
                }
            },
            _ => Err(WRITE_BACK_RULE.into()),
        }
    }
}

/// The most sinks one alert source may have.
pub const MAX_SINKS: usize = 4;

/// An alert source's list of sinks: 1 to [`MAX_SINKS`] sink objects.
fn sinks_list(source: Source, sinks: &[Value]) -> Result<Credentials, String> {
    if !CHAT_SOURCES.contains(&source) {
        return Err("a list of sinks is for the alert sources".into());
    }
    if !(1..=MAX_SINKS).contains(&sinks.len()) {
        return Err(format!(
            "a list of sinks holds 1 to {MAX_SINKS} sink objects"
        ));
    }
    sinks
        .iter()
        .enumerate()
        .map(|(i, sink)| match sink {
            Value::Object(_) => Credentials::parse(source, &sink.to_string())
                .map_err(|problem| format!("sink {i}: {problem}")),
            _ => Err(format!("sink {i}: must be a sink object")),
        })
        .collect::<Result<_, _>>()
        .map(Credentials::Sinks)
}

/// `v` as JSON text without its `sink` field: the ticket system's own credentials.
fn without_sink(v: &Value) -> String {
    let mut fields = v.clone();
    if let Some(object) = fields.as_object_mut() {
        object.remove("sink");
    }
    fields.to_string()
}

/// `arn:<partition>:sns:<region>:<account>:<name>`: a partition, a region, a 12-digit account
/// and a topic name of letters, digits, `-` and `_` (with `.fifo` for a FIFO topic).
fn is_topic_arn(arn: &str) -> bool {
    let parts: Vec<&str> = arn.split(':').collect();
    let [arn_prefix, partition, service, region, account, name] = parts[..] else {
        return false;
    };
    let name = name.strip_suffix(".fifo").unwrap_or(name);
    arn_prefix == "arn"
        && partition.starts_with("aws")
        && service == "sns"
        && !region.is_empty()
        && region
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
        && account.len() == 12
        && account.bytes().all(|b| b.is_ascii_digit())
        && (1..=256).contains(&name.len())
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

/// Which sources can post their analyses, for error messages.
pub(super) const WRITE_BACK_RULE: &str = "write-back is supported for servicenow, github, jira, gitlab and linear; the alert sources (alertmanager, grafana, sentry, datadog, newrelic, dynatrace, splunk, cloudwatch) post to a slack, teams or sns sink or open servicenow, jira, github or gitlab tickets";

#[cfg(test)]
#[path = "write_back_tests.rs"]
mod tests;
