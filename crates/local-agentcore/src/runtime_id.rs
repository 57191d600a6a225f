//! Which runtime a request names: a full runtime ARN, or a bare runtime id plus `accountId`.

use std::sync::LazyLock;

use regex_lite::Regex;

/// The runtime `make local` and the tests use by default.
pub const LOCAL_RUNTIME_ARN: &str =
    "arn:aws:bedrock-agentcore:us-east-1:123456789012:runtime/local_triage-LOCAL00001";

static ARN: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"^arn:aws(-[^:]+)?:bedrock-agentcore:([a-z0-9-]+):([0-9]{12}):runtime/([a-zA-Z][a-zA-Z0-9_]{0,47}-[a-zA-Z0-9]{10})$").unwrap()
});
static ID: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"^[a-zA-Z][a-zA-Z0-9_]{0,99}-[a-zA-Z0-9]{10}$").unwrap());
static ACCOUNT: LazyLock<Regex> = LazyLock::new(|| Regex::new(r"^[0-9]{12}$").unwrap());
static QUALIFIER: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"^[a-zA-Z][a-zA-Z0-9_]{0,47}$").unwrap());

/// A runtime, identified by account and runtime id (the two spellings of a request resolve to it).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct RuntimeRef {
    /// The 12-digit AWS account id.
    pub account: String,
    /// The runtime id, e.g. `local_triage-LOCAL00001`.
    pub runtime_id: String,
}

impl RuntimeRef {
    /// Parses a full runtime ARN.
    pub fn from_arn(arn: &str) -> Option<RuntimeRef> {
        let caps = ARN.captures(arn)?;
        Some(RuntimeRef {
            account: caps[3].to_owned(),
            runtime_id: caps[4].to_owned(),
        })
    }

    /// Resolves a decoded path segment and optional `accountId` the way the service does.
    pub fn resolve(segment: &str, account_id: Option<&str>) -> Result<RuntimeRef, String> {
        if let Some(account) = account_id
            && !ACCOUNT.is_match(account)
        {
            return Err("Value at 'accountId' failed to satisfy constraint: Member must satisfy regular expression pattern: [0-9]{12}".into());
        }
        if segment.starts_with("arn:") {
            return RuntimeRef::from_arn(segment)
                .ok_or_else(|| "Invalid agent runtime ARN".to_owned());
        }
        if !ID.is_match(segment) {
            return Err("Invalid agent runtime identifier".into());
        }
        let account =
            account_id.ok_or("accountId is required when agentRuntimeArn is a runtime id")?;
        Ok(RuntimeRef {
            account: account.to_owned(),
            runtime_id: segment.to_owned(),
        })
    }
}

/// Whether `q` is a valid endpoint name for `?qualifier`.
pub(crate) fn valid_qualifier(q: &str) -> bool {
    QUALIFIER.is_match(q)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn arn_and_id_forms_resolve_to_the_same_runtime() {
        let a = RuntimeRef::resolve(LOCAL_RUNTIME_ARN, None).unwrap();
        let b = RuntimeRef::resolve("local_triage-LOCAL00001", Some("123456789012")).unwrap();
        assert_eq!(a, b);
    }

    #[test]
    fn bad_forms_are_rejected() {
        assert!(RuntimeRef::resolve("local_triage-LOCAL00001", None).is_err());
        assert!(RuntimeRef::resolve("local_triage-LOCAL00001", Some("12")).is_err());
        assert!(
            RuntimeRef::resolve(
                "arn:aws:bedrock-agentcore:us-east-1:123456789012:agent/x",
                None
            )
            .is_err()
        );
        assert!(RuntimeRef::resolve("x", Some("123456789012")).is_err());
        assert!(valid_qualifier("DEFAULT") && valid_qualifier("prod_v2"));
        assert!(!valid_qualifier("1abc") && !valid_qualifier("a-b"));
    }
}
