//! How the bridge calls agents: the SDK's retry mode, the session policy and where the optional
//! runtime user id comes from.

use std::sync::LazyLock;

use regex_lite::Regex;

use super::secret_ref::SecretRef;
use super::vars::{ConfigError, Vars};

static NAMESPACE: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"^[A-Za-z0-9._-]{1,64}$").unwrap());

/// The SDK's retry strategy (`AGENT_RETRY_MODE`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RetryMode {
    /// Exponential back-off with jitter on throttling, 5xx and connection errors.
    Standard,
    /// Standard plus client-side rate limiting that slows down after throttling.
    Adaptive,
}

/// How deliveries map to AgentCore sessions (`SESSION_POLICY`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SessionPolicy {
    /// A fresh session per delivery (the default): retries never share a session.
    PerDelivery,
    /// One session per ticket (source + namespace + ticket id), so follow-ups keep the agent's memory.
    PerTicket {
        /// `SESSION_NAMESPACE`: keeps deployments that see the same tickets apart.
        namespace: String,
    },
    /// The caller's `X-Agent-Session-Id` header when present, else a fresh session.
    CallerSupplied,
}

/// Which agent sessions the bridge stops once their answer is in (`RELEASE_SESSIONS`). A
/// session holds a microVM, and one of the account's active sessions, until it idles out (15
/// minutes by default) unless stopped: a storm of one-off sessions would use up the quota.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReleaseSessions {
    /// Those that will not be continued (the default): fresh per-delivery sessions, and under
    /// `caller` those the caller did not name.
    Unused,
    /// Every session, even a ticket's or a caller's (follow-ups then start a fresh microVM and
    /// rely on the agent's own memory, not the session's).
    Always,
    /// None: sessions idle out on AgentCore's timer.
    Never,
}

impl ReleaseSessions {
    /// Whether a session that `continued` (may be used again by a later delivery) is stopped.
    pub fn releases(self, continued: bool) -> bool {
        match self {
            ReleaseSessions::Unused => !continued,
            ReleaseSessions::Always => true,
            ReleaseSessions::Never => false,
        }
    }
}

pub(super) fn release_sessions(vars: &Vars) -> Result<ReleaseSessions, ConfigError> {
    match vars.get("RELEASE_SESSIONS").as_deref() {
        None | Some("unused") => Ok(ReleaseSessions::Unused),
        Some("always") => Ok(ReleaseSessions::Always),
        Some("never") => Ok(ReleaseSessions::Never),
        Some(other) => Err(ConfigError::new(
            "RELEASE_SESSIONS",
            format!("must be unused, always or never, got {other:?}"),
        )),
    }
}

/// Where the optional `runtimeUserId` comes from (`AGENT_USER_ID_SOURCE`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum UserIdSource {
    /// A request header (name stored lower-case).
    Header(String),
    /// The ticket's requester (ServiceNow `caller_id`).
    TicketRequester,
}

/// The deployment's session secret: it keys callers' session namespaces and ticket sessions so
/// nobody can compute another caller's session from public data.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SessionSecret {
    /// `SESSION_SECRET`: the secret itself (local runs).
    Inline(Vec<u8>),
    /// `SESSION_SECRET_REF`: where it is kept (the template generates one).
    Ref(SecretRef),
}

/// The shortest session secret accepted.
pub const SESSION_SECRET_MIN: usize = 16;

pub(super) fn session_secret(vars: &Vars) -> Result<Option<SessionSecret>, ConfigError> {
    match (vars.get("SESSION_SECRET"), vars.get("SESSION_SECRET_REF")) {
        (None, None) => Ok(None),
        (Some(_), Some(_)) => Err(ConfigError::new(
            "SESSION_SECRET_REF",
            "set either SESSION_SECRET or SESSION_SECRET_REF, not both",
        )),
        (Some(secret), None) if secret.len() >= SESSION_SECRET_MIN => {
            Ok(Some(SessionSecret::Inline(secret.into_bytes())))
        }
        (Some(_), None) => Err(ConfigError::new(
            "SESSION_SECRET",
            format!("must be at least {SESSION_SECRET_MIN} characters"),
        )),
        (None, Some(raw)) => SecretRef::parse(&raw)
            .map(|r| Some(SessionSecret::Ref(r)))
            .map_err(|p| ConfigError::new("SESSION_SECRET_REF", p)),
    }
}

pub(super) fn retry_mode(vars: &Vars) -> Result<RetryMode, ConfigError> {
    match vars.get("AGENT_RETRY_MODE").as_deref() {
        None | Some("standard") => Ok(RetryMode::Standard),
        Some("adaptive") => Ok(RetryMode::Adaptive),
        Some(other) => Err(ConfigError::new(
            "AGENT_RETRY_MODE",
            format!("must be standard or adaptive, got {other:?}"),
        )),
    }
}

pub(super) fn session_policy(vars: &Vars) -> Result<SessionPolicy, ConfigError> {
    match vars.get("SESSION_POLICY").as_deref() {
        None | Some("delivery") => Ok(SessionPolicy::PerDelivery),
        Some("caller") => Ok(SessionPolicy::CallerSupplied),
        Some("ticket") => {
            let namespace = vars
                .get("SESSION_NAMESPACE")
                .unwrap_or_else(|| "default".into());
            if !NAMESPACE.is_match(&namespace) {
                return Err(ConfigError::new(
                    "SESSION_NAMESPACE",
                    "must be 1-64 letters, digits, '.', '_' or '-'",
                ));
            }
            Ok(SessionPolicy::PerTicket { namespace })
        }
        Some(other) => Err(ConfigError::new(
            "SESSION_POLICY",
            format!("must be delivery, ticket or caller, got {other:?}"),
        )),
    }
}

pub(super) fn user_id_source(vars: &Vars) -> Result<Option<UserIdSource>, ConfigError> {
    let Some(raw) = vars.get("AGENT_USER_ID_SOURCE") else {
        return Ok(None);
    };
    match raw.split_once(':') {
        Some(("header", name)) if http::HeaderName::from_bytes(name.as_bytes()).is_ok() => {
            Ok(Some(UserIdSource::Header(name.to_ascii_lowercase())))
        }
        Some(("ticket", "requester")) => Ok(Some(UserIdSource::TicketRequester)),
        _ => Err(ConfigError::new(
            "AGENT_USER_ID_SOURCE",
            format!("must be header:<header name> or ticket:requester, got {raw:?}"),
        )),
    }
}
