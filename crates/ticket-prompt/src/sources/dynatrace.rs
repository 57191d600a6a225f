//! Dynatrace problem notifications through a webhook integration. The body is a template with
//! `{Placeholders}`; docs/sources/dynatrace.md gives the bridge's: `{"PID", "ProblemID",
//! "ProblemTitle", "ProblemDetailsText", "ProblemImpact", "ProblemSeverity", "ProblemURL",
//! "State", "ImpactedEntity", "ImpactedEntities", "Tags"}`. The event is `State` in lower case
//! (`open`, `resolved`); a problem is one delivery per state (Dynatrace resends on merges).

use super::fields::Fields;
use super::mapping::{Description, Mapping};
use crate::error::TicketError;
use crate::sanitize::FieldLimits;
use crate::source::Source;
use crate::ticket::Ticket;

const DYNATRACE: Mapping = Mapping {
    source_id: Some("PID"),
    description: Description::Text("ProblemDetailsText"),
    text_hint: " (or 'ProblemDetailsText')",
    priority: Some("ProblemSeverity"),
    urgency: Some("ProblemImpact"),
    status: Some("State"),
    group: Some("ImpactedEntity"),
    url: Some("ProblemURL"),
    labels: Some("Tags"),
    ..Mapping::new(Source::Dynatrace, "ProblemID", "ProblemTitle")
};

pub(crate) fn event(f: &Fields<'_>) -> String {
    f.lower("State")
}

pub(crate) fn identity(f: &Fields<'_>) -> Option<String> {
    f.keyed_by_state("dynatrace", "PID", &event(f))
}

pub(crate) fn ticket(f: &Fields<'_>, limits: &FieldLimits) -> Result<Ticket, TicketError> {
    DYNATRACE.ticket(f, limits)
}

#[cfg(test)]
mod tests {
    use crate::{FieldLimits, Source, read_delivery};
    use serde_json::json;

    #[test]
    fn an_open_problem_from_the_bridges_template() {
        let body = |state: &str, details: &str| {
            json!({"PID": "4362498657393573467_1795338720000V2", "ProblemID": "P-2611",
            "ProblemTitle": "Response time degradation", "ProblemDetailsText": details, "ProblemImpact": "SERVICE",
            "ProblemSeverity": "PERFORMANCE", "ProblemURL": "https://abc12345.live.dynatrace.com/#problems/problemdetails;pid=4362498657393573467_1795338720000V2",
            "State": state, "ImpactedEntity": "checkout-service", "Tags": "env:prod, team:payments"}).to_string()
        };
        let d = read_delivery(
            Source::Dynatrace,
            body("OPEN", "p95 4.2 s").as_bytes(),
            None,
        )
        .unwrap();
        assert_eq!(d.event, "open");
        let t = d.ticket(&FieldLimits::default()).unwrap();
        assert_eq!(t.id, "P-2611");
        assert_eq!(t.labels, ["env:prod", "team:payments"]);
        assert_eq!(t.urgency.unwrap().label, "SERVICE");
        // A merge resends the problem with more detail: the same delivery.
        let merged = read_delivery(
            Source::Dynatrace,
            body("OPEN", "p95 4.2 s; merged").as_bytes(),
            None,
        )
        .unwrap();
        assert_eq!(merged.identity(), d.identity());
        let resolved =
            read_delivery(Source::Dynatrace, body("RESOLVED", "").as_bytes(), None).unwrap();
        assert_eq!(resolved.event, "resolved");
        assert_ne!(resolved.identity(), d.identity());
    }
}
