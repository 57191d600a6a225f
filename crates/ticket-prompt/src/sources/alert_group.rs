//! Alert groups: Prometheus Alertmanager's `webhook_config` notification (payload version 4) and
//! Grafana alerting's webhook contact point, which sends the same body plus `title`, `state` and
//! `message`. One notification is one ticket: the group's common labels and annotations, then each
//! alert's own (a bounded number of them, each value cleaned and capped).
//!
//! The event is the group's `status`: `firing` while any alert fires, `resolved` once all have.
//! Alertmanager resends an unchanged group every `repeat_interval` (and Grafana likewise); the
//! group's identity (its key, status and the firing alerts with their start times) is the same
//! for those repeats, so the bridge recognises them as one delivery and runs the agent once.

use serde_json::{Map, Value};
use sha2::{Digest, Sha256};

use super::fields::{Fields, cap, validate_key};
use crate::error::TicketError;
use crate::sanitize::{Capped, FieldLimits};
use crate::source::Source;
use crate::ticket::{Choice, Ticket};

/// Alerts listed one by one in the description; the rest are counted.
const ALERTS_LISTED: usize = 20;
/// Labels or annotations listed per alert.
const PAIRS_PER_ALERT: usize = 30;

pub(crate) fn event(f: &Fields<'_>) -> String {
    f.text("status").ok().flatten().unwrap_or_default()
}

/// Who caused the notification: alerting tools have no users; the receiver names the route.
pub(crate) const ACTOR_PATHS: &[&str] = &[];

/// What makes two notifications the same delivery: the group, its status and the alerts firing
/// in it (fingerprint and start time: an alert that resolves and fires again starts anew).
/// Repeats of an unchanged group share it; a new, resolved or restarted alert changes it.
pub(crate) fn identity(f: &Fields<'_>) -> Option<String> {
    let group = f.text("groupKey").ok().flatten()?;
    let status = event(f);
    let mut firing: Vec<String> = alerts(f)
        .filter(|a| text(a, "status").as_deref() == Some("firing"))
        .map(|a| {
            format!(
                "{}@{}",
                text(a, "fingerprint").unwrap_or_default(),
                text(a, "startsAt").unwrap_or_default()
            )
        })
        .collect();
    firing.sort();
    firing.dedup();
    Some(format!(
        "alert-group\n{group}\n{status}\n{}",
        firing.join("\n")
    ))
}

pub(crate) fn ticket(
    source: Source,
    f: &Fields<'_>,
    limits: &FieldLimits,
) -> Result<Ticket, TicketError> {
    let group_key = f.text("groupKey")?.ok_or(TicketError::MissingField {
        field: "groupKey",
        hint: "",
    })?;
    if !matches!(f.value("alerts"), Some(Value::Array(_))) {
        return Err(TicketError::invalid("alerts", "expected a list of alerts"));
    }
    // The group key is the route and the grouping labels, quoted: it identifies the group across
    // notifications, so its hash is the ticket key (and with it the per-ticket session).
    let id = format!(
        "group-{}",
        &hex::encode(Sha256::digest(group_key.as_bytes()))[..16]
    );
    validate_key("groupKey", &id)?;
    let mut t = Ticket::new(source, id);
    let tr = &mut Vec::new();
    let first = alerts(f).next();
    let title = [
        f.text("commonAnnotations.summary")?,
        f.text("title")?,
        first.and_then(|a| text(a, "annotations.summary")),
        f.text("commonLabels.alertname")?,
        first.and_then(|a| text(a, "labels.alertname")),
    ]
    .into_iter()
    .flatten()
    .next();
    t.title = title.and_then(|raw| cap("commonAnnotations.summary", &raw, limits.title, tr));
    if t.title.is_none() {
        return Err(TicketError::MissingField {
            field: "commonLabels.alertname",
            hint: " (or 'commonAnnotations.summary')",
        });
    }
    let (description, cut) = describe(f, limits);
    if cut {
        tr.push("alerts");
    }
    t.description = cap("alerts", &description, limits.description, tr);
    let short = |path: &'static str, tr: &mut Vec<&'static str>| f.capped(path, limits.short, tr);
    t.source_id = short("groupKey", tr)?;
    t.status = short("status", tr)?.map(Choice::label);
    t.priority = short("commonLabels.severity", tr)?.map(Choice::label);
    t.category = short("commonLabels.alertname", tr)?;
    t.group = short("commonLabels.team", tr)?;
    t.requester = short("receiver", tr)?;
    let url = first
        .and_then(|a| text(a, "generatorURL"))
        .or(f.text("externalURL")?);
    t.url = url.and_then(|u| cap("externalURL", &u, limits.short, tr));
    t.set_labels(
        pairs(f.value("commonLabels"))
            .into_iter()
            .map(|(k, v)| Capped::new(&format!("{k}={v}"), limits.short).text)
            .take(limits.max_labels)
            .collect(),
    );
    t.truncated_fields = std::mem::take(tr);
    Ok(t)
}

