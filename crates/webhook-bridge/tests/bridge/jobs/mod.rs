//! Idempotent and asynchronous deliveries with the real SDK clients against real protocol
//! servers: DynamoDB and SQS on moto, AgentCore on the local emulator, the ticket systems'
//! write-back APIs on the local recording stub. The worker is driven with SQS events built from
//! messages actually received from the queue.

mod backpressure;
mod binding;
mod large_answers;
mod modes;
mod replay;
mod sinks;
mod sns_sink;
mod sync;
mod ticket_sinks;
mod worker;
mod write_back;

// Builds on the ticket sinks.
mod several_sinks;
