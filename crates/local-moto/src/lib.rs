//! A real DynamoDB + SQS (+ SNS) wire-protocol server on loopback (moto's server mode, from
//! `.venv-moto/`, made by `make venv`), driven through the real AWS SDK clients. One server per
//! test binary, started on first use; every test creates its own uniquely named table and queues,
//! so tests run in parallel on it. Used by the job-store, local-lambda, handler and end-to-end
//! tests; never deployed.
//!
//! The server runs under a small `sh` watchdog that kills it when its stdin reaches end of file.
//! The test process holds the write end, so the server dies with the test binary however that
//! ends (a static is never dropped, and a panic or abort skips destructors anyway).

// Leaves first: a module uses only modules declared above it.
mod server;

mod clients;
mod resources;

pub use clients::{
    REGION, dynamodb_client, dynamodb_client_at, sns_client, sqs_client, sqs_client_at,
};
pub use resources::{
    MAX_RECEIVE_COUNT, Queues, arn_of, create_queues, create_queues_with, create_table, depth,
    subscribed_topic, unique,
};
pub use server::{Moto, moto};
