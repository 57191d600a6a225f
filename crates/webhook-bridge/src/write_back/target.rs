//! Which ticket to write to: built from the validated ticket, carried in the job message.

use serde::{Deserialize, Serialize};
use ticket_prompt::{Source, Ticket};

use crate::config::jira_project_key;

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
    /// A GitLab issue.
    GitLab {
        /// The project's full path (`group/subgroup/project`).
        project: String,
        /// The issue's number in its project (`iid`).
        issue_iid: String,
    },
    /// A Linear issue.
    Linear {
        /// The issue's identifier (`ENG-123`).
        issue: String,
    },
    /// A chat channel (Slack or Teams, as the source's sink says): for alerts, which have no
    /// ticket of their own. The channel is fixed by configuration; the message says which
    /// alert it is about.
    Chat {
        /// One line naming the alert: what it is, its key, its title and where it came from.
        about: String,
    },
}

/// Every target's name, as recorded on jobs (`write_back.target`).
pub const TARGET_NAMES: [&str; 6] = ["servicenow", "github", "jira", "gitlab", "linear", "chat"];

/// The longest `about` line of a chat target, in characters.
const ABOUT_MAX_CHARS: usize = 700;

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
            Source::GitLab => Target::GitLab {
                project: ticket.group.clone()?,
                issue_iid: ticket.id.clone(),
            },
            Source::Linear => Target::Linear {
                issue: ticket.id.clone(),
            },
            Source::Alertmanager
            | Source::Grafana
            | Source::Sentry
            | Source::Datadog
            | Source::NewRelic
            | Source::Dynatrace
            | Source::Splunk
            | Source::CloudWatch => Target::Chat {
                about: about(ticket),
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
            } => github_repository(repository) && positive(issue_number),
            Target::Jira { issue_key } => issue_key
                .rsplit_once('-')
                .is_some_and(|(project, number)| jira_project_key(project) && positive(number)),
            Target::GitLab { project, issue_iid } => gitlab_project(project) && positive(issue_iid),
            Target::Linear { issue } => {
                let Some((team, number)) = issue.rsplit_once('-') else {
                    return false;
                };
                (1..=10).contains(&team.len())
                    && team.starts_with(|c: char| c.is_ascii_uppercase())
                    && team
                        .bytes()
                        .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit())
                    && positive(number)
            }
            // Only text: no URL or path is built from it.
            Target::Chat { about } => {
                (1..=ABOUT_MAX_CHARS).contains(&about.chars().count())
                    && !about.chars().any(char::is_control)
            }
        }
    }

    /// Whether the delivery names where the analysis goes (a ticket), rather than the
    /// configuration (a chat channel).
    pub fn names_a_ticket(&self) -> bool {
        !matches!(self, Target::Chat { .. })
    }

    /// The target system's name, as recorded on the job.
    pub fn name(&self) -> &'static str {
        match self {
            Target::ServiceNow { .. } => "servicenow",
            Target::GitHub { .. } => "github",
            Target::Jira { .. } => "jira",
            Target::GitLab { .. } => "gitlab",
            Target::Linear { .. } => "linear",
            Target::Chat { .. } => "chat",
        }
    }
}

/// The chat message's line about the alert: `Alertmanager alert group group-…: <title> (<url>)`,
/// from the ticket's cleaned fields, on one line and capped.
fn about(ticket: &Ticket) -> String {
    let mut line = format!("{} {}", ticket.source.ticket_noun(), ticket.id);
    if let Some(title) = &ticket.title {
        line.push_str(&format!(": {title}"));
    }
    if let Some(url) = &ticket.url {
        line.push_str(&format!(" ({url})"));
    }
    let one_line: String = line
        .chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect();
    one_line.chars().take(ABOUT_MAX_CHARS).collect()
}

/// A GitHub `owner/name`.
pub(super) fn github_repository(repository: &str) -> bool {
    repository
        .split_once('/')
        .is_some_and(|(owner, name)| github_owner(owner) && github_repository_name(name))
}

/// A GitLab project's full path: at least a namespace and a name, up to 255 characters.
pub(super) fn gitlab_project(project: &str) -> bool {
    (1..=255).contains(&project.len())
        && project.split('/').count() >= 2
        && project.split('/').all(gitlab_path_segment)
}

/// A GitLab namespace or project path segment: letters, digits, `.`, `-`, `_`, never `.` or
/// `..`, not starting with `-`.
fn gitlab_path_segment(segment: &str) -> bool {
    !segment.is_empty()
        && segment
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'-' | b'_'))
        && segment != "."
        && segment != ".."
        && !segment.starts_with('-')
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
    fn every_target_name_is_listed() {
        let targets = [
            Target::ServiceNow {
                table: String::new(),
                sys_id: String::new(),
            },
            Target::GitHub {
                repository: String::new(),
                issue_number: String::new(),
            },
            Target::Jira {
                issue_key: String::new(),
            },
            Target::GitLab {
                project: String::new(),
                issue_iid: String::new(),
            },
            Target::Linear {
                issue: String::new(),
            },
            Target::Chat {
                about: String::new(),
            },
        ];
        let names: Vec<&str> = targets.iter().map(Target::name).collect();
        assert_eq!(names, TARGET_NAMES);
    }

    #[test]
    fn gitlab_linear_and_chat_targets() {
        let gitlab = |project: &str, iid: &str| Target::GitLab {
            project: project.into(),
            issue_iid: iid.into(),
        };
        assert!(gitlab("acme/checkout", "23").is_valid());
        assert!(gitlab("acme/sub.group/app_1", "1").is_valid());
        for (project, iid) in [
            ("acme", "1"),
            ("acme/..", "1"),
            ("acme//app", "1"),
            ("acme/app%2F..", "1"),
            ("acme/app", "0"),
            ("acme/app?x", "1"),
        ] {
            assert!(!gitlab(project, iid).is_valid(), "{project} {iid}");
        }
        let linear = |issue: &str| Target::Linear {
            issue: issue.into(),
        };
        assert!(linear("ENG-123").is_valid());
        for bad in ["eng-1", "ENG-0", "ENG/..-1", "ENG-1?x", "-1"] {
            assert!(!linear(bad).is_valid(), "{bad}");
        }
        assert!(
            !Target::Chat {
                about: String::new()
            }
            .is_valid()
        );
        assert!(
            !Target::Chat {
                about: "a\nb".into()
            }
            .is_valid()
        );
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
