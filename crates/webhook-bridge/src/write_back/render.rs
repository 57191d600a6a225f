//! The HTTP request that posts an analysis to its target with the source's credentials.

use base64::Engine;
use serde_json::{Value, json};
use sha2::{Digest, Sha256};

use ticket_prompt::{
    github_comment, gitlab_note, jira_comment, linear_comment, servicenow_work_note, slack_message,
    teams_message,
};

use super::error::WriteBackError;
use super::target::Target;
use crate::config::Credentials;

/// One HTTP request to make.
#[derive(Debug, Clone, PartialEq)]
pub struct WriteBackRequest {
    /// `PATCH` (ServiceNow) or `POST`.
    pub method: http::Method,
    /// The configured base URL plus the target's path.
    pub url: String,
    /// The `Authorization` header value; chat webhooks carry their credential in the URL.
    pub authorization: Option<String>,
    /// The JSON body.
    pub body: Value,
    /// What a successful answer looks like.
    pub success: Success,
}

/// How the answer tells success.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Success {
    /// Any 2xx.
    Status,
    /// A 2xx whose GraphQL document reports `commentCreate.success` and no `errors` (Linear
    /// answers refusals with 200 and an `errors` array).
    LinearCommentCreated,
}

/// The GraphQL mutation that adds a comment to a Linear issue.
const LINEAR_COMMENT_CREATE: &str = "mutation BridgeComment($input: CommentCreateInput!) { commentCreate(input: $input) { success comment { id } } }";

/// A UUID (version 4 layout) derived from the job id: Linear keeps a comment's client-chosen
/// id, so a retried post of the same job is the same comment, never a second one.
fn comment_id(job_id: &str) -> String {
    let digest = Sha256::digest(format!("linear-comment:{job_id}").as_bytes());
    let mut bytes = [0u8; 16];
    bytes.copy_from_slice(&digest[..16]);
    uuid::Builder::from_random_bytes(bytes)
        .into_uuid()
        .to_string()
}

/// An `Authorization: Basic` value.
pub(super) fn basic(user: &str, pass: &str) -> String {
    format!(
        "Basic {}",
        base64::engine::general_purpose::STANDARD.encode(format!("{user}:{pass}"))
    )
}

