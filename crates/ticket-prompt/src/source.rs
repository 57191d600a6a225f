//! The senders the bridge accepts: one per ticketing system, the alerting and developer tools
//! whose alerts and issues become tickets, plus the generic JSON source.

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
    /// Prometheus Alertmanager alert groups (`webhook_config`, payload version 4).
    Alertmanager,
    /// Grafana alerting's webhook contact point (an Alertmanager group plus title and state).
    Grafana,
    /// Sentry integration-platform alerts (issue alerts, metric alerts, issues).
    Sentry,
    /// GitLab issues (`Issue Hook`).
    GitLab,
    /// Linear issues (entity webhooks).
    Linear,
    /// Datadog monitor notifications (the Webhooks integration, the bridge's payload template).
    Datadog,
    /// New Relic workflow notifications (webhook destination, the default payload template).
    NewRelic,
    /// Dynatrace problem notifications (webhook integration, the bridge's payload template).
    Dynatrace,
    /// Splunk's webhook alert action.
    Splunk,
    /// Amazon CloudWatch alarms, delivered by an SNS HTTPS subscription (signed by SNS).
    CloudWatch,
    /// Anything else that can POST the bridge's own JSON shape.
    Generic,
}

impl Source {
    /// Every source the bridge accepts, in the order the manual lists them (docs/sources/).
    pub const ALL: [Source; 16] = [
        Source::ServiceNow,
        Source::Jira,
        Source::Zendesk,
        Source::PagerDuty,
        Source::GitHub,
        Source::Alertmanager,
        Source::Grafana,
        Source::Sentry,
        Source::GitLab,
        Source::Linear,
        Source::Datadog,
        Source::NewRelic,
        Source::Dynatrace,
        Source::Splunk,
        Source::CloudWatch,
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
            Source::Alertmanager => "alertmanager",
            Source::Grafana => "grafana",
            Source::Sentry => "sentry",
            Source::GitLab => "gitlab",
            Source::Linear => "linear",
            Source::Datadog => "datadog",
            Source::NewRelic => "newrelic",
            Source::Dynatrace => "dynatrace",
            Source::Splunk => "splunk",
            Source::CloudWatch => "cloudwatch",
            Source::Generic => "generic",
        }
    }

    /// Looks a `/webhook/{source}` segment up; source names are lowercase ASCII.
    pub fn from_segment(segment: &str) -> Option<Source> {
        Source::ALL.into_iter().find(|s| s.as_str() == segment)
    }

    /// What the vendor calls its tickets, for the prompt.
    pub fn ticket_noun(self) -> &'static str {
        match self {
            Source::ServiceNow => "ServiceNow incident",
            Source::Jira => "Jira issue",
            Source::Zendesk => "Zendesk ticket",
            Source::PagerDuty => "PagerDuty incident",
            Source::GitHub => "GitHub issue",
            Source::Alertmanager => "Alertmanager alert group",
            Source::Grafana => "Grafana alert group",
            Source::Sentry => "Sentry alert",
            Source::GitLab => "GitLab issue",
            Source::Linear => "Linear issue",
            Source::Datadog => "Datadog alert",
            Source::NewRelic => "New Relic issue",
            Source::Dynatrace => "Dynatrace problem",
            Source::Splunk => "Splunk alert",
            Source::CloudWatch => "CloudWatch alarm",
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
