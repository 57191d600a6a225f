//! Where a ready agent call goes: to the agent now; through the jobs table first (a retry of a
//! delivery answered before gets the stored answer, a duplicate still running a 409); or onto
//! the queue for the worker (202 with the job, the write-back target travelling with it).

use std::time::{Duration, Instant};

use job_store::{JobMessage, JobMode, JobRecord, NewJob};
use ticket_prompt::{Source, Ticket};

use crate::agent::{AgentCall, AgentClient, AgentReply, SessionRelease};
use crate::config::DeliveryMode;
use crate::error::BridgeError;
use crate::jobs::{self, JobKey, Jobs, Recorded, ReplayCheck};
use crate::prompt::TicketCall;
use crate::request::ModeAsked;
use crate::verify::Origin;
use crate::write_back::Target;

/// What the log line reports about an agent call, and its session's release under way.
#[derive(Debug, Default)]
pub struct AgentTrace {
    /// How long the call took, answer read included.
    pub latency: Duration,
    /// AgentCore's request id, when it answered.
    pub aws_request_id: Option<String>,
    /// The session being stopped, when it will not be continued: awaited before the Lambda
    /// returns.
    pub release: SessionRelease,
}

/// What became of a dispatched delivery.
pub enum Dispatched {
    /// Analysed now, or answered from the record of an earlier identical delivery.
    Analysed {
        /// The analysis.
        text: String,
        /// The agent session it ran in.
        session_id: String,
        /// Answered from the jobs table: the agent was not called again.
        replayed: bool,
    },
    /// Queued for the worker (or a retry of a delivery recorded as asynchronous). Boxed: a
    /// record is several times larger than an analysis's handle.
    Accepted(Box<JobRecord>),
    /// A signed body received before under another delivery id: not run again.
    Replayed,
}

/// A dispatch's outcome and, when the agent was called, the call's trace.
pub struct Dispatch {
    /// The outcome.
    pub result: Result<Dispatched, BridgeError>,
    /// Set when this request called the agent.
    pub agent: Option<AgentTrace>,
}

/// The mode a delivery is answered in: `?mode=sync|async`, else `Prefer: respond-async`, else
/// the source's configured mode. A caller that may not choose gets the configured mode: its
/// `Prefer` is a preference and is not honoured (RFC 7240), and a `?mode=` other than the
/// configured one is refused (`MODE_NOT_ALLOWED`), never silently changed.
pub fn mode(
    asked: &ModeAsked,
    default: DeliveryMode,
    may_choose: bool,
) -> Result<DeliveryMode, BridgeError> {
    let asked_for = match asked.query.as_deref() {
        Some("sync") => Some(DeliveryMode::Sync),
        Some("async") => Some(DeliveryMode::Async),
        Some(other) => return Err(BridgeError::InvalidMode(other.to_owned())),
        None => None,
    };
    match (asked_for, may_choose) {
        (Some(mode), true) => Ok(mode),
        (Some(mode), false) if mode != default => Err(BridgeError::ModeNotAllowed),
        (None, true) if asked.prefer_async => Ok(DeliveryMode::Async),
        _ => Ok(default),
    }
}

/// Invokes the agent now, and starts releasing its session when it will not be continued. The
/// failure's detail (never returned to the caller) goes to a warning.
pub async fn call_agent(
    agent: &AgentClient,
    call: &AgentCall,
    deadline: Duration,
) -> (Result<AgentReply, BridgeError>, AgentTrace) {
    let started = Instant::now();
    let result = agent.invoke(call, deadline).await;
    let trace = AgentTrace {
        latency: started.elapsed(),
        aws_request_id: match &result {
            Ok(reply) => reply.aws_request_id.clone(),
            Err(e) => e.aws_request_id.clone(),
        },
        release: agent.release_after(call, &result),
    };
    let result = result.map_err(|e| {
        e.log();
        BridgeError::Agent(e)
    });
    (result, trace)
}

