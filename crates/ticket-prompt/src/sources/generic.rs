//! The generic source, for anything else that can POST JSON:
//! `{"id", "title", "description"?, "priority"?, "status"?, "category"?, "group"?, "requester"?,
//! "url"?, "labels"?, "event"?}`. `id` and one of `title`/`description` are required.

use super::fields::Fields;
use super::mapping::{Description, Mapping};
use crate::error::TicketError;
use crate::sanitize::FieldLimits;
use crate::source::Source;
use crate::ticket::Ticket;

const GENERIC: Mapping = Mapping {
    description: Description::Text("description"),
    text_hint: " (or 'description')",
    priority: Some("priority"),
    status: Some("status"),
    category: Some("category"),
    group: Some("group"),
    requester: Some("requester"),
    updated_at: Some("updated_at"),
    url: Some("url"),
    labels: Some("labels"),
    ..Mapping::new(Source::Generic, "id", "title")
};

pub(crate) fn event(f: &Fields<'_>) -> String {
    f.text("event")
        .ok()
        .flatten()
        .unwrap_or_else(|| "created".into())
}

pub(crate) fn ticket(f: &Fields<'_>, limits: &FieldLimits) -> Result<Ticket, TicketError> {
    GENERIC.ticket(f, limits)
}

#[cfg(test)]
mod tests {
    use crate::{FieldLimits, Source, read_delivery};

    #[test]
    fn minimal_and_full() {
        let d = read_delivery(
            Source::Generic,
            br#"{"id": 7, "title": "Backup failed"}"#,
            None,
        )
        .unwrap();
        assert_eq!(d.event, "created");
        assert_eq!(d.ticket(&FieldLimits::default()).unwrap().id, "7");
        let d = read_delivery(
            Source::Generic,
            br#"{"id": "X-1", "description": "d", "event": "updated", "labels": ["a"]}"#,
            None,
        )
        .unwrap();
        assert_eq!(d.event, "updated");
        assert_eq!(d.ticket(&FieldLimits::default()).unwrap().labels, vec!["a"]);
        let err = read_delivery(Source::Generic, br#"{"title": "x"}"#, None)
            .unwrap()
            .ticket(&FieldLimits::default())
            .unwrap_err();
        assert_eq!(err.field(), Some("id"));
    }
}
