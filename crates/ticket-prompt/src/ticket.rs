//! The vendor-neutral ticket every source is normalised into, and the vendors' own words for its
//! fields in the prompt.

use serde::Serialize;

use crate::source::Source;

/// A choice value such as a priority: the numeric code when the sender gave one, and a label
/// for humans (the sender's display value, or the standard label for a bare code).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Choice {
    /// The sender's numeric code (ServiceNow's `2`), when it gave one.
    pub code: Option<u32>,
    /// What people read: the sender's label, or the standard one for a bare code.
    pub label: String,
}

impl Choice {
    /// A label with no code (vendors whose values are names: `High`, `urgent`, `P1`).
    pub(crate) fn label(label: String) -> Choice {
        Choice { code: None, label }
    }
}

impl Serialize for Choice {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&self.label)
    }
}

/// A ticket after parsing, validation, cleaning and capping: safe to render into a prompt and to
/// send to the agent. Text fields already carry a `[truncated …]` note when they were cut.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Ticket {
    /// The sender, which decides the field labels in the prompt.
    pub source: Source,
    /// The human-facing key: ServiceNow `INC0010001`, Jira `PROJ-123`, Zendesk `35436`,
    /// PagerDuty and GitHub numbers, the generic `id`.
    pub id: String,
    /// The sender's internal id (ServiceNow `sys_id`, Jira issue id, PagerDuty `P…` id, …).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub source_id: Option<String>,
    /// One-line summary (ServiceNow short description, Jira summary, …).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
    /// The long text; a ticket always has it or a title.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// How soon the sender wants it handled.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub priority: Option<Choice>,
    /// The sender's urgency, where it has one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub urgency: Option<Choice>,
    /// The sender's impact, where it has one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub impact: Option<Choice>,
    /// Where the ticket is in its workflow (`New`, `open`, `triggered`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub status: Option<Choice>,
    /// The sender's classification: category, issue type, service.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub category: Option<String>,
    /// The team, project or repository the ticket belongs to.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub group: Option<String>,
    /// Who raised or triggered it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub requester: Option<String>,
    /// Last update (or event) time as the sender wrote it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub updated_at: Option<String>,
    /// Labels or tags, each cleaned and capped; at most `FieldLimits::max_labels` of them.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub labels: Vec<String>,
    /// `labels` as one prompt line (kept so prompt fields can borrow from the ticket).
    #[serde(skip)]
    labels_joined: Option<String>,
    /// Where a human can open the ticket.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
    /// Names of the fields that were cut to their cap.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub truncated_fields: Vec<&'static str>,
}

/// One labelled line of the prompt's ticket block.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TicketField<'a> {
    /// The vendor's name for the field (`Short description`, `Summary`, `Subject`, …).
    pub label: &'static str,
    /// The cleaned, capped value.
    pub value: &'a str,
}

/// The vendor's own words for each normalised field, in prompt order (`None`: not shown).
struct Labels {
    id: &'static str,
    title: &'static str,
    priority: &'static str,
    urgency: &'static str,
    impact: &'static str,
    status: &'static str,
    category: &'static str,
    group: &'static str,
    requester: &'static str,
    updated_at: &'static str,
    labels: &'static str,
    url: &'static str,
    source_id: &'static str,
    description: &'static str,
}

const SERVICENOW: Labels = Labels {
    id: "Incident number",
    title: "Short description",
    priority: "Priority",
    urgency: "Urgency",
    impact: "Impact",
    status: "State",
    category: "Category",
    group: "Assignment group",
    requester: "Caller",
    updated_at: "Last updated (UTC)",
    labels: "Labels",
    url: "URL",
    source_id: "sys_id",
    description: "Description",
};

const JIRA: Labels = Labels {
    id: "Issue key",
    title: "Summary",
    status: "Status",
    category: "Issue type",
    group: "Project",
    requester: "Reporter",
    updated_at: "Updated",
    source_id: "Issue id",
    ..GENERIC
};

const ZENDESK: Labels = Labels {
    id: "Ticket",
    title: "Subject",
    category: "Type",
    labels: "Tags",
    ..GENERIC
};

const PAGERDUTY: Labels = Labels {
    id: "Incident number",
    category: "Service",
    group: "Escalation policy",
    requester: "Triggered by",
    updated_at: "Occurred at",
    source_id: "Incident id",
    ..GENERIC
};

const GITHUB: Labels = Labels {
    id: "Issue number",
    status: "State",
    group: "Repository",
    requester: "Author",
    source_id: "Issue id",
    description: "Body",
    ..GENERIC
};

const ALERT_GROUP: Labels = Labels {
    id: "Alert group",
    title: "Summary",
    priority: "Severity",
    status: "Status",
    category: "Alert name",
    group: "Team",
    requester: "Receiver",
    labels: "Common labels",
    url: "Source URL",
    source_id: "Group key",
    description: "Alerts",
    ..GENERIC
};

const SENTRY: Labels = Labels {
    id: "Issue id",
    priority: "Level",
    category: "Alert rule",
    group: "Project",
    requester: "Actor",
    url: "Sentry URL",
    source_id: "Event id",
    description: "Culprit",
    ..GENERIC
};

const GITLAB: Labels = Labels {
    id: "Issue number",
    priority: "Severity",
    status: "State",
    group: "Project",
    requester: "Author",
    source_id: "Issue id",
    ..GENERIC
};

