//! One delivery, start to finish: route → check → parse → prompt → agent → response, with one
//! structured log line at the end.

use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use aws_config::SdkConfig;
use lambda_http::{Body, Request, RequestExt, Response};
use ticket_prompt::Source;

use crate::agent::{AgentClient, AgentError};
use crate::agents::AgentDirectory;
use crate::answer::Answer;
use crate::config::{Config, ConfigError};
use crate::error::BridgeError;
use crate::jobs::{self, Jobs};
use crate::routing::{Route, route};
use crate::secrets::SecretStore;
use crate::signing::Signers;
use crate::{invoke, response, webhook};
use job_store::JobRecord;

/// Time kept back from the Lambda deadline so the bridge can still answer with a typed 504
/// (and log) instead of being killed mid-request.
const LAMBDA_DEADLINE_MARGIN: Duration = Duration::from_millis(1500);

/// The most cold start may spend warming the AgentCore connection (Lambda allows 10 s of init).
pub const WARM_UP_BUDGET: Duration = Duration::from_secs(2);

/// What an entry point serves, and so what its cold start prepares.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Serves {
    /// Webhooks, the invoke API and jobs (the REST API's function): signing secrets are needed.
    All,
    /// Only the invoke API (the streaming function): no webhook signatures to check.
    InvokeOnly,
}

/// The request handler and everything it holds across invocations.
pub struct Bridge {
    pub(crate) ready: Result<Ready, ConfigError>,
}

pub(crate) struct Ready {
    pub(crate) config: Config,
    pub(crate) agent: AgentClient,
    pub(crate) agents: AgentDirectory,
    pub(crate) signers: Signers,
    pub(crate) jobs: Option<Jobs>,
}

/// What the log line reports about one delivery.
#[derive(Default)]
pub(crate) struct LogFields {
    /// The invoke API's agent name.
    pub(crate) agent: Option<String>,
    /// The delivery's job, when the jobs table is on.
    pub(crate) job_id: Option<String>,
    pub(crate) event: Option<String>,
    pub(crate) source: Option<Source>,
    pub(crate) ticket: Option<String>,
    pub(crate) session_id: Option<String>,
    pub(crate) agent_latency: Option<Duration>,
    pub(crate) aws_request_id: Option<String>,
}

/// What became of a delivery that was not refused.
pub(crate) enum Outcome {
    Analysed {
        source: Source,
        ticket_id: String,
        text: String,
        session_id: String,
        /// Answered from the jobs table: a retry of a delivery analysed before.
        replayed: bool,
        /// The delivery's job, when the jobs table is on (readable at `GET /jobs/{id}`).
        job_id: Option<String>,
    },
    /// An event the source is not configured to analyse, or one the bridge's own write-back
    /// caused.
    Ignored {
        source: Source,
        event: String,
        own_update: bool,
    },
    /// Queued for the worker (or a retry of a delivery already recorded): 202 with the job.
    Accepted {
        source: Source,
        job: JobRecord,
        status_url: String,
    },
    /// `GET /jobs/{id}`.
    Job(JobRecord),
    /// An answer from the invoke API.
    Invoked {
        agent: String,
        qualifier: String,
        answer: Answer,
        session_id: String,
    },
}

impl Bridge {
    /// A bridge that serves requests with `config`; its AWS clients use `sdk_config`.
    pub fn new(config: Config, sdk_config: &SdkConfig) -> Bridge {
        Bridge::from_parts(config, sdk_config, SecretStore::new(sdk_config))
    }

    /// As [`Bridge::new`], with the secret store given separately (tests point it elsewhere).
    pub fn from_parts(config: Config, sdk_config: &SdkConfig, secrets: SecretStore) -> Bridge {
        Bridge::with_services(config, sdk_config, sdk_config, secrets)
    }

