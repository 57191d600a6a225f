//! Users' bearer tokens on the invoke API and the streaming entry point: which issuers the
//! deployment trusts and how each is pinned. Two verifiers, each with its own algorithms, so a
//! token can never pick the key that checks it: an OIDC issuer (RSA/EC/EdDSA keys from its JWKS)
//! and the HS256 shared secret that chat front ends send in `x-chat-auth`.

use jsonwebtoken::Algorithm;

use super::policies::SessionSecret as SecretSetting;
use super::secret_ref::SecretRef;
use super::transport::{SECURE_URL_RULE, is_secure_or_local};
use super::vars::{ConfigError, Vars};

/// The shortest HS256 secret accepted: RFC 7518 §3.2 asks for a key as long as the hash (256 bits).
pub const CHAT_AUTH_SECRET_MIN: usize = 32;

/// The asymmetric algorithms an OIDC issuer may be pinned to. HS* is the shared-secret verifier's
/// alone: a public key must never be usable as an HMAC secret.
const OIDC_ALGORITHMS: [Algorithm; 9] = [
    Algorithm::RS256,
    Algorithm::RS384,
    Algorithm::RS512,
    Algorithm::PS256,
    Algorithm::PS384,
    Algorithm::PS512,
    Algorithm::ES256,
    Algorithm::ES384,
    Algorithm::EdDSA,
];

/// How users prove who they are, when the deployment takes tokens.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TokenSettings {
    /// `OIDC_ISSUER` and friends.
    pub oidc: Option<OidcSettings>,
    /// `CHAT_AUTH_SECRET[_REF]` and `CHAT_AUTH_AUDIENCE`.
    pub shared: Option<SharedSecretSettings>,
    /// `USER_CLAIM`: the claim naming the user (`runtimeUserId`); default `sub`.
    pub user_claim: String,
    /// `USER_TOKENS=required`: an invoke request without a token is refused; `optional`
    /// (default) lets callers without one in as themselves.
    pub required: bool,
}

/// One OIDC issuer (Cognito or any other).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OidcSettings {
    /// `OIDC_ISSUER`: the exact `iss` of its tokens.
    pub issuer: String,
    /// `OIDC_AUDIENCE`: accepted `aud` (ID tokens) or `client_id` (Cognito access tokens).
    pub audiences: Vec<String>,
    /// `OIDC_JWKS_URL`: its keys; default `<issuer>/.well-known/jwks.json`. Pinned here, never
    /// taken from a token (`jku`/`x5u` are ignored).
    pub jwks_url: String,
    /// `OIDC_ALGORITHMS`: default `RS256`.
    pub algorithms: Vec<Algorithm>,
}

/// The HS256 shared secret (Pika-style `x-chat-auth: Bearer <jwt>`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SharedSecretSettings {
    /// `CHAT_AUTH_SECRET` (local runs) or `CHAT_AUTH_SECRET_REF`.
    pub secret: SecretSetting,
    /// `CHAT_AUTH_AUDIENCE`: when set, tokens must carry it in `aud`.
    pub audience: Option<String>,
    /// `CHAT_AUTH_ISSUER`: when set, tokens must carry it in `iss`.
    pub issuer: Option<String>,
    /// `CHAT_AUTH_USER_CLAIM`: the claim naming the user. Unset: Pika's `userId`, else
    /// `USER_CLAIM`'s.
    pub user_claim: Option<String>,
}

/// The token settings, or `None` when the deployment takes no tokens.
pub(super) fn load(vars: &Vars) -> Result<Option<TokenSettings>, ConfigError> {
    let oidc = oidc(vars)?;
    let shared = shared(vars)?;
    let required = match vars.get("USER_TOKENS").as_deref() {
        None | Some("optional") => false,
        Some("required") => true,
        Some(other) => {
            return Err(ConfigError::new(
                "USER_TOKENS",
                format!("must be optional or required, got {other:?}"),
            ));
        }
    };
    let user_claim = vars.get("USER_CLAIM").unwrap_or_else(|| "sub".into());
    if oidc.is_none() && shared.is_none() {
        return match required {
            true => Err(ConfigError::new(
                "USER_TOKENS",
                "is required, but no verifier is configured (set OIDC_ISSUER or CHAT_AUTH_SECRET_REF)",
            )),
            false => Ok(None),
        };
    }
    Ok(Some(TokenSettings {
        oidc,
        shared,
        user_claim,
        required,
    }))
}

fn oidc(vars: &Vars) -> Result<Option<OidcSettings>, ConfigError> {
    let Some(issuer) = vars.get("OIDC_ISSUER") else {
        return match vars.get("OIDC_AUDIENCE") {
            Some(_) => Err(ConfigError::new(
                "OIDC_ISSUER",
                "is required with OIDC_AUDIENCE",
            )),
            None => Ok(None),
        };
    };
    let issuer = issuer.trim_end_matches('/').to_owned();
    secure_url("OIDC_ISSUER", &issuer)?;
    let audiences = vars.list("OIDC_AUDIENCE").unwrap_or_default();
    if audiences.is_empty() {
        // Without an audience any token the issuer ever minted (for any app) would do.
        return Err(ConfigError::new(
            "OIDC_AUDIENCE",
            "is required with OIDC_ISSUER (the app client ids or audiences to accept)",
        ));
    }
    let jwks_url = vars
        .get("OIDC_JWKS_URL")
        .unwrap_or_else(|| format!("{issuer}/.well-known/jwks.json"));
    secure_url("OIDC_JWKS_URL", &jwks_url)?;
    let algorithms = match vars.list("OIDC_ALGORITHMS") {
        None => vec![Algorithm::RS256],
        Some(names) => names
            .iter()
            .map(|name| {
                name.parse::<Algorithm>()
                    .ok()
                    .filter(|a| OIDC_ALGORITHMS.contains(a))
                    .ok_or_else(|| {
                        ConfigError::new(
                            "OIDC_ALGORITHMS",
                            format!("{name:?} is not an asymmetric JWS algorithm (RS256, PS256, ES256, EdDSA, ...)"),
                        )
                    })
            })
            .collect::<Result<_, _>>()?,
    };
    Ok(Some(OidcSettings {
        issuer,
        audiences,
        jwks_url,
        algorithms,
    }))
}