const LINEAR: Labels = Labels {
    id: "Issue",
    status: "State",
    group: "Team",
    requester: "Actor",
    source_id: "Issue id",
    ..GENERIC
};

const DATADOG: Labels = Labels {
    id: "Event id",
    urgency: "Alert type",
    status: "Transition",
    category: "Event type",
    group: "Organisation",
    labels: "Tags",
    source_id: "Monitor id",
    description: "Message",
    ..GENERIC
};

const NEW_RELIC: Labels = Labels {
    id: "Issue id",
    status: "State",
    category: "Trigger",
    group: "Workflow",
    labels: "Alert policies",
    ..GENERIC
};

const DYNATRACE: Labels = Labels {
    id: "Problem",
    priority: "Severity",
    urgency: "Impact",
    status: "State",
    group: "Impacted entity",
    labels: "Tags",
    source_id: "Problem id (PID)",
    description: "Details",
    ..GENERIC
};

const SPLUNK: Labels = Labels {
    id: "Alert",
    title: "Search",
    group: "App",
    requester: "Owner",
    url: "Results",
    source_id: "Search id (sid)",
    description: "First result",
    ..GENERIC
};

const CLOUDWATCH: Labels = Labels {
    id: "Alarm",
    title: "Alarm name",
    status: "State",
    category: "Metric",
    group: "SNS topic",
    requester: "AWS account",
    updated_at: "State changed",
    labels: "Dimensions",
    url: "Console",
    source_id: "Alarm ARN",
    description: "Reason and description",
    ..GENERIC
};

const GENERIC: Labels = Labels {
    id: "Ticket",
    title: "Title",
    priority: "Priority",
    urgency: "Urgency",
    impact: "Impact",
    status: "Status",
    category: "Category",
    group: "Group",
    requester: "Requester",
    updated_at: "Last updated",
    labels: "Labels",
    url: "URL",
    source_id: "Source id",
    description: "Description",
};

impl Ticket {
    /// A ticket with only its source and key; parsers fill in the rest.
    pub(crate) fn new(source: Source, id: String) -> Ticket {
        Ticket {
            source,
            id,
            source_id: None,
            title: None,
            description: None,
            priority: None,
            urgency: None,
            impact: None,
            status: None,
            category: None,
            group: None,
            requester: None,
            updated_at: None,
            labels: Vec::new(),
            labels_joined: None,
            url: None,
            truncated_fields: Vec::new(),
        }
    }

    /// Sets the labels (and their prompt line).
    pub(crate) fn set_labels(&mut self, labels: Vec<String>) {
        self.labels_joined = (!labels.is_empty()).then(|| labels.join(", "));
        self.labels = labels;
    }

    fn labels(&self) -> &'static Labels {
        match self.source {
            Source::ServiceNow => &SERVICENOW,
            Source::Jira => &JIRA,
            Source::Zendesk => &ZENDESK,
            Source::PagerDuty => &PAGERDUTY,
            Source::GitHub => &GITHUB,
            Source::Alertmanager | Source::Grafana => &ALERT_GROUP,
            Source::Sentry => &SENTRY,
            Source::GitLab => &GITLAB,
            Source::Linear => &LINEAR,
            Source::Datadog => &DATADOG,
            Source::NewRelic => &NEW_RELIC,
            Source::Dynatrace => &DYNATRACE,
            Source::Splunk => &SPLUNK,
            Source::CloudWatch => &CLOUDWATCH,
            Source::Generic => &GENERIC,
        }
    }

    /// The short fields in prompt order, with the source's own labels; the description is
    /// rendered separately because it is long and multi-line.
    pub fn labelled_fields(&self) -> Vec<TicketField<'_>> {
        fn choice(c: &Option<Choice>) -> Option<&str> {
            c.as_ref().map(|c| c.label.as_str())
        }
        let l = self.labels();
        let values: [(&'static str, Option<&str>); 13] = [
            (l.id, Some(self.id.as_str())),
            (l.title, self.title.as_deref()),
            (l.priority, choice(&self.priority)),
            (l.urgency, choice(&self.urgency)),
            (l.impact, choice(&self.impact)),
            (l.status, choice(&self.status)),
            (l.category, self.category.as_deref()),
            (l.group, self.group.as_deref()),
            (l.requester, self.requester.as_deref()),
            (l.updated_at, self.updated_at.as_deref()),
            (l.labels, self.labels_joined.as_deref()),
            (l.url, self.url.as_deref()),
            (l.source_id, self.source_id.as_deref()),
        ];
        values
            .into_iter()
            .filter_map(|(label, value)| value.map(|value| TicketField { label, value }))
            .collect()
    }

    /// The label the description is shown under.
    pub(crate) fn description_label(&self) -> &'static str {
        self.labels().description
    }

    /// What identifies the ticket across deliveries for per-ticket sessions: the key, qualified
    /// by the repository for GitHub and the project for GitLab (issue numbers repeat across them).
    pub fn session_key(&self) -> String {
        match (self.source, &self.group) {
            (Source::GitHub | Source::GitLab, Some(repo)) => format!("{repo}#{}", self.id),
            _ => self.id.clone(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn choices_serialise_as_their_label() {
        let c = Choice {
            code: Some(1),
            label: "1 - Critical".into(),
        };
        assert_eq!(serde_json::to_string(&c).unwrap(), r#""1 - Critical""#);
    }
}
