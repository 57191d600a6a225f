//! The HTTP request that posts an analysis to its target with the source's credentials.

use base64::Engine;
use serde_json::{Value, json};

use super::target::Target;
use crate::config::Credentials;

/// One HTTP request to make.
#[derive(Debug, Clone, PartialEq)]
pub struct WriteBackRequest {
    /// `PATCH` (ServiceNow) or `POST`.
    pub method: http::Method,
    /// The configured base URL plus the target's path.
    pub url: String,
    /// The `Authorization` header value.
    pub authorization: String,
    /// The JSON body.
    pub body: Value,
}

/// The request that posts `analysis` to `target` with `creds`; `None` if they do not match.
pub fn request(
    target: &Target,
    creds: &Credentials,
    analysis: &str,
    job_id: &str,
) -> Option<WriteBackRequest> {
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
        ) => Some(WriteBackRequest {
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
        ) => Some(WriteBackRequest {
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
        ) => Some(WriteBackRequest {
            method: http::Method::POST,
            url: format!("{base_url}/rest/api/2/issue/{issue_key}/comment"),
            authorization: basic(email, api_token),
            body: json!({ "body": note }),
        }),
        _ => None,
    }
}

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
