//! The webhook Lambda (the REST API's function): webhooks, the invoke API and job status.

use std::convert::Infallible;

use lambda_http::{Adapter, Error, Request, service_fn};
use webhook_bridge::{Bridge, Role};

// One thread: Lambda gives an instance one request at a time, so worker threads would only add
// cross-thread wake-ups to every request and stacks to the memory footprint.
#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Error> {
    // JSON logs when AWS_LAMBDA_LOG_FORMAT=JSON; level from AWS_LAMBDA_LOG_LEVEL, else RUST_LOG.
    webhook_bridge::init_logging();
    let bridge = &Bridge::from_env(Role::Webhook).await;
    webhook_bridge::serve(Adapter::from(service_fn(move |req: Request| async move {
        Ok::<_, Infallible>(bridge.handle(req).await)
    })))
    .await?;
    Ok(())
}
