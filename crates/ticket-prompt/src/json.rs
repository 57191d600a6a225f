//! A request body read as one JSON object, with errors that never quote the body (it is the
//! sender's text, possibly a ticket or a secret).

use serde_json::{Map, Value};

use crate::error::TicketError;

/// Parses a body into a JSON object, without echoing any of it in the error.
pub(crate) fn parse_object(body: &[u8]) -> Result<Map<String, Value>, TicketError> {
    let value: Value = serde_json::from_slice(body)
        .map_err(|e| TicketError::InvalidJson(json_error_summary(&e)))?;
    match value {
        Value::Object(map) => Ok(map),
        _ => Err(TicketError::NotAnObject),
    }
}

/// What went wrong and where, without the offending text.
fn json_error_summary(e: &serde_json::Error) -> String {
    let what = match e.classify() {
        serde_json::error::Category::Io => "could not be read",
        serde_json::error::Category::Syntax => "syntax error",
        serde_json::error::Category::Data => "unexpected data",
        serde_json::error::Category::Eof => "unexpected end of input",
    };
    format!("{what} at line {} column {}", e.line(), e.column())
}

/// Refuses the first key of `obj` not in `allowed`, naming it (under `prefix`, e.g. `files[0]`)
/// rather than dropping it: a misspelt field must not silently change what the caller gets.
pub(crate) fn refuse_unknown_fields(
    obj: &Map<String, Value>,
    allowed: &[&str],
    prefix: &str,
) -> Result<(), TicketError> {
    match obj.keys().find(|k| !allowed.contains(&k.as_str())) {
        None => Ok(()),
        Some(unknown) => {
            let name = shown(unknown);
            let field = if prefix.is_empty() {
                name
            } else {
                format!("{prefix}.{name}")
            };
            Err(TicketError::invalid(
                &field,
                format!("unknown field; expected one of {}", allowed.join(", ")),
            ))
        }
    }
}

/// A field name fit to echo back: printable ASCII, at most 40 characters (keys are the sender's
/// text too).
fn shown(name: &str) -> String {
    name.chars()
        .filter(|c| c.is_ascii_graphic())
        .take(40)
        .collect()
}
