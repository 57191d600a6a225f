//! The REST API's requests (the webhook function): read at the edge, routed to their flow,
//! answered with one envelope, logged in one line.

use std::time::Instant;

use lambda_http::{Body, Request, Response};

use super::state::Bridge;
use super::trail::{Ending, Trail};
use super::{invoke, webhook};
use crate::error::BridgeError;
use crate::jobs;
use crate::request;
use crate::response::{self, Outcome};
use crate::route::Route;

impl Bridge {
    /// Handles one request; never fails, every outcome is an HTTP response.
    pub async fn handle(&self, req: Request) -> Response<Body> {
        let started = Instant::now();
        let (inbound, route) = request::read(req, self.user_id_header());
        let trail = Trail::for_route(route.as_ref().ok());
        let (result, trail) = match (route, self.services()) {
            (Err(e), _) | (Ok(_), Err(e)) => (Err(e), trail),
            (Ok(Route::Webhook(source)), Ok(s)) => {
                webhook::deliver(s, &inbound, source, trail).await
            }
            (Ok(Route::Invoke(agent)), Ok(s)) => invoke::invoke(s, &inbound, agent).await,
            (Ok(Route::Job(id)), Ok(s)) => {
                let job = match &s.jobs {
                    Some(store) => jobs::read(store, &id).await.map(Outcome::Job),
                    None => Err(BridgeError::JobNotFound),
                };
                (job, trail)
            }
        };
        let response = response::render(&result, &inbound.request_id, started.elapsed());
        trail.log(&Ending {
            request_id: &inbound.request_id,
            path: &inbound.path,
            status: response.status().as_u16(),
            code: match &result {
                Ok(outcome) => outcome.code(),
                Err(e) => e.code(),
            },
            latency: started.elapsed(),
        });
        response
    }
}
