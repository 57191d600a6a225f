//! The streaming Lambda (Function URL, `RESPONSE_STREAM`): the invoke API with the agent's output
//! forwarded as it arrives.

use std::convert::Infallible;

use lambda_http::{Error, Request, StreamAdapter, service_fn};
use webhook_bridge::{Bridge, Role};

// One thread, as in the webhook function: one request at a time per instance.
#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Error> {
    webhook_bridge::init_logging();
    let bridge = &Bridge::from_env(Role::Stream).await;
    webhook_bridge::serve(StreamAdapter::from(service_fn(
        move |req: Request| async move { Ok::<_, Infallible>(bridge.handle_stream(req).await) },
    )))
    .await?;
    Ok(())
}
