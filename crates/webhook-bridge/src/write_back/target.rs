//! Which ticket to write to: built from the validated ticket, carried in the job message.

use serde::{Deserialize, Serialize};
use ticket_prompt::{Source, Ticket};

/// Which ticket to write to; built from the validated ticket, carried in the job message.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "target", rename_all = "lowercase")]
pub enum Target {
    /// A record in a ServiceNow table.
    ServiceNow {
        /// The table (`incident`).
        table: String,
        /// The record's 32-hex-digit sys_id.
        sys_id: String,
    },
    /// A GitHub issue.
    GitHub {
        /// `owner/name`.
        repository: String,
        /// The issue number.
        issue_number: String,
    },
    /// A Jira issue.
    Jira {
        /// The issue key (`OPS-7`).
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

    /// The target system's name, as recorded on the job.
    pub fn name(&self) -> &'static str {
        match self {
            Target::ServiceNow { .. } => "servicenow",
            Target::GitHub { .. } => "github",
            Target::Jira { .. } => "jira",
        }
    }
}
