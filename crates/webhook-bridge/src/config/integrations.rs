//! The integrations that may call the bridge with an API key, and what each may call.
//!
//! - Which API key is whose comes from one of two places:
//!   - `INTEGRATIONS_PARAMETER_PATH`: an SSM path (`/<stack>/integrations`) holding one String
//!     parameter per integration, named after it, whose value is its API key id. The template
//!     writes them, one per name in its `Integrations` parameter, beside each key and usage
//!     plan; the function reads them when it first needs them and again when an unknown key
//!     arrives (a key added since), so adding an integration needs no template edit.
//!   - `INTEGRATION_KEYS`: JSON `{"<integration>": "<API key id>"}`, for local runs and stacks
//!     that keep the map in the configuration.
//!
//!   With neither, the deployment names no integrations and any caller API Gateway admits may
//!   call any route (local runs).
//! - What an integration may call follows from its name: a name that starts with a source's
//!   name as a word (`ServiceNowProd`, `servicenow-prod`, `GitHubAcme`, `generic2`) posts that
//!   source's webhook; any other name (`OpsCli`, `servicenowish`) calls the invoke API. Each may
//!   read the status of its own jobs only.
//! - `INTEGRATIONS_CHOOSING_MODE`: the integrations whose requests may choose sync or async
//!   (`?mode=`, `Prefer`); for the others the source's mode holds.
//! - `INTEGRATIONS_ASSERTING_USERS`: the integrations trusted to name the end user
//!   (`runtimeUserId`) in a header or the invoke body.

use std::collections::{HashMap, HashSet};
use std::sync::LazyLock;

use regex_lite::Regex;
use ticket_prompt::Source;

use super::vars::{ConfigError, Vars};

/// Integration names: safe in logs, metrics, SSM parameter names and CloudFormation logical ids
/// (the template's names are letters and digits; `-` is accepted for hand-written maps).
static NAME: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"^[A-Za-z][A-Za-z0-9-]{0,47}$").unwrap());
/// API Gateway key ids (10 letters and digits today; a little room kept).
static KEY_ID: LazyLock<Regex> = LazyLock::new(|| Regex::new(r"^[A-Za-z0-9]{1,64}$").unwrap());
/// SSM paths: `/` then path segments (no trailing `/`, which the loader strips).
static PATH: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"^(/[A-Za-z0-9_.-]{1,128}){1,14}$").unwrap());

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

/// What the deployment lets particular integrations do beyond their route.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct IntegrationRules {
    choosing_mode: HashSet<String>,
    asserting_users: HashSet<String>,
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

    /// From `(name, API key id)` pairs. The error says which entry is wrong, quoting names and
    /// never anything else.
    pub fn from_pairs(
        pairs: impl IntoIterator<Item = (String, String)>,
        rules: &IntegrationRules,
    ) -> Result<Integrations, String> {
        let mut by_key_id = HashMap::new();
        for (name, key_id) in pairs {
            if !NAME.is_match(&name) {
                return Err(format!(
                    "integration name {name:?} must be a letter, then up to 47 letters, digits or '-'"
                ));
            }
            if !KEY_ID.is_match(&key_id) {
                return Err(format!(
                    "integration {name:?} needs an API key id (letters and digits)"
                ));
            }
            let integration = Integration {
                grant: grant_of(&name),
                chooses_mode: rules.choosing_mode.contains(&name),
                asserts_users: rules.asserting_users.contains(&name),
                name,
            };
            if let Some(other) = by_key_id.insert(key_id, integration) {
                return Err(format!(
                    "two integrations share the API key of {:?}",
                    other.name
                ));
            }
        }
        Ok(Integrations { by_key_id })
    }

    fn names(&self) -> HashSet<&str> {
        self.by_key_id.values().map(|i| i.name.as_str()).collect()
    }
}

/// Where the deployment says which API key is whose.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum IntegrationsSource {
    /// `INTEGRATION_KEYS`: the map itself.
    Keys(Integrations),
    /// `INTEGRATIONS_PARAMETER_PATH`: one SSM parameter per integration under `path`.
    Parameters {
        /// The SSM path, without a trailing `/`.
        path: String,
        /// What the named integrations may do beyond their route.
        rules: IntegrationRules,
    },
}

