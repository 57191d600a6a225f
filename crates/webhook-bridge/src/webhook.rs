//! One webhook delivery after routing: signature → parse → event filter and loop guard → ticket →
//! prompt → then the agent directly, or through the jobs table (sync with dedupe, or queued for
//! the worker).

use std::time::{Duration, Instant, SystemTime};

use job_store::{JobMessage, JobMode, JobRecord, NewJob};
use lambda_http::Request;
use ticket_prompt::signature::{self, Presented};
use ticket_prompt::{Source, agent_payload, read_delivery, render_prompt};

use crate::agent::{AgentCall, AgentReply};
use crate::error::BridgeError;
use crate::handler::{LogFields, Outcome, Ready, deadline, log_agent_failure};
use crate::inbound;
use crate::jobs::{self, Recorded};
use crate::source_config::DeliveryMode;
use crate::write_back::Target;

/// GitHub names the event in a header, not in the body.
const GITHUB_EVENT_HEADER: &str = "x-github-event";

pub(crate) async fn process(
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
    // Built once: the agent call sends its bytes, an async job message carries the document.
    let payload = agent_payload(&ticket, &prompt);
    let call = AgentCall {
        endpoint: ready.agents.default_endpoint().clone(),
        session_id: session_id.clone(),
        payload: serde_json::to_vec(&payload).unwrap_or_default(),
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
            payload,
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
pub(crate) async fn call_agent(
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
