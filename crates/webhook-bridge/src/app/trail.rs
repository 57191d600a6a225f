//! The one log line each request leaves, assembled by the flows from what the steps returned.

use std::time::Duration;

use ticket_prompt::Source;

use crate::dispatch::AgentTrace;
use crate::metrics::{DeliveryFigures, Metrics};
use crate::route::Route;

/// What the log line reports about one request.
#[derive(Debug, Default)]
pub(super) struct Trail {
    /// The route's name for the metrics: the source, `invoke`, `jobs`, or `none`.
    pub(super) route: &'static str,
    /// Who called ([`crate::principal::Principal::id`]), once known.
    pub(super) principal: Option<String>,
    /// The invoke API's agent name.
    pub(super) agent: Option<String>,
    /// The delivery's job, when the jobs table is on.
    pub(super) job_id: Option<String>,
    pub(super) event: Option<String>,
    pub(super) source: Option<Source>,
    pub(super) ticket: Option<String>,
    pub(super) session_id: Option<String>,
    pub(super) agent_call: Option<AgentTrace>,
    /// What became of the agent session's release, once settled.
    pub(super) released: Option<String>,
}

/// How a request ended, for the log line.
pub(super) struct Ending<'a> {
    pub(super) request_id: &'a str,
    pub(super) path: &'a str,
    pub(super) status: u16,
    pub(super) code: &'a str,
    pub(super) latency: Duration,
    /// The agent (or its quotas) failed the request; `throttled` when by its rate limit.
    pub(super) agent_error: bool,
    pub(super) throttled: bool,
}

impl Trail {
    /// A trail that starts with what the route says (the source of a webhook).
    pub(super) fn for_route(route: Option<&Route>) -> Trail {
        Trail {
            route: match route {
                Some(Route::Webhook(source)) => source.as_str(),
                Some(Route::Invoke(_) | Route::DirectInvoke) => "invoke",
                Some(Route::Job(_)) => "jobs",
                None => "none",
            },
            source: match route {
                Some(Route::Webhook(source)) => Some(*source),
                _ => None,
            },
            ..Trail::default()
        }
    }

    /// Waits for the agent session's release, if one was started, and keeps its outcome for the
    /// line. Called last, so the stop overlaps everything else the request did.
    pub(super) async fn settle_release(&mut self) {
        if let Some(call) = self.agent_call.as_mut() {
            self.released = std::mem::take(&mut call.release).settled().await;
        }
    }

    /// The line: ids, route, outcome and latencies; ticket text never.
    pub(super) fn log(&self, end: &Ending<'_>) {
        let agent = self.agent_call.as_ref();
        tracing::info!(
            request_id = end.request_id,
            path = end.path,
            principal = self.principal.as_deref().unwrap_or(""),
            source = self.source.map_or("", Source::as_str),
            agent = self.agent.as_deref().unwrap_or(""),
            job_id = self.job_id.as_deref().unwrap_or(""),
            event = self.event.as_deref().unwrap_or(""),
            ticket = self.ticket.as_deref().unwrap_or(""),
            session_id = self.session_id.as_deref().unwrap_or(""),
            status = end.status,
            code = end.code,
            latency_ms = end.latency.as_millis() as u64,
            agent_latency_ms = agent.map(|a| a.latency.as_millis() as u64),
            aws_request_id = agent
                .and_then(|a| a.aws_request_id.as_deref())
                .unwrap_or(""),
            session_released = self.released.as_deref().unwrap_or(""),
            "delivery handled"
        );
    }

    /// The request's metric document (see [`Metrics::delivery`]), after its log line.
    pub(super) fn report(&self, end: &Ending<'_>, metrics: &Metrics, cold_start: bool) {
        Metrics::emit(metrics.delivery(&DeliveryFigures {
            route: self.route,
            code: end.code,
            latency: end.latency,
            agent_latency: self.agent_call.as_ref().map(|a| a.latency),
            agent_error: end.agent_error,
            throttled: end.throttled,
            cold_start,
            request_id: end.request_id,
        }));
    }
}
