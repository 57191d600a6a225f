//! What the deployment says: environment variables read once at cold start into typed values.
//! A bad value is a [`ConfigError`] naming the variable; nothing here does I/O.

mod transport;
mod vars;

mod secret_ref;
mod signing_secret;

mod agents;
mod endpoints;
mod integrations;
mod jobs;
mod metrics;
mod policies;
mod ticket_sink;
mod tokens;
mod write_back;

mod sources;

mod settings;

pub use agents::{
    AgentEndpoint, AgentTarget, AgentsSource, DEFAULT_AGENT, is_agent_name, parse_agents,
};
pub use integrations::{Grant, Integration, IntegrationRules, Integrations, IntegrationsSource};
pub use jobs::JobsConfig;
pub use policies::{
    ReleaseSessions, RetryMode, SESSION_SECRET_MIN, SessionPolicy, SessionSecret, UserIdSource,
};
pub use secret_ref::{SecretFreshness, SecretRef};
pub use settings::Config;
pub use signing_secret::signing_keys;
pub use sources::{DeliveryMode, Signing, SourceSettings};
pub use ticket_sink::{TicketPlace, jira_project_key};
pub use tokens::{CHAT_AUTH_SECRET_MIN, OidcSettings, SharedSecretSettings, TokenSettings};
pub use vars::ConfigError;
pub use write_back::{Credentials, WriteBackSetting};
