//! CloudWatch alarms through an SNS HTTPS subscription, through the handler: the envelope's
//! RSA signature (SHA1 and SHA256, made by openssl with the test key, see support/keys) checked
//! against the certificate fetched from the SNS stand-in, the topic allow-list, URLs that are not
//! SNS's, the subscription confirmed by visiting its SubscribeURL, and an alarm back to OK
//! (signed anew with the test key) acknowledged.

use base64::Engine;
use base64::engine::general_purpose::STANDARD as BASE64;
use http::StatusCode;
use serde_json::Value;
use ticket_prompt::sns::SnsEnvelope;

use crate::support::sns::{TOPIC, sns_and_bridge};
use crate::support::{assert_error, call, event, event_json, harness, request};

/// The fixture with its SNS envelope edited.
fn edited(file: &str, edit: impl Fn(&mut Value)) -> lambda_http::Request {
    let mut ev = event_json(file);
    let mut envelope: Value = serde_json::from_str(ev["body"].as_str().unwrap()).unwrap();
    edit(&mut envelope);
    ev["body"] = Value::from(envelope.to_string());
    request(&ev)
}

#[tokio::test]
async fn a_signed_alarm_from_a_listed_topic_is_analysed() {
    let (sns, h) = sns_and_bridge(TOPIC).await;
    let reply = call(&h.bridge, event("cloudwatch-alarm.json")).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.raw);
    assert_eq!(reply.json["source"], "cloudwatch");
    assert!(
        reply.json["ticket_id"]
            .as_str()
            .unwrap()
            .starts_with("alarm-")
    );
    let sent = h.agentcore.invocations()[0].body_json();
    assert_eq!(sent["ticket"]["title"], "checkout-api-5xx");
    // The certificate is fetched once and cached.
    call(&h.bridge, event("cloudwatch-alarm.json")).await;
    assert_eq!(sns.requests_for("/SimpleNotificationService-").len(), 1);
}

#[tokio::test]
async fn forged_foreign_and_unlisted_messages_are_refused_before_the_agent() {
    let (sns, h) = sns_and_bridge(TOPIC).await;
    let cases = [
        // Any change to a signed field breaks the signature.
        edited("cloudwatch-alarm.json", |e| {
            e["Message"] = Value::from(e["Message"].as_str().unwrap().replace("ALARM", "OK"))
        }),
        edited("cloudwatch-alarm.json", |e| {
            e["Subject"] = Value::from("ALARM: \"something else\"")
        }),
        // A certificate from anywhere but SNS is never fetched.
        edited("cloudwatch-alarm.json", |e| {
            e["SigningCertURL"] =
                Value::from("https://attacker.example/SimpleNotificationService-x.pem")
        }),
        edited("cloudwatch-alarm.json", |e| {
            e["SignatureVersion"] = Value::from("3")
        }),
        edited("cloudwatch-alarm.json", |e| {
            e["Signature"] = Value::from("not base64!")
        }),
        edited("cloudwatch-alarm.json", |e| {
            e.as_object_mut().unwrap().remove("Signature");
        }),
    ];
    for (i, req) in cases.into_iter().enumerate() {
        assert_error(&call(&h.bridge, req).await, 401, "INVALID_SIGNATURE");
        assert_eq!(h.agentcore.invocation_count(), 0, "case {i}");
    }
    assert!(
        sns.requests()
            .iter()
            .all(|r| r.path.starts_with("/SimpleNotificationService-")),
        "only SNS's certificate was fetched"
    );

    // A topic this deployment does not list: SNS signs anyone's messages.
    let (_sns, other) = sns_and_bridge("arn:aws:sns:us-east-1:123456789012:someone-elses").await;
    assert_error(
        &call(&other.bridge, event("cloudwatch-alarm.json")).await,
        401,
        "INVALID_SIGNATURE",
    );
    assert_eq!(other.agentcore.invocation_count(), 0);
}

#[tokio::test]
async fn without_listed_topics_every_sns_message_is_refused() {
    let h = harness(&[]).await;
    let reply = call(&h.bridge, event("cloudwatch-alarm.json")).await;
    assert_error(&reply, 401, "INVALID_SIGNATURE");
    assert!(reply.raw.contains("topic"), "{}", reply.raw);
}

