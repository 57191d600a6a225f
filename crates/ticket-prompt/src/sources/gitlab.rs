//! GitLab issue events (`X-Gitlab-Event: Issue Hook`): `{"object_kind": "issue", "user",
//! "project", "object_attributes": {…}, "labels", …}`. The event is `<object_kind>.<action>`
//! (`issue.open`, `issue.update`, `issue.close`, `issue.reopen`). Issue numbers (`iid`) repeat
//! across projects, so the project's path qualifies the ticket's session.

use super::fields::Fields;
use super::mapping::{Description, Mapping};
use crate::error::TicketError;
use crate::sanitize::FieldLimits;
use crate::source::Source;
use crate::ticket::Ticket;

const GITLAB: Mapping = Mapping {
    source_id: Some("object_attributes.id"),
    description: Description::Text("object_attributes.description"),
    text_hint: " (or 'object_attributes.description')",
    priority: Some("object_attributes.severity"),
    status: Some("object_attributes.state"),
    group: Some("project.path_with_namespace"),
    requester: Some("user.username"),
    updated_at: Some("object_attributes.updated_at"),
    url: Some("object_attributes.url"),
    labels: Some("labels"),
    ..Mapping::new(
        Source::GitLab,
        "object_attributes.iid",
        "object_attributes.title",
    )
};

pub(crate) fn event(f: &Fields<'_>) -> String {
    let kind = f
        .text("object_kind")
        .ok()
        .flatten()
        .unwrap_or_else(|| "issue".into());
    match f.text("object_attributes.action").ok().flatten() {
        Some(action) => format!("{kind}.{action}"),
        None => kind,
    }
}

pub(crate) fn ticket(f: &Fields<'_>, limits: &FieldLimits) -> Result<Ticket, TicketError> {
    GITLAB.ticket(f, limits)
}

#[cfg(test)]
mod tests {
    use crate::{FieldLimits, Source, read_delivery};
    use serde_json::json;

    #[test]
    fn issue_hook_from_gitlabs_documented_payload() {
        // Shortened from gitlab-org/gitlab, doc/user/project/integrations/webhook_events.md.
        let body = json!({"object_kind": "issue", "user": {"name": "Administrator", "username": "root"},
            "project": {"id": 1, "path_with_namespace": "gitlabhq/gitlab-test", "web_url": "http://example.com/gitlabhq/gitlab-test"},
            "object_attributes": {"id": 301, "iid": 23, "title": "New API: create/update/delete file",
                "description": "Create new API for manipulations with repository", "state": "opened", "action": "open",
                "url": "http://example.com/diaspora/issues/23", "updated_at": "2013-12-03T17:15:43Z"},
            "labels": [{"id": 206, "title": "API"}], "changes": {}});
        let d = read_delivery(Source::GitLab, body.to_string().as_bytes(), None).unwrap();
        assert_eq!(d.event, "issue.open");
        assert_eq!(d.actors(), ["root"]);
        let t = d.ticket(&FieldLimits::default()).unwrap();
        assert_eq!(t.id, "23");
        assert_eq!(t.labels, ["API"]);
        assert_eq!(t.status.as_ref().unwrap().label, "opened");
        assert_eq!(t.session_key(), "gitlabhq/gitlab-test#23");
    }

    #[test]
    fn update_events_are_named_by_their_action() {
        let body = json!({"object_kind": "issue", "object_attributes": {"iid": 2, "title": "t", "action": "update"}});
        let d = read_delivery(Source::GitLab, body.to_string().as_bytes(), None).unwrap();
        assert_eq!(d.event, "issue.update");
    }
}
