//! Users' bearer tokens on the invoke API and the streaming entry point, attacked: each forged,
//! stale or misdirected token is refused `401 INVALID_TOKEN` before the agent is called, and a
//! good one makes its user the principal (the agent's `runtimeUserId`, their own sessions).
//! The issuer's key set comes over real HTTP from a local issuer; tokens are signed with real
//! RSA keys (tests/bridge/support/keys).

use serde_json::{Value, json};

use crate::support::issuer::{
    AUDIENCE, ISSUER_PUBLIC_PEM, LocalIssuer, Signer, now, sign, tampered, unsigned,
};
use crate::support::{
    Reply, assert_error, call, call_stream, env_of, event_json, event_with_headers, harness,
    request,
};

const USER_HEADER: &str = "x-amzn-bedrock-agentcore-runtime-user-id";
const KID: &str = "issuer-key-1";
const CHAT_SECRET: &str = "a-chat-front-end-shared-secret-of-48-characters!!";

/// The invoke API's fixture with `Authorization: Bearer <token>` and `body`.
fn invoke_as(token: &str, body: &Value) -> lambda_http::Request {
    let mut ev = event_json("invoke-api.json");
    let bearer = format!("Bearer {token}");
    ev["headers"]["Authorization"] = json!(bearer);
    ev["multiValueHeaders"]["Authorization"] = json!([bearer]);
    ev["body"] = json!(body.to_string());
    request(&ev)
}

fn query() -> Value {
    json!({"query": "What changed in checkout?"})
}

#[tokio::test]
async fn a_verified_user_is_the_agents_runtime_user_in_their_own_sessions() {
    let issuer = LocalIssuer::start(&[KID]).await;
    let h = harness(&env_of(&issuer.env())).await;
    let alice = sign(&issuer.claims("alice"), Some(KID), Signer::Issuer);
    let bob = sign(&issuer.claims("bob"), Some(KID), Signer::Issuer);
    let same_session = json!({"query": "q", "session_id": "team-room-000000000000000000000001"});

    let a = call(&h.bridge, invoke_as(&alice, &same_session)).await;
    assert_eq!(a.status, 200, "{}", a.raw);
    let b = call(&h.bridge, invoke_as(&bob, &same_session)).await;
    assert_eq!(b.status, 200, "{}", b.raw);
    let a_again = call(&h.bridge, invoke_as(&alice, &same_session)).await;

    let calls = h.agentcore.invocations();
    assert_eq!(calls[0].header(USER_HEADER), Some("alice"));
    assert_eq!(calls[1].header(USER_HEADER), Some("bob"));
    let session = |r: &Reply| r.headers["x-agent-session-id"].clone();
    assert_eq!(
        session(&a),
        session(&a_again),
        "one user's session id is stable"
    );
    assert_ne!(
        session(&a),
        session(&b),
        "two users never share an agent session"
    );
}

#[tokio::test]
async fn forged_stale_or_misdirected_tokens_are_refused_before_the_agent() {
    let issuer = LocalIssuer::start(&[KID]).await;
    let h = harness(&env_of(&issuer.env())).await;
    let good = issuer.claims("alice");
    let with = |field: &str, value: Value| {
        let mut c = good.clone();
        c[field] = value;
        c
    };
    let signed = sign(&good, Some(KID), Signer::Issuer);
    let cases = [
        (
            "expired",
            sign(&with("exp", json!(now() - 120)), Some(KID), Signer::Issuer),
        ),
        (
            "not yet valid",
            sign(&with("nbf", json!(now() + 600)), Some(KID), Signer::Issuer),
        ),
        (
            "wrong issuer",
            sign(
                &with("iss", json!("https://idp.attacker.example")),
                Some(KID),
                Signer::Issuer,
            ),
        ),
        (
            "wrong audience",
            sign(
                &with("aud", json!("another-app")),
                Some(KID),
                Signer::Issuer,
            ),
        ),
        (
            "unknown kid",
            sign(&good, Some("someone-elses-key"), Signer::Issuer),
        ),
        ("no kid", sign(&good, None, Signer::Issuer)),
        ("alg none", unsigned(&good, KID)),
        (
            "HS256 signed with the issuer's RSA public key",
            sign(&good, Some(KID), Signer::Hmac(ISSUER_PUBLIC_PEM)),
        ),
        (
            "tampered payload",
            tampered(&signed, &with("sub", json!("admin"))),
        ),
        (
            "another key under the issuer's kid",
            sign(&good, Some(KID), Signer::Attacker),
        ),
        ("no expiry", {
            let mut c = good.clone();
            c.as_object_mut().unwrap().remove("exp");
            sign(&c, Some(KID), Signer::Issuer)
        }),
        ("no user claim", {
            let mut c = good.clone();
            c.as_object_mut().unwrap().remove("sub");
            sign(&c, Some(KID), Signer::Issuer)
        }),
        ("not a token", "not.a.jwt".to_owned()),
        ("empty", String::new()),
    ];
    for (what, token) in cases {
        let reply = call(&h.bridge, invoke_as(&token, &query())).await;
        assert_error(&reply, 401, "INVALID_TOKEN");
        assert_eq!(
            reply.headers["www-authenticate"], "Bearer error=\"invalid_token\"",
            "{what}"
        );
    }
    assert_eq!(
        h.agentcore.invocation_count(),
        0,
        "no refused token reached the agent"
    );
    // The same claims, properly signed, pass: each case above failed for its own reason.
    let reply = call(&h.bridge, invoke_as(&signed, &query())).await;
    assert_eq!(reply.status, 200, "{}", reply.raw);
}