/// The description: the group's status and size, its common annotations, then each alert's
/// status, start, labels beyond the common ones, and annotations. Every value is cleaned and
/// capped here (the flag says whether one was cut, or alerts were left out); the whole is capped
/// by the caller.
fn describe(f: &Fields<'_>, limits: &FieldLimits) -> (String, bool) {
    let cut = std::cell::Cell::new(false);
    let short = |s: &str| {
        let c = Capped::new(s, limits.short);
        cut.set(cut.get() | c.truncated);
        c.text
    };
    let listed: Vec<&Map<String, Value>> = alerts(f).collect();
    let mut out = String::new();
    let truncated = f
        .value("truncatedAlerts")
        .and_then(Value::as_u64)
        .unwrap_or(0);
    out.push_str(&format!(
        "{} alert(s), group status {}",
        listed.len() as u64 + truncated,
        short(&event(f))
    ));
    if truncated > 0 {
        out.push_str(&format!(" ({truncated} left out by the sender)"));
    }
    out.push('\n');
    for (k, v) in pairs(f.value("commonAnnotations")) {
        out.push_str(&format!("{}: {}\n", short(&k), short(&v)));
    }
    let common = pairs(f.value("commonLabels"));
    for (n, alert) in listed.iter().take(ALERTS_LISTED).enumerate() {
        let status = text(alert, "status").unwrap_or_default();
        let since = text(alert, "startsAt").unwrap_or_default();
        out.push_str(&format!(
            "\nAlert {} ({}, since {}):\n",
            n + 1,
            short(&status),
            short(&since)
        ));
        let own: Vec<String> = pairs(alert.get("labels"))
            .into_iter()
            .filter(|pair| !common.contains(pair))
            .take(PAIRS_PER_ALERT)
            .map(|(k, v)| format!("{}={}", short(&k), short(&v)))
            .collect();
        if !own.is_empty() {
            out.push_str(&format!("  labels: {}\n", own.join(", ")));
        }
        for (k, v) in pairs(alert.get("annotations"))
            .into_iter()
            .take(PAIRS_PER_ALERT)
        {
            out.push_str(&format!("  {}: {}\n", short(&k), short(&v)));
        }
        if let Some(value) = text(alert, "valueString") {
            out.push_str(&format!("  values: {}\n", short(&value)));
        }
    }
    if listed.len() > ALERTS_LISTED {
        cut.set(true);
        out.push_str(&format!(
            "\n… and {} more alert(s) not listed\n",
            listed.len() - ALERTS_LISTED
        ));
    }
    (out, cut.get())
}

/// The alerts that are objects (anything else in the list is ignored).
fn alerts<'a>(f: &Fields<'a>) -> impl Iterator<Item = &'a Map<String, Value>> {
    f.value("alerts")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(Value::as_object)
}

/// A label or annotation map's string pairs, in key order.
fn pairs(value: Option<&Value>) -> Vec<(String, String)> {
    let mut pairs: Vec<(String, String)> = value
        .and_then(Value::as_object)
        .into_iter()
        .flatten()
        .filter_map(|(k, v)| v.as_str().map(|v| (k.clone(), v.to_owned())))
        .filter(|(_, v)| !v.trim().is_empty())
        .collect();
    pairs.sort();
    pairs
}

/// A string field of one alert, by dotted path.
fn text(alert: &Map<String, Value>, path: &str) -> Option<String> {
    Fields::new(alert).text(path).ok().flatten()
}

#[cfg(test)]
#[path = "alert_group_tests.rs"]
mod tests;
