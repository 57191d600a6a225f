//! Vendor payload → ticket as data: each vendor names the path of each ticket field, and one
//! function reads, cleans, caps and validates them all the same way.

use super::adf;
use super::fields::{Fields, cap, validate_key};
use crate::error::TicketError;
use crate::sanitize::FieldLimits;
use crate::source::Source;
use crate::ticket::{Choice, Ticket};

/// How a description is written.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Description {
    None,
    Text(&'static str),
    /// Plain text, or an Atlassian Document Format tree (Jira Cloud).
    TextOrAdf(&'static str),
}

/// Where each ticket field lives in one vendor's payload (dotted paths).
#[derive(Debug, Clone, Copy)]
pub(crate) struct Mapping {
    pub source: Source,
    pub id: &'static str,
    pub source_id: Option<&'static str>,
    pub title: &'static str,
    pub description: Description,
    /// Added to the "missing title" error: which other field would also do.
    pub text_hint: &'static str,
    pub priority: Option<&'static str>,
    pub urgency: Option<&'static str>,
    pub impact: Option<&'static str>,
    pub status: Option<&'static str>,
    pub category: Option<&'static str>,
    pub group: Option<&'static str>,
    pub requester: Option<&'static str>,
    pub updated_at: Option<&'static str>,
    pub url: Option<&'static str>,
    pub labels: Option<&'static str>,
}

impl Mapping {
    /// A mapping with only the required fields; vendors fill in the rest with `..`.
    pub(crate) const fn new(source: Source, id: &'static str, title: &'static str) -> Mapping {
        Mapping {
            source,
            id,
            source_id: None,
            title,
            description: Description::None,
            text_hint: "",
            priority: None,
            urgency: None,
            impact: None,
            status: None,
            category: None,
            group: None,
            requester: None,
            updated_at: None,
            url: None,
            labels: None,
        }
    }

    pub(crate) fn ticket(
        &self,
        f: &Fields<'_>,
        limits: &FieldLimits,
    ) -> Result<Ticket, TicketError> {
        let mut t = Ticket::new(self.source, required_key(f, self.id)?);
        let tr = &mut Vec::new();
        let short = limits.short;
        t.source_id = read(f, self.source_id, short, tr)?;
        t.title = read(f, Some(self.title), limits.title, tr)?;
        t.description = match self.description {
            Description::None => None,
            Description::Text(p) => read(f, Some(p), limits.description, tr)?,
            Description::TextOrAdf(p) => match f.value(p) {
                Some(doc) if adf::is_adf(doc) => cap(p, &adf::flatten(doc), limits.description, tr),
                Some(serde_json::Value::Object(_)) => {
                    return Err(TicketError::invalid(p, "expected text or an ADF document"));
                }
                _ => read(f, Some(p), limits.description, tr)?,
            },
        };
        require_text(&t, self.title, self.text_hint)?;
        t.priority = read(f, self.priority, short, tr)?.map(Choice::label);
        t.urgency = read(f, self.urgency, short, tr)?.map(Choice::label);
        t.impact = read(f, self.impact, short, tr)?.map(Choice::label);
        t.status = read(f, self.status, short, tr)?.map(Choice::label);
        t.category = read(f, self.category, short, tr)?;
        t.group = read(f, self.group, short, tr)?;
        t.requester = read(f, self.requester, short, tr)?;
        t.updated_at = read(f, self.updated_at, short, tr)?;
        t.url = read(f, self.url, short, tr)?;
        if let Some(p) = self.labels {
            t.set_labels(f.list(p, limits.max_labels, short)?);
        }
        t.truncated_fields = std::mem::take(tr);
        Ok(t)
    }
}

/// The cleaned, capped text at `path`, if the mapping has one and the payload gives it.
fn read(
    f: &Fields<'_>,
    path: Option<&'static str>,
    max: usize,
    truncated: &mut Vec<&'static str>,
) -> Result<Option<String>, TicketError> {
    match path {
        Some(p) => f.capped(p, max, truncated),
        None => Ok(None),
    }
}

/// The ticket's key at `path`, trimmed and checked by `validate_key`; `MissingField` when absent.
fn required_key(f: &Fields<'_>, path: &'static str) -> Result<String, TicketError> {
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
fn require_text(t: &Ticket, title: &'static str, hint: &'static str) -> Result<(), TicketError> {
    if t.title.is_none() && t.description.is_none() {
        return Err(TicketError::MissingField { field: title, hint });
    }
    Ok(())
}
