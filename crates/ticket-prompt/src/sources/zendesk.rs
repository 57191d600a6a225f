//! Zendesk: event subscriptions (`{"type": "zen:event-type:ticket.created", "detail": {…}}`) or
//! trigger/automation webhooks whose JSON the admin writes. For triggers the README gives a body
//! with a `ticket` object (`id`, `title`, `description`, `priority`, `status`, `requester`, `url`,
//! `tags`).

use super::{Fields, require_text, required_key};
use crate::TicketError;
use crate::sanitize::FieldLimits;
use crate::ticket::{Choice, Source, Ticket};

const EVENT_PREFIX: &str = "zen:event-type:";

/// `ticket.created` for event subscriptions, `trigger` for trigger-defined bodies.
pub(crate) fn event(f: &Fields<'_>) -> String {
    match f.text("type").ok().flatten() {
        Some(t) => t.strip_prefix(EVENT_PREFIX).unwrap_or(&t).to_owned(),
        None => "trigger".into(),
    }
}

pub(crate) fn ticket(f: &Fields<'_>, limits: &FieldLimits) -> Result<Ticket, TicketError> {
    if f.value("detail").is_some() {
        event_ticket(f, limits)
    } else {
        trigger_ticket(f, limits)
    }
}

fn event_ticket(f: &Fields<'_>, limits: &FieldLimits) -> Result<Ticket, TicketError> {
    let mut t = Ticket::new(Source::Zendesk, required_key(f, "detail.id")?);
    let mut truncated = Vec::new();
    t.title = f.capped("detail.subject", limits.title, &mut truncated)?;
    t.description = f.capped("detail.description", limits.description, &mut truncated)?;
    require_text(&t, "detail.subject", " (or 'detail.description')")?;
    t.priority = f
        .capped("detail.priority", limits.short, &mut truncated)?
        .map(Choice::label);
    t.status = f
        .capped("detail.status", limits.short, &mut truncated)?
        .map(Choice::label);
    t.category = f.capped("detail.type", limits.short, &mut truncated)?;
    t.group = f.capped("detail.group_id", limits.short, &mut truncated)?;
    t.requester = f.capped("detail.requester_id", limits.short, &mut truncated)?;
    t.updated_at = f.capped("detail.updated_at", limits.short, &mut truncated)?;
    t.set_labels(f.list("detail.tags", limits.max_labels, limits.short)?);
    t.truncated_fields = truncated;
    Ok(t)
}

fn trigger_ticket(f: &Fields<'_>, limits: &FieldLimits) -> Result<Ticket, TicketError> {
    let mut t = Ticket::new(Source::Zendesk, required_key(f, "ticket.id")?);
    let mut truncated = Vec::new();
    t.title = f.capped("ticket.title", limits.title, &mut truncated)?;
    t.description = f.capped("ticket.description", limits.description, &mut truncated)?;
    require_text(&t, "ticket.title", " (or 'ticket.description')")?;
    t.priority = f
        .capped("ticket.priority", limits.short, &mut truncated)?
        .map(Choice::label);
    t.status = f
        .capped("ticket.status", limits.short, &mut truncated)?
        .map(Choice::label);
    t.category = f.capped("ticket.type", limits.short, &mut truncated)?;
    t.group = f.capped("ticket.group", limits.short, &mut truncated)?;
    t.requester = f.capped("ticket.requester", limits.short, &mut truncated)?;
    t.url = f.capped("ticket.url", limits.short, &mut truncated)?;
    t.set_labels(f.list("ticket.tags", limits.max_labels, limits.short)?);
    t.truncated_fields = truncated;
    Ok(t)
}

#[cfg(test)]
mod tests {
    use crate::{FieldLimits, Source, read_delivery};
    use serde_json::json;

    #[test]
    fn event_subscription_envelope() {
        let body = json!({"type": "zen:event-type:ticket.created", "account_id": 22, "id": "e1", "time": "2026-11-22T09:12:00Z",
            "subject": "zen:ticket:35436",
            "detail": {"id": "35436", "subject": "Printer on fire", "description": "Smoke from tray 2", "priority": "urgent",
                "status": "new", "type": "incident", "tags": ["hardware", "floor3"], "requester_id": "900", "group_id": "12"}});
        let d = read_delivery(Source::Zendesk, body.to_string().as_bytes(), None).unwrap();
        assert_eq!(d.event, "ticket.created");
        let t = d.ticket(&FieldLimits::default()).unwrap();
        assert_eq!(
            (t.id.as_str(), t.title.as_deref()),
            ("35436", Some("Printer on fire"))
        );
        assert_eq!(t.priority.unwrap().label, "urgent");
        assert_eq!(t.labels, vec!["hardware", "floor3"]);
    }

    #[test]
    fn trigger_defined_body() {
        let body = json!({"ticket": {"id": "123", "title": "Login loop", "description": "Cannot sign in", "priority": "high",
            "status": "open", "requester": "kim@example.com", "url": "acme.zendesk.com/agent/tickets/123", "tags": "sso vip"}});
        let d = read_delivery(Source::Zendesk, body.to_string().as_bytes(), None).unwrap();
        assert_eq!(d.event, "trigger");
        let t = d.ticket(&FieldLimits::default()).unwrap();
        assert_eq!(t.requester.as_deref(), Some("kim@example.com"));
        assert_eq!(t.labels, vec!["sso", "vip"]);
        let err = read_delivery(Source::Zendesk, br#"{"ticket": {"title": "x"}}"#, None)
            .unwrap()
            .ticket(&FieldLimits::default())
            .unwrap_err();
        assert_eq!(err.field(), Some("ticket.id"));
    }
}
