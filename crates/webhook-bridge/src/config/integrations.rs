//! The integrations that may call the bridge with an API key, and what each may call.
//!
//! - `INTEGRATION_KEYS`: JSON `{"<integration>": "<API key id>"}`; the template writes it, one
//!   entry per name in its `Integrations` parameter, each key in a usage plan of its own. Unset,
//!   the deployment names no integrations and any caller API Gateway admits may call any route
//!   (local runs).
//! - What an integration may call follows from its name: `<source>` or `<source>-<anything>`
//!   (`servicenow-prod`, `github-acme`) posts that source's webhook; any other name (`ops-cli`)
//!   calls the invoke API. Each may read the status of its own jobs only.
//! - `INTEGRATIONS_CHOOSING_MODE`: the integrations whose requests may choose sync or async
//!   (`?mode=`, `Prefer`); for the others the source's mode holds.
//! - `INTEGRATIONS_ASSERTING_USERS`: the integrations trusted to name the end user
//!   (`runtimeUserId`) in a header or the invoke body.

use std::collections::HashMap;
use std::sync::LazyLock;

use regex_lite::Regex;
use ticket_prompt::Source;

use super::vars::{ConfigError, Vars};

/// Integration names: lower-case, safe in logs, metrics and resource names.
static NAME: LazyLock<Regex> = LazyLock::new(|| Regex::new(r"^[a-z][a-z0-9-]{0,47}$").unwrap());
/// API Gateway key ids (10 letters and digits today; a little room kept).
static KEY_ID: LazyLock<Regex> = LazyLock::new(|| Regex::new(r"^[A-Za-z0-9]{1,64}$").unwrap());

/// What an integration may call.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Grant {
    /// `POST /webhook/{source}` for this source.
    Webhook(Source),
    /// `POST /v1/agents/{agent}/invoke`, any agent.
    Invoke,
}

/// One integration.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Integration {
    /// Its name (logged, recorded on its jobs).
    pub name: String,
    /// What it may call.
    pub grant: Grant,
    /// Whether its requests may choose sync or async.
    pub chooses_mode: bool,
    /// Whether it may name the end user.
    pub asserts_users: bool,
}

/// The integrations, by API key id.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Integrations {
    by_key_id: HashMap<String, Integration>,
}

impl Integrations {
    /// The integration whose API key has this id.
    pub fn by_key_id(&self, key_id: &str) -> Option<&Integration> {
        self.by_key_id.get(key_id)
    }
}

/// What a name grants: the source it starts with, else the invoke API.
fn grant_of(name: &str) -> Grant {
    Source::ALL
        .into_iter()
        .find(|s| {
            name.strip_prefix(s.as_str())
                .is_some_and(|rest| rest.is_empty() || rest.starts_with('-'))
        })
        .map_or(Grant::Invoke, Grant::Webhook)
}

