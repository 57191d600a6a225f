//! One webhook delivery after routing: body cap → signature → read and filter → mode → ticket →
//! prompt and session → dispatch (the agent now, through the jobs table, or queued).

use std::time::SystemTime;

use ticket_prompt::Source;
use ticket_prompt::signature;
use ticket_prompt::sns::{SnsEnvelope, SnsKind};

use super::state::Services;
use super::trail::Trail;
use crate::config::DeliveryMode;
use crate::deadline::{Margin, agent_deadline};
use crate::dispatch::{self, Dispatched, Ready};
use crate::error::BridgeError;
use crate::jobs;
use crate::parse::{self, Read, Unanalysed};
use crate::principal::Principal;
use crate::prompt::{self, Sessions, UserTrust};
use crate::request::Inbound;
use crate::response::Outcome;
use crate::verify::Origin;

/// Runs the delivery; the trail holds what the log line needs, however far it got.
pub(super) async fn deliver(
    s: &Services,
    inbound: &Inbound,
    source: Source,
    principal: &Principal,
    trail: Trail,
) -> (Result<Outcome, BridgeError>, Trail) {
    let mut trail = trail;
    let config = &s.config;
    let settings = &config.sources[&source];
    let result = async {
        let body = inbound.body_within(config.max_body_bytes)?;
        let origin = s
            .signers
            .verify(
                source,
                config.require_signatures,
                body,
                &inbound.delivery,
                SystemTime::now(),
            )
            .await?;
        // A new SNS subscription (verified above) is confirmed, then acknowledged like any
        // event the source does not analyse.
        if source == Source::CloudWatch
            && let Ok(envelope) = SnsEnvelope::parse(body)
            && envelope.kind == SnsKind::SubscriptionConfirmation
        {
            s.signers.sns().confirm(&envelope).await?;
        }
        let event_hint = inbound.delivery.event_hint.as_deref();
        let delivery = match parse::delivery(settings, source, body, event_hint)? {
            Read::Ignored { event, reason } => {
                trail.event = Some(event.clone());
                return Ok(Outcome::Ignored {
                    source,
                    event,
                    reason,
                });
            }
            Read::Analyse(delivery) => delivery,
        };
        trail.event = Some(delivery.event.clone());
        let mode = dispatch::mode(&inbound.mode, settings.mode, principal.chooses_mode())?;
        if mode == DeliveryMode::Async && s.jobs.as_ref().is_none_or(|j| j.queue.is_none()) {
            return Err(BridgeError::AsyncNotEnabled);
        }
        let ticket = delivery.ticket(&config.field_limits)?;
        trail.ticket = Some(ticket.id.clone());
        let trust = UserTrust {
            caller_may_assert: principal.asserts_users(),
            signed: origin == Origin::Signed,
        };
        let key = s.session_key().await?;
        let owner = principal.id();
        let sessions = Sessions {
            policy: &config.session_policy,
            release: config.release_sessions,
            key: key.as_deref().map(Vec::as_slice),
            principal: &owner,
        };
        let call = prompt::for_ticket(
            sessions,
            config.user_id_source.as_ref(),
            trust,
            config.default_endpoint(),
            source,
            &ticket,
            inbound,
        )?;
        trail.session_id = Some(call.call.session_id.clone());
        let deadline = agent_deadline(
            config.agent_timeout,
            inbound.lambda_deadline_ms,
            Margin::Answer,
        );
        let jobs = match &s.jobs {
            Some(jobs) => {
                // A signature without a timestamp never goes stale: such deliveries are keyed by
                // their body, so a captured one sent again is recognised whatever its id.
                let replay_guard = origin == Origin::Signed && !signature::signs_time(source);
                // An alert group's resends differ in their bodies but not in what they report:
                // they are keyed by the group and its firing alerts, so the agent runs once.
                let identity = delivery.identity();
                let key = jobs::job_key(
                    &inbound.delivery.idempotency_key,
                    source,
                    identity.as_ref().map_or(body, String::as_bytes),
                    replay_guard,
                    &owner,
                )?;
                Some((jobs, key))
            }
            None => None,
        };
        let job_id = jobs.as_ref().map(|(_, job)| job.key.job_id());
        trail.job_id = job_id.clone();
        let ready = Ready {
            source,
            origin,
            principal: owner.clone(),
            ticket: &ticket,
            call,
            deadline,
        };
        let dispatch = dispatch::dispatch(&s.agent, jobs, mode, ready).await;
        trail.agent_call = dispatch.agent;
        Ok(match dispatch.result? {
            Dispatched::Analysed {
                text,
                session_id,
                replayed,
            } => Outcome::Analysed {
                source,
                ticket_id: ticket.id.clone(),
                text,
                session_id,
                replayed,
                job_id,
            },
            Dispatched::Accepted(job) => Outcome::Accepted {
                source,
                status_url: jobs::status_url(&inbound.api_base, &job.job_id),
                job: *job,
            },
            Dispatched::Replayed => Outcome::Ignored {
                source,
                event: delivery.event.clone(),
                reason: Unanalysed::Replay,
            },
        })
    }
    .await;
    (result, trail)
}
