//! The generic source, for anything else that can POST JSON:
//! `{"id", "title", "description"?, "priority"?, "status"?, "category"?, "group"?, "requester"?,
//! "url"?, "labels"?, "event"?}`. `id` and one of `title`/`description` are required.

use super::{Fields, require_text, required_key};
use crate::TicketError;
use crate::sanitize::FieldLimits;
use crate::ticket::{Choice, Source, Ticket};

pub(crate) fn event(f: &Fields<'_>) -> String {
    f.text("event")
        .ok()
        .flatten()
        .unwrap_or_else(|| "created".into())
}

pub(crate) fn ticket(f: &Fields<'_>, limits: &FieldLimits) -> Result<Ticket, TicketError> {
    let mut t = Ticket::new(Source::Generic, required_key(f, "id")?);
    let mut truncated = Vec::new();
    t.title = f.capped("title", limits.title, &mut truncated)?;
    t.description = f.capped("description", limits.description, &mut truncated)?;
    require_text(&t, "title", " (or 'description')")?;
    t.priority = f
        .capped("priority", limits.short, &mut truncated)?
        .map(Choice::label);
    t.status = f
        .capped("status", limits.short, &mut truncated)?
        .map(Choice::label);
    t.category = f.capped("category", limits.short, &mut truncated)?;
    t.group = f.capped("group", limits.short, &mut truncated)?;
    t.requester = f.capped("requester", limits.short, &mut truncated)?;
    t.updated_at = f.capped("updated_at", limits.short, &mut truncated)?;
    t.url = f.capped("url", limits.short, &mut truncated)?;
    t.set_labels(f.list("labels", limits.max_labels, limits.short)?);
    t.truncated_fields = truncated;
    Ok(t)
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
