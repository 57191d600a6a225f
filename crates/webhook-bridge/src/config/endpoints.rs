//! `ENDPOINT_URLS`: where the AWS clients reach their services in local runs (`sam local` in
//! Docker against the local AgentCore and moto), as `group=url` pairs. Empty in a deployment,
//! where the SDK resolves AWS's own endpoints.
//!
//! The bridge's own variable rather than the SDK's `AWS_ENDPOINT_URL_<SERVICE>`: `sam local`
//! passes only variables the template declares, and a declared-but-empty SDK variable is an
//! invalid endpoint, not an absent one.

use super::vars::{ConfigError, Vars};

/// Per group of services, the endpoint to use instead of AWS's.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct EndpointUrls {
    /// `agentcore=`: AgentCore's data plane.
    pub agentcore: Option<String>,
    /// `jobs=`: DynamoDB and SQS (the jobs table and queue), and SNS publishes (the SNS sink).
    pub jobs: Option<String>,
    /// `secrets=`: Secrets Manager and SSM Parameter Store.
    pub secrets: Option<String>,
    /// `sns=`: where SNS's signing certificates and subscription confirmations are fetched
    /// (path and query kept) instead of `https://sns.<region>.amazonaws.com`.
    pub sns: Option<String>,
}

const VARIABLE: &str = "ENDPOINT_URLS";

/// Reads `ENDPOINT_URLS`; unset or empty means none.
pub(super) fn load(vars: &Vars) -> Result<EndpointUrls, ConfigError> {
    let mut urls = EndpointUrls::default();
    let Some(list) = vars.get(VARIABLE) else {
        return Ok(urls);
    };
    for pair in list.split(',').map(str::trim).filter(|p| !p.is_empty()) {
        let Some((group, url)) = pair.split_once('=') else {
            return Err(ConfigError::new(
                VARIABLE,
                "expected group=url pairs (agentcore, jobs, secrets, sns), comma-separated",
            ));
        };
        let url = url.trim();
        if !(url.starts_with("http://") || url.starts_with("https://")) {
            return Err(ConfigError::new(
                VARIABLE,
                format!("the {} endpoint must be an http(s) URL", group.trim()),
            ));
        }
        let slot = match group.trim() {
            "agentcore" => &mut urls.agentcore,
            "jobs" => &mut urls.jobs,
            "secrets" => &mut urls.secrets,
            "sns" => &mut urls.sns,
            other => {
                return Err(ConfigError::new(
                    VARIABLE,
                    format!("unknown group {other:?}; use agentcore, jobs, secrets or sns"),
                ));
            }
        };
        *slot = Some(url.to_owned());
    }
    Ok(urls)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn load_from(value: Option<&str>) -> Result<EndpointUrls, ConfigError> {
        let lookup = |k: &str| (k == VARIABLE).then(|| value.map(str::to_owned)).flatten();
        load(&Vars::new(&lookup))
    }

    #[test]
    fn unset_or_empty_means_aws_own_endpoints() {
        assert_eq!(load_from(None).unwrap(), EndpointUrls::default());
        assert_eq!(load_from(Some("")).unwrap(), EndpointUrls::default());
    }

    #[test]
    fn each_group_gets_its_own_url() {
        let urls = load_from(Some(
            "agentcore=http://host.docker.internal:9100, jobs=http://10.0.0.2:5000",
        ))
        .unwrap();
        assert_eq!(
            urls.agentcore.as_deref(),
            Some("http://host.docker.internal:9100")
        );
        assert_eq!(urls.jobs.as_deref(), Some("http://10.0.0.2:5000"));
        assert_eq!(urls.secrets, None);
    }

    #[test]
    fn bad_pairs_name_the_variable() {
        for bad in [
            "agentcore",
            "agentcore=ftp://x",
            "dynamo=http://x",
            "agentcore=",
        ] {
            let err = load_from(Some(bad)).unwrap_err();
            assert_eq!(err.variable, VARIABLE, "{bad}");
        }
    }
}
