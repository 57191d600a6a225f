//! End to end: the built `bridge` binary against the real local stacks.
//!
//! - `bridge ticket` and `bridge invoke` through the local API Gateway (API key required) to the
//!   real `webhook` binary and the local AgentCore's built-in agent (buffered JSON answers);
//! - `bridge invoke --sigv4` through a local Lambda Function URL (`AuthType: AWS_IAM`, response
//!   streaming) to the real `stream` binary (NDJSON frames printed as they arrive).

mod run;

mod api_gateway;
mod function_url;
