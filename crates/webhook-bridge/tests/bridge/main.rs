//! The handler tests, one binary (each test binary links the whole AWS SDK): the real `Bridge`
//! behind real Lambda event JSON, its SDK clients speaking real HTTP to the local AgentCore,
//! moto's DynamoDB/SQS and a Secrets Manager/SSM wire stub.

mod support;

mod agent_answers;
mod alert_sources;
mod bad_input;
mod bearer_keys;
mod callers;
mod callers_apart;
mod cloudwatch;
mod corpus;
mod function_url_callers;
mod integration_directory;
mod invocation;
mod invoke_api;
mod jobs;
mod log_hygiene;
mod monitoring_sources;
mod openapi;
mod secret_refs;
mod secret_rotation;
mod session_stops;
mod sources;
mod tokens;

// The manual against the code (uses the OpenAPI checks' error codes).
mod docs;