#[tokio::test]
async fn a_rotated_key_is_fetched_once_and_made_up_key_ids_cause_no_fetch_storm() {
    let issuer = LocalIssuer::start(&[KID]).await;
    let h = harness(&env_of(&issuer.env())).await;
    let ok = |r: &Reply| assert_eq!(r.status, 200, "{}", r.raw);
    ok(&call(
        &h.bridge,
        invoke_as(
            &sign(&issuer.claims("a"), Some(KID), Signer::Issuer),
            &query(),
        ),
    )
    .await);
    ok(&call(
        &h.bridge,
        invoke_as(
            &sign(&issuer.claims("a"), Some(KID), Signer::Issuer),
            &query(),
        ),
    )
    .await);
    assert_eq!(issuer.fetches(), 1, "the key set is cached");

    // The issuer rotates: a token under the new kid makes the bridge fetch the set again.
    issuer.publish(&[KID, "issuer-key-2"]);
    let rotated = sign(&issuer.claims("a"), Some("issuer-key-2"), Signer::Issuer);
    ok(&call(&h.bridge, invoke_as(&rotated, &query())).await);
    assert_eq!(issuer.fetches(), 2);

    // A burst of made-up kids right after: refused without another fetch each.
    for n in 0..20 {
        let forged = sign(
            &issuer.claims("a"),
            Some(&format!("made-up-{n}")),
            Signer::Issuer,
        );
        assert_error(
            &call(&h.bridge, invoke_as(&forged, &query())).await,
            401,
            "INVALID_TOKEN",
        );
    }
    assert_eq!(issuer.fetches(), 2, "unknown kids are rate limited");
}

#[tokio::test]
async fn a_token_user_may_repeat_their_own_user_id_but_never_name_another() {
    let issuer = LocalIssuer::start(&[KID]).await;
    let h = harness(&env_of(&issuer.env())).await;
    let alice = sign(&issuer.claims("alice"), Some(KID), Signer::Issuer);
    let other = call(
        &h.bridge,
        invoke_as(&alice, &json!({"query": "q", "user_id": "bob"})),
    )
    .await;
    assert_error(&other, 403, "USER_NOT_ALLOWED");
    assert_eq!(h.agentcore.invocation_count(), 0);
    let own = call(
        &h.bridge,
        invoke_as(&alice, &json!({"query": "q", "user_id": "alice"})),
    )
    .await;
    assert_eq!(own.status, 200, "{}", own.raw);
}

#[tokio::test]
async fn required_tokens_refuse_invoke_calls_without_one_and_leave_webhooks_alone() {
    let issuer = LocalIssuer::start(&[KID]).await;
    let mut env = issuer.env();
    env.push(("USER_TOKENS", "required".into()));
    let h = harness(&env_of(&env)).await;
    let reply = call(&h.bridge, crate::support::event("invoke-api.json")).await;
    assert_error(&reply, 401, "TOKEN_REQUIRED");
    assert_eq!(reply.headers["www-authenticate"], "Bearer");
    // SigV4's Authorization header is not a bearer token.
    let sigv4 = event_with_headers(
        "invoke-api.json",
        &[(
            "Authorization",
            "AWS4-HMAC-SHA256 Credential=AKIA/20261130/us-east-1/lambda/aws4_request, SignedHeaders=host, Signature=00",
        )],
    );
    assert_error(&call(&h.bridge, sigv4).await, 401, "TOKEN_REQUIRED");
    assert_eq!(h.agentcore.invocation_count(), 0);
    let webhook = call(&h.bridge, crate::support::event("servicenow-incident.json")).await;
    assert_eq!(webhook.status, 200, "{}", webhook.raw);
}