#[tokio::test]
async fn a_verified_subscription_is_confirmed_at_its_subscribe_url() {
    let (sns, h) = sns_and_bridge(TOPIC).await;
    let reply = call(
        &h.bridge,
        event("cloudwatch-subscription-confirmation.json"),
    )
    .await;
    assert_eq!(reply.status, StatusCode::ACCEPTED, "{}", reply.raw);
    assert_eq!(reply.json["event"], "subscriptionconfirmation");
    let confirmed: Vec<_> = sns
        .requests()
        .into_iter()
        .filter(|r| {
            r.query
                .as_deref()
                .is_some_and(|q| q.contains("Action=ConfirmSubscription"))
        })
        .collect();
    assert_eq!(confirmed.len(), 1, "{confirmed:?}");
    assert_eq!(confirmed[0].status, StatusCode::OK);
    assert_eq!(h.agentcore.invocation_count(), 0);

    // A SubscribeURL elsewhere is never visited (its signature would not verify either).
    let before = sns.requests().len();
    let foreign = edited("cloudwatch-subscription-confirmation.json", |e| {
        e["SubscribeURL"] = Value::from("https://attacker.example/?Action=ConfirmSubscription")
    });
    assert_error(&call(&h.bridge, foreign).await, 401, "INVALID_SIGNATURE");
    assert!(sns.requests()[before..].iter().all(|r| r.query.is_none()));
}

#[tokio::test]
async fn an_unreachable_sns_is_a_retryable_503() {
    let (sns, h) = sns_and_bridge(TOPIC).await;
    sns.fail_next(1, StatusCode::SERVICE_UNAVAILABLE);
    let reply = call(&h.bridge, event("cloudwatch-alarm.json")).await;
    assert_error(&reply, 503, "SNS_UNAVAILABLE");
    assert_eq!(reply.json["error"]["retry_after"], 5, "{}", reply.raw);
    // SNS retries: the next delivery fetches the certificate again and is analysed.
    let reply = call(&h.bridge, event("cloudwatch-alarm.json")).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.raw);
}

/// The fixture with its alarm edited by `edit`, signed anew with the test key (SignatureVersion 2,
/// as SNS signs with SHA256).
fn resigned(edit: impl Fn(&mut Value)) -> lambda_http::Request {
    let pem = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/bridge/support/keys/sns-signing-key.pem"
    ))
    .unwrap();
    let der: String = pem.lines().filter(|l| !l.starts_with("-----")).collect();
    let key = aws_lc_rs::signature::RsaKeyPair::from_pkcs8(&BASE64.decode(der).unwrap()).unwrap();
    edited("cloudwatch-alarm.json", |envelope| {
        let mut alarm: Value = serde_json::from_str(envelope["Message"].as_str().unwrap()).unwrap();
        edit(&mut alarm);
        envelope["Message"] = Value::from(alarm.to_string());
        envelope["SignatureVersion"] = Value::from("2");
        let to_sign = SnsEnvelope::parse(envelope.to_string().as_bytes())
            .unwrap()
            .string_to_sign();
        let mut signature = vec![0; key.public_modulus_len()];
        key.sign(
            &aws_lc_rs::signature::RSA_PKCS1_SHA256,
            &aws_lc_rs::rand::SystemRandom::new(),
            to_sign.as_bytes(),
            &mut signature,
        )
        .unwrap();
        envelope["Signature"] = Value::from(BASE64.encode(signature));
    })
}

#[tokio::test]
async fn an_alarm_back_to_ok_is_acknowledged_and_not_analysed() {
    let (_sns, h) = sns_and_bridge(TOPIC).await;
    let ok = resigned(|alarm| {
        alarm["OldStateValue"] = Value::from("ALARM");
        alarm["NewStateValue"] = Value::from("OK");
    });
    let reply = call(&h.bridge, ok).await;
    assert_eq!(reply.status, StatusCode::ACCEPTED, "{}", reply.raw);
    assert_eq!(reply.json["event"], "ok");
    // The same alarm firing again, signed the same way, is analysed: the signing is sound.
    let alarm =
        resigned(|alarm| alarm["StateChangeTime"] = Value::from("2026-11-22T10:00:00.000+0000"));
    let reply = call(&h.bridge, alarm).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.raw);
    assert_eq!(h.agentcore.invocation_count(), 1);
}
