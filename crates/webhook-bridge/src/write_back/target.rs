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
    /// The target for `ticket`, when its source supports write-back and the ticket names it
    /// with ids of the vendor's own format.
    pub fn for_ticket(ticket: &Ticket) -> Option<Target> {
        let target = match ticket.source {
            Source::ServiceNow => Target::ServiceNow {
                table: "incident".into(),
                sys_id: ticket.source_id.clone()?,
            },
            Source::GitHub => Target::GitHub {
                repository: ticket.group.clone()?,
                issue_number: ticket.id.clone(),
            },
            Source::Jira => Target::Jira {
                issue_key: ticket.id.clone(),
            },
            _ => return None,
        };
        target.is_valid().then_some(target)
    }

    /// Whether every id has its vendor's format, so each is one safe URL path segment (no dot
    /// segments, slashes, encodings or queries). Checked when the target is made and again
    /// before it is used.
    pub fn is_valid(&self) -> bool {
        match self {
            Target::ServiceNow { table, sys_id } => {
                table == "incident"
                    && sys_id.len() == 32
                    && sys_id.bytes().all(|b| b.is_ascii_hexdigit())
            }
            Target::GitHub {
                repository,
                issue_number,
            } => {
                let Some((owner, name)) = repository.split_once('/') else {
                    return false;
                };
                github_owner(owner) && github_repository_name(name) && positive(issue_number)
            }
            Target::Jira { issue_key } => {
                let Some((project, number)) = issue_key.rsplit_once('-') else {
                    return false;
                };
                project.starts_with(|c: char| c.is_ascii_uppercase())
                    && project
                        .bytes()
                        .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit() || b == b'_')
                    && positive(number)
            }
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

/// A GitHub user or organisation: 1–39 letters, digits or single hyphens, not at either end.
fn github_owner(owner: &str) -> bool {
    (1..=39).contains(&owner.len())
        && owner
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-')
        && !owner.starts_with('-')
        && !owner.ends_with('-')
}

/// A GitHub repository name: 1–100 of letters, digits, `.`, `-`, `_`; never `.` or `..`.
fn github_repository_name(name: &str) -> bool {
    (1..=100).contains(&name.len())
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'-' | b'_'))
        && name != "."
        && name != ".."
}

/// A positive decimal number without a sign or leading zero, up to 12 digits.
fn positive(n: &str) -> bool {
    (1..=12).contains(&n.len()) && n.bytes().all(|b| b.is_ascii_digit()) && !n.starts_with('0')
}

#[cfg(test)]
mod tests {
    use super::*;

    fn github(repository: &str, issue_number: &str) -> Target {
        Target::GitHub {
            repository: repository.into(),
            issue_number: issue_number.into(),
        }
    }

    fn jira(key: &str) -> Target {
        Target::Jira {
            issue_key: key.into(),
        }
    }

    #[test]
    fn ids_of_the_vendors_format_are_valid() {
        assert!(github("acme/app", "42").is_valid());
        assert!(github("a-b/x.y_z", "1").is_valid());
        assert!(jira("OPS-7").is_valid());
        assert!(jira("A1_B-1234").is_valid());
        let sn = Target::ServiceNow {
            table: "incident".into(),
            sys_id: "46d44a5ea9fe198101b9e1ac8f0d0f7d".into(),
        };
        assert!(sn.is_valid());
    }

    #[test]
    fn dot_segments_slashes_and_encodings_are_refused() {
        for (repository, number) in [
            ("../..", "1"),
            ("acme/..", "1"),
            ("acme/.", "1"),
            ("../app", "1"),
            ("acme/app/extra", "1"),
            ("acme%2F..", "1"),
            ("-acme/app", "1"),
            ("acme/app", "0"),
            ("acme/app", "1/../2"),
            ("acme/app", "01"),
            ("acme/app?x=1", "1"),
            ("acme", "1"),
        ] {
            assert!(
                !github(repository, number).is_valid(),
                "{repository} {number}"
            );
        }
        for key in [
            "..", "OPS-7/..", "ops-7", "OPS-", "-7", "OPS-7?x", "OPS 7", "OPS-0",
        ] {
            assert!(!jira(key).is_valid(), "{key}");
        }
        for (table, sys_id) in [
            ("incident", "../../../api/now/table/sys_user"),
            ("incident", "46d44a5ea9fe198101b9e1ac8f0d0f7"),
            ("sys_user", "46d44a5ea9fe198101b9e1ac8f0d0f7d"),
        ] {
            let t = Target::ServiceNow {
                table: table.into(),
                sys_id: sys_id.into(),
            };
            assert!(!t.is_valid(), "{table} {sys_id}");
        }
    }
}