/// What a name grants: the source it starts with as a word, else the invoke API. A word ends
/// where the name does, or at `-`, a capital or a digit: `GitHubAcme` and `github-acme` are
/// GitHub's, `githubber` is not.
fn grant_of(name: &str) -> Grant {
    Source::ALL
        .into_iter()
        .find(|s| {
            let source = s.as_str();
            name.get(..source.len())
                .is_some_and(|head| head.eq_ignore_ascii_case(source))
                && name[source.len()..]
                    .chars()
                    .next()
                    .is_none_or(|c| c == '-' || c.is_ascii_uppercase() || c.is_ascii_digit())
        })
        .map_or(Grant::Invoke, Grant::Webhook)
}

const KEYS: &str = "INTEGRATION_KEYS";
const PARAMETER_PATH: &str = "INTEGRATIONS_PARAMETER_PATH";
const CHOOSING: &str = "INTEGRATIONS_CHOOSING_MODE";
const ASSERTING: &str = "INTEGRATIONS_ASSERTING_USERS";

/// `INTEGRATION_KEYS` or `INTEGRATIONS_PARAMETER_PATH`, and the lists that refine them; `None`
/// when no integrations are named.
pub(super) fn load(vars: &Vars) -> Result<Option<IntegrationsSource>, ConfigError> {
    let rules = IntegrationRules {
        choosing_mode: vars
            .list(CHOOSING)
            .unwrap_or_default()
            .into_iter()
            .collect(),
        asserting_users: vars
            .list(ASSERTING)
            .unwrap_or_default()
            .into_iter()
            .collect(),
    };
    match (vars.get(KEYS), vars.get(PARAMETER_PATH)) {
        (Some(_), Some(_)) => Err(ConfigError::new(
            KEYS,
            format!("set either {KEYS} or {PARAMETER_PATH}, not both"),
        )),
        (Some(json), None) => {
            let pairs: HashMap<String, String> = serde_json::from_str(&json).map_err(|_| {
                ConfigError::new(
                    KEYS,
                    "must be a JSON object mapping integration names to API key ids",
                )
            })?;
            let integrations = Integrations::from_pairs(pairs, &rules)
                .map_err(|problem| ConfigError::new(KEYS, problem))?;
            // The names are all known here, so a typo in a list is caught at cold start.
            let names = integrations.names();
            for (variable, listed) in [
                (CHOOSING, &rules.choosing_mode),
                (ASSERTING, &rules.asserting_users),
            ] {
                if let Some(unknown) = listed.iter().find(|n| !names.contains(n.as_str())) {
                    return Err(ConfigError::new(
                        variable,
                        format!("names {unknown:?}, which is not in {KEYS}"),
                    ));
                }
            }
            Ok(Some(IntegrationsSource::Keys(integrations)))
        }
        (None, Some(path)) => {
            let path = path.trim_end_matches('/').to_owned();
            if !PATH.is_match(&path) {
                return Err(ConfigError::new(
                    PARAMETER_PATH,
                    "must be an SSM path such as /my-stack/integrations",
                ));
            }
            Ok(Some(IntegrationsSource::Parameters { path, rules }))
        }
        (None, None) => {
            for list in [CHOOSING, ASSERTING] {
                if vars.get(list).is_some() {
                    return Err(ConfigError::new(
                        KEYS,
                        format!(
                            "{KEYS} or {PARAMETER_PATH} is required with {list} (it names the integrations)"
                        ),
                    ));
                }
            }
            Ok(None)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::vars::read_pairs;
    use super::*;

    fn load_with(pairs: &[(&str, &str)]) -> Result<Option<IntegrationsSource>, ConfigError> {
        read_pairs(pairs, load)
    }

    fn keys(pairs: &[(&str, &str)]) -> Integrations {
        match load_with(pairs).unwrap() {
            Some(IntegrationsSource::Keys(all)) => all,
            other => panic!("expected a key map, got {other:?}"),
        }
    }

    #[test]
    fn names_say_what_an_integration_may_call() {
        let map = r#"{"servicenow-prod": "k1", "servicenow": "k2", "github-acme": "k3",
            "ops-cli": "k4", "servicenowish": "k5", "generic-monitoring": "k6",
            "ServiceNowProd": "k7", "GitHubAcme": "k8", "Githubber": "k9", "PagerDuty2": "k10",
            "OpsCli": "k11"}"#;
        let all = keys(&[
            ("INTEGRATION_KEYS", map),
            ("INTEGRATIONS_CHOOSING_MODE", "servicenow-prod"),
            ("INTEGRATIONS_ASSERTING_USERS", "ops-cli"),
        ]);
        let grant = |id: &str| all.by_key_id(id).unwrap().grant.clone();
        assert_eq!(grant("k1"), Grant::Webhook(Source::ServiceNow));
        assert_eq!(grant("k2"), Grant::Webhook(Source::ServiceNow));
        assert_eq!(grant("k3"), Grant::Webhook(Source::GitHub));
        assert_eq!(grant("k4"), Grant::Invoke);
        assert_eq!(grant("k5"), Grant::Invoke, "a prefix is not a source");
        assert_eq!(grant("k6"), Grant::Webhook(Source::Generic));
        assert_eq!(grant("k7"), Grant::Webhook(Source::ServiceNow));
        assert_eq!(grant("k8"), Grant::Webhook(Source::GitHub));
        assert_eq!(grant("k9"), Grant::Invoke, "a prefix is not a source");
        assert_eq!(grant("k10"), Grant::Webhook(Source::PagerDuty));
        assert_eq!(grant("k11"), Grant::Invoke);
        assert!(all.by_key_id("k1").unwrap().chooses_mode);
        assert!(!all.by_key_id("k2").unwrap().chooses_mode);
        assert!(all.by_key_id("k4").unwrap().asserts_users);
        assert!(!all.by_key_id("k1").unwrap().asserts_users);
        assert_eq!(all.by_key_id("nope"), None);
    }

    #[test]
    fn without_keys_or_a_path_nothing_is_named() {
        assert_eq!(load_with(&[]).unwrap(), None);
        let err = load_with(&[("INTEGRATIONS_CHOOSING_MODE", "a")]).unwrap_err();
        assert_eq!(err.variable, "INTEGRATION_KEYS");
    }

    #[test]
    fn a_parameter_path_keeps_its_rules_for_names_read_later() {
        let Some(IntegrationsSource::Parameters { path, rules }) = load_with(&[
            ("INTEGRATIONS_PARAMETER_PATH", "/bridge-prod/integrations/"),
            ("INTEGRATIONS_ASSERTING_USERS", "OpsCli"),
        ])
        .unwrap() else {
            panic!("expected a parameter path")
        };
        assert_eq!(path, "/bridge-prod/integrations");
        let all = Integrations::from_pairs(
            [
                ("OpsCli".to_owned(), "k1".to_owned()),
                ("ServiceNowProd".to_owned(), "k2".to_owned()),
            ],
            &rules,
        )
        .unwrap();
        assert!(all.by_key_id("k1").unwrap().asserts_users);
        assert!(!all.by_key_id("k2").unwrap().asserts_users);
    }

    #[test]
    fn bad_settings_name_the_variable() {
        for (pairs, variable) in [
            (vec![("INTEGRATION_KEYS", "[]")], "INTEGRATION_KEYS"),
            (
                vec![("INTEGRATION_KEYS", r#"{"1ops": "k1"}"#)],
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
            (
                vec![
                    ("INTEGRATION_KEYS", r#"{"a": "k1"}"#),
                    ("INTEGRATIONS_PARAMETER_PATH", "/x/integrations"),
                ],
                "INTEGRATION_KEYS",
            ),
            (
                vec![("INTEGRATIONS_PARAMETER_PATH", "integrations")],
                "INTEGRATIONS_PARAMETER_PATH",
            ),
            (
                vec![("INTEGRATIONS_PARAMETER_PATH", "/a b")],
                "INTEGRATIONS_PARAMETER_PATH",
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
