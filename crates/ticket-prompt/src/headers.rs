//! What senders put in headers rather than in the body: the delivery id every retry of one
//! delivery repeats, and the event name of the senders whose bodies carry only an action.

use crate::source::Source;

/// The header (lower-case) in which `source` names the kind of event when its body carries only
/// the action: GitHub's `X-GitHub-Event` (`issues`, `ping`, …) and Sentry's
/// `Sentry-Hook-Resource` (`event_alert`, `metric_alert`, `issue`, …). Its value is the event
/// hint [`read_delivery`](crate::read_delivery) takes. Lower-case, as HTTP/2 and API Gateway
/// deliver header names.
pub fn event_header(source: Source) -> Option<&'static str> {
    match source {
        Source::GitHub => Some("x-github-event"),
        Source::Sentry => Some("sentry-hook-resource"),
        _ => None,
    }
}

/// The header (lower-case) in which `source` sends its delivery id: the same value on every retry
/// of one delivery, so it identifies the delivery for deduplication. `None` for senders that send
/// no such id (ServiceNow flows, generic callers), or one that changes on every attempt (Sentry's
/// `Request-ID`): their deliveries are told apart by an `Idempotency-Key` header or by the body
/// itself (for alert groups, by the group and its firing alerts).
pub fn delivery_id_header(source: Source) -> Option<&'static str> {
    match source {
        Source::GitHub => Some("x-github-delivery"),
        Source::Jira => Some("x-atlassian-webhook-identifier"),
        Source::Zendesk => Some("x-zendesk-webhook-invocation-id"),
        Source::PagerDuty => Some("x-webhook-id"),
        // GitLab keeps one `Idempotency-Key` per event and hook across retries.
        Source::GitLab => Some("idempotency-key"),
        Source::Linear => Some("linear-delivery"),
        Source::ServiceNow
        | Source::Alertmanager
        | Source::Grafana
        | Source::Sentry
        | Source::Datadog
        | Source::NewRelic
        | Source::Dynatrace
        | Source::Splunk
        | Source::Generic => None,
        // The same `MessageId` on every retry of one message.
        Source::CloudWatch => Some("x-amz-sns-message-id"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_senders_delivery_id_header() {
        let headers: Vec<_> = Source::ALL
            .into_iter()
            .map(|s| (s, delivery_id_header(s)))
            .collect();
        assert_eq!(
            headers,
            [
                (Source::ServiceNow, None),
                (Source::Jira, Some("x-atlassian-webhook-identifier")),
                (Source::Zendesk, Some("x-zendesk-webhook-invocation-id")),
                (Source::PagerDuty, Some("x-webhook-id")),
                (Source::GitHub, Some("x-github-delivery")),
                (Source::Alertmanager, None),
                (Source::Grafana, None),
                (Source::Sentry, None),
                (Source::GitLab, Some("idempotency-key")),
                (Source::Linear, Some("linear-delivery")),
                (Source::Datadog, None),
                (Source::NewRelic, None),
                (Source::Dynatrace, None),
                (Source::Splunk, None),
                (Source::CloudWatch, Some("x-amz-sns-message-id")),
                (Source::Generic, None),
            ]
        );
        for (_, header) in headers {
            assert!(header.is_none_or(|h| h == h.to_ascii_lowercase()));
        }
    }

    #[test]
    fn event_headers_of_the_senders_that_name_events_outside_the_body() {
        let named: Vec<_> = Source::ALL
            .into_iter()
            .filter_map(|s| event_header(s).map(|h| (s, h)))
            .collect();
        assert_eq!(
            named,
            [
                (Source::GitHub, "x-github-event"),
                (Source::Sentry, "sentry-hook-resource")
            ]
        );
    }
}