/// A delivery ready to go: its ticket, its call, and how long the call may take.
pub struct Ready<'a> {
    /// Where it came from.
    pub source: Source,
    /// What its signature proved: only a signed delivery may be written back to its ticket.
    pub origin: Origin,
    /// Who delivered it ([`crate::principal::Principal::id`]): recorded on its job.
    pub principal: String,
    /// The ticket it carries.
    pub ticket: &'a Ticket,
    /// The agent call and its payload document.
    pub call: TicketCall,
    /// The agent deadline.
    pub deadline: Duration,
}

/// Sends `ready` on its way: with the jobs table on, through it under its key; else to the agent.
pub async fn dispatch(
    agent: &AgentClient,
    jobs: Option<(&Jobs, JobKey)>,
    mode: DeliveryMode,
    ready: Ready<'_>,
) -> Dispatch {
    let Some((jobs, key)) = jobs else {
        return now(agent, &ready).await;
    };
    let mode_recorded = match mode {
        DeliveryMode::Sync => JobMode::Sync,
        DeliveryMode::Async => JobMode::Async,
    };
    let (new, check) = key.into_new_job(
        mode_recorded,
        ready.ticket.id.clone(),
        ready.call.call.session_id.clone(),
        ready.principal.clone(),
    );
    let recorded = if mode == DeliveryMode::Async {
        enqueue(jobs, new, &check, ready).await
    } else {
        match jobs::claim_sync(jobs, new, &check, ready.deadline).await {
            Ok(Recorded::Run { job, attempt }) => {
                let dispatch = now(agent, &ready).await;
                let text = match &dispatch.result {
                    Ok(Dispatched::Analysed { text, .. }) => Ok(text.as_str()),
                    _ => Err(()),
                };
                jobs::finish_sync(jobs, &job.job_id, attempt, text).await;
                return dispatch;
            }
            other => other,
        }
    };
    Dispatch {
        result: recorded.map(|recorded| match recorded {
            Recorded::Accepted(job) => Dispatched::Accepted(Box::new(job)),
            Recorded::Replay(job) => Dispatched::Analysed {
                text: job.analysis.unwrap_or_default(),
                session_id: job.session_id,
                replayed: true,
            },
            Recorded::Replayed => Dispatched::Replayed,
            // Run is answered above; an asynchronous claim never asks to run here.
            Recorded::Run { job, .. } => Dispatched::Accepted(Box::new(job)),
        }),
        agent: None,
    }
}

/// The agent, now.
async fn now(agent: &AgentClient, ready: &Ready<'_>) -> Dispatch {
    let (result, trace) = call_agent(agent, &ready.call.call, ready.deadline).await;
    Dispatch {
        result: result.map(|reply| Dispatched::Analysed {
            text: reply.answer.text,
            session_id: ready.call.call.session_id.clone(),
            replayed: false,
        }),
        agent: Some(trace),
    }
}

/// Records the job and queues it; the message carries what the worker needs, including where
/// the analysis goes: a ticket only for a signed delivery (an unsigned one could name any
/// ticket, and the integration user would write agent text into it); a chat channel, which the
/// configuration fixes, for any accepted alert. The worker writes only if it holds credentials.
async fn enqueue(
    jobs: &Jobs,
    new: NewJob,
    check: &ReplayCheck,
    ready: Ready<'_>,
) -> Result<Recorded, BridgeError> {
    let write_back = Target::for_ticket(ready.ticket)
        .filter(|t| ready.origin == Origin::Signed || !t.names_a_ticket())
        .and_then(|t| serde_json::to_value(t).ok());
    let Ready {
        source,
        ticket,
        call,
        ..
    } = ready;
    jobs::accept_async(jobs, new, check, |job| JobMessage {
        job_id: job.job_id.clone(),
        source: source.as_str().to_owned(),
        ticket_id: ticket.id.clone(),
        session_id: job.session_id.clone(),
        user_id: call.call.user_id.clone(),
        payload: call.payload,
        write_back,
        release_session: call.call.release_session,
        deferrals: 0,
    })
    .await
}
