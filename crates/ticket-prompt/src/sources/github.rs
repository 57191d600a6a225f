//! GitHub `issues` webhooks. The event name is the `X-GitHub-Event` header plus the body's
//! `action` (`issues.opened`); `issue.body` may be null.

use super::{Fields, require_text, required_key};
use crate::TicketError;
use crate::sanitize::FieldLimits;
use crate::ticket::{Choice, Source, Ticket};

pub(crate) fn event(f: &Fields<'_>, header: Option<&str>) -> String {
    let kind = header.unwrap_or("issues").trim().to_ascii_lowercase();
    match f.text("action").ok().flatten() {
        Some(action) => format!("{kind}.{action}"),
        None => kind,
    }
}

pub(crate) fn ticket(f: &Fields<'_>, limits: &FieldLimits) -> Result<Ticket, TicketError> {
    let mut t = Ticket::new(Source::GitHub, required_key(f, "issue.number")?);
    let mut truncated = Vec::new();
    t.source_id = f.capped("issue.id", limits.short, &mut truncated)?;
    t.title = f.capped("issue.title", limits.title, &mut truncated)?;
    t.description = f.capped("issue.body", limits.description, &mut truncated)?;
    require_text(&t, "issue.title", " (or 'issue.body')")?;
    t.status = f
        .capped("issue.state", limits.short, &mut truncated)?
        .map(Choice::label);
    t.group = f.capped("repository.full_name", limits.short, &mut truncated)?;
    t.requester = f.capped("issue.user.login", limits.short, &mut truncated)?;
    t.updated_at = f.capped("issue.updated_at", limits.short, &mut truncated)?;
    t.url = f.capped("issue.html_url", limits.short, &mut truncated)?;
    t.set_labels(f.list("issue.labels", limits.max_labels, limits.short)?);
    t.truncated_fields = truncated;
    Ok(t)
}

#[cfg(test)]
mod tests {
    use crate::{FieldLimits, Source, read_delivery};
    use serde_json::json;

    #[test]
    fn opened_issue_with_a_null_body() {
        let body = json!({"action": "opened", "issue": {"id": 1296269, "number": 42, "title": "Crash on start", "body": null,
            "state": "open", "labels": [{"name": "bug"}], "user": {"login": "octocat"},
            "html_url": "https://github.com/acme/app/issues/42", "updated_at": "2026-11-22T09:12:00Z"},
            "repository": {"full_name": "acme/app"}, "sender": {"login": "octocat"}});
        let d = read_delivery(Source::GitHub, body.to_string().as_bytes(), Some("issues")).unwrap();
        assert_eq!(d.event, "issues.opened");
        let t = d.ticket(&FieldLimits::default()).unwrap();
        assert_eq!((t.id.as_str(), t.description.as_deref()), ("42", None));
        assert_eq!(t.group.as_deref(), Some("acme/app"));
        assert_eq!(t.labels, vec!["bug"]);
        assert_eq!(t.session_key(), "acme/app#42");
    }

    #[test]
    fn ping_and_label_events_are_named_without_needing_an_issue() {
        let ping = read_delivery(
            Source::GitHub,
            br#"{"zen": "Design for failure.", "hook_id": 1}"#,
            Some("ping"),
        )
        .unwrap();
        assert_eq!(ping.event, "ping");
        let labeled =
            read_delivery(Source::GitHub, br#"{"action": "labeled"}"#, Some("issues")).unwrap();
        assert_eq!(labeled.event, "issues.labeled");
    }
}
