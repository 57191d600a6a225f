//! PagerDuty webhooks v3: `{"event": {"event_type", "occurred_at", "agent", "data": {…}}}`. The
//! incident carries no description (that lives in its alerts), so the title is required.

use super::fields::Fields;
use super::mapping::{Description, Mapping};
use crate::error::TicketError;
use crate::sanitize::FieldLimits;
use crate::source::Source;
use crate::ticket::Ticket;

const PAGERDUTY: Mapping = Mapping {
    source_id: Some("event.data.id"),
    // Only `incident.annotated` carries text of its own.
    description: Description::Text("event.data.content"),
    priority: Some("event.data.priority"),
    urgency: Some("event.data.urgency"),
    status: Some("event.data.status"),
    category: Some("event.data.service"),
    group: Some("event.data.escalation_policy"),
    requester: Some("event.agent"),
    updated_at: Some("event.occurred_at"),
    url: Some("event.data.html_url"),
    ..Mapping::new(Source::PagerDuty, "event.data.number", "event.data.title")
};

pub(crate) fn event(f: &Fields<'_>) -> String {
    f.text("event.event_type")
        .ok()
        .flatten()
        .unwrap_or_default()
}

pub(crate) fn ticket(f: &Fields<'_>, limits: &FieldLimits) -> Result<Ticket, TicketError> {
    PAGERDUTY.ticket(f, limits)
}

#[cfg(test)]
mod tests {
    use crate::{FieldLimits, Source, read_delivery};
    use serde_json::json;

    #[test]
    fn triggered_incident_without_a_description() {
        let body = json!({"event": {"id": "01ABC", "event_type": "incident.triggered", "resource_type": "incident",
            "occurred_at": "2026-11-22T09:12:00.000Z", "agent": {"summary": "Datadog", "type": "service_reference"},
            "data": {"id": "PGR0VU2", "number": 2, "title": "CPU above 95% on web-3", "status": "triggered", "urgency": "high",
                "priority": {"summary": "P1", "id": "PSO9E7R"}, "service": {"summary": "Checkout API"},
                "escalation_policy": {"summary": "Web on-call"}, "html_url": "https://acme.pagerduty.com/incidents/PGR0VU2"}}});
        let d = read_delivery(Source::PagerDuty, body.to_string().as_bytes(), None).unwrap();
        assert_eq!(d.event, "incident.triggered");
        let t = d.ticket(&FieldLimits::default()).unwrap();
        assert_eq!(t.id, "2");
        assert_eq!(t.description, None);
        assert_eq!(t.priority.unwrap().label, "P1");
        assert_eq!(t.urgency.unwrap().label, "high");
        assert_eq!(t.category.as_deref(), Some("Checkout API"));
        assert_eq!(t.requester.as_deref(), Some("Datadog"));
        assert_eq!(
            t.url.as_deref(),
            Some("https://acme.pagerduty.com/incidents/PGR0VU2")
        );
    }

    #[test]
    fn title_is_required() {
        let err = read_delivery(
            Source::PagerDuty,
            br#"{"event": {"event_type": "incident.triggered", "data": {"number": 5}}}"#,
            None,
        )
        .unwrap()
        .ticket(&FieldLimits::default())
        .unwrap_err();
        assert_eq!(err.field(), Some("event.data.title"));
    }
}
