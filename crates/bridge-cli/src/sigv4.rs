//! AWS Signature Version 4 for `bridge invoke --sigv4`.
//!
//! A Lambda Function URL with `AuthType: AWS_IAM` accepts only requests signed for the service
//! `lambda`. The signature covers the method, path, the headers sent and the body's SHA-256, so
//! the headers returned here must be added to exactly the request that was signed.

use std::time::SystemTime;

use aws_config::{BehaviorVersion, Region};
use aws_credential_types::Credentials;
use aws_credential_types::provider::ProvideCredentials;
use aws_sigv4::http_request::{
    PayloadChecksumKind, SignableBody, SignableRequest, SigningSettings, sign,
};
use aws_sigv4::sign::v4;

use crate::exit::CliError;

/// Lambda Function URLs are signed as the `lambda` service.
pub const SERVICE: &str = "lambda";

/// Credentials and region, resolved once per run.
pub struct Signer {
    credentials: Credentials,
    region: String,
}

impl Signer {
    /// The standard chain: the region from `region` or AWS_REGION / AWS_DEFAULT_REGION (then the
    /// profile), credentials from AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY / AWS_SESSION_TOKEN
    /// (then profiles, web identity, container and instance roles).
    pub async fn from_environment(region: Option<String>) -> Result<Signer, CliError> {
        let mut loader = aws_config::defaults(BehaviorVersion::latest());
        if let Some(region) = region {
            loader = loader.region(Region::new(region));
        }
        let config = loader.load().await;
        let region = config.region().map(ToString::to_string).ok_or_else(|| {
            CliError::Usage("--sigv4 needs a region: pass --region or set AWS_REGION".into())
        })?;
        let provider = config.credentials_provider().ok_or_else(|| {
            CliError::Usage("--sigv4: no AWS credentials provider is configured".into())
        })?;
        let credentials = provider.provide_credentials().await.map_err(|e| {
            CliError::Usage(format!(
                "--sigv4: no AWS credentials (set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY): {e}"
            ))
        })?;
        Ok(Signer::new(credentials, region))
    }

    pub fn new(credentials: Credentials, region: String) -> Signer {
        Signer {
            credentials,
            region,
        }
    }

    /// The headers to add (`authorization`, `x-amz-date`, `x-amz-content-sha256`, and
    /// `x-amz-security-token` for temporary credentials). `headers` are the ones the request will
    /// carry besides `host`, which is taken from `url`.
    pub fn sign(
        &self,
        method: &str,
        url: &str,
        headers: &[(&str, &str)],
        body: &[u8],
        time: SystemTime,
    ) -> Result<Vec<(String, String)>, CliError> {
        sign_for(
            SERVICE,
            PayloadChecksumKind::XAmzSha256,
            &self.credentials,
            &self.region,
            time,
            (method, url, headers, body),
        )
    }
}

/// The signing itself, with the service and payload-hash header open so the AWS test-suite
/// vectors (service `service`, no payload header) exercise the same code path.
fn sign_for(
    service: &str,
    payload: PayloadChecksumKind,
    credentials: &Credentials,
    region: &str,
    time: SystemTime,
    (method, url, headers, body): (&str, &str, &[(&str, &str)], &[u8]),
) -> Result<Vec<(String, String)>, CliError> {
    let failed =
        |e: &dyn std::fmt::Display| CliError::Usage(format!("cannot sign the request: {e}"));
    let identity = credentials.clone().into();
    let mut settings = SigningSettings::default();
    settings.payload_checksum_kind = payload;
    let params = v4::SigningParams::builder()
        .identity(&identity)
        .region(region)
        .name(service)
        .time(time)
        .settings(settings)
        .build()
        .map_err(|e| failed(&e))?
        .into();
    let request = SignableRequest::new(
        method,
        url,
        headers.iter().copied(),
        SignableBody::Bytes(body),
    )
    .map_err(|e| failed(&e))?;
    let (instructions, _signature) = sign(request, &params).map_err(|e| failed(&e))?.into_parts();
    Ok(instructions
        .headers()
        .map(|(name, value)| (name.to_owned(), value.to_owned()))
        .collect())
}

#[cfg(test)]
mod tests {
    use std::time::{Duration, UNIX_EPOCH};

    use hmac::{Hmac, Mac};
    use sha2::{Digest, Sha256};

    use super::*;

    /// 2015-08-30T12:36:00Z, the time of the AWS SigV4 test suite.
    fn suite_time() -> SystemTime {
        UNIX_EPOCH + Duration::from_secs(1_440_938_160)
    }

    fn suite_credentials(token: Option<&str>) -> Credentials {
        Credentials::new(
            "AKIDEXAMPLE",
            "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY",
            token.map(str::to_owned),
            None,
            "test",
        )
    }

