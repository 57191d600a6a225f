//! Per-source settings: which events are analysed, and the signing secrets.
//!
//! For a source `S` (`SERVICENOW`, `JIRA`, `ZENDESK`, `PAGERDUTY`, `GITHUB`, `GENERIC`):
//! - `S_EVENTS`: comma-separated event names to analyse (default: the creation events);
//! - `S_WEBHOOK_SECRET`: the signing secret, or a JSON array of secrets during a rotation (for
//!   local use: in AWS the template sets the reference below, never a value);
//! - `S_WEBHOOK_SECRET_REF`: a Secrets Manager secret ARN or SSM parameter holding the same.
//!
//! With either set, every delivery for `S` must carry a valid signature.

use std::collections::HashMap;

use ticket_prompt::signature::SigningKey;
use ticket_prompt::{Source, default_events};

use crate::config::ConfigError;
use crate::secrets::SecretRef;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SourceSettings {
    pub events: Vec<String>,
    pub signing: Signing,
}

/// Whether and with what a source's deliveries are signed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Signing {
    Off,
    Keys(Vec<SigningKey>),
    /// Fetched at cold start; `variable` names the setting for error messages.
    Ref {
        variable: &'static str,
        secret: SecretRef,
    },
}

impl SourceSettings {
    pub fn acts_on(&self, event: &str) -> bool {
        self.events.iter().any(|e| e == event)
    }
}

/// Environment variable names are static strings so errors can name them.
fn var_names(source: Source) -> [&'static str; 3] {
    match source {
        Source::ServiceNow => [
            "SERVICENOW_EVENTS",
            "SERVICENOW_WEBHOOK_SECRET",
            "SERVICENOW_WEBHOOK_SECRET_REF",
        ],
        Source::Jira => [
            "JIRA_EVENTS",
            "JIRA_WEBHOOK_SECRET",
            "JIRA_WEBHOOK_SECRET_REF",
        ],
        Source::Zendesk => [
            "ZENDESK_EVENTS",
            "ZENDESK_WEBHOOK_SECRET",
            "ZENDESK_WEBHOOK_SECRET_REF",
        ],
        Source::PagerDuty => [
            "PAGERDUTY_EVENTS",
            "PAGERDUTY_WEBHOOK_SECRET",
            "PAGERDUTY_WEBHOOK_SECRET_REF",
        ],
        Source::GitHub => [
            "GITHUB_EVENTS",
            "GITHUB_WEBHOOK_SECRET",
            "GITHUB_WEBHOOK_SECRET_REF",
        ],
        Source::Generic => [
            "GENERIC_EVENTS",
            "GENERIC_WEBHOOK_SECRET",
            "GENERIC_WEBHOOK_SECRET_REF",
        ],
    }
}

pub(crate) fn load(
    get: &impl Fn(&str) -> Option<String>,
) -> Result<HashMap<Source, SourceSettings>, ConfigError> {
    let mut all = HashMap::new();
    for source in Source::ALL {
        let [events_var, secret_var, ref_var] = var_names(source);
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
        let signing = match (get(secret_var), get(ref_var)) {
            (None, None) => Signing::Off,
            (Some(_), Some(_)) => {
                return Err(ConfigError {
                    variable: ref_var,
                    problem: format!("set either {secret_var} or {ref_var}, not both"),
                });
            }
            (Some(raw), None) => {
                Signing::Keys(signing_keys(source, &raw).map_err(|problem| ConfigError {
                    variable: secret_var,
                    problem: problem.into(),
                })?)
            }
            (None, Some(raw)) => Signing::Ref {
                variable: ref_var,
                secret: SecretRef::parse(&raw).map_err(|problem| ConfigError {
                    variable: ref_var,
                    problem: problem.into(),
                })?,
            },
        };
        all.insert(source, SourceSettings { events, signing });
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
        assert!(Source::ALL.iter().all(|src| s[src].signing == Signing::Off));
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
        assert!(matches!(&s[&Source::GitHub].signing, Signing::Keys(k) if k.len() == 2));
        assert!(matches!(&s[&Source::ServiceNow].signing, Signing::Keys(k) if k.len() == 1));
    }

    #[test]
    fn bad_secrets_name_the_variable() {
        for (k, v) in [
            ("SERVICENOW_WEBHOOK_SECRET", "not base64!"),
            ("JIRA_WEBHOOK_SECRET", "[]"),
            ("ZENDESK_WEBHOOK_SECRET", "[1,"),
            ("GITHUB_WEBHOOK_SECRET_REF", "plain-value"),
        ] {
            assert_eq!(load_with(&[(k, v)]).unwrap_err().variable, k);
        }
        let both = load_with(&[
            ("JIRA_WEBHOOK_SECRET", "x"),
            ("JIRA_WEBHOOK_SECRET_REF", "/bridge/jira"),
        ]);
        assert_eq!(both.unwrap_err().variable, "JIRA_WEBHOOK_SECRET_REF");
        let by_ref = load_with(&[("JIRA_WEBHOOK_SECRET_REF", "/bridge/jira")]).unwrap();
        assert!(matches!(
            &by_ref[&Source::Jira].signing,
            Signing::Ref {
                variable: "JIRA_WEBHOOK_SECRET_REF",
                ..
            }
        ));
    }
}
