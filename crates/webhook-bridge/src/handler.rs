//! One delivery, start to finish: route → check → parse → prompt → agent → response, with one
//! structured log line at the end.

use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use aws_config::SdkConfig;
use lambda_http::{Body, Request, RequestExt, Response};
use ticket_prompt::signature::{self, Presented};
use ticket_prompt::{Source, agent_payload, read_delivery, render_prompt};

use crate::agent::{AgentCall, AgentClient, AgentError, AgentReply};
use crate::agents::AgentDirectory;
use crate::answer::Answer;
use crate::config::{Config, ConfigError};
use crate::error::BridgeError;
use crate::jobs::{self, Jobs, Recorded};
use crate::routing::{Route, route};
use crate::secrets::SecretStore;
use crate::signing::Signers;
use crate::source_config::DeliveryMode;
use crate::write_back::Target;
use crate::{inbound, invoke, response};
use job_store::{JobMessage, JobMode, JobRecord, NewJob};

/// Time kept back from the Lambda deadline so the bridge can still answer with a typed 504
/// (and log) instead of being killed mid-request.
const LAMBDA_DEADLINE_MARGIN: Duration = Duration::from_millis(1500);

/// GitHub names the event in a header, not in the body.
const GITHUB_EVENT_HEADER: &str = "x-github-event";

/// The most cold start may spend warming the AgentCore connection (Lambda allows 10 s of init).
pub const WARM_UP_BUDGET: Duration = Duration::from_secs(2);

/// The request handler and everything it holds across invocations.
pub struct Bridge {
    pub(crate) ready: Result<Ready, ConfigError>,
}

pub(crate) struct Ready {
    pub(crate) config: Config,
    pub(crate) agent: AgentClient,
    pub(crate) agents: AgentDirectory,
    signers: Signers,
    jobs: Option<Jobs>,
}

/// What the log line reports about one delivery.
#[derive(Default)]
struct LogFields {
    /// The invoke API's agent name.
    agent: Option<String>,
    /// The delivery's job, when the jobs table is on.
    job_id: Option<String>,
    event: Option<String>,
    source: Option<Source>,
    ticket: Option<String>,
    session_id: Option<String>,
    agent_latency: Option<Duration>,
    aws_request_id: Option<String>,
}