    /// As [`Bridge::from_parts`], with the jobs table and queue reached through `jobs_sdk`
    /// (tests put AgentCore and DynamoDB/SQS on different local servers).
    pub fn with_services(
        config: Config,
        sdk_config: &SdkConfig,
        jobs_sdk: &SdkConfig,
        secrets: SecretStore,
    ) -> Bridge {
        let agent = AgentClient::new(sdk_config, &config);
        let agents = AgentDirectory::new(
            config.default_endpoint(),
            config.agents.clone(),
            secrets.clone(),
        );
        let signers = Signers::new(&config.sources, secrets);
        let jobs = config.jobs.as_ref().map(|j| Jobs::new(jobs_sdk, j));
        Bridge {
            ready: Ok(Ready {
                config,
                agent,
                agents,
                signers,
                jobs,
            }),
        }
    }

    /// A bridge whose configuration is unusable: it answers every request with
    /// `CONFIGURATION_ERROR` instead of crashing, so the problem is visible and nothing loops.
    pub fn misconfigured(err: ConfigError) -> Bridge {
        Bridge { ready: Err(err) }
    }

    /// Reads the environment, builds the SDK client once, and logs any configuration problem.
    pub async fn from_env(serves: Serves) -> Bridge {
        match Config::from_env() {
            Ok(config) => {
                let sdk_config = crate::agent::sdk_defaults(&config).load().await;
                let bridge = Bridge::new(config, &sdk_config);
                // All bounded; running them together keeps cold start short.
                match serves {
                    Serves::All => tokio::join!(bridge.warm_up(), bridge.prefetch_secrets()),
                    Serves::InvokeOnly => tokio::join!(bridge.warm_up(), bridge.prefetch_agents()),
                };
                bridge
            }
            Err(err) => {
                tracing::error!(
                    variable = err.variable,
                    problem = %err.problem,
                    "configuration error: every request will be answered with 500 CONFIGURATION_ERROR until it is fixed"
                );
                Bridge::misconfigured(err)
            }
        }
    }

    /// Opens the connection to AgentCore ahead of the first delivery, when `AGENT_WARM_UP` is on.
    /// Bounded by [`WARM_UP_BUDGET`]; a failure only costs the first delivery its head start.
    pub async fn warm_up(&self) {
        let Ok(ready) = &self.ready else { return };
        if !ready.config.warm_up {
            return;
        }
        let started = Instant::now();
        let outcome = ready.agent.warm_up(WARM_UP_BUDGET).await;
        tracing::info!(
            outcome,
            elapsed_ms = started.elapsed().as_millis() as u64,
            "AgentCore connection warmed"
        );
    }

    /// Fetches referenced signing secrets and the agent directory (cold start). A failure only
    /// makes the requests that need them retry the fetch.
    pub async fn prefetch_secrets(&self) {
        tokio::join!(self.prefetch_signing_secrets(), self.prefetch_agents());
    }

    async fn prefetch_signing_secrets(&self) {
        if let Ok(ready) = &self.ready {
            ready.signers.prefetch().await;
        }
    }

    /// Fetches the agent directory (`AGENTS_PARAMETER`) at cold start.
    pub async fn prefetch_agents(&self) {
        if let Ok(ready) = &self.ready {
            ready.agents.prefetch().await;
        }
    }

    /// Handles one request; never fails, every outcome is an HTTP response.
    pub async fn handle(&self, req: Request) -> Response<Body> {
        let started = Instant::now();
        let request_id = request_id(&req);
        let path = request_path(&req);
        let mut log = LogFields::default();
        let outcome = self.process(&req, &path, &mut log).await;
        let response = match &outcome {
            Ok(Outcome::Analysed {
                source,
                ticket_id,
                text,
                session_id,
                replayed,
                job_id,
            }) => response::analysed(
                *source,
                ticket_id,
                text,
                session_id,
                &response::Recorded {
                    replayed: *replayed,
                    job_id: job_id.as_deref(),
                },
                &request_id,
            ),
            Ok(Outcome::Ignored {
                source,
                event,
                own_update,
            }) => response::ignored(*source, event, *own_update, &request_id),
            Ok(Outcome::Accepted {
                source,
                job,
                status_url,
            }) => response::accepted(*source, job, status_url, &request_id),
            Ok(Outcome::Job(job)) => response::job(job, &request_id),
            Ok(Outcome::Invoked {
                agent,
                qualifier,
                answer,
                session_id,
            }) => response::invoked(
                answer,
                &response::InvokeMetadata {
                    execution_time: started.elapsed(),
                    agent,
                    qualifier,
                    request_id: &request_id,
                    session_id,
                },
            ),
            Err(e) => response::error(e, &request_id),
        };
        log_delivery(
            &request_id,
            &path,
            &log,
            &outcome,
            response.status().as_u16(),
            started.elapsed(),
        );
        response
    }

