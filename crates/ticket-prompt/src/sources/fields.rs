//! Typed access to a vendor payload's fields, with errors that name the field by its path.

use serde_json::{Map, Value};

use crate::error::TicketError;
use crate::sanitize::Capped;

/// A JSON object from a webhook body, read by dotted paths (`issue.fields.summary`).
pub(crate) struct Fields<'a> {
    root: &'a Map<String, Value>,
}

impl<'a> Fields<'a> {
    pub(crate) fn new(root: &'a Map<String, Value>) -> Self {
        Fields { root }
    }

    /// The raw value at `path`, if every step exists.
    pub(crate) fn value(&self, path: &str) -> Option<&'a Value> {
        let mut parts = path.split('.');
        let mut current = self.root.get(parts.next()?)?;
        for part in parts {
            current = current.as_object()?.get(part)?;
        }
        Some(current)
    }

    /// The field as text: strings as they are, numbers in decimal, objects by their display
    /// value (`display_value`, `name`, `summary`, `displayName`, `login`, then `value`). Absent,
    /// null and blank mean "not given"; booleans and arrays are the sender's mistake.
    pub(crate) fn text(&self, path: &str) -> Result<Option<String>, TicketError> {
        let text = match self.value(path) {
            None | Some(Value::Null) => None,
            Some(Value::String(s)) => Some(s.clone()),
            Some(Value::Number(n)) => Some(n.to_string()),
            Some(Value::Object(obj)) => Some(display_of(obj).ok_or_else(|| {
                TicketError::invalid(path, "an object must carry a display name or value")
            })?),
            Some(Value::Bool(_)) => {
                return Err(TicketError::invalid(
                    path,
                    "expected a string, got a boolean",
                ));
            }
            Some(Value::Array(_)) => {
                return Err(TicketError::invalid(
                    path,
                    "expected a string, got an array",
                ));
            }
        };
        Ok(text.filter(|s| !s.trim().is_empty()))
    }

    /// The field as text in lower case, empty when absent (event names: `ACTIVATED`, `OPEN`).
    pub(crate) fn lower(&self, path: &str) -> String {
        self.text(path)
            .ok()
            .flatten()
            .unwrap_or_default()
            .to_ascii_lowercase()
    }

    /// What makes deliveries of `source` about the thing at `id_path` one delivery: that thing in
    /// the state `event` (a resend in the same state is the same delivery); `None` without it.
    pub(crate) fn keyed_by_state(
        &self,
        source: &str,
        id_path: &str,
        event: &str,
    ) -> Option<String> {
        let id = self.text(id_path).ok().flatten()?;
        Some(format!("{source}\n{id}\n{event}"))
    }

    /// The field cleaned and capped; records the field in `truncated` when cut.
    pub(crate) fn capped(
        &self,
        path: &'static str,
        max: usize,
        truncated: &mut Vec<&'static str>,
    ) -> Result<Option<String>, TicketError> {
        Ok(self
            .text(path)?
            .and_then(|raw| cap(path, &raw, max, truncated)))
    }

    /// A list of strings (labels, tags): an array of strings or of objects with a `name` (GitLab's
    /// labels: a `title`), or a comma- or
    /// space-separated string (Zendesk placeholders render tags that way). Each entry is cleaned
    /// and capped; at most `max_items` are kept.
    pub(crate) fn list(
        &self,
        path: &str,
        max_items: usize,
        max_chars: usize,
    ) -> Result<Vec<String>, TicketError> {
        let items: Vec<String> = match self.value(path) {
            None | Some(Value::Null) => vec![],
            // Zendesk renders tags space-separated, Datadog's `$TAGS` and Dynatrace's `{Tags}`
            // comma-separated.
            Some(Value::String(s)) => s
                .split(|c: char| c.is_whitespace() || c == ',')
                .filter(|t| !t.is_empty())
                .map(str::to_owned)
                .collect(),
            Some(Value::Array(a)) => a
                .iter()
                .filter_map(|v| match v {
                    Value::String(s) => Some(s.clone()),
                    Value::Object(o) => o
                        .get("name")
                        .or_else(|| o.get("title"))
                        .and_then(Value::as_str)
                        .map(str::to_owned),
                    _ => None,
                })
                .collect(),
            Some(_) => return Err(TicketError::invalid(path, "expected a list of strings")),
        };
        Ok(items
            .iter()
            .map(|i| Capped::new(i, max_chars).text)
            .filter(|i| !i.is_empty())
            .take(max_items)
            .collect())
    }
}

/// Cleans and caps `raw`, recording `field` when it was cut; `None` when nothing is left.
pub(crate) fn cap(
    field: &'static str,
    raw: &str,
    max: usize,
    truncated: &mut Vec<&'static str>,
) -> Option<String> {
    let c = Capped::new(raw, max);
    if c.truncated {
        truncated.push(field);
    }
    (!c.text.is_empty()).then_some(c.text)
}

fn display_of(obj: &Map<String, Value>) -> Option<String> {
    [
        "display_value",
        "name",
        "summary",
        "displayName",
        "login",
        "value",
    ]
    .iter()
    .find_map(|k| match obj.get(*k) {
        Some(Value::String(s)) if !s.trim().is_empty() => Some(s.clone()),
        _ => None,
    })
}

/// A ticket key: 1-64 of `A-Z a-z 0-9 . _ -` (it becomes part of session ids and log lines).
pub(crate) fn validate_key(field: &str, key: &str) -> Result<(), TicketError> {
    let ok = !key.is_empty()
        && key.len() <= 64
        && key
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-'));
    if ok {
        Ok(())
    } else {
        Err(TicketError::invalid(
            field,
            "must be 1-64 letters, digits, '.', '_' or '-'",
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn paths_types_and_display_values() {
        let v = json!({"a": {"b": {"name": "High"}, "n": 3, "flag": true, "tags": ["x", {"name": "y"}, 5]}, "s": "one two"});
        let f = Fields::new(v.as_object().unwrap());
        assert_eq!(f.text("a.b").unwrap().as_deref(), Some("High"));
        assert_eq!(f.text("a.n").unwrap().as_deref(), Some("3"));
        assert_eq!(f.text("a.missing.deeper").unwrap(), None);
        assert_eq!(f.text("a.flag").unwrap_err().field(), Some("a.flag"));
        assert_eq!(f.list("a.tags", 10, 10).unwrap(), vec!["x", "y"]);
        assert_eq!(f.list("s", 1, 10).unwrap(), vec!["one"]);
    }

    #[test]
    fn keys() {
        assert!(validate_key("id", "PROJ-123").is_ok());
        assert!(validate_key("id", "42").is_ok());
        assert!(validate_key("id", "a/b").is_err());
        assert!(validate_key("id", "").is_err());
    }
}
