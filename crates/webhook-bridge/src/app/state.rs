//! What the Lambdas share, built once per cold start: the configuration and the clients and
//! caches built from it; or, when the configuration is unusable, the reason, so every request
//! is answered `CONFIGURATION_ERROR` (and every job message handed back) instead of the function
//! crash-looping.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use aws_config::SdkConfig;

use crate::agent::{AgentClient, AgentDirectory};
use crate::config::{Config, ConfigError, SESSION_SECRET_MIN, SessionSecret, UserIdSource};
use crate::error::BridgeError;
use crate::integrations::IntegrationDirectory;
use crate::jobs::Jobs;
use crate::principal::{Principal, identify};
use crate::request::Caller;
use crate::route::Route;
use crate::sdk::load_sdk_configs;
use crate::secrets::{Secret, SecretStore};
use crate::sns::SnsVerifier;
use crate::tokens::UserTokens;
use crate::verify::Signers;

/// The most cold start may spend warming the AgentCore connection (Lambda allows 10 s of init).
const WARM_UP_BUDGET: Duration = Duration::from_secs(2);

/// Which request function this is, and so what its cold start prepares. (The worker is a
/// [`crate::Worker`]: this same state plus the write-back client, which the request functions'
/// binaries therefore never link.)
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Role {
    /// The REST API's function (webhooks, the invoke API, jobs): warms AgentCore, fetches the
    /// signing secrets and the agent directory.
    Webhook,
    /// The streaming Function URL (the invoke API only): warms AgentCore, fetches the agent
    /// directory; no webhook signatures to check.
    Stream,
}

/// Where the AWS clients reach their services (tests put each on its own local server).
#[derive(Debug, Clone, Copy)]
pub struct Aws<'a> {
    /// AgentCore's data plane.
    pub agentcore: &'a SdkConfig,
    /// The jobs table (DynamoDB) and queue (SQS).
    pub jobs: &'a SdkConfig,
    /// Secrets Manager and SSM Parameter Store.
    pub secrets: &'a SdkConfig,
}

impl<'a> Aws<'a> {
    /// Every service through the same settings, as in AWS.
    pub fn same(sdk: &'a SdkConfig) -> Aws<'a> {
        Aws {
            agentcore: sdk,
            jobs: sdk,
            secrets: sdk,
        }
    }
}

/// The clients and caches the flows use.
pub(super) struct Services {
    pub(super) config: Config,
    pub(super) agent: AgentClient,
    pub(super) agents: AgentDirectory,
    pub(super) signers: Signers,
    pub(super) jobs: Option<Jobs>,
    pub(super) secrets: SecretStore,
    pub(super) integrations: IntegrationDirectory,
    tokens: UserTokens,
    session_secret: Option<Secret<Vec<u8>>>,
    /// Until the first request or job has been reported: the `ColdStart` metric.
    cold: AtomicBool,
}

impl Services {
    /// Whether this is the instance's first report (true once, then false).
    pub(super) fn cold_start(&self) -> bool {
        self.cold.swap(false, Ordering::Relaxed)
    }

    /// Who is calling `route`, and may they: the integration whose key API Gateway admitted,
    /// the signed sender or AWS principal, and on the invoke routes the user a bearer token
    /// proves. Decided before anything else about the request is read.
    pub(super) async fn identify(
        &self,
        caller: &Caller,
        route: &Route,
    ) -> Result<Principal, BridgeError> {
        let holder = self
            .integrations
            .holder(caller.api_key_id.as_deref())
            .await?;
        identify(
            holder,
            &self.tokens,
            self.config.require_signatures,
            caller,
            route,
        )
        .await
    }

    /// The session secret (fetched on first use), or `None` when none is configured. A secret
    /// that cannot be fetched fails the request (`CONFIGURATION_ERROR`), never unkeyed ids.
    pub(super) async fn session_key(&self) -> Result<Option<Arc<Vec<u8>>>, BridgeError> {
        let Some(secret) = &self.session_secret else {
            return Ok(None);
        };
        let key = secret
            .get(&self.secrets, |value| {
                let value = value.trim();
                if value.len() < SESSION_SECRET_MIN {
                    return Err(format!("must be at least {SESSION_SECRET_MIN} characters"));
                }
                Ok(value.as_bytes().to_vec())
            })
            .await?;
        Ok(Some(key))
    }
}

/// A Lambda's state across invocations.
pub struct Bridge {
    services: Result<Services, ConfigError>,
}

impl Bridge {
    /// A bridge that serves with `config`; its AWS clients use `aws`.
    pub fn new(config: Config, aws: Aws<'_>) -> Bridge {
        let secrets = SecretStore::new(aws.secrets).with_freshness(config.secret_freshness);
        let services = Services {
            agent: AgentClient::new(aws.agentcore, &config),
            agents: AgentDirectory::new(
                config.default_endpoint(),
                config.agents.clone(),
                secrets.clone(),
            ),
            signers: Signers::new(
                &config.sources,
                secrets.clone(),
                SnsVerifier::new(
                    config.cloudwatch_topics.clone(),
                    config.endpoint_urls.sns.as_deref(),
                ),
            ),
            jobs: config.jobs.as_ref().map(|j| Jobs::new(aws.jobs, j)),
            integrations: IntegrationDirectory::new(config.integrations.clone(), secrets.clone()),
            tokens: UserTokens::new(config.tokens.clone(), secrets.clone()),
            session_secret: config.session_secret.clone().map(|s| match s {
                SessionSecret::Inline(key) => Secret::given(key),
                SessionSecret::Ref(reference) => Secret::fetched("SESSION_SECRET_REF", reference),
            }),
            secrets,
            config,
            cold: AtomicBool::new(true),
        };
        Bridge {
            services: Ok(services),
        }
    }

