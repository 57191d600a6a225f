//! Per-source settings. For a source `S` (`SERVICENOW`, `JIRA`, `ZENDESK`, `PAGERDUTY`, `GITHUB`,
//! `ALERTMANAGER`, `GRAFANA`, `SENTRY`, `GITLAB`, `LINEAR`, `DATADOG`, `NEWRELIC`, `DYNATRACE`,
//! `SPLUNK`, `CLOUDWATCH`, `GENERIC`):
//! - `S_EVENTS`: comma-separated event names to analyse (default: the creation events);
//! - `S_WEBHOOK_SECRET`: the signing secret, or a JSON array of secrets during a rotation (for
//!   local use: in AWS the template sets the reference below, never a value);
//! - `S_WEBHOOK_SECRET_REF`: a Secrets Manager secret ARN or SSM parameter holding the same;
//! - `S_MODE`: `sync` (default) or `async`;
//! - `S_INTEGRATION_USERS`: the bridge's own users in that system;
//! - `S_WRITE_BACK` / `S_WRITE_BACK_REF`: write-back credentials.
//!
//! With a secret set, every delivery for `S` must carry a valid signature.

use std::collections::HashMap;

use ticket_prompt::signature::{self, SigningKey};
use ticket_prompt::{Source, default_events};

use super::secret_ref::SecretRef;
use super::signing_secret::signing_keys;
use super::vars::{ConfigError, Vars};
use super::write_back::{Credentials, WRITE_BACK_RULE, WriteBackSetting, writes_back};

/// One source's settings.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SourceSettings {
    /// `S_EVENTS`: the events that are analysed; others are acknowledged and ignored.
    pub events: Vec<String>,
    /// `S_WEBHOOK_SECRET[_REF]`: whether and how deliveries are signed.
    pub signing: Signing,
    /// `S_MODE`: how deliveries are answered unless the request says otherwise.
    pub mode: DeliveryMode,
    /// `S_INTEGRATION_USERS`: the bridge's own users in that system (comma-separated ids,
    /// logins or e-mails); their deliveries are ignored so write-backs do not loop.
    pub integration_users: Vec<String>,
    /// `S_WRITE_BACK` (JSON, local use) or `S_WRITE_BACK_REF` (a secret holding it): post the
    /// analysis of asynchronous deliveries back to the ticket.
    pub write_back: Option<WriteBackSetting>,
}

/// Answer with the analysis (`sync`), or with 202 and a job id while a worker runs the agent.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DeliveryMode {
    /// The analysis in the answer.
    Sync,
    /// 202 with a job id; the worker runs the agent.
    Async,
}

/// Whether and with what a source's deliveries are signed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Signing {
    /// Unsigned: the API key is the only check.
    Off,
    /// Keys given in the environment.
    Keys(Vec<SigningKey>),
    /// Fetched at cold start; `variable` names the setting for error messages.
    Ref {
        /// The variable, for error messages.
        variable: &'static str,
        /// The secret.
        secret: SecretRef,
    },
}

impl SourceSettings {
    /// Whether deliveries of `event` are analysed.
    pub fn acts_on(&self, event: &str) -> bool {
        self.events.iter().any(|e| e == event)
    }

    /// Whether any of `actors` (who caused a delivery) is the bridge's own integration user.
    pub fn caused_by_integration(&self, actors: &[String]) -> bool {
        actors.iter().any(|a| {
            self.integration_users
                .iter()
                .any(|u| u.eq_ignore_ascii_case(a))
        })
    }
}

/// The variables of one source. Names are static strings so errors can name them.
struct VarNames {
    events: &'static str,
    secret: &'static str,
    secret_ref: &'static str,
    mode: &'static str,
    integration_users: &'static str,
    write_back: &'static str,
    write_back_ref: &'static str,
}

macro_rules! var_names {
    ($prefix:literal) => {
        VarNames {
            events: concat!($prefix, "_EVENTS"),
            secret: concat!($prefix, "_WEBHOOK_SECRET"),
            secret_ref: concat!($prefix, "_WEBHOOK_SECRET_REF"),
            mode: concat!($prefix, "_MODE"),
            integration_users: concat!($prefix, "_INTEGRATION_USERS"),
            write_back: concat!($prefix, "_WRITE_BACK"),
            write_back_ref: concat!($prefix, "_WRITE_BACK_REF"),
        }
    };
}

