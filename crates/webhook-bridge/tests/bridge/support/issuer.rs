//! A local OIDC issuer for the bearer-token tests: its JWKS served over real HTTP on loopback
//! (what the bridge fetches), keys it can publish and rotate, a count of fetches, and tokens
//! minted with its key, an attacker's key, or by hand (`alg: none`, tampered payloads).

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{SystemTime, UNIX_EPOCH};

use axum::Router;
use axum::extract::State;
use axum::routing::get;
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use http::HeaderName;
use http::header::CONTENT_TYPE;
use jsonwebtoken::{Algorithm, EncodingKey, Header, encode};
use serde_json::{Value, json};

/// The audience (app client id) the tests' deployments accept.
pub const AUDIENCE: &str = "bridge-chat-app";
/// The issuer's public key, as anyone can read it from its JWKS or documentation.
pub const ISSUER_PUBLIC_PEM: &[u8] = include_bytes!("keys/issuer-rsa-public.pem");

/// Who signs a token.
#[derive(Debug, Clone, Copy)]
pub enum Signer<'a> {
    /// The issuer's own key (RS256).
    Issuer,
    /// A key the bridge never trusted (RS256).
    Attacker,
    /// HS256 with these bytes as the secret.
    Hmac(&'a [u8]),
}

#[derive(Clone, Default)]
struct Published {
    keys: Arc<Mutex<Value>>,
    fetches: Arc<AtomicUsize>,
    down: Arc<std::sync::atomic::AtomicBool>,
}

/// A running issuer.
pub struct LocalIssuer {
    /// Its `iss` and the base of its JWKS URL.
    pub url: String,
    published: Published,
}

impl LocalIssuer {
    /// Starts serving `<url>/.well-known/jwks.json`, publishing the issuer's key under `kids`.
    pub async fn start(kids: &[&str]) -> LocalIssuer {
        let published = Published::default();
        let app = Router::new()
            .route("/.well-known/jwks.json", get(jwks))
            .with_state(published.clone());
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}", listener.local_addr().unwrap());
        tokio::spawn(async move { axum::serve(listener, app).await });
        let issuer = LocalIssuer { url, published };
        issuer.publish(kids);
        issuer
    }

    /// Publishes the issuer's key under each of `kids` (a rotation, when they change).
    pub fn publish(&self, kids: &[&str]) {
        let public: Value =
            serde_json::from_slice(include_bytes!("keys/issuer-rsa-jwk.json")).unwrap();
        let keys: Vec<Value> = kids
            .iter()
            .map(|kid| {
                let mut key = public.clone();
                key["kid"] = json!(kid);
                key["alg"] = json!("RS256");
                key["use"] = json!("sig");
                key
            })
            .collect();
        *self.published.keys.lock().unwrap() = json!({ "keys": keys });
    }

    /// Answers every key-set fetch with 503 while `down` (an outage).
    pub fn set_down(&self, down: bool) {
        self.published.down.store(down, Ordering::SeqCst);
    }

    /// How many times the key set was fetched.
    pub fn fetches(&self) -> usize {
        self.published.fetches.load(Ordering::SeqCst)
    }

    /// The deployment's settings for this issuer.
    pub fn env(&self) -> Vec<(&'static str, String)> {
        vec![
            ("OIDC_ISSUER", self.url.clone()),
            ("OIDC_AUDIENCE", AUDIENCE.to_owned()),
        ]
    }

    /// Claims a good token of this issuer carries for `sub`: valid for five minutes.
    pub fn claims(&self, sub: &str) -> Value {
        let now = now();
        json!({"iss": self.url, "aud": AUDIENCE, "sub": sub, "iat": now, "exp": now + 300})
    }
}

async fn jwks(
    State(published): State<Published>,
) -> (http::StatusCode, [(HeaderName, &'static str); 1], String) {
    published.fetches.fetch_add(1, Ordering::SeqCst);
    if published.down.load(Ordering::SeqCst) {
        let outage = r#"{"message": "unavailable"}"#.to_owned();
        return (
            http::StatusCode::SERVICE_UNAVAILABLE,
            [(CONTENT_TYPE, "application/json")],
            outage,
        );
    }
    let keys = published.keys.lock().unwrap().to_string();
    (
        http::StatusCode::OK,
        [(CONTENT_TYPE, "application/json")],
        keys,
    )
}

/// Seconds since the epoch.
pub fn now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs()
}

/// A compact JWT of `claims`, signed by `signer`, naming `kid`.
pub fn sign(claims: &Value, kid: Option<&str>, signer: Signer<'_>) -> String {
    let (alg, key) = match signer {
        Signer::Issuer => (
            Algorithm::RS256,
            EncodingKey::from_rsa_der(include_bytes!("keys/issuer-rsa.der")),
        ),
        Signer::Attacker => (
            Algorithm::RS256,
            EncodingKey::from_rsa_der(include_bytes!("keys/attacker-rsa.der")),
        ),
        Signer::Hmac(secret) => (Algorithm::HS256, EncodingKey::from_secret(secret).unwrap()),
    };
    let mut header = Header::new(alg);
    header.kid = kid.map(str::to_owned);
    encode(&header, claims, &key).expect("sign a test token")
}

/// An unsigned token (`alg: none`, empty signature).
pub fn unsigned(claims: &Value, kid: &str) -> String {
    let part = |v: Value| URL_SAFE_NO_PAD.encode(v.to_string());
    format!(
        "{}.{}.",
        part(json!({"alg": "none", "typ": "JWT", "kid": kid})),
        part(claims.clone())
    )
}

/// `token` with its payload swapped for `claims`, the original signature kept.
pub fn tampered(token: &str, claims: &Value) -> String {
    let parts: Vec<&str> = token.split('.').collect();
    format!(
        "{}.{}.{}",
        parts[0],
        URL_SAFE_NO_PAD.encode(claims.to_string()),
        parts[2]
    )
}
