//! New Relic workflow notifications through a webhook destination, with the default payload
//! template: `{"id", "issueUrl", "title", "priority", "impactedEntities", "totalIncidents",
//! "state", "trigger", "isCorrelated", "createdAt", "updatedAt", "sources", "alertPolicyNames",
//! "alertConditionNames", "workflowName"}`. The event is the issue's `state` in lower case
//! (`activated`, `acknowledged`, `closed`, `created`); an issue is one delivery per state, so the
//! workflow's other updates (priority changes, more incidents) do not run the agent again.

use super::fields::Fields;
use super::mapping::{Description, Mapping};
use crate::error::TicketError;
use crate::sanitize::FieldLimits;
use crate::source::Source;
use crate::ticket::Ticket;

const NEW_RELIC: Mapping = Mapping {
    description: Description::None,
    priority: Some("priority"),
    status: Some("state"),
    category: Some("trigger"),
    group: Some("workflowName"),
    updated_at: Some("updatedAt"),
    url: Some("issueUrl"),
    labels: Some("alertPolicyNames"),
    ..Mapping::new(Source::NewRelic, "id", "title")
};

pub(crate) fn event(f: &Fields<'_>) -> String {
    f.lower("state")
}

pub(crate) fn identity(f: &Fields<'_>) -> Option<String> {
    f.keyed_by_state("newrelic", "id", &event(f))
}

pub(crate) fn ticket(f: &Fields<'_>, limits: &FieldLimits) -> Result<Ticket, TicketError> {
    NEW_RELIC.ticket(f, limits)
}

#[cfg(test)]
mod tests {
    use crate::{FieldLimits, Source, read_delivery};
    use serde_json::json;

    #[test]
    fn an_activated_issue_is_one_delivery_per_state() {
        let body = |state: &str, trigger: &str| {
            json!({"id": "b1a2c3d4-0000-4000-8000-00000000abcd",
            "issueUrl": "https://radar-api.service.newrelic.com/accounts/1/issues/b1a2c3d4", "title": "High error rate on checkout",
            "priority": "CRITICAL", "impactedEntities": ["checkout"], "state": state, "trigger": trigger,
            "alertPolicyNames": ["Checkout SLOs"], "workflowName": "SRE paging", "updatedAt": 1795338720000_u64}).to_string()
        };
        let d = read_delivery(
            Source::NewRelic,
            body("ACTIVATED", "STATE_CHANGE").as_bytes(),
            None,
        )
        .unwrap();
        assert_eq!(d.event, "activated");
        let t = d.ticket(&FieldLimits::default()).unwrap();
        assert_eq!(t.id, "b1a2c3d4-0000-4000-8000-00000000abcd");
        assert_eq!(t.labels, ["Checkout SLOs"]);
        assert_eq!(t.priority.unwrap().label, "CRITICAL");
        let again = read_delivery(
            Source::NewRelic,
            body("ACTIVATED", "PRIORITY_CHANGED").as_bytes(),
            None,
        )
        .unwrap();
        assert_eq!(again.identity(), d.identity());
        let closed = read_delivery(
            Source::NewRelic,
            body("CLOSED", "STATE_CHANGE").as_bytes(),
            None,
        )
        .unwrap();
        assert_ne!(closed.identity(), d.identity());
    }
}
