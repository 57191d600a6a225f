//! Where an alert source's new tickets go, when its sink is a ticket system: the ServiceNow
//! incident table, a Jira project (and issue type), a GitHub repository or a GitLab project.
//! Read from the sink's JSON beside the system's own credentials; the formats are checked again
//! before any URL is built from them.

use serde_json::Value;

/// Where a new ticket for an alert is opened.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TicketPlace {
    /// A ServiceNow incident (`incident` table).
    ServiceNowIncident,
    /// A Jira issue.
    JiraProject {
        /// The project key (`OPS`).
        key: String,
        /// The issue type's name (`Task` unless given).
        issue_type: String,
    },
    /// A GitHub issue.
    GitHubRepository {
        /// `owner/name`.
        repository: String,
    },
    /// A GitLab issue.
    GitLabProject {
        /// The project's full path (`group/project`).
        project: String,
    },
}

/// The ticket systems an alert's sink may open tickets in, by their `sink` names.
const TICKET_SINKS: [&str; 4] = ["servicenow", "jira", "github", "gitlab"];

/// `v`'s string field `name`, trimmed and not empty; the error names the field, never a value.
pub(super) fn required_field(v: &Value, name: &str) -> Result<String, String> {
    v.get(name)
        .and_then(Value::as_str)
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_owned)
        .ok_or_else(|| format!("missing '{name}'"))
}

/// A Jira project key (`OPS`, `A1_B`): an upper-case letter, then upper-case letters, digits or
/// `_`. Also the project part of an issue key (`OPS-7`).
pub fn jira_project_key(key: &str) -> bool {
    key.starts_with(|c: char| c.is_ascii_uppercase())
        && key
            .bytes()
            .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit() || b == b'_')
}

/// The place named by `sink`'s JSON `v` (its credentials are read by the caller).
pub(super) fn ticket_place(sink: &str, v: &Value) -> Result<TicketPlace, String> {
    let field = |name: &str| required_field(v, name);
    match sink {
        "servicenow" => Ok(TicketPlace::ServiceNowIncident),
        "jira" => {
            let key = field("project_key")?;
            let issue_type = field("issue_type").unwrap_or_else(|_| "Task".to_owned());
            if !jira_project_key(&key)
                || issue_type.chars().any(char::is_control)
                || issue_type.len() > 60
            {
                return Err("'project_key' must be a Jira project key (OPS) and 'issue_type' an issue type's name".into());
            }
            Ok(TicketPlace::JiraProject { key, issue_type })
        }
        "github" => Ok(TicketPlace::GitHubRepository {
            repository: field("repository")?,
        }),
        "gitlab" => Ok(TicketPlace::GitLabProject {
            project: field("project")?,
        }),
        _ => Err(format!(
            "'sink' must be slack, teams, sns or one of {}",
            TICKET_SINKS.join(", ")
        )),
    }
}
