//! Posting an analysis back to its ticket: a ServiceNow work note, a GitHub issue comment, a
//! Jira comment. The bridge holds the ticket-system credentials, so the agent needs none.
//!
//! The target (which ticket) travels in the job message; the credentials come from the
//! configuration (`S_WRITE_BACK` or the secret named by `S_WRITE_BACK_REF`). URLs are built from
//! the configured base URL and validated ids only, never from URLs inside a payload.

use std::time::Duration;

use base64::Engine;
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use ticket_prompt::{Source, Ticket};

/// How long one write-back request may take.
const REQUEST_TIMEOUT: Duration = Duration::from_secs(10);

/// Which ticket to write to; built from the validated ticket, carried in the job message.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "target", rename_all = "lowercase")]
pub enum Target {
    ServiceNow {
        table: String,
        sys_id: String,
    },
    GitHub {
        repository: String,
        issue_number: String,
    },
    Jira {
        issue_key: String,
    },
}

impl Target {
    /// The target for `ticket`, when its source supports write-back and the ticket names it.
    pub fn for_ticket(ticket: &Ticket) -> Option<Target> {
        match ticket.source {
            Source::ServiceNow => Some(Target::ServiceNow {
                table: "incident".into(),
                sys_id: ticket.source_id.clone()?,
            }),
            Source::GitHub => {
                let repository = ticket.group.clone()?;
                let ok = repository.split('/').count() == 2
                    && repository
                        .chars()
                        .all(|c| c.is_ascii_alphanumeric() || matches!(c, '/' | '-' | '_' | '.'));
                ok.then(|| Target::GitHub {
                    repository,
                    issue_number: ticket.id.clone(),
                })
            }
            Source::Jira => Some(Target::Jira {
                issue_key: ticket.id.clone(),
            }),
            _ => None,
        }
    }

    pub fn name(&self) -> &'static str {
        match self {
            Target::ServiceNow { .. } => "servicenow",
            Target::GitHub { .. } => "github",
            Target::Jira { .. } => "jira",
        }
    }
}

/// Ticket-system credentials, as JSON in the configuration or secret:
/// ServiceNow `{"instance_url", "username", "password"}`, GitHub `{"token", "api_url"?}`,
/// Jira `{"base_url", "email", "api_token"}`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Credentials {
    ServiceNow {
        instance_url: String,
        username: String,
        password: String,
    },
    GitHub {
        api_url: String,
        token: String,
    },
    Jira {
        base_url: String,
        email: String,
        api_token: String,
    },
}

impl Credentials {
    /// Parses `json` for `source`. The error names missing fields, never values.
    pub fn parse(source: Source, json: &str) -> Result<Credentials, String> {
        let v: Value = serde_json::from_str(json)
            .map_err(|_| "must be a JSON object with the ticket system's credentials".to_owned())?;
        let field = |name: &str| -> Result<String, String> {
            v.get(name)
                .and_then(Value::as_str)
                .map(str::trim)
                .filter(|s| !s.is_empty())
                .map(str::to_owned)
                .ok_or_else(|| format!("missing '{name}'"))
        };
        let base = |name: &str, default: Option<&str>| -> Result<String, String> {
            let url = match (field(name), default) {
                (Ok(u), _) => u,
                (Err(_), Some(d)) => d.to_owned(),
                (Err(e), None) => return Err(e),
            };
            if !(url.starts_with("https://") || url.starts_with("http://")) {
                return Err(format!("'{name}' must be an http(s) URL"));
            }
            Ok(url.trim_end_matches('/').to_owned())
        };
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
            _ => Err("write-back is supported for servicenow, github and jira".into()),
        }
    }
}

/// One HTTP request to make.
#[derive(Debug, Clone, PartialEq)]
pub struct Request {
    pub method: http::Method,
    pub url: String,
    pub authorization: String,
    pub body: Value,
}

