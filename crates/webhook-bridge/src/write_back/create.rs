//! A new ticket for an alert, when the alert source's sink is a ticket system: a ServiceNow
//! incident, a Jira, GitHub or GitLab issue, titled with the alert's line (which links back to
//! it) and holding the analysis rendered as that system's write-back is (text it shows, never
//! markup it acts on). Each ticket carries the job's id as a marker (ServiceNow's
//! `correlation_id`, a label elsewhere), and every try looks the marker up first: a retry after a
//! create whose answer was lost finds the ticket instead of opening a second one.

use serde_json::{Value, json};
use ticket_prompt::{github_comment, gitlab_note, jira_comment, servicenow_work_note};

use super::error::WriteBackError;
use super::render::{Success, WriteBackRequest, basic};
use super::target::{github_repository, gitlab_project};
use crate::config::{Credentials, TicketPlace, jira_project_key};

/// The label every ticket the bridge opens carries, beside the job's own.
pub const BRIDGE_LABEL: &str = "agentcore-bridge";

/// The lookup for the job's ticket, and the create to send when there is none.
#[derive(Debug, Clone, PartialEq)]
pub struct Creation {
    /// Finds the ticket carrying the job's marker.
    pub lookup: WriteBackRequest,
    /// Where the lookup's answer lists what it found (a JSON pointer to an array).
    pub found_at: &'static str,
    /// Opens the ticket.
    pub create: WriteBackRequest,
}

impl Creation {
    /// Whether the lookup's answer lists a ticket.
    pub fn exists(&self, answer: &Value) -> Result<bool, WriteBackError> {
        answer
            .pointer(self.found_at)
            .and_then(Value::as_array)
            .map(|found| !found.is_empty())
            // An answer of another shape is the system's failure: retried, never a duplicate.
            .ok_or(WriteBackError::ServerError)
    }
}

/// The lookup and create for the analysis of the alert `about` by job `job_id`, opened in
/// `place` with `system`'s credentials. `InvalidTarget` when the place is not of the vendor's
/// format; `Misconfigured` when the credentials are another system's.
pub fn creation(
    about: &str,
    system: &Credentials,
    place: &TicketPlace,
    analysis: &str,
    job_id: &str,
) -> Result<Creation, WriteBackError> {
    if !valid_place(place)
        || !job_id
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'_')
    {
        return Err(WriteBackError::InvalidTarget);
    }
    // The alert's line (with its link) heads the analysis, shown like the rest of it.
    let text = format!("{about}\n\n{analysis}");
    let get = |url: String, authorization: String| WriteBackRequest {
        method: http::Method::GET,
        url,
        authorization: Some(authorization),
        body: Value::Null,
        success: Success::Status,
    };
    let post = |url: String, authorization: String, body: Value| WriteBackRequest {
        method: http::Method::POST,
        url,
        authorization: Some(authorization),
        body,
        success: Success::Status,
    };
    match (place, system) {
        (
            TicketPlace::ServiceNowIncident,
            Credentials::ServiceNow {
                instance_url,
                username,
                password,
            },
        ) => {
            let auth = basic(username, password);
            let table = format!("{instance_url}/api/now/table/incident");
            Ok(Creation {
                lookup: get(
                    format!(
                        "{table}?sysparm_query=correlation_id%3D{job_id}&sysparm_fields=sys_id%2Cnumber&sysparm_limit=1"
                    ),
                    auth.clone(),
                ),
                found_at: "/result",
                create: post(
                    table,
                    auth,
                    json!({
                        "short_description": capped(about, 160),
                        "description": capped(about, 4_000),
                        "work_notes": servicenow_work_note(&text, job_id),
                        "correlation_id": job_id,
                        "correlation_display": BRIDGE_LABEL,
                    }),
                ),
            })
        }
        (
            TicketPlace::JiraProject { key, issue_type },
            Credentials::Jira {
                base_url,
                email,
                api_token,
            },
        ) => {
            let auth = basic(email, api_token);
            Ok(Creation {
                lookup: post(
                    format!("{base_url}/rest/api/3/search/jql"),
                    auth.clone(),
                    json!({
                        "jql": format!("project = \"{key}\" AND labels = \"{job_id}\""),
                        "maxResults": 1,
                        "fields": ["summary"],
                    }),
                ),
                found_at: "/issues",
                create: post(
                    format!("{base_url}/rest/api/3/issue"),
                    auth,
                    json!({"fields": {
                        "project": {"key": key},
                        "issuetype": {"name": issue_type},
                        "summary": capped(about, 254),
                        "description": jira_comment(&text, job_id),
                        "labels": [BRIDGE_LABEL, job_id],
                    }}),
                ),
            })
        }
        (TicketPlace::GitHubRepository { repository }, Credentials::GitHub { api_url, token }) => {
            let auth = format!("Bearer {token}");
            let issues = format!("{api_url}/repos/{repository}/issues");
            Ok(Creation {
                lookup: get(
                    format!("{issues}?labels={job_id}&state=all&per_page=1"),
                    auth.clone(),
                ),
                found_at: "",
                create: post(
                    issues,
                    auth,
                    json!({
                        "title": capped(about, 256),
                        "body": github_comment(&text, job_id),
                        "labels": [BRIDGE_LABEL, job_id],
                    }),
                ),
            })
        }
        (TicketPlace::GitLabProject { project }, Credentials::GitLab { api_url, token }) => {
            let auth = format!("Bearer {token}");
            let issues = format!(
                "{api_url}/api/v4/projects/{}/issues",
                project.replace('/', "%2F")
            );
            Ok(Creation {
                lookup: get(format!("{issues}?labels={job_id}&per_page=1"), auth.clone()),
                found_at: "",
                create: post(
                    issues,
                    auth,
                    json!({
                        "title": capped(about, 255),
                        "description": gitlab_note(&text, job_id),
                        "labels": format!("{BRIDGE_LABEL},{job_id}"),
                    }),
                ),
            })
        }
        _ => Err(WriteBackError::Misconfigured),
    }
}

/// Whether the place's names are of the vendor's format, so each is safe in a URL path or a
/// JQL string (no dot segments, slashes, quotes or encodings).
fn valid_place(place: &TicketPlace) -> bool {
    match place {
        TicketPlace::ServiceNowIncident => true,
        TicketPlace::JiraProject { key, issue_type } => {
            jira_project_key(key)
                && !issue_type.is_empty()
                && !issue_type.chars().any(|c| c.is_control() || c == '"')
        }
        TicketPlace::GitHubRepository { repository } => github_repository(repository),
        TicketPlace::GitLabProject { project } => gitlab_project(project),
    }
}

/// The first `max` characters of `text`.
fn capped(text: &str, max: usize) -> String {
    text.chars().take(max).collect()
}

#[cfg(test)]
#[path = "create_tests.rs"]
mod tests;
