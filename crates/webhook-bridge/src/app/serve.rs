//! The REST API's requests (the webhook function): read at the edge, routed to their flow,
//! answered with one envelope, logged in one line.

use std::time::Instant;

use lambda_http::{Body, Request, Response};

use super::state::{Bridge, Services};
use super::trail::{Ending, Trail};
use super::{invoke, webhook};
use crate::agent::AgentFailure;
use crate::error::BridgeError;
use crate::jobs;
use crate::principal::Principal;
use crate::request;
use crate::response::{self, Outcome};
use crate::route::Route;

impl Bridge {
    /// Handles one request; never fails, every outcome is an HTTP response.
    pub async fn handle(&self, req: Request) -> Response<Body> {
        let started = Instant::now();
        let (inbound, route) = request::read(req, self.user_id_header());
        let mut trail = Trail::for_route(route.as_ref().ok());
        // Who is calling, and may they call this route: decided before anything else is read.
        let ready = match route {
            Err(e) => Err(e),
            // Direct invocations naming their agent in the body are the streaming URL's.
            Ok(Route::DirectInvoke) => Err(BridgeError::NotFound),
            Ok(route) => self.admit(&inbound, route).await,
        };
        if let Ok((_, _, principal)) = &ready {
            trail.principal = Some(principal.id());
        }
        let (result, mut trail) = match ready {
            Err(e) => (Err(e), trail),
            Ok((s, Route::Webhook(source), principal)) => {
                webhook::deliver(s, &inbound, source, &principal, trail).await
            }
            Ok((s, Route::Invoke(agent), principal)) => {
                invoke::invoke(s, &inbound, agent, &principal, trail).await
            }
            Ok((_, Route::DirectInvoke, _)) => (Err(BridgeError::NotFound), trail),
            Ok((s, Route::Job(id), principal)) => {
                let owner = (principal != Principal::Anyone).then(|| principal.id());
                let job = match &s.jobs {
                    Some(store) => jobs::read(store, &id, owner.as_deref())
                        .await
                        .map(Outcome::Job),
                    None => Err(BridgeError::JobNotFound),
                };
                (job, trail)
            }
        };
        let response = response::render(&result, &inbound.request_id, started.elapsed());
        trail.settle_release().await;
        let agent_failure = result.as_ref().err().and_then(BridgeError::agent_failure);
        let end = Ending {
            request_id: &inbound.request_id,
            path: &inbound.path,
            status: response.status().as_u16(),
            code: match &result {
                Ok(outcome) => outcome.code(),
                Err(e) => e.code(),
            },
            latency: started.elapsed(),
            agent_error: agent_failure.is_some(),
            throttled: agent_failure == Some(AgentFailure::Throttled),
        };
        trail.log(&end);
        if let Ok(s) = self.services() {
            trail.report(&end, &s.config.metrics, s.cold_start());
        }
        response
    }

    /// The services, the route and the principal of a request that may call its route.
    async fn admit(
        &self,
        inbound: &request::Inbound,
        route: Route,
    ) -> Result<(&Services, Route, Principal), BridgeError> {
        let s = self.services()?;
        let principal = s.identify(&inbound.caller, &route).await?;
        Ok((s, route, principal))
    }
}