/// `INTEGRATION_KEYS` and the lists that refine it; `None` when no integrations are named.
pub(super) fn load(vars: &Vars) -> Result<Option<Integrations>, ConfigError> {
    const KEYS: &str = "INTEGRATION_KEYS";
    let Some(json) = vars.get(KEYS) else {
        for list in ["INTEGRATIONS_CHOOSING_MODE", "INTEGRATIONS_ASSERTING_USERS"] {
            if vars.get(list).is_some() {
                return Err(ConfigError::new(
                    KEYS,
                    format!("is required with {list} (it names the integrations)"),
                ));
            }
        }
        return Ok(None);
    };
    let keys: HashMap<String, String> = serde_json::from_str(&json).map_err(|_| {
        ConfigError::new(
            KEYS,
            "must be a JSON object mapping integration names to API key ids",
        )
    })?;
    let choosing = vars.list("INTEGRATIONS_CHOOSING_MODE").unwrap_or_default();
    let asserting = vars
        .list("INTEGRATIONS_ASSERTING_USERS")
        .unwrap_or_default();
    for (variable, names) in [
        ("INTEGRATIONS_CHOOSING_MODE", &choosing),
        ("INTEGRATIONS_ASSERTING_USERS", &asserting),
    ] {
        if let Some(unknown) = names.iter().find(|n| !keys.contains_key(*n)) {
            return Err(ConfigError::new(
                variable,
                format!("names {unknown:?}, which is not in INTEGRATION_KEYS"),
            ));
        }
    }
    let mut by_key_id = HashMap::new();
    for (name, key_id) in keys {
        if !NAME.is_match(&name) {
            return Err(ConfigError::new(
                KEYS,
                format!(
                    "integration name {name:?} must be a lower-case letter, then up to 47 lower-case letters, digits or '-'"
                ),
            ));
        }
        if !KEY_ID.is_match(&key_id) {
            return Err(ConfigError::new(
                KEYS,
                format!("integration {name:?} needs an API key id (letters and digits)"),
            ));
        }
        let integration = Integration {
            grant: grant_of(&name),
            chooses_mode: choosing.contains(&name),
            asserts_users: asserting.contains(&name),
            name,
        };
        if let Some(other) = by_key_id.insert(key_id, integration) {
            return Err(ConfigError::new(
                KEYS,
                format!("two integrations share the API key of {:?}", other.name),
            ));
        }
    }
    Ok(Some(Integrations { by_key_id }))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn load_with(pairs: &[(&str, &str)]) -> Result<Option<Integrations>, ConfigError> {
        let map: HashMap<String, String> = pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        let lookup = |k: &str| map.get(k).cloned();
        load(&Vars::new(&lookup))
    }

    #[test]
    fn names_say_what_an_integration_may_call() {
        let keys = r#"{"servicenow-prod": "k1", "servicenow": "k2", "github-acme": "k3",
            "ops-cli": "k4", "servicenowish": "k5", "generic-monitoring": "k6"}"#;
        let all = load_with(&[
            ("INTEGRATION_KEYS", keys),
            ("INTEGRATIONS_CHOOSING_MODE", "servicenow-prod"),
            ("INTEGRATIONS_ASSERTING_USERS", "ops-cli"),
        ])
        .unwrap()
        .unwrap();
        let grant = |id: &str| all.by_key_id(id).unwrap().grant.clone();
        assert_eq!(grant("k1"), Grant::Webhook(Source::ServiceNow));
        assert_eq!(grant("k2"), Grant::Webhook(Source::ServiceNow));
        assert_eq!(grant("k3"), Grant::Webhook(Source::GitHub));
        assert_eq!(grant("k4"), Grant::Invoke);
        assert_eq!(grant("k5"), Grant::Invoke, "a prefix is not a source");
        assert_eq!(grant("k6"), Grant::Webhook(Source::Generic));
        assert!(all.by_key_id("k1").unwrap().chooses_mode);
        assert!(!all.by_key_id("k2").unwrap().chooses_mode);
        assert!(all.by_key_id("k4").unwrap().asserts_users);
        assert!(!all.by_key_id("k1").unwrap().asserts_users);
        assert_eq!(all.by_key_id("nope"), None);
    }

    #[test]
    fn without_keys_nothing_is_named() {
        assert_eq!(load_with(&[]).unwrap(), None);
        let err = load_with(&[("INTEGRATIONS_CHOOSING_MODE", "a")]).unwrap_err();
        assert_eq!(err.variable, "INTEGRATION_KEYS");
    }

    #[test]
    fn bad_settings_name_the_variable() {
        for (pairs, variable) in [
            (vec![("INTEGRATION_KEYS", "[]")], "INTEGRATION_KEYS"),
            (
                vec![("INTEGRATION_KEYS", r#"{"Ops": "k1"}"#)],
                "INTEGRATION_KEYS",
            ),
            (
                vec![("INTEGRATION_KEYS", r#"{"ops": "k-1"}"#)],
                "INTEGRATION_KEYS",
            ),
            (
                vec![("INTEGRATION_KEYS", r#"{"a": "k1", "b": "k1"}"#)],
                "INTEGRATION_KEYS",
            ),
            (
                vec![
                    ("INTEGRATION_KEYS", r#"{"a": "k1"}"#),
                    ("INTEGRATIONS_ASSERTING_USERS", "b"),
                ],
                "INTEGRATIONS_ASSERTING_USERS",
            ),
        ] {
            assert_eq!(
                load_with(&pairs).unwrap_err().variable,
                variable,
                "{pairs:?}"
            );
        }
    }
}
