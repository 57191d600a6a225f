//! The vendor-neutral ticket every source is normalised into.

use serde::Serialize;

/// Where a delivery came from. The path segment of `/webhook/{source}`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Source {
    ServiceNow,
}

impl Source {
    /// Every source the bridge accepts, in the order the README lists them.
    pub const ALL: [Source; 1] = [Source::ServiceNow];

    pub fn as_str(self) -> &'static str {
        match self {
            Source::ServiceNow => "servicenow",
        }
    }

    /// Looks a `/webhook/{source}` segment up; source names are lowercase ASCII.
    pub fn from_segment(segment: &str) -> Option<Source> {
        Source::ALL.into_iter().find(|s| s.as_str() == segment)
    }
}

/// A choice value such as a priority: the numeric code when the sender gave one, and a label
/// for humans (the sender's display value, or the standard label for a bare code).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Choice {
    pub code: Option<u32>,
    pub label: String,
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
    pub source: Source,
    /// The human-facing key (ServiceNow incident number, e.g. `INC0010001`).
    pub id: String,
    /// The sender's internal id (ServiceNow `sys_id`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub source_id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub priority: Option<Choice>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub urgency: Option<Choice>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub impact: Option<Choice>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub status: Option<Choice>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub category: Option<String>,
    /// The team the ticket is assigned to.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub group: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub requester: Option<String>,
    /// Last update time as the sender wrote it (ServiceNow: `yyyy-MM-dd HH:mm:ss`, UTC).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub updated_at: Option<String>,
    /// Names of the fields that were cut to their cap.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub truncated_fields: Vec<&'static str>,
}

/// One labelled line of the prompt's ticket block.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TicketField<'a> {
    pub label: &'static str,
    pub value: &'a str,
}

impl Ticket {
    /// The short fields in prompt order, with the source's own labels; the description is
    /// rendered separately because it is long and multi-line.
    pub fn labelled_fields(&self) -> Vec<TicketField<'_>> {
        let labels = match self.source {
            Source::ServiceNow => &SERVICENOW_LABELS,
        };
        fn choice(c: &Option<Choice>) -> Option<&str> {
            c.as_ref().map(|c| c.label.as_str())
        }
        let values = [
            Some(self.id.as_str()),
            self.title.as_deref(),
            choice(&self.priority),
            choice(&self.urgency),
            choice(&self.impact),
            choice(&self.status),
            self.category.as_deref(),
            self.group.as_deref(),
            self.requester.as_deref(),
            self.updated_at.as_deref(),
            self.source_id.as_deref(),
        ];
        labels
            .iter()
            .zip(values)
            .filter_map(|(label, value)| value.map(|value| TicketField { label, value }))
            .collect()
    }

    /// The label the description is shown under.
    pub fn description_label(&self) -> &'static str {
        match self.source {
            Source::ServiceNow => "Description",
        }
    }
}

/// Labels in the order of [`Ticket::labelled_fields`].
const SERVICENOW_LABELS: [&str; 11] = [
    "Incident number",
    "Short description",
    "Priority",
    "Urgency",
    "Impact",
    "State",
    "Category",
    "Assignment group",
    "Caller",
    "Last updated (UTC)",
    "sys_id",
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn source_segments_round_trip() {
        for s in Source::ALL {
            assert_eq!(Source::from_segment(s.as_str()), Some(s));
        }
        assert_eq!(Source::from_segment("ServiceNow"), None);
        assert_eq!(Source::from_segment("jira"), None);
    }

    #[test]
    fn choices_serialise_as_their_label() {
        let c = Choice {
            code: Some(1),
            label: "1 - Critical".into(),
        };
        assert_eq!(serde_json::to_string(&c).unwrap(), r#""1 - Critical""#);
    }
}
