//! `bench-noop`: the floor under the bridge in `make bench`. The bridge's Runtime API loop and a
//! handler that echoes the request body, built like the webhook (the same loop and `lambda_http`
//! adapter, one thread, the same log set-up), so the bridge's warm time minus this one's is what
//! the bridge adds: its ticket work, its AgentCore call, its response.

use std::convert::Infallible;

use lambda_http::{Adapter, Error, Request, Response, service_fn};

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Error> {
    webhook_bridge::init_logging();
    webhook_bridge::serve(Adapter::from(service_fn(|req: Request| async move {
        Ok::<_, Infallible>(Response::new(req.into_body()))
    })))
    .await?;
    Ok(())
}
