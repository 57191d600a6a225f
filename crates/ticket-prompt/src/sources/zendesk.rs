//! Zendesk: event subscriptions (`{"type": "zen:event-type:ticket.created", "detail": {…}}`) or
//! trigger/automation webhooks whose JSON the admin writes. For triggers docs/sources/zendesk.md gives a body
//! with a `ticket` object (`id`, `title`, `description`, `priority`, `status`, `requester`, `url`,
//! `tags`).

use super::fields::Fields;
use super::mapping::{Description, Mapping};
use crate::error::TicketError;
use crate::sanitize::FieldLimits;
use crate::source::Source;
use crate::ticket::Ticket;

const EVENT_PREFIX: &str = "zen:event-type:";

const EVENT_SUBSCRIPTION: Mapping = Mapping {
    description: Description::Text("detail.description"),
    text_hint: " (or 'detail.description')",
    priority: Some("detail.priority"),
    status: Some("detail.status"),
    category: Some("detail.type"),
    group: Some("detail.group_id"),
    requester: Some("detail.requester_id"),
    updated_at: Some("detail.updated_at"),
    labels: Some("detail.tags"),
    ..Mapping::new(Source::Zendesk, "detail.id", "detail.subject")
};

const TRIGGER: Mapping = Mapping {
    description: Description::Text("ticket.description"),
    text_hint: " (or 'ticket.description')",
    priority: Some("ticket.priority"),
    status: Some("ticket.status"),
    category: Some("ticket.type"),
    group: Some("ticket.group"),
    requester: Some("ticket.requester"),
    url: Some("ticket.url"),
    labels: Some("ticket.tags"),
    ..Mapping::new(Source::Zendesk, "ticket.id", "ticket.title")
};

/// `ticket.created` for event subscriptions, `trigger` for trigger-defined bodies.
pub(crate) fn event(f: &Fields<'_>) -> String {
    match f.text("type").ok().flatten() {
        Some(t) => t.strip_prefix(EVENT_PREFIX).unwrap_or(&t).to_owned(),
        None => "trigger".into(),
    }
}

pub(crate) fn ticket(f: &Fields<'_>, limits: &FieldLimits) -> Result<Ticket, TicketError> {
    if f.value("detail").is_some() {
        EVENT_SUBSCRIPTION.ticket(f, limits)
    } else {
        TRIGGER.ticket(f, limits)
    }
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
