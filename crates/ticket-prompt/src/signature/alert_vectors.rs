//! The alerting and developer-tool recipes. Neither Grafana, Sentry nor Linear publishes an
//! example signature: these vectors follow each documented recipe (Grafana: grafana/alerting
//! `http/hmac.go`; Sentry: `SentryApp.build_signature`; Linear: its SDK's `webhooks/client.ts`)
//! and were computed independently with Python's `hmac` module.

use super::*;

fn keys(source: Source, secret: &str) -> Vec<SigningKey> {
    vec![SigningKey::from_secret(source, secret).unwrap()]
}

fn presented<'a>(signature: &'a str, timestamp: Option<&'a str>) -> Presented<'a> {
    Presented {
        signature: Some(signature),
        timestamp,
    }
}

fn secs(s: u64) -> SystemTime {
    UNIX_EPOCH + Duration::from_secs(s)
}

#[test]
fn grafana_signs_timestamp_colon_body_in_hex() {
    let k = keys(Source::Grafana, "grafana-test-secret");
    let body = br#"{"status":"firing"}"#;
    let good = "397d4b1e2cf537815ded23d1962196cc5c9647c6edc385aa74def50989db0ab2";
    let check = |sig: &str, ts: Option<&str>, now: u64| {
        verify(Source::Grafana, &k, body, presented(sig, ts), secs(now))
    };
    assert_eq!(check(good, Some("1795338720"), 1_795_338_720 + 299), Ok(()));
    assert_eq!(
        check(good, Some("1795338720"), 1_795_338_720 + 301),
        Err(SignatureError::Expired)
    );
    assert_eq!(
        check(good, Some("1795338721"), 1_795_338_720),
        Err(SignatureError::Mismatch)
    );
    assert_eq!(
        check(good, None, 1_795_338_720),
        Err(SignatureError::Missing(
            "x-grafana-alerting-signature-timestamp"
        ))
    );
    assert_eq!(
        check("sha256=397d", Some("1795338720"), 1_795_338_720),
        Err(SignatureError::Malformed("x-grafana-alerting-signature"))
    );
}

#[test]
fn sentry_signs_the_raw_body_in_hex() {
    let k = keys(Source::Sentry, "sentry-client-secret");
    let good = "2a8a14366488082beadb8f28d6ce93e74ac35a27ab3f272b667e232c6239d38d";
    let now = SystemTime::now();
    let check =
        |body: &[u8], sig: &str| verify(Source::Sentry, &k, body, presented(sig, None), now);
    assert_eq!(check(br#"{"action":"triggered"}"#, good), Ok(()));
    // Re-serialised JSON (a space after the colon) is another body.
    assert_eq!(
        check(br#"{"action": "triggered"}"#, good),
        Err(SignatureError::Mismatch)
    );
    assert_eq!(
        verify(Source::Sentry, &k, b"{}", Presented::default(), now),
        Err(SignatureError::Missing("sentry-hook-signature"))
    );
}

#[test]
fn linear_signs_the_body_and_its_timestamp_must_be_within_a_minute() {
    let k = keys(Source::Linear, "lin_wh_test_secret");
    let body = br#"{"action":"create","type":"Issue","webhookTimestamp":1795338720123}"#;
    let good = "917e2d6c34fc1cb3072341108a59f40928ab3df60b7858faedf3132011cf0099";
    let at = |ms: u64| UNIX_EPOCH + Duration::from_millis(ms);
    let check =
        |body: &[u8], now: SystemTime| verify(Source::Linear, &k, body, presented(good, None), now);
    assert_eq!(check(body, at(1_795_338_720_123 + 59_000)), Ok(()));
    assert_eq!(
        check(body, at(1_795_338_720_123 + 61_000)),
        Err(SignatureError::Expired)
    );
    assert_eq!(
        check(body, at(1_795_338_720_123 - 61_000)),
        Err(SignatureError::Expired)
    );
    // The MAC is checked first: a forged body learns nothing about the clock rule.
    assert_eq!(
        check(br#"{"webhookTimestamp":1}"#, at(0)),
        Err(SignatureError::Mismatch)
    );
    assert!(signs_time(Source::Linear) && !signs_time(Source::Sentry));
}

#[test]
fn linear_without_a_timestamp_in_the_signed_body_is_refused() {
    let k = keys(Source::Linear, "s3cret-linear");
    let body = br#"{"action":"create"}"#;
    let mut mac = Hmac::<Sha256>::new_from_slice(b"s3cret-linear").unwrap();
    mac.update(body);
    let sig = hex::encode(mac.finalize().into_bytes());
    assert_eq!(
        verify(
            Source::Linear,
            &k,
            body,
            presented(&sig, None),
            SystemTime::now()
        ),
        Err(SignatureError::BodyTimestamp)
    );
}

#[test]
fn gitlab_and_alertmanager_tokens_are_the_secret_itself() {
    let now = SystemTime::now();
    let gitlab = keys(Source::GitLab, "glwt-old-token");
    let rotating = [
        gitlab[0].clone(),
        keys(Source::GitLab, "glwt-new-token")[0].clone(),
    ];
    let check = |keys: &[SigningKey], token: &str| {
        verify(Source::GitLab, keys, b"{}", presented(token, None), now)
    };
    assert_eq!(check(&gitlab, "glwt-old-token"), Ok(()));
    assert_eq!(check(&rotating, "glwt-new-token"), Ok(()));
    assert_eq!(
        check(&gitlab, "glwt-old-toke"),
        Err(SignatureError::Mismatch)
    );
    assert_eq!(
        check(&gitlab, "glwt-old-tokenX"),
        Err(SignatureError::Mismatch)
    );
    assert_eq!(
        verify(Source::GitLab, &gitlab, b"{}", Presented::default(), now),
        Err(SignatureError::Missing("x-gitlab-token"))
    );

    let am = keys(Source::Alertmanager, "am-bearer-secret");
    let check = |value: &str| {
        verify(
            Source::Alertmanager,
            &am,
            b"{}",
            presented(value, None),
            now,
        )
    };
    assert_eq!(check("Bearer am-bearer-secret"), Ok(()));
    assert_eq!(check("bearer   am-bearer-secret"), Ok(()));
    assert_eq!(
        check("Bearer am-bearer-secreT"),
        Err(SignatureError::Mismatch)
    );
    assert_eq!(
        check("Basic am-bearer-secret"),
        Err(SignatureError::Malformed("authorization"))
    );
    assert_eq!(
        check("am-bearer-secret"),
        Err(SignatureError::Malformed("authorization"))
    );
    // A token never goes stale: such deliveries are deduplicated by their body.
    assert!(!signs_time(Source::GitLab) && !signs_time(Source::Alertmanager));
    assert!(signs_time(Source::Grafana));
}

#[test]
fn splunk_token_and_the_unsigned_monitoring_sources() {
    let now = SystemTime::now();
    let k = keys(Source::Splunk, "splunk-url-token");
    let check = |token: &str| verify(Source::Splunk, &k, b"{}", presented(token, None), now);
    assert_eq!(check("splunk-url-token"), Ok(()));
    assert_eq!(check("splunk-url-tokem"), Err(SignatureError::Mismatch));
    assert_eq!(
        verify(Source::Splunk, &k, b"{}", Presented::default(), now),
        Err(SignatureError::Missing("token"))
    );
    for source in [Source::Datadog, Source::NewRelic, Source::Dynatrace] {
        assert!(!can_sign(source));
        let k = keys(source, "anything");
        assert_eq!(
            verify(source, &k, b"{}", presented("anything", None), now),
            Err(SignatureError::Unsupported),
            "{source:?}"
        );
    }
}
