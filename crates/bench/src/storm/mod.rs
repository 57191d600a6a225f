//! `make storm`: an incident storm through the whole asynchronous path as deployed, on one
//! machine — the local API Gateway → webhook (async) → SQS on moto → the local event source
//! mapping → worker → the AgentCore emulator enforcing its quotas — and what became of every
//! delivery.

// Leaves first, the run last: a module uses only modules declared above it.
pub mod settings;

pub mod load;
pub mod stack;

pub mod tally;

pub mod report;