/// The request that posts `analysis` to `target` with `creds`, rendered for the target (text
/// it shows, never markup it acts on, within its size limit). Refused when the target's ids are
/// not of the vendor's format (`InvalidTarget`: a job message is checked again here) or the
/// credentials are another system's (`Misconfigured`).
pub fn request(
    target: &Target,
    creds: &Credentials,
    analysis: &str,
    job_id: &str,
) -> Result<WriteBackRequest, WriteBackError> {
    if !target.is_valid() {
        return Err(WriteBackError::InvalidTarget);
    }
    match (target, creds) {
        (
            Target::ServiceNow { table, sys_id },
            Credentials::ServiceNow {
                instance_url,
                username,
                password,
            },
        ) => Ok(WriteBackRequest {
            method: http::Method::PATCH,
            url: format!("{instance_url}/api/now/table/{table}/{sys_id}"),
            authorization: Some(basic(username, password)),
            body: json!({ "work_notes": servicenow_work_note(analysis, job_id) }),
            success: Success::Status,
        }),
        (
            Target::GitHub {
                repository,
                issue_number,
            },
            Credentials::GitHub { api_url, token },
        ) => Ok(WriteBackRequest {
            method: http::Method::POST,
            url: format!("{api_url}/repos/{repository}/issues/{issue_number}/comments"),
            authorization: Some(format!("Bearer {token}")),
            body: json!({ "body": github_comment(analysis, job_id) }),
            success: Success::Status,
        }),
        (
            Target::Jira { issue_key },
            Credentials::Jira {
                base_url,
                email,
                api_token,
            },
        ) => Ok(WriteBackRequest {
            method: http::Method::POST,
            // v3: the body is an Atlassian Document Format document, whose text is never parsed
            // as wiki markup.
            url: format!("{base_url}/rest/api/3/issue/{issue_key}/comment"),
            authorization: Some(basic(email, api_token)),
            body: json!({ "body": jira_comment(analysis, job_id) }),
            success: Success::Status,
        }),
        (Target::GitLab { project, issue_iid }, Credentials::GitLab { api_url, token }) => {
            Ok(WriteBackRequest {
                method: http::Method::POST,
                // The project by its full path, URL-encoded as one segment (its segments are
                // checked: only `/` needs encoding).
                url: format!(
                    "{api_url}/api/v4/projects/{}/issues/{issue_iid}/notes",
                    project.replace('/', "%2F")
                ),
                authorization: Some(format!("Bearer {token}")),
                body: json!({ "body": gitlab_note(analysis, job_id) }),
                success: Success::Status,
            })
        }
        (Target::Linear { issue }, Credentials::Linear { api_url, api_key }) => {
            Ok(WriteBackRequest {
                method: http::Method::POST,
                url: format!("{api_url}/graphql"),
                authorization: Some(api_key.clone()),
                body: json!({
                    "query": LINEAR_COMMENT_CREATE,
                    "variables": {"input": {
                        "id": comment_id(job_id),
                        "issueId": issue,
                        "body": linear_comment(analysis, job_id),
                    }},
                }),
                success: Success::LinearCommentCreated,
            })
        }
        (Target::Chat { about }, Credentials::Slack { webhook_url }) => Ok(WriteBackRequest {
            method: http::Method::POST,
            url: webhook_url.clone(),
            authorization: None,
            body: slack_message(about, analysis, job_id),
            success: Success::Status,
        }),
        (Target::Chat { about }, Credentials::Teams { webhook_url }) => Ok(WriteBackRequest {
            method: http::Method::POST,
            url: webhook_url.clone(),
            authorization: None,
            body: teams_message(about, analysis, job_id),
            success: Success::Status,
        }),
        _ => Err(WriteBackError::Misconfigured),
    }
}

#[cfg(test)]
#[path = "render_sink_tests.rs"]
mod sink_tests;

#[cfg(test)]
mod tests {
    use super::*;
    use ticket_prompt::{FieldLimits, Source, Ticket, parse_ticket};

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
        assert_eq!(
            req.authorization.as_deref(),
            Some("Basic c3ZjX2FpX2JyaWRnZTpwdw==")
        );
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
        assert_eq!(req.authorization.as_deref(), Some("Bearer ghp_x"));
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
            "https://acme.atlassian.net/rest/api/3/issue/OPS-7/comment"
        );
        assert!(req.authorization.unwrap().starts_with("Basic "));
        assert_eq!(req.body["body"]["type"], "doc", "an ADF document");
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
        assert!(err.contains("https:// URL") && !err.contains("secret"));
        // Credentials never go out in clear text, except to a local stand-in.
        for plain in ["http://acme.atlassian.net", "http://10.0.0.5:8080"] {
            let json = format!(r#"{{"base_url": "{plain}", "email": "e", "api_token": "t"}}"#);
            assert!(Credentials::parse(Source::Jira, &json).is_err(), "{plain}");
        }
        let local = r#"{"base_url": "http://127.0.0.1:8443", "email": "e", "api_token": "t"}"#;
        assert!(Credentials::parse(Source::Jira, local).is_ok());
        assert!(Credentials::parse(Source::Zendesk, "{}").is_err());
        let gh = Credentials::parse(Source::GitHub, r#"{"token": "t"}"#).unwrap();
        let sn_target = Target::ServiceNow {
            table: "incident".into(),
            sys_id: SYS_ID.into(),
        };
        assert_eq!(
            request(&sn_target, &gh, "a", "j"),
            Err(WriteBackError::Misconfigured),
            "mismatched credentials"
        );
        let dotted = Target::GitHub {
            repository: "../..".into(),
            issue_number: "1".into(),
        };
        assert_eq!(
            request(&dotted, &gh, "a", "j"),
            Err(WriteBackError::InvalidTarget)
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