fn shared(vars: &Vars) -> Result<Option<SharedSecretSettings>, ConfigError> {
    let secret = match (
        vars.get("CHAT_AUTH_SECRET"),
        vars.get("CHAT_AUTH_SECRET_REF"),
    ) {
        (None, None) => return Ok(None),
        (Some(_), Some(_)) => {
            return Err(ConfigError::new(
                "CHAT_AUTH_SECRET_REF",
                "set either CHAT_AUTH_SECRET or CHAT_AUTH_SECRET_REF, not both",
            ));
        }
        (Some(secret), None) if secret.len() >= CHAT_AUTH_SECRET_MIN => {
            SecretSetting::Inline(secret.into_bytes())
        }
        (Some(_), None) => {
            return Err(ConfigError::new(
                "CHAT_AUTH_SECRET",
                format!("must be at least {CHAT_AUTH_SECRET_MIN} characters"),
            ));
        }
        (None, Some(reference)) => SecretRef::parse(&reference)
            .map(SecretSetting::Ref)
            .map_err(|p| ConfigError::new("CHAT_AUTH_SECRET_REF", p))?,
    };
    Ok(Some(SharedSecretSettings {
        secret,
        audience: vars.get("CHAT_AUTH_AUDIENCE"),
        issuer: vars.get("CHAT_AUTH_ISSUER"),
        user_claim: vars.get("CHAT_AUTH_USER_CLAIM"),
    }))
}

/// Keys are fetched over HTTPS only; plain HTTP only to a local stand-in (issuers in tests).
fn secure_url(variable: &'static str, url: &str) -> Result<(), ConfigError> {
    if is_secure_or_local(url) {
        Ok(())
    } else {
        Err(ConfigError::new(variable, SECURE_URL_RULE))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn load_from(pairs: &[(&str, &str)]) -> Result<Option<TokenSettings>, ConfigError> {
        let lookup = |k: &str| {
            pairs
                .iter()
                .find(|(name, _)| *name == k)
                .map(|(_, v)| v.to_string())
        };
        load(&Vars::new(&lookup))
    }

    const ISSUER: &str = "https://cognito-idp.us-east-1.amazonaws.com/us-east-1_AbC";

    #[test]
    fn no_verifier_means_no_tokens_unless_they_are_required() {
        assert_eq!(load_from(&[]), Ok(None));
        let err = load_from(&[("USER_TOKENS", "required")]).unwrap_err();
        assert_eq!(err.variable, "USER_TOKENS");
    }

    #[test]
    fn oidc_defaults_pin_rs256_and_the_issuers_own_jwks() {
        let got = load_from(&[
            ("OIDC_ISSUER", ISSUER),
            ("OIDC_AUDIENCE", "client-a, client-b"),
        ])
        .unwrap()
        .unwrap();
        let oidc = got.oidc.unwrap();
        assert_eq!(oidc.jwks_url, format!("{ISSUER}/.well-known/jwks.json"));
        assert_eq!(oidc.algorithms, vec![Algorithm::RS256]);
        assert_eq!(oidc.audiences, vec!["client-a", "client-b"]);
        assert_eq!(got.user_claim, "sub");
        assert!(!got.required);
    }

    #[test]
    fn an_issuer_needs_an_audience_and_https() {
        let err = load_from(&[("OIDC_ISSUER", ISSUER)]).unwrap_err();
        assert_eq!(err.variable, "OIDC_AUDIENCE");
        let err = load_from(&[
            ("OIDC_ISSUER", "http://idp.example.com"),
            ("OIDC_AUDIENCE", "a"),
        ])
        .unwrap_err();
        assert_eq!(err.variable, "OIDC_ISSUER");
        let local = load_from(&[
            ("OIDC_ISSUER", "http://127.0.0.1:9000"),
            ("OIDC_AUDIENCE", "a"),
        ]);
        assert!(local.is_ok(), "{local:?}");
    }

    #[test]
    fn hmac_algorithms_are_never_allowed_for_an_oidc_issuer() {
        let err = load_from(&[
            ("OIDC_ISSUER", ISSUER),
            ("OIDC_AUDIENCE", "a"),
            ("OIDC_ALGORITHMS", "RS256,HS256"),
        ])
        .unwrap_err();
        assert_eq!(err.variable, "OIDC_ALGORITHMS");
    }

    #[test]
    fn the_shared_secret_is_long_enough_and_given_one_way() {
        let err = load_from(&[("CHAT_AUTH_SECRET", "short")]).unwrap_err();
        assert_eq!(err.variable, "CHAT_AUTH_SECRET");
        let err = load_from(&[
            ("CHAT_AUTH_SECRET", &"x".repeat(32)),
            ("CHAT_AUTH_SECRET_REF", "/bridge/chat-auth"),
        ])
        .unwrap_err();
        assert_eq!(err.variable, "CHAT_AUTH_SECRET_REF");
        let got = load_from(&[
            ("CHAT_AUTH_SECRET_REF", "/bridge/chat-auth"),
            ("USER_TOKENS", "required"),
        ])
        .unwrap()
        .unwrap();
        assert!(got.required);
        assert_eq!(
            got.shared.unwrap().secret,
            SecretSetting::Ref(SecretRef::Ssm("/bridge/chat-auth".into()))
        );
    }
}
