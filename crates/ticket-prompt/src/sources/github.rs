//! GitHub `issues` webhooks. The event name is the `X-GitHub-Event` header plus the body's
//! `action` (`issues.opened`); `issue.body` may be null.

use super::fields::Fields;
use super::mapping::{Description, Mapping};
use crate::error::TicketError;
use crate::sanitize::FieldLimits;
use crate::source::Source;
use crate::ticket::Ticket;

const GITHUB: Mapping = Mapping {
    source_id: Some("issue.id"),
    description: Description::Text("issue.body"),
    text_hint: " (or 'issue.body')",
    status: Some("issue.state"),
    group: Some("repository.full_name"),
    requester: Some("issue.user.login"),
    updated_at: Some("issue.updated_at"),
    url: Some("issue.html_url"),
    labels: Some("issue.labels"),
    ..Mapping::new(Source::GitHub, "issue.number", "issue.title")
};

pub(crate) fn event(f: &Fields<'_>, header: Option<&str>) -> String {
    let kind = header.unwrap_or("issues").trim().to_ascii_lowercase();
    match f.text("action").ok().flatten() {
        Some(action) => format!("{kind}.{action}"),
        None => kind,
    }
}

pub(crate) fn ticket(f: &Fields<'_>, limits: &FieldLimits) -> Result<Ticket, TicketError> {
    GITHUB.ticket(f, limits)
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
