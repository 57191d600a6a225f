//! Splunk's webhook alert action: `{"result": {…first result row…}, "sid", "results_link",
//! "search_name", "owner", "app"}`. Every delivery is a triggered alert (event `alert`). A search
//! id can be longer than a ticket key allows, so the key is a hash of it (the id itself is kept
//! as the source id); the first result row is the description.

use serde_json::Value;
use sha2::{Digest, Sha256};

use super::fields::{Fields, cap};
use crate::error::TicketError;
use crate::sanitize::{Capped, FieldLimits};
use crate::source::Source;
use crate::ticket::Ticket;

/// Result fields listed in the description.
const RESULT_FIELDS: usize = 50;

pub(crate) fn event(_: &Fields<'_>) -> String {
    "alert".into()
}

pub(crate) fn ticket(f: &Fields<'_>, limits: &FieldLimits) -> Result<Ticket, TicketError> {
    let sid = f.text("sid")?.ok_or(TicketError::MissingField {
        field: "sid",
        hint: "",
    })?;
    let id = format!("sid-{}", &hex::encode(Sha256::digest(sid.as_bytes()))[..16]);
    let mut t = Ticket::new(Source::Splunk, id);
    let tr = &mut Vec::new();
    let short = |path: &'static str, tr: &mut Vec<&'static str>| f.capped(path, limits.short, tr);
    // Splunk sends `search_name: null` for ad-hoc searches: the app names the alert then.
    let title = match f.text("search_name")? {
        Some(name) => Some(name),
        None => f
            .text("app")?
            .map(|app| format!("Splunk alert in app {app}")),
    };
    t.title = title.and_then(|raw| cap("search_name", &raw, limits.title, tr));
    t.description = match f.value("result") {
        None | Some(Value::Null) => None,
        Some(Value::Object(row)) => {
            let mut lines = Vec::new();
            for (k, v) in row.iter().take(RESULT_FIELDS) {
                let v = match v {
                    Value::String(s) => s.clone(),
                    other => other.to_string(),
                };
                let field = Capped::new(k, limits.short).text;
                lines.push(format!("{field}: {}", Capped::new(&v, limits.short).text));
            }
            cap("result", &lines.join("\n"), limits.description, tr)
        }
        Some(_) => return Err(TicketError::invalid("result", "expected an object")),
    };
    if t.title.is_none() && t.description.is_none() {
        return Err(TicketError::MissingField {
            field: "search_name",
            hint: " (or 'result')",
        });
    }
    t.source_id = short("sid", tr)?;
    t.requester = short("owner", tr)?;
    t.group = short("app", tr)?;
    t.url = short("results_link", tr)?;
    t.truncated_fields = std::mem::take(tr);
    Ok(t)
}

#[cfg(test)]
mod tests {
    use crate::{FieldLimits, Source, read_delivery};
    use serde_json::json;

    #[test]
    fn the_documented_alert_action_payload() {
        // Splunk Enterprise 10.0 Alerting Manual, "Use a webhook alert action".
        let body = json!({"result": {"sourcetype": "mongod", "count": "8"},
            "sid": "scheduler_admin_search_W2_at_14232356_132",
            "results_link": "http://web.example.local:8000/app/search/@go?sid=scheduler_admin_search_W2_at_14232356_132",
            "search_name": null, "owner": "admin", "app": "search"});
        let d = read_delivery(Source::Splunk, body.to_string().as_bytes(), None).unwrap();
        assert_eq!(d.event, "alert");
        let t = d.ticket(&FieldLimits::default()).unwrap();
        assert!(t.id.starts_with("sid-") && t.id.len() == 20, "{}", t.id);
        assert_eq!(t.title.as_deref(), Some("Splunk alert in app search"));
        assert_eq!(
            t.description.as_deref(),
            Some("count: 8\nsourcetype: mongod")
        );
        assert_eq!(
            t.source_id.as_deref(),
            Some("scheduler_admin_search_W2_at_14232356_132")
        );
        assert_eq!(t.requester.as_deref(), Some("admin"));
    }

    #[test]
    fn a_long_search_id_still_makes_a_key_and_a_missing_one_is_named() {
        let long = format!(
            "scheduler__nobody_{}__RMD5473cbac83d6c9db7_at_1614715500_4",
            "c3BsdW5r".repeat(8)
        );
        let body = json!({"sid": long, "search_name": "Errors spike", "result": {"count": 3}});
        let t = read_delivery(Source::Splunk, body.to_string().as_bytes(), None)
            .unwrap()
            .ticket(&FieldLimits::default())
            .unwrap();
        assert_eq!(t.description.as_deref(), Some("count: 3"));
        let err = read_delivery(Source::Splunk, br#"{"search_name": "x"}"#, None)
            .unwrap()
            .ticket(&FieldLimits::default())
            .unwrap_err();
        assert_eq!(err.field(), Some("sid"));
    }
}
