//! A webhook body read once into a [`Delivery`]: its event name first (so events the bridge
//! ignores, such as GitHub's `ping`, are recognised without demanding a full ticket), then, on
//! request, who caused it and the ticket itself.

use serde_json::{Map, Value};

use super::fields::Fields;
use super::{
    alert_group, cloudwatch, datadog, dynatrace, generic, github, gitlab, jira, linear, newrelic,
    pagerduty, sentry, servicenow, splunk, zendesk,
};
use crate::error::TicketError;
use crate::json::parse_object;
use crate::sanitize::{FieldLimits, enforce_total};
use crate::source::Source;
use crate::ticket::Ticket;

/// The longest event name kept, in characters.
const EVENT_MAX: usize = 100;

/// A parsed webhook body and the event it reports.
#[derive(Debug, Clone)]
pub struct Delivery {
    source: Source,
    /// The vendor's event name, e.g. `jira:issue_created`, `issues.opened`, `incident.triggered`.
    pub event: String,
    body: Map<String, Value>,
}

/// Parses `body` from `source`. `event_hint` carries what some vendors send outside the body:
/// the value of the source's [`event_header`](crate::event_header) (GitHub's event, Sentry's
/// resource).
pub fn read_delivery(
    source: Source,
    body: &[u8],
    event_hint: Option<&str>,
) -> Result<Delivery, TicketError> {
    let body = parse_object(body)?;
    let f = Fields::new(&body);
    let event = match source {
        Source::ServiceNow => servicenow::event(&f),
        Source::Jira => jira::event(&f),
        Source::Zendesk => zendesk::event(&f),
        Source::PagerDuty => pagerduty::event(&f),
        Source::GitHub => github::event(&f, event_hint),
        Source::Alertmanager | Source::Grafana => alert_group::event(&f),
        Source::Sentry => sentry::event(&f, event_hint),
        Source::GitLab => gitlab::event(&f),
        Source::Linear => linear::event(&f),
        Source::Datadog => datadog::event(&f),
        Source::NewRelic => newrelic::event(&f),
        Source::Dynatrace => dynatrace::event(&f),
        Source::Splunk => splunk::event(&f),
        Source::CloudWatch => cloudwatch::event(&f),
        Source::Generic => generic::event(&f),
    };
    // The name is the sender's text and ends up in logs and responses: keep it short.
    let event = event
        .chars()
        .filter(|c| !c.is_control())
        .take(EVENT_MAX)
        .collect();
    Ok(Delivery {
        source,
        event,
        body,
    })
}

/// Where each source names the user whose change fired the webhook (first match wins per path;
/// all present ones are returned, so an integration user can be named by id or by login).
fn actor_paths(source: Source) -> &'static [&'static str] {
    match source {
        Source::ServiceNow => &["sys_updated_by"],
        Source::Jira => &["user.accountId", "user.name", "user.emailAddress"],
        Source::GitHub => &["sender.login"],
        Source::PagerDuty => &["event.agent.id", "event.agent.summary"],
        Source::Zendesk => &["detail.actor_id", "event.actor_id"],
        Source::Alertmanager | Source::Grafana => alert_group::ACTOR_PATHS,
        Source::Sentry | Source::Linear => &["actor.id", "actor.name"],
        Source::GitLab => &["user.username"],
        Source::Datadog => &["user"],
        // Monitoring tools raise these alerts themselves: no user causes them.
        Source::NewRelic | Source::Dynatrace | Source::Splunk | Source::CloudWatch => &[],
        Source::Generic => &["actor"],
    }
}

impl Delivery {
    /// Who caused this delivery, as the payload says (ids, logins, e-mail addresses; never
    /// empty strings). The bridge ignores deliveries caused by its own integration user, so its
    /// write-backs do not fire the webhook again.
    pub fn actors(&self) -> Vec<String> {
        let f = Fields::new(&self.body);
        actor_paths(self.source)
            .iter()
            .filter_map(|p| match f.value(p)? {
                Value::String(s) if !s.trim().is_empty() => Some(s.trim().to_owned()),
                Value::Number(n) => Some(n.to_string()),
                _ => None,
            })
            .collect()
    }

