//! What senders put in headers rather than in the body: the delivery id every retry of one
//! delivery repeats, and GitHub's event name.

use crate::source::Source;

/// The header GitHub names the event in (`issues`, `ping`, …): GitHub's bodies carry only the
/// action, so this header's value is the event hint [`read_delivery`](crate::read_delivery)
/// takes. Lower-case, as HTTP/2 and API Gateway deliver header names.
pub const GITHUB_EVENT_HEADER: &str = "x-github-event";

/// The header (lower-case) in which `source` sends its delivery id: the same value on every retry
/// of one delivery, so it identifies the delivery for deduplication. `None` for senders that send
/// no such id (ServiceNow flows, generic callers): their deliveries are told apart by an
/// `Idempotency-Key` header or by the body itself.
pub fn delivery_id_header(source: Source) -> Option<&'static str> {
    match source {
        Source::GitHub => Some("x-github-delivery"),
        Source::Jira => Some("x-atlassian-webhook-identifier"),
        Source::Zendesk => Some("x-zendesk-webhook-invocation-id"),
        Source::PagerDuty => Some("x-webhook-id"),
        Source::ServiceNow | Source::Generic => None,
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
                (Source::Generic, None),
            ]
        );
        for (_, header) in headers {
            assert!(header.is_none_or(|h| h == h.to_ascii_lowercase()));
        }
        assert_eq!(GITHUB_EVENT_HEADER, "x-github-event");
    }
}