fn var_names(source: Source) -> VarNames {
    match source {
        Source::ServiceNow => var_names!("SERVICENOW"),
        Source::Jira => var_names!("JIRA"),
        Source::Zendesk => var_names!("ZENDESK"),
        Source::PagerDuty => var_names!("PAGERDUTY"),
        Source::GitHub => var_names!("GITHUB"),
        Source::Alertmanager => var_names!("ALERTMANAGER"),
        Source::Grafana => var_names!("GRAFANA"),
        Source::Sentry => var_names!("SENTRY"),
        Source::GitLab => var_names!("GITLAB"),
        Source::Linear => var_names!("LINEAR"),
        Source::Datadog => var_names!("DATADOG"),
        Source::NewRelic => var_names!("NEWRELIC"),
        Source::Dynatrace => var_names!("DYNATRACE"),
        Source::Splunk => var_names!("SPLUNK"),
        Source::CloudWatch => var_names!("CLOUDWATCH"),
        Source::Generic => var_names!("GENERIC"),
    }
}

/// `CLOUDWATCH_TOPIC_ARNS`: the SNS topics whose CloudWatch alarms are accepted (comma-separated
/// topic ARNs). Empty: none are (SNS signs every topic's messages, anyone's included).
pub(super) fn cloudwatch_topics(vars: &Vars) -> Result<Vec<String>, ConfigError> {
    const VARIABLE: &str = "CLOUDWATCH_TOPIC_ARNS";
    let topics = vars.list(VARIABLE).unwrap_or_default();
    for topic in &topics {
        let parts: Vec<&str> = topic.split(':').collect();
        let ok = parts.len() == 6
            && parts[0] == "arn"
            && parts[1].starts_with("aws")
            && parts[2] == "sns"
            && parts[4].len() == 12
            && parts[4].bytes().all(|b| b.is_ascii_digit())
            && !parts[5].is_empty();
        if !ok {
            return Err(ConfigError::new(
                VARIABLE,
                "must be SNS topic ARNs (arn:aws:sns:<region>:<account>:<name>), comma-separated",
            ));
        }
    }
    Ok(topics)
}

/// Every source's settings.
pub(super) fn load(vars: &Vars) -> Result<HashMap<Source, SourceSettings>, ConfigError> {
    Source::ALL
        .into_iter()
        .map(|source| Ok((source, load_one(vars, source)?)))
        .collect()
}

fn load_one(vars: &Vars, source: Source) -> Result<SourceSettings, ConfigError> {
    let names = var_names(source);
    let events = vars.list(names.events).unwrap_or_else(|| {
        default_events(source)
            .iter()
            .map(|e| (*e).to_owned())
            .collect()
    });
    // Checked in the variables' documented order, so the first bad one is the one reported.
    let signing = signing(vars, source, &names)?;
    let mode = match vars.get(names.mode).as_deref() {
        None | Some("sync") => DeliveryMode::Sync,
        Some("async") => DeliveryMode::Async,
        Some(other) => {
            return Err(ConfigError::new(
                names.mode,
                format!("must be sync or async, got {other:?}"),
            ));
        }
    };
    Ok(SourceSettings {
        events,
        signing,
        mode,
        integration_users: vars.list(names.integration_users).unwrap_or_default(),
        write_back: write_back(vars, source, &names)?,
    })
}

fn signing(vars: &Vars, source: Source, names: &VarNames) -> Result<Signing, ConfigError> {
    let (secret_var, ref_var) = (names.secret, names.secret_ref);
    match (vars.get(secret_var), vars.get(ref_var)) {
        (None, None) => Ok(Signing::Off),
        (Some(_), _) | (_, Some(_)) if !signature::can_sign(source) => Err(ConfigError::new(
            if vars.get(secret_var).is_some() {
                secret_var
            } else {
                ref_var
            },
            format!(
                "{} deliveries are not signed: the API key in their custom headers authenticates them",
                source.as_str()
            ),
        )),
        (Some(_), Some(_)) => Err(ConfigError::new(
            ref_var,
            format!("set either {secret_var} or {ref_var}, not both"),
        )),
        (Some(raw), None) => signing_keys(source, &raw)
            .map(Signing::Keys)
            .map_err(|problem| ConfigError::new(secret_var, problem)),
        (None, Some(raw)) => Ok(Signing::Ref {
            variable: ref_var,
            secret: SecretRef::parse(&raw).map_err(|p| ConfigError::new(ref_var, p))?,
        }),
    }
}