    fn header<'a>(headers: &'a [(String, String)], name: &str) -> &'a str {
        headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
            .unwrap_or_else(|| panic!("no {name} in {headers:?}"))
    }

    /// A SigV4 signer written from the specification alone (no aws-sigv4): every header the
    /// request carries is signed. Checked against the AWS test suite below, then used to verify
    /// what `Signer` produces.
    fn reference_authorization(
        (key_id, secret): (&str, &str),
        (region, service): (&str, &str),
        (method, host, path): (&str, &str, &str),
        headers: &[(String, String)],
        body: &[u8],
    ) -> String {
        type HmacSha256 = Hmac<Sha256>;
        let hmac = |key: &[u8], data: &str| {
            let mut mac = HmacSha256::new_from_slice(key).unwrap();
            mac.update(data.as_bytes());
            mac.finalize().into_bytes().to_vec()
        };
        let amz_date = header(headers, "x-amz-date");
        let date = &amz_date[..8];
        let mut canonical: Vec<(String, String)> = headers
            .iter()
            .map(|(n, v)| (n.to_ascii_lowercase(), v.trim().to_owned()))
            .chain([("host".to_owned(), host.to_owned())])
            .collect();
        canonical.sort();
        let signed_headers = canonical
            .iter()
            .map(|(n, _)| n.as_str())
            .collect::<Vec<_>>()
            .join(";");
        let header_block: String = canonical
            .iter()
            .map(|(n, v)| format!("{n}:{v}\n"))
            .collect();
        let request = format!(
            "{method}\n{path}\n\n{header_block}\n{signed_headers}\n{}",
            hex::encode(Sha256::digest(body))
        );
        let scope = format!("{date}/{region}/{service}/aws4_request");
        let to_sign = format!(
            "AWS4-HMAC-SHA256\n{amz_date}\n{scope}\n{}",
            hex::encode(Sha256::digest(request.as_bytes()))
        );
        let mut key = hmac(format!("AWS4{secret}").as_bytes(), date);
        for part in [region, service, "aws4_request"] {
            key = hmac(&key, part);
        }
        format!(
            "AWS4-HMAC-SHA256 Credential={key_id}/{scope}, SignedHeaders={signed_headers}, Signature={}",
            hex::encode(hmac(&key, &to_sign))
        )
    }

    const POST_VANILLA: &str = "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, SignedHeaders=host;x-amz-date, Signature=5da7c1a2acd57cee7505fc6676e4e544621c30862966e37dddb68e92efbe5d6b";
    const GET_WITH_TOKEN: &str = "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, SignedHeaders=host;x-amz-date;x-amz-security-token, Signature=07ec1639c89043aa0e3e2de82b96708f198cceab042d4a97044c66dd9f74e7f8";
    const TOKEN: &str = "6e86291e8372ff2a2260956d9b8aae1d763fbf315fa00fa31553b73ebf194267";

    #[test]
    fn aws_test_suite_post_vanilla() {
        let signed = sign_for(
            "service",
            PayloadChecksumKind::NoHeader,
            &suite_credentials(None),
            "us-east-1",
            suite_time(),
            ("POST", "https://example.amazonaws.com/", &[], b""),
        )
        .unwrap();
        assert_eq!(header(&signed, "x-amz-date"), "20150830T123600Z");
        assert_eq!(header(&signed, "authorization"), POST_VANILLA);
        // The reference signer agrees with the suite too, so it can judge `Signer` below.
        let date = vec![("x-amz-date".to_owned(), "20150830T123600Z".to_owned())];
        let reference = reference_authorization(
            ("AKIDEXAMPLE", "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY"),
            ("us-east-1", "service"),
            ("POST", "example.amazonaws.com", "/"),
            &date,
            b"",
        );
        assert_eq!(reference, POST_VANILLA);
    }

    #[test]
    fn aws_test_suite_get_vanilla_with_session_token() {
        let signed = sign_for(
            "service",
            PayloadChecksumKind::NoHeader,
            &suite_credentials(Some(TOKEN)),
            "us-east-1",
            suite_time(),
            ("GET", "https://example.amazonaws.com/", &[], b""),
        )
        .unwrap();
        assert_eq!(header(&signed, "authorization"), GET_WITH_TOKEN);
        assert_eq!(header(&signed, "x-amz-security-token"), TOKEN);
    }

    #[test]
    fn lambda_requests_verify_against_the_reference_signer() {
        let signer = Signer::new(
            Credentials::new("AKIDCLI", "cli-secret", Some("tok".into()), None, "test"),
            "eu-west-1".into(),
        );
        let body = br#"{"query":"hello"}"#;
        let sent = [
            ("content-type", "application/json"),
            ("accept", "application/x-ndjson, application/json"),
        ];
        let url = "https://abc123.lambda-url.eu-west-1.on.aws/v1/agents/default/invoke";
        let time = UNIX_EPOCH + Duration::from_secs(1_767_225_600);
        let signed = signer.sign("POST", url, &sent, body, time).unwrap();

        let authorization = header(&signed, "authorization");
        assert!(
            authorization.contains("/20260101/eu-west-1/lambda/aws4_request"),
            "{authorization}"
        );
        assert!(
            authorization.contains("x-amz-content-sha256"),
            "{authorization}"
        );
        assert_eq!(
            header(&signed, "x-amz-content-sha256"),
            hex::encode(Sha256::digest(body))
        );

        // Everything the request will carry, as the server sees it.
        let on_the_wire: Vec<(String, String)> = sent
            .iter()
            .map(|(n, v)| (n.to_string(), v.to_string()))
            .chain(signed.iter().filter(|(n, _)| n != "authorization").cloned())
            .collect();
        let reference = |body: &[u8]| {
            reference_authorization(
                ("AKIDCLI", "cli-secret"),
                ("eu-west-1", "lambda"),
                (
                    "POST",
                    "abc123.lambda-url.eu-west-1.on.aws",
                    "/v1/agents/default/invoke",
                ),
                &on_the_wire,
                body,
            )
        };
        assert_eq!(authorization, reference(body));

        // A different body must not verify with the same headers.
        assert_ne!(authorization, reference(br#"{"query":"hellO"}"#));
    }
}
