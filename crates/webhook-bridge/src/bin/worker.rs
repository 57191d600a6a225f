//! The worker Lambda (SQS event source, ReportBatchItemFailures): runs queued jobs and writes the
//! analyses back.

use aws_lambda_events::event::sqs::{SqsBatchResponse, SqsEvent};
use lambda_http::lambda_runtime::{Error, LambdaEvent, service_fn};
use webhook_bridge::Worker;

// One thread: one batch at a time per instance.
#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Error> {
    webhook_bridge::init_logging();
    let worker = &Worker::from_env().await;
    webhook_bridge::serve(service_fn(move |event: LambdaEvent<SqsEvent>| async move {
        let deadline_ms = event.context.deadline;
        Ok::<SqsBatchResponse, Error>(worker.handle(event.payload, deadline_ms).await)
    }))
    .await?;
    Ok(())
}
