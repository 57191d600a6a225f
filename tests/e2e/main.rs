//! End to end, over the built binaries and real protocol servers on loopback: the `webhook`,
//! `stream` and `worker` Lambdas under the local Lambda Runtime API, behind the local API Gateway,
//! Function URL and SQS event source mapping; the local AgentCore with its built-in agent or a
//! real `BedrockAgentCoreApp` agent; moto's DynamoDB and SQS; the ticketing stub; and the
//! `bridge` command line. One test binary (one link of the AWS SDK), one module per suite.

mod support;

mod agent_shapes;
mod async_jobs;
mod cli;
mod docs;
mod reference_clients;
mod runtime_emulators;
mod servicenow;
mod sources;
mod streaming;