    async fn process(
        &self,
        req: &Request,
        path: &str,
        log: &mut LogFields,
    ) -> Result<Outcome, BridgeError> {
        let route = route(req.method(), path);
        if let Route::Webhook(source) = route {
            log.source = Some(source);
        }
        let ready = match route {
            Route::UnsupportedSource(s) => return Err(BridgeError::UnsupportedSource(s)),
            Route::MethodNotAllowed(allow) => return Err(BridgeError::MethodNotAllowed { allow }),
            Route::NotFound => return Err(BridgeError::NotFound),
            Route::Webhook(_) | Route::Invoke(_) | Route::Job(_) => self
                .ready
                .as_ref()
                .map_err(|_| BridgeError::Configuration)?,
        };
        match route {
            Route::Invoke(agent) => process_invoke(ready, req, &agent, log).await,
            Route::Webhook(source) => webhook::process(ready, req, path, source, log).await,
            Route::Job(id) => {
                let jobs = ready.jobs.as_ref().ok_or(BridgeError::JobNotFound)?;
                Ok(Outcome::Job(jobs::read(jobs, &id).await?))
            }
            _ => Err(BridgeError::NotFound),
        }
    }
}

async fn process_invoke(
    ready: &Ready,
    req: &Request,
    agent: &str,
    log: &mut LogFields,
) -> Result<Outcome, BridgeError> {
    log.agent = Some(agent.to_owned());
    let prepared = invoke::prepare(&ready.config, &ready.agents, req, agent).await?;
    log.session_id = Some(prepared.call.session_id.clone());
    let deadline = deadline(req, ready.config.agent_timeout);
    let reply = webhook::call_agent(ready, &prepared.call, deadline, log).await?;
    Ok(Outcome::Invoked {
        agent: prepared.agent,
        qualifier: prepared.endpoint.qualifier,
        answer: reply.answer,
        session_id: prepared.call.session_id,
    })
}

/// The operator's view of a failed agent call: SDK and agent text stay in the logs.
pub(crate) fn log_agent_failure(e: &AgentError) {
    tracing::warn!(
        failure = ?e.failure,
        error_type = e.error_type.as_deref().unwrap_or(""),
        aws_request_id = e.aws_request_id.as_deref().unwrap_or(""),
        detail = %e.detail,
        "agent call failed"
    );
}

/// The path as the caller sent it (with any stage prefix), for routing and logs.
pub(crate) fn request_path(req: &Request) -> String {
    match req.raw_http_path() {
        "" => req.uri().path().to_owned(),
        p => p.to_owned(),
    }
}

/// The Lambda request id when running under Lambda, else API Gateway's, else a fresh one.
pub(crate) fn request_id(req: &Request) -> String {
    if let Some(ctx) = req.lambda_context_ref()
        && !ctx.request_id.is_empty()
    {
        return ctx.request_id.clone();
    }
    if let Some(lambda_http::request::RequestContext::ApiGatewayV1(ctx)) = req.request_context_ref()
        && let Some(id) = ctx.request_id.as_deref().filter(|id| !id.is_empty())
    {
        return id.to_owned();
    }
    uuid::Uuid::new_v4().to_string()
}

/// The configured agent timeout, shortened to what the Lambda invocation has left.
pub(crate) fn deadline(req: &Request, configured: Duration) -> Duration {
    let lambda_deadline_ms = req.lambda_context_ref().map_or(0, |ctx| ctx.deadline);
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap_or_default();
    effective_deadline(configured, lambda_deadline_ms, now, LAMBDA_DEADLINE_MARGIN)
}

