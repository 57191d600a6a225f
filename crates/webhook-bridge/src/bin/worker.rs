//! The worker Lambda (SQS event source, ReportBatchItemFailures): runs queued jobs and writes the
//! analyses back.

use aws_lambda_events::event::sqs::{SqsBatchResponse, SqsEvent};
use lambda_http::lambda_runtime::{self, Error, LambdaEvent, service_fn};
use webhook_bridge::{Bridge, Role};

// One thread: one batch at a time per instance.
#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Error> {
    lambda_http::tracing::init_default_subscriber();
    let bridge = &Bridge::from_env(Role::Worker).await;
    lambda_runtime::run(service_fn(move |event: LambdaEvent<SqsEvent>| async move {
        let deadline_ms = event.context.deadline;
        Ok::<SqsBatchResponse, Error>(bridge.handle_jobs(event.payload, deadline_ms).await)
    }))
    .await
}