fn write_back(
    vars: &Vars,
    source: Source,
    names: &VarNames,
) -> Result<Option<WriteBackSetting>, ConfigError> {
    let setting = match (vars.get(names.write_back), vars.get(names.write_back_ref)) {
        (None, None) => return Ok(None),
        (Some(_), Some(_)) => {
            return Err(ConfigError::new(
                names.write_back_ref,
                format!(
                    "set either {} or {}, not both",
                    names.write_back, names.write_back_ref
                ),
            ));
        }
        (Some(json), None) => WriteBackSetting::Inline(
            Credentials::parse(source, &json)
                .map_err(|problem| ConfigError::new(names.write_back, problem))?,
        ),
        (None, Some(raw)) => WriteBackSetting::Ref {
            variable: names.write_back_ref,
            secret: SecretRef::parse(&raw)
                .map_err(|problem| ConfigError::new(names.write_back_ref, problem))?,
        },
    };
    if !writes_back(source) {
        return Err(ConfigError::new(names.write_back, WRITE_BACK_RULE));
    }
    Ok(Some(setting))
}

#[cfg(test)]
mod tests {
    use super::super::vars::read_pairs;
    use super::*;

    fn load_with(pairs: &[(&str, &str)]) -> Result<HashMap<Source, SourceSettings>, ConfigError> {
        read_pairs(pairs, load)
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
            ("GITHUB_WEBHOOK_SECRET", r#"["old-secret", "new-secret"]"#),
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
        for unsigned in ["DATADOG_WEBHOOK_SECRET", "NEWRELIC_WEBHOOK_SECRET_REF"] {
            let err = load_with(&[(unsigned, "some-secret-value")]).unwrap_err();
            assert_eq!(err.variable, unsigned);
        }
        let by_ref = load_with(&[("JIRA_WEBHOOK_SECRET_REF", "/bridge/jira")]).unwrap();
        assert!(matches!(
            &by_ref[&Source::Jira].signing,
            Signing::Ref {
                variable: "JIRA_WEBHOOK_SECRET_REF",
                ..
            }
        ));
    }

    #[test]
    fn cloudwatch_topics_are_sns_topic_arns() {
        let read = |v: &str| read_pairs(&[("CLOUDWATCH_TOPIC_ARNS", v)], cloudwatch_topics);
        assert_eq!(
            read("arn:aws:sns:eu-west-1:123456789012:alarms, arn:aws-cn:sns:cn-north-1:123456789012:b").unwrap().len(),
            2
        );
        for bad in [
            "alarms",
            "arn:aws:sqs:eu-west-1:123456789012:alarms",
            "arn:aws:sns:eu-west-1:1234:alarms",
            "arn:aws:sns:eu-west-1:123456789012:",
        ] {
            assert_eq!(
                read(bad).unwrap_err().variable,
                "CLOUDWATCH_TOPIC_ARNS",
                "{bad}"
            );
        }
        assert!(read_pairs(&[], cloudwatch_topics).unwrap().is_empty());
    }

    #[test]
    fn write_back_is_checked_where_it_is_read() {
        let err = load_with(&[("SERVICENOW_WRITE_BACK", r#"{"username": "u"}"#)]).unwrap_err();
        assert_eq!(err.variable, "SERVICENOW_WRITE_BACK");
        let err = load_with(&[("ZENDESK_WRITE_BACK_REF", "/bridge/zendesk")]).unwrap_err();
        assert_eq!(err.variable, "ZENDESK_WRITE_BACK");
        let ok = load_with(&[("GITHUB_WRITE_BACK", r#"{"token": "t"}"#)]).unwrap();
        assert!(matches!(
            ok[&Source::GitHub].write_back,
            Some(WriteBackSetting::Inline(Credentials::GitHub { .. }))
        ));
    }
}
