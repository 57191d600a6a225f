//! Sentry's integration platform: `{"action", "actor", "data": {…}, "installation"}`, with the
//! kind of resource in the `Sentry-Hook-Resource` header. The event is `<resource>.<action>`:
//! `event_alert.triggered` (an issue alert rule fired), `metric_alert.critical|warning|resolved`,
//! `issue.created|resolved|…`. Each resource keeps its ticket in its own place under `data`.

use super::fields::Fields;
use super::mapping::{Description, Mapping};
use crate::error::TicketError;
use crate::sanitize::FieldLimits;
use crate::source::Source;
use crate::ticket::Ticket;

/// An issue alert: the event that fired the rule, and the rule.
const EVENT_ALERT: Mapping = Mapping {
    source_id: Some("data.event.event_id"),
    description: Description::Text("data.event.culprit"),
    text_hint: " (or 'data.event.culprit')",
    priority: Some("data.event.level"),
    category: Some("data.triggered_rule"),
    group: Some("data.event.project"),
    requester: Some("actor.name"),
    updated_at: Some("data.event.datetime"),
    url: Some("data.event.web_url"),
    ..Mapping::new(Source::Sentry, "data.event.issue_id", "data.event.title")
};

/// A metric alert: the alert rule's incident.
const METRIC_ALERT: Mapping = Mapping {
    source_id: Some("data.metric_alert.identifier"),
    description: Description::Text("data.description_text"),
    text_hint: " (or 'data.description_text')",
    status: Some("data.metric_alert.status"),
    category: Some("data.metric_alert.alert_rule.name"),
    requester: Some("actor.name"),
    updated_at: Some("data.metric_alert.date_detected"),
    url: Some("data.web_url"),
    ..Mapping::new(
        Source::Sentry,
        "data.metric_alert.id",
        "data.description_title",
    )
};

/// An issue's own life cycle (created, resolved, assigned, …).
const ISSUE: Mapping = Mapping {
    description: Description::Text("data.issue.culprit"),
    text_hint: " (or 'data.issue.culprit')",
    priority: Some("data.issue.level"),
    status: Some("data.issue.status"),
    group: Some("data.issue.project.slug"),
    requester: Some("actor.name"),
    updated_at: Some("data.issue.lastSeen"),
    url: Some("data.issue.web_url"),
    ..Mapping::new(Source::Sentry, "data.issue.id", "data.issue.title")
};

/// The resource named by the header, else the one the body carries.
fn resource(f: &Fields<'_>, header: Option<&str>) -> String {
    if let Some(h) = header.map(str::trim).filter(|h| !h.is_empty()) {
        return h.to_ascii_lowercase();
    }
    let kind = if f.value("data.event").is_some() {
        "event_alert"
    } else if f.value("data.metric_alert").is_some() {
        "metric_alert"
    } else {
        "issue"
    };
    kind.to_owned()
}

pub(crate) fn event(f: &Fields<'_>, header: Option<&str>) -> String {
    let resource = resource(f, header);
    match f.text("action").ok().flatten() {
        Some(action) => format!("{resource}.{action}"),
        None => resource,
    }
}

pub(crate) fn ticket(f: &Fields<'_>, limits: &FieldLimits) -> Result<Ticket, TicketError> {
    if f.value("data.event").is_some() {
        EVENT_ALERT.ticket(f, limits)
    } else if f.value("data.metric_alert").is_some() {
        METRIC_ALERT.ticket(f, limits)
    } else {
        ISSUE.ticket(f, limits)
    }
}

#[cfg(test)]
mod tests {
    use crate::{FieldLimits, Source, read_delivery};
    use serde_json::json;

    #[test]
    fn issue_alert_from_sentrys_documented_payload() {
        // Shortened from getsentry/sentry-docs, integration-platform/webhooks/issue-alerts.mdx.
        let body = json!({"action": "triggered", "actor": {"id": "sentry", "name": "Sentry", "type": "application"},
            "data": {"event": {"event_id": "e4874d664c3540c1a32eab185f12c5ab", "issue_id": "1117540176",
                "title": "ReferenceError: heck is not defined", "culprit": "?(<anonymous>)", "level": "error",
                "project": 1, "tags": [["level", "error"]],
                "web_url": "https://sentry.io/organizations/test-org/issues/1117540176/events/e4874d664c3540c1a32eab185f12c5ab/"},
                "triggered_rule": "Very Important Alert Rule!"},
            "installation": {"uuid": "a8e5d37a-696c-4c54-adb5-b3f28d64c7de"}});
        let d = read_delivery(
            Source::Sentry,
            body.to_string().as_bytes(),
            Some("event_alert"),
        )
        .unwrap();
        assert_eq!(d.event, "event_alert.triggered");
        let t = d.ticket(&FieldLimits::default()).unwrap();
        assert_eq!(t.id, "1117540176");
        assert_eq!(
            t.title.as_deref(),
            Some("ReferenceError: heck is not defined")
        );
        assert_eq!(t.description.as_deref(), Some("?(<anonymous>)"));
        assert_eq!(t.priority.unwrap().label, "error");
        assert_eq!(t.category.as_deref(), Some("Very Important Alert Rule!"));
        assert_eq!(t.requester.as_deref(), Some("Sentry"));
        assert_eq!(d.actors(), ["sentry", "Sentry"]);
    }

    #[test]
    fn resource_from_the_body_when_the_header_is_missing() {
        let metric = json!({"action": "critical", "data": {"metric_alert": {"id": "7", "alert_rule": {"name": "p95 latency"}},
            "description_title": "Critical: p95 latency above 2s", "web_url": "https://sentry.io/alerts/7/"}});
        let d = read_delivery(Source::Sentry, metric.to_string().as_bytes(), None).unwrap();
        assert_eq!(d.event, "metric_alert.critical");
        let t = d.ticket(&FieldLimits::default()).unwrap();
        assert_eq!(
            (t.id.as_str(), t.category.as_deref()),
            ("7", Some("p95 latency"))
        );
        let issue = json!({"action": "resolved", "data": {"issue": {"id": "42", "title": "TypeError", "status": "resolved"}}});
        let d = read_delivery(Source::Sentry, issue.to_string().as_bytes(), None).unwrap();
        assert_eq!(d.event, "issue.resolved");
        assert_eq!(d.ticket(&FieldLimits::default()).unwrap().id, "42");
    }

    #[test]
    fn an_alert_without_its_issue_id_names_the_field() {
        let body = json!({"action": "triggered", "data": {"event": {"title": "x"}}});
        let err = read_delivery(Source::Sentry, body.to_string().as_bytes(), None)
            .unwrap()
            .ticket(&FieldLimits::default())
            .unwrap_err();
        assert_eq!(err.field(), Some("data.event.issue_id"));
    }
}
