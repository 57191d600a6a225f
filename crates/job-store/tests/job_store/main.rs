//! The job store and queue against moto's DynamoDB and SQS, through the real SDK clients: one
//! test binary (each links the AWS SDK), one module per concern.

mod support;

mod queue;
mod store;
