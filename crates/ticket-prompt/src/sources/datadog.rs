//! Datadog's Webhooks integration. The body is a template the user writes with `$VARIABLES`;
//! docs/sources/datadog.md gives the bridge's: Datadog's default payload (`id`, `title`, `body`,
//! `event_type`, `date`, `last_updated`, `org`) plus `alert_id`, `cycle` (`$ALERT_CYCLE_KEY`),
//! `transition` (`$ALERT_TRANSITION`), `priority`, `text`, `tags`, `link`, `hostname`, `user`.
//!
//! The event is the transition in lower case with `_` for spaces (`triggered`, `re-triggered`,
//! `renotify`, `recovered`, `no_data`, `warn`, …); a body without one (Datadog's bare default
//! template) counts as `triggered`. A monitor's alert cycle (trigger to recovery) is one ticket:
//! its re-notifications (`Re-Triggered`, `Renotify`) are the same delivery as its trigger.

use super::fields::Fields;
use super::mapping::{Description, Mapping};
use crate::error::TicketError;
use crate::sanitize::FieldLimits;
use crate::source::Source;
use crate::ticket::Ticket;

const DATADOG: Mapping = Mapping {
    source_id: Some("alert_id"),
    description: Description::Text("body"),
    text_hint: " (or 'body')",
    priority: Some("priority"),
    urgency: Some("alert_type"),
    status: Some("transition"),
    category: Some("event_type"),
    group: Some("org.name"),
    requester: Some("user"),
    updated_at: Some("last_updated"),
    url: Some("link"),
    labels: Some("tags"),
    ..Mapping::new(Source::Datadog, "id", "title")
};

/// The transitions that mean "this alert fires", first or again.
const FIRING: [&str; 3] = ["triggered", "re-triggered", "renotify"];

pub(crate) fn event(f: &Fields<'_>) -> String {
    match f.text("transition").ok().flatten() {
        Some(t) => t.trim().to_ascii_lowercase().replace(' ', "_"),
        None => "triggered".into(),
    }
}

/// A firing alert cycle is one delivery however often Datadog re-notifies; other transitions
/// (recovery, warn, no data) are their own. `None` without a cycle key or monitor id (the bare
/// default template): the body decides.
pub(crate) fn identity(f: &Fields<'_>) -> Option<String> {
    let cycle = f
        .text("cycle")
        .ok()
        .flatten()
        .or_else(|| f.text("alert_id").ok().flatten())?;
    let event = event(f);
    let state = if FIRING.contains(&event.as_str()) {
        "firing"
    } else {
        event.as_str()
    };
    Some(format!("datadog\n{cycle}\n{state}"))
}

pub(crate) fn ticket(f: &Fields<'_>, limits: &FieldLimits) -> Result<Ticket, TicketError> {
    DATADOG.ticket(f, limits)
}

#[cfg(test)]
mod tests {
    use crate::{FieldLimits, Source, read_delivery};
    use serde_json::json;

    fn body(transition: &str) -> String {
        json!({"id": "7302498147398473847", "title": "[Triggered] CPU high on web-1", "body": "%%%\nCPU above 90%\n%%%",
            "event_type": "query_alert_monitor", "last_updated": "1795338720000", "date": "1795338720000",
            "org": {"id": "11287", "name": "Acme"}, "alert_id": "98765", "cycle": "7302498147398470000",
            "transition": transition, "priority": "P1", "alert_type": "error", "tags": "env:prod,team:sre service:web",
            "link": "https://app.datadoghq.com/event/event?id=7302498147398473847", "user": "jane@acme.io"}).to_string()
    }

    #[test]
    fn a_monitor_alert_from_the_bridges_template() {
        let d = read_delivery(Source::Datadog, body("Triggered").as_bytes(), None).unwrap();
        assert_eq!(d.event, "triggered");
        let t = d.ticket(&FieldLimits::default()).unwrap();
        assert_eq!(t.id, "7302498147398473847");
        assert_eq!(t.title.as_deref(), Some("[Triggered] CPU high on web-1"));
        assert_eq!(t.labels, ["env:prod", "team:sre", "service:web"]);
        assert_eq!(t.priority.unwrap().label, "P1");
    }

    #[test]
    fn renotifications_of_a_cycle_are_one_delivery() {
        let identity = |transition: &str| {
            read_delivery(Source::Datadog, body(transition).as_bytes(), None)
                .unwrap()
                .identity()
        };
        assert_eq!(identity("Triggered"), identity("Re-Triggered"));
        assert_eq!(identity("Triggered"), identity("Renotify"));
        assert_ne!(identity("Triggered"), identity("Recovered"));
        assert_eq!(
            read_delivery(Source::Datadog, body("No Data").as_bytes(), None)
                .unwrap()
                .event,
            "no_data"
        );
        let bare = json!({"id": "1", "title": "t", "body": "b"}).to_string();
        let d = read_delivery(Source::Datadog, bare.as_bytes(), None).unwrap();
        assert_eq!((d.event.as_str(), d.identity()), ("triggered", None));
    }
}
