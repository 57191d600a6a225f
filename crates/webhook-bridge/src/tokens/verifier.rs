//! [`UserTokens`]: the deployment's token verifiers, and the one check a presented token goes
//! through. Every refusal is the same `INVALID_TOKEN` to the caller (the log says which check
//! failed), so a prober learns nothing about which part was wrong.

use std::fmt;

use jsonwebtoken::jwk::KeyAlgorithm;
use jsonwebtoken::{Algorithm, DecodingKey, Validation, decode, decode_header};
use serde_json::{Map, Value};
use thiserror::Error;

use super::claims::{VerifiedUser, audience_matches, user_of};
use super::jwks::{Jwks, KeyMiss};
use crate::config::{OidcSettings, SessionSecret, SharedSecretSettings, TokenSettings};
use crate::secrets::{Secret, SecretError, SecretStore};

/// Clock skew allowed on `exp` and `nbf`.
const LEEWAY_SECONDS: u64 = 30;
/// The longest token read; anything longer is refused before it is parsed.
const MAX_TOKEN_BYTES: usize = 8 * 1024;
/// The issuer a shared-secret token's user is namespaced under.
const CHAT_AUTH_ISSUER: &str = "chat-auth";
/// The claim Pika's chat tokens name their user in (`{userId, customUserData}`).
const PIKA_USER_CLAIM: &str = "userId";

/// Which header carried a token.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TokenHeader {
    /// `Authorization: Bearer <jwt>` (the REST API, where the API key travels in `x-api-key`).
    Authorization,
    /// `x-chat-auth: Bearer <jwt>` (the SigV4 Function URL, whose `Authorization` is SigV4's).
    ChatAuth,
}

/// A bearer token as a caller presented it: a claim until [`UserTokens::verify`] proves it.
#[derive(Clone, PartialEq, Eq)]
pub struct PresentedToken {
    /// The compact JWT.
    pub token: String,
    /// Where it came from.
    pub header: TokenHeader,
}

impl fmt::Debug for PresentedToken {
    // A token is a credential: never printed.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PresentedToken")
            .field("header", &self.header)
            .field("token", &"<redacted>")
            .finish()
    }
}

/// Why a token was not accepted.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Error)]
pub enum TokenError {
    /// It does not verify (signature, algorithm, issuer, audience, time, key id, user claim).
    #[error("the bearer token is not valid: {0}")]
    Invalid(&'static str),
    /// The issuer's keys (or the shared secret) could not be fetched: nothing can be verified.
    #[error("the token verification keys are unavailable")]
    KeysUnavailable,
}

/// The verifiers the deployment configured.
pub struct UserTokens {
    settings: Option<TokenSettings>,
    oidc: Option<(OidcSettings, Jwks)>,
    shared: Option<(SharedSecretSettings, Secret<Vec<u8>>)>,
    store: SecretStore,
}

impl UserTokens {
    /// The verifiers `settings` describes; the shared secret is read through `store`.
    pub fn new(settings: Option<TokenSettings>, store: SecretStore) -> UserTokens {
        let oidc = settings.as_ref().and_then(|s| s.oidc.clone()).map(|o| {
            let jwks = Jwks::new(o.jwks_url.clone());
            (o, jwks)
        });
        let shared = settings.as_ref().and_then(|s| s.shared.clone()).map(|s| {
            let secret = match &s.secret {
                SessionSecret::Inline(key) => Secret::given(key.clone()),
                SessionSecret::Ref(r) => Secret::fetched("CHAT_AUTH_SECRET_REF", r.clone()),
            };
            (s, secret)
        });
        UserTokens {
            settings,
            oidc,
            shared,
            store,
        }
    }

    /// Whether the deployment takes tokens at all.
    pub fn enabled(&self) -> bool {
        self.settings.is_some()
    }

    /// Whether an invoke request must come with a token (`USER_TOKENS=required`).
    pub fn required(&self) -> bool {
        self.settings.as_ref().is_some_and(|s| s.required)
    }

    /// The user `presented` proves, or why it proves nothing.
    pub async fn verify(&self, presented: &PresentedToken) -> Result<VerifiedUser, TokenError> {
        let result = self.check(&presented.token).await;
        if let Err(TokenError::Invalid(why)) = &result {
            // Why, for the operator; the caller only learns INVALID_TOKEN.
            tracing::info!(header = ?presented.header, reason = why, "bearer token refused");
        }
        result
    }

