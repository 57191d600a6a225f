//! Jira Cloud admin webhooks: `{"webhookEvent", "issue": {"id", "key", "self", "fields": {…}}}`.
//! `fields.description` is a wiki-markup string (REST v2) or an ADF document (v3).

use super::fields::{Fields, cap};
use super::mapping::{Description, Mapping};
use crate::error::TicketError;
use crate::sanitize::FieldLimits;
use crate::source::Source;
use crate::ticket::Ticket;

const JIRA: Mapping = Mapping {
    source_id: Some("issue.id"),
    description: Description::TextOrAdf("issue.fields.description"),
    text_hint: " (or 'issue.fields.description')",
    priority: Some("issue.fields.priority"),
    status: Some("issue.fields.status"),
    category: Some("issue.fields.issuetype"),
    group: Some("issue.fields.project.key"),
    requester: Some("issue.fields.reporter"),
    updated_at: Some("issue.fields.updated"),
    labels: Some("issue.fields.labels"),
    ..Mapping::new(Source::Jira, "issue.key", "issue.fields.summary")
};

pub(crate) fn event(f: &Fields<'_>) -> String {
    f.text("webhookEvent").ok().flatten().unwrap_or_default()
}

pub(crate) fn ticket(f: &Fields<'_>, limits: &FieldLimits) -> Result<Ticket, TicketError> {
    let mut t = JIRA.ticket(f, limits)?;
    // The base comes from the sender's `issue.self`, so the link is cleaned and capped like any
    // other field before it reaches the prompt.
    t.url = f
        .text("issue.self")?
        .and_then(|api| browse_url(&api, &t.id))
        .and_then(|url| cap("issue.self", &url, limits.short, &mut t.truncated_fields));
    Ok(t)
}

/// `https://x.atlassian.net/rest/api/2/issue/10001` → `https://x.atlassian.net/browse/PROJ-1`.
fn browse_url(api_url: &str, key: &str) -> Option<String> {
    let (base, _) = api_url.split_once("/rest/api/")?;
    base.starts_with("https://")
        .then(|| format!("{base}/browse/{key}"))
}

#[cfg(test)]
mod tests {
    use crate::{FieldLimits, Source, read_delivery};
    use serde_json::json;

    fn ticket(v: serde_json::Value) -> Result<crate::Ticket, crate::TicketError> {
        read_delivery(Source::Jira, v.to_string().as_bytes(), None)?.ticket(&FieldLimits::default())
    }

    #[test]
    fn issue_created_with_an_adf_description() {
        let body = json!({
            "timestamp": 1795338720000_u64, "webhookEvent": "jira:issue_created",
            "issue": {"id": "10001", "key": "OPS-17", "self": "https://acme.atlassian.net/rest/api/2/issue/10001",
                "fields": {"summary": "Checkout returns 502", "priority": {"name": "Highest", "id": "1"},
                    "status": {"name": "To Do"}, "issuetype": {"name": "Bug"}, "project": {"key": "OPS", "name": "Operations"},
                    "reporter": {"displayName": "Ana Lima"}, "labels": ["checkout", "eu"], "updated": "2026-11-22T09:12:00.000+0000",
                    "description": {"type": "doc", "version": 1, "content": [{"type": "paragraph", "content": [{"type": "text", "text": "EU users see 502."}]}]}}}
        });
        let d = read_delivery(Source::Jira, body.to_string().as_bytes(), None).unwrap();
        assert_eq!(d.event, "jira:issue_created");
        let t = d.ticket(&FieldLimits::default()).unwrap();
        assert_eq!(t.id, "OPS-17");
        assert_eq!(t.source_id.as_deref(), Some("10001"));
        assert_eq!(t.description.as_deref(), Some("EU users see 502."));
        assert_eq!(t.priority.unwrap().label, "Highest");
        assert_eq!(t.category.as_deref(), Some("Bug"));
        assert_eq!(t.group.as_deref(), Some("OPS"));
        assert_eq!(t.requester.as_deref(), Some("Ana Lima"));
        assert_eq!(t.labels, vec!["checkout", "eu"]);
        assert_eq!(
            t.url.as_deref(),
            Some("https://acme.atlassian.net/browse/OPS-17")
        );
    }

    #[test]
    fn the_browse_link_is_cleaned_like_any_field() {
        let t = ticket(json!({"issue": {"key": "OPS-1", "fields": {"summary": "x"},
            "self": "https://ac\u{202E}me\u{FE0F}\u{3164}.atlassian.net\u{0}/rest/api/2/issue/1"}}))
        .unwrap();
        assert_eq!(
            t.url.as_deref(),
            Some("https://acme.atlassian.net/browse/OPS-1")
        );
    }

    #[test]
    fn wiki_descriptions_and_missing_pieces() {
        let t = ticket(json!({"webhookEvent": "jira:issue_created", "issue": {"key": "OPS-1", "fields": {"description": "h1. Down\n*bold*"}}})).unwrap();
        assert_eq!(t.description.as_deref(), Some("h1. Down\n*bold*"));
        assert_eq!(t.url, None);
        let err = ticket(json!({"issue": {"fields": {"summary": "x"}}})).unwrap_err();
        assert_eq!(err.field(), Some("issue.key"));
        let err = ticket(json!({"issue": {"key": "OPS-1", "fields": {}}})).unwrap_err();
        assert_eq!(err.field(), Some("issue.fields.summary"));
        let err = ticket(json!({"issue": {"key": "OPS-1", "fields": {"summary": "x", "description": {"type": "weird"}}}})).unwrap_err();
        assert_eq!(err.field(), Some("issue.fields.description"));
    }
}
