//! The senders the bridge accepts: one per ticketing system, plus the generic JSON source.

use serde::Serialize;

/// Where a delivery came from: the path segment of `/webhook/{source}`. Each source has its own
/// payload mapping, signature recipe and delivery headers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Source {
    /// ServiceNow incidents, sent by a Business Rule or Flow.
    ServiceNow,
    /// Jira Cloud issues, sent by an admin webhook.
    Jira,
    /// Zendesk tickets, from an event subscription or a trigger.
    Zendesk,
    /// PagerDuty incidents (webhooks v3).
    PagerDuty,
    /// GitHub issues (`issues` webhooks).
    GitHub,
    /// Anything else that can POST the bridge's own JSON shape.
    Generic,
}

impl Source {
    /// Every source the bridge accepts, in the order the manual lists them (docs/sources/).
    pub const ALL: [Source; 6] = [
        Source::ServiceNow,
        Source::Jira,
        Source::Zendesk,
        Source::PagerDuty,
        Source::GitHub,
        Source::Generic,
    ];

    /// The lowercase name used in routes, logs, session ids and the agent payload; it is also
    /// how the source serialises.
    pub fn as_str(self) -> &'static str {
        match self {
            Source::ServiceNow => "servicenow",
            Source::Jira => "jira",
            Source::Zendesk => "zendesk",
            Source::PagerDuty => "pagerduty",
            Source::GitHub => "github",
            Source::Generic => "generic",
        }
    }

    /// Looks a `/webhook/{source}` segment up; source names are lowercase ASCII.
    pub fn from_segment(segment: &str) -> Option<Source> {
        Source::ALL.into_iter().find(|s| s.as_str() == segment)
    }

    /// What the vendor calls its tickets, for the prompt.
    pub(crate) fn ticket_noun(self) -> &'static str {
        match self {
            Source::ServiceNow => "ServiceNow incident",
            Source::Jira => "Jira issue",
            Source::Zendesk => "Zendesk ticket",
            Source::PagerDuty => "PagerDuty incident",
            Source::GitHub => "GitHub issue",
            Source::Generic => "ticket",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn source_segments_round_trip() {
        for s in Source::ALL {
            assert_eq!(Source::from_segment(s.as_str()), Some(s));
        }
        assert_eq!(Source::from_segment("ServiceNow"), None);
        assert_eq!(Source::from_segment("remedy"), None);
    }
}
