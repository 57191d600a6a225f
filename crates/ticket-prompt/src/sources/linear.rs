//! Linear entity webhooks: `{"action", "type", "actor", "data": {…}, "url", "webhookId",
//! "webhookTimestamp", …}`. The event is `<type>.<action>` in lower case (`issue.create`,
//! `issue.update`, `issue.remove`); the ticket is `data`, keyed by its identifier (`ENG-123`).

use super::fields::Fields;
use super::mapping::{Description, Mapping};
use crate::error::TicketError;
use crate::sanitize::FieldLimits;
use crate::source::Source;
use crate::ticket::Ticket;

const LINEAR: Mapping = Mapping {
    source_id: Some("data.id"),
    description: Description::Text("data.description"),
    text_hint: " (or 'data.description')",
    priority: Some("data.priorityLabel"),
    status: Some("data.state.name"),
    group: Some("data.team.key"),
    requester: Some("actor.name"),
    updated_at: Some("data.updatedAt"),
    url: Some("data.url"),
    labels: Some("data.labels"),
    ..Mapping::new(Source::Linear, "data.identifier", "data.title")
};

pub(crate) fn event(f: &Fields<'_>) -> String {
    let kind = f
        .text("type")
        .ok()
        .flatten()
        .unwrap_or_default()
        .to_ascii_lowercase();
    match f.text("action").ok().flatten() {
        Some(action) => format!("{kind}.{action}"),
        None => kind,
    }
}

pub(crate) fn ticket(f: &Fields<'_>, limits: &FieldLimits) -> Result<Ticket, TicketError> {
    LINEAR.ticket(f, limits)
}

#[cfg(test)]
mod tests {
    use crate::{FieldLimits, Source, read_delivery};
    use serde_json::json;

    #[test]
    fn issue_create_from_linears_payload_shape() {
        // Fields of EntityWebhookPayload and IssueWebhookPayload in Linear's SDK schema.
        let body = json!({"action": "create", "type": "Issue", "actor": {"id": "u1", "name": "Jane"},
            "url": "https://linear.app/acme/issue/ENG-123", "webhookTimestamp": 1795338720123_u64,
            "data": {"id": "2f1e7c1a-0000-4000-8000-000000000001", "identifier": "ENG-123", "title": "Checkout 500s",
                "description": "Since 09:00", "priority": 1, "priorityLabel": "Urgent",
                "state": {"name": "Todo", "type": "unstarted"}, "labels": [{"name": "bug"}], "team": {"key": "ENG"},
                "url": "https://linear.app/acme/issue/ENG-123"}});
        let d = read_delivery(Source::Linear, body.to_string().as_bytes(), None).unwrap();
        assert_eq!(d.event, "issue.create");
        assert_eq!(d.actors(), ["u1", "Jane"]);
        let t = d.ticket(&FieldLimits::default()).unwrap();
        assert_eq!(t.id, "ENG-123");
        assert_eq!(t.priority.unwrap().label, "Urgent");
        assert_eq!(t.status.unwrap().label, "Todo");
        assert_eq!(t.group.as_deref(), Some("ENG"));
        assert_eq!(t.labels, ["bug"]);
    }

    #[test]
    fn a_retry_stamped_anew_is_the_same_delivery() {
        let body = |stamp: u64| {
            json!({"action": "create", "type": "Issue", "webhookTimestamp": stamp,
            "data": {"identifier": "ENG-1", "title": "t"}})
            .to_string()
        };
        let identity = |stamp| {
            read_delivery(Source::Linear, body(stamp).as_bytes(), None)
                .unwrap()
                .identity()
        };
        assert_eq!(identity(1_795_338_720_123), identity(1_795_338_780_000));
        assert!(!identity(1).unwrap().contains("webhookTimestamp"));
    }
}
