//! Per-source settings: which events are analysed, and the signing secrets.
//!
//! For a source `S` (`SERVICENOW`, `JIRA`, `ZENDESK`, `PAGERDUTY`, `GITHUB`, `GENERIC`):
//! - `S_EVENTS`: comma-separated event names to analyse (default: the creation events);
//! - `S_WEBHOOK_SECRET`: the signing secret, or a JSON array of secrets during a rotation. When
//!   set, every delivery for `S` must carry a valid signature.

use std::collections::HashMap;

use ticket_prompt::signature::SigningKey;
use ticket_prompt::{Source, default_events};

use crate::config::ConfigError;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SourceSettings {
    pub events: Vec<String>,
    /// Empty: signatures are not checked for this source.
    pub keys: Vec<SigningKey>,
}

impl SourceSettings {
    pub fn acts_on(&self, event: &str) -> bool {
        self.events.iter().any(|e| e == event)
    }
}

/// Environment variable names are static strings so errors can name them.
fn var_names(source: Source) -> (&'static str, &'static str) {
    match source {
        Source::ServiceNow => ("SERVICENOW_EVENTS", "SERVICENOW_WEBHOOK_SECRET"),
        Source::Jira => ("JIRA_EVENTS", "JIRA_WEBHOOK_SECRET"),
        Source::Zendesk => ("ZENDESK_EVENTS", "ZENDESK_WEBHOOK_SECRET"),
        Source::PagerDuty => ("PAGERDUTY_EVENTS", "PAGERDUTY_WEBHOOK_SECRET"),
        Source::GitHub => ("GITHUB_EVENTS", "GITHUB_WEBHOOK_SECRET"),
        Source::Generic => ("GENERIC_EVENTS", "GENERIC_WEBHOOK_SECRET"),
    }
}

pub(crate) fn load(
    get: &impl Fn(&str) -> Option<String>,
) -> Result<HashMap<Source, SourceSettings>, ConfigError> {
    let mut all = HashMap::new();
    for source in Source::ALL {
        let (events_var, secret_var) = var_names(source);
        let events = match get(events_var) {
            None => default_events(source)
                .iter()
                .map(|e| (*e).to_owned())
                .collect(),
            Some(list) => list
                .split(',')
                .map(str::trim)
                .filter(|e| !e.is_empty())
                .map(str::to_owned)
                .collect(),
        };
        let keys = match get(secret_var) {
            None => Vec::new(),
            Some(raw) => signing_keys(source, &raw).map_err(|problem| ConfigError {
                variable: secret_var,
                problem: problem.into(),
            })?,
        };
        all.insert(source, SourceSettings { events, keys });
    }
    Ok(all)
}

/// One secret, or a JSON array of secrets (old and new during a rotation).
pub(crate) fn signing_keys(source: Source, raw: &str) -> Result<Vec<SigningKey>, &'static str> {
    let secrets: Vec<String> = if raw.trim_start().starts_with('[') {
        serde_json::from_str(raw).map_err(|_| "must be a secret or a JSON array of secrets")?
    } else {
        vec![raw.to_owned()]
    };
    if secrets.is_empty() {
        return Err("the JSON array of secrets is empty");
    }
    secrets
        .iter()
        .map(|s| SigningKey::from_secret(source, s))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn load_with(pairs: &[(&str, &str)]) -> Result<HashMap<Source, SourceSettings>, ConfigError> {
        let map: HashMap<String, String> = pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        load(&|k: &str| map.get(k).cloned())
    }

    #[test]
    fn defaults_act_on_creation_events_without_signatures() {
        let s = load_with(&[]).unwrap();
        assert!(s[&Source::GitHub].acts_on("issues.opened"));
        assert!(!s[&Source::GitHub].acts_on("issues.labeled"));
        assert!(s[&Source::PagerDuty].acts_on("incident.triggered"));
        assert!(!s[&Source::PagerDuty].acts_on("incident.acknowledged"));
        assert!(Source::ALL.iter().all(|src| s[src].keys.is_empty()));
    }

    #[test]
    fn events_and_rotating_secrets() {
        let s = load_with(&[
            ("GITHUB_EVENTS", "issues.opened, issues.reopened"),
            ("GITHUB_WEBHOOK_SECRET", r#"["old", "new"]"#),
            ("SERVICENOW_WEBHOOK_SECRET", "c2FtcGxlX2tleQ=="),
        ])
        .unwrap();
        assert!(s[&Source::GitHub].acts_on("issues.reopened"));
        assert_eq!(s[&Source::GitHub].keys.len(), 2);
        assert_eq!(s[&Source::ServiceNow].keys.len(), 1);
    }

    #[test]
    fn bad_secrets_name_the_variable() {
        for (k, v) in [
            ("SERVICENOW_WEBHOOK_SECRET", "not base64!"),
            ("JIRA_WEBHOOK_SECRET", "[]"),
            ("ZENDESK_WEBHOOK_SECRET", "[1,"),
        ] {
            assert_eq!(load_with(&[(k, v)]).unwrap_err().variable, k);
        }
    }
}
