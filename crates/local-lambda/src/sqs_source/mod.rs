//! Lambda's SQS event source mapping, emulated: long-poll a queue, hand each batch to the function
//! as the real SQS event, and delete what the function processed, following Lambda's
//! `FunctionResponseTypes: [ReportBatchItemFailures]` rules.
//!
//! The queue is a real one (moto's server mode on loopback in the tests), driven through the real
//! `aws-sdk-sqs` client, so visibility timeouts, receive counts and the dead-letter redrive are the
//! queue's own behaviour, not this module's.

#[cfg(test)]
mod fixtures;

mod batch_response;
mod config;
mod event;

mod poller;

mod source;

pub use config::{SqsSourceConfig, SqsSourceError};
pub use source::SqsEventSource;
