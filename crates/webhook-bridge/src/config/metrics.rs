//! `METRICS_NAMESPACE`: where the EMF metrics go, and the function's name for their `Function`
//! dimension.

use super::vars::{ConfigError, Vars};
use crate::metrics::Metrics;

/// `METRICS_NAMESPACE`: a CloudWatch namespace of at most 255 characters, not one of AWS's.
pub(super) fn load(vars: &Vars) -> Result<Metrics, ConfigError> {
    let namespace = vars.get("METRICS_NAMESPACE");
    if let Some(ns) = &namespace
        && (ns.chars().count() > 255 || ns.starts_with("AWS/"))
    {
        return Err(ConfigError::new(
            "METRICS_NAMESPACE",
            "must be at most 255 characters and not start with AWS/",
        ));
    }
    let function = vars
        .get("AWS_LAMBDA_FUNCTION_NAME")
        .unwrap_or_else(|| "local".into());
    Ok(Metrics::new(namespace, function))
}

#[cfg(test)]
mod tests {
    use super::super::vars::read_pairs;
    use super::*;

    fn load_with(pairs: &[(&str, &str)]) -> Result<Metrics, ConfigError> {
        read_pairs(pairs, load)
    }

    #[test]
    fn metrics_are_off_unless_a_namespace_is_named_and_aws_namespaces_are_refused() {
        let off = load_with(&[]).unwrap();
        assert_eq!(off, Metrics::off_for("local"));
        let on = load_with(&[
            ("METRICS_NAMESPACE", "AgentCoreBridge"),
            ("AWS_LAMBDA_FUNCTION_NAME", "stack-Webhook-1"),
        ])
        .unwrap();
        assert_eq!(
            on,
            Metrics::new(Some("AgentCoreBridge".into()), "stack-Webhook-1".into())
        );
        for bad in ["AWS/Lambda", &"N".repeat(256)] {
            let err = load_with(&[("METRICS_NAMESPACE", bad)]).unwrap_err();
            assert_eq!(err.variable, "METRICS_NAMESPACE");
        }
    }
}