/// `configured`, capped by what is left before the Lambda deadline (epoch ms) less the margin.
/// A deadline of 0 means none was given (outside Lambda); one already past leaves no time.
pub(crate) fn effective_deadline(
    configured: Duration,
    lambda_deadline_ms: u64,
    now: Duration,
    margin: Duration,
) -> Duration {
    if lambda_deadline_ms == 0 {
        return configured;
    }
    let remaining = Duration::from_millis(lambda_deadline_ms).saturating_sub(now);
    configured.min(remaining.saturating_sub(margin))
}

fn log_delivery(
    request_id: &str,
    path: &str,
    d: &LogFields,
    outcome: &Result<Outcome, BridgeError>,
    status: u16,
    latency: Duration,
) {
    let code = match outcome {
        Ok(Outcome::Analysed {
            replayed: false, ..
        }) => "OK",
        Ok(Outcome::Ignored {
            own_update: false, ..
        }) => "IGNORED_EVENT",
        Ok(Outcome::Ignored {
            own_update: true, ..
        }) => "IGNORED_OWN_UPDATE",
        Ok(Outcome::Analysed { replayed: true, .. }) => "REPLAYED",
        Ok(Outcome::Accepted { .. }) => "ACCEPTED",
        Ok(Outcome::Job(_)) => "OK",
        Ok(Outcome::Invoked { .. }) => "OK",
        Err(e) => e.code(),
    };
    tracing::info!(
        request_id,
        path,
        source = d.source.map_or("", Source::as_str),
        agent = d.agent.as_deref().unwrap_or(""),
        job_id = d.job_id.as_deref().unwrap_or(""),
        event = d.event.as_deref().unwrap_or(""),
        ticket = d.ticket.as_deref().unwrap_or(""),
        session_id = d.session_id.as_deref().unwrap_or(""),
        status,
        code,
        latency_ms = latency.as_millis() as u64,
        agent_latency_ms = d.agent_latency.map(|l| l.as_millis() as u64),
        aws_request_id = d.aws_request_id.as_deref().unwrap_or(""),
        "delivery handled"
    );
}

#[cfg(test)]
mod tests {
    use super::*;

    const NOW_MS: u64 = 1_795_338_720_000;

    fn at(ms: u64) -> Duration {
        Duration::from_millis(ms)
    }

    #[test]
    fn no_lambda_deadline_keeps_the_configured_one() {
        assert_eq!(
            effective_deadline(
                Duration::from_secs(25),
                0,
                at(NOW_MS),
                LAMBDA_DEADLINE_MARGIN
            ),
            Duration::from_secs(25)
        );
    }

    #[test]
    fn the_lambda_deadline_less_the_margin_caps_it() {
        let ten_s_left = NOW_MS + 10_000;
        assert_eq!(
            effective_deadline(
                Duration::from_secs(25),
                ten_s_left,
                at(NOW_MS),
                LAMBDA_DEADLINE_MARGIN
            ),
            Duration::from_millis(8_500)
        );
        let an_hour_left = NOW_MS + 3_600_000;
        assert_eq!(
            effective_deadline(
                Duration::from_secs(25),
                an_hour_left,
                at(NOW_MS),
                LAMBDA_DEADLINE_MARGIN
            ),
            Duration::from_secs(25)
        );
    }

    #[test]
    fn a_passed_or_nearly_passed_deadline_leaves_no_time() {
        assert_eq!(
            effective_deadline(
                Duration::from_secs(25),
                NOW_MS - 1,
                at(NOW_MS),
                LAMBDA_DEADLINE_MARGIN
            ),
            Duration::ZERO
        );
        assert_eq!(
            effective_deadline(
                Duration::from_secs(25),
                NOW_MS + 1_000,
                at(NOW_MS),
                LAMBDA_DEADLINE_MARGIN
            ),
            Duration::ZERO
        );
    }
}
