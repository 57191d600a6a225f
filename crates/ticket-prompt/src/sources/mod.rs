//! Vendor payloads → [`Ticket`]: one module per ticketing system.
//!
//! A body is read once into a [`Delivery`]: its event name first (so events the bridge ignores,
//! such as GitHub's `ping`, are recognised without demanding a full ticket), then the ticket.

mod adf;
mod fields;
mod generic;
mod github;
mod jira;
mod mapping;
mod pagerduty;
pub(crate) mod servicenow;
mod zendesk;

use serde_json::{Map, Value};

use crate::TicketError;
use crate::sanitize::FieldLimits;
use crate::ticket::{Source, Ticket};
pub(crate) use fields::{Fields, cap, parse_object, validate_key};

const EVENT_MAX: usize = 100;

/// A parsed webhook body and the event it reports.
#[derive(Debug, Clone)]
pub struct Delivery {
    source: Source,
    /// The vendor's event name, e.g. `jira:issue_created`, `issues.opened`, `incident.triggered`.
    pub event: String,
    body: Map<String, Value>,
}

/// Parses `body` from `source`. `event_hint` carries what some vendors send outside the body
/// (GitHub's `X-GitHub-Event` header).
pub fn read_delivery(
    source: Source,
    body: &[u8],
    event_hint: Option<&str>,
) -> Result<Delivery, TicketError> {
    let body = fields::parse_object(body)?;
    let f = Fields::new(&body);
    let event = match source {
        Source::ServiceNow => servicenow::event(&f),
        Source::Jira => jira::event(&f),
        Source::Zendesk => zendesk::event(&f),
        Source::PagerDuty => pagerduty::event(&f),
        Source::GitHub => github::event(&f, event_hint),
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

impl Delivery {
    /// The validated, cleaned and capped ticket.
    pub fn ticket(&self, limits: &FieldLimits) -> Result<Ticket, TicketError> {
        let f = Fields::new(&self.body);
        let mut ticket = match self.source {
            Source::ServiceNow => servicenow::ticket(&f, limits),
            Source::Jira => jira::ticket(&f, limits),
            Source::Zendesk => zendesk::ticket(&f, limits),
            Source::PagerDuty => pagerduty::ticket(&f, limits),
            Source::GitHub => github::ticket(&f, limits),
            Source::Generic => generic::ticket(&f, limits),
        }?;
        crate::sanitize::enforce_total(&mut ticket, limits);
        Ok(ticket)
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
        Source::Generic => &["created"],
    }
}

/// A required text: the first of `paths` that is given, else `MissingField` naming the first.
pub(crate) fn required_key(f: &Fields<'_>, path: &'static str) -> Result<String, TicketError> {
    let key = f
        .text(path)?
        .map(|k| k.trim().to_owned())
        .ok_or(TicketError::MissingField {
            field: path,
            hint: "",
        })?;
    validate_key(path, &key)?;
    Ok(key)
}

/// Tickets need some text to analyse: a title or a description.
pub(crate) fn require_text(
    t: &Ticket,
    title: &'static str,
    hint: &'static str,
) -> Result<(), TicketError> {
    if t.title.is_none() && t.description.is_none() {
        return Err(TicketError::MissingField { field: title, hint });
    }
    Ok(())
}
