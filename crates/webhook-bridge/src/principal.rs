//! Who is calling, and may they call this route. An integration, by the API key API Gateway
//! admitted; a sender proven by its signature alone (the API without keys); an AWS principal, by
//! the SigV4 signature Lambda checked (the streaming Function URL); or, where the deployment names
//! no integrations, anyone the front door admitted. On the invoke routes, a user whose bearer
//! token verifies is the principal, calling through one of those. Nothing a caller merely
//! asserts counts.

use ticket_prompt::Source;

use crate::config::{Grant, Integration};
use crate::error::BridgeError;
use crate::integrations::KeyHolder;
use crate::request::Caller;
use crate::route::Route;
use crate::tokens::UserTokens;

/// The caller a request is bound to: its jobs and sessions are its own.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Principal {
    /// An integration of the deployment, by its API key.
    Integration(Integration),
    /// A sender on the API without keys, once its signature verifies.
    Sender(Source),
    /// An AWS principal (IAM user or role ARN) on the SigV4 Function URL.
    Aws(String),
    /// Any caller: the deployment names no integrations (local runs).
    Anyone,
    /// A user a bearer token proved, calling through another principal (an integration's key,
    /// an AWS principal, or anyone where no integrations are named).
    User(User),
}

/// A verified user and the caller it came through.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct User {
    /// The token's issuer (or `chat-auth` for the shared secret).
    pub issuer: String,
    /// The configured user claim's value: the agent's `runtimeUserId`.
    pub user: String,
    /// Whose key or signature carried the request.
    pub via: Box<Principal>,
}

impl Principal {
    /// A stable name: recorded on jobs, logged, and the namespace of the caller's sessions.
    pub fn id(&self) -> String {
        match self {
            Principal::Integration(i) => format!("integration:{}", i.name),
            Principal::Sender(source) => format!("sender:{}", source.as_str()),
            Principal::Aws(arn) => format!("aws:{arn}"),
            Principal::Anyone => "anyone".into(),
            // The same user through any integration: one namespace, their own.
            Principal::User(u) => format!("user:{}#{}", u.issuer, u.user),
        }
    }

    /// Whether the caller may name the end user (`runtimeUserId`) in a header or body.
    pub fn asserts_users(&self) -> bool {
        match self {
            Principal::Integration(i) => i.asserts_users,
            Principal::Anyone => true,
            // A verified user is the user: nobody else may be named.
            Principal::Sender(_) | Principal::Aws(_) | Principal::User(_) => false,
        }
    }

    /// The user a bearer token proved, when there is one.
    pub fn verified_user(&self) -> Option<&str> {
        match self {
            Principal::User(u) => Some(&u.user),
            _ => None,
        }
    }

    /// Whether a request may choose sync or async; otherwise the source's mode holds.
    pub fn chooses_mode(&self) -> bool {
        match self {
            Principal::Integration(i) => i.chooses_mode,
            Principal::Anyone => true,
            Principal::Sender(_) | Principal::Aws(_) => false,
            Principal::User(u) => u.via.chooses_mode(),
        }
    }
}

/// The principal of a request for `route`: [`authorize`]'s, or, on the invoke routes of a
/// deployment that takes tokens, the user a presented bearer token proves (a token that does not
/// verify is refused, never ignored; `USER_TOKENS=required` refuses a request without one).
pub async fn identify(
    holder: KeyHolder,
    tokens: &UserTokens,
    require_signatures: bool,
    caller: &Caller,
    route: &Route,
) -> Result<Principal, BridgeError> {
    let principal = authorize(holder, require_signatures, caller, route)?;
    if !route.is_invoke() || !tokens.enabled() {
        return Ok(principal);
    }
    match &caller.token {
        None if tokens.required() => Err(BridgeError::TokenRequired),
        None => Ok(principal),
        Some(token) => {
            let verified = tokens.verify(token).await?;
            Ok(Principal::User(User {
                issuer: verified.issuer,
                user: verified.user,
                via: Box::new(principal),
            }))
        }
    }
}

/// The principal of a request for `route`, or `ROUTE_NOT_ALLOWED` when the caller may not call
/// it. `holder` is who holds the request's API key; `require_signatures` marks the function
/// behind the API without keys.
fn authorize(
    holder: KeyHolder,
    require_signatures: bool,
    caller: &Caller,
    route: &Route,
) -> Result<Principal, BridgeError> {
    if let Some(arn) = &caller.aws_principal {
        // The Function URL: Lambda checked the SigV4 signature and the caller's permission.
        return Ok(Principal::Aws(arn.clone()));
    }
    if require_signatures && caller.api_key_id.is_none() {
        // The API without keys, whose function refuses unsigned deliveries: the sender its
        // signature proves, whether or not the deployment names integrations (it names none
        // for this function), so it asserts no users and chooses no mode.
        return match route {
            Route::Webhook(source) => Ok(Principal::Sender(*source)),
            _ => Err(BridgeError::RouteNotAllowed),
        };
    }
    let integration = match holder {
        KeyHolder::Anyone => return Ok(Principal::Anyone),
        KeyHolder::NoKey | KeyHolder::Unknown => return Err(BridgeError::RouteNotAllowed),
        KeyHolder::Integration(integration) => integration,
    };
    let allowed = match (route, &integration.grant) {
        (Route::Webhook(source), Grant::Webhook(granted)) => source == granted,
        (Route::Invoke(_) | Route::DirectInvoke, Grant::Invoke) => true,
        // Its own jobs only: the job's record says whose it is.
        (Route::Job(_), _) => true,
        _ => false,
    };
    if !allowed {
        return Err(BridgeError::RouteNotAllowed);
    }
    Ok(Principal::Integration(integration))
}