/// The request that posts `analysis` to `target` with `creds`; `None` if they do not match.
pub fn request(
    target: &Target,
    creds: &Credentials,
    analysis: &str,
    job_id: &str,
) -> Option<Request> {
    let note = format!("AI analysis (AgentCore bridge, job {job_id}):\n\n{analysis}");
    let basic = |user: &str, pass: &str| {
        format!(
            "Basic {}",
            base64::engine::general_purpose::STANDARD.encode(format!("{user}:{pass}"))
        )
    };
    match (target, creds) {
        (
            Target::ServiceNow { table, sys_id },
            Credentials::ServiceNow {
                instance_url,
                username,
                password,
            },
        ) => Some(Request {
            method: http::Method::PATCH,
            url: format!("{instance_url}/api/now/table/{table}/{sys_id}"),
            authorization: basic(username, password),
            body: json!({ "work_notes": note }),
        }),
        (
            Target::GitHub {
                repository,
                issue_number,
            },
            Credentials::GitHub { api_url, token },
        ) => Some(Request {
            method: http::Method::POST,
            url: format!("{api_url}/repos/{repository}/issues/{issue_number}/comments"),
            authorization: format!("Bearer {token}"),
            body: json!({ "body": note }),
        }),
        (
            Target::Jira { issue_key },
            Credentials::Jira {
                base_url,
                email,
                api_token,
            },
        ) => Some(Request {
            method: http::Method::POST,
            url: format!("{base_url}/rest/api/2/issue/{issue_key}/comment"),
            authorization: basic(email, api_token),
            body: json!({ "body": note }),
        }),
        _ => None,
    }
}

/// Why a write-back failed, as a stable code for the job record.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WriteBackError {
    Unauthorized,
    NotFound,
    Rejected,
    ServerError,
    Unreachable,
    Misconfigured,
}

impl WriteBackError {
    pub fn code(self) -> &'static str {
        match self {
            WriteBackError::Unauthorized => "WRITE_BACK_UNAUTHORIZED",
            WriteBackError::NotFound => "WRITE_BACK_NOT_FOUND",
            WriteBackError::Rejected => "WRITE_BACK_REJECTED",
            WriteBackError::ServerError => "WRITE_BACK_SERVER_ERROR",
            WriteBackError::Unreachable => "WRITE_BACK_UNREACHABLE",
            WriteBackError::Misconfigured => "WRITE_BACK_MISCONFIGURED",
        }
    }

    fn from_status(status: u16) -> WriteBackError {
        match status {
            401 | 403 => WriteBackError::Unauthorized,
            404 => WriteBackError::NotFound,
            400..=499 => WriteBackError::Rejected,
            _ => WriteBackError::ServerError,
        }
    }
}

/// Sends write-back requests; one client per cold start.
#[derive(Debug, Clone)]
pub struct WriteBackClient {
    http: reqwest::Client,
}

impl Default for WriteBackClient {
    fn default() -> Self {
        WriteBackClient {
            http: reqwest::Client::builder()
                .timeout(REQUEST_TIMEOUT)
                // GitHub refuses requests without one.
                .user_agent(concat!(
                    "agentcore-webhook-bridge/",
                    env!("CARGO_PKG_VERSION")
                ))
                .build()
                .unwrap_or_default(),
        }
    }
}

