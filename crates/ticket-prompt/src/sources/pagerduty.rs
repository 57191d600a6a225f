//! PagerDuty webhooks v3: `{"event": {"event_type", "occurred_at", "agent", "data": {…}}}`. The
//! incident carries no description (that lives in its alerts), so the title is required.

use super::{Fields, require_text, required_key};
use crate::TicketError;
use crate::sanitize::FieldLimits;
use crate::ticket::{Choice, Source, Ticket};

pub(crate) fn event(f: &Fields<'_>) -> String {
    f.text("event.event_type")
        .ok()
        .flatten()
        .unwrap_or_default()
}

pub(crate) fn ticket(f: &Fields<'_>, limits: &FieldLimits) -> Result<Ticket, TicketError> {
    let mut t = Ticket::new(Source::PagerDuty, required_key(f, "event.data.number")?);
    let mut truncated = Vec::new();
    t.source_id = f.capped("event.data.id", limits.short, &mut truncated)?;
    t.title = f.capped("event.data.title", limits.title, &mut truncated)?;
    t.description = f.capped("event.data.content", limits.description, &mut truncated)?;
    require_text(&t, "event.data.title", "")?;
    t.priority = f
        .capped("event.data.priority", limits.short, &mut truncated)?
        .map(Choice::label);
    t.urgency = f
        .capped("event.data.urgency", limits.short, &mut truncated)?
        .map(Choice::label);
    t.status = f
        .capped("event.data.status", limits.short, &mut truncated)?
        .map(Choice::label);
    t.category = f.capped("event.data.service", limits.short, &mut truncated)?;
    t.group = f.capped("event.data.escalation_policy", limits.short, &mut truncated)?;
    t.requester = f.capped("event.agent", limits.short, &mut truncated)?;
    t.updated_at = f.capped("event.occurred_at", limits.short, &mut truncated)?;
    t.url = f.capped("event.data.html_url", limits.short, &mut truncated)?;
    t.truncated_fields = truncated;
    Ok(t)
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
