//! Signing secrets in moto's Secrets Manager and SSM, read by the real SDK: a rotated or revoked secret
//! takes effect once its `SECRET_TTL_SECONDS` has passed (here 0: every request re-reads), and a
//! secret that cannot be read any more is served from the last good read only within
//! `SECRET_MAX_STALE_SECONDS`, then fails closed.

use serde_json::Value;

use crate::support::signing::github_signature;
use crate::support::{
    assert_error, bridge_with_secrets, call, event_json, local_agentcore, moto_secret_clients,
    request,
};

fn secrets_client() -> aws_sdk_secretsmanager::Client {
    moto_secret_clients().1
}

/// Writes `value` as the SecureString parameter `name` (over any earlier value).
async fn put_secure_string(
    ssm: &aws_sdk_ssm::Client,
    name: &str,
    value: &str,
) -> Result<(), aws_sdk_ssm::Error> {
    ssm.put_parameter()
        .name(name)
        .value(value)
        .r#type(aws_sdk_ssm::types::ParameterType::SecureString)
        .overwrite(true)
        .send()
        .await?;
    Ok(())
}

/// A new secret holding `value`; its full ARN.
async fn create_secret(sm: &aws_sdk_secretsmanager::Client, value: &str) -> String {
    let out = sm
        .create_secret()
        .name(local_moto::unique("bridge-github"))
        .secret_string(value)
        .send()
        .await
        .expect("create the secret");
    out.arn().unwrap().to_owned()
}

fn github_signed(secret: &str) -> lambda_http::Request {
    let mut ev = event_json("github-issue-opened.json");
    let sig = github_signature(&ev, secret);
    ev["headers"]["X-Hub-Signature-256"] = Value::from(sig.clone());
    ev["multiValueHeaders"]["X-Hub-Signature-256"] = Value::from(vec![sig]);
    request(&ev)
}

/// With the GitHub secret at `reference` (holding `github-secret-one` in some form), deliveries
/// verify with it; once `rotate` has stored `github-secret-two`, only the new one verifies.
async fn rotation_takes_effect(reference: &str, rotate: impl std::future::Future<Output = ()>) {
    let agentcore = local_agentcore().await;
    let moto = &local_moto::moto().endpoint;
    let env = [
        ("GITHUB_WEBHOOK_SECRET_REF", reference),
        ("SECRET_TTL_SECONDS", "0"),
    ];
    let bridge = bridge_with_secrets(&agentcore.endpoint_url(), moto, &env).await;
    let status = |reply: crate::support::Reply| reply.status.as_u16();
    assert_eq!(
        status(call(&bridge, github_signed("github-secret-one")).await),
        200
    );
    rotate.await;
    assert_error(
        &call(&bridge, github_signed("github-secret-one")).await,
        401,
        "INVALID_SIGNATURE",
    );
    assert_eq!(
        status(call(&bridge, github_signed("github-secret-two")).await),
        200
    );
}

#[tokio::test]
async fn a_rotated_secret_takes_over_once_its_ttl_passes_and_the_old_one_stops_verifying() {
    let sm = secrets_client();
    // The trailing newline a console paste adds is not part of the secret.
    let arn = create_secret(&sm, "github-secret-one\n").await;
    let rotate = async {
        sm.put_secret_value()
            .secret_id(&arn)
            .secret_string(r#"{"secret": "github-secret-two"}"#)
            .send()
            .await
            .unwrap();
    };
    rotation_takes_effect(&arn, rotate).await;
}

#[tokio::test]
async fn an_ssm_secure_string_rotates_the_same_way() {
    let ssm = moto_secret_clients().0;
    let name = format!("/{}/github", local_moto::unique("bridge"));
    let put = |value: &'static str| put_secure_string(&ssm, &name, value);
    put("[\"github-secret-one\"]").await.unwrap();
    let rotate = async {
        put("github-secret-two").await.unwrap();
    };
    rotation_takes_effect(&name, rotate).await;
}

#[tokio::test]
async fn an_unreadable_secret_is_served_stale_only_within_its_allowance() {
    let agentcore = local_agentcore().await;
    let sm = secrets_client();
    let moto = &local_moto::moto().endpoint;
    for (max_stale, status_after_loss) in [("600", 200), ("0", 500)] {
        let arn = create_secret(&sm, "github-secret-one").await;
        let env = [
            ("GITHUB_WEBHOOK_SECRET_REF", arn.as_str()),
            ("SECRET_TTL_SECONDS", "0"),
            ("SECRET_MAX_STALE_SECONDS", max_stale),
        ];
        let bridge = bridge_with_secrets(&agentcore.endpoint_url(), moto, &env).await;
        assert_eq!(
            call(&bridge, github_signed("github-secret-one"))
                .await
                .status,
            200
        );
        // The secret can no longer be read (deleted, or the store is down).
        sm.delete_secret()
            .secret_id(&arn)
            .force_delete_without_recovery(true)
            .send()
            .await
            .unwrap();
        let reply = call(&bridge, github_signed("github-secret-one")).await;
        assert_eq!(
            reply.status.as_u16(),
            status_after_loss,
            "{max_stale}: {}",
            reply.raw
        );
        if status_after_loss == 500 {
            assert_error(&reply, 500, "CONFIGURATION_ERROR");
        }
    }
}

#[tokio::test]
async fn after_a_failed_read_the_stale_value_is_served_without_reading_again_for_a_while() {
    let agentcore = local_agentcore().await;
    let ssm = moto_secret_clients().0;
    let name = format!("/{}/github", local_moto::unique("bridge"));
    let put = |value: &'static str| put_secure_string(&ssm, &name, value);
    put("github-secret-one").await.unwrap();
    let moto = &local_moto::moto().endpoint;
    let env = [
        ("GITHUB_WEBHOOK_SECRET_REF", name.as_str()),
        ("SECRET_TTL_SECONDS", "0"),
        ("SECRET_MAX_STALE_SECONDS", "600"),
    ];
    let bridge = bridge_with_secrets(&agentcore.endpoint_url(), moto, &env).await;
    let status = |reply: crate::support::Reply| reply.status.as_u16();
    assert_eq!(
        status(call(&bridge, github_signed("github-secret-one")).await),
        200
    );
    ssm.delete_parameter().name(&name).send().await.unwrap();
    // The read fails: the last good value answers.
    assert_eq!(
        status(call(&bridge, github_signed("github-secret-one")).await),
        200
    );
    // The store has a value again, but right after a failure the bridge does not read: requests
    // never queue behind one failing read after another.
    put("github-secret-two").await.unwrap();
    assert_eq!(
        status(call(&bridge, github_signed("github-secret-one")).await),
        200
    );
    assert_error(
        &call(&bridge, github_signed("github-secret-two")).await,
        401,
        "INVALID_SIGNATURE",
    );
}