    /// The validated, cleaned and capped ticket.
    pub fn ticket(&self, limits: &FieldLimits) -> Result<Ticket, TicketError> {
        let f = Fields::new(&self.body);
        let mut ticket = match self.source {
            Source::ServiceNow => servicenow::ticket(&f, limits),
            Source::Jira => jira::ticket(&f, limits),
            Source::Zendesk => zendesk::ticket(&f, limits),
            Source::PagerDuty => pagerduty::ticket(&f, limits),
            Source::GitHub => github::ticket(&f, limits),
            Source::Alertmanager | Source::Grafana => alert_group::ticket(self.source, &f, limits),
            Source::Sentry => sentry::ticket(&f, limits),
            Source::GitLab => gitlab::ticket(&f, limits),
            Source::Linear => linear::ticket(&f, limits),
            Source::Datadog => datadog::ticket(&f, limits),
            Source::NewRelic => newrelic::ticket(&f, limits),
            Source::Dynatrace => dynatrace::ticket(&f, limits),
            Source::Splunk => splunk::ticket(&f, limits),
            Source::CloudWatch => cloudwatch::ticket(&f, limits),
            Source::Generic => generic::ticket(&f, limits),
        }?;
        enforce_total(&mut ticket, limits);
        Ok(ticket)
    }

    /// What makes two deliveries the same when their bodies differ but mean one thing: for alert
    /// groups, the group, its status and its firing alerts (a `repeat_interval` resend differs
    /// only in `notification_reason`); for Linear, the body without its `webhookTimestamp` (a
    /// retry is stamped anew to pass the one-minute check). `None` for sources whose body (or
    /// delivery id) is the identity. The bridge keys its jobs by this, so a repeat or retry never
    /// runs the agent twice.
    pub fn identity(&self) -> Option<String> {
        match self.source {
            Source::Alertmanager | Source::Grafana => {
                alert_group::identity(&Fields::new(&self.body))
            }
            Source::Linear => {
                let mut unstamped = self.body.clone();
                unstamped.remove("webhookTimestamp");
                Some(Value::Object(unstamped).to_string())
            }
            Source::Datadog => datadog::identity(&Fields::new(&self.body)),
            Source::NewRelic => newrelic::identity(&Fields::new(&self.body)),
            Source::Dynatrace => dynatrace::identity(&Fields::new(&self.body)),
            Source::CloudWatch => cloudwatch::identity(&Fields::new(&self.body)),
            _ => None,
        }
    }
}

/// The events each source acts on unless configured otherwise: the ones that mean "a new
/// ticket needs analysis". Everything else is acknowledged and ignored.
pub fn default_events(source: Source) -> &'static [&'static str] {
    match source {
        Source::ServiceNow => &["incident"],
        Source::Jira => &["jira:issue_created"],
        Source::Zendesk => &["ticket.created", "trigger"],
        Source::PagerDuty => &["incident.triggered"],
        Source::GitHub => &["issues.opened"],
        // Resolved groups are acknowledged: the analysis was of the firing group.
        Source::Alertmanager | Source::Grafana => &["firing"],
        Source::Sentry => &["event_alert.triggered", "metric_alert.critical"],
        Source::GitLab => &["issue.open"],
        Source::Linear => &["issue.create"],
        Source::Datadog => &["triggered", "re-triggered", "renotify"],
        Source::NewRelic => &["activated"],
        Source::Dynatrace => &["open"],
        Source::Splunk => &["alert"],
        Source::CloudWatch => &["alarm"],
        Source::Generic => &["created"],
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn actors(source: Source, body: Value) -> Vec<String> {
        read_delivery(source, body.to_string().as_bytes(), None)
            .unwrap()
            .actors()
    }

    #[test]
    fn actors_come_from_each_vendors_field() {
        assert_eq!(
            actors(
                Source::ServiceNow,
                json!({"number": "INC1", "sys_updated_by": "svc_ai_bridge"})
            ),
            ["svc_ai_bridge"]
        );
        assert_eq!(
            actors(
                Source::GitHub,
                json!({"action": "opened", "sender": {"login": "bridge-bot"}})
            ),
            ["bridge-bot"]
        );
        assert_eq!(
            actors(
                Source::Jira,
                json!({"user": {"accountId": "5b10ac8d82e05b22cc7d4ef5", "emailAddress": "bot@acme.io"}})
            ),
            ["5b10ac8d82e05b22cc7d4ef5", "bot@acme.io"]
        );
        assert_eq!(
            actors(
                Source::PagerDuty,
                json!({"event": {"agent": {"id": "PXPGF42", "summary": "Bridge"}}})
            ),
            ["PXPGF42", "Bridge"]
        );
        assert_eq!(
            actors(Source::Zendesk, json!({"detail": {"actor_id": 42}})),
            ["42"]
        );
        assert_eq!(
            actors(Source::Generic, json!({"actor": "  "})),
            Vec::<String>::new()
        );
        assert_eq!(
            actors(Source::ServiceNow, json!({"number": "INC1"})),
            Vec::<String>::new()
        );
    }
}