    /// A bridge whose configuration is unusable: it answers every request with
    /// `CONFIGURATION_ERROR` (and hands every job message back) instead of crashing, so the
    /// problem is visible and nothing loops.
    pub fn misconfigured(err: ConfigError) -> Bridge {
        Bridge { services: Err(err) }
    }

    /// Reads the environment, builds the clients once, prepares what `role` needs (bounded),
    /// and logs any configuration problem.
    pub async fn from_env(role: Role) -> Bridge {
        let bridge = load_env(Bridge::new, Bridge::misconfigured).await;
        // All bounded; running them together keeps cold start short.
        match role {
            Role::Webhook => {
                tokio::join!(bridge.warm_up(), bridge.prefetch_secrets());
            }
            Role::Stream => {
                tokio::join!(bridge.warm_up(), bridge.prefetch_agents());
            }
        }
        bridge
    }

    /// Opens the connection to AgentCore ahead of the first delivery, when `AGENT_WARM_UP` is on.
    /// Bounded by a 2 s budget; a failure only costs the first delivery its head start.
    pub async fn warm_up(&self) {
        let Ok(s) = &self.services else { return };
        if !s.config.warm_up {
            return;
        }
        let started = Instant::now();
        let outcome = s.agent.warm_up(WARM_UP_BUDGET).await;
        tracing::info!(
            outcome,
            elapsed_ms = started.elapsed().as_millis() as u64,
            "AgentCore connection warmed"
        );
    }

    /// Fetches referenced signing secrets, the agent and integration directories and the session
    /// secret (cold start). A failure only makes the requests that need them retry the fetch.
    pub async fn prefetch_secrets(&self) {
        let Ok(s) = &self.services else { return };
        let _ = tokio::join!(
            s.signers.prefetch(),
            s.agents.prefetch(),
            s.session_key(),
            s.integrations.prefetch()
        );
    }

    /// Fetches the agent directory (`AGENTS_PARAMETER`) and the session secret at cold start.
    pub async fn prefetch_agents(&self) {
        if let Ok(s) = &self.services {
            let _ = tokio::join!(s.agents.prefetch(), s.session_key());
        }
    }

    /// The services, or why the configuration is unusable.
    pub(super) fn loaded(&self) -> Result<&Services, &ConfigError> {
        self.services.as_ref()
    }

    /// The services, or `CONFIGURATION_ERROR`.
    pub(super) fn services(&self) -> Result<&Services, BridgeError> {
        self.services
            .as_ref()
            .map_err(|_| BridgeError::Configuration)
    }

    /// The header `AGENT_USER_ID_SOURCE` names, read at the edge.
    pub(super) fn user_id_header(&self) -> Option<&str> {
        match &self.services.as_ref().ok()?.config.user_id_source {
            Some(UserIdSource::Header(name)) => Some(name),
            _ => None,
        }
    }
}

/// Reads the environment and builds with `build`, or, when the configuration is unusable, logs
/// why (naming the variable) and builds with `misconfigured`.
pub(super) async fn load_env<T>(
    build: impl FnOnce(Config, Aws<'_>) -> T,
    misconfigured: impl FnOnce(ConfigError) -> T,
) -> T {
    let config = match Config::from_env() {
        Ok(config) => config,
        Err(err) => {
            tracing::error!(
                variable = err.variable,
                problem = %err.problem,
                "configuration error: every request will be answered with 500 CONFIGURATION_ERROR until it is fixed"
            );
            return misconfigured(err);
        }
    };
    let sdk = load_sdk_configs(&config).await;
    let aws = Aws {
        agentcore: &sdk.agentcore,
        jobs: &sdk.jobs,
        secrets: &sdk.secrets,
    };
    build(config, aws)
}