impl WriteBackClient {
    pub async fn send(&self, req: &Request) -> Result<(), WriteBackError> {
        let resp = self
            .http
            .request(req.method.clone(), &req.url)
            .header(http::header::AUTHORIZATION, &req.authorization)
            .header(http::header::ACCEPT, "application/json")
            .header(http::header::CONTENT_TYPE, "application/json")
            .body(req.body.to_string())
            .send()
            .await
            .map_err(|e| {
                tracing::warn!(error = %e, "write-back request failed");
                WriteBackError::Unreachable
            })?;
        let status = resp.status().as_u16();
        if resp.status().is_success() {
            Ok(())
        } else {
            tracing::warn!(status, "write-back refused");
            Err(WriteBackError::from_status(status))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ticket_prompt::{FieldLimits, parse_ticket};

    const SYS_ID: &str = "46d44a5ea9fe198101b9e1ac8f0d0f7d";

    fn ticket(source: Source, body: Value) -> Ticket {
        parse_ticket(source, body.to_string().as_bytes(), &FieldLimits::default()).unwrap()
    }

    #[test]
    fn servicenow_work_note_patch_field_by_field() {
        let t = ticket(
            Source::ServiceNow,
            json!({"number": "INC1", "short_description": "x", "sys_id": SYS_ID}),
        );
        let target = Target::for_ticket(&t).unwrap();
        let creds = Credentials::parse(
            Source::ServiceNow,
            r#"{"instance_url": "https://acme.service-now.com/", "username": "svc_ai_bridge", "password": "pw"}"#,
        )
        .unwrap();
        let req = request(&target, &creds, "Restart the relay.", "job_1").unwrap();
        assert_eq!(req.method, http::Method::PATCH);
        assert_eq!(
            req.url,
            format!("https://acme.service-now.com/api/now/table/incident/{SYS_ID}")
        );
        assert_eq!(req.authorization, "Basic c3ZjX2FpX2JyaWRnZTpwdw==");
        assert_eq!(
            req.body,
            json!({"work_notes": "AI analysis (AgentCore bridge, job job_1):\n\nRestart the relay."})
        );
    }

    #[test]
    fn github_and_jira_comments() {
        let gh = ticket(
            Source::GitHub,
            json!({"action": "opened", "issue": {"number": 42, "title": "Crash"}, "repository": {"full_name": "acme/app"}}),
        );
        let creds = Credentials::parse(Source::GitHub, r#"{"token": "ghp_x"}"#).unwrap();
        let req = request(&Target::for_ticket(&gh).unwrap(), &creds, "a", "j").unwrap();
        assert_eq!(
            req.url,
            "https://api.github.com/repos/acme/app/issues/42/comments"
        );
        assert_eq!(req.authorization, "Bearer ghp_x");
        assert_eq!(req.method, http::Method::POST);

        let jira = ticket(
            Source::Jira,
            json!({"webhookEvent": "jira:issue_created", "issue": {"key": "OPS-7", "fields": {"summary": "s"}}}),
        );
        let creds = Credentials::parse(
            Source::Jira,
            r#"{"base_url": "https://acme.atlassian.net", "email": "bot@acme.io", "api_token": "t"}"#,
        )
        .unwrap();
        let req = request(&Target::for_ticket(&jira).unwrap(), &creds, "a", "j").unwrap();
        assert_eq!(
            req.url,
            "https://acme.atlassian.net/rest/api/2/issue/OPS-7/comment"
        );
        assert!(req.authorization.starts_with("Basic "));
    }

    #[test]
    fn targets_need_the_ids_and_credentials_need_their_fields() {
        let no_sys_id = ticket(
            Source::ServiceNow,
            json!({"number": "INC1", "short_description": "x"}),
        );
        assert_eq!(Target::for_ticket(&no_sys_id), None);
        let err = Credentials::parse(
            Source::ServiceNow,
            r#"{"instance_url": "https://x", "username": "u"}"#,
        )
        .unwrap_err();
        assert_eq!(err, "missing 'password'");
        let err = Credentials::parse(
            Source::Jira,
            r#"{"base_url": "ftp://x", "email": "e", "api_token": "secret"}"#,
        )
        .unwrap_err();
        assert!(err.contains("http(s) URL") && !err.contains("secret"));
        assert!(Credentials::parse(Source::Zendesk, "{}").is_err());
        let gh = Credentials::parse(Source::GitHub, r#"{"token": "t"}"#).unwrap();
        let sn_target = Target::ServiceNow {
            table: "incident".into(),
            sys_id: SYS_ID.into(),
        };
        assert_eq!(
            request(&sn_target, &gh, "a", "j"),
            None,
            "mismatched credentials"
        );
    }

    #[test]
    fn targets_round_trip_through_the_job_message() {
        let t = Target::GitHub {
            repository: "acme/app".into(),
            issue_number: "42".into(),
        };
        let v = serde_json::to_value(&t).unwrap();
        assert_eq!(
            v,
            json!({"target": "github", "repository": "acme/app", "issue_number": "42"})
        );
        assert_eq!(serde_json::from_value::<Target>(v).unwrap(), t);
    }
}