    async fn check(&self, token: &str) -> Result<VerifiedUser, TokenError> {
        let Some(settings) = &self.settings else {
            return Err(TokenError::Invalid("this deployment takes no tokens"));
        };
        if token.len() > MAX_TOKEN_BYTES {
            return Err(TokenError::Invalid("too long"));
        }
        // `alg: none` and unknown algorithms fail here: `Algorithm` has no such variant.
        let header = decode_header(token).map_err(|_| TokenError::Invalid("malformed header"))?;
        let (issuer, claims) = match header.alg {
            Algorithm::HS256 => self.check_shared(token).await?,
            Algorithm::HS384 | Algorithm::HS512 => {
                return Err(TokenError::Invalid("algorithm not allowed"));
            }
            _ => {
                let kid = header
                    .kid
                    .as_deref()
                    .ok_or(TokenError::Invalid("no key id"))?;
                self.check_oidc(token, header.alg, kid).await?
            }
        };
        let user_claims = match (header.alg, &self.shared) {
            (Algorithm::HS256, Some((shared, _))) => match &shared.user_claim {
                Some(claim) => vec![claim.as_str()],
                // Pika's chat tokens name their user in `userId`.
                None => vec![PIKA_USER_CLAIM, settings.user_claim.as_str()],
            },
            _ => vec![settings.user_claim.as_str()],
        };
        let user = user_claims
            .iter()
            .find_map(|claim| user_of(&claims, claim))
            .ok_or(TokenError::Invalid("no usable user claim"))?;
        Ok(VerifiedUser { issuer, user })
    }

    async fn check_oidc(
        &self,
        token: &str,
        alg: Algorithm,
        kid: &str,
    ) -> Result<(String, Map<String, Value>), TokenError> {
        let (settings, jwks) = self
            .oidc
            .as_ref()
            .ok_or(TokenError::Invalid("no OIDC issuer is configured"))?;
        if !settings.algorithms.contains(&alg) {
            return Err(TokenError::Invalid("algorithm not allowed"));
        }
        let jwk = jwks.key(kid).await.map_err(|miss| match miss {
            KeyMiss::Unknown => TokenError::Invalid("unknown key id"),
            KeyMiss::Unavailable => TokenError::KeysUnavailable,
        })?;
        // A key published for another algorithm is not this token's key.
        if jwk
            .common
            .key_algorithm
            .is_some_and(|published| published != KeyAlgorithm::from(alg))
        {
            return Err(TokenError::Invalid("key is for another algorithm"));
        }
        let key = DecodingKey::from_jwk(&jwk).map_err(|_| TokenError::Invalid("unusable key"))?;
        let mut validation = validation(settings.algorithms.clone());
        validation.set_issuer(&[&settings.issuer]);
        validation.set_required_spec_claims(&["exp", "iss"]);
        // `aud` or Cognito's `client_id`: checked below.
        validation.validate_aud = false;
        let claims = decoded(token, &key, &validation)?;
        if !audience_matches(&claims, &settings.audiences) {
            return Err(TokenError::Invalid("wrong audience"));
        }
        Ok((settings.issuer.clone(), claims))
    }

    async fn check_shared(&self, token: &str) -> Result<(String, Map<String, Value>), TokenError> {
        let (settings, secret) = self
            .shared
            .as_ref()
            .ok_or(TokenError::Invalid("no shared secret is configured"))?;
        let secret = secret
            .get(&self.store, |value| {
                let value = value.trim();
                if value.len() < crate::config::CHAT_AUTH_SECRET_MIN {
                    return Err(format!(
                        "must be at least {} characters",
                        crate::config::CHAT_AUTH_SECRET_MIN
                    ));
                }
                Ok(value.as_bytes().to_vec())
            })
            .await
            .map_err(|e: SecretError| match e {
                SecretError::Unreachable | SecretError::Unusable => TokenError::KeysUnavailable,
            })?;
        let key = DecodingKey::from_secret(&secret).map_err(|_| TokenError::KeysUnavailable)?;
        let mut validation = validation(vec![Algorithm::HS256]);
        let mut required = vec!["exp"];
        match &settings.audience {
            Some(aud) => {
                validation.set_audience(&[aud]);
                required.push("aud");
            }
            None => validation.validate_aud = false,
        }
        if let Some(iss) = &settings.issuer {
            validation.set_issuer(&[iss]);
            required.push("iss");
        }
        validation.set_required_spec_claims(&required);
        let claims = decoded(token, &key, &validation)?;
        Ok((CHAT_AUTH_ISSUER.to_owned(), claims))
    }
}

/// The checks every token gets: the pinned algorithms, `exp` always and `nbf` when present.
fn validation(algorithms: Vec<Algorithm>) -> Validation {
    let mut validation = Validation::new(Algorithm::RS256);
    validation.algorithms = algorithms;
    validation.leeway = LEEWAY_SECONDS;
    validation.validate_nbf = true;
    validation
}

fn decoded(
    token: &str,
    key: &DecodingKey,
    validation: &Validation,
) -> Result<Map<String, Value>, TokenError> {
    use jsonwebtoken::errors::ErrorKind;
    decode::<Map<String, Value>>(token, key, validation)
        .map(|data| data.claims)
        .map_err(|e| {
            TokenError::Invalid(match e.kind() {
                ErrorKind::ExpiredSignature => "expired",
                ErrorKind::ImmatureSignature => "not yet valid",
                ErrorKind::InvalidIssuer => "wrong issuer",
                ErrorKind::InvalidAudience => "wrong audience",
                ErrorKind::InvalidSignature => "bad signature",
                ErrorKind::InvalidAlgorithm => "algorithm not allowed",
                ErrorKind::MissingRequiredClaim(_) => "a required claim is missing",
                _ => "malformed",
            })
        })
}