/// What became of a delivery that was not refused.
enum Outcome {
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
    pub async fn from_env() -> Bridge {
        match Config::from_env() {
            Ok(config) => {
                let sdk_config = crate::agent::sdk_defaults(&config).load().await;
                let bridge = Bridge::new(config, &sdk_config);
                // Both are bounded; running them together keeps cold start short.
                tokio::join!(bridge.warm_up(), bridge.prefetch_secrets());
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
        if let Ok(ready) = &self.ready {
            tokio::join!(ready.signers.prefetch(), ready.agents.prefetch());
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
            Route::Webhook(source) => process_webhook(ready, req, path, source, log).await,
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
    let reply = call_agent(ready, &prepared.call, deadline, log).await?;
    Ok(Outcome::Invoked {
        agent: prepared.agent,
        qualifier: prepared.endpoint.qualifier,
        answer: reply.answer,
        session_id: prepared.call.session_id,
    })
}

async fn process_webhook(
    ready: &Ready,
    req: &Request,
    path: &str,
    source: Source,
    log: &mut LogFields,
) -> Result<Outcome, BridgeError> {
    let body: &[u8] = req.body().as_ref();
    if body.len() > ready.config.max_body_bytes {
        return Err(BridgeError::PayloadTooLarge {
            size: body.len(),
            limit: ready.config.max_body_bytes,
        });
    }
    let settings = &ready.config.sources[&source];
    let keys = ready.signers.keys(source).await?;
    if keys.is_none() && ready.config.require_signatures {
        return Err(BridgeError::SigningRequired(source.as_str()));
    }
    if let Some(keys) = keys {
        // Over the raw bytes, before anything is parsed: re-serialised JSON would not verify.
        let names = signature::headers(source);
        let presented = Presented {
            signature: inbound::header(req, names.signature),
            timestamp: names.timestamp.and_then(|t| inbound::header(req, t)),
        };
        signature::verify(source, keys, body, presented, SystemTime::now())?;
    }
    let delivery = read_delivery(source, body, inbound::header(req, GITHUB_EVENT_HEADER))?;
    log.event = Some(delivery.event.clone());
    if !settings.acts_on(&delivery.event) {
        return Ok(Outcome::Ignored {
            source,
            event: delivery.event,
            own_update: false,
        });
    }
    // The bridge's own write-back fires the webhook again: acknowledge, never analyse.
    if settings.caused_by_integration(&delivery.actors()) {
        return Ok(Outcome::Ignored {
            source,
            event: delivery.event,
            own_update: true,
        });
    }
    let mode = jobs::requested_mode(req, settings.mode)?;
    let jobs = ready.jobs.as_ref();
    if mode == DeliveryMode::Async && jobs.is_none_or(|j| j.queue.is_none()) {
        return Err(BridgeError::AsyncNotEnabled);
    }
    let ticket = delivery.ticket(&ready.config.field_limits)?;
    log.ticket = Some(ticket.id.clone());

    let session_id = inbound::session_id(&ready.config.session_policy, req, source, &ticket)?;
    log.session_id = Some(session_id.clone());
    let prompt = render_prompt(&ticket, &uuid::Uuid::new_v4().simple().to_string());
    tracing::debug!(%prompt, "prompt rendered");
    let call = AgentCall {
        endpoint: ready.agents.default_endpoint().clone(),
        session_id: session_id.clone(),
        payload: serde_json::to_vec(&agent_payload(&ticket, &prompt)).unwrap_or_default(),
        user_id: inbound::user_id(ready.config.user_id_source.as_ref(), req, &ticket),
        trace: inbound::trace_context(req),
    };
    let deadline = deadline(req, ready.config.agent_timeout);
    let key = jobs
        .map(|_| jobs::idempotency_key(req, source, body))
        .transpose()?;
    let job_id = key.as_ref().map(|k| k.job_id());
    let analysed = |text: String, session_id: String, replayed: bool| Outcome::Analysed {
        source,
        ticket_id: ticket.id.clone(),
        text,
        session_id,
        replayed,
        job_id: job_id.clone(),
    };
    let (Some(jobs), Some(key)) = (jobs, key) else {
        let reply = call_agent(ready, &call, deadline, log).await?;
        return Ok(analysed(reply.answer.text, session_id, false));
    };

    let new = NewJob {
        key,
        mode: match mode {
            DeliveryMode::Sync => JobMode::Sync,
            DeliveryMode::Async => JobMode::Async,
        },
        ticket_id: ticket.id.clone(),
        session_id: session_id.clone(),
    };
    log.job_id = job_id.clone();
    let accepted = |job: JobRecord| Outcome::Accepted {
        source,
        status_url: jobs::status_url(req, path, &job.job_id),
        job,
    };
    if mode == DeliveryMode::Async {
        // Which ticket to write to; the worker writes only if it holds credentials for it.
        let write_back = Target::for_ticket(&ticket).and_then(|t| serde_json::to_value(t).ok());
        let job = jobs::accept_async(jobs, new, |job| JobMessage {
            job_id: job.job_id.clone(),
            source: source.as_str().to_owned(),
            ticket_id: ticket.id.clone(),
            session_id: job.session_id.clone(),
            user_id: call.user_id.clone(),
            payload: serde_json::from_slice(&call.payload).unwrap_or_default(),
            write_back,
        })
        .await?;
        return Ok(accepted(job));
    }
    match jobs::claim_sync(jobs, new, deadline).await? {
        Recorded::Accepted(job) => Ok(accepted(job)),
        Recorded::Replay(job) => Ok(analysed(
            job.analysis.unwrap_or_default(),
            job.session_id,
            true,
        )),
        Recorded::Run { job, attempt } => {
            let result = call_agent(ready, &call, deadline, log).await;
            let text = result
                .as_ref()
                .map(|r| r.answer.text.as_str())
                .map_err(drop);
            jobs::finish_sync(jobs, &job.job_id, attempt, text).await;
            Ok(analysed(result?.answer.text, session_id, false))
        }
    }
}

/// Invokes the agent, recording latency and AgentCore's request id in the log line and the
/// failure detail (never returned to the caller) in a warning.
async fn call_agent(
    ready: &Ready,
    call: &AgentCall,
    deadline: Duration,
    log: &mut LogFields,
) -> Result<AgentReply, BridgeError> {
    let agent_started = Instant::now();
    let result = ready.agent.invoke(call, deadline).await;
    log.agent_latency = Some(agent_started.elapsed());
    let reply = result.map_err(|e| {
        log.aws_request_id = e.aws_request_id.clone();
        log_agent_failure(&e);
        BridgeError::Agent(e)
    })?;
    log.aws_request_id = reply.aws_request_id.clone();
    Ok(reply)
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