#[tokio::test]
async fn a_token_never_widens_an_integrations_routes() {
    let issuer = LocalIssuer::start(&[KID]).await;
    let mut env = issuer.env();
    env.push((
        "INTEGRATION_KEYS",
        r#"{"ServiceNowProd": "k3y1d2x9q0", "ChatApp": "ch4tk3y001"}"#.into(),
    ));
    let h = harness(&env_of(&env)).await;
    let token = sign(&issuer.claims("alice"), Some(KID), Signer::Issuer);
    // The fixture's key is ServiceNow's: a webhook integration, not granted the invoke API.
    let reply = call(&h.bridge, invoke_as(&token, &query())).await;
    assert_error(&reply, 403, "ROUTE_NOT_ALLOWED");
    let mut ev = event_json("invoke-api.json");
    ev["requestContext"]["identity"]["apiKeyId"] = json!("ch4tk3y001");
    ev["headers"]["Authorization"] = json!(format!("Bearer {token}"));
    ev["multiValueHeaders"]["Authorization"] = json!([format!("Bearer {token}")]);
    let reply = call(&h.bridge, request(&ev)).await;
    assert_eq!(reply.status, 200, "{}", reply.raw);
    assert_eq!(h.agentcore.invocation_count(), 1);
}

#[tokio::test]
async fn an_unreachable_issuer_fails_closed() {
    // A port nothing listens on: the key set cannot be fetched.
    let closed = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}", closed.local_addr().unwrap());
    drop(closed);
    let h = harness(&[("OIDC_ISSUER", &url), ("OIDC_AUDIENCE", AUDIENCE)]).await;
    let claims = json!({"iss": url, "aud": AUDIENCE, "sub": "alice", "exp": now() + 300});
    let reply = call(
        &h.bridge,
        invoke_as(&sign(&claims, Some(KID), Signer::Issuer), &query()),
    )
    .await;
    assert_error(&reply, 503, "TOKEN_KEYS_UNAVAILABLE");
    assert_eq!(h.agentcore.invocation_count(), 0);
}

#[tokio::test]
async fn during_an_issuer_outage_requests_are_refused_at_once_not_queued() {
    let issuer = LocalIssuer::start(&[KID]).await;
    issuer.set_down(true);
    let h = harness(&env_of(&issuer.env())).await;
    let token = sign(&issuer.claims("alice"), Some(KID), Signer::Issuer);
    let replies = futures_util::future::join_all(
        (0..8).map(|_| call(&h.bridge, invoke_as(&token, &query()))),
    )
    .await;
    for reply in &replies {
        assert_error(reply, 503, "TOKEN_KEYS_UNAVAILABLE");
    }
    let again = call(&h.bridge, invoke_as(&token, &query())).await;
    assert_error(&again, 503, "TOKEN_KEYS_UNAVAILABLE");
    assert_eq!(
        issuer.fetches(),
        1,
        "one failed fetch answers the burst and the next request"
    );
    assert_eq!(h.agentcore.invocation_count(), 0);
}

/// The streaming Function URL's fixture (SigV4-signed by an IAM user) with `x-chat-auth`.
fn stream_as(chat_auth: &str) -> lambda_http::Request {
    let mut ev = event_json("function-url/stream-invoke.json");
    ev["headers"]["x-chat-auth"] = json!(chat_auth);
    request(&ev)
}

#[tokio::test]
async fn the_chat_auth_secret_proves_users_on_the_streaming_url() {
    let h = harness(&[
        ("CHAT_AUTH_SECRET", CHAT_SECRET),
        ("CHAT_AUTH_AUDIENCE", "chat"),
    ])
    .await;
    let claims = json!({"sub": "carol", "aud": "chat", "exp": now() + 300});
    let good = sign(&claims, None, Signer::Hmac(CHAT_SECRET.as_bytes()));
    let s = call_stream(&h.bridge, stream_as(&format!("Bearer {good}"))).await;
    assert_eq!(s.status, 200, "{}", s.raw);
    assert!(s.raw.contains("\"done\""), "{}", s.raw);
    assert_eq!(
        h.agentcore.invocations()[0].header(USER_HEADER),
        Some("carol")
    );

    let refused = [
        sign(
            &claims,
            None,
            Signer::Hmac(b"a-guessed-secret-that-is-long-enough-000"),
        ),
        sign(
            &json!({"sub": "carol", "aud": "other", "exp": now() + 300}),
            None,
            Signer::Hmac(CHAT_SECRET.as_bytes()),
        ),
        sign(
            &json!({"sub": "carol", "aud": "chat", "exp": now() - 120}),
            None,
            Signer::Hmac(CHAT_SECRET.as_bytes()),
        ),
        // An RSA-signed token where only the shared secret is configured.
        sign(&claims, Some(KID), Signer::Issuer),
    ];
    for token in refused {
        let s = call_stream(&h.bridge, stream_as(&format!("Bearer {token}"))).await;
        assert_eq!(s.status, 401, "{}", s.raw);
        assert!(s.raw.contains("INVALID_TOKEN"), "{}", s.raw);
    }
    // x-chat-auth in any other form is a broken token, not an absent one.
    let s = call_stream(&h.bridge, stream_as(&format!("Basic {good}"))).await;
    assert_eq!(s.status, 401, "{}", s.raw);
    assert_eq!(h.agentcore.invocation_count(), 1);
}
